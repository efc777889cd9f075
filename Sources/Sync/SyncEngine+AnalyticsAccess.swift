import AdminAPI
import CoreValues

/// Telling an organization without access to the Usage and Cost Analytics API from a refused
/// window.
///
/// The API answers 400 to organizations with HIPAA readiness enabled (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api), but
/// the message it sends is not documented, and a 400 is also what a request with a bad
/// parameter gets (§6). Matching the message text would break the day Anthropic rewords it, and
/// reading every first-page 400 as "no access" would hide a real problem with our own requests
/// (a rejected range, a grouping the beta no longer takes) behind a warning and exit 0. So the
/// signal is structural: a 400 on the first page of an analytics chain, confirmed by the
/// smallest valid request there is (`ChainRequest.analyticsAccessCheck`: one servable day, no
/// grouping, one row). If that is refused with a 400 too, the organization has no access and
/// both analytics streams are skipped; if it is answered, the window failed on its own and is
/// recorded as failed like any other. The check is made at most once per sync.
enum AnalyticsAccess: Sendable {
    case unknown
    /// The access check was answered, or could not tell (the window's failure then stands).
    case granted
    /// The access check was refused with this error too.
    case refused(AdminAPIError)

    var isRefused: Bool {
        if case .refused = self { return true }
        return false
    }
}

extension SyncEngine {
    /// A first analytics page refused with a 400: the organization may have no access.
    static func mayBeAccessRefusal(_ error: any Error) -> Bool {
        guard let api = error as? AdminAPIError, let stream = api.stream else { return false }
        return stream.isAnalytics && api.status == 400 && api.pageIndex == 0
    }

    /// Whether `error` is the analytics API refusing the organization, checking once per sync.
    func isAccessRefusal(_ error: any Error, access: inout AnalyticsAccess, today: Day) async -> Bool {
        guard SyncEngine.mayBeAccessRefusal(error) else { return false }
        if case .unknown = access {
            access = await checkAnalyticsAccess(today: today)
            if case .refused(let refusal) = access {
                logger.info(
                    "The analytics API refused the organization; analytics streams skipped",
                    metadata: ["http.status": "\(refusal.status ?? 0)"])
            }
        }
        return access.isRefused
    }

    /// Sends the access check for the last servable day. Only a 400 counts as a refusal; an
    /// answer, or any other failure, leaves the first page's 400 to fail its window.
    func checkAnalyticsAccess(today: Day) async -> AnalyticsAccess {
        let servable = SyncPlanner.analyticsServableDays(today: today)
        guard !servable.isEmpty else { return .granted }
        struct Answered: Error {}
        do {
            _ = try await source.fetchChain(
                .analyticsAccessCheck(day: servable.upperBound.adding(days: -1)),
                isolation: nil
            ) { _ in throw Answered() }
            return .granted
        } catch let error as AdminAPIError where error.status == 400 {
            return .refused(error)
        } catch {
            return .granted
        }
    }
}
