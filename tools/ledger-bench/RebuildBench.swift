import ArgumentParser
import CoreValues
import Dispatch
import Foundation
import Ledger
import Logging
import Projections

/// User + system CPU seconds of this process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(0), &usage)  // RUSAGE_SELF
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Peak resident set size of this process so far, in MB (Linux reports `ru_maxrss` in KiB).
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(0), &usage)  // RUSAGE_SELF
    return Double(usage.ru_maxrss) / 1024
}

struct RebuildRuns: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Time Projections.rebuild of a ledger; print rows/s, raw MB/s, CPU and peak RSS per run and the median.",
        discussion: "Run with --runs 1 under /usr/bin/time -v to get one process's peak RSS.")

    @Option var dir: String
    @Option(help: "Projections file to write (default: DIR/projections.sqlite).") var out: String?
    @Option var runs = 1

    func run() async throws {
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: false)
        let url = out.map { URL(fileURLWithPath: $0) } ?? Projections.defaultURL(in: URL(fileURLWithPath: dir))
        var walls: [Double] = []
        var last: (build: Projections.BuildResult, elapsed: Duration)?
        for i in 1...runs {
            let cpu0 = processCPUSeconds()
            let started = ContinuousClock.now
            let build = try Projections.rebuild(
                ledger: ledger, into: url,
                logger: Logger(label: "claude-ledger.projections.bench"))
            let result = (build: build, elapsed: ContinuousClock.now - started)
            let cpu = processCPUSeconds() - cpu0
            let wall = Double(result.elapsed.components.seconds) + Double(result.elapsed.components.attoseconds) / 1e18
            walls.append(wall)
            last = result
            let usage = result.build.rows[.usage] ?? 0
            print(
                String(
                    format:
                        "run %d: %.2f s wall, %.2f s CPU; %d rows (%d usage), %d pages, %.1f MB raw: %.0f rows/s, %.1f MB/s; peak RSS so far %.0f MB",
                    i, wall, cpu, result.build.rowsWritten, usage, result.build.pagesDecoded,
                    Double(result.build.bytesDecoded) / 1e6, Double(result.build.rowsWritten) / wall,
                    Double(result.build.bytesDecoded) / 1e6 / wall, peakRSSMegabytes()))
        }
        guard let last else { return }
        let median = walls.sorted()[walls.count / 2]
        print(
            String(
                format: "median: %.2f s = %.0f rows/s, %.1f MB/s of raw page JSON; fingerprint %@",
                median, Double(last.build.rowsWritten) / median, Double(last.build.bytesDecoded) / 1e6 / median,
                last.build.fingerprint))
    }
}

/// The floor under a rebuild's reading side: fetch every usage page's blob from the ledger,
/// LZ4-decompress it and check its SHA-256 (`Ledger.body(of:)`, what a rebuild calls per page),
/// with no JSON decoding and no inserts.
struct ReadPages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-pages",
        abstract: "Time reading every usage page body (blob read + LZ4 + SHA-256 check), on 1 thread or in parallel.")

    @Option var dir: String
    @Option(help: "Threads reading bodies (a rebuild decodes on every core).") var threads = 1
    @Option var runs = 3

    func run() async throws {
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: false)
        var events: [Ledger.Event] = []
        try ledger.forEachEvent(stream: .usage) { events.append($0) }
        let total = events.reduce(Int64(0)) { $0 + Int64($1.rawLength) }
        var walls: [Double] = []
        for i in 1...runs {
            let t = ContinuousClock.now
            let cpu0 = processCPUSeconds()
            let list = events
            let chunks = max(1, threads)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var k = c
                while k < list.count {
                    _ = try! ledger.body(of: list[k])
                    k += chunks
                }
            }
            let wall = elapsedSeconds(since: t)
            walls.append(wall)
            print(
                String(
                    format: "run %d: %d pages, %.1f MB raw in %.2f s wall (%.2f s CPU) = %.0f MB/s",
                    i, list.count, Double(total) / 1e6, wall, processCPUSeconds() - cpu0, Double(total) / 1e6 / wall))
        }
        let median = walls.sorted()[walls.count / 2]
        print(String(format: "median: %.2f s = %.0f MB/s of raw page JSON (threads %d)", median, Double(total) / 1e6 / median, threads))
    }
}
