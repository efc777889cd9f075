import CoreValues
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

    /// Why a 2xx body is not a page of the chain that asked for it. The description names the
    /// problem and, at most, a day the client formatted itself: never body text.
    public enum Violation: Error, Sendable, Hashable, CustomStringConvertible {
        /// Not a complete JSON object with a boolean `has_more` and a `data` array.
        case notAPage
        /// A cost or usage bucket whose `starting_at` is before the window or at/after its end
        /// (`day` is its UTC day), or is missing or not a UTC timestamp (`day` nil).
        case bucketOutsideWindow(day: Day?)
        /// A Claude Code record whose `date` is not the requested day (`day` is its day), or is
        /// missing or unreadable (`day` nil).
        case recordOutsideDay(day: Day?)
        /// The organization endpoint's answer is not an object with a non-empty string `id`.
        case notAnOrganization

        public var description: String {
            switch self {
            case .notAPage:
                return "2xx body is not a complete page"
            case .bucketOutsideWindow(let day?):
                return "2xx page has a bucket starting \(day), outside the requested window"
            case .bucketOutsideWindow(nil):
                return "2xx page has a bucket without a UTC starting_at"
            case .recordOutsideDay(let day?):
                return "2xx page has a Claude Code record dated \(day), not the requested day"
            case .recordOutsideDay(nil):
                return "2xx page has a Claude Code record without a readable date"
            case .notAnOrganization:
                return "2xx body is not an organization object with an id"
            }
        }
    }

    /// Parses the envelope of a page of `chain` and checks that the page belongs to the chain:
    /// every cost and usage bucket starts inside the window, every Claude Code record is dated
    /// the requested day, and the organization is one object with an `id` (its one page has no
    /// `has_more`; it is read as `false`).
    ///
    /// The check rides on the one JSON parse the envelope needs anyway and reads a single field
    /// per bucket or record, so it stays cheap on pages of many megabytes.
    public static func parse(_ body: Data, for chain: ChainRequest) -> Result<PageEnvelope, Violation> {
        switch chain.stream {
        case .organization:
            return Organization.parse(body) == nil ? .failure(.notAnOrganization) : .success(PageEnvelope(hasMore: false))
        case .cost, .usage:
            guard let window = chain.window else { break }
            guard let decoded = try? JSONDecoder().decode(DecodedItems<Bucket>.self, from: body) else {
                return .failure(.notAPage)
            }
            for bucket in decoded.items {
                let day = bucket.startingAt.flatMap(PageEnvelope.utcDay(ofTimestamp:))
                guard let day, window.contains(day) else { return .failure(.bucketOutsideWindow(day: day)) }
            }
            return .success(decoded.envelope)
        case .claudeCode:
            guard let window = chain.window else { break }
            guard let decoded = try? JSONDecoder().decode(DecodedItems<Record>.self, from: body) else {
                return .failure(.notAPage)
            }
            for record in decoded.items {
                let day = record.date.flatMap { Day(midnightTimestamp: $0) }
                guard let day, window.contains(day) else { return .failure(.recordOutsideDay(day: day)) }
            }
            return .success(decoded.envelope)
        case .analyticsCost, .analyticsUsage:
            guard let window = chain.window else { break }
            return parseAnalytics(body, window: window)
        case .apiKeys, .workspaces:
            break
        }
        guard let envelope = parse(body) else { return .failure(.notAPage) }
        return .success(envelope)
    }

    /// An analytics page: every row's `starting_at` inside the window (rows are flat, one per
    /// bucket and combination). `has_more` is `bool|null` in the SDK's page type
    /// (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api); null is read as the SDK reads it: more pages while `next_page` is
    /// non-empty. The key itself must be there, as on every other page.
    static func parseAnalytics(_ body: Data, window: Range<Day>) -> Result<PageEnvelope, Violation> {
        guard let decoded = try? JSONDecoder().decode(AnalyticsItems.self, from: body) else { return .failure(.notAPage) }
        for row in decoded.items {
            let day = row.startingAt.flatMap(PageEnvelope.utcDay(ofTimestamp:))
            guard let day, window.contains(day) else { return .failure(.bucketOutsideWindow(day: day)) }
        }
        return .success(decoded.envelope)
    }

    /// The UTC day of an RFC 3339 timestamp `YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00)`, the form the
    /// report endpoints use for `starting_at`; nil for any other form (a local offset included,
    /// which the projections would reject too).
    static func utcDay(ofTimestamp text: String) -> Day? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            [11, 12, 14, 15, 17, 18].allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 })
        else { return nil }
        let last = bytes[bytes.count - 1]
        let utc =
            last == UInt8(ascii: "Z") || last == UInt8(ascii: "z")
            || text.hasSuffix("+00:00") || text.hasSuffix("-00:00")
        guard utc else { return nil }
        return Day(String(decoding: bytes[0..<10], as: UTF8.self))
    }

    /// The cursor the next request needs for a chain of the given style.
    public func cursor(for style: ChainRequest.CursorStyle) -> String? {
        switch style {
        case .page: return nextPage
        case .afterID: return lastID
        }
    }

    private enum Keys: String, CodingKey {
        case hasMore = "has_more", nextPage = "next_page", lastID = "last_id", data
    }

    private init(_ container: KeyedDecodingContainer<Keys>) throws {
        self.init(
            hasMore: try container.decode(Bool.self, forKey: .hasMore),
            nextPage: try container.decodeIfPresent(String.self, forKey: .nextPage),
            lastID: try container.decodeIfPresent(String.self, forKey: .lastID)
        )
    }

    private struct Decoded: Decodable {
        let envelope: PageEnvelope

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            _ = try container.nestedUnkeyedContainer(forKey: .data)
            envelope = try PageEnvelope(container)
        }
    }

    /// The envelope and one small field of every element of `data`.
    private struct DecodedItems<Item: Decodable>: Decodable {
        let envelope: PageEnvelope
        let items: [Item]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            items = try container.decode([Item].self, forKey: .data)
            envelope = try PageEnvelope(container)
        }
    }

    /// An analytics page: the envelope with a nullable `has_more`, and each row's `starting_at`.
    private struct AnalyticsItems: Decodable {
        let envelope: PageEnvelope
        let items: [Bucket]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            items = try container.decode([Bucket].self, forKey: .data)
            let nextPage = try container.decodeIfPresent(String.self, forKey: .nextPage)
            let hasMore =
                try container.decodeNil(forKey: .hasMore)
                ? !(nextPage ?? "").isEmpty : try container.decode(Bool.self, forKey: .hasMore)
            envelope = PageEnvelope(hasMore: hasMore, nextPage: nextPage)
        }
    }

    /// A cost or usage bucket (or an analytics row), as far as the window check reads it.
    private struct Bucket: Decodable {
        let startingAt: String?
        enum CodingKeys: String, CodingKey { case startingAt = "starting_at" }
    }

    /// A Claude Code record, as far as the day check reads it.
    private struct Record: Decodable {
        let date: String?
    }
}
