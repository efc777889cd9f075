import AdminSimulator
import CoreValues
import Foundation
import GRDB
import Ledger
import SimulatorSupport
import Testing
import TestSupport

@testable import Export
import TableSchemas

/// Two organizations, two data directories synced from two simulators by the built binary, one
/// BigQuery dataset on the local emulator: each `export bigquery` replaces only its own rows.
@Suite(
    "export bigquery: two organizations share one dataset", .serialized,
    .enabled(if: Emulator.url != nil, Emulator.skipNote))
struct BigQueryTwoOrganizationsTests {
    static let today = Day("2025-09-01")!
    static let since = Day("2025-08-18")!
    static let days = Day.range(from: since, to: today)

    /// One simulated organization and its data directory.
    struct Organization {
        let sim: AdminSimulator
        let data: URL
        var id: String { sim.organization.organizationID }
    }

    static func start(seed: UInt64, id: String, in dir: URL) async throws -> Organization {
        var config = SimulatorConfiguration(seed: seed, today: today, historyDays: 30)
        config.organizationID = id
        let sim = try await AdminSimulator.start(config)
        let organization = Organization(sim: sim, data: URL(fileURLWithPath: dir.filePath("data-\(seed)")))
        try sync(organization)
        return organization
    }

    static func sync(_ organization: Organization) throws {
        let result = try syncDataDirectory(organization.data, from: organization.sim, since: since, until: today)
        try #require(result.status == 0, "\(result.stderrText)")
    }

    static func export(_ organization: Organization, _ options: BigQueryExport.Options) throws -> BuiltProducts.Result {
        try BuiltProducts.run(
            "claude-ledger",
            [
                "export", "bigquery", "--data-dir", organization.data.path, "--project", options.project,
                "--dataset", options.dataset, "--api-base", options.apiBase, "--access-token-env", "EXPORT_TEST_BQ_TOKEN",
            ], environment: Emulator.tokenEnvironment)
    }

    /// Every row of `organization` in every table, all columns, in a total order.
    static func rows(of organization: String, _ options: BigQueryExport.Options) async throws -> [String: [[String?]]] {
        var result: [String: [[String?]]] = [:]
        for table in TableSchema.all {
            let columns = table.columns.map { "`\($0.name)`" }.joined(separator: ", ")
            result[table.name] = try await Emulator.query(
                "SELECT \(columns) FROM \(options.dataset).\(table.name) WHERE organization_id = '\(organization)' ORDER BY \(columns)",
                options)
        }
        return result
    }

    /// Per table, the row count of the organization's projections.sqlite.
    static func projectionCounts(_ organization: Organization) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: organization.data.appendingPathComponent("projections.sqlite").path)
        return try queue.read { db in
            var counts: [String: Int] = [:]
            for table in TableSchema.all {
                counts[table.name] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table.name)\"") ?? 0
            }
            return counts
        }
    }

    /// BigQuery holds exactly the organization's projection: per-day cost sums equal the
    /// simulator's truth, per-table counts equal projections.sqlite (so nothing duplicated).
    static func expectExact(_ organization: Organization, _ options: BigQueryExport.Options) async throws {
        let perDay = try await Emulator.query(
            """
            SELECT CAST(date AS STRING), SUM(amount_usd) FROM \(options.dataset).claude_costs
            WHERE organization_id = '\(organization.id)' GROUP BY 1 ORDER BY 1
            """, options)
        var sums: [String: ExactDecimal] = [:]
        for row in perDay { sums[try #require(row[0])] = try ExactDecimal(parsing: #require(row[1])) }
        for day in days {
            #expect(
                (sums[day.description] ?? .zero) == organization.sim.truth.day(day).totalCostUSD,
                "\(organization.id) on \(day)")
        }
        #expect(Set(sums.keys).isSubset(of: Set(days.map(\.description))))

        let expected = try projectionCounts(organization)
        for table in TableSchema.all {
            let count = try await Emulator.query(
                "SELECT COUNT(*) FROM \(options.dataset).\(table.name) WHERE organization_id = '\(organization.id)'", options)
            #expect(count.first == [String(expected[table.name] ?? -1)], "\(organization.id) \(table.name)")
        }
    }

    @Test("Per (organization, day) sums equal each truth; re-exporting one after a revision leaves the other's rows as they were")
    func twoOrganizations() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let a = try await Self.start(seed: 31, id: "0a1b2c3d-0000-4000-8000-00000000000a", in: dir)
            defer { Task { await a.sim.stop() } }
            let b = try await Self.start(seed: 47, id: "0a1b2c3d-0000-4000-8000-00000000000b", in: dir)
            defer { Task { await b.sim.stop() } }

            for organization in [a, b] {
                let result = try Self.export(organization, options)
                #expect(result.status == 0, "\(result.stderrText)")
                #expect(result.stdoutText.contains("claude_costs: "), "\(result.stdoutText)")
            }
            try await Self.expectExact(a, options)
            try await Self.expectExact(b, options)
            let bBefore = try await Self.rows(of: b.id, options)
            #expect((bBefore["claude_costs"]?.count ?? 0) > 0)

            // Anthropic revises one of A's days; A re-syncs and re-exports, twice.
            let revised = Self.today.adding(days: -2)
            let old = a.sim.truth.day(revised).totalCostUSD
            a.sim.revise(day: revised)
            #expect(a.sim.truth.day(revised).totalCostUSD != old, "the revision changes the day's cost")
            try Self.sync(a)
            for _ in 0..<2 {
                let result = try Self.export(a, options)
                #expect(result.status == 0, "\(result.stderrText)")
            }
            try await Self.expectExact(a, options)
            #expect(try await Self.rows(of: b.id, options) == bBefore, "B's rows, every column, unchanged")

            // Re-running B changes nothing of B's either, and never duplicates.
            let again = try Self.export(b, options)
            #expect(again.status == 0, "\(again.stderrText)")
            #expect(try await Self.rows(of: b.id, options) == bBefore)
            try await Self.expectExact(b, options)

            // Only the two organizations are in the dataset, and no staging table is left.
            let owners = try await Emulator.query(
                "SELECT DISTINCT organization_id FROM \(options.dataset).claude_costs ORDER BY 1", options)
            #expect(owners == [[a.id], [b.id]])
            let tables = try await Emulator.query(
                "SELECT table_name FROM \(options.dataset).INFORMATION_SCHEMA.TABLES ORDER BY 1", options)
            #expect(tables.map { $0.first ?? nil } == TableSchema.all.map(\.name).sorted())
        }
    }

    /// Creates `table` as the export before organization_id wrote it (that column left out,
    /// day-partitioned) and loads `rows` into it.
    static func createOldShape(_ rows: TableRows, client: BigQueryClient, options: BigQueryExport.Options) async throws {
        let table = rows.table
        let keep = table.columns.indices.filter { table.columns[$0].name != BigQuerySQL.organizationColumn }
        let fields = table.bigQueryFields().filter { $0.name != BigQuerySQL.organizationColumn }
        let schema = BigQueryClient.WireSchema(
            fields: fields.map {
                .init(name: $0.name, type: $0.type, mode: $0.mode, description: $0.description)
            })
        let reference = BigQueryClient.TableReference(projectId: options.project, datasetId: options.dataset, tableId: table.name)
        try await client.insertTable(
            .init(
                tableReference: reference, schema: schema,
                timePartitioning: .init(type: "DAY", field: "date")))
        var data = ""
        for row in rows.rows {
            let pairs = keep.map { RowEncoding.jsonString(table.columns[$0].name) + ":" + RowEncoding.jsonValue(row[$0]) }
            data += "{" + pairs.joined(separator: ",") + "}\n"
        }
        let job = BigQueryClient.Job(
            jobReference: .init(projectId: options.project, jobId: BigQueryExport.makeJobID(table: table.name)),
            configuration: .init(
                load: .init(
                    destinationTable: reference, sourceFormat: "NEWLINE_DELIMITED_JSON",
                    writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_NEVER",
                    schema: schema)))
        let loaded = try await client.insertLoadJob(job, data: Array(data.utf8), resumableThreshold: 1 << 30)
        try BigQueryExport.checkOutcome(
            try await BigQueryExport.waitUntilDone(loaded, client: client, timeout: .seconds(60)),
            table: table.name, expectedRows: rows.rows.count)
    }

    @Test("A dataset the previous export wrote (no organization_id) is upgraded in place: column added, rows attributed, then replaced")
    func upgradeOldDataset() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let a = try await Self.start(seed: 31, id: "0a1b2c3d-0000-4000-8000-0000000000aa", in: dir)
            defer { Task { await a.sim.stop() } }
            let snapshot = try ProjectionSnapshot.read(projectionsPath: a.data.appendingPathComponent("projections.sqlite").path)
            let client = try BigQueryExport.makeClient(options, environment: Emulator.tokenEnvironment)
            try await client.insertDataset(.init(datasetReference: .init(projectId: options.project, datasetId: options.dataset)))
            // The old dataset: every table without organization_id; claude_costs also holds a row
            // of a day the ledger no longer has (attributed by the upgrade like every old row,
            // then removed by the replacement like any stale row of the organization).
            var costs = try #require(snapshot.tables.first { $0.table.name == "claude_costs" })
            var stale = try #require(costs.rows.first)
            stale[0] = .date("2025-07-01")
            costs = TableRows(table: costs.table, rows: costs.rows + [stale])
            for rows in snapshot.tables {
                try await Self.createOldShape(rows.table.name == "claude_costs" ? costs : rows, client: client, options: options)
            }

            // The upgrade step alone: the column is added and every old row attributed, none dropped.
            let upgraded = try await BigQueryExport.prepareTarget(
                costs, organizationID: a.id, client: client, options: options,
                logger: .init(label: "test"))
            #expect(upgraded.addedColumns == ["organization_id"])
            #expect(!upgraded.created)
            let attributed = try await Emulator.query(
                "SELECT organization_id, COUNT(*) FROM \(options.dataset).claude_costs GROUP BY 1", options)
            #expect(attributed == [[a.id, String(costs.rows.count)]])

            // The export itself: every table upgraded, A's rows replaced, exact, no duplicates.
            let result = try Self.export(a, options)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(result.stdoutText.contains("added organization_id"), "\(result.stdoutText)")
            try await Self.expectExact(a, options)
            let unowned = try await Emulator.query(
                "SELECT COUNT(*) FROM \(options.dataset).claude_costs WHERE organization_id IS NULL OR date = DATE '2025-07-01'", options)
            #expect(unowned == [["0"]])
            for table in TableSchema.all {
                let fetched = try #require(try await client.getTable(dataset: options.dataset, table: table.name))
                #expect(fetched.schema?.fields?.map(\.name).sorted() == table.columns.map(\.name).sorted(), "\(table.name)")
                #expect(fetched.timePartitioning == .init(type: "DAY", field: "date"), "\(table.name) kept its partitioning")
            }
        }
    }

    @Test("A ledger without an organization page is refused: exit 2, one error line, nothing sent")
    func noOrganization() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let data = URL(fileURLWithPath: dir.filePath("empty"))
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            _ = try Ledger(directory: data, create: true)
            let result = try BuiltProducts.run(
                "claude-ledger",
                [
                    "export", "bigquery", "--data-dir", data.path, "--project", options.project,
                    "--dataset", options.dataset, "--api-base", options.apiBase, "--access-token-env", "EXPORT_TEST_BQ_TOKEN",
                ], environment: Emulator.tokenEnvironment)
            #expect(result.status == 2, "\(result.stderrText)")
            #expect(result.stderrText.hasPrefix("error: ") && result.stderrText.contains("claude-ledger sync"), "\(result.stderrText)")
            #expect(result.stderrText.split(separator: "\n").count == 1)
            let client = try BigQueryExport.makeClient(options, environment: Emulator.tokenEnvironment)
            #expect(try await client.getDataset(options.dataset) == nil, "no dataset was created")
        }
    }
}
