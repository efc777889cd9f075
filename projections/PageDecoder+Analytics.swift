import CoreValues
import Foundation
import TableSchemas

/// The Usage and Cost Analytics API's pages (`analytics_cost`, `analytics_usage`): a flat list of
/// rows, each with its own `starting_at`, a `group` and its `cost` or `usage`, and a page-level
/// `data_refreshed_at` (analytics-api.md §3, SPEC "Projection semantics").
extension ProjectionTable {
    var isAnalytics: Bool { self == .costsByKey || self == .usageByActor }
}

extension PageDecoder {
    /// Column positions the analytics decoders fill, from the one schema.
    private static let costsByKey = ProjectionTable.costsByKey.schema
    private static let usageByActor = ProjectionTable.usageByActor.schema

    /// The UTC day of `data_refreshed_at`, nil when it is null. A row's day ends after the
    /// watermark exactly when the day is on or after this day, whatever the time of day.
    static func refreshedDay(_ s: JSONScanner, _ key: JSONScanner.Key?) throws -> Day? {
        guard let key else { return nil }
        let bytes = try s.unescaped(key)
        if let day = bucketDay(bytes) { return day }
        let text = String(decoding: bytes, as: UTF8.self)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) ?? plain.date(from: text) else {
            throw RowFailure(message: "data_refreshed_at is not an RFC 3339 timestamp")
        }
        return Day(daysSinceEpoch: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// Sets every row's `provisional`: 1 when its day is on or after the watermark's day (the day
    /// ends after `data_refreshed_at`), or the page had no watermark; else 0.
    func markProvisional(_ page: inout DecodedPage, refreshedDay: Day?) {
        guard let column = page.table.schema.index(of: "provisional") else { return }
        let n = page.columnCount
        let limit = refreshedDay.map { Int32($0.daysSinceEpoch) }
        for row in 0..<page.rowCount {
            let provisional = limit.map { page.days[row] >= $0 } ?? true
            page.cells[row * n + column] = .int(provisional ? 1 : 0)
        }
    }

    /// One analytics row: its day, its group, its cost or usage. Rows of days `keep` refuses
    /// are dropped.
    func decodeAnalyticsItem(
        _ s: inout JSONScanner, into page: inout DecodedPage, cells: TrailingCells,
        keep: (Day) -> Bool
    ) throws {
        let n = page.columnCount
        var row = [Cell](repeating: .null, count: n)
        var day: Day?
        var sawMetrics = false
        let metricsKey: StaticString = page.table == .costsByKey ? "cost" : "usage"
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "starting_at") {
                guard let d = Self.bucketDay(try s.unescaped(try s.readString())) else {
                    throw RowFailure(message: "row starting_at is not an RFC 3339 UTC timestamp")
                }
                day = d
            } else if s.keyIs(key, "group") {
                if page.table == .costsByKey {
                    try decodeCostGroup(&s, into: &page, row: &row)
                } else {
                    try decodeUsageGroup(&s, into: &page, row: &row)
                }
            } else if s.keyIs(key, metricsKey) {
                sawMetrics = true
                if page.table == .costsByKey {
                    try decodeAnalyticsCost(&s, into: &page, row: &row)
                } else {
                    try decodeAnalyticsUsage(&s, row: &row)
                }
            } else {
                try s.skipValue()
            }
        }
        guard let day else { throw RowFailure(message: "analytics row without starting_at") }
        guard sawMetrics else { throw RowFailure(message: "analytics row \(day) without \(metricsKey)") }
        guard keep(day) else { return }
        row[0] = page.arenaCell(day.description.utf8)
        row[n - 2] = cells.event
        row[n - 1] = cells.organization
        page.cells.append(contentsOf: row)
        page.days.append(Int32(day.daysSinceEpoch))
    }

    /// A `group` object: each known dimension into its column; `null` or absent stays NULL.
    private func decodeGroupColumns(
        _ s: inout JSONScanner, into page: inout DecodedPage, row: inout [Cell],
        schema: TableSchema, names: [String],
        other: (inout JSONScanner, JSONScanner.Key, inout [Cell]) throws -> Bool
    ) throws {
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            if try other(&s, key, &row) { continue }
            let name = String(decoding: try s.unescaped(key), as: UTF8.self)
            if names.contains(name), let column = schema.index(of: name) {
                row[column] = try textCell(s, try s.readStringOrNull(), &page)
            } else {
                try s.skipValue()
            }
        }
    }

    private static let costGroupNames = [
        "workspace_id", "api_key_id", "model", "service_tier", "context_window",
        "cost_type", "token_type",
    ]
    private static let usageGroupNames = ["workspace_id", "api_key_id", "model", "product"]

    private func decodeCostGroup(_ s: inout JSONScanner, into page: inout DecodedPage, row: inout [Cell]) throws {
        try decodeGroupColumns(&s, into: &page, row: &row, schema: Self.costsByKey, names: Self.costGroupNames) { _, _, _ in false }
    }

    /// The usage `group`: the dimensions, `actor_type` and the `actor` object (SPEC's actor_id rule).
    private func decodeUsageGroup(_ s: inout JSONScanner, into page: inout DecodedPage, row: inout [Cell]) throws {
        var groupActorType: JSONScanner.Key?
        var actor = ActorFields()
        try decodeGroupColumns(&s, into: &page, row: &row, schema: Self.usageByActor, names: Self.usageGroupNames) { s, key, _ in
            if s.keyIs(key, "actor_type") {
                groupActorType = try s.readStringOrNull()
                return true
            }
            if s.keyIs(key, "actor") {
                actor = try ActorFields.read(&s)
                return true
            }
            return false
        }
        let schema = Self.usageByActor
        let typeKey = actor.type ?? groupActorType
        row[schema.index(of: "actor_type")!] = try textCell(s, typeKey, &page)
        guard let typeKey else { return }
        let type = String(decoding: try s.unescaped(typeKey), as: UTF8.self)
        row[schema.index(of: "actor_id")!] = try actor.idCell(type: type, s, &page, decoder: self)
        if type == "user_actor" {
            row[schema.index(of: "actor_email")!] = try textCell(s, actor.email, &page)
            row[schema.index(of: "actor_name")!] = try textCell(s, actor.name, &page)
        }
    }

    /// `cost`: `amount` and `list_amount` (cents strings, exact) and their dollars, `currency`.
    private func decodeAnalyticsCost(_ s: inout JSONScanner, into page: inout DecodedPage, row: inout [Cell]) throws {
        let schema = Self.costsByKey
        var amounts: [String: ExactDecimal] = [:]
        var sawCurrency = false
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "amount") || s.keyIs(key, "list_amount") {
                let name = s.keyIs(key, "amount") ? "amount" : "list_amount"
                let raw = try s.readString()
                do {
                    amounts[name] = try ExactDecimal(parsing: String(decoding: try s.unescaped(raw), as: UTF8.self))
                } catch {
                    throw RowFailure(message: "cost \(name) is not a decimal string: \(error)")
                }
                row[schema.index(of: "\(name)_cents")!] = try textCell(s, raw, &page)
            } else if s.keyIs(key, "currency") {
                row[schema.index(of: "currency")!] = try textCell(s, try s.readString(), &page)
                sawCurrency = true
            } else {
                try s.skipValue()
            }
        }
        guard sawCurrency else { throw RowFailure(message: "analytics cost without currency") }
        for name in ["amount", "list_amount"] {
            guard let cents = amounts[name] else { throw RowFailure(message: "analytics cost without \(name)") }
            let usd: ExactDecimal
            do {
                usd = amountUnit == .cents ? try cents.dividedByPowerOfTen(2) : cents
            } catch {
                throw RowFailure(message: "cost \(name) out of range: \(error)")
            }
            row[schema.index(of: "\(name)_usd")!] = page.arenaCell(usd.description.utf8)
        }
    }
}
