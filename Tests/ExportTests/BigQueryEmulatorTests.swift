import CoreValues
import Foundation
import Testing

@testable import Export
import TableSchemas
import TestSupport

/// Where the tests find the local BigQuery emulator (`tools/bigquery-emulator/start.sh` prints
/// these variables). Without `BIGQUERY_EMULATOR_URL` the suite is skipped.
enum Emulator {
    static let environment = ProcessInfo.processInfo.environment
    static let url: String? = environment["BIGQUERY_EMULATOR_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let project = environment["BIGQUERY_EMULATOR_PROJECT"] ?? "test-project"
    static let skipNote: Comment = "BIGQUERY_EMULATOR_URL is not set: run `eval \"$(tools/bigquery-emulator/start.sh)\"` first"

    /// The emulator ignores authentication; the token only proves the header path works.
    static let tokenEnvironment = ["EXPORT_TEST_BQ_TOKEN": "emulator-does-not-check-tokens"]

    static func options(dataset: String = freshDataset()) -> BigQueryExport.Options {
        BigQueryExport.Options(
            project: project, dataset: dataset, apiBase: url ?? "http://127.0.0.1:1",
            credentials: .accessTokenEnvironment(variable: "EXPORT_TEST_BQ_TOKEN"),
            retry: BigQueryRetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(100)),
            jobTimeout: .seconds(60))
    }

    static func freshDataset() -> String {
        "export_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    static func query(_ sql: String, _ options: BigQueryExport.Options) async throws -> [[String?]] {
        try await BigQueryExport.query(sql, options: options, environment: tokenEnvironment)
    }
}

extension ProjectionsFixture {
    /// Thirty days of a synthetic organization: several cost lines a day with fractional cents,
    /// usage per key, Claude Code records; deterministic.
    static func generated(days: Int = 30, seed: UInt64 = 7) -> ProjectionsFixture {
        var state = seed
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % bound
        }
        var fixture = ProjectionsFixture()
        let start = Day("2026-02-01")!
        for offset in 0..<days {
            let day = start.adding(days: offset).description
            for line in 0..<(2 + Int(next(4))) {
                let cents = "\(next(100_000)).\(String(format: "%05d", Int(next(100_000))))"
                fixture.costs.append(
                    CostRow(
                        date: day, workspaceID: line == 0 ? nil : "wrkspc_\(line)",
                        description: "line \(line)", amountCents: cents,
                        eventID: "ev_c\(offset)"))
            }
            for key in 0..<2 {
                fixture.usage.append(
                    UsageRow(
                        date: day, apiKeyID: "apikey_\(key)", workspaceID: "wrkspc_1",
                        model: "claude-sonnet-4-5", uncached: Int64(next(1_000_000)),
                        output: Int64(next(100_000)), eventID: "ev_u\(offset)"))
            }
            fixture.code.append(
                CodeRow(
                    date: day, actor: "dev\(offset % 3)@example.com",
                    isRemote: offset % 3 == 0 ? nil : Int64(offset % 2), sessions: Int64(next(5)),
                    linesAdded: Int64(next(500)), linesRemoved: Int64(next(100)),
                    inputTokens: Int64(next(10_000)), outputTokens: Int64(next(10_000)),
                    eventID: "ev_k\(offset)"))
        }
        return fixture
    }

    /// Per day: (sum of amount_cents, sum of amount_usd, row count), exactly.
    var costTotalsByDay: [String: (cents: ExactDecimal, usd: ExactDecimal, rows: Int)] {
        var totals: [String: (cents: ExactDecimal, usd: ExactDecimal, rows: Int)] = [:]
        for row in costs {
            let previous = totals[row.date] ?? (.zero, .zero, 0)
            totals[row.date] = (
                try! previous.cents.adding(ExactDecimal(parsing: row.amountCents)),
                try! previous.usd.adding(ExactDecimal(parsing: row.amountUSD)),
                previous.rows + 1
            )
        }
        return totals
    }
}

/// CI sets `BIGQUERY_EMULATOR_REQUIRED=1` so a failed emulator start fails the run instead of
/// silently skipping the emulator suite.
@Test("The emulator is configured when CI requires it")
func emulatorConfiguredWhenRequired() {
    if Emulator.environment["BIGQUERY_EMULATOR_REQUIRED"] == "1" {
        #expect(Emulator.url != nil, "BIGQUERY_EMULATOR_REQUIRED=1 but BIGQUERY_EMULATOR_URL is not set")
    }
}

@Suite(
    "export bigquery against the local emulator", .serialized,
    .enabled(if: Emulator.url != nil, Emulator.skipNote))
struct BigQueryEmulatorTests {
    /// Checks BigQuery holds exactly `fixture`'s rows: per-day cost sums and counts, per-table
    /// counts, and the cost rows themselves.
    private func expectContents(_ fixture: ProjectionsFixture, _ options: BigQueryExport.Options) async throws {
        let ds = options.dataset
        let perDay = try await Emulator.query(
            """
            SELECT CAST(date AS STRING) AS d, SUM(amount_cents) AS cents, SUM(amount_usd) AS usd, COUNT(*) AS n
            FROM \(ds).claude_costs GROUP BY d ORDER BY d
            """, options)
        let expected = fixture.costTotalsByDay
        #expect(perDay.count == expected.count, "days with cost rows")
        for row in perDay {
            let day = try #require(row[0])
            let totals = try #require(expected[day], "unexpected day \(day)")
            #expect(try ExactDecimal(parsing: #require(row[1])) == totals.cents, "cents on \(day)")
            #expect(try ExactDecimal(parsing: #require(row[2])) == totals.usd, "usd on \(day)")
            #expect(row[3] == String(totals.rows), "rows on \(day)")
        }

        let counts = try await Emulator.query(
            """
            SELECT (SELECT COUNT(*) FROM \(ds).claude_costs), (SELECT COUNT(*) FROM \(ds).claude_usage_keys),
                   (SELECT COUNT(*) FROM \(ds).claude_code_productivity)
            """, options)
        let expectedCounts: [String?] = [String(fixture.costs.count), String(fixture.usage.count), String(fixture.code.count)]
        #expect(counts.first == expectedCounts)

        let usage = try await Emulator.query(
            "SELECT COALESCE(SUM(uncached_input_tokens), 0), COALESCE(SUM(output_tokens), 0) FROM \(ds).claude_usage_keys", options)
        let uncached: Int64 = fixture.usage.map(\.uncached).reduce(0, +)
        let output: Int64 = fixture.usage.map(\.output).reduce(0, +)
        let expectedUsage: [String?] = [String(uncached), String(output)]
        #expect(usage.first == expectedUsage)

        let code = try await Emulator.query(
            """
            SELECT COALESCE(SUM(CASE WHEN is_remote THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN is_remote IS NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(lines_added), 0) FROM \(ds).claude_code_productivity
            """, options)
        let remote: Int = fixture.code.filter { $0.isRemote == 1 }.count
        let unknown: Int = fixture.code.filter { $0.isRemote == nil }.count
        let linesAdded: Int64 = fixture.code.map(\.linesAdded).reduce(0, +)
        let expectedCode: [String?] = [String(remote), String(unknown), String(linesAdded)]
        #expect(code.first == expectedCode)

        // Row by row for costs: the exact money strings survive the trip.
        let rows = try await Emulator.query(
            """
            SELECT CAST(date AS STRING), workspace_id, description, amount_cents, amount_usd, event_id
            FROM \(ds).claude_costs ORDER BY 1, 6, 3, 2
            """, options)
        let wanted = fixture.costs
            .sorted {
                ($0.date, $0.eventID, $0.description ?? "", $0.workspaceID ?? "") < (
                    $1.date, $1.eventID, $1.description ?? "", $1.workspaceID ?? ""
                )
            }
        #expect(rows.count == wanted.count)
        for (got, want) in zip(rows, wanted) {
            #expect(got[0] == want.date)
            #expect(got[1] == want.workspaceID)
            #expect(got[2] == want.description)
            #expect(try ExactDecimal(parsing: #require(got[3])) == ExactDecimal(parsing: want.amountCents))
            #expect(try ExactDecimal(parsing: #require(got[4])) == ExactDecimal(parsing: want.amountUSD))
            #expect(got[5] == want.eventID)
        }
    }

    private func export(
        _ fixture: ProjectionsFixture, _ options: BigQueryExport.Options,
        in dir: URL
    ) async throws -> BigQueryExport.Summary {
        let path = dir.filePath("projections-\(UUID().uuidString).sqlite")
        try fixture.write(to: path)
        return try await BigQueryExport.run(
            projectionsPath: path, organizationID: ProjectionsFixture.organizationID, options: options,
            environment: Emulator.tokenEnvironment)
    }

    @Test("Exports the three tables: dataset and day-partitioned tables created, contents exact")
    func exportsThreeTables() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let fixture = ProjectionsFixture.generated()
            let summary = try await export(fixture, options, in: dir)
            #expect(summary.datasetCreated)
            #expect(summary.tables.map(\.name) == TableSchema.all.map(\.name))
            #expect(summary.tables.allSatisfy { $0.created })
            // The fixture has no analytics rows: the two analytics tables are created and left empty.
            #expect(summary.tables.map(\.rows) == [fixture.costs.count, fixture.usage.count, fixture.code.count, 0, 0])
            #expect(summary.tables[0].moneyTypes == ["amount_cents": .numeric, "amount_usd": .numeric])
            try await expectContents(fixture, options)

            let client = try BigQueryExport.makeClient(options, environment: Emulator.tokenEnvironment)
            for table in TableSchema.all {
                let created = try #require(try await client.getTable(dataset: options.dataset, table: table.name))
                #expect(created.timePartitioning == .init(type: "DAY", field: "date"))
                #expect(created.schema?.fields?.map(\.name) == table.columns.map(\.name))
                let types = Set(created.schema?.fields?.map(\.type) ?? [])
                #expect(!types.contains("FLOAT") && !types.contains("FLOAT64"))
            }
        }
    }

    @Test("Exporting twice leaves exactly one copy of every row")
    func idempotent() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let fixture = ProjectionsFixture.generated(days: 10)
            _ = try await export(fixture, options, in: dir)
            let second = try await export(fixture, options, in: dir)
            #expect(!second.datasetCreated)
            #expect(second.tables.allSatisfy { !$0.created })
            try await expectContents(fixture, options)
        }
    }

    @Test("After a revision the table holds the new rows and no stale ones")
    func revision() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let before = ProjectionsFixture.generated(days: 10)
            _ = try await export(before, options, in: dir)

            // Anthropic revised 2026-02-03 (fewer, different lines) and a day vanished entirely.
            var after = before
            after.costs.removeAll { $0.date == "2026-02-03" || $0.date == "2026-02-05" }
            after.costs.append(
                CostRow(
                    date: "2026-02-03", workspaceID: "wrkspc_1", description: "revised",
                    amountCents: "10.00001", eventID: "ev_rev"))
            after.usage.removeAll { $0.date == "2026-02-05" }
            after.code.removeAll { $0.date == "2026-02-05" }
            _ = try await export(after, options, in: dir)
            try await expectContents(after, options)

            let stale = try await Emulator.query(
                "SELECT COUNT(*) FROM \(options.dataset).claude_costs WHERE date = DATE '2026-02-05' OR event_id = 'ev_c2'", options)
            #expect(stale.first == ["0"])
        }
    }

    @Test("Large bodies go through a resumable upload session")
    func resumable() async throws {
        try await withTemporaryDirectory { dir in
            var options = Emulator.options()
            options.resumableThreshold = 0
            let fixture = ProjectionsFixture.generated(days: 5)
            _ = try await export(fixture, options, in: dir)
            try await expectContents(fixture, options)
        }
    }

    @Test("An empty projection empties the tables")
    func emptyProjection() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            _ = try await export(.generated(days: 3), options, in: dir)
            let summary = try await export(ProjectionsFixture(), options, in: dir)
            #expect(summary.tables.map(\.rows) == [0, 0, 0, 0, 0])
            try await expectContents(ProjectionsFixture(), options)
        }
    }

    @Test("Money needing more than 9 decimals is loaded as BIGNUMERIC, exactly")
    func bignumeric() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            var fixture = ProjectionsFixture.generated(days: 2)
            fixture.costs.append(
                CostRow(
                    date: "2026-02-01", workspaceID: "wrkspc_9", description: "tiny",
                    amountCents: "0.12345678901", eventID: "ev_tiny"))
            let summary = try await export(fixture, options, in: dir)
            #expect(summary.tables[0].moneyTypes == ["amount_cents": .bignumeric, "amount_usd": .bignumeric])
            try await expectContents(fixture, options)

            // Later data that would fit NUMERIC does not narrow the column back.
            let again = try await export(.generated(days: 2), options, in: dir)
            #expect(again.tables[0].moneyTypes == ["amount_cents": .bignumeric, "amount_usd": .bignumeric])
        }
    }

    /// Real BigQuery widens NUMERIC to BIGNUMERIC in place (`ALTER TABLE … ALTER COLUMN … SET
    /// DATA TYPE BIGNUMERIC`, a documented widening). The emulator cannot: its DuckDB refuses
    /// DECIMAL(38,9) to DECIMAL(38,18). So here the statement's failure is checked to be clean
    /// (exit-3 class, no row changed); the SQL itself is checked in
    /// `BigQueryOrganizationRequestTests`. Should a later emulator run it, the widened contents
    /// are checked instead.
    @Test("A NUMERIC money column meeting a value that needs BIGNUMERIC: widened in place, or (emulator gap) a clean failure")
    func wideningToBignumeric() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            let before = ProjectionsFixture.generated(days: 2)
            _ = try await export(before, options, in: dir)
            var after = before
            after.costs.append(
                CostRow(
                    date: "2026-02-02", workspaceID: "wrkspc_9", description: "tiny",
                    amountCents: "0.12345678901", eventID: "ev_tiny"))
            do {
                let summary = try await export(after, options, in: dir)
                #expect(summary.tables[0].moneyTypes == ["amount_cents": .bignumeric, "amount_usd": .bignumeric])
                try await expectContents(after, options)
            } catch let error as ExportError {
                #expect(error.classification == .targetFailed)
                #expect(error.message.contains("widening claude_costs.amount_cents to BIGNUMERIC"), "\(error.message)")
                try await expectContents(before, options)
            }
        }
    }

    @Test("A failed load job reports BigQuery's errorResult as an export-target failure")
    func failedJob() async throws {
        let options = Emulator.options()
        let client = try BigQueryExport.makeClient(options, environment: Emulator.tokenEnvironment)
        try await client.insertDataset(.init(datasetReference: .init(projectId: options.project, datasetId: options.dataset)))
        let table = ProjectionTable.usage.schema
        let schema = BigQueryClient.WireSchema(
            fields: table.bigQueryFields().map {
                .init(name: $0.name, type: $0.type, mode: $0.mode, description: $0.description)
            })
        let reference = BigQueryClient.TableReference(
            projectId: options.project, datasetId: options.dataset,
            tableId: table.name)
        try await client.insertTable(.init(tableReference: reference, schema: schema))
        let job = BigQueryClient.Job(
            jobReference: .init(projectId: options.project, jobId: BigQueryExport.makeJobID(table: table.name)),
            configuration: .init(
                load: .init(
                    destinationTable: reference, sourceFormat: "NEWLINE_DELIMITED_JSON",
                    writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_NEVER",
                    schema: schema)))
        let bad = Array("{\"date\":\"2026-13-45\",\"output_tokens\":\"many\",\"event_id\":\"x\"}\n".utf8)
        var result = try await client.insertLoadJob(job, data: bad, resumableThreshold: 1 << 20)
        result = try await BigQueryExport.waitUntilDone(result, client: client, timeout: .seconds(30))
        let error = try #require(throws: ExportError.self) {
            try BigQueryExport.checkOutcome(result, table: table.name, expectedRows: 1)
        }
        #expect(error.classification == .targetFailed)
        #expect(error.failureClass == .remoteFailure)
        #expect(error.message.contains("claude_usage_keys"))
        #expect(error.message.contains("invalid"))
        #expect(!error.message.contains("emulator-does-not-check-tokens"))
    }

    @Test("Re-sending a job id whose first answer was lost fetches that job instead of failing")
    func duplicateJobID() async throws {
        try await withTemporaryDirectory { dir in
            let options = Emulator.options()
            _ = try await export(.generated(days: 1), options, in: dir)
            let client = try BigQueryExport.makeClient(options, environment: Emulator.tokenEnvironment)
            let reference = BigQueryClient.TableReference(
                projectId: options.project, datasetId: options.dataset,
                tableId: ProjectionTable.claudeCode.rawValue)
            let schema = BigQueryClient.WireSchema(
                fields: ProjectionTable.claudeCode.schema.bigQueryFields().map {
                    .init(name: $0.name, type: $0.type, mode: $0.mode, description: $0.description)
                })
            let job = BigQueryClient.Job(
                jobReference: .init(projectId: options.project, jobId: BigQueryExport.makeJobID(table: reference.tableId)),
                configuration: .init(
                    load: .init(
                        destinationTable: reference, sourceFormat: "NEWLINE_DELIMITED_JSON",
                        writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_NEVER",
                        schema: schema)))
            let first = try await client.insertLoadJob(job, data: [], resumableThreshold: 1 << 20)
            let second = try await client.insertLoadJob(job, data: [], resumableThreshold: 1 << 20)
            #expect(first.jobReference.jobId == second.jobReference.jobId)
            #expect(second.status?.state == "DONE")
        }
    }
}

@Suite("export bigquery: failures are classified")
struct BigQueryFailureTests {
    @Test("An unreachable --api-base is `unreachable` (exit 3)")
    func unreachable() async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            var options = Emulator.options()
            options.apiBase = "http://127.0.0.1:1"
            let error = try await #require(throws: ExportError.self) {
                try await BigQueryExport.run(
                    projectionsPath: dir.filePath("projections.sqlite"), organizationID: ProjectionsFixture.organizationID,
                    options: options,
                    environment: Emulator.tokenEnvironment)
            }
            #expect(error.classification == .unreachable)
            #expect(error.failureClass == .remoteFailure)
            #expect(!error.message.contains("emulator-does-not-check-tokens"))
        }
    }

    @Test(
        "Bad options and credentials are bad input (exit 2), found before any request",
        arguments: [
            (
                "bad project",
                BigQueryExport.Options(
                    project: "Bad Project", dataset: "ds", apiBase: "http://127.0.0.1:1",
                    credentials: .accessTokenEnvironment(variable: "EXPORT_TEST_BQ_TOKEN"))
            ),
            (
                "bad dataset",
                BigQueryExport.Options(
                    project: "p", dataset: "my-dataset", apiBase: "http://127.0.0.1:1",
                    credentials: .accessTokenEnvironment(variable: "EXPORT_TEST_BQ_TOKEN"))
            ),
            (
                "plain http off loopback",
                BigQueryExport.Options(
                    project: "p", dataset: "ds", apiBase: "http://example.com",
                    credentials: .accessTokenEnvironment(variable: "EXPORT_TEST_BQ_TOKEN"))
            ),
            (
                "token variable unset",
                BigQueryExport.Options(
                    project: "p", dataset: "ds", apiBase: "http://127.0.0.1:1",
                    credentials: .accessTokenEnvironment(variable: "EXPORT_TEST_UNSET_VARIABLE"))
            ),
            (
                "credentials file missing",
                BigQueryExport.Options(
                    project: "p", dataset: "ds", apiBase: "http://127.0.0.1:1",
                    credentials: .serviceAccountFile(path: "/nonexistent/sa.json"))
            ),
        ])
    func badInput(label: String, options: BigQueryExport.Options) async throws {
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
            let error = try await #require(throws: ExportError.self, "\(label)") {
                try await BigQueryExport.run(
                    projectionsPath: dir.filePath("projections.sqlite"), organizationID: ProjectionsFixture.organizationID,
                    options: options,
                    environment: Emulator.tokenEnvironment)
            }
            #expect(error.classification == .badInput, "\(label): \(error.message)")
            #expect(error.failureClass == .badInput)
        }
    }

    @Test("Missing projections are bad input before credentials are touched")
    func missingProjections() async throws {
        let error = try await #require(throws: ExportError.self) {
            try await BigQueryExport.run(
                projectionsPath: "/nonexistent/projections.sqlite", organizationID: ProjectionsFixture.organizationID,
                options: Emulator.options(), environment: Emulator.tokenEnvironment)
        }
        #expect(error.classification == .badInput)
    }

    @Test("Job polling waits grow and stop at the timeout")
    func jobPoll() {
        var poll = JobPoll(timeout: .seconds(3))
        var delays: [Duration] = []
        while let delay = poll.nextDelay() { delays.append(delay) }
        #expect(delays == [.milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(1250)])
        #expect(delays.reduce(.zero, +) == .seconds(3))
    }

    @Test("A job error lists errorResult and the other errors, bounded")
    func jobErrorMessage() throws {
        let job = BigQueryClient.Job(
            jobReference: .init(projectId: "p", jobId: "j1"),
            status: .init(
                state: "DONE",
                errorResult: .init(reason: "invalid", message: "Error while reading data"),
                errors: [
                    .init(reason: "invalid", message: "Error while reading data"),
                    .init(reason: "invalid", location: "line 3", message: "bad date"),
                ]))
        let error = try #require(throws: ExportError.self) {
            try BigQueryExport.checkOutcome(job, table: "claude_costs", expectedRows: 3)
        }
        #expect(
            error.message
                == "BigQuery load of claude_costs failed (job j1): invalid: Error while reading data; errors: invalid: bad date: at line 3")
    }
}

@Suite("HTTP retry and encoding")
struct RetryTests {
    @Test("Backoff doubles from the initial delay and stops at the cap")
    func backoff() {
        let policy = BigQueryRetryPolicy(maxAttempts: 6, initialDelay: .milliseconds(500), maxDelay: .seconds(3))
        #expect((1...5).map(policy.delay(afterAttempt:)) == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
    }

    @Test(
        "Retryable: 429, 5xx gateway errors and BigQuery's 403 rateLimitExceeded; not other 4xx",
        arguments: [
            (429, "", true), (500, "", true), (503, "", true), (400, "", false), (404, "", false), (401, "", false),
            (403, #"{"error":{"code":403,"errors":[{"reason":"rateLimitExceeded"}]}}"#, true),
            (403, #"{"error":{"code":403,"errors":[{"reason":"accessDenied"}]}}"#, false),
        ])
    func retryable(status: Int, body: String, expected: Bool) {
        #expect(BigQueryRetryPolicy.isRetryable(HTTPResponseSpec(status: status, headers: [], body: Array(body.utf8))) == expected)
    }

    @Test("Form and path escaping keep only ASCII unreserved characters")
    func escaping() {
        #expect(
            FormEncoding.escape("urn:ietf:params:oauth:grant-type:jwt-bearer") == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
        #expect(FormEncoding.escape("a+b/c=é") == "a%2Bb%2Fc%3D%C3%A9")
    }

    @Test("Multipart bodies: JSON part, data part, closing boundary, CRLF between")
    func multipart() {
        let body = Multipart.related(metadata: Array("{}".utf8), media: Array("x\n".utf8), boundary: "B")
        #expect(body.contentType == "multipart/related; boundary=B")
        #expect(
            String(decoding: body.bytes, as: UTF8.self)
                == "--B\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{}\r\n--B\r\nContent-Type: application/octet-stream\r\n\r\nx\n\r\n--B--\r\n"
        )
    }
}
