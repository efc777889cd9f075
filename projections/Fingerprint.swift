import Crypto
import Foundation
import Ledger
import TableSchemas

/// The fingerprint of a projection build: one SHA-256 over the canonical content of every table.
///
/// Layout (all text is UTF-8, `ns(x)` is the netstring `<len>:x,`):
///
/// - row digest = SHA-256(canonical row), the row's columns in schema order (see `Canonical`);
/// - day digest = SHA-256(`claude-ledger/projection-day/v1` ‖ ns(table) ‖ ns(date) ‖ ns(row count)
///   ‖ the day's row digests sorted bytewise), so the order rows were inserted in does not matter;
/// - fingerprint = SHA-256(`claude-ledger/projections/v1` ‖ for each table in `ProjectionTable`
///   order: ns(table) ‖ ns(number of days) ‖ for each day with rows, ascending: ns(date) ‖ ns(day
///   digest hex)), as lowercase hex.
///
/// Per-day digests let an incremental update re-hash only the days it re-projected and end with
/// the same fingerprint as a full rebuild, and let `diff` skip identical days.
enum Fingerprint {
    struct DayEntry: Sendable, Hashable {
        var date: String
        var rowCount: Int
        var digestHex: String
    }

    private struct Key32: Comparable {
        var a: UInt64, b: UInt64, c: UInt64, d: UInt64
        static func < (l: Key32, r: Key32) -> Bool {
            (l.a, l.b, l.c, l.d) < (r.a, r.b, r.c, r.d)
        }
    }

    /// The day digest over `rowDigests` (32 bytes per row, any order).
    static func dayDigest(table: ProjectionTable, date: String, rowDigests: [UInt8]) -> String {
        let count = rowDigests.count / 32
        var keys = [Key32]()
        keys.reserveCapacity(count)
        rowDigests.withUnsafeBytes { raw in
            for i in 0..<count {
                func word(_ w: Int) -> UInt64 {
                    UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: i * 32 + w * 8, as: UInt64.self))
                }
                keys.append(Key32(a: word(0), b: word(1), c: word(2), d: word(3)))
            }
        }
        keys.sort()
        var header = [UInt8]()
        header.append(contentsOf: Array("claude-ledger/projection-day/v1".utf8))
        Canonical.netstring(table.rawValue, to: &header)
        Canonical.netstring(date, to: &header)
        Canonical.netstring(String(count), to: &header)
        var hasher = SHA256()
        hasher.update(data: header)
        for var k in keys {
            k.a = k.a.bigEndian
            k.b = k.b.bigEndian
            k.c = k.c.bigEndian
            k.d = k.d.bigEndian
            withUnsafeBytes(of: &k) { hasher.update(bufferPointer: $0) }
        }
        return Data(hasher.finalize()).hexString
    }

    /// The fingerprint over every table's day entries (each list sorted by date).
    static func combine(_ days: [ProjectionTable: [DayEntry]]) -> String {
        var hasher = SHA256()
        var out = [UInt8]()
        out.append(contentsOf: Array("claude-ledger/projections/v1".utf8))
        for table in ProjectionTable.allCases {
            let entries = (days[table] ?? []).sorted { $0.date < $1.date }
            Canonical.netstring(table.rawValue, to: &out)
            Canonical.netstring(String(entries.count), to: &out)
            for entry in entries {
                Canonical.netstring(entry.date, to: &out)
                Canonical.netstring(entry.digestHex, to: &out)
                if out.count > 1 << 16 {
                    hasher.update(data: out)
                    out.removeAll(keepingCapacity: true)
                }
            }
        }
        hasher.update(data: out)
        return Data(hasher.finalize()).hexString
    }

    /// The day entries of `table` recomputed from the stored values (never from bookkeeping):
    /// every day, or only the rows in `rowids` (one day's range, see `RowID`).
    ///
    /// Rows are read in rowid order, which is date order in a file this module built, so no sort
    /// is needed; a file whose rowids are not in date order (edited by hand, built elsewhere) is
    /// read again ordered by date.
    static func dayEntries(
        _ file: SQLiteFile, table: ProjectionTable,
        rowids: ClosedRange<Int64>? = nil
    ) throws -> [DayEntry] {
        let columns = table.schema.columnNames.joined(separator: ", ")
        let range = rowids == nil ? "" : " WHERE rowid BETWEEN ?1 AND ?2"
        if let entries = try scanDays(
            file, table: table, sql: "SELECT \(columns) FROM \(table.rawValue)\(range) ORDER BY rowid",
            rowids: rowids)
        {
            return entries
        }
        return try scanDays(
            file, table: table, sql: "SELECT \(columns) FROM \(table.rawValue)\(range) ORDER BY date",
            rowids: rowids) ?? []
    }

    /// Hashes the rows `sql` returns day by day; nil when a date comes after a later one (the
    /// rows were not in date order).
    private static func scanDays(
        _ file: SQLiteFile, table: ProjectionTable, sql: String,
        rowids: ClosedRange<Int64>?
    ) throws -> [DayEntry]? {
        let stmt = try file.prepare(sql)
        if let rowids {
            stmt.bind(1, rowids.lowerBound)
            stmt.bind(2, rowids.upperBound)
        }
        var entries: [DayEntry] = []
        var currentDate: String?
        var digests = [UInt8]()
        var scratch = [UInt8]()
        scratch.reserveCapacity(512)
        let n = table.schema.columns.count
        func finishDay() {
            guard let currentDate else { return }
            entries.append(
                DayEntry(
                    date: currentDate, rowCount: digests.count / 32,
                    digestHex: dayDigest(table: table, date: currentDate, rowDigests: digests)))
        }
        while try stmt.step() {
            let date = stmt.text(0) ?? ""
            if date != currentDate {
                if let currentDate, date < currentDate {
                    stmt.reset()
                    return nil
                }
                finishDay()
                currentDate = date
                digests.removeAll(keepingCapacity: true)
            }
            scratch.removeAll(keepingCapacity: true)
            for c in 0..<n { stmt.appendCanonical(c, to: &scratch) }
            scratch.withUnsafeBytes { digests.append(contentsOf: SHA256.hash(data: $0)) }
        }
        stmt.reset()
        finishDay()
        return entries
    }
}
