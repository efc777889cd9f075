import Foundation

/// One sync at a time per data directory: an exclusive `flock` on `DIR/sync.lock`, released when
/// the process ends (even by SIGKILL), so a crashed sync never blocks the next one.
public final class SyncLock: @unchecked Sendable {
    private var fd: Int32

    public struct Busy: Error, CustomStringConvertible, Sendable {
        public let directory: String
        public var description: String {
            "another sync is running on \(directory): wait for it to finish (one sync at a time per data directory)"
        }
    }

    public init(directory: URL) throws {
        let path = directory.appendingPathComponent("sync.lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Busy(directory: directory.path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw Busy(directory: directory.path)
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
