import CoreValues
import Foundation
import TableSchemas

extension PageDecoder {
    /// `usage`: the six counts (required) and `requests` (null allowed); `total_tokens` and
    /// unknown fields are not projected.
    func decodeAnalyticsUsage(_ s: inout JSONScanner, row: inout [Cell]) throws {
        // Columns 9…15 of claude_usage_by_actor: uncached, 5m, 1h, cache read, output, web search, requests.
        var counts: [Int64?] = Array(repeating: nil, count: 6)
        var requests: Int64?
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "uncached_input_tokens") {
                counts[0] = try s.readInt()
            } else if s.keyIs(key, "cache_read_input_tokens") {
                counts[3] = try s.readInt()
            } else if s.keyIs(key, "output_tokens") {
                counts[4] = try s.readInt()
            } else if s.keyIs(key, "requests") {
                if s.peek() == UInt8(ascii: "n") { try s.readLiteral("null") } else { requests = try s.readInt() }
            } else if s.keyIs(key, "cache_creation") {
                var inner = try s.beginObject()
                while let k = try s.nextKey(&inner) {
                    if s.keyIs(k, "ephemeral_5m_input_tokens") {
                        counts[1] = try s.readInt()
                    } else if s.keyIs(k, "ephemeral_1h_input_tokens") {
                        counts[2] = try s.readInt()
                    } else {
                        try s.skipValue()
                    }
                }
            } else if s.keyIs(key, "server_tool_use") {
                var inner = try s.beginObject()
                while let k = try s.nextKey(&inner) {
                    if s.keyIs(k, "web_search_requests") { counts[5] = try s.readInt() } else { try s.skipValue() }
                }
            } else {
                try s.skipValue()
            }
        }
        let names = [
            "uncached_input_tokens", "cache_creation.ephemeral_5m_input_tokens",
            "cache_creation.ephemeral_1h_input_tokens", "cache_read_input_tokens", "output_tokens",
            "server_tool_use.web_search_requests",
        ]
        for (i, count) in counts.enumerated() {
            guard let count else { throw RowFailure(message: "analytics usage without \(names[i])") }
            row[9 + i] = .int(count)
        }
        row[15] = requests.map { .int($0) } ?? .null
    }
}

/// The fields of a usage row's `actor` object that SPEC's columns need, kept as references into
/// the page until the actor's type is known (keys may come in any order).
struct ActorFields {
    var type: JSONScanner.Key?
    var userID: JSONScanner.Key?
    var email: JSONScanner.Key?
    var name: JSONScanner.Key?
    var serviceAccountID: JSONScanner.Key?
    var apiKeyID: JSONScanner.Key?
    var subject: JSONScanner.Key?
    var providerType: JSONScanner.Key?
    /// The provider's id: aws `account_id`, azure `subscription_id`, gcp `project_number`, oidc `issuer`.
    var providerIDs: [String: [UInt8]] = [:]

    static let providerIDField = ["aws": "account_id", "azure": "subscription_id", "gcp": "project_number", "oidc": "issuer"]

    /// Reads `actor` (an object or null).
    static func read(_ s: inout JSONScanner) throws -> ActorFields {
        var actor = ActorFields()
        if s.peek() == UInt8(ascii: "n") {
            try s.readLiteral("null")
            return actor
        }
        var state = try s.beginObject()
        while let key = try s.nextKey(&state) {
            if s.keyIs(key, "type") {
                actor.type = try s.readStringOrNull()
            } else if s.keyIs(key, "user_id") {
                actor.userID = try s.readStringOrNull()
            } else if s.keyIs(key, "email_address") {
                actor.email = try s.readStringOrNull()
            } else if s.keyIs(key, "name") {
                actor.name = try s.readStringOrNull()
            } else if s.keyIs(key, "service_account_id") {
                actor.serviceAccountID = try s.readStringOrNull()
            } else if s.keyIs(key, "api_key_id") {
                actor.apiKeyID = try s.readStringOrNull()
            } else if s.keyIs(key, "subject") {
                actor.subject = try s.readStringOrNull()
            } else if s.keyIs(key, "provider"), s.peek() == UInt8(ascii: "{") {
                var provider = try s.beginObject()
                while let k = try s.nextKey(&provider) {
                    if s.keyIs(k, "type") {
                        actor.providerType = try s.readStringOrNull()
                    } else if s.peek() == UInt8(ascii: "\"") {
                        let name = String(decoding: try s.unescaped(k), as: UTF8.self)
                        actor.providerIDs[name] = try s.unescaped(try s.readString())
                    } else if s.peek() == UInt8(ascii: "-") || (s.peek() >= 0x30 && s.peek() <= 0x39) {
                        let name = String(decoding: try s.unescaped(k), as: UTF8.self)
                        actor.providerIDs[name] = Array(String(try s.readInt()).utf8)
                    } else {
                        try s.skipValue()
                    }
                }
            } else {
                try s.skipValue()
            }
        }
        return actor
    }

    /// SPEC's `actor_id`: `user_id`, `service_account_id` or `api_key_id` by type; a federated
    /// actor's `subject`, or without one `<provider type>:<the provider's id field>`. NULL for an
    /// unknown type or a missing id.
    func idCell(type: String, _ s: JSONScanner, _ page: inout DecodedPage, decoder: PageDecoder) throws -> Cell {
        switch type {
        case "user_actor": return try decoder.textCell(s, userID, &page)
        case "service_account_actor": return try decoder.textCell(s, serviceAccountID, &page)
        case "api_actor": return try decoder.textCell(s, apiKeyID, &page)
        case "federated_actor":
            if let subject { return try decoder.textCell(s, subject, &page) }
            guard let providerType else { return .null }
            let kind = String(decoding: try s.unescaped(providerType), as: UTF8.self)
            guard let field = ActorFields.providerIDField[kind], let id = providerIDs[field] else { return .null }
            return page.arenaCell(Array("\(kind):".utf8) + id)
        default:
            return .null
        }
    }
}
