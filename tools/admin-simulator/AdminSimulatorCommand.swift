import AdminSimulator
import ArgumentParser
import CoreValues
import Foundation
import Logging

/// Runs the local Admin API simulator until SIGINT or SIGTERM.
@main
struct AdminSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-simulator",
        abstract: "Serve a simulated Anthropic Admin API (usage, cost, Claude Code reports) on 127.0.0.1.",
        discussion: """
            The organization is synthetic and deterministic from --seed. Data covers the --days days \
            before --today; later days are empty. Requests need the admin key (from --admin-key-file, \
            else $SIMULATOR_ADMIN_KEY, else \(AdminSimulator.defaultAdminKey)) as `x-api-key` or \
            `Authorization: Bearer`, and an `anthropic-version` header. Also served: \
            GET /v1/organizations/me, and the beta analytics endpoints /v1/organizations/analytics/cost \
            and /usage (header `anthropic-beta: analytics-usage-cost-2026-08-24`; days from 2026-01-01 \
            and within 365 days of --today).

            Control routes (same x-api-key): POST /_simulator/revise?day=YYYY-MM-DD or ?last=N, \
            POST /_simulator/advance?days=N or ?today=YYYY-MM-DD, \
            GET /_simulator/truth?day=YYYY-MM-DD or ?from=&to=, GET /_simulator/dashboard.csv?from=&to=, \
            GET /_simulator/counters, GET /_simulator/organization, \
            POST /_simulator/faults?kind=rate_limited&kind=drop_connection (cursor_expired: a 410 on the \
            next analytics continuation page).

            Example (URL is the address printed on start):
              admin-simulator --port 0 --today 2025-06-01 --days 30 --fault-rate 0.1
              curl -H 'x-api-key: \(AdminSimulator.defaultAdminKey)' \\
                -H 'anthropic-version: 2023-06-01' \\
                "$URL/v1/organizations/cost_report?starting_at=2025-05-01T00:00:00Z"
            """)

    @Option(help: "TCP port on 127.0.0.1; 0 picks a free one (printed on stdout).")
    var port: Int = 8_787

    @Option(help: "Seed of the synthetic organization and of the fault schedule.")
    var seed: UInt64 = 1

    @Option(help: "The simulated current UTC day, YYYY-MM-DD (default: the real current UTC day).")
    var today: String?

    @Option(help: "Days of history before --today that carry data.")
    var days: Int = 45

    @Option(help: "Probability (0...1) that an API request fails with an injected fault.")
    var faultRate: Double = 0

    @Option(help: "Comma-separated fault kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ",")).")
    var faultKinds: String?

    @Option(help: "Delay of a 'slow' fault, in milliseconds.")
    var slowMs: Int = 1_500

    @Option(help: "Latency added to every API request, in milliseconds.")
    var latencyMs: Int = 0

    @Option(help: "Revise the --revise-days most recent days every N API requests (0 = never).")
    var reviseEvery: Int = 0

    @Option(help: "How many recent days an automatic revision touches.")
    var reviseDays: Int = 2

    @Option(help: "File holding the admin key to accept (overrides $SIMULATOR_ADMIN_KEY).")
    var adminKeyFile: String?

    @Option(help: "The organization id GET /v1/organizations/me returns (default: derived from --seed).")
    var organizationId: String?

    @Option(help: "The organization name GET /v1/organizations/me returns (default: Simulated Organization <seed>).")
    var organizationName: String?

    @Flag(help: "Play an organization without access to the analytics API: /v1/organizations/analytics/* answer 400.")
    var noAnalyticsAccess = false

    @Flag(help: "Do not answer 429 again to requests that come back before the announced retry-after.")
    var lenientRetryAfter = false

    @Flag(help: "Log every request's injected fault on stderr.")
    var verbose = false

    func validate() throws {
        if let today, Day(today) == nil { throw ValidationError("--today must be YYYY-MM-DD") }
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
        guard days >= 0, latencyMs >= 0, slowMs >= 0, reviseEvery >= 0, (0...65_535).contains(port) else {
            throw ValidationError("numeric options must not be negative")
        }
    }

    func run() async throws {
        let day = today.flatMap { Day($0) } ?? Day(containing: Date())
        // stdout carries only the "listening on" line; logs go to stderr.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var config = SimulatorConfiguration(seed: seed, today: day, historyDays: days)
        config.logger = Logger(label: "admin-simulator")
        config.logger.logLevel = verbose ? .debug : .warning
        config.port = port
        config.latencyMilliseconds = latencyMs
        config.faults.rate = faultRate
        config.faults.slowMilliseconds = slowMs
        config.faults.enforceRetryAfter = !lenientRetryAfter
        config.organizationID = organizationId
        config.organizationName = organizationName
        config.analyticsAccess = !noAnalyticsAccess
        if let faultKinds {
            config.faults.kinds = try faultKinds.split(separator: ",").map { name in
                guard let k = FaultKind(rawValue: String(name)) else { throw ValidationError("unknown fault kind \(name)") }
                return k
            }
        }
        if reviseEvery > 0 { config.autoRevision = .init(everyRequests: reviseEvery, recentDays: reviseDays) }
        if let adminKeyFile {
            let key = try String(contentsOfFile: adminKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw ValidationError("--admin-key-file is empty") }
            config.adminKey = key
        } else if let key = ProcessInfo.processInfo.environment["SIMULATOR_ADMIN_KEY"], !key.isEmpty {
            config.adminKey = key
        }
        let summary = "today \(day), \(days) days of history, seed \(seed)"
        try await AdminSimulator.run(config) { port in
            // Unbuffered, so a parent process reading the pipe sees the port at once.
            FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(port) (\(summary))\n".utf8))
        }
    }
}
