import CoreValues

/// The one public error of the reporting module (report, audit, reconcile, explain).
public struct ReportingError: ClassifiedError, Sendable {
    public enum Classification: Sendable, Equatable {
        /// A flag, date or file the user gave is wrong; nothing was written (exit 2).
        case badInput
        /// Stored data cannot be read as expected (exit 1).
        case corruption
    }

    public let classification: Classification
    public let message: String

    init(_ classification: Classification, _ message: String) {
        self.classification = classification
        self.message = message
    }

    static func badInput(_ message: String) -> ReportingError { .init(.badInput, message) }

    public var failureClass: FailureClass {
        switch classification {
        case .badInput: return .badInput
        case .corruption: return .corruption
        }
    }

    public var description: String { message }
}
