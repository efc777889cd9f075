import CoreValues
import Foundation
import GRDB
import Ledger
import Projections

/// `report html`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) that
/// shows the spend of a date range, every figure from the same exact queries as `report`.
///
/// Gathering (`HTMLReport.gather`) reads the projections, the ledger and the reconciliation
/// history into the page's `Content`; rendering (`HTMLReport.render`) is a pure function of that `Content`.
public enum HTMLReport {
    /// A ledger head: sequence number and chain hash.
    public struct Head: Sendable, Equatable {
        public var seq: Int64
        public var chainHash: String
    }

    /// The newest recorded `reconcile` run.
    public struct ReconcileRun: Sendable, Equatable {
        public var runAt: String
        public var verdict: String
        public var days: Int
        public var daysOff: Int
        public var tolerance: String
        public var fileName: String
        public var ledgerHeadSeq: Int64
    }

    /// The audit's outcome, reduced to what the header shows.
    public struct AuditSummary: Sendable, Equatable {
        public var passed: Bool
        public var failures: [String]
        public var warnings: Int
        public var checks: Int

        public init(_ result: Audit.Result) {
            passed = result.passed
            failures = result.findings.filter { $0.status == .fail }.map { "\($0.check): \($0.detail)" }
            warnings = result.findings.filter { $0.status == .warn }.count
            checks = result.findings.count
        }
    }

    /// An exact amount with its display label and the id it was grouped by.
    public struct Slice: Sendable, Equatable {
        public var label: String
        public var id: String?
        public var usd: ExactDecimal
    }

    /// One API key's tokens (from `claude_usage_keys`) and, where the analytics cost table covers
    /// the range, its billed cost (from `claude_costs_by_key`).
    public struct KeyLine: Sendable, Equatable {
        public var label: String
        public var id: String?
        public var input: Int64
        public var cacheRead: Int64
        public var output: Int64
        public var total: Int64 { input + cacheRead + output }
        public var billedUSD: ExactDecimal?
    }

    /// Tokens and requests of one actor or product (from `claude_usage_by_actor`).
    public struct UsageLine: Sendable, Equatable {
        public var label: String
        public var detail: String
        public var tokens: Int64
        public var requests: Int64
    }

    /// Claude Code activity of one day.
    public struct CodeDay: Sendable, Equatable {
        public var sessions: Int64 = 0
        public var linesAdded: Int64 = 0
        public var linesRemoved: Int64 = 0
        public var commits: Int64 = 0
        public var pullRequests: Int64 = 0
    }

    /// Where the API key section's cost comes from.
    public enum KeyCostSource: Sendable, Equatable {
        /// `claude_costs_by_key` has a row for every day of the range that has cost.
        case analytics
        /// No analytics cost table in projections.sqlite.
        case noAnalyticsTable
        /// The table exists but covers only `covered` of the `needed` days with cost.
        case partial(covered: Int, needed: Int)
    }

    /// Everything the page shows: the figures and where they come from.
    public struct Content: Sendable {
        public var organization: Organization?
        /// The days shown, `[since, until)`; empty when there is nothing to show and no range was given.
        public var since: Day?
        public var until: Day?
        public var grandTotal: ExactDecimal = .zero
        public var costRows: Int64 = 0
        /// Per day, per workspace key (nil is the default workspace): exact USD.
        public var daily: [Day: [String?: ExactDecimal]] = [:]
        public var workspaces: [Slice] = []
        public var models: [Slice] = []
        public var keys: [KeyLine] = []
        public var keyCost: KeyCostSource = .noAnalyticsTable
        /// nil when projections.sqlite has no `claude_usage_by_actor` table.
        public var actors: [UsageLine]?
        public var products: [UsageLine]?
        public var claudeCode: [Day: CodeDay] = [:]
        public var projectionsHead: Head?
        public var ledgerHead: Head?
        public var fingerprint: String?
        public var reconciliation: ReconcileRun?
        public var audit: AuditSummary?

        public var days: [Day] {
            guard let since, let until else { return [] }
            return Day.range(from: since, to: until)
        }
    }

    /// What `gather` reads besides the projections; each part is optional so that the page
    /// says plainly what it could not show.
    public struct Sources: Sendable {
        public var ledger: Ledger?
        /// The ledger's organization (its newest `organization` event), read by the caller.
        public var organization: Organization?
        public var names: NameBook
        public var reconcileLog: ReconcileLog?
        public var audit: Audit.Result?

        public init(
            ledger: Ledger?, organization: Organization? = nil, names: NameBook = NameBook(),
            reconcileLog: ReconcileLog? = nil, audit: Audit.Result? = nil
        ) {
            self.ledger = ledger
            self.organization = organization
            self.names = names
            self.reconcileLog = reconcileLog
            self.audit = audit
        }
    }

    /// Reads every figure of the page for `[since, until)`. Without `since` the range starts at
    /// the first day with data, without `until` it ends after the last one.
    public static func gather(tables: ProjectionTables, sources: Sources, since: Day?, until: Day?) throws -> Content {
        var page = Content()
        let range = try dataRange(tables)
        page.since = since ?? range?.first
        page.until = until ?? range.map { $0.last.adding(days: 1) } ?? (page.since.map { _ in Day(containing: Date()).adding(days: 1) })
        if let s = page.since, let u = page.until, u <= s { page.until = s.adding(days: 1) }
        try gatherCosts(into: &page, tables: tables, names: sources.names)
        try gatherKeys(into: &page, tables: tables, names: sources.names)
        try gatherAnalyticsUsage(into: &page, tables: tables, names: sources.names)
        page.claudeCode = try claudeCodeDays(tables, since: page.since, until: page.until)
        try gatherProvenance(into: &page, tables: tables, sources: sources)
        return page
    }

    /// The first and last day any table has rows for, or nil when all are empty.
    static func dataRange(_ tables: ProjectionTables) throws -> (first: Day, last: Day)? {
        try tables.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT MIN(d) AS first, MAX(d) AS last FROM (
                        SELECT date AS d FROM claude_costs UNION ALL SELECT date FROM claude_usage_keys
                        UNION ALL SELECT date FROM claude_code_productivity)
                    """)
            guard let first = (row?["first"] as String?).flatMap({ Day($0) }),
                let last = (row?["last"] as String?).flatMap({ Day($0) })
            else { return nil }
            return (first, last)
        }
    }

    static func gatherCosts(into page: inout Content, tables: ProjectionTables, names: NameBook) throws {
        let byDay = try Report.costSums(tables, by: ["date", "workspace_id"], since: page.since, until: page.until)
        var workspaces: [String?: ExactDecimal] = [:]
        for group in byDay {
            guard let day = group.keys[0].flatMap({ Day($0) }) else {
                throw ReportingError(.corruption, "claude_costs has a row with a malformed date")
            }
            let workspace = group.keys[1]
            page.daily[day, default: [:]][workspace] = try (page.daily[day]?[workspace] ?? .zero).adding(group.usd)
            workspaces[workspace] = try (workspaces[workspace] ?? .zero).adding(group.usd)
            page.grandTotal = try page.grandTotal.adding(group.usd)
            page.costRows += group.rows
        }
        page.workspaces = workspaces.map { Slice(label: names.workspaceLabel($0.key), id: $0.key, usd: $0.value) }
            .sorted(by: largestFirst)
        page.models = try Report.costSums(tables, by: ["model"], since: page.since, until: page.until).map {
            Slice(label: Report.label($0.keys[0], column: "model", names: names), id: $0.keys[0], usd: $0.usd)
        }.sorted(by: largestFirst)
    }

    static func largestFirst(_ a: Slice, _ b: Slice) -> Bool {
        a.usd != b.usd ? b.usd < a.usd : a.label < b.label
    }

    static func claudeCodeDays(_ tables: ProjectionTables, since: Day?, until: Day?) throws -> [Day: CodeDay] {
        try tables.read { db in
            var days: [Day: CodeDay] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT date, SUM(num_sessions), SUM(lines_added), SUM(lines_removed), SUM(commits), SUM(pull_requests)
                    FROM claude_code_productivity WHERE \(Report.rangeClause) GROUP BY date
                    """, arguments: [since?.description, until?.description])
            for row in rows {
                guard let day = Day(row[0] as String) else { continue }
                days[day] = CodeDay(
                    sessions: row[1] ?? 0, linesAdded: row[2] ?? 0, linesRemoved: row[3] ?? 0,
                    commits: row[4] ?? 0, pullRequests: row[5] ?? 0)
            }
            return days
        }
    }
}

extension NameBook {
    /// "Name" for a named workspace, the id otherwise, "Default workspace" for nil: the legacy
    /// reports send the default workspace as NULL (docs/REFERENCE.md "The tables").
    func workspaceLabel(_ key: String?) -> String {
        guard let key else { return "Default workspace" }
        return workspaces[key] ?? key
    }
}
