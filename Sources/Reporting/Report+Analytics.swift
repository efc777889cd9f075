import CoreValues
import Foundation
import GRDB
import TableSchemas

/// `report costs --by api-key` (billed cost from `claude_costs_by_key`) and `report usage --by
/// actor` (tokens from `claude_usage_by_actor`): the two groupings only the analytics API gives.
extension Report {
    static func billedCostByKey(_ o: Options, tables: ProjectionTables, names: NameBook) throws -> TextTable {
        let sums = try tables.billedCost(by: "api_key_id", since: o.since, until: o.until)
        let ordered = sums.sorted { lhs, rhs in
            lhs.value.usd != rhs.value.usd ? rhs.value.usd < lhs.value.usd : (lhs.key ?? "") < (rhs.key ?? "")
        }
        let rows: [[TextTable.Cell]] = ordered.map { key, cost in
            [.text(names.apiKey(key)), .money(cost.usd), .money(cost.listUSD), .integer(cost.rows)]
        }
        return TextTable(
            columns: ["api_key", "cost_usd", "list_cost_usd", "rows"], rows: rows,
            totals: [
                .text("total"), .money(try ExactDecimal.sum(sums.values.map(\.usd))),
                .money(try ExactDecimal.sum(sums.values.map(\.listUSD))),
                .integer(sums.values.reduce(0) { $0 + $1.rows }),
            ])
    }

    static func usageByActor(_ o: Options, tables: ProjectionTables, names: NameBook) throws -> TextTable {
        let columns = usageColumns + ["requests"]
        guard try tables.hasTable(.usageByActor) else {
            return TextTable(
                columns: ["actor", "actor_type"] + columns, rows: [],
                totals: [.text("total"), .text(nil)] + columns.map { _ in .integer(0) })
        }
        return try tables.read { db in
            let sums = columns.map { "COALESCE(SUM(\($0)), 0)" }.joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT actor_type, actor_id, MAX(actor_email), MAX(actor_name), \(sums)
                    FROM claude_usage_by_actor WHERE \(rangeClause) GROUP BY actor_type, actor_id
                    ORDER BY SUM(uncached_input_tokens + cache_read_input_tokens + output_tokens) DESC, actor_type, actor_id
                    """, arguments: [o.since?.description, o.until?.description])
            var totals = Array(repeating: Int64(0), count: columns.count)
            let cells: [[TextTable.Cell]] = rows.map { row in
                let type: String? = row[0]
                let label = names.actorLabel(type: type, id: row[1], email: row[2], name: row[3])
                return [.text(label), .text(type)] + integers(row, from: 4, count: columns.count, adding: &totals)
            }
            return TextTable(
                columns: ["actor", "actor_type"] + columns, rows: cells,
                totals: [.text("total"), .text(nil)] + totals.map { .integer($0) })
        }
    }

    /// What a reader of an analytics grouping must know about the range: the days with legacy
    /// data that the analytics table does not cover (their rows are simply absent), and the
    /// provisional days. Nil for the other groupings, or when the table covers every such day.
    public static func coverageNote(_ o: Options, tables: ProjectionTables) throws -> String? {
        let stream: ReportStream
        let legacyDays: Set<Day>
        switch (o.kind, o.by) {
        case (.costs, .apiKey):
            stream = .analyticsCost
            legacyDays = Set(try tables.costPerDay(since: o.since, until: o.until).keys)
        case (.usage, .actor):
            stream = .analyticsUsage
            legacyDays = Set(try tables.coveredDays(.usage, since: o.since, until: o.until).keys)
        default:
            return nil
        }
        let table: ProjectionTable = stream == .analyticsCost ? .costsByKey : .usageByActor
        guard try tables.hasTable(table) else {
            return "these projections have no \(table.rawValue) table: run `claude-ledger rebuild`"
        }
        let covered = Set(try tables.coveredDays(stream, since: o.since, until: o.until).keys)
        let missing = legacyDays.subtracting(covered)
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append(
                "\(table.rawValue) covers \(legacyDays.count - missing.count) of the \(legacyDays.count) days "
                    + "with legacy data in this range; not in it: \(Audit.ranges(Array(missing))) (the analytics API serves "
                    + "days from 2026-01-01 and at most 365 days back; `claude-ledger sync --streams \(stream.userName ?? stream.rawValue)` fetches what it can)"
            )
        }
        let provisional = try tables.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT date FROM \(table.rawValue) WHERE provisional = 1 AND \(rangeClause) ORDER BY date
                    """, arguments: [o.since?.description, o.until?.description])
        }.compactMap { Day($0) }
        if !provisional.isEmpty {
            parts.append(
                "\(provisional.count) day(s) are provisional (\(Audit.ranges(provisional))): Anthropic revises "
                    + "them for about 30 days and the next sync fetches them again")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
