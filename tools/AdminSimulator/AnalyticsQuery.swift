import CoreValues

/// A validated request to `/v1/organizations/analytics/{usage,cost}` (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api):
/// parameter rules, range rules and filters, before any data is read.
struct AnalyticsQuery {
    enum Endpoint: String { case usage, cost }

    let endpoint: Endpoint
    /// The range the rows cover, `[start, end)`, already aligned (to the bucket width, or
    /// rounded down to the hour without one).
    let start: Int
    let end: Int
    /// Bucket width in seconds; nil aggregates the whole range into one bucket.
    let width: Int?
    /// `group_by[]` in a fixed order, without duplicates; `cost_type`/`token_type` are kept apart.
    let groups: [String]
    let byCostType: Bool
    let byTokenType: Bool
    let limit: Int
    let orderBy: String
    let ascending: Bool
    let excludeDeletedUsers: Bool
    /// Dimension name → accepted values (nil in a set = null on the line).
    let filters: [(String, Set<String?>)]
    /// A filter on a dimension this organization never has: nothing matches.
    let matchesNothing: Bool

    static let firstServableInstant = Day("2026-01-01")!.daysSinceEpoch * 86_400
    static let maxSpan = 31 * 86_400
    static let betaHeader = "analytics-usage-cost-2026-08-24"

    static let usageGroups = [
        "actor", "actor_type", "agent_id", "api_key_id", "claude_tag_category", "claude_tag_user_id",
        "context_window", "deployment_id", "environment_id", "inference_geo", "model", "organization_id",
        "product", "rbac_group_id", "service_tier", "session_id", "slack_channel_id", "speed",
        "user_profile_id", "workspace_id",
    ]
    /// The `group` object's keys, as the SDK's `BetaAnalytics{Usage,Cost}Group` lists them.
    static func groupKeys(_ endpoint: Endpoint) -> [String] {
        endpoint == .usage ? usageGroups : (usageGroups + ["cost_type", "token_type"]).sorted()
    }

    static let products: Set = [
        "chat", "chat_cowork_unified", "claude_code", "claude_console", "claude_design", "claude_in_chrome",
        "claude_tag", "cowork", "managed_agents_api", "message_batches_api", "messages_api", "office_agent",
    ]
    static let actorTypes: Set = AnalyticsActor.Kind.allCases.map(\.rawValue).reduce(into: Set<String>()) { $0.insert($1) }
    /// Enum filters and the dimension each one filters.
    static let enumFilters: [(String, String, Set<String>)] = [
        ("service_tiers[]", "service_tier", Reports.serviceTiers), ("context_windows[]", "context_window", Reports.contextWindows),
        ("inference_geos[]", "inference_geo", Reports.inferenceGeos), ("speeds[]", "speed", Reports.speeds),
        ("products[]", "product", products), ("actor_types[]", "actor_type", actorTypes),
    ]
    static let idFilters: [(String, String)] = [
        ("api_key_ids[]", "api_key_id"), ("workspace_ids[]", "workspace_id"), ("models[]", "model"),
    ]
    /// Filters on dimensions this organization has no data for.
    static let absentFilters = [
        "organization_ids[]", "rbac_group_ids[]", "agent_ids[]", "deployment_ids[]", "environment_ids[]",
        "session_ids[]", "user_profile_ids[]", "slack_channel_ids[]", "claude_tag_user_ids[]",
        "claude_tag_categories[]",
    ]
    static let claudeTagCategories: Set = ["dm", "engaged", "monitoring", "proactive", "scheduled"]

    static func metrics(_ endpoint: Endpoint) -> [String] {
        endpoint == .usage
            ? ["output_tokens", "requests", "time", "total_tokens", "uncached_input_tokens"] : ["amount", "list_amount", "time"]
    }

    /// The first instant `starting_at` may name: 2026-01-01, and no more than 365 days before
    /// the simulated current day's midnight.
    static func earliestStart(today: Day) -> Int { max(firstServableInstant, today.adding(days: -365).daysSinceEpoch * 86_400) }

    static func parse(_ endpoint: Endpoint, _ query: QueryParameters, today: Day, now: Int) throws(APIError) -> AnalyticsQuery {
        let arrays = ["group_by[]", "api_key_ids[]", "workspace_ids[]", "models[]", "actor_ids[]"] + enumFilters.map(\.0) + absentFilters
        try query.requireOnly(
            Set(
                [
                    "starting_at", "ending_at", "time_bucket_width", "limit", "page", "order_by", "order",
                    "exclude_deleted_users",
                ] + arrays))
        let (start, end, width) = try range(query, today: today, now: now)
        let (groups, byCostType, byTokenType) = try groupBy(endpoint, query)
        let limit = try Reports.parseLimit(query, defaultLimit: 20, max: 1_000)
        let orderBy = try query.single("order_by") ?? metrics(endpoint)[endpoint == .usage ? 3 : 0]
        guard metrics(endpoint).contains(orderBy) else {
            throw .invalidRequest("order_by: Input should be " + metrics(endpoint).map { "'\($0)'" }.joined(separator: ", "))
        }
        let order = try query.single("order") ?? "desc"
        guard order == "asc" || order == "desc" else { throw .invalidRequest("order: Input should be 'asc' or 'desc'") }
        var exclude = false
        switch try query.single("exclude_deleted_users") {
        case nil, "false": break
        case "true": exclude = true
        default: throw .invalidRequest("exclude_deleted_users: Input should be a valid boolean")
        }
        if exclude && !groups.contains("actor") {
            throw .invalidRequest("exclude_deleted_users: requires group_by[]=actor")
        }
        let (filters, nothing) = try parseFilters(query)
        return AnalyticsQuery(
            endpoint: endpoint, start: start, end: end, width: width, groups: groups, byCostType: byCostType,
            byTokenType: byTokenType, limit: limit, orderBy: orderBy, ascending: order == "asc",
            excludeDeletedUsers: exclude, filters: filters, matchesNothing: nothing)
    }

    /// `starting_at`, `ending_at` and `time_bucket_width` with their rules (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
    static func range(_ query: QueryParameters, today: Day, now: Int) throws(APIError) -> (Int, Int, Int?) {
        guard let startText = try query.single("starting_at") else { throw .invalidRequest("starting_at: Field required") }
        guard let start = Timestamp.parse(startText) else {
            throw .invalidRequest("starting_at: Input should be a valid RFC 3339 datetime with a time zone")
        }
        guard start >= firstServableInstant else {
            throw .invalidRequest("starting_at: must be no earlier than 2026-01-01T00:00:00Z")
        }
        guard start >= earliestStart(today: today) else { throw .invalidRequest("starting_at: must be within the last 365 days") }
        var width: Int?
        switch try query.single("time_bucket_width") {
        case nil: width = nil
        case "1d": width = 86_400
        case "1h": width = 3_600
        case "1m": width = 60
        case let other?: throw .invalidRequest("time_bucket_width: Input should be '1d', '1h' or '1m', not '\(other)'")
        }
        let end: Int
        if let endText = try query.single("ending_at") {
            guard let e = Timestamp.parse(endText) else {
                throw .invalidRequest("ending_at: Input should be a valid RFC 3339 datetime with a time zone")
            }
            end = e
        } else {
            guard width == nil else { throw .invalidRequest("ending_at: required when time_bucket_width is set") }
            end = min(now, start + maxSpan)
        }
        guard end > start else { throw APIError.invalidDateRange }
        guard end - start <= maxSpan else { throw .invalidRequest("ending_at: the range may span at most 31 days") }
        if width == 60 && end - start > 86_400 {
            throw .invalidRequest("ending_at: with time_bucket_width=1m the range may span at most 24 hours")
        }
        guard let width else {
            let s = Timestamp.floor(start, 3_600), e = Timestamp.floor(end, 3_600)
            return (s, max(e, s + 3_600), nil)
        }
        return (Timestamp.floor(start, width), Timestamp.ceil(end, width), width)
    }

    static func groupBy(_ endpoint: Endpoint, _ query: QueryParameters) throws(APIError) -> ([String], Bool, Bool) {
        var groups: Set<String> = []
        var byCostType = false, byTokenType = false
        let allowed = groupKeys(endpoint)
        for g in query.all("group_by[]") {
            guard allowed.contains(g) else {
                throw .invalidRequest("group_by[]: Input should be one of " + allowed.map { "'\($0)'" }.joined(separator: ", "))
            }
            if g == "cost_type" { byCostType = true } else if g == "token_type" { byTokenType = true } else { groups.insert(g) }
        }
        guard groups.count <= 5 else {
            throw .invalidRequest(
                endpoint == .cost
                    ? "group_by[]: at most 5 dimensions, not counting cost_type and token_type"
                    : "group_by[]: at most 5 dimensions")
        }
        return (usageGroups.filter(groups.contains), byCostType, byTokenType)
    }

    static func parseFilters(_ query: QueryParameters) throws(APIError) -> ([(String, Set<String?>)], Bool) {
        var filters: [(String, Set<String?>)] = []
        for (param, dimension, allowed) in enumFilters {
            let values = query.all(param)
            guard !values.isEmpty else { continue }
            for v in values where !allowed.contains(v) {
                throw .invalidRequest("\(param): Input should be one of " + allowed.sorted().map { "'\($0)'" }.joined(separator: ", "))
            }
            // `not_available` matches lines with no region.
            filters.append((dimension, Set(values.map { $0 == "not_available" ? nil : $0 })))
        }
        for (param, dimension) in idFilters {
            let values = query.all(param)
            guard !values.isEmpty else { continue }
            // An empty entry (`api_key_ids[]=`) also matches usage no key authenticated.
            filters.append((dimension, Set(values.map { $0.isEmpty && dimension == "api_key_id" ? nil : $0 })))
        }
        let actors = query.all("actor_ids[]")
        guard actors.count <= 100 else { throw .invalidRequest("actor_ids[]: List should have at most 100 items") }
        if !actors.isEmpty {
            // An actor id names users, service accounts and keys; `apikey_` matches only usage
            // attributed to the key itself.
            let prefixes = ["user_": "user_actor", "svac_": "service_account_actor", "apikey_": "api_actor"]
            for a in actors where !prefixes.keys.contains(where: { a.hasPrefix($0) }) {
                throw .invalidRequest("actor_ids[]: '\(a)' is not a user_, svac_ or apikey_ id")
            }
            filters.append(("actor", Set(actors.map { a in prefixes.first { a.hasPrefix($0.key) }!.value + ":" + a })))
        }
        var nothing = false
        for param in absentFilters where !query.all(param).isEmpty {
            if param == "claude_tag_categories[]" {
                for v in query.all(param) where !claudeTagCategories.contains(v) {
                    throw .invalidRequest(
                        "\(param): Input should be one of " + claudeTagCategories.sorted().map { "'\($0)'" }.joined(separator: ", "))
                }
            }
            nothing = true
        }
        return (filters, nothing)
    }

    func accepts(_ d: AnalyticsDimensions, time: Int) -> Bool {
        guard !matchesNothing, time >= start, time < end else { return false }
        if excludeDeletedUsers, d.actor?.deleted == true { return false }
        return filters.allSatisfy { $0.1.contains(d.key($0.0)) }
    }

    /// The day numbers whose data can fall in the range.
    var days: ClosedRange<Int> { Timestamp.floor(start, 86_400) / 86_400...Timestamp.floor(end - 1, 86_400) / 86_400 }

    func bucket(of time: Int) -> Int { width.map { start + (time - start) / $0 * $0 } ?? start }
    func bucketEnd(_ bucket: Int) -> Int { width.map { bucket + $0 } ?? end }
}
