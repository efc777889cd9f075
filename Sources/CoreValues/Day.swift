import Foundation

/// A UTC calendar day, the unit every report bucket, window and table row is keyed by.
///
/// Stored as days since 1970-01-01 so arithmetic and ordering are integer operations; parsed and
/// printed only as `YYYY-MM-DD`. Conversion uses Howard Hinnant's civil-calendar algorithms
/// (http://howardhinnant.github.io/date_algorithms.html), which need no time zone database.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Days since 1970-01-01 (which is day 0).
    public let daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(month: month, year: year),
            (1...9999).contains(year)
        else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.daysSinceEpoch = era * 146_097 + doe - 719_468
    }

    /// Parses exactly `YYYY-MM-DD`; anything else (other lengths, signs, impossible dates) is nil.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses an RFC 3339 timestamp that falls exactly on UTC midnight (`2025-08-01T00:00:00Z`,
    /// optionally with fractional zero seconds or a `+00:00` offset), or a bare `YYYY-MM-DD`.
    public init?(midnightTimestamp text: String) {
        if text.count == 10 { self.init(text); return }
        guard text.count >= 20 else { return nil }
        let datePart = text.prefix(10)
        var rest = text.dropFirst(10)
        guard rest.first == "T" || rest.first == "t" else { return nil }
        rest = rest.dropFirst()
        guard rest.hasPrefix("00:00:00") else { return nil }
        rest = rest.dropFirst(8)
        if rest.first == "." {
            rest = rest.dropFirst()
            while let c = rest.first, c == "0" { rest = rest.dropFirst() }
        }
        guard rest == "Z" || rest == "z" || rest == "+00:00" || rest == "-00:00" else { return nil }
        self.init(datePart)
    }

    public var civil: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var description: String {
        let (y, m, d) = civil
        return Day.pad(y, 4) + "-" + Day.pad(m, 2) + "-" + Day.pad(d, 2)
    }

    /// `YYYY-MM-DDT00:00:00Z`, the form the usage and cost reports take for `starting_at`.
    public var midnightRFC3339: String { description + "T00:00:00Z" }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + days) }

    public static func - (lhs: Day, rhs: Day) -> Int { lhs.daysSinceEpoch - rhs.daysSinceEpoch }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// The UTC day containing `date`.
    public init(containing date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        self.init(daysSinceEpoch: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }

    /// Midnight UTC at the start of this day.
    public var startDate: Date { Date(timeIntervalSince1970: TimeInterval(daysSinceEpoch) * 86_400) }

    /// Every day in `[from, to)`.
    public static func range(from: Day, to: Day) -> [Day] {
        guard from < to else { return [] }
        return (from.daysSinceEpoch..<to.daysSinceEpoch).map(Day.init(daysSinceEpoch:))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected YYYY-MM-DD"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
