import CoreValues

/// The report endpoints as pure functions of the organization, the simulated clock and the
/// query: validation, bucketing, `group_by[]` aggregation and cursor pagination.
enum Reports {
    static let usageDimensions = [
        "api_key_id", "workspace_id", "model", "service_tier", "context_window",
        "inference_geo", "speed", "account_id", "service_account_id",
    ]
    static let serviceTiers: Set = ["standard", "batch", "priority", "priority_on_demand", "flex", "flex_discount"]
    static let contextWindows: Set = ["0-200k", "200k-1M"]
    static let inferenceGeos: Set = ["global", "us", "not_available"]
    static let speeds: Set = ["standard", "fast"]

    /// `limit` default and maximum per bucket width (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages).
    static func bucketLimits(_ width: String) -> (seconds: Int, defaultLimit: Int, maxLimit: Int)? {
        switch width {
        case "1d": return (86_400, 7, 31)
        case "1h": return (3_600, 24, 168)
        case "1m": return (60, 60, 1_440)
        default: return nil
        }
    }

    static func parseLimit(_ query: QueryParameters, defaultLimit: Int, max: Int) throws(APIError) -> Int {
        guard let text = try query.single("limit") else { return defaultLimit }
        guard let n = Int(text), n >= 1, n <= max else {
            throw .invalidRequest("limit: Input should be between 1 and \(max)")
        }
        return n
    }

    struct BucketPage {
        let starts: [Int]
        let width: Int
        let nextStart: Int?
    }

    /// Resolves the bucket window and the page of buckets this request covers.
    static func bucketPage(_ query: QueryParameters, endpoint: String, width: Int, limit: Int, isCost: Bool, now: Int) throws(APIError)
        -> BucketPage
    {
        guard let startText = try query.single("starting_at") else { throw .invalidRequest("starting_at: Field required") }
        guard let startRaw = Timestamp.parse(startText) else {
            throw .invalidRequest("starting_at: Input should be a valid RFC 3339 datetime")
        }
        var endRaw: Int?
        if let endText = try query.single("ending_at") {
            guard let e = Timestamp.parse(endText) else { throw .invalidRequest("ending_at: Input should be a valid RFC 3339 datetime") }
            guard e > startRaw else { throw APIError.invalidDateRange }
            endRaw = e
        }
        let start = Timestamp.floor(startRaw, width)
        let end: Int
        if isCost {
            // Only complete days: a bucket is served once its day has ended (https://platform.claude.com/docs/en/manage-claude/usage-cost-api).
            end = Timestamp.floor(min(endRaw ?? now, now), width)
        } else if let endRaw {
            // "Time buckets that end before this RFC 3339 timestamp will be returned" (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages).
            end = Timestamp.floor(endRaw, width)
        } else {
            // Without `ending_at`, up to and including the bucket that contains now (undocumented;
            // the simulator's choice, so today shows up as an empty bucket).
            end = Timestamp.ceil(now, width)
        }
        guard end > start else { throw APIError.invalidDateRange }

        var first = start
        if let token = try query.single("page") {
            let fields = try Cursor.read(token, fieldCount: 2)
            guard fields[1] == query.fingerprint(endpoint) else {
                throw .invalidRequest("page: page token does not match the other request parameters")
            }
            guard let next = Timestamp.parse(fields[0]), next > start, next < end, (next - start) % width == 0 else {
                throw .invalidRequest("page: invalid page token")
            }
            first = next
        }
        let count = min(limit, (end - first) / width)
        let starts = (0..<count).map { first + $0 * width }
        let after = first + count * width
        return BucketPage(starts: starts, width: width, nextStart: after < end ? after : nil)
    }

    static func envelope(_ data: [JSONValue], next: String?) -> JSONValue {
        .object([("data", .array(data)), ("has_more", .bool(next != nil)), ("next_page", .optional(next))])
    }

    static func bucket(_ start: Int, _ width: Int, _ results: [JSONValue]) -> JSONValue {
        .object([
            ("starting_at", .string(Timestamp.format(start))), ("ending_at", .string(Timestamp.format(start + width))),
            ("results", .array(results)),
        ])
    }

    // MARK: usage_report/messages

    static func usage(_ org: SimulatedOrganization, query: QueryParameters, now: Int, fastBeta: Bool) throws(APIError) -> JSONValue {
        try query.requireOnly([
            "starting_at", "ending_at", "bucket_width", "limit", "page", "group_by[]", "api_key_ids[]",
            "workspace_ids[]", "models[]", "service_tiers[]", "context_window[]", "inference_geos[]",
            "speeds[]", "account_ids[]", "service_account_ids[]",
        ])
        let widthName = try query.single("bucket_width") ?? "1d"
        guard let limits = bucketLimits(widthName) else { throw .invalidRequest("bucket_width: Input should be '1d', '1h' or '1m'") }
        let limit = try parseLimit(query, defaultLimit: limits.defaultLimit, max: limits.maxLimit)

        var groups: [String] = []
        for g in query.all("group_by[]") {
            guard usageDimensions.contains(g) else { throw .invalidRequest("group_by[]: unknown value '\(g)'") }
            if g == "speed" && !fastBeta { throw .invalidRequest("group_by[]: 'speed' requires the fast-mode-2026-02-01 beta") }
            if !groups.contains(g) { groups.append(g) }
        }
        func enumFilter(_ name: String, _ allowed: Set<String>) throws(APIError) -> Set<String>? {
            let values = query.all(name)
            for v in values where !allowed.contains(v) { throw .invalidRequest("\(name): invalid value '\(v)'") }
            return values.isEmpty ? nil : Set(values)
        }
        func idFilter(_ name: String) -> Set<String>? {
            let values = query.all(name)
            return values.isEmpty ? nil : Set(values)
        }
        let tiers = try enumFilter("service_tiers[]", serviceTiers)
        let windows = try enumFilter("context_window[]", contextWindows)
        let geos = try enumFilter("inference_geos[]", inferenceGeos)
        let speedFilter = try enumFilter("speeds[]", speeds)
        if speedFilter != nil && !fastBeta { throw .invalidRequest("speeds[]: requires the fast-mode-2026-02-01 beta") }
        let keyFilter = idFilter("api_key_ids[]"), wsFilter = idFilter("workspace_ids[]"), modelFilter = idFilter("models[]")
        let accountFilter = idFilter("account_ids[]"), serviceAccountFilter = idFilter("service_account_ids[]")

        let page = try bucketPage(query, endpoint: "usage", width: limits.seconds, limit: limit, isCost: false, now: now)
        var perBucket: [Int: [UsageAtom]] = [:]
        if let firstStart = page.starts.first, let lastStart = page.starts.last {
            let pageEnd = lastStart + page.width
            let firstDay = Timestamp.floor(firstStart, 86_400) / 86_400
            let lastDay = Timestamp.floor(pageEnd - 1, 86_400) / 86_400
            for d in firstDay...lastDay {
                for atom in org.usageAtoms(on: Day(daysSinceEpoch: d)) {
                    let t = d * 86_400 + atom.minuteOfDay * 60
                    guard t >= firstStart, t < pageEnd else { continue }
                    if let keyFilter, !keyFilter.contains(atom.apiKeyID ?? "") { continue }
                    if let wsFilter, !wsFilter.contains(atom.workspaceID ?? org.defaultWorkspace.id) { continue }
                    if let modelFilter, !modelFilter.contains(atom.model) { continue }
                    if let tiers, !tiers.contains(atom.serviceTier) { continue }
                    if let windows, !windows.contains(atom.contextWindow) { continue }
                    if let geos, !geos.contains(atom.inferenceGeo) { continue }
                    if let speedFilter, !speedFilter.contains("standard") { continue }
                    if accountFilter != nil || serviceAccountFilter != nil { continue }  // no OAuth / OIDC usage here
                    perBucket[firstStart + (t - firstStart) / page.width * page.width, default: []].append(atom)
                }
            }
        }
        let data = page.starts.map { start in
            bucket(start, page.width, usageResults(perBucket[start] ?? [], groups: groups, fastBeta: fastBeta))
        }
        return envelope(data, next: page.nextStart.map { Cursor.make([Timestamp.format($0), query.fingerprint("usage")]) })
    }

    static func dimension(_ name: String, of atom: UsageAtom) -> String? {
        switch name {
        case "api_key_id": return atom.apiKeyID
        case "workspace_id": return atom.workspaceID
        case "model": return atom.model
        case "service_tier": return atom.serviceTier
        case "context_window": return atom.contextWindow
        case "inference_geo": return atom.inferenceGeo
        case "speed": return "standard"
        default: return nil  // account_id, service_account_id: API-key traffic only
        }
    }

    static func usageResults(_ atoms: [UsageAtom], groups: [String], fastBeta: Bool) -> [JSONValue] {
        var sums: [[String?]: TokenCounts] = [:]
        for atom in atoms {
            let key = usageDimensions.map { groups.contains($0) ? dimension($0, of: atom) : nil }
            sums[key, default: TokenCounts()].add(atom.tokens)
        }
        return sums.keys.sorted { $0.map { $0 ?? "" }.lexicographicallyPrecedes($1.map { $0 ?? "" }) }.map { key in
            let t = sums[key]!
            var fields: [(String, JSONValue)] = [
                ("uncached_input_tokens", .int(t.uncachedInput)),
                (
                    "cache_creation",
                    .object([
                        ("ephemeral_1h_input_tokens", .int(t.cacheWrite1h)),
                        ("ephemeral_5m_input_tokens", .int(t.cacheWrite5m)),
                    ])
                ),
                ("cache_read_input_tokens", .int(t.cacheRead)),
                ("output_tokens", .int(t.output)),
                ("server_tool_use", .object([("web_search_requests", .int(t.webSearchRequests))])),
            ]
            for (i, name) in usageDimensions.enumerated() where name != "speed" || fastBeta {
                fields.append((name, .optional(key[i])))
            }
            return .object(fields)
        }
    }

    // MARK: cost_report

    static func cost(_ org: SimulatedOrganization, query: QueryParameters, now: Int, fastBeta: Bool) throws(APIError) -> JSONValue {
        try query.requireOnly(["starting_at", "ending_at", "bucket_width", "limit", "page", "group_by[]"])
        let widthName = try query.single("bucket_width") ?? "1d"
        guard widthName == "1d" else { throw .invalidRequest("bucket_width: Input should be '1d'") }
        let limit = try parseLimit(query, defaultLimit: 7, max: 31)
        var byWorkspace = false, byDescription = false
        for g in query.all("group_by[]") {
            switch g {
            case "workspace_id": byWorkspace = true
            case "description": byDescription = true
            default: throw .invalidRequest("group_by[]: unknown value '\(g)'")
            }
        }
        let page = try bucketPage(query, endpoint: "cost", width: 86_400, limit: limit, isCost: true, now: now)
        let data = page.starts.map { start in
            let rows = org.costRows(on: Day(daysSinceEpoch: start / 86_400))
            var sums: [[String?]: ExactDecimal] = [:]
            for r in rows {
                var key: [String?] = [byWorkspace ? r.workspaceID : nil]
                key +=
                    byDescription
                    ? [r.description, r.costType, r.model, r.tokenType, r.serviceTier, r.contextWindow, r.inferenceGeo]
                    : [nil, nil, nil, nil, nil, nil, nil]
                sums[key] = try! (sums[key] ?? .zero).adding(r.amountCents)
            }
            let results: [JSONValue] = sums.keys.sorted {
                $0.map { $0 ?? "" }.lexicographicallyPrecedes($1.map { $0 ?? "" })
            }.map { key in
                var fields: [(String, JSONValue)] = [("amount", .string(sums[key]!.description)), ("currency", .string("USD"))]
                for (i, name) in [
                    "workspace_id", "description", "cost_type", "model", "token_type", "service_tier",
                    "context_window", "inference_geo",
                ].enumerated() {
                    fields.append((name, .optional(key[i])))
                }
                if fastBeta { fields.append(("speed", byDescription && key[3] != nil ? .string("standard") : .null)) }
                return .object(fields)
            }
            return bucket(start, 86_400, results)
        }
        return envelope(data, next: page.nextStart.map { Cursor.make([Timestamp.format($0), query.fingerprint("cost")]) })
    }

    // MARK: usage_report/claude_code

    static func claudeCode(_ org: SimulatedOrganization, query: QueryParameters) throws(APIError) -> JSONValue {
        try query.requireOnly(["starting_at", "limit", "page"])
        guard let dayText = try query.single("starting_at") else { throw .invalidRequest("starting_at: Field required") }
        guard let day = Day(dayText) else {
            throw .invalidRequest("starting_at: String should match pattern '^\\d{4}-\\d{2}-\\d{2}$'")
        }
        let limit = try parseLimit(query, defaultLimit: 20, max: 1_000)
        var offset = 0
        var revision = org.revision(of: day)
        if let token = try query.single("page") {
            let f = try Cursor.read(token, fieldCount: 3)
            guard f[2] == query.fingerprint("claude_code") else {
                throw .invalidRequest("page: page token does not match the other request parameters")
            }
            guard let o = Int(f[0]), let r = Int(f[1]), o > 0, r >= 0, r <= revision else {
                throw .invalidRequest("page: invalid page token")
            }
            offset = o
            revision = r
        }
        let records = org.claudeCodeRecords(on: day, revision: revision)
        guard offset <= records.count else { throw .invalidRequest("page: invalid page token") }
        let end = min(records.count, offset + limit)
        let next = end < records.count ? Cursor.make([String(end), String(revision), query.fingerprint("claude_code")]) : nil
        return envelope(records[offset..<end].map(\.json), next: next)
    }

    // MARK: api_keys, workspaces

    static func idPage(_ ids: [String], objects: [JSONValue], query: QueryParameters) throws(APIError) -> JSONValue {
        let limit = try parseLimit(query, defaultLimit: 20, max: 1_000)
        let after = try query.single("after_id"), before = try query.single("before_id")
        if after != nil && before != nil { throw .invalidRequest("after_id and before_id cannot both be set") }
        var range = 0..<min(limit, ids.count)
        var hasMore = ids.count > limit
        if let after {
            guard let i = ids.firstIndex(of: after) else { throw .invalidRequest("after_id: object not found") }
            range = (i + 1)..<min(ids.count, i + 1 + limit)
            hasMore = range.upperBound < ids.count
        } else if let before {
            guard let i = ids.firstIndex(of: before) else { throw .invalidRequest("before_id: object not found") }
            range = max(0, i - limit)..<i
            hasMore = range.lowerBound > 0
        }
        return .object([
            ("data", .array(Array(objects[range]))), ("has_more", .bool(hasMore)),
            ("first_id", .optional(range.isEmpty ? nil : ids[range.lowerBound])),
            ("last_id", .optional(range.isEmpty ? nil : ids[range.upperBound - 1])),
        ])
    }

    static func apiKeys(_ org: SimulatedOrganization, query: QueryParameters) throws(APIError) -> JSONValue {
        try query.requireOnly(["after_id", "before_id", "limit", "status", "workspace_id", "created_by_user_id"])
        var keys = org.apiKeys.sorted { ($1.createdOn, $0.id) < ($0.createdOn, $1.id) }  // newest first
        if let status = try query.single("status") {
            guard ["active", "inactive", "archived", "expired"].contains(status) else { throw .invalidRequest("status: invalid value") }
            keys = keys.filter { $0.status == status }
        }
        if let ws = try query.single("workspace_id") {
            keys = keys.filter { ($0.workspaceID ?? org.defaultWorkspace.id) == ws }
        }
        if let user = try query.single("created_by_user_id") { keys = keys.filter { $0.createdByUserID == user } }
        let objects: [JSONValue] = keys.map { k in
            .object([
                ("id", .string(k.id)), ("type", .string("api_key")), ("name", .string(k.name)),
                ("workspace_id", .optional(k.workspaceID)),
                ("created_at", .string(k.createdOn.description + "T09:12:44.118532Z")),
                ("created_by", .object([("id", .string(k.createdByUserID)), ("type", .string("user"))])),
                ("partial_key_hint", .string(k.partialKeyHint)), ("status", .string(k.status)),
                ("expires_at", .null),
            ])
        }
        return try idPage(keys.map(\.id), objects: objects, query: query)
    }

    static func workspaces(_ org: SimulatedOrganization, query: QueryParameters) throws(APIError) -> JSONValue {
        try query.requireOnly(["after_id", "before_id", "limit", "include_archived", "include_default", "ids[]"])
        func flag(_ name: String) throws(APIError) -> Bool {
            switch try query.single(name) {
            case nil, "false": return false
            case "true": return true
            default: throw .invalidRequest("\(name): Input should be a valid boolean")
            }
        }
        var list = try flag("include_default") ? [org.defaultWorkspace] + org.workspaces : org.workspaces
        if !(try flag("include_archived")) { list = list.filter { $0.archivedOn == nil } }
        let ids = query.all("ids[]")
        if !ids.isEmpty { list = list.filter { ids.contains($0.id) } }
        let objects: [JSONValue] = list.map { w in
            .object([
                ("id", .string(w.id)), ("type", .string("workspace")), ("name", .string(w.name)),
                ("created_at", .string(w.createdAt)),
                ("archived_at", .optional(w.archivedOn.map { $0.description + "T00:00:00Z" })),
                ("display_color", .string(w.displayColor)),
                (
                    "data_residency",
                    .object([
                        ("allowed_inference_geos", .string("unrestricted")),
                        ("default_inference_geo", .string(w.defaultInferenceGeo)),
                        ("workspace_geo", .string("us")),
                    ])
                ),
            ])
        }
        return try idPage(list.map(\.id), objects: objects, query: query)
    }
}
