import Foundation
import Testing

@testable import AdminAPI

/// 2023-11-14T22:13:20Z, a Tuesday.
private let now = Date(timeIntervalSince1970: 1_700_000_000)

private func hints(_ shouldRetry: Bool? = nil, ms: String? = nil, after: String? = nil) -> RetryHints {
    RetryHints(shouldRetry: shouldRetry, retryAfterMilliseconds: ms, retryAfter: after)
}

private func response(_ status: Int, _ hints: RetryHints = RetryHints(), validPage: Bool = false) -> AttemptOutcome {
    .response(status: status, hints: hints, validPage: validPage)
}

private func close(_ a: Duration, _ b: Duration) -> Bool {
    abs((a - b) / .nanoseconds(1)) < 1000
}

struct RetryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let outcome: AttemptOutcome
    var attempt = 1
    var elapsed: Duration = .zero
    let expected: RetryDecision

    var testDescription: String { name }
}

@Suite("Retry decisions")
struct RetryPolicyTests {
    let policy = RetryPolicy.default

    static let cases: [RetryCase] = [
        RetryCase(name: "2xx page accepted", outcome: response(200, validPage: true), expected: .accept),
        RetryCase(
            name: "2xx page accepted despite x-should-retry", outcome: response(200, hints(true), validPage: true), expected: .accept),
        RetryCase(name: "2xx malformed body retried", outcome: response(200), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "429 without hints backs off", outcome: response(429), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "429 retry-after seconds", outcome: response(429, hints(after: "2")), expected: .retry(after: .seconds(2))),
        RetryCase(
            name: "429 retry-after fractional seconds", outcome: response(429, hints(after: "1.5")),
            expected: .retry(after: .milliseconds(1500))),
        RetryCase(name: "429 retry-after-ms", outcome: response(429, hints(ms: "250")), expected: .retry(after: .milliseconds(250))),
        RetryCase(
            name: "retry-after-ms wins over retry-after", outcome: response(429, hints(ms: "100", after: "5")),
            expected: .retry(after: .milliseconds(100))),
        RetryCase(
            name: "retry-after HTTP date", outcome: response(429, hints(after: "Tue, 14 Nov 2023 22:13:23 GMT")),
            expected: .retry(after: .seconds(3))),
        RetryCase(
            name: "retry-after date in the past backs off", outcome: response(429, hints(after: "Tue, 14 Nov 2023 22:13:00 GMT")),
            expected: .retry(after: .milliseconds(500))),
        RetryCase(
            name: "retry-after above 60 s backs off", outcome: response(429, hints(after: "120")),
            expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "retry-after 0 backs off", outcome: response(429, hints(after: "0")), expected: .retry(after: .milliseconds(500))),
        RetryCase(
            name: "retry-after garbage backs off", outcome: response(429, hints(after: "soon")), expected: .retry(after: .milliseconds(500))
        ),
        RetryCase(
            name: "negative retry-after-ms falls back to retry-after", outcome: response(429, hints(ms: "-5", after: "1")),
            expected: .retry(after: .seconds(1))),
        RetryCase(name: "408 retried", outcome: response(408), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "409 retried", outcome: response(409), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "500 retried", outcome: response(500), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "502 retried", outcome: response(502), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "503 retried", outcome: response(503), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "504 retried", outcome: response(504), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "529 retried", outcome: response(529), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "529 honours retry-after", outcome: response(529, hints(after: "3")), expected: .retry(after: .seconds(3))),
        RetryCase(name: "400 not retried", outcome: response(400), expected: .giveUp(.notRetryable)),
        RetryCase(name: "401 not retried", outcome: response(401), expected: .giveUp(.notRetryable)),
        RetryCase(name: "403 not retried", outcome: response(403), expected: .giveUp(.notRetryable)),
        RetryCase(name: "404 not retried", outcome: response(404), expected: .giveUp(.notRetryable)),
        RetryCase(name: "413 not retried", outcome: response(413), expected: .giveUp(.notRetryable)),
        RetryCase(
            name: "400 with retry-after still not retried", outcome: response(400, hints(after: "1")), expected: .giveUp(.notRetryable)),
        RetryCase(name: "3xx not retried", outcome: response(302), expected: .giveUp(.notRetryable)),
        RetryCase(
            name: "x-should-retry true overrides 400", outcome: response(400, hints(true)), expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "x-should-retry false overrides 503", outcome: response(503, hints(false)), expected: .giveUp(.notRetryable)),
        RetryCase(
            name: "x-should-retry false overrides 429 with retry-after", outcome: response(429, hints(false, after: "1")),
            expected: .giveUp(.notRetryable)),
        RetryCase(name: "x-should-retry false on malformed 2xx", outcome: response(200, hints(false)), expected: .giveUp(.notRetryable)),
        RetryCase(name: "timeout retried", outcome: .timedOut, expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "dropped connection retried", outcome: .connectionFailed, expected: .retry(after: .milliseconds(500))),
        RetryCase(name: "unrecoverable transport not retried", outcome: .unrecoverableTransport, expected: .giveUp(.notRetryable)),
        RetryCase(name: "second retry doubles", outcome: response(503), attempt: 2, expected: .retry(after: .seconds(1))),
        RetryCase(name: "fifth retry is capped at 8 s", outcome: response(503), attempt: 5, expected: .retry(after: .seconds(8))),
        RetryCase(name: "seventh retry stays at 8 s", outcome: .timedOut, attempt: 7, expected: .retry(after: .seconds(8))),
        RetryCase(name: "eighth attempt is the last", outcome: response(503), attempt: 8, expected: .giveUp(.attemptsExhausted)),
        RetryCase(
            name: "attempts exhausted even with retry-after", outcome: response(429, hints(after: "1")), attempt: 8,
            expected: .giveUp(.attemptsExhausted)),
        RetryCase(
            name: "wait past the request time gives up", outcome: response(503), elapsed: .seconds(89.8),
            expected: .giveUp(.requestTimeExhausted)),
        RetryCase(
            name: "server wait past the request time gives up", outcome: response(429, hints(after: "30")), elapsed: .seconds(70),
            expected: .giveUp(.requestTimeExhausted)),
        RetryCase(
            name: "wait ending exactly at the request time is made", outcome: response(503), elapsed: .seconds(89.5),
            expected: .retry(after: .milliseconds(500))),
    ]

    @Test(arguments: cases)
    func decision(_ c: RetryCase) {
        let decision = policy.decide(c.outcome, attempt: c.attempt, elapsed: c.elapsed, jitter: 0, now: now)
        switch (decision, c.expected) {
        case (.retry(let got), .retry(let want)):
            #expect(close(got, want), "\(c.name): waited \(got), expected \(want)")
        default:
            #expect(decision == c.expected, "\(c.name)")
        }
    }

    @Test(arguments: [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (40, 8.0), (1000, 8.0)])
    func exponentialBackoffWithoutJitter(retry n: Int, seconds: Double) {
        #expect(close(policy.backoff(retry: n, jitter: 0), .seconds(seconds)))
    }

    @Test(arguments: [(0.0, 1.0), (0.5, 0.875), (0.999_999, 0.75), (1.5, 0.75), (-1.0, 1.0)])
    func jitterShortensByUpToAQuarter(jitter: Double, factor: Double) {
        #expect(close(policy.backoff(retry: 2, jitter: jitter), .seconds(2 * factor)))
    }

    @Test func jitterApplies() {
        let decision = policy.decide(.timedOut, attempt: 1, elapsed: .zero, jitter: 0.5, now: now)
        guard case .retry(let wait) = decision else {
            Issue.record("expected a retry")
            return
        }
        #expect(close(wait, .milliseconds(437.5)))
    }

    @Test func serverDelayIsNotJittered() {
        #expect(
            policy.decide(response(429, hints(after: "2")), attempt: 1, elapsed: .zero, jitter: 0.9, now: now)
                == .retry(after: .seconds(2)))
    }

    @Test func smallPoliciesForTests() {
        let fast = RetryPolicy(
            maxAttempts: 3, maxRequestDuration: .seconds(1), initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))
        #expect(fast.decide(.connectionFailed, attempt: 1, elapsed: .zero, jitter: 0, now: now) == .retry(after: .milliseconds(10)))
        #expect(fast.decide(.connectionFailed, attempt: 2, elapsed: .zero, jitter: 0, now: now) == .retry(after: .milliseconds(20)))
        #expect(fast.decide(.connectionFailed, attempt: 3, elapsed: .zero, jitter: 0, now: now) == .giveUp(.attemptsExhausted))
        #expect(fast.backoff(retry: 5, jitter: 0) == .milliseconds(40))
    }
}

@Suite("Retry hints")
struct RetryHintsTests {
    @Test func readsHeadersCaseInsensitively() {
        let parsed = RetryHints(headers: [
            (name: "X-Should-Retry", value: " TRUE "), (name: "Retry-After-Ms", value: "150"),
            (name: "RETRY-AFTER", value: "2"), (name: "content-type", value: "application/json"),
        ])
        #expect(parsed == RetryHints(shouldRetry: true, retryAfterMilliseconds: "150", retryAfter: "2"))
        #expect(RetryHints(headers: [(name: "x-should-retry", value: "maybe")]).shouldRetry == nil)
        #expect(RetryHints(headers: [(name: "x-should-retry", value: "false")]).shouldRetry == false)
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777.0),
        ("Tue, 14 Nov 2023 22:13:20 GMT", 1_700_000_000.0),
        ("Thu, 29 Feb 2024 00:00:00 GMT", 1_709_164_800.0),
    ])
    func httpDates(text: String, epoch: Double) {
        #expect(HTTPDate.parse(text) == Date(timeIntervalSince1970: epoch))
    }

    @Test(arguments: [
        "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
        "Thu, 30 Feb 2023 00:00:00 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "", "12",
    ])
    func notHTTPDates(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }
}

@Suite("Give-up budget")
struct UnavailabilityTests {
    let t0 = ContinuousClock.now

    @Test func healthyUntilAFailure() {
        var budget = Unavailability(limit: .seconds(100))
        #expect(budget.remaining(at: t0) == nil)
        #expect(!budget.isExhausted(at: t0 + .seconds(1000)))
        let permitted = budget.permitRetry(after: .seconds(1000), at: t0)
        #expect(permitted)
    }

    @Test func countsFromTheFirstFailedAttemptsStart() {
        var budget = Unavailability(limit: .seconds(100))
        budget.recordUnavailable(attemptStartedAt: t0)
        budget.recordUnavailable(attemptStartedAt: t0 + .seconds(50))
        #expect(budget.since == t0)
        #expect(budget.remaining(at: t0 + .seconds(30)) == .seconds(70))
        #expect(!budget.isExhausted(at: t0 + .seconds(99)))
        #expect(budget.isExhausted(at: t0 + .seconds(100)))
        let early = budget.permitRetry(after: .seconds(5), at: t0 + .seconds(90))
        #expect(early)
        #expect(!budget.spent)
        let late = budget.permitRetry(after: .seconds(5), at: t0 + .seconds(96))
        #expect(!late)
        #expect(budget.spent)
        #expect(budget.isExhausted(at: t0 + .seconds(96)))
        let tiny = budget.permitRetry(after: .zero, at: t0 + .seconds(96))
        #expect(!tiny, "a spent budget stays spent")
    }

    @Test func anEarlierStartMovesTheClockBack() {
        var budget = Unavailability(limit: .seconds(10))
        budget.recordUnavailable(attemptStartedAt: t0 + .seconds(5))
        budget.recordUnavailable(attemptStartedAt: t0)
        #expect(budget.since == t0)
    }

    @Test func aSignOfLifeResetsIt() {
        var budget = Unavailability(limit: .seconds(10))
        budget.recordUnavailable(attemptStartedAt: t0)
        _ = budget.permitRetry(after: .seconds(20), at: t0)
        #expect(budget.spent)
        budget.recordAvailable()
        #expect(!budget.spent)
        #expect(budget.remaining(at: t0 + .seconds(60)) == nil)
        #expect(!budget.isExhausted(at: t0 + .seconds(60)))
    }

    @Test func sharedBudgetActor() async {
        let budget = RetryBudget(limit: .milliseconds(50))
        #expect(await budget.remaining() == nil)
        await budget.recordUnavailable(attemptStartedAt: ContinuousClock.now)
        #expect(await budget.permitRetry(after: .milliseconds(1)))
        try? await Task.sleep(for: .milliseconds(60))
        #expect(await budget.isExhausted)
        #expect(!(await budget.permitRetry(after: .zero)))
        await budget.recordAvailable()
        #expect(!(await budget.isExhausted))
    }
}
