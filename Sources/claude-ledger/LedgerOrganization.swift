import AdminAPI
import CoreValues
import Ledger

extension Ledger {
    /// The organization of the newest `organization` event: what the exports and the HTML page
    /// attribute the ledger to. nil when the ledger has none or its body names no organization.
    func newestOrganization() throws -> Organization? {
        guard let event = try edgeEvent(stream: .organization, newest: true) else { return nil }
        return Organization.parse(try body(of: event))
    }
}

extension GlobalOptions {
    /// The ledger's newest organization, or a bad-input failure saying to sync first.
    func organization(of ledger: Ledger) throws -> Organization {
        guard let organization = try ledger.newestOrganization() else {
            throw CLIFailure(.badInput, "the ledger in \(dataDirectory.path) has no organization page: run `claude-ledger sync` first")
        }
        return organization
    }
}
