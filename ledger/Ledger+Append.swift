import CoreValues
import Crypto
import Foundation
import GRDB

extension Ledger {
    public struct AppendResult: Sendable {
        public var event: Event
        /// False when an identical body was already stored: the new event shares that blob.
        public var storedNewBody: Bool
    }

    /// Appends one page as an event, in one transaction with its fetch record (and, for the last
    /// page of a chain, the fetch's completion record), so a crash leaves either all of it or none.
    @discardableResult
    public func append(_ page: ReceivedPage) throws -> AppendResult {
        let body = page.body
        let contentHash = Data(SHA256.hash(data: body))
        let known = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM blobs WHERE content_hash = ?", arguments: [contentHash]) ?? false
        }
        let compressed: Data?
        do {
            compressed = known ? nil : try LZ4Frame.compress(body)
        } catch {
            throw LedgerError(.sqlite, "cannot compress page: \(error)")
        }
        let fetchedAt = Ledger.timestamp(page.fetchedAt)
        return try write { db in
            let fetch = page.fetch
            let existing = try Row.fetchOne(
                db, sql: "SELECT stream FROM fetches WHERE fetch_id = ?",
                arguments: [fetch.fetchID])
            if let existing {
                guard existing["stream"] as String == fetch.stream.rawValue else {
                    throw LedgerError(.appendOrder, "fetch \(fetch.fetchID) belongs to another stream")
                }
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO fetches (fetch_id, run_id, stream, window_start, window_end, started_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        fetch.fetchID, fetch.runID, fetch.stream.rawValue,
                        fetch.windowStart?.description, fetch.windowEnd?.description, fetchedAt,
                    ])
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM fetch_ends WHERE fetch_id = ?", arguments: [fetch.fetchID]) ?? false {
                throw LedgerError(.appendOrder, "fetch \(fetch.fetchID) has already ended; start a new fetch")
            }
            let pagesSoFar =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM events WHERE fetch_id = ?",
                    arguments: [fetch.fetchID]) ?? 0
            guard page.pageIndex == pagesSoFar else {
                throw LedgerError(.appendOrder, "fetch \(fetch.fetchID) expects page \(pagesSoFar), got page \(page.pageIndex)")
            }
            var storedNewBody = false
            if let compressed {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO blobs (content_hash, raw_length, encoding, body) VALUES (?, ?, 'lz4-frame', ?)",
                    arguments: [contentHash, body.count, compressed])
                storedNewBody = db.changesCount > 0
            }
            let last = try Row.fetchOne(db, sql: "SELECT seq, chain_hash FROM events ORDER BY seq DESC LIMIT 1")
            let previousSeq: Int64 = last?["seq"] ?? 0
            let previousChain: Data = last?["chain_hash"] ?? Ledger.genesisChainHash
            var event = Event(
                seq: previousSeq + 1, eventID: Ledger.newID(prefix: "evt"), streamName: fetch.stream.rawValue,
                fetchID: fetch.fetchID, pageIndex: page.pageIndex, isLast: page.isLast,
                windowStart: fetch.windowStart, windowEnd: fetch.windowEnd, request: page.request,
                status: page.status, requestID: page.requestID, fetchedAt: fetchedAt,
                contentHash: contentHash, rawLength: body.count, chainHash: Data())
            event.chainHash = event.computeChainHash(previous: previousChain)
            try db.execute(
                sql: """
                    INSERT INTO events (seq, event_id, stream, fetch_id, page_index, is_last, window_start, window_end,
                        method, path, query, status, request_id, fetched_at, content_hash, raw_length, chain_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.seq, event.eventID, event.streamName, event.fetchID, event.pageIndex,
                    event.isLast ? 1 : 0, event.windowStart?.description, event.windowEnd?.description,
                    event.request.method, event.request.path, event.request.query, event.status,
                    event.requestID, event.fetchedAt, event.contentHash, event.rawLength, event.chainHash,
                ])
            if page.isLast {
                try db.execute(
                    sql: """
                        INSERT INTO fetch_ends (fetch_id, ended_at, status, pages, attempts, error)
                        VALUES (?, ?, 'complete', ?, ?, NULL)
                        """, arguments: [fetch.fetchID, fetchedAt, page.pageIndex + 1, page.attempts])
            }
            return AppendResult(event: event, storedNewBody: storedNewBody)
        }
    }

    /// Records that a chain stopped before its last page. Pages already appended stay; the chain
    /// is visibly incomplete and never feeds a table.
    public func recordFetchFailure(
        _ fetch: FetchDescriptor, attempts: Int, error message: String,
        at date: Date = Date()
    ) throws {
        let when = Ledger.timestamp(date)
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO fetches (fetch_id, run_id, stream, window_start, window_end, started_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    fetch.fetchID, fetch.runID, fetch.stream.rawValue,
                    fetch.windowStart?.description, fetch.windowEnd?.description, when,
                ])
            let pages =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM events WHERE fetch_id = ?",
                    arguments: [fetch.fetchID]) ?? 0
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO fetch_ends (fetch_id, ended_at, status, pages, attempts, error)
                    VALUES (?, ?, 'failed', ?, ?, ?)
                    """, arguments: [fetch.fetchID, when, pages, attempts, String(message.prefix(500))])
        }
    }

    /// Records the start of a sync run and returns its id.
    public func beginRun(tool: String, parameters: String, at date: Date = Date()) throws -> String {
        let runID = Ledger.newID(prefix: "run")
        try write { db in
            try db.execute(
                sql: "INSERT INTO sync_runs (run_id, started_at, tool, parameters) VALUES (?, ?, ?, ?)",
                arguments: [runID, Ledger.timestamp(date), tool, parameters])
        }
        return runID
    }

    public struct RunEnd: Sendable {
        public var status: String
        public var pagesNew: Int
        public var pagesUnchanged: Int
        public var windowsFailed: Int
        public var detail: String?

        public init(status: String, pagesNew: Int, pagesUnchanged: Int, windowsFailed: Int, detail: String? = nil) {
            self.status = status
            self.pagesNew = pagesNew
            self.pagesUnchanged = pagesUnchanged
            self.windowsFailed = windowsFailed
            self.detail = detail
        }
    }

    public func endRun(_ runID: String, _ end: RunEnd, at date: Date = Date()) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO sync_run_ends (run_id, ended_at, status, pages_new, pages_unchanged, windows_failed, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    runID, Ledger.timestamp(date), end.status, end.pagesNew, end.pagesUnchanged,
                    end.windowsFailed, end.detail,
                ])
        }
    }
}
