import CoreValues
import Foundation
import GRDB
@testable import Reporting
import Testing
import TestSupport

/// `report html` on hand-made projections files with the documented columns: figures worked out by hand,
/// the analytics tables absent, present and partial, empty and single-day ranges, escaping.
@Suite struct HTMLReportTests {
    static let legacySQL = """
        CREATE TABLE claude_costs (date TEXT, workspace_id TEXT, description TEXT, cost_type TEXT, model TEXT, token_type TEXT,
            service_tier TEXT, context_window TEXT, inference_geo TEXT, currency TEXT, amount_cents TEXT, amount_usd TEXT,
            event_id TEXT, organization_id TEXT);
        CREATE TABLE claude_usage_keys (date TEXT, api_key_id TEXT, workspace_id TEXT, model TEXT, service_tier TEXT,
            context_window TEXT, inference_geo TEXT, uncached_input_tokens INTEGER, cache_creation_5m_input_tokens INTEGER,
            cache_creation_1h_input_tokens INTEGER, cache_read_input_tokens INTEGER, output_tokens INTEGER,
            web_search_requests INTEGER, event_id TEXT, organization_id TEXT);
        CREATE TABLE claude_code_productivity (date TEXT, actor_type TEXT, actor TEXT, organization_id TEXT, customer_type TEXT,
            subscription_type TEXT, terminal_type TEXT, is_remote INTEGER, num_sessions INTEGER, lines_added INTEGER,
            lines_removed INTEGER, commits INTEGER, pull_requests INTEGER, edit_accepted INTEGER, edit_rejected INTEGER,
            multi_edit_accepted INTEGER, multi_edit_rejected INTEGER, write_accepted INTEGER, write_rejected INTEGER,
            notebook_edit_accepted INTEGER, notebook_edit_rejected INTEGER, input_tokens INTEGER, output_tokens INTEGER,
            cache_read_tokens INTEGER, cache_creation_tokens INTEGER, event_id TEXT);
        """

    /// The documented `claude_costs_by_key` and `claude_usage_by_actor` columns.
    static let analyticsSQL = """
        CREATE TABLE claude_costs_by_key (date TEXT, workspace_id TEXT, api_key_id TEXT, model TEXT, service_tier TEXT,
            context_window TEXT, cost_type TEXT, token_type TEXT, currency TEXT, amount_cents TEXT, list_amount_cents TEXT,
            amount_usd TEXT, list_amount_usd TEXT, provisional INTEGER, event_id TEXT, organization_id TEXT);
        CREATE TABLE claude_usage_by_actor (date TEXT, workspace_id TEXT, api_key_id TEXT, model TEXT, product TEXT,
            actor_type TEXT, actor_id TEXT, actor_email TEXT, actor_name TEXT, uncached_input_tokens INTEGER,
            cache_creation_5m_input_tokens INTEGER, cache_creation_1h_input_tokens INTEGER, cache_read_input_tokens INTEGER,
            output_tokens INTEGER, web_search_requests INTEGER, requests INTEGER, provisional INTEGER, event_id TEXT,
            organization_id TEXT);
        """

    /// Three days of cost: 2025-03-01 default workspace 123.45678 + 50 cents (two models), wrk_a 1000 cents;
    /// 2025-03-02 wrk_a 0.5 cents; 2025-03-03 none. In USD: day 1 = 11.7345678, day 2 = 0.005.
    static func legacy(_ db: Database) throws {
        try db.execute(sql: legacySQL)
        let costs: [(String, String?, String?, String)] = [
            ("2025-03-01", nil, "claude-sonnet-4-5", "123.45678"), ("2025-03-01", nil, "claude-opus-4-1", "50"),
            ("2025-03-01", "wrk_a", "claude-sonnet-4-5", "1000"), ("2025-03-02", "wrk_a", nil, "0.5"),
        ]
        for (date, workspace, model, cents) in costs {
            let usd = try ExactDecimal(parsing: cents).dividedByPowerOfTen(2).description
            try db.execute(
                sql:
                    "INSERT INTO claude_costs (date, workspace_id, model, currency, amount_cents, amount_usd, event_id) VALUES (?, ?, ?, 'USD', ?, ?, 'ev')",
                arguments: [date, workspace, model, cents, usd])
        }
        try db.execute(
            sql: """
                INSERT INTO claude_usage_keys VALUES ('2025-03-01', 'key_1', NULL, 'claude-sonnet-4-5', 'standard', '0-200k', 'global', 1000, 100, 10, 5000, 300, 0, 'ev', NULL);
                INSERT INTO claude_usage_keys VALUES ('2025-03-02', 'key_1', NULL, 'claude-sonnet-4-5', 'standard', '0-200k', 'global', 1, 0, 0, 0, 2, 0, 'ev', NULL);
                INSERT INTO claude_usage_keys VALUES ('2025-03-01', NULL, NULL, 'claude-sonnet-4-5', 'standard', '0-200k', 'global', 7, 0, 0, 0, 3, 0, 'ev', NULL);
                INSERT INTO claude_code_productivity (date, actor_type, actor, num_sessions, lines_added, lines_removed, commits, pull_requests)
                    VALUES ('2025-03-02', 'user_actor', 'a@example.com', 4, 120, 30, 3, 1), ('2025-03-02', 'user_actor', 'b@example.com', 1, 5, 0, 0, 0);
                """)
    }

    static func fixture(_ dir: URL, analytics: ((Database) throws -> Void)? = nil) throws -> ProjectionTables {
        let url = dir.appendingPathComponent("projections.sqlite")
        try DatabaseQueue(path: url.path).write { db in
            try legacy(db)
            try analytics?(db)
            // The bookkeeping every projections file has: here, each day with analytics cost rows
            // is covered by a complete fetch.
            try db.execute(sql: "CREATE TABLE projection_days (stream TEXT, date TEXT, fetch_id TEXT, last_seq INTEGER)")
            if try db.tableExists("claude_costs_by_key") {
                try db.execute(
                    sql: "INSERT INTO projection_days SELECT DISTINCT 'analytics_cost', date, 'fch_test', 1 FROM claude_costs_by_key")
            }
        }
        return try ProjectionTables(url: url)
    }

    static let names = NameBook(workspaces: ["wrk_a": "Research <R&D>"], apiKeys: ["key_1": "prod-backend"])

    static func page(_ tables: ProjectionTables, since: String? = nil, until: String? = nil) throws -> (HTMLReport.Content, String) {
        let page = try HTMLReport.gather(
            tables: tables, sources: .init(ledger: nil, names: names),
            since: since.flatMap { Day($0) }, until: until.flatMap { Day($0) })
        return (page, HTMLReport.render(page))
    }

    @Test func figuresAreTheExactSumsWorkedOutByHand() async throws {
        try await withTemporaryDirectory { dir in
            let (page, html) = try Self.page(try Self.fixture(dir))
            // 123.45678 + 50 + 1000 + 0.5 cents = 1173.95678 cents.
            #expect(page.grandTotal == (try ExactDecimal(parsing: "11.7395678")))
            #expect(html.contains(#"id="grand-total" class="value" data-usd="11.7395678""#))
            #expect(html.contains(">$11.74<"))
            #expect(html.contains(#"<tr data-day="2025-03-01" data-usd="11.7345678">"#))
            #expect(html.contains(#"<tr data-day="2025-03-02" data-usd="0.005">"#))
            // The range is the data's: 2025-03-01 and 2025-03-02.
            #expect(page.days == [Day("2025-03-01")!, Day("2025-03-02")!])
            #expect(html.contains("2025-03-01 to 2025-03-02 (2 days, UTC)"))
            // NULL is the default workspace; names are escaped.
            #expect(html.contains(#"<tr data-workspace-id="" data-usd="1.7345678"><td>Default workspace</td>"#))
            #expect(html.contains(#"<tr data-workspace-id="wrk_a" data-usd="10.005"><td>Research &lt;R&amp;D&gt; <code>wrk_a</code>"#))
            #expect(!html.contains("<R&D>"))
            #expect(html.contains(#"<tr data-model="claude-sonnet-4-5" data-usd="11.2345678">"#))
            #expect(html.contains(#"<tr data-model="" data-usd="0.005">"#))
            // Shares of the exact amounts: 10.005 / 11.7395678 is 85.23%, 1.7345678 / 11.7395678 is 14.78%.
            #expect(html.contains(">85.2%<"))
            #expect(html.contains(">14.8%<"))
        }
    }

    @Test func withoutAnalyticsTablesTheKeySectionIsTokensOnlyAndSaysSo() async throws {
        try await withTemporaryDirectory { dir in
            let (page, html) = try Self.page(try Self.fixture(dir))
            #expect(page.keyCost == .noAnalyticsTable)
            #expect(page.actors == nil)
            // key_1: input 1000+100+10+1 = 1111, cache read 5000, output 302.
            #expect(page.keys.first == HTMLReport.KeyLine(label: "prod-backend", id: "key_1", input: 1111, cacheRead: 5000, output: 302))
            #expect(html.contains(#"data-api-key-id="key_1" data-tokens="6413">"#))
            #expect(html.contains("<strong>Tokens only:</strong> there is no analytics data"))
            #expect(html.contains("No analytics data: projections.sqlite has no <code>claude_usage_by_actor</code> table"))
            #expect(!html.contains("Billed cost</th>"))
        }
    }

    @Test func analyticsTablesGiveBilledCostPerKeyAndUsageByActorAndProduct() async throws {
        try await withTemporaryDirectory { dir in
            let tables = try Self.fixture(dir) { db in
                try db.execute(sql: Self.analyticsSQL)
                try db.execute(
                    sql: """
                        INSERT INTO claude_costs_by_key (date, workspace_id, api_key_id, currency, amount_cents, amount_usd, provisional, event_id) VALUES
                            ('2025-03-01', 'wrkspc_default', 'key_1', 'USD', '1100.00001', '11.0000001', 0, 'ev'),
                            ('2025-03-01', 'wrkspc_default', NULL, 'USD', '73.45677', '0.7345677', 0, 'ev'),
                            ('2025-03-02', 'wrk_a', 'key_1', 'USD', '0.5', '0.005', 0, 'ev');
                        INSERT INTO claude_usage_by_actor (date, product, actor_type, actor_id, actor_email, actor_name, uncached_input_tokens,
                            cache_creation_5m_input_tokens, cache_creation_1h_input_tokens, cache_read_input_tokens, output_tokens, web_search_requests, requests, provisional, event_id) VALUES
                            ('2025-03-01', 'claude_code', 'user_actor', 'user_1', 'ada@example.com', 'Ada', 100, 0, 0, 900, 50, 0, 7, 0, 'ev'),
                            ('2025-03-02', 'claude_code', 'user_actor', 'user_1', 'ada@example.com', 'Ada', 10, 0, 0, 0, 5, 0, 2, 0, 'ev'),
                            ('2025-03-01', 'messages_api', 'api_actor', 'key_1', NULL, NULL, 2000, 0, 0, 0, 400, 0, NULL, 0, 'ev');
                        """)
            }
            let (page, html) = try Self.page(tables)
            #expect(page.keyCost == .analytics)
            #expect(page.keys.first { $0.id == "key_1" }?.billedUSD == (try ExactDecimal(parsing: "11.0050001")))
            #expect(page.keys.first { $0.id == nil }?.billedUSD == (try ExactDecimal(parsing: "0.7345677")))
            #expect(html.contains(#"data-api-key-id="key_1" data-tokens="6413" data-usd="11.0050001">"#))
            #expect(html.contains("Billed cost</th>"))
            // Actors: Ada 1065 tokens in 9 requests; key_1 2400 tokens, requests unknown (NULL) counted as 0.
            #expect(
                page.actors == [
                    .init(label: "prod-backend", detail: "API key", tokens: 2400, requests: 0),
                    .init(label: "Ada <ada@example.com>", detail: "person", tokens: 1065, requests: 9),
                ])
            #expect(page.products?.map(\.label) == ["messages_api", "claude_code"])
            #expect(html.contains("Ada &lt;ada@example.com&gt;"))
        }
    }

    @Test func analyticsCostCoveringPartOfTheRangeFallsBackToTokensAndSaysHowMuch() async throws {
        try await withTemporaryDirectory { dir in
            let tables = try Self.fixture(dir) { db in
                try db.execute(sql: Self.analyticsSQL)
                try db.execute(
                    sql: """
                        INSERT INTO claude_costs_by_key (date, api_key_id, currency, amount_cents, amount_usd, provisional, event_id)
                        VALUES ('2025-03-02', 'key_1', 'USD', '0.5', '0.005', 0, 'ev')
                        """)
            }
            let (page, html) = try Self.page(tables)
            #expect(page.keyCost == .partial(covered: 1, needed: 2))
            #expect(page.keys.allSatisfy { $0.billedUSD == nil })
            #expect(html.contains("covers 1 of the 2 days with cost in this range"))
            #expect(html.contains("No analytics usage in this range."))
        }
    }

    @Test func aRangeWithoutDataIsAnHonestPage() async throws {
        try await withTemporaryDirectory { dir in
            let (page, html) = try Self.page(try Self.fixture(dir), since: "2025-01-01", until: "2025-01-08")
            #expect(page.grandTotal == .zero)
            #expect(page.days.count == 7)
            #expect(html.contains("No cost was recorded in this range (2025-01-01 to 2025-01-07 (7 days, UTC))."))
            #expect(html.contains("No Claude Code activity was recorded in this range."))
            #expect(html.contains(#"data-usd="0""#))
            #expect(!html.contains("<svg"))
        }
    }

    @Test func aSingleDayRangeDrawsOneBarPerWorkspace() async throws {
        try await withTemporaryDirectory { dir in
            let (page, html) = try Self.page(try Self.fixture(dir), since: "2025-03-01", until: "2025-03-02")
            #expect(page.days == [Day("2025-03-01")!])
            #expect(html.contains("2025-03-01 (1 day, UTC)"))
            let group = try #require(html.range(of: #"<g data-day="2025-03-01" data-usd="11.7345678">"#))
            let bars = String(html[group.upperBound...]).components(separatedBy: "</g>")[0]
            #expect(bars.components(separatedBy: "<rect").count - 1 == 2)
            #expect(bars.contains("Default workspace: $1.73 (exactly $1.7345678)"))
            #expect(bars.contains("Research &lt;R&amp;D&gt;: $10.00 (exactly $10)"))
            // $11.73 on an axis of $5 steps up to $15.
            #expect(html.contains(">$5<") && html.contains(">$15<") && !html.contains(">$20<"))
        }
    }

    @Test func thePageIsSelfContained() async throws {
        try await withTemporaryDirectory { dir in
            let (_, html) = try Self.page(try Self.fixture(dir))
            for forbidden in ["<script", "<link", "src=", "url(", "@import", "https://"] {
                #expect(!html.contains(forbidden), "\(forbidden)")
            }
            #expect(html.contains("@media print"))
            #expect(html.contains("default-src 'none'"))
        }
    }

    @Test(arguments: [
        ("0", 1 as Int128), ("999", 200), ("1000", 200), ("1001", 500), ("11734", 5000), ("4999999", 1_000_000),
    ])
    func axisStepsAreOneTwoOrFiveTimesAPowerOfTen(_ max: String, _ step: Int128) throws {
        #expect(HTMLReport.niceStep(Int128(max)!) == step)
    }
}
