import CoreValues

/// The one public error of the projections module: what went wrong, where, and how the CLI
/// should classify it. Messages never contain a page body or a credential. Errors reading the
/// ledger itself (a body failing its hash, a busy ledger) are the ledger's `LedgerError`, passed
/// through unchanged so they keep their own classification.
public struct ProjectionError: ClassifiedError, Sendable {
    public enum Classification: Sendable, Equatable {
        /// The user pointed at something that is not there or is not a projections file (exit 2).
        case badInput
        /// The ledger holds a page that cannot be decoded, or stored data is inconsistent (exit 1).
        case corruption
        /// Another process holds the file.
        case busy
        /// The disk or SQLite failed.
        case io
    }

    enum Code: Sendable, Equatable {
        case undecodablePage
        case missingProjections
        case notAProjectionsFile
        case unsupportedVersion
        case interruptedUpdate
        case sqlite
        case filesystem
        case busy
    }

    let code: Code
    public let message: String
    /// The ledger event the error is about, when there is one.
    public let eventID: String?
    /// The stream the error is about, when there is one.
    public let stream: String?

    init(_ code: Code, _ message: String, eventID: String? = nil, stream: String? = nil) {
        self.code = code
        self.message = message
        self.eventID = eventID
        self.stream = stream
    }

    public var classification: Classification {
        switch code {
        case .undecodablePage: return .corruption
        case .missingProjections, .notAProjectionsFile, .unsupportedVersion, .interruptedUpdate: return .badInput
        case .sqlite, .filesystem: return .io
        case .busy: return .busy
        }
    }

    /// True when the error is a ledger page that cannot be decoded.
    public var isUndecodablePage: Bool { code == .undecodablePage }

    public var failureClass: FailureClass {
        switch classification {
        case .badInput: return .badInput
        case .corruption: return .corruption
        case .busy, .io: return .localFailure
        }
    }

    public var description: String { message }
}
