/// The organization an admin key belongs to, as `GET /v1/organizations/me` names it. Its `id`
/// is the `organization_id` of every projected row, the FOCUS `BillingAccountId` and the
/// organization a BigQuery export replaces; `AdminAPI` reads it from the endpoint's body
/// (`Organization.parse`).
public struct Organization: Hashable, Sendable {
    public var id: String
    /// The display name; nil when the API gave none.
    public var name: String?

    public init(id: String, name: String?) {
        self.id = id
        self.name = name
    }
}
