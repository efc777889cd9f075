import ArgumentParser

@main
struct ClaudeLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "claude-ledger")
    func run() async throws {}
}
