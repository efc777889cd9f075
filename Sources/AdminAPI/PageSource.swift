/// Something that fetches pagination chains page by page: the `AdminClient` in production, a
/// fake in the sync orchestrator's tests.
///
/// The contract, which `AdminClient` keeps: `onPage` gets every 2xx page of the chain in order
/// (only pages that belong to the chain's window and do not contain the admin key),
/// each before the next request is made; the call returns only when the last page said
/// `has_more: false`; otherwise it throws (`AdminAPIError`, `CancellationError`, or whatever
/// `onPage` threw) and the pages already handed over form an incomplete fetch.
public protocol PageSource: Sendable {
    func fetchChain(
        _ chain: ChainRequest, isolation: isolated (any Actor)?, onPage: (Page) async throws -> Void
    ) async throws -> ChainSummary
}

extension AdminClient: PageSource {}
