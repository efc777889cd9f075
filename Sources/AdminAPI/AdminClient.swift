import AsyncHTTPClient
import CoreValues
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The Admin API client: the I/O edge around `Pagination` and `RetryPolicy`.
///
/// It sends `GET` requests with `x-api-key`, `anthropic-version: 2023-06-01` and a `User-Agent`
/// naming the tool, follows each chain to its end, retries what the policy says to retry, and
/// hands every 2xx page to the caller before asking for the next one, so the caller can append
/// it to the ledger first. Redirects are never followed (they would carry the key elsewhere).
///
/// What it never lets through: a chain longer than `ChainRequest.maxPages`; an attempt longer
/// than its deadline (head and body together); a 2xx body that is not a page of its chain (a
/// bucket outside the window, a Claude Code record of another day: retried like a truncated
/// body); and a 2xx body holding the admin key (the chain fails at once, the page unseen).
///
/// ```swift
/// let budget = RetryBudget()                      // one per sync
/// try await AdminClient.withClient(key: key, configuration: .init(baseURL: baseURL),
///                                  budget: budget, logger: logger) { client in
///     for chain in ChainRequest.chains(for: .cost, days: since..<until) {
///         do {
///             let summary = try await client.fetchChain(chain) { page in
///                 try ledger.append(page)         // before the next request is made
///             }
///             // complete: summary.pages pages, the last said has_more false
///         } catch let error as AdminAPIError where !error.abortsSync {
///             // record chain.window as failed; pages already appended stay
///         }
///     }
/// }
/// ```
public final class AdminClient: Sendable {
    public static let defaultBaseURL = "https://api.anthropic.com"
    /// The `anthropic-version` header every request carries.
    public static let anthropicVersion = "2023-06-01"
    /// Version named in the default `User-Agent`. The CLI may pass its own `userAgent`.
    public static let toolVersion = "0.1.0"
    public static let defaultUserAgent = "claude-ledger/\(toolVersion)"

    public struct Configuration: Sendable {
        /// Scheme, host, optional port and optional path prefix; default `https://api.anthropic.com`.
        public var baseURL: String
        public var userAgent: String
        /// Time to establish a connection.
        public var connectTimeout: Duration
        /// Time per attempt in total, from sending to the body's last byte (cut further to what is
        /// left of the request's time and of the give-up budget), and the longest silence while
        /// reading a body.
        public var requestTimeout: Duration
        /// A 2xx body larger than this fails the request (not retried).
        public var maxBodyBytes: Int
        /// An upper cap on any chain's length, on top of each chain's own bound
        /// (`ChainRequest.maxPages`): a chain longer than either is broken (incomplete).
        public var maxPagesPerChain: Int
        public var retry: RetryPolicy
        public var jitter: Jitter

        public init(
            baseURL: String = AdminClient.defaultBaseURL,
            userAgent: String = AdminClient.defaultUserAgent,
            connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration = .seconds(60),
            maxBodyBytes: Int = 256 << 20,
            maxPagesPerChain: Int = 10_000,
            retry: RetryPolicy = .default,
            jitter: Jitter = .random
        ) {
            self.baseURL = baseURL
            self.userAgent = userAgent
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maxBodyBytes = maxBodyBytes
            self.maxPagesPerChain = maxPagesPerChain
            self.retry = retry
            self.jitter = jitter
        }
    }

    private let key: AdminKey
    public let configuration: Configuration
    private let http: HTTPClient
    /// The shared give-up budget; one per sync.
    public let budget: RetryBudget
    private let logger: Logger
    private let origin: String

    /// A client on an `HTTPClient` the caller owns and shuts down, made with
    /// `httpClientConfiguration(_:)`. Not public on purpose: AsyncHTTPClient keeps custom headers
    /// such as `x-api-key` across a cross-origin redirect, so a client that follows redirects
    /// (`HTTPClient.shared` does) could send the key to another host. `withClient` builds a safe one.
    init(
        key: AdminKey, configuration: Configuration = Configuration(), httpClient: HTTPClient,
        budget: RetryBudget = RetryBudget(), logger: Logger
    ) throws(AdminAPIError) {
        self.key = key
        self.configuration = configuration
        self.http = httpClient
        self.budget = budget
        self.logger = logger
        self.origin = try AdminClient.origin(of: configuration.baseURL)
    }

    /// The `HTTPClient` settings the client expects: no redirects, the configured timeouts, no
    /// decompression (bodies are stored exactly as received).
    public static func httpClientConfiguration(_ configuration: Configuration) -> HTTPClient.Configuration {
        HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeAmount(configuration.connectTimeout), read: timeAmount(configuration.requestTimeout)),
            decompression: .disabled
        )
    }

    /// Runs `body` with a client on its own `HTTPClient` (no redirects, the configured timeouts),
    /// shut down afterwards. Share one `budget` across every fetch of a sync.
    public static func withClient<Result>(
        key: AdminKey, configuration: Configuration = Configuration(), budget: RetryBudget = RetryBudget(),
        logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (AdminClient) async throws -> Result
    ) async throws -> Result {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpClientConfiguration(configuration))
        let result: Result
        do {
            let client = try AdminClient(key: key, configuration: configuration, httpClient: http, budget: budget, logger: logger)
            result = try await body(client)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return result
    }

    // MARK: Chains

    /// Fetches every page of `chain`, calling `onPage` with each 2xx page as it arrives and before
    /// the next request, and returns once a page says `has_more: false`.
    ///
    /// Throws `AdminAPIError` when a page cannot be had or the chain cannot be followed (the pages
    /// already handed over stay handed over; the chain is incomplete), `CancellationError` on
    /// cancellation, and whatever `onPage` throws, unchanged (no further request is made).
    public func fetchChain(
        _ chain: ChainRequest, isolation: isolated (any Actor)? = #isolation,
        onPage: (Page) async throws -> Void
    ) async throws -> ChainSummary {
        let clock = ContinuousClock()
        let start = clock.now
        var pagination = Pagination(chain, maxPages: min(chain.maxPages, configuration.maxPagesPerChain))
        var attempts = 0
        var bytes = 0
        logger.debug("Fetching chain", metadata: chainMetadata(chain))
        while let request = pagination.pendingRequest {
            let page = try await fetchPage(request, of: chain)
            attempts += page.attempts
            bytes += page.body.count
            try await onPage(page)
            let envelope =
                chain.cursorStyle == .page
                ? PageEnvelope(hasMore: page.hasMore, nextPage: page.nextCursor)
                : PageEnvelope(hasMore: page.hasMore, lastID: page.nextCursor)
            switch pagination.receive(envelope) {
            case .next:
                continue
            case .complete(let pages):
                let summary = ChainSummary(
                    chain: chain, pages: pages, attempts: attempts, bytes: bytes, duration: start.duration(to: clock.now))
                var metadata = chainMetadata(chain)
                metadata["chain.pages"] = "\(pages)"
                metadata["chain.attempts"] = "\(attempts)"
                logger.debug("Chain complete", metadata: metadata)
                return summary
            case .broken(let failure):
                let code: AdminAPIError.Code
                switch failure {
                case .missingCursor: code = .missingCursor
                case .repeatedCursor: code = .repeatedCursor
                case .tooManyPages: code = .tooManyPages
                }
                var metadata = chainMetadata(chain)
                metadata["error.code"] = "\(code)"
                logger.info("Chain incomplete", metadata: metadata)
                throw AdminAPIError(
                    code: code, classification: .malformedResponse,
                    stream: chain.stream, window: chain.window, pageIndex: request.index,
                    path: chain.path, query: request.query,
                    status: page.status, requestID: page.requestID,
                    attempts: page.attempts, detail: "pagination broken: \(failure)"
                )
            }
        }
        preconditionFailure("pagination ended without completing or breaking")
    }

    // MARK: Pages

    /// Fetches one page of `chain`, retrying as the policy and the shared budget allow.
    public func fetchPage(_ request: PageRequest, of chain: ChainRequest) async throws -> Page {
        let clock = ContinuousClock()
        let start = clock.now
        let policy = configuration.retry
        var attempt = 0
        var lastFailure: Failure?

        if await budget.isExhausted {
            throw budgetError(request, chain, lastFailure: nil, attempts: 0)
        }
        while true {
            try Task.checkCancellation()
            // Each attempt gets the request timeout, cut to what is left of the request's time
            // and of the shared budget, so neither bound is overrun by a slow attempt. While the
            // API is healthy, no single attempt may outlast the whole budget either: a server
            // trickling bytes must not hold a `--give-up-after 10` sync for the 60 s timeout.
            var allowed = min(
                configuration.requestTimeout, policy.maxRequestDuration - start.duration(to: clock.now),
                await budget.limit)
            var limitedByBudget = false
            if let remaining = await budget.remaining(), remaining < allowed {
                allowed = remaining
                limitedByBudget = true
            }
            guard allowed > .milliseconds(1) else {
                if limitedByBudget {
                    await budget.markSpent()
                    throw budgetError(request, chain, lastFailure: lastFailure, attempts: attempt)
                }
                throw giveUpError(.requestTimeExhausted, request, chain, failure: lastFailure, attempts: attempt)
            }

            attempt += 1
            let attemptStart = clock.now
            logger.debug("Requesting page", metadata: pageMetadata(request, attempt: attempt))
            let result = try await perform(request, timeout: allowed)

            let failure: Failure
            switch try await examine(result, request, chain, attempt: attempt) {
            case .page(let page):
                return page
            case .failure(let failed):
                failure = failed
            }
            lastFailure = failure

            let decision = policy.decide(
                failure.outcome, attempt: attempt, elapsed: start.duration(to: clock.now),
                jitter: configuration.jitter.sample(), now: Date())
            switch decision {
            case .accept:
                preconditionFailure("RetryPolicy accepted a response that is not a page")
            case .giveUp(let reason):
                if failure.signalsUnavailable {
                    await budget.recordUnavailable(attemptStartedAt: attemptStart)
                } else if failure.status != nil {
                    await budget.recordAvailable()
                }
                let error = giveUpError(reason, request, chain, failure: failure, attempts: attempt)
                var metadata = pageMetadata(request, attempt: attempt)
                metadata["error.code"] = "\(error.code)"
                metadata["error.classification"] = "\(error.classification.rawValue)"
                if let status = failure.status { metadata["http.status"] = "\(status)" }
                logger.info("Request failed", metadata: metadata)
                throw error
            case .retry(let delay):
                await budget.recordUnavailable(attemptStartedAt: attemptStart)
                guard await budget.permitRetry(after: delay) else {
                    logger.info("Retry budget exhausted", metadata: pageMetadata(request, attempt: attempt))
                    throw budgetError(request, chain, lastFailure: failure, attempts: attempt)
                }
                var metadata = pageMetadata(request, attempt: attempt)
                metadata["retry.delay_ms"] = "\(Int(delay / .milliseconds(1)))"
                metadata["retry.reason"] = "\(failure.reasonLabel)"
                logger.info("Retrying request", metadata: metadata)
                try await Task.sleep(for: delay)
            }
        }
    }

    /// What one attempt's result comes to: a page to hand on, or a failure for the retry policy.
    /// Throws at once, without a retry, when a 2xx body holds the admin key.
    private func examine(
        _ result: AttemptResult, _ request: PageRequest, _ chain: ChainRequest, attempt: Int
    ) async throws(AdminAPIError) -> Examined {
        switch result {
        case .response(let status, let headers, let body):
            let is2xx = (200..<300).contains(status)
            let requestID = headers.first(name: "request-id")
            if is2xx && key.occurs(in: body) {
                // The server is answering, so this is no outage; but the page must never reach
                // the ledger, and asking again would only send the key to the same echo.
                await budget.recordAvailable()
                logger.info("Page echoed the admin key", metadata: pageMetadata(request, attempt: attempt))
                throw AdminAPIError(
                    code: .keyEchoed, classification: .malformedResponse,
                    stream: request.stream, window: chain.window, pageIndex: request.index,
                    path: request.path, query: request.query, status: status, requestID: requestID,
                    attempts: attempt, detail: "a page echoed the admin key and was not stored"
                )
            }
            let parsed = is2xx ? PageEnvelope.parse(body, for: chain) : .failure(.notAPage)
            let outcome = AttemptOutcome.response(
                status: status, hints: RetryHints(headers: headers), validPage: is2xx && (try? parsed.get()) != nil)
            if is2xx, case .success(let envelope) = parsed {
                // A 2xx page is always accepted (`RetryPolicy.decide` returns `.accept`).
                await budget.recordAvailable()
                var metadata = pageMetadata(request, attempt: attempt)
                metadata["http.status"] = "\(status)"
                metadata["page.bytes"] = "\(body.count)"
                metadata["page.has_more"] = "\(envelope.hasMore)"
                logger.debug("Received page", metadata: metadata)
                return .page(
                    Page(
                        chain: chain, request: request, status: status, requestID: requestID, body: body,
                        hasMore: envelope.hasMore, nextCursor: envelope.cursor(for: chain.cursorStyle),
                        attempts: attempt, receivedAt: Date()
                    ))
            }
            var detail: String?
            if is2xx, case .failure(let violation) = parsed { detail = violation.description }
            return .failure(
                Failure(
                    outcome: outcome, status: status, requestID: requestID,
                    apiError: is2xx ? nil : AdminAPIError.ErrorBody.parse(body, key: key),
                    detail: detail, signalsUnavailable: is2xx || RetryPolicy.isRetryable(status: status)
                ))
        case .bodyTooLarge(let status, let headers):
            return .failure(
                Failure(
                    outcome: .unrecoverableTransport, status: status, requestID: headers.first(name: "request-id"),
                    apiError: nil, detail: "body larger than \(configuration.maxBodyBytes) bytes", signalsUnavailable: false,
                    code: .bodyTooLarge
                ))
        case .transport(let kind, let detail):
            return .failure(
                Failure(
                    outcome: kind, status: nil, requestID: nil, apiError: nil, detail: detail,
                    signalsUnavailable: kind != .unrecoverableTransport))
        }
    }

    private enum Examined {
        case page(Page)
        case failure(Failure)
    }

    // MARK: Internals

    private struct Failure: Sendable {
        var outcome: AttemptOutcome
        var status: Int?
        var requestID: String?
        var apiError: AdminAPIError.ErrorBody?
        var detail: String?
        /// Whether this failure counts against the give-up budget (the API looks unavailable).
        var signalsUnavailable: Bool
        var code: AdminAPIError.Code? = nil

        var reasonLabel: String {
            switch outcome {
            case .response(let status, _, let validPage):
                return (200..<300).contains(status) && !validPage ? "malformed_body" : "http_\(status)"
            case .timedOut: return "timeout"
            case .connectionFailed: return "connection"
            case .unrecoverableTransport: return "transport"
            }
        }

        var classification: AdminAPIError.Classification {
            if code == .bodyTooLarge { return .malformedResponse }
            if let status { return AdminAPIError.classification(forStatus: status) }
            return .transport
        }
    }

    private enum AttemptResult: Sendable {
        case response(status: Int, headers: HTTPHeaders, body: Data)
        case bodyTooLarge(status: Int, headers: HTTPHeaders)
        case transport(AttemptOutcome, detail: String)
    }

    private func giveUpError(
        _ reason: GiveUpReason, _ request: PageRequest, _ chain: ChainRequest, failure: Failure?, attempts: Int
    ) -> AdminAPIError {
        let code: AdminAPIError.Code
        switch reason {
        case .attemptsExhausted: code = .attemptsExhausted
        case .requestTimeExhausted: code = .requestTimeExhausted
        case .notRetryable:
            if let explicit = failure?.code {
                code = explicit
            } else if let status = failure?.status {
                code = (200..<300).contains(status) ? .malformedBody : .httpStatus
            } else {
                code = .transport
            }
        }
        return AdminAPIError(
            code: code, classification: failure?.classification ?? .unavailable,
            stream: request.stream, window: chain.window, pageIndex: request.index,
            path: request.path, query: request.query,
            status: failure?.status, requestID: failure?.requestID, apiError: failure?.apiError,
            attempts: attempts, detail: failure?.detail
        )
    }

    private func budgetError(
        _ request: PageRequest, _ chain: ChainRequest, lastFailure: Failure?, attempts: Int
    ) -> AdminAPIError {
        var detail = "the Admin API has been unavailable for the whole retry budget"
        if let last = lastFailure?.detail { detail += " (last: \(last))" }
        return AdminAPIError(
            code: .budgetExhausted, classification: .unavailable,
            stream: request.stream, window: chain.window, pageIndex: request.index,
            path: request.path, query: request.query,
            status: lastFailure?.status, requestID: lastFailure?.requestID, apiError: lastFailure?.apiError,
            attempts: attempts, detail: detail
        )
    }

    /// One HTTP exchange within `timeout` in total, from sending the request to the body's last
    /// byte. Throws only `CancellationError`; everything else is a result.
    ///
    /// AsyncHTTPClient's deadline covers only the wait for the response head, and its read
    /// timeout only silences: a server that trickles a byte a second would hold the request
    /// forever. So the exchange races a timer, and the loser is cancelled (cancelling the body
    /// stream closes the connection).
    private func perform(_ request: PageRequest, timeout: Duration) async throws -> AttemptResult {
        let deadline = ContinuousClock.now + timeout
        return try await withThrowingTaskGroup(of: AttemptResult?.self) { group in
            group.addTask { try await self.exchange(request, timeout: timeout) }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            if let first = try await group.next(), let result = first {
                return result
            }
            try Task.checkCancellation()
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            return .transport(.timedOut, detail: "no complete response within the request deadline of \(seconds) s")
        }
    }

    /// The HTTP exchange itself: the head within `timeout`, then the body.
    private func exchange(_ request: PageRequest, timeout: Duration) async throws -> AttemptResult {
        var http = HTTPClientRequest(url: origin + request.target)
        http.method = HTTPMethod(rawValue: request.method)
        http.headers.add(name: "x-api-key", value: key.secret)
        http.headers.add(name: "anthropic-version", value: AdminClient.anthropicVersion)
        http.headers.add(name: "user-agent", value: configuration.userAgent)
        http.headers.add(name: "accept", value: "application/json")
        for header in request.headers {
            http.headers.add(name: header.name, value: header.value)
        }

        let response: HTTPClientResponse
        do {
            response = try await self.http.execute(http, timeout: AdminClient.timeAmount(timeout), logger: nil)
        } catch {
            return try transportResult(error)
        }
        let status = Int(response.status.code)
        let is2xx = (200..<300).contains(status)
        do {
            let buffer = try await response.body.collect(upTo: is2xx ? configuration.maxBodyBytes : 64 << 10)
            return .response(status: status, headers: response.headers, body: Data(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            if is2xx { return .bodyTooLarge(status: status, headers: response.headers) }
            return .response(status: status, headers: response.headers, body: Data())
        } catch {
            // A 2xx cut short is a dropped connection (retried); an error status cut short is
            // still that status.
            if is2xx || Task.isCancelled { return try transportResult(error) }
            return .response(status: status, headers: response.headers, body: Data())
        }
    }

    private func transportResult(_ error: any Error) throws -> AttemptResult {
        if error is CancellationError || Task.isCancelled { throw CancellationError() }
        let detail = String(Redaction.scrub(String(describing: error), key: key).prefix(200))
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .writeTimeout, .connectTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return .transport(.timedOut, detail: detail)
            case .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown, .missingSocketPath, .shutdownUnsupported:
                return .transport(.unrecoverableTransport, detail: detail)
            default:
                return .transport(.connectionFailed, detail: detail)
            }
        }
        return .transport(.connectionFailed, detail: detail)
    }

    private func chainMetadata(_ chain: ChainRequest) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["page.stream": "\(chain.stream)"]
        if let window = chain.window {
            metadata["chain.start"] = "\(window.lowerBound)"
            metadata["chain.end"] = "\(window.upperBound)"
        }
        return metadata
    }

    private func pageMetadata(_ request: PageRequest, attempt: Int) -> Logger.Metadata {
        ["page.stream": "\(request.stream)", "page.index": "\(request.index)", "retry.attempt": "\(attempt)"]
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let c = duration.components
        let nanos = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanos.overflow else { return .nanoseconds(Int64.max) }
        return .nanoseconds(nanos.partialValue + c.attoseconds / 1_000_000_000)
    }

    /// Validates the base URL and drops trailing slashes.
    static func origin(of baseURL: String) throws(AdminAPIError) -> String {
        var text = baseURL.trimmingASCIIWhitespace()
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil, url.user == nil, url.password == nil
        else {
            throw AdminAPIError(
                code: .invalidBaseURL, classification: .configuration,
                detail: "the base URL must look like http(s)://host[:port][/prefix], without credentials or query"
            )
        }
        return text
    }
}
