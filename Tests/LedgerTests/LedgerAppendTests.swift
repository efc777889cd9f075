import CoreValues
import Crypto
import Foundation
import GRDB
import Ledger
import Testing
import TestSupport

@Suite struct LedgerAppendTests {
    @Test(arguments: [0, 1, 1_000_000, 20_000_000])
    func bodyRoundTripsByteForByteThroughShow(size: Int) async throws {
        try await withTemporaryDirectory { dir in
            let body = Fixtures.jsonLike(bytes: size, seed: UInt64(size + 3))
            let ledger = try Ledger(directory: dir, create: true)
            let event = try ledger.append(Fixtures.page(body, fetch: Fixtures.fetch())).event
            #expect(event.rawLength == size)
            #expect(try ledger.body(of: event) == body)
            let shown = try BuiltProducts.run("claude-ledger", ["show", event.eventID, "--data-dir", dir.path])
            #expect(shown.status == 0, "stderr: \(shown.stderrText)")
            #expect(shown.stdout.count == size)
            #expect(shown.stdout == body)
            #expect(Data(SHA256.hash(data: shown.stdout)) == event.contentHash)
        }
    }

    @Test func identicalBodiesAreStoredOnceAndBothEventsReadBack() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            let body = Fixtures.jsonLike(bytes: 50_000, seed: 9)
            let first = try ledger.append(Fixtures.page(body, fetch: Fixtures.fetch(day: "2025-08-01")))
            let second = try ledger.append(Fixtures.page(body, fetch: Fixtures.fetch(day: "2025-08-01")))
            #expect(first.storedNewBody)
            #expect(!second.storedNewBody)
            #expect(first.event.eventID != second.event.eventID)
            #expect(first.event.contentHash == second.event.contentHash)
            let stats = try ledger.stats()
            #expect(stats.events == 2)
            #expect(stats.blobs == 1)
            #expect(stats.rawBytes == 50_000)
            let readFirst = try #require(try ledger.event(id: first.event.eventID))
            let readSecond = try #require(try ledger.event(id: second.event.eventID))
            #expect(try ledger.body(of: readFirst) == body)
            #expect(try ledger.body(of: readSecond) == body)
            #expect(try ledger.verify().isValid)
        }
    }

    @Test func chainLinksEachEventToItsPredecessor() async throws {
        try await withTemporaryDirectory { dir in
            let (_, events) = try Fixtures.ledger(in: dir, count: 3)
            #expect(events.map(\.seq) == [1, 2, 3])
            #expect(events[0].chainHash == events[0].computeChainHash(previous: Ledger.genesisChainHash))
            #expect(events[1].chainHash == events[1].computeChainHash(previous: events[0].chainHash))
            #expect(events[2].chainHash == events[2].computeChainHash(previous: events[1].chainHash))
            // The hash is SHA-256 over predecessor, canonical header and content hash, by hand:
            let manual = Data(SHA256.hash(data: events[0].chainHash + events[1].canonicalHeader + events[1].contentHash))
            #expect(manual == events[1].chainHash)
        }
    }

    @Test func pagesMustArriveInOrderAndCompleteFetchesAreClosed() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            let fetch = Fixtures.fetch(.usage)
            #expect(throws: LedgerError.self) {
                try ledger.append(Fixtures.page(Data("{}".utf8), fetch: fetch, index: 1, last: false))
            }
            try ledger.append(Fixtures.page(Data("{\"p\":0}".utf8), fetch: fetch, index: 0, last: false))
            var summaries = try ledger.fetchSummaries(stream: .usage)
            #expect(summaries.count == 1)
            #expect(summaries[0].isComplete == false)
            try ledger.append(Fixtures.page(Data("{\"p\":1}".utf8), fetch: fetch, index: 1, last: true))
            summaries = try ledger.fetchSummaries(stream: .usage)
            #expect(summaries[0].isComplete)
            #expect(summaries[0].pageCount == 2)
            #expect(summaries[0].windowStart == Day("2025-08-01"))
            #expect(summaries[0].windowEnd == Day("2025-08-02"))
            // A closed fetch takes no more pages.
            #expect(throws: LedgerError.self) {
                try ledger.append(Fixtures.page(Data("{}".utf8), fetch: fetch, index: 2, last: true))
            }
        }
    }

    @Test func failedFetchIsRecordedAndStaysIncomplete() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            let fetch = Fixtures.fetch(.cost)
            try ledger.append(Fixtures.page(Data("{\"p\":0}".utf8), fetch: fetch, index: 0, last: false))
            try ledger.recordFetchFailure(fetch, attempts: 9, error: "HTTP 529 overloaded_error after 9 attempts")
            let failed = try ledger.failedFetches(stream: .cost)
            #expect(failed.count == 1)
            #expect(failed[0].pages == 1)
            #expect(try ledger.fetchSummaries(stream: .cost).first?.isComplete == false)
            #expect(try ledger.verify().isValid)
        }
    }

    @Test func dataDirectoryIsOwnerOnly() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("nested/data")
            _ = try Ledger(directory: data, create: true)
            let dirMode = try FileManager.default.attributesOfItem(atPath: data.path)[.posixPermissions] as? Int
            let fileMode =
                try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent("ledger.sqlite").path)[.posixPermissions]
                as? Int
            #expect(dirMode == 0o700)
            #expect(fileMode == 0o600)
        }
    }

    @Test func openingWithoutCreateChangesNothing() async {
        await withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("absent")
            #expect(throws: LedgerError.self) { try Ledger(directory: missing, create: false) }
            #expect(!FileManager.default.fileExists(atPath: missing.path))
        }
    }
}
