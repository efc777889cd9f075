import ArgumentParser
import CoreValues
import Foundation
import Ledger
import Projections
import Reporting
import Sync
import TableSchemas

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recreate projections.sqlite from the ledger alone.",
        discussion: helpText(
            """
            Builds into a temporary file and renames it over projections.sqlite, so a crash never
            leaves half a table set. The last line is the fingerprint: the same ledger and projection
            version give the same fingerprint on any machine.

            Examples:
              claude-ledger rebuild
              cp .claude-ledger/projections.sqlite old.sqlite && claude-ledger rebuild && claude-ledger diff --against old.sqlite
            """))

    @OptionGroup var global: GlobalOptions

    @Option(parsing: .unconditional, help: "Seconds to wait for a sync or rebuild of the data directory to finish before exit 4.")
    var lockWait: Int = 60

    func validate() throws {
        guard (0...3600).contains(lockWait) else {
            throw ValidationError("--lock-wait must be between 0 and 3600 seconds, got \(lockWait)")
        }
    }

    func run() async throws {
        let ledger = try global.openLedger()
        // A rebuild racing a sync would rename a table set built from an older head over the
        // sync's newer one: one writer at a time.
        let lock = try await SyncLock.acquire(directory: global.dataDirectory, wait: .seconds(lockWait))
        defer { lock.release() }
        let started = ContinuousClock.now
        let result = try Projections.rebuild(ledger: ledger, into: global.projectionsURL)
        let elapsed = started.duration(to: .now)
        print(BuildSummary.describe(result, elapsed: elapsed))
        print("fingerprint: \(result.fingerprint)")
    }
}

enum BuildSummary {
    static func describe(_ result: Projections.BuildResult, elapsed: Duration) -> String {
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let rows = ProjectionTable.allCases.map { "\($0.rawValue) \(result.rows[$0] ?? 0)" }.joined(separator: ", ")
        return
            "projections (\(result.mode.rawValue), version \(result.projectionVersion), ledger seq \(result.ledgerHeadSeq)): \(rows) rows; \(result.pagesDecoded) pages decoded in \(ms) ms"
    }
}

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What changed between two projection builds, per table and day.",
        discussion: helpText(
            """
            Compares this data directory's projections.sqlite (or --projections FILE) with another
            build: rows added, removed and changed per table and day, and the exact money delta of
            claude_costs. Exit 0 when identical, 1 when different.

            Examples:
              claude-ledger diff --against /backup/projections.sqlite
              claude-ledger diff --against old.sqlite --format json
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "The other (older) projections file.")
    var against: String

    @Option(help: "The newer projections file (default: DIR/projections.sqlite).")
    var projections: String?

    @Option(help: "table, csv, json or markdown.")
    var format: TextTable.Format = .table

    func run() async throws {
        let new = projections.map { URL(fileURLWithPath: $0) } ?? global.projectionsURL
        let result = try Projections.diff(old: URL(fileURLWithPath: against), new: new)
        let rows: [[TextTable.Cell]] = result.days.map { d in
            [
                .text(d.table.rawValue), .text(d.date), .integer(Int64(d.oldRows)), .integer(Int64(d.newRows)),
                .integer(Int64(d.added)), .integer(Int64(d.removed)), .integer(Int64(d.changed)),
                d.amountDeltaUSD.map { .money($0) } ?? .text(nil),
            ]
        }
        let table = TextTable(
            columns: ["table", "date", "old_rows", "new_rows", "added", "removed", "changed", "cost_delta_usd"], rows: rows)
        if !result.days.isEmpty || format != .table {
            print(table.render(format), terminator: "")
        }
        if format == .table {
            for t in ProjectionTable.allCases {
                guard let s = result.tables[t] else { continue }
                let delta = s.amountDeltaUSD.map { ", cost delta $\($0.description)" } ?? ""
                print(
                    "\(t.rawValue): \(s.oldRows) -> \(s.newRows) rows, \(s.daysChanged) day(s) changed (+\(s.added) -\(s.removed) ~\(s.changed))\(delta)"
                )
            }
            print(
                result.identical
                    ? "identical: fingerprint \(result.newFingerprint)"
                    : "different: \(result.oldFingerprint.prefix(16))… -> \(result.newFingerprint.prefix(16))…")
        }
        if !result.identical { throw CLIFailure.checkFailed() }
    }
}

extension SyncCommand {
    /// After appending, the read side brings the tables up to date (only changed days).
    func updateProjections(ledger: Ledger) throws {
        let started = ContinuousClock.now
        let result = try Projections.update(ledger: ledger, projectionsURL: global.projectionsURL)
        print(BuildSummary.describe(result, elapsed: started.duration(to: .now)))
        print("fingerprint: \(result.fingerprint)")
    }
}
