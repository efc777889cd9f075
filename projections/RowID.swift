/// The rowid of every projection row: the row's UTC day in the high bits and its ordinal among
/// that table's rows of the day in the low 24 bits (`day << 24 | ordinal`).
///
/// Rows are inserted in day order, so every table is an append-only B-tree without a secondary
/// index, and the rows of a day are one rowid range: an update deletes and re-hashes a day by
/// range, and readers can turn a date range into a rowid range. The rowid is not a declared
/// column, so the tables' columns stay as documented; SQL that filters by `date` still works
/// (as a scan).
enum RowID {
    static let ordinalBits: Int64 = 24
    /// Rows one table can hold for one day.
    static let ordinalsPerDay: Int64 = 1 << ordinalBits

    /// The first rowid of `day` (days since 1970-01-01, UTC).
    @inline(__always)
    static func first(day: Int32) -> Int64 { Int64(day) << ordinalBits }

    /// The last rowid of `day`.
    @inline(__always)
    static func last(day: Int32) -> Int64 { first(day: day) | (ordinalsPerDay - 1) }
}
