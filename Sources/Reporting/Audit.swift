import CoreValues
import Foundation
import GRDB
import Ledger
import Projections
import TableSchemas

/// `audit`: the documented six invariants (the origin report's checkpoints, made permanent), plus the
/// Admin API's known gaps as warnings so that silence is never mistaken for completeness.
public enum Audit {
    public enum Status: String, Sendable { case ok, warn, fail }

    public struct Finding: Sendable {
        public var check: String
        public var status: Status
        public var detail: String
    }

    public struct Result: Sendable {
        public var findings: [Finding]
        public var passed: Bool { !findings.contains { $0.status == .fail } }

        public func table() -> TextTable {
            TextTable(
                columns: ["check", "status", "detail"],
                rows: findings.map { [.text($0.check), .text($0.status.rawValue.uppercased()), .text($0.detail)] })
        }
    }

    /// `costTolerance`: how far (USD, after rounding both to cents) the two cost sources may
    /// differ on a final day before invariant 6 fails.
    public static func run(
        ledger: Ledger, tables: ProjectionTables, prices: ListPrices = .standard,
        costTolerance: ExactDecimal = .zero
    ) throws -> Result {
        var findings: [Finding] = []
        findings += try duplicates(tables)
        findings += try completeness(ledger)
        findings += try noMoneyInClaudeCode(tables)
        findings.append(try claudeCodeOrganization(ledger))
        findings += try units(tables, prices: prices)
        let report = try ledger.verify()
        findings.append(
            Finding(
                check: "5 ledger verifies", status: report.isValid ? .ok : .fail,
                detail: report.isValid
                    ? "\(report.events) events, chain head seq \(report.headSeq)"
                    : report.problems.prefix(5).map(\.description).joined(separator: "; ")))
        findings.append(try sourcesAgree(ledger: ledger, tables: tables, tolerance: costTolerance))
        findings += try knownGaps(tables)
        findings.append(try keyCostGap(tables))
        return Result(findings: findings)
    }

    /// Each table's natural key (as documented, `date` first), from the one schema.
    static var naturalKeys: [(String, [String])] {
        TableSchema.all.map { ($0.name, $0.naturalKeyWithDate) }
    }

    static func duplicates(_ tables: ProjectionTables) throws -> [Finding] {
        try tables.read { db in
            try naturalKeys.map { table, key in
                let columns = key.joined(separator: ", ")
                let dupes = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT date, COUNT(*) AS n FROM \(table) GROUP BY \(columns) HAVING COUNT(*) > 1 ORDER BY date LIMIT 5
                        """)
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
                if dupes.isEmpty {
                    return Finding(check: "1 no duplicate keys: \(table)", status: .ok, detail: "\(total) rows, keys unique")
                }
                return Finding(
                    check: "1 no duplicate keys: \(table)", status: .fail,
                    detail: "duplicate natural keys on "
                        + dupes.map { "\($0["date"] as String) (x\($0["n"] as Int))" }.joined(separator: ", "))
            }
        }
    }

    static func completeness(_ ledger: Ledger) throws -> [Finding] {
        var findings: [Finding] = []
        for stream in ReportStream.synced {
            let coverage = try ledger.coverage(stream: stream)
            guard let first = coverage.attempted.min(), let last = coverage.attempted.max() else {
                findings.append(Finding(check: "2 completeness: \(stream)", status: .warn, detail: "never synced"))
                continue
            }
            let end = last.adding(days: 1)
            let covered = coverage.covered
            let gaps = Day.range(from: first, to: end).filter { !covered.contains($0) }
            if gaps.isEmpty {
                findings.append(
                    Finding(
                        check: "2 completeness: \(stream)", status: .ok,
                        detail: "\(end - first) days \(first)..\(end.adding(days: -1)) all covered by complete fetches"))
            } else {
                findings.append(
                    Finding(
                        check: "2 completeness: \(stream)", status: .fail,
                        detail: "\(gaps.count) day(s) without a complete fetch: \(ranges(gaps)); run sync again"))
            }
        }
        return findings
    }

    /// `2025-01-01..2025-01-03, 2025-02-10`.
    public static func ranges(_ days: [Day]) -> String {
        var parts: [String] = []
        var start: Day?
        var previous: Day?
        for day in days.sorted() {
            if let p = previous, day == p.adding(days: 1) {
                previous = day
                continue
            }
            if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)..\(p)") }
            start = day
            previous = day
        }
        if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)..\(p)") }
        return parts.prefix(12).joined(separator: ", ") + (parts.count > 12 ? ", …" : "")
    }

    static let moneyWords = ["cost", "amount", "usd", "price", "spend", "dollar", "cents"]

    static func noMoneyInClaudeCode(_ tables: ProjectionTables) throws -> [Finding] {
        try tables.read { db in
            let columns = try db.columns(in: "claude_code_productivity").map(\.name)
            let money = columns.filter { name in moneyWords.contains { name.lowercased().contains($0) } }
            return [
                Finding(
                    check: "3 no money in claude_code_productivity", status: money.isEmpty ? .ok : .fail,
                    detail: money.isEmpty
                        ? "\(columns.count) columns, none is money (Claude Code spend is already in claude_costs)"
                        : "money-like columns: \(money.joined(separator: ", ")): they double count claude_costs")
            ]
        }
    }

    /// `claude_code_productivity.organization_id` is the ledger's organization (the newest
    /// `organization` event), like every table's; each Claude Code record also names its own
    /// `organization_id`, and a record naming another organization is a page that does not
    /// belong in this data directory.
    static func claudeCodeOrganization(_ ledger: Ledger) throws -> Finding {
        let check = "organization: claude_code records"
        let organization = try Projections.organizationID(in: ledger)
        var records = 0
        var others: [String: Int] = [:]
        // Headers first: a body cannot be read from inside the ledger's cursor.
        var events: [Ledger.Event] = []
        try ledger.forEachEvent(stream: .claudeCode) { events.append($0) }
        for event in events {
            let body = try ledger.body(of: event)
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let data = object["data"] as? [[String: Any]]
            else { continue }
            for record in data {
                guard let own = record["organization_id"] as? String else { continue }
                records += 1
                if own != organization { others[own, default: 0] += 1 }
            }
        }
        guard let organization else {
            return Finding(
                check: check, status: records == 0 ? .ok : .warn,
                detail: "the ledger has no organization event, so organization_id is NULL in every table: run `claude-ledger sync`")
        }
        if others.isEmpty {
            return Finding(
                check: check, status: .ok,
                detail: "\(records) record(s) name organization \(organization), the ledger's")
        }
        let listed = others.sorted { $0.key < $1.key }.prefix(5).map { "\($0.key) (\($0.value) record(s))" }
        return Finding(
            check: check, status: .fail,
            detail: "records name another organization than the ledger's \(organization): \(listed.joined(separator: ", "))")
    }

    static func units(_ tables: ProjectionTables, prices: ListPrices) throws -> [Finding] {
        try [amountsAreCents(tables)] + costAgainstTokens(tables, prices: prices)
    }

    /// Every amount is a cents string and amount_usd is exactly amount_cents / 100.
    static func amountsAreCents(_ tables: ProjectionTables) throws -> Finding {
        let (rows, badRows) = try tables.read { db -> (Int, [String]) in
            var count = 0
            var bad: [String] = []
            let cursor = try Row.fetchCursor(db, sql: "SELECT date, amount_cents, amount_usd FROM claude_costs")
            while let row = try cursor.next() {
                count += 1
                let cents = try? ExactDecimal(parsing: row["amount_cents"] as String)
                let usd = try? ExactDecimal(parsing: row["amount_usd"] as String)
                if cents == nil || usd == nil || (try? cents!.dividedByPowerOfTen(2)) != usd {
                    if bad.count < 5 { bad.append(row["date"]) }
                }
            }
            return (count, bad)
        }
        return Finding(
            check: "4 units: amounts are cents", status: badRows.isEmpty ? .ok : .fail,
            detail: badRows.isEmpty
                ? "\(rows) cost rows: amount_usd = amount_cents / 100 exactly"
                : "amount_usd is not amount_cents / 100 on \(badRows.joined(separator: ", "))")
    }

    /// The day's tokens at list price (batch at half), and the models without a price.
    static func pricedTokens(_ tables: ProjectionTables, prices: ListPrices) throws -> (perDay: [Day: ExactDecimal], unpriced: Set<String>)
    {
        var priced: [Day: ExactDecimal] = [:]
        var unpriced = Set<String>()
        let tokenColumns: [(String, String)] = [
            ("uncached_input_tokens", "uncached_input_tokens"), ("output_tokens", "output_tokens"),
            ("cache_read_input_tokens", "cache_read_input_tokens"),
            ("cache_creation_5m_input_tokens", "cache_creation.ephemeral_5m_input_tokens"),
            ("cache_creation_1h_input_tokens", "cache_creation.ephemeral_1h_input_tokens"),
        ]
        try tables.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT date, model, service_tier, \(tokenColumns.map(\.0).joined(separator: ", ")), web_search_requests
                    FROM claude_usage_keys WHERE service_tier IS NULL OR service_tier NOT LIKE 'priority%'
                    """)
            while let row = try cursor.next() {
                guard let day = Day(row["date"] as String) else { continue }
                var total = priced[day] ?? .zero
                let model: String? = row["model"]
                let batch = (row["service_tier"] as String?) == "batch"
                for (column, type) in tokenColumns {
                    let tokens: Int64 = row[column] ?? 0
                    guard tokens > 0 else { continue }
                    guard let model, let price = prices.usdPerToken(model: model, tokenType: type, on: day) else {
                        unpriced.insert(model ?? "(model not grouped)")
                        continue
                    }
                    var cost = try price.multiplied(by: ExactDecimal(units: Int128(tokens), scale: 0))
                    if batch { cost = try cost.multiplied(by: ExactDecimal(parsing: "0.5")) }
                    total = try total.adding(cost)
                }
                let searches: Int64 = row["web_search_requests"] ?? 0
                total = try total.adding(prices.webSearchUSD.multiplied(by: ExactDecimal(units: Int128(searches), scale: 0)))
                priced[day] = total
            }
        }
        return (priced, unpriced)
    }

    /// Billed cost per day against the day's tokens at list price, and against its neighbours.
    static func costAgainstTokens(_ tables: ProjectionTables, prices: ListPrices) throws -> [Finding] {
        var findings: [Finding] = []
        let billed = try tables.costPerDay()
        let (priced, unpriced) = try pricedTokens(tables, prices: prices)
        var hundredX: [Day] = []
        var implausible: [String] = []
        let days = billed.keys.sorted()
        for (index, day) in days.enumerated() {
            let cost = billed[day]!
            if let p = priced[day], !p.isZero {
                // ratio = cost / priced, compared without division.
                let fifty = try p.multiplied(by: ExactDecimal(50))
                let twoHundred = try p.multiplied(by: ExactDecimal(200))
                let three = try p.multiplied(by: ExactDecimal(3))
                let third = try p.multiplied(by: ExactDecimal(parsing: "0.33"))
                if !(cost < fifty) && !(twoHundred < cost) {
                    hundredX.append(day)
                    continue
                } else if three < cost || cost < third {
                    implausible.append("\(day) billed $\(cost.formatted(places: 2)) vs $\(p.formatted(places: 2)) at list price")
                }
            }
            // Neighbours: a day 20x above the median of the three days either side.
            let neighbours = (max(0, index - 3)..<min(days.count, index + 4)).filter { $0 != index }.map { billed[days[$0]]! }.sorted()
            if neighbours.count >= 2 {
                let median = neighbours[neighbours.count / 2]
                let limit = try median.multiplied(by: ExactDecimal(20))
                if !median.isZero && limit < cost {
                    implausible.append(
                        "\(day) is over 20x its neighbours' median ($\(cost.formatted(places: 2)) vs $\(median.formatted(places: 2)))")
                }
            }
        }
        if !hundredX.isEmpty {
            findings.append(
                Finding(
                    check: "4 units: cost vs tokens", status: .fail,
                    detail:
                        "\(hundredX.count) day(s) billed about 100x their tokens at list price, the cents-read-as-dollars signature: \(ranges(hundredX))"
                ))
        } else if !implausible.isEmpty {
            findings.append(Finding(check: "4 units: cost vs tokens", status: .warn, detail: implausible.prefix(5).joined(separator: "; ")))
        } else {
            findings.append(
                Finding(
                    check: "4 units: cost vs tokens", status: .ok,
                    detail: "\(days.count) days: billed cost within 3x of tokens at list price, no outlier day"))
        }
        if !unpriced.isEmpty {
            findings.append(
                Finding(
                    check: "4 units: price table", status: .warn,
                    detail:
                        "no list price for \(unpriced.sorted().joined(separator: ", ")): their tokens were left out of the check (pass --prices FILE)"
                ))
        }
        return findings
    }

    static func knownGaps(_ tables: ProjectionTables) throws -> [Finding] {
        try tables.read { db in
            var findings: [Finding] = []
            let priority =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(uncached_input_tokens + output_tokens + cache_read_input_tokens), 0) FROM claude_usage_keys
                        WHERE service_tier LIKE 'priority%'
                        """) ?? 0
            if priority > 0 {
                findings.append(
                    Finding(
                        check: "known gap: Priority Tier", status: .warn,
                        detail:
                            "\(priority) Priority Tier tokens have no cost rows: the cost report leaves Priority Tier out (billed separately)"
                    ))
            }
            let console = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM claude_usage_keys WHERE api_key_id IS NULL") ?? 0
            if console > 0 {
                findings.append(
                    Finding(
                        check: "known gap: Console usage", status: .warn,
                        detail: "\(console) usage rows have no API key: Console and Workbench usage is reported with api_key_id null"))
            }
            let subscription =
                try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM claude_code_productivity WHERE customer_type = 'subscription'") ?? 0
            findings.append(
                Finding(
                    check: "known gap: Claude Code subscriptions", status: .warn,
                    detail: subscription > 0
                        ? "\(subscription) subscription rows present; subscription users may still be missing (anthropics/claude-code#27780)"
                        : "no subscription (claude.ai login) users reported: the Claude Code report often leaves them out (anthropics/claude-code#27780)"
                ))
            return findings
        }
    }
}
