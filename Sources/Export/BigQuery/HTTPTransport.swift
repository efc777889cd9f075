import AsyncHTTPClient
import Foundation
import Logging

/// A plain HTTP exchange, so the BigQuery and token clients are tested without AsyncHTTPClient
/// types in their logic.
struct HTTPRequestSpec: Sendable {
    var method: String
    var url: String
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// Whole-exchange deadline.
    var timeout: Duration = .seconds(60)
}

struct HTTPResponseSpec: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Sends one request. Throws `TransportFailure` when no HTTP answer arrived at all.
protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestSpec) async throws -> HTTPResponseSpec
}

/// No HTTP answer: connection refused, DNS failure, TLS failure, timeout. Carries no request data.
struct TransportFailure: Error, Sendable {
    let summary: String
}

/// The process-wide client for BigQuery and token requests, never shut down (like
/// `HTTPClient.shared`), configured for a scheduled job that must not hang.
///
/// `HTTPClient.shared` retries connection establishment until each request's deadline, which
/// turns a refused connection into a minute-long wait per attempt; here a failed connect fails
/// the attempt at once and `BigQueryRetryPolicy` decides about retrying. Redirects are refused so the
/// `Authorization` header never follows one to another host.
private let exportHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.redirectConfiguration = .disallow
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

/// `HTTPTransport` over AsyncHTTPClient.
struct AsyncHTTPTransport: HTTPTransport {
    /// Responses larger than this are refused rather than buffered (job and query responses are small).
    static let maxResponseBytes = 64 << 20

    func send(_ request: HTTPRequestSpec) async throws -> HTTPResponseSpec {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .init(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            outgoing.body = .bytes(request.body)
        }
        let seconds = request.timeout.components.seconds
        do {
            let response = try await exportHTTPClient.execute(outgoing, timeout: .seconds(max(1, seconds)))
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            return HTTPResponseSpec(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        } catch let error as HTTPClientError {
            throw TransportFailure(summary: Self.describe(error))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportFailure(summary: Self.describe(error))
        }
    }

    /// A short reason without URLs' query strings or headers.
    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("connectTimeout") { return "connect timeout" }
        if text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        if text.contains("remoteConnectionClosed") { return "connection closed by the server" }
        if text.lowercased().contains("dns") || text.contains("getaddrinfo") || text.contains("resolve") {
            return "host name did not resolve"
        }
        if text.lowercased().contains("ssl") || text.lowercased().contains("tls") || text.contains("handshake") {
            return "TLS failure"
        }
        return String(text.prefix(120))
    }
}

extension HTTPTransport {
    /// Sends with retries. Returns the last HTTP response (which may be a retryable status after
    /// the attempts ran out); throws the last `TransportFailure` if no attempt got an answer.
    func send(_ request: HTTPRequestSpec, retry: BigQueryRetryPolicy, logger: Logger, what: String) async throws -> HTTPResponseSpec {
        var attempt = 1
        while true {
            do {
                let response = try await send(request)
                if BigQueryRetryPolicy.isRetryable(response), attempt < retry.maxAttempts {
                    logger.debug(
                        "retrying after HTTP status",
                        metadata: [
                            "http.status": "\(response.status)", "http.what": "\(what)", "http.attempt": "\(attempt)",
                        ])
                } else {
                    return response
                }
            } catch let failure as TransportFailure {
                if attempt >= retry.maxAttempts { throw failure }
                logger.debug(
                    "retrying after network failure",
                    metadata: [
                        "http.what": "\(what)", "http.attempt": "\(attempt)", "http.failure": "\(failure.summary)",
                    ])
            }
            try await Task.sleep(for: retry.delay(afterAttempt: attempt))
            attempt += 1
        }
    }
}

/// Google's JSON error body: `{"error": {"code", "message", "status", "errors": [{reason, message}]}}`.
struct BigQueryErrorBody: Decodable {
    struct Inner: Decodable {
        var code: Int?
        var message: String?
        var status: String?
        var errors: [BigQueryClient.ErrorProto]?
    }

    var error: Inner?

    static func parse(_ response: HTTPResponseSpec) -> Inner? {
        (try? JSONDecoder().decode(BigQueryErrorBody.self, from: Data(response.body)))?.error
    }

    /// The first error's reason (`notFound`, `rateLimitExceeded`, `accessDenied`, …).
    static func reason(_ response: HTTPResponseSpec) -> String? {
        parse(response)?.errors?.first?.reason
    }
}
