/// What kind of failure an error is: the one classification every module's public error
/// carries. The CLI turns it into the exit code of docs/REFERENCE.md in one switch (`CLIFailure`); modules never
/// choose exit codes themselves.
public enum FailureClass: String, Sendable, Hashable, CaseIterable {
    /// A flag, date, file or data directory the user gave is wrong; nothing was written (exit 2).
    case badInput
    /// Stored data does not match its hashes or cannot be read as written (exit 1).
    case corruption
    /// The Admin API or an export target failed after retries; what was fetched is kept (exit 3).
    case remoteFailure
    /// The data directory is busy, the disk is full, an I/O error: a later run may not meet it;
    /// what was written before it is kept and consistent (exit 4).
    case localFailure
    /// Something no module classified: a defect to report (exit 4, as nothing says the input
    /// was wrong or that nothing was written).
    case `internal`
}

/// A module's public error: it says what kind of failure it is.
public protocol ClassifiedError: Error, CustomStringConvertible {
    var failureClass: FailureClass { get }
}
