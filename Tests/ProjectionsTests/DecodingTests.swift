import CoreValues
import Foundation
import Ledger
import Testing
@testable import Projections
import TableSchemas

@Suite struct MoneyTests {
    @Test func centsStringsBecomeExactDollars() throws {
        let a = try ExactDecimal(parsing: "123.45").dividedByPowerOfTen(2)
        #expect(a.description == "1.2345")
        #expect(a.formatted(places: 2) == "1.23")
        let b = try ExactDecimal(parsing: "123.78912").dividedByPowerOfTen(2)
        #expect(b.description == "1.2378912")
    }

    @Test func projectedAmountsAreExact() throws {
        let l = try TestLedger()
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-02",
            page: costPage([("2025-01-01", [costRow("123.45", description: "a"), costRow("123.78912", description: "b")])]))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let rows = try namedRows(l.dir.projections, .costs)
        let usd = rows.map { $0["amount_usd"]! }.compactMap { $0 }.sorted()
        #expect(usd == ["1.2345", "1.2378912"])
        let cents = rows.map { $0["amount_cents"]! }.compactMap { $0 }.sorted()
        #expect(cents == ["123.45", "123.78912"])
    }

    /// 4,000 fractional-cent amounts `i + i/100000` cents: the total is 1.00001 × (4000·4001/2)
    /// = 8,002,080.02 cents = $80,020.8002, exactly.
    @Test func thousandsOfFractionalCentsSumExactly() throws {
        let l = try TestLedger()
        var rows: [String] = []
        for i in 1...4000 {
            let frac = String(i)
            let padded = String(repeating: "0", count: 5 - frac.count) + frac
            rows.append(costRow("\(i).\(padded)", description: "row \(i)"))
        }
        try l.appendFetch(.cost, from: "2025-03-01", to: "2025-03-02", page: costPage([("2025-03-01", rows)]))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        var total = ExactDecimal.zero
        for row in try namedRows(l.dir.projections, .costs) {
            total = try total.adding(ExactDecimal(parsing: try #require(row["amount_usd"]!)))
        }
        #expect(total.description == "80020.8002")
        #expect(total == (try ExactDecimal(parsing: "80020.8002")))
    }
}

@Suite struct DecodingTests {
    func decode(_ table: ProjectionTable, _ json: String) throws -> [[String?]] {
        let page = try PageDecoder().decode(table: table, eventID: "evt_test", seq: 1, body: Data(json.utf8)) { _ in true }
        return page.withBuffers { body, arena in
            (0..<page.rowCount).map { row in
                (0..<page.columnCount).map { c -> String? in
                    switch page.cells[row * page.columnCount + c] {
                    case .null: return nil
                    case .int(let v): return String(v)
                    case .body(let s, let l):
                        return String(decoding: UnsafeRawBufferPointer(rebasing: body[Int(s)..<Int(s + l)]), as: UTF8.self)
                    case .arena(let s, let l):
                        return String(decoding: UnsafeRawBufferPointer(rebasing: arena[Int(s)..<Int(s + l)]), as: UTF8.self)
                    }
                }
            }
        }
    }

    func column(_ table: ProjectionTable, _ name: String) -> Int { table.schema.index(of: name)! }

    @Test func unknownFieldsAndEnumValuesAreTolerated() throws {
        let json = """
            {"data":[{"starting_at":"2025-02-01T00:00:00Z","ending_at":"2025-02-02T00:00:00Z","novel":{"a":[1,2.5e3,true,null]},
            "results":[{"uncached_input_tokens":5,"cache_creation":{"ephemeral_1h_input_tokens":1,"ephemeral_5m_input_tokens":2,"ephemeral_24h_input_tokens":9},
            "cache_read_input_tokens":3,"output_tokens":4,"server_tool_use":{"web_search_requests":6,"web_fetch_requests":7},
            "service_tier":"flex_turbo","speed":"fast","inference_geo":"eu","model":"claude-\\u00e9t\\u00e9"}]}],
            "has_more":false,"next_page":null,"extra_top":"x"}
            """
        let rows = try decode(.usage, json)
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row[column(.usage, "date")] == "2025-02-01")
        #expect(row[column(.usage, "service_tier")] == "flex_turbo")
        #expect(row[column(.usage, "inference_geo")] == "eu")
        #expect(row[column(.usage, "model")] == "claude-été")
        // Missing dimension keys are null.
        #expect(row[column(.usage, "api_key_id")] == nil)
        #expect(row[column(.usage, "workspace_id")] == nil)
        #expect(row[column(.usage, "context_window")] == nil)
        // Nested cache_creation lands in its own columns.
        #expect(row[column(.usage, "cache_creation_5m_input_tokens")] == "2")
        #expect(row[column(.usage, "cache_creation_1h_input_tokens")] == "1")
        #expect(row[column(.usage, "web_search_requests")] == "6")
        #expect(row[column(.usage, "event_id")] == "evt_test")
    }

    @Test func claudeCodeBareDateAndActorsAndToolActions() throws {
        let json = """
            {"data":[
             {"date":"2025-09-08","actor":{"type":"api_actor","api_key_name":"ci"},"customer_type":"api","terminal_type":"tmux",
              "core_metrics":{"num_sessions":2,"lines_of_code":{"added":3,"removed":4},"commits_by_claude_code":5,"pull_requests_by_claude_code":6},
              "tool_actions":{"write_tool":{"accepted":7,"rejected":8},"future_tool":{"accepted":99,"rejected":99}},
              "model_breakdown":[{"model":"a","tokens":{"input":1,"output":2,"cache_read":3,"cache_creation":4},"estimated_cost":{"amount":"not even a number","currency":"USD"}},
                                 {"model":"b","tokens":{"input":10,"output":20,"cache_read":30,"cache_creation":40},"estimated_cost":{"amount":12.5,"currency":"USD"}}]},
             {"date":"2025-09-08T00:00:00Z","actor":{"type":"robot_actor","robot":"r2"},"is_remote":true,
              "core_metrics":{"num_sessions":1,"lines_of_code":{"added":0,"removed":0},"commits_by_claude_code":0,"pull_requests_by_claude_code":0}}
            ],"has_more":false,"next_page":null}
            """
        let rows = try decode(.claudeCode, json)
        #expect(rows.count == 2)
        let t = ProjectionTable.claudeCode
        #expect(rows[0][column(t, "date")] == "2025-09-08")
        #expect(rows[0][column(t, "actor_type")] == "api_actor")
        #expect(rows[0][column(t, "actor")] == "ci")
        #expect(rows[0][column(t, "is_remote")] == nil)
        #expect(rows[0][column(t, "organization_id")] == nil)
        #expect(rows[0][column(t, "write_accepted")] == "7")
        #expect(rows[0][column(t, "write_rejected")] == "8")
        #expect(rows[0][column(t, "edit_accepted")] == "0")
        #expect(rows[0][column(t, "input_tokens")] == "11")
        #expect(rows[0][column(t, "output_tokens")] == "22")
        #expect(rows[0][column(t, "cache_read_tokens")] == "33")
        #expect(rows[0][column(t, "cache_creation_tokens")] == "44")
        #expect(rows[1][column(t, "actor_type")] == "robot_actor")
        #expect(rows[1][column(t, "actor")] == nil)
        #expect(rows[1][column(t, "is_remote")] == "1")
    }

    @Test func claudeCodeTableHasNoMoneyColumn() {
        let schema = ProjectionTable.claudeCode.schema
        #expect(!schema.columns.contains { $0.kind == .money })
        #expect(!schema.columnNames.contains { $0.contains("cost") || $0.contains("amount") || $0.contains("usd") })
    }

    static let undecodable: [(ProjectionTable, String)] = [
        (.usage, "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"uncached_input_tokens\":\"5\"}]}]}"),
        (
            .usage,
            "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"uncached_input_tokens\":5,\"cache_creation_input_tokens\":9,\"cache_read_input_tokens\":0,\"output_tokens\":0,\"server_tool_use\":{\"web_search_requests\":0}}]}]}"
        ),
        (
            .usage,
            "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"uncached_input_tokens\":5.5,\"cache_creation\":{\"ephemeral_1h_input_tokens\":0,\"ephemeral_5m_input_tokens\":0},\"cache_read_input_tokens\":0,\"output_tokens\":0,\"server_tool_use\":{\"web_search_requests\":0}}]}]}"
        ),
        (.costs, "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"amount\":123.45,\"currency\":\"USD\"}]}]}"),
        (.costs, "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"amount\":\"12e3\",\"currency\":\"USD\"}]}]}"),
        (.costs, "{\"data\":[{\"starting_at\":\"2025-01-01T05:00:00+02:00\",\"results\":[]}]}"),
        (
            .costs,
            "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"amount\":\"1\",\"currency\":\"USD\",\"model\":42}]}]}"
        ),
        (.costs, "{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[]}"),
        (.costs, "{\"has_more\":false}"),
        (.costs, "<html>502 Bad Gateway</html>"),
        (
            .claudeCode,
            "{\"data\":[{\"date\":\"2025-09-08T13:00:00Z\",\"core_metrics\":{\"num_sessions\":1,\"lines_of_code\":{\"added\":0,\"removed\":0},\"commits_by_claude_code\":0,\"pull_requests_by_claude_code\":0}}]}"
        ),
        (.claudeCode, "{\"data\":[{\"date\":\"2025-09-08\",\"core_metrics\":{\"num_sessions\":1}}]}"),
    ]

    @Test(arguments: 0..<undecodable.count)
    func undecodablePageIsAnErrorNamingItsEvent(_ index: Int) throws {
        let (table, json) = DecodingTests.undecodable[index]
        let error = #expect(throws: ProjectionError.self) {
            _ = try PageDecoder().decode(table: table, eventID: "evt_bad", seq: 1, body: Data(json.utf8)) { _ in true }
        }
        #expect(error?.eventID == "evt_bad")
        #expect(error?.classification == .corruption)
        #expect(error?.description.contains("evt_bad") == true)
        #expect(error?.description.contains(json) == false, "an error never quotes the page body")
    }

    /// An unknown field is skipped whatever it holds, but a value nested without end is an
    /// undecodable page, not a decoding thread out of stack.
    @Test func deeplyNestedUnknownValuesFailThePageInsteadOfTheProcess() throws {
        func page(nesting depth: Int) -> Data {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            return Data(
                ("{\"data\":[{\"starting_at\":\"2025-01-01T00:00:00Z\",\"results\":[{\"amount\":\"1\",\"currency\":\"USD\",\"x\":"
                    + nested + "}]}],\"has_more\":false}").utf8)
        }
        let fine = try PageDecoder().decode(table: .costs, eventID: "evt_ok", seq: 1, body: page(nesting: 100)) { _ in true }
        #expect(fine.rowCount == 1)
        let error = #expect(throws: ProjectionError.self) {
            _ = try PageDecoder().decode(table: .costs, eventID: "evt_deep", seq: 1, body: page(nesting: 1_000_000)) { _ in true }
        }
        #expect(error?.eventID == "evt_deep")
        #expect(error?.description.contains("nested deeper than 512") == true)
    }

    @Test func rebuildReportsTheUndecodableEventAndKeepsThePreviousBuild() throws {
        let l = try TestLedger()
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-02",
            page: costPage([("2025-01-01", [costRow("1")])]))
        let good = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let bad = try l.appendFetch(
            .usage, from: "2025-01-01", to: "2025-01-02",
            page: usagePage([("2025-01-01", ["{\"uncached_input_tokens\":\"many\"}"])]))
        let error = #expect(throws: ProjectionError.self) {
            _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        }
        #expect(error?.eventID == bad[0].eventID)
        #expect(error?.isUndecodablePage == true)
        // The previous build is untouched and no temporary file is left behind.
        #expect(try Projections.fingerprint(of: l.dir.projections) == good.fingerprint)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: l.dir.url.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func bucketsOfDaysNotCoveredAreDropped() throws {
        let json = costPage([("2025-01-01", [costRow("1")]), ("2025-01-02", [costRow("2")])])
        let page = try PageDecoder().decode(table: .costs, eventID: "e", seq: 1, body: Data(json.utf8)) {
            $0 == Day("2025-01-02")!
        }
        #expect(page.rowCount == 1)
        #expect(page.days == [Int32(Day("2025-01-02")!.daysSinceEpoch)])
    }
}
