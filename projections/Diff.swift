import CoreValues
import Foundation
import TableSchemas

/// What changed between two projection builds, per table and day.
public struct DiffResult: Sendable, Equatable {
    /// The differences of one table on one day. Rows are paired by the table's natural key
    /// (`TableSchema.naturalKey`); a pair whose only difference is `event_id` is `lineageOnly`
    /// (same data, re-fetched page).
    public struct DayChange: Sendable, Equatable {
        public var table: ProjectionTable
        public var date: String
        public var oldRows: Int
        public var newRows: Int
        public var added: Int
        public var removed: Int
        public var changed: Int
        public var lineageOnly: Int
        /// `claude_costs` only: the day's total `amount_usd` on each side and new minus old, exact.
        public var oldAmountUSD: ExactDecimal?
        public var newAmountUSD: ExactDecimal?
        public var amountDeltaUSD: ExactDecimal?
    }

    /// Per-table totals over every day.
    public struct TableSummary: Sendable, Equatable {
        public var oldRows = 0
        public var newRows = 0
        public var added = 0
        public var removed = 0
        public var changed = 0
        public var lineageOnly = 0
        public var daysChanged = 0
        public var amountDeltaUSD: ExactDecimal?
    }

    public var oldFingerprint: String
    public var newFingerprint: String
    public var oldProjectionVersion: Int?
    public var newProjectionVersion: Int?
    /// Only the days that differ, by table order then date.
    public var days: [DayChange]
    public var tables: [ProjectionTable: TableSummary]

    /// True when every table has the same rows on both sides (the fingerprints are equal).
    public var identical: Bool { days.isEmpty && oldFingerprint == newFingerprint }
}

extension Projections {
    /// Compares two projections files table by table and day by day: rows added, removed and
    /// changed, and the exact money delta of `claude_costs`. Both files must be projections files
    /// (else a `badInput` error). Reads one day of each side at a time.
    public static func diff(old: URL, new: URL) throws -> DiffResult {
        let oldFile = try openExisting(old)
        let newFile = try openExisting(new)
        let oldMeta = try ProjectionStore.readMeta(oldFile)
        let newMeta = try ProjectionStore.readMeta(newFile)
        var days: [DiffResult.DayChange] = []
        var tables: [ProjectionTable: DiffResult.TableSummary] = [:]
        for table in ProjectionTable.allCases {
            var summary = DiffResult.TableSummary()
            if table == .costs { summary.amountDeltaUSD = .zero }
            var left = try DayReader(file: oldFile, table: table)
            var right = try DayReader(file: newFile, table: table)
            var l = try left.nextDay()
            var r = try right.nextDay()
            while l != nil || r != nil {
                let date: String
                var oldRows: [[String?]] = []
                var newRows: [[String?]] = []
                if let lv = l, r == nil || lv.date < r!.date {
                    date = lv.date
                    oldRows = lv.rows
                    l = try left.nextDay()
                } else if let rv = r, l == nil || rv.date < l!.date {
                    date = rv.date
                    newRows = rv.rows
                    r = try right.nextDay()
                } else {
                    date = l!.date
                    oldRows = l!.rows
                    newRows = r!.rows
                    l = try left.nextDay()
                    r = try right.nextDay()
                }
                summary.oldRows += oldRows.count
                summary.newRows += newRows.count
                guard var change = try compareDay(table: table, date: date, old: oldRows, new: newRows) else { continue }
                summary.daysChanged += 1
                summary.added += change.added
                summary.removed += change.removed
                summary.changed += change.changed
                summary.lineageOnly += change.lineageOnly
                if table == .costs {
                    let delta = try (change.newAmountUSD ?? .zero).subtracting(change.oldAmountUSD ?? .zero)
                    change.amountDeltaUSD = delta
                    summary.amountDeltaUSD = try summary.amountDeltaUSD?.adding(delta)
                }
                days.append(change)
            }
            tables[table] = summary
        }
        let oldFingerprint = try fingerprint(of: old)
        let newFingerprint = try fingerprint(of: new)
        return DiffResult(
            oldFingerprint: oldFingerprint, newFingerprint: newFingerprint,
            oldProjectionVersion: oldMeta["projection_version"].flatMap(Int.init),
            newProjectionVersion: newMeta["projection_version"].flatMap(Int.init),
            days: days, tables: tables)
    }

    /// Nil when the day's rows are the same multiset on both sides.
    static func compareDay(table: ProjectionTable, date: String, old: [[String?]], new: [[String?]]) throws
        -> DiffResult.DayChange?
    {
        let schema = table.schema
        let keyColumns = schema.naturalKey.compactMap { schema.index(of: $0) }
        let eventColumn = schema.index(of: "event_id")!
        let amountColumn = schema.index(of: "amount_usd")
        func sum(_ rows: [[String?]]) throws -> ExactDecimal? {
            guard let amountColumn else { return nil }
            var total = ExactDecimal.zero
            for row in rows {
                if let text = row[amountColumn] { total = try total.adding(ExactDecimal(parsing: text)) }
            }
            return total
        }
        func encode(_ row: [String?], _ columns: [Int]) -> [UInt8] {
            var out = [UInt8]()
            for c in columns {
                if let v = row[c] { Canonical.netstring(v, to: &out) } else { Canonical.appendNull(to: &out) }
            }
            return out
        }
        let allColumns = Array(0..<schema.columns.count)
        var oldByKey: [[UInt8]: [[String?]]] = [:]
        var newByKey: [[UInt8]: [[String?]]] = [:]
        for row in old { oldByKey[encode(row, keyColumns), default: []].append(row) }
        for row in new { newByKey[encode(row, keyColumns), default: []].append(row) }
        var change = DiffResult.DayChange(
            table: table, date: date, oldRows: old.count, newRows: new.count,
            added: 0, removed: 0, changed: 0, lineageOnly: 0,
            oldAmountUSD: try sum(old), newAmountUSD: try sum(new), amountDeltaUSD: nil)
        /// Removes rows equal on `columns` from both sides (as multisets); returns how many pairs.
        func removeMatches(_ a: inout [[String?]], _ b: inout [[String?]], _ columns: [Int]) -> Int {
            var counts: [[UInt8]: Int] = [:]
            for row in a { counts[encode(row, columns), default: 0] += 1 }
            var keptB: [[String?]] = []
            var matched: [[UInt8]: Int] = [:]
            for row in b {
                let e = encode(row, columns)
                if let c = counts[e], c > 0 {
                    counts[e] = c - 1
                    matched[e, default: 0] += 1
                } else {
                    keptB.append(row)
                }
            }
            var keptA: [[String?]] = []
            for row in a {
                let e = encode(row, columns)
                if let m = matched[e], m > 0 { matched[e] = m - 1 } else { keptA.append(row) }
            }
            let pairs = b.count - keptB.count
            a = keptA
            b = keptB
            return pairs
        }
        let withoutEvent = allColumns.filter { $0 != eventColumn }
        var keys = Set(oldByKey.keys)
        keys.formUnion(newByKey.keys)
        for key in keys {
            var o = oldByKey[key] ?? []
            var n = newByKey[key] ?? []
            _ = removeMatches(&o, &n, allColumns)
            change.lineageOnly += removeMatches(&o, &n, withoutEvent)
            let pairs = min(o.count, n.count)
            change.changed += pairs
            change.removed += o.count - pairs
            change.added += n.count - pairs
        }
        if change.added + change.removed + change.changed + change.lineageOnly == 0 { return nil }
        return change
    }

    /// Reads a table one day at a time, values as canonical text (integers in decimal).
    struct DayReader {
        let stmt: SQLiteFile.Statement
        let columns: Int
        var pending: [String?]?
        var done = false

        init(file: SQLiteFile, table: ProjectionTable) throws {
            let names = table.schema.columnNames
            stmt = try file.prepare("SELECT \(names.joined(separator: ", ")) FROM \(table.rawValue) ORDER BY date")
            columns = names.count
        }

        private mutating func readRow() throws -> [String?]? {
            guard !done, try stmt.step() else {
                done = true
                return nil
            }
            return (0..<columns).map { c in
                stmt.isNull(c) ? nil : stmt.text(c)
            }
        }

        mutating func nextDay() throws -> (date: String, rows: [[String?]])? {
            guard let first = try pending ?? readRow() else { return nil }
            pending = nil
            let date = first[0] ?? ""
            var rows = [first]
            while let row = try readRow() {
                if row[0] ?? "" != date {
                    pending = row
                    break
                }
                rows.append(row)
            }
            return (date, rows)
        }
    }
}
