import CoreValues

/// The one error the export module throws: what failed, where, and how the CLI should exit.
///
/// Follows the house pattern (a public struct around a private code): callers switch on
/// `classification`, never on message text. Messages name the table, file, job or HTTP status
/// involved and what to do next; they never contain an access token, a private key, a
/// credentials file's contents or exported row data.
public struct ExportError: ClassifiedError, Sendable, Equatable {
    /// How the failure maps to the product's exit codes (`docs/REFERENCE.md`, "Exit codes").
    public enum Classification: String, Sendable, Equatable, CaseIterable {
        /// Flags, names, dates, the credentials file or `projections.sqlite` are unusable.
        /// Nothing was written. Exit 2.
        case badInput
        /// No usable credential: the token endpoint or metadata server refused, or BigQuery
        /// answered 401/403. Exit 3.
        case authFailed
        /// The export target answered but failed: a job error, an HTTP error, a file that
        /// could not be written. Exit 3.
        case targetFailed
        /// The export target or token endpoint could not be reached (connection refused,
        /// DNS, timeout) after retries. Exit 3.
        case unreachable
    }

    public let classification: Classification
    /// One line: what went wrong and what to do.
    public let message: String

    init(_ classification: Classification, _ message: String) {
        self.classification = classification
        self.message = message
    }

    static func badInput(_ message: String) -> ExportError { ExportError(.badInput, message) }
    static func authFailed(_ message: String) -> ExportError { ExportError(.authFailed, message) }
    static func targetFailed(_ message: String) -> ExportError { ExportError(.targetFailed, message) }
    static func unreachable(_ message: String) -> ExportError { ExportError(.unreachable, message) }

    /// Bad input, or a failure of the export target or its auth (exit 3).
    public var failureClass: FailureClass {
        classification == .badInput ? .badInput : .remoteFailure
    }

    public var description: String { message }
}
