/// The pure state machine that walks one pagination chain.
///
/// It starts at the chain's first page request; each page received is fed in with `receive(_:)`,
/// which answers with the next request or the end of the chain. A chain is complete only when a
/// page said `has_more: false`. A `has_more: true` page without a usable cursor, a cursor the chain
/// has already sent, or more pages than `maxPages` breaks the chain: it is reported as incomplete,
/// never as complete, so projections never read a partial fetch as a whole one.
public struct Pagination: Sendable, Hashable {
    /// What to do after a page.
    public enum Step: Sendable, Hashable {
        /// Fetch this page next.
        case next(PageRequest)
        /// The chain is complete after `pages` pages.
        case complete(pages: Int)
        /// The chain cannot continue and is incomplete.
        case broken(Failure)
    }

    /// Why a chain broke.
    public enum Failure: Sendable, Hashable, CustomStringConvertible {
        /// Page `pageIndex` said `has_more: true` but carried no cursor.
        case missingCursor(pageIndex: Int)
        /// Page `pageIndex` handed back a cursor the chain had already followed.
        case repeatedCursor(pageIndex: Int, cursor: String)
        /// The chain reached `limit` pages and still had more.
        case tooManyPages(limit: Int)

        public var description: String {
            switch self {
            case .missingCursor(let index):
                return "page \(index) has has_more true but no cursor"
            case .repeatedCursor(let index, let cursor):
                return "page \(index) repeats cursor \(cursor)"
            case .tooManyPages(let limit):
                return "more than \(limit) pages"
            }
        }
    }

    public enum State: Sendable, Hashable {
        /// Waiting for the response to this request.
        case awaiting(PageRequest)
        case complete(pages: Int)
        case broken(Failure)
    }

    public let chain: ChainRequest
    public let maxPages: Int
    public private(set) var state: State
    private var followedCursors: Set<String> = []

    public init(_ chain: ChainRequest, maxPages: Int = 10_000) {
        precondition(maxPages > 0)
        self.chain = chain
        self.maxPages = maxPages
        self.state = .awaiting(chain.firstPage)
    }

    /// The request to send now, or nil once the chain is complete or broken.
    public var pendingRequest: PageRequest? {
        if case .awaiting(let request) = state { return request }
        return nil
    }

    /// Pages fed in so far.
    public private(set) var pagesReceived = 0

    /// Feeds the envelope of the page answering `pendingRequest` and returns what to do next.
    /// Calling it when no request is pending is a programming error.
    public mutating func receive(_ page: PageEnvelope) -> Step {
        guard case .awaiting(let current) = state else {
            preconditionFailure("Pagination.receive called with no request pending")
        }
        pagesReceived += 1
        let step = Pagination.step(after: current, page: page, chain: chain, followed: followedCursors, maxPages: maxPages)
        switch step {
        case .next(let request):
            if let cursor = request.cursor { followedCursors.insert(cursor) }
            state = .awaiting(request)
        case .complete(let pages):
            state = .complete(pages: pages)
        case .broken(let failure):
            state = .broken(failure)
        }
        return step
    }

    private static func step(
        after current: PageRequest, page: PageEnvelope, chain: ChainRequest, followed: Set<String>, maxPages: Int
    ) -> Step {
        let pages = current.index + 1
        guard page.hasMore else { return .complete(pages: pages) }
        guard let cursor = page.cursor(for: chain.cursorStyle), !cursor.isEmpty else {
            return .broken(.missingCursor(pageIndex: current.index))
        }
        guard cursor != current.cursor, !followed.contains(cursor) else {
            return .broken(.repeatedCursor(pageIndex: current.index, cursor: cursor))
        }
        guard pages < maxPages else { return .broken(.tooManyPages(limit: maxPages)) }
        return .next(chain.page(pages, cursor: cursor))
    }
}
