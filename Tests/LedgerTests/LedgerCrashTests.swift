import CoreValues
import Foundation
import Ledger
import Testing
import TestSupport

/// A crash at any instant leaves a ledger that verifies, whole pages only, and appending resumes.
@Suite(.serialized) struct LedgerCrashTests {
    /// Starts `ledger-bench soak-append` on `dir`; the caller kills it.
    static func startSoak(_ dir: URL, seed: Int, output: URL) throws -> Process {
        let process = Process()
        process.executableURL = BuiltProducts.url("ledger-bench")
        process.arguments = ["soak-append", "--dir", dir.path, "--seed", String(seed)]
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path])
        }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func printedSeqs(_ output: URL) -> [Int64] {
        String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            .split(separator: "\n").compactMap { line in
                line.hasPrefix("appended ") ? Int64(line.dropFirst(9)) : nil
            }
    }

    @Test func sigkillAtTwentyRandomInstantsLeavesAVerifiableLedger() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            var generator = SystemRandomNumberGenerator()
            var previousEvents = 0
            for round in 0..<20 {
                let output = dir.appendingPathComponent("out-\(round)")
                let process = try Self.startSoak(data, seed: round + 1, output: output)
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...700, using: &generator)))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal)

                let ledger = try Ledger(directory: data, create: false)
                let report = try ledger.verify()
                #expect(report.isValid, "round \(round): \(report.problems.first?.description ?? "")")
                // Every page the child reported committed is there (durable once acknowledged).
                let printed = Self.printedSeqs(output)
                if let last = printed.last { #expect(report.headSeq >= last) }
                // Every fetch is pages 0…n-1 with no hole: a page is wholly present or absent.
                for summary in try ledger.fetchSummaries(stream: .usage) {
                    let pages = try ledger.events(fetchID: summary.fetchID)
                    #expect(pages.map(\.pageIndex) == Array(0..<pages.count))
                    for page in pages { _ = try ledger.body(of: page) }
                }
                // Appending resumed after the previous kill.
                #expect(report.events >= previousEvents)
                previousEvents = report.events
            }
            #expect(previousEvents > 20)
        }
    }

    @Test func twoProcessesAppendingToOneDirectoryTakeTurns() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            _ = try Ledger(directory: data, create: true)
            let outA = dir.appendingPathComponent("a"), outB = dir.appendingPathComponent("b")
            let a = try Self.startSoak(data, seed: 11, output: outA)
            let b = try Self.startSoak(data, seed: 12, output: outB)
            try await Task.sleep(for: .seconds(3))
            kill(a.processIdentifier, SIGKILL)
            kill(b.processIdentifier, SIGKILL)
            a.waitUntilExit()
            b.waitUntilExit()
            let seqsA = Self.printedSeqs(outA), seqsB = Self.printedSeqs(outB)
            #expect(!seqsA.isEmpty)
            #expect(!seqsB.isEmpty)
            #expect(Set(seqsA).isDisjoint(with: Set(seqsB)))
            let report = try Ledger(directory: data, create: false).verify()
            #expect(report.isValid)
            #expect(report.events >= seqsA.count + seqsB.count)
        }
    }
}
