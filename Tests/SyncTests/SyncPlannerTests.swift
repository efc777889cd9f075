import CoreValues
import Sync
import Testing

@Suite struct SyncPlannerTests {
    func d(_ s: String) -> Day { Day(s)! }

    @Test func sinceIsSplitByTheAPILimits() throws {
        let cost = try SyncPlanner.windows(
            stream: .cost, covered: [], attempted: [], since: d("2025-01-01"),
            until: d("2025-03-01"), revisitDays: 3, fallbackStart: nil)
        // 59 days: 31 + 28.
        #expect(cost.map(\.description) == ["cost_report 2025-01-01..2025-01-31", "cost_report 2025-02-01..2025-02-28"])
        let code = try SyncPlanner.windows(
            stream: .claudeCode, covered: [], attempted: [], since: d("2025-01-01"),
            until: d("2025-01-04"), revisitDays: 3, fallbackStart: nil)
        #expect(code.count == 3)
        #expect(code.allSatisfy { $0.end == $0.start.adding(days: 1) })
    }

    @Test func resumesFromLastCompleteDayMinusRevisitDays() throws {
        let covered = Set(Day.range(from: d("2025-01-01"), to: d("2025-02-01")))
        let windows = try SyncPlanner.windows(
            stream: .usage, covered: covered, attempted: covered, since: nil,
            until: d("2025-02-05"), revisitDays: 3, fallbackStart: nil)
        // Last complete day 2025-01-31; minus 3 revisit days → from 2025-01-29 to 2025-02-04.
        #expect(windows == [.init(stream: .usage, start: d("2025-01-29"), end: d("2025-02-05"))])
    }

    @Test func failedWindowsBehindTheResumePointAreFetchedAgain() throws {
        var covered = Set(Day.range(from: d("2025-01-01"), to: d("2025-02-01")))
        covered.subtract([d("2025-01-10"), d("2025-01-11")])
        let attempted = Set(Day.range(from: d("2025-01-01"), to: d("2025-02-01")))
        let windows = try SyncPlanner.windows(
            stream: .cost, covered: covered, attempted: attempted, since: nil,
            until: d("2025-02-01"), revisitDays: 0, fallbackStart: nil)
        #expect(windows.map(\.description) == ["cost_report 2025-01-10..2025-01-11"])
    }

    @Test func emptyLedgerNeedsSince() {
        #expect(throws: SyncError.needsSince) {
            try SyncPlanner.windows(
                stream: .cost, covered: [], attempted: [], since: nil, until: d("2025-02-01"),
                revisitDays: 3, fallbackStart: nil)
        }
        // The CLI prints the description after `error: ` and exits 2 (bad input), as before the
        // planner's refusal became a `SyncError`.
        #expect(SyncError.needsSince.failureClass == .badInput)
        #expect(SyncError.needsSince.description == "nothing to resume from: pass --since YYYY-MM-DD")
    }

    @Test func nothingToDoWhenUpToDate() throws {
        let covered = Set(Day.range(from: d("2025-01-01"), to: d("2025-02-01")))
        let windows = try SyncPlanner.windows(
            stream: .cost, covered: covered, attempted: covered, since: d("2025-02-01"),
            until: d("2025-02-01"), revisitDays: 3, fallbackStart: nil)
        #expect(windows.isEmpty)
    }
}
