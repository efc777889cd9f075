import CoreValues
import Crypto
import Foundation
import GRDB

/// The append-only ledger: every raw Admin API page, LZ4-compressed, SHA-256-addressed and
/// hash-chained, in `DIR/ledger.sqlite`. No code path updates or deletes a row, and SQLite
/// triggers refuse it as well. The format is documented in ledger/FORMAT.md.
public final class Ledger: Sendable {
    public static let fileName = "ledger.sqlite"

    public let directory: URL
    public let databasePath: String
    /// True when the ledger was opened by `openReadOnly`: every write fails at the SQLite level.
    public let isReadOnly: Bool
    let pool: any DatabaseWriter

    init(directory: URL, databasePath: String, database: any DatabaseWriter, readOnly: Bool) {
        self.directory = directory
        self.databasePath = databasePath
        self.pool = database
        self.isReadOnly = readOnly
    }

    /// Opens the ledger in `directory` for appending. With `create`, the directory (0700) and an
    /// empty ledger (0600) are made when `ledger.sqlite` is missing or 0 bytes long: only such an
    /// empty place is ever made a ledger. Any other existing file must already be a claude-ledger
    /// ledger (checked read-only before it is opened for writing), so another program's SQLite
    /// file or garbage is never modified. Without `create` a missing ledger is a `badInput` error
    /// and nothing is created.
    public convenience init(directory: URL, create: Bool, busyTimeout: TimeInterval = 15) throws {
        let databasePath = directory.appendingPathComponent(Ledger.fileName).path
        let state = try Ledger.fileState(atPath: databasePath)
        switch state {
        case .absent, .empty:
            guard create else { throw Ledger.missingError(state, path: databasePath) }
            do {
                try Ledger.makePrivateDirectory(directory)
            } catch let error as LedgerError {
                throw error
            } catch {
                throw LedgerError(
                    .filesystem,
                    "cannot create data directory \(directory.path): \((error as NSError).localizedFailureReason ?? error.localizedDescription)"
                )
            }
        case .sqlite:
            // Validate before any read-write connection exists: opening one already writes.
            let probe = try Ledger.openReadOnly(directory: directory)
            withExtendedLifetime(probe) {}
        case .notSQLite:
            throw Ledger.notALedgerError(path: databasePath, detail: "not an SQLite database")
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "ledger"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: databasePath, configuration: config)
            if state != .sqlite {
                try Ledger.migrator.migrate(pool)
            }
            try pool.read { db in try Ledger.checkSchema(db, path: databasePath) }
        } catch {
            throw Ledger.map(error, path: directory.path)
        }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: databasePath + suffix) {
            chmod(databasePath + suffix, 0o600)
        }
        self.init(directory: directory, databasePath: databasePath, database: pool, readOnly: false)
    }

    /// Creates `url` and its missing parents owner-only (0700).
    public static func makePrivateDirectory(_ url: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LedgerError(.notADirectory, "\(url.path) exists and is not a directory: pass --data-dir a directory")
            }
            return
        }
        try fm.createDirectory(
            at: url, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        chmod(url.path, 0o700)
    }

    static func map(_ error: any Error, path: String, eventID: String? = nil) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return LedgerError(
                    .busy, "the ledger in \(path) is busy: another claude-ledger process is writing to it; try again when it has finished")
            case .SQLITE_FULL:
                return LedgerError(
                    .diskFull,
                    "the disk holding \(path) is full: free space there, then run the command again (everything written before is kept)",
                    eventID: eventID)
            case .SQLITE_IOERR:
                return LedgerError(
                    .sqlite,
                    "I/O error on the ledger in \(path) (\(db.message ?? "disk error")): check the disk, then run the command again (everything written before is kept)",
                    eventID: eventID)
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return LedgerError(
                    .unsupportedFormat,
                    "the ledger in \(path) is damaged at the SQLite level (\(db.message ?? "corrupt")): restore it from a backup",
                    eventID: eventID)
            default:
                return LedgerError(.sqlite, "ledger database error in \(path): \(db.message ?? "\(db.resultCode)")", eventID: eventID)
            }
        }
        return LedgerError(.sqlite, "ledger error in \(path): \(error)", eventID: eventID)
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Ledger.map(error, path: directory.path)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Ledger.map(error, path: directory.path)
        }
    }
}
