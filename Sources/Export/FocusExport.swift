import CoreValues
import Foundation
import Logging

/// `export focus`: the billed cost as a FOCUS 1.2 Cost and Usage file, `DIR/focus-1.2.csv`
/// (docs/REFERENCE.md "FOCUS export"; FOCUS 1.2 itself: https://focus.finops.org/focus-specification/v1-2/).
///
/// The file is a pure function of `projections.sqlite`, the organization and the workspace
/// names: the same inputs give the same bytes. It is written under a temporary name and renamed,
/// so no reader ever sees half a file; bad input is refused before anything is written.
public enum FocusExport {
    /// The FOCUS versions this build writes. 1.2 is what FinOps tools ingest today and the only
    /// rule set the official validator bundles offline.
    public static let supportedVersions = ["1.2"]

    /// What one run wrote.
    public struct Summary: Sendable, Equatable {
        public let path: String
        public let rows: Int
    }

    public static func fileName(version: String) -> String { "focus-\(version).csv" }

    /// Throws `.badInput` naming the supported versions when `version` is not one of them.
    public static func checkVersion(_ version: String) throws {
        guard supportedVersions.contains(version) else {
            throw ExportError.badInput(
                "--focus-version \(version) is not supported: this build writes FOCUS \(supportedVersions.joined(separator: ", "))")
        }
    }

    /// Writes `DIR/focus-<version>.csv` from `projectionsPath`.
    ///
    /// Throws `ExportError`: `.badInput` (nothing written) for an unsupported version, unusable
    /// projections, an output path that is a file or cannot be written; `.targetFailed` when
    /// writing fails part way (the temporary file is removed; an earlier file stays whole).
    public static func run(
        projectionsPath: String, organization: Organization, workspaceNames: [String: String],
        outDirectory: String, version: String = "1.2",
        logger: Logger = Logger(label: "claude-ledger.export")
    ) throws -> Summary {
        try checkVersion(version)
        guard !organization.id.isEmpty else {
            throw ExportError.badInput("the ledger's organization has no id: run `claude-ledger sync` first")
        }
        let source = try FocusSource.read(projectionsPath: projectionsPath)
        let context = FocusRows.Context(
            organizationID: organization.id, organizationName: organization.name,
            workspaceNames: workspaceNames)
        let rows = try FocusRows.build(source, context: context)
        let bytes = FocusCSV.encode(columns: FocusRows.columns, rows: rows)
        try prepareDirectory(outDirectory)
        let name = fileName(version: version)
        try AtomicFiles.write([(name, bytes)], into: outDirectory)
        let path = (outDirectory as NSString).appendingPathComponent(name)
        logger.info("exported FOCUS file", metadata: ["export.file": "\(path)", "export.rows": "\(rows.count)"])
        return Summary(path: path, rows: rows.count)
    }

    /// The output directory: created when missing; a file, or a directory this process cannot
    /// write into, is bad input.
    static func prepareDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ExportError.badInput("--out \(directory) exists and is not a directory: pass a directory")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ExportError.badInput("cannot create --out directory \(directory): \(error.localizedDescription)")
            }
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw ExportError.badInput("--out \(directory) is not writable: pass a directory you can write to")
        }
    }
}
