import Crypto
import _CryptoExtras
import Foundation
import Logging

/// A Google service-account key file and the JWT-bearer exchange that turns it into an access
/// token (https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
///
/// The JWT is `base64url(header).base64url(claims).base64url(RS256 signature)`, with claims
/// `iss` (the account's email), `scope`, `aud` (the key file's `token_uri`), `iat` and `exp`
/// (at most an hour later). It is POSTed as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
/// and `assertion=<jwt>`.
struct ServiceAccountKey: Sendable {
    let clientEmail: String
    let privateKeyID: String?
    let tokenURI: String
    let projectID: String?
    let privateKey: _RSA.Signing.PrivateKey

    static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    private struct File: Decodable {
        let type: String?
        let client_email: String?
        let private_key: String?
        let private_key_id: String?
        let token_uri: String?
        let project_id: String?
    }

    /// Loads and checks a key file. Every failure is bad input naming the file and the missing
    /// or unusable field, never its contents.
    static func load(path: String) throws -> ServiceAccountKey {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ExportError.badInput("cannot read --credentials file \(path)")
        }
        return try parse(data, path: path)
    }

    static func parse(_ data: Data, path: String) throws -> ServiceAccountKey {
        guard let file = try? JSONDecoder().decode(File.self, from: data) else {
            throw ExportError.badInput("--credentials file \(path) is not JSON: expected a service-account key file")
        }
        if let type = file.type, type != "service_account" {
            throw ExportError.badInput(
                "--credentials file \(path) is of type \"\(type.prefix(40))\"; only service_account key files are supported")
        }
        guard let email = file.client_email, !email.isEmpty else {
            throw ExportError.badInput("--credentials file \(path) has no client_email: expected a service-account key file")
        }
        guard let pem = file.private_key, !pem.isEmpty else {
            throw ExportError.badInput("--credentials file \(path) has no private_key")
        }
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw ExportError.badInput("--credentials file \(path): private_key is not a PEM RSA private key")
        }
        let tokenURI = file.token_uri.flatMap { $0.isEmpty ? nil : $0 } ?? defaultTokenURI
        try checkEndpoint(tokenURI, what: "token_uri in \(path)")
        return ServiceAccountKey(
            clientEmail: email, privateKeyID: file.private_key_id, tokenURI: tokenURI,
            projectID: file.project_id, privateKey: key)
    }

    /// The signed JWT assertion for `scope`, issued at `issuedAt`, valid for an hour.
    func assertion(scope: String, issuedAt: Date) throws -> String {
        struct Header: Encodable {
            let alg = "RS256"
            let typ = "JWT"
            let kid: String?
        }
        struct Claims: Encodable {
            let iss: String
            let scope: String
            let aud: String
            let iat: Int
            let exp: Int
        }
        let iat = Int(issuedAt.timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = try encoder.encode(Header(kid: privateKeyID))
        let claims = try encoder.encode(Claims(iss: clientEmail, scope: scope, aud: tokenURI, iat: iat, exp: iat + 3600))
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let signature: _RSA.Signing.RSASignature
        do {
            signature = try privateKey.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        } catch {
            throw ExportError.badInput("cannot sign with the service-account key")
        }
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}

/// Refuses plain-HTTP endpoints except on the loopback interface (where tests and proxies live).
func checkEndpoint(_ text: String, what: String) throws {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
        throw ExportError.badInput("\(what) is not a URL")
    }
    if scheme == "https" { return }
    let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    guard scheme == "http", loopback else {
        throw ExportError.badInput("\(what) must be https (plain http is allowed only on 127.0.0.1)")
    }
}

/// Exchanges a service-account JWT for an access token at the key file's `token_uri`.
struct ServiceAccountTokenSource: AccessTokenSource {
    let key: ServiceAccountKey
    let scope: String
    let transport: any HTTPTransport
    let retry: BigQueryRetryPolicy
    let logger: Logger

    func fetchToken() async throws -> AccessToken {
        let now = Date()
        let assertion = try key.assertion(scope: scope, issuedAt: now)
        let form =
            "grant_type=" + FormEncoding.escape("urn:ietf:params:oauth:grant-type:jwt-bearer")
            + "&assertion=" + FormEncoding.escape(assertion)
        let request = HTTPRequestSpec(
            method: "POST", url: key.tokenURI,
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            body: Array(form.utf8), timeout: .seconds(30))
        let response: HTTPResponseSpec
        do {
            response = try await transport.send(request, retry: retry, logger: logger, what: "token exchange")
        } catch let failure as TransportFailure {
            throw ExportError.unreachable(
                "cannot reach the service account's token_uri \(key.tokenURI): \(failure.summary)")
        }
        let decoded = try? JSONDecoder().decode(OAuthTokenResponse.self, from: Data(response.body))
        guard (200..<300).contains(response.status), let token = decoded?.access_token, !token.isEmpty else {
            let reason = decoded?.errorSummary ?? "HTTP \(response.status)"
            throw ExportError.authFailed(
                "the token endpoint refused the service-account key for \(key.clientEmail) (\(reason)); check the key is current and not disabled"
            )
        }
        logger.debug("obtained access token from service-account key", metadata: ["auth.account": "\(key.clientEmail)"])
        return AccessToken(value: token, expiresAt: decoded?.expires_in.map { now.addingTimeInterval($0) })
    }
}

/// The GCE/Cloud Run/GKE metadata server's default service-account token
/// (https://cloud.google.com/compute/docs/access/authenticate-workloads#applications).
///
/// The host is `metadata.google.internal`, or `GCE_METADATA_HOST` (host[:port]) as Google's
/// client libraries honour it.
struct MetadataServerTokenSource: AccessTokenSource {
    let host: String
    let transport: any HTTPTransport
    let logger: Logger

    static func host(environment: [String: String]) -> String {
        if let host = environment["GCE_METADATA_HOST"], !host.isEmpty { return host }
        return "metadata.google.internal"
    }

    func fetchToken() async throws -> AccessToken {
        let url = "http://\(host)/computeMetadata/v1/instance/service-accounts/default/token"
        let request = HTTPRequestSpec(
            method: "GET", url: url, headers: [("Metadata-Flavor", "Google")],
            timeout: .seconds(5))
        let advice = "outside Google Cloud pass --access-token-env VAR or --credentials SA.json"
        let response: HTTPResponseSpec
        do {
            response = try await transport.send(
                request, retry: BigQueryRetryPolicy(maxAttempts: 2), logger: logger,
                what: "metadata token")
        } catch let failure as TransportFailure {
            throw ExportError.authFailed("no credentials: the metadata server \(host) is unreachable (\(failure.summary)); \(advice)")
        }
        let decoded = try? JSONDecoder().decode(OAuthTokenResponse.self, from: Data(response.body))
        guard response.status == 200, let token = decoded?.access_token, !token.isEmpty else {
            throw ExportError.authFailed(
                "the metadata server \(host) gave no access token (HTTP \(response.status)); check the instance has a service account with BigQuery access, or \(advice)"
            )
        }
        return AccessToken(value: token, expiresAt: decoded?.expires_in.map { Date().addingTimeInterval($0) })
    }
}

enum Base64URL {
    static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

enum FormEncoding {
    /// `application/x-www-form-urlencoded` escaping: unreserved characters kept, the rest %XX.
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// RFC 3986 unreserved characters, ASCII only.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
