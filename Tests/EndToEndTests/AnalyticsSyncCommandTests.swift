import AdminSimulator
import CoreValues
import Foundation
import Ledger
import Testing
import TestSupport

/// `claude-ledger sync` with the analytics streams, as a user runs it: the built binary against
/// the simulator, whose clock is the real current day (the binary reads the real clock).
@Suite(.serialized) struct AnalyticsSyncCommandTests {
    static let key = AdminSimulator.defaultAdminKey

    /// The data directory inside the test's directory, created by the tool itself (owner-only).
    static func data(_ dir: URL) -> URL { dir.appendingPathComponent("data") }

    static func sync(_ dir: URL, _ sim: AdminSimulator, _ extra: [String]) throws -> BuiltProducts.Result {
        try BuiltProducts.run(
            "claude-ledger", ["sync", "--data-dir", data(dir).path, "--base-url", sim.baseURL.absoluteString] + extra,
            environment: ["ANTHROPIC_ADMIN_KEY": key])
    }

    static func lines(_ text: String, prefix: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }
    }

    @Test(arguments: ["cost,bogus", "analytics", "api-keys", "analytics-cost,organization", " , "])
    func unknownStreamNamesExit2WithOneErrorLineAndCreateNothing(_ streams: String) async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            let result = try BuiltProducts.run(
                "claude-ledger",
                [
                    "sync", "--data-dir", data.path, "--base-url", "http://127.0.0.1:9",
                    "--since", "2026-11-01", "--streams", streams,
                ],
                environment: ["ANTHROPIC_ADMIN_KEY": Self.key])
            #expect(result.status == 2)
            let errors = Self.lines(result.stderrText, prefix: "error:")
            #expect(errors.count == 1)
            #expect(errors.first?.contains("cost, usage, claude-code, analytics-cost, analytics-usage") == true, "\(errors)")
            #expect(!FileManager.default.fileExists(atPath: data.path))
        }
    }

    @Test func everyDocumentedStreamNameIsAccepted() async throws {
        try await withTemporaryDirectory { dir in
            let today = Day(containing: Date())
            let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 21, today: today, historyDays: 10))
            defer { Task { await sim.stop() } }
            let result = try Self.sync(
                dir, sim,
                [
                    "--since", today.adding(days: -3).description,
                    "--streams", "analytics-usage, analytics-cost,cost",
                ])
            #expect(result.status == 0, "\(result.stderrText)")
            let ledger = try Ledger(directory: Self.data(dir), create: false)
            #expect(try !ledger.fetchSummaries(stream: .analyticsUsage).isEmpty)
            #expect(try !ledger.fetchSummaries(stream: .analyticsCost).isEmpty)
            #expect(try !ledger.fetchSummaries(stream: .cost).isEmpty)
            #expect(try ledger.fetchSummaries(stream: .usage).isEmpty)
            #expect(try ledger.fetchSummaries(stream: .claudeCode).isEmpty)
        }
    }

    @Test func anOrganizationWithoutAnalyticsAccessGetsOneWarningAndTheLegacyStreamsExit0() async throws {
        try await withTemporaryDirectory { dir in
            let today = Day(containing: Date())
            var config = SimulatorConfiguration(seed: 22, today: today, historyDays: 10)
            config.analyticsAccess = false
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let since = today.adding(days: -7)
            let result = try Self.sync(dir, sim, ["--since", since.description])
            #expect(result.status == 0, "\(result.stderrText)")
            let warnings = Self.lines(result.stderrText, prefix: "warning:")
            #expect(warnings.count == 1, "\(result.stderrText)")
            #expect(warnings.first?.contains("analytics-cost and analytics-usage were skipped") == true)
            #expect(Self.lines(result.stderrText, prefix: "error:").isEmpty)
            #expect(result.stdoutText.contains("0 windows failed"), "\(result.stdoutText)")
            // The legacy streams hold every day (cost stops before today, the others at --until).
            let ledger = try Ledger(directory: Self.data(dir), create: false)
            for stream in ReportStream.reports {
                var covered = Set<Day>()
                for s in try ledger.fetchSummaries(stream: stream) where s.isComplete {
                    covered.formUnion(Day.range(from: s.windowStart!, to: s.windowEnd!))
                }
                #expect(Day.range(from: since, to: today).allSatisfy(covered.contains), "\(stream)")
            }
            for stream in ReportStream.analytics {
                #expect(try ledger.fetchSummaries(stream: stream).isEmpty)
                #expect(try ledger.failedFetches(stream: stream).isEmpty)
            }
        }
    }

    @Test func onlyAnalyticsStreamsForAnOrganizationWithoutAccessIsExit3WithOneErrorLine() async throws {
        try await withTemporaryDirectory { dir in
            let today = Day(containing: Date())
            var config = SimulatorConfiguration(seed: 23, today: today, historyDays: 10)
            config.analyticsAccess = false
            let sim = try await AdminSimulator.start(config)
            defer { Task { await sim.stop() } }
            let result = try Self.sync(
                dir, sim,
                [
                    "--since", today.adding(days: -7).description,
                    "--streams", "analytics-cost,analytics-usage",
                ])
            #expect(result.status == 3, "\(result.stderrText)")
            let errors = Self.lines(result.stderrText, prefix: "error:")
            #expect(errors.count == 1)
            #expect(errors.first?.contains("refused this organization") == true, "\(errors)")
            #expect(Self.lines(result.stderrText, prefix: "warning:").isEmpty)
        }
    }
}
