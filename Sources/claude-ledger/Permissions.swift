import Foundation

/// Warnings for secrets and ledgers that other users of the machine can read.
enum Permissions {
    /// Prints one `warning:` line when `path` exists and grants its group or others any access.
    static func warnIfShared(_ path: String, what: String, fix: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else { return }
        let octal = String(mode, radix: 8)
        FileHandle.standardError.write(
            Data(
                "warning: \(what) \(path) is accessible by other users (mode 0\(octal)): \(fix) \(path)\n".utf8))
    }
}
