import ArgumentParser
import Export
import Foundation
import Logging
import Reporting

struct ExportFocus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "focus",
        abstract: "The billed cost as a FOCUS 1.2 Cost and Usage file, DIR/focus-1.2.csv.",
        discussion: helpText(
            """
            One row per claude_costs row; for the days claude_costs_by_key covers, its rows instead
            (with x_ApiKeyId), never both for one day. BilledCost is the exact amount_usd.
            BillingAccountId/Name are the organization of the newest organization page in the
            ledger (run `sync` first). The file is written under a temporary name and renamed; the
            same projections give the same bytes.

            Examples:
              claude-ledger export focus --out ./focus
              bq load --source_format=CSV --skip_leading_rows=1 ds.anthropic_focus focus/focus-1.2.csv
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "The output directory (created if missing).")
    var out: String

    @Option(help: "The FOCUS version to write (supported: \(FocusExport.supportedVersions.joined(separator: ", "))).")
    var focusVersion: String = "1.2"

    func run() async throws {
        try FocusExport.checkVersion(focusVersion)
        let ledger = try global.openLedger()
        let organization = try global.organization(of: ledger)
        let names = (try? NameBook(ledger: ledger)) ?? NameBook()
        try global.data.checkProjections()
        let summary = try FocusExport.run(
            projectionsPath: global.projectionsURL.path,
            organization: organization,
            workspaceNames: names.workspaces, outDirectory: out, version: focusVersion,
            logger: Logger(label: "claude-ledger.export"))
        print("\(summary.path): \(summary.rows) rows")
    }
}
