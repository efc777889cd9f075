import CoreValues
import Foundation
import Testing

@testable import Export
import TestSupport

/// Both exports open `projections.sqlite` through one read-only opener: an unusable file is
/// refused by each with the same one-line bad input, before anything is written.
@Suite("projections.sqlite as the exports open it")
struct ProjectionsFileTests {
    enum Unusable: String, CaseIterable, Sendable {
        case missing, directory, notSQLite
    }

    static func prepare(_ kind: Unusable, at path: String) throws {
        switch kind {
        case .missing:
            break
        case .directory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        case .notSQLite:
            // Longer than SQLite's 100-byte header, and not its magic string.
            try Data(String(repeating: "not a database. ", count: 16).utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    static func expectedMessage(_ kind: Unusable, _ path: String) -> String {
        switch kind {
        case .missing, .directory:
            "no projections at \(path): run `claude-ledger sync` or `claude-ledger rebuild` first"
        case .notSQLite:
            "cannot open \(path) as SQLite: file is not a database; run `claude-ledger rebuild`"
        }
    }

    @Test(arguments: Unusable.allCases)
    func bothExportsRefuseTheSameWayAndWriteNothing(_ kind: Unusable) async throws {
        try await withTemporaryDirectory { dir in
            let projections = dir.filePath("projections.sqlite")
            try Self.prepare(kind, at: projections)
            let expected = ExportError.badInput(Self.expectedMessage(kind, projections))

            let filesOut = dir.filePath("files")
            #expect(throws: expected) {
                _ = try FileExport.run(projectionsPath: projections, outDirectory: filesOut)
            }
            let focusOut = dir.filePath("focus")
            #expect(throws: expected) {
                _ = try FocusExport.run(
                    projectionsPath: projections, organization: Organization(id: "org_1", name: nil),
                    workspaceNames: [:], outDirectory: focusOut)
            }
            #expect(!FileManager.default.fileExists(atPath: filesOut))
            #expect(!FileManager.default.fileExists(atPath: focusOut))
            #expect(expected.failureClass == .badInput)
        }
    }
}
