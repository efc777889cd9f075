import CoreValues
import Foundation
import Testing

@testable import AdminAPI

/// The analytics endpoints' requests as sent on the wire, checked against docs/REFERENCE.md "What sync asks
/// for" and https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api, not against the factories' own constants.
@Suite struct AnalyticsRequestTests {
    static let beta = "analytics-usage-cost-2026-08-24"

    func analyticsRow(_ day: String) -> String {
        #"{"starting_at":"\#(day)T00:00:00Z","ending_at":"\#(day)T00:00:00Z","group":{},"cost":{"amount":"1.5","list_amount":"1.5","currency":"USD","requests":null}}"#
    }

    @Test func costAndUsageChainsAskForExactlyTheDocumentedParameters() {
        let days = Day("2026-11-01")!..<Day("2026-12-01")!
        let cost = ChainRequest.analyticsCost(days: days)
        let usage = ChainRequest.analyticsUsage(days: days)
        #expect(cost.path == "/v1/organizations/analytics/cost")
        #expect(usage.path == "/v1/organizations/analytics/usage")
        let common = [
            ("starting_at", "2026-11-01T00:00:00Z"), ("ending_at", "2026-12-01T00:00:00Z"), ("time_bucket_width", "1d"),
            ("order_by", "time"), ("order", "asc"), ("limit", "1000"),
        ]
        for chain in [cost, usage] {
            for (name, value) in common {
                #expect(chain.parameters.filter { $0.name == name }.map(\.value) == [value], "\(chain.stream) \(name)")
            }
            #expect(chain.cursorParameter == "page")
            #expect(chain.maxPages == 10_000)
            #expect(chain.headers == [ChainRequest.Header("anthropic-beta", Self.beta)])
        }
        #expect(
            cost.parameters.filter { $0.name == "group_by[]" }.map(\.value).sorted()
                == ["api_key_id", "context_window", "cost_type", "model", "service_tier", "token_type", "workspace_id"])
        #expect(
            usage.parameters.filter { $0.name == "group_by[]" }.map(\.value).sorted()
                == ["actor", "api_key_id", "model", "product", "workspace_id"])
        // Nothing else: 6 common parameters and the groupings.
        #expect(cost.parameters.count == 6 + 7 && usage.parameters.count == 6 + 5)
    }

    @Test func longRangesAreCutInto31DayChains() {
        // 2026-01-01..2026-03-01 is 59 days: 31 + 28.
        let chains = ChainRequest.chains(for: .analyticsUsage, days: Day("2026-01-01")!..<Day("2026-03-01")!)
        #expect(chains.map(\.window) == [Day("2026-01-01")!..<Day("2026-02-01")!, Day("2026-02-01")!..<Day("2026-03-01")!])
    }

    @Test func theBetaHeaderGoesWithAnalyticsRequestsAndWithNoOther() async throws {
        try await withStubServer({ request, _ in
            if request.path.hasPrefix("/v1/organizations/analytics/") {
                if request.values("page").isEmpty {
                    return .page(
                        #"{"data":[\#(self.analyticsRow("2026-11-01"))],"has_more":true,"next_page":"p2","data_refreshed_at":null}"#)
                }
                return .page(#"{"data":[],"has_more":false,"next_page":null,"data_refreshed_at":"2026-11-02T04:00:00Z"}"#)
            }
            if request.path == "/v1/organizations/me" {
                return .page(#"{"id":"org_1","name":"Org","type":"organization"}"#)
            }
            return .page(#"{"data":[],"has_more":false,"next_page":null}"#)
        }) { base, recorder in
            try await withClient(base) { client in
                let days = Day("2026-11-01")!..<Day("2026-11-03")!
                for chain in [
                    ChainRequest.analyticsCost(days: days), .analyticsUsage(days: days), .cost(days: days),
                    .usage(days: days), .claudeCode(day: days.lowerBound), .apiKeys, .organization(),
                ] {
                    _ = try await client.fetchChain(chain) { _ in }
                }
            }
            let requests = await recorder.requests
            let analytics = requests.filter { $0.path.hasPrefix("/v1/organizations/analytics/") }
            let others = requests.filter { !$0.path.hasPrefix("/v1/organizations/analytics/") }
            // Two pages per analytics chain, the second with the cursor and the same parameters.
            #expect(analytics.count == 4)
            #expect(analytics.map { $0.values("page") } == [[], ["p2"], [], ["p2"]])
            #expect(analytics.allSatisfy { $0.headers["anthropic-beta"] == [Self.beta] })
            #expect(analytics.allSatisfy { $0.header("anthropic-version") == "2023-06-01" && $0.header("x-api-key") == secret })
            #expect(others.count == 5)
            #expect(others.allSatisfy { $0.header("anthropic-beta") == nil }, "\(others.map(\.path))")
        }
    }

    @Test func aNullHasMoreEndsTheChainOnlyWithoutANextPage() throws {
        let chain = ChainRequest.analyticsCost(days: Day("2026-11-01")!..<Day("2026-11-02")!)
        let row = analyticsRow("2026-11-01")
        let more = PageEnvelope.parse(Data(#"{"data":[\#(row)],"has_more":null,"next_page":"c1"}"#.utf8), for: chain)
        #expect(try more.get() == PageEnvelope(hasMore: true, nextPage: "c1"))
        let last = PageEnvelope.parse(Data(#"{"data":[\#(row)],"has_more":null,"next_page":null}"#.utf8), for: chain)
        #expect(try last.get() == PageEnvelope(hasMore: false))
        // A body without has_more at all is not a page.
        let missing = PageEnvelope.parse(Data(#"{"data":[],"next_page":null}"#.utf8), for: chain)
        #expect(throws: PageEnvelope.Violation.notAPage) { try missing.get() }
    }

    @Test func aRowOutsideTheWindowIsNotAPageOfTheChain() {
        let chain = ChainRequest.analyticsUsage(days: Day("2026-11-01")!..<Day("2026-11-02")!)
        let body = Data(#"{"data":[\#(analyticsRow("2026-11-02"))],"has_more":false,"next_page":null}"#.utf8)
        #expect(throws: PageEnvelope.Violation.bucketOutsideWindow(day: Day("2026-11-02")!)) {
            try PageEnvelope.parse(body, for: chain).get()
        }
    }
}
