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
        let fetch = Ledger.FetchDescriptor(runID: nil, stream: .usage, windowStart: start,
                                           windowEnd: start.adding(days: pages * daysPerPage))
        for p in 0..<pages {
            let days = (0..<daysPerPage).map { start.adding(days: p * daysPerPage + $0) }
            let body = Projections.syntheticUsagePage(days: days, rowsPerDay: rowsPerDay, seed: UInt64(p + 1),
                                                      hasMore: p < pages - 1)
            try l.ledger.append(Ledger.Page(fetch: fetch, pageIndex: p, isLast: p == pages - 1,
                                            request: .init(path: ReportStream.usage.path, query: "page=\(p)"),
                                            status: 200, requestID: nil, body: body))
        }
        let result = try Projections.benchmarkRebuild(ledger: l.ledger, into: l.dir.projections)
        print("rebuild: \(result.build.rowsWritten) rows, \(result.build.pagesDecoded) pages, \(result.build.bytesDecoded) bytes in \(result.elapsed): \(result.rowsPerSecond) rows/s, \(result.bytesPerSecond / 1_000_000) MB/s")
        #expect(result.build.rowsWritten == pages * daysPerPage * rowsPerDay)
        let updated = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(updated.mode == .upToDate)
        let clock = ContinuousClock()
        let t0 = clock.now
        let recomputed = try Projections.fingerprint(of: l.dir.projections)
        print("fingerprint(of:) recomputed from rows in \(clock.now - t0)")
        #expect(recomputed == result.build.fingerprint)
    }
}
