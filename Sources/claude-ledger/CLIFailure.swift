import AdminAPI
import CoreValues
import Foundation
import Ledger

/// The exit codes of docs/REFERENCE.md, and the one place errors become them.
///
/// Every module's public error is a `ClassifiedError`; its `FailureClass` picks the exit code in
/// `code(for:)`, the only switch from a classification to an exit code. The commands' own
/// failures (a bad flag, a failed window) are built here with the same classes.
struct CLIFailure: Error, CustomStringConvertible {
    enum Code: Int32 {
        case checkFailed = 1
        case badInput = 2
        case remoteFailed = 3
        /// A local failure a later run may not meet: the data directory busy, the disk full, an
        /// I/O error. What was written before it is kept and consistent.
        case localFailure = 4
    }

    let code: Code
    let message: String

    private init(code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ failureClass: FailureClass, _ message: String) {
        self.init(code: CLIFailure.code(for: failureClass), message)
    }

    var exitCode: Int32 { code.rawValue }
    var description: String { message }

    /// The exit code (docs/REFERENCE.md) for each kind of failure.
    static func code(for failureClass: FailureClass) -> Code {
        switch failureClass {
        case .badInput: return .badInput
        case .corruption: return .checkFailed
        case .remoteFailure: return .remoteFailed
        case .localFailure, .internal: return .localFailure
        }
    }

    /// A check that found problems has already printed them; it exits 1 without an error line.
    static func checkFailed() -> CLIFailure { CLIFailure(code: .checkFailed, "") }

    /// A classified error as a failure; nil for ArgumentParser's own errors (usage, help) and
    /// errors no module classified, which `ClaudeLedger.exitReporting` handles.
    init?(_ error: any Error) {
        switch error {
        case let failure as CLIFailure:
            self = failure
        case let error as LedgerError where error.failureClass == .corruption:
            self.init(.corruption, error.message + " (run `claude-ledger verify` for a full check)")
        case let error as AdminAPIError:
            self.init(error.failureClass, "\(error); \(error.suggestion)")
        case let error as any ClassifiedError:
            self.init(error.failureClass, error.description)
        case let error as ExactDecimal.Error:
            self.init(.corruption, "a stored amount is not an exact decimal: \(error)")
        default:
            return nil
        }
    }
}
