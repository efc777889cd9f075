import CoreValues
import Foundation
import TableSchemas

/// `projection_usage_by_month`: per calendar month and value of one `claude_usage_keys` column
/// (`date`, `workspace_id`, `model`, `api_key_id`), the row count and the six token sums. It is
/// bookkeeping like `projection_days`: not one of the tables, not exported, not diffed and not in
/// the fingerprint; `report usage` reads it so a year of millions of rows is summed from a few
/// thousand.
///
/// Months, not days: with thousands of API keys, one row per day and key is about half as many
/// rows as the table itself; one per month and key is a thirtieth. A date range that starts or
/// ends inside a month reads those days from `claude_usage_keys` by rowid range (`RowID`).
///
/// Kept exact by addition alone: the rebuild adds every row's values, `update` subtracts the
/// sums of a day's old rows before deleting them and adds the new rows' sums, then drops groups
/// left with no row. Integer sums are exact in any order, so the table equals `GROUP BY` over
/// `claude_usage_keys` whatever the order rows arrive in.
enum UsageSummary {
    static let tableName = "projection_usage_by_month"

    /// The grouped columns of `claude_usage_keys`; `UsageAccumulator` numbers them in this order.
    static let dimensions = ["date", "workspace_id", "model", "api_key_id"]
    static let tokenColumns = [
        "uncached_input_tokens", "cache_creation_5m_input_tokens", "cache_creation_1h_input_tokens",
        "cache_read_input_tokens", "output_tokens", "web_search_requests",
    ]

    /// `value` cannot be NULL in a primary key: `has_value` 0 with `value` '' stands for NULL.
    static let createSQL = """
        CREATE TABLE \(tableName) (
            dimension TEXT NOT NULL,
            month     TEXT NOT NULL,
            has_value INTEGER NOT NULL,
            value     TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            \(tokenColumns.map { "\($0) INTEGER NOT NULL" }.joined(separator: ",\n        ")),
            PRIMARY KEY (dimension, month, has_value, value)
        ) WITHOUT ROWID;
        """

    /// Lane 0 is the row count, lanes 1–6 the token sums in `tokenColumns` order, lane 7 unused.
    typealias Sums = SIMD8<Int64>

    static let schema = ProjectionTable.usage.schema
    /// Column indexes in `claude_usage_keys` of the three text dimensions and the six token columns.
    static let textColumns = dimensions.dropFirst().map { schema.index(of: $0)! }
    static let tokenIndexes = tokenColumns.map { schema.index(of: $0)! }

    /// Adds one group's sums (?1 dimension, ?2 month, ?3 has_value, ?4 value, ?5… row count and
    /// token sums), inserting the group when the table does not hold it yet.
    static func prepareAdd(_ file: SQLiteFile) throws -> SQLiteFile.Statement {
        let columns = ["dimension", "month", "has_value", "value", "row_count"] + tokenColumns
        let params = (1...columns.count).map { "?\($0)" }.joined(separator: ", ")
        return try file.prepare(
            """
            INSERT INTO \(tableName) (\(columns.joined(separator: ", "))) VALUES (\(params))
            ON CONFLICT (dimension, month, has_value, value) DO UPDATE SET \(addAssignments)
            """)
    }

    static let addAssignments = (["row_count"] + tokenColumns).map { "\($0) = \($0) + excluded.\($0)" }
        .joined(separator: ", ")

    /// Subtracts the sums of the `claude_usage_keys` rows of `day` (read by rowid range, no scan),
    /// before an update deletes them. Returns the day's month, whose emptied groups
    /// `dropEmptied` removes once the new rows are added.
    static func subtract(day: Day, from file: SQLiteFile, statements: inout [SQLiteFile.Statement]) throws -> String {
        if statements.isEmpty {
            let negated = tokenColumns.map { "-SUM(\($0))" }.joined(separator: ", ")
            for column in dimensions {
                statements.append(
                    try file.prepare(
                        """
                        INSERT INTO \(tableName) (dimension, month, has_value, value, row_count, \(tokenColumns.joined(separator: ", ")))
                        SELECT '\(column)', substr(date, 1, 7), \(column) IS NOT NULL, IFNULL(\(column), ''), -COUNT(*), \(negated)
                        FROM \(ProjectionTable.usage.rawValue) WHERE rowid BETWEEN ?1 AND ?2 GROUP BY 2, 3, 4
                        ON CONFLICT (dimension, month, has_value, value) DO UPDATE SET \(addAssignments)
                        """))
            }
        }
        for stmt in statements {
            stmt.bind(1, RowID.first(day: Int32(day.daysSinceEpoch)))
            stmt.bind(2, RowID.last(day: Int32(day.daysSinceEpoch)))
            while try stmt.step() {}
            stmt.reset()
        }
        return String(day.description.prefix(7))
    }

    /// Removes the groups of `months` that no row is left in.
    static func dropEmptied(months: Set<String>, in file: SQLiteFile) throws {
        guard !months.isEmpty else { return }
        let stmt = try file.prepare("DELETE FROM \(tableName) WHERE dimension = ?1 AND month = ?2 AND row_count = 0")
        for column in dimensions {
            for month in months.sorted() {
                stmt.bind(1, column)
                stmt.bind(2, month)
                _ = try stmt.step()
                stmt.reset()
            }
        }
    }
}

extension Projections {
    /// The bookkeeping table `report usage` sums from (see `UsageSummary`).
    public static let usageSummaryTable = UsageSummary.tableName

    /// A query over the usage rows of `[since, until)` (open ends when nil) that returns one line
    /// per part of the range, with columns `k` (the value of `column`: `date`, `workspace_id`,
    /// `model` or `api_key_id`), `row_count` and the six token sums in `claude_usage_keys` order:
    /// whole months from `projection_usage_by_month`, the days before the first and after the
    /// last whole month from `claude_usage_keys` by rowid range. Group its lines by `k` and sum
    /// them for the range's totals. Nil for another column.
    public static func usageSumsSQL(by column: String, since: Day?, until: Day?) -> String? {
        guard UsageSummary.dimensions.contains(column) else { return nil }
        let tokens = UsageSummary.tokenColumns.joined(separator: ", ")
        func rows(_ from: Day, _ to: Day) -> String {
            "SELECT \(column) AS k, 1 AS row_count, \(tokens) FROM \(ProjectionTable.usage.rawValue) "
                + "WHERE rowid BETWEEN \(RowID.first(day: Int32(from.daysSinceEpoch))) AND \(RowID.first(day: Int32(to.daysSinceEpoch)) - 1)"
        }
        if let since, let until, since >= until {
            return "SELECT NULL AS k, 0 AS row_count, \(UsageSummary.tokenColumns.map { "0 AS \($0)" }.joined(separator: ", ")) WHERE 0"
        }
        // Whole months: from the first month that starts on or after `since` to the month of `until`.
        let firstWhole = since.map { $0.civil.day == 1 ? $0 : monthStart(after: $0) }
        let endWhole = until.map { monthStart(of: $0) }
        if let firstWhole, let endWhole, firstWhole >= endWhole, let since, let until {
            return rows(since, until)
        }
        var conditions = ["dimension = '\(column)'"]
        if let firstWhole { conditions.append("month >= '\(firstWhole.description.prefix(7))'") }
        if let endWhole { conditions.append("month < '\(endWhole.description.prefix(7))'") }
        var parts = [
            "SELECT CASE has_value WHEN 1 THEN value END AS k, row_count, \(tokens) FROM \(UsageSummary.tableName) "
                + "WHERE \(conditions.joined(separator: " AND "))"
        ]
        if let since, let firstWhole, since < firstWhole { parts.append(rows(since, firstWhole)) }
        if let until, let endWhole, endWhole < until { parts.append(rows(endWhole, until)) }
        return parts.joined(separator: " UNION ALL ")
    }

    static func monthStart(of day: Day) -> Day { day.adding(days: 1 - day.civil.day) }

    static func monthStart(after day: Day) -> Day { monthStart(of: monthStart(of: day).adding(days: 31)) }
}
