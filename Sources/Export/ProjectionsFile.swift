import Foundation
import GRDB

/// `projections.sqlite` as every export reads it: checked to be a file, opened read-only, and
/// read inside one read transaction, so a concurrent `rebuild` or `sync` cannot hand the export
/// a mix of two builds. Every failure is bad input naming the file and what to run; nothing has
/// been written when it is thrown.
enum ProjectionsFile {
    /// Runs `body` in one read transaction of the file at `path`. An `ExportError` from `body`
    /// passes through; any other failure becomes `.badInput`.
    static func read<T>(_ path: String, label: String, _ body: (Database) throws -> T) throws -> T {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ExportError.badInput("no projections at \(path): run `claude-ledger sync` or `claude-ledger rebuild` first")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = label
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw ExportError.badInput("cannot open \(path) as SQLite: \(sqliteMessage(error)); run `claude-ledger rebuild`")
        }
        do {
            return try queue.read(body)
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError.badInput("cannot read \(path): \(sqliteMessage(error)); run `claude-ledger rebuild`")
        }
    }

    private static func sqliteMessage(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "SQLite error \(error.resultCode.rawValue)"
        }
        return String(describing: error)
    }
}
