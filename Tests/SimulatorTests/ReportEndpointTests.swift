import AdminSimulator
import CoreValues
import Foundation
import Testing

@Suite struct ReportEndpointTests {
    static let costPath = "/v1/organizations/cost_report"
    static let usagePath = "/v1/organizations/usage_report/messages"
    static let codePath = "/v1/organizations/usage_report/claude_code"

    static let costGroupings: [[String]] = [[], ["workspace_id"], ["description"], ["workspace_id", "description"]]

    @Test(arguments: costGroupings)
    func costPagesSumToTruthPerDay(groupBy: [String]) async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let from = Fixture.today.adding(days: -14)  // two days before the history: empty buckets
            let query =
                [("starting_at", from.midnightRFC3339), ("ending_at", Fixture.today.midnightRFC3339), ("limit", "5")]
                + groupBy.map { ("group_by[]", $0) }
            let (buckets, pages) = try await client.fetchAll(Self.costPath, query)
            #expect(pages == 3)
            #expect(buckets.count == 14)
            for (i, bucket) in buckets.enumerated() {
                let day = from.adding(days: i)
                #expect(str(bucket, "starting_at") == day.midnightRFC3339)
                #expect(str(bucket, "ending_at") == day.adding(days: 1).midnightRFC3339)
                let rows = bucket["results"] as! [[String: Any]]
                let sum = try ExactDecimal.sum(rows.map { try ExactDecimal(parsing: str($0, "amount")!) })
                #expect(sum == sim.truth.totalCostCents(on: day), "day \(day)")
                if !sim.organization.hasData(on: day) { #expect(rows.isEmpty) }
                for row in rows {
                    #expect(str(row, "currency") == "USD")
                    if !groupBy.contains("description") {
                        #expect(row["description"] is NSNull && row["model"] is NSNull && row["token_type"] is NSNull)
                    }
                    if !groupBy.contains("workspace_id") { #expect(row["workspace_id"] is NSNull) }
                }
            }
        }
    }

    @Test func costByWorkspaceAndDescriptionIsTheFinestGrain() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let day = Fixture.today.adding(days: -3)
            let (buckets, _) = try await TestClient(sim).fetchAll(
                Self.costPath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339),
                    ("group_by[]", "workspace_id"), ("group_by[]", "description"),
                ])
            let rows = buckets[0]["results"] as! [[String: Any]]
            let truth = sim.truth.costRows(on: day)
            #expect(rows.count == truth.count)
            for (row, t) in zip(rows, truth) {
                #expect(str(row, "amount") == t.amountCents.description)
                #expect(str(row, "workspace_id") == t.workspaceID)
                #expect(str(row, "description") == t.description)
                #expect(str(row, "token_type") == t.tokenType)
                #expect(str(row, "service_tier") == t.serviceTier)
                #expect(str(row, "inference_geo") == t.inferenceGeo)
            }
            #expect(rows.contains { str($0, "cost_type") == "web_search" && $0["model"] is NSNull })
            #expect(rows.allSatisfy { str($0, "service_tier") != "priority" })
        }
    }

    static let usageGroupings: [[String]] = [
        ["api_key_id"],
        ["api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo"],
        ["api_key_id", "model"],
    ]

    @Test(arguments: usageGroupings)
    func usagePagesSumToTruthPerKeyPerDay(groupBy: [String]) async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let from = Fixture.today.adding(days: -13)
            let query =
                [
                    ("starting_at", from.midnightRFC3339), ("ending_at", Fixture.today.adding(days: 1).midnightRFC3339),
                    ("bucket_width", "1d"), ("limit", "4"),
                ] + groupBy.map { ("group_by[]", $0) }
            let (buckets, pages) = try await TestClient(sim).fetchAll(Self.usagePath, query)
            #expect(buckets.count == 14 && pages == 4)
            for (i, bucket) in buckets.enumerated() {
                let day = from.adding(days: i)
                var got: [String?: TokenCounts] = [:]
                for row in bucket["results"] as! [[String: Any]] {
                    got[str(row, "api_key_id"), default: TokenCounts()].add(row.tokenCounts)
                    if !groupBy.contains("model") { #expect(row["model"] is NSNull) }
                    #expect(row["account_id"] is NSNull && row["service_account_id"] is NSNull)
                    #expect(row["speed"] == nil, "speed only with the fast-mode beta header")
                }
                #expect(got == sim.truth.day(day).tokensByAPIKey, "day \(day)")
            }
            #expect((buckets.last!["results"] as! [Any]).isEmpty, "today is an empty bucket")
        }
    }

    @Test func fullyGroupedUsageRowsAreTheTruthRowsInOrder() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let day = Fixture.today.adding(days: -5)
            let (buckets, _) = try await TestClient(sim).fetchAll(
                Self.usagePath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339), ("limit", "31"),
                ]
                    + ["api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo"].map { ("group_by[]", $0) })
            let rows = buckets[0]["results"] as! [[String: Any]]
            let truth = sim.truth.usageRows(on: day)
            #expect(rows.count == truth.count)
            for (row, t) in zip(rows, truth) {
                #expect(str(row, "api_key_id") == t.apiKeyID && str(row, "workspace_id") == t.workspaceID)
                #expect(str(row, "model") == t.model && str(row, "service_tier") == t.serviceTier)
                #expect(str(row, "context_window") == t.contextWindow && str(row, "inference_geo") == t.inferenceGeo)
                #expect(row.tokenCounts == t.tokens)
            }
        }
    }

    @Test func hourlyAndMinuteBucketsAddUpToTheDay() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let day = Fixture.today.adding(days: -2)
            let (hours, hourPages) = try await client.fetchAll(
                Self.usagePath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339),
                    ("bucket_width", "1h"), ("limit", "7"),
                ])
            #expect(hours.count == 24 && hourPages == 4)
            var total = TokenCounts()
            for h in hours { for row in h["results"] as! [[String: Any]] { total.add(row.tokenCounts) } }
            var expected = TokenCounts()
            for row in sim.truth.usageRows(on: day) { expected.add(row.tokens) }
            #expect(total == expected)
            #expect(hours.contains { !($0["results"] as! [Any]).isEmpty })

            let (minutes, _) = try await client.fetchAll(
                Self.usagePath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339),
                    ("bucket_width", "1m"), ("limit", "1440"), ("group_by[]", "api_key_id"),
                ])
            #expect(minutes.count == 1440)
            var byKey: [String?: TokenCounts] = [:]
            for m in minutes {
                for row in m["results"] as! [[String: Any]] { byKey[str(row, "api_key_id"), default: TokenCounts()].add(row.tokenCounts) }
            }
            #expect(byKey == sim.truth.day(day).tokensByAPIKey)
        }
    }

    @Test func usageFiltersNarrowTheRows() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let day = Fixture.today.adding(days: -4)
            let (buckets, _) = try await TestClient(sim).fetchAll(
                Self.usagePath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339),
                    ("service_tiers[]", "batch"), ("context_window[]", "0-200k"), ("group_by[]", "service_tier"),
                ])
            let rows = buckets[0]["results"] as! [[String: Any]]
            #expect(rows.allSatisfy { str($0, "service_tier") == "batch" })
            let expected = sim.truth.usageRows(on: day).filter { $0.serviceTier == "batch" && $0.contextWindow == "0-200k" }
                .reduce(0) { $0 + $1.tokens.output }
            #expect(rows.reduce(0) { $0 + int($1, "output_tokens") } == expected)
        }
    }

    @Test func claudeCodeRecordsMatchTruthPerActorAndDay() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            for offset in [1, 2, 5] {
                let day = Fixture.today.adding(days: -offset)
                let (records, pages) = try await client.fetchAll(Self.codePath, [("starting_at", day.description), ("limit", "2")])
                let truth = sim.truth.claudeCodeRecords(on: day)
                #expect(records.count == truth.count)
                #expect(pages == max(1, (truth.count + 1) / 2))
                for (r, t) in zip(records, truth) {
                    let actor = r["actor"] as! [String: Any]
                    #expect(str(actor, "type") == t.actorType.rawValue)
                    #expect((str(actor, "email_address") ?? str(actor, "api_key_name")) == t.actor)
                    #expect(str(r, "date") == day.midnightRFC3339)
                    #expect((r["is_remote"] as! Bool) == t.isRemote)
                    let cm = r["core_metrics"] as! [String: Any]
                    #expect(int(cm, "num_sessions") == t.numSessions)
                    let mb = r["model_breakdown"] as! [[String: Any]]
                    let cost = mb[0]["estimated_cost"] as! [String: Any]
                    #expect(int(cost, "amount") == t.modelBreakdown[0].estimatedCostCents)
                }
            }
            let empty = try await client.get(Self.codePath, [("starting_at", Fixture.today.description)])
            #expect(String(decoding: empty.body, as: UTF8.self) == #"{"data":[],"has_more":false,"next_page":null}"#)
        }
    }

    @Test func limitDefaultsAndMaxima() async throws {
        try await AdminSimulator.withRunning(Fixture.config(history: 40)) { sim in
            let client = TestClient(sim)
            let start = Fixture.today.adding(days: -40).midnightRFC3339
            let end = Fixture.today.midnightRFC3339
            func count(_ path: String, _ q: [(String, String)]) async throws -> Int {
                let r = try await client.get(path, q)
                #expect(r.status == 200)
                return (r.json!["data"] as! [Any]).count
            }
            #expect(try await count(Self.costPath, [("starting_at", start), ("ending_at", end)]) == 7)
            #expect(try await count(Self.usagePath, [("starting_at", start), ("ending_at", end)]) == 7)
            #expect(try await count(Self.usagePath, [("starting_at", start), ("ending_at", end), ("bucket_width", "1h")]) == 24)
            #expect(try await count(Self.usagePath, [("starting_at", start), ("ending_at", end), ("bucket_width", "1m")]) == 60)
            #expect(try await count(Self.costPath, [("starting_at", start), ("ending_at", end), ("limit", "31")]) == 31)
            #expect(
                try await count(Self.usagePath, [("starting_at", start), ("ending_at", end), ("bucket_width", "1h"), ("limit", "168")])
                    == 168)
            #expect(
                try await count(Self.usagePath, [("starting_at", start), ("ending_at", end), ("bucket_width", "1m"), ("limit", "1440")])
                    == 1440)
            let bad: [(String, [(String, String)])] = [
                (Self.costPath, [("starting_at", start), ("limit", "32")]),
                (Self.costPath, [("starting_at", start), ("limit", "0")]),
                (Self.costPath, [("starting_at", start), ("bucket_width", "1h")]),
                (Self.usagePath, [("starting_at", start), ("limit", "32")]),
                (Self.usagePath, [("starting_at", start), ("bucket_width", "1h"), ("limit", "169")]),
                (Self.usagePath, [("starting_at", start), ("bucket_width", "1m"), ("limit", "1441")]),
                (Self.usagePath, [("starting_at", start), ("limit", "seven")]),
                (Self.usagePath, [("starting_at", start), ("bucket_width", "1w")]),
                (Self.codePath, [("starting_at", "2025-05-30"), ("limit", "1001")]),
            ]
            for (path, q) in bad {
                let r = try await client.get(path, q)
                #expect(r.status == 400 && r.errorType == "invalid_request_error", "\(path) \(q)")
            }
            let (_, pages) = try await client.fetchAll(
                Self.codePath, [("starting_at", Fixture.today.adding(days: -1).description), ("limit", "1000")])
            #expect(pages == 1)
        }
    }

    @Test func badRequestsAre400() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let day = Fixture.today.adding(days: -3)
            let cases: [(String, [(String, String)])] = [
                (Self.costPath, []),
                (Self.costPath, [("starting_at", "2025-05-01")]),
                (Self.costPath, [("starting_at", day.midnightRFC3339), ("ending_at", day.midnightRFC3339)]),
                (Self.costPath, [("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: -1).midnightRFC3339)]),
                // No complete day: start today, no ending_at.
                (Self.costPath, [("starting_at", Fixture.today.midnightRFC3339)]),
                (Self.costPath, [("starting_at", day.midnightRFC3339), ("group_by[]", "api_key_id")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("group_by[]", "customer")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("group_by[]", "speed")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("service_tiers[]", "gold")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("context_window[]", "1M")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("inference_geos[]", "eu")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("context_windows[]", "0-200k")]),
                (Self.usagePath, [("starting_at", day.midnightRFC3339), ("group_by", "model")]),
                (Self.codePath, [("starting_at", day.midnightRFC3339)]),
                (Self.codePath, []),
            ]
            for (path, q) in cases {
                let r = try await client.get(path, q)
                #expect(r.status == 400, "\(path) \(q)")
                #expect(r.errorType == "invalid_request_error")
                #expect(r.headers["request-id"]?.hasPrefix("req_") == true)
                #expect((r.json?["request_id"] as? String) == r.headers["request-id"])
            }
            let range = try await client.get(Self.costPath, [("starting_at", Fixture.today.midnightRFC3339)])
            let message = (range.json?["error"] as? [String: Any])?["message"] as? String
            #expect(message == "Invalid date range: ending date must be after starting date")
            // With the beta header, speed is a valid dimension and appears in rows.
            let fast = try await client.get(
                Self.usagePath,
                [
                    ("starting_at", day.midnightRFC3339), ("ending_at", day.adding(days: 1).midnightRFC3339),
                    ("group_by[]", "speed"),
                ], headers: ["anthropic-beta": "fast-mode-2026-02-01"])
            #expect(fast.status == 200)
            let row = ((fast.json!["data"] as! [[String: Any]])[0]["results"] as! [[String: Any]])[0]
            #expect(str(row, "speed") == "standard")
        }
    }

    @Test func authenticationAndVersionHeaders() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            var client = TestClient(sim)
            let q = [("starting_at", Fixture.today.adding(days: -3).midnightRFC3339)]
            client.adminKey = "sk-ant-admin01-wrong"
            for path in [Self.costPath, Self.usagePath, "/v1/organizations/api_keys", "/_simulator/counters"] {
                let r = try await client.get(path, q)
                #expect(r.status == 401 && r.errorType == "authentication_error", "\(path)")
                #expect(r.headers["request-id"] != nil)
            }
            client.adminKey = sim.adminKey
            client.version = nil
            let missing = try await client.get(Self.costPath, q)
            #expect(missing.status == 400 && missing.errorType == "invalid_request_error")
            client.version = "2023-06-01"
            let ok = try await client.get(Self.costPath, q)
            #expect(ok.status == 200)
            #expect(ok.headers["request-id"]?.hasPrefix("req_") == true)
            let unknown = try await client.get("/v1/organizations/nothing")
            #expect(unknown.status == 404 && unknown.errorType == "not_found_error")
        }
    }

    @Test func cursorsAreBoundToTheirChain() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let base = [
                ("starting_at", Fixture.today.adding(days: -10).midnightRFC3339),
                ("ending_at", Fixture.today.midnightRFC3339), ("limit", "3"), ("group_by[]", "workspace_id"),
            ]
            let first = try await client.get(Self.costPath, base)
            let token = try #require(first.json?["next_page"] as? String)
            #expect(token.hasPrefix("page_"))
            #expect((first.json?["has_more"] as? Bool) == true)
            let same = try await client.get(Self.costPath, base + [("page", token)])
            #expect(same.status == 200)
            // Parameter order does not matter, values do.
            let reordered = try await client.get(Self.costPath, base.reversed() + [("page", token)])
            #expect(reordered.status == 200)
            let changed: [[(String, String)]] = [
                Array(base.dropLast()) + [("page", token)],
                base.map { $0.0 == "limit" ? ("limit", "4") : $0 } + [("page", token)],
                base.map { $0.0 == "ending_at" ? ("ending_at", Fixture.today.adding(days: -1).midnightRFC3339) : $0 } + [("page", token)],
                base + [("page", "page_bm9uc2Vuc2U=")],
                base + [("page", "garbage")],
            ]
            for q in changed {
                let r = try await client.get(Self.costPath, q)
                #expect(r.status == 400 && r.errorType == "invalid_request_error", "\(q)")
            }
            // A usage cursor is not a cost cursor, even with the very same parameters.
            let usage = try await client.get(Self.usagePath, base)
            let usageToken = try #require(usage.json?["next_page"] as? String)
            #expect(try await client.get(Self.usagePath, base + [("page", usageToken)]).status == 200)
            #expect(try await client.get(Self.costPath, base + [("page", usageToken)]).status == 400)
            // Claude Code: same rule.
            let day = Fixture.today.adding(days: -1).description
            let code = try await client.get(Self.codePath, [("starting_at", day), ("limit", "1")])
            let codeToken = try #require(code.json?["next_page"] as? String)
            #expect(try await client.get(Self.codePath, [("starting_at", day), ("limit", "2"), ("page", codeToken)]).status == 400)
            #expect(try await client.get(Self.codePath, [("starting_at", day), ("limit", "1"), ("page", codeToken)]).status == 200)
        }
    }

    @Test func namesListsPageByID() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            var ids: [String] = []
            var after: String?
            repeat {
                let r = try await client.get("/v1/organizations/api_keys", [("limit", "3")] + (after.map { [("after_id", $0)] } ?? []))
                #expect(r.status == 200)
                let json = r.json!
                ids += (json["data"] as! [[String: Any]]).map { str($0, "id")! }
                after = (json["has_more"] as! Bool) ? json["last_id"] as? String : nil
            } while after != nil
            #expect(Set(ids) == Set(sim.organization.apiKeys.map(\.id)))
            #expect(ids.count == sim.organization.apiKeys.count)
            let back = try await client.get("/v1/organizations/api_keys", [("limit", "2"), ("before_id", ids[4])])
            #expect((back.json!["data"] as! [[String: Any]]).map { str($0, "id")! } == Array(ids[2..<4]))
            #expect(try await client.get("/v1/organizations/api_keys", [("limit", "1001")]).status == 400)

            let live = try await client.get("/v1/organizations/workspaces")
            let all = try await client.get("/v1/organizations/workspaces", [("include_archived", "true"), ("include_default", "true")])
            let liveIDs = (live.json!["data"] as! [[String: Any]]).map { str($0, "id")! }
            let allIDs = (all.json!["data"] as! [[String: Any]]).map { str($0, "id")! }
            #expect(liveIDs.count == sim.organization.workspaces.filter { $0.archivedOn == nil }.count)
            #expect(allIDs.count == sim.organization.workspaces.count + 1)
            #expect(allIDs.contains(sim.organization.defaultWorkspace.id) && !liveIDs.contains(sim.organization.defaultWorkspace.id))
            #expect(str(live.json!, "first_id") == liveIDs.first)
        }
    }
}
