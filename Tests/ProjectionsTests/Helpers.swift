import CoreValues
import Foundation
import Ledger
@testable import Projections
import TableSchemas
import TestSupport

extension TemporaryDirectory {
    var projections: URL { url.appendingPathComponent(Projections.fileName) }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/projections")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: data(name))
    }
}

/// A ledger in a temporary directory, with helpers to append hand-written fetches.
final class TestLedger {
    let dir: TemporaryDirectory
    let ledger: Ledger

    init() throws {
        dir = try TemporaryDirectory()
        ledger = try Ledger(directory: dir.url, create: true)
    }

    /// Appends one pagination chain; `complete: false` leaves the last page unmarked (a chain cut
    /// short). Returns the appended events in page order.
    @discardableResult
    func appendFetch(
        _ stream: ReportStream, from start: String, to end: String, pages: [Data],
        complete: Bool = true
    ) throws -> [Ledger.Event] {
        let fetch = Ledger.FetchDescriptor(runID: nil, stream: stream, windowStart: Day(start)!, windowEnd: Day(end)!)
        var events: [Ledger.Event] = []
        for (i, body) in pages.enumerated() {
            let isLast = complete && i == pages.count - 1
            let page = Ledger.ReceivedPage(
                fetch: fetch, pageIndex: i, isLast: isLast,
                request: Ledger.Request(path: stream.path, query: "page=\(i)&starting_at=\(start)"),
                status: 200, requestID: "req_test_\(i)", body: body)
            events.append(try ledger.append(page).event)
        }
        return events
    }

    /// Appends a `GET /v1/organizations/me` answer as the organization stream does.
    @discardableResult
    func appendOrganization(_ body: Data) throws -> Ledger.Event {
        let fetch = Ledger.FetchDescriptor(runID: nil, stream: .organization, windowStart: nil, windowEnd: nil)
        let page = Ledger.ReceivedPage(
            fetch: fetch, pageIndex: 0, isLast: true,
            request: Ledger.Request(path: ReportStream.organization.path, query: ""),
            status: 200, requestID: "req_test_org", body: body)
        return try ledger.append(page).event
    }

    @discardableResult
    func appendOrganization(id: String) throws -> Ledger.Event {
        try appendOrganization(Data(#"{"id":"\#(id)","type":"organization","name":"Org \#(id)"}"#.utf8))
    }

    @discardableResult
    func appendFetch(
        _ stream: ReportStream, from start: String, to end: String, page: String,
        complete: Bool = true
    ) throws -> [Ledger.Event] {
        try appendFetch(stream, from: start, to: end, pages: [Data(page.utf8)], complete: complete)
    }
}

/// Every row of a table, values as text (integers in decimal), sorted for comparison.
func tableRows(_ url: URL, _ table: ProjectionTable) throws -> [[String?]] {
    let file = try Projections.openExisting(url)
    var reader = try Projections.DayReader(file: file, table: table)
    var rows: [[String?]] = []
    while let day = try reader.nextDay() { rows += day.rows }
    return rows.sorted { lhs, rhs in
        lhs.map { $0 ?? "\u{0}" }.lexicographicallyPrecedes(rhs.map { $0 ?? "\u{0}" })
    }
}

/// Rows of a table as dictionaries keyed by column name.
func namedRows(_ url: URL, _ table: ProjectionTable) throws -> [[String: String?]] {
    let names = table.schema.columnNames
    return try tableRows(url, table).map { row in
        var out: [String: String?] = [:]
        for (i, name) in names.enumerated() { out[name] = row[i] }
        return out
    }
}

// MARK: page builders

func costPage(_ buckets: [(day: String, rows: [String])], hasMore: Bool = false) -> String {
    let data = buckets.map { b in
        "{\"starting_at\":\"\(b.day)T00:00:00Z\",\"ending_at\":\"\(Day(b.day)!.adding(days: 1))T00:00:00Z\",\"results\":[\(b.rows.joined(separator: ","))]}"
    }
    return "{\"data\":[\(data.joined(separator: ","))],\"has_more\":\(hasMore),\"next_page\":\(hasMore ? "\"p\"" : "null")}"
}

func costRow(_ amount: String, workspace: String? = nil, description: String? = "Tokens") -> String {
    let ws = workspace.map { "\"\($0)\"" } ?? "null"
    let desc = description.map { "\"\($0)\"" } ?? "null"
    return
        "{\"amount\":\"\(amount)\",\"currency\":\"USD\",\"workspace_id\":\(ws),\"description\":\(desc),\"cost_type\":\"tokens\",\"model\":\"m\",\"token_type\":\"output_tokens\",\"service_tier\":\"standard\",\"context_window\":\"0-200k\",\"inference_geo\":null}"
}

func usagePage(_ buckets: [(day: String, rows: [String])]) -> String {
    let data = buckets.map { b in
        "{\"starting_at\":\"\(b.day)T00:00:00Z\",\"ending_at\":\"\(Day(b.day)!.adding(days: 1))T00:00:00Z\",\"results\":[\(b.rows.joined(separator: ","))]}"
    }
    return "{\"data\":[\(data.joined(separator: ","))],\"has_more\":false,\"next_page\":null}"
}

func usageRow(key: String?, uncached: Int, output: Int = 1, model: String = "claude-x") -> String {
    let k = key.map { "\"\($0)\"" } ?? "null"
    return
        "{\"uncached_input_tokens\":\(uncached),\"cache_creation\":{\"ephemeral_1h_input_tokens\":2,\"ephemeral_5m_input_tokens\":3},\"cache_read_input_tokens\":4,\"output_tokens\":\(output),\"server_tool_use\":{\"web_search_requests\":0},\"api_key_id\":\(k),\"workspace_id\":null,\"model\":\"\(model)\",\"service_tier\":\"standard\",\"context_window\":null,\"inference_geo\":null}"
}

func claudeCodePage(_ records: [String], hasMore: Bool = false) -> String {
    "{\"data\":[\(records.joined(separator: ","))],\"has_more\":\(hasMore),\"next_page\":\(hasMore ? "\"p\"" : "null")}"
}

func claudeCodeRecord(date: String, email: String, sessions: Int = 1) -> String {
    "{\"date\":\"\(date)\",\"actor\":{\"type\":\"user_actor\",\"email_address\":\"\(email)\"},\"organization_id\":\"org\",\"customer_type\":\"api\",\"terminal_type\":\"vscode\",\"core_metrics\":{\"num_sessions\":\(sessions),\"lines_of_code\":{\"added\":1,\"removed\":2},\"commits_by_claude_code\":0,\"pull_requests_by_claude_code\":0},\"tool_actions\":{},\"model_breakdown\":[]}"
}
