import Crypto
import Foundation
import TableSchemas

/// One value of a decoded row: a reference into the page body or the side arena, not a copy.
enum Cell: Sendable {
    case null
    case int(Int64)
    /// Bytes `[start, start+length)` of the page body (a string without escapes, as sent).
    case body(Int32, Int32)
    /// Bytes `[start, start+length)` of the page's arena (unescaped strings, computed text).
    case arena(Int32, Int32)
}

/// The rows one page contributes to one table, ready to insert and to hash.
///
/// Rows are kept as a flat array of cells (`columnCount` per row, schema order) pointing into the
/// page body, so decoding allocates per page, not per field. `digests` holds each row's SHA-256 over
/// its canonical encoding (see `Canonical`), computed by the decoding thread so that the single
/// inserting thread does only SQLite work.
struct DecodedPage: @unchecked Sendable {
    let table: ProjectionTable
    let eventID: String
    let seq: Int64
    let body: Data
    let columnCount: Int
    var cells: [Cell] = []
    /// Per row: the UTC day (days since epoch).
    var days: [Int32] = []
    var arena: [UInt8] = []
    /// 32 bytes per row.
    var digests: [UInt8] = []

    var rowCount: Int { days.count }

    init(table: ProjectionTable, eventID: String, seq: Int64, body: Data) {
        self.table = table
        self.eventID = eventID
        self.seq = seq
        self.body = body
        self.columnCount = table.schema.columns.count
        // A usage row is about 420 bytes of JSON and 15 cells, one cell per 28 bytes. Reserving
        // one per 24 leaves room for shorter rows: regrowth in the hot loop doubles the array and
        // briefly holds both copies (measured on 9.7 MB pages: 181 MB peak at one per 28, 145 MB
        // at one per 24).
        cells.reserveCapacity(body.count / 24)
        days.reserveCapacity(body.count / 400)
    }

    /// Appends bytes to the arena and returns the cell that refers to them.
    mutating func arenaCell<S: Sequence<UInt8>>(_ bytes: S) -> Cell {
        let start = arena.count
        arena.append(contentsOf: bytes)
        return .arena(Int32(start), Int32(arena.count - start))
    }

    /// Calls `body` with the raw bytes of the page and of the arena, for reading text cells.
    func withBuffers<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.body.withUnsafeBytes { page in
            try arena.withUnsafeBytes { arena in try body(page, arena) }
        }
    }

    /// Fills `digests` with the SHA-256 of each row's canonical encoding (see `Canonical`).
    ///
    /// The encoding is written into one reused raw buffer: this runs once per row of the ledger
    /// on the decoding threads, and array appends cost as much as the hashing.
    mutating func computeDigests() {
        var digests = [UInt8](repeating: 0, count: rowCount * 32)
        let n = columnCount
        var capacity = 4096
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        withBuffers { page, arena in
            digests.withUnsafeMutableBytes { out in
                for row in 0..<rowCount {
                    // Upper bound: 21 bytes of length prefix and punctuation plus the text per cell.
                    var bound = 0
                    for c in 0..<n {
                        switch cells[row * n + c] {
                        case .body(_, let l), .arena(_, let l): bound += Int(l) + 24
                        default: bound += 24
                        }
                    }
                    if bound > capacity {
                        buffer.deallocate()
                        capacity = bound * 2
                        buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                    }
                    var length = 0
                    for c in 0..<n {
                        Canonical.write(cells[row * n + c], page: page, arena: arena, to: buffer, at: &length)
                    }
                    var hasher = SHA256()
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: length))
                    hasher.finalize().withUnsafeBytes { digest in
                        out.baseAddress!.advanced(by: row * 32).copyMemory(from: digest.baseAddress!, byteCount: 32)
                    }
                }
            }
        }
        self.digests = digests
    }
}

/// The canonical, storage-independent encoding of a projection row, which the fingerprint hashes.
///
/// Each column in schema order is a netstring: `<byte count>:<UTF-8 text>,`; integers are written
/// in decimal; NULL is `-,`. The same bytes come out whether a value is read from a decoded page or
/// back from any SQLite file, so a fingerprint does not depend on how SQLite stored the value.
enum Canonical {
    static func append(
        _ cell: Cell, page: UnsafeRawBufferPointer, arena: UnsafeRawBufferPointer,
        to out: inout [UInt8]
    ) {
        switch cell {
        case .null:
            out.append(UInt8(ascii: "-"))
            out.append(UInt8(ascii: ","))
        case .int(let v):
            appendInteger(v, to: &out)
        case .body(let s, let l):
            appendText(UnsafeRawBufferPointer(rebasing: page[Int(s)..<Int(s + l)]), to: &out)
        case .arena(let s, let l):
            appendText(UnsafeRawBufferPointer(rebasing: arena[Int(s)..<Int(s + l)]), to: &out)
        }
    }

    /// Writes a cell's netstring at `buffer + at` (the caller guarantees room) and advances `at`.
    @inline(__always)
    static func write(
        _ cell: Cell, page: UnsafeRawBufferPointer, arena: UnsafeRawBufferPointer,
        to buffer: UnsafeMutablePointer<UInt8>, at: inout Int
    ) {
        @inline(__always) func decimal(_ v: UInt64) {
            if v < 10 {
                buffer[at] = 0x30 + UInt8(v)
                at += 1
                return
            }
            var digits = 0
            var x = v
            while x > 0 { x /= 10; digits += 1 }
            x = v
            for i in stride(from: digits - 1, through: 0, by: -1) {
                buffer[at + i] = 0x30 + UInt8(x % 10)
                x /= 10
            }
            at += digits
        }
        @inline(__always) func text(_ base: UnsafeRawPointer?, _ s: Int32, _ l: Int32) {
            decimal(UInt64(l))
            buffer[at] = UInt8(ascii: ":")
            at += 1
            if l > 0 { (buffer + at).update(from: (base! + Int(s)).assumingMemoryBound(to: UInt8.self), count: Int(l)) }
            at += Int(l)
            buffer[at] = UInt8(ascii: ",")
            at += 1
        }
        switch cell {
        case .null:
            buffer[at] = UInt8(ascii: "-")
            buffer[at + 1] = UInt8(ascii: ",")
            at += 2
        case .int(let v):
            var digits: UInt64 = 1
            var x = v.magnitude
            while x >= 10 { x /= 10; digits += 1 }
            decimal(digits + (v < 0 ? 1 : 0))
            buffer[at] = UInt8(ascii: ":")
            at += 1
            if v < 0 {
                buffer[at] = UInt8(ascii: "-")
                at += 1
            }
            decimal(v.magnitude)
            buffer[at] = UInt8(ascii: ",")
            at += 1
        case .body(let s, let l):
            text(page.baseAddress, s, l)
        case .arena(let s, let l):
            text(arena.baseAddress, s, l)
        }
    }

    static func appendNull(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "-"))
        out.append(UInt8(ascii: ","))
    }

    static func appendText(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendDecimal(UInt64(bytes.count), to: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: ","))
    }

    static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        let magnitude = v.magnitude
        var digits: UInt64 = 1
        var x = magnitude
        while x >= 10 {
            x /= 10
            digits += 1
        }
        appendDecimal(digits + (v < 0 ? 1 : 0), to: &out)
        out.append(UInt8(ascii: ":"))
        if v < 0 { out.append(UInt8(ascii: "-")) }
        appendDecimal(magnitude, to: &out)
        out.append(UInt8(ascii: ","))
    }

    static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 {
            out.append(UInt8(ascii: "0") + UInt8(v))
            return
        }
        var tmp:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 {
                buf[n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }

    /// `<len>:<text>,` for a Swift string (tags, table names, dates).
    static func netstring(_ text: String, to out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        appendDecimal(UInt64(bytes.count), to: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: ","))
    }
}
