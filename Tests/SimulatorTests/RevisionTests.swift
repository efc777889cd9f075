import AdminSimulator
import CoreValues
import Foundation
import Testing

@Suite struct RevisionTests {
    static let costPath = "/v1/organizations/cost_report"
    static let codePath = "/v1/organizations/usage_report/claude_code"

    func dailyCost(_ client: TestClient, from: Day, to: Day) async throws -> [ExactDecimal] {
        let (buckets, _) = try await client.fetchAll(
            Self.costPath,
            [
                ("starting_at", from.midnightRFC3339), ("ending_at", to.midnightRFC3339), ("group_by[]", "description"),
            ])
        return try buckets.map { b in
            try ExactDecimal.sum((b["results"] as! [[String: Any]]).map { try ExactDecimal(parsing: str($0, "amount")!) })
        }
    }

    @Test func revisionChangesTruthAndPagesTogether() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let from = Fixture.today.adding(days: -3)
            let before = try await dailyCost(client, from: from, to: Fixture.today)
            let truthBefore = (0..<3).map { sim.truth.totalCostCents(on: from.adding(days: $0)) }
            #expect(before == truthBefore)

            sim.revise(day: Fixture.today.adding(days: -1))
            let after = try await dailyCost(client, from: from, to: Fixture.today)
            let truthAfter = (0..<3).map { sim.truth.totalCostCents(on: from.adding(days: $0)) }
            #expect(after == truthAfter)
            #expect(after[0] == before[0] && after[1] == before[1])
            #expect(after[2] != before[2])
            #expect(sim.truth.day(Fixture.today.adding(days: -1)).revision == 1)
        }
    }

    @Test func revisionOverHTTPControlRoutes() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let revised = try await client.get("/_simulator/revise", [("last", "2")], method: "POST")
            #expect(revised.status == 200)
            #expect(sim.organization.revision(of: Fixture.today.adding(days: -2)) == 1)
            #expect(sim.organization.revision(of: Fixture.today.adding(days: -3)) == 0)
            let one = try await client.get("/_simulator/revise", [("day", Fixture.today.adding(days: -5).description)], method: "POST")
            #expect(one.status == 200)

            let day = Fixture.today.adding(days: -2)
            let truth = try await client.get("/_simulator/truth", [("day", day.description)])
            #expect(truth.status == 200)
            #expect(str(truth.json!, "total_cost_cents") == sim.truth.totalCostCents(on: day).description)
            #expect(int(truth.json!, "revision") == 1)
            #expect((truth.json!["cost_rows"] as! [Any]).count == sim.truth.costRows(on: day).count)
            #expect((truth.json!["claude_code_records"] as! [Any]).count == sim.truth.claudeCodeRecords(on: day).count)

            let range = try await client.get("/_simulator/truth", [("from", day.description), ("to", Fixture.today.description)])
            #expect(str(range.json!, "total_cost_cents") == sim.truth.totalCostCents(from: day, to: Fixture.today).description)
            let csv = try await client.get("/_simulator/dashboard.csv", [("from", day.description), ("to", Fixture.today.description)])
            #expect(String(decoding: csv.body, as: UTF8.self) == sim.truth.dashboardCSV(from: day, to: Fixture.today))
            let faults = try await client.get("/_simulator/faults", [("kind", "overloaded")], method: "POST")
            #expect(faults.status == 200)
            #expect(try await client.get(Self.costPath, [("starting_at", day.midnightRFC3339)]).status == 529)
            let counters = try await client.get("/_simulator/counters")
            #expect(int(counters.json!, "revisions") == 3)
            #expect(int(counters.json!["faults"] as! [String: Any], "overloaded") == 1)
        }
    }

    @Test func claudeCodeChainKeepsItsBoundaryAcrossARevision() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let day = Fixture.today.adding(days: -1)
            let original = sim.truth.claudeCodeRecords(on: day)
            #expect(original.count >= 2)
            let first = try await client.get(Self.codePath, [("starting_at", day.description), ("limit", "1")])
            var records = first.json!["data"] as! [[String: Any]]
            var page = first.json!["next_page"] as? String
            sim.revise(day: day)
            while let token = page {
                let r = try await client.get(Self.codePath, [("starting_at", day.description), ("limit", "1"), ("page", token)])
                records += r.json!["data"] as! [[String: Any]]
                page = r.json!["next_page"] as? String
            }
            let sessions = records.map { int($0["core_metrics"] as! [String: Any], "num_sessions") }
            #expect(sessions == original.map(\.numSessions), "the chain serves the revision it started with")
            let fresh = try await client.fetchAll(Self.codePath, [("starting_at", day.description), ("limit", "1")]).data
            let revised = sim.truth.claudeCodeRecords(on: day)
            #expect(fresh.map { int($0["core_metrics"] as! [String: Any], "num_sessions") } == revised.map(\.numSessions))
            let revisedSessions: Int = revised.map(\.numSessions).reduce(0, +)
            let originalSessions: Int = original.map(\.numSessions).reduce(0, +)
            #expect(revisedSessions == originalSessions + 1)
        }
    }

    @Test func advancingTheClockAddsDays() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            let q = [("starting_at", Fixture.today.adding(days: -1).midnightRFC3339)]
            let first = try await client.get(Self.costPath, q)
            #expect((first.json!["data"] as! [Any]).count == 1)
            let before = sim.truth.totalCostCents(on: Fixture.today.adding(days: -1))
            sim.advance(days: 1)
            #expect(sim.today == Fixture.today.adding(days: 1))
            #expect(sim.truth.totalCostCents(on: Fixture.today.adding(days: -1)) == before, "history is unchanged")
            #expect(sim.organization.firstDay == Fixture.today.adding(days: -12))
            let second = try await client.get(Self.costPath, q)
            let buckets = second.json!["data"] as! [[String: Any]]
            #expect(buckets.count == 2)
            let newDay = try ExactDecimal.sum(
                (buckets[1]["results"] as! [[String: Any]]).map { try ExactDecimal(parsing: str($0, "amount")!) })
            #expect(newDay == sim.truth.totalCostCents(on: Fixture.today))
            let viaHTTP = try await client.get(
                "/_simulator/advance", [("today", Fixture.today.adding(days: 3).description)], method: "POST")
            #expect(str(viaHTTP.json!, "today") == Fixture.today.adding(days: 3).description)
            #expect(try await client.get("/_simulator/advance", [("today", Fixture.today.description)], method: "POST").status == 400)
        }
    }

    @Test func automaticRevisions() async throws {
        var config = Fixture.config()
        config.autoRevision = .init(everyRequests: 3, recentDays: 2)
        try await AdminSimulator.withRunning(config) { sim in
            let client = TestClient(sim)
            for _ in 0..<7 {
                _ = try await client.get(Self.costPath, [("starting_at", Fixture.today.adding(days: -3).midnightRFC3339)])
            }
            #expect(sim.organization.revision(of: Fixture.today.adding(days: -1)) == 2)
            #expect(sim.organization.revision(of: Fixture.today.adding(days: -2)) == 2)
            #expect(sim.organization.revision(of: Fixture.today.adding(days: -3)) == 0)
            #expect(sim.counters.revisions == 4)
        }
    }
}
