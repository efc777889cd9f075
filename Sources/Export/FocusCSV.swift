import CoreValues
import Foundation

/// The bytes of `focus-1.2.csv`: RFC 4180 CSV, a header line, `\n` line ends, NULL as an empty
/// field, decimals always with a decimal point.
enum FocusCSV {
    static func encode(columns: [String], rows: [[FocusRows.Cell]]) -> [UInt8] {
        var out = columns.map(field).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map(cell).joined(separator: ",")
            out += "\n"
        }
        return Array(out.utf8)
    }

    /// `5` is written `5.0`: the validator types a column by its values, and a column of bare
    /// integers fails FOCUS's DECIMAL type rules (the validator's behaviour, https://github.com/finopsfoundation/focus_validator).
    static func decimalText(_ value: ExactDecimal) -> String {
        let text = value.description
        return text.contains(".") ? text : text + ".0"
    }

    private static func cell(_ value: FocusRows.Cell) -> String {
        switch value {
        case .null: return ""
        case .text(let text): return field(text)
        case .decimal(let decimal): return decimalText(decimal)
        }
    }

    private static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON string literal (for `SkuPriceDetails`): the one JSON string encoding of the project.
    static func jsonString(_ text: String) -> String { TextEncoding.jsonString(text) }
}

/// Division for derived unit prices; money columns are never divided.
enum FocusDecimal {
    /// `dividend ÷ divisor`, exact when the quotient has at most `places` fractional digits,
    /// else rounded half-even to `places`. Throws when the divisor is zero or the numbers overflow.
    static func quotient(_ dividend: ExactDecimal, _ divisor: ExactDecimal, places: Int) throws -> ExactDecimal {
        guard !divisor.isZero, places <= ExactDecimal.maxScale else {
            throw ExportError.badInput("a FOCUS unit price needs a non-zero quantity")
        }
        // a/10^sa ÷ b/10^sb = (a·10^sb) ÷ (b·10^sa)
        let numerator = try scaled(dividend.units, by: divisor.scale)
        let denominator = try scaled(divisor.units, by: dividend.scale)
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude
        let d = denominator.magnitude
        var units = n / d
        var remainder = n % d
        for _ in 0..<places {
            let (next, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow, remainder <= UInt128.max / 10 else { throw overflowError() }
            remainder *= 10
            units = next + remainder / d
            remainder %= d
        }
        // Half-even on what is left.
        if remainder * 2 > d || (remainder * 2 == d && units % 2 == 1) { units += 1 }
        guard units <= UInt128(Int128.max) else { throw overflowError() }
        let signed = negative ? -Int128(units) : Int128(units)
        return ExactDecimal(units: signed, scale: places)
    }

    private static func scaled(_ units: Int128, by power: Int) throws -> Int128 {
        var value = units
        for _ in 0..<power {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw overflowError() }
            value = next
        }
        return value
    }

    private static func overflowError() -> ExportError {
        ExportError.badInput("a FOCUS unit price is too large to compute exactly: run `claude-ledger audit`")
    }
}
