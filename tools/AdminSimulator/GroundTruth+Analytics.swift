import CoreValues

/// One row of the documented `claude_costs_by_key`: the analytics cost of a day grouped by
/// `workspace_id`, `api_key_id`, `model`, `service_tier`, `context_window`, `cost_type` and
/// `token_type`, every column as the API sends it.
public struct CostByKeyRow: Sendable, Hashable {
    public let date: Day
    /// Tagged, the default workspace included.
    public let workspaceID: String?
    public let apiKeyID: String?
    public let model: String?
    public let serviceTier: String?
    public let contextWindow: String?
    public let costType: String?
    public let tokenType: String?
    public let currency: String
    public let amountCents: ExactDecimal
    public let listAmountCents: ExactDecimal
    public var amountUSD: ExactDecimal { try! amountCents.dividedByPowerOfTen(2) }
    public var listAmountUSD: ExactDecimal { try! listAmountCents.dividedByPowerOfTen(2) }

    var sortKey: [String] {
        [workspaceID, apiKeyID, model, serviceTier, contextWindow, costType, tokenType].map { $0 ?? "" }
    }
}

/// One row of the documented `claude_usage_by_actor`: the analytics usage of a day grouped by
/// `workspace_id`, `api_key_id`, `model`, `actor` and `product`.
public struct UsageByActorRow: Sendable, Hashable {
    public let date: Day
    public let workspaceID: String?
    public let apiKeyID: String?
    public let model: String?
    public let product: String?
    /// `user_actor`, `service_account_actor`, `federated_actor`, `api_actor`; nil without an actor.
    public let actorType: String?
    /// The documented `actor_id` (see `AnalyticsActor.id`).
    public let actorID: String?
    public let actorEmail: String?
    public let actorName: String?
    public let tokens: TokenCounts
    public let requests: Int

    var sortKey: [String] { [workspaceID, apiKeyID, model, product, actorType, actorID].map { $0 ?? "" } }
}

extension GroundTruth {
    /// `GET /v1/organizations/me`'s `id` and `name`.
    public var organizationID: String { organization.organizationID }
    public var organizationName: String { organization.organizationName }

    /// The day's `claude_costs_by_key` rows, from the organization model. Their sum is the day's
    /// legacy cost total (`totalCostCents(on:)`).
    public func costsByKey(on day: Day) -> [CostByKeyRow] {
        struct Key: Hashable { let ws: String, key: String?, model: String?, tier: String?, window: String?, type: String, token: String? }
        var sums: [Key: (ExactDecimal, ExactDecimal)] = [:]
        for line in organization.analyticsCostLines(on: day) {
            let d = line.dimensions
            let k = Key(
                ws: d.workspaceID, key: d.apiKeyID, model: d.model, tier: d.serviceTier, window: d.contextWindow,
                type: line.costType, token: line.tokenType)
            let s = sums[k] ?? (.zero, .zero)
            sums[k] = (try! s.0.adding(line.amount), try! s.1.adding(line.listAmount))
        }
        return sums.map { k, v in
            CostByKeyRow(
                date: day, workspaceID: k.ws, apiKeyID: k.key, model: k.model, serviceTier: k.tier, contextWindow: k.window,
                costType: k.type, tokenType: k.token, currency: "USD", amountCents: v.0, listAmountCents: v.1)
        }.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
    }

    /// The day's `claude_usage_by_actor` rows, from the organization model. Per API key their
    /// tokens are the legacy usage report's (`tokensByAPIKey`).
    public func usageByActor(on day: Day) -> [UsageByActorRow] {
        struct Key: Hashable { let ws: String, key: String?, model: String?, product: String?, actor: AnalyticsActor? }
        var sums: [Key: (TokenCounts, Int)] = [:]
        for line in organization.analyticsUsageLines(on: day) {
            let d = line.dimensions
            let k = Key(ws: d.workspaceID, key: d.apiKeyID, model: d.model, product: d.product, actor: d.actor)
            var s = sums[k] ?? (TokenCounts(), 0)
            s.0.add(line.tokens)
            s.1 += line.requests
            sums[k] = s
        }
        return sums.map { k, v in
            UsageByActorRow(
                date: day, workspaceID: k.ws, apiKeyID: k.key, model: k.model, product: k.product,
                actorType: k.actor?.kind.rawValue, actorID: k.actor?.id, actorEmail: k.actor?.email,
                actorName: k.actor?.name, tokens: v.0, requests: v.1)
        }.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
    }
}

extension CostByKeyRow {
    /// The row as `GET /_simulator/truth?day=` shows it; names are the documented column names.
    public var json: JSONValue {
        .object([
            ("date", .string(date.description)), ("workspace_id", .optional(workspaceID)), ("api_key_id", .optional(apiKeyID)),
            ("model", .optional(model)), ("service_tier", .optional(serviceTier)), ("context_window", .optional(contextWindow)),
            ("cost_type", .optional(costType)), ("token_type", .optional(tokenType)), ("currency", .string(currency)),
            ("amount_cents", .string(amountCents.description)), ("list_amount_cents", .string(listAmountCents.description)),
            ("amount_usd", .string(amountUSD.description)), ("list_amount_usd", .string(listAmountUSD.description)),
        ])
    }
}

extension UsageByActorRow {
    public var json: JSONValue {
        .object([
            ("date", .string(date.description)), ("workspace_id", .optional(workspaceID)), ("api_key_id", .optional(apiKeyID)),
            ("model", .optional(model)), ("product", .optional(product)), ("actor_type", .optional(actorType)),
            ("actor_id", .optional(actorID)), ("actor_email", .optional(actorEmail)), ("actor_name", .optional(actorName)),
            ("uncached_input_tokens", .int(tokens.uncachedInput)), ("cache_creation_5m_input_tokens", .int(tokens.cacheWrite5m)),
            ("cache_creation_1h_input_tokens", .int(tokens.cacheWrite1h)), ("cache_read_input_tokens", .int(tokens.cacheRead)),
            ("output_tokens", .int(tokens.output)), ("web_search_requests", .int(tokens.webSearchRequests)),
            ("requests", .int(requests)),
        ])
    }
}
