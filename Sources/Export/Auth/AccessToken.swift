import Foundation

/// How `export bigquery` obtains an OAuth access token for BigQuery.
///
/// Credentials never travel on the command line: the CLI passes the *name* of an environment
/// variable or the *path* of a key file.
public enum BigQueryCredentials: Sendable, Equatable {
    /// `--access-token-env VAR`: a ready access token in that environment variable
    /// (e.g. from `gcloud auth print-access-token`), used as is.
    case accessTokenEnvironment(variable: String)
    /// `--credentials SA.json`: a service-account key file; an RS256-signed JWT is exchanged at
    /// the file's `token_uri` (https://developers.google.com/identity/protocols/oauth2/service-account).
    case serviceAccountFile(path: String)
    /// Neither option: the Google Cloud metadata server of the VM, Cloud Run service or GKE pod.
    case metadataServer
}

/// An OAuth bearer token. Its text is only ever put in an `Authorization` header; printing it
/// shows `AccessToken(redacted)`.
struct AccessToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String
    /// When it stops working; nil when unknown (a token from the environment).
    let expiresAt: Date?

    var description: String { "AccessToken(redacted)" }
    var debugDescription: String { description }

    /// Whether it should be replaced before use: less than a minute left.
    func isStale(now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt.timeIntervalSince(now) < 60
    }
}

/// Something that produces access tokens.
protocol AccessTokenSource: Sendable {
    func fetchToken() async throws -> AccessToken
}

/// Caches a source's token and refreshes it shortly before it expires, so a long export does
/// not outlive its one-hour token.
actor TokenCache {
    private let source: any AccessTokenSource
    private var current: AccessToken?

    init(source: any AccessTokenSource) {
        self.source = source
    }

    func token() async throws -> AccessToken {
        if let current, !current.isStale(now: Date()) { return current }
        let fresh = try await source.fetchToken()
        current = fresh
        return fresh
    }
}

/// `--access-token-env VAR`.
struct EnvironmentTokenSource: AccessTokenSource {
    let variable: String
    let environment: [String: String]

    /// Reads the variable at construction, so a missing token is bad input found before any work.
    static func make(variable: String, environment: [String: String]) throws -> EnvironmentTokenSource {
        guard !variable.isEmpty else { throw ExportError.badInput("--access-token-env needs a variable name") }
        let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !value.isEmpty else {
            throw ExportError.badInput(
                "environment variable \(variable) (named by --access-token-env) is not set or empty")
        }
        return EnvironmentTokenSource(variable: variable, environment: environment)
    }

    func fetchToken() async throws -> AccessToken {
        let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return AccessToken(value: value, expiresAt: nil)
    }
}

/// The token endpoints' common answer (`{"access_token", "expires_in", "token_type"}`), and
/// their error shape (`{"error", "error_description"}`).
struct OAuthTokenResponse: Decodable {
    let access_token: String?
    let expires_in: Double?
    let token_type: String?
    let error: String?
    let error_description: String?

    /// The OAuth error, short and free of the request's content.
    var errorSummary: String? {
        guard let error else { return nil }
        let detail = error_description.map { ": " + String($0.prefix(200)) } ?? ""
        return String(error.prefix(60)) + detail
    }
}
