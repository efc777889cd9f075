import CoreValues
import Logging

/// How a simulator behaves: which organization, which clock, which key, which faults.
public struct SimulatorConfiguration: Sendable {
    /// Seed of the organization, the fault schedule and the request ids.
    public var seed: UInt64 = 1
    /// The simulated current UTC day: data exists for `historyDays` days before it; it and later
    /// days are empty buckets.
    public var today: Day
    public var historyDays: Int = 45
    /// The simulated clock, as seconds after `today`'s midnight. Cost buckets are served for
    /// complete days only, and a request without `ending_at` runs up to this instant.
    public var secondsIntoToday: Int = 2 * 3_600
    /// The only admin key accepted, as `x-api-key` or as `Authorization: Bearer` (what the
    /// official SDKs send), on the API and on the `/_simulator` control routes.
    public var adminKey: String = AdminSimulator.defaultAdminKey
    /// The organization `GET /v1/organizations/me` names, also the `organization_id` of the
    /// Claude Code records. nil derives a UUID from the seed, so two seeds are two organizations.
    public var organizationID: String?
    /// nil gives `Simulated Organization <seed>`.
    public var organizationName: String?
    /// false plays an organization without access to the Usage and Cost Analytics API (HIPAA
    /// readiness enabled, https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api): both analytics endpoints answer 400.
    public var analyticsAccess = true
    /// How far the analytics export watermark (`data_refreshed_at`) trails the simulated clock;
    /// the watermark is that instant rounded down to the hour.
    public var analyticsRefreshLagSeconds = 4 * 3_600
    /// An analytics cursor expires (410) when a day of its range was revised after the cursor
    /// was issued, as the reference describes for cursors after a data refresh (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
    public var analyticsCursorsExpireOnRevision = true
    /// At most this many rows (bucket × combination; cost fan-out rows aside) per analytics page,
    /// whatever `limit` asks: a server that cuts pages short, so that a client's `limit=1000`
    /// chains run to several pages on an organization this small. nil serves `limit` rows.
    public var analyticsMaxRowsPerPage: Int?
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; read it back from `AdminSimulator.port`.
    public var port: Int = 0
    public var faults: FaultConfiguration = .init()
    /// Added to every API request before it is answered (benchmarks).
    public var latencyMilliseconds: Int = 0
    /// Late-arriving data without a test asking for it: every `everyRequests` API requests,
    /// revise the `recentDays` days before `today`.
    public var autoRevision: AutoRevision?
    public var logger: Logger = {
        var l = Logger(label: "admin-simulator")
        l.logLevel = .error
        return l
    }()

    public init(seed: UInt64 = 1, today: Day, historyDays: Int = 45) {
        self.seed = seed
        self.today = today
        self.historyDays = historyDays
    }

    public struct AutoRevision: Sendable {
        public var everyRequests: Int
        public var recentDays: Int
        public init(everyRequests: Int, recentDays: Int) {
            self.everyRequests = max(1, everyRequests)
            self.recentDays = max(1, recentDays)
        }
    }
}

/// One kind of injected failure.
public enum FaultKind: String, Sendable, CaseIterable, Hashable, Codable {
    /// 429 `rate_limit_error` with `retry-after` (seconds) and on some requests `retry-after-ms`.
    case rateLimited = "rate_limited"
    /// 500 `api_error`.
    case serverError = "server_error"
    /// 529 `overloaded_error`.
    case overloaded = "overloaded"
    /// A correct response after `FaultConfiguration.slowMilliseconds`.
    case slow = "slow"
    /// The connection is closed without any response.
    case dropConnection = "drop_connection"
    /// A 200 whose JSON body is cut in half (the HTTP framing itself is valid).
    case truncatedBody = "truncated_body"
    /// 410: the analytics cursor has expired and pagination must restart from the first page.
    /// Only a continuation request of an analytics chain (one with `page=`) can draw it; a
    /// scripted one waits in the queue for such a request.
    case cursorExpired = "cursor_expired"

    /// The faults any endpoint can suffer, the default random mix. `cursorExpired` is left out so
    /// that it happens only where a test or `--fault-kinds` asks for it.
    public static let transient: [FaultKind] = [.rateLimited, .serverError, .overloaded, .slow, .dropConnection, .truncatedBody]
}

/// Random faults, decided per request from the seed and the request's sequence number, so a run
/// is reproducible and a retried request is a new draw.
public struct FaultConfiguration: Sendable {
    /// Probability that an API request fails, 0...1. Applies after authentication.
    public var rate: Double = 0
    public var kinds: [FaultKind] = FaultKind.transient
    /// How long a `slow` response waits.
    public var slowMilliseconds: Int = 1_500
    /// The `retry-after` value sent with 429s.
    public var retryAfterSeconds: Int = 1
    /// After this many faults in a row the next request is served normally, so a client with
    /// at least this many retries always gets through.
    public var maxConsecutive: Int = 2
    /// After a 429, API requests that arrive before the announced wait (`retry-after-ms` when
    /// sent, else `retry-after`) get another 429 and count as `earlyRetries`: a client that
    /// ignores the headers keeps failing, as it would against a real rate limit.
    public var enforceRetryAfter: Bool = true

    public init(rate: Double = 0, kinds: [FaultKind] = FaultKind.transient) {
        self.rate = rate
        self.kinds = kinds
    }
}

/// What the simulator has seen, for tests.
public struct SimulatorCounters: Sendable, Equatable {
    /// Every request, control routes included.
    public var requests = 0
    /// Requests to `/v1/...`.
    public var apiRequests = 0
    public var requestsByPath: [String: Int] = [:]
    public var faults: [FaultKind: Int] = [:]
    public var responsesByStatus: [Int: Int] = [:]
    public var revisions = 0
    /// Requests that came back inside a rate-limit hold (see `FaultConfiguration.enforceRetryAfter`).
    public var earlyRetries = 0

    public var totalFaults: Int { faults.values.reduce(0, +) }
}
