import AdminAPI
import CoreValues
import Foundation
import Ledger
import Logging

extension SyncEngine {
    /// What the jobs still to launch are, and whether the analytics API has refused the
    /// organization (its remaining windows are then skipped, not launched).
    struct Launcher {
        let jobs: [Job]
        var next = 0
        var skipped = 0

        /// The next job to launch, skipping analytics windows once access is refused.
        mutating func take(skippingAnalytics: Bool) -> Job? {
            while next < jobs.count {
                let job = jobs[next]
                next += 1
                if skippingAnalytics && job.stream.isAnalytics {
                    skipped += 1
                    continue
                }
                return job
            }
            return nil
        }
    }

    /// Fetches the jobs, `options.concurrency` at a time. Stops launching new ones when the key
    /// is refused, the API stays unavailable, or the ledger itself fails; stops launching
    /// analytics windows when the analytics API refuses the organization.
    func runJobs(
        _ jobs: [Job], options: SyncOptions, summary: inout SyncSummary,
        progress: @Sendable (SyncProgress) -> Void
    ) async {
        let runID = summary.runID
        var access = AnalyticsAccess.unknown
        await withTaskGroup(of: JobResult.self) { group in
            var launcher = Launcher(jobs: jobs)
            var done = 0
            func launch() {
                guard let job = launcher.take(skippingAnalytics: access.isRefused) else { return }
                group.addTask { await self.fetch(job, runID: runID) }
            }
            for _ in 0..<max(1, options.concurrency) { launch() }
            while let result = await group.next() {
                done += 1
                summary.pagesNew += result.pagesNew
                summary.pagesUnchanged += result.pagesUnchanged
                summary.restarts += result.restarts
                if await settle(result, access: &access, today: options.today, summary: &summary) {
                    if summary.abortedBy != nil || summary.localFailure != nil { group.cancelAll() }
                }
                progress(
                    SyncProgress(
                        windowsDone: done, windowsTotal: jobs.count - launcher.skipped - summary.windowsSkipped,
                        pagesNew: summary.pagesNew, pagesUnchanged: summary.pagesUnchanged,
                        windowsFailed: summary.failed.count, last: result.label))
                if summary.abortedBy == nil && summary.localFailure == nil { launch() }
            }
            summary.windowsSkipped += launcher.skipped
        }
    }

    /// Counts a finished job as complete, failed or skipped (an analytics window of an
    /// organization without access). Returns true when it failed.
    func settle(_ result: JobResult, access: inout AnalyticsAccess, today: Day, summary: inout SyncSummary) async -> Bool {
        guard let error = result.error else {
            summary.windowsComplete += 1
            return false
        }
        if result.unrecordedFailure != nil {
            if await isAccessRefusal(error, access: &access, today: today) {
                summary.windowsSkipped += 1
                if summary.analyticsRefused == nil, case .refused(let refusal) = access { summary.analyticsRefused = refusal }
                return false
            }
            if let failure = result.unrecordedFailure, let ledgerError = recordFailure(failure) {
                record(ledgerError, label: result.label, in: &summary)
                return true
            }
        }
        record(error, label: result.label, in: &summary)
        return true
    }

    func record(_ error: any Error, label: String, in summary: inout SyncSummary) {
        if let api = error as? AdminAPIError {
            summary.failed.append(.init(window: label, error: api.description))
            if api.abortsSync && summary.abortedBy == nil { summary.abortedBy = api }
        } else if error is CancellationError {
            summary.failed.append(.init(window: label, error: "cancelled"))
        } else {
            // The ledger itself failed (disk full, I/O): stop, and report it as it is.
            if summary.localFailure == nil { summary.localFailure = error }
            summary.failed.append(.init(window: label, error: "\(error)"))
        }
    }

    /// Fetches one window as a chain, appending each page before the next request. A 410
    /// (expired cursor) on an analytics chain starts it again from its first page as a new fetch,
    /// at most `ChainRequest.maxRestartsAfterExpiredCursor` times; the fetch it interrupted stays
    /// in the ledger, incomplete and recorded as failed. Any other failure is recorded too (the
    /// pages already in stay; the fetch is visibly incomplete), except a refused first analytics
    /// page, which `settle` records once it knows it is not the organization's lack of access.
    func fetch(_ job: Job, runID: String) async -> JobResult {
        var result = JobResult(label: job.label, stream: job.stream)
        while true {
            let fetch = Ledger.FetchDescriptor(runID: runID, stream: job.stream, windowStart: job.start, windowEnd: job.end)
            let (attempts, failure) = await fetchOnce(job, fetch, into: &result)
            guard let failure else { return result }
            let message = (failure as? AdminAPIError)?.description ?? (failure is CancellationError ? "cancelled" : "\(failure)")
            if SyncEngine.isExpiredCursor(failure, stream: job.stream),
                result.restarts < ChainRequest.maxRestartsAfterExpiredCursor
            {
                result.restarts += 1
                let note = "the cursor expired (HTTP 410): restarted from the first page as a new fetch"
                if let error = recordFailure(UnrecordedFailure(fetch: fetch, attempts: attempts, message: note)) {
                    result.error = error
                    return result
                }
                logger.info("Chain restarted after an expired cursor", metadata: ["sync.window": "\(job.label)"])
                continue
            }
            result.error = failure
            let unrecorded = UnrecordedFailure(fetch: fetch, attempts: attempts, message: message)
            if failure is LedgerError {
                // The ledger itself failed: nothing more is written.
            } else if SyncEngine.mayBeAccessRefusal(failure) {
                result.unrecordedFailure = unrecorded
            } else if let error = recordFailure(unrecorded) {
                result.error = error
            }
            logger.info(
                result.unrecordedFailure == nil ? "Window failed" : "Window refused on its first page",
                metadata: ["sync.window": "\(job.label)"])
            return result
        }
    }

    /// One pagination chain into one fetch of the ledger. Returns the attempts made and the
    /// error that stopped it, nil when it completed.
    func fetchOnce(_ job: Job, _ fetch: Ledger.FetchDescriptor, into result: inout JobResult) async -> (Int, (any Error)?) {
        var attempts = 0
        var pagesNew = 0, pagesUnchanged = 0
        defer {
            result.pagesNew += pagesNew
            result.pagesUnchanged += pagesUnchanged
        }
        do {
            _ = try await source.fetchChain(job.chain, isolation: nil) { page in
                attempts += page.attempts
                let appended = try ledger.append(
                    Ledger.ReceivedPage(
                        fetch: fetch, pageIndex: page.index, isLast: !page.hasMore,
                        request: Ledger.Request(method: page.method, path: page.path, query: page.query),
                        status: page.status, requestID: page.requestID, fetchedAt: page.receivedAt, body: page.body,
                        attempts: attempts))
                if appended.storedNewBody { pagesNew += 1 } else { pagesUnchanged += 1 }
            }
            return (attempts, nil)
        } catch {
            return (attempts, error)
        }
    }

    /// Records a fetch as failed in the ledger; returns the ledger's error if that failed.
    func recordFailure(_ failure: UnrecordedFailure) -> (any Error)? {
        do {
            try ledger.recordFetchFailure(failure.fetch, attempts: failure.attempts, error: failure.message)
            return nil
        } catch {
            return error
        }
    }

    /// A 410 answer to an analytics chain: its cursor expired after a data refresh, and paging
    /// must restart from the first page (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
    static func isExpiredCursor(_ error: any Error, stream: ReportStream) -> Bool {
        guard stream.isAnalytics, let api = error as? AdminAPIError else { return false }
        return api.status == 410
    }
}
