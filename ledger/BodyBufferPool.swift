import CLZ4
import Crypto
import Foundation
import GRDB

/// Reusable buffers for page bodies that live a while after they are read (a rebuild keeps each
/// decoded page until its rows are inserted): a body read through the pool is decompressed into
/// a buffer taken from it, and the buffer comes back when the `Data` is released. A fresh
/// multi-megabyte buffer per page costs page faults and zeroing in the kernel (several CPU-s per
/// 2 GB of pages) and leaves freed buffers scattered over malloc's arenas.
public final class BodyBufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [UnsafeMutableRawBufferPointer] = []
    /// Buffers kept for reuse at most; more are freed when they come back.
    private let keep: Int

    public init(keep: Int = 8) {
        self.keep = keep
    }

    deinit {
        for buffer in free { buffer.deallocate() }
    }

    func take(_ byteCount: Int) -> UnsafeMutableRawBufferPointer {
        lock.lock()
        // The smallest free buffer that fits, so a small page does not hold a large buffer.
        let fitting = free.indices.filter { free[$0].count >= byteCount }
        if let index = fitting.min(by: { free[$0].count < free[$1].count }) {
            let buffer = free.remove(at: index)
            lock.unlock()
            return buffer
        }
        lock.unlock()
        // Rounded up (to 64 KB, or 1 MB past 1 MB) so that pages of similar size share buffers.
        let unit = byteCount < (1 << 20) ? 1 << 16 : 1 << 20
        let size = (byteCount + unit - 1) & ~(unit - 1)
        return UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    }

    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        lock.lock()
        if free.count < keep {
            free.append(buffer)
            lock.unlock()
        } else {
            lock.unlock()
            buffer.deallocate()
        }
    }
}

extension Ledger {
    /// `body(of:)` into a buffer of `pool`: the same checks (LZ4 frame, recorded length,
    /// SHA-256), the buffer returned to the pool when the `Data` is released.
    public func body(of event: Event, pool: BodyBufferPool) throws -> Data {
        let row = try read { db in
            try Row.fetchOne(
                db, sql: "SELECT raw_length, body FROM blobs WHERE content_hash = ?",
                arguments: [event.contentHash])
        }
        guard let row, let compressed: Data = row["body"] else {
            throw LedgerError(
                .corruptBody, "event \(event.eventID) (seq \(event.seq)): its body \(event.contentHashHex) is missing from the ledger",
                eventID: event.eventID)
        }
        let rawLength: Int = row["raw_length"]
        // One spare byte lets a frame that holds more content than recorded be detected.
        let buffer = pool.take(rawLength + 1)
        do {
            var created: OpaquePointer?
            let status = LZ4F_createDecompressionContext(&created, UInt32(LZ4F_VERSION))
            guard LZ4F_isError(status) == 0, let context = created else {
                throw LZ4Frame.Failure(description: "lz4 context creation failed")
            }
            defer { LZ4F_freeDecompressionContext(context) }
            let produced = try compressed.withUnsafeBytes { frame in
                try LZ4Frame.decompress(frame, into: buffer, expectedLength: rawLength, context: context)
            }
            guard produced == rawLength else {
                throw LZ4Frame.Failure(description: "\(produced) bytes where \(rawLength) were recorded")
            }
        } catch {
            pool.give(buffer)
            throw LedgerError(
                .corruptBody, "event \(event.eventID) (seq \(event.seq)): stored body is damaged: \(error)", eventID: event.eventID)
        }
        let body = UnsafeRawBufferPointer(rebasing: buffer[0..<rawLength])
        guard Data(SHA256.hash(data: body)) == event.contentHash else {
            pool.give(buffer)
            throw LedgerError(
                .corruptBody, "event \(event.eventID) (seq \(event.seq)): body does not match its SHA-256", eventID: event.eventID)
        }
        return Data(bytesNoCopy: buffer.baseAddress!, count: rawLength, deallocator: .custom { _, _ in pool.give(buffer) })
    }
}
