/// One `name=value` pair of a request's query string.
///
/// Array parameters are repeated items with a bracketed name (`group_by[]`), the form the Admin
/// API documents (reference §1.2); comma-joined values are not documented and never sent.
public struct QueryItem: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `name=value`, both percent-encoded.
    public var encoded: String { QueryItem.percentEncode(name) + "=" + QueryItem.percentEncode(value) }

    public var description: String { encoded }

    /// The canonical query string: every item percent-encoded, sorted by encoded name and then
    /// encoded value (byte order), joined with `&`.
    ///
    /// This exact string is both sent on the wire and recorded in the ledger, so a stored page
    /// names the request that produced it. It never contains credentials: those travel in headers.
    public static func canonicalQuery(_ items: [QueryItem]) -> String {
        items.map { (percentEncode($0.name), percentEncode($0.value)) }
            .sorted { $0.0 != $1.0 ? $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) : $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) }
            .map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
    }

    /// Percent-encodes everything except RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`),
    /// as UTF-8 with uppercase hex. So `group_by[]` becomes `group_by%5B%5D` and
    /// `2025-01-01T00:00:00Z` becomes `2025-01-01T00%3A00%3A00Z`: one spelling per value, which
    /// keeps the canonical string canonical.
    public static func percentEncode(_ text: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
