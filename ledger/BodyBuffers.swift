import CLZ4
import Foundation

/// Reusable memory for decompressed page bodies (`Ledger.body(of:buffers:)`) and their LZ4 contexts.
///
/// A rebuild reads every page of the ledger, and pages run to several megabytes. A fresh buffer
/// per page is zero-filled by the kernel on first touch, and the allocator's per-thread heaps keep
/// freed multi-megabyte blocks of every size they have seen, so resident memory grew with the
/// largest pages (measured: 150 MB on a ledger of 9.7 MB pages with three pages in flight).
/// Buffers released by the pages' last reader come back here; at most `keep` wait for reuse.
public final class BodyBuffers: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [UnsafeMutableRawBufferPointer] = []
    /// LZ4 decompression contexts: each allocates about 8 MB of block buffers (4 MB blocks) when
    /// it reads its first frame header, so they are kept, one per thread decoding at once.
    private var contexts: [OpaquePointer] = []
    private let keep: Int

    /// Buffers are allocated in whole mebibytes, so pages of similar sizes share them.
    static let granule = 1 << 20

    public init(keep: Int) {
        self.keep = keep
    }

    deinit {
        for buffer in free { buffer.deallocate() }
        for context in contexts { LZ4F_freeDecompressionContext(context) }
    }

    /// A decompression context, reset, to be given back with `give(context:)`.
    func takeContext() throws -> OpaquePointer {
        lock.lock()
        let waiting = contexts.popLast()
        lock.unlock()
        if let waiting {
            LZ4F_resetDecompressionContext(waiting)
            return waiting
        }
        var created: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&created, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(status) == 0, let created else {
            throw LZ4Frame.Failure(description: "lz4 context creation failed")
        }
        return created
    }

    func give(context: OpaquePointer) {
        lock.lock()
        contexts.append(context)
        lock.unlock()
    }

    /// A buffer of at least `count` bytes: the smallest waiting one that fits, or a new one.
    func take(atLeast count: Int) -> UnsafeMutableRawBufferPointer {
        lock.lock()
        let fitting = free.indices.filter { free[$0].count >= count }.min { free[$0].count < free[$1].count }
        if let fitting {
            let buffer = free.remove(at: fitting)
            lock.unlock()
            return buffer
        }
        // None fits: a waiting buffer that is too small would only be kept for later, so one
        // makes room for the new one and the number alive stays bounded.
        let smallest = free.indices.min { free[$0].count < free[$1].count }
        let dropped = smallest.map { free.remove(at: $0) }
        lock.unlock()
        dropped?.deallocate()
        // Rounded up only when kept for reuse: a one-off read (`keep` 0) takes what it needs.
        let size = keep == 0 ? count : (count + BodyBuffers.granule - 1) / BodyBuffers.granule * BodyBuffers.granule
        return UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    }

    /// Returns `buffer` for reuse, or frees it (or a smaller waiting one) when `keep` are waiting.
    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        lock.lock()
        free.append(buffer)
        var dropped: UnsafeMutableRawBufferPointer?
        if free.count > keep, let smallest = free.indices.min(by: { free[$0].count < free[$1].count }) {
            dropped = free.remove(at: smallest)
        }
        lock.unlock()
        dropped?.deallocate()
    }

    /// The number of buffers waiting for reuse (for tests).
    var waiting: Int {
        lock.lock()
        defer { lock.unlock() }
        return free.count
    }
}
