import CoreValues
import Foundation
import Ledger
import Testing
@testable import Projections

/// Opt-in: `PROJECTIONS_BENCH_ROWS=1000000 swift test -c release --filter RebuildBenchmark`.
@Suite struct RebuildBenchmark {
    static let rows = Int(ProcessInfo.processInfo.environment["PROJECTIONS_BENCH_ROWS"] ?? "") ?? 0

    @Test(.enabled(if: rows > 0)) func rebuildSyntheticUsage() throws {
        let l = try TestLedger()
        let rowsPerDay = 2000
        let daysPerPage = 2
        let pages = max(1, RebuildBenchmark.rows / (rowsPerDay * daysPerPage))
        let start = Day("2024-01-01")!
        let fetch = Ledger.FetchDescriptor(
            runID: nil, stream: .usage, windowStart: start,
            windowEnd: start.adding(days: pages * daysPerPage))
        for p in 0..<pages {
            let days = (0..<daysPerPage).map { start.adding(days: p * daysPerPage + $0) }
            let body = RebuildBenchmark.syntheticUsagePage(
                days: days, rowsPerDay: rowsPerDay, seed: UInt64(p + 1),
                hasMore: p < pages - 1)
            try l.ledger.append(
                Ledger.ReceivedPage(
                    fetch: fetch, pageIndex: p, isLast: p == pages - 1,
                    request: .init(path: ReportStream.usage.path, query: "page=\(p)"),
                    status: 200, requestID: nil, body: body))
        }
        let started = ContinuousClock.now
        let build = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        print(
            "rebuild: \(build.rowsWritten) rows, \(build.pagesDecoded) pages, \(build.bytesDecoded) bytes in \(ContinuousClock.now - started)"
        )
        #expect(build.rowsWritten == pages * daysPerPage * rowsPerDay)
        let updated = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(updated.mode == .upToDate)
        let clock = ContinuousClock()
        let t0 = clock.now
        let recomputed = try Projections.fingerprint(of: l.dir.projections)
        print("fingerprint(of:) recomputed from rows in \(clock.now - t0)")
        #expect(recomputed == build.fingerprint)
    }

    /// A deterministic synthetic `usage_report/messages` page: one daily bucket per day in
    /// `days`, `rowsPerDay` rows each, grouped by all six dimensions, shaped like the API's example
    /// (field set and order). For benchmarks and soak tests; `seed` varies the values.
    static func syntheticUsagePage(days: [Day], rowsPerDay: Int, seed: UInt64 = 1, hasMore: Bool = false) -> Data {
        var rng = SplitMix64(seed: seed)
        var out = "{\"data\":["
        out.reserveCapacity(days.count * rowsPerDay * 480 + 200)
        let tiers = ["standard", "batch", "priority"]
        let models = [
            "claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-3-5-haiku-20241022",
            "claude-sonnet-4-20250514",
        ]
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
}
