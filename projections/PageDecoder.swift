import CoreValues
import Foundation
import TableSchemas

/// Decodes one raw report page into the rows it gives one table.
///
/// Known fields are strictly typed (a token count must be a JSON integer, `amount` a decimal
/// string, a dimension a string or null); unknown fields and unknown enum values are tolerated:
/// they stay in the raw page in the ledger and change nothing here. A missing dimension key means
/// `null`. A page that cannot be decoded throws `ProjectionError` naming its event, never a
/// skipped row. Rows whose day is not one `keep` accepts are dropped: they belong to days for
/// which another fetch is authoritative.
struct PageDecoder {
    /// How a cost amount in cents becomes dollars. Only tests use anything but `.cents`: the
    /// `.centsAsDollars` variant reproduces the historical 100x bug so `diff` can be shown to catch it.
    enum AmountUnit: Sendable {
        case cents
        case centsAsDollars
    }

    var amountUnit: AmountUnit = .cents

    /// The `organization_id` of every row: the `id` of the newest `organization` event in the
    /// ledger, nil (NULL) when it has none. A Claude Code record's own `organization_id` is not
    /// projected; `audit` checks it against this one.
    var organizationID: String?

    func decode(
        table: ProjectionTable, eventID: String, seq: Int64, body: Data,
        keep: (Day) -> Bool
    ) throws -> DecodedPage {
        var page = try decodeRows(table: table, eventID: eventID, seq: seq, body: body, keep: keep)
        page.computeDigests()
        return page
    }

    /// `decode` without the row digests.
    func decodeRows(
        table: ProjectionTable, eventID: String, seq: Int64, body: Data,
        keep: (Day) -> Bool
    ) throws -> DecodedPage {
        var page = DecodedPage(table: table, eventID: eventID, seq: seq, body: body)
        do {
            try body.withUnsafeBytes { raw in
                let buffer = raw.bindMemory(to: UInt8.self)
                var scanner = JSONScanner(buffer)
                try decodeEnvelope(&scanner, into: &page, keep: keep)
            }
        } catch let failure as JSONScanner.Failure {
            throw ProjectionError(
                .undecodablePage,
                "event \(eventID): \(table.stream) page cannot be decoded: \(failure)",
                eventID: eventID, stream: table.stream.rawValue)
        } catch let failure as RowFailure {
            throw ProjectionError(
                .undecodablePage,
                "event \(eventID): \(table.stream) page cannot be decoded: \(failure.message)",
                eventID: eventID, stream: table.stream.rawValue)
        }
        return page
    }

    struct RowFailure: Error {
        var message: String
    }

    private func decodeEnvelope(
        _ s: inout JSONScanner, into page: inout DecodedPage,
        keep: (Day) -> Bool
    ) throws {
        var state = try s.beginObject()
        var sawData = false
        var refreshed: Day?
        let eventCell = page.arenaCell(page.eventID.utf8)
        let orgCell = organizationID.map { page.arenaCell($0.utf8) } ?? .null
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "data") {
                sawData = true
                var items = try s.beginArray()
                while try s.nextElement(&items) {
                    switch page.table {
                    case .costs, .usage:
                        try decodeBucket(&s, into: &page, cells: (eventCell, orgCell), keep: keep)
                    case .claudeCode:
                        try decodeClaudeCodeRecord(&s, into: &page, cells: (eventCell, orgCell), keep: keep)
                    case .costsByKey, .usageByActor:
                        try decodeAnalyticsItem(&s, into: &page, cells: (eventCell, orgCell), keep: keep)
                    }
                }
            } else if s.keyIs(key, "has_more") {
                _ = try s.readBool()
            } else if s.keyIs(key, "next_page") {
                _ = try s.readStringOrNull()
            } else if s.keyIs(key, "data_refreshed_at"), page.table.isAnalytics {
                refreshed = try Self.refreshedDay(s, try s.readStringOrNull())
            } else {
                try s.skipValue()
            }
        }
        try s.expectEnd()
        guard sawData else { throw RowFailure(message: "no \"data\" array") }
        if page.table.isAnalytics { markProvisional(&page, refreshedDay: refreshed) }
    }

    // MARK: buckets (cost and usage)

    /// The cells every row of a page ends with: its event and its organization.
    typealias TrailingCells = (event: Cell, organization: Cell)

    private func decodeBucket(
        _ s: inout JSONScanner, into page: inout DecodedPage, cells: TrailingCells,
        keep: (Day) -> Bool
    ) throws {
        var state = try s.beginObject()
        var day: Day?
        var sawResults = false
        let firstRow = page.rowCount
        let n = page.columnCount
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "starting_at") {
                let raw = try s.readString()
                guard let d = Self.bucketDay(try s.unescaped(raw)) else {
                    throw RowFailure(message: "bucket starting_at is not an RFC 3339 UTC timestamp")
                }
                day = d
            } else if s.keyIs(key, "ending_at") {
                _ = try s.readString()
            } else if s.keyIs(key, "results") {
                sawResults = true
                var rows = try s.beginArray()
                while try s.nextElement(&rows) {
                    if page.table == .costs {
                        try decodeCostRow(&s, into: &page, cells: cells)
                    } else {
                        try decodeUsageRow(&s, into: &page, cells: cells)
                    }
                }
            } else {
                try s.skipValue()
            }
        }
        guard let day else { throw RowFailure(message: "bucket without starting_at") }
        guard sawResults else { throw RowFailure(message: "bucket \(day) without results") }
        let added = page.rowCount - firstRow
        guard added > 0 else { return }
        if !keep(day) {
            page.cells.removeLast(added * n)
            page.days.removeLast(added)
            return
        }
        let dateCell = page.arenaCell(day.description.utf8)
        for row in firstRow..<page.rowCount {
            page.cells[row * n] = dateCell
            page.days[row] = Int32(day.daysSinceEpoch)
        }
    }

    /// The UTC day of a bucket's `starting_at`: `YYYY-MM-DDTHH:MM:SS[.fff](Z|+00:00)`.
    static func bucketDay(_ bytes: [UInt8]) -> Day? {
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        let tail = bytes.count
        let utc =
            bytes[tail - 1] == UInt8(ascii: "Z") || bytes[tail - 1] == UInt8(ascii: "z")
            || (tail >= 25 && Array(bytes[(tail - 6)...]) == Array("+00:00".utf8))
        guard utc else { return nil }
        for i in [11, 12, 14, 15, 17, 18] where !(bytes[i] >= 0x30 && bytes[i] <= 0x39) { return nil }
        return Day(String(decoding: bytes[0..<10], as: UTF8.self))
    }

    @inline(__always)
    func textCell(_ s: JSONScanner, _ key: JSONScanner.Key?, _ page: inout DecodedPage) throws -> Cell {
        guard let key else { return .null }
        if !key.hasEscapes { return .body(Int32(key.start), Int32(key.length)) }
        return page.arenaCell(try s.unescaped(key))
    }

    private func decodeCostRow(_ s: inout JSONScanner, into page: inout DecodedPage, cells: TrailingCells) throws {
        // date, workspace_id, description, cost_type, model, token_type, service_tier,
        // context_window, inference_geo, currency, amount_cents, amount_usd, event_id, organization_id
        var row = [Cell](repeating: .null, count: 14)
        var amount: ExactDecimal?
        var sawCurrency = false
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            let column: Int
            if s.keyIs(key, "amount") {
                let raw = try s.readString()
                let bytes = try s.unescaped(raw)
                do {
                    amount = try ExactDecimal(parsing: String(decoding: bytes, as: UTF8.self))
                } catch {
                    throw RowFailure(message: "cost amount is not a decimal string: \(error)")
                }
                row[10] = try textCell(s, raw, &page)
                continue
            } else if s.keyIs(key, "currency") {
                row[9] = try textCell(s, try s.readString(), &page)
                sawCurrency = true
                continue
            } else if s.keyIs(key, "workspace_id") {
                column = 1
            } else if s.keyIs(key, "description") {
                column = 2
            } else if s.keyIs(key, "cost_type") {
                column = 3
            } else if s.keyIs(key, "model") {
                column = 4
            } else if s.keyIs(key, "token_type") {
                column = 5
            } else if s.keyIs(key, "service_tier") {
                column = 6
            } else if s.keyIs(key, "context_window") {
                column = 7
            } else if s.keyIs(key, "inference_geo") {
                column = 8
            } else {
                try s.skipValue()
                continue
            }
            row[column] = try textCell(s, try s.readStringOrNull(), &page)
        }
        guard let amount else { throw RowFailure(message: "cost row without amount") }
        guard sawCurrency else { throw RowFailure(message: "cost row without currency") }
        let usd: ExactDecimal
        switch amountUnit {
        case .cents:
            do {
                usd = try amount.dividedByPowerOfTen(2)
            } catch {
                throw RowFailure(message: "cost amount out of range: \(error)")
            }
        case .centsAsDollars:
            usd = amount
        }
        row[11] = page.arenaCell(usd.description.utf8)
        row[12] = cells.event
        row[13] = cells.organization
        page.cells.append(contentsOf: row)
        page.days.append(0)
    }

    private func decodeUsageRow(_ s: inout JSONScanner, into page: inout DecodedPage, cells: TrailingCells) throws {
        // date, api_key_id, workspace_id, model, service_tier, context_window, inference_geo,
        // uncached, cache_creation_5m, cache_creation_1h, cache_read, output, web_search, event_id,
        // organization_id
        var dims: (Cell, Cell, Cell, Cell, Cell, Cell) = (.null, .null, .null, .null, .null, .null)
        var uncached: Int64?, c5m: Int64?, c1h: Int64?, read: Int64?, output: Int64?, web: Int64?
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            switch key.length {
            case 10 where s.keyIs(key, "api_key_id"): dims.0 = try textCell(s, try s.readStringOrNull(), &page)
            case 12 where s.keyIs(key, "workspace_id"): dims.1 = try textCell(s, try s.readStringOrNull(), &page)
            case 5 where s.keyIs(key, "model"): dims.2 = try textCell(s, try s.readStringOrNull(), &page)
            case 12 where s.keyIs(key, "service_tier"): dims.3 = try textCell(s, try s.readStringOrNull(), &page)
            case 14 where s.keyIs(key, "context_window"): dims.4 = try textCell(s, try s.readStringOrNull(), &page)
            case 13 where s.keyIs(key, "inference_geo"): dims.5 = try textCell(s, try s.readStringOrNull(), &page)
            case 21 where s.keyIs(key, "uncached_input_tokens"): uncached = try s.readInt()
            case 23 where s.keyIs(key, "cache_read_input_tokens"): read = try s.readInt()
            case 13 where s.keyIs(key, "output_tokens"): output = try s.readInt()
            case 14 where s.keyIs(key, "cache_creation"):
                var inner = try s.beginObject()
                while let k = try s.nextKey(&inner) {
                    if s.keyIs(k, "ephemeral_5m_input_tokens") {
                        c5m = try s.readInt()
                    } else if s.keyIs(k, "ephemeral_1h_input_tokens") {
                        c1h = try s.readInt()
                    } else {
                        try s.skipValue()
                    }
                }
            case 15 where s.keyIs(key, "server_tool_use"):
                var inner = try s.beginObject()
                while let k = try s.nextKey(&inner) {
                    if s.keyIs(k, "web_search_requests") { web = try s.readInt() } else { try s.skipValue() }
                }
            default:
                if key.hasEscapes {
                    // An escaped spelling of a known key is rare enough to take the slow path.
                    try decodeUsageEscapedKey(key, &s)
                } else {
                    try s.skipValue()
                }
            }
        }
        guard let uncached else { throw RowFailure(message: "usage row without uncached_input_tokens") }
        guard let c5m, let c1h else {
            throw RowFailure(message: "usage row without cache_creation.ephemeral_5m_input_tokens/ephemeral_1h_input_tokens")
        }
        guard let read else { throw RowFailure(message: "usage row without cache_read_input_tokens") }
        guard let output else { throw RowFailure(message: "usage row without output_tokens") }
        guard let web else { throw RowFailure(message: "usage row without server_tool_use.web_search_requests") }
        page.cells.append(.null)
        page.cells.append(dims.0)
        page.cells.append(dims.1)
        page.cells.append(dims.2)
        page.cells.append(dims.3)
        page.cells.append(dims.4)
        page.cells.append(dims.5)
        page.cells.append(.int(uncached))
        page.cells.append(.int(c5m))
        page.cells.append(.int(c1h))
        page.cells.append(.int(read))
        page.cells.append(.int(output))
        page.cells.append(.int(web))
        page.cells.append(cells.event)
        page.cells.append(cells.organization)
        page.days.append(0)
    }

    private static let usageKeys: Set<String> = [
        "api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
        "uncached_input_tokens", "cache_read_input_tokens", "output_tokens", "cache_creation", "server_tool_use",
    ]

    /// A key spelled with escapes: skipped when unknown; a known key spelled that way is refused
    /// rather than read on a slower second path.
    private func decodeUsageEscapedKey(_ key: JSONScanner.Key, _ s: inout JSONScanner) throws {
        let name = String(decoding: try s.unescaped(key), as: UTF8.self)
        if PageDecoder.usageKeys.contains(name) {
            throw RowFailure(message: "usage row key \(name) is spelled with escapes")
        }
        try s.skipValue()
    }

    // MARK: Claude Code records

    private func decodeClaudeCodeRecord(
        _ s: inout JSONScanner, into page: inout DecodedPage, cells: TrailingCells,
        keep: (Day) -> Bool
    ) throws {
        let n = page.columnCount
        var row = [Cell](repeating: .null, count: n)
        var counts = [Int64](repeating: 0, count: 17)  // num_sessions … cache_creation_tokens
        var day: Day?
        var sawCore = false
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "date") {
                let text = String(decoding: try s.unescaped(try s.readString()), as: UTF8.self)
                guard let d = Day(midnightTimestamp: text) else {
                    throw RowFailure(message: "record date is neither YYYY-MM-DD nor an RFC 3339 UTC midnight")
                }
                day = d
            } else if s.keyIs(key, "actor") {
                try decodeActor(&s, into: &row, &page)
            } else if s.keyIs(key, "organization_id") {
                // Checked by `audit` against the ledger's organization; the column takes that one.
                _ = try s.readStringOrNull()
            } else if s.keyIs(key, "customer_type") {
                row[4] = try textCell(s, try s.readStringOrNull(), &page)
            } else if s.keyIs(key, "subscription_type") {
                row[5] = try textCell(s, try s.readStringOrNull(), &page)
            } else if s.keyIs(key, "terminal_type") {
                row[6] = try textCell(s, try s.readStringOrNull(), &page)
            } else if s.keyIs(key, "is_remote") {
                row[7] = try s.readBoolOrNull().map { .int($0 ? 1 : 0) } ?? .null
            } else if s.keyIs(key, "core_metrics") {
                sawCore = true
                try decodeCoreMetrics(&s, into: &counts)
            } else if s.keyIs(key, "tool_actions") {
                try decodeToolActions(&s, into: &counts)
            } else if s.keyIs(key, "model_breakdown") {
                try decodeModelBreakdown(&s, into: &counts)
            } else {
                try s.skipValue()
            }
        }
        guard let day else { throw RowFailure(message: "Claude Code record without date") }
        guard sawCore else { throw RowFailure(message: "Claude Code record without core_metrics") }
        guard keep(day) else { return }
        row[0] = page.arenaCell(day.description.utf8)
        for i in 0..<17 { row[8 + i] = .int(counts[i]) }
        row[3] = cells.organization
        row[n - 1] = cells.event
        page.cells.append(contentsOf: row)
        page.days.append(Int32(day.daysSinceEpoch))
    }

    /// `actor`: its type into `row[1]`, the email (user_actor) or key name (api_actor) into `row[2]`.
    private func decodeActor(_ s: inout JSONScanner, into row: inout [Cell], _ page: inout DecodedPage) throws {
        var actorType: JSONScanner.Key?
        var email: JSONScanner.Key?
        var keyName: JSONScanner.Key?
        var inner = try s.beginObject()
        while let k = try s.nextKey(&inner) {
            if s.keyIs(k, "type") {
                actorType = try s.readStringOrNull()
            } else if s.keyIs(k, "email_address") {
                email = try s.readStringOrNull()
            } else if s.keyIs(k, "api_key_name") {
                keyName = try s.readStringOrNull()
            } else {
                try s.skipValue()
            }
        }
        row[1] = try textCell(s, actorType, &page)
        if let actorType {
            let type = try s.unescaped(actorType)
            if type == Array("user_actor".utf8) {
                row[2] = try textCell(s, email, &page)
            } else if type == Array("api_actor".utf8) {
                row[2] = try textCell(s, keyName, &page)
            }
            // An unknown actor type keeps its type and a NULL actor.
        }
    }

    /// `core_metrics` into `counts[0...4]`; every one of them must be present.
    private func decodeCoreMetrics(_ s: inout JSONScanner, into counts: inout [Int64]) throws {
        var seen = 0
        var inner = try s.beginObject()
        while let k = try s.nextKey(&inner) {
            if s.keyIs(k, "num_sessions") {
                counts[0] = try s.readInt(); seen |= 1
            } else if s.keyIs(k, "lines_of_code") {
                var loc = try s.beginObject()
                while let l = try s.nextKey(&loc) {
                    if s.keyIs(l, "added") {
                        counts[1] = try s.readInt(); seen |= 2
                    } else if s.keyIs(l, "removed") {
                        counts[2] = try s.readInt(); seen |= 4
                    } else {
                        try s.skipValue()
                    }
                }
            } else if s.keyIs(k, "commits_by_claude_code") {
                counts[3] = try s.readInt(); seen |= 8
            } else if s.keyIs(k, "pull_requests_by_claude_code") {
                counts[4] = try s.readInt(); seen |= 16
            } else {
                try s.skipValue()
            }
        }
        guard seen == 31 else {
            throw RowFailure(
                message:
                    "record core_metrics lacks num_sessions, lines_of_code.added/removed, commits_by_claude_code or pull_requests_by_claude_code"
            )
        }
    }

    /// `tool_actions` (or null) into `counts[5...12]`, accepted then rejected per tool.
    private func decodeToolActions(_ s: inout JSONScanner, into counts: inout [Int64]) throws {
        if s.peek() == UInt8(ascii: "n") {
            try s.readLiteral("null")
            return
        }
        var inner = try s.beginObject()
        while let k = try s.nextKey(&inner) {
            let base: Int
            if s.keyIs(k, "edit_tool") {
                base = 5
            } else if s.keyIs(k, "multi_edit_tool") {
                base = 7
            } else if s.keyIs(k, "write_tool") {
                base = 9
            } else if s.keyIs(k, "notebook_edit_tool") {
                base = 11
            } else {
                try s.skipValue()
                continue
            }
            var tool = try s.beginObject()
            while let t = try s.nextKey(&tool) {
                if s.keyIs(t, "accepted") {
                    counts[base] = try s.readInt()
                } else if s.keyIs(t, "rejected") {
                    counts[base + 1] = try s.readInt()
                } else {
                    try s.skipValue()
                }
            }
        }
    }

    /// `model_breakdown` (or null): token counts summed over models into `counts[13...16]`.
    private func decodeModelBreakdown(_ s: inout JSONScanner, into counts: inout [Int64]) throws {
        if s.peek() == UInt8(ascii: "n") {
            try s.readLiteral("null")
            return
        }
        var models = try s.beginArray()
        while try s.nextElement(&models) {
            var model = try s.beginObject()
            while let m = try s.nextKey(&model) {
                if s.keyIs(m, "tokens") {
                    var tokens = try s.beginObject()
                    while let t = try s.nextKey(&tokens) {
                        let index: Int
                        if s.keyIs(t, "input") {
                            index = 13
                        } else if s.keyIs(t, "output") {
                            index = 14
                        } else if s.keyIs(t, "cache_read") {
                            index = 15
                        } else if s.keyIs(t, "cache_creation") {
                            index = 16
                        } else {
                            try s.skipValue()
                            continue
                        }
                        let (sum, overflow) = counts[index].addingReportingOverflow(try s.readInt())
                        guard !overflow else { throw RowFailure(message: "token sum out of range") }
                        counts[index] = sum
                    }
                } else {
                    // `model` and `estimated_cost` (an estimate in integer cents) are not
                    // projected: Claude Code spend is already inside claude_costs.
                    try s.skipValue()
                }
            }
        }
    }
}
