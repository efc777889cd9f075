import CoreValues
import Foundation
import Testing

@testable import AdminAPI

@Suite("Pagination state machine")
struct PaginationTests {
    let chain = ChainRequest.cost(days: Day("2025-01-01")!..<Day("2025-03-01")!)

    @Test func singlePageChainCompletes() {
        var pagination = Pagination(chain)
        #expect(pagination.pendingRequest == chain.firstPage)
        #expect(pagination.receive(PageEnvelope(hasMore: false)) == .complete(pages: 1))
        #expect(pagination.pendingRequest == nil)
        #expect(pagination.state == .complete(pages: 1))
        #expect(pagination.pagesReceived == 1)
    }

    @Test func followsCursorsRepeatingEveryParameter() throws {
        var pagination = Pagination(chain)
        var requests = [try #require(pagination.pendingRequest)]
        for cursor in ["page_A", "page_B"] {
            guard case .next(let next) = pagination.receive(PageEnvelope(hasMore: true, nextPage: cursor)) else {
                Issue.record("expected another page")
                return
            }
            requests.append(next)
        }
        #expect(pagination.receive(PageEnvelope(hasMore: false, nextPage: nil)) == .complete(pages: 3))
        #expect(requests.map(\.index) == [0, 1, 2])
        #expect(requests.map(\.cursor) == [nil, "page_A", "page_B"])
        for request in requests {
            for item in chain.parameters { #expect(request.items.contains(item)) }
            #expect(request.items.count == chain.parameters.count + (request.cursor == nil ? 0 : 1))
        }
        #expect(requests[2].query.contains("&page=page_B&"))
        #expect(!requests[2].query.contains("page_A"))
    }

    @Test func lastPageMayStillCarryACursor() {
        var pagination = Pagination(chain)
        #expect(pagination.receive(PageEnvelope(hasMore: false, nextPage: "page_X")) == .complete(pages: 1))
    }

    @Test(arguments: [nil, ""] as [String?])
    func hasMoreWithoutCursorBreaksTheChain(cursor: String?) {
        var pagination = Pagination(chain)
        #expect(pagination.receive(PageEnvelope(hasMore: true, nextPage: cursor)) == .broken(.missingCursor(pageIndex: 0)))
        #expect(pagination.pendingRequest == nil)
    }

    @Test func repeatedCursorBreaksTheChain() {
        var pagination = Pagination(chain)
        _ = pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_A"))
        #expect(
            pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_A"))
                == .broken(.repeatedCursor(pageIndex: 1, cursor: "page_A")))
    }

    @Test func cursorSeenEarlierInTheChainBreaksIt() {
        var pagination = Pagination(chain)
        _ = pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_A"))
        _ = pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_B"))
        #expect(
            pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_A"))
                == .broken(.repeatedCursor(pageIndex: 2, cursor: "page_A")))
        #expect(pagination.state == .broken(.repeatedCursor(pageIndex: 2, cursor: "page_A")))
    }

    @Test func pageLimitBreaksTheChain() {
        var pagination = Pagination(chain, maxPages: 2)
        _ = pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_A"))
        #expect(pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_B")) == .broken(.tooManyPages(limit: 2)))
    }

    @Test func nameListsFollowLastIDAndIgnoreNextPage() {
        var pagination = Pagination(.apiKeys)
        let step = pagination.receive(PageEnvelope(hasMore: true, nextPage: "ignored", lastID: "apikey_9"))
        guard case .next(let next) = step else {
            Issue.record("expected another page")
            return
        }
        #expect(next.cursor == "apikey_9")
        #expect(next.query == "after_id=apikey_9&limit=1000")
        #expect(pagination.receive(PageEnvelope(hasMore: true, nextPage: "page_A")) == .broken(.missingCursor(pageIndex: 1)))
    }

    @Test func claudeCodeChainsPageWithPage() {
        var pagination = Pagination(.claudeCode(day: Day("2025-05-05")!))
        guard case .next(let next) = pagination.receive(PageEnvelope(hasMore: true, nextPage: "cc_1")) else {
            Issue.record("expected another page")
            return
        }
        #expect(next.query == "limit=1000&page=cc_1&starting_at=2025-05-05")
    }
}

@Suite("Page envelope parsing")
struct PageEnvelopeTests {
    @Test(arguments: [
        (#"{"data":[],"has_more":false,"next_page":null}"#, PageEnvelope(hasMore: false)),
        (#"{"data":[{"x":1}],"has_more":true,"next_page":"page_A"}"#, PageEnvelope(hasMore: true, nextPage: "page_A")),
        (#"{"has_more":true,"data":[1,2],"first_id":"a","last_id":"b"}"#, PageEnvelope(hasMore: true, lastID: "b")),
        (#"  {"data":[],"has_more":false,"unknown":{"new":"field"}}  "#, PageEnvelope(hasMore: false)),
    ])
    func validPages(body: String, expected: PageEnvelope) {
        #expect(PageEnvelope.parse(Data(body.utf8)) == expected)
    }

    @Test(arguments: [
        "",
        #"{"data":[],"has_more":fal"#,
        #"{"data":[{"amount":"1.5"}"#,
        #"{"data":[]}"#,
        #"{"has_more":false}"#,
        #"{"data":{},"has_more":false}"#,
        #"{"data":[],"has_more":"false"}"#,
        #"{"data":[],"has_more":false,"next_page":42}"#,
        #"[{"data":[],"has_more":false}]"#,
        "<html><body>502 Bad Gateway</body></html>",
    ])
    func notPages(body: String) {
        #expect(PageEnvelope.parse(Data(body.utf8)) == nil)
    }
}
