import AdminSimulator
import CoreValues
import Foundation
import Testing

/// `SimulatorConfiguration.analyticsMaxRowsPerPage`: a server that cuts analytics pages short
/// serves the same rows, in the same order, over more pages.
@Suite struct AnalyticsShortPagesTests {
    static let usagePath = "/v1/organizations/analytics/usage"

    @Test func shortPagesHoldTheSameRowsInTheSameOrder() async throws {
        let today = Fixture.analyticsToday
        let query =
            [
                ("starting_at", today.adding(days: -20).midnightRFC3339), ("ending_at", today.midnightRFC3339),
                ("time_bucket_width", "1d"), ("order_by", "time"), ("order", "asc"), ("limit", "1000"),
            ]
            + ["workspace_id", "api_key_id", "model", "actor", "product"].map { ("group_by[]", $0) }
        func rows(maxRowsPerPage: Int?) async throws -> (Data, Int, Int) {
            var config = SimulatorConfiguration(seed: 11, today: today, historyDays: 30)
            config.analyticsMaxRowsPerPage = maxRowsPerPage
            return try await AdminSimulator.withRunning(config) { sim in
                var client = TestClient(sim)
                client.headers = ["anthropic-beta": "analytics-usage-cost-2026-08-24"]
                var largest = 0
                let (data, pages) = try await client.fetchAll(Self.usagePath, query) { page in
                    largest = max(largest, (page["data"] as! [Any]).count)
                }
                return (try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]), pages, largest)
            }
        }
        let (whole, onePage, _) = try await rows(maxRowsPerPage: nil)
        let (cut, pages, largest) = try await rows(maxRowsPerPage: 40)
        #expect(onePage == 1)
        #expect(pages > 1 && largest == 40)
        #expect(cut == whole)
    }
}
