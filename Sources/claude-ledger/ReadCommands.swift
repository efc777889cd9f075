import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Projections
import Reporting

extension TextTable.Format: ExpressibleByArgument {}
extension Report.Dimension: ExpressibleByArgument {}
extension DashboardCSV.DateOrder: ExpressibleByArgument {}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summaries of the tables: costs, usage or claude-code, grouped one way, over a date range; or html, a page with charts.",
        discussion: helpText(
            """
            `table` rounds money to cents for display; csv, json and markdown carry it exactly.
            Names of workspaces and API keys come from the names lists in the ledger.
            `costs --by api-key` is the billed cost per API key and `usage --by actor` the tokens
            per person, service account, federated identity or API key, both from the analytics
            API's tables; a note on stderr names the days of the range they do not cover and the
            provisional days.

            Examples:
              claude-ledger report costs --by day --since 2025-10-01 --until 2025-11-01
              claude-ledger report costs --by workspace --format csv
              claude-ledger report usage --by api-key --format json
              claude-ledger report costs --by api-key --since 2026-10-01
              claude-ledger report usage --by actor --format csv
              claude-ledger report claude-code --by actor --format markdown
              claude-ledger report html --out spend.html --since 2025-10-01 \\
                  --until 2025-11-01
            """))

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case costs, usage, claudeCode = "claude-code", html
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "costs, usage, claude-code or html.")
    var kind: Kind

    @Option(help: "day, workspace, model, api-key, actor or description.")
    var by: Report.Dimension = .day

    @OptionGroup var dates: DateRangeOptions

    @Option(help: "table, csv, json or markdown.")
    var format: TextTable.Format = .table

    @Option(help: ArgumentHelp("report html: the page to write.", valueName: "file"))
    var out: String?

    func run() async throws {
        if kind == .html { return try runHTML() }
        let tables = try global.data.projectionTables()
        let names = (try? global.openLedger()).flatMap { try? NameBook(ledger: $0) } ?? NameBook()
        let kind: Report.Kind =
            switch self.kind {
            case .costs: .costs
            case .usage: .usage
            case .claudeCode: .claudeCode
            case .html: preconditionFailure("handled by runHTML")
            }
        let options = Report.Options(kind: kind, by: by, since: dates.since, until: dates.until)
        let table = try Report.make(options, tables: tables, names: names)
        if let note = try Report.coverageNote(options, tables: tables) {
            FileHandle.standardError.write(Data("note: \(note)\n".utf8))
        }
        print(table.render(format), terminator: "")
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract:
            "Check the invariants: no duplicates, complete days, no money in Claude Code, units, ledger verifies, cost sources agree.",
        discussion: helpText(
            """
            Exit 0 when every invariant holds (warnings name the Admin API's known gaps), 1 when
            any fails. The units check prices each day's tokens at list price (projections/ListPrices.swift,
            or --prices FILE with lines model_prefix,token_type,YYYY-MM-DD,usd_per_mtok) and names a
            day billed about 100x its tokens: the cents-read-as-dollars signature. Invariant 6
            compares, per final (not provisional) day that both cover, the cost report's total with
            the analytics API's billed cost, to the cent or within --cost-tolerance, and lists each
            differing day with both totals.

            Examples:
              claude-ledger audit
              claude-ledger audit --format json --prices my-prices.csv
              claude-ledger audit --cost-tolerance 0.05
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "table or json.")
    var format: TextTable.Format = .table

    @Option(help: "A CSV of list prices to use instead of the built-in table.")
    var prices: String?

    @Option(
        help: ArgumentHelp(
            "How far (USD, after rounding to cents) the cost report and the analytics API's cost may differ on a final day.",
            valueName: "usd"))
    var costTolerance: String = "0"

    func run() async throws {
        guard format == .table || format == .json else {
            throw CLIFailure(.badInput, "audit prints table or json, not \(format.rawValue)")
        }
        guard let tolerance = try? ExactDecimal(parsing: costTolerance), !(tolerance < .zero) else {
            throw CLIFailure(.badInput, "--cost-tolerance '\(costTolerance)' is not a non-negative USD amount (for example 0.01)")
        }
        var priceTable = ListPrices.standard
        if let prices {
            guard let text = try? String(contentsOfFile: prices, encoding: .utf8) else {
                throw CLIFailure(.badInput, "cannot read the price file \(prices)")
            }
            do {
                priceTable = try ListPrices(csv: text)
            } catch {
                throw CLIFailure(.badInput, "\(prices): \(error)")
            }
        }
        let ledger = try global.openLedger()
        let tables = try global.data.projectionTables()
        let result = try Audit.run(ledger: ledger, tables: tables, prices: priceTable, costTolerance: tolerance)
        print(result.table().render(format), terminator: "")
        if format == .table {
            print(result.passed ? "audit: all invariants hold" : "audit: FAILED")
        }
        if !result.passed { throw CLIFailure.checkFailed() }
    }
}

struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare per-day cost with a Console CSV export (or any CSV with a date and a USD column).",
        discussion: helpText(
            """
            Headers are matched loosely (date, Date, usage_date; amount_usd, cost, Cost (USD),
            total…); $ signs and thousands separators are accepted; several rows per day are summed;
            dates are ISO or US (MM/DD/YYYY). Both sides are rounded to cents before comparing.
            Every run is recorded in DIR/reconciliations.sqlite; --history lists them.
            Exit 0 when every day matches within the tolerance, 1 otherwise, 2 for a malformed file.

            Examples:
              claude-ledger reconcile --dashboard console-costs.csv
              claude-ledger reconcile --dashboard costs.csv --tolerance 0.01
              claude-ledger reconcile --history
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "The dashboard CSV file.")
    var dashboard: String?

    @Option(help: "Largest accepted difference per day in USD.")
    var tolerance: String = "0.00"

    @Option(help: "How to read slash dates: auto, iso, us or day-first.")
    var dateOrder: DashboardCSV.DateOrder = .auto

    @Option(help: "table, csv, json or markdown.")
    var format: TextTable.Format = .table

    @Flag(help: "List earlier reconcile runs instead of running one.")
    var history = false

    func run() async throws {
        if history {
            guard let log = try ReconcileLog.openForReading(directory: global.dataDirectory) else {
                print("no reconcile runs recorded in \(global.dataDirectory.path)")
                return
            }
            print(try log.history().render(format), terminator: "")
            return
        }
        guard let dashboard else {
            throw CLIFailure(.badInput, "reconcile needs --dashboard FILE.csv (or --history)")
        }
        guard let tol = try? ExactDecimal(parsing: tolerance), !(tol < .zero) else {
            throw CLIFailure(.badInput, "--tolerance '\(tolerance)' is not a non-negative USD amount")
        }
        guard let data = FileManager.default.contents(atPath: dashboard) else {
            throw CLIFailure(.badInput, "cannot read \(dashboard)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIFailure(.badInput, "\(dashboard) is not UTF-8 text: export it as CSV")
        }
        let parsed: DashboardCSV
        do {
            parsed = try DashboardCSV(text: text, dateOrder: dateOrder)
        } catch let error as ReportingError {
            throw CLIFailure(.badInput, "\(dashboard): \(error.message)")
        }
        let ledger = try global.openLedger()
        let tables = try global.data.projectionTables()
        let result = try Reconciliation.compare(dashboard: parsed.totals, ledger: try tables.costPerDay(), tolerance: tol)
        print(try result.table().render(format), terminator: "")
        let stats = try ledger.stats()
        let head = try ledger.event(seq: stats.lastSeq)?.chainHashHex ?? ""
        let projectionsHash = FileManager.default.contents(atPath: global.projectionsURL.path).map(ReconcileLog.sha256Hex) ?? ""
        let verdict = result.isMatch ? "match" : "differs"
        if ReconcileLog.canRecord(in: global.dataDirectory) {
            try ReconcileLog(directory: global.dataDirectory, create: true)?.record(
                .init(
                    fileName: URL(fileURLWithPath: dashboard).lastPathComponent, fileSHA256: ReconcileLog.sha256Hex(data),
                    ledgerHeadSeq: stats.lastSeq, ledgerHeadChain: head, projectionsSHA256: projectionsHash,
                    days: result.days.count, daysOff: result.daysOff.count, tolerance: tol.description, verdict: verdict))
        } else {
            FileHandle.standardError.write(
                Data(
                    "warning: \(global.dataDirectory.path) is not writable: this reconcile run was not recorded in \(ReconcileLog.fileName)\n"
                        .utf8))
        }
        if format == .table {
            print(
                result.isMatch
                    ? "reconcile: \(result.days.count) days match the dashboard to the cent (tolerance $\(tol.formatted(places: 2)))"
                    : "reconcile: \(result.daysOff.count) of \(result.days.count) days differ by more than $\(tol.formatted(places: 2)): \(result.daysOff.map(\.day.description).joined(separator: ", "))"
            )
        }
        if !result.isMatch { throw CLIFailure.checkFailed() }
    }
}
