import ArgumentParser

extension ClaudeLedger {
    static let commands: [any ParsableCommand.Type] = [
        Verify.self, Events.self, Show.self,
    ]

    static var commandNames: Set<String> {
        Set(commands.map { $0._commandName }).union(["help"])
    }

    static let subcommandNames: Set<String> = ["costs", "usage", "claude-code", "files", "bigquery"]
}

extension CLIFailure {
    /// Errors of modules other than the ledger; grows as modules land.
    static func mapModuleError(_ error: any Error) -> CLIFailure? {
        nil
    }
}
