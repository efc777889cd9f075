import CoreValues
import Foundation

/// A per-day USD total read from the Console's cost export or any CSV with a date column and a
/// USD amount column. Header names are matched loosely, `$` signs and thousands separators are
/// accepted, several rows per day (per model or workspace) are summed. Every failure names the
/// line and column.
public struct DashboardCSV: Sendable {
    public enum DateOrder: String, Sendable, CaseIterable {
        /// Decide from the file: ISO `YYYY-MM-DD`, or US `MM/DD/YYYY`; a day-first file is refused.
        case auto
        case iso
        case us
        /// `DD/MM/YYYY`.
        case dayFirst = "day-first"
    }

    public var totals: [Day: ExactDecimal]
    public var dateColumn: String
    public var amountColumn: String
    public var rowCount: Int

    static let dateHeaders = ["date", "usagedate", "day", "billingdate", "startingat", "startdate", "period", "usageday"]
    static let amountHeaders = [
        "amountusd", "costusd", "usd", "totalcostusd", "totalusd", "cost", "totalcost", "total",
        "amount", "spend", "spendusd", "costindollars", "netcost", "costdollars",
    ]

    /// A header as an error line may show it: printable characters only (no escape sequences
    /// reach the terminal), at most 8 columns and 120 characters.
    static func shown(_ fields: [String]) -> String {
        let cleaned = fields.prefix(8).map { field in
            String(field.unicodeScalars.map { $0.properties.generalCategory == .control || $0.value == 0x7F ? "?" : Character($0) })
        }
        var text = "[" + cleaned.joined(separator: ", ")
        if text.count > 120 { text = String(text.prefix(117)) + "..." }
        if fields.count > 8 && !text.hasSuffix("...") { text += ", ..." }
        return text + "] (\(fields.count) column\(fields.count == 1 ? "" : "s"))"
    }

    /// When a one-column header holds `;` or tabs, the file uses another separator.
    static func separatorHint(_ fields: [String]) -> String {
        guard fields.count == 1, let only = fields.first else { return "" }
        if only.contains(";") { return "; the file looks semicolon-separated: save it with commas (CSV)" }
        if only.contains("\t") { return "; the file looks tab-separated: save it with commas (CSV)" }
        return ""
    }

    static func normalize(_ header: String) -> String {
        String(header.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    public init(text: String, dateOrder: DateOrder = .auto) throws {
        let records = try DashboardCSV.parseRecords(text)
        guard let header = records.first(where: { !$0.fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }) else {
            throw ReportingError.badInput("the dashboard file is empty: export the cost table from the Console as CSV")
        }
        let normalized = header.fields.map(DashboardCSV.normalize)
        func find(_ names: [String]) -> Int? {
            for name in names { if let i = normalized.firstIndex(of: name) { return i } }
            return nil
        }
        guard let dateIndex = find(DashboardCSV.dateHeaders) else {
            throw ReportingError.badInput(
                "line \(header.line): no date column in the header \(DashboardCSV.shown(header.fields))\(DashboardCSV.separatorHint(header.fields)): name one `date`"
            )
        }
        guard let amountIndex = find(DashboardCSV.amountHeaders) else {
            throw ReportingError.badInput(
                "line \(header.line): no USD amount column in the header \(DashboardCSV.shown(header.fields))\(DashboardCSV.separatorHint(header.fields)): name one `amount_usd` or `cost`"
            )
        }
        dateColumn = header.fields[dateIndex]
        amountColumn = header.fields[amountIndex]
        let dataRecords = records.filter {
            $0.line > header.line && !$0.fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        let order = try DashboardCSV.decideOrder(
            dataRecords.map { ($0.line, $0.fields.count > dateIndex ? $0.fields[dateIndex] : "") },
            requested: dateOrder, column: dateIndex + 1)
        var totals: [Day: ExactDecimal] = [:]
        for record in dataRecords {
            guard record.fields.count > max(dateIndex, amountIndex) else {
                throw ReportingError.badInput(
                    "line \(record.line): \(record.fields.count) fields, expected \(header.fields.count): fix or remove the line")
            }
            let rawDate = record.fields[dateIndex].trimmingCharacters(in: .whitespaces)
            // A trailing "Total" row of a spreadsheet export is not a day.
            if DashboardCSV.normalize(rawDate) == "total" || DashboardCSV.normalize(rawDate) == "grandtotal" { continue }
            guard let day = DashboardCSV.parseDate(rawDate, order: order) else {
                throw ReportingError.badInput(
                    "line \(record.line), column \(dateIndex + 1) (\(dateColumn)): '\(rawDate.prefix(30))' is not a date: use YYYY-MM-DD")
            }
            let rawAmount = record.fields[amountIndex]
            guard let amount = DashboardCSV.parseAmount(rawAmount) else {
                throw ReportingError.badInput(
                    "line \(record.line), column \(amountIndex + 1) (\(amountColumn)): '\(rawAmount.prefix(30))' is not a USD amount")
            }
            do {
                totals[day] = try (totals[day] ?? .zero).adding(amount)
            } catch {
                throw ReportingError.badInput("line \(record.line): amount out of range")
            }
        }
        guard !totals.isEmpty else {
            throw ReportingError.badInput("the dashboard file has a header but no rows")
        }
        self.totals = totals
        self.rowCount = dataRecords.count
    }

    /// `$1,234.50`, `1234.5`, `"1,234.50"`, `USD 12.00`, `(5.00)` (negative), `-5`.
    static func parseAmount(_ raw: String) -> ExactDecimal? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        var negative = false
        if text.hasPrefix("(") && text.hasSuffix(")") {
            negative = true
            text = String(text.dropFirst().dropLast())
        }
        for prefix in ["USD", "US$"] where text.uppercased().hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
        if text.hasPrefix("-") {
            negative.toggle()
            text = String(text.dropFirst()).trimmingCharacters(in: .whitespaces)
        }
        if text.hasPrefix("$") { text = String(text.dropFirst()) }
        // Thousands separators: commas only between digit groups of three.
        if text.contains(",") {
            let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            let groups = parts[0].split(separator: ",", omittingEmptySubsequences: false)
            guard groups.count > 1, !groups[0].isEmpty, groups[0].count <= 3,
                groups.dropFirst().allSatisfy({ $0.count == 3 })
            else { return nil }
            text = groups.joined() + (parts.count > 1 ? "." + parts[1] : "")
        }
        guard !text.isEmpty, let value = try? ExactDecimal(parsing: text), !text.hasPrefix("+") else { return nil }
        return negative ? value.negated() : value
    }

    static func parseDate(_ raw: String, order: DateOrder) -> Day? {
        if let day = Day(raw.prefix(10)), raw.count == 10 || raw.dropFirst(10).first == "T" || raw.dropFirst(10).first == " " {
            return day
        }
        let parts = raw.split(separator: " ").first.map { $0.split(separator: "/") } ?? []
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let y = Int(parts[2]), parts[2].count == 4 else { return nil }
        switch order {
        case .us, .auto: return Day(year: y, month: a, day: b)
        case .dayFirst: return Day(year: y, month: b, day: a)
        case .iso: return nil
        }
    }

    /// Slash dates are US month-first. A file where some first component is above 12 is
    /// day-first, which this refuses unless asked (`--date-order day-first`), rather than guess.
    static func decideOrder(_ values: [(line: Int, text: String)], requested: DateOrder, column: Int) throws -> DateOrder {
        guard requested == .auto else { return requested }
        var sawSlash = false
        for (line, text) in values {
            let parts = text.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map { $0.split(separator: "/") } ?? []
            guard parts.count == 3 else { continue }
            sawSlash = true
            if let first = Int(parts[0]), let second = Int(parts[1]), first > 12, second <= 12 {
                throw ReportingError.badInput(
                    "line \(line), column \(column): '\(text)' is day-first (DD/MM/YYYY), not US: pass --date-order day-first, or export dates as YYYY-MM-DD"
                )
            }
        }
        return sawSlash ? .us : .iso
    }

    struct Record {
        var line: Int
        var fields: [String]
    }

    /// RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF line ends, a BOM tolerated.
    static func parseRecords(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var afterQuote = false
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"":
                    guard field.trimmingCharacters(in: .whitespaces).isEmpty, !afterQuote else {
                        throw ReportingError.badInput("line \(line), column \(fields.count + 1): stray quote inside a field")
                    }
                    field = ""
                    inQuotes = true
                case ",":
                    fields.append(field)
                    field = ""
                    afterQuote = false
                case "\r":
                    break
                case "\n":
                    fields.append(field)
                    records.append(Record(line: recordLine, fields: fields))
                    fields = []
                    field = ""
                    afterQuote = false
                    line += 1
                    recordLine = line
                default:
                    if afterQuote && c != " " {
                        throw ReportingError.badInput("line \(line), column \(fields.count + 1): text after a closing quote")
                    }
                    field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if inQuotes {
            throw ReportingError.badInput("line \(recordLine), column \(fields.count + 1): quoted field never closed")
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
        }
        return records
    }
}
