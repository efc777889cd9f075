import CoreValues
import Foundation
import Testing

@testable import Export
import TableSchemas

/// The SQL and the requests that make one organization's export replace only its own rows:
/// checked as sent, without a server (the emulator suites run them for real).
@Suite("export bigquery: one organization's rows, requests and SQL")
struct BigQueryOrganizationRequestTests {
    static let org = "8f2d6c1a-0b7e-4c55-9a41-2f6e0d3b7c19"
    static let target = BigQuerySQL.Target(project: "my-proj", dataset: "claude", table: "claude_costs")
    static let staging = BigQuerySQL.Target(project: "my-proj", dataset: "claude", table: "claude_costs__staging")

    @Test("The replacement is one transaction: delete this organization's rows, insert the staged ones")
    func replaceSQL() {
        let sql = BigQuerySQL.replaceOrganization(
            Self.target, from: Self.staging,
            columns: ["date", "amount_usd", "organization_id"])
        #expect(
            sql == """
                BEGIN TRANSACTION;
                DELETE FROM `my-proj.claude.claude_costs` WHERE `organization_id` = @organization_id;
                INSERT INTO `my-proj.claude.claude_costs` (`date`, `amount_usd`, `organization_id`) SELECT `date`, `amount_usd`, `organization_id` FROM `my-proj.claude.claude_costs__staging`;
                COMMIT TRANSACTION;
                """)
    }

    @Test("Upgrading an old table: columns added as nullable, unowned rows attributed by parameter, money widened")
    func upgradeSQL() {
        #expect(
            BigQuerySQL.addColumns(Self.target, [.init(name: "organization_id", type: "STRING")])
                == "ALTER TABLE `my-proj.claude.claude_costs` ADD COLUMN IF NOT EXISTS `organization_id` STRING")
        #expect(
            BigQuerySQL.attributeUnowned(Self.target)
                == "UPDATE `my-proj.claude.claude_costs` SET `organization_id` = @organization_id WHERE `organization_id` IS NULL")
        #expect(
            BigQuerySQL.widenToBignumeric(Self.target, column: "amount_usd")
                == "ALTER TABLE `my-proj.claude.claude_costs` ALTER COLUMN `amount_usd` SET DATA TYPE BIGNUMERIC")
        // A domain-scoped project id stays one quoted path; a backquote cannot end the identifier.
        let odd = BigQuerySQL.Target(project: "example.com:proj", dataset: "d", table: "t`x")
        #expect(odd.path == "`example.com:proj.d.t\\`x`")
    }

    @Test("The upgrade plan: what an old table lacks, what must widen, what cannot be added")
    func upgradePlan() throws {
        let wanted = [
            SchemaField(name: "date", type: "DATE", mode: "REQUIRED", description: ""),
            SchemaField(name: "amount_usd", type: "BIGNUMERIC", mode: "REQUIRED", description: ""),
            SchemaField(name: "organization_id", type: "STRING", mode: "NULLABLE", description: ""),
        ]
        let old: [BigQueryClient.FieldSchema] = [.init(name: "date", type: "DATE"), .init(name: "amount_usd", type: "NUMERIC")]
        let plan = try BigQueryExport.upgradePlan(table: "claude_costs", wanted: wanted, existing: old)
        #expect(plan.added == [.init(name: "organization_id", type: "STRING")])
        #expect(plan.widened == ["amount_usd"])
        #expect(plan.attribute)

        let current: [BigQueryClient.FieldSchema] = [
            .init(name: "date", type: "DATE"), .init(name: "amount_usd", type: "BIGNUMERIC"),
            .init(name: "organization_id", type: "STRING"),
        ]
        let none = try BigQueryExport.upgradePlan(table: "claude_costs", wanted: wanted, existing: current)
        #expect(none == .init())
        #expect(!none.attribute)

        let error = try #require(throws: ExportError.self) {
            try BigQueryExport.upgradePlan(table: "claude_costs", wanted: wanted, existing: [.init(name: "amount_usd", type: "NUMERIC")])
        }
        #expect(error.classification == .targetFailed)
        #expect(error.message.contains("claude_costs") && error.message.contains("date"))
    }

    // MARK: The whole exchange for one table

    /// `count` rows of `table` owned by `organization`, one value of each column's kind.
    static func rows(_ table: TableSchema, organization: String?, count: Int) -> TableRows {
        let cells: [[Cell]] = (0..<count).map { index in
            table.columns.map { column -> Cell in
                if column.name == BigQuerySQL.organizationColumn { return organization.map(Cell.text) ?? .null }
                switch column.kind {
                case .date: return .date("2026-01-0\(index + 1)")
                case .text: return .text("\(column.name)-\(index)")
                case .integer: return .integer(Int64(index))
                case .boolean: return .boolean(index % 2 == 0)
                case .money: return .money("1.25")
                }
            }
        }
        return TableRows(table: table, rows: cells)
    }

    private static func client(_ transport: ScriptedTransport) throws -> (BigQueryClient, BigQueryExport.Options) {
        let options = BigQueryExport.Options(
            project: "p", dataset: "ds", location: "EU", apiBase: "http://127.0.0.1:9",
            credentials: .accessTokenEnvironment(variable: "T"),
            retry: BigQueryRetryPolicy(maxAttempts: 1, initialDelay: .milliseconds(1)))
        return (try BigQueryExport.makeClient(options, environment: ["T": "tok"], transport: transport), options)
    }

    private static let done = #"{"jobReference":{"projectId":"p","jobId":"q","location":"EU"},"jobComplete":true}"#

    private static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// The table as an earlier export created it: every column but organization_id.
    private static func oldTableJSON(_ table: TableSchema) -> String {
        let fields = table.bigQueryFields().filter { $0.name != BigQuerySQL.organizationColumn }
            .map { #"{"name":"\#($0.name)","type":"\#($0.type)","mode":"\#($0.mode)"}"# }
        return #"{"tableReference":{"projectId":"p","datasetId":"ds","tableId":"\#(table.name)"},"#
            + #""schema":{"fields":[\#(fields.joined(separator: ","))]},"timePartitioning":{"type":"DAY","field":"date"}}"#
    }

    @Test("An old table is upgraded, the rows staged, replaced in one transaction, and the staging table dropped")
    func upgradeThenReplace() async throws {
        let table = ProjectionTable.claudeCode.schema
        let transport = ScriptedTransport([
            .respond(200, #"{"datasetReference":{"projectId":"p","datasetId":"ds"}}"#),
            .respond(200, Self.oldTableJSON(table)),
            .respond(200, Self.done),  // ALTER TABLE … ADD COLUMN
            .respond(200, Self.done),  // UPDATE … attribute
            .respond(200, "{}"),  // staging tables.insert
            .respond(
                200,
                #"{"jobReference":{"projectId":"p","jobId":"l","location":"EU"},"status":{"state":"DONE"},"statistics":{"load":{"outputRows":"2"}}}"#
            ),
            .respond(200, Self.done),  // the transaction
            .respond(204, ""),  // tables.delete staging
        ])
        let (client, options) = try Self.client(transport)
        let snapshot = ProjectionSnapshot(tables: [Self.rows(table, organization: Self.org, count: 2)])
        let summary = try await BigQueryExport.export(
            snapshot, organizationID: Self.org, client: client, options: options,
            logger: .init(label: "test"))
        #expect(summary.tables.map(\.addedColumns) == [["organization_id"]])
        #expect(summary.tables.map(\.created) == [false])

        let requests = await transport.requests
        let bodies = await transport.bodies
        #expect(requests.map(\.method) == ["GET", "GET", "POST", "POST", "POST", "POST", "POST", "DELETE"])
        let queries = "http://127.0.0.1:9/bigquery/v2/projects/p/queries"
        #expect([2, 3, 6].allSatisfy { requests[$0].url == queries })

        let alter = try Self.json(bodies[2])
        #expect(
            alter["query"] as? String == "ALTER TABLE `p.ds.claude_code_productivity` ADD COLUMN IF NOT EXISTS `organization_id` STRING")
        #expect(alter["useLegacySql"] as? Bool == false)
        #expect(alter["location"] as? String == "EU")

        let attribute = try Self.json(bodies[3])
        #expect(attribute["query"] as? String == BigQuerySQL.attributeUnowned(.init(project: "p", dataset: "ds", table: table.name)))
        #expect(attribute["parameterMode"] as? String == "NAMED")
        let parameters = try #require(attribute["queryParameters"] as? [[String: Any]])
        #expect(parameters.count == 1)
        #expect(parameters[0]["name"] as? String == "organization_id")
        #expect(parameters[0]["parameterType"] as? [String: String] == ["type": "STRING"])
        #expect(parameters[0]["parameterValue"] as? [String: String] == ["value": Self.org])

        // The staging table: same schema (organization_id included), no partitioning, expiring.
        let staging = try Self.json(bodies[4])
        let stagingID = try #require((staging["tableReference"] as? [String: String])?["tableId"])
        #expect(stagingID.hasPrefix("claude_code_productivity__claude_ledger_staging_"))
        #expect(staging["timePartitioning"] == nil)
        let expiry = try #require(Int64(staging["expirationTime"] as? String ?? ""))
        #expect(expiry > Int64(Date().timeIntervalSince1970 * 1000))
        let stagedFields = try #require((staging["schema"] as? [String: Any])?["fields"] as? [[String: String]])
        #expect(stagedFields.map { $0["name"] } == table.columns.map(\.name))

        // The load goes to the staging table, never to the shared one.
        let loadText = String(decoding: bodies[5], as: UTF8.self)
        #expect(loadText.contains(#""tableId":"\#(stagingID)""#))
        #expect(loadText.contains(#""writeDisposition":"WRITE_TRUNCATE""#))
        #expect(!loadText.contains(#""tableId":"claude_code_productivity""#))

        let replace = try Self.json(bodies[6])
        let columns = table.columns.map(\.name)
        #expect(
            replace["query"] as? String
                == BigQuerySQL.replaceOrganization(
                    .init(project: "p", dataset: "ds", table: table.name), from: .init(project: "p", dataset: "ds", table: stagingID),
                    columns: columns))
        #expect((replace["queryParameters"] as? [[String: Any]])?.first?["parameterValue"] as? [String: String] == ["value": Self.org])
        #expect(requests[7].url == "http://127.0.0.1:9/bigquery/v2/projects/p/datasets/ds/tables/\(stagingID)")
    }

    @Test("A failed transaction is a target failure, and the staging table is still dropped")
    func failedTransactionDropsStaging() async throws {
        let table = ProjectionTable.claudeCode.schema
        let current = table.bigQueryFields().map { #"{"name":"\#($0.name)","type":"\#($0.type)","mode":"\#($0.mode)"}"# }
        let transport = ScriptedTransport([
            .respond(200, #"{"datasetReference":{"projectId":"p","datasetId":"ds"}}"#),
            .respond(
                200,
                #"{"tableReference":{"projectId":"p","datasetId":"ds","tableId":"claude_code_productivity"},"schema":{"fields":[\#(current.joined(separator: ","))]}}"#
            ),
            .respond(200, "{}"),
            .respond(
                200, #"{"jobReference":{"projectId":"p","jobId":"l"},"status":{"state":"DONE"},"statistics":{"load":{"outputRows":"1"}}}"#),
            .respond(
                400,
                #"{"error":{"code":400,"message":"Transaction is aborted due to concurrent update against table p:ds.claude_code_productivity.","errors":[{"reason":"invalidQuery"}]}}"#
            ),
            .respond(204, ""),
        ])
        let (client, options) = try Self.client(transport)
        let snapshot = ProjectionSnapshot(tables: [Self.rows(table, organization: Self.org, count: 1)])
        let error = try await #require(throws: ExportError.self) {
            try await BigQueryExport.export(
                snapshot, organizationID: Self.org, client: client, options: options,
                logger: .init(label: "test"))
        }
        #expect(error.classification == .targetFailed)
        #expect(error.message.contains("concurrent update"), "\(error.message)")
        #expect(error.message.contains(Self.org))
        let requests = await transport.requests
        #expect(requests.map(\.method) == ["GET", "GET", "POST", "POST", "POST", "DELETE"])
        #expect(requests[5].url.contains("/tables/claude_code_productivity__claude_ledger_staging_"))
    }

    @Test("No organization, or rows of another organization, are bad input before any request")
    func ownership() async throws {
        let table = ProjectionTable.claudeCode.schema
        let other = ProjectionSnapshot(tables: [Self.rows(table, organization: "another-org", count: 2)])
        let error = try #require(throws: ExportError.self) {
            try BigQueryExport.checkOwnership(other, organizationID: Self.org)
        }
        #expect(error.classification == .badInput)
        #expect(error.message.contains("another-org") && error.message.contains("rebuild"), "\(error.message)")

        let unowned = ProjectionSnapshot(tables: [Self.rows(table, organization: nil, count: 1)])
        #expect(throws: ExportError.self) { try BigQueryExport.checkOwnership(unowned, organizationID: Self.org) }
        try BigQueryExport.checkOwnership(
            ProjectionSnapshot(tables: [Self.rows(table, organization: Self.org, count: 3)]),
            organizationID: Self.org)

        for organization in [nil, ""] as [String?] {
            let refused = try await #require(throws: ExportError.self) {
                try await BigQueryExport.run(
                    projectionsPath: "/nonexistent/projections.sqlite", organizationID: organization,
                    options: .init(
                        project: "p", dataset: "ds", apiBase: "http://127.0.0.1:1",
                        credentials: .accessTokenEnvironment(variable: "T")),
                    environment: ["T": "tok"])
            }
            #expect(refused.classification == .badInput)
            #expect(refused.message == "the ledger has no organization page: run `claude-ledger sync` first")
        }
    }
}

extension ProjectionsFixture {
    /// The organization the fixture's rows belong to (its `organization_id`).
    static let organizationID = "org_1"
}
