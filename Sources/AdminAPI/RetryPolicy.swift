import CoreValues
import Foundation

/// What one attempt at a page request came to, as far as retrying is concerned.
public enum AttemptOutcome: Sendable, Hashable {
    /// An HTTP response. `validPage` says whether a 2xx body parsed as a page (`PageEnvelope`).
    case response(status: Int, hints: RetryHints, validPage: Bool)
    /// No complete response within the time allowed (connect, head or read timeout).
    case timedOut
    /// The connection was refused, reset or closed before the response was complete.
    case connectionFailed
    /// A transport failure that another attempt cannot fix (bad URL, client shut down).
    case unrecoverableTransport
}

/// What to do after an attempt.
public enum RetryDecision: Sendable, Hashable {
    /// A 2xx page: hand it on.
    case accept
    /// Try again after waiting this long.
    case retry(after: Duration)
    /// Stop: the request failed.
    case giveUp(GiveUpReason)
}

/// Why a request stops without a page.
public enum GiveUpReason: String, Sendable, Hashable {
    /// The failure is not one that retrying fixes (400, 401, 403, 404, `x-should-retry: false`, …).
    case notRetryable
    /// `maxAttempts` attempts were made.
    case attemptsExhausted
    /// The next wait would take the request past `maxRequestDuration`.
    case requestTimeExhausted
}

/// The retry-relevant response headers, read verbatim; interpretation happens in `RetryPolicy`.
public struct RetryHints: Sendable, Hashable {
    /// `x-should-retry`: `true` or `false` when the server says so, nil otherwise.
    public var shouldRetry: Bool?
    /// `retry-after-ms`, raw.
    public var retryAfterMilliseconds: String?
    /// `retry-after`, raw (seconds, possibly fractional, or an HTTP date).
    public var retryAfter: String?

    public init(shouldRetry: Bool? = nil, retryAfterMilliseconds: String? = nil, retryAfter: String? = nil) {
        self.shouldRetry = shouldRetry
        self.retryAfterMilliseconds = retryAfterMilliseconds
        self.retryAfter = retryAfter
    }

    /// Reads the hints from response headers (names compared case-insensitively).
    public init(headers: some Sequence<(name: String, value: String)>) {
        self.init()
        for (name, value) in headers {
            let trimmed = value.trimmingASCIIWhitespace()
            switch name.lowercased() {
            case "x-should-retry":
                switch trimmed.lowercased() {
                case "true": shouldRetry = true
                case "false": shouldRetry = false
                default: break
                }
            case "retry-after-ms": retryAfterMilliseconds = trimmed
            case "retry-after": retryAfter = trimmed
            default: break
            }
        }
    }

    /// The wait the server asked for, if any: `retry-after-ms` first, then `retry-after` as
    /// seconds, then `retry-after` as an HTTP date relative to `now`. Negative, non-finite or
    /// unparseable values count as no request.
    public func serverDelay(now: Date) -> Duration? {
        if let ms = retryAfterMilliseconds.flatMap(Double.init), ms.isFinite, ms >= 0 {
            return .milliseconds(ms)
        }
        guard let retryAfter else { return nil }
        if let seconds = Double(retryAfter) {
            return seconds.isFinite && seconds >= 0 ? .seconds(seconds) : nil
        }
        if let date = HTTPDate.parse(retryAfter) {
            let seconds = date.timeIntervalSince(now)
            return seconds >= 0 ? .seconds(seconds) : .zero
        }
        return nil
    }
}

/// The retry rules for a single page request, as a pure function of what happened.
///
/// Modelled on the official SDK (reference §1.4): retry 408, 409, 429 and every 5xx (so 529 too),
/// timeouts and dropped connections; obey `x-should-retry`; wait what `retry-after-ms` or
/// `retry-after` asks when that is more than 0 and at most `maxServerDelay`, else back off
/// exponentially, `min(initialBackoff · 2ⁿ, maxBackoff)` shortened by up to a quarter at random.
/// Added here: a 2xx whose body is not a page (truncated or not JSON) is retried, since the
/// ledger must only ever hold complete pages; and attempts and time per request are bounded.
/// Across requests, `RetryBudget` bounds how long a sync keeps trying against an API that stays down.
///
/// Error statuses: https://docs.claude.com/en/api/errors (529 is `overloaded_error`); 429 and
/// `retry-after`: https://platform.claude.com/docs/en/api/rate-limits.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// Time per request from the first attempt's start, waits included. A retry whose wait would
    /// end past this is not made.
    public var maxRequestDuration: Duration
    /// The first backoff (n = 0).
    public var initialBackoff: Duration
    /// The cap on exponential backoff.
    public var maxBackoff: Duration
    /// Server-requested waits above this are ignored in favour of backoff (the SDK uses 60 s).
    public var maxServerDelay: Duration

    public init(
        maxAttempts: Int = 8,
        maxRequestDuration: Duration = .seconds(90),
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(8),
        maxServerDelay: Duration = .seconds(60)
    ) {
        precondition(maxAttempts >= 1)
        self.maxAttempts = maxAttempts
        self.maxRequestDuration = maxRequestDuration
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxServerDelay = maxServerDelay
    }

    public static let `default` = RetryPolicy()

    /// Whether a status is retried when the server gives no `x-should-retry`.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status >= 500
    }

    /// Decides what follows an attempt.
    ///
    /// - Parameters:
    ///   - outcome: what the attempt came to.
    ///   - attempt: attempts made so far, this one included (1 after the first).
    ///   - elapsed: time since the first attempt started.
    ///   - jitter: a sample in `[0, 1)` from the injected random source.
    ///   - now: wall-clock time, only to read `retry-after` HTTP dates.
    public func decide(
        _ outcome: AttemptOutcome, attempt: Int, elapsed: Duration, jitter: Double, now: Date
    ) -> RetryDecision {
        let retryable: Bool
        var serverDelay: Duration?
        switch outcome {
        case .response(let status, let hints, let validPage):
            if (200..<300).contains(status) && validPage { return .accept }
            if let shouldRetry = hints.shouldRetry {
                retryable = shouldRetry
            } else {
                retryable = (200..<300).contains(status) || RetryPolicy.isRetryable(status: status)
            }
            serverDelay = hints.serverDelay(now: now)
        case .timedOut, .connectionFailed:
            retryable = true
        case .unrecoverableTransport:
            retryable = false
        }
        guard retryable else { return .giveUp(.notRetryable) }
        guard attempt < maxAttempts else { return .giveUp(.attemptsExhausted) }

        let delay: Duration
        if let serverDelay, serverDelay > .zero, serverDelay <= maxServerDelay {
            delay = serverDelay
        } else {
            delay = backoff(retry: attempt - 1, jitter: jitter)
        }
        guard elapsed + delay <= maxRequestDuration else { return .giveUp(.requestTimeExhausted) }
        return .retry(after: delay)
    }

    /// The backoff before retry number `n` (0 for the first retry): `min(initial · 2ⁿ, max)`
    /// scaled by `1 − 0.25 · jitter`, so between three quarters of it and all of it.
    public func backoff(retry n: Int, jitter: Double) -> Duration {
        let exponent = Double(min(max(n, 0), 62))
        let base = min(seconds(initialBackoff) * pow(2, exponent), seconds(maxBackoff))
        let clamped = min(max(jitter, 0), 1)
        return .seconds(base * (1 - 0.25 * clamped))
    }

    private func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// The random source for backoff jitter: a function returning samples in `[0, 1)`.
/// Injected so tests can fix it.
public struct Jitter: Sendable {
    public let sample: @Sendable () -> Double

    public init(_ sample: @escaping @Sendable () -> Double) {
        self.sample = sample
    }

    public static let random = Jitter { Double.random(in: 0..<1) }

    public static func constant(_ value: Double) -> Jitter { Jitter { value } }
}

/// Parses the IMF-fixdate form of an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC
/// 9110 §5.6.7 requires senders to use. Obsolete forms yield nil (then backoff applies).
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int(parts[1]), parts[1].count == 2,
            let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3]), parts[3].count == 4
        else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3, let h = Int(time[0]), let m = Int(time[1]), let s = Int(time[2]),
            (0..<24).contains(h), (0..<60).contains(m), (0...60).contains(s),
            let days = Day(year: year, month: monthIndex + 1, day: day)?.daysSinceEpoch
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + m * 60 + s))
    }
}
