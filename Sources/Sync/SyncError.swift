import AdminAPI
import CoreValues

/// The one public error of the sync module: why a sync refused to start or could not take the
/// data directory. Nothing is written to the ledger in any case.
public enum SyncError: ClassifiedError, Equatable, Sendable {
    /// The admin key belongs to another organization than the one the data directory holds.
    case otherOrganization(keyOrganization: String, ledgerOrganization: String, directory: String)
    /// `GET /v1/organizations/me` did not answer with an organization: the data directory's
    /// binding cannot be checked, so nothing is fetched.
    case organizationUnknown(String)
    /// Another sync or rebuild held the data directory's lock for the whole wait.
    case busy(directory: String, waited: Int)
    /// Nothing in the ledger to resume from and no `--since`: the planner cannot pick the days.
    case needsSince

    public var failureClass: FailureClass {
        switch self {
        case .otherOrganization: return .badInput
        case .organizationUnknown: return .remoteFailure
        case .busy: return .localFailure
        case .needsSince: return .badInput
        }
    }

    public var description: String {
        switch self {
        case let .otherOrganization(key, ledger, directory):
            return "the admin key belongs to organization \(key), but \(directory) holds the ledger of organization \(ledger): "
                + "use a separate --data-dir for each organization (nothing was written)"
        case let .organizationUnknown(detail):
            return "could not read the key's organization (GET /v1/organizations/me): \(detail); nothing was fetched"
        case let .busy(directory, waited):
            return
                "another sync or rebuild is using \(directory) (waited \(waited) s): try again when it has finished (one writer at a time per data directory)"
        case .needsSince:
            return "nothing to resume from: pass --since YYYY-MM-DD"
        }
    }
}
