import CoreValues
import Foundation
import GRDB

/// What `export focus` reads from `projections.sqlite`: the billed cost rows of both sources
/// and the token and search counts that give them a quantity.
///
/// Read in one read transaction, so a concurrent `rebuild` cannot hand the export a mix of two
/// builds. `claude_costs_by_key` is read only when the file has it (it is the analytics API's
/// table, written against the columns of docs/TABLES.md); every cell is checked here, before anything
/// is written.
struct FocusSource: Sendable {
    /// Where a cost row came from: the `x_Source` value.
    enum Origin: String, Sendable {
        case costReport = "cost_report"
        case analyticsCost = "analytics_cost"
    }

    /// One billed cost row, from either table.
    struct Cost: Sendable, Equatable {
        var origin: Origin
        var date: Day
        var workspaceID: String?
        var apiKeyID: String?
        var description: String?
        var costType: String?
        var model: String?
        var tokenType: String?
        var serviceTier: String?
        var contextWindow: String?
        var inferenceGeo: String?
        var amountUSD: ExactDecimal
        /// Anthropic's list amount (analytics rows only).
        var listAmountUSD: ExactDecimal?
        /// nil for cost report rows, which have no provisional flag.
        var provisional: Bool?
        var eventID: String
    }

    /// One `claude_usage_keys` row: counts keyed by the cost report's `token_type` names.
    struct Usage: Sendable, Equatable {
        var date: Day
        var apiKeyID: String?
        var workspaceID: String?
        var model: String?
        var serviceTier: String?
        var contextWindow: String?
        var inferenceGeo: String?
        var tokens: [String: Int64]
        var webSearchRequests: Int64
    }

    var costReport: [Cost]
    var analyticsCost: [Cost]
    var usage: [Usage]

    /// The cost report's `token_type` values and the `claude_usage_keys` column counting each.
    static let tokenColumns: [(tokenType: String, column: String)] = [
        ("uncached_input_tokens", "uncached_input_tokens"),
        ("cache_creation.ephemeral_5m_input_tokens", "cache_creation_5m_input_tokens"),
        ("cache_creation.ephemeral_1h_input_tokens", "cache_creation_1h_input_tokens"),
        ("cache_read_input_tokens", "cache_read_input_tokens"),
        ("output_tokens", "output_tokens"),
    ]

    static func read(projectionsPath: String) throws -> FocusSource {
        try ProjectionsFile.read(projectionsPath, label: "export-focus") { db in
            let hasByKey =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'claude_costs_by_key')
                        """) ?? false
            return FocusSource(
                costReport: try readCostReport(db),
                analyticsCost: hasByKey ? try readAnalyticsCost(db) : [],
                usage: try readUsage(db))
        }
    }

    private static func readCostReport(_ db: Database) throws -> [Cost] {
        let sql = """
            SELECT date, workspace_id, description, cost_type, model, token_type, service_tier, context_window,
                   inference_geo, currency, amount_usd, event_id
            FROM claude_costs ORDER BY rowid
            """
        return try Row.fetchAll(db, sql: sql).map { row in
            let table = "claude_costs"
            try checkCurrency(row, table: table)
            return Cost(
                origin: .costReport, date: try day(row, table: table),
                workspaceID: row["workspace_id"], apiKeyID: nil, description: row["description"],
                costType: row["cost_type"], model: row["model"], tokenType: row["token_type"],
                serviceTier: row["service_tier"], contextWindow: row["context_window"],
                inferenceGeo: row["inference_geo"],
                amountUSD: try money(row, "amount_usd", table: table), listAmountUSD: nil,
                provisional: nil, eventID: try text(row, "event_id", table: table))
        }
    }

    private static func readAnalyticsCost(_ db: Database) throws -> [Cost] {
        let sql = """
            SELECT date, workspace_id, api_key_id, model, service_tier, context_window, cost_type, token_type,
                   currency, amount_usd, list_amount_usd, provisional, event_id
            FROM claude_costs_by_key ORDER BY rowid
            """
        return try Row.fetchAll(db, sql: sql).map { row in
            let table = "claude_costs_by_key"
            try checkCurrency(row, table: table)
            let list: String? = row["list_amount_usd"]
            let provisional: Int64? = row["provisional"]
            return Cost(
                origin: .analyticsCost, date: try day(row, table: table),
                workspaceID: row["workspace_id"], apiKeyID: row["api_key_id"], description: nil,
                costType: row["cost_type"], model: row["model"], tokenType: row["token_type"],
                serviceTier: row["service_tier"], contextWindow: row["context_window"], inferenceGeo: nil,
                amountUSD: try money(row, "amount_usd", table: table),
                listAmountUSD: list == nil ? nil : try money(row, "list_amount_usd", table: table),
                provisional: provisional.map { $0 != 0 }, eventID: try text(row, "event_id", table: table))
        }
    }

    private static func readUsage(_ db: Database) throws -> [Usage] {
        let counts = tokenColumns.map(\.column).joined(separator: ", ")
        let sql = """
            SELECT date, api_key_id, workspace_id, model, service_tier, context_window, inference_geo,
                   \(counts), web_search_requests
            FROM claude_usage_keys ORDER BY rowid
            """
        return try Row.fetchAll(db, sql: sql).map { row in
            var tokens: [String: Int64] = [:]
            for (tokenType, column) in tokenColumns {
                tokens[tokenType] = try count(row, column)
            }
            return Usage(
                date: try day(row, table: "claude_usage_keys"), apiKeyID: row["api_key_id"],
                workspaceID: row["workspace_id"], model: row["model"], serviceTier: row["service_tier"],
                contextWindow: row["context_window"], inferenceGeo: row["inference_geo"],
                tokens: tokens, webSearchRequests: try count(row, "web_search_requests"))
        }
    }

    private static func day(_ row: Row, table: String) throws -> Day {
        guard let text: String = row["date"], let day = Day(text) else {
            throw ExportError.badInput("\(table).date holds a value that is not a YYYY-MM-DD date: run `claude-ledger rebuild`")
        }
        return day
    }

    private static func text(_ row: Row, _ column: String, table: String) throws -> String {
        guard let value: String = row[column] else {
            throw ExportError.badInput("\(table).\(column) is NULL in a row dated \(row["date"] ?? "?"): run `claude-ledger rebuild`")
        }
        return value
    }

    /// Money stays a decimal string from the table to the file; a REAL is refused.
    private static func money(_ row: Row, _ column: String, table: String) throws -> ExactDecimal {
        let value = row[column] as DatabaseValue
        guard case .string(let text) = value.storage, let decimal = try? ExactDecimal(parsing: text) else {
            throw ExportError.badInput(
                "\(table).\(column) holds a value that is not an exact decimal string in a row dated \(row["date"] ?? "?"): run `claude-ledger rebuild`"
            )
        }
        return decimal
    }

    private static func count(_ row: Row, _ column: String) throws -> Int64 {
        guard case .int64(let number) = (row[column] as DatabaseValue).storage, number >= 0 else {
            throw ExportError.badInput(
                "claude_usage_keys.\(column) holds a value that is not a count in a row dated \(row["date"] ?? "?"): run `claude-ledger rebuild`"
            )
        }
        return number
    }

    private static func checkCurrency(_ row: Row, table: String) throws {
        let currency: String? = row["currency"]
        guard currency == "USD" else {
            throw ExportError.badInput(
                "\(table) has a row dated \(row["date"] ?? "?") in currency \(currency ?? "NULL"); FOCUS export writes USD (BillingCurrency) only"
            )
        }
    }
}
