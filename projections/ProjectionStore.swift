import Foundation
import TableSchemas

/// The projections file's own tables, next to the three projection tables.
///
/// - `projection_meta`: key/value facts about the build (format tag, projection version, the
///   ledger head it was built from, build time, fingerprint).
/// - `projection_days`: per stream and UTC day, the authoritative fetch the rows came from;
///   an incremental update re-projects exactly the days whose entry would change.
/// - `projection_day_digests`: per table and day with rows, the row count and day digest (see
///   `Fingerprint`), so an update re-hashes only the days it touched.
/// - `projection_usage_by_month`: per month and value of `date`, `workspace_id`, `model` and
///   `api_key_id`, the row count and token sums of `claude_usage_keys` (`UsageSummary`).
enum ProjectionStore {
    static let formatTag = "claude-ledger/projections"

    static func createSchema(_ file: SQLiteFile) throws {
        try file.execute(
            """
            CREATE TABLE projection_meta (
                key   TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE projection_days (
                stream    TEXT NOT NULL,
                date      TEXT NOT NULL,
                fetch_id  TEXT NOT NULL,
                last_seq  INTEGER NOT NULL,
                PRIMARY KEY (stream, date)
            ) WITHOUT ROWID;
            CREATE TABLE projection_day_digests (
                table_name TEXT NOT NULL,
                date       TEXT NOT NULL,
                row_count  INTEGER NOT NULL,
                digest     TEXT NOT NULL,
                PRIMARY KEY (table_name, date)
            ) WITHOUT ROWID;
            """)
        try file.execute(UsageSummary.createSQL)
        for table in ProjectionTable.allCases {
            try file.execute(table.schema.createTableSQL)
        }
    }

    /// Creates the report indexes (before the bulk load: see `TableSchema.indexes`).
    static func createIndexes(_ file: SQLiteFile) throws {
        for table in ProjectionTable.allCases {
            for sql in table.schema.createIndexesSQL { try file.execute(sql) }
        }
    }

    static func readMeta(_ file: SQLiteFile) throws -> [String: String] {
        guard try file.tableExists("projection_meta") else {
            throw ProjectionError(.notAProjectionsFile, "\(file.path) is not a claude-ledger projections file (no projection_meta table)")
        }
        let stmt = try file.prepare("SELECT key, value FROM projection_meta")
        var meta: [String: String] = [:]
        while try stmt.step() {
            if let k = stmt.text(0), let v = stmt.text(1) { meta[k] = v }
        }
        guard meta["format"] == formatTag else {
            throw ProjectionError(.notAProjectionsFile, "\(file.path) is not a claude-ledger projections file")
        }
        for table in ProjectionTable.allCases {
            if try file.tableExists(table.rawValue) { continue }
            throw ProjectionError(.notAProjectionsFile, "\(file.path) lacks the \(table.rawValue) table")
        }
        return meta
    }

    static func writeMeta(_ file: SQLiteFile, _ meta: [String: String]) throws {
        let stmt = try file.prepare("INSERT OR REPLACE INTO projection_meta (key, value) VALUES (?1, ?2)")
        for (k, v) in meta.sorted(by: { $0.key < $1.key }) { try stmt.run([k, v]) }
    }

    static func readDays(_ file: SQLiteFile, stream: String) throws -> [String: (fetchID: String, lastSeq: Int64)] {
        let stmt = try file.prepare("SELECT date, fetch_id, last_seq FROM projection_days WHERE stream = ?1")
        stmt.bind(1, stream)
        var out: [String: (String, Int64)] = [:]
        while try stmt.step() {
            out[stmt.text(0) ?? ""] = (stmt.text(1) ?? "", stmt.int(2))
        }
        return out
    }

    static func readDayEntries(_ file: SQLiteFile) throws -> [ProjectionTable: [Fingerprint.DayEntry]] {
        let stmt = try file.prepare("SELECT table_name, date, row_count, digest FROM projection_day_digests ORDER BY table_name, date")
        var out: [ProjectionTable: [Fingerprint.DayEntry]] = [:]
        while try stmt.step() {
            guard let table = ProjectionTable(rawValue: stmt.text(0) ?? "") else { continue }
            out[table, default: []].append(
                Fingerprint.DayEntry(
                    date: stmt.text(1) ?? "", rowCount: Int(stmt.int(2)),
                    digestHex: stmt.text(3) ?? ""))
        }
        return out
    }

    /// Fsyncs a file or directory by path (rename durability).
    static func syncToDisk(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
