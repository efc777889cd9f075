import AdminAPI
import AdminSimulator
import CoreValues
import Foundation
import Ledger
import Logging
import Sync
import Testing
import TestSupport

/// Syncs `ledger` from a running simulator through the real client and engine, in process: what
/// `claude-ledger sync` does without the CLI, the lock and the projections. `today` is the
/// simulator's day unless given (the analytics streams plan from it).
public func syncFromSimulator(
    _ ledger: Ledger, _ sim: AdminSimulator, since: Day?,
    streams: [ReportStream] = ReportStream.synced, revisitDays: Int = 3,
    today: Day? = nil
) async throws -> SyncSummary {
    var configuration = AdminClient.Configuration()
    configuration.baseURL = sim.baseURL.absoluteString
    var logger = Logger(label: "test.sync")
    logger.logLevel = .warning
    let day = today ?? sim.today
    let options = SyncOptions(since: since, until: day, streams: streams, revisitDays: revisitDays, today: day)
    return try await AdminClient.withClient(key: AdminKey(sim.adminKey)!, configuration: configuration, logger: logger) { client in
        try await SyncEngine(ledger: ledger, source: client, logger: logger).run(options)
    }
}

/// Runs the built `claude-ledger sync` into `data` from the simulator for `[since, until)`, with
/// the simulator's admin key in the environment.
public func syncDataDirectory(_ data: URL, from sim: AdminSimulator, since: Day, until: Day) throws -> BuiltProducts.Result {
    try BuiltProducts.run(
        "claude-ledger",
        [
            "sync", "--data-dir", data.path, "--base-url", sim.baseURL.absoluteString,
            "--since", since.description, "--until", until.description,
        ],
        environment: ["ANTHROPIC_ADMIN_KEY": sim.adminKey])
}

/// Starts a simulator with `configuration`, syncs `dir/data` from it with the built binary for
/// `[since, configuration.today)` (a failed sync is recorded as an issue), runs `body` with the
/// data directory and the simulator, then stops the simulator.
public func withSyncedDataDirectory(
    in dir: URL, _ configuration: SimulatorConfiguration, since: Day,
    _ body: (URL, AdminSimulator) async throws -> Void
) async throws {
    let sim = try await AdminSimulator.start(configuration)
    defer { Task { await sim.stop() } }
    let data = dir.appendingPathComponent("data")
    let result = try syncDataDirectory(data, from: sim, since: since, until: configuration.today)
    #expect(result.status == 0, "\(result.stderrText)")
    try await body(data, sim)
}
