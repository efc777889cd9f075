import AdminAPI
import CoreValues

/// Which days `sync` asks for, decided from the ledger's coverage alone. Pure: tested without a
/// network or a disk.
public enum SyncPlanner {
    /// A window of UTC days `[start, end)` fetched as one pagination chain.
    public struct Window: Sendable, Hashable, CustomStringConvertible {
        public var stream: ReportStream
        public var start: Day
        public var end: Day

        public init(stream: ReportStream, start: Day, end: Day) {
            self.stream = stream
            self.start = start
            self.end = end
        }

        public var description: String {
            end == start.adding(days: 1) ? "\(stream) \(start)" : "\(stream) \(start)..\(end.adding(days: -1))"
        }
    }

    /// The most days one chain may ask for: `limit` counts daily buckets (max 31) for the cost and
    /// usage reports; the Claude Code report takes one day per chain (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages, https://platform.claude.com/docs/en/api/admin/cost_report, https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_claude_code).
    public static func maxDays(_ stream: ReportStream) -> Int {
        switch stream {
        case .cost, .usage: return 31
        case .claudeCode: return 1
        case .apiKeys, .workspaces, .organization: return 1
        case .analyticsCost, .analyticsUsage: return 31
        }
    }

    /// - Parameters:
    ///   - covered: the days some complete fetch of this stream covers.
    ///   - attempted: the days any fetch (complete, failed or incomplete) of this stream asked for.
    ///   - since: `--since`, inclusive; nil resumes from the last complete day minus `revisitDays`.
    ///   - until: exclusive end (today, UTC, by default).
    ///   - fallbackStart: where a stream never synced starts when other streams have history.
    public static func windows(
        stream: ReportStream, covered: Set<Day>, attempted: Set<Day>, since: Day?,
        until: Day, revisitDays: Int, fallbackStart: Day?
    ) throws -> [Window] {
        var days = Set<Day>()
        if let since {
            days.formUnion(Day.range(from: since, to: until))
        } else if let last = covered.max() {
            let resume = last.adding(days: 1 - max(0, revisitDays))
            days.formUnion(Day.range(from: resume, to: until))
            // Gaps behind the resume point (failed or interrupted windows) are fetched again.
            if let first = attempted.min() {
                days.formUnion(Day.range(from: first, to: min(resume, until)).filter { !covered.contains($0) })
            }
        } else if let first = attempted.min() ?? fallbackStart {
            days.formUnion(Day.range(from: first, to: until))
        } else {
            throw SyncError.needsSince
        }
        return split(days.filter { $0 < until }, stream: stream)
    }

    /// Days of the analytics streams revisited on every sync, whatever `--revisit-days` says:
    /// Anthropic revises them for about 30 days after the usage date (docs/REFERENCE.md "Projection semantics").
    public static let analyticsRevisitDays = 31

    /// The days the analytics API serves on `today`: from 2026-01-01 and within the last 365
    /// days, up to the start of the current UTC day (exclusive; empty before 2026-01-02).
    public static func analyticsServableDays(today: Day) -> Range<Day> {
        let first = max(ChainRequest.analyticsFirstDay, today.adding(days: -ChainRequest.analyticsMaxAgeDays))
        return first..<max(first, today)
    }

    /// The windows of an analytics stream. The same resume rules as the legacy streams, with
    /// three differences: only servable days are asked for (the others are neither fetched nor
    /// gaps); the last `analyticsRevisitDays` days are fetched again on every sync; and a stream
    /// never synced in a ledger with legacy history starts at `legacyStart` or the first
    /// servable day, whichever is later.
    ///
    /// - Parameters:
    ///   - covered: the days some complete fetch of this stream covers (and that had ended).
    ///   - attempted: the days any fetch of this stream asked for.
    ///   - legacyStart: the first day any legacy stream asked for, nil without legacy history.
    public static func analyticsWindows(
        stream: ReportStream, covered: Set<Day>, attempted: Set<Day>, since: Day?,
        until: Day, today: Day, revisitDays: Int, legacyStart: Day?
    ) throws -> [Window] {
        let servable = analyticsServableDays(today: today)
        let end = min(until, servable.upperBound)
        let start = legacyStart.map { max($0, servable.lowerBound) }
        var days = Set(
            try windows(
                stream: stream, covered: covered, attempted: attempted, since: since, until: end,
                revisitDays: revisitDays, fallbackStart: start
            )
            .flatMap { Day.range(from: $0.start, to: $0.end) })
        days.formUnion(Day.range(from: today.adding(days: -analyticsRevisitDays), to: end))
        return split(days.filter { servable.contains($0) && $0 < end }, stream: stream)
    }

    /// Contiguous runs of days, cut into windows of at most `maxDays(stream)`.
    public static func split(_ days: Set<Day>, stream: ReportStream) -> [Window] {
        let sorted = days.sorted()
        var windows: [Window] = []
        var index = 0
        let limit = maxDays(stream)
        while index < sorted.count {
            let start = sorted[index]
            var end = start.adding(days: 1)
            index += 1
            while index < sorted.count, sorted[index] == end, end - start < limit {
                end = end.adding(days: 1)
                index += 1
            }
            windows.append(Window(stream: stream, start: start, end: end))
        }
        return windows
    }
}
