import CoreValues
import Foundation
import GRDB
import Ledger
import Projections
import TableSchemas

/// The page's per-key and analytics sections, and where its figures come from (organization,
/// heads, fingerprint, reconciliation, audit).
extension HTMLReport {
    static let analyticsUsageTable = ProjectionTable.usageByActor.rawValue

    /// Tokens per API key from `claude_usage_keys`; billed cost per key from
    /// `claude_costs_by_key` when that table has every day of the range that has cost.
    static func gatherKeys(into page: inout Content, tables: ProjectionTables, names: NameBook) throws {
        let args: StatementArguments = [page.since?.description, page.until?.description]
        var lines = try tables.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT api_key_id, SUM(uncached_input_tokens + cache_creation_5m_input_tokens + cache_creation_1h_input_tokens),
                           SUM(cache_read_input_tokens), SUM(output_tokens)
                    FROM claude_usage_keys WHERE \(Report.rangeClause) GROUP BY api_key_id
                    """, arguments: args
            ).map { row in
                KeyLine(label: keyName(row[0], names), id: row[0], input: row[1] ?? 0, cacheRead: row[2] ?? 0, output: row[3] ?? 0)
            }
        }
        guard try tables.hasTable(.costsByKey) else {
            page.keys = lines.sorted { $0.total != $1.total ? $0.total > $1.total : $0.label < $1.label }
            page.keyCost = .noAnalyticsTable
            return
        }
        let needed = Set(page.daily.keys)
        // Covered as `report` and `audit` count it: a complete analytics_cost fetch holds the day.
        let covered = Set(try tables.coveredDays(.analyticsCost, since: page.since, until: page.until).keys).intersection(needed)
        if covered.count < needed.count || (needed.isEmpty && page.since == nil) {
            page.keyCost = .partial(covered: covered.count, needed: needed.count)
        } else {
            page.keyCost = .analytics
            let billed = try tables.billedCost(by: "api_key_id", since: page.since, until: page.until)
            for (id, cost) in billed {
                let usd = cost.usd
                if let index = lines.firstIndex(where: { $0.id == id }) {
                    lines[index].billedUSD = usd
                } else {
                    lines.append(KeyLine(label: keyName(id, names), id: id, input: 0, cacheRead: 0, output: 0, billedUSD: usd))
                }
            }
            for index in lines.indices where lines[index].billedUSD == nil { lines[index].billedUSD = .zero }
        }
        page.keys = lines.sorted { lhs, rhs in
            let l = lhs.billedUSD ?? .zero, r = rhs.billedUSD ?? .zero
            if l != r { return r < l }
            return lhs.total != rhs.total ? lhs.total > rhs.total : lhs.label < rhs.label
        }
    }

    /// The key's name, or its id when the names list lacks it; usage without a key is the Console's.
    static func keyName(_ id: String?, _ names: NameBook) -> String {
        guard let id else { return "Console and Workbench (no API key)" }
        return names.apiKeys[id] ?? id
    }

    /// Usage per actor and per product from `claude_usage_by_actor`; nil sections without it.
    static func gatherAnalyticsUsage(into page: inout Content, tables: ProjectionTables, names: NameBook) throws {
        guard try tables.hasTable(.usageByActor) else { return }
        let args: StatementArguments = [page.since?.description, page.until?.description]
        let tokens =
            "SUM(uncached_input_tokens + cache_creation_5m_input_tokens + cache_creation_1h_input_tokens + cache_read_input_tokens + output_tokens)"
        try tables.read { db in
            let actorRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT actor_type, actor_id, MAX(actor_email), MAX(actor_name), \(tokens), SUM(COALESCE(requests, 0))
                    FROM \(analyticsUsageTable) WHERE \(Report.rangeClause) GROUP BY actor_type, actor_id
                    """, arguments: args)
            page.actors = actorRows.map { row in
                let type: String? = row[0], id: String? = row[1], email: String? = row[2], name: String? = row[3]
                let label = names.actorLabel(type: type, id: id, email: email, name: name, keyLabel: { keyName($0, names) })
                return UsageLine(label: label, detail: actorKind(type), tokens: row[4] ?? 0, requests: row[5] ?? 0)
            }.sorted(by: mostTokensFirst)
            let productRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT product, \(tokens), SUM(COALESCE(requests, 0)), COUNT(DISTINCT actor_id)
                    FROM \(analyticsUsageTable) WHERE \(Report.rangeClause) GROUP BY product
                    """, arguments: args)
            page.products = productRows.map { row in
                let actors: Int64 = row[3] ?? 0
                return UsageLine(
                    label: (row[0] as String?) ?? "(no product)", detail: "\(actors) actor\(actors == 1 ? "" : "s")",
                    tokens: row[1] ?? 0, requests: row[2] ?? 0)
            }.sorted(by: mostTokensFirst)
        }
    }

    static func mostTokensFirst(_ a: UsageLine, _ b: UsageLine) -> Bool {
        a.tokens != b.tokens ? a.tokens > b.tokens : a.label < b.label
    }

    static func actorKind(_ type: String?) -> String {
        switch type {
        case "user_actor": "person"
        case "service_account_actor": "service account"
        case "federated_actor": "federated identity"
        case "api_actor": "API key"
        default: type ?? "unknown"
        }
    }

    /// The organization, the heads, the fingerprint, the last reconciliation and the audit.
    static func gatherProvenance(into page: inout Content, tables: ProjectionTables, sources: Sources) throws {
        page.organization = sources.organization
        if let ledger = sources.ledger {
            let last = try ledger.stats().lastSeq
            if last > 0, let event = try ledger.event(seq: last) {
                page.ledgerHead = Head(seq: last, chainHash: event.chainHashHex)
            }
        }
        if let info = try? Projections.buildInfo(of: tables.url) {
            page.fingerprint = info.fingerprint
            if let seq = info.ledgerHeadSeq, let chain = info.ledgerHeadChainHash {
                page.projectionsHead = Head(seq: seq, chainHash: chain)
            }
        }
        page.reconciliation = try sources.reconcileLog?.lastRun()
        page.audit = sources.audit.map(AuditSummary.init)
    }
}

extension ReconcileLog {
    /// The newest recorded run, or nil when none was recorded.
    public func lastRun() throws -> HTMLReport.ReconcileRun? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM reconciliations ORDER BY id DESC LIMIT 1").map { row in
                HTMLReport.ReconcileRun(
                    runAt: row["run_at"], verdict: row["verdict"], days: row["days"], daysOff: row["days_off"],
                    tolerance: row["tolerance"], fileName: row["file_name"], ledgerHeadSeq: row["ledger_head_seq"])
            }
        }
    }
}
