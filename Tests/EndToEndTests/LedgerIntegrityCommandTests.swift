import Foundation
import Testing
import TestSupport

/// A ledger is never adopted, never silently lost, and `verify` / `rebuild` notice what the
/// chain alone cannot: a lost tail, a rewritten ledger, dropped triggers, a forged page.
@Suite(.serialized) struct LedgerIntegrityCommandTests {
    typealias T = DataDirectorySafetyTests

    static func syncArguments(_ data: URL, since: Bool = true) -> [String] {
        ["sync", "--data-dir", data.path, "--base-url", "http://127.0.0.1:9", "--until", "2025-06-01", "--give-up-after", "2"]
            + (since ? ["--since", "2025-05-25"] : [])
    }

    // MARK: 2. another program's file is never adopted

    @Test(arguments: ["sqlite", "garbage"])
    func aFileThatIsNotALedgerIsNeverModified(_ kind: String) async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            let path = data.appendingPathComponent("ledger.sqlite").path
            if kind == "sqlite" {
                #expect(
                    try T.sqlite(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'keep me');")
                        .status == 0)
            } else {
                try Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }).write(to: URL(fileURLWithPath: path))
            }
            let before = try T.sha256(path)
            for since in [true, false] {
                let result = try T.cli(Self.syncArguments(data, since: since), key: T.key)
                #expect(result.status == 2, "\(result.stderrText)")
                #expect(T.errorLines(result).count == 1)
                #expect(result.stderrText.contains("is not a claude-ledger ledger"))
            }
            let verify = try T.cli(["verify", "--data-dir", data.path])
            #expect(verify.status == 2 && T.errorLines(verify).count == 1)
            #expect(try T.sha256(path) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: data.path) == ["ledger.sqlite"])
            if kind == "sqlite" {
                #expect(try T.sqlite(path, ".tables").stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "notes")
            }
        }
    }

    @Test func aZeroByteFileIsAnEmptyPlaceForANewLedger() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: data.appendingPathComponent("ledger.sqlite").path, contents: Data()))
            try await T.syncedDataDirectory(data)
            let verify = try T.cli(["verify", "--data-dir", data.path])
            #expect(verify.status == 0)
            #expect(verify.stdoutText.contains("verified 12 events"), "\(verify.stdoutText)")  // 11 pages + the organization
        }
    }

    // MARK: 3. a lost ledger is not replaced

    @Test(arguments: ["deleted", "emptied"])
    func aLostLedgerIsRefusedWhileProjectionsRecordItsHead(_ how: String) async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let ledger = data.appendingPathComponent("ledger.sqlite").path
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger + suffix) }
            if how == "deleted" {
                try FileManager.default.removeItem(atPath: ledger)
            } else {
                #expect(truncate(ledger, 0) == 0)
            }
            let projections = try T.sha256(data.appendingPathComponent("projections.sqlite").path)
            let listing = try FileManager.default.contentsOfDirectory(atPath: data.path).sorted()
            for since in [true, false] {
                let result = try T.cli(Self.syncArguments(data, since: since), key: T.key)
                #expect(result.status == 2)
                #expect(T.errorLines(result).count == 1)
                #expect(
                    result.stderrText.contains("the ledger was lost") && result.stderrText.contains("restore it from a backup"),
                    "\(result.stderrText)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: data.path).sorted() == listing)
            #expect(T.fileSize(ledger) == (how == "deleted" ? nil : 0))
            #expect(try T.sha256(data.appendingPathComponent("projections.sqlite").path) == projections)
            let verify = try T.cli(["verify", "--data-dir", data.path])
            #expect(verify.status == 2)
            #expect(verify.stderrText.contains("the ledger was lost"))
            #expect(!verify.stderrText.contains("sync"), "verify must not suggest creating a new ledger: \(verify.stderrText)")
        }
    }

    @Test func aLostLedgerIsRefusedWhileTheReconciliationHistoryRecordsItsHead() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let reconcile = try T.cli([
                "reconcile", "--dashboard", dir.appendingPathComponent("dashboard.csv").path, "--data-dir", data.path,
            ])
            #expect(reconcile.status == 0, "\(reconcile.stderrText)")
            for name in ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "projections.sqlite"] {
                try? FileManager.default.removeItem(at: data.appendingPathComponent(name))
            }
            let result = try T.cli(Self.syncArguments(data), key: T.key)
            #expect(result.status == 2)
            #expect(result.stderrText.contains("the ledger was lost") && result.stderrText.contains("reconciliations.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("ledger.sqlite").path))
        }
    }

    // MARK: 4. verify checks the heads the tool recorded

    /// Deletes the events after `keep` and their bookkeeping, the way someone who first drops the
    /// append-only triggers can, then puts the triggers back so only the recorded heads tell.
    static func cutTail(_ ledger: String, keep: Int) throws {
        let triggers = try T.sqlite(ledger, "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger'").stdoutText
        let names = try T.sqlite(ledger, "SELECT name FROM sqlite_master WHERE type = 'trigger'").stdoutText
            .split(separator: "\n").map { "DROP TRIGGER \($0);" }.joined()
        #expect(triggers.contains("events_no_delete"))
        let result = try T.sqlite(
            ledger,
            names + """
                DELETE FROM events WHERE seq > \(keep);
                DELETE FROM fetch_ends WHERE fetch_id NOT IN (SELECT fetch_id FROM events);
                DELETE FROM fetches WHERE fetch_id NOT IN (SELECT fetch_id FROM events);
                """ + triggers)
        #expect(result.status == 0, "\(result.stderrText)")
    }

    @Test func aLedgerThatLostItsTailFailsVerify() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            try Self.cutTail(data.appendingPathComponent("ledger.sqlite").path, keep: 8)
            let verify = try T.cli(["verify", "--data-dir", data.path])
            #expect(verify.status == 1)
            #expect(verify.stdoutText.contains("projections.sqlite records ledger head seq 12"), "\(verify.stdoutText)")
            #expect(verify.stdoutText.contains("the ledger ends at seq 8"))
            #expect(!verify.stdoutText.contains("trigger"))
            #expect(try T.sqlite(data.appendingPathComponent("ledger.sqlite").path, "SELECT COUNT(*) FROM events").stdoutText == "8\n")
        }
    }

    @Test func droppedAppendOnlyTriggersFailVerify() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            #expect(
                try T.sqlite(
                    data.appendingPathComponent("ledger.sqlite").path,
                    "DROP TRIGGER events_no_delete; DROP TRIGGER blobs_no_update;"
                ).status == 0)
            let verify = try T.cli(["verify", "--data-dir", data.path])
            #expect(verify.status == 1)
            #expect(verify.stdoutText.contains("append-only trigger events_no_delete is missing"))
            #expect(verify.stdoutText.contains("append-only trigger blobs_no_update is missing"))
            #expect(verify.stdoutText.contains("FAILED: 2 problem(s)"))
        }
    }

    @Test func aConsistentlyRechainedLedgerFailsVerifyAndExpectHead() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let original = try T.head(data)
            let other = dir.appendingPathComponent("other").appendingPathComponent("data")
            try await T.syncedDataDirectory(other, seed: 2)
            // The second ledger is internally sound: only what was recorded elsewhere can tell.
            #expect(try T.cli(["verify", "--data-dir", other.path]).status == 0)
            #expect(try T.head(other) != original)
            for suffix in ["", "-wal", "-shm"] {
                let target = data.appendingPathComponent("ledger.sqlite" + suffix)
                try? FileManager.default.removeItem(at: target)
                try? FileManager.default.copyItem(at: other.appendingPathComponent("ledger.sqlite" + suffix), to: target)
            }
            try FileManager.default.removeItem(at: other.appendingPathComponent("projections.sqlite"))
            let verify = try T.cli(["verify", "--data-dir", data.path])
            #expect(verify.status == 1)
            #expect(
                verify.stdoutText.contains("projections.sqlite records ledger head seq \(original.split(separator: ":")[0])"),
                "\(verify.stdoutText)")
            // Against a head kept outside the data directory.
            let expect = try T.cli(["verify", "--data-dir", other.path, "--expect-head", original])
            #expect(expect.status == 1)
            #expect(expect.stdoutText.contains("--expect-head records ledger head seq"))
            #expect(try T.cli(["verify", "--data-dir", other.path, "--expect-head", try T.head(other)]).status == 0)
        }
    }

    @Test(arguments: [
        "11", "11:abc", "x:" + String(repeating: "0", count: 64), "11:" + String(repeating: "g", count: 64),
        "-1:" + String(repeating: "0", count: 64),
    ])
    func aMalformedExpectHeadIsBadUsage(_ value: String) async throws {
        try await withTemporaryDirectory { dir in
            let result = try T.cli(["verify", "--data-dir", dir.path, "--expect-head", value])
            #expect(result.status == 2)
            #expect(T.errorLines(result).count == 1)
            #expect(result.stderrText.contains("--expect-head"))
        }
    }

    // MARK: 5. rebuild projects only the chain

    @Test func rebuildRefusesAForgedPageAndNamesIt() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let forged = "evt_f0f0f0f0f0f0f0f0f0f0f0f0"
            let insert = try T.sqlite(
                data.appendingPathComponent("ledger.sqlite").path,
                """
                INSERT INTO events (seq, event_id, stream, fetch_id, page_index, is_last, window_start, window_end, method, path,
                                    query, status, request_id, fetched_at, content_hash, raw_length, chain_hash)
                SELECT (SELECT MAX(seq) FROM events) + 1, '\(forged)', stream, 'fch_f0f0f0f0f0f0f0f0f0f0f0f0', 0, 1, window_start, window_end, method, path,
                       query, status, request_id, fetched_at, content_hash, raw_length, zeroblob(32)
                FROM events WHERE stream = 'cost_report' ORDER BY seq DESC LIMIT 1;
                """)
            #expect(insert.status == 0, "\(insert.stderrText)")
            let projections = data.appendingPathComponent("projections.sqlite").path
            let before = try T.sha256(projections)
            let rebuild = try T.cli(["rebuild", "--data-dir", data.path])
            #expect(rebuild.status == 1)
            #expect(T.errorLines(rebuild).count == 1)
            #expect(rebuild.stderrText.contains(forged) && rebuild.stderrText.contains("seq 13"), "\(rebuild.stderrText)")
            #expect(try T.sha256(projections) == before)
        }
    }

    // MARK: 6. projections robustness

    @Test func aRebuildRemovesTemporaryBuildsLeftByAKilledOneButNotALiveOne() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let stale = data.appendingPathComponent(".projections.sqlite.tmp-b0123456789abcdef01234567").path
            try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: stale))
            try Data(repeating: 7, count: 512).write(to: URL(fileURLWithPath: stale + "-journal"))
            // A build still running holds an exclusive flock on its file.
            let live = data.appendingPathComponent(".projections.sqlite.tmp-bfedcba9876543210fedcba98").path
            let fd = open(live, O_RDWR | O_CREAT, 0o600)
            #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            defer { close(fd) }
            let rebuild = try T.cli(["rebuild", "--data-dir", data.path])
            #expect(rebuild.status == 0, "\(rebuild.stderrText)")
            #expect(!FileManager.default.fileExists(atPath: stale))
            #expect(!FileManager.default.fileExists(atPath: stale + "-journal"))
            #expect(FileManager.default.fileExists(atPath: live))
        }
    }

    /// Kills a writer in the middle of a transaction that has already written pages into
    /// projections.sqlite, leaving a hot rollback journal, as a SIGKILL mid-commit of an update does.
    static let killMidTransaction = """
        import os, sqlite3, sys
        c = sqlite3.connect(sys.argv[1], isolation_level=None)
        c.execute("PRAGMA cache_size = 1")
        c.execute("BEGIN IMMEDIATE")
        for t in ("claude_costs", "claude_usage_keys", "claude_code_productivity"):
            c.execute("DELETE FROM " + t)
        c.execute("INSERT INTO projection_meta VALUES ('filler', hex(randomblob(200000)))")
        os.kill(os.getpid(), 9)
        """

    @Test func aHotJournalLeftByAKilledUpdateDoesNotBreakReaders() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let report = ["report", "costs", "--format", "csv", "--data-dir", data.path]
            let expected = try T.cli(report)
            #expect(expected.status == 0)
            let projections = data.appendingPathComponent("projections.sqlite").path
            _ = try BuiltProducts.system("/usr/bin/python3", ["-c", Self.killMidTransaction, projections])
            #expect((T.fileSize(projections + "-journal") ?? 0) > 0)
            // What a read-only reader meets without recovery.
            #expect(
                try BuiltProducts.system("/usr/bin/sqlite3", ["-readonly", projections, "SELECT COUNT(*) FROM claude_costs"]).status != 0)
            // Another user, who cannot repair the file, is told what to do.
            chmod(data.path, 0o755)
            chmod(dir.path, 0o755)
            for name in try FileManager.default.contentsOfDirectory(atPath: data.path) {
                chmod(data.appendingPathComponent(name).path, 0o644)
            }
            let other = try BuiltProducts.system(
                "/usr/bin/setpriv",
                [
                    "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    BuiltProducts.url("claude-ledger").path,
                ] + report)
            #expect(other.status == 2)
            #expect(T.errorLines(other).count == 1 && other.stderrText.contains("claude-ledger rebuild"), "\(other.stderrText)")
            // The owner's reader rolls the journal back and reads what was committed.
            let recovered = try T.cli(report)
            #expect(recovered.status == 0, "\(recovered.stderrText)")
            #expect(recovered.stdoutText == expected.stdoutText)
            #expect(!FileManager.default.fileExists(atPath: projections + "-journal"))
        }
    }

    @Test func projectionsOfAnotherVersionAreNotReadSilently() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            try await T.syncedDataDirectory(data)
            let projections = data.appendingPathComponent("projections.sqlite").path
            #expect(try T.sqlite(projections, "UPDATE projection_meta SET value = '99' WHERE key = 'projection_version'").status == 0)
            for arguments in [
                ["report", "costs"], ["audit"], ["explain", "--date", "2025-05-28"],
                ["export", "files", "--out", dir.appendingPathComponent("out").path],
            ] {
                let result = try T.cli(arguments + ["--data-dir", data.path])
                #expect(result.status == 2, "\(arguments[0])")
                #expect(T.errorLines(result).count == 1)
                #expect(
                    result.stderrText.contains("projection version 99") && result.stderrText.contains("claude-ledger rebuild"),
                    "\(result.stderrText)")
            }
            #expect(try T.cli(["rebuild", "--data-dir", data.path]).status == 0)
            #expect(try T.cli(["report", "costs", "--data-dir", data.path]).status == 0)
        }
    }
}
