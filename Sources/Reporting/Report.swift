import CoreValues
import Foundation
import GRDB
import Projections

/// `report costs|usage|claude-code`: sums of a table grouped by one dimension over a date range.
public enum Report {
    public enum Kind: String, CaseIterable, Sendable {
        case costs, usage, claudeCode = "claude-code"
    }

    public enum Dimension: String, CaseIterable, Sendable {
        case day, workspace, model, apiKey = "api-key", actor, description
    }

    public struct Options: Sendable {
        public var kind: Kind
        public var by: Dimension
        public var since: Day?
        public var until: Day?

        public init(kind: Kind, by: Dimension, since: Day? = nil, until: Day? = nil) {
            self.kind = kind
            self.by = by
            self.since = since
            self.until = until
        }
    }

    /// Builds the table. `names` turns workspace and API key ids into names where known.
    public static func make(_ options: Options, tables: ProjectionTables, names: NameBook = NameBook()) throws -> TextTable {
        let column = try groupColumn(options.kind, options.by)
        let label = options.by == .apiKey ? "api_key" : options.by.rawValue
        switch (options.kind, options.by) {
        case (.costs, .apiKey):
            return try billedCostByKey(options, tables: tables, names: names)
        case (.usage, .actor):
            return try usageByActor(options, tables: tables, names: names)
        case (.costs, _):
            return try costs(options, tables: tables, column: column, label: label, names: names)
        case (.usage, _):
            return try usage(options, tables: tables, column: column, label: label, names: names)
        case (.claudeCode, _):
            return try claudeCode(options, tables: tables, column: column, label: label)
        }
    }

    static func groupColumn(_ kind: Kind, _ by: Dimension) throws -> String {
        switch (kind, by) {
        case (_, .day): return "date"
        case (.costs, .workspace), (.usage, .workspace): return "workspace_id"
        case (.costs, .model), (.usage, .model): return "model"
        case (.costs, .description): return "description"
        case (.costs, .apiKey), (.usage, .apiKey): return "api_key_id"
        case (.usage, .actor): return "actor_id"
        case (.claudeCode, .actor): return "actor"
        default:
            let allowed: [Dimension]
            switch kind {
            case .costs: allowed = [.day, .workspace, .model, .description, .apiKey]
            case .usage: allowed = [.day, .workspace, .model, .apiKey, .actor]
            case .claudeCode: allowed = [.day, .actor]
            }
            throw ReportingError.badInput(
                "`report \(kind.rawValue)` cannot group by \(by.rawValue): use --by \(allowed.map(\.rawValue).joined(separator: "|"))")
        }
    }

    static let rangeClause = "(?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date < ?2)"

    static func label(_ value: String?, column: String, names: NameBook) -> String {
        switch column {
        case "workspace_id": return names.workspace(value)
        case "api_key_id": return names.apiKey(value)
        case "model": return value ?? "(no model: non-token cost)"
        case "description": return value ?? "(not grouped by description)"
        default: return value ?? "(none)"
        }
    }

    static func costs(_ o: Options, tables: ProjectionTables, column: String, label: String, names: NameBook) throws -> TextTable {
        do {
            var sums: [String?: (ExactDecimal, Int64)] = [:]
            for group in try costSums(tables, by: [column], since: o.since, until: o.until) {
                sums[group.keys[0]] = (group.usd, group.rows)
            }
            let ordered = sums.sorted { lhs, rhs in
                column == "date"
                    ? (lhs.key ?? "") < (rhs.key ?? "")
                    : (lhs.value.0 != rhs.value.0 ? lhs.value.0 > rhs.value.0 : (lhs.key ?? "") < (rhs.key ?? ""))
            }
            let rows: [[TextTable.Cell]] = ordered.map { key, value in
                [.text(Report.label(key, column: column, names: names)), .money(value.0), .integer(value.1)]
            }
            let total = try ExactDecimal.sum(sums.values.map(\.0))
            return TextTable(
                columns: [label, "cost_usd", "rows"], rows: rows,
                totals: [.text("total"), .money(total), .integer(sums.values.reduce(0) { $0 + $1.1 })])
        }
    }

    static let usageColumns = [
        "uncached_input_tokens", "cache_creation_5m_input_tokens", "cache_creation_1h_input_tokens",
        "cache_read_input_tokens", "output_tokens", "web_search_requests",
    ]

    static func usage(_ o: Options, tables: ProjectionTables, column: String, label: String, names: NameBook) throws -> TextTable {
        let summarized = try tables.hasUsageSummary()
        return try tables.read { db in
            let sums = usageColumns.map { "SUM(\($0))" }.joined(separator: ", ")
            let order = column == "date" ? "k" : "SUM(uncached_input_tokens + cache_read_input_tokens + output_tokens) DESC, k"
            // Whole months from the per-month sums, the days at the range's ends from the table by
            // rowid range (`Projections.usageSumsSQL`); a file without the sums is scanned.
            let source = summarized ? Projections.usageSumsSQL(by: column, since: o.since, until: o.until) : nil
            let rows: [Row]
            if let source {
                rows = try Row.fetchAll(db, sql: "SELECT k, \(sums) FROM (\(source)) GROUP BY k ORDER BY \(order)")
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(column) AS k, \(sums) FROM claude_usage_keys WHERE \(rangeClause) GROUP BY k ORDER BY \(order)",
                    arguments: [o.since?.description, o.until?.description])
            }
            var totals = Array(repeating: Int64(0), count: usageColumns.count)
            let cells: [[TextTable.Cell]] = rows.map { row in
                [.text(Report.label(row[0], column: column, names: names))]
                    + integers(row, from: 1, count: usageColumns.count, adding: &totals)
            }
            return TextTable(
                columns: [label] + usageColumns, rows: cells,
                totals: [.text("total")] + totals.map { .integer($0) })
        }
    }

    /// `count` integer cells of `row` from column `first` (NULL as 0), each added to `totals`.
    static func integers(_ row: Row, from first: Int, count: Int, adding totals: inout [Int64]) -> [TextTable.Cell] {
        (0..<count).map { i in
            let value: Int64 = row[first + i] ?? 0
            totals[i] += value
            return .integer(value)
        }
    }

    static let codeColumns = [
        "num_sessions", "lines_added", "lines_removed", "commits", "pull_requests",
        "input_tokens", "output_tokens",
    ]

    static func claudeCode(_ o: Options, tables: ProjectionTables, column: String, label: String) throws -> TextTable {
        try tables.read { db in
            let sums =
                (codeColumns + [
                    "edit_accepted", "edit_rejected", "multi_edit_accepted", "multi_edit_rejected",
                    "write_accepted", "write_rejected", "notebook_edit_accepted", "notebook_edit_rejected",
                ])
                .map { "SUM(\($0))" }.joined(separator: ", ")
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(column) AS k, \(sums) FROM claude_code_productivity WHERE \(rangeClause) GROUP BY k ORDER BY k",
                arguments: [o.since?.description, o.until?.description])
            var totals = Array(repeating: Int64(0), count: codeColumns.count + 8)
            func rate(_ v: [Int64]) -> String {
                let accepted = v[7] + v[9] + v[11] + v[13]
                let rejected = v[8] + v[10] + v[12] + v[14]
                guard accepted + rejected > 0 else { return "-" }
                let permille = (accepted * 1000 + (accepted + rejected) / 2) / (accepted + rejected)
                return "\(permille / 10).\(permille % 10)%"
            }
            let cells: [[TextTable.Cell]] = rows.map { row in
                var values: [Int64] = [0]
                for i in 0..<(codeColumns.count + 8) {
                    let v: Int64 = row[i + 1] ?? 0
                    totals[i] += v
                    values.append(v)
                }
                let key: String? = row[0]
                return [.text(key ?? "(unknown)")] + values[1...codeColumns.count].map { .integer($0) } + [.ratio(rate(values))]
            }
            let totalValues = [Int64(0)] + totals
            return TextTable(
                columns: [label] + codeColumns + ["tool_accept_rate"], rows: cells,
                totals: [.text("total")] + totals.prefix(codeColumns.count).map { .integer($0) } + [.ratio(rate(totalValues))])
        }
    }
}

/// Names for workspace and API key ids, from the newest names lists in the ledger.
public struct NameBook: Sendable {
    public var workspaces: [String: String]
    public var apiKeys: [String: String]

    public init(workspaces: [String: String] = [:], apiKeys: [String: String] = [:]) {
        self.workspaces = workspaces
        self.apiKeys = apiKeys
    }

    /// `null` is the default workspace in every report (https://platform.claude.com/docs/en/api/admin/workspaces/list).
    public func workspace(_ id: String?) -> String {
        guard let id else { return "Default workspace" }
        return workspaces[id].map { "\($0) (\(id))" } ?? id
    }

    /// `null` is usage from the Console, which has no API key (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages).
    public func apiKey(_ id: String?) -> String {
        guard let id else { return "(Console, no API key)" }
        return apiKeys[id].map { "\($0) (\(id))" } ?? id
    }

    /// Reads `{"data":[{"id":…,"name":…},…]}` list pages.
    public mutating func add(listPage body: Data, stream: ReportStream) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let data = object["data"] as? [[String: Any]]
        else { return }
        for item in data {
            guard let id = item["id"] as? String, let name = item["name"] as? String else { continue }
            if stream == .workspaces { workspaces[id] = name } else { apiKeys[id] = name }
        }
    }
}
