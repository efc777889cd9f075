import CoreValues
import Crypto
import Foundation
import GRDB
import Logging

/// The append-only ledger: every raw Admin API page, LZ4-compressed, SHA-256-addressed and
/// hash-chained, in `DIR/ledger.sqlite`. No code path updates or deletes a row, and SQLite
/// triggers refuse it as well. The format is documented in ledger/FORMAT.md.
public final class Ledger: Sendable {
    public static let fileName = "ledger.sqlite"

    public let directory: URL
    public let databasePath: String
    let pool: DatabasePool
    let logger: Logger

    /// Opens the ledger in `directory`. With `create`, the directory (0700) and an empty ledger
    /// (0600) are made when missing; without it a missing ledger is a `badInput` error and nothing
    /// is created.
    public init(directory: URL, create: Bool, busyTimeout: TimeInterval = 15,
                logger: Logger = Logger(label: "claude-ledger.ledger")) throws {
        self.directory = directory
        self.databasePath = directory.appendingPathComponent(Ledger.fileName).path
        self.logger = logger
        let fm = FileManager.default
        let exists = fm.fileExists(atPath: databasePath)
        if !exists {
            guard create else {
                throw LedgerError(.noLedger, "no ledger at \(databasePath): run `claude-ledger sync --since YYYY-MM-DD` first, or pass --data-dir")
            }
            do {
                try Ledger.makePrivateDirectory(directory)
            } catch let error as LedgerError {
                throw error
            } catch {
                throw LedgerError(.filesystem, "cannot create data directory \(directory.path): \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "ledger"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: databasePath, configuration: config)
            if create {
                try Ledger.migrator.migrate(pool)
            }
            let applied = try pool.read { db in try Ledger.migrator.appliedIdentifiers(db) }
            if applied.isEmpty {
                throw LedgerError(.noLedger, "\(databasePath) is not a claude-ledger ledger (no schema): run sync to create one")
            }
            let unknown = applied.subtracting(Ledger.knownMigrations)
            if !unknown.isEmpty {
                throw LedgerError(.unsupportedFormat, "\(databasePath) was written by a newer claude-ledger (schema \(unknown.sorted().joined(separator: ","))): upgrade claude-ledger")
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw Ledger.map(error, path: directory.path)
        }
        for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: databasePath + suffix) {
            chmod(databasePath + suffix, 0o600)
        }
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
        try fm.createDirectory(at: url, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        chmod(url.path, 0o700)
    }

    static func map(_ error: any Error, path: String, eventID: String? = nil) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return LedgerError(.busy, "the ledger in \(path) is busy: another claude-ledger process is writing to it; try again when it has finished")
            case .SQLITE_FULL:
                return LedgerError(.diskFull, "the disk holding \(path) is full: free space there, then run the command again (everything written before is kept)", eventID: eventID)
            case .SQLITE_IOERR:
                return LedgerError(.sqlite, "I/O error on the ledger in \(path) (\(db.message ?? "disk error")): check the disk, then run the command again (everything written before is kept)", eventID: eventID)
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return LedgerError(.unsupportedFormat, "the ledger in \(path) is damaged at the SQLite level (\(db.message ?? "corrupt")): restore it from a backup", eventID: eventID)
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
