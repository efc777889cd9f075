import CoreValues
import Foundation
import Ledger
import Testing
import TestSupport

/// A day fetched before it ended (UTC) is covered but never final: the next sync must fetch it
/// again, whatever `--revisit-days` says.
@Suite struct LedgerCoverageTests {
    func d(_ s: String) -> Day { Day(s)! }

    /// 00:00:00 UTC of `day` plus `hours`.
    func at(_ day: String, hours: Double) -> Date {
        Date(timeIntervalSince1970: TimeInterval(Day(day)!.daysSinceEpoch) * 86_400 + hours * 3_600)
    }

    func appendCompleteFetch(_ ledger: Ledger, from: String, to: String, fetchedAt: Date) throws {
        let fetch = Ledger.FetchDescriptor(runID: nil, stream: .cost, windowStart: d(from), windowEnd: d(to))
        var page = Fixtures.page(Data("{\"data\":[],\"has_more\":false}".utf8), fetch: fetch)
        page.fetchedAt = fetchedAt
        _ = try ledger.append(page)
    }

    @Test func daysNotEndedWhenFetchedAreCoveredButNotFinal() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            // Window 2026-03-01 ..< 2026-03-05 fetched at 2026-03-03 10:00 UTC: the 1st and 2nd had
            // ended, the 3rd was under way, the 4th was in the future.
            try appendCompleteFetch(ledger, from: "2026-03-01", to: "2026-03-05", fetchedAt: at("2026-03-03", hours: 10))
            let coverage = try ledger.coverage(stream: .cost)
            #expect(coverage.covered == Set([d("2026-03-01"), d("2026-03-02"), d("2026-03-03"), d("2026-03-04")]))
            #expect(coverage.final == Set([d("2026-03-01"), d("2026-03-02")]))
            // Fetched again after they ended, every day is final.
            try appendCompleteFetch(ledger, from: "2026-03-03", to: "2026-03-05", fetchedAt: at("2026-03-05", hours: 0.01))
            #expect(try ledger.coverage(stream: .cost).final == coverage.covered)
        }
    }

    @Test func aDayFetchedAtItsLastMillisecondIsNotFinal() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            try appendCompleteFetch(ledger, from: "2026-03-01", to: "2026-03-02", fetchedAt: at("2026-03-02", hours: -0.0001))
            #expect(try ledger.coverage(stream: .cost).final.isEmpty)
        }
    }
}
