import CoreValues
import Foundation
import Logging
import Testing

@testable import AdminAPI

let secret = "sk-ant-admin01-TEST.KEY.DoNotLeak.0123456789"

/// Fast retries so failure paths finish in milliseconds.
func fastConfiguration(
    _ baseURL: String, maxAttempts: Int = 4, connectTimeout: Duration = .seconds(2),
    requestTimeout: Duration = .seconds(5), maxRequestDuration: Duration = .seconds(10)
) -> AdminClient.Configuration {
    AdminClient.Configuration(
        baseURL: baseURL,
        userAgent: "claude-ledger/9.9.9-test",
        connectTimeout: connectTimeout,
        requestTimeout: requestTimeout,
        retry: RetryPolicy(
            maxAttempts: maxAttempts, maxRequestDuration: maxRequestDuration,
            initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)
        ),
        jitter: .constant(0)
    )
}

/// Runs `body` with a client against the stub, then checks no log line holds the key.
func withClient(
    _ baseURL: String, configuration: AdminClient.Configuration? = nil, budget: RetryBudget = RetryBudget(),
    _ body: (AdminClient) async throws -> Void
) async throws {
    let key = try #require(AdminKey(secret))
    let (logger, store) = CapturingLogHandler.logger()
    try await AdminClient.withClient(
        key: key, configuration: configuration ?? fastConfiguration(baseURL), budget: budget, logger: logger
    ) { client in
        try await body(client)
    }
    #expect(!store.lines.isEmpty)
    for line in store.lines {
        #expect(!line.contains(secret) && !line.contains("DoNotLeak"), "key in log line: \(line)")
    }
}

func reportPage(_ marker: String, hasMore: Bool, next: String?) -> String {
    let cursor = next.map { "\"\($0)\"" } ?? "null"
    return
        #"{"data":[{"starting_at":"2025-01-01T00:00:00Z","ending_at":"2025-01-02T00:00:00Z","results":[{"amount":"123.78912","marker":"\#(marker)"}]}],  "has_more":\#(hasMore),"next_page":\#(cursor)}"#
}

func expectFails(
    _ operation: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> AdminAPIError? {
    do {
        try await operation()
        Issue.record("expected an AdminAPIError", sourceLocation: sourceLocation)
        return nil
    } catch let error as AdminAPIError {
        for text in [error.description, String(reflecting: error), "\(error)", error.suggestion] {
            #expect(!text.contains(secret) && !text.contains("DoNotLeak"), "key in error text: \(text)", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite("Admin client against a stub server")
struct AdminClientTests {
    let window = Day("2025-01-01")!..<Day("2025-01-04")!

    @Test func followsPagesUntilHasMoreIsFalseRepeatingParameters() async throws {
        let bodies = [
            reportPage("one", hasMore: true, next: "page_MjAyNS0wMS0wMlQwMDowMDowMFo="),
            reportPage("two", hasMore: true, next: "page_two"),
            reportPage("three", hasMore: false, next: nil),
        ]
        try await withStubServer({ request, _ in
            switch request.values("page").first {
            case nil: return .page(bodies[0])
            case "page_MjAyNS0wMS0wMlQwMDowMDowMFo=": return .page(bodies[1])
            case "page_two": return .page(bodies[2])
            default: return .error(400, type: "invalid_request_error", message: "bad page")
            }
        }) { base, recorder in
            try await withClient(base) { client in
                var pages: [Page] = []
                let chain = ChainRequest.cost(days: window)
                let summary = try await client.fetchChain(chain) { page in
                    // Each page arrives before the next request is made.
                    #expect(await recorder.count == page.index + 1)
                    pages.append(page)
                }
                #expect(summary.pages == 3)
                #expect(summary.attempts == 3)
                #expect(summary.bytes == bodies.map(\.utf8.count).reduce(0, +))
                #expect(pages.map(\.index) == [0, 1, 2])
                #expect(pages.map { String(decoding: $0.body, as: UTF8.self) } == bodies)
                #expect(pages.map(\.hasMore) == [true, true, false])
                #expect(pages.map(\.nextCursor) == ["page_MjAyNS0wMS0wMlQwMDowMDowMFo=", "page_two", nil])
                #expect(pages.allSatisfy { $0.status == 200 && $0.requestID == "req_ok" && $0.attempts == 1 })
                #expect(pages.allSatisfy { $0.stream == .cost && $0.method == "GET" && $0.path == "/v1/organizations/cost_report" })
                #expect(pages[0].query == chain.firstPage.query)
                #expect(pages[1].query == chain.page(1, cursor: "page_MjAyNS0wMS0wMlQwMDowMDowMFo=").query)

                let requests = await recorder.requests
                #expect(requests.count == 3)
                for (request, page) in zip(requests, pages) {
                    #expect(request.path == "/v1/organizations/cost_report")
                    #expect(request.rawQuery == page.query)
                    #expect(request.values("starting_at") == ["2025-01-01T00:00:00Z"])
                    #expect(request.values("ending_at") == ["2025-01-04T00:00:00Z"])
                    #expect(request.values("bucket_width") == ["1d"])
                    #expect(request.values("limit") == ["31"])
                    #expect(Set(request.values("group_by[]")) == ["workspace_id", "description"])
                    #expect(request.header("x-api-key") == secret)
                    #expect(request.header("anthropic-version") == "2023-06-01")
                    #expect(request.header("user-agent") == "claude-ledger/9.9.9-test")
                    #expect(!page.query.contains("DoNotLeak"))
                }
                #expect(requests.map { $0.values("page") } == [[], ["page_MjAyNS0wMS0wMlQwMDowMDowMFo="], ["page_two"]])
            }
        }
    }

    @Test func nameListsFollowAfterID() async throws {
        try await withStubServer({ request, _ in
            switch request.values("after_id").first {
            case nil: return .page(#"{"data":[{"id":"apikey_1"}],"has_more":true,"first_id":"apikey_1","last_id":"apikey_1"}"#)
            default: return .page(#"{"data":[{"id":"apikey_2"}],"has_more":false,"first_id":"apikey_2","last_id":"apikey_2"}"#)
            }
        }) { base, recorder in
            try await withClient(base) { client in
                let summary = try await client.fetchChain(.apiKeys) { _ in }
                #expect(summary.pages == 2)
                let queries = await recorder.requests.map(\.rawQuery)
                #expect(queries == ["limit=1000", "after_id=apikey_1&limit=1000"])
                #expect(await recorder.requests.allSatisfy { $0.path == "/v1/organizations/api_keys" })
            }
        }
    }

    @Test(arguments: [
        [("retry-after", "0.05")],
        [("retry-after-ms", "50")],
    ])
    func rateLimitWithRetryAfterThenSuccess(headers: [(String, String)]) async throws {
        try await withStubServer({ _, index in
            index == 0
                ? .error(429, type: "rate_limit_error", message: "slow down", headers: headers)
                : .page(reportPage("ok", hasMore: false, next: nil))
        }) { base, recorder in
            try await withClient(base) { client in
                let started = ContinuousClock.now
                let summary = try await client.fetchChain(.usage(days: window)) { page in
                    #expect(page.attempts == 2)
                }
                #expect(started.duration(to: .now) >= .milliseconds(50))
                #expect(summary.attempts == 2)
                #expect(await recorder.count == 2)
            }
        }
    }

    @Test(arguments: [500, 502, 503, 529, 408, 409])
    func serverErrorsAreRetried(status: Int) async throws {
        try await withStubServer({ _, index in
            index < 2
                ? .error(status, type: status == 529 ? "overloaded_error" : "api_error", message: "try later")
                : .page(
                    #"{"data":[{"date":"2025-01-01T00:00:00Z","actor":{"type":"api_actor","api_key_name":"ci"}}],"has_more":false,"next_page":null}"#
                )
        }) { base, recorder in
            try await withClient(base) { client in
                let summary = try await client.fetchChain(.claudeCode(day: window.lowerBound)) { _ in }
                #expect(summary.pages == 1)
                #expect(summary.attempts == 3)
                #expect(await recorder.count == 3)
            }
        }
    }

    @Test func droppedConnectionIsRetried() async throws {
        try await withStubServer({ _, index in
            index == 0
                ? .dropAfter(partial: #"{"data":[{"amount":"1"#, declaredLength: 5000)
                : .page(reportPage("ok", hasMore: false, next: nil))
        }) { base, recorder in
            try await withClient(base) { client in
                var bodies: [String] = []
                _ = try await client.fetchChain(.cost(days: window)) { bodies.append(String(decoding: $0.body, as: UTF8.self)) }
                #expect(bodies == [reportPage("ok", hasMore: false, next: nil)])
                #expect(await recorder.count == 2)
            }
        }
    }

    @Test(arguments: [
        #"{"data":[{"amount":"1.5"}"#,
        #"{"data":[]}"#,
        "<html>upstream hiccup</html>",
        "",
    ])
    func malformedSuccessBodyIsRetriedAndNeverHandedOver(body: String) async throws {
        try await withStubServer({ _, index in
            index == 0 ? .body(status: 200, body) : .page(reportPage("ok", hasMore: false, next: nil))
        }) { base, recorder in
            try await withClient(base) { client in
                var count = 0
                _ = try await client.fetchChain(.cost(days: window)) { page in
                    count += 1
                    #expect(page.attempts == 2)
                    #expect(PageEnvelope.parse(page.body) != nil)
                }
                #expect(count == 1)
                #expect(await recorder.count == 2)
            }
        }
    }

    @Test func malformedBodiesUntilAttemptsRunOut() async throws {
        try await withStubServer({ _, _ in .body(status: 200, "{\"data\":[") }) { base, recorder in
            try await withClient(base) { client in
                let error = await expectFails {
                    _ = try await client.fetchChain(.cost(days: window)) { _ in
                        Issue.record("a malformed page was handed over")
                    }
                }
                #expect(error?.code == .attemptsExhausted)
                #expect(error?.classification == .malformedResponse)
                #expect(error?.attempts == 4)
                #expect(error?.abortsSync == false)
                #expect(await recorder.count == 4)
            }
        }
    }

    @Test func badRequestIsNotRetriedAndItsErrorBodyIsSurfaced() async throws {
        try await withStubServer({ _, _ in
            .error(400, type: "invalid_request_error", message: "Invalid date range: ending date must be after starting date")
        }) { base, recorder in
            try await withClient(base) { client in
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in } }
                #expect(error?.code == .httpStatus)
                #expect(error?.classification == .invalidRequest)
                #expect(error?.status == 400)
                #expect(error?.stream == .cost)
                #expect(error?.pageIndex == 0)
                #expect(error?.window == window)
                #expect(error?.description.hasPrefix("admin API cost_report 2025-01-01..<2025-01-04 page 0: HTTP 400") == true)
                #expect(error?.path == "/v1/organizations/cost_report")
                #expect(error?.query == ChainRequest.cost(days: window).firstPage.query)
                #expect(error?.attempts == 1)
                #expect(error?.abortsSync == false)
                #expect(error?.requestID == "req_err_400")
                #expect(error?.apiError?.type == "error")
                #expect(error?.apiError?.errorType == "invalid_request_error")
                #expect(error?.apiError?.message == "Invalid date range: ending date must be after starting date")
                #expect(error?.apiError?.requestID == "req_err_400")
                #expect(error?.description.contains("Invalid date range") == true)
                #expect(error?.description.contains("HTTP 400") == true)
                #expect(await recorder.count == 1)
            }
        }
    }

    @Test(arguments: [401, 403])
    func authenticationFailureIsFatalAndNeverLeaksTheKey(status: Int) async throws {
        try await withStubServer({ _, _ in
            // A server that echoes the key it was given must not get it into our error.
            .error(
                status, type: status == 401 ? "authentication_error" : "permission_error",
                message: "invalid x-api-key \(secret)")
        }) { base, recorder in
            try await withClient(base) { client in
                let error = await expectFails { _ = try await client.fetchChain(.usage(days: window)) { _ in } }
                #expect(error?.classification == .authentication)
                #expect(error?.abortsSync == true)
                #expect(error?.attempts == 1)
                #expect(error?.apiError?.message?.contains("[redacted]") == true)
                #expect(await recorder.count == 1)
            }
        }
    }

    @Test func shouldRetryFalseIsObeyed() async throws {
        try await withStubServer({ _, _ in
            .error(503, type: "api_error", message: "no", headers: [("x-should-retry", "false")])
        }) { base, recorder in
            try await withClient(base) { client in
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in } }
                #expect(error?.code == .httpStatus)
                #expect(error?.classification == .unavailable)
                #expect(await recorder.count == 1)
            }
        }
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        try await withStubServer({ _, _ in .error(529, type: "overloaded_error", message: "Overloaded") }) { base, recorder in
            try await withClient(base) { client in
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in } }
                #expect(error?.code == .attemptsExhausted)
                #expect(error?.classification == .unavailable)
                #expect(error?.isRetriesExhausted == true)
                #expect(error?.status == 529)
                #expect(error?.apiError?.errorType == "overloaded_error")
                #expect(error?.attempts == 4)
                #expect(await recorder.count == 4)
            }
        }
    }

    @Test func timeoutsAreRetriedThenReportedAsTransport() async throws {
        try await withStubServer({ _, _ in .delayed(.milliseconds(800), status: 200, "{}") }) { base, recorder in
            let configuration = fastConfiguration(base, maxAttempts: 2, requestTimeout: .milliseconds(150))
            try await withClient(base, configuration: configuration) { client in
                let started = ContinuousClock.now
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in } }
                #expect(started.duration(to: .now) < .seconds(2))
                #expect(error?.code == .attemptsExhausted)
                #expect(error?.classification == .transport)
                #expect(error?.attempts == 2)
                #expect(await recorder.count == 2)
            }
        }
    }

    @Test func budgetExhaustionEndsASyncInBoundedTime() async throws {
        try await withStubServer({ _, _ in .error(503, type: "api_error", message: "down") }) { base, recorder in
            // Attempts and per-request time are generous; only the shared budget can stop it.
            let configuration = fastConfiguration(base, maxAttempts: 10_000, maxRequestDuration: .seconds(60))
            let budget = RetryBudget(limit: .milliseconds(400))
            try await withClient(base, configuration: configuration, budget: budget) { client in
                let started = ContinuousClock.now
                let first = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in } }
                #expect(started.duration(to: .now) < .seconds(2))
                #expect(first?.code == .budgetExhausted)
                #expect(first?.classification == .unavailable)
                #expect(first?.abortsSync == true)
                #expect(first?.isRetriesExhausted == true)
                // The last attempt may have been cut short by the budget itself (a timeout).
                #expect(first?.status == 503 || first?.status == nil)
                let sent = await recorder.count
                #expect(sent > 1)

                // Further windows fail at once, without another request.
                let second = await expectFails { _ = try await client.fetchChain(.usage(days: window)) { _ in } }
                #expect(second?.code == .budgetExhausted)
                #expect(second?.attempts == 0)
                #expect(await recorder.count == sent)
            }
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        // Learn a free port by running a stub and stopping it.
        var closedBase = ""
        try await withStubServer({ _, _ in .page("{}") }) { base, _ in closedBase = base }
        // The HTTP client keeps trying to connect until its connect timeout, so keep that short.
        let configuration = fastConfiguration(closedBase, connectTimeout: .milliseconds(200))
        try await withClient(closedBase, configuration: configuration) { client in
            let started = ContinuousClock.now
            let error = await expectFails { _ = try await client.fetchChain(.workspaces) { _ in } }
            #expect(error?.classification == .transport)
            #expect(error?.code == .attemptsExhausted)
            #expect(error?.attempts == 4)
            #expect(error?.status == nil)
            #expect(error?.detail != nil)
            #expect(started.duration(to: .now) < .seconds(3))
        }
    }

    @Test func callbackErrorsPassThroughAndStopTheChain() async throws {
        struct LedgerFull: Error {}
        try await withStubServer({ _, _ in .page(reportPage("x", hasMore: true, next: "page_next")) }) { base, recorder in
            try await withClient(base) { client in
                await #expect(throws: LedgerFull.self) {
                    _ = try await client.fetchChain(.cost(days: window)) { _ in throw LedgerFull() }
                }
                #expect(await recorder.count == 1)
            }
        }
    }

    @Test func hasMoreWithoutACursorIsAnIncompleteChain() async throws {
        try await withStubServer({ _, _ in .page(reportPage("x", hasMore: true, next: nil)) }) { base, recorder in
            try await withClient(base) { client in
                var delivered = 0
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in delivered += 1 } }
                #expect(delivered == 1)
                #expect(error?.code == .missingCursor)
                #expect(error?.classification == .malformedResponse)
                #expect(await recorder.count == 1)
            }
        }
    }

    @Test func repeatedCursorIsAnIncompleteChain() async throws {
        try await withStubServer({ _, _ in .page(reportPage("x", hasMore: true, next: "page_same")) }) { base, recorder in
            try await withClient(base) { client in
                var delivered = 0
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in delivered += 1 } }
                #expect(delivered == 2)
                #expect(error?.code == .repeatedCursor)
                #expect(error?.pageIndex == 1)
                #expect(await recorder.count == 2)
            }
        }
    }

    @Test func basePathPrefixIsKept() async throws {
        try await withStubServer({ _, _ in .page(reportPage("x", hasMore: false, next: nil)) }) { base, recorder in
            try await withClient(base + "/proxy/") { client in
                _ = try await client.fetchChain(.workspaces) { _ in }
                #expect(await recorder.requests.map(\.path) == ["/proxy/v1/organizations/workspaces"])
            }
        }
    }

    @Test func invalidBaseURLIsAConfigurationError() async throws {
        let key = try #require(AdminKey(secret))
        let error = await expectFails {
            try await AdminClient.withClient(key: key, configuration: .init(baseURL: "ftp://example.com"), logger: Logger(label: "t")) {
                _ in
            }
        }
        #expect(error?.classification == .configuration)
        #expect(error?.code == .invalidBaseURL)
    }
}

/// A stand-in for the sync orchestrator: an actor that appends each page to its state from the
/// callback, which must compile under strict concurrency and see pages in order.
private actor RecordingSync {
    var appended: [String] = []

    func run(_ source: some PageSource, _ chain: ChainRequest) async throws -> ChainSummary {
        try await source.fetchChain(chain, isolation: #isolation) { page in
            appended.append("\(page.stream)#\(page.index):\(page.query)")
        }
    }

    func runClient(_ client: AdminClient, _ chain: ChainRequest) async throws -> ChainSummary {
        try await client.fetchChain(chain) { page in appended.append("\(page.index)") }
    }
}

@Suite("PageSource from an actor")
struct PageSourceTests {
    @Test func actorCallerAppendsPagesInOrder() async throws {
        try await withStubServer({ request, _ in
            request.values("page").isEmpty
                ? .page(#"{"data":[],"has_more":true,"next_page":"p2"}"#)
                : .page(#"{"data":[],"has_more":false,"next_page":null}"#)
        }) { base, _ in
            try await withClient(base) { client in
                let sync = RecordingSync()
                let chain = ChainRequest.claudeCode(day: Day("2025-02-03")!)
                let summary = try await sync.run(client, chain)
                #expect(summary.pages == 2)
                #expect(
                    await sync.appended == [
                        "claude_code#0:limit=1000&starting_at=2025-02-03",
                        "claude_code#1:limit=1000&page=p2&starting_at=2025-02-03",
                    ])
                _ = try await sync.runClient(client, chain)
                #expect(await sync.appended.suffix(2) == ["0", "1"])
            }
        }
    }
}

@Suite("Client configuration and cancellation")
struct AdminClientMiscTests {
    @Test func defaults() {
        let configuration = AdminClient.Configuration()
        #expect(configuration.baseURL == "https://api.anthropic.com")
        #expect(configuration.userAgent == "claude-ledger/\(AdminClient.toolVersion)")
        #expect(configuration.retry == .default)
        #expect(configuration.retry.maxAttempts == 8)
        #expect(AdminClient.anthropicVersion == "2023-06-01")
        #expect(RetryBudget.defaultLimit <= .seconds(120))
        let http = AdminClient.httpClientConfiguration(configuration)
        #expect(http.timeout.connect == .seconds(10))
        #expect(http.timeout.read == .seconds(60))
    }

    @Test func cancellationDuringABackoffWaitEndsPromptly() async throws {
        try await withStubServer({ _, _ in
            .error(503, type: "api_error", message: "down", headers: [("retry-after-ms", "5000")])
        }) { base, recorder in
            try await withClient(base) { client in
                let started = ContinuousClock.now
                let task = Task {
                    try await client.fetchChain(.cost(days: Day("2025-01-01")!..<Day("2025-01-02")!)) { _ in }
                }
                while await recorder.count == 0 { try await Task.sleep(for: .milliseconds(5)) }
                task.cancel()
                await #expect(throws: CancellationError.self) { _ = try await task.value }
                #expect(started.duration(to: .now) < .seconds(3))
                #expect(await recorder.count == 1)
            }
        }
    }
}

@Suite("Redirects")
struct RedirectTests {
    @Test func redirectsAreNeverFollowedSoTheKeyStaysHome() async throws {
        try await withStubServer({ _, _ in .page(#"{"data":[],"has_more":false}"#) }) { elsewhere, elsewhereRecorder in
            try await withStubServer({ request, _ in
                .body(status: 302, "", headers: [("location", elsewhere + request.path)])
            }) { base, recorder in
                try await withClient(base) { client in
                    let error = await expectFails { _ = try await client.fetchChain(.workspaces) { _ in } }
                    #expect(error?.status == 302)
                    #expect(error?.classification == .invalidRequest)
                    #expect(await recorder.count == 1)
                    #expect(await elsewhereRecorder.count == 0)
                }
            }
        }
    }
}
