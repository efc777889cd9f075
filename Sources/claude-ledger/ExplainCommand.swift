import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Reporting

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Trace one day's cost to the ledger pages it came from, with every earlier fetch of that day.",
        discussion: helpText(
            """
            Shows the day's total, its rows by workspace and description, the events (pages) they
            came from (fetch, page, request-id, fetched-at), and every fetch that ever covered the
            day with its total: the newest complete one is used, older ones are Anthropic's
            revisions, kept as history. Then the same day from the analytics API
            (claude_costs_by_key): its total beside the cost report's, whether it is still
            provisional, the cost per API key and its pages. `claude-ledger show EVENT` prints a
            page as received.

            Examples:
              claude-ledger explain --date 2025-10-16
              claude-ledger explain --date 2025-10-16 --workspace default
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "The UTC day, YYYY-MM-DD.")
    var date: Day

    @Option(help: "Only this workspace: its id, its name, or `default`.")
    var workspace: String?

    func run() async throws {
        let ledger = try global.openLedger()
        let tables = try global.data.projectionTables()
        let names = (try? NameBook(ledger: ledger)) ?? NameBook()
        let result = try Explain.run(day: date, workspace: workspace, ledger: ledger, tables: tables, names: names)
        print(
            "\(date)\(workspace.map { " workspace \($0)" } ?? ""): $\(result.totalUSD.formatted(places: 2)) (exactly $\(result.totalUSD))")
        print()
        print(result.lines.render(.table), terminator: "")
        print()
        print("from \(result.sources.count) ledger page(s):")
        printSources(result.sources, withFetch: true)
        print()
        print("every fetch of \(date) (newest complete one is used):")
        for past in result.history {
            let role = past.fetchID == result.authoritativeFetchID ? "used" : past.complete ? "superseded" : "incomplete, ignored"
            let amount = past.complete ? "day total $\(past.totalUSD.formatted(places: 2)) (\(past.rows) rows)" : "-"
            print("  \(past.fetchID)  fetched \(past.firstFetchedAt)  \(amount)  \(role)")
        }
        print()
        printBilled(result)
    }

    /// The same day from the analytics API (`claude_costs_by_key`): its total beside the cost
    /// report's, per API key, and the pages it came from.
    func printBilled(_ result: Explain.Result) {
        guard let billed = result.billed else {
            print("analytics_cost: no complete fetch covers \(date) (the analytics API serves days from 2026-01-01, at most 365 days back;")
            print("  `claude-ledger sync --streams analytics-cost` fetches it where the organization has access)")
            return
        }
        let state = billed.provisional ? "provisional: Anthropic may still revise it" : "final"
        print("analytics_cost (claude_costs_by_key): $\(billed.totalUSD.formatted(places: 2)) (exactly $\(billed.totalUSD)), \(state)")
        let verdict =
            billed.differenceUSD.isZero
            ? "the two sources agree to the cent"
            : "differs from the cost report by $\(billed.differenceUSD) (analytics minus cost report, both rounded to cents)"
        print("cost_report $\(result.totalUSD.formatted(places: 2)) vs analytics_cost $\(billed.totalUSD.formatted(places: 2)): \(verdict)")
        print()
        print(billed.lines.render(.table), terminator: "")
        print()
        print("from \(billed.sources.count) ledger page(s) of fetch \(billed.fetchID):")
        printSources(billed.sources, withFetch: false)
    }

    /// One line per ledger page the rows came from: event, sequence, page, request id, when.
    func printSources(_ sources: [Explain.Source], withFetch: Bool) {
        for source in sources {
            let e = source.event
            let page = withFetch ? "fetch \(e.fetchID) page \(e.pageIndex)" : "page \(e.pageIndex)"
            print("  \(e.eventID)  seq \(e.seq)  \(page)  request-id \(e.requestID ?? "-")  fetched \(e.fetchedAt)  \(source.rows) rows")
        }
    }
}
