import Foundation
import GRDB

extension Ledger {
    /// What is at the ledger's path before anything opens it.
    enum FileState: Equatable {
        /// No file: a ledger may be created here.
        case absent
        /// A 0-byte file (SQLite's empty database): a ledger may be created here too.
        case empty
        /// A file starting with SQLite's header; it still has to prove it is a ledger.
        case sqlite
        /// Anything else: never opened by SQLite, never modified.
        case notSQLite
    }

    static let sqliteHeader = Data("SQLite format 3\u{0}".utf8)

    static func fileState(atPath path: String) throws -> FileState {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return .absent }
            throw LedgerError(.filesystem, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw notALedgerError(path: path, detail: "not a regular file")
        }
        if info.st_size == 0 { return .empty }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LedgerError(.filesystem, "cannot read \(path): permission denied: run as a user who can read the data directory")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: sqliteHeader.count)) ?? Data()
        return header == sqliteHeader ? .sqlite : .notSQLite
    }

    static func missingError(_ state: FileState, path: String) -> LedgerError {
        let what = state == .empty ? "the ledger \(path) is empty" : "no ledger at \(path)"
        return LedgerError(.noLedger, "\(what): run `claude-ledger sync --since YYYY-MM-DD` first, or pass --data-dir")
    }

    static func notALedgerError(path: String, detail: String) -> LedgerError {
        LedgerError(
            .notALedger, "\(path) is not a claude-ledger ledger (\(detail)); it was left untouched: move it away or pass another --data-dir"
        )
    }

    /// Opens the existing ledger in `directory` for reading only: no connection can write, and
    /// the file's bytes never change. When the directory or the file is not writable (a backup
    /// mounted read-only, another user's files) and there is no write-ahead log to read, the file
    /// is opened `immutable=1`, which needs no `-wal`/`-shm` files and takes no locks
    /// (https://www.sqlite.org/uri.html#uriimmutable). A writable data directory is opened with
    /// ordinary shared locks, so a `sync` running at the same time is read consistently.
    public static func openReadOnly(directory: URL) throws -> Ledger {
        let path = directory.appendingPathComponent(Ledger.fileName).path
        let state = try fileState(atPath: path)
        switch state {
        case .absent, .empty: throw missingError(state, path: path)
        case .notSQLite: throw notALedgerError(path: path, detail: "not an SQLite database")
        case .sqlite: break
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(15)
        config.label = "ledger"
        // Set when the connection opens: a map asked for inside a read transaction is not used.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = \(Ledger.readMapBytes)") }
        let writable = access(directory.path, W_OK) == 0 && access(path, W_OK) == 0
        let database: any DatabaseWriter
        do {
            if writable || fileSize(path + "-wal") > 0 {
                database =
                    isWALFile(path)
                    ? try DatabasePool(path: path, configuration: config)
                    : try DatabaseQueue(path: path, configuration: config)
            } else {
                database = try DatabaseQueue(path: immutableURI(path), configuration: config)
            }
            try database.read { db in try checkSchema(db, path: path) }
        } catch {
            throw map(error, path: directory.path)
        }
        return Ledger(directory: directory, databasePath: path, database: database, readOnly: true)
    }

    /// How much of the ledger file a read-only connection reads through a memory map (SQLite caps
    /// it at its build's `SQLITE_MAX_MMAP_SIZE`, 2 GB by default, and reads the rest as usual).
    /// A body spans many 4 KiB overflow pages: mapped, SQLite copies each from the page cache
    /// instead of making one `pread` call per page, which cost `verify` as much as hashing the
    /// bodies. Mapped pages count in the process's resident size; they are the page cache's,
    /// shared, and never written (SQLite maps read-only).
    static let readMapBytes: Int64 = 1 << 40

    /// Throws unless `db` holds this format: the `v1` migration, the chained tables, nothing newer.
    static func checkSchema(_ db: Database, path: String) throws {
        guard try db.tableExists("grdb_migrations"), try db.tableExists("events"), try db.tableExists("blobs") else {
            throw notALedgerError(path: path, detail: "it lacks the ledger's tables")
        }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        guard applied.contains("v1") else {
            throw notALedgerError(path: path, detail: "no claude-ledger schema")
        }
        let unknown = applied.subtracting(knownMigrations)
        if !unknown.isEmpty {
            throw LedgerError(
                .unsupportedFormat,
                "\(path) was written by a newer claude-ledger (schema \(unknown.sorted().joined(separator: ","))): upgrade claude-ledger")
        }
    }

    /// A `file:` URI for `path` with `immutable=1` (SQLite is built with URI file names on).
    static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?mode=ro&immutable=1"
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// SQLite's file header says WAL when its read and write versions (bytes 18 and 19) are 2.
    static func isWALFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return false }
        return header[header.startIndex + 18] == 2
    }
}
