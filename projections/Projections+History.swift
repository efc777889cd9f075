import CoreValues
import Foundation
import Ledger
import TableSchemas

extension Projections {
    /// The cost one fetch reported for one day, exact in USD, decoded from its pages the same way
    /// the tables are. `explain` uses it to show every superseded fetch of a day beside the
    /// authoritative one, so a revision by Anthropic is visible as history.
    public static func costTotal(ledger: Ledger, fetchID: String, day: Day) throws -> (usd: ExactDecimal, rows: Int) {
        let table = ProjectionTable.costs
        guard let column = table.schema.index(of: "amount_usd") else { return (.zero, 0) }
        var total = ExactDecimal.zero
        var rows = 0
        for event in try ledger.events(fetchID: fetchID) {
            let page = try PageDecoder().decode(
                table: table, eventID: event.eventID, seq: event.seq,
                body: try ledger.body(of: event), keep: { $0 == day })
            try page.withBuffers { body, arena in
                for row in 0..<page.rowCount {
                    let cell = page.cells[row * page.columnCount + column]
                    let text: String
                    switch cell {
                    case .body(let start, let length):
                        text = String(decoding: UnsafeRawBufferPointer(rebasing: body[Int(start)..<Int(start + length)]), as: UTF8.self)
                    case .arena(let start, let length):
                        text = String(decoding: UnsafeRawBufferPointer(rebasing: arena[Int(start)..<Int(start + length)]), as: UTF8.self)
                    case .int(let value):
                        text = String(value)
                    case .null:
                        continue
                    }
                    total = try total.adding(ExactDecimal(parsing: text))
                    rows += 1
                }
            }
        }
        return (total, rows)
    }
}
