import CoreValues
import Foundation
import GRDBSQLite
import Ledger
import TableSchemas

/// Projects a list of (table, authoritative fetch, days) items into an open projections file.
///
/// Both `rebuild` (every day) and `update` (the days whose authority changed) run through here,
/// so an incremental update computes rows and day digests with exactly the code a rebuild uses.
///
/// Pages are read and decoded on every core, ahead of this thread inserting them in ledger order
/// (`DecodePipeline`); memory holds the pages within the byte budget plus the row digests of the
/// days still open, whatever the size of the ledger.
final class ProjectionRun {
    struct Item {
        var table: ProjectionTable
        var fetchID: String
        /// The days (days since epoch) this fetch is to give rows for.
        var days: Set<Int32>
    }

    let ledger: Ledger
    let file: SQLiteFile
    let decoder: PageDecoder
    private var inserts: [ProjectionTable: SQLiteFile.Statement] = [:]
    private let digestUpsert: SQLiteFile.Statement

    private(set) var rowsInserted: [ProjectionTable: Int] = [:]
    private(set) var pagesDecoded = 0
    private(set) var bytesDecoded: Int64 = 0

    /// Row digests of days still receiving rows, for the current item.
    private var openDays: [Int32: [UInt8]] = [:]
    private var openTable: ProjectionTable?
    /// Days already closed in this run: rows arriving for one again mark it dirty.
    private var closed = Set<Int64>()
    private var dirty = Set<Int64>()
    /// Per table and day: the ordinal the day's next row gets in its rowid.
    private var nextOrdinal: [Int64: Int64] = [:]
    /// Usage sums for `projection_usage_by_month` (`UsageSummary`), accumulated by the decoding
    /// threads, one accumulator each, as they decode usage pages (off this thread, which bounds
    /// the rebuild). A thread hands its sums over when a page brings a second month, and this
    /// thread adds them to the file between pages and at the end; additions are exact and
    /// commutative, so which thread summed a row does not matter. Memory holds about one month
    /// of groups per thread.
    private final class UsageSums: @unchecked Sendable {
        final class Slot {
            var sums = UsageAccumulator()
        }
        /// Slot `w` is touched only by decoding thread `w` while the pipeline runs.
        let slots: [Slot]
        private let lock = NSLock()
        private var handedOver: [UsageAccumulator] = []

        init(threads: Int) {
            slots = (0..<threads).map { _ in Slot() }
        }

        /// On decoding thread `thread`: adds `page`'s rows.
        func add(_ page: DecodedPage, thread: Int) {
            let slot = slots[thread]
            slot.sums.add(page)
            if slot.sums.monthCount > UsageAccumulator.maxMonths {
                lock.lock()
                handedOver.append(slot.sums)
                lock.unlock()
                slot.sums = UsageAccumulator()
            }
        }

        /// On the inserting thread: adds the sums handed over so far to `file`.
        func write(to file: SQLiteFile) throws {
            lock.lock()
            var ready = handedOver
            handedOver.removeAll()
            lock.unlock()
            for i in ready.indices { try ready[i].write(to: file) }
        }

        /// Once the decoding threads have stopped: adds everything left to `file`.
        func writeAll(to file: SQLiteFile) throws {
            try write(to: file)
            for slot in slots { try slot.sums.write(to: file) }
        }
    }

    /// Threads that read and decode pages while this one inserts: one per core. This thread bounds
    /// a rebuild (busy most of the time, each decoder about half of it), so the decoders run at a
    /// lower priority and take what it leaves of the cores (`DecodePipeline`).
    static let decodingThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Raw page bytes read and not yet inserted: with the decoded cells (about as much again)
    /// this bounds a rebuild's peak memory, whatever the size of the ledger or of its pages
    /// (beyond one page per thread plus one).
    static let budgetBytes = 8 << 20

    init(ledger: Ledger, file: SQLiteFile, decoder: PageDecoder) throws {
        self.ledger = ledger
        self.file = file
        self.decoder = decoder
        for table in ProjectionTable.allCases {
            let cols = table.schema.columnNames
            // ?1 is the rowid (see `RowID`), then the columns in schema order.
            let params = (1...(cols.count + 1)).map { "?\($0)" }.joined(separator: ", ")
            inserts[table] = try file.prepare(
                "INSERT INTO \(table.rawValue) (rowid, \(cols.joined(separator: ", "))) VALUES (\(params))")
        }
        digestUpsert = try file.prepare(
            """
            INSERT OR REPLACE INTO projection_day_digests (table_name, date, row_count, digest) VALUES (?1, ?2, ?3, ?4)
            """)
    }

    private struct PageJob: Sendable {
        var item: Int
        var event: Ledger.Event
    }

    /// Yields the pages of every item in order, loading one fetch's event headers at a time.
    private struct JobSource {
        let ledger: Ledger
        let items: [Item]
        var itemIndex = -1
        var events: [Ledger.Event] = []
        var eventIndex = 0

        mutating func next() throws -> PageJob? {
            while eventIndex >= events.count {
                itemIndex += 1
                guard itemIndex < items.count else { return nil }
                events = try ledger.events(fetchID: items[itemIndex].fetchID)
                eventIndex = 0
            }
            eventIndex += 1
            return PageJob(item: itemIndex, event: events[eventIndex - 1])
        }
    }

    /// Runs every item; rows go into the tables and closed days into `projection_day_digests`.
    func run(_ items: [Item]) throws {
        var jobs = JobSource(ledger: ledger, items: items)
        let ledger = self.ledger
        let decoder = self.decoder
        // Bodies are released as their pages are inserted; the decoding threads reuse them.
        let buffers = BodyBuffers(keep: 1)
        let usageSums = UsageSums(threads: ProjectionRun.decodingThreads)
        let pipeline = DecodePipeline<PageJob, DecodedPage>(
            threads: ProjectionRun.decodingThreads, budgetBytes: ProjectionRun.budgetBytes,
            source: { try jobs.next().map { ($0, $0.event.rawLength) } },
            decode: { job, thread in
                let item = items[job.item]
                let body = try ledger.body(of: job.event, buffers: buffers)
                let page = try decoder.decode(
                    table: item.table, eventID: job.event.eventID, seq: job.event.seq, body: body
                ) {
                    item.days.contains(Int32($0.daysSinceEpoch))
                }
                if item.table == .usage { usageSums.add(page, thread: thread) }
                return page
            })
        // On any error the decoding threads finish the page they hold before this unwinds.
        defer { pipeline.stop() }
        var currentItem = -1
        while let result = pipeline.next() {
            let (job, page) = try result.get()
            if job.item != currentItem {
                try closeAllOpenDays()
                currentItem = job.item
                openTable = items[job.item].table
            }
            try insert(page)
            pipeline.release()
            try usageSums.write(to: file)
        }
        pipeline.stop()
        try usageSums.writeAll(to: file)
        try closeAllOpenDays()
        try recomputeDirtyDays()
    }

    private func key(_ table: ProjectionTable, _ day: Int32) -> Int64 {
        let index: Int64
        switch table {
        case .costs: index = 0
        case .usage: index = 1
        case .claudeCode: index = 2
        case .costsByKey: index = 3
        case .usageByActor: index = 4
        }
        return index << 32 | Int64(UInt32(bitPattern: day))
    }

    private func insert(_ page: DecodedPage) throws {
        pagesDecoded += 1
        bytesDecoded += Int64(page.body.count)
        guard page.rowCount > 0 else { return }
        // Rows of one day are contiguous within a page: one dictionary access per run of rows.
        var minDay = Int32.max
        var row = 0
        while row < page.rowCount {
            let day = page.days[row]
            var end = row + 1
            while end < page.rowCount && page.days[end] == day { end += 1 }
            try bind(page, rows: row..<end, day: day)
            minDay = min(minDay, day)
            let k = key(page.table, day)
            if closed.contains(k) { dirty.insert(k) }
            openDays[day, default: []].append(contentsOf: page.digests[(row * 32)..<(end * 32)])
            row = end
        }
        rowsInserted[page.table, default: 0] += page.rowCount
        // Buckets come oldest first: once a page starts after a day, that day is usually done.
        // A day that reappears later is marked dirty and re-hashed from the table at the end.
        for day in openDays.keys where day < minDay {
            try close(day)
        }
    }

    /// Inserts `rows` of `page`, all of `day`, with the day's next rowids (see `RowID`).
    private func bind(_ page: DecodedPage, rows: Range<Int>, day: Int32) throws {
        let k = key(page.table, day)
        let ordinal = nextOrdinal[k, default: 0]
        guard ordinal + Int64(rows.count) <= RowID.ordinalsPerDay else {
            throw ProjectionError(
                .undecodablePage, "\(page.table.rawValue) would get more than \(RowID.ordinalsPerDay) rows for one day",
                eventID: page.eventID, stream: page.table.stream.rawValue)
        }
        nextOrdinal[k] = ordinal + Int64(rows.count)
        var rowid = RowID.first(day: day) + ordinal
        let n = page.columnCount
        let handle = inserts[page.table]!.stmt
        try page.withBuffers { body, arena in
            let bodyBase = body.baseAddress
            let arenaBase = arena.baseAddress
            var cellIndex = rows.lowerBound * n
            for _ in rows {
                sqlite3_bind_int64(handle, 1, rowid)
                rowid += 1
                for c in 0..<n {
                    let column = Int32(c + 2)
                    switch page.cells[cellIndex] {
                    case .null:
                        sqlite3_bind_null(handle, column)
                    case .int(let v):
                        sqlite3_bind_int64(handle, column, v)
                    case .body(let s, let l):
                        sqlite3_bind_text(handle, column, (bodyBase! + Int(s)).assumingMemoryBound(to: CChar.self), l, nil)
                    case .arena(let s, let l):
                        sqlite3_bind_text(handle, column, (arenaBase! + Int(s)).assumingMemoryBound(to: CChar.self), l, nil)
                    }
                    cellIndex += 1
                }
                let rc = sqlite3_step(handle)
                sqlite3_reset(handle)
                guard rc == SQLITE_DONE else { throw file.error(rc, "cannot insert into \(page.table.rawValue)") }
            }
        }
    }

    private func close(_ day: Int32) throws {
        guard let table = openTable, let digests = openDays.removeValue(forKey: day) else { return }
        let k = key(table, day)
        closed.insert(k)
        let date = Day(daysSinceEpoch: Int(day)).description
        let hex = Fingerprint.dayDigest(table: table, date: date, rowDigests: digests)
        try writeDigest(table: table, date: date, rowCount: digests.count / 32, hex: hex)
    }

    private func writeDigest(table: ProjectionTable, date: String, rowCount: Int, hex: String) throws {
        digestUpsert.bind(1, table.rawValue)
        digestUpsert.bind(2, date)
        digestUpsert.bind(3, Int64(rowCount))
        digestUpsert.bind(4, hex)
        _ = try digestUpsert.step()
        digestUpsert.reset()
    }

    private func closeAllOpenDays() throws {
        for day in openDays.keys.sorted() { try close(day) }
    }

    /// Days that received rows after being closed: their digest is recomputed from the table.
    private func recomputeDirtyDays() throws {
        for k in dirty.sorted() {
            let table = ProjectionTable.allCases[Int(k >> 32)]
            let day = Int32(bitPattern: UInt32(k & 0xffff_ffff))
            for entry in try Fingerprint.dayEntries(file, table: table, rowids: RowID.first(day: day)...RowID.last(day: day)) {
                try writeDigest(table: table, date: entry.date, rowCount: entry.rowCount, hex: entry.digestHex)
            }
        }
    }
}
