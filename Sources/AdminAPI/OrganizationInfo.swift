import Foundation

/// The organization an admin key belongs to, from `GET /v1/organizations/me`
/// (`{"id": "...", "name": "...", "type": "organization"}`).
public struct OrganizationInfo: Hashable, Sendable {
    public var id: String
    public var name: String?
    public var type: String?

    public init(id: String, name: String? = nil, type: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
    }

    /// Parses the body, or nil when it is not a JSON object with a non-empty string `id`.
    public static func parse(_ body: Data) -> OrganizationInfo? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let id = object["id"] as? String, !id.isEmpty else { return nil }
        return OrganizationInfo(id: id, name: object["name"] as? String, type: object["type"] as? String)
    }
}
