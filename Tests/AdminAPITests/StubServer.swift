import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A request as the stub server saw it.
struct RecordedRequest: Sendable {
    let method: String
    let path: String
    /// The raw query string, exactly as sent.
    let rawQuery: String
    /// Header name (lowercased) → values.
    let headers: [String: [String]]
    /// Decoded query items in order.
    let queryItems: [(name: String, value: String)]

    func header(_ name: String) -> String? { headers[name.lowercased()]?.first }

    func values(_ name: String) -> [String] { queryItems.filter { $0.name == name }.map(\.value) }
}

/// What the stub answers.
enum StubReply: Sendable {
    /// A complete response.
    case body(status: Int, String, headers: [(String, String)] = [])
    /// Announces `declaredLength` bytes, sends `partial`, then drops the connection.
    case dropAfter(partial: String, declaredLength: Int)
    /// Waits, then answers (for timeouts).
    case delayed(Duration, status: Int, String)
    /// A 200 with the full `Content-Length`, whose body is sent one byte every `interval`: a
    /// server that is never silent long enough for an idle timeout yet never finishes in time.
    case trickle(String, interval: Duration)

    static func page(_ json: String, headers: [(String, String)] = []) -> StubReply {
        .body(status: 200, json, headers: [("content-type", "application/json"), ("request-id", "req_ok")] + headers)
    }

    static func error(_ status: Int, type: String, message: String, headers: [(String, String)] = []) -> StubReply {
        let body = #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"req_err_\#(status)"}"#
        return .body(status: status, body, headers: [("content-type", "application/json"), ("request-id", "req_err_\(status)")] + headers)
    }
}

/// Records requests; the responder decides from the request and its 0-based arrival number.
actor StubRecorder {
    private(set) var requests: [RecordedRequest] = []

    func record(_ request: RecordedRequest) -> Int {
        requests.append(request)
        return requests.count - 1
    }

    var count: Int { requests.count }
}

private struct DropConnection: Error {}

/// Runs a Hummingbird server on 127.0.0.1, port 0, answering every GET with `respond`, for the
/// duration of `body`, which gets the base URL and the request recorder.
func withStubServer(
    _ respond: @escaping @Sendable (RecordedRequest, Int) async -> StubReply,
    _ body: (String, StubRecorder) async throws -> Void
) async throws {
    let recorder = StubRecorder()
    let router = Router()
    router.get("**") { request, _ -> Response in
        let query = request.uri.query ?? ""
        var headers: [String: [String]] = [:]
        for field in request.headers {
            headers[field.name.canonicalName, default: []].append(field.value)
        }
        let items: [(name: String, value: String)] = query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in s.removingPercentEncoding ?? String(s) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
        let recorded = RecordedRequest(
            method: "\(request.method)", path: request.uri.path, rawQuery: query, headers: headers, queryItems: items)
        let index = await recorder.record(recorded)
        return try await makeResponse(await respond(recorded, index))
    }

    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    var quiet = Logger(label: "stub-server")
    quiet.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: quiet
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw DropConnection() }
        do {
            try await body("http://127.0.0.1:\(port)", recorder)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}

private func makeResponse(_ reply: StubReply) async throws -> Response {
    switch reply {
    case .body(let status, let text, let extra):
        var fields = HTTPFields()
        for (name, value) in extra {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    case .dropAfter(let partial, let declaredLength):
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(
            status: .ok, headers: fields,
            body: ResponseBody(contentLength: declaredLength) { writer in
                try await writer.write(ByteBuffer(string: partial))
                throw DropConnection()
            }
        )
    case .trickle(let text, let interval):
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        let bytes = Array(text.utf8)
        return Response(
            status: .ok, headers: fields,
            body: ResponseBody(contentLength: bytes.count) { writer in
                for byte in bytes {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: interval)
                }
                try await writer.finish(nil)
            }
        )
    case .delayed(let delay, let status, let text):
        try? await Task.sleep(for: delay)
        return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A log handler that keeps every line, to check that no secret is ever logged.
struct CapturingLogHandler: LogHandler {
    final class Store: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [String] = []
        func append(_ line: String) { lock.lock(); storage.append(line); lock.unlock() }
        var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(store: Store) { self.store = store }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.append("\(event.level) \(event.message) \(rendered)")
    }

    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "admin-api-test") { _ in CapturingLogHandler(store: store) }, store)
    }
}
