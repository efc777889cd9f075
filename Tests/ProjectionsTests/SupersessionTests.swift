import CoreValues
import Foundation
import Ledger
import Testing
@testable import Projections

@Suite struct SupersessionTests {
    func summary(_ id: String, _ start: String, _ end: String, lastSeq: Int64, complete: Bool = true) -> Supersession.Fetch {
        Supersession.Fetch(fetchID: id, windowStart: Day(start), windowEnd: Day(end), lastSeq: lastSeq, isComplete: complete)
    }

    @Test func newestCompleteFetchCoveringEachDayWins() {
        let fetches = [
            summary("wide", "2025-01-01", "2025-01-04", lastSeq: 1),
            summary("day2", "2025-01-02", "2025-01-03", lastSeq: 2),
            summary("cut", "2025-01-01", "2025-01-04", lastSeq: 3, complete: false),
        ]
        let authority = Supersession.authoritative(fetches)
        #expect(authority[Day("2025-01-01")!]?.fetchID == "wide")
        #expect(authority[Day("2025-01-02")!]?.fetchID == "day2")
        #expect(authority[Day("2025-01-03")!]?.fetchID == "wide")
        #expect(authority[Day("2025-01-04")!] == nil)
        // As of seq 1, only the first fetch existed.
        #expect(Supersession.authoritative(fetches, headSeq: 1)[Day("2025-01-02")!]?.fetchID == "wide")
        #expect(
            Supersession.changedDays(old: Supersession.authoritative(fetches, headSeq: 1), new: authority)
                == [Day("2025-01-02")!])
    }

    @Test func revisedDayReplacesAndDoesNotAdd() throws {
        let l = try TestLedger()
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-03",
            page: costPage([("2025-01-01", [costRow("100")]), ("2025-01-02", [costRow("200")])]))
        let revision = try l.appendFetch(
            .cost, from: "2025-01-02", to: "2025-01-03",
            page: costPage([("2025-01-02", [costRow("250")])]))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let rows = try namedRows(l.dir.projections, .costs)
        #expect(rows.count == 2)
        let day2 = rows.filter { $0["date"]! == "2025-01-02" }
        #expect(day2.count == 1)
        #expect(day2.first?["amount_cents"]! == "250")
        #expect(day2.first?["event_id"]! == revision[0].eventID)
        #expect(rows.filter { $0["date"]! == "2025-01-01" }.first?["amount_cents"]! == "100")
    }

    @Test func incompleteFetchIsIgnored() throws {
        let l = try TestLedger()
        try l.appendFetch(
            .usage, from: "2025-01-01", to: "2025-01-02",
            page: usagePage([("2025-01-01", [usageRow(key: "k1", uncached: 10)])]))
        // A newer chain that stopped after its first page.
        try l.appendFetch(
            .usage, from: "2025-01-01", to: "2025-01-02",
            pages: [Data(usagePage([("2025-01-01", [usageRow(key: "k1", uncached: 99)])]).utf8)],
            complete: false)
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let rows = try namedRows(l.dir.projections, .usage)
        #expect(rows.count == 1)
        #expect(rows.first?["uncached_input_tokens"]! == "10")
    }

    @Test func olderCompleteFetchIsIgnored() throws {
        let l = try TestLedger()
        try l.appendFetch(
            .claudeCode, from: "2025-09-08", to: "2025-09-09",
            page: claudeCodePage([
                claudeCodeRecord(date: "2025-09-08", email: "a@x", sessions: 1),
                claudeCodeRecord(date: "2025-09-08", email: "b@x", sessions: 1),
            ]))
        try l.appendFetch(
            .claudeCode, from: "2025-09-08", to: "2025-09-09",
            page: claudeCodePage([claudeCodeRecord(date: "2025-09-08", email: "a@x", sessions: 7)]))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let rows = try namedRows(l.dir.projections, .claudeCode)
        #expect(rows.count == 1)
        #expect(rows.first?["actor"]! == "a@x")
        #expect(rows.first?["num_sessions"]! == "7")
    }

    @Test func emptyOrAbsentBucketInNewerFetchGivesZeroRows() throws {
        let l = try TestLedger()
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-04",
            page: costPage([
                ("2025-01-01", [costRow("1")]), ("2025-01-02", [costRow("2")]),
                ("2025-01-03", [costRow("3")]),
            ]))
        // Day 2 now has an empty bucket; day 3 has no bucket at all.
        try l.appendFetch(.cost, from: "2025-01-02", to: "2025-01-04", page: costPage([("2025-01-02", [])]))
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        let rows = try namedRows(l.dir.projections, .costs)
        #expect(rows.map { $0["date"]! } == ["2025-01-01"])
    }

    @Test func multiPageFetchCountsOnlyWhenComplete() throws {
        let l = try TestLedger()
        let p0 = claudeCodePage([claudeCodeRecord(date: "2025-09-08", email: "a@x")], hasMore: true)
        let p1 = claudeCodePage([claudeCodeRecord(date: "2025-09-08", email: "b@x")])
        try l.appendFetch(.claudeCode, from: "2025-09-08", to: "2025-09-09", pages: [Data(p0.utf8), Data(p1.utf8)])
        _ = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        #expect(try namedRows(l.dir.projections, .claudeCode).compactMap { $0["actor"]! } == ["a@x", "b@x"])
    }
}

@Suite struct IncrementalTests {
    /// Fills a ledger in two rounds; the second revises days, adds days and adds an incomplete chain.
    func roundOne(_ l: TestLedger) throws {
        try l.appendFetch(
            .cost, from: "2025-01-01", to: "2025-01-05",
            page: costPage([
                ("2025-01-01", [costRow("10.5"), costRow("0.25", workspace: "w")]),
                ("2025-01-02", [costRow("20")]), ("2025-01-03", [costRow("30")]),
                ("2025-01-04", []),
            ]))
        try l.appendFetch(
            .usage, from: "2025-01-01", to: "2025-01-03",
            page: usagePage([
                ("2025-01-01", [usageRow(key: "k1", uncached: 1), usageRow(key: nil, uncached: 2)]),
                ("2025-01-02", [usageRow(key: "k1", uncached: 3)]),
            ]))
        try l.appendFetch(
            .claudeCode, from: "2025-01-01", to: "2025-01-02",
            page: claudeCodePage([claudeCodeRecord(date: "2025-01-01", email: "a@x")]))
    }

    func roundTwo(_ l: TestLedger) throws {
        try l.appendFetch(
            .cost, from: "2025-01-03", to: "2025-01-06",
            page: costPage([
                ("2025-01-03", [costRow("31.125")]), ("2025-01-04", [costRow("4")]),
                ("2025-01-05", [costRow("5"), costRow("6", workspace: "w2")]),
            ]))
        try l.appendFetch(
            .usage, from: "2025-01-02", to: "2025-01-04",
            pages: [Data(usagePage([("2025-01-02", [usageRow(key: "k9", uncached: 9)])]).utf8)],
            complete: false)
        try l.appendFetch(
            .usage, from: "2025-01-01", to: "2025-01-02",
            page: usagePage([("2025-01-01", [usageRow(key: "k1", uncached: 1)])]))
        try l.appendFetch(
            .claudeCode, from: "2025-01-02", to: "2025-01-03",
            page: claudeCodePage([claudeCodeRecord(date: "2025-01-02", email: "b@x")]))
    }

    @Test func incrementalUpdateEqualsFullRebuild() throws {
        let l = try TestLedger()
        try roundOne(l)
        let first = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(first.mode == .rebuild, "a missing file is built from scratch")
        let same = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(same.mode == .upToDate)
        #expect(same.fingerprint == first.fingerprint)

        try roundTwo(l)
        let updated = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(updated.mode == .incremental)
        #expect(updated.fingerprint != first.fingerprint)
        // cost 01-03, 01-04, 01-05; usage 01-01; claude_code 01-02.
        #expect(updated.daysProjected == 5)

        let full = try Projections.rebuild(ledger: l.ledger, into: l.dir.file("full.sqlite"))
        #expect(full.fingerprint == updated.fingerprint)
        #expect(full.rows == updated.rows)
        #expect(try Projections.fingerprint(of: l.dir.projections) == updated.fingerprint)
        #expect(try tableRows(l.dir.projections, .costs) == tableRows(l.dir.file("full.sqlite"), .costs))
        #expect(try Projections.diff(old: l.dir.projections, new: l.dir.file("full.sqlite")).identical)

        // Only the new fetch's page is read when one more day arrives.
        try l.appendFetch(
            .claudeCode, from: "2025-01-03", to: "2025-01-04",
            page: claudeCodePage([claudeCodeRecord(date: "2025-01-03", email: "c@x")]))
        let third = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(third.mode == .incremental)
        #expect(third.pagesDecoded == 1 && third.daysProjected == 1 && third.rowsWritten == 1)
        #expect(third.fingerprint == (try Projections.rebuild(ledger: l.ledger, into: l.dir.file("full3.sqlite")).fingerprint))
    }

    @Test func failedUpdateLeavesTheFileAsItWas() throws {
        let l = try TestLedger()
        try roundOne(l)
        let first = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        try roundTwo(l)
        let bad = try l.appendFetch(
            .cost, from: "2025-01-05", to: "2025-01-06",
            page: costPage([("2025-01-05", ["{\"amount\":12,\"currency\":\"USD\"}"])]))
        let error = #expect(throws: ProjectionError.self) {
            _ = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        }
        #expect(error?.eventID == bad[0].eventID)
        #expect(try Projections.fingerprint(of: l.dir.projections) == first.fingerprint)
        #expect(try Projections.buildInfo(of: l.dir.projections).fingerprint == first.fingerprint)
    }

    @Test func deletedProjectionsRebuildToTheSameFingerprint() throws {
        let l = try TestLedger()
        try roundOne(l)
        try roundTwo(l)
        let first = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        try FileManager.default.removeItem(at: l.dir.projections)
        let again = try Projections.update(ledger: l.ledger, projectionsURL: l.dir.projections)
        #expect(again.mode == .rebuild)
        #expect(again.fingerprint == first.fingerprint)
    }

    @Test func updateOfAFileFromAnotherLedgerRebuilds() throws {
        let a = try TestLedger()
        try roundOne(a)
        let b = try TestLedger()
        try roundOne(b)
        try roundTwo(b)
        _ = try Projections.rebuild(ledger: b.ledger, into: a.dir.projections)
        let result = try Projections.update(ledger: a.ledger, projectionsURL: a.dir.projections)
        #expect(result.mode == .rebuild)
        #expect(result.fingerprint == (try Projections.rebuild(ledger: a.ledger, into: a.dir.file("x.sqlite")).fingerprint))
    }
}

@Suite struct DayDigestTests {
    /// Pages of one chain that return to a day already left behind (not oldest-first): the day's
    /// digest is recomputed from the table, so the stored fingerprint still matches the rows.
    @Test func dayRevisitedByALaterPageOfTheSameFetch() throws {
        let l = try TestLedger()
        let pages = [
            usagePage([("2025-01-01", [usageRow(key: "a", uncached: 1)])]),
            usagePage([("2025-01-02", [usageRow(key: "b", uncached: 2)])]),
            usagePage([("2025-01-01", [usageRow(key: "c", uncached: 3)])]),
        ].map { Data($0.utf8) }
        try l.appendFetch(.usage, from: "2025-01-01", to: "2025-01-03", pages: pages)
        let built = try Projections.rebuild(ledger: l.ledger, into: l.dir.projections)
        #expect(built.rows[.usage] == 3)
        #expect(try Projections.fingerprint(of: l.dir.projections) == built.fingerprint)
    }
}
