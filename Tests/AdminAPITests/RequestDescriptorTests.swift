import CoreValues
import Testing

@testable import AdminAPI

@Suite("Request descriptors and canonical queries")
struct RequestDescriptorTests {
    let jan1 = Day("2025-01-01")!
    let jan3 = Day("2025-01-03")!

    @Test(arguments: [
        ("group_by[]", "group_by%5B%5D"),
        ("2025-01-01T00:00:00Z", "2025-01-01T00%3A00%3A00Z"),
        ("page_MjAyNS0wNS0xNFQwMDowMDowMFo=", "page_MjAyNS0wNS0xNFQwMDowMDowMFo%3D"),
        ("a b&c=d+e/f?", "a%20b%26c%3Dd%2Be%2Ff%3F"),
        ("AZaz09-._~", "AZaz09-._~"),
        ("é", "%C3%A9"),
        ("", ""),
    ])
    func percentEncoding(raw: String, encoded: String) {
        #expect(QueryItem.percentEncode(raw) == encoded)
    }

    @Test func canonicalQueryIsSortedByNameThenValueAndIndependentOfOrder() {
        let a = [
            QueryItem("limit", "31"), QueryItem("group_by[]", "workspace_id"), QueryItem("group_by[]", "description"),
            QueryItem("bucket_width", "1d"),
        ]
        let expected = "bucket_width=1d&group_by%5B%5D=description&group_by%5B%5D=workspace_id&limit=31"
        #expect(QueryItem.canonicalQuery(a) == expected)
        #expect(QueryItem.canonicalQuery(a.reversed()) == expected)
        #expect(QueryItem.canonicalQuery([]) == "")
    }

    @Test func costReport() {
        let chain = ChainRequest.cost(days: jan1..<jan3)
        #expect(chain.stream == .cost)
        #expect(chain.method == "GET")
        #expect(chain.path == "/v1/organizations/cost_report")
        #expect(chain.cursorStyle == .page)
        #expect(chain.window == jan1..<jan3)
        #expect(
            chain.firstPage.query == "bucket_width=1d&ending_at=2025-01-03T00%3A00%3A00Z"
                + "&group_by%5B%5D=description&group_by%5B%5D=workspace_id&limit=31&starting_at=2025-01-01T00%3A00%3A00Z")
        #expect(
            chain.page(1, cursor: "page_abc=").query == "bucket_width=1d&ending_at=2025-01-03T00%3A00%3A00Z"
                + "&group_by%5B%5D=description&group_by%5B%5D=workspace_id&limit=31&page=page_abc%3D"
                + "&starting_at=2025-01-01T00%3A00%3A00Z")
    }

    @Test func usageReport() {
        let chain = ChainRequest.usage(days: jan1..<jan3)
        #expect(chain.path == "/v1/organizations/usage_report/messages")
        #expect(
            chain.firstPage.query == "bucket_width=1d&ending_at=2025-01-03T00%3A00%3A00Z"
                + "&group_by%5B%5D=api_key_id&group_by%5B%5D=context_window&group_by%5B%5D=inference_geo"
                + "&group_by%5B%5D=model&group_by%5B%5D=service_tier&group_by%5B%5D=workspace_id"
                + "&limit=31&starting_at=2025-01-01T00%3A00%3A00Z")
    }

    @Test func claudeCodeIsOneChainPerDayWithABareDate() {
        let chains = ChainRequest.claudeCode(days: jan1..<jan3)
        #expect(chains.count == 2)
        #expect(chains.map(\.firstPage.query) == ["limit=1000&starting_at=2025-01-01", "limit=1000&starting_at=2025-01-02"])
        #expect(chains[0].path == "/v1/organizations/usage_report/claude_code")
        #expect(chains[1].window == Day("2025-01-02")!..<jan3)
        #expect(chains[0].page(2, cursor: "cur").query == "limit=1000&page=cur&starting_at=2025-01-01")
    }

    @Test func nameListsPageByAfterID() {
        #expect(ChainRequest.apiKeys.path == "/v1/organizations/api_keys")
        #expect(ChainRequest.workspaces.path == "/v1/organizations/workspaces")
        for chain in [ChainRequest.apiKeys, .workspaces] {
            #expect(chain.cursorStyle == .afterID)
            #expect(chain.window == nil)
            #expect(chain.firstPage.query == "limit=1000")
            #expect(chain.page(1, cursor: "apikey_01X").query == "after_id=apikey_01X&limit=1000")
        }
    }

    @Test func archivedWorkspacesOnRequest() {
        #expect(ChainRequest.workspaces(includeArchived: false) == .workspaces)
        #expect(
            ChainRequest.workspaces(includeArchived: true).page(1, cursor: "wrkspc_1").query
                == "after_id=wrkspc_1&include_archived=true&limit=1000")
    }

    @Test func chainsForAStream() {
        #expect(ChainRequest.chains(for: .cost, days: jan1..<jan3) == [.cost(days: jan1..<jan3)])
        #expect(ChainRequest.chains(for: .claudeCode, days: jan1..<jan3).count == 2)
        #expect(ChainRequest.chains(for: .usage, days: jan1..<jan1).isEmpty)
        #expect(ChainRequest.chains(for: .apiKeys, days: jan1..<jan3) == [.apiKeys])
    }

    @Test func pageRequestTarget() {
        let request = ChainRequest.claudeCode(day: jan1).firstPage
        #expect(request.target == "/v1/organizations/usage_report/claude_code?limit=1000&starting_at=2025-01-01")
        #expect(request.description == "GET " + request.target)
        #expect(request.index == 0)
        #expect(request.cursor == nil)
    }
}
