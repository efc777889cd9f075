import AdminSimulator
import CoreValues
import Foundation
import Testing

/// The beta Usage and Cost Analytics endpoints against https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api, and their consistency
/// with the legacy reports of the same organization, read over HTTP.
@Suite struct AnalyticsEndpointTests {
    static let costPath = "/v1/organizations/analytics/cost"
    static let usagePath = "/v1/organizations/analytics/usage"
    static let beta = ["anthropic-beta": "analytics-usage-cost-2026-08-24"]
    static let today = Fixture.analyticsToday

    static func config(seed: UInt64 = 11, history: Int = 30) -> SimulatorConfiguration {
        SimulatorConfiguration(seed: seed, today: today, historyDays: history)
    }

    static func analyticsClient(_ sim: AdminSimulator) -> TestClient {
        var c = TestClient(sim)
        c.headers = beta
        return c
    }

    static func window(_ from: Day, _ to: Day) -> [(String, String)] {
        [("starting_at", from.midnightRFC3339), ("ending_at", to.midnightRFC3339), ("time_bucket_width", "1d")]
    }

    static let syncCostGroups = ["workspace_id", "api_key_id", "model", "service_tier", "context_window", "cost_type", "token_type"]
        .map { ("group_by[]", $0) }
    static let syncUsageGroups = ["workspace_id", "api_key_id", "model", "actor", "product"].map { ("group_by[]", $0) }

    static func day(of row: [String: Any]) -> Day { Day(String(str(row, "starting_at")!.prefix(10)))! }
    static func group(_ row: [String: Any]) -> [String: Any] { row["group"] as! [String: Any] }
    static func cents(_ row: [String: Any], _ field: String = "amount") throws -> ExactDecimal {
        try ExactDecimal(parsing: str(row["cost"] as! [String: Any], field)!)
    }

    /// The documented `actor_id` rule, applied to the wire object.
    static func actorID(_ actor: [String: Any]) -> String {
        switch str(actor, "type")! {
        case "user_actor": return str(actor, "user_id")!
        case "service_account_actor": return str(actor, "service_account_id")!
        case "api_actor": return str(actor, "api_key_id")!
        default:
            if let subject = str(actor, "subject") { return subject }
            let provider = actor["provider"] as! [String: Any]
            let idField = ["aws": "account_id", "azure": "subscription_id", "gcp": "project_number", "oidc": "issuer"][
                str(provider, "type")!]!
            return str(provider, "type")! + ":" + str(provider, idField)!
        }
    }

    // MARK: consistency with the legacy reports (computed from the legacy endpoints' JSON)

    @Test func dailyCostEqualsTheLegacyCostReportToTheLastDecimal() async throws {
        try await AdminSimulator.withRunning(Self.config()) { sim in
            let from = Self.today.adding(days: -20)
            let legacy = TestClient(sim)
            let (buckets, _) = try await legacy.fetchAll(
                "/v1/organizations/cost_report",
                [
                    ("starting_at", from.midnightRFC3339), ("ending_at", Self.today.midnightRFC3339), ("group_by[]", "description"),
                ])
            var legacyByDay: [Day: ExactDecimal] = [:]
            for b in buckets {
                legacyByDay[Day(String(str(b, "starting_at")!.prefix(10)))!] = try ExactDecimal.sum(
                    (b["results"] as! [[String: Any]]).map { try ExactDecimal(parsing: str($0, "amount")!) })
            }
            let (rows, _) = try await Self.analyticsClient(sim).fetchAll(
                Self.costPath,
                Self.window(from, Self.today) + [("limit", "1000")] + Self.syncCostGroups)
            var byDay: [Day: ExactDecimal] = [:]
            for row in rows { byDay[Self.day(of: row)] = try (byDay[Self.day(of: row)] ?? .zero).adding(Self.cents(row)) }
            #expect(legacyByDay.count == 20)
            for (day, total) in legacyByDay where total != .zero {
                #expect(byDay[day] == total, "\(day)")
            }
            #expect(Set(byDay.keys) == Set(legacyByDay.filter { $0.value != .zero }.keys), "no empty days")
            // The ungrouped, unbucketed answer is one row with the whole range's total.
            let whole = try await Self.analyticsClient(sim).get(
                Self.costPath,
                [
                    ("starting_at", from.midnightRFC3339), ("ending_at", Self.today.midnightRFC3339),
                ])
            let only = try #require(whole.json?["data"] as? [[String: Any]])
            #expect(only.count == 1)
            #expect(try Self.cents(only[0]) == ExactDecimal.sum(legacyByDay.values))
            #expect(str(only[0], "ending_at") == Self.today.midnightRFC3339)
        }
    }

    @Test func tokensPerDayAndKeyEqualTheLegacyUsageReport() async throws {
        try await AdminSimulator.withRunning(Self.config()) { sim in
            let from = Self.today.adding(days: -14)
            let (buckets, _) = try await TestClient(sim).fetchAll(
                "/v1/organizations/usage_report/messages",
                [
                    ("starting_at", from.midnightRFC3339), ("ending_at", Self.today.midnightRFC3339), ("limit", "31"),
                    ("group_by[]", "api_key_id"),
                ])
            var legacy: [String: TokenCounts] = [:]
            for b in buckets {
                for r in b["results"] as! [[String: Any]] {
                    legacy["\(str(b, "starting_at")!.prefix(10))|\(str(r, "api_key_id") ?? "-")", default: TokenCounts()].add(r.tokenCounts)
                }
            }
            let (rows, _) = try await Self.analyticsClient(sim).fetchAll(
                Self.usagePath,
                Self.window(from, Self.today) + [("limit", "1000")] + Self.syncUsageGroups)
            var analytics: [String: TokenCounts] = [:]
            for row in rows {
                let u = row["usage"] as! [String: Any]
                analytics["\(Self.day(of: row))|\(str(Self.group(row), "api_key_id") ?? "-")", default: TokenCounts()].add(u.tokenCounts)
                #expect(
                    int(u, "total_tokens") == u.tokenCounts.uncachedInput + u.tokenCounts.cacheWrite5m + u.tokenCounts.cacheWrite1h
                        + u.tokenCounts.cacheRead + u.tokenCounts.output)
            }
            #expect(legacy.count > 50)
            #expect(analytics.filter { $0.value != TokenCounts() } == legacy.filter { $0.value != TokenCounts() })
        }
    }

    // MARK: ground truth of the two new tables

    @Test func syncShapedPagesAreTheGroundTruthRows() async throws {
        try await AdminSimulator.withRunning(Self.config()) { sim in
            let day = Self.today.adding(days: -4)
            let client = Self.analyticsClient(sim)
            let (costs, _) = try await client.fetchAll(
                Self.costPath,
                Self.window(day, day.adding(days: 1)) + [("limit", "1000"), ("order_by", "time"), ("order", "asc")] + Self.syncCostGroups)
            func text(_ g: [String: Any], _ k: String) -> String { str(g, k) ?? "∅" }
            let servedCosts = try costs.map { row -> String in
                let g = Self.group(row)
                return try ["workspace_id", "api_key_id", "model", "service_tier", "context_window", "cost_type", "token_type"]
                    .map { text(g, $0) }.joined(separator: "|") + "=" + Self.cents(row).description + "/"
                    + Self.cents(row, "list_amount").description
            }
            let truthCosts = sim.truth.costsByKey(on: day).map { r in
                [r.workspaceID, r.apiKeyID, r.model, r.serviceTier, r.contextWindow, r.costType, r.tokenType].map { $0 ?? "∅" }
                    .joined(separator: "|") + "=" + r.amountCents.description + "/" + r.listAmountCents.description
            }
            #expect(servedCosts.count == truthCosts.count && Set(servedCosts) == Set(truthCosts))
            #expect(try ExactDecimal.sum(sim.truth.costsByKey(on: day).map(\.amountCents)) == sim.truth.totalCostCents(on: day))
            let batch = sim.truth.costsByKey(on: day).filter { $0.serviceTier == "batch" }
            #expect(!batch.isEmpty && batch.allSatisfy { $0.listAmountCents == (try! $0.amountCents.multiplied(by: ExactDecimal(2))) })
            #expect(sim.truth.costsByKey(on: day).allSatisfy { $0.workspaceID != nil }, "the default workspace is a tagged id")

            let (usage, _) = try await client.fetchAll(
                Self.usagePath,
                Self.window(day, day.adding(days: 1)) + [("limit", "1000")] + Self.syncUsageGroups)
            let servedUsage = usage.map { row -> String in
                let g = Self.group(row)
                let actor = g["actor"] as? [String: Any]
                let u = row["usage"] as! [String: Any]
                return ["workspace_id", "api_key_id", "model", "product"].map { text(g, $0) }.joined(separator: "|")
                    + "|\(actor.map { str($0, "type")! } ?? "∅")|\(actor.map(Self.actorID) ?? "∅")|\(actor.flatMap { str($0, "email_address") } ?? "∅")"
                    + "=\(u.tokenCounts)/\(int(u, "requests"))"
            }
            let truthUsage = sim.truth.usageByActor(on: day).map { r in
                [r.workspaceID, r.apiKeyID, r.model, r.product, r.actorType, r.actorID, r.actorEmail].map { $0 ?? "∅" }
                    .joined(separator: "|") + "=\(r.tokens)/\(r.requests)"
            }
            #expect(servedUsage.count == truthUsage.count && Set(servedUsage) == Set(truthUsage))
            let kinds = Set(sim.organization.dataDays.flatMap { sim.truth.usageByActor(on: $0).compactMap(\.actorType) })
            #expect(kinds == ["user_actor", "service_account_actor", "api_actor", "federated_actor"])

            let truth = try await TestClient(sim).get("/_simulator/truth", [("day", day.description)])
            #expect((truth.json?["costs_by_key"] as? [Any])?.count == truthCosts.count)
            #expect((truth.json?["usage_by_actor"] as? [Any])?.count == truthUsage.count)
        }
    }

    // MARK: pagination

    @Test func usageChainRunsToTheEndThroughBoundCursors() async throws {
        try await AdminSimulator.withRunning(Self.config(history: 10)) { sim in
            // The range starts before the first day with data and ends after today: no row for those days.
            let from = Self.today.adding(days: -14), to = Self.today.adding(days: 2)
            let query = Self.window(from, to) + [("limit", "7"), ("order_by", "time"), ("order", "asc")] + Self.syncUsageGroups
            var sizes: [Int] = [], refreshed: Set<String> = []
            let client = Self.analyticsClient(sim)
            let (rows, pages) = try await client.fetchAll(Self.usagePath, query) { page in
                sizes.append((page["data"] as! [Any]).count)
                refreshed.insert(str(page, "data_refreshed_at") ?? "null")
            }
            let expected = Day.range(from: from, to: to).reduce(0) { $0 + sim.truth.usageByActor(on: $1).count }
            #expect(rows.count == expected && expected > 100)
            #expect(pages == (expected + 6) / 7 && sizes.dropLast().allSatisfy { $0 == 7 })
            #expect(refreshed == ["2026-12-01T22:00:00Z"], "now (02:00) minus 4 hours, to the hour, on every page")
            let days = rows.map(Self.day(of:))
            #expect(days == days.sorted() && Set(days) == Set(Day.range(from: Self.today.adding(days: -10), to: Self.today)))
            let keys = rows.map { "\($0["starting_at"]!)\(Self.group($0).description)" }
            #expect(Set(keys).count == keys.count, "no row twice")

            // A cursor is bound to the parameters it came from.
            let first = try await client.get(Self.usagePath, query)
            let token = try #require(str(first.json!, "next_page"))
            let changed = try await client.get(Self.usagePath, query.filter { $0.0 != "limit" } + [("limit", "8"), ("page", token)])
            #expect(changed.status == 400 && changed.errorType == "invalid_request_error")
            let forged = try await client.get(Self.usagePath, query + [("page", "page_bm90LWEtY3Vyc29y")])
            #expect(forged.status == 400)
        }
    }

    @Test func costFanOutRowsDoNotCountTowardTheLimit() async throws {
        try await AdminSimulator.withRunning(Self.config(history: 10)) { sim in
            let day = Self.today.adding(days: -3)
            let query =
                Self.window(day, day.adding(days: 1)) + [
                    ("limit", "3"), ("group_by[]", "workspace_id"),
                    ("group_by[]", "cost_type"), ("group_by[]", "token_type"),
                ]
            var combosPerPage: [Int] = [], rowsPerPage: [Int] = []
            let (rows, _) = try await Self.analyticsClient(sim).fetchAll(Self.costPath, query) { page in
                let data = page["data"] as! [[String: Any]]
                rowsPerPage.append(data.count)
                combosPerPage.append(Set(data.map { str(Self.group($0), "workspace_id")! }).count)
            }
            #expect(combosPerPage.allSatisfy { $0 <= 3 } && rowsPerPage.contains { $0 > 3 })
            for row in rows {
                let g = Self.group(row)
                #expect((row["cost"] as! [String: Any])["requests"] is NSNull)
                #expect((str(g, "token_type") != nil) == (str(g, "cost_type") == "tokens"))
                #expect(g["api_key_id"] is NSNull && g["model"] is NSNull, "not grouped: null")
            }
            let byType = Dictionary(grouping: rows) { str(Self.group($0), "cost_type")! }
            let legacyRows = sim.truth.costRows(on: day)
            for (type, group) in byType {
                let expected = try ExactDecimal.sum(legacyRows.filter { $0.costType == type }.map(\.amountCents))
                #expect(try ExactDecimal.sum(group.map { try Self.cents($0) }) == expected, "\(type)")
            }
        }
    }

    // MARK: faults and revisions

    @Test func expiredCursorIsA410AndTheChainRestarts() async throws {
        try await AdminSimulator.withRunning(Self.config(history: 10)) { sim in
            let client = Self.analyticsClient(sim)
            let query = Self.window(Self.today.adding(days: -8), Self.today) + [("limit", "5")] + Self.syncUsageGroups
            sim.injectFaults([.cursorExpired])
            let first = try await client.get(Self.usagePath, query)
            #expect(first.status == 200, "a first page cannot expire: the fault waits for a continuation")
            let token = try #require(str(first.json!, "next_page"))
            let expired = try await client.get(Self.usagePath, query + [("page", token)])
            #expect(expired.status == 410 && str(expired.json!, "type") == "error" && expired.errorType == "invalid_request_error")
            #expect(sim.counters.faults[.cursorExpired] == 1)
            let again = try await client.get(Self.usagePath, query + [("page", token)])
            #expect(again.status == 200 && again.body != first.body)

            // Data refreshed under a chain: its cursors expire too.
            let before = try await client.get(Self.usagePath, query)
            sim.revise(day: Self.today.adding(days: -2))
            let stale = try await client.get(Self.usagePath, query + [("page", str(before.json!, "next_page")!)])
            #expect(stale.status == 410)
            let (rows, _) = try await client.fetchAll(Self.usagePath, query)
            #expect(
                rows.count
                    == Day.range(from: Self.today.adding(days: -8), to: Self.today)
                    .reduce(0) { $0 + sim.truth.usageByActor(on: $1).count })
        }
    }

    @Test func revisionChangesOneDayOfAnalyticsCostConsistently() async throws {
        try await AdminSimulator.withRunning(Self.config(history: 10)) { sim in
            let from = Self.today.adding(days: -4)
            let client = Self.analyticsClient(sim)
            func daily() async throws -> [Day: ExactDecimal] {
                let (rows, _) = try await client.fetchAll(Self.costPath, Self.window(from, Self.today) + [("limit", "1000")])
                return try Dictionary(uniqueKeysWithValues: rows.map { (Self.day(of: $0), try Self.cents($0)) })
            }
            let before = try await daily()
            let revised = Self.today.adding(days: -2)
            sim.revise(day: revised)
            let after = try await daily()
            #expect(before.count == 4 && after.count == 4)
            for d in Day.range(from: from, to: Self.today) {
                #expect(after[d] == sim.truth.totalCostCents(on: d), "\(d)")
                #expect((after[d] != before[d]) == (d == revised), "\(d)")
            }
        }
    }

    // MARK: range rules and parameter validation

    static let badQueries: [(String, [(String, String)], String)] = {
        let s = ("starting_at", "2026-11-01T00:00:00Z")
        return [
            ("usage", [], "starting_at: Field required"),
            ("usage", [("starting_at", "2026-11-01")], "starting_at: Input should be a valid RFC 3339"),
            ("usage", [("starting_at", "2025-12-31T00:00:00Z")], "starting_at: must be no earlier than 2026-01-01"),
            ("cost", [s, ("ending_at", "2026-12-03T00:00:00Z")], "ending_at: the range may span at most 31 days"),
            ("cost", [s, ("ending_at", "2026-10-31T00:00:00Z")], "Invalid date range"),
            ("usage", [s, ("time_bucket_width", "1d")], "ending_at: required when time_bucket_width is set"),
            ("usage", [s, ("ending_at", "2026-11-02T01:00:00Z"), ("time_bucket_width", "1m")], "ending_at: with time_bucket_width=1m"),
            ("usage", [s, ("time_bucket_width", "1w"), ("ending_at", "2026-11-02T00:00:00Z")], "time_bucket_width:"),
            (
                "usage", [s] + ["actor", "model", "product", "api_key_id", "workspace_id", "service_tier"].map { ("group_by[]", $0) },
                "group_by[]: at most 5"
            ),
            ("cost", [s, ("group_by[]", "description")], "group_by[]: Input should be one of"),
            ("usage", [s, ("group_by[]", "cost_type")], "group_by[]: Input should be one of"),
            ("usage", [s, ("limit", "0")], "limit:"),
            ("cost", [s, ("limit", "1001")], "limit:"),
            ("usage", [s, ("order_by", "amount")], "order_by:"),
            ("cost", [s, ("order", "up")], "order:"),
            ("usage", [s, ("exclude_deleted_users", "true")], "exclude_deleted_users: requires group_by[]=actor"),
            ("usage", [s, ("context_window[]", "0-200k")], "context_window[]: Extra inputs are not permitted"),
            ("cost", [s, ("products[]", "workbench")], "products[]: Input should be one of"),
            ("usage", [s] + (0...100).map { ("actor_ids[]", "user_\($0)") }, "actor_ids[]: List should have at most 100 items"),
        ]
    }()

    @Test func parameterRulesAnswer400() async throws {
        try await AdminSimulator.withRunning(Self.config(history: 5)) { sim in
            let client = Self.analyticsClient(sim)
            for (endpoint, query, message) in Self.badQueries {
                let r = try await client.get(endpoint == "cost" ? Self.costPath : Self.usagePath, query)
                let text = ((r.json?["error"] as? [String: Any]).flatMap { str($0, "message") }) ?? ""
                #expect(r.status == 400 && r.errorType == "invalid_request_error" && text.hasPrefix(message), "\(query): \(text)")
            }
            // The limit on group_by[] does not count cost_type and token_type.
            let seven = try await client.get(Self.costPath, [("starting_at", "2026-11-01T00:00:00Z")] + Self.syncCostGroups)
            #expect(seven.status == 200)
            // Without the beta header, 400 whatever the parameters.
            var plain = TestClient(sim)
            plain.version = "2026-10-21"
            let noBeta = try await plain.get(Self.usagePath, [("starting_at", "2026-11-01T00:00:00Z")])
            #expect(noBeta.status == 400 && noBeta.errorType == "invalid_request_error")
        }
    }

    @Test func startingAtMustBeWithinTheLast365Days() async throws {
        try await AdminSimulator.withRunning(SimulatorConfiguration(seed: 3, today: Day("2027-03-01")!, historyDays: 5)) { sim in
            let client = Self.analyticsClient(sim)
            let old = try await client.get(Self.costPath, [("starting_at", "2026-02-28T00:00:00Z")])
            #expect(old.status == 400 && String(decoding: old.body, as: UTF8.self).contains("within the last 365 days"))
            let oldest = try await client.get(Self.costPath, [("starting_at", "2026-03-01T00:00:00Z")])
            #expect(oldest.status == 200)
            #expect((oldest.json?["data"] as? [Any])?.isEmpty == true, "no data that far back: no rows")
        }
    }

    @Test func organizationWithoutAnalyticsAccessGets400() async throws {
        var config = Self.config(history: 5)
        config.analyticsAccess = false
        try await AdminSimulator.withRunning(config) { sim in
            let client = Self.analyticsClient(sim)
            for path in [Self.costPath, Self.usagePath] {
                let r = try await client.get(path, [("starting_at", "2026-11-28T00:00:00Z")])
                #expect(r.status == 400 && r.errorType == "invalid_request_error")
                #expect(String(decoding: r.body, as: UTF8.self).contains("not available to this organization"))
            }
            let legacy = try await TestClient(sim).get("/v1/organizations/cost_report", [("starting_at", "2026-11-28T00:00:00Z")])
            #expect(legacy.status == 200, "the legacy reports still answer")
        }
    }

    @Test func hourlyBucketsAndFiltersAddUp() async throws {
        try await AdminSimulator.withRunning(Self.config(history: 10)) { sim in
            let day = Self.today.adding(days: -1)
            let client = Self.analyticsClient(sim)
            let (hours, _) = try await client.fetchAll(
                Self.usagePath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339),
                    ("time_bucket_width", "1h"), ("limit", "1000"), ("order_by", "output_tokens"), ("order", "asc"),
                ])
            let outputs = hours.map { int($0["usage"] as! [String: Any], "output_tokens") }
            #expect(outputs == outputs.sorted() && hours.count <= 24 && hours.count > 5)
            var total = TokenCounts()
            for h in hours { total.add((h["usage"] as! [String: Any]).tokenCounts) }
            #expect(total == sim.truth.day(day).tokensByAPIKey.values.reduce(into: TokenCounts()) { $0.add($1) })

            let key = try #require(sim.organization.apiKeys.first { $0.name == "prod-backend" })
            let (filtered, _) = try await client.fetchAll(
                Self.usagePath,
                Self.window(day, day.adding(days: 1))
                    + [("api_key_ids[]", key.id), ("group_by[]", "api_key_id")])
            #expect(filtered.count == 1 && str(Self.group(filtered[0]), "api_key_id") == key.id)
            #expect((filtered[0]["usage"] as! [String: Any]).tokenCounts == sim.truth.day(day).tokensByAPIKey[key.id])
            let (keyless, _) = try await client.fetchAll(
                Self.usagePath,
                Self.window(day, day.adding(days: 1))
                    + [("api_key_ids[]", ""), ("group_by[]", "api_key_id")])
            #expect(keyless.allSatisfy { Self.group($0)["api_key_id"] is NSNull })
            let (nobody, _) = try await client.fetchAll(
                Self.usagePath, Self.window(day, day.adding(days: 1)) + [("rbac_group_ids[]", "rbac_group_x")])
            #expect(nobody.isEmpty)
        }
    }
}
