import CoreValues
import Foundation
import Ledger

/// Small helpers to build ledgers for tests.
enum Fixtures {
    static func page(
        _ body: Data, fetch: Ledger.FetchDescriptor, index: Int = 0, last: Bool = true,
        requestID: String? = "req_test"
    ) -> Ledger.ReceivedPage {
        Ledger.ReceivedPage(
            fetch: fetch, pageIndex: index, isLast: last,
            request: Ledger.Request(path: fetch.stream.path, query: "limit=31&page=\(index)"),
            status: 200, requestID: requestID, body: body)
    }

    static func fetch(_ stream: ReportStream = .cost, day: String = "2025-08-01") -> Ledger.FetchDescriptor {
        let start = Day(day)!
        return Ledger.FetchDescriptor(runID: nil, stream: stream, windowStart: start, windowEnd: start.adding(days: 1))
    }

    /// Deterministic pseudo-random bytes shaped like report JSON.
    static func jsonLike(bytes: Int, seed: UInt64) -> Data {
        var state = seed | 1
        var out = [UInt8]()
        out.reserveCapacity(bytes)
        let alphabet = Array("{\"amount\":\"123.78912\",\"currency\":\"USD\",\"workspace_id\":null,0123456789}".utf8)
        while out.count < bytes {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out.append(alphabet[Int(state % UInt64(alphabet.count))])
        }
        return Data(out)
    }

    /// A ledger of `count` single-page fetches with distinct bodies.
    static func ledger(in dir: URL, count: Int) throws -> (Ledger, [Ledger.Event]) {
        let ledger = try Ledger(directory: dir, create: true)
        var events: [Ledger.Event] = []
        for i in 0..<count {
            let day = Day("2025-08-01")!.adding(days: i).description
            let body = Data("{\"data\":[],\"has_more\":false,\"next_page\":null,\"n\":\(i)}".utf8)
            events.append(try ledger.append(page(body, fetch: fetch(day: day))).event)
        }
        return (ledger, events)
    }
}
