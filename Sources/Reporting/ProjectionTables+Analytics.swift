import CoreValues
import Foundation
import GRDB
import TableSchemas

/// The readers of the two analytics tables that `report`, `audit`, `explain` and the HTML page
/// share, so that "billed cost per API key" and "which days a source covers" are asked one way.
extension ProjectionTables {
    /// Exact billed cost of one group of `claude_costs_by_key` rows.
    public struct BilledCost: Sendable, Equatable {
        public var usd: ExactDecimal = .zero
        public var listUSD: ExactDecimal = .zero
        public var rows: Int64 = 0
        /// True when any of the rows is provisional (its day not final when fetched).
        public var provisional = false

        mutating func add(usd: String, listUSD: String?, provisional: Bool) throws {
            self.usd = try self.usd.adding(ExactDecimal(parsing: usd))
            if let listUSD { self.listUSD = try self.listUSD.adding(ExactDecimal(parsing: listUSD)) }
            rows += 1
            self.provisional = self.provisional || provisional
        }
    }

    /// True when projections.sqlite has `table` (a file built by an older projection version may
    /// lack the analytics tables).
    public func hasTable(_ table: ProjectionTable) throws -> Bool {
        try read { db in try db.tableExists(table.rawValue) }
    }

    /// The days of `stream` that a complete fetch covers in these projections (the tables hold
    /// exactly that fetch's rows for the day, possibly none), with that fetch's id.
    public func coveredDays(_ stream: ReportStream, since: Day? = nil, until: Day? = nil) throws -> [Day: String] {
        try read { db in
            var days: [Day: String] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT date, fetch_id FROM projection_days WHERE stream = ?3 AND \(Report.rangeClause)
                    """, arguments: [since?.description, until?.description, stream.rawValue])
            for row in rows {
                guard let day = Day(row[0] as String) else {
                    throw ReportingError(.corruption, "projection_days has a malformed date for \(stream)")
                }
                days[day] = row[1]
            }
            return days
        }
    }

    /// Exact billed cost from `claude_costs_by_key` over `[since, until)`, grouped by `key`
    /// (a column of the table, e.g. `date` or `api_key_id`). Empty without the table.
    public func billedCost(by key: String, since: Day? = nil, until: Day? = nil) throws -> [String?: BilledCost] {
        guard try hasTable(.costsByKey) else { return [:] }
        guard ProjectionTable.costsByKey.schema.index(of: key) != nil else {
            preconditionFailure("claude_costs_by_key has no column \(key)")
        }
        return try read { db in
            var sums: [String?: BilledCost] = [:]
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(key), amount_usd, list_amount_usd, provisional FROM claude_costs_by_key WHERE \(Report.rangeClause)
                    """, arguments: [since?.description, until?.description])
            while let row = try cursor.next() {
                let group: String? = row[0]
                try sums[group, default: BilledCost()].add(usd: row[1], listUSD: row[2], provisional: (row[3] as Int64?) == 1)
            }
            return sums
        }
    }

    /// `billedCost(by: "date")` keyed by day.
    public func billedCostPerDay(since: Day? = nil, until: Day? = nil) throws -> [Day: BilledCost] {
        var days: [Day: BilledCost] = [:]
        for (date, cost) in try billedCost(by: "date", since: since, until: until) {
            guard let date, let day = Day(date) else {
                throw ReportingError(.corruption, "claude_costs_by_key has a row with a malformed date")
            }
            days[day] = cost
        }
        return days
    }
}

extension NameBook {
    /// An actor of `claude_usage_by_actor` as people read it: a person by name and email, an API
    /// key by its name, a service account or federated identity by its id.
    /// `keyLabel` names an API key (default: `apiKey(_:)`).
    public func actorLabel(
        type: String?, id: String?, email: String?, name: String?,
        keyLabel: ((String?) -> String)? = nil
    ) -> String {
        switch type {
        case "api_actor": return keyLabel?(id) ?? apiKey(id)
        case "user_actor": return name.map { n in email.map { "\(n) <\($0)>" } ?? n } ?? email ?? id ?? "(unknown user)"
        default: return id ?? "(no actor)"
        }
    }
}
