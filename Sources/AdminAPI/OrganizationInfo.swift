import Foundation

/// The organization the admin key belongs to, from `GET /v1/organizations/me`
/// (`{"id": "...", "name": "...", "type": "organization"}`). Its `id` is the `organization_id`
/// of every row projected from the ledger.
public struct OrganizationInfo: Hashable, Sendable {
    public let id: String
    /// The display name; nil when absent or not a string.
    public let name: String?
    /// `type`, `"organization"` today; nil when absent or not a string.
    public let type: String?

    public init(id: String, name: String?, type: String?) {
        self.id = id
        self.name = name
        self.type = type
    }

    /// Reads the endpoint's body: nil unless it is a JSON object with a non-empty string `id`.
    /// Other fields are read leniently, since only the `id` joins anything.
    public static func parse(_ body: Data) -> OrganizationInfo? {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: body), !wire.id.isEmpty else { return nil }
        return OrganizationInfo(id: wire.id, name: wire.name, type: wire.type)
    }

    private struct Wire: Decodable {
        let id: String
        let name: String?
        let type: String?

        enum CodingKeys: String, CodingKey { case id, name, type }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            name = try? container.decodeIfPresent(String.self, forKey: .name)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
        }
    }
}
