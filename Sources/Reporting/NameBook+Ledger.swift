import CoreValues
import Foundation
import Ledger

extension NameBook {
    /// Names from the newest complete `api_keys` and `workspaces` chains in the ledger.
    public init(ledger: Ledger) throws {
        self.init()
        for stream in [ReportStream.workspaces, .apiKeys] {
            guard let newest = try ledger.fetchSummaries(stream: stream).last(where: \.isComplete) else { continue }
            for event in try ledger.events(fetchID: newest.fetchID) {
                add(listPage: try ledger.body(of: event), stream: stream)
            }
        }
    }
}
