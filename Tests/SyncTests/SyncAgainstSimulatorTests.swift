import AdminAPI
import AdminSimulator
import CoreValues
import Foundation
import Ledger
import Logging
import SimulatorSupport
import Sync
import Testing
import TestSupport

/// The write side against the simulator over loopback, with injected faults and revisions.
@Suite(.serialized) struct SyncAgainstSimulatorTests {
    static let today = Day("2025-06-01")!

    /// Every day of `[from, to)` is covered by a complete fetch of `stream`.
    static func uncoveredDays(_ ledger: Ledger, _ stream: ReportStream, from: Day, to: Day) throws -> [Day] {
        var covered = Set<Day>()
        for s in try ledger.fetchSummaries(stream: stream) where s.isComplete {
            if let a = s.windowStart, let b = s.windowEnd { covered.formUnion(Day.range(from: a, to: b)) }
        }
        return Day.range(from: from, to: to).filter { !covered.contains($0) }
    }

    @Test func backfillOf120DaysWithFaultsIsCompleteAndASecondSyncStoresNothingNew() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 42, today: Self.today, historyDays: 120)
            config.faults = FaultConfiguration(rate: 0.15)
            config.faults.retryAfterSeconds = 1
            config.faults.slowMilliseconds = 300
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            let since = Self.today.adding(days: -120)

            let first = try await syncFromSimulator(ledger, sim, since: since)
            #expect(first.succeeded, "failed: \(first.failed.map { "\($0.window): \($0.error)" })")
            #expect(first.pagesNew > 0)
            #expect(sim.counters.totalFaults > 0, "faults were injected")
            for stream in ReportStream.reports {
                #expect(try Self.uncoveredDays(ledger, stream, from: since, to: Self.today).isEmpty, "\(stream)")
            }
            // Each claude_code day is its own complete chain.
            #expect(try ledger.fetchSummaries(stream: .claudeCode).filter(\.isComplete).count >= 120)
            #expect(try ledger.verify().isValid)

            // The same sync again: every page is already there, so no new body is stored.
            let before = try ledger.stats()
            let second = try await syncFromSimulator(ledger, sim, since: since)
            #expect(second.succeeded)
            #expect(second.pagesNew == 0)
            #expect(second.pagesUnchanged > 0)
            let after = try ledger.stats()
            #expect(after.blobs == before.blobs)
            #expect(after.events > before.events)
        }
    }

    @Test func aRevisedDayIsFetchedAgainAndBothVersionsStay() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 5, today: Self.today, historyDays: 20))
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            _ = try await syncFromSimulator(ledger, sim, since: Self.today.adding(days: -20))
            let revised = Self.today.adding(days: -2)
            let truthBefore = sim.truth.totalCostCents(on: revised)
            sim.revise(day: revised)
            #expect(sim.truth.totalCostCents(on: revised) != truthBefore)

            // Resuming (no --since) revisits the last 3 days, so the revision is picked up.
            let resumed = try await syncFromSimulator(ledger, sim, since: nil)
            #expect(resumed.succeeded)
            #expect(resumed.pagesNew >= 1)
            let costFetches = try ledger.fetchSummaries(stream: .cost).filter { s in
                s.isComplete && s.windowStart! <= revised && revised < s.windowEnd!
            }
            #expect(costFetches.count >= 2)
            let hashes = try Set(costFetches.flatMap { try ledger.events(fetchID: $0.fetchID) }.map(\.contentHash))
            #expect(hashes.count >= 2, "both the original and the revised page are kept")
            #expect(try ledger.verify().isValid)
        }
    }

    @Test func wrongKeyStopsTheSyncWithoutAppendingAPage() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 5, today: Self.today, historyDays: 10))
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            var configuration = AdminClient.Configuration()
            configuration.baseURL = sim.baseURL.absoluteString
            let logger = Logger(label: "test")
            // The organization is asked for before any window: the refusal stops the sync there.
            let error = await #expect(throws: AdminAPIError.self) {
                try await AdminClient.withClient(key: AdminKey("sk-ant-admin01-wrong")!, configuration: configuration, logger: logger) {
                    client in
                    try await SyncEngine(ledger: ledger, source: client, logger: logger)
                        .run(SyncOptions(since: Self.today.adding(days: -10), until: Self.today))
                }
            }
            #expect(error?.classification == .authentication)
            #expect(try ledger.stats().events == 0)
        }
    }
}
