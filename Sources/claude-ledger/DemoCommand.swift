import AdminAPI
import AdminSimulator
import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Logging
import Projections
import Reporting
import Sync
import TableSchemas

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline against the bundled Admin API simulator: no key, no network beyond 127.0.0.1.",
        discussion: helpText(
            """
            Starts the simulator on 127.0.0.1 with a synthetic organization (and a few injected
            faults: 429s, 5xx, dropped connections), syncs 90 days into a fresh data directory,
            rebuilds the tables, prints the cost report, runs the audit, writes a dashboard CSV from
            the simulator's ground truth and reconciles against it, then says where the data is.
            It never writes into an existing ledger: simulated data must not mix with real data.

            Examples:
              claude-ledger demo
              claude-ledger demo --data-dir /tmp/claude-ledger-demo --days 30
            """))

    @Option(help: "Where to put the demo's data (default: a new temporary directory). Must not hold a ledger.")
    var dataDir: String?

    @Option(help: "Days of history to sync (1-365).")
    var days: Int = 90

    @Option(help: "Share of simulator responses that are faults (0-0.5).")
    var faultRate: Double = 0.05

    @Option(help: "The simulator's seed (the organization is deterministic from it).")
    var seed: UInt64 = 2025

    func validate() throws {
        guard (1...365).contains(days) else { throw ValidationError("--days must be between 1 and 365") }
        guard faultRate >= 0 && faultRate <= 0.5 else { throw ValidationError("--fault-rate must be between 0 and 0.5") }
    }

    func run() async throws {
        let directory = try demoDirectory()
        let started = ContinuousClock.now
        let today = Day(containing: Date())
        let since = today.adding(days: -days)
        var config = SimulatorConfiguration(seed: seed, today: today, historyDays: days + 5)
        config.faults = FaultConfiguration(
            rate: faultRate, kinds: [.rateLimited, .serverError, .overloaded, .dropConnection, .truncatedBody])
        config.faults.retryAfterSeconds = 1
        let sim = try await AdminSimulator.start(config)
        defer { Task { await sim.stop() } }
        step("simulator", "Admin API simulator on \(sim.baseURL.absoluteString) (seed \(seed), \(Int(faultRate * 100))% injected faults)")

        let ledger = try Ledger(directory: directory, create: true)
        try await sync(ledger, from: sim, since: since, today: today)
        let verify = try ledger.verify()
        step(
            "verify",
            "\(verify.events) events, \(verify.blobs) bodies, chain head \(verify.headChainHash.hexString.prefix(16))…: \(verify.isValid ? "intact" : "FAILED")"
        )

        let projectionsURL = Projections.defaultURL(in: directory)
        let build = try Projections.rebuild(ledger: ledger, into: projectionsURL)
        step(
            "rebuild",
            ProjectionTable.allCases.map { "\($0.rawValue) \(build.rows[$0] ?? 0)" }.joined(separator: ", ")
                + " rows; fingerprint \(build.fingerprint.prefix(16))…")

        let tables = try ProjectionTables(url: projectionsURL)
        let names = (try? NameBook(ledger: ledger)) ?? NameBook()
        try printReports(tables, names: names, since: since, today: today)

        let audit = try Audit.run(ledger: ledger, tables: tables)
        let failed = audit.findings.filter { $0.status == .fail }
        let warnings = audit.findings.filter { $0.status == .warn }
        step(
            "audit",
            failed.isEmpty
                ? "all six invariants hold (\(warnings.count) known API gaps noted)"
                : "FAILED: \(failed.map(\.check).joined(separator: "; "))")
        if let sources = audit.findings.first(where: { $0.check.hasPrefix("6 ") }) {
            step("", "\(sources.check): \(sources.detail)")
        }

        let dashboard = directory.appendingPathComponent("dashboard.csv")
        let reconciliation = try reconcile(
            ledger, tables: tables, sim: sim, head: verify.headSeq, directory: directory,
            since: since, today: today)

        let pageFile = directory.appendingPathComponent("report.html")
        let page = try HTMLReport.gather(
            tables: tables,
            sources: .init(
                ledger: ledger, organization: try ledger.newestOrganization(),
                names: names,
                reconcileLog: try ReconcileLog.openForReading(directory: directory), audit: audit),
            since: since, until: today)
        try HTMLPageFile.write(HTMLReport.render(page), to: pageFile)
        step("html", "the spend as a page with charts: \(pageFile.path)")

        let elapsed = started.duration(to: .now)
        print("\ndone in \(elapsed.components.seconds) s. The data directory is \(directory.path)")
        printExploring(directory: directory, dashboard: dashboard, pageFile: pageFile, today: today)
        if !failed.isEmpty || !reconciliation.isMatch || !verify.isValid { throw CLIFailure.checkFailed() }
    }

    /// `--data-dir` when it holds no ledger, else a new temporary directory.
    func demoDirectory() throws -> URL {
        if let dataDir {
            let directory = URL(fileURLWithPath: dataDir)
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(Ledger.fileName).path) {
                throw CLIFailure(
                    .badInput,
                    "\(dataDir) already holds a ledger: the demo needs a fresh directory (simulated data must not mix with real data)")
            }
            return directory
        } else {
            return FileManager.default.temporaryDirectory
                .appendingPathComponent("claude-ledger-demo-\(Ledger.newID(prefix: "d").suffix(8))")
        }
    }

    /// Syncs `since..<today` from the simulator, with a progress line and the sync step.
    func sync(_ ledger: Ledger, from sim: AdminSimulator, since: Day, today: Day) async throws {
        let logger = Logger(label: "claude-ledger.demo")
        var client = AdminClient.Configuration()
        client.baseURL = sim.baseURL.absoluteString
        let progress = Progress(label: "sync")
        let summary = try await AdminClient.withClient(key: AdminKey(sim.adminKey)!, configuration: client, logger: logger) { client in
            try await SyncEngine(ledger: ledger, source: client, logger: logger, toolName: "claude-ledger \(ClaudeLedger.version) demo")
                .run(SyncOptions(since: since, until: today)) { p in
                    progress.update(done: Int64(p.windowsDone), total: Int64(p.windowsTotal), unit: .items, note: "windows")
                }
        }
        progress.finish()
        let faults = sim.counters.totalFaults
        step(
            "sync",
            "\(days) days (\(since)..\(today.adding(days: -1))): \(summary.windowsPlanned) windows, \(summary.pagesNew) pages appended, \(summary.failed.count) windows failed; \(faults) injected faults retried"
        )
        guard summary.succeeded else {
            throw CLIFailure(
                .remoteFailure, "the demo sync did not complete: \(summary.failed.first.map { "\($0.window): \($0.error)" } ?? "")")
        }
    }

    /// The cost by workspace and by model, and the billed cost per API key.
    func printReports(_ tables: ProjectionTables, names: NameBook, since: Day, today: Day) throws {
        print("\ncost by workspace, \(since) to \(today.adding(days: -1)):")
        print(try Report.make(.init(kind: .costs, by: .workspace), tables: tables, names: names).render(.table))
        print("cost by model:")
        print(try Report.make(.init(kind: .costs, by: .model), tables: tables, names: names).render(.table))
        print("billed cost per API key (the analytics API, claude_costs_by_key):")
        print(try Report.make(.init(kind: .costs, by: .apiKey), tables: tables, names: names).render(.table))
    }

    /// Writes the simulator's dashboard CSV, reconciles the tables with it and records the run.
    func reconcile(
        _ ledger: Ledger, tables: ProjectionTables, sim: AdminSimulator, head: Int64, directory: URL,
        since: Day, today: Day
    ) throws -> Reconciliation {
        let dashboard = directory.appendingPathComponent("dashboard.csv")
        let projectionsURL = Projections.defaultURL(in: directory)
        let csv = sim.truth.dashboardCSV(from: since, to: today)
        try Data(csv.utf8).write(to: dashboard)
        let parsed = try DashboardCSV(text: csv)
        let reconciliation = try Reconciliation.compare(dashboard: parsed.totals, ledger: try tables.costPerDay(), tolerance: .zero)
        let chain = try ledger.event(seq: head)?.chainHashHex ?? ""
        try ReconcileLog(directory: directory, create: true)?.record(
            .init(
                fileName: "dashboard.csv", fileSHA256: ReconcileLog.sha256Hex(Data(csv.utf8)), ledgerHeadSeq: head,
                ledgerHeadChain: chain,
                projectionsSHA256: FileManager.default.contents(atPath: projectionsURL.path).map(ReconcileLog.sha256Hex) ?? "",
                days: reconciliation.days.count, daysOff: reconciliation.daysOff.count, tolerance: "0",
                verdict: reconciliation.isMatch ? "match" : "differs"))
        let ledgerTotal = try ExactDecimal.sum(try tables.costPerDay(since: since, until: today).values)
        step(
            "reconcile",
            reconciliation.isMatch
                ? "\(reconciliation.days.count) of \(reconciliation.days.count) days match the simulator's dashboard to the cent ($\(ledgerTotal.formatted(places: 2)) in total, exactly $\(ledgerTotal))"
                : "\(reconciliation.daysOff.count) day(s) differ: \(reconciliation.daysOff.map(\.day.description).joined(separator: ", "))")
        return reconciliation
    }

    /// Commands to run next on the demo's data, runnable as printed.
    func printExploring(directory: URL, dashboard: URL, pageFile: URL, today: Day) {
        print("keep exploring:")
        let command = "\(Self.shellWord(Self.invokedAs)) --data-dir \(Self.shellWord(directory.path))"
        print("  \(command) report usage --by api-key")
        print("  \(command) report usage --by actor")
        print("  \(command) explain --date \(today.adding(days: -2))")
        print("  \(command) events --stream cost_report")
        print("  \(command) reconcile --dashboard \(Self.shellWord(dashboard.path))")
        print("  \(command) report html --out \(Self.shellWord(pageFile.path))")
        print("and open \(pageFile.path) in a browser.")
    }

    func step(_ name: String, _ text: String) {
        print("\(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(text)")
    }

    /// How the user ran this executable, so the "keep exploring" lines run as printed: the bare
    /// name when the shell found it on the PATH, else the path as typed (`make demo` runs
    /// `.build/debug/claude-ledger`, which is not on the PATH, from the directory it prints in).
    static var invokedAs: String {
        let typed = CommandLine.arguments.first ?? "claude-ledger"
        return typed.isEmpty ? "claude-ledger" : typed
    }

    /// `word` as one shell word: unchanged when it holds only characters no shell treats specially.
    static func shellWord(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-+:=@%,".unicodeScalars.contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
