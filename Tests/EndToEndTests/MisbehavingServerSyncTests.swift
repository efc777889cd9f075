import CoreValues
import Foundation
import Ledger
import Testing
import TestSupport

/// `claude-ledger sync` against a deliberately misbehaving Admin API
/// (tools/test-servers/misbehaving.py): nothing it does may hang a sync past its deadline,
/// paginate for ever, or put the admin key in the ledger.
@Suite(.serialized) struct MisbehavingServerSyncTests {
    static let key = "sk-ant-admin01-misbehaving-test-\(UUID().uuidString)"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/test-servers/misbehaving.py")

    /// Starts the server in `mode` and returns its base URL; stops it when `body` returns.
    static func withServer<T>(_ mode: String, in dir: URL, _ body: (String) async throws -> T) async throws -> T {
        let portFile = dir.appendingPathComponent("port-\(mode)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, mode, portFile.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate() }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: portFile.path) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let port = try String(contentsOf: portFile, encoding: .utf8)
        return try await body("http://127.0.0.1:\(port)")
    }

    static func sync(_ base: String, _ data: URL, _ extra: [String]) throws -> BuiltProducts.Result {
        try BuiltProducts.run(
            "claude-ledger",
            [
                "sync", "--data-dir", data.path, "--base-url", base,
                "--since", "2025-03-01", "--until", "2025-03-04",
            ] + extra,
            environment: ["ANTHROPIC_ADMIN_KEY": key])
    }

    static func errorLines(_ result: BuiltProducts.Result) -> [Substring] {
        result.stderrText.split(separator: "\n").filter { $0.hasPrefix("error:") }
    }

    /// Bug 4: a server handing out a fresh cursor on every page was followed for ever.
    @Test func endlessCursorsFailTheWindowAfterItsBound() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer("endless-cursor", in: dir) { base in
                let data = dir.appendingPathComponent("data")
                let started = Date()
                let result = try Self.sync(base, data, ["--streams", "cost"])
                #expect(result.status == 3, "\(result.stderrText)")
                #expect(Date().timeIntervalSince(started) < 30)
                #expect(result.stdoutText.contains("1 windows failed") || result.stdoutText.contains("windows failed"))
                let ledger = try Ledger(directory: data, create: false)
                let cost = try ledger.fetchSummaries(stream: .cost)
                #expect(cost.count == 1)
                // A 3-day window may take 3 buckets' pages plus the margin, never more.
                #expect(cost.first.map { $0.pageCount <= 6 } == true, "\(cost)")
                #expect(cost.first?.isComplete == false)
            }
        }
    }

    /// Bug 5: a server trickling one byte per second held the sync for ever.
    @Test func aTricklingServerCannotHoldTheSyncPastItsDeadline() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer("trickle", in: dir) { base in
                let data = dir.appendingPathComponent("data")
                let started = Date()
                let result = try Self.sync(base, data, ["--streams", "cost", "--give-up-after", "5"])
                let elapsed = Date().timeIntervalSince(started)
                #expect(result.status == 3, "\(result.stderrText)")
                #expect(elapsed < 25, "took \(elapsed) s")
                #expect(Self.errorLines(result).count == 1)
            }
        }
    }

    @Test func aTricklingOrganizationEndpointEndsTheSyncWithNothingWritten() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer("trickle-all", in: dir) { base in
                let data = dir.appendingPathComponent("data")
                let started = Date()
                let result = try Self.sync(base, data, ["--give-up-after", "4"])
                #expect(result.status == 3, "\(result.stderrText)")
                #expect(Date().timeIntervalSince(started) < 25)
                #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("ledger.sqlite").path))
            }
        }
    }

    /// A page echoing the admin key is never stored; the window fails and says why.
    @Test func aPageEchoingTheKeyIsNotStored() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer("echo-key", in: dir) { base in
                let data = dir.appendingPathComponent("data")
                let result = try Self.sync(base, data, ["--streams", "cost"])
                #expect(result.status == 3, "\(result.stderrText)")
                #expect(result.stdoutText.contains("echoed the admin key"), "\(result.stdoutText)")
                #expect(!result.stdoutText.contains(Self.key) && !result.stderrText.contains(Self.key))
                for file in try FileManager.default.contentsOfDirectory(atPath: data.path) {
                    let bytes = try Data(contentsOf: data.appendingPathComponent(file))
                    #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "\(file) holds the key")
                }
                let ledger = try Ledger(directory: data, create: false)
                #expect(try ledger.fetchSummaries(stream: .cost).isEmpty)
                #expect(try ledger.verify().isValid)
            }
        }
    }
}
