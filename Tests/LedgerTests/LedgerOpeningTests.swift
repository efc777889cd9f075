import Crypto
import Foundation
import GRDB
@testable import Ledger
import Testing
import TestSupport

/// How the ledger is opened: never adopting another file, reading without writing, and the
/// checks against heads recorded elsewhere.
@Suite struct LedgerOpeningTests {
    static func sha256(_ path: String) throws -> Data {
        Data(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func anotherProgramsDatabaseIsNotAdoptedByCreate() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent(Ledger.fileName).path
            let other = try DatabaseQueue(path: path)
            try other.write {
                try $0.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x')")
            }
            try other.close()
            let before = try Self.sha256(path)
            #expect {
                _ = try Ledger(directory: dir, create: true)
            } throws: { ($0 as? LedgerError)?.classification == .badInput }
            #expect(try Self.sha256(path) == before)
            let tables = try DatabaseQueue(path: path).read {
                try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            #expect(tables == ["notes"])
        }
    }

    @Test func aReadOnlyLedgerRefusesWritesAndKeepsItsBytes() async throws {
        try await withTemporaryDirectory { dir in
            _ = try Fixtures.ledger(in: dir, count: 3)
            let path = dir.appendingPathComponent(Ledger.fileName).path
            let before = try Self.sha256(path)
            let reader = try Ledger.openReadOnly(directory: dir)
            #expect(reader.isReadOnly)
            #expect(try reader.verify().events == 3)
            #expect(throws: LedgerError.self) {
                _ = try reader.append(Fixtures.page(Data("{}".utf8), fetch: Fixtures.fetch(day: "2025-09-01")))
            }
            #expect(try Self.sha256(path) == before)
        }
    }

    @Test func theImmutableURIEscapesWhatSQLiteWouldReadAsQueryOrFragment() {
        #expect(
            Ledger.immutableURI("/data/a b?c#d%e/ledger.sqlite")
                == "file:/data/a%20b%3Fc%23d%25e/ledger.sqlite?mode=ro&immutable=1")
    }

    @Test(arguments: [
        ("3:" + String(repeating: "a", count: 64), true), ("0:" + String(repeating: "0", count: 64), true),
        ("3:" + String(repeating: "A", count: 64), true), ("3", false), ("3:abc", false), (":" + String(repeating: "a", count: 64), false),
        ("-3:" + String(repeating: "a", count: 64), false), ("3:" + String(repeating: "z", count: 64), false),
        ("3:" + String(repeating: "a", count: 64) + ":x", false),
    ])
    func expectHeadParsing(_ text: String, _ valid: Bool) {
        let head = Ledger.RecordedHead(parsing: text, source: "test")
        #expect((head != nil) == valid)
        if let head { #expect(head.chainHashHex == head.chainHashHex.lowercased()) }
    }

    @Test func recordedHeadsAreCheckedAgainstTheChain() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events) = try Fixtures.ledger(in: dir, count: 4)
            let good = Ledger.RecordedHead(seq: 2, chainHashHex: events[1].chainHashHex, source: "a")
            let genesis = Ledger.RecordedHead(seq: 0, chainHashHex: String(repeating: "0", count: 64), source: "b")
            #expect(try ledger.problems(with: [good, genesis]).isEmpty)
            let rewritten = Ledger.RecordedHead(seq: 2, chainHashHex: events[2].chainHashHex, source: "c")
            let beyond = Ledger.RecordedHead(seq: 9, chainHashHex: events[3].chainHashHex, source: "d")
            let problems = try ledger.problems(with: [rewritten, beyond]).map(\.message)
            #expect(problems.count == 2)
            #expect(problems[0].hasPrefix("c records ledger head seq 2") && problems[0].contains("rewritten"))
            #expect(problems[1].contains("the ledger ends at seq 4"))
        }
    }

    @Test func checkChainNamesTheFirstEventThatDoesNotLink() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events) = try Fixtures.ledger(in: dir, count: 3)
            try ledger.checkChain()
            try ledger.checkChain(afterSeq: 2, previous: events[1].chainHash)
            let raw = try DatabaseQueue(path: dir.appendingPathComponent(Ledger.fileName).path)
            try raw.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO events (seq, event_id, stream, fetch_id, page_index, is_last, window_start, window_end, method,
                            path, query, status, request_id, fetched_at, content_hash, raw_length, chain_hash)
                        SELECT 4, 'evt_000000000000000000000forged', stream, fetch_id, page_index + 1, 1, window_start, window_end, method, path,
                            query, status, request_id, fetched_at, content_hash, raw_length, zeroblob(32) FROM events WHERE seq = 3
                        """)
            }
            try raw.close()
            #expect {
                try ledger.checkChain(afterSeq: 2, previous: events[1].chainHash)
            } throws: { error in
                let error = error as? LedgerError
                return error?.classification == .corruption && error?.eventID == "evt_000000000000000000000forged"
            }
        }
    }
}
