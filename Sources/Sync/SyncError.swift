import AdminAPI

/// Why a sync refused to start. Nothing is written to the ledger in either case.
public enum SyncError: Error, CustomStringConvertible, Sendable {
    /// The admin key belongs to another organization than the one the data directory holds.
    case otherOrganization(keyOrganization: String, ledgerOrganization: String, directory: String)
    /// `GET /v1/organizations/me` did not answer with an organization: the data directory's
    /// binding cannot be checked, so nothing is fetched.
    case organizationUnknown(String)

    public enum Classification: Sendable { case badInput, remoteFailure }

    public var classification: Classification {
        switch self {
        case .otherOrganization: return .badInput
        case .organizationUnknown: return .remoteFailure
        }
    }

    public var description: String {
        switch self {
        case let .otherOrganization(key, ledger, directory):
            return "the admin key belongs to organization \(key), but \(directory) holds the ledger of organization \(ledger): "
                + "use a separate --data-dir for each organization (nothing was written)"
        case let .organizationUnknown(detail):
            return "could not read the key's organization (GET /v1/organizations/me): \(detail); nothing was fetched"
        }
    }
}
