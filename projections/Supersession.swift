import CoreValues
import Ledger

/// The supersession rule, as a pure function of the ledger's fetch summaries.
///
/// For each stream and each UTC day, the table rows come from the newest complete fetch covering
/// that day and from nothing else: newest is the highest `lastSeq` (the order pages entered the
/// ledger), and a fetch covers the days of its window `[windowStart, windowEnd)`. Older fetches
/// of the same day stay in the ledger as history; incomplete fetches never count. Double counting
/// is impossible by construction because each day has exactly one source.
public enum Supersession {
    /// The fetch a day's rows come from.
    public struct Authority: Sendable, Hashable {
        public var fetchID: String
        public var lastSeq: Int64
    }

    /// What the rule needs to know about one fetch (pagination chain).
    public struct Fetch: Sendable, Hashable {
        public var fetchID: String
        public var windowStart: Day?
        public var windowEnd: Day?
        /// The sequence number of the fetch's newest page.
        public var lastSeq: Int64
        public var isComplete: Bool

        public init(fetchID: String, windowStart: Day?, windowEnd: Day?, lastSeq: Int64, isComplete: Bool) {
            self.fetchID = fetchID
            self.windowStart = windowStart
            self.windowEnd = windowEnd
            self.lastSeq = lastSeq
            self.isComplete = isComplete
        }

        public init(_ summary: Ledger.FetchSummary) {
            self.init(
                fetchID: summary.fetchID, windowStart: summary.windowStart, windowEnd: summary.windowEnd,
                lastSeq: summary.lastSeq, isComplete: summary.isComplete)
        }
    }

    /// The authoritative fetch of every covered day, from the ledger's fetch summaries.
    public static func authoritative(_ summaries: [Ledger.FetchSummary], headSeq: Int64 = .max) -> [Day: Authority] {
        authoritative(summaries.map(Fetch.init), headSeq: headSeq)
    }

    /// The authoritative fetch of every covered day, considering only fetches whose pages all
    /// entered the ledger at or before `headSeq` (a fetch with a page after it was not complete then).
    /// A fetch without a window covers no day.
    public static func authoritative(_ fetches: [Fetch], headSeq: Int64 = .max) -> [Day: Authority] {
        var result: [Day: Authority] = [:]
        for fetch in fetches where fetch.isComplete && fetch.lastSeq <= headSeq {
            guard let start = fetch.windowStart, let end = fetch.windowEnd, start < end else { continue }
            let authority = Authority(fetchID: fetch.fetchID, lastSeq: fetch.lastSeq)
            for day in start.daysSinceEpoch..<end.daysSinceEpoch {
                let key = Day(daysSinceEpoch: day)
                if let current = result[key], current.lastSeq >= fetch.lastSeq { continue }
                result[key] = authority
            }
        }
        return result
    }

    /// The days whose authority differs between `old` and `new` (new days, changed fetches, and
    /// days that lost their authority), sorted.
    public static func changedDays(old: [Day: Authority], new: [Day: Authority]) -> [Day] {
        var changed = Set<Day>()
        for (day, authority) in new where old[day] != authority { changed.insert(day) }
        for day in old.keys where new[day] == nil { changed.insert(day) }
        return changed.sorted()
    }
}
