import CoreValues

/// The one public error of the ledger module: what went wrong, where, and how the CLI should
/// classify it. Messages never contain a page body or a credential.
public struct LedgerError: ClassifiedError, Sendable {
    public enum Classification: Sendable, Equatable {
        /// The user asked for something that is not there or not valid (exit 2).
        case badInput
        /// Stored data does not match its hashes (exit 1).
        case corruption
        /// Another process holds the ledger (exit 4: try again later).
        case busy
        /// The disk or SQLite failed, or the disk is full (exit 4).
        case io
    }

    enum Code: Sendable {
        case noLedger
        case notALedger
        case unknownEvent
        case unsupportedFormat
        case busy
        case corruptBody
        case brokenChain
        case appendOrder
        case sqlite
        case filesystem
        case diskFull
        case notADirectory
    }

    let code: Code
    public let message: String
    public let eventID: String?

    init(_ code: Code, _ message: String, eventID: String? = nil) {
        self.code = code
        self.message = message
        self.eventID = eventID
    }

    public var classification: Classification {
        switch code {
        case .noLedger, .notALedger, .unknownEvent, .appendOrder, .notADirectory, .filesystem: return .badInput
        case .unsupportedFormat, .corruptBody, .brokenChain: return .corruption
        case .busy: return .busy
        case .sqlite, .diskFull: return .io
        }
    }

    public var failureClass: FailureClass {
        switch classification {
        case .badInput: return .badInput
        case .corruption: return .corruption
        case .busy, .io: return .localFailure
        }
    }

    /// True when there is no ledger at all (the file is missing or 0 bytes long).
    public var isMissingLedger: Bool { code == .noLedger }

    public var description: String { message }
}
