import Foundation
import Ledger
import Projections
import Reporting

/// The data directory's files and the rules for opening them safely (docs/REFERENCE.md "Safety of the data
/// directory"): reading never writes, a ledger is only created in an empty place, and a ledger
/// that other files prove existed is never silently replaced by a new one.
struct DataDirectory {
    let url: URL

    var ledgerPath: String { url.appendingPathComponent(Ledger.fileName).path }
    var projectionsURL: URL { url.appendingPathComponent(Projections.fileName) }

    /// The ledger, opened read-only (its bytes never change). A missing ledger that the
    /// projections or the reconciliation history prove existed is reported as lost.
    func openLedgerForReading() throws -> Ledger {
        do {
            return try Ledger.openReadOnly(directory: url)
        } catch let error as LedgerError where error.isMissingLedger {
            if let lost = lostLedgerFailure() { throw lost }
            throw error
        }
    }

    /// The ledger `sync` appends to: opened when it is a ledger, created only in an empty place
    /// (no file, or a 0-byte one) that no other file says once held a ledger. `firstSyncNeedsSince`
    /// is true when the command has no `--since`, which a new ledger needs. Throws before
    /// anything is written.
    func openLedgerForSync(firstSyncNeedsSince: Bool) throws -> Ledger {
        try checkBeforeSync(firstSyncNeedsSince: firstSyncNeedsSince)
        return try Ledger(directory: url, create: true)
    }

    /// The checks `sync` makes before any request: a lost ledger, a first sync without
    /// `--since`, a file that is not a ledger. Returns the ledger opened read-only when there is
    /// one (nil in an empty place); nothing is written.
    @discardableResult
    func checkBeforeSync(firstSyncNeedsSince: Bool) throws -> Ledger? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CLIFailure(.badInput, "\(url.path) exists and is not a directory: pass --data-dir a directory")
        }
        var info = stat()
        let isEmptyPlace = stat(ledgerPath, &info) != 0 || info.st_size == 0
        if isEmptyPlace {
            if let lost = lostLedgerFailure() { throw lost }
            if firstSyncNeedsSince {
                throw CLIFailure(.badInput, "the ledger in \(url.path) is empty: pass --since YYYY-MM-DD for the first sync")
            }
            return nil
        }
        return try Ledger.openReadOnly(directory: url)
    }

    /// Exit 2 with the documented words when the ledger is missing or empty but a head was recorded.
    func lostLedgerFailure() -> CLIFailure? {
        guard let head = recordedHeads().filter({ $0.seq > 0 }).max(by: { $0.seq < $1.seq }) else { return nil }
        return CLIFailure(
            .badInput,
            "the ledger was lost: \(ledgerPath) is missing or empty, but \(head.source) records ledger head seq \(head.seq); restore it from a backup (nothing was changed)"
        )
    }

    /// Every ledger head the tool recorded beside the ledger: the one projections.sqlite was
    /// built from and each one a reconcile run saw. Unreadable files record nothing here; the
    /// commands that read them report them.
    func recordedHeads() -> [Ledger.RecordedHead] {
        var heads: [Ledger.RecordedHead] = []
        if FileManager.default.fileExists(atPath: projectionsURL.path),
            let info = try? Projections.buildInfo(of: projectionsURL),
            let seq = info.ledgerHeadSeq, let chain = info.ledgerHeadChainHash
        {
            heads.append(.init(seq: seq, chainHashHex: chain, source: Projections.fileName))
        }
        if let log = try? ReconcileLog.openForReading(directory: url), let recorded = try? log.recordedHeads() {
            for (seq, chain) in recorded {
                heads.append(.init(seq: seq, chainHashHex: chain, source: "\(ReconcileLog.fileName) (a reconcile run)"))
            }
        }
        return heads
    }

    /// The projection tables for a reader, after the checks every reader needs (an interrupted
    /// update rolled back, the projection version this build reads).
    func projectionTables() throws -> ProjectionTables {
        try checkProjections()
        return try ProjectionTables(url: projectionsURL)
    }

    /// The checks every reader of projections.sqlite needs first; a missing file is left to the
    /// reader, which says how to create it.
    func checkProjections() throws {
        if FileManager.default.fileExists(atPath: projectionsURL.path) {
            try Projections.checkReadable(projectionsURL)
        }
    }
}
