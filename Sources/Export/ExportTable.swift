/// The three projection tables as the export module sees them: columns, SQLite storage and
/// BigQuery schema, kept here as data so files, schema files and BigQuery agree by construction.
///
/// Column names and types follow `docs/SPEC.md`, "The three tables". The export reads exactly
/// these columns from `projections.sqlite` by name (extra columns there are ignored, missing
/// ones are an error), so it does not depend on the projections module's Swift API.
public struct ExportTable: Sendable, Hashable {
    public let name: String
    public let columns: [Column]
    /// One line for the BigQuery table description.
    public let description: String

    /// How a column is stored in SQLite and typed in BigQuery.
    public enum Kind: Sendable, Hashable {
        /// TEXT `YYYY-MM-DD` → DATE.
        case date
        /// TEXT → STRING.
        case string
        /// INTEGER → INT64.
        case integer
        /// INTEGER 0/1 → BOOL.
        case boolean
        /// TEXT exact decimal → NUMERIC, or BIGNUMERIC when a value needs more than NUMERIC's
        /// 9 fractional or 29 integer digits (see `MoneyType`).
        case money
    }

    public struct Column: Sendable, Hashable {
        public let name: String
        public let kind: Kind
        /// REQUIRED columns reject NULL at export time rather than at load time.
        public let required: Bool
        public let description: String
    }

    public static let costs = ExportTable(
        name: "claude_costs",
        columns: [
            Column(name: "date", kind: .date, required: true, description: "UTC day of the cost bucket"),
            Column(name: "workspace_id", kind: .string, required: false, description: "Workspace id; NULL is the default workspace"),
            Column(name: "description", kind: .string, required: false, description: "Cost line description, as sent by the Admin API"),
            Column(name: "cost_type", kind: .string, required: false, description: "Cost type, as sent"),
            Column(name: "model", kind: .string, required: false, description: "Model, as sent"),
            Column(name: "token_type", kind: .string, required: false, description: "Token type, as sent"),
            Column(name: "service_tier", kind: .string, required: false, description: "Service tier, as sent"),
            Column(name: "context_window", kind: .string, required: false, description: "Context window, as sent"),
            Column(name: "inference_geo", kind: .string, required: false, description: "Inference geography, as sent"),
            Column(name: "currency", kind: .string, required: false, description: "Currency, as sent (USD)"),
            Column(name: "amount_cents", kind: .money, required: true, description: "Amount in cents: the Admin API's decimal string, exact"),
            Column(name: "amount_usd", kind: .money, required: true, description: "amount_cents / 100, exact, never rounded"),
            Column(name: "event_id", kind: .string, required: true, description: "Ledger event (page) the row came from"),
        ],
        description: "Anthropic Admin API cost report rows, one per cost result of the authoritative fetch of each day (claude-ledger)."
    )

    public static let usageKeys = ExportTable(
        name: "claude_usage_keys",
        columns: [
            Column(name: "date", kind: .date, required: true, description: "UTC day of the usage bucket"),
            Column(name: "api_key_id", kind: .string, required: false, description: "API key id, as sent"),
            Column(name: "workspace_id", kind: .string, required: false, description: "Workspace id; NULL is the default workspace"),
            Column(name: "model", kind: .string, required: false, description: "Model, as sent"),
            Column(name: "service_tier", kind: .string, required: false, description: "Service tier, as sent"),
            Column(name: "context_window", kind: .string, required: false, description: "Context window, as sent"),
            Column(name: "inference_geo", kind: .string, required: false, description: "Inference geography, as sent"),
            Column(name: "uncached_input_tokens", kind: .integer, required: false, description: "Uncached input tokens"),
            Column(name: "cache_creation_5m_input_tokens", kind: .integer, required: false, description: "Input tokens written to the 5-minute cache"),
            Column(name: "cache_creation_1h_input_tokens", kind: .integer, required: false, description: "Input tokens written to the 1-hour cache"),
            Column(name: "cache_read_input_tokens", kind: .integer, required: false, description: "Input tokens read from cache"),
            Column(name: "output_tokens", kind: .integer, required: false, description: "Output tokens"),
            Column(name: "web_search_requests", kind: .integer, required: false, description: "Web search requests"),
            Column(name: "event_id", kind: .string, required: true, description: "Ledger event (page) the row came from"),
        ],
        description: "Anthropic Admin API usage report rows, one per usage result of the authoritative fetch of each day (claude-ledger)."
    )

    public static let claudeCodeProductivity = ExportTable(
        name: "claude_code_productivity",
        columns: [
            Column(name: "date", kind: .date, required: true, description: "UTC day of the record"),
            Column(name: "actor_type", kind: .string, required: false, description: "user_actor or api_actor"),
            Column(name: "actor", kind: .string, required: false, description: "User email or API key name"),
            Column(name: "organization_id", kind: .string, required: false, description: "Organization id"),
            Column(name: "customer_type", kind: .string, required: false, description: "Customer type, as sent"),
            Column(name: "subscription_type", kind: .string, required: false, description: "Subscription type, as sent"),
            Column(name: "terminal_type", kind: .string, required: false, description: "Terminal type, as sent"),
            Column(name: "is_remote", kind: .boolean, required: false, description: "Remote session"),
            Column(name: "num_sessions", kind: .integer, required: false, description: "Sessions"),
            Column(name: "lines_added", kind: .integer, required: false, description: "Lines of code added"),
            Column(name: "lines_removed", kind: .integer, required: false, description: "Lines of code removed"),
            Column(name: "commits", kind: .integer, required: false, description: "Commits created"),
            Column(name: "pull_requests", kind: .integer, required: false, description: "Pull requests created"),
            Column(name: "edit_accepted", kind: .integer, required: false, description: "Edit tool: accepted"),
            Column(name: "edit_rejected", kind: .integer, required: false, description: "Edit tool: rejected"),
            Column(name: "multi_edit_accepted", kind: .integer, required: false, description: "MultiEdit tool: accepted"),
            Column(name: "multi_edit_rejected", kind: .integer, required: false, description: "MultiEdit tool: rejected"),
            Column(name: "write_accepted", kind: .integer, required: false, description: "Write tool: accepted"),
            Column(name: "write_rejected", kind: .integer, required: false, description: "Write tool: rejected"),
            Column(name: "notebook_edit_accepted", kind: .integer, required: false, description: "NotebookEdit tool: accepted"),
            Column(name: "notebook_edit_rejected", kind: .integer, required: false, description: "NotebookEdit tool: rejected"),
            Column(name: "input_tokens", kind: .integer, required: false, description: "Input tokens, summed over models"),
            Column(name: "output_tokens", kind: .integer, required: false, description: "Output tokens, summed over models"),
            Column(name: "cache_read_tokens", kind: .integer, required: false, description: "Cache read tokens, summed over models"),
            Column(name: "cache_creation_tokens", kind: .integer, required: false, description: "Cache creation tokens, summed over models"),
            Column(name: "event_id", kind: .string, required: true, description: "Ledger event (page) the row came from"),
        ],
        description: "Claude Code usage records, one per day, actor, terminal and local/remote (claude-ledger). No money: Claude Code spend is inside claude_costs."
    )

    /// Every exported table, in export order.
    public static let all: [ExportTable] = [.costs, .usageKeys, .claudeCodeProductivity]

    /// The column BigQuery partitions on (day partitioning).
    public static let partitionColumn = "date"
}

/// The BigQuery type of a money column, chosen from the values it must hold.
///
/// NUMERIC holds 29 integer and 9 fractional digits; BIGNUMERIC 38 and 38. The Admin API's
/// cents carry a handful of fractional digits, so NUMERIC fits today; a value that would not fit
/// switches that column to BIGNUMERIC rather than be rounded. Never FLOAT64.
public enum MoneyType: String, Sendable, Hashable, Comparable {
    case numeric = "NUMERIC"
    case bignumeric = "BIGNUMERIC"

    public static func < (lhs: MoneyType, rhs: MoneyType) -> Bool {
        lhs == .numeric && rhs == .bignumeric
    }

    /// The narrowest type that holds `value` exactly (`value` is a canonical decimal string).
    static func narrowest(for value: String) -> MoneyType {
        var digits = Substring(value)
        if digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = parts[0].drop { $0 == "0" }.count
        let fractionDigits = parts.count > 1 ? parts[1].count : 0
        return integerDigits <= 29 && fractionDigits <= 9 ? .numeric : .bignumeric
    }
}
