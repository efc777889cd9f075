import AdminSimulator
import CoreValues
import Foundation
import GRDB
import Ledger
import Projections
import Reporting
import SimulatorSupport
import Sync
import Testing
import TestSupport

/// The whole pipeline against the simulator's ground truth (computed from its organization
/// model, never from the pages it served): sync with faults and late revisions, project, and
/// compare every day to the last decimal.
@Suite(.serialized) struct PipelineTruthTests {
    static let today = Day("2025-09-01")!
    static let key = AdminSimulator.defaultAdminKey

    struct CodeKey: Hashable { var day: String; var actor: String }

    /// Checks the three tables against truth for every day of `days`.
    static func expectTablesEqualTruth(_ url: URL, _ sim: AdminSimulator, days: [Day]) throws {
        let db = try DatabaseQueue(path: url.path)
        let tables = try ProjectionTables(url: url)
        let costs = try tables.costPerDay()
        for day in days {
            let truth = sim.truth.day(day)
            #expect((costs[day] ?? .zero) == truth.totalCostUSD, "cost on \(day)")
            // Every cost row, exact cents, per workspace.
            let cents = try db.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT workspace_id, amount_cents, amount_usd FROM claude_costs WHERE date = ?", arguments: [day.description])
            }
            var byWorkspace: [String?: ExactDecimal] = [:]
            for row in cents {
                let c = try ExactDecimal(parsing: row["amount_cents"] as String)
                #expect(try c.dividedByPowerOfTen(2) == ExactDecimal(parsing: row["amount_usd"] as String))
                byWorkspace[row["workspace_id"] as String?] = try (byWorkspace[row["workspace_id"] as String?] ?? .zero).adding(c)
            }
            #expect(byWorkspace == truth.costCentsByWorkspace, "cost per workspace on \(day)")
            // Usage tokens per API key.
            let usage = try db.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT api_key_id, SUM(uncached_input_tokens) u, SUM(cache_creation_5m_input_tokens) c5,
                               SUM(cache_creation_1h_input_tokens) c1, SUM(cache_read_input_tokens) r, SUM(output_tokens) o,
                               SUM(web_search_requests) w
                        FROM claude_usage_keys WHERE date = ? GROUP BY api_key_id
                        """, arguments: [day.description])
            }
            var tokens: [String?: TokenCounts] = [:]
            for row in usage {
                tokens[row["api_key_id"] as String?] = TokenCounts(
                    uncachedInput: row["u"], cacheWrite5m: row["c5"], cacheWrite1h: row["c1"],
                    cacheRead: row["r"], output: row["o"], webSearchRequests: row["w"])
            }
            #expect(tokens == truth.tokensByAPIKey.filter { $0.value != TokenCounts() }, "usage per key on \(day)")
            // Claude Code per actor.
            let code = try db.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT actor, SUM(num_sessions) s, SUM(lines_added) a, SUM(lines_removed) r, SUM(commits) c,
                               SUM(input_tokens) i, SUM(output_tokens) o, COUNT(*) n
                        FROM claude_code_productivity WHERE date = ? GROUP BY actor
                        """, arguments: [day.description])
            }
            var expected: [String: [Int]] = [:]
            for record in truth.claudeCodeRecords {
                var v = expected[record.actor] ?? [0, 0, 0, 0, 0, 0, 0]
                v[0] += record.numSessions; v[1] += record.linesAdded; v[2] += record.linesRemoved; v[3] += record.commits
                v[4] += record.modelBreakdown.reduce(0) { $0 + $1.input }
                v[5] += record.modelBreakdown.reduce(0) { $0 + $1.output }
                v[6] += 1
                expected[record.actor] = v
            }
            var actual: [String: [Int]] = [:]
            for row in code {
                actual[row["actor"] as String] = [row["s"], row["a"], row["r"], row["c"], row["i"], row["o"], row["n"]]
            }
            #expect(actual == expected, "claude code per actor on \(day)")
        }
    }

    @Test func tablesEqualTruthOver120DaysWithFaultsAndRevisions() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 11, today: Self.today, historyDays: 120)
            config.faults = FaultConfiguration(rate: 0.1)
            config.faults.retryAfterSeconds = 1
            config.faults.slowMilliseconds = 200
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            let url = Projections.defaultURL(in: dir)
            let since = Self.today.adding(days: -120)
            let days = Day.range(from: since, to: Self.today)

            #expect(try await syncFromSimulator(ledger, sim, since: since).succeeded)
            let first = try Projections.update(ledger: ledger, projectionsURL: url)
            try Self.expectTablesEqualTruth(url, sim, days: days)

            // Late-arriving data: Anthropic revises the last two days; the resumed sync revisits them.
            let revised = [Self.today.adding(days: -1), Self.today.adding(days: -2)]
            let before = revised.map { sim.truth.totalCostUSD(on: $0) }
            for day in revised { sim.revise(day: day) }
            #expect(revised.map { sim.truth.totalCostUSD(on: $0) } != before)
            #expect(try await syncFromSimulator(ledger, sim, since: nil).succeeded)
            let incremental = try Projections.update(ledger: ledger, projectionsURL: url)
            #expect(incremental.fingerprint != first.fingerprint)
            // Replaced, not added: every day still equals truth, the revised ones at their new value.
            try Self.expectTablesEqualTruth(url, sim, days: days)

            // A re-sync of unchanged data changes no row: the revisited days now come from the
            // newer (identical) pages, so only the event_id lineage moves.
            let saved = dir.appendingPathComponent("before-resync.sqlite")
            try FileManager.default.copyItem(at: url, to: saved)
            #expect(try await syncFromSimulator(ledger, sim, since: nil).succeeded)
            let again = try Projections.update(ledger: ledger, projectionsURL: url)
            let diff = try Projections.diff(old: saved, new: url)
            for (table, summary) in diff.tables {
                #expect(summary.added == 0 && summary.removed == 0 && summary.changed == 0, "\(table)")
                #expect(summary.oldRows == summary.newRows)
            }
            #expect(diff.tables[.costs]?.amountDeltaUSD.map { $0.isZero } ?? true)
            try Self.expectTablesEqualTruth(url, sim, days: days)

            // Deleting projections.sqlite loses nothing: a rebuild gives the incremental build's fingerprint.
            try FileManager.default.removeItem(at: url)
            let rebuilt = try Projections.rebuild(ledger: ledger, into: url)
            #expect(rebuilt.fingerprint == again.fingerprint)
            try Self.expectTablesEqualTruth(url, sim, days: revised)
        }
    }
}
