import CLZ4
import Foundation

/// LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) through the
/// system liblz4: every stored body is one frame with the content size and a content checksum
/// (xxHash32) in it, so `lz4 -d` can restore and check it alone. Reading checks the SHA-256 of the
/// content instead of the checksum (see `decompress`).
enum LZ4Frame {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func compress(_ input: Data) throws -> Data {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.contentSize = UInt64(input.count)
        prefs.frameInfo.blockSizeID = LZ4F_max4MB
        prefs.compressionLevel = 0
        let bound = LZ4F_compressFrameBound(input.count, &prefs)
        var output = Data(count: bound)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { inp in
                LZ4F_compressFrame(out.baseAddress, bound, inp.baseAddress, input.count, &prefs)
            }
        }
        if LZ4F_isError(written) != 0 {
            throw Failure(description: "lz4 compression failed: " + String(cString: LZ4F_getErrorName(written)))
        }
        output.count = written
        return output
    }

    /// LZ4 expands a block at most about 255 times (a match of 255 more bytes per length byte), so
    /// a frame of `frameBytes` bytes cannot hold more than this: a larger recorded length is
    /// damage, and is refused before memory is set aside for it.
    static func maxContent(frameBytes: Int) -> Int {
        frameBytes.multipliedReportingOverflow(by: 256).overflow ? Int.max : frameBytes * 256 + 1024
    }

    /// Throws unless `expectedLength` could be the content of a frame of `frameBytes` bytes.
    static func checkLength(_ expectedLength: Int, frameBytes: Int) throws {
        guard expectedLength >= 0, expectedLength <= maxContent(frameBytes: frameBytes) else {
            throw Failure(description: "recorded length \(expectedLength) is impossible for a \(frameBytes)-byte lz4 frame")
        }
    }

    /// The one decompression loop: `frame` into `output` (at least `expectedLength + 1` bytes, the
    /// spare byte catching a frame that holds more than recorded) with a fresh or reset `context`.
    /// Returns the bytes produced, which are exactly `expectedLength`, or throws what is wrong.
    /// The caller checks the bytes' SHA-256.
    static func decompress(
        _ frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        expectedLength: Int, context: OpaquePointer
    ) throws -> Int {
        guard let source = frame.baseAddress, frame.count > 0 else {
            throw Failure(description: "empty lz4 frame")
        }
        precondition(output.count > expectedLength)
        // The frame's xxHash32 content checksum is not recomputed: every caller checks the
        // content's SHA-256 next, which catches whatever the checksum would, and skipping it
        // saves about a fifth of `verify`'s CPU. The frame keeps its checksum for `lz4 -d`.
        var options = LZ4F_decompressOptions_t()
        options.skipChecksums = 1
        var produced = 0
        var consumed = 0
        var finished = false
        while consumed < frame.count {
            var dstSize = expectedLength + 1 - produced
            var srcSize = frame.count - consumed
            let hint = LZ4F_decompress(
                context, output.baseAddress! + produced, &dstSize, source + consumed, &srcSize, &options)
            if LZ4F_isError(hint) != 0 {
                throw Failure(description: "lz4 frame invalid: " + String(cString: LZ4F_getErrorName(hint)))
            }
            produced += dstSize
            consumed += srcSize
            if hint == 0 {
                finished = true
                break
            }
            if dstSize == 0 && srcSize == 0 { break }
            if produced > expectedLength {
                throw Failure(description: "lz4 frame holds more than the recorded \(expectedLength) bytes")
            }
        }
        guard finished, consumed == frame.count else {
            throw Failure(description: "lz4 frame truncated or followed by extra bytes")
        }
        guard produced == expectedLength else {
            throw Failure(description: "lz4 frame holds \(produced) bytes, recorded length is \(expectedLength)")
        }
        return produced
    }
}
