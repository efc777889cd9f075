import CoreValues
import Foundation
import Ledger
@testable import Projections
import TableSchemas
import Testing

/// Rowids encode the day (`day << 24 | ordinal`), the tables carry no secondary index, and the
/// incremental path reads and deletes days by rowid range: no statement of an update scans a
/// projection table, whatever the size of the ledger.
struct RowIDTests {
    static let days = 40

    /// Usage for 2025-03-01 + 0..<40 in one fetch (day d has d % 3 + 1 rows), costs for the same
    /// days, and one Claude Code day.
    func yearLikeLedger() throws -> TestLedger {
        let l = try TestLedger()
        let start = Day("2025-03-01")!
        var usage: [(day: String, rows: [String])] = []
        var costs: [(day: String, rows: [String])] = []
        for d in 0..<Self.days {
            let day = start.adding(days: d).description
            usage.append((day, (0...(d % 3)).map { usageRow(key: "k\($0)", uncached: 100 * d + $0) }))
            costs.append((day, [costRow("\(d).5")]))
        }
        let end = start.adding(days: Self.days).description
        try l.appendFetch(.usage, from: "2025-03-01", to: end, page: usagePage(usage))
        try l.appendFetch(.cost, from: "2025-03-01", to: end, page: costPage(costs))
        try l.appendFetch(
            .claudeCode, from: "2025-03-05", to: "2025-03-06",
            page: claudeCodePage([claudeCodeRecord(date: "2025-03-05", email: "a@x")]))
        return l
    }

    /// Rows whose rowid does not encode their date, by SQLite's own date arithmetic, plus days
    /// whose ordinals are not exactly 0..<count.
    func misplacedRows(_ url: URL, _ table: ProjectionTable) throws -> Int64 {
        let file = try SQLiteFile(path: url.path, create: false, readOnly: true)
        let wrongDay = try file.scalarText(
            """
            SELECT count(*) FROM \(table.rawValue) WHERE (rowid >> 24) != CAST(julianday(date) - 2440587.5 AS INTEGER)
            """)
        let wrongOrdinals = try file.scalarText(
            """
            SELECT count(*) FROM (SELECT max(rowid & 16777215) + 1 AS n, min(rowid & 16777215) AS lo, count(*) AS c
                                  FROM \(table.rawValue) GROUP BY date) WHERE n != c OR lo != 0
            """)
        return (Int64(wrongDay ?? "-1") ?? -1) + (Int64(wrongOrdinals ?? "-1") ?? -1)
    }

    @Test func rebuiltRowsCarryTheirDayInTheRowidAndNoTableHasAnIndex() throws {
        let l = try yearLikeLedger()
        let result = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        // 40 days of 1, 2, 3, 1, 2, … rows: 14 × 1 + 13 × 2 + 13 × 3.
        #expect(result.rows[.usage] == 79)
        for table in ProjectionTable.allCases {
            #expect(try misplacedRows(l.dir.projections, table) == 0, "\(table)")
        }
        let file = try SQLiteFile(path: l.dir.projections.path, create: false, readOnly: true)
        let indexes = try file.scalarText(
            """
            SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN (\(ProjectionTable.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
            """)
        #expect(indexes == "0")
        // 2025-03-01 is day 20148 since 1970-01-01: its first usage row has rowid 20148 << 24.
        #expect(try file.scalarText("SELECT min(rowid) FROM claude_usage_keys") == String(20148 << 24))
    }

    @Test func anUpdateScansNoProjectionTableAndEndsLikeARebuild() throws {
        let l = try yearLikeLedger()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        // A revision of 2025-03-20 (2 rows before: 19 % 3 + 1; 4 after) and a new day.
        try l.appendFetch(
            .usage, from: "2025-03-20", to: "2025-03-21",
            page: usagePage([("2025-03-20", (0..<4).map { usageRow(key: "r\($0)", uncached: 7_000 + $0) })]))
        try l.appendFetch(
            .usage, from: "2025-04-10", to: "2025-04-11",
            page: usagePage([("2025-04-10", [usageRow(key: "n", uncached: 5)])]))
        let plans = QueryPlanLog()
        let updated = try Projections.update(
            ledger: l.ledger, projectionsURL: l.dir.projections, decoder: PageDecoder(),
            logger: .init(label: "test"), plans: plans)
        #expect(updated.mode == .incremental)
        #expect(updated.daysProjected == 2 && updated.rowsWritten == 5)
        #expect(!plans.entries.isEmpty)
        for table in ProjectionTable.allCases {
            #expect(plans.scans(of: table.rawValue).isEmpty, "\(table): \(plans.scans(of: table.rawValue))")
            #expect(try misplacedRows(l.dir.projections, table) == 0, "\(table)")
        }
        let file = try SQLiteFile(path: l.dir.projections.path, create: false, readOnly: true)
        #expect(
            try file.scalarText("SELECT group_concat(uncached_input_tokens) FROM claude_usage_keys WHERE date = '2025-03-20'")
                == "7000,7001,7002,7003")
        // 79 rows, 2 replaced by 4, plus 1 new.
        #expect(updated.rows[.usage] == 82)
        let full = try Projections.rebuild(ledger: l.ledger, into: l.dir.file("full.sqlite"))
        #expect(full.fingerprint == updated.fingerprint)
        #expect(try Projections.fingerprint(of: l.dir.projections) == updated.fingerprint)
    }

    @Test func theQueryPlanLogSeesAScanByDate() throws {
        let l = try yearLikeLedger()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let file = try SQLiteFile(path: l.dir.projections.path, create: false)
        let plans = QueryPlanLog()
        file.queryPlans = plans
        _ = try file.prepare("DELETE FROM claude_usage_keys WHERE date = ?1")
        _ = try file.prepare("DELETE FROM claude_usage_keys WHERE rowid BETWEEN ?1 AND ?2")
        #expect(plans.scans(of: "claude_usage_keys") == ["DELETE FROM claude_usage_keys WHERE date = ?1"])
    }

    @Test func aFileWhoseRowidsAreNotInDateOrderStillFingerprintsByDate() throws {
        let l = try yearLikeLedger()
        let built = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        // Move the first day's rows to the end of the rowid order: same rows, same fingerprint.
        let file = try SQLiteFile(path: l.dir.projections.path, create: false)
        try file.execute("UPDATE claude_usage_keys SET rowid = rowid + (1 << 40) WHERE date = '2025-03-01'")
        #expect(try Projections.fingerprint(of: l.dir.projections) == built.fingerprint)
    }
}
