import CoreValues
import Foundation
import Ledger
import Logging
import TableSchemas

/// Deterministic projections of the ledger into `claude_costs`, `claude_usage_keys` and
/// `claude_code_productivity` in `DIR/projections.sqlite`.
///
/// The file is a pure function of the ledger and `version`: `rebuild` recreates it from nothing,
/// `update` brings it up to date after a sync by re-projecting only the (stream, day) pairs whose
/// authoritative fetch changed, and both end with the same `fingerprint`. The calls are
/// synchronous and CPU-bound (they use every core for decoding); call them off the main actor.
public enum Projections {
    /// Changes whenever the projection's output for the same ledger could change (decoding,
    /// supersession, columns, canonical encoding). Stored with every build, so a rebuild after a
    /// fix can be compared with `diff` against the build it replaces.
    ///
    /// 2: `organization_id` on every table, from the newest `organization` event.
    /// 3: rowids encode the day (`RowID`) and the tables have no secondary indexes; an update
    ///    deletes a day by rowid range, so a file of version 2 is rebuilt. Same rows, same
    ///    fingerprint as version 2.
    /// 4: `projection_usage_by_month` (`UsageSummary`), the sums `report usage` reads; the
    ///    tables and the fingerprint are those of version 3, a file of version 3 is rebuilt.
    public static let version = 4

    /// `projections.sqlite`.
    public static let fileName = "projections.sqlite"

    /// The projections file of a data directory.
    public static func defaultURL(in directory: URL) -> URL {
        directory.appendingPathComponent(fileName)
    }

    /// What a build or update did, and the fingerprint it ended with.
    public struct BuildResult: Sendable, Equatable {
        public enum Mode: String, Sendable, Equatable {
            /// The file was recreated from the whole ledger.
            case rebuild
            /// Only the days whose authoritative fetch changed were re-projected.
            case incremental
            /// The file already reflected the ledger head; nothing was written.
            case upToDate
        }

        public var mode: Mode
        /// SHA-256 over the canonical content of every table, 64 lowercase hex digits.
        public var fingerprint: String
        public var projectionVersion: Int
        /// Rows in each table after the build.
        public var rows: [ProjectionTable: Int]
        /// The ledger head the build reflects.
        public var ledgerHeadSeq: Int64
        public var ledgerHeadChainHash: String
        /// (stream, day) pairs projected in this call.
        public var daysProjected: Int
        public var pagesDecoded: Int
        public var bytesDecoded: Int64
        /// Rows written in this call (all tables).
        public var rowsWritten: Int
    }

    /// Recreates the projections file at `url` from the ledger: builds into a temporary file
    /// beside it, then atomically renames it over `url`, so a crash never leaves a half-built table
    /// set. Throws `ProjectionError` (an undecodable page names its event) or a `LedgerError`.
    public static func rebuild(
        ledger: Ledger, into url: URL,
        logger: Logger = Logger(label: "claude-ledger.projections")
    ) throws -> BuildResult {
        try rebuild(ledger: ledger, into: url, decoder: PageDecoder(), logger: logger)
    }

    static func rebuild(ledger: Ledger, into url: URL, decoder base: PageDecoder, logger: Logger) throws -> BuildResult {
        let head = try ledgerHead(ledger)
        var decoder = base
        decoder.organizationID = try organizationID(in: ledger)
        // What is projected must be the chain: a page appended by hand with a wrong chain hash
        // fails here, naming its event, instead of becoming rows.
        try ledger.checkChain()
        let dir = url.deletingLastPathComponent()
        TemporaryBuild.removeStale(beside: url)
        let tmpPath = dir.appendingPathComponent(TemporaryBuild.prefix(for: url) + Ledger.newID(prefix: "b")).path
        let claim = try TemporaryBuild.claim(tmpPath)
        defer {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(tmpPath + suffix) }
            claim.release()
        }
        logger.info("projections rebuild started", metadata: ["ledger.seq": "\(head.seq)"])
        var result: BuildResult
        do {
            let file = try SQLiteFile(path: tmpPath, create: true)
            // The file is private to this build until it is renamed into place, so no journal and
            // no syncs. Rows are appended in rowid order to tables without secondary indexes
            // (`RowID`): a small page cache holds the B-trees' right edges, and memory stays flat
            // whatever the size of the ledger.
            try file.execute(
                """
                PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA cache_size = -8192;
                """)
            try ProjectionStore.createSchema(file)
            try ProjectionStore.createIndexes(file)
            try file.execute("BEGIN")
            var items: [ProjectionRun.Item] = []
            var dayRows: [(stream: String, date: String, authority: Supersession.Authority)] = []
            for table in ProjectionTable.allCases {
                let authority = Supersession.authoritative(
                    try ledger.fetchSummaries(stream: table.stream),
                    headSeq: head.seq)
                items += workItems(table: table, days: authority)
                for (day, a) in authority { dayRows.append((table.stream.rawValue, day.description, a)) }
            }
            let run = try ProjectionRun(ledger: ledger, file: file, decoder: decoder)
            try run.run(items)
            try writeDays(file, dayRows)
            let entries = try ProjectionStore.readDayEntries(file)
            let fingerprint = Fingerprint.combine(entries)
            let rows = rowCounts(entries)
            try ProjectionStore.writeMeta(
                file,
                meta(
                    head: head, fingerprint: fingerprint, rows: rows, mode: .rebuild,
                    organizationID: decoder.organizationID))
            try file.execute("COMMIT")
            try file.execute("PRAGMA locking_mode = NORMAL; PRAGMA journal_mode = DELETE")
            result = BuildResult(
                mode: .rebuild, fingerprint: fingerprint, projectionVersion: version, rows: rows,
                ledgerHeadSeq: head.seq, ledgerHeadChainHash: head.chainHash,
                daysProjected: dayRows.count, pagesDecoded: run.pagesDecoded,
                bytesDecoded: run.bytesDecoded, rowsWritten: run.rowsInserted.values.reduce(0, +))
        }
        // The connection is closed here (end of scope); make the bytes durable, then swap.
        ProjectionStore.syncToDisk(path: tmpPath)
        for suffix in ["-journal", "-wal", "-shm"] { unlink(url.path + suffix) }
        guard rename(tmpPath, url.path) == 0 else {
            throw ProjectionError(
                .filesystem, "cannot move the new projections into place at \(url.path): \(String(cString: strerror(errno)))")
        }
        chmod(url.path, 0o600)
        ProjectionStore.syncToDisk(path: dir.path)
        logger.info(
            "projections rebuild finished",
            metadata: [
                "projections.fingerprint": "\(result.fingerprint)",
                "projections.rows": "\(result.rowsWritten)",
            ])
        return result
    }

    /// Brings the projections file at `url` up to date with the ledger, re-projecting only the
    /// (stream, day) pairs whose authoritative fetch changed, in one transaction. Ends with the
    /// fingerprint a full rebuild would give. Falls back to `rebuild` when the file is missing,
    /// was built by another projection version, or from another ledger.
    public static func update(
        ledger: Ledger, projectionsURL url: URL,
        logger: Logger = Logger(label: "claude-ledger.projections")
    ) throws -> BuildResult {
        try update(ledger: ledger, projectionsURL: url, decoder: PageDecoder(), logger: logger)
    }

    /// `plans`: when given, every statement the incremental path prepares is recorded with its
    /// query plan (tests prove it scans no projection table).
    static func update(
        ledger: Ledger, projectionsURL url: URL, decoder base: PageDecoder, logger: Logger,
        plans: QueryPlanLog? = nil
    ) throws -> BuildResult {
        guard FileManager.default.fileExists(atPath: url.path) else {
            return try rebuild(ledger: ledger, into: url, decoder: base, logger: logger)
        }
        TemporaryBuild.removeStale(beside: url)
        let head = try ledgerHead(ledger)
        var decoder = base
        decoder.organizationID = try organizationID(in: ledger)
        let file = try SQLiteFile(path: url.path, create: false)
        file.queryPlans = plans
        let stored = try ProjectionStore.readMeta(file)
        // Every row carries the organization id: a build made with another one (or none) is
        // rebuilt whole rather than left with rows of two organizations.
        guard stored["projection_version"] == String(version),
            stored[organizationMetaKey] == decoder.organizationID,
            let builtSeq = stored["ledger_head_seq"].flatMap(Int64.init), builtSeq <= head.seq,
            try builtFromThisLedger(ledger, seq: builtSeq, chainHash: stored["ledger_head_chain_hash"])
        else {
            logger.info("projections rebuilt: version, organization or ledger changed")
            return try rebuild(ledger: ledger, into: url, decoder: base, logger: logger)
        }
        // Only the events after the build's head are new; the head itself was just matched.
        try ledger.checkChain(
            afterSeq: builtSeq,
            previous: builtSeq == 0 ? Ledger.genesisChainHash : try ledger.event(seq: builtSeq)?.chainHash ?? Data())
        if builtSeq == head.seq, let fingerprint = stored["fingerprint"] {
            let entries = try ProjectionStore.readDayEntries(file)
            return BuildResult(
                mode: .upToDate, fingerprint: fingerprint, projectionVersion: version,
                rows: rowCounts(entries), ledgerHeadSeq: head.seq, ledgerHeadChainHash: head.chainHash,
                daysProjected: 0, pagesDecoded: 0, bytesDecoded: 0, rowsWritten: 0)
        }
        try file.execute("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL")
        try file.execute("BEGIN IMMEDIATE")
        do {
            let (items, dayRows, usageMonths) = try removeChangedDays(ledger: ledger, file: file, headSeq: head.seq)
            let run = try ProjectionRun(ledger: ledger, file: file, decoder: decoder)
            try run.run(items)
            try UsageSummary.dropEmptied(months: usageMonths, in: file)
            try writeDays(file, dayRows)
            let entries = try ProjectionStore.readDayEntries(file)
            let fingerprint = Fingerprint.combine(entries)
            let rows = rowCounts(entries)
            try ProjectionStore.writeMeta(
                file,
                meta(
                    head: head, fingerprint: fingerprint, rows: rows, mode: .incremental,
                    organizationID: decoder.organizationID))
            try file.execute("COMMIT")
            logger.info(
                "projections updated",
                metadata: [
                    "projections.days": "\(dayRows.count)",
                    "projections.fingerprint": "\(fingerprint)",
                ])
            return BuildResult(
                mode: .incremental, fingerprint: fingerprint, projectionVersion: version, rows: rows,
                ledgerHeadSeq: head.seq, ledgerHeadChainHash: head.chainHash,
                daysProjected: dayRows.count, pagesDecoded: run.pagesDecoded,
                bytesDecoded: run.bytesDecoded, rowsWritten: run.rowsInserted.values.reduce(0, +))
        } catch {
            try? file.execute("ROLLBACK")
            throw error
        }
    }

    /// The (stream, day) pairs whose authoritative fetch changed since the file was built: their
    /// rows, digests and day entries are deleted (usage rows' sums subtracted from
    /// `projection_usage_by_month` first), and the work items to project them again, their new
    /// `projection_days` rows and the months whose usage sums changed are returned.
    static func removeChangedDays(ledger: Ledger, file: SQLiteFile, headSeq: Int64) throws
        -> (
            items: [ProjectionRun.Item], dayRows: [(stream: String, date: String, authority: Supersession.Authority)],
            usageMonths: Set<String>
        )
    {
        var usageMonths = Set<String>()
        var subtractions: [SQLiteFile.Statement] = []
        var items: [ProjectionRun.Item] = []
        var dayRows: [(stream: String, date: String, authority: Supersession.Authority)] = []
        let deleteDays = try file.prepare("DELETE FROM projection_days WHERE stream = ?1 AND date = ?2")
        let deleteDigest = try file.prepare("DELETE FROM projection_day_digests WHERE table_name = ?1 AND date = ?2")
        for table in ProjectionTable.allCases {
            let new = Supersession.authoritative(try ledger.fetchSummaries(stream: table.stream), headSeq: headSeq)
            var old: [Day: Supersession.Authority] = [:]
            for (date, entry) in try ProjectionStore.readDays(file, stream: table.stream.rawValue) {
                if let day = Day(date) { old[day] = Supersession.Authority(fetchID: entry.fetchID, lastSeq: entry.lastSeq) }
            }
            let changed = Supersession.changedDays(old: old, new: new)
            guard !changed.isEmpty else { continue }
            // The rows of a day are one rowid range (`RowID`): no index, no scan.
            let deleteRows = try file.prepare("DELETE FROM \(table.rawValue) WHERE rowid BETWEEN ?1 AND ?2")
            var subset: [Day: Supersession.Authority] = [:]
            for day in changed {
                let date = day.description
                if table == .usage {
                    usageMonths.insert(try UsageSummary.subtract(day: day, from: file, statements: &subtractions))
                }
                deleteRows.bind(1, RowID.first(day: Int32(day.daysSinceEpoch)))
                deleteRows.bind(2, RowID.last(day: Int32(day.daysSinceEpoch)))
                while try deleteRows.step() {}
                deleteRows.reset()
                try deleteDigest.run([table.rawValue, date])
                try deleteDays.run([table.stream.rawValue, date])
                if let a = new[day] {
                    subset[day] = a
                    dayRows.append((table.stream.rawValue, date, a))
                }
            }
            items += workItems(table: table, days: subset)
        }
        return (items, dayRows, usageMonths)
    }

    /// The fingerprint of the projections file at `url`, recomputed from its rows (not read from
    /// its bookkeeping), so it can check a file that was edited or built elsewhere.
    public static func fingerprint(of url: URL) throws -> String {
        let file = try openExisting(url)
        _ = try ProjectionStore.readMeta(file)
        var entries: [ProjectionTable: [Fingerprint.DayEntry]] = [:]
        for table in ProjectionTable.allCases {
            entries[table] = try Fingerprint.dayEntries(file, table: table)
        }
        return Fingerprint.combine(entries)
    }

    /// What a projections file says about its own build.
    public struct BuildInfo: Sendable, Equatable {
        public var projectionVersion: Int?
        public var fingerprint: String?
        public var ledgerHeadSeq: Int64?
        public var ledgerHeadChainHash: String?
        public var builtAt: String?
        public var lastOperation: String?
        /// Every stored key/value, for display.
        public var all: [String: String]
    }

    /// Reads the build metadata of the projections file at `url`.
    public static func buildInfo(of url: URL) throws -> BuildInfo {
        let file = try openExisting(url)
        let meta = try ProjectionStore.readMeta(file)
        return BuildInfo(
            projectionVersion: meta["projection_version"].flatMap(Int.init), fingerprint: meta["fingerprint"],
            ledgerHeadSeq: meta["ledger_head_seq"].flatMap(Int64.init),
            ledgerHeadChainHash: meta["ledger_head_chain_hash"], builtAt: meta["built_at"],
            lastOperation: meta["last_operation"], all: meta)
    }

    // MARK: helpers

    static func openExisting(_ url: URL) throws -> SQLiteFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ProjectionError(.missingProjections, "no projections file at \(url.path): run `claude-ledger rebuild` first")
        }
        try recoverInterruptedUpdate(url)
        return try SQLiteFile(path: url.path, create: false, readOnly: true)
    }

    struct Head {
        var seq: Int64
        var chainHash: String
    }

    static func ledgerHead(_ ledger: Ledger) throws -> Head {
        let seq = try ledger.stats().lastSeq
        guard seq > 0, let event = try ledger.event(seq: seq) else {
            return Head(seq: 0, chainHash: Ledger.genesisChainHash.hexString)
        }
        return Head(seq: seq, chainHash: event.chainHashHex)
    }

    static func builtFromThisLedger(_ ledger: Ledger, seq: Int64, chainHash: String?) throws -> Bool {
        guard let chainHash else { return false }
        if seq == 0 { return chainHash == Ledger.genesisChainHash.hexString }
        return try ledger.event(seq: seq)?.chainHashHex == chainHash
    }

    /// One item per authoritative fetch, with the days it gives rows for, oldest fetch first.
    static func workItems(table: ProjectionTable, days: [Day: Supersession.Authority]) -> [ProjectionRun.Item] {
        var byFetch: [String: (lastSeq: Int64, days: Set<Int32>)] = [:]
        for (day, a) in days {
            byFetch[a.fetchID, default: (a.lastSeq, [])].days.insert(Int32(day.daysSinceEpoch))
        }
        return byFetch.sorted { ($0.value.lastSeq, $0.key) < ($1.value.lastSeq, $1.key) }.map {
            ProjectionRun.Item(table: table, fetchID: $0.key, days: $0.value.days)
        }
    }

    static func writeDays(_ file: SQLiteFile, _ rows: [(stream: String, date: String, authority: Supersession.Authority)]) throws {
        let stmt = try file.prepare("INSERT OR REPLACE INTO projection_days (stream, date, fetch_id, last_seq) VALUES (?1, ?2, ?3, ?4)")
        for row in rows.sorted(by: { ($0.stream, $0.date) < ($1.stream, $1.date) }) {
            stmt.bind(1, row.stream)
            stmt.bind(2, row.date)
            stmt.bind(3, row.authority.fetchID)
            stmt.bind(4, row.authority.lastSeq)
            _ = try stmt.step()
            stmt.reset()
        }
    }

    static func rowCounts(_ entries: [ProjectionTable: [Fingerprint.DayEntry]]) -> [ProjectionTable: Int] {
        var rows: [ProjectionTable: Int] = [:]
        for table in ProjectionTable.allCases {
            rows[table] = (entries[table] ?? []).reduce(0) { $0 + $1.rowCount }
        }
        return rows
    }

    /// The build metadata key holding the organization id the rows were built with (absent: none).
    static let organizationMetaKey = "organization_id"

    /// The `id` of the newest `organization` event (`GET /v1/organizations/me`), nil when the
    /// ledger has none or its body has no string id: every table's `organization_id`.
    public static func organizationID(in ledger: Ledger) throws -> String? {
        guard let event = try ledger.edgeEvent(stream: .organization, newest: true) else { return nil }
        let body = try ledger.body(of: event)
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let id = object["id"] as? String, !id.isEmpty
        else { return nil }
        return id
    }

    static func meta(
        head: Head, fingerprint: String, rows: [ProjectionTable: Int],
        mode: BuildResult.Mode, organizationID: String?
    ) -> [String: String] {
        var meta: [String: String] = [
            "format": ProjectionStore.formatTag,
            "projection_version": String(version),
            "ledger_head_seq": String(head.seq),
            "ledger_head_chain_hash": head.chainHash,
            "built_at": Ledger.timestampNow(),
            "fingerprint": fingerprint,
            "last_operation": mode.rawValue,
        ]
        for (table, n) in rows { meta["rows.\(table.rawValue)"] = String(n) }
        if let organizationID { meta[organizationMetaKey] = organizationID }
        return meta
    }
}

extension Ledger {
    /// Now as RFC 3339 UTC with seconds, for build metadata.
    static func timestampNow() -> String {
        let seconds = Int64(Date().timeIntervalSince1970)
        let day = Day(daysSinceEpoch: Int(seconds / 86_400))
        let within = seconds % 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(day)T\(two(within / 3600)):\(two(within / 60 % 60)):\(two(within % 60))Z"
    }
}
