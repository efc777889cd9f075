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

    public enum PlanError: Error, Equatable, Sendable {
        /// Nothing in the ledger to resume from and no `--since`.
        case needsSince
    }

    /// The most days one chain may ask for: `limit` counts daily buckets (max 31) for the cost and
    /// usage reports; the Claude Code report takes one day per chain (admin-api.md §2.1, §3.1, §4.1).
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
    public static func windows(stream: ReportStream, covered: Set<Day>, attempted: Set<Day>, since: Day?,
                               until: Day, revisitDays: Int, fallbackStart: Day?) throws -> [Window] {
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
            throw PlanError.needsSince
        }
        return split(days.filter { $0 < until }, stream: stream)
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
