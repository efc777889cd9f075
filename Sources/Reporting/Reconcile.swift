import CoreValues
import Crypto
import Foundation
import GRDB

/// `reconcile`: per-day cost in the ledger's tables against a dashboard export.
public struct Reconciliation: Sendable {
    public struct DayResult: Sendable, Equatable {
        public var day: Day
        public var dashboard: ExactDecimal
        public var ledger: ExactDecimal
        /// Dashboard minus ledger, both rounded to cents first.
        public var delta: ExactDecimal
        public var ok: Bool
    }

    public var days: [DayResult]
    public var tolerance: ExactDecimal

    public var daysOff: [DayResult] { days.filter { !$0.ok } }
    public var isMatch: Bool { daysOff.isEmpty }

    /// Compares every day the dashboard file has; a day missing from the ledger counts as $0.
    public static func compare(
        dashboard: [Day: ExactDecimal], ledger: [Day: ExactDecimal],
        tolerance: ExactDecimal
    ) throws -> Reconciliation {
        var results: [DayResult] = []
        for day in dashboard.keys.sorted() {
            let d = dashboard[day]!.rounded(places: 2)
            let l = (ledger[day] ?? .zero).rounded(places: 2)
            let delta = try d.subtracting(l)
            let magnitude = delta < .zero ? delta.negated() : delta
            results.append(DayResult(day: day, dashboard: d, ledger: l, delta: delta, ok: !(tolerance < magnitude)))
        }
        return Reconciliation(days: results, tolerance: tolerance)
    }

    public func table() throws -> TextTable {
        let rows: [[TextTable.Cell]] = days.map {
            [.text($0.day.description), .money($0.dashboard), .money($0.ledger), .money($0.delta), .text($0.ok ? "ok" : "DIFFERS")]
        }
        return TextTable(
            columns: ["date", "dashboard_usd", "ledger_usd", "delta_usd", "verdict"], rows: rows,
            totals: [
                .text("total"), .money(try ExactDecimal.sum(days.map(\.dashboard))),
                .money(try ExactDecimal.sum(days.map(\.ledger))), .money(try ExactDecimal.sum(days.map(\.delta))),
                .text(isMatch ? "ok" : "\(daysOff.count) day(s) differ"),
            ])
    }
}

/// Every reconcile run, kept in `DIR/reconciliations.sqlite`: append-only like the ledger, and
/// apart from `projections.sqlite` so that rebuilding the tables never loses the record.
public struct ReconcileLog: Sendable {
    public static let fileName = "reconciliations.sqlite"
    let queue: DatabaseQueue

    public struct Entry: Sendable {
        public var fileName: String
        public var fileSHA256: String
        public var ledgerHeadSeq: Int64
        public var ledgerHeadChain: String
        public var projectionsSHA256: String
        public var days: Int
        public var daysOff: Int
        public var tolerance: String
        public var verdict: String

        public init(
            fileName: String, fileSHA256: String, ledgerHeadSeq: Int64, ledgerHeadChain: String,
            projectionsSHA256: String, days: Int, daysOff: Int, tolerance: String, verdict: String
        ) {
            self.fileName = fileName
            self.fileSHA256 = fileSHA256
            self.ledgerHeadSeq = ledgerHeadSeq
            self.ledgerHeadChain = ledgerHeadChain
            self.projectionsSHA256 = projectionsSHA256
            self.days = days
            self.daysOff = daysOff
            self.tolerance = tolerance
            self.verdict = verdict
        }
    }

    /// Opens the log; with `create: false` a missing log is an empty history, not an error.
    public init?(directory: URL, create: Bool) throws {
        let path = directory.appendingPathComponent(ReconcileLog.fileName).path
        if !FileManager.default.fileExists(atPath: path) && !create { return nil }
        queue = try DatabaseQueue(path: path)
        chmod(path, 0o600)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE reconciliations (
                        id INTEGER PRIMARY KEY, run_at TEXT NOT NULL, file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL,
                        ledger_head_seq INTEGER NOT NULL, ledger_head_chain TEXT NOT NULL, projections_sha256 TEXT NOT NULL,
                        days INTEGER NOT NULL, days_off INTEGER NOT NULL, tolerance TEXT NOT NULL, verdict TEXT NOT NULL);
                    CREATE TRIGGER reconciliations_no_update BEFORE UPDATE ON reconciliations
                    BEGIN SELECT RAISE(ABORT, 'reconciliation records are append-only'); END;
                    CREATE TRIGGER reconciliations_no_delete BEFORE DELETE ON reconciliations
                    BEGIN SELECT RAISE(ABORT, 'reconciliation records are append-only'); END;
                    """)
        }
        try migrator.migrate(queue)
    }

    private init(queue: DatabaseQueue) {
        self.queue = queue
    }

    /// Opens an existing log for reading only; nil when there is none. Its bytes never change,
    /// and it opens in a directory this user cannot write (a backup, another user's files).
    public static func openForReading(directory: URL) throws -> ReconcileLog? {
        let path = directory.appendingPathComponent(ReconcileLog.fileName).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            guard try queue.read({ try $0.tableExists("reconciliations") }) else { return nil }
            return ReconcileLog(queue: queue)
        } catch {
            throw ReportingError.badInput("cannot read \(path): \(error): it is not a claude-ledger reconciliation history")
        }
    }

    /// True when a run could be recorded in `directory`: the log (or the directory, to create
    /// it) is writable by this user.
    public static func canRecord(in directory: URL) -> Bool {
        let path = directory.appendingPathComponent(ReconcileLog.fileName).path
        if FileManager.default.fileExists(atPath: path) {
            return access(path, W_OK) == 0 && access(directory.path, W_OK) == 0
        }
        return access(directory.path, W_OK) == 0
    }

    /// Every distinct ledger head the recorded runs saw, oldest first.
    public func recordedHeads() throws -> [(seq: Int64, chainHash: String)] {
        try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT ledger_head_seq, ledger_head_chain FROM reconciliations
                    GROUP BY ledger_head_seq, ledger_head_chain ORDER BY MIN(id)
                    """
            ).map { ($0["ledger_head_seq"], $0["ledger_head_chain"]) }
        }
    }

    public func record(_ entry: Entry, at date: Date = Date()) throws {
        let when = ISO8601DateFormatter().string(from: date)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO reconciliations (run_at, file_name, file_sha256, ledger_head_seq, ledger_head_chain,
                        projections_sha256, days, days_off, tolerance, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    when, entry.fileName, entry.fileSHA256, entry.ledgerHeadSeq, entry.ledgerHeadChain,
                    entry.projectionsSHA256, entry.days, entry.daysOff, entry.tolerance, entry.verdict,
                ])
        }
    }

    public func history() throws -> TextTable {
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM reconciliations ORDER BY id")
        }
        return TextTable(
            columns: ["run_at", "verdict", "days", "days_off", "tolerance", "file", "file_sha256", "ledger_head"],
            rows: rows.map { row in
                [
                    .text(row["run_at"]), .text(row["verdict"]), .integer(row["days"]), .integer(row["days_off"]),
                    .text(row["tolerance"]), .text(row["file_name"]), .text(String((row["file_sha256"] as String).prefix(16))),
                    .text("seq \(row["ledger_head_seq"] as Int64) \(String((row["ledger_head_chain"] as String).prefix(16)))"),
                ]
            })
    }

    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
