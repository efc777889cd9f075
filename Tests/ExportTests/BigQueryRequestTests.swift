import Foundation
import Testing

@testable import Export
import TestSupport

/// A scripted BigQuery: answers requests in order from a list, recording what was asked.
/// Real emulators finish jobs inside the insert call, so slow jobs and lost answers are
/// exercised here.
actor ScriptedTransport: HTTPTransport {
    enum Step: Sendable {
        case respond(Int, String)
        case fail
    }

    private var steps: [Step]
    private(set) var requests: [(method: String, url: String, authorization: String?)] = []
    private(set) var bodies: [[UInt8]] = []
    private(set) var contentTypes: [String?] = []

    init(_ steps: [Step]) {
        self.steps = steps
    }

    func send(_ request: HTTPRequestSpec) async throws -> HTTPResponseSpec {
        requests.append((request.method, request.url, request.headers.first { $0.0 == "Authorization" }?.1))
        bodies.append(request.body)
        contentTypes.append(request.headers.first { $0.0 == "Content-Type" }?.1)
        guard !steps.isEmpty else { return HTTPResponseSpec(status: 599, headers: [], body: []) }
        switch steps.removeFirst() {
        case .respond(let status, let body):
            return HTTPResponseSpec(status: status, headers: [], body: Array(body.utf8))
        case .fail:
            throw TransportFailure(summary: "connection refused")
        }
    }
}

@Suite("load job polling and lost answers")
struct JobPollingTests {
    private static func job(_ state: String, extra: String = "") -> String {
        #"{"jobReference":{"projectId":"p","jobId":"j1","location":"EU"},"status":{"state":"\#(state)"\#(extra)}}"#
    }

    private func client(_ transport: ScriptedTransport) throws -> BigQueryClient {
        let options = BigQueryExport.Options(
            project: "p", dataset: "ds", apiBase: "http://127.0.0.1:9",
            credentials: .accessTokenEnvironment(variable: "T"),
            retry: BigQueryRetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(1)))
        return try BigQueryExport.makeClient(options, environment: ["T": "tok"], transport: transport)
    }

    private var loadJob: BigQueryClient.Job {
        let reference = BigQueryClient.TableReference(projectId: "p", datasetId: "ds", tableId: "claude_costs")
        return BigQueryClient.Job(
            jobReference: .init(projectId: "p", jobId: "j1"),
            configuration: .init(
                load: .init(
                    destinationTable: reference, sourceFormat: "NEWLINE_DELIMITED_JSON",
                    writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_NEVER",
                    schema: .init(fields: []))))
    }

    @Test("PENDING and RUNNING are polled with jobs.get (in the job's location) until DONE")
    func pollsUntilDone() async throws {
        let transport = ScriptedTransport([
            .respond(200, Self.job("PENDING")),
            .respond(200, Self.job("RUNNING")),
            .respond(503, "{}"),
            .respond(200, Self.job("RUNNING")),
            .respond(200, Self.job("DONE")),
        ])
        let client = try client(transport)
        let inserted = try await client.insertLoadJob(loadJob, data: Array("{}\n".utf8), resumableThreshold: 1 << 20)
        let done = try await BigQueryExport.waitUntilDone(inserted, client: client, timeout: .seconds(30))
        #expect(done.status?.state == "DONE")
        let urls = await transport.requests.map(\.url)
        #expect(urls.first == "http://127.0.0.1:9/upload/bigquery/v2/projects/p/jobs?uploadType=multipart")
        #expect(urls.dropFirst().allSatisfy { $0 == "http://127.0.0.1:9/bigquery/v2/projects/p/jobs/j1?location=EU" })
        #expect(urls.count == 5)
        #expect(await transport.requests.allSatisfy { $0.authorization == "Bearer tok" })
    }

    @Test("A lost insert answer is retried with the same job id; `Already Exists` fetches the job")
    func lostAnswer() async throws {
        let transport = ScriptedTransport([
            .fail,
            .respond(409, #"{"error":{"code":409,"errors":[{"reason":"duplicate"}]}}"#),
            .respond(200, Self.job("DONE")),
        ])
        let client = try client(transport)
        let job = try await client.insertLoadJob(loadJob, data: Array("{}\n".utf8), resumableThreshold: 1 << 20)
        #expect(job.jobReference.jobId == "j1")
        #expect(job.status?.state == "DONE")
        #expect(await transport.requests.map(\.method) == ["POST", "POST", "GET"])
    }

    @Test("A job still running at the timeout is a target failure naming the job")
    func timeout() async throws {
        let transport = ScriptedTransport(Array(repeating: .respond(200, Self.job("RUNNING")), count: 20))
        let client = try client(transport)
        let inserted = try await client.insertLoadJob(loadJob, data: [], resumableThreshold: 1 << 20)
        let error = try await #require(throws: ExportError.self) {
            try await BigQueryExport.waitUntilDone(inserted, client: client, timeout: .milliseconds(600))
        }
        #expect(error.classification == .targetFailed)
        #expect(error.message.contains("j1"))
    }

    @Test("Persistent 5xx becomes a target failure with BigQuery's reason; the token stays out")
    func persistentServerError() async throws {
        let body = #"{"error":{"code":503,"message":"The service is currently unavailable.","errors":[{"reason":"backendError"}]}}"#
        let transport = ScriptedTransport(Array(repeating: .respond(503, body), count: 3))
        let client = try client(transport)
        let error = try await #require(throws: ExportError.self) {
            try await client.getDataset("ds")
        }
        #expect(error.classification == .targetFailed)
        #expect(error.message.contains("HTTP 503: backendError: The service is currently unavailable."))
        #expect(!error.message.contains("tok"))
        #expect(await transport.requests.count == 3)
    }
}

@Suite("request contract")
struct RequestContractTests {
    @Test(
        "A first export creates dataset and day-partitioned tables, stages the rows with WRITE_TRUNCATE and the schema, then replaces the organization's rows"
    )
    func firstExport() async throws {
        let notFound = #"{"error":{"code":404,"errors":[{"reason":"notFound"}]}}"#
        var steps: [ScriptedTransport.Step] = [.respond(404, notFound), .respond(200, "{}")]
        for (table, rows) in [
            ("claude_costs", 5), ("claude_usage_keys", 3), ("claude_code_productivity", 3),
            ("claude_costs_by_key", 0), ("claude_usage_by_actor", 0),
        ] {
            steps += [
                .respond(404, notFound), .respond(200, "{}"), .respond(200, "{}"),
                .respond(
                    200,
                    #"{"jobReference":{"projectId":"p","jobId":"x_\#(table)","location":"EU"},"status":{"state":"DONE"},"statistics":{"load":{"outputRows":"\#(rows)"}}}"#
                ),
                .respond(200, #"{"jobReference":{"projectId":"p","jobId":"q_\#(table)","location":"EU"},"jobComplete":true}"#),
                .respond(204, ""),
            ]
        }
        let transport = ScriptedTransport(steps)
        let options = BigQueryExport.Options(
            project: "p", dataset: "ds", location: "EU", apiBase: "http://127.0.0.1:9",
            credentials: .accessTokenEnvironment(variable: "T"))
        let client = try BigQueryExport.makeClient(options, environment: ["T": "tok"], transport: transport)
        try await withTemporaryDirectory { dir in
            try ProjectionsFixture.sample.write(to: dir.filePath("p.sqlite"))
            let snapshot = try ProjectionSnapshot.read(projectionsPath: dir.filePath("p.sqlite"))
            let summary = try await BigQueryExport.export(
                snapshot, organizationID: ProjectionsFixture.organizationID, client: client, options: options,
                logger: .init(label: "test"))
            #expect(summary.datasetCreated)
            #expect(summary.tables.map(\.rows) == [5, 3, 3, 0, 0])
        }
        let requests = await transport.requests
        let bodies = await transport.bodies
        // The dataset, then per table (five, the two analytics ones included): look up, create,
        // create the staging table, load it, replace the organization's rows, drop the staging table.
        let perTable: [String] = ["GET", "POST", "POST", "POST", "POST", "DELETE"]
        var expectedMethods: [String] = ["GET", "POST"]
        for _ in 0..<5 { expectedMethods += perTable }
        let methods: [String] = requests.map(\.method)
        #expect(methods == expectedMethods)
        #expect(requests[0].url == "http://127.0.0.1:9/bigquery/v2/projects/p/datasets/ds")

        let dataset = try #require(try JSONSerialization.jsonObject(with: Data(bodies[1])) as? [String: Any])
        #expect(dataset["location"] as? String == "EU")

        let table = try #require(try JSONSerialization.jsonObject(with: Data(bodies[3])) as? [String: Any])
        #expect(requests[3].url == "http://127.0.0.1:9/bigquery/v2/projects/p/datasets/ds/tables")
        #expect(table["timePartitioning"] as? [String: String] == ["type": "DAY", "field": "date"])
        let fields = try #require((table["schema"] as? [String: Any])?["fields"] as? [[String: String]])
        #expect(fields.count == 14)  // SPEC's 13 columns and organization_id
        #expect(
            fields[10] == [
                "name": "amount_cents", "type": "NUMERIC", "mode": "REQUIRED",
                "description": "The API's amount: a decimal string in cents, exact as sent",
            ])
        // docs/TABLES.md: currency is TEXT NOT NULL, so BigQuery REQUIRED.
        #expect(
            fields[9] == [
                "name": "currency", "type": "STRING", "mode": "REQUIRED",
                "description": "Currency as sent (USD)",
            ])

        // The staging table: same schema, not partitioned, expiring on its own if never dropped.
        let staging = try #require(try JSONSerialization.jsonObject(with: Data(bodies[4])) as? [String: Any])
        let stagingID = try #require((staging["tableReference"] as? [String: String])?["tableId"])
        #expect(stagingID.hasPrefix("claude_costs__claude_ledger_staging_"))
        #expect(staging["timePartitioning"] == nil && staging["expirationTime"] != nil)

        // The load into it: multipart/related, JSON job part first, then exactly the NDJSON rows.
        #expect(requests[5].url == "http://127.0.0.1:9/upload/bigquery/v2/projects/p/jobs?uploadType=multipart")
        let contentType = try #require(await transport.contentTypes[5])
        #expect(contentType.hasPrefix("multipart/related; boundary="))
        let boundary = String(contentType.dropFirst("multipart/related; boundary=".count))
        let text = String(decoding: bodies[5], as: UTF8.self)
        let parts = text.components(separatedBy: "--\(boundary)")
        #expect(parts.count == 4)
        #expect(parts[3] == "--\r\n")
        let jobJSON = try #require(parts[1].components(separatedBy: "\r\n\r\n").last)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let job = try #require(try JSONSerialization.jsonObject(with: Data(jobJSON.utf8)) as? [String: Any])
        let reference = try #require(job["jobReference"] as? [String: String])
        #expect(reference["projectId"] == "p")
        #expect(reference["location"] == "EU")
        #expect(reference["jobId"]?.hasPrefix("claude_ledger_claude_costs_") == true)
        let load = try #require((job["configuration"] as? [String: Any])?["load"] as? [String: Any])
        #expect(load["sourceFormat"] as? String == "NEWLINE_DELIMITED_JSON")
        #expect(load["writeDisposition"] as? String == "WRITE_TRUNCATE")
        #expect(load["createDisposition"] as? String == "CREATE_NEVER")
        #expect(load["destinationTable"] as? [String: String] == ["projectId": "p", "datasetId": "ds", "tableId": stagingID])
        #expect(((load["schema"] as? [String: Any])?["fields"] as? [Any])?.count == 14)
        let golden = try String(contentsOfFile: fixturesDirectory + "/golden/claude_costs.ndjson", encoding: .utf8)
        #expect(parts[2] == "\r\nContent-Type: application/octet-stream\r\n\r\n" + golden + "\r\n")

        // Then the transaction, with the organization as a parameter, and the staging table dropped.
        let replace = try #require(try JSONSerialization.jsonObject(with: Data(bodies[6])) as? [String: Any])
        #expect(requests[6].url == "http://127.0.0.1:9/bigquery/v2/projects/p/queries")
        #expect(
            (replace["query"] as? String)?.hasPrefix(
                "BEGIN TRANSACTION;\nDELETE FROM `p.ds.claude_costs` WHERE `organization_id` = @organization_id;") == true)
        #expect(
            (replace["queryParameters"] as? [[String: Any]])?.first?["parameterValue"] as? [String: String]
                == ["value": ProjectionsFixture.organizationID])
        #expect(requests[7].url == "http://127.0.0.1:9/bigquery/v2/projects/p/datasets/ds/tables/\(stagingID)")
    }
}
