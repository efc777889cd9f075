import AdminSimulator
import CoreValues
import Testing

@Suite struct OrganizationTests {
    let today = Day("2025-06-01")!

    @Test func sameSeedSameOrganization() {
        let a = SimulatedOrganization(seed: 5, today: today, historyDays: 10)
        let b = SimulatedOrganization(seed: 5, today: today, historyDays: 10)
        let c = SimulatedOrganization(seed: 6, today: today, historyDays: 10)
        #expect(a.apiKeys.map(\.id) == b.apiKeys.map(\.id))
        #expect(a.apiKeys.map(\.id) != c.apiKeys.map(\.id))
        let day = today.adding(days: -3)
        #expect(a.usageAtoms(on: day) == b.usageAtoms(on: day))
        #expect(GroundTruth(organization: a).totalCostCents(on: day) == GroundTruth(organization: b).totalCostCents(on: day))
    }

    @Test func shapeOfTheOrganization() {
        let org = SimulatedOrganization(seed: 5, today: today, historyDays: 30)
        #expect((6...10).contains(org.apiKeys.count))
        #expect(org.apiKeys.allSatisfy { $0.id.hasPrefix("apikey_") })
        #expect(org.apiKeys.contains { $0.workspaceID == nil })
        #expect(org.workspaces.allSatisfy { $0.id.hasPrefix("wrkspc_") })
        let atoms = org.dataDays.flatMap { org.usageAtoms(on: $0) }
        #expect(atoms.contains { $0.apiKeyID == nil }, "Console usage")
        #expect(atoms.contains { $0.workspaceID == nil }, "default workspace")
        #expect(Set(atoms.map(\.serviceTier)) == ["standard", "batch", "priority"])
        #expect(Set(atoms.map(\.contextWindow)) == ["0-200k", "200k-1M"])
        #expect(Set(atoms.map(\.inferenceGeo)).isSuperset(of: ["not_available", "us", "global"]))
        #expect((3...5).contains(Set(atoms.map(\.model)).count))
        let records = org.dataDays.flatMap { org.claudeCodeRecords(on: $0) }
        #expect(records.contains { $0.actorType == .user } && records.contains { $0.actorType == .apiKey })
        #expect(records.contains { $0.isRemote })
        #expect(Set(records.map(\.customerType)) == ["api", "subscription"])
    }

    @Test func noDataOnOrAfterTodayNorBeforeTheHistory() {
        let org = SimulatedOrganization(seed: 5, today: today, historyDays: 5)
        for day in [today, today.adding(days: 1), today.adding(days: -6)] {
            #expect(org.usageAtoms(on: day).isEmpty)
            #expect(org.costRows(on: day).isEmpty)
            #expect(org.claudeCodeRecords(on: day).isEmpty)
        }
        #expect(!org.usageAtoms(on: today.adding(days: -5)).isEmpty || !org.usageAtoms(on: today.adding(days: -1)).isEmpty)
    }

    @Test func costIsTokensTimesListPrice() throws {
        let org = SimulatedOrganization(seed: 5, today: today, historyDays: 10)
        let day = today.adding(days: -2)
        let rows = org.costRows(on: day)
        // Recompute standard-tier, short-context, non-US Sonnet 4.5 uncached input by hand: $3/MTok.
        let tokens = org.usageAtoms(on: day)
            .filter { $0.model == "claude-sonnet-4-5-20250929" && $0.serviceTier == "standard" && $0.contextWindow == "0-200k" }
            .reduce(into: [String?: Int]()) { $0[$1.workspaceID, default: 0] += $1.tokens.uncachedInput }
        for (ws, n) in tokens {
            let row = try #require(
                rows.first {
                    $0.workspaceID == ws && $0.model == "claude-sonnet-4-5-20250929" && $0.tokenType == "uncached_input_tokens"
                        && $0.serviceTier == "standard" && $0.contextWindow == "0-200k"
                })
            #expect(row.amountCents == (try ExactDecimal(parsing: "0.0003").multiplied(by: ExactDecimal(n))))
            #expect(row.description == "Claude Sonnet 4.5 Usage - Input Tokens")
        }
        #expect(!rows.contains { $0.serviceTier == "priority" })
        for row in rows where row.costType == "web_search" {
            #expect(row.model == nil && row.tokenType == nil && row.description == "Web Search Usage")
        }
    }

    @Test func batchIsHalfPriceAndWebSearchIsACentEach() throws {
        let org = SimulatedOrganization(seed: 5, today: today, historyDays: 30)
        var sawBatch = false
        for day in org.dataDays {
            let atoms = org.usageAtoms(on: day)
            for row in org.costRows(on: day)
            where row.serviceTier == "batch" && row.tokenType == "output_tokens"
                && row.model == "claude-haiku-4-5-20251001"
            {
                let n = atoms.filter { $0.workspaceID == row.workspaceID && $0.model == row.model && $0.serviceTier == "batch" }
                    .reduce(0) { $0 + $1.tokens.output }
                // $5/MTok output, halved: 0.00025 cents per token.
                #expect(row.amountCents == (try ExactDecimal(parsing: "0.00025").multiplied(by: ExactDecimal(n))))
                sawBatch = true
            }
            let searches = atoms.filter { $0.serviceTier != "priority" }.reduce(0) { $0 + $1.tokens.webSearchRequests }
            let billed = try ExactDecimal.sum(org.costRows(on: day).filter { $0.costType == "web_search" }.map(\.amountCents))
            #expect(billed == ExactDecimal(searches))
        }
        #expect(sawBatch)
    }

    @Test func revisionChangesOnlyThatDay() {
        var org = SimulatedOrganization(seed: 5, today: today, historyDays: 10)
        let day = today.adding(days: -1), other = today.adding(days: -2)
        let before = GroundTruth(organization: org)
        org.revise(day)
        let after = GroundTruth(organization: org)
        #expect(after.totalCostCents(on: day) != before.totalCostCents(on: day))
        #expect(after.totalCostCents(on: other) == before.totalCostCents(on: other))
        #expect(after.claudeCodeRecords(on: day) != before.claudeCodeRecords(on: day))
        #expect(after.day(day).revision == 1)
    }

    @Test func revisionsSometimesLowerADay() {
        var org = SimulatedOrganization(seed: 5, today: today, historyDays: 20)
        var lowered = 0, raised = 0
        for day in org.dataDays {
            for _ in 0..<3 {
                let before = GroundTruth(organization: org).totalCostCents(on: day)
                org.revise(day)
                let after = GroundTruth(organization: org).totalCostCents(on: day)
                #expect(after != before, "a revision always changes the day's cost")
                if after < before { lowered += 1 } else { raised += 1 }
            }
        }
        #expect(lowered > 0 && raised > 0)
    }

    @Test func dashboardCSVHasExactDollars() {
        let org = SimulatedOrganization(seed: 5, today: today, historyDays: 3)
        let truth = GroundTruth(organization: org)
        let csv = truth.dashboardCSV(from: today.adding(days: -3), to: today.adding(days: 1))
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "date,amount_usd")
        #expect(lines.count == 5)
        #expect(lines[1] == "\(today.adding(days: -3)),\(truth.totalCostUSD(on: today.adding(days: -3)))")
        #expect(lines.last == "\(today),0")
    }
}
