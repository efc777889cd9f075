import CoreValues
import TableSchemas
/// Byte-exact encodings of exported rows and schemas: NDJSON, CSV and BigQuery schema JSON.
///
/// Hand-written rather than `JSONEncoder` so key order follows the table's column order and
/// the bytes never depend on a Foundation version: the same rows always give the same file.
/// Money is written as a JSON string (BigQuery parses NUMERIC/BIGNUMERIC from strings exactly;
/// a JSON number would invite every reader to use binary floating point).
enum RowEncoding {
    /// One JSON object per row, keys in column order, every column present (NULL as `null`),
    /// each line ending in `\n`.
    static func ndjson(_ rows: TableRows) -> [UInt8] {
        var out: [UInt8] = []
        let keys = rows.table.columns.map { jsonString($0.name) + ":" }
        for row in rows.rows {
            out.append(UInt8(ascii: "{"))
            for (index, cell) in row.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: keys[index].utf8)
                out.append(contentsOf: jsonValue(cell).utf8)
            }
            out.append(contentsOf: "}\n".utf8)
        }
        return out
    }

    /// RFC 4180 CSV with a header line and `\n` line ends. NULL is an empty unquoted field and
    /// an empty string is `""`, which is how `bq load` tells them apart by default.
    static func csv(_ rows: TableRows) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: rows.table.columns.map { csvField($0.name) }.joined(separator: ",").utf8)
        out.append(UInt8(ascii: "\n"))
        for row in rows.rows {
            let fields = row.map { cell -> String in
                switch cell {
                case .null: return ""
                case .text(let text): return text.isEmpty ? "\"\"" : csvField(text)
                case .integer(let number): return String(number)
                case .boolean(let flag): return flag ? "true" : "false"
                case .money(let decimal): return decimal
                case .date(let day): return day
                }
            }
            out.append(contentsOf: fields.joined(separator: ",").utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The schema as `bq load --schema FILE` and `bq mk --table` read it: a JSON array of
    /// `{name, type, mode, description}`, one field per line, ending in `\n`.
    static func schemaFile(_ fields: [SchemaField]) -> [UInt8] {
        let lines = fields.map { "  " + $0.json }
        return Array(("[\n" + lines.joined(separator: ",\n") + "\n]\n").utf8)
    }

    static func jsonValue(_ cell: Cell) -> String {
        switch cell {
        case .null: return "null"
        case .text(let text): return jsonString(text)
        case .integer(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .money(let decimal): return jsonString(decimal)
        case .date(let day): return jsonString(day)
        }
    }

    static func jsonString(_ text: String) -> String { TextEncoding.jsonString(text) }

    static func csvField(_ text: String) -> String { TextEncoding.csvField(text) }
}

/// One BigQuery schema field: the REST `TableFieldSchema` and the `bq --schema` file entry.
public struct SchemaField: Sendable, Hashable {
    public let name: String
    /// Standard SQL type name: STRING, INT64, BOOL, DATE, NUMERIC, BIGNUMERIC.
    public let type: String
    /// REQUIRED or NULLABLE.
    public let mode: String
    public let description: String

    /// `{"name":…,"type":…,"mode":…,"description":…}` in that key order.
    var json: String {
        "{\"name\": \(RowEncoding.jsonString(name)), \"type\": \(RowEncoding.jsonString(type)), "
            + "\"mode\": \(RowEncoding.jsonString(mode)), \"description\": \(RowEncoding.jsonString(description))}"
    }
}

extension TableSchema {
    /// The BigQuery schema, with money columns typed as `moneyTypes` says (NUMERIC by default).
    public func bigQueryFields(moneyTypes: [String: MoneyType] = [:]) -> [SchemaField] {
        columns.map { column in
            SchemaField(
                name: column.name, type: column.bigQueryType(money: moneyTypes[column.name] ?? .numeric),
                mode: column.bigQueryMode, description: column.description)
        }
    }
}
