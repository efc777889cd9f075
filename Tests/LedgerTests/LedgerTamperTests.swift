import Foundation
import GRDB
import Ledger
import Testing
import TestSupport

/// Each tampering a person could do with the sqlite3 shell is caught by `verify`, which names
/// the event and exits 1; the untouched ledger exits 0.
@Suite struct LedgerTamperTests {
    enum Tamper: String, CaseIterable, CustomTestStringConvertible {
        case flippedBlobByte, changedEventContentHash, changedBlobContentHash, changedHeaderField,
            deletedEvent, swappedEvents, deletedLastPageOfCompleteFetch
        var testDescription: String { rawValue }
    }

    /// Opens a second, raw connection and removes the append-only triggers, as an attacker would.
    static func tamper(_ dir: URL, _ sql: String, arguments: StatementArguments = []) throws {
        let db = try DatabaseQueue(path: dir.appendingPathComponent("ledger.sqlite").path)
        try db.writeWithoutTransaction { db in
            for table in ["events", "blobs", "fetch_ends", "fetches"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(table)_no_update; DROP TRIGGER IF EXISTS \(table)_no_delete")
            }
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    @Test func untouchedLedgerVerifies() async throws {
        try await withTemporaryDirectory { dir in
            _ = try Fixtures.ledger(in: dir, count: 5)
            let result = try BuiltProducts.run("claude-ledger", ["verify", "--data-dir", dir.path])
            #expect(result.status == 0)
            #expect(result.stdoutText.contains("verified 5 events"))
            #expect(result.stdoutText.contains("head: seq 5 chain "))
        }
    }

    @Test(arguments: Tamper.allCases)
    func tamperingIsCaughtAndTheEventNamed(_ tamper: Tamper) async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events) = try Fixtures.ledger(in: dir, count: 5)
            let victim = events[2]
            var named: [String] = [victim.eventID]
            switch tamper {
            case .flippedBlobByte:
                // Flip one byte in the middle of the stored LZ4 frame.
                let raw = try DatabaseQueue(path: dir.appendingPathComponent("ledger.sqlite").path)
                var frame = try #require(
                    try raw.read { db in
                        try Data.fetchOne(db, sql: "SELECT body FROM blobs WHERE content_hash = ?", arguments: [victim.contentHash])
                    })
                frame[frame.count / 2] ^= 0x01
                try Self.tamper(dir, "UPDATE blobs SET body = ? WHERE content_hash = ?", arguments: [frame, victim.contentHash])
            case .changedEventContentHash:
                try Self.tamper(dir, "UPDATE events SET content_hash = ? WHERE seq = ?", arguments: [events[0].contentHash, victim.seq])
            case .changedBlobContentHash:
                try Self.tamper(dir, "UPDATE blobs SET content_hash = zeroblob(32) WHERE content_hash = ?", arguments: [victim.contentHash])
            case .changedHeaderField:
                try Self.tamper(dir, "UPDATE events SET request_id = 'req_forged' WHERE seq = ?", arguments: [victim.seq])
            case .deletedEvent:
                try Self.tamper(dir, "DELETE FROM events WHERE seq = ?", arguments: [victim.seq])
                named = [events[3].eventID]
            case .swappedEvents:
                try Self.tamper(
                    dir,
                    """
                    UPDATE events SET seq = -1 WHERE seq = 3;
                    UPDATE events SET seq = 3 WHERE seq = 4;
                    UPDATE events SET seq = 4 WHERE seq = -1;
                    """)
                named = [events[2].eventID, events[3].eventID]
            case .deletedLastPageOfCompleteFetch:
                try Self.tamper(dir, "DELETE FROM events WHERE seq = 5")
                named = [events[4].fetchID]
            }
            let report = try ledger.verify()
            #expect(!report.isValid)
            let text = report.problems.map(\.description).joined(separator: "\n")
            for id in named {
                #expect(text.contains(id), "expected \(id) in: \(text)")
            }
            let result = try BuiltProducts.run("claude-ledger", ["verify", "--data-dir", dir.path])
            #expect(result.status == 1)
            for id in named {
                #expect(result.stdoutText.contains(id))
            }
        }
    }

    @Test func triggersRefuseUpdateAndDelete() async throws {
        try await withTemporaryDirectory { dir in
            _ = try Fixtures.ledger(in: dir, count: 2)
            let db = try DatabaseQueue(path: dir.appendingPathComponent("ledger.sqlite").path)
            for sql in [
                "UPDATE events SET status = 500 WHERE seq = 1", "DELETE FROM events WHERE seq = 2",
                "UPDATE blobs SET raw_length = 0", "DELETE FROM blobs",
                "UPDATE fetches SET stream = 'x'", "DELETE FROM fetch_ends",
            ] {
                #expect(throws: DatabaseError.self, "\(sql)") {
                    try db.write { try $0.execute(sql: sql) }
                }
            }
            let count = try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events") }
            #expect(count == 2)
        }
    }
}
