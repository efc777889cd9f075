/// An exact base-10 number: `units × 10^-scale`, for money and nothing else binary.
///
/// The Admin API sends cost `amount` as a decimal string in cents with fractional cents
/// (`"123.78912"`). Parsing it into `Double` is how pipelines drift from the Console, so this type
/// keeps the digits exactly. `units` is an `Int128` (about 38 significant digits); every operation
/// checks for overflow and throws rather than wrap or round. The representation is normalized
/// (no trailing fractional zeros), so equal values are equal structurally and hash alike.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    public private(set) var units: Int128
    public private(set) var scale: Int

    /// The largest scale kept; the API's amounts carry at most a handful of fractional digits.
    public static let maxScale = 30

    public static let zero = ExactDecimal(normalizedUnits: 0, scale: 0)

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public enum Kind: Sendable, Equatable { case malformed, overflow }
        public let kind: Kind
        public let text: String
        public var description: String {
            switch kind {
            case .malformed: return "not a decimal number: \"\(text.prefix(40))\""
            case .overflow: return "decimal value out of range: \(text.prefix(60))"
            }
        }
    }

    private init(normalizedUnits: Int128, scale: Int) {
        self.units = normalizedUnits
        self.scale = scale
    }

    public init(units: Int128, scale: Int) {
        precondition(scale >= 0 && scale <= ExactDecimal.maxScale, "scale out of range")
        var u = units
        var s = scale
        while s > 0 && u % 10 == 0 {
            u /= 10
            s -= 1
        }
        self.init(normalizedUnits: u, scale: s)
    }

    public init(_ integer: Int) {
        self.init(units: Int128(integer), scale: 0)
    }

    /// Parses a plain decimal: optional `-` or `+`, digits, optional `.` and digits. No exponent,
    /// no spaces, no thousands separators: the Admin API sends none, and guessing would hide errors.
    public init(parsing text: some StringProtocol) throws {
        var units: Int128 = 0
        var scale = 0
        var negative = false
        var sawDigit = false
        var sawPoint = false
        var index = 0
        for byte in text.utf8 {
            defer { index += 1 }
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: "+") where index == 0: break
            case UInt8(ascii: "."):
                guard !sawPoint else { throw Error(kind: .malformed, text: String(text)) }
                sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                let digit = Int128(byte - UInt8(ascii: "0"))
                if sawPoint {
                    // Fractional zeros past maxScale carry no value; any other digit there is too fine.
                    if scale == ExactDecimal.maxScale {
                        guard digit == 0 else { throw Error(kind: .overflow, text: String(text)) }
                        continue
                    }
                    scale += 1
                }
                let (times10, o1) = units.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                guard !o1, !o2 else { throw Error(kind: .overflow, text: String(text)) }
                units = sum
            default:
                throw Error(kind: .malformed, text: String(text))
            }
        }
        guard sawDigit else { throw Error(kind: .malformed, text: String(text)) }
        self.init(units: negative ? -units : units, scale: scale)
    }

    private static func power10(_ n: Int) -> Int128 {
        var p: Int128 = 1
        for _ in 0..<n { p *= 10 }
        return p
    }

    /// `self` expressed with `scale` fractional digits (scale must not be below the current one).
    private func units(atScale target: Int) throws -> Int128 {
        let (value, overflow) = units.multipliedReportingOverflow(by: ExactDecimal.power10(target - scale))
        guard !overflow else { throw Error(kind: .overflow, text: description) }
        return value
    }

    public func adding(_ other: ExactDecimal) throws -> ExactDecimal {
        let s = max(scale, other.scale)
        let (sum, overflow) = try units(atScale: s).addingReportingOverflow(other.units(atScale: s))
        guard !overflow else { throw Error(kind: .overflow, text: "\(self) + \(other)") }
        return ExactDecimal(units: sum, scale: s)
    }

    public func subtracting(_ other: ExactDecimal) throws -> ExactDecimal {
        try adding(other.negated())
    }

    public func negated() -> ExactDecimal { ExactDecimal(normalizedUnits: -units, scale: scale) }

    public func multiplied(by other: ExactDecimal) throws -> ExactDecimal {
        let (product, overflow) = units.multipliedReportingOverflow(by: other.units)
        guard !overflow, scale + other.scale <= ExactDecimal.maxScale else {
            throw Error(kind: .overflow, text: "\(self) × \(other)")
        }
        return ExactDecimal(units: product, scale: scale + other.scale)
    }

    /// Exact division by 10^n: cents to dollars is `dividedByPowerOfTen(2)`, never rounded.
    public func dividedByPowerOfTen(_ n: Int) throws -> ExactDecimal {
        guard scale + n <= ExactDecimal.maxScale else { throw Error(kind: .overflow, text: description) }
        return ExactDecimal(units: units, scale: scale + n)
    }

    /// Rounded to `places` fractional digits, half away from zero (how money is shown).
    public func rounded(places: Int) -> ExactDecimal {
        guard scale > places else { return self }
        let divisor = ExactDecimal.power10(scale - places)
        let (q, r) = units.quotientAndRemainder(dividingBy: divisor)
        var result = q
        if r.magnitude * 2 >= divisor.magnitude { result += units < 0 ? -1 : 1 }
        return ExactDecimal(units: result, scale: places)
    }

    /// The value with exactly `places` fractional digits (rounded half away from zero if finer).
    public func formatted(places: Int) -> String {
        let r = rounded(places: places)
        let padded = (try? r.units(atScale: places)) ?? r.units
        return ExactDecimal.render(units: padded, scale: places)
    }

    /// The shortest exact form: `1.2378912`, `1`, `-0.05`.
    public var description: String { ExactDecimal.render(units: units, scale: scale) }

    private static func render(units: Int128, scale: Int) -> String {
        let negative = units < 0
        var digits = String(units.magnitude)
        if scale > 0 {
            if digits.count <= scale {
                digits = String(repeating: "0", count: scale - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + digits : digits
    }

    public var isZero: Bool { units == 0 }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let s = max(lhs.scale, rhs.scale)
        // Values that cannot be aligned without overflow differ by so much that sign decides.
        guard let l = try? lhs.units(atScale: s), let r = try? rhs.units(atScale: s) else {
            return lhs.units < rhs.units
        }
        return l < r
    }

    /// Sums a sequence exactly; throws on overflow rather than wrapping.
    public static func sum(_ values: some Sequence<ExactDecimal>) throws -> ExactDecimal {
        try values.reduce(.zero) { try $0.adding($1) }
    }
}
