import ArgumentParser

@main
struct AdminSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin-simulator")
    func run() async throws {}
}
