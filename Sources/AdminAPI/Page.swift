import CoreValues
import Foundation

/// One 2xx page exactly as received, with what the ledger records about its request.
///
/// `description` names the page and its size, never its contents.
public struct Page: Sendable, CustomStringConvertible {
    /// The chain this page belongs to (stream, parameters, window).
    public let chain: ChainRequest
    /// The request that produced this page.
    public let request: PageRequest
    /// The HTTP status (2xx).
    public let status: Int
    /// The `request-id` response header.
    public let requestID: String?
    /// The response body, byte for byte.
    public let body: Data
    /// The page's `has_more`.
    public let hasMore: Bool
    /// The cursor for the next page (`next_page` or `last_id`); nil when absent or null.
    public let nextCursor: String?
    /// Attempts it took to get this page (1 when the first succeeded).
    public let attempts: Int
    /// When the body was fully received.
    public let receivedAt: Date

    public init(
        chain: ChainRequest, request: PageRequest, status: Int, requestID: String?, body: Data,
        hasMore: Bool, nextCursor: String?, attempts: Int, receivedAt: Date
    ) {
        self.chain = chain
        self.request = request
        self.status = status
        self.requestID = requestID
        self.body = body
        self.hasMore = hasMore
        self.nextCursor = nextCursor
        self.attempts = attempts
        self.receivedAt = receivedAt
    }

    public var stream: ReportStream { request.stream }
    /// 0-based position in the chain.
    public var index: Int { request.index }
    public var method: String { request.method }
    public var path: String { request.path }
    /// The canonical sorted query string that was sent (no credentials).
    public var query: String { request.query }

    public var description: String {
        "\(stream) page \(index) (HTTP \(status), \(body.count) bytes, has_more \(hasMore))"
    }
}

/// What a complete chain came to. Returned only when the last page said `has_more: false` and
/// every page was handed to the callback.
public struct ChainSummary: Sendable, Hashable, CustomStringConvertible {
    public let chain: ChainRequest
    public let pages: Int
    /// Attempts over all pages.
    public let attempts: Int
    /// Body bytes over all pages.
    public let bytes: Int
    public let duration: Duration

    public init(chain: ChainRequest, pages: Int, attempts: Int, bytes: Int, duration: Duration) {
        self.chain = chain
        self.pages = pages
        self.attempts = attempts
        self.bytes = bytes
        self.duration = duration
    }

    public var description: String {
        "\(chain): \(pages) page\(pages == 1 ? "" : "s"), \(attempts) attempt\(attempts == 1 ? "" : "s"), \(bytes) bytes"
    }
}
