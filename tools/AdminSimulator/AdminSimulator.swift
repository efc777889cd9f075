import CoreValues
import Foundation
import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import ServiceLifecycle

/// A local Admin API: the report and name-list endpoints of the Admin API (https://platform.claude.com/docs/en/api/admin) served over HTTP on
/// loopback from a seeded synthetic organization, with injected faults and late revisions, and
/// the ground truth the pages must add up to.
///
/// ```swift
/// var config = SimulatorConfiguration(seed: 7, today: Day("2025-06-01")!, historyDays: 30)
/// config.faults = FaultConfiguration(rate: 0.2)          // optional
/// try await AdminSimulator.withRunning(config) { sim in
///     // GET \(sim.baseURL)/v1/organizations/cost_report?starting_at=...
///     //   x-api-key: \(sim.adminKey), anthropic-version: 2023-06-01
///     let cents = sim.truth.totalCostCents(on: Day("2025-05-30")!)
///     sim.revise(day: Day("2025-05-30")!)                 // late data: pages and truth change
/// }
/// ```
///
/// Endpoints (GET; the admin key as `x-api-key` or `Authorization: Bearer`, and `anthropic-version`
/// required): `/v1/organizations/cost_report`, `/v1/organizations/usage_report/messages`,
/// `/v1/organizations/usage_report/claude_code`, `/v1/organizations/api_keys`,
/// `/v1/organizations/workspaces`, `/v1/organizations/me`, and the beta Usage and Cost Analytics
/// endpoints `/v1/organizations/analytics/cost` and `/v1/organizations/analytics/usage`
/// (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api; `anthropic-beta: analytics-usage-cost-2026-08-24` required). Undocumented
/// query parameters are rejected with 400 so a misspelt filter fails loudly.
///
/// Control routes (`x-api-key` required, no version header): `POST /_simulator/revise?day=D`
/// (repeatable) or `?last=N`; `POST /_simulator/advance?days=N` or `?today=D`;
/// `POST /_simulator/faults?kind=K` (repeatable, `FaultKind` raw values); `GET /_simulator/truth?day=D`
/// (cost rows, usage rows, Claude Code records, `costs_by_key`, `usage_by_actor`) or `?from=D&to=D` (daily totals, `to` exclusive);
/// `GET /_simulator/dashboard.csv?from=D&to=D`; `GET /_simulator/counters`; `GET /_simulator/organization`.
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

    private init(
        configuration: SimulatorConfiguration, port: Int, state: SimulatorState, group: ServiceGroup,
        task: Task<Void, any Error>
    ) {
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
