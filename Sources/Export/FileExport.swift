import CoreValues
import Foundation
import Logging

/// `export files`: the three tables as NDJSON or CSV, each with its BigQuery schema file.
///
/// Output is deterministic: the same `projections.sqlite` content gives byte-identical files
/// (rows ordered by date, then every column; keys in column order; money as canonical exact
/// decimal strings). Every file is written under a temporary name in the output directory,
/// flushed, and renamed into place, so a reader never sees half a file.
public enum FileExport {
    public enum Format: String, Sendable, CaseIterable {
        case ndjson
        case csv

        var fileExtension: String { rawValue }
    }

    /// What one run wrote.
    public struct Summary: Sendable, Equatable {
        public struct Table: Sendable, Equatable {
            public let name: String
            public let rows: Int
            public let dataFile: String
            public let schemaFile: String
        }

        public let tables: [Table]
    }

    /// Writes `<table>.<format>` and `<table>.schema.json` for each table into `outDirectory`
    /// (created if missing). Rows are limited to `since` (inclusive) ..< `until` (exclusive) when
    /// given. Reads `projectionsPath` (normally `DIR/projections.sqlite`).
    ///
    /// Throws `ExportError` (`.badInput` before anything is written when the projections or the
    /// arguments are unusable; `.targetFailed` when a file cannot be written).
    public static func run(
        projectionsPath: String, outDirectory: String, format: Format = .ndjson,
        since: Day? = nil, until: Day? = nil,
        logger: Logger = Logger(label: "claude-ledger.export")
    ) throws -> Summary {
        let snapshot = try ProjectionSnapshot.read(
            projectionsPath: projectionsPath, range: .init(since: since, until: until))
        try prepareDirectory(outDirectory)

        var files: [(name: String, bytes: [UInt8])] = []
        var tables: [Summary.Table] = []
        for table in snapshot.tables {
            let dataName = "\(table.table.name).\(format.fileExtension)"
            let schemaName = "\(table.table.name).schema.json"
            let data = format == .ndjson ? RowEncoding.ndjson(table) : RowEncoding.csv(table)
            let schema = RowEncoding.schemaFile(table.table.bigQueryFields(moneyTypes: table.moneyTypes))
            files.append((dataName, data))
            files.append((schemaName, schema))
            tables.append(
                .init(
                    name: table.table.name, rows: table.rows.count,
                    dataFile: path(outDirectory, dataName), schemaFile: path(outDirectory, schemaName)))
        }
        try AtomicFiles.write(files, into: outDirectory)
        for table in tables {
            logger.info(
                "exported table to file",
                metadata: [
                    "export.table": "\(table.name)", "export.rows": "\(table.rows)", "export.file": "\(table.dataFile)",
                ])
        }
        return Summary(tables: tables)
    }

    private static func prepareDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ExportError.badInput("--out \(directory) exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ExportError.badInput("cannot create --out directory \(directory): \(error.localizedDescription)")
        }
    }

    private static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }
}

/// Write-then-rename for a group of files in one directory.
enum AtomicFiles {
    /// Writes every file to a hidden temporary name, flushes it, then renames each into place.
    /// On failure the temporary files are removed and no final name is touched before all
    /// temporary files are complete.
    static func write(_ files: [(name: String, bytes: [UInt8])], into directory: String) throws {
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var temporary: [(temp: String, final: String)] = []
        defer {
            for entry in temporary { unlink(entry.temp) }
        }
        for file in files {
            let final = (directory as NSString).appendingPathComponent(file.name)
            let temp = (directory as NSString).appendingPathComponent(".\(file.name).tmp-\(token)")
            temporary.append((temp, final))
            try writeFlushed(file.bytes, to: temp)
        }
        for entry in temporary {
            guard rename(entry.temp, entry.final) == 0 else {
                throw ExportError.targetFailed("cannot rename into \(entry.final): \(String(cString: strerror(errno)))")
            }
        }
        temporary.removeAll()
    }

    private static func writeFlushed(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ExportError.targetFailed("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Foundation.write(fd, buffer.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ExportError.targetFailed("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            throw ExportError.targetFailed("cannot flush \(path): \(String(cString: strerror(errno)))")
        }
    }
}
