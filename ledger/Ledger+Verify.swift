import CoreValues
import Crypto
import Dispatch
import Foundation
import GRDB

extension Ledger {
    /// What `verify` found: counts, the chain head, and every problem with the event it names.
    public struct VerifyReport: Sendable {
        public struct Problem: Sendable, Hashable, CustomStringConvertible {
            public var seq: Int64?
            public var eventID: String?
            public var message: String

            public var description: String {
                if let eventID, let seq { return "event \(eventID) (seq \(seq)): \(message)" }
                return message
            }
        }

        public var events = 0
        public var blobs = 0
        public var rawBytes: Int64 = 0
        public var storedBytes: Int64 = 0
        public var headSeq: Int64 = 0
        public var headChainHash = Ledger.genesisChainHash
        public var problems: [Problem] = []

        public var isValid: Bool { problems.isEmpty }
    }

    /// Checks every stored body (LZ4 frame checksum, length, SHA-256) and every event (its blob
    /// is present and matches, the sequence has no gap, the chain hash links to the previous
    /// event), and that chains recorded complete still hold all their pages. Bodies are checked
    /// once each, in parallel batches; events stream through a cursor, so memory stays flat.
    public func verify(progress: ((_ doneBytes: Int64, _ totalBytes: Int64) -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        let totalStored = try read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(length(body)), 0) FROM blobs") ?? 0
        }
        // Pass 1: bodies. Bad ones are remembered by content hash and reported per event below.
        let bodies = try checkBodies(totalStored: totalStored, progress: progress)
        report.blobs = bodies.blobs
        report.rawBytes = bodies.rawBytes
        report.storedBytes = bodies.storedBytes
        let badBlobs = bodies.bad
        // Pass 2: events, in sequence order, each against its stored predecessor.
        try read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Ledger.eventColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
                           b.raw_length AS blob_length, b.content_hash IS NOT NULL AS has_blob
                    FROM events e LEFT JOIN blobs b ON b.content_hash = e.content_hash ORDER BY e.seq
                    """)
            var previousSeq: Int64 = 0
            var previousChain = Ledger.genesisChainHash
            while let row = try cursor.next() {
                let event = Ledger.event(from: row)
                report.events += 1
                func problem(_ message: String) {
                    report.problems.append(.init(seq: event.seq, eventID: event.eventID, message: message))
                }
                if event.seq != previousSeq + 1 {
                    problem(
                        event.seq > previousSeq + 1
                            ? "events \(previousSeq + 1)…\(event.seq - 1) are missing before this one"
                            : "sequence number out of order after \(previousSeq)")
                }
                if event.computeChainHash(previous: previousChain) != event.chainHash {
                    problem("chain hash does not match its header, body hash and predecessor (edited, reordered or inserted)")
                }
                if !(row["has_blob"] as Bool) {
                    problem("its body \(event.contentHashHex) is missing")
                } else if (row["blob_length"] as Int) != event.rawLength {
                    problem("recorded length \(event.rawLength) differs from the stored body's")
                } else if let failure = badBlobs[event.contentHash] {
                    problem(failure)
                }
                previousSeq = event.seq
                previousChain = event.chainHash
            }
            report.headSeq = previousSeq
            report.headChainHash = previousChain
            // Pass 3: a chain recorded complete must still hold every page it had.
            let shortFetches = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.fetch_id, f.pages, COUNT(e.seq) AS present
                    FROM fetch_ends f LEFT JOIN events e ON e.fetch_id = f.fetch_id
                    WHERE f.status = 'complete' GROUP BY f.fetch_id HAVING present != f.pages
                    """)
            for row in shortFetches {
                report.problems.append(
                    .init(
                        seq: nil, eventID: nil,
                        message:
                            "fetch \(row["fetch_id"] as String) was recorded complete with \(row["pages"] as Int) pages but \(row["present"] as Int) are in the ledger (events deleted)"
                    ))
            }
            // Pass 4: the triggers that refuse updates and deletes are still there.
            for name in try Ledger.missingTriggers(db) {
                report.problems.append(
                    .init(
                        seq: nil, eventID: nil,
                        message:
                            "append-only trigger \(name) is missing (dropped): rows can be changed without an error"))
            }
        }
        return report
    }

    /// The tables whose update/delete triggers FORMAT.md promises.
    static let appendOnlyTables = ["blobs", "sync_runs", "sync_run_ends", "fetches", "fetch_ends", "events"]

    static func missingTriggers(_ db: Database) throws -> [String] {
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return appendOnlyTables.flatMap { ["\($0)_no_update", "\($0)_no_delete"] }.filter { !present.contains($0) }
    }

    /// A ledger head recorded somewhere else: by a projections build, a reconcile run, or the
    /// user (`verify --expect-head`).
    public struct RecordedHead: Sendable, Hashable {
        public var seq: Int64
        /// 64 lowercase hex digits.
        public var chainHashHex: String
        /// Where it was recorded, for the problem line ("projections.sqlite").
        public var source: String

        public init(seq: Int64, chainHashHex: String, source: String) {
            self.seq = seq
            self.chainHashHex = chainHashHex.lowercased()
            self.source = source
        }

        /// Parses `SEQ:HASH` (a decimal sequence number, a colon, 64 hex digits); nil otherwise.
        public init?(parsing text: String, source: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, parts[1].count == 64,
                parts[1].allSatisfy({ $0.isHexDigit })
            else { return nil }
            self.init(seq: seq, chainHashHex: String(parts[1]), source: source)
        }
    }

    /// One problem for each recorded head that is no longer in the chain: its seq is past the
    /// ledger's end (the tail was lost) or the event there has another chain hash (rewritten).
    public func problems(with heads: [RecordedHead]) throws -> [VerifyReport.Problem] {
        var problems: [VerifyReport.Problem] = []
        for head in heads {
            let what = "\(head.source) records ledger head seq \(head.seq) chain \(head.chainHashHex)"
            if head.seq == 0 {
                if head.chainHashHex != Ledger.genesisChainHash.hexString {
                    problems.append(.init(seq: nil, eventID: nil, message: "\(what), which is not the empty chain's hash"))
                }
                continue
            }
            guard let event = try event(seq: head.seq) else {
                let last = try stats().lastSeq
                problems.append(
                    .init(
                        seq: nil, eventID: nil,
                        message:
                            "\(what), but the ledger ends at seq \(last): events after it were lost or removed"))
                continue
            }
            if event.chainHashHex != head.chainHashHex {
                problems.append(
                    .init(
                        seq: nil, eventID: nil,
                        message:
                            "\(what), but event \(event.eventID) at seq \(head.seq) has chain \(event.chainHashHex): the ledger was rewritten"
                    ))
            }
        }
        return problems
    }

    /// Recomputes the chain over the event headers after `afterSeq` (whose chain hash is
    /// `previous`), without reading bodies: a sequential pass, cheap enough to run before every
    /// projection build. Throws a corruption `LedgerError` naming the first event that does not link.
    public func checkChain(afterSeq: Int64 = 0, previous: Data = Ledger.genesisChainHash) throws {
        try read { db in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE seq > ? ORDER BY seq",
                arguments: [afterSeq])
            var previousSeq = afterSeq
            var previousChain = previous
            while let row = try cursor.next() {
                let event = Ledger.event(from: row)
                guard event.seq == previousSeq + 1 else {
                    throw LedgerError(
                        .brokenChain,
                        "event \(event.eventID) (seq \(event.seq)): events \(previousSeq + 1)…\(event.seq - 1) are missing before it",
                        eventID: event.eventID)
                }
                guard event.computeChainHash(previous: previousChain) == event.chainHash else {
                    throw LedgerError(
                        .brokenChain,
                        "event \(event.eventID) (seq \(event.seq)): chain hash does not match its header, body hash and predecessor (forged, edited or inserted)",
                        eventID: event.eventID)
                }
                previousSeq = event.seq
                previousChain = event.chainHash
            }
        }
    }
}
