import CoreValues
import Foundation
import GRDB
import Ledger
import Projections

/// `explain --date D`: a day's cost traced to the ledger pages it came from, with every earlier
/// (superseded) fetch of that day and its total, so a revision by Anthropic shows as history.
public enum Explain {
    public struct Source: Sendable {
        public var event: Ledger.Event
        public var rows: Int
    }

    public struct PastFetch: Sendable {
        public var fetchID: String
        public var firstFetchedAt: String
        public var complete: Bool
        public var totalUSD: ExactDecimal
        public var rows: Int
    }

    public struct Result: Sendable {
        public var day: Day
        public var workspaceFilter: String?
        public var totalUSD: ExactDecimal
        public var lines: TextTable
        public var sources: [Source]
        public var authoritativeFetchID: String?
        public var history: [PastFetch]
        /// The analytics API's billed cost of the day (`claude_costs_by_key`), nil when no complete
        /// `analytics_cost` fetch covers the day.
        public var billed: Billed?
    }

    /// The day in `claude_costs_by_key`: the second source of the same cost, per API key.
    public struct Billed: Sendable {
        public var totalUSD: ExactDecimal
        public var provisional: Bool
        /// Per API key: cost, list cost, rows.
        public var lines: TextTable
        public var sources: [Source]
        public var fetchID: String
        /// The total minus the cost report's, both rounded to cents.
        public var differenceUSD: ExactDecimal
    }

    /// `workspace` matches a workspace id, a name from the names list, or `default`.
    public static func run(
        day: Day, workspace: String?, ledger: Ledger, tables: ProjectionTables,
        names: NameBook
    ) throws -> Result {
        var workspaceID: String??
        if let workspace {
            if ["default", "null", "default workspace"].contains(workspace.lowercased()) {
                workspaceID = .some(nil)
            } else if let byName = names.workspaces.first(where: { $0.value.lowercased() == workspace.lowercased() }) {
                workspaceID = .some(byName.key)
            } else {
                workspaceID = .some(workspace)
            }
        }
        let rows = try tables.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT workspace_id, description, amount_usd, event_id FROM claude_costs WHERE date = ?
                    ORDER BY workspace_id IS NOT NULL, workspace_id, description
                    """, arguments: [day.description])
        }.filter { row in
            guard let wanted = workspaceID else { return true }
            return (row["workspace_id"] as String?) == wanted
        }
        var total = ExactDecimal.zero
        var byLine: [(String, String, ExactDecimal, Int)] = []
        var perEvent: [String: Int] = [:]
        for row in rows {
            let amount = try ExactDecimal(parsing: row["amount_usd"] as String)
            total = try total.adding(amount)
            let ws = names.workspace(row["workspace_id"])
            let description: String = row["description"] ?? "(no description)"
            if let last = byLine.last, last.0 == ws, last.1 == description {
                byLine[byLine.count - 1] = (ws, description, try last.2.adding(amount), last.3 + 1)
            } else {
                byLine.append((ws, description, amount, 1))
            }
            perEvent[row["event_id"] as String, default: 0] += 1
        }
        let lines = TextTable(
            columns: ["workspace", "description", "cost_usd", "rows"],
            rows: byLine.map { [.text($0.0), .text($0.1), .money($0.2), .integer(Int64($0.3))] },
            totals: [.text("total"), .text(nil), .money(total), .integer(Int64(rows.count))])
        var sources: [Source] = []
        for (eventID, count) in perEvent.sorted(by: { $0.key < $1.key }) {
            guard let event = try ledger.event(id: eventID) else {
                throw ReportingError(
                    .corruption, "a claude_costs row names event \(eventID), which is not in the ledger: run `claude-ledger rebuild`")
            }
            sources.append(Source(event: event, rows: count))
        }
        sources.sort { $0.event.seq < $1.event.seq }
        // Every fetch that covered the day, oldest first.
        let summaries = try ledger.fetchSummaries(stream: .cost)
        let authority = Supersession.authoritative(summaries)[day]
        var history: [PastFetch] = []
        for s in summaries {
            guard let a = s.windowStart, let b = s.windowEnd, a <= day, day < b else { continue }
            let first = try ledger.events(fetchID: s.fetchID).first
            var pastTotal = ExactDecimal.zero
            var pastRows = 0
            if s.isComplete {
                (pastTotal, pastRows) = try Projections.costTotal(ledger: ledger, fetchID: s.fetchID, day: day)
            }
            history.append(
                PastFetch(
                    fetchID: s.fetchID, firstFetchedAt: first?.fetchedAt ?? "", complete: s.isComplete,
                    totalUSD: pastTotal, rows: pastRows))
        }
        let billed = try billed(
            day: day, workspace: workspaceID, ledger: ledger, tables: tables, names: names,
            costReportUSD: total)
        return Result(
            day: day, workspaceFilter: workspace, totalUSD: total, lines: lines, sources: sources,
            authoritativeFetchID: authority?.fetchID, history: history, billed: billed)
    }

    static func billed(
        day: Day, workspace: String??, ledger: Ledger, tables: ProjectionTables, names: NameBook,
        costReportUSD: ExactDecimal
    ) throws -> Billed? {
        guard try tables.hasTable(.costsByKey),
            let fetchID = try tables.coveredDays(.analyticsCost, since: day, until: day.adding(days: 1))[day]
        else { return nil }
        let rows = try tables.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT workspace_id, api_key_id, amount_usd, list_amount_usd, provisional, event_id FROM claude_costs_by_key
                    WHERE date = ?
                    """, arguments: [day.description])
        }.filter { row in
            guard let wanted = workspace else { return true }
            let id: String? = row["workspace_id"]
            // The analytics API names the default workspace by a tagged id the names list lacks.
            let asDefault = id == nil || (!names.workspaces.isEmpty && names.workspaces[id!] == nil)
            return wanted == nil ? asDefault : id == wanted
        }
        var byKey: [String?: ProjectionTables.BilledCost] = [:]
        var perEvent: [String: Int] = [:]
        var total = ProjectionTables.BilledCost()
        for row in rows {
            let usd: String = row["amount_usd"], list: String? = row["list_amount_usd"]
            let provisional = (row["provisional"] as Int64?) == 1
            try byKey[row["api_key_id"] as String?, default: .init()].add(usd: usd, listUSD: list, provisional: provisional)
            try total.add(usd: usd, listUSD: list, provisional: provisional)
            perEvent[row["event_id"] as String, default: 0] += 1
        }
        let ordered = byKey.sorted { $0.value.usd != $1.value.usd ? $1.value.usd < $0.value.usd : ($0.key ?? "") < ($1.key ?? "") }
        let lines = TextTable(
            columns: ["api_key", "cost_usd", "list_cost_usd", "rows"],
            rows: ordered.map { [.text(names.apiKey($0.key)), .money($0.value.usd), .money($0.value.listUSD), .integer($0.value.rows)] },
            totals: [.text("total"), .money(total.usd), .money(total.listUSD), .integer(total.rows)])
        var sources: [Source] = []
        for (eventID, count) in perEvent.sorted(by: { $0.key < $1.key }) {
            guard let event = try ledger.event(id: eventID) else {
                throw ReportingError(
                    .corruption, "a claude_costs_by_key row names event \(eventID), which is not in the ledger: run `claude-ledger rebuild`"
                )
            }
            sources.append(Source(event: event, rows: count))
        }
        sources.sort { $0.event.seq < $1.event.seq }
        var provisional = total.provisional
        if rows.isEmpty {
            var watermarks = Audit.Watermarks(ledger: ledger)
            provisional = try watermarks.isProvisional(day, fetchID: fetchID)
        }
        return Billed(
            totalUSD: total.usd, provisional: provisional, lines: lines, sources: sources, fetchID: fetchID,
            differenceUSD: try total.usd.rounded(places: 2).subtracting(costReportUSD.rounded(places: 2)))
    }
}
