import CoreValues
import Foundation
import GRDB
import Testing
import TestSupport

@testable import Ledger

/// `body(of:buffers:)`, the rebuild's read path: the same bytes and errors as `body(of:)`, from
/// memory that is reused once a body is released, with at most `keep` buffers waiting.
@Suite struct BodyBuffersTests {
    /// Three bodies of 1.5 to 3 MB (several MiB granules) and one small one.
    static func ledger(in dir: URL) throws -> (Ledger, [Ledger.Event], [Data]) {
        let ledger = try Ledger(directory: dir, create: true)
        var events: [Ledger.Event] = []
        var bodies: [Data] = []
        for (i, size) in [1_500_000, 3_000_000, 2_200_000, 700].enumerated() {
            let body = Fixtures.jsonLike(bytes: size, seed: UInt64(i + 11))
            bodies.append(body)
            let fetch = Fixtures.fetch(day: Day("2025-08-01")!.adding(days: i).description)
            events.append(try ledger.append(Fixtures.page(body, fetch: fetch)).event)
        }
        return (ledger, events, bodies)
    }

    @Test func sameBytesAsAFreshRead() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events, bodies) = try Self.ledger(in: dir)
            let buffers = BodyBuffers(keep: 2)
            for (event, expected) in zip(events, bodies) {
                let pooled = try ledger.body(of: event, buffers: buffers)
                #expect(pooled == expected)
                #expect(pooled == (try ledger.body(of: event)))
            }
            // Read one after another, the bodies shared one buffer (a too-small one is dropped).
            #expect(buffers.waiting == 1)
        }
    }

    @Test func aReleasedBodysMemoryIsReused() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events, _) = try Self.ledger(in: dir)
            let buffers = BodyBuffers(keep: 1)
            var first: Data? = try ledger.body(of: events[1], buffers: buffers)
            let address = first!.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
            #expect(buffers.waiting == 0)
            first = nil
            #expect(buffers.waiting == 1)
            // A smaller body fits in the 3 MB one's buffer.
            let second = try ledger.body(of: events[0], buffers: buffers)
            #expect(second.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
            #expect(buffers.waiting == 0)
            _ = first
        }
    }

    @Test func atMostKeepBuffersWait() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events, _) = try Self.ledger(in: dir)
            let buffers = BodyBuffers(keep: 2)
            var held: [Data] = try events.map { try ledger.body(of: $0, buffers: buffers) }
            #expect(buffers.waiting == 0)
            held.removeAll()
            #expect(buffers.waiting == 2)
        }
    }

    @Test func aDamagedBodyFailsAsBeforeAndGivesItsBufferBack() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events, _) = try Self.ledger(in: dir)
            let victim = events[2]
            var frame = try #require(
                try DatabaseQueue(path: dir.appendingPathComponent("ledger.sqlite").path).read { db in
                    try Data.fetchOne(db, sql: "SELECT body FROM blobs WHERE content_hash = ?", arguments: [victim.contentHash])
                })
            // A literal byte: the frame still decodes to the right length, so only SHA-256 sees it.
            frame[frame.count / 2] ^= 0x01
            try LedgerTamperTests.tamper(
                dir, "UPDATE blobs SET body = ? WHERE content_hash = ?", arguments: [frame, victim.contentHash])
            let buffers = BodyBuffers(keep: 2)
            var messages: [String] = []
            for read in [{ try ledger.body(of: victim) }, { try ledger.body(of: victim, buffers: buffers) }] {
                do {
                    _ = try read()
                    Issue.record("a damaged body was returned")
                } catch let error as LedgerError {
                    #expect(error.code == .corruptBody)
                    messages.append(error.message)
                }
            }
            #expect(messages.count == 2 && messages[0] == messages[1])
            #expect(messages.first?.contains(victim.eventID) == true)
            #expect(buffers.waiting == 1)
        }
    }
}

/// A read-only ledger reads bodies through a memory map (`Ledger.readMapBytes`), set when each
/// connection opens; a writable one does not, so a rebuild's resident size is not the ledger's.
@Suite struct ReadOnlyLedgerMapTests {
    @Test func readOnlyConnectionsMapTheFileWritableOnesDoNot() async throws {
        try await withTemporaryDirectory { dir in
            let (writable, events) = try Fixtures.ledger(in: dir, count: 3)
            let readOnly = try Ledger.openReadOnly(directory: dir)
            let mapped = try readOnly.read { db in try Int64.fetchOne(db, sql: "PRAGMA mmap_size") }
            #expect((mapped ?? 0) > 0)
            #expect(try writable.read { db in try Int64.fetchOne(db, sql: "PRAGMA mmap_size") } == 0)
            // Bodies read through the map are the same bytes, and verify passes.
            for event in events { #expect(try readOnly.body(of: event) == writable.body(of: event)) }
            #expect(try readOnly.verify().isValid)
        }
    }
}

/// A recorded length no LZ4 frame of the stored size can hold (LZ4 expands at most 255 times)
/// is reported as a damaged body by every reader, before any memory is set aside for it. (A
/// negative one is refused by the table's CHECK constraint.)
@Suite struct ImpossibleLengthTests {
    @Test(arguments: [Int64(1) << 40, Int64(10_000_000)])
    func anImpossibleRecordedLengthIsADamagedBodyNotACrash(_ length: Int64) async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events) = try Fixtures.ledger(in: dir, count: 3)
            let victim = events[1]
            try LedgerTamperTests.tamper(
                dir, "UPDATE blobs SET raw_length = ? WHERE content_hash = ?", arguments: [length, victim.contentHash])
            for read in [{ try ledger.body(of: victim) }, { try ledger.body(of: victim, buffers: BodyBuffers(keep: 1)) }] {
                #expect(throws: LedgerError.self) { _ = try read() }
            }
            let report = try ledger.verify()
            #expect(!report.isValid)
            #expect(report.problems.map(\.description).joined().contains(victim.eventID))
        }
    }
}
