import CoreValues
import Foundation
import Logging
import TableSchemas

/// `export bigquery`: loads the three tables into BigQuery through its REST API.
///
/// For each table: create the dataset and the day-partitioned table (on `date`) with the explicit
/// schema when missing, then replace the table's contents with one load job
/// (`WRITE_TRUNCATE`, `NEWLINE_DELIMITED_JSON`, schema in the load configuration) and poll the
/// job until it is DONE. A load job is atomic, so the table holds either the old rows or exactly
/// the projection's rows: running twice, or after Anthropic revised a day, never duplicates or
/// leaves stale rows. (The three tables are three jobs; a failure part-way leaves earlier tables
/// new and later ones old, and the next run completes them.)
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
        public var retry: RetryPolicy
        /// How long to wait for one load job to finish.
        public var jobTimeout: Duration
        /// Data larger than this goes through a resumable upload session instead of one
        /// multipart request (Google suggests multipart up to about 5 MB).
        public var resumableThreshold: Int

        public init(project: String, dataset: String, location: String? = nil,
                    apiBase: String = BigQueryExport.defaultAPIBase,
                    credentials: BigQueryCredentials = .metadataServer,
                    retry: RetryPolicy = .default, jobTimeout: Duration = .seconds(900),
                    resumableThreshold: Int = 5 << 20) {
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
        }

        public let datasetCreated: Bool
        public let tables: [Table]
    }

    /// Exports every table of `projectionsPath` (normally `DIR/projections.sqlite`).
    ///
    /// Throws `ExportError`: `.badInput` (exit 2) for unusable options, credentials file,
    /// environment variable or projections, found before any request is sent; `.authFailed`,
    /// `.targetFailed` or `.unreachable` (exit 3) for what BigQuery or the token endpoint did.
    public static func run(projectionsPath: String, options: Options,
                           environment: [String: String] = ProcessInfo.processInfo.environment,
                           logger: Logger = Logger(label: "claude-ledger.export")) async throws -> Summary {
        try validate(options)
        let snapshot = try ProjectionSnapshot.read(projectionsPath: projectionsPath)
        let client = try makeClient(options, environment: environment, logger: logger)
        return try await export(snapshot, client: client, options: options, logger: logger)
    }

    /// Runs one standard-SQL query against the same project and returns its rows as strings
    /// (NULL as nil). For checking an export; not used by `run`.
    public static func query(_ sql: String, options: Options,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             logger: Logger = Logger(label: "claude-ledger.export")) async throws -> [[String?]] {
        try validate(options)
        let client = try makeClient(options, environment: environment, logger: logger)
        return try await client.query(sql, location: options.location)
    }

    // MARK: Steps

    static func export(_ snapshot: ProjectionSnapshot, client: BigQueryClient, options: Options,
                       logger: Logger) async throws -> Summary {
        let datasetCreated = try await ensureDataset(client: client, options: options, logger: logger)
        var tables: [Summary.Table] = []
        for rows in snapshot.tables {
            tables.append(try await load(rows, client: client, options: options, logger: logger))
        }
        return Summary(datasetCreated: datasetCreated, tables: tables)
    }

    private static func ensureDataset(client: BigQueryClient, options: Options, logger: Logger) async throws -> Bool {
        if try await client.getDataset(options.dataset) != nil { return false }
        try await client.insertDataset(.init(
            datasetReference: .init(projectId: options.project, datasetId: options.dataset),
            location: options.location,
            description: "Anthropic Admin API cost and usage, exported by claude-ledger"))
        logger.info("created BigQuery dataset", metadata: ["bq.dataset": "\(options.project):\(options.dataset)"])
        return true
    }

    private static func load(_ rows: TableRows, client: BigQueryClient, options: Options,
                             logger: Logger) async throws -> Summary.Table {
        let table = rows.table
        let reference = BigQueryClient.TableReference(projectId: options.project, datasetId: options.dataset,
                                                      tableId: table.name)
        let existing = try await client.getTable(dataset: options.dataset, table: table.name)

        // A money column never narrows: once BIGNUMERIC (for some value), it stays BIGNUMERIC.
        var moneyTypes = rows.moneyTypes
        for field in existing?.schema?.fields ?? [] where field.type.uppercased() == "BIGNUMERIC" {
            if moneyTypes[field.name] != nil { moneyTypes[field.name] = .bignumeric }
        }
        let schema = BigQueryClient.TableSchema(fields: table.bigQueryFields(moneyTypes: moneyTypes).map {
            .init(name: $0.name, type: $0.type, mode: $0.mode, description: $0.description)
        })
        let ourPartitioning = BigQueryClient.TimePartitioning(type: "DAY", field: TableSchema.partitionColumn)

        let partitioning: BigQueryClient.TimePartitioning?
        if let existing {
            // Keep the table's own partitioning: a load that asks for a different one fails.
            partitioning = existing.timePartitioning
        } else {
            try await client.insertTable(.init(tableReference: reference, description: table.description,
                                               schema: schema, timePartitioning: ourPartitioning))
            logger.info("created BigQuery table", metadata: ["bq.table": "\(table.name)"])
            partitioning = ourPartitioning
        }

        let jobID = makeJobID(table: table.name)
        let job = BigQueryClient.Job(
            jobReference: .init(projectId: options.project, jobId: jobID, location: options.location),
            configuration: .init(load: .init(destinationTable: reference, sourceFormat: "NEWLINE_DELIMITED_JSON",
                                             writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_NEVER",
                                             schema: schema, timePartitioning: partitioning)),
            status: nil, statistics: nil)
        let data = RowEncoding.ndjson(rows)
        var current = try await client.insertLoadJob(job, data: data, resumableThreshold: options.resumableThreshold)
        current = try await waitUntilDone(current, client: client, timeout: options.jobTimeout)
        try checkOutcome(current, table: table.name, expectedRows: rows.rows.count)
        logger.info("loaded table into BigQuery", metadata: [
            "bq.table": "\(table.name)", "bq.job": "\(jobID)", "export.rows": "\(rows.rows.count)",
        ])
        return .init(name: table.name, rows: rows.rows.count, jobID: jobID, created: existing == nil,
                     moneyTypes: moneyTypes)
    }

    /// Polls `jobs.get` with growing waits (0.25 s doubling to 5 s) until the job is DONE.
    static func waitUntilDone(_ job: BigQueryClient.Job, client: BigQueryClient, timeout: Duration) async throws -> BigQueryClient.Job {
        var current = job
        var poll = JobPoll(timeout: timeout)
        while current.status?.state != "DONE" {
            guard let delay = poll.nextDelay() else {
                throw ExportError.targetFailed(
                    "load job \(job.jobReference.jobId) not DONE after \(timeout) (state \(current.status?.state ?? "unknown")); it may still finish: check it in the BigQuery console")
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
              options.project.unicodeScalars.allSatisfy(projectChars.contains) else {
            throw ExportError.badInput("--project \"\(options.project.prefix(100))\" is not a Google Cloud project id")
        }
        let datasetChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard !options.dataset.isEmpty, options.dataset.count <= 1024,
              options.dataset.unicodeScalars.allSatisfy(datasetChars.contains) else {
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

    static func makeClient(_ options: Options, environment: [String: String],
                           logger: Logger = Logger(label: "claude-ledger.export"),
                           transport: any HTTPTransport = AsyncHTTPTransport()) throws -> BigQueryClient {
        let source: any AccessTokenSource
        switch options.credentials {
        case .accessTokenEnvironment(let variable):
            source = try EnvironmentTokenSource.make(variable: variable, environment: environment)
        case .serviceAccountFile(let path):
            source = ServiceAccountTokenSource(key: try ServiceAccountKey.load(path: path), scope: BigQueryClient.scope,
                                               transport: transport, retry: options.retry, logger: logger)
        case .metadataServer:
            source = MetadataServerTokenSource(host: MetadataServerTokenSource.host(environment: environment),
                                               transport: transport, logger: logger)
        }
        var base = options.apiBase
        while base.hasSuffix("/") { base.removeLast() }
        return BigQueryClient(apiBase: base, project: options.project, tokens: TokenCache(source: source),
                              transport: transport, retry: options.retry, logger: logger)
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
