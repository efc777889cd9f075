import CoreValues
import Foundation
import Ledger

/// Invariant 6: the legacy cost report and the analytics API's cost agree per final day; and the
/// "cost per API key" gap, which the analytics table closes for the days it covers.
extension Audit {
    static let sourcesCheck = "6 cost sources agree"

    /// One day both sources cover whose totals differ by more than the tolerance.
    public struct CostDifference: Sendable, Equatable {
        public var day: Day
        public var costReportUSD: ExactDecimal
        public var analyticsUSD: ExactDecimal
        /// Analytics minus cost report, both rounded to cents.
        public var differenceUSD: ExactDecimal
    }

    /// What invariant 6 compares: the final days both sources cover, the provisional ones left
    /// out, and the days whose totals differ by more than `tolerance`.
    public struct CostComparison: Sendable {
        public var compared: Int
        public var provisional: [Day]
        public var differences: [CostDifference]
        /// False when no day is covered by both sources.
        public var overlap: Bool
        public var analyticsSynced: Bool
    }

    /// The comparison behind invariant 6 (see `sourcesAgree`), over `[since, until)` (all days by default).
    public static func compareCostSources(
        ledger: Ledger, tables: ProjectionTables, tolerance: ExactDecimal, since: Day? = nil, until: Day? = nil
    ) throws -> CostComparison {
        let legacyDays = try tables.coveredDays(.cost, since: since, until: until)
        let analyticsDays = try tables.hasTable(.costsByKey) ? try tables.coveredDays(.analyticsCost, since: since, until: until) : [:]
        let both = Set(legacyDays.keys).intersection(analyticsDays.keys).sorted()
        var result = CostComparison(
            compared: 0, provisional: [], differences: [], overlap: !both.isEmpty,
            analyticsSynced: !analyticsDays.isEmpty)
        guard !both.isEmpty else { return result }
        let legacy = try tables.costPerDay(since: since, until: until)
        let analytics = try tables.billedCostPerDay(since: since, until: until)
        var watermarks = Watermarks(ledger: ledger)
        for day in both {
            let billed = analytics[day]
            let isProvisional = try billed.map(\.provisional) ?? watermarks.isProvisional(day, fetchID: analyticsDays[day]!)
            if isProvisional {
                result.provisional.append(day)
                continue
            }
            result.compared += 1
            let a = billed?.usd ?? .zero
            let l = legacy[day] ?? .zero
            let difference = try a.rounded(places: 2).subtracting(l.rounded(places: 2))
            let magnitude = difference < .zero ? difference.negated() : difference
            if tolerance < magnitude {
                result.differences.append(CostDifference(day: day, costReportUSD: l, analyticsUSD: a, differenceUSD: difference))
            }
        }
        return result
    }

    /// For each day that a complete fetch of both `cost_report` and `analytics_cost` covers and
    /// that is final (not provisional), the two totals rounded to cents must differ by no more
    /// than `tolerance`. A covered day without rows counts as $0; a day without analytics rows
    /// is provisional when the watermark (`data_refreshed_at`) of its fetch's pages had not
    /// passed its end.
    static func sourcesAgree(ledger: Ledger, tables: ProjectionTables, tolerance: ExactDecimal) throws -> Finding {
        let comparison = try compareCostSources(ledger: ledger, tables: tables, tolerance: tolerance)
        guard comparison.overlap else {
            let why = comparison.analyticsSynced ? "their synced days do not overlap" : "the analytics cost stream is not synced"
            return Finding(
                check: sourcesCheck, status: .ok,
                detail: "nothing to compare: \(why) (claude_costs_by_key and claude_costs share no day)")
        }
        let (compared, provisional, differences) = (comparison.compared, comparison.provisional, comparison.differences)
        let skipped = provisional.isEmpty ? "" : "; \(provisional.count) provisional day(s) not compared (\(ranges(provisional)))"
        let within = tolerance.isZero ? "to the cent" : "within $\(tolerance)"
        guard !differences.isEmpty else {
            return Finding(
                check: sourcesCheck, status: .ok,
                detail: "\(compared) final day(s) covered by both claude_costs and claude_costs_by_key agree \(within)\(skipped)")
        }
        let listed = differences.prefix(10).map {
            "\($0.day) cost_report $\($0.costReportUSD) vs analytics_cost $\($0.analyticsUSD) (difference $\($0.differenceUSD))"
        }
        let more = differences.count > 10 ? "; … \(differences.count - 10) more" : ""
        return Finding(
            check: sourcesCheck, status: .fail,
            detail: "\(differences.count) of \(compared) final day(s) differ by more than $\(tolerance): "
                + listed.joined(separator: "; ") + more + skipped
                + ". A legacy day older than the revisit window may be stale: `claude-ledger sync --since \(differences[0].day) --streams cost`"
        )
    }

    /// The per-key cost gap: closed where `claude_costs_by_key` covers the days with cost.
    static func keyCostGap(_ tables: ProjectionTables) throws -> Finding {
        let check = "known gap: cost per API key"
        let costDays = Set(try tables.costPerDay().keys)
        let covered = try tables.hasTable(.costsByKey) ? Set(try tables.coveredDays(.analyticsCost).keys) : []
        let missing = costDays.subtracting(covered)
        if missing.isEmpty && !costDays.isEmpty {
            return Finding(
                check: check, status: .ok,
                detail: "claude_costs_by_key has the billed cost per API key for all \(costDays.count) day(s) with cost")
        }
        if missing.count < costDays.count {
            return Finding(
                check: check, status: .warn,
                detail:
                    "claude_costs_by_key has the billed cost per API key for \(costDays.count - missing.count) of \(costDays.count) day(s) with cost; "
                    + "on \(ranges(Array(missing))) per-key spend from tokens x price is an estimate (the analytics API serves days from 2026-01-01, at most 365 days back)"
            )
        }
        return Finding(
            check: check, status: .warn,
            detail: "the cost report has no per-key breakdown; per-key spend from tokens x price is an estimate "
                + "(`claude-ledger sync --streams analytics-cost` fetches the billed cost per key where the organization has the analytics API)"
        )
    }

    /// The `data_refreshed_at` watermark of analytics fetches, read from their pages in the
    /// ledger once per fetch: the earliest of its pages, nil when any page had none.
    struct Watermarks {
        let ledger: Ledger
        var byFetch: [String: Day?] = [:]

        init(ledger: Ledger) { self.ledger = ledger }

        mutating func isProvisional(_ day: Day, fetchID: String) throws -> Bool {
            let watermark: Day?
            if let known = byFetch[fetchID] {
                watermark = known
            } else {
                watermark = try read(fetchID)
                byFetch[fetchID] = watermark
            }
            guard let watermark else { return true }
            return day >= watermark
        }

        private func read(_ fetchID: String) throws -> Day? {
            var earliest: Day?
            for event in try ledger.events(fetchID: fetchID) {
                let object = try? JSONSerialization.jsonObject(with: try ledger.body(of: event)) as? [String: Any]
                guard let stamp = object?["data_refreshed_at"] as? String, let day = Day(String(stamp.prefix(10))) else {
                    return nil
                }
                earliest = earliest.map { min($0, day) } ?? day
            }
            return earliest
        }
    }
}
