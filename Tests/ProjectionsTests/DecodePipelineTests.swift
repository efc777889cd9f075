import Foundation
import Testing

@testable import Projections

/// The rebuild's decoding pipeline: pages come out in order whatever order the threads finish in,
/// the raw bytes taken and not yet released stay within the budget (beyond `threads + 1` pages),
/// and a failure stops the pipeline where it happened.
@Suite struct DecodePipelineTests {
    struct Failure: Error, Equatable {
        var job: Int
    }

    /// Counts what the decoding threads hold, to check the budget from outside.
    final class Meter: @unchecked Sendable {
        let lock = NSLock()
        var bytes = 0
        var pages = 0
        var maxBytes = 0
        var maxPages = 0
        var decoded = 0
        func took(_ size: Int) {
            lock.lock()
            bytes += size
            pages += 1
            decoded += 1
            maxBytes = max(maxBytes, bytes)
            maxPages = max(maxPages, pages)
            lock.unlock()
        }
        func released(_ size: Int) {
            lock.lock()
            bytes -= size
            pages -= 1
            lock.unlock()
        }
    }

    /// Runs `sizes.count` jobs through a pipeline and returns what the consumer saw, in order.
    static func run(
        sizes: [Int], threads: Int, budget: Int, meter: Meter, failAt: Int? = nil, sourceFailsAt: Int? = nil
    ) -> [Result<Int, Failure>] {
        var next = 0
        let pipeline = DecodePipeline<Int, Int>(
            threads: threads, budgetBytes: budget,
            source: {
                if next == sourceFailsAt { throw Failure(job: next) }
                guard next < sizes.count else { return nil }
                next += 1
                return (next - 1, sizes[next - 1])
            },
            decode: { job, _ in
                meter.took(sizes[job])
                // Uneven work, so later pages often finish first.
                usleep(UInt32((job * 7919) % 5) * 300)
                if job == failAt { throw Failure(job: job) }
                return job * 10
            })
        defer { pipeline.stop() }
        var seen: [Result<Int, Failure>] = []
        while let result = pipeline.next() {
            switch result {
            case .success(let (job, output)):
                #expect(output == job * 10)
                seen.append(.success(job))
                meter.released(sizes[job])
                pipeline.release()
            case .failure(let error):
                seen.append(.failure(error as! Failure))
                return seen
            }
        }
        return seen
    }

    /// Runs `count` jobs of 100 bytes each through `decode` and returns how many came out.
    static func drain(count: Int, threads: Int, budget: Int, decode: @escaping (Int, Int) throws -> Int) -> Int {
        var next = 0
        let pipeline = DecodePipeline<Int, Int>(
            threads: threads, budgetBytes: budget,
            source: {
                guard next < count else { return nil }
                next += 1
                return (next - 1, 100)
            },
            decode: decode)
        var done = 0
        while let result = pipeline.next() {
            if case .success = result { done += 1 }
            pipeline.release()
        }
        pipeline.stop()
        return done
    }

    @Test func pagesComeOutInOrder() {
        let sizes = (0..<300).map { 1_000 + ($0 * 37) % 900 }
        let meter = Meter()
        let seen = Self.run(sizes: sizes, threads: 3, budget: 8_000, meter: meter)
        #expect(seen == (0..<300).map { .success($0) })
        #expect(meter.decoded == 300)
    }

    @Test func bytesInFlightStayWithinTheBudget() {
        // Pages of 1,000 to 1,899 bytes under a 6,000-byte budget: never more than 6,000 held.
        let sizes = (0..<200).map { 1_000 + ($0 * 37) % 900 }
        let meter = Meter()
        _ = Self.run(sizes: sizes, threads: 2, budget: 6_000, meter: meter)
        #expect(meter.maxBytes <= 6_000)
        #expect(meter.maxBytes > 3_000, "the budget was used: \(meter.maxBytes)")
    }

    @Test func pagesLargerThanTheBudgetStillFlowThreadsPlusOneAtATime() {
        let sizes = Array(repeating: 10_000, count: 60)
        let meter = Meter()
        let seen = Self.run(sizes: sizes, threads: 2, budget: 4_000, meter: meter)
        #expect(seen.count == 60)
        #expect(meter.maxPages <= 3)
    }

    @Test func aFailureArrivesInOrderAndStopsThePipeline() {
        let sizes = Array(repeating: 100, count: 500)
        let meter = Meter()
        let seen = Self.run(sizes: sizes, threads: 2, budget: 1_000, meter: meter, failAt: 40)
        #expect(seen.count == 41)
        #expect(seen.last == .failure(Failure(job: 40)))
        #expect(Array(seen.prefix(40)) == (0..<40).map { .success($0) })
        // Taken ahead of the failure: at most the budget's worth (10 pages of 100 bytes).
        #expect(meter.decoded <= 41 + 10)
    }

    @Test func aFailingSourceArrivesAfterThePagesBeforeIt() {
        let sizes = Array(repeating: 100, count: 50)
        let meter = Meter()
        let seen = Self.run(sizes: sizes, threads: 2, budget: 1_000, meter: meter, sourceFailsAt: 25)
        #expect(seen == (0..<25).map { .success($0) } + [.failure(Failure(job: 25))])
    }

    @Test func eachThreadPassesItsOwnIndex() {
        // Per-thread state is indexed by it: an index out of 0..<threads, or two threads with one
        // index at the same time, would corrupt it.
        final class Owners: @unchecked Sendable {
            let lock = NSLock()
            var busy = Set<Int>()
            var seen = Set<Int>()
            var clashes = 0
        }
        let owners = Owners()
        let count = Self.drain(count: 400, threads: 3, budget: 10_000) { job, thread in
            owners.lock.lock()
            if !owners.busy.insert(thread).inserted { owners.clashes += 1 }
            owners.seen.insert(thread)
            owners.lock.unlock()
            usleep(UInt32(job % 3) * 200)
            owners.lock.lock()
            owners.busy.remove(thread)
            owners.lock.unlock()
            return job
        }
        #expect(count == 400)
        #expect(owners.clashes == 0)
        #expect(owners.seen.isSubset(of: [0, 1, 2]) && !owners.seen.isEmpty)
    }

    #if os(Linux)
        @Test func decodingThreadsYieldToTheConsumer() {
            final class Seen: @unchecked Sendable {
                let lock = NSLock()
                var nice: Set<Int32> = []
            }
            let seen = Seen()
            let count = Self.drain(count: 20, threads: 2, budget: 1_000) { job, _ in
                let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                seen.lock.lock()
                seen.nice.insert(value)
                seen.lock.unlock()
                return job
            }
            #expect(count == 20)
            let mine = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            #expect(seen.nice == [min(19, mine + DecodePipeline<Int, Int>.decoderNice)])
        }
    #endif

    @Test func anEmptySourceEndsAtOnce() {
        let meter = Meter()
        #expect(Self.run(sizes: [], threads: 2, budget: 1_000, meter: meter).isEmpty)
    }
}
