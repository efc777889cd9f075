import CoreValues
import Foundation
import Ledger
import Testing
@testable import Projections
import TableSchemas
import TestSupport

/// SPEC, "The tables": every table has `organization_id`, the id of the newest `organization`
/// event in the ledger (NULL without one); `claude_code_productivity` takes it from there too.
@Suite struct OrganizationIDTests {
    /// One day of each legacy stream; the Claude Code record names organization "org".
    func ledgerWithOneDay() throws -> TestLedger {
        let l = try TestLedger()
        try l.appendFetch(
            .cost, from: "2025-03-01", to: "2025-03-02",
            page: costPage([("2025-03-01", [costRow("100"), costRow("5", description: "Search")])]))
        try l.appendFetch(
            .usage, from: "2025-03-01", to: "2025-03-02",
            page: usagePage([("2025-03-01", [usageRow(key: "k1", uncached: 10)])]))
        try l.appendFetch(
            .claudeCode, from: "2025-03-01", to: "2025-03-02",
            page: claudeCodePage([claudeCodeRecord(date: "2025-03-01", email: "a@example.com")]))
        return l
    }

    func organizationColumn(_ l: TestLedger) throws -> [ProjectionTable: [String?]] {
        var out: [ProjectionTable: [String?]] = [:]
        for table in ProjectionTable.allCases {
            out[table] = try namedRows(l.dir.projections, table).map { $0["organization_id"] ?? nil }
        }
        return out
    }

    @Test func everyTableHasTheColumn() {
        for table in ProjectionTable.allCases {
            let column = table.schema.columns.first { $0.name == "organization_id" }
            #expect(column?.kind == .text && column?.nullable == true, "\(table)")
        }
    }

    @Test func nullWithoutAnOrganizationEvent() throws {
        let l = try ledgerWithOneDay()
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let columns = try organizationColumn(l)
        #expect(columns[.costs] == [nil, nil])
        #expect(columns[.usage] == [nil])
        // The record says "org"; the column is the ledger's organization, and there is none.
        #expect(columns[.claudeCode] == [nil])
    }

    @Test func newestOrganizationEventOnEveryRow() throws {
        let l = try ledgerWithOneDay()
        try l.appendOrganization(id: "org-old")
        try l.appendOrganization(id: "org-new")
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let columns = try organizationColumn(l)
        #expect(columns[.costs] == ["org-new", "org-new"])
        #expect(columns[.usage] == ["org-new"])
        #expect(columns[.claudeCode] == ["org-new"])
        #expect(try Projections.buildInfo(of: l.dir.projections).all["organization_id"] == "org-new")
    }

    /// An update after the organization changed rebuilds every row (an incremental update would
    /// only re-project the days whose fetch changed and leave the old id on the others).
    @Test func updateRebuildsWhenTheOrganizationChanges() throws {
        let l = try ledgerWithOneDay()
        let first = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        try l.appendOrganization(id: "org-a")
        let second = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(second.mode == .rebuild)
        #expect(second.fingerprint != first.fingerprint)
        #expect(try organizationColumn(l)[.costs] == ["org-a", "org-a"])

        // The same organization again plus a new day: incremental, and the new day's rows carry it.
        try l.appendOrganization(id: "org-a")
        try l.appendFetch(
            .cost, from: "2025-03-02", to: "2025-03-03",
            page: costPage([("2025-03-02", [costRow("7")])]))
        let third = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(third.mode == .incremental)
        #expect(try organizationColumn(l)[.costs] == ["org-a", "org-a", "org-a"])

        try l.appendOrganization(id: "org-b")
        let fourth = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(fourth.mode == .rebuild)
        #expect(
            try organizationColumn(l) == [
                .costs: ["org-b", "org-b", "org-b"], .usage: ["org-b"],
                .claudeCode: ["org-b"], .costsByKey: [], .usageByActor: [],
            ])
        // And the update ends where a rebuild from nothing does.
        let fresh = try TemporaryDirectory()
        let rebuilt = try Projections.rebuild(ledger: l.ledger, into: fresh.projections)
        #expect(rebuilt.fingerprint == fourth.fingerprint)
    }
}
