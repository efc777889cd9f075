import CoreValues
import Foundation
import Ledger
import Testing
@testable import Projections
import TableSchemas
import TestSupport

/// The reference examples under Tests/Fixtures/projections, appended as real fetches, must give
/// exactly the hand-written rows next to them.
@Suite struct GoldenTests {
    struct FetchSpec {
        var stream: ReportStream
        /// nil for the organization, which has no window.
        var window: (start: String, end: String)?
        var pages: [String]
    }

    static func fetchSpecs() throws -> [FetchSpec] {
        let list = try #require(try Fixtures.json("fetches.json") as? [[String: Any]])
        return try list.map { entry in
            let window = (entry["window"] as? [String]).map { (start: $0[0], end: $0[1]) }
            let name = try #require(entry["stream"] as? String)
            let stream = try #require(ReportStream(rawValue: name))
            let pages = try #require(entry["pages"] as? [String])
            return FetchSpec(stream: stream, window: window, pages: pages)
        }
    }

    /// Builds the golden ledger; returns it and a map from page file name to event id.
    static func goldenLedger() throws -> (TestLedger, [String: String]) {
        let ledger = try TestLedger()
        var eventIDs: [String: String] = [:]
        for spec in try fetchSpecs() {
            let pages = try spec.pages.map(Fixtures.data)
            let events =
                try spec.window.map { try ledger.appendFetch(spec.stream, from: $0.start, to: $0.end, pages: pages) }
                ?? [try ledger.appendOrganization(pages[0])]
            for (name, event) in zip(spec.pages, events) { eventIDs[name] = event.eventID }
        }
        return (ledger, eventIDs)
    }

    @Test(arguments: ProjectionTable.allCases)
    func tableMatchesGoldenRows(_ table: ProjectionTable) throws {
        let (ledger, eventIDs) = try GoldenTests.goldenLedger()
        let result = try Projections.rebuild(ledger: ledger.ledger, into: ledger.dir.projections)
        let expectedList = try #require(try Fixtures.json("expected-\(table.rawValue).json") as? [[String: Any]])
        let names = table.schema.columnNames
        var expected: [[String?]] = []
        for entry in expectedList {
            #expect(Set(entry.keys) == Set(names), "expected row must name exactly the table's columns")
            expected.append(
                try names.map { name -> String? in
                    let value = entry[name]
                    if value is NSNull { return nil }
                    if name == "event_id" {
                        let file = try #require(value as? String)
                        guard let id = eventIDs[file] else {
                            Issue.record("no page \(file) in fetches.json")
                            return nil
                        }
                        return id
                    }
                    if let text = value as? String { return text }
                    if let number = value as? NSNumber { return number.stringValue }
                    Issue.record("unexpected value for \(name)")
                    return nil
                })
        }
        expected.sort { $0.map { $0 ?? "\u{0}" }.lexicographicallyPrecedes($1.map { $0 ?? "\u{0}" }) }
        let actual = try tableRows(ledger.dir.projections, table)
        #expect(actual == expected)
        #expect(result.rows[table] == expected.count)
    }

    @Test func goldenFingerprintIsStableAcrossRebuildsAndMatchesRecomputation() throws {
        let (ledger, _) = try GoldenTests.goldenLedger()
        let first = try Projections.rebuild(ledger: ledger.ledger, into: ledger.dir.projections)
        #expect(first.fingerprint.count == 64)
        #expect(first.fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try Projections.fingerprint(of: ledger.dir.projections) == first.fingerprint)
        try FileManager.default.removeItem(at: ledger.dir.projections)
        let second = try Projections.rebuild(ledger: ledger.ledger, into: ledger.dir.projections)
        #expect(second.fingerprint == first.fingerprint)
        let info = try Projections.buildInfo(of: ledger.dir.projections)
        #expect(info.projectionVersion == Projections.version)
        #expect(info.fingerprint == first.fingerprint)
        #expect(info.ledgerHeadSeq == 9)
    }

    /// The fingerprint of a fixed ledger, pinned: `golden-ledger.sqlite` is the golden fetches
    /// appended once (event ids are random, so a fresh append differs each run). Moving the schema,
    /// renaming a type or reordering code must not change it; a change here is a new projection
    /// version, never a refactoring.
    ///
    /// Projection version 2 changed it (from c0e1f9cd…): every table gained `organization_id`
    /// (NULL here, this ledger has no organization event), and `claude_code_productivity` takes it
    /// from the ledger's organization instead of the record's own field; the two analytics tables
    /// (empty here) joined the fingerprint's table list.
    @Test func fixedLedgerFingerprintIsPinned() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.copyItem(
            at: Fixtures.directory.appendingPathComponent("golden-ledger.sqlite"),
            to: dir.file(Ledger.fileName))
        let ledger = try Ledger(directory: dir.url, create: false)
        let result = try Projections.rebuild(ledger: ledger, into: dir.projections)
        #expect(result.fingerprint == "431cb9b0a40ff72201c3a82a875d2801986e149011114e39cec01a4a4bbdc34b")
        #expect(result.rows == [.costs: 5, .usage: 3, .claudeCode: 3, .costsByKey: 0, .usageByActor: 0])
    }
}
