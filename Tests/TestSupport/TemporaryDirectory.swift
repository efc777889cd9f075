import Foundation

/// A fresh directory under the system temporary directory, removed with its contents when the
/// last reference to it goes away.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = freshTemporaryURL()
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    public var path: String { url.path }

    /// `name` inside the directory.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// A fresh directory under the system temporary directory, removed after `body` returns.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async rethrows -> T {
    let url = freshTemporaryURL()
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// A path under the system temporary directory that nothing uses yet.
private func freshTemporaryURL() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("claude-ledger-tests-\(UUID().uuidString.prefix(12))")
}

extension URL {
    /// The path of `name` inside this directory, for the APIs that take paths as strings.
    public func filePath(_ name: String) -> String { appendingPathComponent(name).path }
}
