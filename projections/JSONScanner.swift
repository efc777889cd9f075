/// A forward-only JSON reader over a page's bytes, for the three known report shapes.
///
/// `JSONDecoder` runs at about 65 MB/s on this class of machine and allocates a value per field;
/// a rebuild reads every page of the ledger, so the decoders walk the bytes once instead, keep
/// strings as ranges into the page (unescaping into a side arena only when a string has escapes),
/// and skip unknown fields without building them. The reader validates what it reads: strings
/// must terminate, numbers read as integers must be integers, structure must balance. It is not a
/// general JSON validator for the values it skips (it checks their structure, not every literal).
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var pos = 0

    /// A failure with the byte offset where reading stopped and what was expected.
    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var message: String
        var description: String { "\(message) at byte \(offset)" }
    }

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        // An empty buffer has no base address; point at a static byte so reads fail cleanly.
        self.base = buffer.baseAddress ?? JSONScanner.emptyByte
        self.count = buffer.count
    }

    nonisolated(unsafe) private static let emptyByte: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    func fail(_ message: String) -> Failure { Failure(offset: pos, message: message) }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < count {
            let b = base[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    /// The next non-whitespace byte, not consumed; 0 at the end of input.
    @inline(__always)
    mutating func peek() -> UInt8 {
        skipWhitespace()
        return pos < count ? base[pos] : 0
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: StaticString) throws {
        skipWhitespace()
        guard pos < count, base[pos] == byte else { throw fail("expected \(what)") }
        pos += 1
    }

    /// Consumes the end of input (only whitespace may remain).
    mutating func expectEnd() throws {
        skipWhitespace()
        guard pos == count else { throw fail("unexpected data after the top-level value") }
    }

    // MARK: objects and arrays

    /// Iteration state for `nextKey` and `nextElement`.
    struct Container {
        var first = true
    }

    /// Consumes `{` and returns the state for `nextKey`.
    mutating func beginObject() throws -> Container {
        try expect(UInt8(ascii: "{"), "an object")
        return Container()
    }

    /// The next key of the object (after its `:`), or nil after consuming the closing `}`.
    mutating func nextKey(_ state: inout Container) throws -> Key? {
        skipWhitespace()
        guard pos < count else { throw fail("unterminated object") }
        if base[pos] == UInt8(ascii: "}") {
            pos += 1
            return nil
        }
        if state.first {
            state.first = false
        } else {
            guard base[pos] == UInt8(ascii: ",") else { throw fail("expected , or } in object") }
            pos += 1
            skipWhitespace()
        }
        guard pos < count, base[pos] == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let key = try scanRawString()
        try expect(UInt8(ascii: ":"), ":")
        return key
    }

    /// Consumes `[` and returns the state for `nextElement`.
    mutating func beginArray() throws -> Container {
        try expect(UInt8(ascii: "["), "an array")
        return Container()
    }

    /// True when another element follows (positioned at it); false after consuming `]`.
    mutating func nextElement(_ state: inout Container) throws -> Bool {
        skipWhitespace()
        guard pos < count else { throw fail("unterminated array") }
        if base[pos] == UInt8(ascii: "]") {
            pos += 1
            return false
        }
        if state.first {
            state.first = false
        } else {
            guard base[pos] == UInt8(ascii: ",") else { throw fail("expected , or ] in array") }
            pos += 1
        }
        return true
    }

    // MARK: strings

    /// A string's raw bytes between its quotes, and whether they contain escapes.
    struct Key {
        var start: Int
        var length: Int
        var hasEscapes: Bool
    }

    /// Scans a string starting at its opening quote; returns its raw (still escaped) extent.
    @inline(__always)
    mutating func scanRawString() throws -> Key {
        pos += 1  // opening quote
        let start = pos
        var escapes = false
        while pos < count {
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                let key = Key(start: start, length: pos - start, hasEscapes: escapes)
                pos += 1
                return key
            }
            if b == UInt8(ascii: "\\") {
                escapes = true
                pos += 2
                continue
            }
            if b < 0x20 { throw fail("control character in string") }
            pos += 1
        }
        throw fail("unterminated string")
    }

    /// Does the raw key equal `name` (an ASCII name without escapes)?
    @inline(__always)
    func keyIs(_ key: Key, _ name: StaticString) -> Bool {
        guard key.length == name.utf8CodeUnitCount, !key.hasEscapes else {
            return key.hasEscapes
                && (try? unescaped(key)) == Array(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        let p = name.utf8Start
        for i in 0..<key.length where base[key.start + i] != p[i] { return false }
        return true
    }

    /// Reads a string value: nil for `null`. Throws on any other type.
    mutating func readStringOrNull() throws -> Key? {
        let b = peek()
        if b == UInt8(ascii: "\"") { return try scanRawString() }
        if b == UInt8(ascii: "n") {
            try readLiteral("null")
            return nil
        }
        throw fail("expected a string or null")
    }

    mutating func readString() throws -> Key {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        return try scanRawString()
    }

    /// The unescaped UTF-8 bytes of a raw string.
    func unescaped(_ key: Key) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(key.length)
        try appendUnescaped(key, to: &out)
        return out
    }

    func appendUnescaped(_ key: Key, to out: inout [UInt8]) throws {
        var i = key.start
        let end = key.start + key.length
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= end else { throw Failure(offset: at, message: "short \\u escape") }
            var v: UInt32 = 0
            for j in at..<(at + 4) {
                let c = base[j]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw Failure(offset: j, message: "bad \\u escape")
                }
                v = v << 4 | d
            }
            return v
        }
        while i < end {
            let b = base[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else { throw Failure(offset: i, message: "bad escape") }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard i + 6 <= end, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                        throw Failure(offset: i, message: "unpaired surrogate")
                    }
                    let low = try hex4(i + 2)
                    guard low >= 0xDC00 && low < 0xE000 else { throw Failure(offset: i, message: "unpaired surrogate") }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw Failure(offset: i, message: "unpaired surrogate")
                }
                guard let u = Unicode.Scalar(scalar) else { throw Failure(offset: i, message: "bad \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw Failure(offset: i - 1, message: "bad escape")
            }
        }
    }

    // MARK: scalars

    mutating func readLiteral(_ word: StaticString) throws {
        skipWhitespace()
        let n = word.utf8CodeUnitCount
        guard pos + n <= count else { throw fail("expected \(word)") }
        let p = word.utf8Start
        for i in 0..<n where base[pos + i] != p[i] { throw fail("expected \(word)") }
        pos += n
        if pos < count, JSONScanner.isWordByte(base[pos]) { throw fail("expected \(word)") }
    }

    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "+")
    }

    mutating func readBool() throws -> Bool {
        let b = peek()
        if b == UInt8(ascii: "t") { try readLiteral("true"); return true }
        if b == UInt8(ascii: "f") { try readLiteral("false"); return false }
        throw fail("expected true or false")
    }

    mutating func readBoolOrNull() throws -> Bool? {
        if peek() == UInt8(ascii: "n") {
            try readLiteral("null")
            return nil
        }
        return try readBool()
    }

    /// Reads a JSON integer (no fraction, no exponent) that fits in Int64.
    @inline(__always)
    mutating func readInt() throws -> Int64 {
        skipWhitespace()
        var negative = false
        if pos < count, base[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        let start = pos
        var value: Int64 = 0
        while pos < count {
            let b = base[pos]
            guard b >= 0x30 && b <= 0x39 else { break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(b - 0x30))
            guard !o1, !o2 else { throw fail("integer out of range") }
            value = s
            pos += 1
        }
        guard pos > start else { throw fail("expected an integer") }
        if pos - start > 1 && base[start] == UInt8(ascii: "0") { throw fail("leading zero in integer") }
        if pos < count, JSONScanner.isWordByte(base[pos]) { throw fail("expected an integer") }
        return negative ? -value : value
    }

    /// How deep `skipValue` follows nested arrays and objects (the Admin API nests a few levels).
    static let maxSkipDepth = 512

    /// Skips one value of any type, checking that its structure is well formed.
    mutating func skipValue(depth: Int = 0) throws {
        // Unknown values are skipped by recursion: a page nested without end would otherwise run
        // the decoding thread out of stack and crash the process instead of failing the page.
        guard depth < JSONScanner.maxSkipDepth else {
            throw fail("values nested deeper than \(JSONScanner.maxSkipDepth) levels")
        }
        let b = peek()
        switch b {
        case UInt8(ascii: "\""):
            _ = try scanRawString()
        case UInt8(ascii: "{"):
            var state = try beginObject()
            while try nextKey(&state) != nil { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            var state = try beginArray()
            while try nextElement(&state) { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "t"): try readLiteral("true")
        case UInt8(ascii: "f"): try readLiteral("false")
        case UInt8(ascii: "n"): try readLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = pos
            while pos < count, JSONScanner.isWordByte(base[pos]) { pos += 1 }
            guard pos > start else { throw fail("expected a number") }
        default:
            throw fail("expected a value")
        }
    }
}
