import ArgumentParser
import Foundation
import Ledger

/// Options every command takes. `--data-dir` may also come before the command name
/// (`claude-ledger --data-dir D verify`); `hoistingGlobalOptions` moves it after.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The data directory (default: $CLAUDE_LEDGER_DIR, else ./.claude-ledger).",
            valueName: "dir"))
    var dataDir: String?

    var dataDirectory: URL {
        if let dataDir { return URL(fileURLWithPath: dataDir) }
        if let env = ProcessInfo.processInfo.environment["CLAUDE_LEDGER_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".claude-ledger")
    }

    var data: DataDirectory { DataDirectory(url: dataDirectory) }

    /// Opens the existing ledger read-only (never creates one, never changes a byte of it).
    func openLedger() throws -> Ledger {
        try data.openLedgerForReading()
    }

    var projectionsURL: URL { dataDirectory.appendingPathComponent("projections.sqlite") }

    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments
        while let first = rest.first, first.hasPrefix("--data-dir") {
            if first.contains("=") {
                leading.append(first)
                rest.removeFirst()
            } else if rest.count >= 2 {
                leading.append(contentsOf: rest.prefix(2))
                rest.removeFirst(2)
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        // Insert after the subcommand path (the leading words that are not options).
        var index = 0
        if let word = rest.first, ClaudeLedger.commandNames.contains(word) {
            index = 1
            if rest.count > 1, ClaudeLedger.subcommandNames.contains(rest[1]) { index = 2 }
        }
        rest.insert(contentsOf: leading, at: index)
        return rest
    }
}
