/// The Admin API collections the ledger records, one pagination style each.
public enum ReportStream: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// `GET /v1/organizations/cost_report`: daily buckets, cost rows with a cents `amount`.
    case cost = "cost_report"
    /// `GET /v1/organizations/usage_report/messages`: daily buckets, token counts.
    case usage = "usage_messages"
    /// `GET /v1/organizations/usage_report/claude_code`: one UTC day per chain, records.
    case claudeCode = "claude_code"
    /// `GET /v1/organizations/api_keys`: names for API key ids.
    case apiKeys = "api_keys"
    /// `GET /v1/organizations/workspaces`: names for workspace ids.
    case workspaces = "workspaces"
    /// `GET /v1/organizations/me`: the organization the admin key belongs to (one object, no
    /// pagination). Its `id` is the `organization_id` of every projected row.
    case organization = "organization"
    /// `GET /v1/organizations/analytics/cost` (beta): billed cost per API key, row-paged.
    case analyticsCost = "analytics_cost"
    /// `GET /v1/organizations/analytics/usage` (beta): usage per actor and product, row-paged.
    case analyticsUsage = "analytics_usage"

    public var description: String { rawValue }

    /// The request path on the Admin API.
    public var path: String {
        switch self {
        case .cost: return "/v1/organizations/cost_report"
        case .usage: return "/v1/organizations/usage_report/messages"
        case .claudeCode: return "/v1/organizations/usage_report/claude_code"
        case .apiKeys: return "/v1/organizations/api_keys"
        case .workspaces: return "/v1/organizations/workspaces"
        case .organization: return "/v1/organizations/me"
        case .analyticsCost: return "/v1/organizations/analytics/cost"
        case .analyticsUsage: return "/v1/organizations/analytics/usage"
        }
    }

    /// The legacy report streams, whose pages carry dated report data (the others are name lists).
    public static let reports: [ReportStream] = [.cost, .usage, .claudeCode]

    /// The successor Usage and Cost Analytics API's streams (beta), also dated.
    public static let analytics: [ReportStream] = [.analyticsCost, .analyticsUsage]

    /// Every dated stream `sync` plans windows for, in the order it fetches them: the legacy
    /// reports first, then the analytics API. `sync --streams` chooses among these.
    public static let synced: [ReportStream] = reports + analytics

    /// True for the analytics API's streams.
    public var isAnalytics: Bool { self == .analyticsCost || self == .analyticsUsage }

    /// The name `sync --streams` documents for the stream (`cost`, `analytics-usage`, …); nil
    /// for the name lists and the organization, which are not chosen that way.
    public var userName: String? {
        switch self {
        case .cost: return "cost"
        case .usage: return "usage"
        case .claudeCode: return "claude-code"
        case .analyticsCost: return "analytics-cost"
        case .analyticsUsage: return "analytics-usage"
        case .apiKeys, .workspaces, .organization: return nil
        }
    }

    /// Accepts the stream's raw name and the short names users type (`cost`, `usage`, `claude-code`).
    public init?(userName: String) {
        switch userName.lowercased() {
        case "cost", "costs", "cost_report", "cost-report": self = .cost
        case "usage", "messages", "usage_messages", "usage_report", "usage-messages": self = .usage
        case "claude_code", "claude-code", "claudecode", "code": self = .claudeCode
        case "api_keys", "api-keys", "keys": self = .apiKeys
        case "workspaces": self = .workspaces
        case "organization", "org": self = .organization
        case "analytics-cost", "analytics_cost": self = .analyticsCost
        case "analytics-usage", "analytics_usage": self = .analyticsUsage
        default: return nil
        }
    }
}
