/// A projection table: its name, its columns in order, and the columns that identify a row.
public struct TableSchema: Sendable, Hashable {
    public let name: String
    public let description: String
    public let columns: [ColumnSchema]
    /// The columns that identify a row within a day (after `date`): `diff` pairs rows by them.
    /// Value columns and `event_id` are not part of it. The documented natural key is `date` and these
    /// (`naturalKeyWithDate`), which `audit` checks is unique.
    public let naturalKey: [String]
    /// Secondary indexes, each a list of columns. None today: a rebuild inserts rows in date
    /// order with rowids that encode the day (`day << 24 | ordinal`, see the projections'
    /// `RowID`), so a day or a date range is a rowid range and every table is an append-only
    /// B-tree; maintaining a `(date, …)` index cost the bulk load about 3 CPU-s per million usage
    /// rows. An index added here must lead with `date` and be measured against the rebuild.
    public let indexes: [[String]]

    public var columnNames: [String] { columns.map(\.name) }

    /// The documented natural key: `date`, then `naturalKey`.
    public var naturalKeyWithDate: [String] { [TableSchema.partitionColumn] + naturalKey }

    /// The column every table leads with and BigQuery partitions on (day partitioning).
    public static let partitionColumn = "date"

    /// Every table, in `ProjectionTable` order.
    public static var all: [TableSchema] { ProjectionTable.allCases.map(\.schema) }

    /// `CREATE TABLE` for SQLite, columns in schema order.
    public var createTableSQL: String {
        let cols = columns.map { col in
            "\(col.name) \(col.sqliteType)\(col.nullable ? "" : " NOT NULL")"
        }.joined(separator: ",\n    ")
        return "CREATE TABLE \(name) (\n    \(cols)\n)"
    }

    public var createIndexesSQL: [String] {
        indexes.map { cols in
            "CREATE INDEX \(name)_by_\(cols.joined(separator: "_")) ON \(name)(\(cols.joined(separator: ", ")))"
        }
    }

    /// The index of a column by name.
    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }
}
