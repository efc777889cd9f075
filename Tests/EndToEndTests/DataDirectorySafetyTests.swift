import AdminSimulator
import CoreValues
import Foundation
import SimulatorSupport
import Testing
import TestSupport

/// docs/REFERENCE.md "Safety of the data directory", as a user meets it: the built binary, real files, and
/// checks made with tools outside claude-ledger (sha256sum, sqlite3, another Unix user).
@Suite(.serialized) struct DataDirectorySafetyTests {
    static let today = Day("2025-06-01")!
    static let since = "2025-05-25"
    static let key = AdminSimulator.defaultAdminKey

    // MARK: helpers

    static func cli(_ arguments: [String], key: String? = nil) throws -> BuiltProducts.Result {
        try BuiltProducts.run("claude-ledger", arguments, environment: key.map { ["ANTHROPIC_ADMIN_KEY": $0] } ?? [:])
    }

    /// Syncs seven days of the simulator's organization `seed` into `data`.
    static func syncedDataDirectory(_ data: URL, seed: UInt64 = 1) async throws {
        let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: seed, today: today, historyDays: 10))
        defer { Task { await sim.stop() } }
        let result = try syncDataDirectory(data, from: sim, since: Day(since)!, until: today)
        #expect(result.status == 0, "\(result.stderrText)")
        try Data(sim.truth.dashboardCSV(from: Day(since)!, to: today).utf8)
            .write(to: data.deletingLastPathComponent().appendingPathComponent("dashboard.csv"))
    }

    static func sha256(_ path: String) throws -> String {
        let result = try BuiltProducts.system("/usr/bin/sha256sum", [path])
        return String(result.stdoutText.prefix(64))
    }

    static func sqlite(_ path: String, _ sql: String) throws -> BuiltProducts.Result {
        try BuiltProducts.system("/usr/bin/sqlite3", [path, sql])
    }

    static func errorLines(_ result: BuiltProducts.Result) -> [Substring] {
        result.stderrText.split(separator: "\n").filter { $0.hasPrefix("error:") }
    }

    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    }

    /// The head `verify` printed, as `SEQ:HASH`.
    static func head(_ data: URL) throws -> String {
        let out = try cli(["verify", "--data-dir", data.path]).stdoutText
        let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("head: seq ") })
        let words = line.split(separator: " ")
        return "\(words[2]):\(words[4])"
    }

    /// The read-only commands, each with the arguments it needs in `data`.
    static func readOnlyCommands(_ data: URL, out: URL) -> [[String]] {
        [
            ["verify"], ["events"], ["events", "--stream", "cost_report"], ["show", "1"], ["show", "2", "--header"],
            ["report", "costs"], ["report", "usage", "--by", "api-key", "--format", "csv"], ["audit"],
            ["explain", "--date", "2025-05-28"], ["diff", "--against", data.appendingPathComponent("projections.sqlite").path],
            ["export", "files", "--out", out.path], ["reconcile", "--history"],
        ]
        .map { $0 + ["--data-dir", data.path] }
    }

    // MARK: 1. reading never writes

    @Test func readOnlyCommandsLeaveEveryByteOfTheLedgerAsItWas() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await Self.syncedDataDirectory(data)
            _ = try Self.cli(["reconcile", "--dashboard", dir.appendingPathComponent("dashboard.csv").path, "--data-dir", data.path])
            let files = ["ledger.sqlite", "projections.sqlite", "reconciliations.sqlite"].map { data.appendingPathComponent($0).path }
            let before = try files.map(Self.sha256)
            for arguments in Self.readOnlyCommands(data, out: dir.appendingPathComponent("out-\(UUID().uuidString.prefix(6))")) {
                let result = try Self.cli(arguments)
                #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderrText)")
                #expect(try files.map(Self.sha256) == before, "\(arguments.joined(separator: " ")) changed a file")
                // A write-ahead log left behind with frames would change what the ledger reads as.
                #expect((Self.fileSize(files[0] + "-wal") ?? 0) == 0, "\(arguments.joined(separator: " ")) left WAL frames")
            }
        }
    }

    @Test func anotherUserReadsACopyItCannotWrite() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await Self.syncedDataDirectory(data)
            _ = try Self.cli(["reconcile", "--dashboard", dir.appendingPathComponent("dashboard.csv").path, "--data-dir", data.path])
            // The copy: root's files, readable by everyone, writable by no one but root.
            let shared = dir.appendingPathComponent("shared")
            let copy = shared.appendingPathComponent("backup")
            try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
            #expect(try BuiltProducts.system("/bin/cp", ["-r", data.path, copy.path]).status == 0)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy.path + "/ledger.sqlite" + suffix) }
            let csv = shared.appendingPathComponent("dashboard.csv")
            try FileManager.default.copyItem(at: dir.appendingPathComponent("dashboard.csv"), to: csv)
            for name in try FileManager.default.contentsOfDirectory(atPath: copy.path) {
                chmod(copy.appendingPathComponent(name).path, 0o444)
            }
            chmod(csv.path, 0o444)
            chmod(copy.path, 0o555)
            chmod(shared.path, 0o755)
            chmod(dir.path, 0o755)
            let before = try Self.sha256(copy.appendingPathComponent("ledger.sqlite").path)
            func asNobody(_ arguments: [String]) throws -> BuiltProducts.Result {
                try BuiltProducts.system(
                    "/usr/bin/setpriv",
                    [
                        "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        BuiltProducts.url("claude-ledger").path,
                    ] + arguments + ["--data-dir", copy.path])
            }
            // Proof that the copy really is not writable for that user.
            #expect(
                try BuiltProducts.system(
                    "/usr/bin/setpriv",
                    [
                        "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        "/usr/bin/touch", copy.appendingPathComponent("probe").path,
                    ]
                ).status != 0)
            for arguments in [
                ["verify"], ["events"], ["show", "1"], ["report", "costs"], ["audit"], ["reconcile", "--history"],
                ["explain", "--date", "2025-05-28"],
            ] {
                let result = try asNobody(arguments)
                #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderrText)")
            }
            #expect(try asNobody(["reconcile", "--history"]).stdoutText.contains("match"))
            let reconciled = try asNobody(["reconcile", "--dashboard", csv.path])
            #expect(reconciled.status == 0, "\(reconciled.stderrText)")
            #expect(reconciled.stdoutText.contains("7 days match the dashboard"))
            let warnings = reconciled.stderrText.split(separator: "\n").filter { $0.hasPrefix("warning:") }
            #expect(warnings.count == 1 && warnings[0].contains("not recorded"), "\(reconciled.stderrText)")
            #expect(try Self.sha256(copy.appendingPathComponent("ledger.sqlite").path) == before)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: copy.path)
                .filter { $0.hasSuffix("-wal") || $0.hasSuffix("-shm") || $0.hasSuffix("-journal") }
            #expect(leftovers.isEmpty)
        }
    }
}
