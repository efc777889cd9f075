/// How long the Admin API has been continuously unavailable, against a limit: the pure core of
/// `RetryBudget`.
///
/// Any failure that retrying might fix (429, 5xx, timeout, dropped connection, malformed page)
/// starts the clock at the start of the failed attempt; any response that shows the API is
/// serving (a page, or a 4xx that is not retried) stops it. Once the API has been unavailable for
/// `limit`, no more retries are made, so a sync against a dead API ends in bounded time instead
/// of working through every remaining window (docs/REFERENCE.md: give up within about two minutes, exit 3).
public struct Unavailability: Sendable, Hashable {
    public let limit: Duration
    /// The start of the first failed attempt since the last sign of life, or nil when healthy.
    public private(set) var since: ContinuousClock.Instant?
    /// Set once a retry has been refused: from then on every request gives up at once, until a
    /// sign of life. Without it, each remaining window would still make one doomed attempt.
    public private(set) var spent = false

    public init(limit: Duration) {
        self.limit = limit
    }

    public mutating func recordAvailable() {
        since = nil
        spent = false
    }

    public mutating func recordUnavailable(attemptStartedAt start: ContinuousClock.Instant) {
        if let since, since <= start { return }
        since = start
    }

    /// Marks the budget spent: every request gives up at once until a sign of life.
    public mutating func markSpent() {
        spent = true
    }

    /// Time left before the limit, or nil while the API is healthy. Zero or negative once spent.
    public func remaining(at now: ContinuousClock.Instant) -> Duration? {
        since.map { limit - $0.duration(to: now) }
    }

    /// Whether the limit has been reached or a retry has been refused.
    public func isExhausted(at now: ContinuousClock.Instant) -> Bool {
        spent || (remaining(at: now) ?? limit) <= .zero
    }

    /// Whether a retry after `delay` would still start inside the limit. A refusal marks the
    /// budget spent.
    public mutating func permitRetry(after delay: Duration, at now: ContinuousClock.Instant) -> Bool {
        guard !spent else { return false }
        guard let remaining = remaining(at: now) else { return true }
        if delay < remaining { return true }
        spent = true
        return false
    }
}

/// The give-up budget shared by every request of one sync (and every concurrent fetch in it).
///
/// Create one per sync and pass it to the `AdminClient`. When it is spent the client fails fast
/// with an `AdminAPIError` whose `abortsSync` is true, and the orchestrator stops.
public actor RetryBudget {
    public static let defaultLimit: Duration = .seconds(100)

    private var state: Unavailability
    private let clock = ContinuousClock()

    public init(limit: Duration = RetryBudget.defaultLimit) {
        self.state = Unavailability(limit: limit)
    }

    public var limit: Duration { state.limit }

    public func recordAvailable() {
        state.recordAvailable()
    }

    public func recordUnavailable(attemptStartedAt start: ContinuousClock.Instant) {
        state.recordUnavailable(attemptStartedAt: start)
    }

    public func markSpent() {
        state.markSpent()
    }

    public func remaining() -> Duration? {
        state.remaining(at: clock.now)
    }

    public var isExhausted: Bool {
        state.isExhausted(at: clock.now)
    }

    /// Whether a retry after `delay` may be made; a refusal marks the budget spent.
    public func permitRetry(after delay: Duration) -> Bool {
        state.permitRetry(after: delay, at: clock.now)
    }
}
