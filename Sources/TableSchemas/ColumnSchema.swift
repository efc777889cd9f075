/// One column of a projection table, as SQLite stores it and as BigQuery loads it.
///
/// The projections create their tables from these descriptors, the exports read and type the
/// columns by them, `audit` takes the natural keys from them: nothing else spells a column out.
public struct ColumnSchema: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `YYYY-MM-DD` text; BigQuery DATE.
        case date
        case text
        case integer
        /// 0/1 integer; BigQuery BOOL.
        case boolean
        /// An exact decimal kept as text; BigQuery NUMERIC, or BIGNUMERIC when a value needs it
        /// (see `MoneyType`). Never FLOAT64.
        case money
    }

    public let name: String
    public let kind: Kind
    public let nullable: Bool
    public let description: String

    /// The declared SQLite type (`TEXT` or `INTEGER`).
    public var sqliteType: String {
        switch kind {
        case .date, .text, .money: return "TEXT"
        case .integer, .boolean: return "INTEGER"
        }
    }

    /// The BigQuery standard SQL type; a money column takes `money`, chosen from the values it
    /// must hold (`MoneyType.narrowest(for:)`).
    public func bigQueryType(money: MoneyType = .numeric) -> String {
        switch kind {
        case .date: return "DATE"
        case .text: return "STRING"
        case .integer: return "INT64"
        case .boolean: return "BOOL"
        case .money: return money.rawValue
        }
    }

    /// `NULLABLE` or `REQUIRED`.
    public var bigQueryMode: String { nullable ? "NULLABLE" : "REQUIRED" }

    init(_ name: String, _ kind: Kind, nullable: Bool = false, _ description: String) {
        self.name = name
        self.kind = kind
        self.nullable = nullable
        self.description = description
    }
}

/// The BigQuery type of a money column, chosen from the values it must hold.
///
/// NUMERIC holds 29 integer and 9 fractional digits; BIGNUMERIC 38 and 38. The Admin API's
/// cents carry a handful of fractional digits, so NUMERIC fits today; a value that would not fit
/// switches that column to BIGNUMERIC rather than be rounded. Never FLOAT64.
public enum MoneyType: String, Sendable, Hashable, Comparable {
    case numeric = "NUMERIC"
    case bignumeric = "BIGNUMERIC"

    public static func < (lhs: MoneyType, rhs: MoneyType) -> Bool {
        lhs == .numeric && rhs == .bignumeric
    }

    /// The narrowest type that holds `value` exactly (`value` is a canonical decimal string).
    public static func narrowest(for value: String) -> MoneyType {
        var digits = Substring(value)
        if digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = parts[0].drop { $0 == "0" }.count
        let fractionDigits = parts.count > 1 ? parts[1].count : 0
        return integerDigits <= 29 && fractionDigits <= 9 ? .numeric : .bignumeric
    }
}
