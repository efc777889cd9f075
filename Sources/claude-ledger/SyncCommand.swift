import AdminAPI
import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Logging
import Reporting
import Sync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch every page of the usage and cost reports into the ledger, then update the tables.",
        discussion: helpText(
            """
            The admin key comes from ANTHROPIC_ADMIN_KEY or the first line of --admin-key-file, never
            from the command line. Without --since, each stream resumes from its last complete day
            minus --revisit-days (Anthropic revises recent days); windows that failed before are
            fetched again. The analytics streams (the beta Usage and Cost Analytics API) are asked
            only for the days it serves (from 2026-01-01, within the last 365 days) and revisit
            their last 31 days on every sync; an organization without access to that API gets one
            warning and the other streams still sync. Exit 3 when the API refused the key or
            windows still failed after retries: what was fetched is kept, and the next sync
            fetches the rest.

            Examples:
              ANTHROPIC_ADMIN_KEY=sk-ant-admin01-… claude-ledger sync --since 2025-01-01
              claude-ledger sync --admin-key-file ~/.config/claude-ledger/key
              claude-ledger sync --streams cost,usage --revisit-days 7
              claude-ledger sync --streams analytics-cost,analytics-usage
              claude-ledger sync --base-url http://127.0.0.1:8089 --since 2025-10-01
            """))

    @OptionGroup var global: GlobalOptions

    @OptionGroup var dates: DateRangeOptions

    @Option(help: "Comma-separated streams: cost, usage, claude-code, analytics-cost, analytics-usage.")
    var streams: String = SyncCommand.streamNames

    @Option(parsing: .unconditional, help: "Days before the last complete day to fetch again, 0-60.")
    var revisitDays: Int = 3

    @Option(help: "Admin API base URL (default: $ANTHROPIC_ADMIN_BASE_URL, else https://api.anthropic.com).")
    var baseURL: String?

    @Option(help: "A file whose first line is the admin key.")
    var adminKeyFile: String?

    @Option(parsing: .unconditional, help: "Chains fetched at once (1-4).")
    var concurrency: Int = 2

    @Option(parsing: .unconditional, help: "Seconds the API may stay unavailable before sync gives up with exit 3.")
    var giveUpAfter: Int = 100

    @Option(parsing: .unconditional, help: "Seconds to wait for another sync or rebuild of the data directory before exit 4.")
    var lockWait: Int = 60

    func validate() throws {
        guard (0...60).contains(revisitDays) else { throw ValidationError("--revisit-days must be between 0 and 60, got \(revisitDays)") }
        guard (1...4).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 4, got \(concurrency)") }
        guard (1...3600).contains(giveUpAfter) else {
            throw ValidationError("--give-up-after must be between 1 and 3600 seconds, got \(giveUpAfter)")
        }
        guard (0...3600).contains(lockWait) else {
            throw ValidationError("--lock-wait must be between 0 and 3600 seconds, got \(lockWait)")
        }
    }

    func run() async throws {
        // Everything is checked before anything is written.
        let end = dates.until ?? Day(containing: Date())
        if let since = dates.since, end <= since {
            throw CLIFailure(.badInput, "--until \(end) must be after --since \(since)")
        }
        let selected = try selectedStreams()
        let key = try loadKey()
        let base = try baseURLChecked()
        // The organization the data directory is bound to, read without writing a byte.
        let bound = try global.data.checkBeforeSync(firstSyncNeedsSince: dates.since == nil)
            .flatMap { try SyncEngine.boundOrganization(in: $0) }
        Permissions.warnIfShared(global.dataDirectory.path, what: "the data directory", fix: "chmod 700")

        let logger = Logger(label: "claude-ledger.sync")
        let options = SyncOptions(
            since: dates.since, until: end, streams: selected, revisitDays: revisitDays,
            concurrency: concurrency)
        let summary = try await fetch(options, boundOrganization: bound, key: key, base: base, logger: logger)
        if let local = summary.localFailure {
            // The pages appended before the failure are durable; the projections are brought up
            // to date by the next successful sync or rebuild.
            throw local
        }
        if let refused = summary.analyticsRefused {
            let message =
                "the Usage and Cost Analytics API refused this organization (\(Self.refusal(refused))): analytics-cost and analytics-usage were skipped"
            guard options.streams.contains(where: { !$0.isAnalytics }) else {
                throw CLIFailure(
                    .remoteFailure, message + "; nothing else was asked for: sync the other streams with --streams cost,usage,claude-code")
            }
            FileHandle.standardError.write(Data("warning: \(message); the other streams synced\n".utf8))
        }
        if let aborted = summary.abortedBy {
            throw CLIFailure(.remoteFailure, "sync stopped: \(aborted); \(aborted.suggestion)")
        }
        if summary.windowsFailed > 0 {
            throw CLIFailure(
                .remoteFailure,
                "\(summary.windowsFailed) window(s) failed after retries: the pages fetched are kept, and the next sync fetches the failed windows again"
            )
        }
    }

    /// Checks the key's organization against the data directory's before anything is written,
    /// then, holding the data directory's lock, fetches and brings the projections up to date.
    func fetch(
        _ options: SyncOptions, boundOrganization: String?, key: AdminKey, base: String,
        logger: Logger
    ) async throws -> SyncSummary {
        var configuration = AdminClient.Configuration()
        configuration.baseURL = base
        let progress = Progress(label: "sync")
        defer { progress.finish() }
        return try await AdminClient.withClient(
            key: key, configuration: configuration,
            budget: RetryBudget(limit: .seconds(giveUpAfter)), logger: logger
        ) { client in
            let organization = try await SyncEngine.fetchOrganization(
                from: client, boundTo: boundOrganization,
                directory: global.dataDirectory.path)
            let ledger = try global.data.openLedgerForSync(firstSyncNeedsSince: options.since == nil)
            let lock = try await SyncLock.acquire(directory: global.dataDirectory, wait: .seconds(lockWait))
            defer { lock.release() }
            let engine = SyncEngine(
                ledger: ledger, source: client, logger: logger,
                toolName: "claude-ledger \(ClaudeLedger.version)")
            let summary = try await engine.run(options, organization: organization) { p in
                progress.update(
                    done: Int64(p.windowsDone), total: Int64(p.windowsTotal), unit: .items,
                    note: "windows, \(p.pagesNew) new pages, \(p.windowsFailed) failed")
            }
            progress.finish()
            print(
                "sync: \(summary.windowsPlanned) windows, \(summary.pagesNew) pages appended, \(summary.pagesUnchanged) pages already present, \(summary.windowsFailed) windows failed"
            )
            if summary.restarts > 0 {
                print("  restarted: \(summary.restarts) analytics chain(s) from the first page after an expired cursor (HTTP 410)")
            }
            for failed in summary.failed.prefix(20) {
                print("  failed: \(failed.window): \(failed.error)")
            }
            if summary.localFailure == nil {
                // Inside the lock: the tables are never older than what this sync prints.
                try updateProjections(ledger: ledger)
                if summary.succeeded {
                    try await refetchRevisedCostDays(engine: engine, ledger: ledger, organization: organization, options: options)
                }
            }
            return summary
        }
    }

    /// Anthropic revises the analytics API's days for about 30 days, and every sync fetches its
    /// last 31 again; the legacy cost report only `--revisit-days` back. A final day of those 31
    /// whose two cost totals differ after this sync is asked of the cost report once more (one
    /// window, usually one request), so that a revision reaches `claude_costs` too. A difference
    /// that stays is what `audit` invariant 6 reports.
    func refetchRevisedCostDays(
        engine: SyncEngine, ledger: Ledger, organization: SyncEngine.FetchedOrganization, options: SyncOptions
    ) async throws {
        guard options.streams.contains(.cost), options.streams.contains(.analyticsCost) else { return }
        // Only the revisited days: the rest of the history is not asked of the API again anyway.
        let horizon = options.today.adding(days: -SyncPlanner.analyticsRevisitDays)
        let comparison = try Audit.compareCostSources(
            ledger: ledger, tables: global.data.projectionTables(), tolerance: .zero, since: horizon, until: options.until)
        let days = comparison.differences.map(\.day)
        guard let first = days.min(), let last = days.max() else { return }
        let followUp = SyncOptions(
            since: first, until: last.adding(days: 1), streams: [.cost], revisitDays: 0,
            concurrency: options.concurrency, includeNames: false, today: options.today)
        let again = try await engine.run(followUp, organization: organization)
        print(
            "  cost_report asked again for \(Audit.ranges(days)): \(days.count) final day(s) differed from the analytics API's total; \(again.pagesNew) page(s) appended"
        )
        guard again.succeeded else {
            let why = again.failed.first.map { "\($0.window): \($0.error)" } ?? again.abortedBy.map { "\($0)" } ?? "it did not complete"
            FileHandle.standardError.write(Data("warning: asking the cost report again failed (\(why)); the next sync tries again\n".utf8))
            return
        }
        if again.pagesNew > 0 { try updateProjections(ledger: ledger) }
    }

    /// What the API said when it refused the organization: status, its message, the request id.
    static func refusal(_ error: AdminAPIError) -> String {
        var text = "HTTP \(error.status ?? 0)"
        if let message = error.apiError?.message { text += ": " + message }
        if let requestID = error.requestID { text += "; request id " + requestID }
        return text
    }

    /// The names `--streams` takes, comma-separated: every dated stream.
    static let streamNames = ReportStream.synced.compactMap(\.userName).joined(separator: ",")

    func selectedStreams() throws -> [ReportStream] {
        let valid = SyncCommand.streamNames.replacingOccurrences(of: ",", with: ", ")
        var selected: [ReportStream] = []
        for name in streams.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let stream = ReportStream(userName: name), ReportStream.synced.contains(stream) else {
                throw CLIFailure(.badInput, "unknown stream '\(name)' in --streams: use \(valid)")
            }
            if !selected.contains(stream) { selected.append(stream) }
        }
        guard !selected.isEmpty else { throw CLIFailure(.badInput, "--streams is empty: use \(valid)") }
        return selected
    }

    func baseURLChecked() throws -> String {
        let base = baseURL ?? ProcessInfo.processInfo.environment["ANTHROPIC_ADMIN_BASE_URL"] ?? AdminClient.defaultBaseURL
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw CLIFailure(.badInput, "--base-url '\(base)' is not an http(s) URL")
        }
        return base
    }

    /// The key from the environment or a file; never from the command line (it would show in `ps`).
    func loadKey() throws -> AdminKey {
        if let adminKeyFile {
            guard let text = try? String(contentsOfFile: adminKeyFile, encoding: .utf8) else {
                throw CLIFailure(.badInput, "cannot read --admin-key-file \(adminKeyFile)")
            }
            guard let key = AdminKey(firstLineOf: text) else {
                throw CLIFailure(.badInput, "--admin-key-file \(adminKeyFile) has no key on its first line")
            }
            Permissions.warnIfShared(adminKeyFile, what: "--admin-key-file", fix: "chmod 600")
            return key
        }
        if let env = ProcessInfo.processInfo.environment["ANTHROPIC_ADMIN_KEY"], let key = AdminKey(env) {
            return key
        }
        throw CLIFailure(
            .badInput, "no admin key: set ANTHROPIC_ADMIN_KEY or pass --admin-key-file FILE (an organization Admin API key, sk-ant-admin…)")
    }
}
