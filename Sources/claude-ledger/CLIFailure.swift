import ArgumentParser
import Foundation
import Ledger

/// the exit codes of docs/REFERENCE.md, and the one place module errors are mapped to them.
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

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var exitCode: Int32 { code.rawValue }
    var description: String { message }

    /// A check that found problems has already printed them; it exits 1 without an error line.
    static func checkFailed() -> CLIFailure { CLIFailure(.checkFailed, "") }

    /// Maps a module error; nil for ArgumentParser's own errors (usage, help).
    init?(_ error: any Error) {
        switch error {
        case let failure as CLIFailure:
            self = failure
        case let error as LedgerError:
            switch error.classification {
            case .corruption: self.init(.checkFailed, error.message + " (run `claude-ledger verify` for a full check)")
            case .badInput: self.init(.badInput, error.message)
            case .busy, .io: self.init(.localFailure, error.message)
            }
        default:
            guard let mapped = CLIFailure.mapModuleError(error) else { return nil }
            self = mapped
        }
    }
}
