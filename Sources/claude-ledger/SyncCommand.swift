import AdminAPI
import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Logging
import Sync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch every page of the usage and cost reports into the ledger, then update the tables.",
        discussion: """
            The admin key comes from ANTHROPIC_ADMIN_KEY or the first line of --admin-key-file, never
            from the command line. Without --since, each stream resumes from its last complete day
            minus --revisit-days (Anthropic revises recent days); windows that failed before are
            fetched again. Exit 3 when the API refused the key or windows still failed after
            retries: what was fetched is kept, and the next sync fetches the rest.

            Examples:
              ANTHROPIC_ADMIN_KEY=sk-ant-admin01-… claude-ledger sync --since 2025-01-01
              claude-ledger sync --admin-key-file ~/.config/claude-ledger/key
              claude-ledger sync --streams cost,usage --revisit-days 7
              claude-ledger sync --base-url http://127.0.0.1:8089 --since 2025-10-01   # the simulator
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "First day to fetch (inclusive), YYYY-MM-DD, UTC. Required for the first sync.")
    var since: Day?

    @Option(help: "Day to stop before (exclusive), YYYY-MM-DD, UTC (default: today).")
    var until: Day?

    @Option(help: "Comma-separated streams: cost, usage, claude-code (default: all three).")
    var streams: String = "cost,usage,claude-code"

    @Option(help: "Days before the last complete day to fetch again (default 3).")
    var revisitDays: Int = 3

    @Option(help: "Admin API base URL (default: $ANTHROPIC_ADMIN_BASE_URL, else https://api.anthropic.com).")
    var baseURL: String?

    @Option(help: "A file whose first line is the admin key.")
    var adminKeyFile: String?

    @Option(help: "Chains fetched at once (1-4).")
    var concurrency: Int = 2

    @Option(help: "Seconds the API may stay unavailable before sync gives up with exit 3 (default 100).")
    var giveUpAfter: Int = 100

    func validate() throws {
        guard (0...60).contains(revisitDays) else { throw ValidationError("--revisit-days must be between 0 and 60") }
        guard (1...4).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 4") }
        guard (1...3600).contains(giveUpAfter) else { throw ValidationError("--give-up-after must be between 1 and 3600 seconds") }
    }

    func run() async throws {
        // Everything is checked before anything is written.
        let today = Day(containing: Date())
        let end = until ?? today
        if let since, end <= since {
            throw CLIFailure(.badInput, "--until \(end) must be after --since \(since)")
        }
        var selected: [ReportStream] = []
        for name in streams.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let stream = ReportStream(userName: name), ReportStream.reports.contains(stream) else {
                throw CLIFailure(.badInput, "unknown stream '\(name)' in --streams: use cost, usage, claude-code")
            }
            if !selected.contains(stream) { selected.append(stream) }
        }
        guard !selected.isEmpty else { throw CLIFailure(.badInput, "--streams is empty: use cost, usage, claude-code") }
        let key = try loadKey()
        let base = baseURL ?? ProcessInfo.processInfo.environment["ANTHROPIC_ADMIN_BASE_URL"] ?? AdminClient.defaultBaseURL
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw CLIFailure(.badInput, "--base-url '\(base)' is not an http(s) URL")
        }
        let ledger = try global.data.openLedgerForSync(firstSyncNeedsSince: since == nil)
        let lock: SyncLock
        do {
            lock = try SyncLock(directory: global.dataDirectory)
        } catch let busy as SyncLock.Busy {
            throw CLIFailure(.badInput, busy.description)
        }
        defer { withExtendedLifetime(lock) {} }

        let logger = Logger(label: "claude-ledger.sync")
        let options = SyncOptions(since: since, until: end, streams: selected, revisitDays: revisitDays,
                                  concurrency: concurrency)
        var configuration = AdminClient.Configuration()
        configuration.baseURL = base
        let progress = Progress(label: "sync")
        let summary: SyncSummary
        do {
            summary = try await AdminClient.withClient(key: key, configuration: configuration,
                                                       budget: RetryBudget(limit: .seconds(giveUpAfter)), logger: logger) { client in
                let engine = SyncEngine(ledger: ledger, source: client, logger: logger,
                                        toolName: "claude-ledger \(ClaudeLedger.version)")
                do {
                    return try await engine.run(options) { p in
                        progress.update(done: Int64(p.windowsDone), total: Int64(p.windowsTotal), unit: .items,
                                        note: "windows, \(p.pagesNew) new pages, \(p.windowsFailed) failed")
                    }
                } catch SyncPlanner.PlanError.needsSince {
                    throw CLIFailure(.badInput, "nothing to resume from: pass --since YYYY-MM-DD")
                }
            }
        } catch let error as AdminAPIError {
            progress.finish()
            throw CLIFailure(.remoteFailed, "\(error); \(error.suggestion)")
        }
        progress.finish()
        print("sync: \(summary.windowsPlanned) windows, \(summary.pagesNew) pages appended, \(summary.pagesUnchanged) pages already present, \(summary.failed.count) windows failed")
        for failed in summary.failed.prefix(20) {
            print("  failed: \(failed.window): \(failed.error)")
        }
        try updateProjections(ledger: ledger)
        if let aborted = summary.abortedBy {
            throw CLIFailure(.remoteFailed, "sync stopped: \(aborted); \(aborted.suggestion)")
        }
        if !summary.failed.isEmpty {
            throw CLIFailure(.remoteFailed, "\(summary.failed.count) window(s) failed after retries: the pages fetched are kept, and the next sync fetches the failed windows again")
        }
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
            return key
        }
        if let env = ProcessInfo.processInfo.environment["ANTHROPIC_ADMIN_KEY"], let key = AdminKey(env) {
            return key
        }
        throw CLIFailure(.badInput, "no admin key: set ANTHROPIC_ADMIN_KEY or pass --admin-key-file FILE (an organization Admin API key, sk-ant-admin…)")
    }
}
