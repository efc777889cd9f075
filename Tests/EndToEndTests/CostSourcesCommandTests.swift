import CoreValues
import Foundation
import Ledger
import TestSupport
import Testing

/// The read side of the two cost sources, through the built binary on a ledger of hand-written
/// pages whose totals are worked out by hand below (SPEC audit invariant 6, `report costs --by
/// api-key`, `explain --date`).
///
/// | day        | cost_report (cents)   | analytics_cost (cents)               | watermark 2026-03-04T06:00Z |
/// |------------|-----------------------|--------------------------------------|-----------------------------|
/// | 2026-03-01 | 1000.5 + 234 = 12.345 | key_a 1000.5 (list 1100) + key_b 234 | final, agree                |
/// | 2026-03-02 | 500 = 5.00            | key_a 501 = 5.01                     | final, differ by $0.01      |
/// | 2026-03-03 | none = 0              | none = 0                             | final, agree                |
/// | 2026-03-04 | 700 = 7.00            | key_a 999 = 9.99                     | provisional, not compared   |
@Suite(.serialized) struct CostSourcesCommandTests {
    static let window = (Day("2026-03-01")!, Day("2026-03-05")!)

    static func bucket(_ day: String, _ results: [String]) -> String {
        let next = Day(day)!.adding(days: 1)
        return #"{"starting_at":"\#(day)T00:00:00Z","ending_at":"\#(next)T00:00:00Z","results":[\#(results.joined(separator: ","))]}"#
    }

    static func cost(_ cents: String, workspace: String?) -> String {
        #"{"currency":"USD","amount":"\#(cents)","workspace_id":\#(workspace.map { "\"\($0)\"" } ?? "null"),"description":null}"#
    }

    static func billed(_ day: String, key: String, cents: String, list: String) -> String {
        let next = Day(day)!.adding(days: 1)
        return """
            {"starting_at":"\(day)T00:00:00Z","ending_at":"\(next)T00:00:00Z",\
            "group":{"workspace_id":null,"api_key_id":"\(key)","model":null,"service_tier":null,"context_window":null,\
            "cost_type":null,"token_type":null},"cost":{"amount":"\(cents)","list_amount":"\(list)","currency":"USD","requests":null}}
            """
    }

    static let costPage = """
        {"data":[\(bucket("2026-03-01", [cost("1000.5", workspace: nil), cost("234", workspace: "wrkspc_a")])),\
        \(bucket("2026-03-02", [cost("500", workspace: nil)])),\(bucket("2026-03-03", [])),\
        \(bucket("2026-03-04", [cost("700", workspace: nil)]))],"has_more":false,"next_page":null}
        """

    static let analyticsPage = """
        {"data":[\(billed("2026-03-01", key: "key_a", cents: "1000.5", list: "1100")),\
        \(billed("2026-03-01", key: "key_b", cents: "234", list: "234")),\
        \(billed("2026-03-02", key: "key_a", cents: "501", list: "501")),\
        \(billed("2026-03-04", key: "key_a", cents: "999", list: "999"))],\
        "has_more":false,"next_page":null,"data_refreshed_at":"2026-03-04T06:00:00Z"}
        """

    static func append(_ ledger: Ledger, _ stream: ReportStream, _ body: String) throws {
        let fetch = Ledger.FetchDescriptor(runID: nil, stream: stream, windowStart: window.0, windowEnd: window.1)
        _ = try ledger.append(
            Ledger.ReceivedPage(
                fetch: fetch, pageIndex: 0, isLast: true,
                request: Ledger.Request(path: stream.path, query: "starting_at=\(window.0)"),
                status: 200, requestID: "req_\(stream)", body: Data(body.utf8)))
    }

    /// A data directory with the two fetches, rebuilt by the binary.
    static func withDataDirectory(_ body: (URL) throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            try append(ledger, .organization, #"{"id":"org_hand","type":"organization","name":"Hand"}"#)
            try append(ledger, .cost, costPage)
            try append(ledger, .analyticsCost, analyticsPage)
            let rebuild = try BuiltProducts.run("claude-ledger", ["rebuild", "--data-dir", dir.path])
            #expect(rebuild.status == 0, "\(rebuild.stderrText)")
            try body(dir)
        }
    }

    static func run(_ dir: URL, _ arguments: [String]) throws -> BuiltProducts.Result {
        try BuiltProducts.run("claude-ledger", arguments + ["--data-dir", dir.path])
    }

    static func sourcesLine(_ output: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix("6 cost sources agree") }.map(String.init) ?? ""
    }

    @Test func aOneCentDifferenceOnAFinalDayFailsTheAuditNamingTheDay() async throws {
        try await Self.withDataDirectory { dir in
            let audit = try Self.run(dir, ["audit"])
            #expect(audit.status == 1)
            let line = Self.sourcesLine(audit.stdoutText)
            #expect(line.contains("FAIL"))
            #expect(line.contains("1 of 3 final day(s) differ"))
            #expect(line.contains("2026-03-02 cost_report $5 vs analytics_cost $5.01 (difference $0.01)"))
            #expect(!line.contains("2026-03-01 cost_report"))
            #expect(line.contains("1 provisional day(s) not compared (2026-03-04)"))
        }
    }

    @Test func theToleranceAcceptsTheCentAndRefusesBadValues() async throws {
        try await Self.withDataDirectory { dir in
            let audit = try Self.run(dir, ["audit", "--cost-tolerance", "0.01"])
            #expect(audit.status == 0, "\(audit.stdoutText)")
            #expect(
                Self.sourcesLine(audit.stdoutText).contains(
                    "3 final day(s) covered by both claude_costs and claude_costs_by_key agree within $0.01"))
            let before = try Data(contentsOf: dir.appendingPathComponent("ledger.sqlite"))
            for bad in ["-0.01", "ten", "1e3"] {
                let refused = try Self.run(dir, ["audit", "--cost-tolerance=\(bad)"])
                #expect(refused.status == 2)
                #expect(refused.stderrText.hasPrefix("error: --cost-tolerance '\(bad)'"))
                #expect(refused.stderrText.split(separator: "\n").count == 1)
            }
            #expect(try Data(contentsOf: dir.appendingPathComponent("ledger.sqlite")) == before)
        }
    }

    @Test func billedCostPerKeyIsTheAnalyticsTableToTheLastDecimal() async throws {
        try await Self.withDataDirectory { dir in
            let report = try Self.run(dir, ["report", "costs", "--by", "api-key", "--format", "csv"])
            #expect(report.status == 0, "\(report.stderrText)")
            // key_a: 10.005 + 5.01 + 9.99 = 25.005 (list 11 + 5.01 + 9.99 = 26); key_b: 2.34.
            let lines = report.stdoutText.split(separator: "\n").map(String.init)
            #expect(lines.first == "api_key,cost_usd,list_cost_usd,rows")
            #expect(lines.contains("key_a,25.005,26,3"))
            #expect(lines.contains("key_b,2.34,2.34,1"))
            #expect(lines.count == 3)
            #expect(report.stderrText.contains("note: 1 day(s) are provisional (2026-03-04)"))
            let bounded = try Self.run(
                dir, ["report", "costs", "--by", "api-key", "--format", "csv", "--since", "2026-03-02", "--until", "2026-03-03"])
            #expect(bounded.stdoutText.split(separator: "\n").contains("key_a,5.01,5.01,1"))
            #expect(!bounded.stderrText.contains("note:"))
        }
    }

    @Test func explainPutsTheTwoSourcesSideBySide() async throws {
        try await Self.withDataDirectory { dir in
            let differing = try Self.run(dir, ["explain", "--date", "2026-03-02"])
            #expect(differing.status == 0, "\(differing.stderrText)")
            #expect(differing.stdoutText.contains("analytics_cost (claude_costs_by_key): $5.01 (exactly $5.01), final"))
            #expect(differing.stdoutText.contains("cost_report $5.00 vs analytics_cost $5.01: differs from the cost report by $0.01"))
            let agreeing = try Self.run(dir, ["explain", "--date", "2026-03-01"])
            #expect(agreeing.stdoutText.contains("the two sources agree to the cent"))
            #expect(agreeing.stdoutText.contains("exactly $12.345"))
            let provisional = try Self.run(dir, ["explain", "--date", "2026-03-04"])
            #expect(provisional.stdoutText.contains("$9.99 (exactly $9.99), provisional"))
            let uncovered = try Self.run(dir, ["explain", "--date", "2026-03-09"])
            #expect(uncovered.stdoutText.contains("analytics_cost: no complete fetch covers 2026-03-09"))
        }
    }
}
