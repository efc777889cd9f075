import CoreValues
import Foundation
import Ledger
import Logging
import TableSchemas

extension Projections {
    /// What one timed rebuild did.
    public struct BenchmarkResult: Sendable {
        public var build: BuildResult
        public var elapsed: Duration
        /// Rows written per second of wall time (all tables).
        public var rowsPerSecond: Int
        /// Raw page bytes decoded per second of wall time.
        public var bytesPerSecond: Int64
    }

    /// Times a full `rebuild` of `ledger` into `url`: the entry point `tools/ledger-bench` calls.
    public static func benchmarkRebuild(ledger: Ledger, into url: URL) throws -> BenchmarkResult {
        let clock = ContinuousClock()
        let start = clock.now
        let build = try rebuild(ledger: ledger, into: url, logger: Logger(label: "claude-ledger.projections.bench"))
        let elapsed = clock.now - start
        let (seconds, attoseconds) = elapsed.components
        // Integer nanoseconds: rates are printed, never summed into money.
        let nanos = max(1, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return BenchmarkResult(build: build, elapsed: elapsed,
                               rowsPerSecond: Int(Int64(build.rowsWritten) * 1_000_000_000 / nanos),
                               bytesPerSecond: build.bytesDecoded * 1_000_000_000 / nanos)
    }

    /// A deterministic synthetic `usage_report/messages` page: one daily bucket per day in
    /// `days`, `rowsPerDay` rows each, grouped by all six dimensions, shaped like the API's example
    /// (field set and order). For benchmarks and soak tests; `seed` varies the values.
    public static func syntheticUsagePage(days: [Day], rowsPerDay: Int, seed: UInt64 = 1, hasMore: Bool = false) -> Data {
        var rng = SplitMix(state: seed)
        var out = "{\"data\":["
        out.reserveCapacity(days.count * rowsPerDay * 480 + 200)
        let tiers = ["standard", "batch", "priority"]
        let models = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-3-5-haiku-20241022",
                      "claude-sonnet-4-20250514"]
        let geos = ["global", "us", "not_available"]
        for (d, day) in days.enumerated() {
            if d > 0 { out += "," }
            out += "{\"starting_at\":\"\(day.midnightRFC3339)\",\"ending_at\":\"\(day.adding(days: 1).midnightRFC3339)\",\"results\":["
            for r in 0..<rowsPerDay {
                if r > 0 { out += "," }
                let key = rng.next() % 1000
                let ws = rng.next() % 30
                let keyText = key == 0 ? "null" : "\"apikey_01\(String(key, radix: 36))Rj2N8SVvo6BePZj99N\(r % 97)\""
                let wsText = ws == 0 ? "null" : "\"wrkspc_01JwQvzr7rXLA5AGx3HK\(ws)\""
                out += "{\"uncached_input_tokens\":\(rng.next() % 200_000),"
                out += "\"cache_creation\":{\"ephemeral_1h_input_tokens\":\(rng.next() % 10 == 0 ? rng.next() % 50_000 : 0),"
                out += "\"ephemeral_5m_input_tokens\":\(rng.next() % 10 < 6 ? rng.next() % 80_000 : 0)},"
                out += "\"cache_read_input_tokens\":\(rng.next() % 10 < 7 ? rng.next() % 2_000_000 : 0),"
                out += "\"output_tokens\":\(rng.next() % 40_000),"
                out += "\"server_tool_use\":{\"web_search_requests\":\(rng.next() % 20 == 0 ? rng.next() % 30 : 0)},"
                out += "\"api_key_id\":\(keyText),\"workspace_id\":\(wsText),"
                out += "\"model\":\"\(models[Int(rng.next() % 4)])\",\"service_tier\":\"\(tiers[Int(rng.next() % 3)])\","
                out += "\"context_window\":\"\(rng.next() % 8 == 0 ? "200k-1M" : "0-200k")\","
                out += "\"inference_geo\":\"\(geos[Int(rng.next() % 3)])\"}"
            }
            out += "]}"
        }
        out += "],\"has_more\":\(hasMore),\"next_page\":\(hasMore ? "\"page_synthetic\"" : "null")}"
        return Data(out.utf8)
    }

    /// SplitMix64: a tiny deterministic generator, so synthetic pages are the same on every machine.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

extension Projections {
    /// Decodes one page body `iterations` times on the calling thread and reports the time spent
    /// decoding and hashing rows: the per-core ceiling of a rebuild, without SQLite or the ledger.
    public static func benchmarkDecode(body: Data, stream: ReportStream, iterations: Int = 1) throws
        -> (rows: Int, decode: Duration, digests: Duration) {
        guard let table = ProjectionTable(stream: stream) else { return (0, .zero, .zero) }
        let clock = ContinuousClock()
        var decode = Duration.zero
        var digests = Duration.zero
        var rows = 0
        for _ in 0..<iterations {
            let t0 = clock.now
            var page = try PageDecoder().decodeRows(table: table, eventID: "evt_benchmark", seq: 0, body: body) { _ in true }
            let t1 = clock.now
            page.computeDigests()
            digests += clock.now - t1
            decode += t1 - t0
            rows += page.rowCount
        }
        return (rows, decode, digests)
    }
}
