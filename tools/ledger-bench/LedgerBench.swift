import ArgumentParser
import CoreValues
import Foundation
import Ledger

/// Benchmarks and soak drivers for the ledger. Figures go to BENCHMARKS.md; run a release
/// build (`swift build -c release --product ledger-bench`).
@main
struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger-bench",
        abstract: "Benchmarks and soak drivers for the claude-ledger ledger.",
        discussion: """
            Examples:
              ledger-bench append --dir /tmp/bench --megabytes 1024
              ledger-bench verify --dir /tmp/bench --runs 5
              ledger-bench soak-append --dir /tmp/soak --seed 7
              ledger-bench make-usage-ledger --dir /tmp/usage-s --rows 1000000
              ledger-bench export-pages --dir /tmp/usage-s --out /tmp/pages-s
              ledger-bench rebuild --dir /tmp/usage-s --runs 3
              ledger-bench client --rounds 5
              ledger-bench backfill --dir /tmp/backfill --latency-milliseconds 200
            tools/bench/run.sh runs them all and prints medians.
            """,
        subcommands: [
            Append.self, VerifyRuns.self, SoakAppend.self, MakeUsageLedger.self, ExportPages.self,
            RebuildRuns.self, ReadPages.self, ClientRuns.self, Backfill.self, AddStreams.self, DailySync.self,
        ])
}

/// Deterministic, realistic usage-report pages: 31 daily buckets of grouped rows, like the
/// pages `sync` stores for `usage_report/messages`.
struct PageGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    mutating func page(rowsPerBucket: Int, startDay: Day) -> Data {
        let models = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-3-5-haiku-20241022", "claude-haiku-4-5-20251001"]
        let tiers = ["standard", "batch", "priority"]
        var out = "{\"data\":["
        for b in 0..<31 {
            let day = startDay.adding(days: b)
            if b > 0 { out += "," }
            out += "{\"starting_at\":\"\(day.midnightRFC3339)\",\"ending_at\":\"\(day.adding(days: 1).midnightRFC3339)\",\"results\":["
            for r in 0..<rowsPerBucket {
                if r > 0 { out += "," }
                let key = next() % 40
                let ws = next() % 6
                out +=
                    "{\"uncached_input_tokens\":\(next() % 5_000_000),\"cache_creation\":{\"ephemeral_1h_input_tokens\":\(next() % 100_000),\"ephemeral_5m_input_tokens\":\(next() % 800_000)},"
                out +=
                    "\"cache_read_input_tokens\":\(next() % 9_000_000),\"output_tokens\":\(next() % 400_000),\"server_tool_use\":{\"web_search_requests\":\(next() % 50)},"
                out += "\"api_key_id\":" + (key == 0 ? "null" : "\"apikey_01\(String(key * 7919 + 100_000, radix: 36))Xq9\"")
                out += ",\"workspace_id\":" + (ws == 0 ? "null" : "\"wrkspc_01\(String(ws * 104_729 + 50_000, radix: 36))Tz\"")
                out +=
                    ",\"model\":\"\(models[Int(next() % 4)])\",\"service_tier\":\"\(tiers[Int(next() % 3)])\",\"context_window\":\"0-200k\",\"inference_geo\":\"not_available\"}"
            }
            out += "]}"
        }
        out += "],\"has_more\":false,\"next_page\":null}"
        return Data(out.utf8)
    }
}

func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
    let d = start.duration(to: .now)
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append realistic pages until --megabytes of raw JSON are in; report pages/s and MB/s.")

    @Option var dir: String
    @Option var megabytes = 1024
    @Option var rowsPerBucket = 60
    @Option var seed: UInt64 = 1

    func run() async throws {
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: true)
        var generator = PageGenerator(seed: seed)
        let target = Int64(megabytes) * 1_000_000
        var raw: Int64 = 0
        var pages = 0
        var day = Day("2020-01-01")!
        var genTime = 0.0
        let start = ContinuousClock.now
        while raw < target {
            let g = ContinuousClock.now
            let body = generator.page(rowsPerBucket: rowsPerBucket, startDay: day)
            genTime += elapsedSeconds(since: g)
            let fetch = Ledger.FetchDescriptor(runID: nil, stream: .usage, windowStart: day, windowEnd: day.adding(days: 31))
            try ledger.append(
                Ledger.ReceivedPage(
                    fetch: fetch, pageIndex: 0, isLast: true,
                    request: Ledger.Request(
                        path: ReportStream.usage.path, query: "bucket_width=1d&limit=31&starting_at=\(day.midnightRFC3339)"),
                    status: 200, requestID: "req_bench\(pages)", body: body))
            raw += Int64(body.count)
            pages += 1
            day = day.adding(days: 31)
        }
        let total = elapsedSeconds(since: start) - genTime
        let stats = try ledger.stats()
        print(
            String(
                format:
                    "append: %d pages, %.1f MB raw in %.2f s (excluding page generation): %.1f pages/s, %.1f MB/s; stored %.1f MB, ratio %.2fx",
                pages, Double(raw) / 1e6, total, Double(pages) / total, Double(raw) / 1e6 / total,
                Double(stats.storedBytes) / 1e6, Double(stats.rawBytes) / Double(max(1, stats.storedBytes))))
    }
}

struct VerifyRuns: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Time `verify` over an existing ledger; print each run and the median.")

    @Option var dir: String
    @Option var runs = 5

    func run() async throws {
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: false)
        var times: [Double] = []
        var rawBytes: Int64 = 0
        for i in 1...runs {
            let start = ContinuousClock.now
            let report = try ledger.verify()
            let t = elapsedSeconds(since: start)
            guard report.isValid else { throw ValidationError("ledger did not verify: \(report.problems.first!)") }
            rawBytes = report.rawBytes
            times.append(t)
            print(
                String(
                    format: "run %d: %d events, %.1f MB raw in %.2f s = %.0f MB/s", i, report.events, Double(report.rawBytes) / 1e6, t,
                    Double(report.rawBytes) / 1e6 / t))
        }
        let median = times.sorted()[times.count / 2]
        print(String(format: "median: %.2f s = %.0f MB/s of raw page JSON", median, Double(rawBytes) / 1e6 / median))
    }
}

/// Appends pages forever (until killed), printing each committed page's sequence number on
/// stdout: the crash-safety test SIGKILLs it at random instants.
struct SoakAppend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak-append", abstract: "Append pages in a loop until killed (crash-safety tests).")

    @Option var dir: String
    @Option var seed: UInt64 = 1
    @Option var pagesPerFetch = 3

    func run() async throws {
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: true)
        var generator = PageGenerator(seed: seed)
        var day = Day("2024-01-01")!
        while true {
            let fetch = Ledger.FetchDescriptor(runID: nil, stream: .usage, windowStart: day, windowEnd: day.adding(days: 31))
            for index in 0..<pagesPerFetch {
                let body = generator.page(rowsPerBucket: 1 + Int(generator.next() % 20), startDay: day)
                let result = try ledger.append(
                    Ledger.ReceivedPage(
                        fetch: fetch, pageIndex: index, isLast: index == pagesPerFetch - 1,
                        request: Ledger.Request(path: ReportStream.usage.path, query: "page=\(index)&starting_at=\(day.midnightRFC3339)"),
                        status: 200, requestID: nil, body: body))
                FileHandle.standardOutput.write(Data("appended \(result.event.seq)\n".utf8))
            }
            day = day.adding(days: 31)
        }
    }
}
