import CoreValues
import Foundation

/// The usage rows' sums by month and value of date, workspace, model and API key, accumulated by
/// each decoding thread as it decodes usage pages (see `UsageSummary`, `ProjectionRun`).
///
/// Values are interned by their bytes in the page (an open-addressing table over a byte arena),
/// so a row costs three hash lookups and four vector additions, and a String is made once per
/// value and month when the sums are written.
struct UsageAccumulator {
    /// Per text dimension (workspace, model, API key): its values; id 0 is NULL.
    private var values = [Interner](repeating: Interner(), count: 3)
    /// Months seen, and per month and dimension the sums by value id (for the date dimension, by
    /// day of the month).
    private var months: [String] = []
    private var sums: [[[UsageSummary.Sums]]] = []

    /// Months with sums not yet taken: the run adds them to the file past `maxMonths`.
    var monthCount: Int { months.count }
    static let maxMonths = 1

    mutating func add(_ page: DecodedPage) {
        let n = page.columnCount
        let t = UsageSummary.tokenIndexes
        let (c0, c1, c2) = (UsageSummary.textColumns[0], UsageSummary.textColumns[1], UsageSummary.textColumns[2])
        page.withBuffers { body, arena in
            page.cells.withUnsafeBufferPointer { cells in
                var row = 0
                while row < page.rowCount {
                    let day = page.days[row]
                    var end = row + 1
                    while end < page.rowCount && page.days[end] == day { end += 1 }
                    let date = Day(daysSinceEpoch: Int(day))
                    let m = monthIndex(date)
                    var dayTotal = UsageSummary.Sums()
                    for r in row..<end {
                        let base = r * n
                        var v = UsageSummary.Sums()
                        v[0] = 1
                        for lane in 0..<6 {
                            if case .int(let x) = cells[base + t[lane]] { v[lane + 1] = x }
                        }
                        dayTotal &+= v
                        add(v, month: m, dimension: 1, id: values[0].id(of: cells[base + c0], body: body, arena: arena))
                        add(v, month: m, dimension: 2, id: values[1].id(of: cells[base + c1], body: body, arena: arena))
                        add(v, month: m, dimension: 3, id: values[2].id(of: cells[base + c2], body: body, arena: arena))
                    }
                    add(dayTotal, month: m, dimension: 0, id: date.civil.day - 1)
                    row = end
                }
            }
        }
    }

    @inline(__always)
    private mutating func add(_ v: UsageSummary.Sums, month m: Int, dimension d: Int, id: Int) {
        if sums[m][d].count <= id {
            sums[m][d].append(contentsOf: repeatElement(UsageSummary.Sums(), count: max(id + 1, sums[m][d].count * 2) - sums[m][d].count))
        }
        sums[m][d][id] &+= v
    }

    private mutating func monthIndex(_ date: Day) -> Int {
        let month = String(date.description.prefix(7))
        if let i = months.lastIndex(of: month) { return i }
        months.append(month)
        sums.append([[], [], [], []])
        return months.count - 1
    }

    /// Adds the sums to `projection_usage_by_month` in its key order, and empties the months
    /// (the interned values stay): one statement per group, no copy of the sums.
    mutating func write(to file: SQLiteFile) throws {
        guard !months.isEmpty else { return }
        let stmt = try UsageSummary.prepareAdd(file)
        let monthOrder = months.indices.sorted { months[$0] < months[$1] }
        for d in 0..<4 {
            for m in monthOrder {
                let lanes = sums[m][d]
                var ids = lanes.indices.filter { lanes[$0][0] != 0 }
                if d > 0 { ids.sort { values[d - 1].precedes($0, $1) } }
                for id in ids {
                    let value = d == 0 ? "\(months[m])-\(id < 9 ? "0" : "")\(id + 1)" : values[d - 1].string(id)
                    stmt.bind(1, UsageSummary.dimensions[d])
                    stmt.bind(2, months[m])
                    stmt.bind(3, Int64(value == nil ? 0 : 1))
                    stmt.bind(4, value ?? "")
                    for lane in 0..<7 { stmt.bind(5 + lane, lanes[id][lane]) }
                    _ = try stmt.step()
                    stmt.reset()
                }
            }
        }
        months.removeAll()
        sums.removeAll()
    }
}

/// Byte strings to dense ids (0 is NULL), by content.
struct Interner {
    private var slots = [Int32](repeating: 0, count: 1024)
    private var hashes: [UInt64] = [0]
    private var spans: [(start: Int, count: Int)] = [(0, -1)]
    private var bytes: [UInt8] = []

    var count: Int { spans.count }

    func string(_ id: Int) -> String? {
        let span = spans[id]
        guard span.count >= 0 else { return nil }
        return String(decoding: bytes[span.start..<(span.start + span.count)], as: UTF8.self)
    }

    @inline(__always)
    mutating func id(of cell: Cell, body: UnsafeRawBufferPointer, arena: UnsafeRawBufferPointer) -> Int {
        switch cell {
        case .body(let s, let l): return id(of: UnsafeRawBufferPointer(rebasing: body[Int(s)..<Int(s + l)]))
        case .arena(let s, let l): return id(of: UnsafeRawBufferPointer(rebasing: arena[Int(s)..<Int(s + l)]))
        case .null, .int: return 0
        }
    }

    mutating func id(of key: UnsafeRawBufferPointer) -> Int {
        let h = Self.hash(key)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = Int(slots[i])
            if slot == 0 { break }
            if hashes[slot] == h && equal(slot, key) { return slot }
            i = (i + 1) & mask
        }
        let id = spans.count
        spans.append((bytes.count, key.count))
        bytes.append(contentsOf: key)
        hashes.append(h)
        slots[i] = Int32(id)
        if spans.count * 2 > slots.count { grow() }
        return id
    }

    /// Byte order (SQLite's BINARY collation), NULL first.
    func precedes(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = (spans[a], spans[b])
        if x.count < 0 || y.count < 0 { return x.count < y.count }
        let common = min(x.count, y.count)
        let c = common == 0 ? 0 : bytes.withUnsafeBytes { memcmp($0.baseAddress! + x.start, $0.baseAddress! + y.start, common) }
        return c != 0 ? c < 0 : x.count < y.count
    }

    private func equal(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let span = spans[id]
        guard span.count == key.count else { return false }
        guard span.count > 0 else { return true }
        return bytes.withUnsafeBytes { memcmp($0.baseAddress! + span.start, key.baseAddress!, span.count) == 0 }
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for id in 1..<spans.count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }

    /// A fast non-cryptographic hash (8 bytes at a time, multiply and rotate).
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h = (h << 29) | (h >> 35)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }
}
