import CoreValues

/// The projection tables, in the fixed order every build, fingerprint and diff uses.
///
/// This module is the one description of the tables (docs/TABLES.md, rendered from it):
/// `projections.sqlite` is created from it, `export files` and `export bigquery` read and type
/// the columns by it, `audit` checks its natural keys, reports find the tables by it.
/// `TableSchemasTests`, `SchemaAgreementTests` (projections), the export's schema-file test and
/// the audit tests fail when any of them disagrees with it.
///
/// Adding a table is one change here: a case (its raw value is the table name; append it, since
/// the order is part of the fingerprint), its stream in `stream` and `init(stream:)`, and a
/// `TableSchema` in `schema` with columns, natural key and indexes. The projections then need a
/// decoder that yields rows in this column order (`Projections`, `PageDecoder`); the exports,
/// audit and the reports' table checks pick the table up from `allCases`. Adding a column to an
/// existing table changes its rows and therefore the fingerprint: bump `Projections.version`.
public enum ProjectionTable: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case costs = "claude_costs"
    case usage = "claude_usage_keys"
    case claudeCode = "claude_code_productivity"
    case costsByKey = "claude_costs_by_key"
    case usageByActor = "claude_usage_by_actor"

    public var description: String { rawValue }

    /// The ledger stream the table is projected from.
    public var stream: ReportStream {
        switch self {
        case .costs: return .cost
        case .usage: return .usage
        case .claudeCode: return .claudeCode
        case .costsByKey: return .analyticsCost
        case .usageByActor: return .analyticsUsage
        }
    }

    public init?(stream: ReportStream) {
        switch stream {
        case .cost: self = .costs
        case .usage: self = .usage
        case .claudeCode: self = .claudeCode
        case .analyticsCost: self = .costsByKey
        case .analyticsUsage: self = .usageByActor
        case .apiKeys, .workspaces, .organization: return nil
        }
    }

    public var schema: TableSchema {
        switch self {
        case .costs: return ProjectionTable.costsSchema
        case .usage: return ProjectionTable.usageSchema
        case .claudeCode: return ProjectionTable.claudeCodeSchema
        case .costsByKey: return ProjectionTable.costsByKeySchema
        case .usageByActor: return ProjectionTable.usageByActorSchema
        }
    }

    static let eventColumn = ColumnSchema("event_id", .text, "The ledger event (raw API page) the row was projected from")

    /// Every table's `organization_id`: the `id` of the newest `organization` event in the ledger
    /// (NULL when it has none), so several organizations' rows can share one dataset. Added after
    /// the SPEC columns (last) in the tables that did not have it.
    static let organizationColumn = ColumnSchema(
        "organization_id", .text, nullable: true,
        "Organization id: the newest organization event in the ledger (GET /v1/organizations/me)")

    static let costsSchema = TableSchema(
        name: "claude_costs",
        description: "Anthropic Admin API cost report rows, one per cost result of the authoritative fetch of each day (claude-ledger).",
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
            organizationColumn,
        ],
        naturalKey: [
            "workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
            "context_window", "inference_geo", "currency",
        ],
        indexes: [])

    static let usageSchema = TableSchema(
        name: "claude_usage_keys",
        description: "Anthropic Admin API usage report rows, one per usage result of the authoritative fetch of each day (claude-ledger).",
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
            organizationColumn,
        ],
        naturalKey: ["api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo"],
        indexes: [])

    static let claudeCodeSchema = TableSchema(
        name: "claude_code_productivity",
        description:
            "Claude Code usage records, one per day, actor, terminal and local/remote (claude-ledger). No money: Claude Code spend is inside claude_costs.",
        columns: [
            ColumnSchema("date", .date, "The record's UTC day"),
            ColumnSchema("actor_type", .text, nullable: true, "user_actor or api_actor, as sent"),
            ColumnSchema("actor", .text, nullable: true, "Email address (user_actor) or API key name (api_actor)"),
            ColumnSchema(
                "organization_id", .text, nullable: true,
                "Organization id: the newest organization event in the ledger, like every table (audit checks the record's own field against it)"
            ),
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
        naturalKey: [
            "actor_type", "actor", "organization_id", "customer_type", "subscription_type",
            "terminal_type", "is_remote",
        ],
        indexes: [])

    static let provisionalColumn = ColumnSchema(
        "provisional", .boolean,
        "1 when the day ends after the page's data_refreshed_at (or it had none): not final when fetched")

    static let costsByKeySchema = TableSchema(
        name: "claude_costs_by_key",
        description:
            "Anthropic Usage and Cost Analytics API cost rows (billed cost per API key), one per result row of the authoritative fetch of each day (claude-ledger).",
        columns: [
            ColumnSchema("date", .date, "The row's UTC day (starting_at)"),
            ColumnSchema("workspace_id", .text, nullable: true, "group.workspace_id as sent (the default workspace is a tagged id)"),
            ColumnSchema("api_key_id", .text, nullable: true, "group.api_key_id; NULL for cost not authenticated by an API key"),
            ColumnSchema("model", .text, nullable: true, "group.model as sent"),
            ColumnSchema("service_tier", .text, nullable: true, "group.service_tier as sent"),
            ColumnSchema("context_window", .text, nullable: true, "group.context_window as sent"),
            ColumnSchema(
                "cost_type", .text, nullable: true, "group.cost_type: tokens, web_search, code_execution, session_usage, … as sent"),
            ColumnSchema("token_type", .text, nullable: true, "group.token_type as sent; NULL for non-token costs"),
            ColumnSchema("currency", .text, "cost.currency as sent (USD)"),
            ColumnSchema("amount_cents", .money, "cost.amount: post-discount, a decimal string in cents, exact as sent"),
            ColumnSchema("list_amount_cents", .money, "cost.list_amount: list price, a decimal string in cents, exact as sent"),
            ColumnSchema("amount_usd", .money, "amount_cents / 100, exact, never rounded"),
            ColumnSchema("list_amount_usd", .money, "list_amount_cents / 100, exact, never rounded"),
            provisionalColumn,
            eventColumn,
            organizationColumn,
        ],
        naturalKey: ["workspace_id", "api_key_id", "model", "service_tier", "context_window", "cost_type", "token_type"],
        indexes: [])

    static let usageByActorSchema = TableSchema(
        name: "claude_usage_by_actor",
        description:
            "Anthropic Usage and Cost Analytics API usage rows (who used what through which product), one per result row of the authoritative fetch of each day (claude-ledger).",
        columns: [
            ColumnSchema("date", .date, "The row's UTC day (starting_at)"),
            ColumnSchema("workspace_id", .text, nullable: true, "group.workspace_id as sent (the default workspace is a tagged id)"),
            ColumnSchema("api_key_id", .text, nullable: true, "group.api_key_id; NULL for usage not authenticated by an API key"),
            ColumnSchema("model", .text, nullable: true, "group.model as sent"),
            ColumnSchema("product", .text, nullable: true, "group.product as sent"),
            ColumnSchema("actor_type", .text, nullable: true, "user_actor, service_account_actor, federated_actor or api_actor, as sent"),
            ColumnSchema(
                "actor_id", .text, nullable: true,
                "user_id, service_account_id or api_key_id by type; a federated actor's subject, else <provider type>:<provider id>"),
            ColumnSchema("actor_email", .text, nullable: true, "A user actor's email_address"),
            ColumnSchema("actor_name", .text, nullable: true, "A user actor's name"),
            ColumnSchema("uncached_input_tokens", .integer, "usage.uncached_input_tokens"),
            ColumnSchema("cache_creation_5m_input_tokens", .integer, "usage.cache_creation.ephemeral_5m_input_tokens"),
            ColumnSchema("cache_creation_1h_input_tokens", .integer, "usage.cache_creation.ephemeral_1h_input_tokens"),
            ColumnSchema("cache_read_input_tokens", .integer, "usage.cache_read_input_tokens"),
            ColumnSchema("output_tokens", .integer, "usage.output_tokens"),
            ColumnSchema("web_search_requests", .integer, "usage.server_tool_use.web_search_requests"),
            ColumnSchema("requests", .integer, nullable: true, "usage.requests (code execution counts execution spans)"),
            provisionalColumn,
            eventColumn,
            organizationColumn,
        ],
        naturalKey: ["workspace_id", "api_key_id", "model", "product", "actor_type", "actor_id"],
        indexes: [])
}
