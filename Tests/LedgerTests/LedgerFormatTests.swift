import Foundation
import Ledger
import Testing
import TestSupport

/// ledger/FORMAT.md promises that a page can be recovered with the sqlite3 and lz4 commands
/// alone. This does exactly what it says and compares bytes.
@Suite struct LedgerFormatTests {
    static let tools = ["/usr/bin/sqlite3", "/usr/bin/lz4"]

    @Test(
        .enabled(
            if: tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) },
            "needs the sqlite3 and lz4 commands (apt-get install sqlite3 lz4)"))
    func pageIsRecoverableWithSqlite3AndLz4Alone() async throws {
        try await withTemporaryDirectory { dir in
            let ledger = try Ledger(directory: dir, create: true)
            let body = Fixtures.jsonLike(bytes: 300_000, seed: 77)
            let event = try ledger.append(Fixtures.page(body, fetch: Fixtures.fetch())).event
            let frame = dir.appendingPathComponent("page.lz4")
            let out = dir.appendingPathComponent("page.json")
            // Step 1 of FORMAT.md "Recovering a page by hand".
            let extract = try BuiltProducts.system(
                "/usr/bin/sqlite3",
                [
                    dir.appendingPathComponent("ledger.sqlite").path,
                    "SELECT writefile('\(frame.path)', b.body) FROM events e JOIN blobs b ON b.content_hash = e.content_hash WHERE e.event_id = '\(event.eventID)';",
                ])
            #expect(extract.status == 0, "\(extract.stderrText)")
            // Step 2.
            let decompress = try BuiltProducts.system("/usr/bin/lz4", ["-d", "-f", "-q", frame.path, out.path])
            #expect(decompress.status == 0, "\(decompress.stderrText)")
            #expect(try Data(contentsOf: out) == body)
            // Step 3: the SHA-256 matches the recorded content hash.
            let hash = try BuiltProducts.system(
                "/usr/bin/sqlite3",
                [
                    dir.appendingPathComponent("ledger.sqlite").path,
                    "SELECT lower(hex(content_hash)) FROM events WHERE event_id = '\(event.eventID)';",
                ])
            #expect(hash.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == event.contentHashHex)
        }
    }

    /// An independent reading of FORMAT.md (Python's standard library) agrees with the chain.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3")))
    func independentPythonVerifierAgreesWithTheChain() async throws {
        try await withTemporaryDirectory { dir in
            let (ledger, events) = try Fixtures.ledger(in: dir, count: 4)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("tools/verify-ledger.py").path
            let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "/usr/local/bin/python3"
            let db = dir.appendingPathComponent("ledger.sqlite").path
            let good = try BuiltProducts.system(python, [script, db])
            #expect(good.status == 0, "\(good.stdoutText) \(good.stderrText)")
            let head = try ledger.verify().headChainHash.hexString
            #expect(good.stdoutText.contains(head))
            try LedgerTamperTests.tamper(dir, "UPDATE events SET query = 'limit=7' WHERE seq = 2")
            let bad = try BuiltProducts.system(python, [script, db])
            #expect(bad.status == 1)
            #expect(bad.stdoutText.contains(events[1].eventID))
        }
    }

    @Test func showOfAnUnknownEventIsOneErrorLineAndExit2() async throws {
        try await withTemporaryDirectory { dir in
            _ = try Fixtures.ledger(in: dir, count: 1)
            let result = try BuiltProducts.run("claude-ledger", ["show", "evt_nope", "--data-dir", dir.path])
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            let lines = result.stderrText.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("error: ") == true)
        }
    }

    @Test func verifyWithoutALedgerExits2AndCreatesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("none")
            let result = try BuiltProducts.run("claude-ledger", ["--data-dir", missing.path, "verify"])
            #expect(result.status == 2)
            #expect(result.stderrText.hasPrefix("error: no ledger at"))
            #expect(!FileManager.default.fileExists(atPath: missing.path))
        }
    }

    @Test func badUsageExits2WithOneErrorLine() async throws {
        let result = try BuiltProducts.run("claude-ledger", ["verify", "--no-such-flag"])
        #expect(result.status == 2)
        #expect(result.stderrText.hasPrefix("error: "))
        #expect(result.stderrText.split(separator: "\n").count == 1)
    }

    @Test func eventsListsEveryEventWithItsStream() async throws {
        try await withTemporaryDirectory { dir in
            let (_, events) = try Fixtures.ledger(in: dir, count: 3)
            let result = try BuiltProducts.run("claude-ledger", ["events", "--stream", "cost", "--data-dir", dir.path])
            #expect(result.status == 0)
            let lines = result.stdoutText.split(separator: "\n")
            #expect(lines.count == 4)
            for event in events { #expect(result.stdoutText.contains(event.eventID)) }
            let none = try BuiltProducts.run("claude-ledger", ["events", "--stream", "claude-code", "--data-dir", dir.path])
            #expect(none.stdoutText.split(separator: "\n").count == 1)
        }
    }
}
