import CoreValues
import Foundation

/// A result table and its renderings. Money cells keep their exact value: `table` rounds them
/// to cents for display, `csv`, `json` and `markdown` carry them in full.
public struct TextTable: Sendable {
    public enum Cell: Sendable, Equatable {
        case text(String?)
        case integer(Int64)
        case money(ExactDecimal)
        case ratio(String)
    }

    public enum Format: String, CaseIterable, Sendable {
        case table, csv, json, markdown
    }

    public var columns: [String]
    public var rows: [[Cell]]
    /// A totals row, shown last in `table` and `markdown`, and as `"total"` in JSON.
    public var totals: [Cell]?

    public init(columns: [String], rows: [[Cell]], totals: [Cell]? = nil) {
        self.columns = columns
        self.rows = rows
        self.totals = totals
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .table: return renderAligned()
        case .csv: return renderCSV()
        case .json: return renderJSON()
        case .markdown: return renderMarkdown()
        }
    }

    static func display(_ cell: Cell, exact: Bool) -> String {
        switch cell {
        case .text(let value): return value ?? ""
        case .integer(let value): return exact ? String(value) : grouped(value)
        case .money(let value): return exact ? value.description : value.formatted(places: 2)
        case .ratio(let value): return value
        }
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    private func isNumeric(_ column: Int) -> Bool {
        rows.contains { row in
            if case .text = row[column] { return false }
            return true
        }
    }

    private func renderAligned() -> String {
        let body = rows.map { $0.map { Self.display($0, exact: false) } }
        let total = totals.map { $0.map { Self.display($0, exact: false) } }
        var widths = columns.map(\.count)
        for row in body + (total.map { [$0] } ?? []) {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        let numeric = columns.indices.map(isNumeric)
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric[i] ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(columns), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += body.map(line)
        if let total {
            out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            out.append(line(total))
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String { TextEncoding.csvField(text) }

    private func renderCSV() -> String {
        var out = columns.map(Self.csvField).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { Self.csvField(Self.display($0, exact: true)) }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func jsonValue(_ cell: Cell) -> String {
        switch cell {
        case .text(nil): return "null"
        case .text(let value?): return jsonString(value)
        case .integer(let value): return String(value)
        // Money stays a string: JSON numbers are read as binary floating point by most parsers.
        case .money(let value): return jsonString(value.description)
        case .ratio(let value): return jsonString(value)
        }
    }

    static func jsonString(_ text: String) -> String { TextEncoding.jsonString(text) }

    private func renderJSON() -> String {
        func object(_ row: [Cell]) -> String {
            "{" + zip(columns, row).map { Self.jsonString($0) + ":" + Self.jsonValue($1) }.joined(separator: ",") + "}"
        }
        var out = "{\"rows\":[" + rows.map(object).joined(separator: ",\n") + "]"
        if let totals { out += ",\n\"total\":" + object(totals) }
        return out + "}\n"
    }

    private func renderMarkdown() -> String {
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        let numeric = columns.indices.map(isNumeric)
        var out = "| " + columns.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + numeric.map { $0 ? "---:|" : "---|" }.joined() + "\n"
        for row in rows + (totals.map { [$0] } ?? []) {
            out += "| " + row.map { escape(Self.display($0, exact: true)) }.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
