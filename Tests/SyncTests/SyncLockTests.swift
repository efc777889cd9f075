import CoreValues
import Foundation
import Sync
import TestSupport
import Testing

/// A data directory held by another writer is a local failure (exit 4, docs/REFERENCE.md), not bad input.
@Suite struct SyncLockTests {
    @Test func heldLockIsABusyLocalFailureAfterTheWait() async throws {
        try await withTemporaryDirectory { dir in
            let held = try SyncLock(directory: dir)
            defer { held.release() }
            let started = ContinuousClock.now
            do {
                _ = try await SyncLock.acquire(directory: dir, wait: .milliseconds(300))
                Issue.record("a second writer took the lock")
            } catch let error as SyncError {
                guard case .busy(let directory, _) = error else {
                    Issue.record("expected .busy, got \(error)")
                    return
                }
                #expect(directory == dir.path)
                #expect(error.failureClass == .localFailure)
                #expect(error.description.contains("try again when it has finished"))
            }
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }

    @Test func releasedLockIsTakenAgain() async throws {
        try await withTemporaryDirectory { dir in
            let first = try SyncLock(directory: dir)
            first.release()
            let second = try await SyncLock.acquire(directory: dir, wait: .zero)
            second.release()
        }
    }
}
