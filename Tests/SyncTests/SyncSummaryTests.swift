import AdminAPI
import AdminSimulator
import CoreValues
import Foundation
import Ledger
import Logging
import Sync
import Testing
import TestSupport

/// Serves the organization itself and hands every other chain to a client the API refuses.
struct OrganizationThenRefused: PageSource {
    let refused: AdminClient
    let organizationBody = Data(#"{"id":"org-summary-test","name":"Summary Test","type":"organization"}"#.utf8)

    func fetchChain(
        _ chain: ChainRequest, isolation: isolated (any Actor)?,
        onPage: (AdminAPI.Page) async throws -> Void
    ) async throws -> ChainSummary {
        guard chain.stream == .organization else {
            return try await refused.fetchChain(chain, isolation: isolation, onPage: onPage)
        }
        try await onPage(
            AdminAPI.Page(
                chain: chain, request: chain.firstPage, status: 200, requestID: "req_org",
                body: organizationBody, hasMore: false, nextCursor: nil, attempts: 1, receivedAt: Date()))
        return ChainSummary(chain: chain, pages: 1, attempts: 1, bytes: organizationBody.count, duration: .zero)
    }
}

@Suite(.serialized) struct SyncSummaryTests {
    /// Bug: when every window failed, the summary's failed-window count was wrong.
    @Test func whenEveryWindowFailsTheSummaryCountsEveryOne() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 11, today: Day("2025-06-01")!, historyDays: 10))
            defer { Task { await sim.stop() } }
            let ledger = try Ledger(directory: dir, create: true)
            var configuration = AdminClient.Configuration()
            configuration.baseURL = sim.baseURL.absoluteString
            let logger = Logger(label: "test.sync")
            let summary = try await AdminClient.withClient(
                key: AdminKey("sk-ant-admin01-not-this-org-key")!,
                configuration: configuration, logger: logger
            ) { client in
                try await SyncEngine(ledger: ledger, source: OrganizationThenRefused(refused: client), logger: logger)
                    .run(SyncOptions(since: Day("2025-05-25")!, until: Day("2025-06-01")!, concurrency: 1))
            }
            // 2 name lists + 1 cost + 1 usage + 7 Claude Code days.
            #expect(summary.windowsPlanned == 11)
            #expect(summary.windowsComplete == 0)
            #expect(summary.windowsFailed == 11)
            #expect(summary.abortedBy?.classification == .authentication)
            #expect(summary.organization?.id == "org-summary-test")
            // The organization page is the only event.
            #expect(try ledger.stats().events == 1)
        }
    }
}
