import CoreValues
import Hummingbird
import HTTPTypes
import NIOCore

extension RequestHandler {
    /// One request being answered: its sequence number and request id, the fault drawn for it,
    /// and the one way its response is built and logged. Lives for one `respond` call.
    final class Exchange {
        let request: Request
        let state: SimulatorState
        let path: String
        let isAPI: Bool
        /// The request's number among the counted requests (negative for uncounted ones).
        let sequence: Int
        let requestID: String
        /// Set once the fault is drawn; logged with the response.
        var fault: FaultKind?

        init(_ request: Request, state: SimulatorState) {
            self.request = request
            self.state = state
            path = request.uri.path
            isAPI = path.hasPrefix("/v1/")
            sequence = state.countRequest(path: path, isAPI: isAPI)
            var idRng = SplitMix64(
                seed: state.configuration.seed, label: "request-id",
                sequence < 0 ? -state.counters.requests : sequence)
            requestID = Base62.id("req_", &idRng)
        }

        func header(_ name: String) -> String? { request.headers[HTTPField.Name(name)!] }

        func log(_ status: Int) {
            state.record(
                LoggedRequest(
                    sequence: sequence, method: request.method.rawValue, path: path,
                    query: request.uri.query ?? "", status: status, fault: fault, requestID: requestID))
        }

        func finish(
            _ status: Int, _ body: String, contentType: String = "application/json",
            extra: [(String, String)] = [], truncated: Bool = false
        ) -> Response {
            var headers = HTTPFields()
            headers[.contentType] = contentType
            headers[HTTPField.Name("request-id")!] = requestID
            for (k, v) in extra { headers[HTTPField.Name(k)!] = v }
            log(status)
            var buffer = ByteBuffer(string: body)
            // A truncated body keeps valid HTTP framing (Content-Length of what is sent); only the
            // JSON is cut, so the client sees a 200 it cannot decode.
            if truncated { buffer = buffer.getSlice(at: 0, length: max(1, buffer.readableBytes / 2))! }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: buffer))
        }

        func fail(_ e: APIError, extra: [(String, String)] = []) -> Response {
            finish(e.status, e.body(requestID: requestID).serialized(), extra: extra)
        }
    }
}
