import CoreValues
import Foundation
import GRDB
import TableSchemas

/// One exported value, already checked against its column's kind.
enum Cell: Sendable, Hashable {
    case null
    case text(String)
    case integer(Int64)
    case boolean(Bool)
    /// A canonical exact decimal (`ExactDecimal.description`): no exponent, no trailing zeros.
    case money(String)
    /// `YYYY-MM-DD`.
    case date(String)
}

/// The rows of one table, in export order, with the money types they need.
struct TableRows: Sendable {
    let table: TableSchema
    let rows: [[Cell]]

    /// The BigQuery type for each money column: the narrowest type holding every value.
    var moneyTypes: [String: MoneyType] {
        var types: [String: MoneyType] = [:]
        for (index, column) in table.columns.enumerated() where column.kind == .money {
            var type = MoneyType.numeric
            for row in rows {
                if case .money(let value) = row[index], MoneyType.narrowest(for: value) == .bignumeric {
                    type = .bignumeric
                    break
                }
            }
            types[column.name] = type
        }
        return types
    }
}

/// A consistent read of the three tables from `projections.sqlite`, validated cell by cell.
///
/// All three tables are read inside one read transaction, so a concurrent `rebuild` or `sync`
/// cannot hand the export a mix of two builds. Every problem is found here, before anything is
/// written or sent.
struct ProjectionSnapshot: Sendable {
    let tables: [TableRows]

    /// An inclusive-exclusive day range; nil bounds are open.
    struct DayRange: Sendable {
        var since: Day?
        var until: Day?
    }

    static func read(
        projectionsPath: String, tables: [TableSchema] = TableSchema.all,
        range: DayRange = DayRange()
    ) throws -> ProjectionSnapshot {
        if let since = range.since, let until = range.until, !(since < until) {
            throw ExportError.badInput("--since \(since) must be before --until \(until)")
        }
        let read = try ProjectionsFile.read(projectionsPath, label: "export") { db in
            try tables.map { try readTable($0, db: db, range: range) }
        }
        return ProjectionSnapshot(tables: read)
    }

    private static func readTable(_ table: TableSchema, db: Database, range: DayRange) throws -> TableRows {
        let present = try Set(
            Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table.name])
                .map { $0["name"] as String })
        if present.isEmpty {
            throw ExportError.badInput("projections.sqlite has no table \(table.name): run `claude-ledger rebuild`")
        }
        let missing = table.columns.map(\.name).filter { !present.contains($0) }
        if !missing.isEmpty {
            throw ExportError.badInput(
                "\(table.name) in projections.sqlite lacks column(s) \(missing.joined(separator: ", ")): run `claude-ledger rebuild`")
        }
        let columnList = table.columns.map { quoted($0.name) }.joined(separator: ", ")
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since = range.since {
            conditions.append("\(quoted(TableSchema.partitionColumn)) >= ?")
            arguments += [since.description]
        }
        if let until = range.until {
            conditions.append("\(quoted(TableSchema.partitionColumn)) < ?")
            arguments += [until.description]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        // Date first, then every column: a total order over distinct rows, so output is stable.
        let sql = "SELECT \(columnList) FROM \(quoted(table.name))\(whereClause) ORDER BY \(columnList)"
        var rows: [[Cell]] = []
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try cursor.next() {
            var cells: [Cell] = []
            cells.reserveCapacity(table.columns.count)
            for (index, column) in table.columns.enumerated() {
                cells.append(try cell(row[index] as DatabaseValue, column: column, table: table, row: row))
            }
            rows.append(cells)
        }
        return TableRows(table: table, rows: rows)
    }

    private static func cell(_ value: DatabaseValue, column: ColumnSchema, table: TableSchema, row: Row) throws -> Cell {
        func invalid(_ expected: String) -> ExportError {
            let day = (row[0] as DatabaseValue).storage
            var dated = ""
            if case .string(let d) = day, Day(d) != nil { dated = " in a row dated \(d)" }
            return ExportError.badInput(
                "\(table.name).\(column.name) holds a value that is not \(expected)\(dated): run `claude-ledger rebuild` or `claude-ledger audit`"
            )
        }
        if case .null = value.storage {
            if !column.nullable { throw invalid("NULL-free (the column is required)") }
            return .null
        }
        switch (column.kind, value.storage) {
        case (.date, .string(let text)):
            guard let day = Day(text) else { throw invalid("a YYYY-MM-DD date") }
            return .date(day.description)
        case (.text, .string(let text)):
            return .text(text)
        case (.integer, .int64(let number)):
            return .integer(number)
        case (.boolean, .int64(let number)):
            guard number == 0 || number == 1 else { throw invalid("0 or 1") }
            return .boolean(number == 1)
        case (.money, .string(let text)):
            guard let decimal = try? ExactDecimal(parsing: text) else { throw invalid("an exact decimal string") }
            return .money(decimal.description)
        case (.money, .int64(let number)):
            return .money(String(number))
        case (.date, _): throw invalid("a YYYY-MM-DD date")
        case (.text, _): throw invalid("text")
        case (.integer, _): throw invalid("an integer")
        case (.boolean, _): throw invalid("0 or 1")
        case (.money, _): throw invalid("an exact decimal string (binary floating point is refused)")
        }
    }

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
