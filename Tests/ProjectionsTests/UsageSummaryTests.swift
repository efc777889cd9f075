import CoreValues
import Foundation
import Ledger
@testable import Projections
import TableSchemas
import Testing

/// `projection_usage_by_month` holds, per month and value of date, workspace, model and API key,
/// the row count and token sums of `claude_usage_keys`: checked against sums worked out by hand
/// from a small ledger that crosses a month boundary, after a rebuild and after an update that
/// revises a day, and against `GROUP BY` of the table itself for every date range.
struct UsageSummaryTests {
    /// One usage result: cache creation 5m 5, 1h 1, cache reads 7, one web search on every row.
    func row(_ key: String?, _ workspace: String?, _ model: String, uncached: Int, output: Int) -> String {
        func text(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "null" }
        return
            "{\"uncached_input_tokens\":\(uncached),\"cache_creation\":{\"ephemeral_1h_input_tokens\":1,\"ephemeral_5m_input_tokens\":5},\"cache_read_input_tokens\":7,\"output_tokens\":\(output),\"server_tool_use\":{\"web_search_requests\":1},\"api_key_id\":\(text(key)),\"workspace_id\":\(text(workspace)),\"model\":\"\(model)\",\"service_tier\":\"standard\",\"context_window\":null,\"inference_geo\":null}"
    }

    /// 2025-01-31: three rows; 2025-02-01: two rows of k1; 2025-02-02: one row of k2.
    func ledger() throws -> TestLedger {
        let l = try TestLedger()
        try l.appendFetch(
            .usage, from: "2025-01-31", to: "2025-02-03",
            page: usagePage([
                (
                    "2025-01-31",
                    [
                        row("k1", "w1", "m-a", uncached: 10, output: 1), row("k2", nil, "m-b", uncached: 20, output: 2),
                        row(nil, "w1", "m-a", uncached: 30, output: 3),
                    ]
                ),
                ("2025-02-01", [row("k1", "w1", "m-b", uncached: 100, output: 10), row("k1", "w2", "m-a", uncached: 200, output: 20)]),
                ("2025-02-02", [row("k2", "w2", "m-a", uncached: 1000, output: 100)]),
            ]))
        return l
    }

    /// "dimension month value" → [rows, uncached, 5m, 1h, cache read, output, web search]; NULL as "-".
    func summary(_ url: URL) throws -> [String: [Int64]] {
        let file = try SQLiteFile(path: url.path, create: false, readOnly: true)
        let stmt = try file.prepare(
            """
            SELECT dimension, month, CASE has_value WHEN 1 THEN value ELSE '-' END, row_count, \(UsageSummary.tokenColumns.joined(separator: ", "))
            FROM projection_usage_by_month
            """)
        var out: [String: [Int64]] = [:]
        while try stmt.step() {
            out["\(stmt.text(0)!) \(stmt.text(1)!) \(stmt.text(2)!)"] = (3..<10).map { stmt.int($0) }
        }
        return out
    }

    /// The same groups computed by SQLite from the table itself.
    func groupBy(_ url: URL) throws -> [String: [Int64]] {
        let file = try SQLiteFile(path: url.path, create: false, readOnly: true)
        var out: [String: [Int64]] = [:]
        let sums = UsageSummary.tokenColumns.map { "SUM(\($0))" }.joined(separator: ", ")
        for column in UsageSummary.dimensions {
            let stmt = try file.prepare(
                """
                SELECT substr(date, 1, 7), IFNULL(\(column), '-'), COUNT(*), \(sums) FROM claude_usage_keys GROUP BY 1, 2
                """)
            while try stmt.step() {
                out["\(column) \(stmt.text(0)!) \(stmt.text(1)!)"] = (2..<9).map { stmt.int($0) }
            }
        }
        return out
    }

    /// Rows, uncached and output as worked out by hand; the other four sums are 5, 1, 7 and 1 per row.
    func expected(_ groups: [String: (rows: Int64, uncached: Int64, output: Int64)]) -> [String: [Int64]] {
        groups.mapValues { g in [g.rows, g.uncached, 5 * g.rows, g.rows, 7 * g.rows, g.output, g.rows] }
    }

    static let january: [String: (rows: Int64, uncached: Int64, output: Int64)] = [
        "date 2025-01 2025-01-31": (3, 60, 6),
        "workspace_id 2025-01 w1": (2, 40, 4), "workspace_id 2025-01 -": (1, 20, 2),
        "model 2025-01 m-a": (2, 40, 4), "model 2025-01 m-b": (1, 20, 2),
        "api_key_id 2025-01 k1": (1, 10, 1), "api_key_id 2025-01 k2": (1, 20, 2), "api_key_id 2025-01 -": (1, 30, 3),
    ]

    @Test func aRebuildSumsEveryMonthAndValue() throws {
        let l = try ledger()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let february: [String: (rows: Int64, uncached: Int64, output: Int64)] = [
            "date 2025-02 2025-02-01": (2, 300, 30), "date 2025-02 2025-02-02": (1, 1000, 100),
            "workspace_id 2025-02 w1": (1, 100, 10), "workspace_id 2025-02 w2": (2, 1200, 120),
            "model 2025-02 m-a": (2, 1200, 120), "model 2025-02 m-b": (1, 100, 10),
            "api_key_id 2025-02 k1": (2, 300, 30), "api_key_id 2025-02 k2": (1, 1000, 100),
        ]
        let stored = try summary(l.dir.projections)
        #expect(stored == expected(Self.january.merging(february) { a, _ in a }))
        #expect(stored == (try groupBy(l.dir.projections)))
    }

    @Test func anUpdateThatRevisesADaySubtractsItsOldRowsAndDropsEmptiedGroups() throws {
        let l = try ledger()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        // 2025-02-01 revised: k1's two rows (its only February rows, and model m-b's) become one row of k3.
        try l.appendFetch(
            .usage, from: "2025-02-01", to: "2025-02-02",
            page: usagePage([
                ("2025-02-01", [row("k3", "w1", "m-a", uncached: 5, output: 1)])
            ]))
        let plans = QueryPlanLog()
        let updated = try Projections.update(
            ledger: l.ledger, projectionsURL: l.dir.projections, decoder: PageDecoder(),
            logger: .init(label: "test"), plans: plans)
        #expect(updated.mode == .incremental && updated.daysProjected == 1)
        let february: [String: (rows: Int64, uncached: Int64, output: Int64)] = [
            "date 2025-02 2025-02-01": (1, 5, 1), "date 2025-02 2025-02-02": (1, 1000, 100),
            "workspace_id 2025-02 w1": (1, 5, 1), "workspace_id 2025-02 w2": (1, 1000, 100),
            "model 2025-02 m-a": (2, 1005, 101),
            "api_key_id 2025-02 k2": (1, 1000, 100), "api_key_id 2025-02 k3": (1, 5, 1),
        ]
        let stored = try summary(l.dir.projections)
        #expect(stored == expected(Self.january.merging(february) { a, _ in a }))
        #expect(stored == (try groupBy(l.dir.projections)))
        #expect(plans.scans(of: UsageSummary.tableName).isEmpty)
        #expect(plans.scans(of: ProjectionTable.usage.rawValue).isEmpty)
        // The same as a rebuild of the revised ledger, and the fingerprint covers only the tables.
        let full = l.dir.file("full.sqlite")
        let rebuilt = try Projections.rebuild(ledger: l.ledger, into: full)
        #expect(try summary(full) == stored)
        #expect(rebuilt.fingerprint == updated.fingerprint)
    }

    /// Six pages of one fetch, page m holding the 15th of month m and the 1st of month m + 1:
    /// the rebuild adds its sums to the file each time a page brings a second month
    /// (`UsageAccumulator.maxMonths`), so a month's sums arrive in two additions that must add up.
    @Test func monthsSplitAcrossPagesAreSummedInPiecesThatAddUp() throws {
        let l = try TestLedger()
        var pages: [Data] = []
        for m in 1...6 {
            pages.append(
                Data(
                    usagePage([
                        (
                            "2025-0\(m)-15",
                            [
                                row("k1", "w1", "m-a", uncached: m, output: 1),
                                row(m % 2 == 0 ? "k2" : nil, nil, "m-b", uncached: 10 * m, output: 2),
                            ]
                        ),
                        ("2025-0\(m + 1)-01", [row("k1", "w1", "m-a", uncached: 100 * m, output: 1)]),
                    ]).utf8))
        }
        try l.appendFetch(.usage, from: "2025-01-01", to: "2025-07-02", pages: pages)
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let stored = try summary(l.dir.projections)
        #expect(stored == (try groupBy(l.dir.projections)))
        // January: 1 date + 2 workspaces + 2 models + 2 keys; February to June: 2 dates + 2 + 2 + 2;
        // July: one row, 4 groups.
        #expect(stored.count == 7 + 5 * 8 + 4)
        // April for k1: the 1st (page 3, uncached 300) and the 15th (page 4, uncached 4).
        #expect(stored["api_key_id 2025-04 k1"] == [2, 304, 10, 2, 14, 2, 2])
        #expect(stored["api_key_id 2025-04 k2"] == [1, 40, 5, 1, 7, 2, 1])
        #expect(stored["date 2025-06 2025-06-15"] == [2, 66, 10, 2, 14, 3, 2])
        let file = try SQLiteFile(path: l.dir.projections.path, create: false, readOnly: true)
        let sql = try #require(Projections.usageSumsSQL(by: "api_key_id", since: nil, until: nil))
        // k1: (1 + 2 + … + 6) on the 15ths and 100 × (1 + … + 6) on the 1sts.
        #expect(try file.scalarText("SELECT SUM(uncached_input_tokens) FROM (\(sql)) WHERE k = 'k1'") == "2121")
    }

    /// `usageSumsSQL` over every range of 2025-01-29 … 2025-02-04 (and open ends): whole months
    /// from the summary, the days at either end from the table, the same sums as `GROUP BY`.
    @Test func everyDateRangeSumsLikeTheTable() throws {
        let l = try ledger()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let file = try SQLiteFile(path: l.dir.projections.path, create: false, readOnly: true)
        let sums = UsageSummary.tokenColumns.map { "SUM(\($0))" }.joined(separator: ", ")
        func lines(_ sql: String) throws -> [String] {
            let stmt = try file.prepare(sql)
            var out: [String] = []
            while try stmt.step() { out.append((0..<8).map { stmt.text($0) ?? "-" }.joined(separator: " ")) }
            return out
        }
        let days: [Day?] = [nil] + (0..<7).map { Day("2025-01-29")!.adding(days: $0) }
        for column in UsageSummary.dimensions {
            for since in days {
                for until in days {
                    let sql = try #require(Projections.usageSumsSQL(by: column, since: since, until: until))
                    let ours = try lines("SELECT k, SUM(row_count), \(sums) FROM (\(sql)) GROUP BY k ORDER BY k")
                    let range = [since.map { "date >= '\($0)'" }, until.map { "date < '\($0)'" }].compactMap { $0 }
                    let theirs = try lines(
                        "SELECT \(column) AS k, COUNT(*), \(sums) FROM claude_usage_keys "
                            + "WHERE \(range.isEmpty ? "1" : range.joined(separator: " AND ")) GROUP BY k ORDER BY k")
                    #expect(ours == theirs, "\(column) \(since?.description ?? "-") \(until?.description ?? "-")")
                }
            }
        }
        // By hand: k1 from 2025-01-31 up to (not including) 2025-02-02 is 10 + 100 + 200 uncached.
        let k1 = try lines(
            """
            SELECT k, SUM(row_count), \(sums) FROM (\(Projections.usageSumsSQL(by: "api_key_id", since: Day("2025-01-31"), until: Day("2025-02-02"))!))
            WHERE k = 'k1' GROUP BY k
            """)
        #expect(k1 == ["k1 3 310 15 3 21 31 3"])
        #expect(Projections.usageSumsSQL(by: "service_tier", since: nil, until: nil) == nil)
    }
}
