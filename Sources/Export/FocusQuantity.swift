import CoreValues

/// The quantity rule of `export focus`: where a billed cost row's `PricingQuantity` comes from.
///
/// FOCUS 1.2 requires `PricingQuantity` on every Usage row, and neither cost table carries a
/// count, so the count is joined from `claude_usage_keys` (docs/REFERENCE.md "FOCUS export"):
///
/// - **Token rows** (`cost_type` `tokens`, a known `token_type`): the sum, over API keys, of the
///   usage column for that token type on the same day and dimensions. A cost report row is
///   matched on workspace, model, service tier, context window and inference geo; an analytics
///   row on API key, workspace, model, service tier and context window (it has no geo, so the
///   geos are summed). `PricingQuantity` = tokens ÷ 1,000,000 in `1000000 Tokens`;
///   `ConsumedQuantity` = tokens in `Tokens`.
/// - **Web search rows** (`cost_type` `web_search`): the day's `web_search_requests` of the same
///   workspace (and API key for analytics rows), leaving out Priority Tier usage, which the cost
///   endpoint does not bill. `PricingQuantity` = searches ÷ 1,000 in `1000 Requests`.
/// - **Everything else**, and any row whose join finds no usage or a zero count (code execution,
///   session time, a cost the usage report does not explain): `1` `Days`, marked
///   `x_QuantitySource` = `not_reported`. A quantity is never invented silently.
///
/// Workspaces are compared after folding the default workspace to NULL: the legacy reports
/// send it as NULL, the analytics API as a tagged id that the workspaces list lacks.
struct FocusQuantity: Sendable, Equatable {
    enum Source: String, Sendable {
        case usageReport = "usage_report"
        case notReported = "not_reported"
    }

    var pricingQuantity: ExactDecimal
    var pricingUnit: String
    var consumedQuantity: ExactDecimal
    var consumedUnit: String
    var source: Source

    static let notReported = FocusQuantity(
        pricingQuantity: ExactDecimal(1), pricingUnit: "Days",
        consumedQuantity: ExactDecimal(1), consumedUnit: "Days", source: .notReported)

    /// Sums of `claude_usage_keys` counts, indexed for the two joins.
    struct Index: Sendable {
        private var tokens: [TokenKey: [String: Int64]] = [:]
        private var searches: [SearchKey: Int64] = [:]

        struct TokenKey: Hashable {
            var date: Day
            var apiKeyID: String??
            var workspaceID: String?
            var model: String?
            var serviceTier: String?
            var contextWindow: String?
            var inferenceGeo: String??
        }

        struct SearchKey: Hashable {
            var date: Day
            var apiKeyID: String??
            var workspaceID: String?
        }

        /// Usage rows come from the legacy report, whose default workspace is already NULL.
        init(usage: [FocusSource.Usage]) {
            for row in usage {
                let workspace = row.workspaceID
                // Each row is counted under the key of each source's join: with and without key and geo.
                let byDimensions = TokenKey(
                    date: row.date, apiKeyID: .none, workspaceID: workspace, model: row.model,
                    serviceTier: row.serviceTier, contextWindow: row.contextWindow,
                    inferenceGeo: .some(row.inferenceGeo))
                let byKey = TokenKey(
                    date: row.date, apiKeyID: .some(row.apiKeyID), workspaceID: workspace, model: row.model,
                    serviceTier: row.serviceTier, contextWindow: row.contextWindow, inferenceGeo: .none)
                for key in [byDimensions, byKey] {
                    tokens[key, default: [:]].merge(row.tokens) { $0 + $1 }
                }
                if !(row.serviceTier ?? "").hasPrefix("priority") {
                    searches[SearchKey(date: row.date, apiKeyID: .none, workspaceID: workspace), default: 0] += row.webSearchRequests
                    searches[SearchKey(date: row.date, apiKeyID: .some(row.apiKeyID), workspaceID: workspace), default: 0] +=
                        row.webSearchRequests
                }
            }
        }

        func tokens(for cost: FocusSource.Cost, workspace: String?) -> Int64? {
            guard let tokenType = cost.tokenType else { return nil }
            let analytics = cost.origin == .analyticsCost
            let key = TokenKey(
                date: cost.date, apiKeyID: analytics ? .some(cost.apiKeyID) : .none, workspaceID: workspace,
                model: cost.model, serviceTier: cost.serviceTier, contextWindow: cost.contextWindow,
                inferenceGeo: analytics ? .none : .some(cost.inferenceGeo))
            return tokens[key]?[tokenType]
        }

        func searches(for cost: FocusSource.Cost, workspace: String?) -> Int64? {
            let analytics = cost.origin == .analyticsCost
            return searches[SearchKey(date: cost.date, apiKeyID: analytics ? .some(cost.apiKeyID) : .none, workspaceID: workspace)]
        }
    }

    /// The quantity of one cost row; `workspace` is its workspace with the default folded to nil.
    static func of(_ cost: FocusSource.Cost, workspace: String?, index: Index) throws -> FocusQuantity {
        switch cost.costType {
        case "tokens":
            guard let count = index.tokens(for: cost, workspace: workspace), count > 0 else { return .notReported }
            return FocusQuantity(
                pricingQuantity: try ExactDecimal(Int(count)).dividedByPowerOfTen(6),
                pricingUnit: "1000000 Tokens", consumedQuantity: ExactDecimal(Int(count)),
                consumedUnit: "Tokens", source: .usageReport)
        case "web_search":
            guard let count = index.searches(for: cost, workspace: workspace), count > 0 else { return .notReported }
            return FocusQuantity(
                pricingQuantity: try ExactDecimal(Int(count)).dividedByPowerOfTen(3),
                pricingUnit: "1000 Requests", consumedQuantity: ExactDecimal(Int(count)),
                consumedUnit: "Requests", source: .usageReport)
        default:
            return .notReported
        }
    }
}
