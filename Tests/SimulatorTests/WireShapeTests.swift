import AdminSimulator
import CoreValues
import Foundation
import Testing

/// Field sets exactly as the Admin API reference documents them (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages, /cost_report, /usage_report/retrieve_claude_code, /workspaces/list).
@Suite struct WireShapeTests {
    func keys(_ object: Any?) -> Set<String> { Set((object as? [String: Any] ?? [:]).keys) }

    @Test func everyObjectHasTheDocumentedFields() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let day = Fixture.today.adding(days: -2)
            let window = [("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339)]

            let usage = try await client.get("/v1/organizations/usage_report/messages", window + [("group_by[]", "model")])
            #expect(keys(usage.json) == ["data", "has_more", "next_page"])
            let usageBucket = (usage.json!["data"] as! [[String: Any]])[0]
            #expect(keys(usageBucket) == ["starting_at", "ending_at", "results"])
            let usageRow = (usageBucket["results"] as! [[String: Any]])[0]
            #expect(
                keys(usageRow) == [
                    "uncached_input_tokens", "cache_creation", "cache_read_input_tokens", "output_tokens",
                    "server_tool_use", "api_key_id", "workspace_id", "model", "service_tier",
                    "context_window", "inference_geo", "account_id", "service_account_id",
                ])
            #expect(keys(usageRow["cache_creation"]) == ["ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens"])
            #expect(keys(usageRow["server_tool_use"]) == ["web_search_requests"])

            let cost = try await client.get("/v1/organizations/cost_report", window + [("group_by[]", "description")])
            let costRow = ((cost.json!["data"] as! [[String: Any]])[0]["results"] as! [[String: Any]])[0]
            #expect(
                keys(costRow) == [
                    "amount", "currency", "workspace_id", "description", "cost_type", "model", "token_type",
                    "service_tier", "context_window", "inference_geo",
                ])
            #expect(costRow["amount"] is String)

            let code = try await client.get("/v1/organizations/usage_report/claude_code", [("starting_at", day.description)])
            let record = (code.json!["data"] as! [[String: Any]])[0]
            #expect(
                keys(record) == [
                    "date", "actor", "organization_id", "customer_type", "subscription_type", "terminal_type",
                    "is_remote", "core_metrics", "tool_actions", "model_breakdown",
                ])
            #expect(
                keys(record["core_metrics"]) == [
                    "num_sessions", "lines_of_code", "commits_by_claude_code",
                    "pull_requests_by_claude_code",
                ])
            let breakdown = (record["model_breakdown"] as! [[String: Any]])[0]
            #expect(keys(breakdown) == ["model", "tokens", "estimated_cost"])
            #expect(keys(breakdown["tokens"]) == ["input", "output", "cache_read", "cache_creation"])
            #expect((breakdown["estimated_cost"] as! [String: Any])["amount"] is NSNumber)

            let keysList = try await client.get("/v1/organizations/api_keys")
            #expect(keys(keysList.json) == ["data", "has_more", "first_id", "last_id"])
            #expect(
                keys((keysList.json!["data"] as! [Any])[0]) == [
                    "id", "type", "name", "workspace_id", "created_at", "created_by",
                    "partial_key_hint", "status", "expires_at",
                ])
            let workspaces = try await client.get("/v1/organizations/workspaces")
            #expect(
                keys((workspaces.json!["data"] as! [Any])[0]) == [
                    "id", "type", "name", "created_at", "archived_at",
                    "display_color", "data_residency",
                ])
        }
    }

    @Test(arguments: ["2025-05-28T02:00:00+02:00", "2025-05-28T00:00:00.000Z", "2025-05-27T20:00:00-04:00", "2025-05-28t00:00:00z"])
    func timestampFormsAreRFC3339(startingAt: String) async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let r = try await TestClient(sim).get(
                "/v1/organizations/cost_report",
                [("starting_at", startingAt), ("ending_at", "2025-05-29T00:00:00Z")])
            #expect(r.status == 200)
            let buckets = r.json?["data"] as? [[String: Any]] ?? []
            #expect(buckets.map { str($0, "starting_at") } == ["2025-05-28T00:00:00Z"])
        }
    }

    @Test func usageWithoutEndingAtRunsThroughTheCurrentBucket() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let r = try await client.get(
                "/v1/organizations/usage_report/messages",
                [("starting_at", Fixture.today.adding(days: -2).midnightRFC3339)])
            let buckets = r.json!["data"] as! [[String: Any]]
            #expect(buckets.map { str($0, "starting_at")! } == (-2...0).map { Fixture.today.adding(days: $0).midnightRFC3339 })
            #expect((buckets[2]["results"] as! [Any]).isEmpty)
            // Cost serves complete days only.
            let c = try await client.get("/v1/organizations/cost_report", [("starting_at", Fixture.today.adding(days: -2).midnightRFC3339)])
            #expect((c.json!["data"] as! [Any]).count == 2)
            // Mid-day starting_at snaps down to the bucket start.
            let snapped = try await client.get(
                "/v1/organizations/usage_report/messages",
                [
                    ("starting_at", Fixture.today.adding(days: -2).description + "T13:45:10Z"),
                    ("ending_at", Fixture.today.adding(days: -2).description + "T15:00:00Z"),
                    ("bucket_width", "1h"),
                ])
            let hours = snapped.json!["data"] as! [[String: Any]]
            // Only buckets that end by ending_at: a day bucket ending after it is not served.
            let partial = try await client.get(
                "/v1/organizations/usage_report/messages",
                [
                    ("starting_at", Fixture.today.adding(days: -3).midnightRFC3339),
                    ("ending_at", Fixture.today.adding(days: -2).description + "T12:00:00Z"),
                ])
            #expect((partial.json!["data"] as! [Any]).count == 1)
            let none = try await client.get(
                "/v1/organizations/usage_report/messages",
                [
                    ("starting_at", Fixture.today.adding(days: -3).midnightRFC3339),
                    ("ending_at", Fixture.today.adding(days: -3).description + "T12:00:00Z"),
                ])
            #expect(none.status == 400 && none.errorType == "invalid_request_error")
            #expect(
                hours.map { str($0, "starting_at")! } == ["13", "14"].map { Fixture.today.adding(days: -2).description + "T\($0):00:00Z" })
        }
    }
}
