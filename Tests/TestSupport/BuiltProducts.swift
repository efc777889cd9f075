import Foundation

/// Runs the package's built executables (`claude-ledger`, `ledger-bench`, `admin-simulator`)
/// the way a user would: a real process, real stdout/stderr and exit code.
public enum BuiltProducts {
    /// The build directory holding the executables (`.build/debug` or `.build/release`).
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["CLAUDE_LEDGER_BUILD_DIR"] {
            return URL(fileURLWithPath: override)
        }
        // The test bundle lives in the same build directory as the executables.
        let bundle = Bundle.main.bundleURL
        var candidate = bundle
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("claude-ledger").path) {
                return candidate
            }
            candidate = candidate.deletingLastPathComponent()
        }
        // Fall back to the package's default debug build folder.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug")
    }

    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `name` with `arguments` and waits for it. `environment` entries are added to a
    /// minimal environment (PATH, HOME) so no developer's key leaks into a test.
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:],
        stdin: Data? = nil, timeout: TimeInterval = 300
    ) throws -> Result {
        let process = Process()
        process.executableURL = url(name)
        process.arguments = arguments
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
        ]
        env.merge(environment) { $1 }
        process.environment = env
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outFile.path, contents: nil),
            FileManager.default.createFile(atPath: errFile.path, contents: nil)
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: FileManager.default.temporaryDirectory.path])
        }
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let outHandle = try FileHandle(forWritingTo: outFile)
        let errHandle = try FileHandle(forWritingTo: errFile)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(stdin)
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Result(
            status: process.terminationStatus,
            stdout: (try? Data(contentsOf: outFile)) ?? Data(),
            stderr: (try? Data(contentsOf: errFile)) ?? Data())
    }

    /// Runs the built `claude-ledger` with `arguments` on the data directory `data`
    /// (`--data-dir` is appended).
    public static func claudeLedger(_ data: URL, _ arguments: [String]) throws -> Result {
        try run("claude-ledger", arguments + ["--data-dir", data.path])
    }

    /// Runs a plain system command (sqlite3, lz4) and returns its result.
    public static func system(_ path: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: errData)
    }
}
