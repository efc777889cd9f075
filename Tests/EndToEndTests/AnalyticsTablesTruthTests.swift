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

/// `claude_costs_by_key` and `claude_usage_by_actor` against the simulator's ground truth (its
/// organization model, never the pages it served): 90 days synced through transient faults,
/// expired cursors (410) on continuation pages and a late revision.
@Suite(.serialized) struct AnalyticsTablesTruthTests {
    static let today = Day("2026-12-02")!

    struct CostKey: Hashable { var cols: [String?] }

    static func same(_ a: ExactDecimal, _ b: ExactDecimal) -> Bool { !(a < b) && !(b < a) }

    /// Every day of `days`: rows per (day, combination) with exact money, per-day totals, tokens
    /// per (day, actor) and per (day, key), and `provisional` from the watermark.
    /// `legacyStale`: a day whose legacy cost was revised after the legacy report last fetched it.
    static func expectEqualTruth(
        _ url: URL, _ sim: AdminSimulator, days: [Day], provisionalFrom: Day,
        legacyStale: Day? = nil
    ) throws {
        let db = try DatabaseQueue(path: url.path)
        let legacy = try ProjectionTables(url: url).costPerDay()
        for day in days {
            let truth = sim.truth.day(day)
            let rows = try db.read {
                try Row.fetchAll($0, sql: "SELECT * FROM claude_costs_by_key WHERE date = ?", arguments: [day.description])
            }
            #expect(rows.count == truth.costsByKey.count, "cost rows on \(day)")
            var actual: [[String?]: (ExactDecimal, ExactDecimal, ExactDecimal, ExactDecimal)] = [:]
            var total = ExactDecimal.zero
            for row in rows {
                let key: [String?] = ["workspace_id", "api_key_id", "model", "service_tier", "context_window", "cost_type", "token_type"]
                    .map { row[$0] }
                func money(_ column: String) throws -> ExactDecimal { try ExactDecimal(parsing: row[column] as String) }
                actual[key] = (
                    try money("amount_cents"), try money("list_amount_cents"), try money("amount_usd"), try money("list_amount_usd")
                )
                total = try total.adding(try money("amount_usd"))
                #expect((row["provisional"] as Int64) == (day >= provisionalFrom ? 1 : 0), "provisional on \(day)")
                #expect((row["organization_id"] as String?) == sim.truth.organizationID)
            }
            for t in truth.costsByKey {
                let key = [t.workspaceID, t.apiKeyID, t.model, t.serviceTier, t.contextWindow, t.costType, t.tokenType]
                guard let a = actual[key] else {
                    Issue.record("no row for \(key) on \(day)")
                    continue
                }
                #expect(
                    same(a.0, t.amountCents) && same(a.1, t.listAmountCents) && same(a.2, t.amountUSD)
                        && same(a.3, t.listAmountUSD), "money of \(key) on \(day)")
            }
            #expect(same(total, truth.totalCostUSD), "analytics total on \(day)")
            if day != legacyStale {
                #expect(same(total, legacy[day] ?? .zero), "the two sources on \(day)")
            }

            let usage = try db.read {
                try Row.fetchAll($0, sql: "SELECT * FROM claude_usage_by_actor WHERE date = ?", arguments: [day.description])
            }
            #expect(usage.count == truth.usageByActor.count, "usage rows on \(day)")
            var byActor: [[String?]: [Int64]] = [:]
            var byKey: [String?: Int64] = [:]
            for row in usage {
                let counts: [Int64] = [
                    "uncached_input_tokens", "cache_creation_5m_input_tokens", "cache_creation_1h_input_tokens",
                    "cache_read_input_tokens", "output_tokens", "web_search_requests", "requests",
                ].map { row[$0] ?? 0 }
                let actor: [String?] = [row["actor_type"], row["actor_id"], row["actor_email"], row["actor_name"]]
                byActor[actor] = zip(byActor[actor] ?? Array(repeating: 0, count: 7), counts).map { $0 + $1 }
                byKey[row["api_key_id"], default: 0] += counts[0...4].reduce(0, +)
                #expect((row["provisional"] as Int64) == (day >= provisionalFrom ? 1 : 0))
            }
            var expectedByActor: [[String?]: [Int64]] = [:]
            for t in truth.usageByActor {
                let k = t.tokens
                let counts = [k.uncachedInput, k.cacheWrite5m, k.cacheWrite1h, k.cacheRead, k.output, k.webSearchRequests, t.requests].map(
                    Int64.init)
                let actor = [t.actorType, t.actorID, t.actorEmail, t.actorName]
                expectedByActor[actor] = zip(expectedByActor[actor] ?? Array(repeating: 0, count: 7), counts).map { $0 + $1 }
            }
            #expect(byActor == expectedByActor, "tokens per actor on \(day)")
            var expectedByKey: [String?: Int64] = [:]
            for (key, k) in truth.tokensByAPIKey {
                expectedByKey[key] = Int64(k.uncachedInput + k.cacheWrite5m + k.cacheWrite1h + k.cacheRead + k.output)
            }
            #expect(byKey.filter { $0.key != nil } == expectedByKey.filter { $0.key != nil && $0.value > 0 }, "tokens per key on \(day)")
        }
    }

    /// What `audit`, `report costs --by api-key` and `report usage --by actor` read, against the
    /// truth: the two sources agree on every final day (87 of the 90: 3 are provisional), and the
    /// billed cost and tokens per key and per actor over the range are the truth's sums.
    static func expectReadSideEqualsTruth(_ ledger: Ledger, _ url: URL, _ sim: AdminSimulator, days: [Day]) throws {
        let tables = try ProjectionTables(url: url)
        let audit = try Audit.run(ledger: ledger, tables: tables)
        let six = audit.findings.first { $0.check == "6 cost sources agree" }
        #expect(six?.status == .ok)
        #expect(
            six?.detail.hasPrefix("87 final day(s) covered by both claude_costs and claude_costs_by_key agree to the cent") == true,
            "\(six?.detail ?? "")")
        #expect(audit.findings.first { $0.check == "known gap: cost per API key" }?.status == .ok)
        var costByKey: [String?: ExactDecimal] = [:]
        var tokensByActor: [String?: Int64] = [:]
        for day in days {
            let truth = sim.truth.day(day)
            for t in truth.costsByKey { costByKey[t.apiKeyID] = try (costByKey[t.apiKeyID] ?? .zero).adding(t.amountUSD) }
            for t in truth.usageByActor { tokensByActor[t.actorID, default: 0] += Int64(t.tokens.output) }
        }
        let billed = try tables.billedCost(by: "api_key_id")
        #expect(Set(billed.keys) == Set(costByKey.keys))
        for (key, usd) in costByKey { #expect(same(billed[key]?.usd ?? .zero, usd), "billed cost of \(key ?? "no key")") }
        let report = try Report.make(.init(kind: .usage, by: .actor), tables: tables).render(.csv)
        let header = report.split(separator: "\n").first.map { $0.split(separator: ",").map(String.init) } ?? []
        let outputColumn = try #require(header.firstIndex(of: "output_tokens"))
        var reported: Int64 = 0
        for line in report.split(separator: "\n").dropFirst() {
            reported += Int64(line.split(separator: ",", omittingEmptySubsequences: false)[outputColumn])!
        }
        #expect(reported == tokensByActor.values.reduce(0, +))
        #expect(report.split(separator: "\n").count == 1 + tokensByActor.count)
    }

    @Test func ninetyDaysWithFaultsExpiredCursorsAndARevisionEqualTruth() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 23, today: Self.today, historyDays: 90)
            config.faults = FaultConfiguration(rate: 0.1, kinds: FaultKind.transient + [.cursorExpired])
            config.faults.retryAfterSeconds = 1
            config.faults.slowMilliseconds = 200
            config.analyticsMaxRowsPerPage = 100
            // The watermark is 2026-11-29T12:00Z: the days from 2026-11-29 on are provisional.
            config.secondsIntoToday = 12 * 3_600
            config.analyticsRefreshLagSeconds = 3 * 86_400
            let provisionalFrom = Day("2026-11-29")!
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            sim.injectFaults([.cursorExpired, .cursorExpired])
            let ledger = try Ledger(directory: dir, create: true)
            let since = Self.today.adding(days: -90)
            let days = Day.range(from: since, to: Self.today)
            let url = dir.appendingPathComponent(Projections.fileName)

            let first = try await syncFromSimulator(ledger, sim, since: since)
            #expect(first.succeeded)
            #expect((sim.counters.responsesByStatus[410] ?? 0) >= 2)
            #expect(try ledger.fetchSummaries(stream: .analyticsCost).contains { !$0.isComplete }, "a 410 left an incomplete fetch")
            _ = try Projections.rebuild(ledger: ledger, into: url)
            try Self.expectEqualTruth(url, sim, days: days, provisionalFrom: provisionalFrom)
            try Self.expectReadSideEqualsTruth(ledger, url, sim, days: days)

            // A late revision of a day inside the 31 revisited days: replaced, not added.
            let revised = Self.today.adding(days: -20)
            let before = sim.truth.day(revised).totalCostCents
            let beforeUSD = sim.truth.day(revised).totalCostUSD
            sim.revise(day: revised)
            #expect(!Self.same(before, sim.truth.day(revised).totalCostCents))
            let second = try await syncFromSimulator(ledger, sim, since: nil)
            #expect(second.succeeded)
            let updated = try Projections.update(ledger: ledger, projectionsURL: url)
            #expect(updated.mode == .incremental)
            // The legacy streams revisit 3 days, the analytics streams 31: the legacy cost of the
            // revised day is still the one fetched before the revision (audit invariant 6 shows it).
            try Self.expectEqualTruth(url, sim, days: days, provisionalFrom: provisionalFrom, legacyStale: revised)
            // Invariant 6 names exactly that day, with the two totals the truth had before and after.
            let audit = try Audit.run(ledger: ledger, tables: ProjectionTables(url: url))
            let six = audit.findings.first { $0.check == "6 cost sources agree" }
            #expect(six?.status == .fail)
            #expect(six?.detail.hasPrefix("1 of 87 final day(s) differ") == true, "\(six?.detail ?? "")")
            #expect(
                six?.detail.contains("\(revised) cost_report $\(beforeUSD) vs analytics_cost $\(sim.truth.day(revised).totalCostUSD)")
                    == true,
                "\(six?.detail ?? "")")
            #expect(!audit.passed)
            let rebuilt = try Projections.rebuild(ledger: ledger, into: dir.appendingPathComponent("fresh.sqlite"))
            #expect(rebuilt.fingerprint == updated.fingerprint)
            #expect(rebuilt.rows[.costsByKey] == days.reduce(0) { $0 + sim.truth.day($1).costsByKey.count })
        }
    }
}
