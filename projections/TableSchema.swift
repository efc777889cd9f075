import CoreValues

/// One column of a projection table, as SQLite stores it and as BigQuery loads it.
///
/// Exporters read these descriptors instead of repeating the schema: `export files` writes
/// `bigQuerySchemaJSON` next to each table, `export bigquery` sends the same fields.
public struct ColumnSchema: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `YYYY-MM-DD` text; BigQuery DATE.
        case date
        case text
        case integer
        /// 0/1 integer; BigQuery BOOL.
        case boolean
        /// An exact decimal kept as text; BigQuery BIGNUMERIC (NUMERIC keeps only 9 fractional digits).
        case money
    }

    public let name: String
    public let kind: Kind
    public let nullable: Bool
    public let description: String

    /// The declared SQLite type (`TEXT` or `INTEGER`).
    public var sqliteType: String {
        switch kind {
        case .date, .text, .money: return "TEXT"
        case .integer, .boolean: return "INTEGER"
        }
    }

    /// The BigQuery standard SQL type.
    public var bigQueryType: String {
        switch kind {
        case .date: return "DATE"
        case .text: return "STRING"
        case .integer: return "INT64"
        case .boolean: return "BOOL"
        case .money: return "BIGNUMERIC"
        }
    }

    /// `NULLABLE` or `REQUIRED`.
    public var bigQueryMode: String { nullable ? "NULLABLE" : "REQUIRED" }

    init(_ name: String, _ kind: Kind, nullable: Bool = false, _ description: String) {
        self.name = name
        self.kind = kind
        self.nullable = nullable
        self.description = description
    }
}

/// A projection table: its name, its columns in order, and the columns that identify a row.
public struct TableSchema: Sendable, Hashable {
    public let name: String
    public let description: String
    public let columns: [ColumnSchema]
    /// The columns that identify a row within a day (after `date`): `diff` pairs rows by them and
    /// `audit` checks they are unique. Value columns and `event_id` are not part of it.
    public let naturalKey: [String]
    /// Secondary indexes for reports, each a list of columns. Every index leads with `date`: reports
    /// filter by a date range, per-day lookups (updates, diff, fingerprint) use the prefix, and rows
    /// arrive in date order, so the indexes stay cheap to maintain during a bulk load (measured: a
    /// `(date, api_key_id)` index kept while inserting costs about a third of building an
    /// `(api_key_id, date)` index afterwards).
    public let indexes: [[String]]

    public var columnNames: [String] { columns.map(\.name) }

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

    /// The schema as `bq load --schema` reads it: a JSON array of `{name, type, mode, description}`.
    public var bigQuerySchemaJSON: String {
        func quoted(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default:
                    if u.value < 0x20 {
                        out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                            + String(u.value, radix: 16)
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            return out + "\""
        }
        let fields = columns.map { col in
            "  {\"name\": \(quoted(col.name)), \"type\": \(quoted(col.bigQueryType)), \"mode\": \(quoted(col.bigQueryMode)), \"description\": \(quoted(col.description))}"
        }
        return "[\n" + fields.joined(separator: ",\n") + "\n]\n"
    }

    /// The index of a column by name.
    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }
}

/// The three projection tables, in the fixed order every build, fingerprint and diff uses.
public enum ProjectionTable: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case costs = "claude_costs"
    case usage = "claude_usage_keys"
    case claudeCode = "claude_code_productivity"

    public var description: String { rawValue }

    /// The ledger stream the table is projected from.
    public var stream: ReportStream {
        switch self {
        case .costs: return .cost
        case .usage: return .usage
        case .claudeCode: return .claudeCode
        }
    }

    public init?(stream: ReportStream) {
        switch stream {
        case .cost: self = .costs
        case .usage: self = .usage
        case .claudeCode: self = .claudeCode
        case .apiKeys, .workspaces, .organization, .analyticsCost, .analyticsUsage: return nil
        }
    }

    public var schema: TableSchema {
        switch self {
        case .costs: return ProjectionTable.costsSchema
        case .usage: return ProjectionTable.usageSchema
        case .claudeCode: return ProjectionTable.claudeCodeSchema
        }
    }

    static let eventColumn = ColumnSchema("event_id", .text, "The ledger event (raw API page) the row was projected from")

    static let costsSchema = TableSchema(
        name: "claude_costs",
        description: "One row per cost_report result row of the authoritative fetch of its day.",
        columns: [
            ColumnSchema("date", .date, "The bucket's UTC day"),
            ColumnSchema("workspace_id", .text, nullable: true, "Workspace id; NULL is the default workspace"),
            ColumnSchema("description", .text, nullable: true, "Cost description as sent"),
            ColumnSchema("cost_type", .text, nullable: true, "tokens, web_search, code_execution, session_usage, … as sent"),
            ColumnSchema("model", .text, nullable: true, "Model as sent; NULL for non-token costs"),
            ColumnSchema("token_type", .text, nullable: true, "Token type as sent; NULL for non-token costs"),
            ColumnSchema("service_tier", .text, nullable: true, "Service tier as sent"),
            ColumnSchema("context_window", .text, nullable: true, "Context window as sent"),
            ColumnSchema("inference_geo", .text, nullable: true, "Inference geo as sent"),
            ColumnSchema("currency", .text, "Currency as sent (USD)"),
            ColumnSchema("amount_cents", .money, "The API's amount: a decimal string in cents, exact as sent"),
            ColumnSchema("amount_usd", .money, "amount_cents / 100, exact, never rounded"),
            eventColumn,
        ],
        naturalKey: ["workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
                     "context_window", "inference_geo", "currency"],
        indexes: [["date", "workspace_id"]])

    static let usageSchema = TableSchema(
        name: "claude_usage_keys",
        description: "One row per usage_report/messages result row of the authoritative fetch of its day.",
        columns: [
            ColumnSchema("date", .date, "The bucket's UTC day"),
            ColumnSchema("api_key_id", .text, nullable: true, "API key id; NULL if not grouped or for Console usage"),
            ColumnSchema("workspace_id", .text, nullable: true, "Workspace id; NULL is the default workspace"),
            ColumnSchema("model", .text, nullable: true, "Model as sent"),
            ColumnSchema("service_tier", .text, nullable: true, "Service tier as sent"),
            ColumnSchema("context_window", .text, nullable: true, "Context window as sent"),
            ColumnSchema("inference_geo", .text, nullable: true, "Inference geo as sent"),
            ColumnSchema("uncached_input_tokens", .integer, "Uncached input tokens"),
            ColumnSchema("cache_creation_5m_input_tokens", .integer, "cache_creation.ephemeral_5m_input_tokens"),
            ColumnSchema("cache_creation_1h_input_tokens", .integer, "cache_creation.ephemeral_1h_input_tokens"),
            ColumnSchema("cache_read_input_tokens", .integer, "Input tokens read from the cache"),
            ColumnSchema("output_tokens", .integer, "Output tokens"),
            ColumnSchema("web_search_requests", .integer, "server_tool_use.web_search_requests"),
            eventColumn,
        ],
        naturalKey: ["api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo"],
        indexes: [["date", "api_key_id"], ["date", "workspace_id"]])

    static let claudeCodeSchema = TableSchema(
        name: "claude_code_productivity",
        description: "One row per Claude Code record (a day, an actor, a terminal, local or remote). No money column: Claude Code spend is inside claude_costs.",
        columns: [
            ColumnSchema("date", .date, "The record's UTC day"),
            ColumnSchema("actor_type", .text, nullable: true, "user_actor or api_actor, as sent"),
            ColumnSchema("actor", .text, nullable: true, "Email address (user_actor) or API key name (api_actor)"),
            ColumnSchema("organization_id", .text, nullable: true, "Organization UUID"),
            ColumnSchema("customer_type", .text, nullable: true, "api or subscription, as sent"),
            ColumnSchema("subscription_type", .text, nullable: true, "enterprise, team or NULL, as sent"),
            ColumnSchema("terminal_type", .text, nullable: true, "Terminal or environment, as sent"),
            ColumnSchema("is_remote", .boolean, nullable: true, "Remote session rows (1) vs local (0); NULL when not sent"),
            ColumnSchema("num_sessions", .integer, "core_metrics.num_sessions"),
            ColumnSchema("lines_added", .integer, "core_metrics.lines_of_code.added"),
            ColumnSchema("lines_removed", .integer, "core_metrics.lines_of_code.removed"),
            ColumnSchema("commits", .integer, "core_metrics.commits_by_claude_code"),
            ColumnSchema("pull_requests", .integer, "core_metrics.pull_requests_by_claude_code"),
            ColumnSchema("edit_accepted", .integer, "tool_actions.edit_tool.accepted"),
            ColumnSchema("edit_rejected", .integer, "tool_actions.edit_tool.rejected"),
            ColumnSchema("multi_edit_accepted", .integer, "tool_actions.multi_edit_tool.accepted"),
            ColumnSchema("multi_edit_rejected", .integer, "tool_actions.multi_edit_tool.rejected"),
            ColumnSchema("write_accepted", .integer, "tool_actions.write_tool.accepted"),
            ColumnSchema("write_rejected", .integer, "tool_actions.write_tool.rejected"),
            ColumnSchema("notebook_edit_accepted", .integer, "tool_actions.notebook_edit_tool.accepted"),
            ColumnSchema("notebook_edit_rejected", .integer, "tool_actions.notebook_edit_tool.rejected"),
            ColumnSchema("input_tokens", .integer, "model_breakdown[].tokens.input, summed over models"),
            ColumnSchema("output_tokens", .integer, "model_breakdown[].tokens.output, summed over models"),
            ColumnSchema("cache_read_tokens", .integer, "model_breakdown[].tokens.cache_read, summed over models"),
            ColumnSchema("cache_creation_tokens", .integer, "model_breakdown[].tokens.cache_creation, summed over models"),
            eventColumn,
        ],
        naturalKey: ["actor_type", "actor", "organization_id", "customer_type", "subscription_type",
                     "terminal_type", "is_remote"],
        indexes: [["date", "actor"]])
}
