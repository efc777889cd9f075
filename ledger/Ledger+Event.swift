import CoreValues
import Crypto
import Foundation

extension Ledger {
    /// The HTTP request that produced a page, without credentials or headers.
    public struct Request: Sendable, Hashable {
        public var method: String
        public var path: String
        /// The query string with parameters sorted by name then value (`a=1&b=2`), percent-encoded.
        public var query: String

        public init(method: String = "GET", path: String, query: String) {
            self.method = method
            self.path = path
            self.query = query
        }
    }

    /// One pagination chain as the caller describes it when appending its pages.
    public struct FetchDescriptor: Sendable, Hashable {
        public var fetchID: String
        public var runID: String?
        public var stream: ReportStream
        /// The UTC days the chain asked for, `[windowStart, windowEnd)`; nil for name lists.
        public var windowStart: Day?
        public var windowEnd: Day?

        public init(
            fetchID: String = Ledger.newID(prefix: "fch"), runID: String?, stream: ReportStream,
            windowStart: Day?, windowEnd: Day?
        ) {
            self.fetchID = fetchID
            self.runID = runID
            self.stream = stream
            self.windowStart = windowStart
            self.windowEnd = windowEnd
        }
    }

    /// A page as received, to append: the body exactly as it arrived and where it came from.
    public struct ReceivedPage: Sendable {
        public var fetch: FetchDescriptor
        public var pageIndex: Int
        /// True when the page said `has_more: false`: the chain is complete once this page is in.
        public var isLast: Bool
        public var request: Request
        public var status: Int
        public var requestID: String?
        public var fetchedAt: Date
        public var body: Data
        /// Retries spent on this page; recorded with the fetch's end.
        public var attempts: Int

        public init(
            fetch: FetchDescriptor, pageIndex: Int, isLast: Bool, request: Request, status: Int,
            requestID: String?, fetchedAt: Date = Date(), body: Data, attempts: Int = 1
        ) {
            self.fetch = fetch
            self.pageIndex = pageIndex
            self.isLast = isLast
            self.request = request
            self.status = status
            self.requestID = requestID
            self.fetchedAt = fetchedAt
            self.body = body
            self.attempts = attempts
        }
    }

    /// An event's header: everything recorded about a page except its body.
    public struct Event: Sendable, Hashable {
        public var seq: Int64
        public var eventID: String
        /// The stream's raw name; `ReportStream(rawValue:)` reads it.
        public var streamName: String
        public var fetchID: String
        public var pageIndex: Int
        public var isLast: Bool
        public var windowStart: Day?
        public var windowEnd: Day?
        public var request: Request
        public var status: Int
        public var requestID: String?
        /// RFC 3339 UTC with milliseconds, as stored.
        public var fetchedAt: String
        public var contentHash: Data
        public var rawLength: Int
        public var chainHash: Data

        public var stream: ReportStream? { ReportStream(rawValue: streamName) }
        public var contentHashHex: String { contentHash.hexString }
        public var chainHashHex: String { chainHash.hexString }

        /// The canonical header bytes the chain hash covers. Documented in ledger/FORMAT.md:
        /// the tag `claude-ledger/event/v1` then each field as a netstring `<len>:<utf8>,`, with
        /// a missing value written as `-,`.
        public var canonicalHeader: Data {
            var out = Data("claude-ledger/event/v1".utf8)
            func field(_ value: String?) {
                guard let value else {
                    out.append(contentsOf: Array("-,".utf8))
                    return
                }
                let bytes = Array(value.utf8)
                out.append(contentsOf: Array("\(bytes.count):".utf8))
                out.append(contentsOf: bytes)
                out.append(UInt8(ascii: ","))
            }
            field(String(seq))
            field(eventID)
            field(streamName)
            field(fetchID)
            field(String(pageIndex))
            field(isLast ? "1" : "0")
            field(windowStart?.description)
            field(windowEnd?.description)
            field(request.method)
            field(request.path)
            field(request.query)
            field(String(status))
            field(requestID)
            field(fetchedAt)
            field(String(rawLength))
            return out
        }

        /// `SHA-256(previous chain hash ‖ canonical header ‖ content hash)`.
        public func computeChainHash(previous: Data) -> Data {
            var hasher = SHA256()
            hasher.update(data: previous)
            hasher.update(data: canonicalHeader)
            hasher.update(data: contentHash)
            return Data(hasher.finalize())
        }
    }

    /// What the chain starts from: 32 zero bytes.
    public static let genesisChainHash = Data(repeating: 0, count: 32)

    /// A random identifier with a readable prefix: `evt_`, `fch_`, `run_` and 24 hex digits.
    public static func newID(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var hex = ""
        for _ in 0..<12 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            hex += String(byte, radix: 16).leftPadded(to: 2)
        }
        return prefix + "_" + hex
    }

    static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let day = Day(daysSinceEpoch: Int(millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000))
        let within = millis - Int64(day.daysSinceEpoch) * 86_400_000
        let h = within / 3_600_000, m = within / 60_000 % 60, s = within / 1000 % 60, ms = within % 1000
        return "\(day)T\(String(h).leftPadded(to: 2)):\(String(m).leftPadded(to: 2)):"
            + "\(String(s).leftPadded(to: 2)).\(String(ms).leftPadded(to: 3))Z"
    }
}

extension Data {
    /// Lowercase hexadecimal.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
