import CoreValues
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Turns one HTTP request into a response: auth, headers, faults, routing.
struct RequestHandler: Sendable {
    let state: SimulatorState

    struct DroppedConnection: Error {}

    let rateLimitError = APIError(
        status: 429, type: "rate_limit_error",
        message: "This request would exceed the rate limit for your organization. Please retry later.")

    func respond(_ request: Request, channel: any Channel) async throws -> Response {
        let config = state.configuration
        let exchange = Exchange(request, state: state)
        let path = exchange.path
        let query = QueryParameters(rawQuery: request.uri.query)

        if exchange.isAPI && config.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(config.latencyMilliseconds))
        }
        // The admin key as `x-api-key`, or as a bearer token, which is what the official SDKs send.
        guard exchange.header("x-api-key") == config.adminKey || exchange.header("authorization") == "Bearer " + config.adminKey else {
            return exchange.fail(.authentication)
        }

        if path.hasPrefix("/_simulator/") {
            do {
                let (body, type) = try control(path: path, method: request.method, query: query)
                return exchange.finish(200, body, contentType: type)
            } catch let e as APIError {
                return exchange.fail(e)
            }
        }
        let fastBeta: Bool
        switch checkHeaders(exchange) {
        case .failure(let error): return exchange.fail(error)
        case .success(let fast): fastBeta = fast
        }

        if let remaining = state.earlyRetry() {
            // The client came back before the wait it was given: still limited.
            return exchange.fail(
                rateLimitError,
                extra: [
                    ("retry-after", String((remaining + 999) / 1_000)),
                    ("retry-after-ms", String(remaining)),
                ])
        }
        let canExpireCursor = Self.analyticsPaths[path] != nil && query.all("page").count == 1
        if let response = try await injectFault(into: exchange, canExpireCursor: canExpireCursor, channel: channel) {
            return response
        }

        let result: JSONValue
        do {
            result = try route(path, query: query, fastBeta: fastBeta)
        } catch {
            return exchange.fail(error)
        }
        return exchange.finish(200, result.serialized(), truncated: exchange.fault == .truncatedBody)
    }

    /// The checks of an API request before any fault or routing: a GET under `/v1/`, a known
    /// `anthropic-version`, and for the analytics endpoints their beta header and the
    /// organization's access. Returns whether the fast-mode beta was sent.
    func checkHeaders(_ exchange: Exchange) -> Result<Bool, APIError> {
        guard exchange.isAPI, exchange.request.method == .get else { return .failure(.notFound(exchange.path)) }
        guard let version = exchange.header("anthropic-version") else {
            return .failure(.invalidRequest("anthropic-version: header is required"))
        }
        guard Self.versions.contains(version) else {
            return .failure(.invalidRequest("anthropic-version: \(version) is not a valid version"))
        }
        let betas = (exchange.header("anthropic-beta") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if Self.analyticsPaths[exchange.path] != nil {
            guard betas.contains(AnalyticsQuery.betaHeader) else {
                return .failure(
                    .invalidRequest("anthropic-beta: this endpoint is in beta; send the \(AnalyticsQuery.betaHeader) beta header"))
            }
            guard state.configuration.analyticsAccess else { return .failure(Self.noAnalyticsAccess) }
        }
        return .success(betas.contains("fast-mode-2026-02-01"))
    }

    /// Draws this request's fault (recorded on `exchange`) and applies it: the response that
    /// replaces the real one, nil when the request goes on to routing (no fault, a slow answer,
    /// or a body to truncate later). A dropped connection closes the channel and throws.
    func injectFault(into exchange: Exchange, canExpireCursor: Bool, channel: any Channel) async throws -> Response? {
        let config = state.configuration
        let n = exchange.sequence
        exchange.fault = state.fault(for: n, canExpireCursor: canExpireCursor)
        if let fault = exchange.fault {
            config.logger.debug(
                "injected fault",
                metadata: [
                    "simulator.fault": "\(fault.rawValue)",
                    "simulator.request": "\(n)", "simulator.path": "\(exchange.path)",
                ])
        }
        switch exchange.fault {
        case .rateLimited?:
            var extra = [("retry-after", String(config.faults.retryAfterSeconds))]
            var rng = SplitMix64(seed: config.seed, label: "retry-after-ms", n)
            var waitMilliseconds = config.faults.retryAfterSeconds * 1_000
            if rng.chance(50) {
                waitMilliseconds = rng.int(20...200)
                extra.append(("retry-after-ms", String(waitMilliseconds)))
            }
            state.holdRateLimit(milliseconds: waitMilliseconds)
            return exchange.fail(rateLimitError, extra: extra)
        case .serverError?:
            return exchange.fail(APIError(status: 500, type: "api_error", message: "Internal server error"))
        case .overloaded?:
            return exchange.fail(APIError(status: 529, type: "overloaded_error", message: "Overloaded"))
        case .dropConnection?:
            exchange.log(0)
            try? await channel.close()
            throw DroppedConnection()
        case .slow?:
            try await Task.sleep(for: .milliseconds(config.faults.slowMilliseconds))
            return nil
        case .cursorExpired?:
            return exchange.fail(AnalyticsReports.cursorExpired)
        case .truncatedBody?, nil:
            return nil
        }
    }

    /// The API endpoint behind `path` on the current organization; 404 for an unknown path.
    func route(_ path: String, query: QueryParameters, fastBeta: Bool) throws(APIError) -> JSONValue {
        let config = state.configuration
        let org = state.organization
        let now = org.today.daysSinceEpoch * 86_400 + config.secondsIntoToday
        let clock = AnalyticsReports.Clock(
            today: org.today, now: now, refreshLagSeconds: config.analyticsRefreshLagSeconds,
            expireCursorsOnRevision: config.analyticsCursorsExpireOnRevision,
            maxRowsPerPage: config.analyticsMaxRowsPerPage)
        switch path {
        case "/v1/organizations/me":
            try query.requireOnly([])
            return .object([
                ("id", .string(org.organizationID)), ("name", .string(org.organizationName)),
                ("type", .string("organization")),
            ])
        case "/v1/organizations/analytics/cost": return try AnalyticsReports.cost(org, query: query, clock: clock)
        case "/v1/organizations/analytics/usage": return try AnalyticsReports.usage(org, query: query, clock: clock)
        case "/v1/organizations/cost_report": return try Reports.cost(org, query: query, now: now, fastBeta: fastBeta)
        case "/v1/organizations/usage_report/messages": return try Reports.usage(org, query: query, now: now, fastBeta: fastBeta)
        case "/v1/organizations/usage_report/claude_code": return try Reports.claudeCode(org, query: query)
        case "/v1/organizations/api_keys": return try Reports.apiKeys(org, query: query)
        case "/v1/organizations/workspaces": return try Reports.workspaces(org, query: query)
        default: throw .notFound(path)
        }
    }

    /// `anthropic-version` values accepted: the Admin API examples' and the SDK 2.15.0 default
    /// (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
    static let versions: Set = ["2023-06-01", "2023-01-01", "2026-10-21"]

    static let analyticsPaths: [String: AnalyticsQuery.Endpoint] = [
        "/v1/organizations/analytics/cost": .cost, "/v1/organizations/analytics/usage": .usage,
    ]

    /// What an organization without access to the analytics API gets (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api: HIPAA
    /// readiness "their API requests return a 400 error"; the wording is the simulator's).
    static let noAnalyticsAccess = APIError.invalidRequest(
        "The Usage and Cost Analytics API is not available to this organization (HIPAA readiness is enabled).")

    /// `/_simulator/...`: revisions, ground truth, counters and scripted faults for tests and for
    /// driving the out-of-process executable.
    func control(path: String, method: HTTPRequest.Method, query: QueryParameters) throws -> (String, String) {
        func day(_ name: String) throws -> Day {
            guard let text = try query.single(name), let d = Day(text) else {
                throw APIError.invalidRequest("\(name): expected YYYY-MM-DD")
            }
            return d
        }
        switch (method, path) {
        case (.post, "/_simulator/revise"):
            var days: [Day] = []
            if let last = try query.single("last") {
                guard let n = Int(last), (1...36_500).contains(n) else { throw APIError.invalidRequest("last: expected 1...36500") }
                let today = state.organization.today
                days = (1...n).map { today.adding(days: -$0) }
            } else {
                days = try query.all("day").map { text throws -> Day in
                    guard let d = Day(text) else { throw APIError.invalidRequest("day: expected YYYY-MM-DD") }
                    return d
                }
            }
            guard !days.isEmpty else { throw APIError.invalidRequest("give day=YYYY-MM-DD (repeatable) or last=N") }
            state.revise(days)
            let org = state.organization
            return (
                JSONValue.object([
                    (
                        "revised",
                        .array(
                            days.map {
                                .object([
                                    ("date", .string($0.description)),
                                    ("revision", .int(org.revision(of: $0))),
                                ])
                            })
                    )
                ])
                .serialized(), "application/json"
            )
        case (.post, "/_simulator/advance"):
            if let n = try query.single("days") {
                guard let days = Int(n), (0...36_500).contains(days) else { throw APIError.invalidRequest("days: expected 0...36500") }
                state.advance(to: state.organization.today.adding(days: days))
            } else {
                let target = try day("today")
                guard target >= state.organization.today else { throw APIError.invalidRequest("today: the clock only moves forward") }
                state.advance(to: target)
            }
            return (JSONValue.object([("today", .string(state.organization.today.description))]).serialized(), "application/json")
        case (.get, "/_simulator/truth"):
            let truth = GroundTruth(organization: state.organization)
            if try query.single("day") != nil {
                return (truth.day(try day("day")).json.serialized(), "application/json")
            }
            let from = try day("from"), to = try day("to")
            let days = Day.range(from: from, to: to).map { d -> JSONValue in
                let t = truth.day(d)
                return .object([
                    ("date", .string(d.description)), ("revision", .int(t.revision)),
                    ("total_cost_cents", .string(t.totalCostCents.description)),
                    ("total_cost_usd", .string(t.totalCostUSD.description)),
                ])
            }
            return (
                JSONValue.object([
                    ("days", .array(days)),
                    ("total_cost_cents", .string(truth.totalCostCents(from: from, to: to).description)),
                ])
                .serialized(), "application/json"
            )
        case (.get, "/_simulator/organization"):
            let org = state.organization
            return (
                JSONValue.object([
                    ("id", .string(org.organizationID)), ("name", .string(org.organizationName)),
                    ("analytics_access", .bool(state.configuration.analyticsAccess)),
                ]).serialized(), "application/json"
            )
        case (.get, "/_simulator/dashboard.csv"):
            return (GroundTruth(organization: state.organization).dashboardCSV(from: try day("from"), to: try day("to")), "text/csv")
        case (.get, "/_simulator/counters"):
            let c = state.counters
            return (
                JSONValue.object([
                    ("requests", .int(c.requests)), ("api_requests", .int(c.apiRequests)), ("revisions", .int(c.revisions)),
                    ("faults", .object(FaultKind.allCases.map { ($0.rawValue, .int(c.faults[$0] ?? 0)) })),
                    (
                        "responses_by_status",
                        .object(c.responsesByStatus.keys.sorted().map { (String($0), .int(c.responsesByStatus[$0]!)) })
                    ),
                ]).serialized(), "application/json"
            )
        case (.post, "/_simulator/faults"):
            let kinds = try query.all("kind").map { text throws -> FaultKind in
                guard let k = FaultKind(rawValue: text) else { throw APIError.invalidRequest("kind: unknown fault '\(text)'") }
                return k
            }
            state.enqueue(kinds)
            return (JSONValue.object([("queued", .int(kinds.count))]).serialized(), "application/json")
        default:
            throw APIError.notFound(path)
        }
    }
}

extension DayTruth {
    /// The truth of a day as JSON (`GET /_simulator/truth?day=`); field names follow the reports.
    public var json: JSONValue {
        .object([
            ("date", .string(day.description)),
            ("revision", .int(revision)),
            ("total_cost_cents", .string(totalCostCents.description)),
            ("total_cost_usd", .string(totalCostUSD.description)),
            (
                "cost_rows",
                .array(
                    costRows.map { r in
                        .object([
                            ("amount", .string(r.amountCents.description)), ("currency", .string("USD")),
                            ("workspace_id", .optional(r.workspaceID)), ("description", .string(r.description)),
                            ("cost_type", .string(r.costType)), ("model", .optional(r.model)), ("token_type", .optional(r.tokenType)),
                            ("service_tier", .optional(r.serviceTier)), ("context_window", .optional(r.contextWindow)),
                            ("inference_geo", .optional(r.inferenceGeo)),
                        ])
                    })
            ),
            (
                "usage_rows",
                .array(
                    usageRows.map { r in
                        .object([
                            ("api_key_id", .optional(r.apiKeyID)), ("workspace_id", .optional(r.workspaceID)),
                            ("model", .string(r.model)), ("service_tier", .string(r.serviceTier)),
                            ("context_window", .string(r.contextWindow)), ("inference_geo", .string(r.inferenceGeo)),
                            ("uncached_input_tokens", .int(r.tokens.uncachedInput)),
                            (
                                "cache_creation",
                                .object([
                                    ("ephemeral_1h_input_tokens", .int(r.tokens.cacheWrite1h)),
                                    ("ephemeral_5m_input_tokens", .int(r.tokens.cacheWrite5m)),
                                ])
                            ),
                            ("cache_read_input_tokens", .int(r.tokens.cacheRead)), ("output_tokens", .int(r.tokens.output)),
                            ("server_tool_use", .object([("web_search_requests", .int(r.tokens.webSearchRequests))])),
                        ])
                    })
            ),
            ("claude_code_records", .array(claudeCodeRecords.map(\.json))),
            ("costs_by_key", .array(costsByKey.map(\.json))),
            ("usage_by_actor", .array(usageByActor.map(\.json))),
        ])
    }
}
