import AdminAPI
import CoreValues
import Foundation
import Ledger
import Logging

/// What one `sync` asks for.
public struct SyncOptions: Sendable {
    public var since: Day?
    public var until: Day
    public var streams: [ReportStream]
    public var revisitDays: Int
    /// Chains fetched at once. Two is polite: the Admin API asks for bursts, not floods.
    public var concurrency: Int
    /// Also refresh the api_keys and workspaces lists (names for reports).
    public var includeNames: Bool

    public init(since: Day?, until: Day, streams: [ReportStream] = ReportStream.reports, revisitDays: Int = 3,
                concurrency: Int = 2, includeNames: Bool = true) {
        self.since = since
        self.until = until
        self.streams = streams
        self.revisitDays = revisitDays
        self.concurrency = concurrency
        self.includeNames = includeNames
    }

    var parameterSummary: String {
        "since=\(since?.description ?? "resume") until=\(until) streams=\(streams.map(\.rawValue).joined(separator: ",")) revisit_days=\(revisitDays)"
    }
}

/// What a sync did.
public struct SyncSummary: Sendable {
    public struct FailedWindow: Sendable {
        public var window: String
        public var error: String
    }

    public var runID = ""
    public var windowsPlanned = 0
    public var windowsComplete = 0
    public var pagesNew = 0
    public var pagesUnchanged = 0
    public var failed: [FailedWindow] = []
    /// Set when the sync stopped early: the key was refused or the API stayed unavailable.
    public var abortedBy: AdminAPIError?
    /// The report days whose authoritative fetch may have changed (for the projections).
    public var touchedStreams: Set<ReportStream> = []

    public var succeeded: Bool { failed.isEmpty && abortedBy == nil }
}

/// Progress as windows finish.
public struct SyncProgress: Sendable {
    public var windowsDone: Int
    public var windowsTotal: Int
    public var pagesNew: Int
    public var pagesUnchanged: Int
    public var windowsFailed: Int
    public var last: String
}

/// The write side: plans windows from the ledger's coverage, fetches each as one chain, and
/// appends every page as it arrives. The only code that writes the ledger's events.
public struct SyncEngine: Sendable {
    public let ledger: Ledger
    public let source: any PageSource
    public let logger: Logger
    public let toolName: String

    public init(ledger: Ledger, source: any PageSource, logger: Logger, toolName: String = "claude-ledger") {
        self.ledger = ledger
        self.source = source
        self.logger = logger
        self.toolName = toolName
    }

    /// The windows this sync would fetch, from the ledger's coverage.
    public func plan(_ options: SyncOptions) throws -> [SyncPlanner.Window] {
        var coverage: [ReportStream: Ledger.Coverage] = [:]
        for stream in ReportStream.reports {
            coverage[stream] = try ledger.coverage(stream: stream)
        }
        let fallback = coverage.values.compactMap { $0.attempted.min() }.min()
        var windows: [SyncPlanner.Window] = []
        for stream in options.streams where ReportStream.reports.contains(stream) {
            windows += try SyncPlanner.windows(stream: stream, covered: coverage[stream]?.covered ?? [], attempted: coverage[stream]?.attempted ?? [],
                                               since: options.since, until: options.until, revisitDays: options.revisitDays,
                                               fallbackStart: fallback)
        }
        return windows
    }

    struct Job: Sendable {
        var chain: ChainRequest
        var label: String
        var stream: ReportStream
        var start: Day?
        var end: Day?
    }

    struct JobResult: Sendable {
        var label: String
        var pagesNew = 0
        var pagesUnchanged = 0
        var error: (any Error)?
    }

    public func run(_ options: SyncOptions, progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncSummary {
        let windows = try plan(options)
        var jobs: [Job] = windows.map { w in
            let chain: ChainRequest = switch w.stream {
            case .cost: .cost(days: w.start..<w.end)
            case .usage: .usage(days: w.start..<w.end)
            default: .claudeCode(day: w.start)
            }
            return Job(chain: chain, label: w.description, stream: w.stream, start: w.start, end: w.end)
        }
        if options.includeNames {
            jobs.insert(Job(chain: .workspaces(includeArchived: true), label: "workspaces", stream: .workspaces), at: 0)
            jobs.insert(Job(chain: .apiKeys, label: "api_keys", stream: .apiKeys), at: 0)
        }
        var summary = SyncSummary()
        summary.runID = try ledger.beginRun(tool: toolName, parameters: options.parameterSummary)
        summary.windowsPlanned = jobs.count
        logger.info("Sync planned", metadata: ["sync.windows": "\(jobs.count)", "sync.run": "\(summary.runID)"])
        var fatal: (any Error)?
        let runID = summary.runID
        await withTaskGroup(of: JobResult.self) { group in
            var next = 0
            var done = 0
            func launch() {
                let job = jobs[next]
                next += 1
                group.addTask { await self.fetch(job, runID: runID) }
            }
            while next < jobs.count && next < max(1, options.concurrency) { launch() }
            while let result = await group.next() {
                done += 1
                summary.pagesNew += result.pagesNew
                summary.pagesUnchanged += result.pagesUnchanged
                if let error = result.error {
                    if let api = error as? AdminAPIError {
                        summary.failed.append(.init(window: result.label, error: api.description))
                        if api.abortsSync && summary.abortedBy == nil {
                            summary.abortedBy = api
                            group.cancelAll()
                        }
                    } else if error is CancellationError {
                        summary.failed.append(.init(window: result.label, error: "cancelled"))
                    } else {
                        // The ledger itself failed (disk, busy): stop, and report it as it is.
                        if fatal == nil { fatal = error }
                        summary.failed.append(.init(window: result.label, error: "\(error)"))
                        group.cancelAll()
                    }
                } else {
                    summary.windowsComplete += 1
                }
                progress(SyncProgress(windowsDone: done, windowsTotal: jobs.count, pagesNew: summary.pagesNew,
                                      pagesUnchanged: summary.pagesUnchanged, windowsFailed: summary.failed.count,
                                      last: result.label))
                if summary.abortedBy == nil && fatal == nil && next < jobs.count { launch() }
            }
        }
        // Windows never started because the sync stopped early are failed too: fetched next time.
        let notStarted = jobs.count - summary.windowsComplete - summary.failed.count
        if notStarted > 0 {
            summary.failed.append(.init(window: "\(notStarted) more window(s)", error: "not attempted: the sync stopped early"))
        }
        summary.touchedStreams = Set(jobs.map(\.stream))
        let status = fatal != nil ? "error" : summary.abortedBy != nil ? "aborted" : summary.failed.isEmpty ? "complete" : "partial"
        try? ledger.endRun(summary.runID, .init(status: status, pagesNew: summary.pagesNew, pagesUnchanged: summary.pagesUnchanged,
                                                windowsFailed: summary.failed.count,
                                                detail: summary.failed.prefix(20).map { "\($0.window): \($0.error)" }.joined(separator: "\n")))
        if let fatal { throw fatal }
        return summary
    }

    /// Fetches one chain, appending each page before the next request. A failure is recorded in
    /// the ledger (the pages already in stay; the fetch is visibly incomplete).
    func fetch(_ job: Job, runID: String) async -> JobResult {
        var result = JobResult(label: job.label)
        let fetch = Ledger.FetchDescriptor(runID: runID, stream: job.stream, windowStart: job.start, windowEnd: job.end)
        var attempts = 0
        do {
            _ = try await source.fetchChain(job.chain, isolation: nil) { page in
                attempts += page.attempts
                let appended = try ledger.append(Ledger.Page(
                    fetch: fetch, pageIndex: page.index, isLast: !page.hasMore,
                    request: Ledger.Request(method: page.method, path: page.path, query: page.query),
                    status: page.status, requestID: page.requestID, fetchedAt: page.receivedAt, body: page.body,
                    attempts: attempts))
                if appended.storedNewBody { result.pagesNew += 1 } else { result.pagesUnchanged += 1 }
            }
        } catch {
            result.error = error
            let message = (error as? AdminAPIError)?.description ?? (error is CancellationError ? "cancelled" : "\(error)")
            if !(error is LedgerError) {
                do {
                    try ledger.recordFetchFailure(fetch, attempts: attempts, error: message)
                } catch {
                    result.error = error
                }
            }
            logger.info("Window failed", metadata: ["sync.window": "\(job.label)"])
        }
        return result
    }
}
