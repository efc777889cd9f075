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
    /// The current UTC day: a day not ended yet is never final, and the cost report has no
    /// bucket for it (the real API answers 400 when a window holds no complete day).
    public var today: Day

    public init(
        since: Day?, until: Day, streams: [ReportStream] = ReportStream.synced, revisitDays: Int = 3,
        concurrency: Int = 2, includeNames: Bool = true, today: Day = Day(containing: Date())
    ) {
        self.since = since
        self.until = until
        self.streams = streams
        self.revisitDays = revisitDays
        self.concurrency = concurrency
        self.includeNames = includeNames
        self.today = today
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
    /// Windows that did not complete (failed, cancelled or never started).
    public var windowsFailed = 0
    /// Set when the sync stopped early: the key was refused or the API stayed unavailable.
    public var abortedBy: AdminAPIError?
    /// Set when the ledger itself failed (disk full, I/O error, busy): the sync stopped; the
    /// pages appended before it are kept.
    public var localFailure: (any Error)?
    /// The organization the key belongs to.
    public var organization: Organization?
    /// Analytics chains started again from their first page after an expired cursor (HTTP 410);
    /// each restart left the fetch before it incomplete in the ledger.
    public var restarts = 0
    /// Set when the analytics API refused the organization (HTTP 400 on a first page, and on the
    /// smallest valid request too): the analytics streams were skipped, not failed.
    public var analyticsRefused: AdminAPIError?
    /// Analytics windows skipped because the organization has no access; not failed, not planned.
    public var windowsSkipped = 0

    public var succeeded: Bool { failed.isEmpty && abortedBy == nil && localFailure == nil }
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

    /// The windows this sync would fetch, from the ledger's coverage. Only days that had ended
    /// when a complete fetch asked for them count as done: a day fetched early is fetched again.
    /// The analytics streams follow their own rules (`SyncPlanner.analyticsWindows`).
    public func plan(_ options: SyncOptions) throws -> [SyncPlanner.Window] {
        var coverage: [ReportStream: Ledger.Coverage] = [:]
        for stream in ReportStream.synced {
            coverage[stream] = try ledger.coverage(stream: stream)
        }
        let legacyStart = ReportStream.reports.compactMap { coverage[$0]?.attempted.min() }.min()
        // A legacy stream never synced starts where any stream's history starts.
        let fallback = coverage.values.compactMap { $0.attempted.min() }.min()
        var windows: [SyncPlanner.Window] = []
        for stream in options.streams where ReportStream.synced.contains(stream) {
            let covered = coverage[stream]?.final ?? [], attempted = coverage[stream]?.attempted ?? []
            if stream.isAnalytics {
                windows += try SyncPlanner.analyticsWindows(
                    stream: stream, covered: covered, attempted: attempted, since: options.since, until: options.until,
                    today: options.today, revisitDays: options.revisitDays, legacyStart: legacyStart)
                continue
            }
            let until = stream == .cost ? min(options.until, options.today) : options.until
            guard options.since.map({ $0 < until }) ?? true else { continue }
            windows += try SyncPlanner.windows(
                stream: stream, covered: covered, attempted: attempted,
                since: options.since, until: until, revisitDays: options.revisitDays,
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
        var stream: ReportStream
        var pagesNew = 0
        var pagesUnchanged = 0
        /// Times the chain was started again from its first page after an expired cursor.
        var restarts = 0
        var error: (any Error)?
        /// A failure not yet recorded in the ledger: a refused first analytics page, which is
        /// recorded only once it is known not to be the organization's lack of access.
        var unrecordedFailure: UnrecordedFailure?
    }

    struct UnrecordedFailure: Sendable {
        var fetch: Ledger.FetchDescriptor
        var attempts: Int
        var message: String
    }

    /// Checks the key's organization against the one the data directory holds, then fetches
    /// every planned window. Refuses (`SyncError`, nothing written) when the key belongs to
    /// another organization. A local failure (disk full, I/O) stops the sync; it is returned in
    /// `SyncSummary.localFailure` with the counts so far, not thrown, so they can be reported.
    public func run(
        _ options: SyncOptions, organization checked: FetchedOrganization? = nil,
        progress: @Sendable (SyncProgress) -> Void = { _ in }
    ) async throws -> SyncSummary {
        let jobs = try makeJobs(options)
        let bound = try SyncEngine.boundOrganization(in: ledger)
        let fetched: FetchedOrganization
        if let checked, bound == nil || bound == checked.organization.id {
            fetched = checked
        } else {
            fetched = try await SyncEngine.fetchOrganization(from: source, boundTo: bound, directory: ledger.directory.path)
        }
        var summary = SyncSummary()
        summary.organization = fetched.organization
        summary.runID = try ledger.beginRun(tool: toolName, parameters: options.parameterSummary)
        summary.windowsPlanned = jobs.count
        logger.info("Sync planned", metadata: ["sync.windows": "\(jobs.count)", "sync.run": "\(summary.runID)"])
        do {
            try appendOrganization(fetched.page, runID: summary.runID)
        } catch {
            summary.localFailure = error
        }
        if summary.localFailure == nil {
            await runJobs(jobs, options: options, summary: &summary, progress: progress)
        }
        // Windows never started because the sync stopped early are failed too: fetched next time.
        summary.windowsPlanned = jobs.count - summary.windowsSkipped
        let notStarted = summary.windowsPlanned - summary.windowsComplete - summary.failed.count
        if notStarted > 0 {
            summary.failed.append(.init(window: "\(notStarted) more window(s)", error: "not attempted: the sync stopped early"))
        }
        summary.windowsFailed = summary.windowsPlanned - summary.windowsComplete
        let status =
            summary.localFailure != nil ? "error" : summary.abortedBy != nil ? "aborted" : summary.failed.isEmpty ? "complete" : "partial"
        do {
            try ledger.endRun(
                summary.runID,
                .init(
                    status: status, pagesNew: summary.pagesNew, pagesUnchanged: summary.pagesUnchanged,
                    windowsFailed: summary.windowsFailed,
                    detail: SyncEngine.runDetail(summary)))
        } catch {
            // The run record is bookkeeping; the pages are already durable. Report the first
            // local failure, never drop this one silently.
            logger.error("Could not record the end of the sync run", metadata: ["sync.run": "\(summary.runID)", "error": "\(error)"])
            if summary.localFailure == nil { summary.localFailure = error }
        }
        return summary
    }

    /// What the run record says besides its counts: the failed windows, and analytics streams
    /// skipped because the organization has no access.
    static func runDetail(_ summary: SyncSummary) -> String {
        var lines = summary.failed.prefix(20).map { "\($0.window): \($0.error)" }
        if let refused = summary.analyticsRefused {
            lines.insert(
                "\(summary.windowsSkipped) analytics window(s) skipped: the analytics API refused the organization "
                    + "(HTTP \(refused.status ?? 0))", at: 0)
        }
        return lines.joined(separator: "\n")
    }

    func makeJobs(_ options: SyncOptions) throws -> [Job] {
        var jobs: [Job] = try plan(options).map { w in
            let chain: ChainRequest =
                switch w.stream {
                case .cost: .cost(days: w.start..<w.end)
                case .usage: .usage(days: w.start..<w.end)
                case .analyticsCost: .analyticsCost(days: w.start..<w.end)
                case .analyticsUsage: .analyticsUsage(days: w.start..<w.end)
                default: .claudeCode(day: w.start)
                }
            return Job(chain: chain, label: w.description, stream: w.stream, start: w.start, end: w.end)
        }
        if options.includeNames {
            jobs.insert(Job(chain: .workspaces(includeArchived: true), label: "workspaces", stream: .workspaces), at: 0)
            jobs.insert(Job(chain: .apiKeys, label: "api_keys", stream: .apiKeys), at: 0)
        }
        return jobs
    }

    /// The key's organization and the page that said so, not yet appended.
    public struct FetchedOrganization: Sendable {
        public var organization: Organization
        public var page: Page
    }

    /// `GET /v1/organizations/me`, checked against `bound`, the first organization the ledger
    /// recorded (the data directory is bound to it). Writes nothing.
    public static func fetchOrganization(
        from source: any PageSource, boundTo bound: String?,
        directory: String
    ) async throws -> FetchedOrganization {
        var received: Page?
        do {
            _ = try await source.fetchChain(.organization(), isolation: nil) { page in received = page }
        } catch let error as AdminAPIError {
            throw error
        } catch {
            throw SyncError.organizationUnknown("\(error)")
        }
        guard let page = received, let organization = Organization.parse(page.body) else {
            throw SyncError.organizationUnknown("the answer is not an organization object")
        }
        if let bound, bound != organization.id {
            throw SyncError.otherOrganization(keyOrganization: organization.id, ledgerOrganization: bound, directory: directory)
        }
        return FetchedOrganization(organization: organization, page: page)
    }

    /// The id of the first organization event in the ledger, or nil for a ledger without one.
    public static func boundOrganization(in ledger: Ledger) throws -> String? {
        guard let first = try ledger.edgeEvent(stream: .organization, newest: false) else { return nil }
        return Organization.parse(try ledger.body(of: first))?.id
    }

    func appendOrganization(_ page: Page, runID: String) throws {
        let fetch = Ledger.FetchDescriptor(runID: runID, stream: .organization, windowStart: nil, windowEnd: nil)
        _ = try ledger.append(
            Ledger.ReceivedPage(
                fetch: fetch, pageIndex: 0, isLast: true,
                request: Ledger.Request(method: page.method, path: page.path, query: page.query),
                status: page.status, requestID: page.requestID, fetchedAt: page.receivedAt, body: page.body,
                attempts: page.attempts))
    }
}
