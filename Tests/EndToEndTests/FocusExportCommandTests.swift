import AdminSimulator
import CoreValues
import Foundation
import Ledger
import SimulatorSupport
import Testing
import TestSupport

/// `claude-ledger export focus` on a ledger synced from the simulator: the FinOps Foundation's
/// validator accepts the file, its money equals the simulator's ground truth per day to the last
/// decimal, its quantities equal the truth's token counts, and bad input changes nothing.
///
/// The range spans 2026-01-01, the analytics API's first servable day: the 15 days before it are
/// billed from `claude_costs` (the cost report), the 15 from it on from `claude_costs_by_key`
/// (per API key), so the validator and the truth checks see both sources in one file.
@Suite(.serialized) struct FocusExportCommandTests {
    static let today = Day("2026-01-16")!
    static let since = Day("2025-12-17")!
    static let analyticsFrom = Day("2026-01-01")!
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A data directory synced by the built binary, and its export.
    static func exported(_ dir: URL, _ body: (URL, URL, AdminSimulator) async throws -> Void) async throws {
        let sim = try await AdminSimulator.start(SimulatorConfiguration(seed: 21, today: today, historyDays: 40))
        defer { Task { await sim.stop() } }
        let data = dir.appendingPathComponent("data")
        let sync = try syncDataDirectory(data, from: sim, since: since, until: today)
        try #require(sync.status == 0, "\(sync.stderrText)")
        let out = dir.appendingPathComponent("focus")
        let export = try BuiltProducts.run("claude-ledger", ["export", "focus", "--data-dir", data.path, "--out", out.path])
        try #require(export.status == 0, "\(export.stderrText)")
        let file = out.appendingPathComponent("focus-1.2.csv")
        #expect(export.stdoutText.hasPrefix("\(file.path): "), "\(export.stdoutText)")
        try await body(data, file, sim)
    }

    @Test func theFinOpsValidatorPassesEveryRuleOutsideTheInvoiceIdChain() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.exported(dir) { _, file, _ in
                let result = try Self.runValidator(file)
                if result.status == 3 && ProcessInfo.processInfo.environment["CI"] != "true" {
                    let message = "SKIPPED: focus-validator could not be installed here (no Python >= 3.12?): \(result.output)"
                    FileHandle.standardError.write(Data("\n*** \(message)\n\n".utf8))
                    print("*** \(message)")
                    return
                }
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("rules: 578 total"), "\(result.output)")
                let failedLines = result.output.split(separator: "\n").filter { $0.hasPrefix("failed: ") }
                #expect(failedLines.isEmpty, "\(result.output)")
                #expect(result.output.contains("(7 in the InvoiceId chain)"), "\(result.output)")

                // The gate can fail: a lowercase currency code is a failed Mandatory rule.
                let broken = file.deletingLastPathComponent().appendingPathComponent("broken.csv")
                let text = try String(contentsOf: file, encoding: .utf8)
                try text.replacingOccurrences(of: ",USD,", with: ",usd,").write(to: broken, atomically: true, encoding: .utf8)
                let refused = try Self.runValidator(broken)
                #expect(refused.status == 1, "\(refused.output)")
                #expect(refused.output.split(separator: "\n").contains { $0.hasPrefix("failed: BillingCurrency") }, "\(refused.output)")
            }
        }
    }

    @Test func billedCostPerDayAndQuantitiesEqualTheSimulatorsTruth() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.exported(dir) { data, file, sim in
                let rows = try CSVTable.parse(String(contentsOf: file, encoding: .utf8))
                var billed: [String: ExactDecimal] = [:]
                var tokens: [String: Int] = [:]
                for row in rows {
                    let day = String(row["ChargePeriodStart"]!.prefix(10))
                    billed[day] = try (billed[day] ?? .zero).adding(ExactDecimal(parsing: row["BilledCost"]!))
                    #expect(row["BilledCost"] == row["EffectiveCost"])
                    if row["x_CostType"] == "tokens" {
                        #expect(row["x_QuantitySource"] == "usage_report", "every billed token type has usage")
                        let consumed = try ExactDecimal(parsing: row["ConsumedQuantity"]!)
                        #expect(try ExactDecimal(parsing: row["PricingQuantity"]!) == consumed.dividedByPowerOfTen(6))
                        let key = "\(day) \(row["x_Model"]!) \(row["x_TokenType"]!)"
                        tokens[key, default: 0] += Int(consumed.description)!
                    }
                    if row["x_CostType"] == "code_execution" {
                        #expect(row["x_QuantitySource"] == "not_reported" && row["PricingUnit"] == "Days")
                    }
                }
                var expectedTokens: [String: Int] = [:]
                for day in Day.range(from: Self.since, to: Self.today) {
                    let truth = sim.truth.day(day)
                    #expect((billed[day.description] ?? .zero) == truth.totalCostUSD, "BilledCost on \(day)")
                    for usage in truth.usageRows where usage.serviceTier != "priority" {
                        let t = usage.tokens
                        let counts: [(TokenType, Int)] = [
                            (.uncachedInput, t.uncachedInput), (.output, t.output),
                            (.cacheRead, t.cacheRead), (.cacheWrite5m, t.cacheWrite5m),
                            (.cacheWrite1h, t.cacheWrite1h),
                        ]
                        for (type, count) in counts where count > 0 {
                            expectedTokens["\(day) \(usage.model) \(type.rawValue)", default: 0] += count
                        }
                    }
                }
                #expect(tokens == expectedTokens, "tokens per day, model and token type")
                // Each day from one source: the cost report before 2026-01-01, the analytics API
                // (with the API key, to the truth's billed cost per key) from it on.
                var perKey: [String: ExactDecimal] = [:]
                for row in rows {
                    let day = Day(String(row["ChargePeriodStart"]!.prefix(10)))!
                    #expect(row["x_Source"] == (day < Self.analyticsFrom ? "cost_report" : "analytics_cost"), "x_Source on \(day)")
                    if day >= Self.analyticsFrom {
                        let key = "\(day) \(row["x_ApiKeyId"] ?? "")"
                        perKey[key] = try (perKey[key] ?? .zero).adding(ExactDecimal(parsing: row["BilledCost"]!))
                    }
                }
                var expectedPerKey: [String: ExactDecimal] = [:]
                for day in Day.range(from: Self.analyticsFrom, to: Self.today) {
                    for t in sim.truth.day(day).costsByKey {
                        let key = "\(day) \(t.apiKeyID ?? "")"
                        expectedPerKey[key] = try (expectedPerKey[key] ?? .zero).adding(t.amountUSD)
                    }
                }
                #expect(perKey == expectedPerKey, "billed cost per day and API key")
                #expect(perKey.keys.contains { !$0.hasSuffix(" ") }, "rows name their API key")
                #expect(Set(billed.keys).isSubset(of: Set(Day.range(from: Self.since, to: Self.today).map(\.description))))
                // The same projections give the same bytes.
                let again = dir.appendingPathComponent("again")
                let rerun = try BuiltProducts.run("claude-ledger", ["export", "focus", "--data-dir", data.path, "--out", again.path])
                #expect(rerun.status == 0)
                #expect(try Data(contentsOf: file) == Data(contentsOf: again.appendingPathComponent("focus-1.2.csv")))
            }
        }
    }

    @Test func badInputIsExitTwoWithOneErrorLineAndNothingWritten() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.exported(dir) { data, file, _ in
                let before = try Data(contentsOf: file)
                let out = file.deletingLastPathComponent()
                let version = try BuiltProducts.run(
                    "claude-ledger",
                    [
                        "export", "focus", "--data-dir", data.path,
                        "--out", dir.appendingPathComponent("v13").path, "--focus-version", "1.3",
                    ])
                #expect(version.status == 2)
                #expect(version.stderrText.hasPrefix("error: ") && version.stderrText.contains("1.2"), "\(version.stderrText)")
                #expect(version.stderrText.split(separator: "\n").count == 1)
                #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("v13").path))

                for target in [file.path, file.path + "/sub"] {
                    let result = try BuiltProducts.run("claude-ledger", ["export", "focus", "--data-dir", data.path, "--out", target])
                    #expect(result.status == 2, "\(target): \(result.stderrText)")
                    #expect(result.stderrText.hasPrefix("error: "), "\(result.stderrText)")
                }
                #expect(try Data(contentsOf: file) == before)
                #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["focus-1.2.csv"], "no temporary file left")
            }
        }
    }

    @Test func aLedgerWithoutAnOrganizationPageIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            _ = try Ledger(directory: data, create: true)
            let out = dir.appendingPathComponent("focus")
            let result = try BuiltProducts.run("claude-ledger", ["export", "focus", "--data-dir", data.path, "--out", out.path])
            #expect(result.status == 2)
            #expect(result.stderrText.hasPrefix("error: ") && result.stderrText.contains("sync"), "\(result.stderrText)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    static func runValidator(_ file: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repository.appendingPathComponent("tools/focus-validator/run.sh").path, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
