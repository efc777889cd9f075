import Foundation

/// One writer at a time per data directory: `sync` and `rebuild` both hold an exclusive `flock`
/// on `DIR/sync.lock` for their whole run (fetching, appending and bringing the projections up
/// to date), so a rebuild can never rename a stale table set over a sync's newer one. The lock
/// is released when the process ends (even by SIGKILL), so a crashed run never blocks the next.
public final class SyncLock: @unchecked Sendable {
    public static let fileName = "sync.lock"

    private var fd: Int32

    /// Takes the lock now or throws `SyncError.busy`.
    public convenience init(directory: URL) throws {
        try self.init(directory: directory, waited: 0)
    }

    private init(directory: URL, waited: Int) throws {
        let path = directory.appendingPathComponent(SyncLock.fileName).path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SyncError.busy(directory: directory.path, waited: waited)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw SyncError.busy(directory: directory.path, waited: waited)
        }
    }

    /// Takes the lock, waiting up to `wait` for another writer to finish, then throws `SyncError.busy`.
    public static func acquire(directory: URL, wait: Duration) async throws -> SyncLock {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: wait)
        while true {
            do {
                return try SyncLock(directory: directory, waited: Int(wait.components.seconds))
            } catch let error as SyncError {
                guard case .busy = error, clock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Releases the lock now (otherwise when the object goes away or the process ends).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
