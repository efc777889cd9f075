import ArgumentParser

@main
struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger-bench")
    func run() async throws {}
}
