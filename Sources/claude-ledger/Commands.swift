import ArgumentParser
import CoreValues
import Export
import Projections
import Reporting
import Sync

extension ClaudeLedger {
    static let commands: [any ParsableCommand.Type] = [
        Verify.self, Events.self, Show.self, SyncCommand.self, Rebuild.self, Diff.self, ReportCommand.self, ExplainCommand.self, ExportCommand.self, Demo.self, AuditCommand.self, Reconcile.self,
    ]

    static var commandNames: Set<String> {
        Set(commands.map { $0._commandName }).union(["help"])
    }

    static let subcommandNames: Set<String> = ["costs", "usage", "claude-code", "html", "files", "bigquery"]
}

extension CLIFailure {
    /// Errors of modules other than the ledger; grows as modules land.
    static func mapModuleError(_ error: any Error) -> CLIFailure? {
        switch error {
        case let error as ReportingError:
            switch error.classification {
            case .badInput: return CLIFailure(.badInput, error.message)
            case .corruption: return CLIFailure(.checkFailed, error.message)
            }
        case let error as SyncError:
            switch error.classification {
            case .badInput: return CLIFailure(.badInput, error.description)
            case .remoteFailure: return CLIFailure(.remoteFailed, error.description)
            }
        case let error as SyncLock.Busy:
            return CLIFailure(.localFailure, error.description)
        case let error as ProjectionError:
            switch error.classification {
            case .badInput: return CLIFailure(.badInput, error.message)
            case .busy, .io: return CLIFailure(.localFailure, error.message)
            case .corruption: return CLIFailure(.checkFailed, error.message)
            }
        case let error as ExportError:
            return CLIFailure(error.exitCode == 2 ? .badInput : .remoteFailed, error.message)
        case let error as ExactDecimal.Error:
            return CLIFailure(.checkFailed, "a stored amount is not an exact decimal: \(error)")
        default:
            return nil
        }
    }
}
