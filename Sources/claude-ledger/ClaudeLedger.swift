import ArgumentParser
import Foundation
import Logging

/// The `claude-ledger` executable: parses, wires, and maps errors to the exit codes of docs/REFERENCE.md in one
/// place (`CLIFailure.code(for:)`). Everything else is library code.
@main
struct ClaudeLedger: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "claude-ledger",
        abstract: "An auditable local ledger of an Anthropic organization's Admin API usage and cost reports.",
        discussion: helpText(
            """
            Every raw API page is kept as an immutable, compressed, hash-chained event in
            DIR/ledger.sqlite; the tables in DIR/projections.sqlite are rebuilt from it at will.

            Examples:
              claude-ledger demo
              ANTHROPIC_ADMIN_KEY=... claude-ledger sync --since 2025-01-01
              claude-ledger verify --data-dir /var/lib/claude-ledger

            Exit codes: 0 success, 1 a check found a problem, 2 bad usage or input (nothing
            written), 3 the Admin API or export target failed after retries, 4 a local failure
            (the data directory busy with another sync or rebuild, the disk full, an I/O error;
            what was written before is kept).
            """),
        version: version,
        subcommands: ClaudeLedger.commands
    )

    static func main() async {
        umask(0o077)
        let arguments = GlobalOptions.hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            LogSetup.bootstrapOnce()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitReporting(error)
        }
    }

    /// Prints one `error:` line (or help) and exits with the documented exit code.
    static func exitReporting(_ error: any Error) -> Never {
        if let failure = CLIFailure(error) {
            if !failure.message.isEmpty {
                FileHandle.standardError.write(Data(("error: " + failure.message + "\n").utf8))
            }
            Foundation.exit(failure.exitCode)
        }
        let code = exitCode(for: error)
        if code == .success {
            // --help and --version.
            print(fullMessage(for: error))
            Foundation.exit(0)
        }
        guard code.rawValue == 64 || error is ValidationError else {
            // An error no module classified: still one line and a documented code.
            let failure = CLIFailure(.internal, "\(error)")
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        }
        // ArgumentParser's own usage errors: one line, exit 2.
        let message =
            ClaudeLedger.message(for: error)
            .split(separator: "\n").first.map(String.init) ?? "invalid usage"
        let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        FileHandle.standardError.write(Data("error: \(text) (see 'claude-ledger help')\n".utf8))
        Foundation.exit(2)
    }
}

enum LogSetup {
    nonisolated(unsafe) private static var done = false

    /// Log lines go to stderr; the level comes from CLAUDE_LEDGER_LOG (default `warning`).
    static func bootstrapOnce() {
        guard !done else { return }
        done = true
        let level = ProcessInfo.processInfo.environment["CLAUDE_LEDGER_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
