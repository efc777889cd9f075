import CLZ4
import CoreValues
import Crypto
import Foundation
import GRDB

extension Ledger {
    static let eventColumns = """
        seq, event_id, stream, fetch_id, page_index, is_last, window_start, window_end, method, path, query,
        status, request_id, fetched_at, content_hash, raw_length, chain_hash
        """

    static func event(from row: Row) -> Event {
        let start: String? = row["window_start"]
        let end: String? = row["window_end"]
        return Event(
            seq: row["seq"], eventID: row["event_id"], streamName: row["stream"], fetchID: row["fetch_id"],
            pageIndex: row["page_index"], isLast: (row["is_last"] as Int) == 1,
            windowStart: start.flatMap { Day($0) }, windowEnd: end.flatMap { Day($0) },
            request: Request(method: row["method"], path: row["path"], query: row["query"]),
            status: row["status"], requestID: row["request_id"], fetchedAt: row["fetched_at"],
            contentHash: row["content_hash"], rawLength: row["raw_length"], chainHash: row["chain_hash"])
    }

    /// The event with this id, or nil.
    public func event(id: String) throws -> Event? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE event_id = ?", arguments: [id])
                .map(Ledger.event(from:))
        }
    }

    /// The event at this sequence number, or nil.
    public func event(seq: Int64) throws -> Event? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE seq = ?", arguments: [seq])
                .map(Ledger.event(from:))
        }
    }

    /// The oldest (`newest: false`) or newest event of a stream, or nil when it has none.
    public func edgeEvent(stream: ReportStream, newest: Bool) throws -> Event? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE stream = ? ORDER BY seq \(newest ? "DESC" : "ASC") LIMIT 1",
                arguments: [stream.rawValue]
            ).map(Ledger.event(from:))
        }
    }

    /// The pages of one fetch, in page order.
    public func events(fetchID: String) throws -> [Event] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE fetch_id = ? ORDER BY page_index",
                arguments: [fetchID]
            ).map(Ledger.event(from:))
        }
    }

    /// Calls `body` for every event in sequence order (optionally one stream, optionally after a
    /// sequence number) through a database cursor: memory stays flat however long the ledger is.
    public func forEachEvent(
        stream: ReportStream? = nil, afterSeq: Int64 = 0,
        _ body: (Event) throws -> Void
    ) throws {
        try read { db in
            let cursor: RowCursor
            if let stream {
                cursor = try Row.fetchCursor(
                    db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE stream = ? AND seq > ? ORDER BY seq",
                    arguments: [stream.rawValue, afterSeq])
            } else {
                cursor = try Row.fetchCursor(
                    db, sql: "SELECT \(Ledger.eventColumns) FROM events WHERE seq > ? ORDER BY seq",
                    arguments: [afterSeq])
            }
            while let row = try cursor.next() {
                try body(Ledger.event(from: row))
            }
        }
    }

    /// The page body exactly as received, after checking its LZ4 frame, length and SHA-256.
    public func body(of event: Event) throws -> Data {
        try body(of: event, buffers: BodyBuffers(keep: 0))
    }

    /// `body(of:)` into memory from `buffers`: the frame is decompressed straight from SQLite's
    /// copy of the blob, and the returned bytes go back to `buffers` when the last copy of the
    /// `Data` is released. Same checks, same errors.
    public func body(of event: Event, buffers: BodyBuffers) throws -> Data {
        func corrupt(_ what: String) -> LedgerError {
            LedgerError(.corruptBody, "event \(event.eventID) (seq \(event.seq)): \(what)", eventID: event.eventID)
        }
        return try read { db in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT raw_length, body FROM blobs WHERE content_hash = ?", arguments: [event.contentHash])
            guard let row = try cursor.next() else {
                throw corrupt("its body \(event.contentHashHex) is missing from the ledger")
            }
            let rawLength: Int = row["raw_length"]
            let buffer = try row.withUnsafeData(atIndex: 1) { frame in
                let frame = frame ?? Data()
                do {
                    try LZ4Frame.checkLength(rawLength, frameBytes: frame.count)
                } catch {
                    throw corrupt("stored body is damaged: \(error)")
                }
                // One spare byte lets a frame that holds more content than recorded be detected.
                let buffer = buffers.take(atLeast: rawLength + 1)
                var fault: UnpackFault?
                do {
                    let context = try buffers.takeContext()
                    defer { buffers.give(context: context) }
                    fault = frame.withUnsafeBytes { raw in
                        event.contentHash.withUnsafeBytes { hash in
                            Ledger.unpack(raw, into: buffer, expectedLength: rawLength, contentHash: hash, context: context)
                        }
                    }
                } catch {
                    fault = .damaged("\(error)")
                }
                switch fault {
                case nil: return buffer
                case .damaged(let why):
                    buffers.give(buffer)
                    throw corrupt("stored body is damaged: \(why)")
                case .hashMismatch:
                    buffers.give(buffer)
                    throw corrupt("body does not match its SHA-256")
                }
            }
            return Data(
                bytesNoCopy: buffer.baseAddress!, count: rawLength,
                deallocator: .custom { _, _ in buffers.give(buffer) })
        }
    }

    /// What is wrong with a stored body.
    enum UnpackFault: Equatable {
        /// The LZ4 frame is invalid or does not hold exactly the recorded length.
        case damaged(String)
        case hashMismatch
    }

    /// The one check of a stored body, for every reader and `verify`: decompresses `frame` into
    /// `output` (at least `expectedLength + 1` bytes, see `LZ4Frame.checkLength`) with a fresh or
    /// reset `context`, and checks the bytes' SHA-256 against `contentHash`. nil when all is well.
    static func unpack(
        _ frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, expectedLength: Int,
        contentHash: UnsafeRawBufferPointer, context: OpaquePointer
    ) -> UnpackFault? {
        let produced: Int
        do {
            produced = try LZ4Frame.decompress(frame, into: output, expectedLength: expectedLength, context: context)
        } catch {
            return .damaged("\(error)")
        }
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(rebasing: output[0..<produced]))
        return digest.withUnsafeBytes { $0.elementsEqual(contentHash) } ? nil : .hashMismatch
    }

    /// One pagination chain as the chained event headers describe it.
    public struct FetchSummary: Sendable, Hashable {
        public var fetchID: String
        public var streamName: String
        public var windowStart: Day?
        public var windowEnd: Day?
        public var pageCount: Int
        public var firstSeq: Int64
        public var lastSeq: Int64
        /// Pages 0…n-1 are all present and page n-1 said `has_more: false`.
        public var isComplete: Bool
        /// The UTC day of the chain's earliest page (`fetched_at`): the days of the window before
        /// it had ended when they were fetched; later days had not, so they are not final.
        public var firstFetchedDay: Day?
    }

    /// Every fetch of a stream that has at least one page, oldest last page first. Completeness
    /// is derived from the chained event headers alone, so it cannot be faked by editing
    /// bookkeeping tables without `verify` noticing.
    public func fetchSummaries(stream: ReportStream) throws -> [FetchSummary] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT fetch_id, MIN(window_start) AS ws, MAX(window_end) AS we, COUNT(*) AS pages,
                           MIN(page_index) AS min_page, MAX(page_index) AS max_page,
                           MAX(CASE WHEN is_last = 1 THEN page_index END) AS last_page, SUM(is_last) AS lasts,
                           MIN(seq) AS first_seq, MAX(seq) AS last_seq, MIN(fetched_at) AS first_fetched
                    FROM events WHERE stream = ? GROUP BY fetch_id ORDER BY last_seq
                    """, arguments: [stream.rawValue]
            ).map { row in
                let pages: Int = row["pages"]
                let maxPage: Int = row["max_page"]
                let lastPage: Int? = row["last_page"]
                let complete =
                    (row["min_page"] as Int) == 0 && maxPage == pages - 1 && lastPage == maxPage
                    && (row["lasts"] as Int) == 1
                let ws: String? = row["ws"]
                let we: String? = row["we"]
                let fetched: String? = row["first_fetched"]
                return FetchSummary(
                    fetchID: row["fetch_id"], streamName: stream.rawValue,
                    windowStart: ws.flatMap { Day($0) }, windowEnd: we.flatMap { Day($0) },
                    pageCount: pages, firstSeq: row["first_seq"], lastSeq: row["last_seq"],
                    isComplete: complete, firstFetchedDay: fetched.flatMap { Day($0.prefix(10)) })
            }
        }
    }

    /// A fetch the sync recorded as failed (it may have some pages, or none).
    public struct FailedFetch: Sendable, Hashable {
        public var fetchID: String
        public var streamName: String
        public var windowStart: Day?
        public var windowEnd: Day?
        public var endedAt: String
        public var pages: Int
        public var error: String?
    }

    public func failedFetches(stream: ReportStream? = nil) throws -> [FailedFetch] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT f.fetch_id, f.stream, f.window_start, f.window_end, e.ended_at, e.pages, e.error
                    FROM fetch_ends e JOIN fetches f USING (fetch_id)
                    WHERE e.status = 'failed' AND (? IS NULL OR f.stream = ?)
                    ORDER BY e.ended_at
                    """, arguments: [stream?.rawValue, stream?.rawValue]
            ).map { row in
                let ws: String? = row["window_start"]
                let we: String? = row["window_end"]
                return FailedFetch(
                    fetchID: row["fetch_id"], streamName: row["stream"],
                    windowStart: ws.flatMap { Day($0) }, windowEnd: we.flatMap { Day($0) },
                    endedAt: row["ended_at"], pages: row["pages"], error: row["error"])
            }
        }
    }

    public struct Stats: Sendable, Equatable {
        public var events: Int
        public var blobs: Int
        public var rawBytes: Int64
        public var storedBytes: Int64
        public var lastSeq: Int64
    }

    public func stats() throws -> Stats {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COALESCE(MAX(seq), 0) FROM events) AS last_seq,
                           COUNT(*) AS blobs, COALESCE(SUM(raw_length), 0) AS raw, COALESCE(SUM(length(body)), 0) AS stored
                    FROM blobs
                    """)!
            return Stats(
                events: row["events"], blobs: row["blobs"], rawBytes: row["raw"],
                storedBytes: row["stored"], lastSeq: row["last_seq"])
        }
    }
}

extension Ledger {
    /// Which UTC days of a report stream the ledger holds, from the chained fetch summaries and the
    /// failure records: the one reading `sync` plans from and `audit` checks completeness with.
    public struct Coverage: Sendable, Equatable {
        /// Days some complete fetch covers.
        public var covered: Set<Day> = []
        /// Days some complete fetch covers that had ended (UTC) when that fetch began: only
        /// these are settled. A day fetched before it ended is fetched again by the next sync,
        /// whatever `--revisit-days` says, so asking early never loses it.
        public var final: Set<Day> = []
        /// Days any fetch (complete, incomplete or failed) asked for.
        public var attempted: Set<Day> = []
    }

    public func coverage(stream: ReportStream) throws -> Coverage {
        var coverage = Coverage()
        for s in try fetchSummaries(stream: stream) {
            guard let start = s.windowStart, let end = s.windowEnd else { continue }
            let days = Day.range(from: start, to: end)
            coverage.attempted.formUnion(days)
            if s.isComplete {
                coverage.covered.formUnion(days)
                if let fetchedDay = s.firstFetchedDay {
                    coverage.final.formUnion(days.filter { $0 < fetchedDay })
                }
            }
        }
        for f in try failedFetches(stream: stream) {
            if let start = f.windowStart, let end = f.windowEnd { coverage.attempted.formUnion(Day.range(from: start, to: end)) }
        }
        return coverage
    }
}
