import CoreValues
import Foundation
import GRDB
import Projections
import TableSchemas

/// Read-only access to `projections.sqlite` through the documented table and column names (docs/TABLES.md), the stable
/// contract between the projection builder and everything that reads its tables.
public struct ProjectionTables: Sendable {
    public let url: URL
    let queue: DatabaseQueue

    public init(url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReportingError.badInput("no projections at \(url.path): run `claude-ledger rebuild` (or `sync`) first")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        do {
            queue = try DatabaseQueue(path: url.path, configuration: config)
            // The analytics tables are read where present (a file built before them lacks them).
            let required = ProjectionTable.allCases.filter { $0 != .costsByKey && $0 != .usageByActor }
            for table in required.map(\.rawValue) {
                guard try queue.read({ try $0.tableExists(table) }) else {
                    throw ReportingError.badInput("\(url.path) has no \(table) table: run `claude-ledger rebuild`")
                }
            }
        } catch let error as ReportingError {
            throw error
        } catch {
            throw ReportingError.badInput("cannot read \(url.path): \(error): run `claude-ledger rebuild`")
        }
        self.url = url
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as ReportingError {
            throw error
        } catch let error as ExactDecimal.Error {
            throw ReportingError(.corruption, "projections hold a value that is not an exact decimal: \(error)")
        } catch {
            throw ReportingError(.corruption, "cannot read projections: \(error)")
        }
    }

    /// Exact cost per day (USD), summed in `ExactDecimal`: SQLite's SUM would go through doubles.
    public func costPerDay(since: Day? = nil, until: Day? = nil) throws -> [Day: ExactDecimal] {
        try read { db in
            var totals: [Day: ExactDecimal] = [:]
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT date, amount_usd FROM claude_costs
                    WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date < ?2)
                    """, arguments: [since?.description, until?.description])
            while let row = try cursor.next() {
                guard let day = Day(row["date"] as String) else {
                    throw ReportingError(.corruption, "claude_costs has a row with a malformed date")
                }
                let amount = try ExactDecimal(parsing: row["amount_usd"] as String)
                totals[day] = try (totals[day] ?? .zero).adding(amount)
            }
            return totals
        }
    }

    /// True when the file holds `Projections.usageSummaryTable` (every build of this projection
    /// version does; a file made by other means may not).
    func hasUsageSummary() throws -> Bool {
        try read { db in try db.tableExists(Projections.usageSummaryTable) }
    }

    /// The distinct days a table holds rows for, oldest first.
    public func days(in table: String) throws -> [Day] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT date FROM \(table) ORDER BY date").compactMap { Day($0) }
        }
    }
}
