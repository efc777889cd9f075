import AdminSimulator
import Foundation
import Testing
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The `admin-simulator` binary: prints its port, honours the admin key from the environment,
/// and exits cleanly on SIGTERM.
@Suite struct ExecutableTests {
    static let binary = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/admin-simulator")

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path)))
    func servesOnAnEphemeralPortAndStopsOnSIGTERM() async throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--port", "0", "--today", "2025-06-01", "--days", "5", "--seed", "3"]
        var env = ProcessInfo.processInfo.environment
        env["SIMULATOR_ADMIN_KEY"] = "sk-ant-admin01-from-environment"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let line = await withCheckedContinuation { (c: CheckedContinuation<String, Never>) in
            // A plain thread: the read blocks, and must not hold a cooperative-pool thread.
            Thread {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = out.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                c.resume(returning: String(decoding: data, as: UTF8.self))
            }.start()
        }
        #expect(line.hasPrefix("listening on http://127.0.0.1:"))
        let portText = line.dropFirst("listening on http://127.0.0.1:".count).prefix { $0.isNumber }
        let port = try #require(Int(portText))

        var client = TestClientShim(port: port, key: "sk-ant-admin01-from-environment")
        let ok = try await client.status("/v1/organizations/cost_report?starting_at=2025-05-28T00:00:00Z")
        #expect(ok == 200)
        client.key = AdminSimulator.defaultAdminKey
        #expect(try await client.status("/v1/organizations/cost_report?starting_at=2025-05-28T00:00:00Z") == 401)

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}

private struct TestClientShim {
    let port: Int
    var key: String

    func status(_ pathAndQuery: String) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(pathAndQuery)")!)
        request.setValue(key, forHTTPHeaderField: "x-api-key")
        request.setValue("2023-06-01", forHTTPHeaderField: "anthropic-version")
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (_, response) = try await session.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }
}
