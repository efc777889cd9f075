import CoreValues
import Foundation
import Logging
import TableSchemas

/// `export bigquery`: loads the tables into BigQuery through its REST API, replacing only the
/// exporting organization's rows, so several organizations' data directories share one dataset.
///
/// For each table: create the dataset and the day-partitioned table (on `date`) with the
/// explicit schema when missing, or upgrade one an earlier version wrote (columns it lacks are
/// added; rows without `organization_id` are attributed to the exporting organization, the only
/// one such a table can hold). Then load the projection's rows into a staging table
/// (`WRITE_TRUNCATE`, schema in the load configuration), and in one transaction delete the
/// organization's rows and insert the staging rows (`jobs.query`); the staging table is dropped
/// afterwards, also on failure. Re-running never duplicates; a revised day leaves no stale
/// rows; another organization's rows are never read or written. (The tables are separate
/// transactions; a failure part-way leaves earlier tables new and later ones old, and the next
/// run completes them.)
public enum BigQueryExport {
    public static let defaultAPIBase = "https://bigquery.googleapis.com"

    public struct Options: Sendable {
        public var project: String
        public var dataset: String
        /// Dataset location for a new dataset and for jobs (`US`, `EU`, `europe-west1`, …);
        /// nil lets BigQuery choose (the dataset's, or US for a new one).
        public var location: String?
        /// `--api-base`: the REST root, e.g. an emulator's `http://127.0.0.1:9050`.
        public var apiBase: String
        public var credentials: BigQueryCredentials
        /// Retries for transient HTTP failures (network, 429, 5xx) of each request.
        public var retry: BigQueryRetryPolicy
        /// How long to wait for one load job to finish.
        public var jobTimeout: Duration
        /// Data larger than this goes through a resumable upload session instead of one
        /// multipart request (Google suggests multipart up to about 5 MB).
        public var resumableThreshold: Int

        public init(
            project: String, dataset: String, location: String? = nil,
            apiBase: String = BigQueryExport.defaultAPIBase,
            credentials: BigQueryCredentials = .metadataServer,
            retry: BigQueryRetryPolicy = .default, jobTimeout: Duration = .seconds(900),
            resumableThreshold: Int = 5 << 20
        ) {
            self.project = project
            self.dataset = dataset
            self.location = location
            self.apiBase = apiBase
            self.credentials = credentials
            self.retry = retry
            self.jobTimeout = jobTimeout
            self.resumableThreshold = resumableThreshold
        }
    }

    public struct Summary: Sendable, Equatable {
        public struct Table: Sendable, Equatable {
            public let name: String
            public let rows: Int
            public let jobID: String
            /// Whether this run created the table.
            public let created: Bool
            /// The BigQuery type of each money column.
            public let moneyTypes: [String: MoneyType]
            /// Columns this run added to a table an earlier version created (e.g. organization_id).
            public let addedColumns: [String]
        }

        public let datasetCreated: Bool
        public let tables: [Table]
    }

    /// Exports every table of `projectionsPath` (normally `DIR/projections.sqlite`) as the rows
    /// of `organizationID` (the newest organization page of the ledger).
    ///
    /// Throws `ExportError`: `.badInput` (exit 2) for unusable options, credentials file,
    /// environment variable or projections, no organization, or rows of another organization,
    /// found before any request is sent; `.authFailed`, `.targetFailed` or `.unreachable`
    /// (exit 3) for what BigQuery or the token endpoint did.
    public static func run(
        projectionsPath: String, organizationID: String?, options: Options,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "claude-ledger.export")
    ) async throws -> Summary {
        try validate(options)
        guard let organizationID, !organizationID.isEmpty else {
            throw ExportError.badInput("the ledger has no organization page: run `claude-ledger sync` first")
        }
        let snapshot = try ProjectionSnapshot.read(projectionsPath: projectionsPath)
        try checkOwnership(snapshot, organizationID: organizationID)
        let client = try makeClient(options, environment: environment, logger: logger)
        return try await export(
            snapshot, organizationID: organizationID, client: client, options: options,
            logger: logger)
    }

    /// Every row must carry the exporting organization: a row of another (or of none) would
    /// never be replaced by this organization's next export.
    static func checkOwnership(_ snapshot: ProjectionSnapshot, organizationID: String) throws {
        for rows in snapshot.tables {
            guard let index = rows.table.columns.firstIndex(where: { $0.name == BigQuerySQL.organizationColumn }) else {
                throw ExportError.badInput("\(rows.table.name) has no organization_id column: run `claude-ledger rebuild`")
            }
            if let row = rows.rows.first(where: { $0[index] != .text(organizationID) }) {
                let found = if case .text(let other) = row[index] { "organization \(other)" } else { "no organization" }
                throw ExportError.badInput(
                    "\(rows.table.name) holds rows of \(found), not of the ledger's organization \(organizationID): run `claude-ledger rebuild`"
                )
            }
        }
    }

    /// Runs one standard-SQL query against the same project and returns its rows as strings
    /// (NULL as nil). For checking an export; not used by `run`.
    public static func query(
        _ sql: String, options: Options,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "claude-ledger.export")
    ) async throws -> [[String?]] {
        try validate(options)
        let client = try makeClient(options, environment: environment, logger: logger)
        return try await client.query(sql, location: options.location)
    }

    // MARK: Steps

    static func export(
        _ snapshot: ProjectionSnapshot, organizationID: String, client: BigQueryClient,
        options: Options, logger: Logger
    ) async throws -> Summary {
        let datasetCreated = try await ensureDataset(client: client, options: options, logger: logger)
        var tables: [Summary.Table] = []
        for rows in snapshot.tables {
            tables.append(
                try await load(
                    rows, organizationID: organizationID, client: client, options: options,
                    logger: logger))
        }
        return Summary(datasetCreated: datasetCreated, tables: tables)
    }

    private static func ensureDataset(client: BigQueryClient, options: Options, logger: Logger) async throws -> Bool {
        if try await client.getDataset(options.dataset) != nil { return false }
        try await client.insertDataset(
            .init(
                datasetReference: .init(projectId: options.project, datasetId: options.dataset),
                location: options.location,
                description: "Anthropic Admin API cost and usage, exported by claude-ledger"))
        logger.info("created BigQuery dataset", metadata: ["bq.dataset": "\(options.project):\(options.dataset)"])
        return true
    }

    private static func load(
        _ rows: TableRows, organizationID: String, client: BigQueryClient, options: Options,
        logger: Logger
    ) async throws -> Summary.Table {
        let table = rows.table
        let target = try await prepareTarget(
            rows, organizationID: organizationID, client: client,
            options: options, logger: logger)
        let staging = BigQuerySQL.Target(
            project: options.project, dataset: options.dataset,
            table: makeStagingName(table: table.name))
        let jobID: String
        do {
            jobID = try await stage(rows, into: staging, schema: target.schema, client: client, options: options)
            let sql = BigQuerySQL.replaceOrganization(target.reference, from: staging, columns: table.columns.map(\.name))
            _ = try await client.query(
                sql, location: options.location,
                parameters: [.string(BigQuerySQL.organizationParameter, organizationID)],
                what: "replacing organization \(organizationID)'s rows of \(table.name)")
        } catch {
            await dropStaging(staging, client: client, logger: logger)
            throw error
        }
        await dropStaging(staging, client: client, logger: logger)
        logger.info(
            "loaded table into BigQuery",
            metadata: [
                "bq.table": "\(table.name)", "bq.job": "\(jobID)", "export.rows": "\(rows.rows.count)",
                "export.organization": "\(organizationID)",
            ])
        return .init(
            name: table.name, rows: rows.rows.count, jobID: jobID, created: target.created,
            moneyTypes: target.moneyTypes, addedColumns: target.addedColumns)
    }

    /// The destination table as this export needs it.
    struct PreparedTarget {
        var reference: BigQuerySQL.Target
        var schema: BigQueryClient.WireSchema
        var moneyTypes: [String: MoneyType]
        var created: Bool
        var addedColumns: [String]
    }

    /// Creates the day-partitioned table when missing; upgrades one an earlier version wrote:
    /// missing (nullable) columns added, rows without `organization_id` attributed to this
    /// organization, a NUMERIC money column widened when a value needs BIGNUMERIC.
    static func prepareTarget(
        _ rows: TableRows, organizationID: String, client: BigQueryClient, options: Options,
        logger: Logger
    ) async throws -> PreparedTarget {
        let table = rows.table
        let target = BigQuerySQL.Target(project: options.project, dataset: options.dataset, table: table.name)
        let existing = try await client.getTable(dataset: options.dataset, table: table.name)
        let existingFields = existing?.schema?.fields ?? []

        // A money column never narrows: once BIGNUMERIC (for some value), it stays BIGNUMERIC.
        var moneyTypes = rows.moneyTypes
        for field in existingFields where field.type.uppercased() == "BIGNUMERIC" {
            if moneyTypes[field.name] != nil { moneyTypes[field.name] = .bignumeric }
        }
        let fields = table.bigQueryFields(moneyTypes: moneyTypes)
        let schema = BigQueryClient.WireSchema(
            fields: fields.map {
                .init(name: $0.name, type: $0.type, mode: $0.mode, description: $0.description)
            })
        guard existing != nil else {
            let reference = BigQueryClient.TableReference(
                projectId: options.project, datasetId: options.dataset,
                tableId: table.name)
            try await client.insertTable(
                .init(
                    tableReference: reference, description: table.description, schema: schema,
                    timePartitioning: .init(type: "DAY", field: TableSchema.partitionColumn)))
            logger.info("created BigQuery table", metadata: ["bq.table": "\(table.name)"])
            return PreparedTarget(reference: target, schema: schema, moneyTypes: moneyTypes, created: true, addedColumns: [])
        }
        let plan = try upgradePlan(table: table.name, wanted: fields, existing: existingFields)
        try await upgrade(target, plan, organizationID: organizationID, client: client, options: options, logger: logger)
        return PreparedTarget(
            reference: target, schema: schema, moneyTypes: moneyTypes, created: false,
            addedColumns: plan.added.map(\.name))
    }

    /// What an existing table needs before this export's rows fit it.
    struct UpgradePlan: Equatable {
        var added: [BigQuerySQL.NewColumn] = []
        var widened: [String] = []
        /// The table had no `organization_id`: its rows are the exporting organization's.
        var attribute: Bool { added.contains { $0.name == BigQuerySQL.organizationColumn } }
    }

    static func upgradePlan(
        table: String, wanted: [SchemaField],
        existing: [BigQueryClient.FieldSchema]
    ) throws -> UpgradePlan {
        var types: [String: String] = [:]
        for field in existing { types[field.name] = field.type.uppercased() }
        var plan = UpgradePlan()
        for field in wanted {
            guard let type = types[field.name] else {
                guard field.mode == "NULLABLE" else {
                    throw ExportError.targetFailed(
                        "BigQuery table \(table) lacks the required column \(field.name), which cannot be added to existing rows: drop the table and export again"
                    )
                }
                plan.added.append(.init(name: field.name, type: field.type))
                continue
            }
            if field.type == "BIGNUMERIC" && type == "NUMERIC" { plan.widened.append(field.name) }
        }
        return plan
    }

    private static func upgrade(
        _ target: BigQuerySQL.Target, _ plan: UpgradePlan, organizationID: String,
        client: BigQueryClient, options: Options, logger: Logger
    ) async throws {
        if !plan.added.isEmpty {
            _ = try await client.query(
                BigQuerySQL.addColumns(target, plan.added), location: options.location,
                what: "adding columns to \(target.table)")
            logger.notice(
                "added columns to a BigQuery table an earlier version created",
                metadata: [
                    "bq.table": "\(target.table)", "bq.columns": "\(plan.added.map(\.name).joined(separator: ","))",
                ])
        }
        if plan.attribute {
            _ = try await client.query(
                BigQuerySQL.attributeUnowned(target), location: options.location,
                parameters: [.string(BigQuerySQL.organizationParameter, organizationID)],
                what: "attributing the existing rows of \(target.table) to organization \(organizationID)")
        }
        for column in plan.widened {
            _ = try await client.query(
                BigQuerySQL.widenToBignumeric(target, column: column), location: options.location,
                what: "widening \(target.table).\(column) to BIGNUMERIC")
        }
    }

    /// Loads the rows into a fresh staging table (explicit schema, WRITE_TRUNCATE, one day's
    /// expiry in case it outlives a crash); returns the load job's id.
    private static func stage(
        _ rows: TableRows, into staging: BigQuerySQL.Target, schema: BigQueryClient.WireSchema,
        client: BigQueryClient, options: Options
    ) async throws -> String {
        let reference = BigQueryClient.TableReference(
            projectId: staging.project, datasetId: staging.dataset,
            tableId: staging.table)
        let expiry = Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000
        try await client.insertTable(
            .init(
                tableReference: reference,
                description: "claude-ledger export staging (dropped after the export)",
                schema: schema, expirationTime: String(expiry)))
        let jobID = makeJobID(table: rows.table.name)
        let job = BigQueryClient.Job(
            jobReference: .init(projectId: options.project, jobId: jobID, location: options.location),
            configuration: .init(
                load: .init(
                    destinationTable: reference, sourceFormat: "NEWLINE_DELIMITED_JSON",
                    writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_NEVER",
                    schema: schema)),
            status: nil, statistics: nil)
        var current = try await client.insertLoadJob(
            job, data: RowEncoding.ndjson(rows),
            resumableThreshold: options.resumableThreshold)
        current = try await waitUntilDone(current, client: client, timeout: options.jobTimeout)
        try checkOutcome(current, table: rows.table.name, expectedRows: rows.rows.count)
        return jobID
    }

    /// Best effort: a staging table that cannot be dropped now expires within a day.
    private static func dropStaging(_ staging: BigQuerySQL.Target, client: BigQueryClient, logger: Logger) async {
        do {
            try await client.deleteTable(dataset: staging.dataset, table: staging.table)
        } catch {
            logger.warning(
                "could not drop a staging table; it expires within a day",
                metadata: [
                    "bq.table": "\(staging.table)", "error": "\(error)",
                ])
        }
    }

    /// Polls `jobs.get` with growing waits (0.25 s doubling to 5 s) until the job is DONE.
    static func waitUntilDone(_ job: BigQueryClient.Job, client: BigQueryClient, timeout: Duration) async throws -> BigQueryClient.Job {
        var current = job
        var poll = JobPoll(timeout: timeout)
        while current.status?.state != "DONE" {
            guard let delay = poll.nextDelay() else {
                throw ExportError.targetFailed(
                    "load job \(job.jobReference.jobId) not DONE after \(timeout) (state \(current.status?.state ?? "unknown")); it may still finish: check it in the BigQuery console"
                )
            }
            try await Task.sleep(for: delay)
            current = try await client.getJob(current.jobReference)
        }
        return current
    }

    static func checkOutcome(_ job: BigQueryClient.Job, table: String, expectedRows: Int) throws {
        let id = job.jobReference.jobId
        if let result = job.status?.errorResult {
            var message = "BigQuery load of \(table) failed (job \(id)): \(BigQueryClient.describe(result))"
            let others = (job.status?.errors ?? []).filter { $0 != result }
            if !others.isEmpty {
                message += "; errors: " + others.prefix(3).map(BigQueryClient.describe).joined(separator: " | ")
                if others.count > 3 { message += " | … \(others.count - 3) more" }
            }
            throw ExportError.targetFailed(message)
        }
        if let output = job.statistics?.load?.outputRows, let loaded = Int(output), loaded != expectedRows {
            throw ExportError.targetFailed(
                "BigQuery load of \(table) (job \(id)) wrote \(loaded) rows, expected \(expectedRows)")
        }
    }

    // MARK: Set-up

    static func validate(_ options: Options) throws {
        // Project ids: lowercase letters, digits, hyphens; domain-scoped ones add `domain:`.
        let projectChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-.:")
        guard !options.project.isEmpty, options.project.count <= 100,
            options.project.unicodeScalars.allSatisfy(projectChars.contains)
        else {
            throw ExportError.badInput("--project \"\(options.project.prefix(100))\" is not a Google Cloud project id")
        }
        let datasetChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard !options.dataset.isEmpty, options.dataset.count <= 1024,
            options.dataset.unicodeScalars.allSatisfy(datasetChars.contains)
        else {
            throw ExportError.badInput(
                "--dataset \"\(options.dataset.prefix(100))\" is not a BigQuery dataset id (letters, digits, underscores)")
        }
        if let location = options.location {
            let locationChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
            guard !location.isEmpty, location.count <= 64, location.unicodeScalars.allSatisfy(locationChars.contains) else {
                throw ExportError.badInput("--location \"\(location.prefix(64))\" is not a BigQuery location")
            }
        }
        try checkEndpoint(options.apiBase, what: "--api-base \(options.apiBase)")
    }

    static func makeClient(
        _ options: Options, environment: [String: String],
        logger: Logger = Logger(label: "claude-ledger.export"),
        transport: any HTTPTransport = AsyncHTTPTransport()
    ) throws -> BigQueryClient {
        let source: any AccessTokenSource
        switch options.credentials {
        case .accessTokenEnvironment(let variable):
            source = try EnvironmentTokenSource.make(variable: variable, environment: environment)
        case .serviceAccountFile(let path):
            source = ServiceAccountTokenSource(
                key: try ServiceAccountKey.load(path: path), scope: BigQueryClient.scope,
                transport: transport, retry: options.retry, logger: logger)
        case .metadataServer:
            source = MetadataServerTokenSource(
                host: MetadataServerTokenSource.host(environment: environment),
                transport: transport, logger: logger)
        }
        var base = options.apiBase
        while base.hasSuffix("/") { base.removeLast() }
        return BigQueryClient(
            apiBase: base, project: options.project, tokens: TokenCache(source: source),
            transport: transport, retry: options.retry, logger: logger)
    }

    /// A staging table's name: the table's, a marker and a random part, unique per run.
    static func makeStagingName(table: String) -> String {
        "\(table)__claude_ledger_staging_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Unique per load; also the handle for a retried insert whose first answer was lost.
    static func makeJobID(table: String) -> String {
        let seconds = Int(Date().timeIntervalSince1970)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return "claude_ledger_\(table)_\(seconds)_\(random)"
    }
}

/// The waits between `jobs.get` polls: 0.25 s doubling to 5 s, until the timeout is spent.
struct JobPoll: Sendable {
    let timeout: Duration
    private(set) var waited: Duration = .zero
    private var next: Duration = .milliseconds(250)

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// The next wait, or nil when waiting longer would pass the timeout.
    mutating func nextDelay() -> Duration? {
        guard waited < timeout else { return nil }
        let delay = min(next, timeout - waited)
        waited += delay
        next = min(next * 2, .seconds(5))
        return delay
    }
}
