import Dispatch
import Foundation
import GRDB

extension Ledger {
    /// What the body pass of `verify` found.
    struct BodyCheck {
        var blobs = 0
        var rawBytes: Int64 = 0
        var storedBytes: Int64 = 0
        /// Problem per content hash.
        var bad: [Data: String] = [:]
    }

    /// A batch of stored bodies copied out of SQLite: one contiguous byte buffer and, per body,
    /// its slice, recorded length and content hash.
    private final class BodyBatch: @unchecked Sendable {
        var bytes = Data()
        var items: [(hash: Data, offset: Int, count: Int, length: Int)] = []
        var problems: [String?] = []
    }

    /// Checks every stored body once. The reading connection copies bodies out in batches while
    /// the other cores decompress and hash the previous batch (two batches in flight at most), each
    /// worker reusing one LZ4 context and one output buffer; memory stays flat. The read-only
    /// connection reads through a memory map (`Ledger.readMapBytes`).
    func checkBodies(totalStored: Int64, progress: ((Int64, Int64) -> Void)?) throws -> BodyCheck {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let checkers = try (0..<workers).map { _ in try BodyChecker() }
        nonisolated(unsafe) let sharedCheckers = checkers
        var result = BodyCheck()
        let inFlight = DispatchSemaphore(value: 2)
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "claude-ledger.verify.bodies")
        let lock = NSLock()
        nonisolated(unsafe) var finished: [BodyBatch] = []
        func submit(_ batch: BodyBatch) {
            inFlight.wait()
            group.enter()
            queue.async {
                batch.problems = Array(repeating: nil, count: batch.items.count)
                batch.bytes.withUnsafeBytes { all in
                    nonisolated(unsafe) let all = all
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        var i = w
                        while i < batch.items.count {
                            let item = batch.items[i]
                            let problem = item.hash.withUnsafeBytes { hash in
                                sharedCheckers[w].problem(
                                    frame: UnsafeRawBufferPointer(rebasing: all[item.offset..<item.offset + item.count]),
                                    expectedLength: item.length, contentHash: hash)
                            }
                            if let problem {
                                lock.lock()
                                batch.problems[i] = "\(problem) (body \(item.hash.hexString))"
                                lock.unlock()
                            }
                            i += workers
                        }
                    }
                }
                lock.lock()
                finished.append(batch)
                lock.unlock()
                inFlight.signal()
                group.leave()
            }
        }
        func collect() {
            lock.lock()
            let done = finished
            finished.removeAll()
            lock.unlock()
            for batch in done {
                for (i, item) in batch.items.enumerated() {
                    result.blobs += 1
                    result.rawBytes += Int64(item.length)
                    result.storedBytes += Int64(item.count)
                    if let problem = batch.problems[i] { result.bad[item.hash] = problem }
                }
            }
            progress?(result.storedBytes, totalStored)
        }
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT content_hash, raw_length, body FROM blobs")
            var batch = BodyBatch()
            while let row = try cursor.next() {
                let offset = batch.bytes.count
                let count: Int = try row.withUnsafeData(atIndex: 2) { data in
                    guard let data else { return 0 }
                    batch.bytes.append(data)
                    return data.count
                }
                batch.items.append((row["content_hash"], offset, count, row["raw_length"]))
                if batch.items.count >= 512 || batch.bytes.count >= 8 << 20 {
                    submit(batch)
                    batch = BodyBatch()
                    collect()
                }
            }
            if !batch.items.isEmpty { submit(batch) }
        }
        group.wait()
        collect()
        return result
    }
}
