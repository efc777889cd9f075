import AdminAPI
import AdminSimulator
import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Logging
import Sync

/// The simulated "today" of the client benchmarks: fixed, so every run serves the same pages.
let benchToday = Day("2025-10-16")!

func clientConfiguration(_ sim: AdminSimulator) -> AdminClient.Configuration {
    var configuration = AdminClient.Configuration()
    configuration.baseURL = sim.baseURL.absoluteString
    return configuration
}

struct ClientRuns: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Fetch usage and cost chains from the in-process simulator on loopback; report pages/s and CPU per page.",
        discussion: """
            Every 31-day window of --history-days is fetched as one chain (usage and cost), --rounds times, \
            --concurrency chains at once. CPU is the whole process's user + system time: with the in-process \
            simulator it includes the simulator building pages; with --base-url it is the client's alone.
            """)

    @Option var historyDays = 365
    @Option var rounds = 5
    @Option var concurrency = 1
    @Option(help: "Days per chain: 31 gives few large pages, 1 gives many small ones (per-request cost).")
    var windowDays = 31
    @Option var latencyMilliseconds = 0
    @Option var seed: UInt64 = 1
    @Option(
        help:
            "Use a simulator already running at this URL (e.g. `admin-simulator --today 2025-10-16 --history-days 365` in another process) instead of the in-process one, so this process's CPU is the client's alone."
    )
    var baseURL: String?

    func run() async throws {
        var config = SimulatorConfiguration(seed: seed, today: benchToday, historyDays: historyDays)
        config.latencyMilliseconds = latencyMilliseconds
        // With --base-url the simulator runs in another process and none is started here.
        let sim = baseURL == nil ? try await AdminSimulator.start(config) : nil
        var logger = Logger(label: "ledger-bench.client")
        logger.logLevel = .error
        var configuration = AdminClient.Configuration()
        configuration.baseURL = baseURL ?? sim!.baseURL.absoluteString
        var chains: [ChainRequest] = []
        var start = benchToday.adding(days: -historyDays)
        while start < benchToday {
            let end = min(benchToday, start.adding(days: max(1, min(31, windowDays))))
            chains.append(.usage(days: start..<end))
            chains.append(.cost(days: start..<end))
            start = end
        }
        let work = chains
        let width = max(1, concurrency)
        do {
            try await AdminClient.withClient(
                key: AdminKey(sim?.adminKey ?? AdminSimulator.defaultAdminKey)!,
                configuration: configuration, logger: logger
            ) { client in
                var rates: [Double] = []
                for round in 0...rounds {
                    let t = ContinuousClock.now
                    let cpu0 = processCPUSeconds()
                    let (pages, bytes) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                        var next = 0
                        var pages = 0, bytes = 0
                        func add() {
                            let chain = work[next]
                            next += 1
                            group.addTask {
                                var p = 0, b = 0
                                _ = try await client.fetchChain(chain) { page in
                                    p += 1; b += page.body.count
                                }
                                return (p, b)
                            }
                        }
                        while next < min(width, work.count) { add() }
                        while let (p, b) = try await group.next() {
                            pages += p
                            bytes += b
                            if next < work.count { add() }
                        }
                        return (pages, bytes)
                    }
                    let wall = elapsedSeconds(since: t)
                    let cpu = processCPUSeconds() - cpu0
                    // Round 0 warms the connection pool and the simulator's caches; it is not counted.
                    if round == 0 { continue }
                    rates.append(Double(pages) / wall)
                    print(
                        String(
                            format:
                                "round %d: %d chains, %d pages, %.2f MB in %.3f s wall = %.0f pages/s, %.1f MB/s; CPU %.3f s = %.2f ms/page (%@)",
                            round, work.count, pages, Double(bytes) / 1e6, wall, Double(pages) / wall,
                            Double(bytes) / 1e6 / wall, cpu, cpu * 1000 / Double(pages),
                            baseURL == nil ? "client + in-process simulator" : "client only"))
                }
                print(
                    String(
                        format: "median: %.0f pages/s (%d-day chains, concurrency %d, latency %d ms)",
                        rates.sorted()[rates.count / 2], windowDays, width, latencyMilliseconds))
            }
        } catch {
            await sim?.stop()
            throw error
        }
        await sim?.stop()
    }
}

struct Backfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Time a sync of --since-days back into a new ledger, against the in-process simulator with added latency.")

    @Option(help: "Directory of the new ledger.") var dir: String
    @Option var sinceDays = 365
    @Option var latencyMilliseconds = 200
    @Option var concurrency = 2
    @Option var seed: UInt64 = 1

    func run() async throws {
        var config = SimulatorConfiguration(seed: seed, today: benchToday, historyDays: sinceDays + 30)
        config.latencyMilliseconds = latencyMilliseconds
        let sim = try await AdminSimulator.start(config)
        var logger = Logger(label: "ledger-bench.backfill")
        logger.logLevel = .error
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: true)
        let t = ContinuousClock.now
        let cpu0 = processCPUSeconds()
        let summary: SyncSummary
        do {
            summary = try await AdminClient.withClient(
                key: AdminKey(sim.adminKey)!, configuration: clientConfiguration(sim), logger: logger
            ) { client in
                try await SyncEngine(ledger: ledger, source: client, logger: logger)
                    .run(SyncOptions(since: benchToday.adding(days: -sinceDays), until: benchToday, concurrency: concurrency))
            }
        } catch {
            await sim.stop()
            throw error
        }
        let wall = elapsedSeconds(since: t)
        let cpu = processCPUSeconds() - cpu0
        let requests = sim.counters
        await sim.stop()
        let stats = try ledger.stats()
        guard summary.succeeded else { throw ValidationError("sync did not succeed: \(summary.failed.count) failed windows") }
        print(
            String(
                format:
                    "backfill: %d days, %d windows, %d pages new, %.1f MB raw in %.2f s wall (%.2f s CPU, client + simulator); latency %d ms, concurrency %d",
                sinceDays, summary.windowsPlanned, summary.pagesNew, Double(stats.rawBytes) / 1e6, wall, cpu,
                latencyMilliseconds, concurrency))
        print("simulator: \(requests.apiRequests) API requests")
    }
}
