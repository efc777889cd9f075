import Foundation
import Ledger

/// Decodes pages on every core ahead of one consuming thread, handing them over in ledger order,
/// with the raw bytes of pages taken but not yet consumed held under a budget.
///
/// There is no batch barrier: a decoding thread takes the next page as soon as it is done with
/// one and the budget allows, so both cores stay busy while the consumer inserts (a batch
/// pipeline left 0.4 of a core idle waiting for a batch's slowest page). The budget bounds memory
/// by bytes, not pages, so a ledger of 9 MB pages holds about as much as one of 1 MB pages; at
/// least `minimumPages` are always allowed, so one page larger than the budget still flows and
/// every decoding thread has work while the consumer holds a page.
final class DecodePipeline<Job: Sendable, Output>: @unchecked Sendable {
    typealias Decoded = Result<(job: Job, output: Output), any Error>

    /// How much the decoding threads' nice value exceeds the consumer's (a lower priority).
    static var decoderNice: Int32 { 10 }

    private let condition = NSCondition()
    private let source: () throws -> (job: Job, bytes: Int)?
    private let decode: (Job, Int) throws -> Output
    private let budgetBytes: Int
    private let minimumPages: Int

    private var peeked: (job: Job, bytes: Int)?
    private var exhausted = false
    private var stopped = false
    private var taken = 0
    private var consumed = 0
    private var done: [Int: Decoded] = [:]
    private var sizes: [Int: Int] = [:]
    private var bytesInFlight = 0
    private var running = 0

    /// `source` yields the jobs in order with their raw sizes (nil at the end) and is only ever
    /// called by one thread at a time; `decode` runs on `threads` threads at once, each passing
    /// its own index (0..<threads) for state of its own.
    init(
        threads: Int, budgetBytes: Int, source: @escaping () throws -> (job: Job, bytes: Int)?,
        decode: @escaping (Job, Int) throws -> Output
    ) {
        self.source = source
        self.decode = decode
        self.budgetBytes = budgetBytes
        self.minimumPages = threads + 1
        running = threads
        for index in 0..<threads {
            let thread = Thread { [self] in work(thread: index) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// The next page in order, waiting for it to be decoded; nil after the last. A failure to
    /// decode it, or to list the pages, is returned in order like a page.
    func next() -> Decoded? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result = done.removeValue(forKey: consumed) {
                consumed += 1
                return result
            }
            if (exhausted || stopped) && consumed == taken { return nil }
            condition.wait()
        }
    }

    /// The consumer is finished with page `consumed - 1`: its bytes leave the budget.
    func release() {
        condition.lock()
        bytesInFlight -= sizes.removeValue(forKey: consumed - 1) ?? 0
        condition.broadcast()
        condition.unlock()
    }

    /// Stops taking pages and waits for the decoding threads to finish the ones they hold.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func work(thread: Int) {
        #if os(Linux)
            // The consumer is the critical path (it is busy most of the time; the decoders about
            // half): three threads on two cores otherwise share them equally, and the consumer
            // waits for a core. On Linux the nice value is per thread, and `0` is this thread;
            // it is raised relative to the consumer's (never lowered, so `nice` still holds).
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            _ = setpriority(which, 0, min(19, getpriority(which, 0) + DecodePipeline.decoderNice))
        #endif
        condition.lock()
        while !stopped && !exhausted {
            if peeked == nil {
                do {
                    peeked = try source()
                } catch {
                    done[taken] = .failure(error)
                    taken += 1
                    exhausted = true
                    condition.broadcast()
                    break
                }
                if peeked == nil {
                    exhausted = true
                    condition.broadcast()
                    break
                }
            }
            let (job, bytes) = peeked!
            // Pages taken and not yet released: decoding, decoded, or held by the consumer.
            if sizes.count >= minimumPages && bytesInFlight + bytes > budgetBytes {
                condition.wait()
                continue
            }
            peeked = nil
            let position = taken
            taken += 1
            sizes[position] = bytes
            bytesInFlight += bytes
            condition.unlock()
            let result: Decoded = Result { (job, try decode(job, thread)) }
            condition.lock()
            done[position] = result
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
