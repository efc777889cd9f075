import ArgumentParser
import CoreValues
import Foundation
import Ledger

/// A deterministic `usage_report/messages` data set shaped like the one in the project's
/// performance anchors (BENCHMARKS.md): consecutive daily buckets grouped by all six
/// dimensions, the API example's field set and order, lognormal token counts (5m cache creation
/// in 60 % of rows, 1h in 10 %, cache reads in 70 %, web search in 5 %), a few rows with a null
/// key (console usage) or a null workspace (default workspace), rows per day growing 3x over the
/// span with weekends at 0.6x, and each day a random subset of a fixed universe of dimension
/// combinations, so the same keys recur and no combination repeats within a bucket.
///
/// The values are not byte-identical to the anchors' Python generator (another random source),
/// but the shape, row count and bytes per row (about 420) match, so rows/s compare directly.
struct UsageDataSet {
    struct Combo {
        var key: String?
        var workspace: String?
        var model: String
        var tier: String
        var context: String
        var geo: String
    }

    var rng: SplitMix64
    let days: Int
    let start: Day
    let perDay: [Int]
    let universe: [Combo]

    static let models: [(name: String, geo: Bool, big: Bool, weight: Int)] = [
        ("claude-sonnet-4-5-20250929", false, true, 30), ("claude-sonnet-4-20250514", false, true, 10),
        ("claude-haiku-4-5-20251001", false, false, 20), ("claude-opus-4-1-20250805", false, false, 6),
        ("claude-3-5-haiku-20241022", false, false, 8), ("claude-opus-4-6", true, false, 10),
        ("claude-sonnet-4-6", true, true, 16),
    ]
    static let tiers: [(name: String, weight: Int)] = [("standard", 80), ("batch", 15), ("priority", 5)]
    static let base62 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    init(totalRows: Int, days: Int, endingBefore end: Day, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let startDay = end.adding(days: -days)
        self.days = days
        self.start = startDay
        func ident(_ prefix: String) -> String {
            var s = prefix + "01"
            for _ in 0..<22 { s.unicodeScalars.append(Unicode.Scalar(Self.base62[Int(rng.next() % 62)])) }
            return s
        }
        let workspaces: [String?] = [nil] + (0..<max(8, totalRows / 40_000)).map { _ in ident("wrkspc_") }
        let combosPerDay = Double(totalRows) / Double(days)
        let keyCount = max(50, Int(combosPerDay * 3 / 4))
        var keys: [(String?, String?)] = (0..<keyCount).map { _ in
            (ident("apikey_"), workspaces[Int(rng.next() % UInt64(workspaces.count))])
        }
        keys.append((nil, nil))  // console usage
        var universe: [Combo] = []
        var seen = Set<String>()
        let modelWeights = Self.models.map(\.weight).reduce(0, +)
        while universe.count < Int(combosPerDay * 3.2) {
            let (key, ws) = keys[Int(rng.next() % UInt64(keys.count))]
            var w = Int(rng.next() % UInt64(modelWeights))
            var m = 0
            while w >= Self.models[m].weight { w -= Self.models[m].weight; m += 1 }
            let model = Self.models[m]
            let t = Int(rng.next() % 100)
            let tier = t < 80 ? "standard" : (t < 95 ? "batch" : "priority")
            let context = model.big && rng.unit() < 0.08 ? "200k-1M" : "0-200k"
            let geo = model.geo ? (rng.next() % 3 == 2 ? "us" : "global") : "not_available"
            let combo = Combo(key: key, workspace: ws, model: model.name, tier: tier, context: context, geo: geo)
            let id = "\(key ?? "-")|\(ws ?? "-")|\(model.name)|\(tier)|\(context)|\(geo)"
            if seen.insert(id).inserted { universe.append(combo) }
        }
        self.universe = universe
        // Rows per day: growing 3x over the span, weekends 0.6x, summing exactly to totalRows.
        let raw = (0..<days).map { d -> Double in
            let weekday = (startDay.daysSinceEpoch + d + 3) % 7  // 0 = Monday (1970-01-01 was a Thursday)
            return (1 + 2 * Double(d) / Double(days)) * (weekday >= 5 ? 0.6 : 1.0)
        }
        let scale = Double(totalRows) / raw.reduce(0, +)
        var perDay = raw.map { Int(($0 * scale).rounded()) }
        perDay[days - 1] += totalRows - perDay.reduce(0, +)
        self.perDay = perDay
        self.rng = rng
    }

    /// The JSON of day `d`'s bucket.
    mutating func bucket(_ d: Int, into out: inout [UInt8]) {
        let day = start.adding(days: d)
        out.append(
            contentsOf: "{\"starting_at\":\"\(day.midnightRFC3339)\",\"ending_at\":\"\(day.adding(days: 1).midnightRFC3339)\",\"results\":["
                .utf8)
        // A random subset of the universe: partial Fisher-Yates over the indexes.
        var order = Array(0..<universe.count)
        let n = min(perDay[d], universe.count)
        for i in 0..<n {
            let j = i + Int(rng.next() % UInt64(universe.count - i))
            order.swapAt(i, j)
            if i > 0 { out.append(UInt8(ascii: ",")) }
            row(universe[order[i]], into: &out)
        }
        out.append(contentsOf: "]}".utf8)
    }

    private mutating func row(_ c: Combo, into out: inout [UInt8]) {
        func int(_ v: Int) { out.append(contentsOf: String(v).utf8) }
        func text(_ s: String?) {
            if let s {
                out.append(UInt8(ascii: "\"")); out.append(contentsOf: s.utf8); out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: "null".utf8)
            }
        }
        out.append(contentsOf: "{\"uncached_input_tokens\":".utf8); int(rng.lognormal(9, 2))
        out.append(contentsOf: ",\"cache_creation\":{\"ephemeral_1h_input_tokens\":".utf8)
        int(rng.unit() < 0.1 ? rng.lognormal(9, 2) : 0)
        out.append(contentsOf: ",\"ephemeral_5m_input_tokens\":".utf8)
        int(rng.unit() < 0.6 ? rng.lognormal(10, 2) : 0)
        out.append(contentsOf: "},\"cache_read_input_tokens\":".utf8)
        int(rng.unit() < 0.7 ? rng.lognormal(12, 2.5) : 0)
        out.append(contentsOf: ",\"output_tokens\":".utf8); int(rng.lognormal(8, 2))
        out.append(contentsOf: ",\"server_tool_use\":{\"web_search_requests\":".utf8)
        int(rng.unit() < 0.05 ? 1 + Int(rng.next() % 40) : 0)
        out.append(contentsOf: "},\"api_key_id\":".utf8); text(c.key)
        out.append(contentsOf: ",\"workspace_id\":".utf8); text(c.workspace)
        out.append(contentsOf: ",\"model\":".utf8); text(c.model)
        out.append(contentsOf: ",\"service_tier\":".utf8); text(c.tier)
        out.append(contentsOf: ",\"context_window\":".utf8); text(c.context)
        out.append(contentsOf: ",\"inference_geo\":".utf8); text(c.geo)
        out.append(UInt8(ascii: "}"))
    }

    /// One fetch: a window of at most 31 days (what `sync` asks per chain), cut into pages that
    /// close before they would pass `maxPageBytes` (a bucket bigger than that gets its own page).
    struct Fetch {
        var window: Range<Int>
        var pages: [[UInt8]]
    }

    mutating func fetch(window: Range<Int>, maxPageBytes: Int) -> Fetch {
        var pages: [[UInt8]] = []
        var current: [[UInt8]] = []
        var currentBytes = 0
        for d in window {
            var b: [UInt8] = []
            b.reserveCapacity(perDay[d] * 440 + 128)
            bucket(d, into: &b)
            if !current.isEmpty && currentBytes + b.count > maxPageBytes {
                pages.append(current.joinedPage(hasMore: true, cursor: cursor()))
                current = []
                currentBytes = 0
            }
            currentBytes += b.count + 1
            current.append(b)
        }
        pages.append(current.joinedPage(hasMore: false, cursor: nil))
        return Fetch(window: window, pages: pages)
    }

    private mutating func cursor() -> String {
        var s = "page_"
        for _ in 0..<40 { s.unicodeScalars.append(Unicode.Scalar(Self.base62[Int(rng.next() % 62)])) }
        return s
    }
}

extension [[UInt8]] {
    func joinedPage(hasMore: Bool, cursor: String?) -> [UInt8] {
        var out = [UInt8]("{\"data\":[".utf8)
        out.reserveCapacity(reduce(0) { $0 + $1.count + 1 } + 100)
        for (i, b) in enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: b)
        }
        out.append(contentsOf: "],\"has_more\":\(hasMore),\"next_page\":".utf8)
        out.append(contentsOf: (cursor.map { "\"\($0)\"" } ?? "null").utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Uniform and lognormal draws for synthetic token counts (never money).
extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// `Int(exp(N(mu, sigma)))`, the anchors' token-count distribution (Box-Muller).
    mutating func lognormal(_ mu: Double, _ sigma: Double) -> Int {
        let u1 = max(unit(), 0x1p-53), u2 = unit()
        let g = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        return Int(exp(mu + sigma * g))
    }
}

struct MakeUsageLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-usage-ledger",
        abstract: "Build a ledger of usage pages shaped like perf-anchors' data set; report append pages/s and MB/s.",
        discussion: "One fetch per 31-day window (as sync asks), pages closed before --max-page-bytes.")

    @Option(help: "Directory of the new ledger (must not hold one).") var dir: String
    @Option(help: "Usage rows in total.") var rows = 1_000_000
    @Option(help: "Daily buckets, ending the day before --end.") var days = 730
    @Option(help: "The day after the last bucket.") var end = "2025-10-16"
    @Option var maxPageBytes = 2_000_000
    @Option var seed: UInt64 = 1

    func run() async throws {
        guard let endDay = Day(end) else { throw ValidationError("--end must be YYYY-MM-DD") }
        let url = URL(fileURLWithPath: dir)
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(Ledger.fileName).path) {
            throw ValidationError("\(dir) already holds a ledger")
        }
        let ledger = try Ledger(directory: url, create: true)
        var data = UsageDataSet(totalRows: rows, days: days, endingBefore: endDay, seed: seed)
        var pages = 0, raw: Int64 = 0, minPage = Int.max, maxPage = 0
        var appendTime = 0.0
        var windowStart = 0
        while windowStart < days {
            let window = windowStart..<min(days, windowStart + 31)
            let fetch = data.fetch(window: window, maxPageBytes: maxPageBytes)
            let descriptor = Ledger.FetchDescriptor(
                runID: nil, stream: .usage, windowStart: data.start.adding(days: window.lowerBound),
                windowEnd: data.start.adding(days: window.upperBound))
            let t = ContinuousClock.now
            for (i, body) in fetch.pages.enumerated() {
                try ledger.append(
                    Ledger.ReceivedPage(
                        fetch: descriptor, pageIndex: i, isLast: i == fetch.pages.count - 1,
                        request: Ledger.Request(
                            path: ReportStream.usage.path,
                            query: "bucket_width=1d&limit=31&page=\(i)&starting_at=\(descriptor.windowStart!.midnightRFC3339)"),
                        status: 200, requestID: "req_bench\(pages)", body: Data(body)))
                pages += 1
                raw += Int64(body.count)
                minPage = min(minPage, body.count)
                maxPage = max(maxPage, body.count)
            }
            appendTime += elapsedSeconds(since: t)
            windowStart = window.upperBound
        }
        let stats = try ledger.stats()
        print(
            String(
                format: "make-usage-ledger: %d rows, %d days, %d pages (%.2f–%.2f MB), %.1f MB raw, universe %d combinations",
                rows, days, pages, Double(minPage) / 1e6, Double(maxPage) / 1e6, Double(raw) / 1e6, data.universe.count))
        print(
            String(
                format: "append: %.2f s (excluding page generation): %.1f pages/s, %.1f MB/s; stored %.1f MB, ratio %.2fx",
                appendTime, Double(pages) / appendTime, Double(raw) / 1e6 / appendTime,
                Double(stats.storedBytes) / 1e6, Double(stats.rawBytes) / Double(max(1, stats.storedBytes))))
    }
}

struct ExportPages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-pages",
        abstract: "Write every usage page of a ledger to OUT/page-00001.json… (raw bodies, for the peer builders).")

    @Option var dir: String
    @Option var out: String

    func run() async throws {
        let ledger = try Ledger(directory: URL(fileURLWithPath: dir), create: false)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var n = 0
        var bytes: Int64 = 0
        // Headers first: a body cannot be read from inside the event cursor's read.
        var events: [Ledger.Event] = []
        try ledger.forEachEvent(stream: .usage) { events.append($0) }
        for event in events {
            n += 1
            let body = try ledger.body(of: event)
            bytes += Int64(body.count)
            try body.write(to: URL(fileURLWithPath: out).appendingPathComponent(String(format: "page-%05d.json", n)))
        }
        print(String(format: "export-pages: %d pages, %.1f MB raw into %@", n, Double(bytes) / 1e6, out))
    }
}
