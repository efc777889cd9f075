import Crypto
import _CryptoExtras
import Foundation
import Hummingbird
import Testing

@testable import Export
import TestSupport

/// What the stub saw: the JWT's header and claims, and whether its signature verified.
actor StubRecord {
    struct Assertion: Sendable {
        var header: [String: String]
        var claims: [String: String]
        var grantType: String?
        var signatureValid: Bool
    }

    var assertions: [Assertion] = []
    var authorizations: [String] = []
    var metadataFlavors: [String?] = []

    func add(_ assertion: Assertion) { assertions.append(assertion) }
    func add(authorization: String) { authorizations.append(authorization) }
    func add(metadataFlavor: String?) { metadataFlavors.append(metadataFlavor) }
}

/// A token endpoint, a metadata server and one BigQuery query route on 127.0.0.1, port 0.
///
/// `POST /token` verifies the JWT with the test key's public half and answers with
/// `stubToken`; `POST /bad-token` refuses like Google does for a revoked key;
/// `POST /bigquery/v2/projects/p/queries` answers one row only to `Bearer stubToken`.
struct TokenStub {
    static let stubToken = "ya29.stub-access-token"
    let publicKey: _RSA.Signing.PublicKey
    let record = StubRecord()

    func withServer<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        let publicKey = self.publicKey
        let record = self.record
        router.post("token") { request, _ -> Response in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            var form: [String: String] = [:]
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                form[parts[0]] = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            let jwt = form["assertion"] ?? ""
            let segments = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            var assertion = StubRecord.Assertion(header: [:], claims: [:], grantType: form["grant_type"], signatureValid: false)
            if segments.count == 3, let header = Base64URL.decode(segments[0]), let claims = Base64URL.decode(segments[1]),
                let signature = Base64URL.decode(segments[2])
            {
                assertion.header = Self.flatten(header)
                assertion.claims = Self.flatten(claims)
                assertion.signatureValid = publicKey.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature),
                    for: SHA256.hash(data: Data((segments[0] + "." + segments[1]).utf8)), padding: .insecurePKCS1v1_5)
            }
            await record.add(assertion)
            guard assertion.signatureValid else {
                return Self.json(.badRequest, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
            }
            return Self.json(.ok, #"{"access_token":"\#(Self.stubToken)","expires_in":3599,"token_type":"Bearer"}"#)
        }
        router.post("bad-token") { _, _ -> Response in
            Self.json(.badRequest, #"{"error":"invalid_grant","error_description":"Invalid grant: account not found"}"#)
        }
        router.get("computeMetadata/v1/instance/service-accounts/default/token") { request, _ -> Response in
            let flavor = request.headers.first { $0.name.rawName.lowercased() == "metadata-flavor" }?.value
            await record.add(metadataFlavor: flavor)
            guard flavor == "Google" else { return Self.json(.forbidden, "{}") }
            return Self.json(.ok, #"{"access_token":"\#(Self.stubToken)","expires_in":3599,"token_type":"Bearer"}"#)
        }
        router.post("bigquery/v2/projects/p/queries") { request, _ -> Response in
            let authorization = request.headers[.authorization] ?? ""
            await record.add(authorization: authorization)
            guard authorization == "Bearer \(Self.stubToken)" else {
                return Self.json(
                    .unauthorized,
                    #"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED","errors":[{"reason":"authError","message":"Invalid Credentials"}]}}"#
                )
            }
            return Self.json(.ok, #"{"jobComplete":true,"totalRows":"1","rows":[{"f":[{"v":"ok"}]}]}"#)
        }

        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = portStream.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw StubError.noPort
            }
            do {
                let result = try await body(port)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    enum StubError: Error { case noPort }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func flatten(_ data: Data) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { "\($0)" }
    }
}

@Suite("BigQuery credentials")
struct ServiceAccountAuthTests {
    /// A service-account key file like Google's, pointing at the stub's token endpoint.
    private func writeKeyFile(_ key: _RSA.Signing.PrivateKey, tokenURI: String, in dir: URL) throws -> String {
        let object: [String: String] = [
            "type": "service_account", "project_id": "p", "private_key_id": "kid-123",
            "private_key": key.pkcs8PEMRepresentation, "client_email": "exporter@p.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": tokenURI,
        ]
        let path = dir.filePath("sa.json")
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func options(port: Int, credentials: BigQueryCredentials) -> BigQueryExport.Options {
        BigQueryExport.Options(
            project: "p", dataset: "ds", apiBase: "http://127.0.0.1:\(port)", credentials: credentials,
            retry: BigQueryRetryPolicy(maxAttempts: 1))
    }

    @Test("Service-account JWT: RS256 signature verifies with the public key; claims are Google's")
    func serviceAccountFlow() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = TokenStub(publicKey: key.publicKey)
        try await withTemporaryDirectory { dir in
            try await stub.withServer { port in
                let tokenURI = "http://127.0.0.1:\(port)/token"
                let path = try writeKeyFile(key, tokenURI: tokenURI, in: dir)
                let before = Int(Date().timeIntervalSince1970)
                let rows = try await BigQueryExport.query(
                    "SELECT 'ok'", options: options(port: port, credentials: .serviceAccountFile(path: path)),
                    environment: [:])
                let after = Int(Date().timeIntervalSince1970)
                #expect(rows == [["ok"]])

                let assertion = try #require(await stub.record.assertions.first)
                #expect(assertion.signatureValid)
                #expect(assertion.grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer")
                #expect(assertion.header == ["alg": "RS256", "typ": "JWT", "kid": "kid-123"])
                #expect(assertion.claims["iss"] == "exporter@p.iam.gserviceaccount.com")
                #expect(assertion.claims["aud"] == tokenURI)
                #expect(assertion.claims["scope"] == "https://www.googleapis.com/auth/bigquery")
                let iat = try #require(assertion.claims["iat"].flatMap { Int($0) })
                let exp = try #require(assertion.claims["exp"].flatMap { Int($0) })
                #expect(iat >= before && iat <= after)
                #expect(exp - iat == 3600)
                #expect(await stub.record.authorizations == ["Bearer \(TokenStub.stubToken)"])
            }
        }
    }

    @Test("A key the token endpoint refuses is `authFailed` (exit 3), with no key or token in the message")
    func refusedKey() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = TokenStub(publicKey: key.publicKey)
        try await withTemporaryDirectory { dir in
            try await stub.withServer { port in
                let path = try writeKeyFile(key, tokenURI: "http://127.0.0.1:\(port)/bad-token", in: dir)
                let error = try await #require(throws: ExportError.self) {
                    try await BigQueryExport.query(
                        "SELECT 1", options: options(port: port, credentials: .serviceAccountFile(path: path)),
                        environment: [:])
                }
                #expect(error.classification == .authFailed)
                #expect(error.failureClass == .remoteFailure)
                #expect(error.message.contains("invalid_grant"))
                #expect(!error.message.contains("PRIVATE KEY"))
                #expect(await stub.record.authorizations.isEmpty, "no BigQuery request without a token")
            }
        }
    }

    @Test("A key signed by someone else fails verification at the endpoint: `authFailed`")
    func wrongKey() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = TokenStub(publicKey: other.publicKey)
        try await withTemporaryDirectory { dir in
            try await stub.withServer { port in
                let path = try writeKeyFile(key, tokenURI: "http://127.0.0.1:\(port)/token", in: dir)
                let error = try await #require(throws: ExportError.self) {
                    try await BigQueryExport.query(
                        "SELECT 1", options: options(port: port, credentials: .serviceAccountFile(path: path)),
                        environment: [:])
                }
                #expect(error.classification == .authFailed)
                #expect(await stub.record.assertions.first?.signatureValid == false)
            }
        }
    }

    @Test("A token BigQuery rejects (HTTP 401) is `authFailed`; the token never appears in the message")
    func rejectedToken() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = TokenStub(publicKey: key.publicKey)
        try await stub.withServer { port in
            let error = try await #require(throws: ExportError.self) {
                try await BigQueryExport.query(
                    "SELECT 1", options: options(port: port, credentials: .accessTokenEnvironment(variable: "TOKEN")),
                    environment: ["TOKEN": "ya29.expired-secret-token"])
            }
            #expect(error.classification == .authFailed)
            #expect(error.message.contains("401"))
            #expect(!error.message.contains("ya29.expired-secret-token"))
            #expect(await stub.record.authorizations == ["Bearer ya29.expired-secret-token"])
        }
    }

    @Test("Without a credentials option the metadata server is asked, with Metadata-Flavor: Google")
    func metadataServer() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = TokenStub(publicKey: key.publicKey)
        try await stub.withServer { port in
            let rows = try await BigQueryExport.query(
                "SELECT 1", options: options(port: port, credentials: .metadataServer),
                environment: ["GCE_METADATA_HOST": "127.0.0.1:\(port)"])
            #expect(rows == [["ok"]])
            #expect(await stub.record.metadataFlavors == ["Google"])
            #expect(await stub.record.authorizations == ["Bearer \(TokenStub.stubToken)"])
        }
    }

    @Test("No metadata server (outside Google Cloud) is `authFailed` with advice")
    func noMetadataServer() async throws {
        let error = try await #require(throws: ExportError.self) {
            try await BigQueryExport.query(
                "SELECT 1", options: options(port: 1, credentials: .metadataServer),
                environment: ["GCE_METADATA_HOST": "127.0.0.1:1"])
        }
        #expect(error.classification == .authFailed)
        #expect(error.message.contains("--credentials"))
    }

    @Test(
        "Key files that are not service-account keys are bad input naming the field, not the contents",
        arguments: [
            (#"not json"#, "not JSON"),
            (#"{"type":"authorized_user","client_email":"a@b"}"#, "only service_account"),
            (#"{"type":"service_account","private_key":"x"}"#, "client_email"),
            (
                #"{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#,
                "not a PEM RSA private key"
            ),
            (
                #"{"type":"service_account","client_email":"a@b","private_key":"PEMKEY","token_uri":"http://evil.example/token"}"#,
                "must be https"
            ),
        ])
    func badKeyFiles(contents: String, expected: String) async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let text = contents.replacingOccurrences(
            of: "PEMKEY", with: key.pkcs8PEMRepresentation.replacingOccurrences(of: "\n", with: "\\n"))
        let error = try #require(throws: ExportError.self) {
            try ServiceAccountKey.parse(Data(text.utf8), path: "sa.json")
        }
        #expect(error.classification == .badInput)
        #expect(error.message.contains(expected), "\(error.message)")
        #expect(!error.message.contains("AAAA"))
        #expect(!error.message.contains("BEGIN"))
    }

    @Test("The access token's description is redacted")
    func redacted() {
        let token = AccessToken(value: "ya29.secret", expiresAt: nil)
        #expect("\(token)" == "AccessToken(redacted)")
        #expect(String(reflecting: token) == "AccessToken(redacted)")
    }
}

@Suite("service-account credentials end to end against the emulator", .enabled(if: Emulator.url != nil, Emulator.skipNote))
struct ServiceAccountEmulatorTests {
    @Test("A JWT-exchanged token drives a full export")
    func exportWithServiceAccount() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let stub = TokenStub(publicKey: key.publicKey)
        try await withTemporaryDirectory { dir in
            try await stub.withServer { port in
                let keyFile: [String: String] = [
                    "type": "service_account", "private_key": key.pkcs8PEMRepresentation,
                    "client_email": "exporter@p.iam.gserviceaccount.com", "token_uri": "http://127.0.0.1:\(port)/token",
                ]
                try JSONSerialization.data(withJSONObject: keyFile).write(to: URL(fileURLWithPath: dir.filePath("sa.json")))
                try ProjectionsFixture.sample.write(to: dir.filePath("projections.sqlite"))
                var options = Emulator.options()
                options.credentials = .serviceAccountFile(path: dir.filePath("sa.json"))
                let summary = try await BigQueryExport.run(
                    projectionsPath: dir.filePath("projections.sqlite"),
                    organizationID: ProjectionsFixture.organizationID,
                    options: options, environment: [:])
                #expect(summary.tables.map(\.rows) == [5, 3, 3, 0, 0])
                // One token for the whole run: cached, not fetched per request.
                #expect(await stub.record.assertions.count == 1)
                #expect(await stub.record.assertions.first?.signatureValid == true)
            }
        }
    }
}
