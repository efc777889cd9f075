import AdminSimulator
import CoreValues
import Foundation
import GRDB
import Ledger
import Projections
import SimulatorSupport
import Testing
import TestSupport

/// audit, reconcile, explain and demo, run as the built binary on a ledger synced from the simulator.
@Suite(.serialized) struct ProveTheNumbersTests {
    static let today = Day("2025-09-01")!
    static let since = Day("2025-08-02")!

    /// The simulated organization the data directory is synced from.
    static var simulator: SimulatorConfiguration { SimulatorConfiguration(seed: 21, today: today, historyDays: 40) }

    @Test func reconcileAgainstTruthMatchesAndOneCentOffIsNamed() async throws {
        try await withTemporaryDirectory { dir in
            try await withSyncedDataDirectory(in: dir, Self.simulator, since: Self.since) { data, sim in
                let csv = sim.truth.dashboardCSV(from: Self.since, to: Self.today)
                let good = dir.appendingPathComponent("truth.csv")
                try Data(csv.utf8).write(to: good)
                let ok = try BuiltProducts.claudeLedger(data, ["reconcile", "--dashboard", good.path])
                #expect(ok.status == 0, "\(ok.stdoutText)")
                #expect(ok.stdoutText.contains("30 days match"))

                // Move one day by one cent: exit 1 and that day named.
                let target = Day("2025-08-15")!
                var lines = csv.split(separator: "\n").map(String.init)
                let index = try #require(lines.firstIndex { $0.hasPrefix(target.description) })
                let amount = try ExactDecimal(parsing: lines[index].split(separator: ",")[1])
                lines[index] = "\(target),\(try amount.adding(ExactDecimal(parsing: "0.01")))"
                let bad = dir.appendingPathComponent("moved.csv")
                try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: bad)
                let off = try BuiltProducts.claudeLedger(data, ["reconcile", "--dashboard", bad.path])
                #expect(off.status == 1)
                #expect(off.stdoutText.contains("1 of 30 days differ"))
                #expect(off.stdoutText.contains("\(target)"))
                let differing = off.stdoutText.split(separator: "\n").filter { $0.contains("DIFFERS") }
                #expect(differing.count == 1)
                #expect(differing.first?.hasPrefix(target.description) == true)

                // A Console-style variant: US dates, $ signs, several rows per day.
                var console = "Date,Model,Cost (USD)\n"
                for day in Day.range(from: Self.since, to: Self.today) {
                    let usd = sim.truth.totalCostUSD(on: day)
                    let (y, m, d) = day.civil
                    let half = usd.rounded(places: 2)
                    let first = try half.subtracting(ExactDecimal(parsing: "0.01"))
                    console += "\(m)/\(d)/\(y),claude-a,\"$\(first.formatted(places: 2))\"\n\(m)/\(d)/\(y),claude-b,$0.01\n"
                }
                let consoleFile = dir.appendingPathComponent("console.csv")
                try Data(console.utf8).write(to: consoleFile)
                let consoleRun = try BuiltProducts.claudeLedger(data, ["reconcile", "--dashboard", consoleFile.path])
                #expect(consoleRun.status == 0, "\(consoleRun.stdoutText)")

                // A malformed file: exit 2, the line and column named, nothing recorded.
                let malformed = dir.appendingPathComponent("malformed.csv")
                try Data("date,cost\n2025-08-03,12.5\n2025-08-04,twelve\n".utf8).write(to: malformed)
                let historyBefore = try BuiltProducts.claudeLedger(data, ["reconcile", "--history"]).stdoutText
                let broken = try BuiltProducts.claudeLedger(data, ["reconcile", "--dashboard", malformed.path])
                #expect(broken.status == 2)
                #expect(broken.stderrText.hasPrefix("error: "))
                #expect(broken.stderrText.contains("line 3, column 2"))
                let history = try BuiltProducts.claudeLedger(data, ["reconcile", "--history"])
                #expect(history.stdoutText == historyBefore)
                // Three runs recorded: match, differs, match.
                #expect(history.stdoutText.split(separator: "\n").filter { $0.contains("match") || $0.contains("differs") }.count == 3)
            }
        }
    }

    @Test func auditHoldsThenCatchesADuplicateAGapAndA100xDay() async throws {
        try await withTemporaryDirectory { dir in
            try await withSyncedDataDirectory(in: dir, Self.simulator, since: Self.since) { data, _ in
                let clean = try BuiltProducts.claudeLedger(data, ["audit"])
                #expect(clean.status == 0, "\(clean.stdoutText)")
                let projections = data.appendingPathComponent("projections.sqlite")
                let pristine = dir.appendingPathComponent("pristine.sqlite")
                try FileManager.default.copyItem(at: projections, to: pristine)

                // A planted duplicate row.
                try DatabaseQueue(path: projections.path).write { db in
                    try db.execute(sql: "INSERT INTO claude_usage_keys SELECT * FROM claude_usage_keys WHERE date = '2025-08-10' LIMIT 1")
                }
                let duplicate = try BuiltProducts.claudeLedger(data, ["audit"])
                #expect(duplicate.status == 1)
                #expect(duplicate.stdoutText.contains("duplicate natural keys on 2025-08-10"))

                // A 100x day: cents read as dollars on one day.
                try FileManager.default.removeItem(at: projections)
                try FileManager.default.copyItem(at: pristine, to: projections)
                let day = "2025-08-20"
                let rows = try DatabaseQueue(path: projections.path).read { db in
                    try Row.fetchAll(db, sql: "SELECT rowid, amount_cents FROM claude_costs WHERE date = ?", arguments: [day])
                }
                try DatabaseQueue(path: projections.path).write { db in
                    for row in rows {
                        let cents = try ExactDecimal(parsing: row["amount_cents"] as String)
                        let inflated = try cents.multiplied(by: ExactDecimal(100))
                        try db.execute(
                            sql: "UPDATE claude_costs SET amount_cents = ?, amount_usd = ? WHERE rowid = ?",
                            arguments: [inflated.description, try inflated.dividedByPowerOfTen(2).description, row["rowid"] as Int64])
                    }
                }
                let hundred = try BuiltProducts.claudeLedger(data, ["audit"])
                #expect(hundred.status == 1)
                #expect(hundred.stdoutText.contains("cents-read-as-dollars"))
                #expect(hundred.stdoutText.contains(day))

                // A gap: a day whose only cost fetch is incomplete (a chain that stopped at page 0).
                try FileManager.default.removeItem(at: projections)
                try FileManager.default.copyItem(at: pristine, to: projections)
                let ledger = try Ledger(directory: data, create: false)
                let gapDay = Day("2025-09-03")!
                let fetch = Ledger.FetchDescriptor(runID: nil, stream: .cost, windowStart: gapDay, windowEnd: gapDay.adding(days: 1))
                try ledger.append(
                    Ledger.ReceivedPage(
                        fetch: fetch, pageIndex: 0, isLast: false,
                        request: Ledger.Request(path: ReportStream.cost.path, query: "limit=1"),
                        status: 200, requestID: "req_gap",
                        body: Data(#"{"data":[],"has_more":true,"next_page":"page_x"}"#.utf8)))
                try ledger.recordFetchFailure(fetch, attempts: 8, error: "HTTP 529 overloaded_error")
                let gap = try BuiltProducts.claudeLedger(data, ["audit", "--format", "json"])
                #expect(gap.status == 1)
                #expect(gap.stdoutText.contains("2025-09-03"))
                #expect(gap.stdoutText.contains("without a complete fetch"))
            }
        }
    }

    @Test func explainShowsTheRowsThePagesAndASupersededFetchAfterARevision() async throws {
        try await withTemporaryDirectory { dir in
            try await withSyncedDataDirectory(in: dir, Self.simulator, since: Self.since) { data, sim in
                let day = Self.today.adding(days: -1)
                let before = sim.truth.totalCostUSD(on: day)
                sim.revise(day: day)
                let after = sim.truth.totalCostUSD(on: day)
                let resync = try BuiltProducts.run(
                    "claude-ledger",
                    [
                        "sync", "--data-dir", data.path, "--base-url", sim.baseURL.absoluteString,
                        "--until", Self.today.description,
                    ],
                    environment: ["ANTHROPIC_ADMIN_KEY": AdminSimulator.defaultAdminKey])
                #expect(resync.status == 0)
                let result = try BuiltProducts.claudeLedger(data, ["explain", "--date", day.description])
                #expect(result.status == 0, "\(result.stderrText)")
                let text = result.stdoutText
                #expect(text.contains("exactly $\(after)"))
                #expect(text.contains("superseded"))
                #expect(text.contains("$\(before.formatted(places: 2))"), "the earlier total is shown as history")
                #expect(text.contains("used"))
                #expect(text.contains("request-id req_"))
                #expect(text.contains("Default workspace"))
            }
        }
    }

    @Test func demoRunsEndToEnd() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("demo")
            let started = Date()
            let result = try BuiltProducts.run("claude-ledger", ["demo", "--data-dir", data.path, "--days", "90"], timeout: 180)
            #expect(result.status == 0, "\(result.stdoutText)\n\(result.stderrText)")
            #expect(result.stdoutText.contains("all six invariants hold"))
            // 90 days, the newest provisional (the simulator's watermark is today's start).
            #expect(
                result.stdoutText.contains(
                    "6 cost sources agree: 89 final day(s) covered by both claude_costs and claude_costs_by_key agree to the cent"))
            #expect(result.stdoutText.contains("billed cost per API key (the analytics API, claude_costs_by_key):"))
            #expect(result.stdoutText.contains("90 of 90 days match"))
            #expect(Date().timeIntervalSince(started) < 60)
            let again = try BuiltProducts.run("claude-ledger", ["demo", "--data-dir", data.path])
            #expect(again.status == 2, "the demo never writes into an existing ledger")
            let verify = try BuiltProducts.run("claude-ledger", ["verify", "--data-dir", data.path])
            #expect(verify.status == 0)
        }
    }
}
