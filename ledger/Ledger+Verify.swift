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
        var badBlobs: [Data: String] = [:]
        var done: Int64 = 0
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT content_hash, raw_length, body FROM blobs")
            var batch: [(hash: Data, length: Int, body: Data)] = []
            var batchBytes = 0
            func flush() {
                guard !batch.isEmpty else { return }
                nonisolated(unsafe) let results = UnsafeMutableBufferPointer<String?>.allocate(capacity: batch.count)
                results.initialize(repeating: nil)
                defer { results.deallocate() }
                let items = batch
                DispatchQueue.concurrentPerform(iterations: items.count) { i in
                    let item = items[i]
                    do {
                        let raw = try LZ4Frame.decompress(item.body, expectedLength: item.length)
                        if Data(SHA256.hash(data: raw)) != item.hash {
                            results[i] = "stored body does not match its SHA-256 \(item.hash.hexString)"
                        }
                    } catch {
                        results[i] = "stored body \(item.hash.hexString) is damaged: \(error)"
                    }
                }
                for (i, item) in items.enumerated() {
                    report.blobs += 1
                    report.rawBytes += Int64(item.length)
                    report.storedBytes += Int64(item.body.count)
                    done += Int64(item.body.count)
                    if let failure = results[i] { badBlobs[item.hash] = failure }
                }
                progress?(done, totalStored)
                batch.removeAll(keepingCapacity: true)
                batchBytes = 0
            }
            while let row = try cursor.next() {
                let body: Data = row["body"]
                batch.append((row["content_hash"], row["raw_length"], body))
                batchBytes += body.count
                if batch.count >= 256 || batchBytes >= 32 << 20 { flush() }
            }
            flush()
        }
        // Pass 2: events, in sequence order, each against its stored predecessor.
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: """
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
                    problem(event.seq > previousSeq + 1
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
            let shortFetches = try Row.fetchAll(db, sql: """
                SELECT f.fetch_id, f.pages, COUNT(e.seq) AS present
                FROM fetch_ends f LEFT JOIN events e ON e.fetch_id = f.fetch_id
                WHERE f.status = 'complete' GROUP BY f.fetch_id HAVING present != f.pages
                """)
            for row in shortFetches {
                report.problems.append(.init(seq: nil, eventID: nil, message:
                    "fetch \(row["fetch_id"] as String) was recorded complete with \(row["pages"] as Int) pages but \(row["present"] as Int) are in the ledger (events deleted)"))
            }
        }
        return report
    }
}
