import CoreValues
import Foundation
import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import ServiceLifecycle

/// A local Admin API: the report and name-list endpoints of admin-api.md served over HTTP on
/// loopback from a seeded synthetic organization, with injected faults and late revisions, and
/// the ground truth the pages must add up to.
///
/// ```swift
/// var config = SimulatorConfiguration(seed: 7, today: Day("2025-06-01")!, historyDays: 30)
/// config.faults = FaultConfiguration(rate: 0.2)          // optional
/// try await withAdminSimulator(config) { sim in
///     // GET \(sim.baseURL)/v1/organizations/cost_report?starting_at=...
///     //   x-api-key: \(sim.adminKey), anthropic-version: 2023-06-01
///     let cents = sim.truth.totalCostCents(on: Day("2025-05-30")!)
///     sim.revise(day: Day("2025-05-30")!)                 // late data: pages and truth change
/// }
/// ```
///
/// Endpoints (GET, `x-api-key` and `anthropic-version` required): `/v1/organizations/cost_report`,
/// `/v1/organizations/usage_report/messages`, `/v1/organizations/usage_report/claude_code`,
/// `/v1/organizations/api_keys`, `/v1/organizations/workspaces`. Undocumented query parameters
/// are rejected with 400 so a misspelt filter fails loudly.
///
/// Control routes (`x-api-key` required, no version header): `POST /_simulator/revise?day=D`
/// (repeatable) or `?last=N`; `POST /_simulator/advance?days=N` or `?today=D`;
/// `POST /_simulator/faults?kind=K` (repeatable, `FaultKind` raw values); `GET /_simulator/truth?day=D`
/// (cost rows, usage rows, Claude Code records) or `?from=D&to=D` (daily totals, `to` exclusive);
/// `GET /_simulator/dashboard.csv?from=D&to=D`; `GET /_simulator/counters`.
public final class AdminSimulator: Sendable {
    /// The admin key a simulator accepts unless configured otherwise. Not a real credential.
    public static let defaultAdminKey = "sk-ant-admin01-simulator-key"

    public let configuration: SimulatorConfiguration
    /// The bound port (useful with `port: 0`).
    public let port: Int
    private let state: SimulatorState
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public var baseURL: URL { URL(string: "http://\(configuration.host):\(port)")! }
    public var adminKey: String { configuration.adminKey }

    /// The ground truth at the current revisions.
    public var truth: GroundTruth { GroundTruth(organization: state.organization) }
    public var organization: SimulatedOrganization { state.organization }
    public var counters: SimulatorCounters { state.counters }

    /// The most recent requests in arrival order (at most `requestLogCapacity`; older ones are
    /// dropped in halves), for tests that assert what a client asked for.
    public var requestLog: [LoggedRequest] { state.requestLog }
    public static let requestLogCapacity = 20_000

    /// Revises `day`: later responses and `truth` for that day change (late-arriving usage).
    public func revise(day: Day) { state.revise([day]) }

    /// Revises each of the `days` days before `today`.
    public func reviseRecent(days: Int) {
        let today = state.organization.today
        state.revise((1...max(1, days)).map { today.adding(days: -$0) })
    }

    /// The simulated current day (starts at `configuration.today`, moved by `advance`).
    public var today: Day { state.organization.today }

    /// Moves the simulated clock forward to `day` (same time of day): the days in between get data.
    public func advance(to day: Day) { state.advance(to: day) }

    /// Moves the simulated clock forward by `days` days.
    public func advance(days: Int) { state.advance(to: state.organization.today.adding(days: min(max(0, days), 36_500))) }

    /// Queues faults for the next API requests, one each, ahead of the random schedule.
    public func injectFaults(_ kinds: [FaultKind]) { state.enqueue(kinds) }

    /// Starts a server on `configuration.host`/`port` and returns once it is listening.
    public static func start(_ configuration: SimulatorConfiguration) async throws -> AdminSimulator {
        let state = SimulatorState(configuration: configuration)
        let portBox = PortHandoff()
        let app = application(state) { port in portBox.resolve(.success(port)) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: configuration.logger))
        let task = Task {
            do { try await group.run() } catch {
                portBox.resolve(.failure(error))
                throw error
            }
            portBox.resolve(.failure(CancellationError()))
        }
        let port: Int
        do { port = try await portBox.value() } catch {
            task.cancel()
            throw error
        }
        return AdminSimulator(configuration: configuration, port: port, state: state, group: group, task: task)
    }

    /// Runs `body` with a started simulator and stops it afterwards, also when `body` throws.
    public static func withRunning<T: Sendable>(
        _ configuration: SimulatorConfiguration, _ body: (AdminSimulator) async throws -> T
    ) async throws -> T {
        let sim = try await start(configuration)
        do {
            let result = try await body(sim)
            await sim.stop()
            return result
        } catch {
            await sim.stop()
            throw error
        }
    }

    /// Stops the server gracefully and waits until it has shut down; connections a client keeps
    /// open are cut after two seconds.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let running = task
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(2))
            running.cancel()
        }
        _ = await task.result
        watchdog.cancel()
    }

    /// Serves until SIGINT or SIGTERM (graceful shutdown) or until the task is cancelled; for the
    /// executable. `onListening` is called once with the bound port.
    public static func run(_ configuration: SimulatorConfiguration, onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await application(SimulatorState(configuration: configuration), onListening: onListening).runService()
    }

    private static func application(
        _ state: SimulatorState, onListening: @escaping @Sendable (Int) -> Void
    ) -> Application<CallbackResponder<SimulatorContext>> {
        let handler = RequestHandler(state: state)
        let configuration = state.configuration
        return Application(
            responder: CallbackResponder<SimulatorContext> { request, context in
                try await handler.respond(request, channel: context.channel)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? -1) },
            logger: configuration.logger)
    }

    private init(configuration: SimulatorConfiguration, port: Int, state: SimulatorState, group: ServiceGroup,
                 task: Task<Void, any Error>) {
        self.configuration = configuration
        self.port = port
        self.state = state
        self.group = group
        self.task = task
    }
}

/// One request as the simulator saw it.
public struct LoggedRequest: Sendable, Equatable {
    /// The API request's sequence number (1-based), or -1 for control routes.
    public let sequence: Int
    public let method: String
    public let path: String
    /// The raw (percent-encoded) query string.
    public let query: String
    /// The HTTP status sent; 0 when the connection was dropped without a response.
    public let status: Int
    public let fault: FaultKind?
    public let requestID: String

    /// The decoded query parameters, in order, with repeats.
    public var parameters: [(name: String, value: String)] { QueryParameters(rawQuery: query).pairs }
}

/// Runs `body` with a started simulator and stops it afterwards (`AdminSimulator.withRunning`).
public func withAdminSimulator<T: Sendable>(
    _ configuration: SimulatorConfiguration, _ body: (AdminSimulator) async throws -> T
) async throws -> T {
    try await AdminSimulator.withRunning(configuration, body)
}

/// Hands the bound port from `onServerRunning` to `start`, exactly once.
private final class PortHandoff: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, any Error>?
    private var waiter: CheckedContinuation<Int, any Error>?

    func resolve(_ r: Result<Int, any Error>) {
        lock.lock()
        guard result == nil else { lock.unlock(); return }
        result = r
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(with: r)
    }

    func value() async throws -> Int {
        try await withCheckedThrowingContinuation { c in
            lock.lock()
            if let result {
                lock.unlock()
                c.resume(with: result)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }
}

/// The request context: the default one plus the channel, which a dropped-connection fault closes.
struct SimulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Mutable simulator state behind one lock: the organization's revisions, the fault schedule and
/// the counters. Report generation happens outside the lock on a copy of the organization.
final class SimulatorState: @unchecked Sendable {
    let configuration: SimulatorConfiguration
    private let lock = NSLock()
    private var _organization: SimulatedOrganization
    private var _counters = SimulatorCounters()
    private var scripted: [FaultKind] = []
    private var consecutiveFaults = 0

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        _organization = SimulatedOrganization(seed: configuration.seed, today: configuration.today,
                                              historyDays: configuration.historyDays)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    var organization: SimulatedOrganization { locked { _organization } }
    var counters: SimulatorCounters { locked { _counters } }

    func revise(_ days: [Day]) {
        locked {
            for d in days { _organization.revise(d) }
            _counters.revisions += days.count
        }
    }

    func enqueue(_ kinds: [FaultKind]) { locked { scripted += kinds } }

    func advance(to day: Day) { locked { if day > _organization.today { _organization.advance(to: day) } } }

    /// Counts a request; returns its API sequence number for API paths.
    func countRequest(path: String, isAPI: Bool) -> Int {
        locked {
            _counters.requests += 1
            _counters.requestsByPath[path, default: 0] += 1
            guard isAPI else { return -1 }
            _counters.apiRequests += 1
            let n = _counters.apiRequests
            if let auto = configuration.autoRevision, n % auto.everyRequests == 0 {
                for offset in 1...auto.recentDays { _organization.revise(_organization.today.adding(days: -offset)) }
                _counters.revisions += auto.recentDays
            }
            return n
        }
    }

    private var _log: [LoggedRequest] = []

    /// Counts the response and keeps the request in the (bounded) log.
    func record(_ entry: LoggedRequest) {
        locked {
            _counters.responsesByStatus[entry.status, default: 0] += 1
            if _log.count == AdminSimulator.requestLogCapacity { _log.removeFirst(_log.count / 2) }
            _log.append(entry)
        }
    }

    var requestLog: [LoggedRequest] { locked { _log } }

    private var rateLimitedUntil: ContinuousClock.Instant?

    /// After a 429 the organization stays limited for the wait it announced.
    func holdRateLimit(milliseconds: Int) {
        guard configuration.faults.enforceRetryAfter else { return }
        locked { rateLimitedUntil = .now + .milliseconds(milliseconds) }
    }

    /// Milliseconds still to wait when a request arrives inside a rate-limit hold.
    func earlyRetry() -> Int? {
        locked {
            guard let until = rateLimitedUntil else { return nil }
            let left = until - .now
            guard left > .zero else {
                rateLimitedUntil = nil
                return nil
            }
            _counters.earlyRetries += 1
            let (seconds, attoseconds) = left.components
            return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000) + 1
        }
    }

    /// The fault for API request `n`, if any: scripted ones first, then the seeded draw, never
    /// more than `maxConsecutive` random faults in a row.
    func fault(for n: Int) -> FaultKind? {
        locked {
            var kind: FaultKind?
            if !scripted.isEmpty {
                kind = scripted.removeFirst()
            } else if consecutiveFaults < configuration.faults.maxConsecutive, configuration.faults.rate > 0,
                      !configuration.faults.kinds.isEmpty {
                var rng = SplitMix64(seed: configuration.seed, label: "fault", n)
                let rate = configuration.faults.rate.isNaN ? 0 : min(1, max(0, configuration.faults.rate))
                let threshold = UInt64(rate * 1_000_000)
                if rng.next() % 1_000_000 < threshold {
                    kind = configuration.faults.kinds[Int(rng.next() % UInt64(configuration.faults.kinds.count))]
                }
            }
            if let kind {
                consecutiveFaults += 1
                _counters.faults[kind, default: 0] += 1
            } else {
                consecutiveFaults = 0
            }
            return kind
        }
    }
}

/// Turns one HTTP request into a response: auth, headers, faults, routing.
struct RequestHandler: Sendable {
    let state: SimulatorState

    struct DroppedConnection: Error {}

    let rateLimitError = APIError(status: 429, type: "rate_limit_error",
                                  message: "This request would exceed the rate limit for your organization. Please retry later.")

    func respond(_ request: Request, channel: any Channel) async throws -> Response {
        let config = state.configuration
        let path = request.uri.path
        let isAPI = path.hasPrefix("/v1/")
        let n = state.countRequest(path: path, isAPI: isAPI)
        var idRng = SplitMix64(seed: config.seed, label: "request-id", n < 0 ? -state.counters.requests : n)
        let requestID = Base62.id("req_", &idRng)
        let query = QueryParameters(rawQuery: request.uri.query)

        var fault: FaultKind?
        func header(_ name: String) -> String? { request.headers[HTTPField.Name(name)!] }
        func log(_ status: Int) {
            state.record(LoggedRequest(sequence: n, method: request.method.rawValue, path: path, query: request.uri.query ?? "",
                                       status: status, fault: fault, requestID: requestID))
        }
        func finish(_ status: Int, _ body: String, contentType: String = "application/json",
                    extra: [(String, String)] = [], truncated: Bool = false) -> Response {
            var headers = HTTPFields()
            headers[.contentType] = contentType
            headers[HTTPField.Name("request-id")!] = requestID
            for (k, v) in extra { headers[HTTPField.Name(k)!] = v }
            log(status)
            var buffer = ByteBuffer(string: body)
            // A truncated body keeps valid HTTP framing (Content-Length of what is sent); only the
            // JSON is cut, so the client sees a 200 it cannot decode.
            if truncated { buffer = buffer.getSlice(at: 0, length: max(1, buffer.readableBytes / 2))! }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: buffer))
        }
        func fail(_ e: APIError, extra: [(String, String)] = []) -> Response {
            finish(e.status, e.body(requestID: requestID).serialized(), extra: extra)
        }

        if isAPI && config.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(config.latencyMilliseconds))
        }
        guard header("x-api-key") == config.adminKey else { return fail(.authentication) }

        if path.hasPrefix("/_simulator/") {
            do {
                let (body, type) = try control(path: path, method: request.method, query: query)
                return finish(200, body, contentType: type)
            } catch let e as APIError {
                return fail(e)
            }
        }
        guard isAPI, request.method == .get else { return fail(.notFound(path)) }
        guard let version = header("anthropic-version") else {
            return fail(.invalidRequest("anthropic-version: header is required"))
        }
        guard version == "2023-06-01" || version == "2023-01-01" else {
            return fail(.invalidRequest("anthropic-version: \(version) is not a valid version"))
        }
        let fastBeta = (header("anthropic-beta") ?? "").split(separator: ",")
            .contains { $0.trimmingCharacters(in: .whitespaces) == "fast-mode-2026-02-01" }

        if let remaining = state.earlyRetry() {
            // The client came back before the wait it was given: still limited.
            return fail(rateLimitError, extra: [("retry-after", String((remaining + 999) / 1_000)),
                                                ("retry-after-ms", String(remaining))])
        }
        fault = state.fault(for: n)
        if let fault {
            config.logger.debug("injected fault", metadata: ["simulator.fault": "\(fault.rawValue)",
                                                           "simulator.request": "\(n)", "simulator.path": "\(path)"])
        }
        switch fault {
        case .rateLimited?:
            var extra = [("retry-after", String(config.faults.retryAfterSeconds))]
            var rng = SplitMix64(seed: config.seed, label: "retry-after-ms", n)
            var waitMilliseconds = config.faults.retryAfterSeconds * 1_000
            if rng.chance(50) {
                waitMilliseconds = rng.int(20...200)
                extra.append(("retry-after-ms", String(waitMilliseconds)))
            }
            state.holdRateLimit(milliseconds: waitMilliseconds)
            return fail(rateLimitError, extra: extra)
        case .serverError?:
            return fail(APIError(status: 500, type: "api_error", message: "Internal server error"))
        case .overloaded?:
            return fail(APIError(status: 529, type: "overloaded_error", message: "Overloaded"))
        case .dropConnection?:
            log(0)
            try? await channel.close()
            throw DroppedConnection()
        case .slow?:
            try await Task.sleep(for: .milliseconds(config.faults.slowMilliseconds))
        case .truncatedBody?, nil:
            break
        }

        let org = state.organization
        let now = org.today.daysSinceEpoch * 86_400 + config.secondsIntoToday
        let result: JSONValue
        do {
            switch path {
            case "/v1/organizations/cost_report":
                result = try Reports.cost(org, query: query, now: now, fastBeta: fastBeta)
            case "/v1/organizations/usage_report/messages":
                result = try Reports.usage(org, query: query, now: now, fastBeta: fastBeta)
            case "/v1/organizations/usage_report/claude_code":
                result = try Reports.claudeCode(org, query: query)
            case "/v1/organizations/api_keys":
                result = try Reports.apiKeys(org, query: query)
            case "/v1/organizations/workspaces":
                result = try Reports.workspaces(org, query: query)
            default:
                return fail(.notFound(path))
            }
        } catch {
            return fail(error)
        }
        return finish(200, result.serialized(), truncated: fault == .truncatedBody)
    }

    /// `/_simulator/...`: revisions, ground truth, counters and scripted faults for tests and for
    /// driving the out-of-process executable.
    func control(path: String, method: HTTPRequest.Method, query: QueryParameters) throws -> (String, String) {
        func day(_ name: String) throws -> Day {
            guard let text = try query.single(name), let d = Day(text) else { throw APIError.invalidRequest("\(name): expected YYYY-MM-DD") }
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
            return (JSONValue.object([("revised", .array(days.map { .object([("date", .string($0.description)),
                                                                            ("revision", .int(org.revision(of: $0)))]) }))])
                .serialized(), "application/json")
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
                return .object([("date", .string(d.description)), ("revision", .int(t.revision)),
                                ("total_cost_cents", .string(t.totalCostCents.description)),
                                ("total_cost_usd", .string(t.totalCostUSD.description))])
            }
            return (JSONValue.object([("days", .array(days)),
                                      ("total_cost_cents", .string(truth.totalCostCents(from: from, to: to).description))])
                .serialized(), "application/json")
        case (.get, "/_simulator/dashboard.csv"):
            return (GroundTruth(organization: state.organization).dashboardCSV(from: try day("from"), to: try day("to")), "text/csv")
        case (.get, "/_simulator/counters"):
            let c = state.counters
            return (JSONValue.object([
                ("requests", .int(c.requests)), ("api_requests", .int(c.apiRequests)), ("revisions", .int(c.revisions)),
                ("faults", .object(FaultKind.allCases.map { ($0.rawValue, .int(c.faults[$0] ?? 0)) })),
                ("responses_by_status", .object(c.responsesByStatus.keys.sorted().map { (String($0), .int(c.responsesByStatus[$0]!)) })),
            ]).serialized(), "application/json")
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
            ("cost_rows", .array(costRows.map { r in
                .object([("amount", .string(r.amountCents.description)), ("currency", .string("USD")),
                         ("workspace_id", .optional(r.workspaceID)), ("description", .string(r.description)),
                         ("cost_type", .string(r.costType)), ("model", .optional(r.model)), ("token_type", .optional(r.tokenType)),
                         ("service_tier", .optional(r.serviceTier)), ("context_window", .optional(r.contextWindow)),
                         ("inference_geo", .optional(r.inferenceGeo))])
            })),
            ("usage_rows", .array(usageRows.map { r in
                .object([("api_key_id", .optional(r.apiKeyID)), ("workspace_id", .optional(r.workspaceID)),
                         ("model", .string(r.model)), ("service_tier", .string(r.serviceTier)),
                         ("context_window", .string(r.contextWindow)), ("inference_geo", .string(r.inferenceGeo)),
                         ("uncached_input_tokens", .int(r.tokens.uncachedInput)),
                         ("cache_creation", .object([("ephemeral_1h_input_tokens", .int(r.tokens.cacheWrite1h)),
                                                     ("ephemeral_5m_input_tokens", .int(r.tokens.cacheWrite5m))])),
                         ("cache_read_input_tokens", .int(r.tokens.cacheRead)), ("output_tokens", .int(r.tokens.output)),
                         ("server_tool_use", .object([("web_search_requests", .int(r.tokens.webSearchRequests))]))])
            })),
            ("claude_code_records", .array(claudeCodeRecords.map(\.json))),
        ])
    }
}
