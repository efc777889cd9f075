import Foundation
import GRDBSQLite

extension Projections {
    /// Makes the projections file at `url` safe to read with a read-only connection, and checks
    /// that this build can read it. Every reader of the tables (report, audit, explain,
    /// reconcile, export) calls it first.
    ///
    /// - An update killed mid-commit leaves a hot rollback journal that only a read-write
    ///   connection can roll back; the file is derived, so when it is writable a read-write
    ///   connection opens it and SQLite rolls the journal back. When it is not writable the
    ///   reader is told to rebuild.
    /// - A file of another projection version is refused (`unsupportedVersion`, bad input):
    ///   its tables may mean something else.
    public static func checkReadable(_ url: URL) throws {
        let file = try openExisting(url)
        let meta = try ProjectionStore.readMeta(file)
        guard meta["projection_version"] == String(version) else {
            throw ProjectionError(
                .unsupportedVersion,
                "\(url.path) was built by projection version \(meta["projection_version"] ?? "unknown"), and this claude-ledger reads version \(version): run `claude-ledger rebuild`"
            )
        }
    }

    /// Rolls back a hot journal left by an interrupted update, when the file can be written.
    static func recoverInterruptedUpdate(_ url: URL) throws {
        let journal = url.path + "-journal"
        var info = stat()
        guard stat(journal, &info) == 0, info.st_size > 0 else { return }
        let directory = url.deletingLastPathComponent().path
        guard access(directory, W_OK) == 0, access(url.path, W_OK) == 0 else {
            throw ProjectionError(
                .interruptedUpdate,
                "\(url.path) was left mid-update and this user cannot repair it: run `claude-ledger rebuild` in a writable copy")
        }
        // A read through a read-write connection rolls a hot journal back (SQLite takes the
        // locks that prove no writer is still using it; a live writer just makes it wait).
        let file = try SQLiteFile(path: url.path, create: false)
        _ = try file.scalarText("SELECT count(*) FROM sqlite_master")
    }
}

/// The temporary files a rebuild builds into, `.projections.sqlite.tmp-<id>` beside the target.
/// A rebuild holds an exclusive `flock` on its file for as long as it builds, so a file whose
/// lock can be taken belongs to no live process (it was left by a killed rebuild) and is removed.
enum TemporaryBuild {
    static func prefix(for url: URL) -> String { ".\(url.lastPathComponent).tmp-" }

    struct Claim {
        let descriptor: Int32
        func release() {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }

    /// Creates `path` (0600) and locks it for this build.
    static func claim(_ path: String) throws -> Claim {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ProjectionError(.filesystem, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ProjectionError(.filesystem, "cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        return Claim(descriptor: fd)
    }

    /// Removes the temporary builds beside `url` that no live process holds.
    static func removeStale(beside url: URL) {
        let directory = url.deletingLastPathComponent()
        let prefix = prefix(for: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        let suffixes = ["-journal", "-wal", "-shm"]
        for name in names where name.hasPrefix(prefix) && !suffixes.contains(where: { name.hasSuffix($0) }) {
            let path = directory.appendingPathComponent(name).path
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            for suffix in suffixes { unlink(path + suffix) }
            unlink(path)
            flock(fd, LOCK_UN)
        }
    }
}
