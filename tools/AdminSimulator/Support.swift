import CoreValues

/// Generators derived from the organization's seed (`SplitMix64` is in CoreValues): a seed gives
/// the same organization on every machine and Swift version.
extension SplitMix64 {
    /// A generator for one named purpose, independent of the others derived from the same seed.
    init(seed: UInt64, _ parts: Int...) {
        var h = StableHash(seed)
        for p in parts { h.mix(UInt64(bitPattern: Int64(p))) }
        self.init(seed: h.value)
    }

    init(seed: UInt64, label: String, _ parts: Int...) {
        var h = StableHash(seed)
        h.mix(label)
        for p in parts { h.mix(UInt64(bitPattern: Int64(p))) }
        self.init(seed: h.value)
    }

    /// Uniform in `range` (both ends included).
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// True with probability `percent`/100, using integers so no floating point decides data.
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// A stable 64-bit mix (SplitMix64 finalizer over FNV-1a bytes), used for seeds and fingerprints.
struct StableHash: Sendable {
    private(set) var value: UInt64

    init(_ seed: UInt64 = 0xCBF2_9CE4_8422_2325) { value = seed ^ 0xCBF2_9CE4_8422_2325 }

    mutating func mix(_ word: UInt64) {
        var z = (value ^ word) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        value = z ^ (z >> 31)
    }

    mutating func mix(_ text: String) {
        var fnv: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { fnv = (fnv ^ UInt64(b)) &* 0x100_0000_01B3 }
        mix(fnv)
        mix(UInt64(text.utf8.count))
    }
}

enum Base62 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// An Anthropic-looking object id: `prefix` + `01` + 22 base62 characters.
    static func id(_ prefix: String, _ rng: inout SplitMix64) -> String {
        var s = prefix + "01"
        for _ in 0..<22 { s.append(alphabet[rng.int(0...61)]) }
        return s
    }
}

/// A JSON value with ordered object keys, so pages are byte-for-byte deterministic and read like
/// the documented examples. Numbers are integers only: money travels as decimal strings.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }

    static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// JSON string escaping is the product's own (`TextEncoding.jsonString`): one rule for
    /// every JSON writer in the package.
    private static func writeString(_ s: String, to out: inout String) {
        out += TextEncoding.jsonString(s)
    }
}
