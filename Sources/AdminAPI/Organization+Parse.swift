import CoreValues
import Foundation

extension Organization {
    /// Reads the body of `GET /v1/organizations/me` (`{"id": "...", "name": "...", "type":
    /// "organization"}`): nil unless it is a JSON object with a non-empty string `id`. The name is
    /// read leniently (nil when absent or not a string), since only the `id` joins anything.
    public static func parse(_ body: Data) -> Organization? {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: body), !wire.id.isEmpty else { return nil }
        return Organization(id: wire.id, name: wire.name)
    }

    private struct Wire: Decodable {
        let id: String
        let name: String?

        enum CodingKeys: String, CodingKey { case id, name }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            name = try? container.decodeIfPresent(String.self, forKey: .name)
        }
    }
}
