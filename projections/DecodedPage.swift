import Crypto
import Foundation

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

    /// Fills `digests` with the SHA-256 of each row's canonical encoding.
    mutating func computeDigests() {
        var digests = [UInt8]()
        digests.reserveCapacity(rowCount * 32)
        var scratch = [UInt8]()
        scratch.reserveCapacity(512)
        let n = columnCount
        withBuffers { page, arena in
            for row in 0..<rowCount {
                scratch.removeAll(keepingCapacity: true)
                for c in 0..<n {
                    Canonical.append(cells[row * n + c], page: page, arena: arena, to: &scratch)
                }
                scratch.withUnsafeBytes { raw in
                    digests.append(contentsOf: SHA256.hash(data: raw))
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
    static func append(_ cell: Cell, page: UnsafeRawBufferPointer, arena: UnsafeRawBufferPointer,
                       to out: inout [UInt8]) {
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
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
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
