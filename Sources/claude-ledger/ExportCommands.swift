import ArgumentParser
import CoreValues
import Export
import Foundation
import Logging

extension FileExport.Format: ExpressibleByArgument {}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the tables to files or a FOCUS 1.2 file, or load them into BigQuery.",
        subcommands: [ExportFiles.self, ExportBigQuery.self, ExportFocus.self])
}

struct ExportFiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Per table <table>.ndjson (or .csv) and <table>.schema.json (as `bq load --schema` reads it).",
        discussion: helpText(
            """
            Money is an exact decimal string, dates YYYY-MM-DD. Files are written under a temporary
            name and renamed; the same projections give byte-identical files.

            Examples:
              claude-ledger export files --out ./export
              claude-ledger export files --out ./export --format csv \\
                  --since 2025-10-01 --until 2025-11-01
              bq load --source_format=NEWLINE_DELIMITED_JSON ds.claude_costs export/claude_costs.ndjson export/claude_costs.schema.json
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "The output directory (created if missing).")
    var out: String

    @Option(help: "ndjson or csv.")
    var format: FileExport.Format = .ndjson

    @OptionGroup var dates: DateRangeOptions

    func run() async throws {
        try global.data.checkProjections()
        let summary = try FileExport.run(
            projectionsPath: global.projectionsURL.path, outDirectory: out, format: format,
            since: dates.since, until: dates.until, logger: Logger(label: "claude-ledger.export"))
        for table in summary.tables {
            print("\(table.name): \(table.rows) rows -> \(table.dataFile), \(table.schemaFile)")
        }
    }
}

struct ExportBigQuery: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bigquery",
        abstract: "Load the tables into BigQuery through its REST API, replacing only this organization's rows.",
        discussion: helpText(
            """
            Creates the dataset and day-partitioned tables (on date) when missing, with the explicit
            schema (money NUMERIC or BIGNUMERIC, never FLOAT64). Each table's rows go to a staging
            table by a load job, then one transaction deletes this organization's rows
            (organization_id, from the ledger's newest organization page) and inserts the staged
            ones: re-running never duplicates, and other organizations' data directories can
            export into the same dataset without touching each other's rows. A table written by
            an earlier version gains organization_id, its rows attributed to this organization.
            Credentials: --access-token-env VAR (a token in that variable), --credentials SA.json (a
            service-account key), else the Google Cloud metadata server. Tokens are never printed.

            Examples:
              claude-ledger export bigquery --project my-proj \\
                  --dataset claude --credentials /etc/claude-ledger/sa.json
              GCP_TOKEN=$(gcloud auth print-access-token) \\
                  claude-ledger export bigquery --project my-proj --dataset claude \\
                  --access-token-env GCP_TOKEN
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "The Google Cloud project.")
    var project: String

    @Option(help: "The BigQuery dataset (created if missing).")
    var dataset: String

    @Option(help: "Dataset location for a new dataset (US, EU, europe-west1, …).")
    var location: String?

    @Option(help: "BigQuery REST root (default https://bigquery.googleapis.com; an emulator's URL for tests).")
    var apiBase: String?

    @Option(help: "Name of an environment variable holding an OAuth access token.")
    var accessTokenEnv: String?

    @Option(help: "A service-account JSON key file.")
    var credentials: String?

    func run() async throws {
        if accessTokenEnv != nil && credentials != nil {
            throw CLIFailure(.badInput, "pass either --access-token-env or --credentials, not both")
        }
        let source: BigQueryCredentials =
            if let accessTokenEnv {
                .accessTokenEnvironment(variable: accessTokenEnv)
            } else if let credentials {
                .serviceAccountFile(path: credentials)
            } else {
                .metadataServer
            }
        let options = BigQueryExport.Options(
            project: project, dataset: dataset, location: location,
            apiBase: apiBase ?? BigQueryExport.defaultAPIBase, credentials: source)
        let ledger = try global.openLedger()
        let organization = try global.organization(of: ledger)
        try global.data.checkProjections()
        let summary = try await BigQueryExport.run(
            projectionsPath: global.projectionsURL.path,
            organizationID: organization.id, options: options,
            logger: Logger(label: "claude-ledger.export"))
        if summary.datasetCreated { print("created dataset \(project):\(dataset)") }
        for table in summary.tables {
            var notes = table.created ? ", table created" : ""
            if !table.addedColumns.isEmpty { notes += ", added \(table.addedColumns.joined(separator: ", "))" }
            print("\(table.name): \(table.rows) rows of organization \(organization.id) loaded (job \(table.jobID))\(notes)")
        }
    }
}
