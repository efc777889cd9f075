import AdminSimulator
import CoreValues
import Foundation
import Testing

@Suite struct FaultTests {
    static let costPath = "/v1/organizations/cost_report"
    static let usagePath = "/v1/organizations/usage_report/messages"

    var costQuery: [(String, String)] {
        [
            ("starting_at", Fixture.today.adding(days: -6).midnightRFC3339), ("ending_at", Fixture.today.midnightRFC3339),
            ("group_by[]", "workspace_id"), ("group_by[]", "description"), ("limit", "2"),
        ]
    }

    @Test func scriptedFaultsProduceEachKind() async throws {
        var config = Fixture.config()
        config.faults.slowMilliseconds = 300
        config.faults.enforceRetryAfter = false
        try await AdminSimulator.withRunning(config) { sim in
            let client = TestClient(sim)
            let clean = try await client.get(Self.costPath, costQuery)
            #expect(clean.status == 200)

            sim.injectFaults([.rateLimited, .serverError, .overloaded])
            let limited = try await client.get(Self.costPath, costQuery)
            #expect(limited.status == 429 && limited.errorType == "rate_limit_error")
            #expect(limited.headers["retry-after"] == "1")
            let internalError = try await client.get(Self.costPath, costQuery)
            #expect(internalError.status == 500 && internalError.errorType == "api_error")
            let overloaded = try await client.get(Self.costPath, costQuery)
            #expect(overloaded.status == 529 && overloaded.errorType == "overloaded_error")
            #expect(overloaded.headers["request-id"] != nil)

            sim.injectFaults([.slow])
            let started = ContinuousClock.now
            let slow = try await client.get(Self.costPath, costQuery)
            #expect(slow.status == 200 && slow.body == clean.body)
            #expect(ContinuousClock.now - started >= .milliseconds(300))

            sim.injectFaults([.truncatedBody])
            let cut = try await client.get(Self.costPath, costQuery)
            #expect(cut.status == 200)
            #expect(cut.json == nil, "a truncated body does not parse")
            #expect(cut.body.count < clean.body.count && clean.body.starts(with: cut.body))

            sim.injectFaults([.dropConnection])
            await #expect(throws: (any Error).self) { _ = try await client.get(Self.costPath, costQuery) }

            let after = try await client.get(Self.costPath, costQuery)
            #expect(after.status == 200 && after.body == clean.body)
            let counters = sim.counters
            for kind in FaultKind.transient { #expect(counters.faults[kind] == 1, "\(kind)") }
            let log = sim.requestLog
            #expect(log.map(\.status) == [200, 429, 500, 529, 200, 200, 0, 200])
            #expect(log.map(\.fault) == [nil, .rateLimited, .serverError, .overloaded, .slow, .truncatedBody, .dropConnection, nil])
            #expect(log.allSatisfy { $0.path == Self.costPath && $0.method == "GET" })
            #expect(log[0].parameters.map(\.name) == costQuery.map(\.0))
            #expect(counters.responsesByStatus[429] == 1 && counters.responsesByStatus[529] == 1)
        }
    }

    @Test func someRateLimitsCarryRetryAfterMilliseconds() async throws {
        var config = Fixture.config()
        config.faults.enforceRetryAfter = false
        try await AdminSimulator.withRunning(config) { sim in
            let client = TestClient(sim)
            sim.injectFaults(Array(repeating: .rateLimited, count: 12))
            var withMs = 0
            for _ in 0..<12 {
                let r = try await client.get(Self.costPath, costQuery)
                #expect(r.status == 429 && r.headers["retry-after"] != nil)
                if let ms = r.headers["retry-after-ms"].flatMap(Int.init) {
                    #expect((1...1_000).contains(ms))
                    withMs += 1
                }
            }
            #expect(withMs > 0 && withMs < 12)
        }
    }

    @Test func retryingTooEarlyAfterA429IsLimitedAgain() async throws {
        try await AdminSimulator.withRunning(Fixture.config()) { sim in
            let client = TestClient(sim)
            sim.injectFaults([.rateLimited])
            let first = try await client.get(Self.costPath, costQuery)
            #expect(first.status == 429)
            let wait = first.headers["retry-after-ms"].flatMap(Int.init) ?? 1_000 * Int(first.headers["retry-after"]!)!
            let early = try await client.get(Self.costPath, costQuery)
            #expect(early.status == 429 && early.errorType == "rate_limit_error")
            let left = try #require(early.headers["retry-after-ms"].flatMap(Int.init))
            #expect(left > 0 && left <= wait)
            try await Task.sleep(for: .milliseconds(left + 20))
            #expect(try await client.get(Self.costPath, costQuery).status == 200)
            #expect(sim.counters.earlyRetries == 1)
            #expect(sim.counters.faults[.rateLimited] == 1)
        }
    }

    @Test func retryingClientGetsTheSameTotalsUnderRandomFaults() async throws {
        var config = Fixture.config(seed: 23)
        config.faults = FaultConfiguration(rate: 0.45)
        config.faults.slowMilliseconds = 30
        try await AdminSimulator.withRunning(config) { sim in
            let client = TestClient(sim)
            let (buckets, _) = try await client.fetchAll(Self.costPath, costQuery, retrying: true)
            for (i, bucket) in buckets.enumerated() {
                let day = Fixture.today.adding(days: -6 + i)
                let sum = try ExactDecimal.sum(
                    (bucket["results"] as! [[String: Any]]).map { try ExactDecimal(parsing: str($0, "amount")!) })
                #expect(sum == sim.truth.totalCostCents(on: day))
            }
            let (usage, _) = try await client.fetchAll(
                Self.usagePath,
                [
                    ("starting_at", Fixture.today.adding(days: -6).midnightRFC3339), ("ending_at", Fixture.today.midnightRFC3339),
                    ("group_by[]", "api_key_id"), ("limit", "1"),
                ], retrying: true)
            for (i, bucket) in usage.enumerated() {
                var got: [String?: TokenCounts] = [:]
                for row in bucket["results"] as! [[String: Any]] {
                    got[str(row, "api_key_id"), default: TokenCounts()].add(row.tokenCounts)
                }
                #expect(got == sim.truth.day(Fixture.today.adding(days: -6 + i)).tokensByAPIKey)
            }
            let counters = sim.counters
            #expect(counters.totalFaults > 3)
            #expect(counters.apiRequests > 10)
        }
    }

    @Test func faultScheduleIsDeterministicFromTheSeed() async throws {
        func statuses(_ seed: UInt64) async throws -> [Int] {
            var config = Fixture.config(seed: seed)
            config.faults = FaultConfiguration(rate: 0.5, kinds: [.rateLimited, .serverError, .overloaded])
            config.faults.enforceRetryAfter = false  // this test does not wait, on purpose
            return try await AdminSimulator.withRunning(config) { sim in
                var out: [Int] = []
                for _ in 0..<20 { out.append(try await TestClient(sim).get(Self.costPath, costQuery).status) }
                return out
            }
        }
        let a = try await statuses(3), b = try await statuses(3), c = try await statuses(4)
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains(200) && a.contains { $0 != 200 })
        // Never more than two faults in a row (the default maxConsecutive).
        for i in 2..<a.count { #expect(a[i] == 200 || a[i - 1] == 200 || a[i - 2] == 200) }
    }

    @Test func addedLatency() async throws {
        var config = Fixture.config()
        config.latencyMilliseconds = 150
        try await AdminSimulator.withRunning(config) { sim in
            let started = ContinuousClock.now
            let reply = try await TestClient(sim).get(Self.costPath, costQuery)
            #expect(reply.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(150))
        }
    }
}
