import CoreValues
import Sync
import Testing

/// The analytics streams' planning rules (docs/REFERENCE.md "What sync asks for"), with days worked out by
/// hand from the calendar, not from the planner.
@Suite struct AnalyticsPlannerTests {
    func d(_ s: String) -> Day { Day(s)! }

    func plan(
        covered: Set<Day> = [], attempted: Set<Day> = [], since: Day? = nil, until: Day, today: Day,
        revisitDays: Int = 3, legacyStart: Day? = nil
    ) throws -> [String] {
        try SyncPlanner.analyticsWindows(
            stream: .analyticsCost, covered: covered, attempted: attempted, since: since,
            until: until, today: today, revisitDays: revisitDays, legacyStart: legacyStart
        )
        .map(\.description)
    }

    @Test func servableDaysStartAt2026AndAtMost365DaysBack() {
        // Before 2027-01-01 the floor is 2026-01-01; after, 365 days before today.
        #expect(SyncPlanner.analyticsServableDays(today: d("2026-12-02")) == d("2026-01-01")..<d("2026-12-02"))
        #expect(SyncPlanner.analyticsServableDays(today: d("2027-03-10")) == d("2026-03-10")..<d("2027-03-10"))
        #expect(SyncPlanner.analyticsServableDays(today: d("2025-06-01")).isEmpty)
        #expect(SyncPlanner.analyticsServableDays(today: d("2026-01-01")).isEmpty)
    }

    @Test func sinceBeforeTheFirstServableDayAsksOnlyForServableDaysInWindowsOf31AndStaysInsideUntil() throws {
        // 2025-10-01..2026-03-01 asked; 2026-01-01..2026-02-28 served: 59 days = 31 + 28.
        let windows = try plan(since: d("2025-10-01"), until: d("2026-03-01"), today: d("2026-12-02"))
        // The 31-day revisit (2026-11-01..2026-12-01) stays inside --until.
        #expect(windows == ["analytics_cost 2026-01-01..2026-01-31", "analytics_cost 2026-02-01..2026-02-28"])
    }

    @Test func windowsEndAtTheStartOfTheCurrentDay() throws {
        // --until tomorrow: today (2026-12-02) is not asked for.
        let windows = try plan(since: d("2026-11-25"), until: d("2026-12-03"), today: d("2026-12-02"), revisitDays: 0)
        #expect(windows == ["analytics_cost 2026-11-01..2026-12-01"])
    }

    @Test func theLast31DaysAreRevisitedWhateverRevisitDaysSays() throws {
        let today = d("2026-12-02")
        let covered = Set(Day.range(from: d("2026-06-01"), to: today))
        let windows = try plan(covered: covered, attempted: covered, until: today, today: today, revisitDays: 0)
        // Everything covered and final: only the last 31 days, 2026-11-01..2026-12-01.
        #expect(windows == ["analytics_cost 2026-11-01..2026-12-01"])
        // A longer --revisit-days reaches further back.
        let longer = try plan(covered: covered, attempted: covered, until: today, today: today, revisitDays: 40)
        #expect(longer == ["analytics_cost 2026-10-23..2026-11-22", "analytics_cost 2026-11-23..2026-12-01"])
    }

    @Test func legacyHistoryWithoutAnalyticsHistoryBackfillsFromTheLaterOfItsFirstDayAndTheFirstServableDay() throws {
        let today = d("2026-12-02")
        // Legacy history since 2025-08-01: the analytics backfill starts at 2026-01-01.
        let fromServable = try plan(until: today, today: today, legacyStart: d("2025-08-01"))
        #expect(fromServable.first == "analytics_cost 2026-01-01..2026-01-31")
        #expect(fromServable.last == "analytics_cost 2026-11-07..2026-12-01")
        // 335 days (2026-01-01..2026-12-01) in windows of 31: 10 full + 25.
        #expect(fromServable.count == 11)
        // Legacy history since 2026-09-15: the backfill starts there.
        let fromLegacy = try plan(until: today, today: today, legacyStart: d("2026-09-15"))
        #expect(
            fromLegacy == [
                "analytics_cost 2026-09-15..2026-10-15", "analytics_cost 2026-10-16..2026-11-15",
                "analytics_cost 2026-11-16..2026-12-01",
            ])
    }

    @Test func attemptedDaysThatAreNoLongerServableAreNotGaps() throws {
        let today = d("2027-03-10")
        // Attempted from 2026-01-01 but only 2026-01-01..2026-01-10 failed; those are now
        // older than 365 days (the first servable day is 2026-03-10), so nothing is asked for them.
        let attempted = Set(Day.range(from: d("2026-01-01"), to: today))
        let covered = attempted.subtracting(Day.range(from: d("2026-01-01"), to: d("2026-01-11")))
        let windows = try plan(covered: covered, attempted: attempted, until: today, today: today, revisitDays: 0)
        #expect(windows == ["analytics_cost 2027-02-07..2027-03-09"])
    }

    @Test func aGapInsideTheServableRangeIsFetchedAgain() throws {
        let today = d("2026-12-02")
        let attempted = Set(Day.range(from: d("2026-06-01"), to: today))
        let covered = attempted.subtracting([d("2026-07-04")])
        let windows = try plan(covered: covered, attempted: attempted, until: today, today: today, revisitDays: 0)
        #expect(windows == ["analytics_cost 2026-07-04", "analytics_cost 2026-11-01..2026-12-01"])
    }

    @Test func noHistoryAnywhereNeedsSince() {
        #expect(throws: SyncError.needsSince) {
            try plan(until: d("2026-12-02"), today: d("2026-12-02"))
        }
    }

    @Test func aLegacyOnlySyncInTheLegacyEraPlansNoAnalyticsWindow() throws {
        // A 2025 --until leaves nothing servable.
        #expect(try plan(since: d("2025-05-01"), until: d("2025-06-01"), today: d("2026-12-02")).isEmpty)
    }
}
