import CoreValues
import Foundation

/// Mutable simulator state behind one lock: the organization's revisions, the fault schedule and
/// the counters. Report generation happens outside the lock on a copy of the organization.
final class SimulatorState: @unchecked Sendable {
    let configuration: SimulatorConfiguration
    private let lock = NSLock()
    private var _organization: SimulatedOrganization
    private var _counters = SimulatorCounters()
    private var scripted: [FaultKind] = []
    private var consecutiveFaults = 0

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        _organization = SimulatedOrganization(
            seed: configuration.seed, today: configuration.today,
            historyDays: configuration.historyDays,
            organizationID: configuration.organizationID,
            organizationName: configuration.organizationName)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    var organization: SimulatedOrganization { locked { _organization } }
    var counters: SimulatorCounters { locked { _counters } }

    func revise(_ days: [Day]) {
        locked {
            for d in days { _organization.revise(d) }
            _counters.revisions += days.count
        }
    }

    func enqueue(_ kinds: [FaultKind]) { locked { scripted += kinds } }

    func advance(to day: Day) { locked { if day > _organization.today { _organization.advance(to: day) } } }

    /// Counts a request; returns its API sequence number for API paths.
    func countRequest(path: String, isAPI: Bool) -> Int {
        locked {
            _counters.requests += 1
            _counters.requestsByPath[path, default: 0] += 1
            guard isAPI else { return -1 }
            _counters.apiRequests += 1
            let n = _counters.apiRequests
            if let auto = configuration.autoRevision, n % auto.everyRequests == 0 {
                for offset in 1...auto.recentDays { _organization.revise(_organization.today.adding(days: -offset)) }
                _counters.revisions += auto.recentDays
            }
            return n
        }
    }

    private var _log: [LoggedRequest] = []

    /// Counts the response and keeps the request in the (bounded) log.
    func record(_ entry: LoggedRequest) {
        locked {
            _counters.responsesByStatus[entry.status, default: 0] += 1
            if _log.count == AdminSimulator.requestLogCapacity { _log.removeFirst(_log.count / 2) }
            _log.append(entry)
        }
    }

    var requestLog: [LoggedRequest] { locked { _log } }

    private var rateLimitedUntil: ContinuousClock.Instant?

    /// After a 429 the organization stays limited for the wait it announced.
    func holdRateLimit(milliseconds: Int) {
        guard configuration.faults.enforceRetryAfter else { return }
        locked { rateLimitedUntil = .now + .milliseconds(milliseconds) }
    }

    /// Milliseconds still to wait when a request arrives inside a rate-limit hold.
    func earlyRetry() -> Int? {
        locked {
            guard let until = rateLimitedUntil else { return nil }
            let left = until - .now
            guard left > .zero else {
                rateLimitedUntil = nil
                return nil
            }
            _counters.earlyRetries += 1
            let (seconds, attoseconds) = left.components
            return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000) + 1
        }
    }

    /// The fault for API request `n`, if any: scripted ones first, then the seeded draw, never
    /// more than `maxConsecutive` random faults in a row. Only a continuation of an analytics
    /// chain (`canExpireCursor`) can get `cursorExpired`; a scripted one waits for such a request.
    func fault(for n: Int, canExpireCursor: Bool = false) -> FaultKind? {
        locked {
            var kind: FaultKind?
            if let i = scripted.firstIndex(where: { $0 != .cursorExpired || canExpireCursor }) {
                kind = scripted.remove(at: i)
            } else if consecutiveFaults < configuration.faults.maxConsecutive, configuration.faults.rate > 0,
                !configuration.faults.kinds.isEmpty
            {
                var rng = SplitMix64(seed: configuration.seed, label: "fault", n)
                let rate = configuration.faults.rate.isNaN ? 0 : min(1, max(0, configuration.faults.rate))
                let threshold = UInt64(rate * 1_000_000)
                if rng.next() % 1_000_000 < threshold {
                    kind = configuration.faults.kinds[Int(rng.next() % UInt64(configuration.faults.kinds.count))]
                    if kind == .cursorExpired && !canExpireCursor { kind = nil }
                }
            }
            if let kind {
                consecutiveFaults += 1
                _counters.faults[kind, default: 0] += 1
            } else {
                consecutiveFaults = 0
            }
            return kind
        }
    }
}
