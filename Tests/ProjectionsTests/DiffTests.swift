import CoreValues
import Foundation
import Ledger
import Testing
@testable import Projections
import TableSchemas

@Suite struct DiffTests {
    func ledgerWithAllStreams() throws -> TestLedger {
        let l = try TestLedger()
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-04",
            page: costPage([
                ("2025-01-01", [costRow("123.45"), costRow("0.00001", workspace: "w")]),
                ("2025-01-02", [costRow("123.78912")]), ("2025-01-03", []),
            ]))
        try l.appendFetch(
            .usage, from: "2025-01-01", to: "2025-01-03",
            page: usagePage([
                ("2025-01-01", [usageRow(key: "k1", uncached: 1)]),
                ("2025-01-02", [usageRow(key: "k2", uncached: 2)]),
            ]))
        try l.appendFetch(
            .claudeCode, from: "2025-01-01", to: "2025-01-02",
            page: claudeCodePage([claudeCodeRecord(date: "2025-01-01", email: "a@x")]))
        return l
    }

    /// The historical bug, reproduced by a test-only projection variant that reads cents as
    /// dollars: `diff` must show exactly 100x on every cost day and nothing else.
    @Test func centsAsDollarsShowsExactly100xOnEveryCostDayAndNothingElse() throws {
        let l = try ledgerWithAllStreams()
        let good = l.dir.file("good.sqlite")
        let bad = l.dir.file("bad.sqlite")
        _ = try Projections.rebuild(ledger: l.ledger, into: good)
        var buggy = PageDecoder()
        buggy.amountUnit = .centsAsDollars
        _ = try Projections.rebuild(ledger: l.ledger, into: bad, decoder: buggy, logger: .init(label: "test"))

        let diff = try Projections.diff(old: good, new: bad)
        #expect(!diff.identical)
        #expect(diff.oldFingerprint != diff.newFingerprint)
        #expect(diff.days.allSatisfy { $0.table == .costs })
        #expect(diff.days.map(\.date) == ["2025-01-01", "2025-01-02"])
        let hundred = ExactDecimal(100)
        for day in diff.days {
            #expect(day.added == 0 && day.removed == 0 && day.lineageOnly == 0)
            #expect(day.changed == day.oldRows && day.oldRows == day.newRows)
            let old = try #require(day.oldAmountUSD)
            let new = try #require(day.newAmountUSD)
            #expect(new == (try old.multiplied(by: hundred)))
            #expect(day.amountDeltaUSD == (try new.subtracting(old)))
        }
        #expect(diff.days[0].oldAmountUSD?.description == "1.2345001")
        #expect(diff.days[0].newAmountUSD?.description == "123.45001")
        #expect(diff.tables[.usage]?.daysChanged == 0)
        #expect(diff.tables[.claudeCode]?.daysChanged == 0)
        #expect(diff.tables[.costs]?.amountDeltaUSD?.description == "244.7667387")
    }

    @Test func identicalBuildsDiffIdentical() throws {
        let l = try ledgerWithAllStreams()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.file("a.sqlite"))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.file("b.sqlite"))
        let diff = try Projections.diff(old: l.dir.file("a.sqlite"), new: l.dir.file("b.sqlite"))
        #expect(diff.identical)
        #expect(diff.days.isEmpty)
        #expect(diff.tables[.costs]?.oldRows == 3)
    }

    @Test func revisionShowsAddedRemovedAndChangedRows() throws {
        let l = try ledgerWithAllStreams()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.file("before.sqlite"))
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-02",
            page: costPage([("2025-01-01", [costRow("200"), costRow("5", workspace: "new")])]))
        try l.appendFetch(
            .usage, from: "2025-01-02", to: "2025-01-03",
            page: usagePage([("2025-01-02", [usageRow(key: "k2", uncached: 2)])]))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.file("after.sqlite"))
        let diff = try Projections.diff(old: l.dir.file("before.sqlite"), new: l.dir.file("after.sqlite"))
        #expect(!diff.identical)
        let cost = try #require(diff.days.first { $0.table == .costs })
        #expect(cost.date == "2025-01-01")
        #expect(cost.changed == 1)  // default workspace: 123.45 -> 200
        #expect(cost.removed == 1)  // workspace w
        #expect(cost.added == 1)  // workspace new
        #expect(cost.amountDeltaUSD?.description == "0.8154999")
        let usage = try #require(diff.days.first { $0.table == .usage })
        #expect(usage.lineageOnly == 1 && usage.changed == 0, "same data from a re-fetched page")
    }

    @Test func missingOrForeignFilesAreBadInput() throws {
        let l = try ledgerWithAllStreams()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let missing = #expect(throws: ProjectionError.self) {
            _ = try Projections.diff(old: l.dir.projections, new: l.dir.file("nope.sqlite"))
        }
        #expect(missing?.classification == .badInput)
        // The ledger file is SQLite but not a projections file.
        let foreign = #expect(throws: ProjectionError.self) {
            _ = try Projections.diff(old: l.dir.projections, new: l.dir.file("ledger.sqlite"))
        }
        #expect(foreign?.classification == .badInput)
        try Data("not sqlite at all, just text".utf8).write(to: l.dir.file("junk.sqlite"))
        let junk = #expect(throws: ProjectionError.self) {
            _ = try Projections.fingerprint(of: l.dir.file("junk.sqlite"))
        }
        #expect(junk?.classification == .badInput)
    }
}
