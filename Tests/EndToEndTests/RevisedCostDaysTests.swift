import AdminSimulator
import CoreValues
import Foundation
import SimulatorSupport
import TestSupport
import Testing

/// A revision by Anthropic older than the legacy revisit window (3 days) but inside the 31 days
/// the analytics streams revisit: `sync` sees the two cost totals of that final day differ and
/// asks the cost report for it again, so `claude_costs` follows the revision (checked against the
/// simulator's truth after the revision), and `audit` holds.
@Suite(.serialized) struct RevisedCostDaysTests {
    static func resume(_ data: URL, _ sim: AdminSimulator) throws -> BuiltProducts.Result {
        try BuiltProducts.run(
            "claude-ledger", ["sync", "--data-dir", data.path, "--base-url", sim.baseURL.absoluteString],
            environment: ["ANTHROPIC_ADMIN_KEY": sim.adminKey])
    }

    /// `report costs --by day` for one day, exactly (csv carries full precision).
    static func legacyTotal(_ data: URL, _ day: Day) throws -> ExactDecimal? {
        let report = try BuiltProducts.claudeLedger(
            data,
            ["report", "costs", "--by", "day", "--since", day.description, "--until", day.adding(days: 1).description, "--format", "csv"])
        let line = report.stdoutText.split(separator: "\n").first { $0.hasPrefix("\(day),") }
        return try line.map { try ExactDecimal(parsing: String($0.split(separator: ",")[1])) }
    }

    @Test func aRevisionOlderThanTheRevisitWindowReachesClaudeCosts() async throws {
        try await withTemporaryDirectory { dir in
            // The CLI's today is the wall clock's: the simulator's must be the same day.
            let today = Day(containing: Date())
            let config = SimulatorConfiguration(seed: 31, today: today, historyDays: 60)
            try await withSyncedDataDirectory(in: dir, config, since: today.adding(days: -40)) { data, sim in
                let revised = today.adding(days: -20)
                let before = sim.truth.totalCostUSD(on: revised)
                #expect(try Self.legacyTotal(data, revised) == before)
                sim.revise(day: revised)
                let after = sim.truth.totalCostUSD(on: revised)
                try #require(before.rounded(places: 2) != after.rounded(places: 2), "the revision changes the day by a cent or more")

                let resumed = try Self.resume(data, sim)
                #expect(resumed.status == 0, "\(resumed.stdoutText)\n\(resumed.stderrText)")
                #expect(
                    resumed.stdoutText.contains(
                        "cost_report asked again for \(revised): 1 final day(s) differed from the analytics API's total"),
                    "\(resumed.stdoutText)")
                #expect(try Self.legacyTotal(data, revised) == after, "claude_costs follows the revision")
                let audit = try BuiltProducts.claudeLedger(data, ["audit"])
                #expect(audit.status == 0, "\(audit.stdoutText)")

                // The sources agree now: the next sync asks nothing again.
                let quiet = try Self.resume(data, sim)
                #expect(quiet.status == 0)
                #expect(!quiet.stdoutText.contains("asked again"), "\(quiet.stdoutText)")
            }
        }
    }
}
