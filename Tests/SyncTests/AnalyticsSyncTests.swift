import AdminSimulator
import CoreValues
import Foundation
import Ledger
import SimulatorSupport
import Sync
import Testing
import TestSupport

/// The analytics streams synced against the simulator over loopback. The simulator's clock is
/// late 2026, when the analytics API serves; coverage is read from the ledger's own fetch
/// summaries, not from the planner.
@Suite(.serialized) struct AnalyticsSyncTests {
    static let today = Day("2026-12-02")!

    /// The days complete fetches of `stream` cover, from the chained fetch summaries.
    static func covered(_ ledger: Ledger, _ stream: ReportStream, after seq: Int64 = 0) throws -> Set<Day> {
        var days = Set<Day>()
        for s in try ledger.fetchSummaries(stream: stream) where s.isComplete && s.firstSeq > seq {
            if let a = s.windowStart, let b = s.windowEnd { days.formUnion(Day.range(from: a, to: b)) }
        }
        return days
    }

    static func failureText(_ summary: SyncSummary) -> String {
        summary.failed.map { "\($0.window): \($0.error)" }.joined(separator: "; ")
    }

    @Test func ninetyDaysWithFaultsAndExpiredCursorsCompleteBothAnalyticsStreams() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 11, today: Self.today, historyDays: 90)
            config.faults = FaultConfiguration(rate: 0.12, kinds: FaultKind.transient + [.cursorExpired])
            config.faults.retryAfterSeconds = 1
            config.faults.slowMilliseconds = 300
            // Short pages, so that chains with limit=1000 have continuation pages for 410s.
            config.analyticsMaxRowsPerPage = 100
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            sim.injectFaults([.cursorExpired, .cursorExpired])
            let ledger = try Ledger(directory: dir, create: true)
            let since = Self.today.adding(days: -90)

            let summary = try await syncFromSimulator(ledger, sim, since: since)
            #expect(summary.succeeded, "\(Self.failureText(summary))")
            #expect(summary.analyticsRefused == nil && summary.windowsSkipped == 0)
            let every = Set(Day.range(from: since, to: Self.today))
            for stream in ReportStream.synced {
                #expect(try Self.covered(ledger, stream) == every, "\(stream)")
            }
            // Every 410 the simulator sent restarted its chain once, as a new fetch: the fetch it
            // interrupted has pages, never completed, and is recorded as failed.
            let expired = sim.counters.responsesByStatus[410] ?? 0
            #expect(expired >= 2)
            #expect(summary.restarts == expired)
            // Chains were followed to their end over several pages.
            #expect(try ledger.fetchSummaries(stream: .analyticsUsage).contains { $0.isComplete && $0.pageCount >= 5 })
            var interrupted = 0
            for stream in ReportStream.analytics {
                let incomplete = try ledger.fetchSummaries(stream: stream).filter { !$0.isComplete }
                #expect(incomplete.allSatisfy { $0.pageCount >= 1 })
                interrupted += incomplete.count
                let failed = try ledger.failedFetches(stream: stream)
                #expect(Set(failed.map(\.fetchID)) == Set(incomplete.map(\.fetchID)))
                #expect(failed.allSatisfy { $0.error?.contains("410") == true })
            }
            #expect(interrupted == expired)
            #expect(sim.counters.totalFaults > expired, "transient faults were injected too")
            // Each analytics page keeps its data_refreshed_at as received.
            let page = try #require(try ledger.fetchSummaries(stream: .analyticsUsage).first)
            let body = try ledger.body(of: try #require(try ledger.events(fetchID: page.fetchID).first))
            #expect(String(decoding: body, as: UTF8.self).contains("\"data_refreshed_at\""))
            #expect(try ledger.verify().isValid)
        }
    }

    @Test func aFourthExpiredCursorInOneWindowFailsIt() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 15, today: Self.today, historyDays: 40)
            config.analyticsMaxRowsPerPage = 100
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            sim.injectFaults(Array(repeating: .cursorExpired, count: 4))
            let ledger = try Ledger(directory: dir, create: true)
            // One window: the 31 revisited days 2026-11-01..2026-12-01.
            let summary = try await syncFromSimulator(ledger, sim, since: Self.today.adding(days: -5), streams: [.analyticsCost])
            #expect(summary.restarts == 3)
            #expect(summary.windowsFailed == 1)
            #expect(summary.failed.map(\.window) == ["analytics_cost 2026-11-01..2026-12-01"])
            #expect(summary.failed.first?.error.contains("HTTP 410") == true)
            // Four fetches, each with the pages before its 410, none complete, all recorded failed.
            let fetches = try ledger.fetchSummaries(stream: .analyticsCost)
            #expect(fetches.count == 4 && fetches.allSatisfy { !$0.isComplete && $0.pageCount >= 1 })
            #expect(try ledger.failedFetches(stream: .analyticsCost).count == 4)
            #expect(sim.counters.responsesByStatus[410] == 4)

            // The next sync fetches the window again and completes it.
            let again = try await syncFromSimulator(ledger, sim, since: nil, streams: [.analyticsCost])
            #expect(again.succeeded, "\(Self.failureText(again))")
            #expect(try Self.covered(ledger, .analyticsCost) == Set(Day.range(from: Day("2026-11-01")!, to: Self.today)))
        }
    }

    @Test func aRefusedWindowOfAnOrganizationWithAccessFailsAndIsRecorded() async throws {
        try await withTemporaryDirectory { dir in
            // The client's clock is 5 days behind the API's: its oldest servable day (365 days
            // back, 2026-01-05) is already too old for the API (2026-01-10), which answers 400.
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 16, today: Day("2027-01-10")!, historyDays: 20))
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            let summary = try await syncFromSimulator(
                ledger, sim, since: Day("2026-01-01")!, streams: [.analyticsUsage],
                today: Day("2027-01-05")!)
            #expect(summary.analyticsRefused == nil && summary.windowsSkipped == 0)
            #expect(summary.failed.map(\.window) == ["analytics_usage 2026-01-05..2026-02-04"])
            #expect(summary.failed.first?.error.contains("HTTP 400") == true)
            #expect(summary.windowsComplete == summary.windowsPlanned - 1)
            let failed = try ledger.failedFetches(stream: .analyticsUsage)
            #expect(failed.map(\.windowStart) == [Day("2026-01-05")!])
            // One access check was made (a one-row cost request), and answered.
            let checks = sim.requestLog.filter { $0.path == "/v1/organizations/analytics/cost" }
            #expect(checks.count == 1 && checks.first?.status == 200)
        }
    }

    @Test func anOrganizationWithoutAccessSkipsTheAnalyticsStreamsAndSyncsTheOthers() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 12, today: Self.today, historyDays: 90)
            config.analyticsAccess = false
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            let since = Self.today.adding(days: -90)

            let summary = try await syncFromSimulator(ledger, sim, since: since)
            #expect(summary.succeeded, "\(Self.failureText(summary))")
            #expect(summary.analyticsRefused?.status == 400)
            // 90 days: 3 windows per analytics stream, none failed, all skipped.
            #expect(summary.windowsSkipped == 6)
            #expect(summary.windowsFailed == 0)
            let every = Set(Day.range(from: since, to: Self.today))
            for stream in ReportStream.reports {
                #expect(try Self.covered(ledger, stream) == every, "\(stream)")
            }
            // Nothing of the analytics streams reached the ledger: no page, no failure record,
            // so no day counts as attempted (and none as a gap).
            for stream in ReportStream.analytics {
                #expect(try ledger.fetchSummaries(stream: stream).isEmpty)
                #expect(try ledger.failedFetches(stream: stream).isEmpty)
                #expect(try ledger.coverage(stream: stream).attempted.isEmpty)
            }
            // At most the two windows in flight and the one access check asked the analytics API.
            let analyticsRequests = sim.requestLog.filter { $0.path.hasPrefix("/v1/organizations/analytics/") }
            #expect((2...3).contains(analyticsRequests.count), "\(analyticsRequests.map(\.query))")
            #expect(analyticsRequests.allSatisfy { $0.status == 400 })
        }
    }

    @Test(arguments: [
        // Legacy history from 2026-10-15: the analytics backfill starts there.
        ("2026-12-02", "2026-10-15", "2026-10-15"),
        // Legacy history from 2025-12-20: the API serves from 2026-01-01.
        ("2026-01-20", "2025-12-20", "2026-01-01"),
    ])
    func legacyHistoryWithoutAnalyticsHistoryBackfills(today: String, legacySince: String, expectedStart: String) async throws {
        try await withTemporaryDirectory { dir in
            let today = Day(today)!, legacySince = Day(legacySince)!, start = Day(expectedStart)!
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 13, today: today, historyDays: 60))
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            let legacy = try await syncFromSimulator(ledger, sim, since: legacySince, streams: ReportStream.reports)
            #expect(legacy.succeeded, "\(Self.failureText(legacy))")
            #expect(try ledger.fetchSummaries(stream: .analyticsCost).isEmpty)

            // The upgraded daily job: no --since, every stream.
            let upgraded = try await syncFromSimulator(ledger, sim, since: nil)
            #expect(upgraded.succeeded, "\(Self.failureText(upgraded))")
            for stream in ReportStream.analytics {
                #expect(try Self.covered(ledger, stream) == Set(Day.range(from: start, to: today)), "\(stream)")
                #expect(try ledger.coverage(stream: stream).attempted.min() == start, "\(stream)")
            }
        }
    }

    @Test func theLast31AnalyticsDaysAreFetchedAgainWithRevisitDaysZero() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 14, today: Self.today, historyDays: 60))
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            let first = try await syncFromSimulator(ledger, sim, since: Self.today.adding(days: -50))
            #expect(first.succeeded, "\(Self.failureText(first))")
            let revised = Self.today.adding(days: -25)
            sim.revise(day: revised)
            let head = try ledger.stats().lastSeq

            let second = try await syncFromSimulator(ledger, sim, since: nil, revisitDays: 0)
            #expect(second.succeeded, "\(Self.failureText(second))")
            // 2026-11-01..2026-12-01 again for both analytics streams; nothing for the legacy
            // streams, whose last complete day is yesterday and revisit is 0.
            let lastMonth = Set(Day.range(from: Day("2026-11-01")!, to: Self.today))
            for stream in ReportStream.analytics {
                #expect(try Self.covered(ledger, stream, after: head) == lastMonth, "\(stream)")
            }
            for stream in ReportStream.reports {
                #expect(try Self.covered(ledger, stream, after: head).isEmpty, "\(stream)")
            }
            // The revised day came back changed: new bodies were stored.
            #expect(second.pagesNew >= 2)
        }
    }
}
