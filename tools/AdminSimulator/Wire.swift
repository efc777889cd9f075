import CoreValues
import Foundation

/// An Admin API error as the wire shows it (https://platform.claude.com/docs/en/api/errors).
public struct APIError: Error, Sendable, Equatable {
    public let status: Int
    public let type: String
    public let message: String

    public static func invalidRequest(_ message: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", message: message)
    }
    public static let invalidDateRange = invalidRequest("Invalid date range: ending date must be after starting date")
    public static let authentication = APIError(status: 401, type: "authentication_error", message: "invalid x-api-key")
    public static func notFound(_ path: String) -> APIError {
        APIError(status: 404, type: "not_found_error", message: "The requested resource could not be found.")
    }

    func body(requestID: String) -> JSONValue {
        .object([
            ("type", .string("error")),
            ("error", .object([("type", .string(type)), ("message", .string(message))])),
            ("request_id", .string(requestID)),
        ])
    }
}

/// Query parameters in order, with repeats, percent-decoded. `+` is kept literally (RFC 3986),
/// so an unencoded `+00:00` offset still parses.
public struct QueryParameters: Sendable {
    public let pairs: [(name: String, value: String)]

    public init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    public init(rawQuery: String?) {
        guard let rawQuery, !rawQuery.isEmpty else { pairs = []; return }
        pairs = rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            return (name, value)
        }
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// A single-valued parameter; repeating it is a client bug.
    func single(_ name: String) throws(APIError) -> String? {
        let values = all(name)
        guard values.count <= 1 else { throw .invalidRequest("\(name): expected a single value") }
        return values.first
    }

    /// Rejects parameters the endpoint does not document: a misspelled filter (`context_windows[]`)
    /// would otherwise be ignored silently and the client would never notice.
    func requireOnly(_ allowed: Set<String>) throws(APIError) {
        for p in pairs where !allowed.contains(p.name) {
            throw .invalidRequest("\(p.name): Extra inputs are not permitted")
        }
    }

    /// A canonical digest of the endpoint and every parameter except `page`, binding a cursor to
    /// its chain.
    func fingerprint(_ endpoint: String) -> String {
        var h = StableHash(0x5EED)
        h.mix(endpoint)
        for p in pairs.filter({ $0.name != "page" }).sorted(by: { ($0.name, $0.value) < ($1.name, $1.value) }) {
            h.mix(p.name)
            h.mix(p.value)
        }
        let hex = String(h.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// RFC 3339 timestamps as whole seconds since the epoch (fractions are dropped; buckets are
/// whole minutes at the finest).
enum Timestamp {
    static func parse(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count >= 20, let day = Day(String(decoding: b[0..<10], as: UTF8.self)),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":")
        else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let hh = num(11..<13), let mm = num(14..<16), let ss = num(17..<19), hh < 24, mm < 60, ss < 61 else { return nil }
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            guard i > start else { return nil }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"), let oh = num(i + 1..<i + 3), let om = num(i + 4..<i + 6),
                oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        } else {
            return nil
        }
        return day.daysSinceEpoch * 86_400 + hh * 3600 + mm * 60 + ss - offset
    }

    static func format(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return Day(daysSinceEpoch: days).description + "T" + two(rest / 3600) + ":" + two(rest % 3600 / 60) + ":" + two(rest % 60) + "Z"
    }

    static func floor(_ s: Int, _ width: Int) -> Int { s >= 0 ? s / width * width : -((-s + width - 1) / width) * width }
    static func ceil(_ s: Int, _ width: Int) -> Int { -floor(-s, width) }
}

/// `page_` + base64 of readable fields: looks like the documented cursors
/// (`page_MjAyNS0wNS0xNFQwMDowMDowMFo=`), and carries a digest of the chain's other parameters.
enum Cursor {
    static func make(_ fields: [String]) -> String {
        "page_" + Data(fields.joined(separator: "|").utf8).base64EncodedString()
    }

    static func read(_ token: String, fieldCount: Int) throws(APIError) -> [String] {
        guard token.hasPrefix("page_"), let data = Data(base64Encoded: String(token.dropFirst(5))),
            let text = String(data: data, encoding: .utf8)
        else {
            throw .invalidRequest("page: invalid page token")
        }
        let fields = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == fieldCount else { throw .invalidRequest("page: invalid page token") }
        return fields
    }
}
