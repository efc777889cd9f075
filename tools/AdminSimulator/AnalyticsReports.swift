import CoreValues

/// The Usage and Cost Analytics endpoints (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api) as pure functions of the
/// organization, the simulated clock and the query: one row per bucket and combination with
/// data (no empty ones), ranked across the whole result, row-paged with cursors bound to their
/// parameters and to the data they were cut from.
enum AnalyticsReports {
    struct Clock {
        let today: Day
        /// Seconds since the epoch.
        let now: Int
        let refreshLagSeconds: Int
        let expireCursorsOnRevision: Bool
        /// `SimulatorConfiguration.analyticsMaxRowsPerPage`.
        var maxRowsPerPage: Int? = nil

        /// The rows one page of `q` holds: its `limit`, or fewer where the server cuts pages short.
        func pageSize(_ q: AnalyticsQuery) -> Int { min(q.limit, max(1, maxRowsPerPage ?? q.limit)) }

        /// The export watermark: `now` minus the lag, rounded down to the hour.
        var refreshedAt: Int { Timestamp.floor(now - refreshLagSeconds, 3_600) }
    }

    /// One row before rendering: a bucket and a combination of the grouped dimensions.
    struct Entry {
        let bucket: Int
        let key: [String?]
        /// Any line of the combination: the grouped dimensions are the same on all of them.
        let sample: AnalyticsDimensions
        /// The `order_by` metric, and the default metric that breaks ties inside a bucket.
        let metric: ExactDecimal
        let defaultMetric: ExactDecimal
        let render: () -> [JSONValue]
    }

    /// The 410 a cursor gets when its data was refreshed after it was issued.
    static let cursorExpired = APIError(
        status: 410, type: "invalid_request_error",
        message: "page: the cursor has expired because the data was refreshed; restart pagination from the first page")

    static func usage(_ org: SimulatedOrganization, query raw: QueryParameters, clock: Clock) throws(APIError) -> JSONValue {
        let q = try AnalyticsQuery.parse(.usage, raw, today: clock.today, now: clock.now)
        let offset = try pageOffset(org, q, raw, clock: clock)
        struct Sum { var tokens = TokenCounts(); var requests = 0; var sample: AnalyticsDimensions }
        var sums: [Key: Sum] = [:]
        for day in q.days {
            for line in org.analyticsUsageLines(on: Day(daysSinceEpoch: day)) where q.accepts(line.dimensions, time: line.time) {
                let key = Key(bucket: q.bucket(of: line.time), values: q.groups.map { line.dimensions.key($0) })
                sums[key, default: Sum(sample: line.dimensions)].tokens.add(line.tokens)
                sums[key]!.requests += line.requests
            }
        }
        let entries = sums.map { key, sum in
            let t = sum.tokens
            let metric: Int
            switch q.orderBy {
            case "output_tokens": metric = t.output
            case "requests": metric = sum.requests
            case "uncached_input_tokens": metric = t.uncachedInput
            default: metric = t.total
            }
            return Entry(
                bucket: key.bucket, key: key.values, sample: sum.sample, metric: ExactDecimal(metric),
                defaultMetric: ExactDecimal(t.total)
            ) {
                [row(q, bucket: key.bucket, sample: sum.sample, fanOut: nil, metrics: ("usage", usageMetrics(t, requests: sum.requests)))]
            }
        }
        return page(q, entries, offset: offset, org: org, raw: raw, clock: clock)
    }

    static func cost(_ org: SimulatedOrganization, query raw: QueryParameters, clock: Clock) throws(APIError) -> JSONValue {
        let q = try AnalyticsQuery.parse(.cost, raw, today: clock.today, now: clock.now)
        let offset = try pageOffset(org, q, raw, clock: clock)
        struct Money { var amount = ExactDecimal.zero; var list = ExactDecimal.zero }
        struct Sum { var total = Money(); var requests = 0; var fanOut: [[String?]: Money] = [:]; var sample: AnalyticsDimensions }
        var sums: [Key: Sum] = [:]
        for day in q.days {
            for line in org.analyticsCostLines(on: Day(daysSinceEpoch: day)) where q.accepts(line.dimensions, time: line.time) {
                let key = Key(bucket: q.bucket(of: line.time), values: q.groups.map { line.dimensions.key($0) })
                var sum = sums[key] ?? Sum(sample: line.dimensions)
                sum.total.amount = try! sum.total.amount.adding(line.amount)
                sum.total.list = try! sum.total.list.adding(line.listAmount)
                sum.requests += line.requests
                if q.byCostType || q.byTokenType {
                    let fan = fanOutKey(q, costType: line.costType, tokenType: line.tokenType)
                    var m = sum.fanOut[fan] ?? Money()
                    m.amount = try! m.amount.adding(line.amount)
                    m.list = try! m.list.adding(line.listAmount)
                    sum.fanOut[fan] = m
                }
                sums[key] = sum
            }
        }
        let entries = sums.map { key, sum in
            Entry(
                bucket: key.bucket, key: key.values, sample: sum.sample,
                metric: q.orderBy == "list_amount" ? sum.total.list : sum.total.amount, defaultMetric: sum.total.amount
            ) {
                guard q.byCostType || q.byTokenType else {
                    return [
                        row(
                            q, bucket: key.bucket, sample: sum.sample, fanOut: nil,
                            metrics: ("cost", costMetrics(sum.total.amount, sum.total.list, requests: sum.requests)))
                    ]
                }
                // Fan-out rows: biggest component first; `requests` is null on them.
                let parts = sum.fanOut.sorted { a, b in
                    a.value.amount != b.value.amount
                        ? a.value.amount > b.value.amount
                        : a.key.map { $0 ?? "" }.lexicographicallyPrecedes(b.key.map { $0 ?? "" })
                }
                return parts.map { part in
                    row(
                        q, bucket: key.bucket, sample: sum.sample, fanOut: (part.key[0], part.key[1]),
                        metrics: ("cost", costMetrics(part.value.amount, part.value.list, requests: nil)))
                }
            }
        }
        return page(q, entries, offset: offset, org: org, raw: raw, clock: clock)
    }

    /// The `(cost_type, token_type)` of a fan-out row: grouping by `token_type` alone splits
    /// token cost per type (each `cost_type: "tokens"`) and leaves the other components together.
    static func fanOutKey(_ q: AnalyticsQuery, costType: String, tokenType: String?) -> [String?] {
        if q.byTokenType, let tokenType { return ["tokens", tokenType] }
        return [q.byCostType ? costType : nil, nil]
    }

    struct Key: Hashable {
        let bucket: Int
        let values: [String?]
    }

    static func usageMetrics(_ t: TokenCounts, requests: Int) -> JSONValue {
        .object([
            ("uncached_input_tokens", .int(t.uncachedInput)),
            (
                "cache_creation",
                .object([
                    ("ephemeral_1h_input_tokens", .int(t.cacheWrite1h)),
                    ("ephemeral_5m_input_tokens", .int(t.cacheWrite5m)),
                ])
            ),
            ("cache_read_input_tokens", .int(t.cacheRead)), ("output_tokens", .int(t.output)),
            ("server_tool_use", .object([("web_search_requests", .int(t.webSearchRequests))])),
            ("requests", .int(requests)), ("total_tokens", .int(t.total)),
        ])
    }

    static func costMetrics(_ amount: ExactDecimal, _ list: ExactDecimal, requests: Int?) -> JSONValue {
        .object([
            ("amount", .string(amount.description)), ("list_amount", .string(list.description)),
            ("currency", .string("USD")), ("requests", requests.map(JSONValue.int) ?? .null),
        ])
    }

    /// One wire row: bucket bounds, every `group` key (null unless grouped), the metrics.
    static func row(
        _ q: AnalyticsQuery, bucket: Int, sample: AnalyticsDimensions, fanOut: (String?, String?)?,
        metrics: (String, JSONValue)
    ) -> JSONValue {
        let group: [(String, JSONValue)] = AnalyticsQuery.groupKeys(q.endpoint).map { name in
            switch name {
            case "cost_type": return (name, .optional(fanOut?.0))
            case "token_type": return (name, .optional(fanOut?.1))
            case "actor" where q.groups.contains(name): return (name, sample.actor?.json ?? .null)
            default: return (name, q.groups.contains(name) ? .optional(sample.key(name)) : .null)
            }
        }
        return .object([
            ("starting_at", .string(Timestamp.format(bucket))), ("ending_at", .string(Timestamp.format(q.bucketEnd(bucket)))),
            ("group", .object(group)), metrics,
        ])
    }

    /// Sorts every row of the result, cuts the page and wraps it in the envelope.
    static func page(
        _ q: AnalyticsQuery, _ entries: [Entry], offset: Int, org: SimulatedOrganization, raw: QueryParameters,
        clock: Clock
    ) -> JSONValue {
        func tie(_ a: Entry, _ b: Entry) -> Bool {
            a.bucket != b.bucket ? a.bucket < b.bucket : a.key.map { $0 ?? "" }.lexicographicallyPrecedes(b.key.map { $0 ?? "" })
        }
        let sorted: [Entry]
        if q.orderBy == "time" && q.width != nil {
            // By bucket in the `order` direction, inside a bucket by the default metric, highest first.
            sorted = entries.sorted { a, b in
                if a.bucket != b.bucket { return q.ascending ? a.bucket < b.bucket : a.bucket > b.bucket }
                if a.defaultMetric != b.defaultMetric { return a.defaultMetric > b.defaultMetric }
                return tie(a, b)
            }
        } else {
            sorted = entries.sorted { a, b in
                if a.metric != b.metric { return q.ascending ? a.metric < b.metric : a.metric > b.metric }
                return tie(a, b)
            }
        }
        let size = clock.pageSize(q)
        let slice = sorted[min(offset, sorted.count)..<min(sorted.count, offset + size)]
        let next =
            offset + size < sorted.count
            ? Cursor.make([String(offset + size), dataVersion(org, q), raw.fingerprint("analytics_" + q.endpoint.rawValue)]) : nil
        let refreshed = clock.refreshedAt
        return .object([
            ("data", .array(slice.flatMap { $0.render() })), ("has_more", .bool(next != nil)),
            ("next_page", .optional(next)),
            // Null when no export yet covers any part of the range (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
            ("data_refreshed_at", q.start < refreshed ? .string(Timestamp.format(refreshed)) : .null),
        ])
    }

    /// The row offset a `page` cursor points at; 0 without one.
    static func pageOffset(_ org: SimulatedOrganization, _ q: AnalyticsQuery, _ raw: QueryParameters, clock: Clock) throws(APIError) -> Int
    {
        guard let token = try raw.single("page") else { return 0 }
        let f = try Cursor.read(token, fieldCount: 3)
        guard f[2] == raw.fingerprint("analytics_" + q.endpoint.rawValue) else {
            throw .invalidRequest("page: page token does not match the other request parameters")
        }
        guard let offset = Int(f[0]), offset > 0, offset % clock.pageSize(q) == 0 else { throw .invalidRequest("page: invalid page token") }
        if clock.expireCursorsOnRevision && f[1] != dataVersion(org, q) { throw cursorExpired }
        return offset
    }

    /// A digest of the revisions of the days the range touches: it changes when any of them is revised.
    static func dataVersion(_ org: SimulatedOrganization, _ q: AnalyticsQuery) -> String {
        var h = StableHash(0xA7A)
        for day in q.days { h.mix(UInt64(org.revision(of: Day(daysSinceEpoch: day)))) }
        return String(h.value, radix: 16)
    }
}
