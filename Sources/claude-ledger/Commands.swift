import ArgumentParser
import CoreValues
import Export
import Projections
import Reporting
import Sync

extension ClaudeLedger {
    static let commands: [any ParsableCommand.Type] = [
        Verify.self, Events.self, Show.self, SyncCommand.self, Rebuild.self, Diff.self, ReportCommand.self, ExplainCommand.self,
        ExportCommand.self, Demo.self, AuditCommand.self, Reconcile.self,
    ]

    static var commandNames: Set<String> {
        Set(commands.map { $0._commandName }).union(["help"])
    }

    static let subcommandNames: Set<String> = ["costs", "usage", "claude-code", "html", "files", "bigquery"]
}
