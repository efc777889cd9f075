import AdminSimulator
import CoreValues
import Foundation
import Testing

/// `GET /v1/organizations/me`, and the admin key as a bearer token (what the official SDKs send).
@Suite struct OrganizationEndpointTests {
    static let mePath = "/v1/organizations/me"

    @Test func twoSimulatorsPlayTwoOrganizations() async throws {
        var first = SimulatorConfiguration(seed: 1, today: Fixture.analyticsToday, historyDays: 5)
        first.organizationID = "0f6a3c1e-6a37-4b8e-9d0a-5d6e2f9c1a01"
        first.organizationName = "Acme Research"
        let second = SimulatorConfiguration(seed: 2, today: Fixture.analyticsToday, historyDays: 5)
        try await AdminSimulator.withRunning(first) { a in
            try await AdminSimulator.withRunning(second) { b in
                let meA = try await TestClient(a).get(Self.mePath)
                #expect(meA.status == 200)
                #expect(
                    String(decoding: meA.body, as: UTF8.self)
                        == #"{"id":"0f6a3c1e-6a37-4b8e-9d0a-5d6e2f9c1a01","name":"Acme Research","type":"organization"}"#)
                let meB = try #require(try await TestClient(b).get(Self.mePath).json)
                #expect(str(meB, "name") == "Simulated Organization 2" && str(meB, "type") == "organization")
                let idB = try #require(str(meB, "id"))
                #expect(idB.count == 36 && idB != "0f6a3c1e-6a37-4b8e-9d0a-5d6e2f9c1a01")
                #expect(a.truth.organizationID == "0f6a3c1e-6a37-4b8e-9d0a-5d6e2f9c1a01" && a.truth.organizationName == "Acme Research")
                #expect(b.truth.organizationID == idB)

                // The Claude Code report names the same organization as /me.
                let day = Fixture.analyticsToday.adding(days: -1)
                let (records, _) = try await TestClient(a).fetchAll(
                    "/v1/organizations/usage_report/claude_code", [("starting_at", day.description)])
                #expect(!records.isEmpty && records.allSatisfy { str($0, "organization_id") == "0f6a3c1e-6a37-4b8e-9d0a-5d6e2f9c1a01" })
                // Different seeds, different data.
                #expect(a.truth.totalCostCents(on: day) != b.truth.totalCostCents(on: day))

                let control = try await TestClient(a).get("/_simulator/organization")
                #expect(str(control.json!, "name") == "Acme Research" && control.json?["analytics_access"] as? Bool == true)
                #expect(try await TestClient(a).get(Self.mePath, [("limit", "1")]).status == 400, "no parameters")
            }
        }
    }

    @Test func bearerTokenAuthenticatesEveryEndpoint() async throws {
        try await AdminSimulator.withRunning(SimulatorConfiguration(seed: 4, today: Fixture.analyticsToday, historyDays: 3)) { sim in
            var bearer = TestClient(sim)
            bearer.sendsXAPIKey = false
            bearer.version = "2026-10-21"
            bearer.headers = ["Authorization": "Bearer \(sim.adminKey)", "anthropic-beta": "analytics-usage-cost-2026-08-24"]
            let start = Fixture.analyticsToday.adding(days: -2).midnightRFC3339
            for (path, query) in [
                (Self.mePath, []), ("/v1/organizations/cost_report", [("starting_at", start)]),
                ("/v1/organizations/usage_report/messages", [("starting_at", start)]),
                ("/v1/organizations/analytics/cost", [("starting_at", start)]),
                ("/v1/organizations/analytics/usage", [("starting_at", start)]),
                ("/v1/organizations/api_keys", []), ("/v1/organizations/workspaces", []),
            ] {
                #expect(try await bearer.get(path, query).status == 200, "\(path)")
            }
            #expect(try await bearer.get("/_simulator/counters").status == 200)

            var wrong = bearer
            wrong.headers["Authorization"] = "Bearer sk-ant-admin01-not-this-one"
            let denied = try await wrong.get(Self.mePath)
            #expect(denied.status == 401 && denied.errorType == "authentication_error")
            wrong.headers["Authorization"] = sim.adminKey  // no scheme
            #expect(try await wrong.get(Self.mePath).status == 401)
            var none = TestClient(sim)
            none.sendsXAPIKey = false
            #expect(try await none.get(Self.mePath).status == 401)
            #expect(!String(decoding: denied.body, as: UTF8.self).contains(sim.adminKey), "the key is never echoed")
        }
    }
}
