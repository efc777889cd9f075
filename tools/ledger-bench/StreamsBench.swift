import AdminAPI
import AdminSimulator
import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Logging
import Projections
import Sync

/// Adds every stream but usage to a ledger made by `make-usage-ledger`: cost, Claude Code, the
/// analytics streams, the names lists and the organization event, synced from the in-process
/// simulator (no added latency) over the days before the bench's "today", so a rebuild of the
/// ledger builds every table.
struct AddStreams: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-streams",
        abstract: "Sync every stream but usage from the in-process simulator into an existing ledger.")

    @Option(help: "Directory of the ledger (made by make-usage-ledger).") var dir: String
    @Option(help: "Days of history before 2025-10-16.") var days = 365
    @Option var seed: UInt64 = 1

    func run() async throws {
        let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: seed, today: benchToday, historyDays: days + 30))
        var logger = Logger(label: "ledger-bench.add-streams")
        logger.logLevel = .error
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: false)
        let streams = ReportStream.synced.filter { $0 != .usage }
        let summary: SyncSummary
        do {
            summary = try await AdminClient.withClient(
                key: AdminKey(sim.adminKey)!, configuration: clientConfiguration(sim), logger: logger
            ) { client in
                try await SyncEngine(ledger: ledger, source: client, logger: logger)
                    .run(SyncOptions(since: benchToday.adding(days: -days), until: benchToday, streams: streams, today: benchToday))
            }
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
        guard summary.succeeded else { throw ValidationError("sync did not succeed: \(summary.failed.count) failed windows") }
        print("add-streams: \(streams.map(\.rawValue).joined(separator: ",")), \(days) days, \(summary.pagesNew) pages new")
    }
}

/// The daily sync's local cost, as one whole process: appends one new day of usage (a one-day
/// fetch of `--rows` rows, the stand-in for what `sync` fetches) and brings the projections up
/// to date with `Projections.update`. Run on a one-month and a one-year ledger, the ratio of
/// the two shows whether the incremental path depends on the ledger's size.
struct DailySync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daily-sync",
        abstract: "Append one new usage day to a ledger and update its projections; print the update's cost.")

    @Option(help: "Directory of the ledger; DIR/projections.sqlite must be built.") var dir: String
    @Option(help: "The new day (YYYY-MM-DD).") var day = "2025-10-16"
    @Option var rows = 7_000
    @Option var seed: UInt64 = 2

    func run() async throws {
        guard let newDay = Day(day) else { throw ValidationError("--day must be YYYY-MM-DD") }
        let directory = URL(fileURLWithPath: dir)
        let ledger = try Ledger(directory: directory, create: false)
        var data = UsageDataSet(totalRows: rows, days: 1, endingBefore: newDay.adding(days: 1), seed: seed)
        let fetch = data.fetch(window: 0..<1, maxPageBytes: 4_000_000)
        let descriptor = Ledger.FetchDescriptor(runID: nil, stream: .usage, windowStart: newDay, windowEnd: newDay.adding(days: 1))
        let t = ContinuousClock.now
        for (i, body) in fetch.pages.enumerated() {
            try ledger.append(
                Ledger.ReceivedPage(
                    fetch: descriptor, pageIndex: i, isLast: i == fetch.pages.count - 1,
                    request: Ledger.Request(
                        path: ReportStream.usage.path,
                        query: "bucket_width=1d&page=\(i)&starting_at=\(newDay.midnightRFC3339)"),
                    status: 200, requestID: "req_daily\(i)", body: Data(body)))
        }
        let appended = elapsedSeconds(since: t)
        let u = ContinuousClock.now
        let result = try Projections.update(ledger: ledger, projectionsURL: Projections.defaultURL(in: directory))
        print(
            String(
                format: "daily-sync: append %.3f s, update %.3f s (%@), %d days projected, %d rows written, %d usage rows in all",
                appended, elapsedSeconds(since: u), result.mode.rawValue, result.daysProjected, result.rowsWritten,
                result.rows[.usage] ?? 0))
    }
}
