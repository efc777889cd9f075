import CoreValues
import Foundation
import Testing

@testable import AdminAPI

/// A cost or usage page of the given buckets (`starting_at` of each), one result each.
private func bucketPage(_ starts: [String], hasMore: Bool = false, next: String? = nil) -> String {
    let buckets = starts.map {
        #"{"starting_at":"\#($0)","ending_at":"\#($0)","results":[{"amount":"1.5","currency":"USD"}]}"#
    }
    let cursor = next.map { "\"\($0)\"" } ?? "null"
    return #"{"data":[\#(buckets.joined(separator: ","))],"has_more":\#(hasMore),"next_page":\#(cursor)}"#
}

/// A Claude Code page of records dated as given.
private func claudeCodePage(_ dates: [String]) -> String {
    let records = dates.map {
        #"{"date":"\#($0)","actor":{"type":"user_actor","email_address":"a@example.com"},"organization_id":"org_1","#
            + #""customer_type":"api","terminal_type":"vscode","core_metrics":{"num_sessions":1}}"#
    }
    return #"{"data":[\#(records.joined(separator: ","))],"has_more":false,"next_page":null}"#
}

/// Servers that break the API's contract in ways a real outage or a hostile proxy could: endless
/// cursors, trickled bodies, buckets from other days, an echoed key.
@Suite("Admin client against misbehaving servers")
struct MisbehavingServerTests {
    let window = Day("2025-01-01")!..<Day("2025-01-04")!

    // MARK: Bounded chains

    @Test func endlessCursorsStopAtTheWindowsBound() async throws {
        // Every page says has_more with a cursor never seen before.
        try await withStubServer({ _, index in
            .page(bucketPage(["2025-01-01T00:00:00Z"], hasMore: true, next: "page_\(index + 1)"))
        }) { base, recorder in
            try await withClient(base) { client in
                let started = ContinuousClock.now
                var delivered: [Int] = []
                let error = await expectFails {
                    _ = try await client.fetchChain(.cost(days: window)) { page in delivered.append(page.index) }
                }
                // 3 days of daily buckets, plus the margin of 3 pages: 6 pages, then the chain fails.
                #expect(delivered == [0, 1, 2, 3, 4, 5])
                #expect(await recorder.count == 6)
                #expect(error?.code == .tooManyPages)
                #expect(error?.classification == .malformedResponse)
                #expect(error?.abortsSync == false)
                #expect(error?.window == window)
                #expect(error?.description.contains("more than 6 pages") == true)
                #expect(started.duration(to: .now) < .seconds(5))
            }
        }
    }

    // MARK: Total deadline per request

    @Test func aTricklingServerCannotHoldAChainPastTheGiveUpBudget() async throws {
        let body = #"{"data":[],"has_more":false,"next_page":null}"#
        try await withStubServer({ _, _ in .trickle(body, interval: .seconds(1)) }) { base, recorder in
            // The idle timeout (2 s) never fires: a byte arrives every second.
            let requestTimeout: Duration = .seconds(2)
            let budgetLimit: Duration = .seconds(3)
            let configuration = fastConfiguration(
                base, maxAttempts: 1_000, requestTimeout: requestTimeout, maxRequestDuration: .seconds(600))
            try await withClient(base, configuration: configuration, budget: RetryBudget(limit: budgetLimit)) { client in
                let started = ContinuousClock.now
                var delivered = 0
                let error = await expectFails {
                    _ = try await client.fetchChain(.cost(days: window)) { _ in delivered += 1 }
                }
                let elapsed = started.duration(to: .now)
                #expect(delivered == 0)
                #expect(error?.code == .budgetExhausted)
                #expect(error?.classification == .unavailable)
                #expect(error?.abortsSync == true)
                #expect(elapsed < budgetLimit + requestTimeout + .seconds(5), "took \(elapsed)")
                #expect(await recorder.count >= 2)
            }
        }
    }

    // MARK: Pages that do not belong to the window

    @Test(arguments: [
        ("2024-12-31T00:00:00Z", "2024-12-31"),  // the day before the window
        ("2025-01-04T00:00:00Z", "2025-01-04"),  // the window's (exclusive) end
        ("2025-02-01T00:00:00Z", "2025-02-01"),
    ])
    func aBucketOutsideTheWindowIsAMalformedPage(start: String, day: String) async throws {
        for chain in [ChainRequest.cost(days: window), .usage(days: window)] {
            try await withStubServer({ _, _ in
                .page(bucketPage(["2025-01-01T00:00:00Z", start]))
            }) { base, recorder in
                try await withClient(base) { client in
                    var delivered = 0
                    let error = await expectFails { _ = try await client.fetchChain(chain) { _ in delivered += 1 } }
                    #expect(delivered == 0)
                    // Retried like any other malformed 2xx body, then the window fails.
                    #expect(await recorder.count == 4)
                    #expect(error?.code == .attemptsExhausted)
                    #expect(error?.classification == .malformedResponse)
                    #expect(error?.status == 200)
                    #expect(error?.detail?.contains("bucket starting \(day)") == true, "\(String(describing: error))")
                }
            }
        }
    }

    @Test func bucketsOnTheWindowsFirstAndLastDayAreAccepted() async throws {
        let body = bucketPage(["2025-01-01T00:00:00Z", "2025-01-02T00:00:00+00:00", "2025-01-03T00:00:00.000Z"])
        try await withStubServer({ _, _ in .page(body) }) { base, _ in
            try await withClient(base) { client in
                var bodies: [String] = []
                let summary = try await client.fetchChain(.usage(days: window)) { page in
                    bodies.append(String(decoding: page.body, as: UTF8.self))
                }
                #expect(summary.pages == 1)
                #expect(bodies == [body])
            }
        }
    }

    @Test func aBucketWithoutAUTCStartIsAMalformedPage() async throws {
        for start in ["2025-01-02T00:00:00-05:00", "2025-01-02", "yesterday"] {
            try await withStubServer({ _, _ in .page(bucketPage([start])) }) { base, _ in
                try await withClient(base) { client in
                    var delivered = 0
                    let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in delivered += 1 } }
                    #expect(delivered == 0)
                    #expect(error?.classification == .malformedResponse)
                }
            }
        }
    }

    @Test func aClaudeCodeRecordOfAnotherDayIsAMalformedPage() async throws {
        let day = Day("2025-01-02")!
        for date in ["2025-01-01T00:00:00Z", "2025-01-03", "not a date"] {
            try await withStubServer({ _, _ in
                .page(claudeCodePage(["2025-01-02T00:00:00Z", date]))
            }) { base, recorder in
                try await withClient(base) { client in
                    var delivered = 0
                    let error = await expectFails {
                        _ = try await client.fetchChain(.claudeCode(day: day)) { _ in delivered += 1 }
                    }
                    #expect(delivered == 0)
                    #expect(await recorder.count == 4)
                    #expect(error?.code == .attemptsExhausted)
                    #expect(error?.classification == .malformedResponse)
                    #expect(error?.detail?.contains("record") == true, "\(String(describing: error))")
                }
            }
        }
    }

    @Test func claudeCodeRecordsOfTheRequestedDayInEitherFormAreAccepted() async throws {
        let body = claudeCodePage(["2025-01-02T00:00:00Z", "2025-01-02"])
        try await withStubServer({ _, _ in .page(body) }) { base, _ in
            try await withClient(base) { client in
                var delivered = 0
                let summary = try await client.fetchChain(.claudeCode(day: Day("2025-01-02")!)) { _ in delivered += 1 }
                #expect(summary.pages == 1)
                #expect(delivered == 1)
            }
        }
    }

    @Test func aPageThatTurnsGoodOnRetryIsTheOneDelivered() async throws {
        let good = bucketPage(["2025-01-02T00:00:00Z"])
        try await withStubServer({ _, index in
            index == 0 ? .page(bucketPage(["2024-12-30T00:00:00Z"])) : .page(good)
        }) { base, _ in
            try await withClient(base) { client in
                var bodies: [String] = []
                let summary = try await client.fetchChain(.cost(days: window)) { page in
                    bodies.append(String(decoding: page.body, as: UTF8.self))
                }
                #expect(summary.attempts == 2)
                #expect(bodies == [good])
            }
        }
    }

    // MARK: A page that echoes the key

    @Test func aPageEchoingTheAdminKeyIsNeverHandedOn() async throws {
        let echo = #"{"data":[{"id":"wrkspc_1","name":"header was \#(secret)"}],"has_more":false,"last_id":"wrkspc_1"}"#
        try await withStubServer({ _, _ in .page(echo) }) { base, recorder in
            try await withClient(base) { client in
                var delivered = 0
                let error = await expectFails { _ = try await client.fetchChain(.workspaces) { _ in delivered += 1 } }
                #expect(delivered == 0)
                // Not retried: asking again would only send the key to the same echo.
                #expect(await recorder.count == 1)
                #expect(error?.code == .keyEchoed)
                #expect(error?.abortsSync == false)
                let text = try #require(error?.description)
                #expect(text.contains("echoed the admin key"))
                #expect(text.contains("not stored"))
                #expect(!text.contains(secret))
            }
        }
    }

    @Test func aKeyEchoInsideAReportPageFailsItsWindow() async throws {
        let echo = bucketPage(["2025-01-01T00:00:00Z"]).replacingOccurrences(of: "USD", with: secret)
        try await withStubServer({ _, _ in .page(echo) }) { base, _ in
            try await withClient(base) { client in
                var delivered = 0
                let error = await expectFails { _ = try await client.fetchChain(.cost(days: window)) { _ in delivered += 1 } }
                #expect(delivered == 0)
                #expect(error?.code == .keyEchoed)
                #expect(error?.window == window)
            }
        }
    }

    @Test func aKeyLikeTextThatIsNotTheKeyIsStored() async throws {
        // Only the key's exact bytes count; a different key in a page is data like any other.
        let other = #"{"data":[{"id":"wrkspc_1","name":"sk-ant-admin01-someone-else"}],"has_more":false,"last_id":"wrkspc_1"}"#
        try await withStubServer({ _, _ in .page(other) }) { base, _ in
            try await withClient(base) { client in
                var delivered = 0
                _ = try await client.fetchChain(.workspaces) { _ in delivered += 1 }
                #expect(delivered == 1)
            }
        }
    }
}

@Suite("The organization endpoint")
struct OrganizationEndpointTests {
    let body = #"{"id":"8f3c2a1e-0000-4000-8000-00000000abcd","name":"Acme Research","type":"organization"}"#

    @Test func theOrganizationIsAOnePageChain() async throws {
        try await withStubServer({ _, _ in .page(body) }) { base, recorder in
            try await withClient(base) { client in
                var pages: [Page] = []
                let summary = try await client.fetchChain(.organization()) { pages.append($0) }
                #expect(summary.pages == 1)
                #expect(summary.attempts == 1)
                #expect(pages.count == 1)
                let page = try #require(pages.first)
                #expect(page.index == 0)
                #expect(page.hasMore == false)
                #expect(page.nextCursor == nil)
                #expect(page.stream == .organization)
                #expect(page.body == Data(body.utf8))
                let requests = await recorder.requests
                #expect(requests.map(\.path) == ["/v1/organizations/me"])
                #expect(requests.map(\.rawQuery) == [""])
                #expect(requests.first?.header("x-api-key") == secret)

                let organization = try #require(Organization.parse(page.body))
                #expect(organization == Organization(id: "8f3c2a1e-0000-4000-8000-00000000abcd", name: "Acme Research"))
            }
        }
    }

    @Test(arguments: [
        #"{"id":"","name":"Acme","type":"organization"}"#,
        #"{"name":"Acme","type":"organization"}"#,
        #"{"id":42,"name":"Acme"}"#,
        #"[{"id":"org_1"}]"#,
        #"{"id":"org_1","name":"Ac"#,
        "<html>proxy</html>",
    ])
    func anythingButAnObjectWithAnIDIsRetriedThenFails(bad: String) async throws {
        try await withStubServer({ _, _ in .page(bad) }) { base, recorder in
            try await withClient(base) { client in
                var delivered = 0
                let error = await expectFails { _ = try await client.fetchChain(.organization()) { _ in delivered += 1 } }
                #expect(delivered == 0)
                #expect(await recorder.count == 4)
                #expect(error?.code == .attemptsExhausted)
                #expect(error?.classification == .malformedResponse)
                #expect(error?.detail == "2xx body is not an organization object with an id")
            }
        }
    }

    @Test func aMalformedAnswerThenAGoodOneDeliversTheGoodOne() async throws {
        try await withStubServer({ _, index in index == 0 ? .page(#"{"id":""}"#) : .page(body) }) { base, _ in
            try await withClient(base) { client in
                var bodies: [Data] = []
                let summary = try await client.fetchChain(.organization()) { bodies.append($0.body) }
                #expect(summary.attempts == 2)
                #expect(bodies == [Data(body.utf8)])
            }
        }
    }

    @Test func parsingTheOrganization() {
        #expect(Organization.parse(Data(#"{"id":"org_1"}"#.utf8)) == Organization(id: "org_1", name: nil))
        #expect(
            Organization.parse(Data(#"{"id":"org_1","name":null,"type":7,"extra":[1]}"#.utf8))
                == Organization(id: "org_1", name: nil))
        #expect(Organization.parse(Data(#"{"id":"org_1","name":7}"#.utf8)) == Organization(id: "org_1", name: nil))
        #expect(
            Organization.parse(Data(#"{"id":"org_1","name":"Zoë \"Q\" Ltd","type":"organization"}"#.utf8))
                == Organization(id: "org_1", name: "Zoë \"Q\" Ltd"))
        #expect(Organization.parse(Data(#"{"id":""}"#.utf8)) == nil)
        #expect(Organization.parse(Data(#"{"id":null}"#.utf8)) == nil)
        #expect(Organization.parse(Data("null".utf8)) == nil)
        #expect(Organization.parse(Data()) == nil)
    }
}

@Suite("Chain bounds, page contracts and extra headers")
struct ChainContractTests {
    let jan1 = Day("2025-01-01")!

    @Test func pageBoundsPerChain() {
        // Bucket-paged: the window's days plus 3.
        #expect(ChainRequest.cost(days: jan1..<jan1.adding(days: 3)).maxPages == 6)
        #expect(ChainRequest.usage(days: jan1..<jan1.adding(days: 31)).maxPages == 34)
        #expect(ChainRequest.cost(days: jan1..<jan1.adding(days: 1)).maxPages == 4)
        // Row-paged: 10,000.
        #expect(ChainRequest.claudeCode(day: jan1).maxPages == 10_000)
        #expect(ChainRequest.workspaces.maxPages == 10_000)
        #expect(ChainRequest.apiKeys.maxPages == 10_000)
        #expect(ChainRequest.organization().maxPages == 1)
    }

    @Test func theConfiguredCapStillAppliesBelowAChainsOwnBound() async throws {
        try await withStubServer({ _, index in
            .page(#"{"data":[],"has_more":true,"next_page":"p\#(index + 1)"}"#)
        }) { base, recorder in
            var configuration = fastConfiguration(base)
            configuration.maxPagesPerChain = 3
            try await withClient(base, configuration: configuration) { client in
                let error = await expectFails { _ = try await client.fetchChain(.claudeCode(day: jan1)) { _ in } }
                #expect(error?.code == .tooManyPages)
                #expect(await recorder.count == 3)
            }
        }
    }

    @Test func aChainsExtraHeadersAreSentOnEveryPage() async throws {
        try await withStubServer({ request, _ in
            request.values("after_id").isEmpty
                ? .page(#"{"data":[],"has_more":true,"last_id":"a"}"#)
                : .page(#"{"data":[],"has_more":false,"last_id":null}"#)
        }) { base, recorder in
            try await withClient(base) { client in
                let chain = ChainRequest(
                    stream: .workspaces, parameters: [QueryItem("limit", "1000")], cursorStyle: .afterID, window: nil,
                    headers: [.init("anthropic-beta", "analytics-usage-cost-2026-08-24")])
                _ = try await client.fetchChain(chain) { _ in }
                let requests = await recorder.requests
                #expect(requests.count == 2)
                #expect(requests.allSatisfy { $0.headers["anthropic-beta"] == ["analytics-usage-cost-2026-08-24"] })
                #expect(requests.allSatisfy { $0.headers["x-api-key"] == [secret] })
                // Chains without extra headers send none.
                _ = try await client.fetchChain(.workspaces) { _ in }
                #expect(await recorder.requests.suffix(2).allSatisfy { $0.headers["anthropic-beta"] == nil })
            }
        }
    }

    @Test(
        arguments: [
            (#"{"data":[{"starting_at":"2025-01-01T00:00:00Z"},{"starting_at":"2025-01-02T00:00:00Z"}],"has_more":false}"#, nil),
            (#"{"data":[],"has_more":true,"next_page":"p"}"#, nil),
            (
                #"{"data":[{"starting_at":"2024-12-31T00:00:00Z"}],"has_more":false}"#,
                PageEnvelope.Violation.bucketOutsideWindow(day: Day("2024-12-31"))
            ),
            (#"{"data":[{"starting_at":"2025-01-03T00:00:00Z"}],"has_more":false}"#, .bucketOutsideWindow(day: Day("2025-01-03"))),
            (#"{"data":[{"ending_at":"2025-01-02T00:00:00Z"}],"has_more":false}"#, .bucketOutsideWindow(day: nil)),
            (#"{"data":[{"starting_at":"2025-01-01T00:00:00+01:00"}],"has_more":false}"#, .bucketOutsideWindow(day: nil)),
            (#"{"data":[{"starting_at":12}],"has_more":false}"#, .notAPage),
            (#"{"data":[{"starting_at":"2025-01-01T00:00:00Z"}]}"#, .notAPage),
        ] as [(String, PageEnvelope.Violation?)])
    func bucketWindowContract(body: String, violation: PageEnvelope.Violation?) {
        let chain = ChainRequest.cost(days: jan1..<Day("2025-01-03")!)
        switch PageEnvelope.parse(Data(body.utf8), for: chain) {
        case .success: #expect(violation == nil)
        case .failure(let found): #expect(found == violation)
        }
    }

    @Test func claudeCodeDayContract() {
        let chain = ChainRequest.claudeCode(day: jan1)
        func check(_ dates: [String?]) -> Result<PageEnvelope, PageEnvelope.Violation> {
            let records = dates.map { $0.map { #"{"date":"\#($0)"}"# } ?? #"{"actor":{}}"# }
            return PageEnvelope.parse(Data(#"{"data":[\#(records.joined(separator: ","))],"has_more":false}"#.utf8), for: chain)
        }
        #expect((try? check(["2025-01-01T00:00:00Z", "2025-01-01"]).get()) == PageEnvelope(hasMore: false))
        #expect((try? check([]).get()) == PageEnvelope(hasMore: false))
        #expect(check(["2025-01-01", "2025-01-02"]) == .failure(.recordOutsideDay(day: Day("2025-01-02"))))
        #expect(check(["2025-01-01T12:00:00Z"]) == .failure(.recordOutsideDay(day: nil)))
        #expect(check([nil]) == .failure(.recordOutsideDay(day: nil)))
    }

    @Test func keyOccurrence() throws {
        let key = try #require(AdminKey(secret))
        #expect(key.occurs(in: Data(secret.utf8)))
        #expect(key.occurs(in: Data(("x" + secret).utf8)))
        #expect(key.occurs(in: Data((String(repeating: "s", count: 5000) + secret + "}").utf8)))
        #expect(!key.occurs(in: Data(String(secret.dropLast()).utf8)))
        #expect(!key.occurs(in: Data((String(secret.dropLast()) + "X").utf8)))
        #expect(!key.occurs(in: Data()))
        #expect(!key.occurs(in: Data(#"{"data":[],"has_more":false}"#.utf8)))
    }
}
