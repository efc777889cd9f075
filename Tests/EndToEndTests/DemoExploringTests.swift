import Foundation
import Testing
import TestSupport

/// The demo's "keep exploring" lines, run exactly as printed by a shell in the directory the demo
/// ran from: `make demo` runs the binary by a relative path that is not on the PATH, and an
/// installed binary is found on the PATH by its bare name. Each printed command must exit 0.
@Suite(.serialized) struct DemoExploringTests {
    /// Runs `script` with `/bin/sh` in `directory` and the given PATH.
    static func shell(_ script: String, in directory: URL, path: String) throws -> BuiltProducts.Result {
        try BuiltProducts.system("/bin/sh", ["-c", "cd \(quoted(directory.path)) && PATH=\(quoted(path)) && export PATH && \(script)"])
    }

    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

    /// The demo's output from "keep exploring:" on: the indented command lines and the last line.
    static func exploring(_ stdout: String) throws -> (commands: [String], last: String) {
        let tail = try #require(stdout.components(separatedBy: "keep exploring:\n").last)
        let lines = tail.split(separator: "\n").map(String.init)
        let commands = lines.filter { $0.hasPrefix("  ") }.map { String($0.dropFirst(2)) }
        return (commands, lines.last ?? "")
    }

    /// Runs the demo with `invocation` as its command word, then every printed command as printed.
    func demoThenExplore(invocation: String, cwd: URL, path: String, data: URL) throws -> [String] {
        let demo = try Self.shell("\(invocation) demo --data-dir \(Self.quoted(data.path)) --days 5", in: cwd, path: path)
        #expect(demo.status == 0, "\(demo.stdoutText)\n\(demo.stderrText)")
        let (commands, last) = try Self.exploring(demo.stdoutText)
        #expect(commands.count == 6, "\(demo.stdoutText)")
        #expect(last == "and open \(data.appendingPathComponent("report.html").path) in a browser.")
        for command in commands {
            let run = try Self.shell(command, in: cwd, path: path)
            #expect(run.status == 0, "\(command)\nexit \(run.status): \(run.stderrText)")
            #expect(!run.stdout.isEmpty, "\(command) printed nothing")
        }
        return commands
    }

    @Test func linesRunAsPrintedFromARelativePathNotOnThePath() async throws {
        try await withTemporaryDirectory { dir in
            // As `make demo`: the build folder's parent is the working directory, the binary is
            // named by a relative path, and the PATH does not contain it.
            let build = BuiltProducts.directory.resolvingSymlinksInPath()
            let invocation = build.lastPathComponent + "/claude-ledger"
            let data = dir.appendingPathComponent("demo data")  // a space: the lines must quote it
            let commands = try demoThenExplore(
                invocation: invocation, cwd: build.deletingLastPathComponent(),
                path: "/usr/bin:/bin", data: data)
            #expect(commands.allSatisfy { $0.hasPrefix("\(invocation) --data-dir '\(data.path)' ") })
            #expect(commands.last == "\(invocation) --data-dir '\(data.path)' report html --out '\(data.path)/report.html'")
        }
    }

    @Test func linesNameTheBareCommandWhenItIsOnThePath() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("demo")
            let path = BuiltProducts.directory.path + ":/usr/bin:/bin"
            let commands = try demoThenExplore(invocation: "claude-ledger", cwd: dir, path: path, data: data)
            #expect(commands.first == "claude-ledger --data-dir \(data.path) report usage --by api-key")
        }
    }
}
