import CLZ4
import Foundation

/// Checks stored bodies (LZ4 frame, recorded length, SHA-256) without allocating per body: one
/// decompression context and one output buffer, reused for every body a worker checks. This is
/// `verify`'s inner loop; a fresh multi-megabyte buffer per page made it page-fault bound.
final class BodyChecker {
    private let context: OpaquePointer
    private var buffer: UnsafeMutableRawBufferPointer

    init() throws {
        var created: OpaquePointer?
        let status = LZ4F_createDecompressionContext(&created, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(status) == 0, let created else {
            throw LZ4Frame.Failure(description: "lz4 context creation failed")
        }
        context = created
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit {
        LZ4F_freeDecompressionContext(context)
        buffer.deallocate()
    }

    /// nil when `frame` decompresses to exactly `expectedLength` bytes whose SHA-256 is
    /// `contentHash`; otherwise what is wrong, in words.
    func problem(frame: UnsafeRawBufferPointer, expectedLength: Int, contentHash: UnsafeRawBufferPointer) -> String? {
        do {
            try LZ4Frame.checkLength(expectedLength, frameBytes: frame.count)
        } catch {
            return "stored body is damaged: \(error)"
        }
        // One spare byte lets a frame that holds more content than recorded be detected.
        if buffer.count < expectedLength + 1 {
            buffer.deallocate()
            buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(expectedLength + 1, buffer.count * 2), alignment: 16)
        }
        LZ4F_resetDecompressionContext(context)
        switch Ledger.unpack(frame, into: buffer, expectedLength: expectedLength, contentHash: contentHash, context: context) {
        case nil: return nil
        case .damaged(let why): return "stored body is damaged: \(why)"
        case .hashMismatch: return "stored body does not match its SHA-256"
        }
    }
}
