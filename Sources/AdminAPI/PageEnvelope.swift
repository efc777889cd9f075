import Foundation

/// The pagination fields of a 2xx page body: the only part of a page the client reads.
///
/// A body is a page when it is a complete JSON object with a boolean `has_more` and a `data`
/// array. Anything else (truncated JSON, an HTML error page behind a 200, a missing `has_more`)
/// is malformed and the request is retried: appending it would put a page in the ledger that
/// cannot say whether the chain is complete.
public struct PageEnvelope: Hashable, Sendable {
    public let hasMore: Bool
    /// `next_page` of the report endpoints; nil when absent or null.
    public let nextPage: String?
    /// `last_id` of the list endpoints; nil when absent or null.
    public let lastID: String?

    public init(hasMore: Bool, nextPage: String? = nil, lastID: String? = nil) {
        self.hasMore = hasMore
        self.nextPage = nextPage
        self.lastID = lastID
    }

    /// Parses the envelope, or returns nil when the body is not a page.
    public static func parse(_ body: some DataProtocol) -> PageEnvelope? {
        let data = body as? Data ?? Data(body)
        return try? JSONDecoder().decode(Decoded.self, from: data).envelope
    }

    /// The cursor the next request needs for a chain of the given style.
    public func cursor(for style: ChainRequest.CursorStyle) -> String? {
        switch style {
        case .page: return nextPage
        case .afterID: return lastID
        }
    }

    private struct Decoded: Decodable {
        let envelope: PageEnvelope

        enum Keys: String, CodingKey {
            case hasMore = "has_more", nextPage = "next_page", lastID = "last_id", data
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            _ = try container.nestedUnkeyedContainer(forKey: .data)
            envelope = PageEnvelope(
                hasMore: try container.decode(Bool.self, forKey: .hasMore),
                nextPage: try container.decodeIfPresent(String.self, forKey: .nextPage),
                lastID: try container.decodeIfPresent(String.self, forKey: .lastID)
            )
        }
    }
}
