import CoreValues

/// Everything needed to fetch one pagination chain: one stream, one window, fixed parameters.
///
/// The factories carry exactly the parameters `docs/REFERENCE.md` ("What sync asks for") fixes. Every
/// page of the chain repeats all of them and adds only the cursor (`page=` or `after_id=`), as the
/// official pagination example does (reference §6).
///
/// API documentation relied on:
/// - cost report: https://platform.claude.com/docs/en/api/admin/cost_report
/// - messages usage report: https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages
/// - Claude Code usage report: https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_claude_code
/// - Usage and Cost Analytics API (beta): https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api
///   (wire format: https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api)
/// - API keys and workspaces lists: https://platform.claude.com/docs/en/api/organization/api_keys/list.md,
///   https://platform.claude.com/docs/en/api/admin/workspaces/list
public struct ChainRequest: Hashable, Sendable, CustomStringConvertible {
    /// How a chain continues from one page to the next.
    public enum CursorStyle: String, Hashable, Sendable {
        /// Report endpoints: the response's `next_page` goes back as `page=`.
        case page
        /// List endpoints (api_keys, workspaces): the response's `last_id` goes back as `after_id=`.
        case afterID
    }

    public let stream: ReportStream
    public let method: String
    public let path: String
    /// The parameters every page repeats (no cursor).
    public let parameters: [QueryItem]
    public let cursorStyle: CursorStyle
    /// The UTC days the chain covers, `nil` for the name lists.
    public let window: Range<Day>?
    /// Headers every page of this chain sends besides the client's own (for example an
    /// `anthropic-beta` header that only some endpoints take). Never credentials.
    public let headers: [Header]

    /// One extra request header.
    public struct Header: Hashable, Sendable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Headers the client sets itself; a chain cannot replace them.
    static let clientHeaders: Set<String> = ["x-api-key", "authorization", "anthropic-version", "user-agent", "accept", "host"]

    public init(
        stream: ReportStream, parameters: [QueryItem], cursorStyle: CursorStyle, window: Range<Day>?,
        headers: [Header] = []
    ) {
        precondition(
            headers.allSatisfy { !ChainRequest.clientHeaders.contains($0.name.lowercased()) },
            "a chain cannot set the client's own headers")
        self.stream = stream
        self.method = "GET"
        self.path = stream.path
        self.parameters = parameters
        self.cursorStyle = cursorStyle
        self.window = window
        self.headers = headers
    }

    /// Pages a row-paged chain (Claude Code, the name lists, the analytics streams) may
    /// take before it is broken: 10,000 pages of up to 1000 records each is far beyond any real
    /// organization's day, and a cursor loop still ends in bounded time.
    public static let rowPagedMaxPages = 10_000
    /// Pages a bucket-paged chain may take beyond one per day of its window. With `limit=31` a
    /// window of N days needs ceil(N/31) pages; a server may legitimately cut pages shorter (down
    /// to one bucket each, so N pages), and the margin admits a trailing empty page or a day split
    /// across two pages. Anything longer is a cursor that does not advance through the window.
    public static let bucketPageMargin = 3

    /// The most pages this chain can need; past it the chain is broken (docs/REFERENCE.md: "Every chain is
    /// bounded"). Bucket-paged streams: the window's day count plus `bucketPageMargin`;
    /// the organization: its one object; row-paged streams: `rowPagedMaxPages`.
    public var maxPages: Int {
        switch stream {
        case .cost, .usage:
            guard let window else { return ChainRequest.rowPagedMaxPages }
            return (window.upperBound - window.lowerBound) + ChainRequest.bucketPageMargin
        case .organization:
            return 1
        case .claudeCode, .apiKeys, .workspaces, .analyticsCost, .analyticsUsage:
            return ChainRequest.rowPagedMaxPages
        }
    }

    /// The page-size parameter for cost and usage: 31 daily buckets, the documented maximum.
    public static let reportBucketLimit = 31
    /// The page-size parameter for Claude Code records and the name lists: the documented maximum.
    public static let recordLimit = 1000

    /// The dimensions the usage report is grouped by.
    public static let usageGroupBy = ["api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo"]
    /// The dimensions the cost report is grouped by.
    public static let costGroupBy = ["workspace_id", "description"]

    /// `cost_report` for the days `[days.lowerBound, days.upperBound)`: daily buckets grouped by
    /// workspace and description, `starting_at`/`ending_at` at UTC midnight.
    public static func cost(days: Range<Day>) -> ChainRequest {
        precondition(!days.isEmpty, "a cost window needs at least one day")
        return dailyReport(.cost, days: days, groupBy: costGroupBy)
    }

    /// `usage_report/messages` for the days `[days.lowerBound, days.upperBound)`: daily buckets
    /// grouped by key, workspace, model, tier, context window and inference geo.
    public static func usage(days: Range<Day>) -> ChainRequest {
        precondition(!days.isEmpty, "a usage window needs at least one day")
        return dailyReport(.usage, days: days, groupBy: usageGroupBy)
    }

    /// The request both legacy reports share: daily buckets from UTC midnight to UTC midnight,
    /// the most buckets a page may hold, then the `group_by[]` dimensions in order.
    private static func dailyReport(_ stream: ReportStream, days: Range<Day>, groupBy: [String]) -> ChainRequest {
        let items =
            [
                QueryItem("starting_at", days.lowerBound.midnightRFC3339),
                QueryItem("ending_at", days.upperBound.midnightRFC3339),
                QueryItem("bucket_width", "1d"),
                QueryItem("limit", String(reportBucketLimit)),
            ] + groupBy.map { QueryItem("group_by[]", $0) }
        return ChainRequest(stream: stream, parameters: items, cursorStyle: .page, window: days)
    }

    /// `usage_report/claude_code` for one UTC day. The endpoint takes a bare `YYYY-MM-DD` and
    /// covers exactly that day (reference §4.1), so a longer window is one chain per day.
    public static func claudeCode(day: Day) -> ChainRequest {
        ChainRequest(
            stream: .claudeCode,
            parameters: [QueryItem("starting_at", day.description), QueryItem("limit", String(recordLimit))],
            cursorStyle: .page,
            window: day..<day.adding(days: 1)
        )
    }

    /// One Claude Code chain per day of the window, oldest first.
    public static func claudeCode(days: Range<Day>) -> [ChainRequest] {
        Day.range(from: days.lowerBound, to: days.upperBound).map { claudeCode(day: $0) }
    }

    // MARK: The Usage and Cost Analytics API (beta)

    /// The beta header the analytics endpoints require on every request (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api),
    /// and that no other endpoint is sent.
    public static let analyticsBeta = Header("anthropic-beta", "analytics-usage-cost-2026-08-24")
    /// The dimensions `analytics/cost` is grouped by (docs/REFERENCE.md "What sync asks for"); `cost_type` and
    /// `token_type` fan each row out per component and do not count toward the five-dimension cap.
    public static let analyticsCostGroupBy = [
        "workspace_id", "api_key_id", "model", "service_tier", "context_window",
        "cost_type", "token_type",
    ]
    /// The dimensions `analytics/usage` is grouped by (docs/REFERENCE.md "What sync asks for").
    public static let analyticsUsageGroupBy = ["workspace_id", "api_key_id", "model", "actor", "product"]
    /// Rows per page: the documented maximum (1-1000; cost fan-out rows do not count toward it).
    public static let analyticsRowLimit = 1000
    /// The longest range one analytics request may span (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
    public static let analyticsMaxDays = 31
    /// The first day the analytics API serves ("no earlier than 2026-01-01T00:00:00Z").
    public static let analyticsFirstDay = Day(year: 2026, month: 1, day: 1)!
    /// How far back the analytics API serves: `starting_at` "must be within the last 365 days".
    public static let analyticsMaxAgeDays = 365
    /// How often an analytics chain is started again from its first page after an expired
    /// cursor (HTTP 410) before its window fails (docs/REFERENCE.md "Bounds for every chain").
    public static let maxRestartsAfterExpiredCursor = 3

    /// `analytics/cost` for the days `[days.lowerBound, days.upperBound)`, at most 31 of them:
    /// daily buckets in time order, grouped by the documented cost dimensions.
    public static func analyticsCost(days: Range<Day>) -> ChainRequest {
        analytics(.analyticsCost, groupBy: analyticsCostGroupBy, days: days)
    }

    /// `analytics/usage` for the days `[days.lowerBound, days.upperBound)`, at most 31 of them:
    /// daily buckets in time order, grouped by the documented usage dimensions.
    public static func analyticsUsage(days: Range<Day>) -> ChainRequest {
        analytics(.analyticsUsage, groupBy: analyticsUsageGroupBy, days: days)
    }

    /// `order_by=time&order=asc` keeps the rows in bucket order (the default is the highest
    /// amount first across the whole range); `time_bucket_width` makes `ending_at` required.
    private static func analytics(_ stream: ReportStream, groupBy: [String], days: Range<Day>) -> ChainRequest {
        precondition(!days.isEmpty, "an analytics window needs at least one day")
        precondition(days.upperBound - days.lowerBound <= analyticsMaxDays, "an analytics window spans at most 31 days")
        var items = [
            QueryItem("starting_at", days.lowerBound.midnightRFC3339),
            QueryItem("ending_at", days.upperBound.midnightRFC3339),
            QueryItem("time_bucket_width", "1d"),
            QueryItem("order_by", "time"),
            QueryItem("order", "asc"),
            QueryItem("limit", String(analyticsRowLimit)),
        ]
        items += groupBy.map { QueryItem("group_by[]", $0) }
        return ChainRequest(stream: stream, parameters: items, cursorStyle: .page, window: days, headers: [analyticsBeta])
    }

    /// The smallest valid `analytics/cost` request, for one servable day: no grouping, one row.
    /// Sync sends it once, only after a first analytics page was refused with a 400, to tell an
    /// organization without access (this request is refused too) from a refused window.
    public static func analyticsAccessCheck(day: Day) -> ChainRequest {
        ChainRequest(
            stream: .analyticsCost,
            parameters: [
                QueryItem("starting_at", day.midnightRFC3339),
                QueryItem("ending_at", day.adding(days: 1).midnightRFC3339), QueryItem("limit", "1"),
            ],
            cursorStyle: .page, window: day..<day.adding(days: 1), headers: [analyticsBeta])
    }

    /// The analytics chains that cover `days`: one per run of at most 31 days, oldest first.
    static func analyticsChains(_ stream: ReportStream, days: Range<Day>) -> [ChainRequest] {
        stride(from: 0, to: days.upperBound - days.lowerBound, by: analyticsMaxDays).map { offset in
            let start = days.lowerBound.adding(days: offset)
            let end = min(days.upperBound, start.adding(days: analyticsMaxDays))
            return stream == .analyticsCost ? analyticsCost(days: start..<end) : analyticsUsage(days: start..<end)
        }
    }

    /// The API key list (for names), paged by `after_id`.
    public static let apiKeys = ChainRequest(
        stream: .apiKeys, parameters: [QueryItem("limit", String(recordLimit))], cursorStyle: .afterID, window: nil)

    /// The workspace list (for names), paged by `after_id`.
    public static let workspaces = workspaces(includeArchived: false)

    /// The workspace list with `include_archived=true` when asked: the API leaves archived
    /// workspaces out by default (reference §5.2), yet old cost and usage rows still name them.
    public static func workspaces(includeArchived: Bool) -> ChainRequest {
        var items = [QueryItem("limit", String(recordLimit))]
        if includeArchived { items.append(QueryItem("include_archived", "true")) }
        return ChainRequest(stream: .workspaces, parameters: items, cursorStyle: .afterID, window: nil)
    }

    /// `GET /v1/organizations/me`: one object, one page, no cursor.
    public static func organization() -> ChainRequest {
        ChainRequest(stream: .organization, parameters: [], cursorStyle: .page, window: nil)
    }

    /// The chains that cover a window of one stream: one for cost and usage, one per day for
    /// Claude Code, one per 31 days for the analytics streams, the whole list for the name
    /// streams (which ignore the window).
    public static func chains(for stream: ReportStream, days: Range<Day>) -> [ChainRequest] {
        switch stream {
        case .cost: return days.isEmpty ? [] : [cost(days: days)]
        case .usage: return days.isEmpty ? [] : [usage(days: days)]
        case .claudeCode: return claudeCode(days: days)
        case .apiKeys: return [apiKeys]
        case .workspaces: return [workspaces]
        case .organization: return [organization()]
        case .analyticsCost, .analyticsUsage: return analyticsChains(stream, days: days)
        }
    }

    /// The name of the cursor parameter this chain sends from its second page on.
    public var cursorParameter: String {
        switch cursorStyle {
        case .page: return "page"
        case .afterID: return "after_id"
        }
    }

    /// The request for page `index` (0-based), with `cursor` from the previous page, or none for the first.
    public func page(_ index: Int, cursor: String?) -> PageRequest {
        var items = parameters
        if let cursor { items.append(QueryItem(cursorParameter, cursor)) }
        return PageRequest(
            stream: stream, index: index, method: method, path: path, items: items, cursor: cursor, headers: headers)
    }

    /// The first page's request.
    public var firstPage: PageRequest { page(0, cursor: nil) }

    public var description: String {
        if let window {
            return "\(stream) \(window.lowerBound)..<\(window.upperBound)"
        }
        return stream.description
    }
}

/// One concrete page request: the chain's parameters plus this page's cursor.
public struct PageRequest: Hashable, Sendable, CustomStringConvertible {
    public let stream: ReportStream
    /// 0-based position in the chain.
    public let index: Int
    public let method: String
    public let path: String
    public let items: [QueryItem]
    /// The cursor sent with this page (`page=` or `after_id=` value), nil on the first page.
    public let cursor: String?
    /// The chain's extra headers (see `ChainRequest.headers`).
    public let headers: [ChainRequest.Header]

    public init(
        stream: ReportStream, index: Int, method: String, path: String, items: [QueryItem], cursor: String?,
        headers: [ChainRequest.Header] = []
    ) {
        self.stream = stream
        self.index = index
        self.method = method
        self.path = path
        self.items = items
        self.cursor = cursor
        self.headers = headers
    }

    /// The canonical sorted, percent-encoded query string (see `QueryItem.canonicalQuery`): what
    /// is sent and what the ledger records.
    public var query: String { QueryItem.canonicalQuery(items) }

    /// `path?query`, the request target.
    public var target: String {
        let q = query
        return q.isEmpty ? path : path + "?" + q
    }

    public var description: String { "\(method) \(target)" }
}
