import AdminSimulator
import CoreValues
import Foundation
import Ledger
import Sync
import Testing
import TestSupport

/// `claude-ledger sync` as a user runs it: the built binary against the simulator on loopback.
@Suite(.serialized) struct SyncCommandTests {
    static let today = Day("2025-06-01")!
    static let key = AdminSimulator.defaultAdminKey

    static func sync(
        _ dir: URL, _ sim: AdminSimulator, _ extra: [String], key: String? = key,
        environment: [String: String] = [:]
    ) throws -> BuiltProducts.Result {
        var env = environment
        if let key { env["ANTHROPIC_ADMIN_KEY"] = key }
        return try BuiltProducts.run(
            "claude-ledger",
            [
                "sync", "--data-dir", dir.path, "--base-url", sim.baseURL.absoluteString,
                "--until", today.description,
            ] + extra, environment: env)
    }

    static func errorLines(_ result: BuiltProducts.Result) -> [Substring] {
        result.stderrText.split(separator: "\n").filter { $0.hasPrefix("error:") }
    }

    @Test func wrongKeyExits3WithOneErrorLineAndAppendsNothing() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 1, today: Self.today, historyDays: 10))
            defer { Task { await sim.stop() } }
            let result = try Self.sync(dir, sim, ["--since", "2025-05-25"], key: "sk-ant-admin01-not-the-key")
            #expect(result.status == 3)
            #expect(Self.errorLines(result).count == 1)
            #expect(result.stderrText.contains("authentication"))
            // The organization is asked for first: a refused key creates no ledger at all.
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("ledger.sqlite").path))
        }
    }

    @Test(arguments: [
        ["--since", "2025-13-01"], ["--since", "yesterday"], ["--since", "2025-05-10", "--until", "2025-05-01"],
        ["--streams", "bogus"], ["--revisit-days", "-1"],
    ])
    func malformedInputExits2AndTouchesNothing(_ arguments: [String]) async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            let result = try BuiltProducts.run(
                "claude-ledger", ["sync", "--data-dir", data.path, "--base-url", "http://127.0.0.1:9"] + arguments,
                environment: ["ANTHROPIC_ADMIN_KEY": Self.key])
            #expect(result.status == 2)
            #expect(Self.errorLines(result).count == 1)
            #expect(!FileManager.default.fileExists(atPath: data.path))
        }
    }

    @Test func noKeyAndNoSinceOnAnEmptyLedgerAreBadUsage() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            let noKey = try BuiltProducts.run("claude-ledger", ["sync", "--data-dir", data.path, "--since", "2025-01-01"])
            #expect(noKey.status == 2)
            #expect(noKey.stderrText.contains("ANTHROPIC_ADMIN_KEY"))
            let noSince = try BuiltProducts.run(
                "claude-ledger", ["sync", "--data-dir", data.path], environment: ["ANTHROPIC_ADMIN_KEY": Self.key])
            #expect(noSince.status == 2)
            #expect(noSince.stderrText.contains("--since"))
            #expect(!FileManager.default.fileExists(atPath: data.path))
        }
    }

    @Test func unreachableHostExits3AfterBoundedRetries() async throws {
        try await withTemporaryDirectory { dir in
            let started = Date()
            let result = try BuiltProducts.run(
                "claude-ledger",
                [
                    "sync", "--data-dir", dir.path, "--base-url", "http://127.0.0.1:9",
                    "--since", "2025-05-01", "--until", "2025-05-10", "--give-up-after", "5",
                ],
                environment: ["ANTHROPIC_ADMIN_KEY": Self.key], timeout: 120)
            #expect(result.status == 3)
            #expect(Self.errorLines(result).count == 1)
            #expect(Date().timeIntervalSince(started) < 60)
        }
    }

    @Test func oneSyncAtATimePerDataDirectory() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 1, today: Self.today, historyDays: 5))
            defer { Task { await sim.stop() } }
            let data = dir.appendingPathComponent("data")
            #expect(try Self.sync(data, sim, ["--since", "2025-05-28"]).status == 0)
            let held = try SyncLock(directory: data)
            let second = try Self.sync(data, sim, ["--lock-wait", "1"])
            #expect(second.status == 4)
            #expect(second.stderrText.contains("another sync or rebuild is using"))
            held.release()
            #expect(try Self.sync(data, sim, []).status == 0)
        }
    }

    @Test func theAdminKeyReachesNoFileLogOrOutput() async throws {
        try await withTemporaryDirectory { dir in
            let secret = "sk-ant-admin01-e2e-secret-\(UUID().uuidString)"
            var config = SimulatorConfiguration(seed: 9, today: Self.today, historyDays: 8)
            config.adminKey = secret
            config.faults = FaultConfiguration(rate: 0.2)
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let keyFile = dir.appendingPathComponent("key")
            try Data((secret + "\n").utf8).write(to: keyFile)
            let data = dir.appendingPathComponent("data")
            let ok = try Self.sync(
                data, sim, ["--since", "2025-05-24", "--admin-key-file", keyFile.path], key: nil,
                environment: ["CLAUDE_LEDGER_LOG": "trace"])
            #expect(ok.status == 0, "\(ok.stderrText)")
            let bad = try Self.sync(data, sim, ["--since", "2025-05-24"], key: secret + "x", environment: ["CLAUDE_LEDGER_LOG": "trace"])
            #expect(bad.status == 3)
            for output in [ok.stdout, ok.stderr, bad.stdout, bad.stderr] {
                #expect(!String(decoding: output, as: UTF8.self).contains(secret.dropLast(8)))
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: data.path)
            #expect(files.contains("ledger.sqlite"))
            for file in files {
                let bytes = try Data(contentsOf: data.appendingPathComponent(file))
                #expect(bytes.range(of: Data(secret.dropLast(8).utf8)) == nil, "\(file) holds the key")
            }
        }
    }

    @Test func sigkillInTheMiddleOfASyncThenTheSameSyncLeavesACompleteVerifiedLedger() async throws {
        try await withTemporaryDirectory { dir in
            var config = SimulatorConfiguration(seed: 3, today: Self.today, historyDays: 40)
            config.latencyMilliseconds = 40
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let data = dir.appendingPathComponent("data")
            let args = [
                "sync", "--data-dir", data.path, "--base-url", sim.baseURL.absoluteString,
                "--since", "2025-04-22", "--until", Self.today.description,
            ]
            let process = Process()
            process.executableURL = BuiltProducts.url("claude-ledger")
            process.arguments = args
            process.environment = ["ANTHROPIC_ADMIN_KEY": Self.key, "PATH": "/usr/bin:/bin"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(1500))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let partial = try Ledger(directory: data, create: false)
            #expect(try partial.verify().isValid)

            let again = try Self.sync(data, sim, ["--since", "2025-04-22"])
            #expect(again.status == 0, "\(again.stderrText)")
            let ledger = try Ledger(directory: data, create: false)
            #expect(try ledger.verify().isValid)
            for stream in ReportStream.reports {
                var covered = Set<Day>()
                for s in try ledger.fetchSummaries(stream: stream) where s.isComplete {
                    covered.formUnion(Day.range(from: s.windowStart!, to: s.windowEnd!))
                }
                #expect(Day.range(from: Day("2025-04-22")!, to: Self.today).allSatisfy(covered.contains), "\(stream)")
            }
        }
    }
}
