import Foundation
import Logging

/// The slice of the BigQuery REST API v2 the exporter uses
/// (https://cloud.google.com/bigquery/docs/reference/rest): datasets.get/insert,
/// tables.get/insert/delete, jobs.insert through the upload URI (multipart and resumable),
/// jobs.get and jobs.query (with named parameters, for the DML that replaces one organization's
/// rows).
///
/// Every failure becomes an `ExportError`; the access token is never part of one.
struct BigQueryClient: Sendable {
    let apiBase: String
    let project: String
    let tokens: TokenCache
    let transport: any HTTPTransport
    let retry: BigQueryRetryPolicy
    let logger: Logger

    static let scope = "https://www.googleapis.com/auth/bigquery"

    // MARK: Resources (only the fields the exporter reads or sends)

    struct ErrorProto: Codable, Sendable, Equatable {
        var reason: String?
        var location: String?
        var message: String?
    }

    struct TableReference: Codable, Sendable {
        var projectId: String
        var datasetId: String
        var tableId: String
    }

    struct TimePartitioning: Codable, Sendable, Equatable {
        var type: String
        var field: String?
    }

    struct FieldSchema: Codable, Sendable {
        var name: String
        var type: String
        var mode: String?
        var description: String?
    }

    /// The REST resource `TableSchema`: a table's fields as BigQuery holds them (the columns we
    /// describe are `TableSchemas.TableSchema`).
    struct WireSchema: Codable, Sendable {
        var fields: [FieldSchema]?
    }

    struct Table: Codable, Sendable {
        var tableReference: TableReference
        var description: String?
        var schema: WireSchema?
        var timePartitioning: TimePartitioning?
        var numRows: String?
        /// Milliseconds since the epoch after which BigQuery deletes the table (staging tables).
        var expirationTime: String?
    }

    struct DatasetReference: Codable, Sendable {
        var projectId: String
        var datasetId: String
    }

    struct Dataset: Codable, Sendable {
        var datasetReference: DatasetReference
        var location: String?
        var description: String?
    }

    struct JobReference: Codable, Sendable, Equatable {
        var projectId: String
        var jobId: String
        var location: String?
    }

    struct LoadConfiguration: Codable, Sendable {
        var destinationTable: TableReference
        var sourceFormat: String
        var writeDisposition: String
        var createDisposition: String
        var schema: WireSchema
        var timePartitioning: TimePartitioning?
    }

    struct JobConfiguration: Codable, Sendable {
        var load: LoadConfiguration?
        var labels: [String: String]?
    }

    struct JobStatus: Codable, Sendable {
        var state: String?
        var errorResult: ErrorProto?
        var errors: [ErrorProto]?
    }

    struct LoadStatistics: Codable, Sendable {
        var outputRows: String?
        var badRecords: String?
    }

    struct JobStatistics: Codable, Sendable {
        var load: LoadStatistics?
    }

    struct Job: Codable, Sendable {
        var jobReference: JobReference
        var configuration: JobConfiguration?
        var status: JobStatus?
        var statistics: JobStatistics?
    }

    struct QueryParameterType: Codable, Sendable, Equatable {
        var type: String
    }

    struct QueryParameterValue: Codable, Sendable, Equatable {
        var value: String?
    }

    /// A named query parameter (`@name` in the SQL); only STRING is used.
    struct QueryParameter: Codable, Sendable, Equatable {
        var name: String
        var parameterType: QueryParameterType
        var parameterValue: QueryParameterValue

        static func string(_ name: String, _ value: String) -> QueryParameter {
            QueryParameter(name: name, parameterType: .init(type: "STRING"), parameterValue: .init(value: value))
        }
    }

    struct QueryRequest: Codable, Sendable {
        var query: String
        var useLegacySql = false
        var location: String?
        var timeoutMs: Int?
        var parameterMode: String?
        var queryParameters: [QueryParameter]?
    }

    struct QueryCell: Codable, Sendable {
        var v: String?
    }

    struct QueryRow: Codable, Sendable {
        var f: [QueryCell]
    }

    struct QueryResponse: Codable, Sendable {
        var jobReference: JobReference?
        var jobComplete: Bool?
        var rows: [QueryRow]?
        var totalRows: String?
        var pageToken: String?
        var errors: [ErrorProto]?
    }

    // MARK: Calls

    func getDataset(_ dataset: String) async throws -> Dataset? {
        try await getOptional(
            path: "/bigquery/v2/projects/\(seg(project))/datasets/\(seg(dataset))",
            what: "dataset \(project):\(dataset)")
    }

    /// Creates the dataset; an `Already Exists` answer (a concurrent creator) counts as success.
    func insertDataset(_ dataset: Dataset) async throws {
        let what = "dataset \(project):\(dataset.datasetReference.datasetId)"
        let response = try await call(
            "POST", path: "/bigquery/v2/projects/\(seg(project))/datasets",
            json: dataset, what: "create \(what)")
        if response.status == 409 { return }
        try check(response, what: "create \(what)")
    }

    func getTable(dataset: String, table: String) async throws -> Table? {
        try await getOptional(
            path: "/bigquery/v2/projects/\(seg(project))/datasets/\(seg(dataset))/tables/\(seg(table))",
            what: "table \(project):\(dataset).\(table)")
    }

    /// Deletes a table; one already gone counts as success.
    func deleteTable(dataset: String, table: String) async throws {
        let what = "delete table \(project):\(dataset).\(table)"
        let response = try await call(
            "DELETE", path: "/bigquery/v2/projects/\(seg(project))/datasets/\(seg(dataset))/tables/\(seg(table))",
            what: what)
        if response.status == 404 { return }
        try check(response, what: what)
    }

    func insertTable(_ table: Table) async throws {
        let ref = table.tableReference
        let what = "create table \(ref.projectId):\(ref.datasetId).\(ref.tableId)"
        let response = try await call(
            "POST", path: "/bigquery/v2/projects/\(seg(project))/datasets/\(seg(ref.datasetId))/tables",
            json: table, what: what)
        if response.status == 409 { return }
        try check(response, what: what)
    }

    /// Starts a load job with its data, by multipart upload (small bodies) or a resumable upload
    /// session (large ones). A repeat of the same job id (the first attempt's answer was lost)
    /// fetches the existing job instead.
    func insertLoadJob(_ job: Job, data: [UInt8], resumableThreshold: Int) async throws -> Job {
        let what = "load job \(job.jobReference.jobId)"
        let response: HTTPResponseSpec
        if data.count > resumableThreshold {
            response = try await resumableUpload(job, data: data, what: what)
        } else {
            response = try await multipartUpload(job, data: data, what: what)
        }
        if response.status == 409 {
            return try await getJob(job.jobReference)
        }
        try check(response, what: what)
        return try decode(Job.self, response, what: what)
    }

    func getJob(_ reference: JobReference) async throws -> Job {
        var path = "/bigquery/v2/projects/\(seg(reference.projectId))/jobs/\(seg(reference.jobId))"
        if let location = reference.location { path += "?location=" + FormEncoding.escape(location) }
        let what = "job \(reference.jobId)"
        let response = try await call("GET", path: path, what: what)
        try check(response, what: what)
        return try decode(Job.self, response, what: what)
    }

    /// Runs a standard-SQL query and returns its rows as strings (NULL as nil), waiting for
    /// completion and following pages.
    /// `parameters` are named (`@name`); a multi-statement script (a transaction) is one call.
    func query(
        _ sql: String, location: String?, parameters: [QueryParameter] = [],
        what: String = "query"
    ) async throws -> [[String?]] {
        var request = QueryRequest(query: sql, location: location, timeoutMs: 20_000)
        if !parameters.isEmpty {
            request.parameterMode = "NAMED"
            request.queryParameters = parameters
        }
        let response = try await call(
            "POST", path: "/bigquery/v2/projects/\(seg(project))/queries",
            json: request, what: what)
        try check(response, what: what)
        var result = try decode(QueryResponse.self, response, what: what)
        var rows: [[String?]] = []
        while true {
            if let errors = result.errors, let first = errors.first {
                throw ExportError.targetFailed("\(what) failed: \(Self.describe(first))")
            }
            if result.jobComplete == true {
                rows += (result.rows ?? []).map { $0.f.map(\.v) }
                if result.pageToken == nil { return rows }
            }
            guard let reference = result.jobReference else {
                throw ExportError.targetFailed("\(what): the answer had no job reference")
            }
            var path = "/bigquery/v2/projects/\(seg(reference.projectId))/queries/\(seg(reference.jobId))?timeoutMs=20000"
            if let location = reference.location { path += "&location=" + FormEncoding.escape(location) }
            if result.jobComplete == true, let token = result.pageToken { path += "&pageToken=" + FormEncoding.escape(token) }
            let next = try await call("GET", path: path, what: what)
            try check(next, what: what)
            result = try decode(QueryResponse.self, next, what: what)
        }
    }

    // MARK: Uploads

    private func multipartUpload(_ job: Job, data: [UInt8], what: String) async throws -> HTTPResponseSpec {
        let metadata = try encodeJSON(job)
        let body = Multipart.related(metadata: metadata, media: data)
        let path = "/upload/bigquery/v2/projects/\(seg(project))/jobs?uploadType=multipart"
        return try await send(
            "POST", url: apiBase + path, headers: [("Content-Type", body.contentType)],
            body: body.bytes, timeout: uploadTimeout(data.count), what: what)
    }

    /// https://cloud.google.com/bigquery/docs/reference/api-uploads#resumable: open a session
    /// with the job, then PUT the bytes to the session URI it returns.
    private func resumableUpload(_ job: Job, data: [UInt8], what: String) async throws -> HTTPResponseSpec {
        let path = "/upload/bigquery/v2/projects/\(seg(project))/jobs?uploadType=resumable"
        let start = try await send(
            "POST", url: apiBase + path,
            headers: [
                ("Content-Type", "application/json; charset=UTF-8"),
                ("X-Upload-Content-Type", "application/octet-stream"),
                ("X-Upload-Content-Length", String(data.count)),
            ],
            body: try encodeJSON(job), timeout: .seconds(60), what: what)
        if start.status == 409 { return start }
        try check(start, what: "\(what) (opening upload session)")
        guard let location = start.header("Location"), !location.isEmpty else {
            throw ExportError.targetFailed("\(what): the upload session answer had no Location")
        }
        let sessionURL = location.hasPrefix("/") ? apiBase + location : location
        try checkEndpoint(sessionURL, what: "upload session URI")
        var headers = [("Content-Type", "application/octet-stream")]
        if !data.isEmpty { headers.append(("Content-Range", "bytes 0-\(data.count - 1)/\(data.count)")) }
        return try await send(
            "PUT", url: sessionURL, headers: headers, body: data,
            timeout: uploadTimeout(data.count), what: what)
    }

    private func uploadTimeout(_ bytes: Int) -> Duration {
        // At least 2 minutes, plus a second per 256 KiB: slow links still finish, hung ones end.
        .seconds(120 + bytes / (256 << 10))
    }

    // MARK: Plumbing

    private func getOptional<T: Decodable>(path: String, what: String) async throws -> T? {
        let response = try await call("GET", path: path, what: what)
        if response.status == 404 { return nil }
        try check(response, what: what)
        return try decode(T.self, response, what: what)
    }

    private func call(_ method: String, path: String, what: String) async throws -> HTTPResponseSpec {
        try await send(method, url: apiBase + path, headers: [], body: [], timeout: .seconds(60), what: what)
    }

    private func call(_ method: String, path: String, json: some Encodable, what: String) async throws -> HTTPResponseSpec {
        try await send(
            method, url: apiBase + path, headers: [("Content-Type", "application/json; charset=UTF-8")],
            body: try encodeJSON(json), timeout: .seconds(60), what: what)
    }

    private func send(
        _ method: String, url: String, headers: [(String, String)], body: [UInt8],
        timeout: Duration, what: String
    ) async throws -> HTTPResponseSpec {
        let token = try await tokens.token()
        var allHeaders = headers
        allHeaders.append(("Authorization", "Bearer " + token.value))
        allHeaders.append(("Accept", "application/json"))
        allHeaders.append(("User-Agent", "claude-ledger-export"))
        let request = HTTPRequestSpec(method: method, url: url, headers: allHeaders, body: body, timeout: timeout)
        do {
            return try await transport.send(request, retry: retry, logger: logger, what: what)
        } catch let failure as TransportFailure {
            throw ExportError.unreachable(
                "cannot reach BigQuery at \(apiBase) (\(what)): \(failure.summary); check --api-base and the network")
        }
    }

    /// Turns a non-2xx answer into an `ExportError` with BigQuery's reason and message.
    private func check(_ response: HTTPResponseSpec, what: String) throws {
        guard !(200..<300).contains(response.status) else { return }
        let detail = Self.errorDetail(response)
        switch response.status {
        case 401:
            throw ExportError.authFailed(
                "BigQuery refused the credentials for \(what) (HTTP 401\(detail)); the token is invalid or expired")
        case 403 where ["rateLimitExceeded", "quotaExceeded"].contains(BigQueryErrorBody.reason(response) ?? ""):
            throw ExportError.targetFailed("BigQuery refused \(what) for quota or rate (HTTP 403\(detail)); run again later")
        case 403:
            throw ExportError.authFailed(
                "BigQuery denied \(what) (HTTP 403\(detail)); the account needs BigQuery Data Editor and Job User roles on project \(project)"
            )
        default:
            throw ExportError.targetFailed("BigQuery failed \(what) (HTTP \(response.status)\(detail))")
        }
    }

    /// `: reason: message` from BigQuery's error body, shortened; nothing when the body is not
    /// BigQuery's JSON (a proxy page is not echoed).
    static func errorDetail(_ response: HTTPResponseSpec) -> String {
        guard let inner = BigQueryErrorBody.parse(response) else { return "" }
        let reason = inner.errors?.first?.reason ?? inner.status
        let message = inner.message ?? inner.errors?.first?.message
        return ": " + [reason, message.map { String($0.prefix(300)) }].compactMap { $0 }.joined(separator: ": ")
    }

    static func describe(_ error: ErrorProto) -> String {
        var parts: [String] = []
        if let reason = error.reason, !reason.isEmpty { parts.append(reason) }
        if let message = error.message, !message.isEmpty { parts.append(String(message.prefix(300))) }
        if let location = error.location, !location.isEmpty { parts.append("at \(location.prefix(80))") }
        return parts.isEmpty ? "unknown error" : parts.joined(separator: ": ")
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponseSpec, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw ExportError.targetFailed("BigQuery's answer to \(what) was not the expected JSON (HTTP \(response.status))")
        }
    }

    private func encodeJSON(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// One URL path segment, percent-encoded (`google.com:project` keeps working).
    private func seg(_ text: String) -> String {
        FormEncoding.escape(text)
    }
}

/// `multipart/related` bodies for the upload URI: the Job JSON, then the data.
enum Multipart {
    struct Body {
        let contentType: String
        let bytes: [UInt8]
    }

    static func related(metadata: [UInt8], media: [UInt8], boundary: String? = nil) -> Body {
        var chosen = boundary ?? randomBoundary()
        // The boundary must not occur in either part; a random one practically never does.
        while contains(media, Array(chosen.utf8)) || contains(metadata, Array(chosen.utf8)) { chosen = randomBoundary() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(media.count + metadata.count + 256)
        bytes += Array("--\(chosen)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".utf8)
        bytes += metadata
        bytes += Array("\r\n--\(chosen)\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        bytes += media
        bytes += Array("\r\n--\(chosen)--\r\n".utf8)
        return Body(contentType: "multipart/related; boundary=\(chosen)", bytes: bytes)
    }

    private static func randomBoundary() -> String {
        "claude_ledger_" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
