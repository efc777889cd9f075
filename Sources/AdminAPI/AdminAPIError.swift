import CoreValues
import Foundation

/// The one error the Admin API client throws (besides `CancellationError` and whatever a page
/// callback throws, which pass through unchanged).
///
/// It carries where it happened (stream, page, path), what the API said (status, `request-id`, the
/// fields of its JSON error body) and a `classification` the CLI maps to an exit code in one place.
/// By construction it never holds the admin key, a header or a page body: error text from the API
/// or the transport is scrubbed of the key and of anything key-shaped.
public struct AdminAPIError: ClassifiedError, Sendable {
    /// The broad kind of failure, which decides what a sync does next.
    public enum Classification: String, Sendable, Hashable {
        /// 401 or 403: the key is wrong or lacks permission. Fatal for the whole sync.
        case authentication
        /// Another 4xx that retrying cannot fix (400, 404, …): this window fails.
        case invalidRequest
        /// 408, 409, 429 or 5xx until retries ran out, or the sync's give-up budget is spent.
        case unavailable
        /// Network failures (timeouts, refused or dropped connections) until retries ran out.
        case transport
        /// 2xx bodies that are not pages, or a chain whose cursors cannot be followed.
        case malformedResponse
        /// The client was set up wrongly (a base URL that is not http(s)).
        case configuration
    }

    /// The specific failure, comparable in tests and in the orchestrator.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case httpStatus, attemptsExhausted, requestTimeExhausted, budgetExhausted
            case transport, malformedBody, bodyTooLarge
            case missingCursor, repeatedCursor, tooManyPages, invalidBaseURL, keyEchoed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A status that is not retried (or `x-should-retry: false`), with the API's error body.
        public static let httpStatus = Code(.httpStatus)
        /// Every attempt failed with a retryable problem.
        public static let attemptsExhausted = Code(.attemptsExhausted)
        /// The request's time ran out before another attempt could be made.
        public static let requestTimeExhausted = Code(.requestTimeExhausted)
        /// The shared `RetryBudget` is spent: the API has been unavailable too long. Aborts the sync.
        public static let budgetExhausted = Code(.budgetExhausted)
        /// A transport failure that retrying cannot fix.
        public static let transport = Code(.transport)
        /// A 2xx body that is not a page, for which no retry was allowed.
        public static let malformedBody = Code(.malformedBody)
        /// A response body larger than the configured maximum.
        public static let bodyTooLarge = Code(.bodyTooLarge)
        /// A page said `has_more: true` with no cursor; the chain is incomplete.
        public static let missingCursor = Code(.missingCursor)
        /// A page handed back a cursor already followed; the chain is incomplete.
        public static let repeatedCursor = Code(.repeatedCursor)
        /// The chain exceeded the page limit; it is incomplete.
        public static let tooManyPages = Code(.tooManyPages)
        /// The configured base URL is unusable.
        public static let invalidBaseURL = Code(.invalidBaseURL)
        /// A 2xx body held the admin key's exact bytes; the page was not handed on (never stored).
        public static let keyEchoed = Code(.keyEchoed)

        public var description: String { base.rawValue }
    }

    /// The fields of the API's JSON error body (reference §1.3). The message is scrubbed of
    /// credentials and shortened; it is for people, not for matching.
    public struct ErrorBody: Sendable, Hashable {
        /// Top-level `type` (`"error"`).
        public let type: String?
        /// `error.type`, e.g. `invalid_request_error`, `authentication_error`, `rate_limit_error`.
        public let errorType: String?
        /// `error.message`.
        public let message: String?
        /// Top-level `request_id`.
        public let requestID: String?

        public init(type: String?, errorType: String?, message: String?, requestID: String?) {
            self.type = type
            self.errorType = errorType
            self.message = message
            self.requestID = requestID
        }

        static let maxMessageLength = 500

        /// Reads an error body; nil when it is not the documented JSON shape.
        static func parse(_ body: Data, key: AdminKey?) -> ErrorBody? {
            struct Wire: Decodable {
                struct Inner: Decodable {
                    let type: String?
                    let message: String?
                }
                let type: String?
                let error: Inner?
                let request_id: String?
            }
            guard let wire = try? JSONDecoder().decode(Wire.self, from: body),
                wire.type != nil || wire.error != nil
            else { return nil }
            func clean(_ s: String?, limit: Int = 200) -> String? {
                guard let s else { return nil }
                let scrubbed = Redaction.scrub(s, key: key)
                return scrubbed.count > limit ? String(scrubbed.prefix(limit)) + "…" : scrubbed
            }
            return ErrorBody(
                type: clean(wire.type),
                errorType: clean(wire.error?.type),
                message: clean(wire.error?.message, limit: maxMessageLength),
                requestID: clean(wire.request_id)
            )
        }
    }

    public let code: Code
    public let classification: Classification
    /// The stream being fetched, when known.
    public let stream: ReportStream?
    /// The days the failing chain covers (nil for the name lists): the window a sync records as failed.
    public let window: Range<Day>?
    /// The 0-based page of the chain that failed, when known.
    public let pageIndex: Int?
    /// The request path (no host).
    public let path: String?
    /// The failing request's canonical query string (parameters and cursor; never credentials).
    public let query: String?
    /// The last HTTP status seen, if any response arrived.
    public let status: Int?
    /// The `request-id` response header, or the body's `request_id`.
    public let requestID: String?
    /// The API's error body, when it sent the documented JSON shape.
    public let apiError: ErrorBody?
    /// Attempts made for the failing request.
    public let attempts: Int
    /// Further safe detail: the transport failure, the pagination problem. Never a body.
    public let detail: String?

    init(
        code: Code, classification: Classification, stream: ReportStream? = nil, window: Range<Day>? = nil,
        pageIndex: Int? = nil,
        path: String? = nil, query: String? = nil, status: Int? = nil, requestID: String? = nil, apiError: ErrorBody? = nil,
        attempts: Int = 0, detail: String? = nil
    ) {
        self.code = code
        self.classification = classification
        self.stream = stream
        self.window = window
        self.pageIndex = pageIndex
        self.path = path
        self.query = query
        self.status = status
        self.requestID = requestID ?? apiError?.requestID
        self.apiError = apiError
        self.attempts = attempts
        self.detail = detail
    }

    /// True when the whole sync should stop, not just this window: the key is rejected, or the
    /// API has been unavailable for the whole give-up budget.
    public var abortsSync: Bool {
        classification == .authentication || code == .budgetExhausted
    }

    /// True when the request was retried until attempts, time or budget ran out.
    public var isRetriesExhausted: Bool {
        code == .attemptsExhausted || code == .requestTimeExhausted || code == .budgetExhausted
    }

    /// A client set up wrongly is bad input; everything else is the API failing (exit 3).
    public var failureClass: FailureClass {
        classification == .configuration ? .badInput : .remoteFailure
    }

    /// The classification a final HTTP status gets.
    static func classification(forStatus status: Int) -> Classification {
        switch status {
        case 401, 403: return .authentication
        case 200..<300: return .malformedResponse
        case 408, 409, 429, 500...: return .unavailable
        default: return .invalidRequest
        }
    }

    /// What a user can do about it, for the CLI's one-line message.
    public var suggestion: String {
        switch classification {
        case .authentication:
            return "check that ANTHROPIC_ADMIN_KEY (or --admin-key-file) holds an organization Admin API key"
        case .invalidRequest:
            return "check the requested dates and streams"
        case .unavailable, .transport:
            return "try again later; the next sync fetches the failed window again"
        case .malformedResponse:
            return "try again later; if it persists, report the request id"
        case .configuration:
            return "check --base-url (or ANTHROPIC_ADMIN_BASE_URL)"
        }
    }

    /// One line, e.g. `admin API cost_report page 0: HTTP 529 overloaded_error: Overloaded; gave up
    /// after 8 attempts; request id req_… [unavailable]`.
    public var description: String {
        var head = "admin API"
        if let stream { head += " \(stream)" }
        if let window { head += " \(window.lowerBound)..<\(window.upperBound)" }
        if let pageIndex { head += " page \(pageIndex)" }
        var parts: [String] = []
        var what: [String] = []
        if let status { what.append("HTTP \(status)") }
        if let errorType = apiError?.errorType { what.append(errorType + (apiError?.message == nil ? "" : ":")) }
        if let message = apiError?.message { what.append(message) }
        if !what.isEmpty { parts.append(what.joined(separator: " ")) }
        if let detail { parts.append(detail) }
        let plural = attempts == 1 ? "" : "s"
        switch code {
        case .attemptsExhausted: parts.append("gave up after \(attempts) attempt\(plural)")
        case .requestTimeExhausted: parts.append("gave up after \(attempts) attempt\(plural) (time limit per request)")
        case .budgetExhausted: parts.append("gave up after \(attempts) attempt\(plural) (retry budget spent)")
        default:
            if attempts > 0 { parts.append("\(attempts) attempt\(plural)") }
            if parts.isEmpty { parts.append("\(code)") }
        }
        if let requestID { parts.append("request id \(requestID)") }
        return head + ": " + parts.joined(separator: "; ") + " [\(classification.rawValue)]"
    }
}
