/// Bounded retries with exponential backoff for the export's Google requests (BigQuery and the
/// OAuth token endpoint) that are safe to repeat. Not the Admin API's `RetryPolicy`, which follows
/// the Anthropic SDK's rules.
///
/// Retries network failures, 429, 500, 502, 503 and 504. Pure: `delay(afterAttempt:)` says how
/// long to wait, and `isRetryable` whether to; the caller sleeps.
public struct BigQueryRetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 4, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    public static let `default` = BigQueryRetryPolicy()

    static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// Retryable statuses, plus BigQuery's 403 `rateLimitExceeded` (its answer to too many
    /// requests per second, https://cloud.google.com/bigquery/docs/error-messages).
    static func isRetryable(_ response: HTTPResponseSpec) -> Bool {
        if isRetryable(status: response.status) { return true }
        return response.status == 403 && BigQueryErrorBody.reason(response) == "rateLimitExceeded"
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1).
    func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) { delay = delay * 2 }
        return min(delay, maxDelay)
    }
}
