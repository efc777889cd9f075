import CoreValues
import Foundation
import GRDB

extension Report {
    /// One group of `claude_costs` rows: the group's key values, its exact sum in USD and its
    /// row count.
    public struct CostSum: Sendable, Equatable {
        public var keys: [String?]
        public var usd: ExactDecimal
        public var rows: Int64
    }

    /// Exact cost sums of `claude_costs` grouped by `columns` over `[since, until)`: the one query
    /// behind `report costs` and the HTML page, summed in `ExactDecimal` (SQLite's SUM would go
    /// through doubles). Groups come back in key order.
    public static func costSums(
        _ tables: ProjectionTables, by columns: [String],
        since: Day?, until: Day?
    ) throws -> [CostSum] {
        try tables.read { db in
            var sums: [[String?]: (ExactDecimal, Int64)] = [:]
            let keys = columns.enumerated().map { "\($0.element) AS k\($0.offset)" }.joined(separator: ", ")
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT \(keys), amount_usd FROM claude_costs WHERE \(rangeClause)",
                arguments: [since?.description, until?.description])
            while let row = try cursor.next() {
                let key: [String?] = columns.indices.map { row["k\($0)"] }
                let amount = try ExactDecimal(parsing: row["amount_usd"] as String)
                let current = sums[key] ?? (.zero, 0)
                sums[key] = (try current.0.adding(amount), current.1 + 1)
            }
            return sums.map { CostSum(keys: $0.key, usd: $0.value.0, rows: $0.value.1) }
                .sorted { $0.keys.map { $0 ?? "" }.lexicographicallyPrecedes($1.keys.map { $0 ?? "" }) }
        }
    }
}
