import CoreValues
import Foundation
import GRDB

/// Hand-written `projections.sqlite` files with exactly the columns of docs/TABLES.md, so the
/// export is tested without the projections module.
struct CostRow: Sendable, Hashable {
    var date: String
    var workspaceID: String?
    var description: String?
    var costType: String? = "tokens"
    var model: String? = "claude-sonnet-4-5"
    var tokenType: String? = "uncached_input_tokens"
    var serviceTier: String? = "standard"
    var contextWindow: String? = "0-200k"
    var inferenceGeo: String? = nil
    var currency: String = "USD"
    var amountCents: String
    var eventID: String
    var organizationID: String? = "org_1"

    /// `amount_cents / 100`, exact, as the projection stores it.
    var amountUSD: String {
        (try! ExactDecimal(parsing: amountCents).dividedByPowerOfTen(2)).description
    }
}

struct UsageRow: Sendable, Hashable {
    var date: String
    var apiKeyID: String?
    var workspaceID: String?
    var model: String?
    var serviceTier: String? = "standard"
    var contextWindow: String? = "0-200k"
    var inferenceGeo: String? = "global"
    var uncached: Int64
    var cache5m: Int64 = 0
    var cache1h: Int64 = 0
    var cacheRead: Int64 = 0
    var output: Int64
    var webSearch: Int64 = 0
    var eventID: String
    var organizationID: String? = "org_1"
}

struct CodeRow: Sendable, Hashable {
    var date: String
    var actorType: String? = "user_actor"
    var actor: String?
    var organizationID: String? = "org_1"
    var customerType: String? = "api"
    var subscriptionType: String? = nil
    var terminalType: String? = "vscode"
    var isRemote: Int64?
    var sessions: Int64
    var linesAdded: Int64
    var linesRemoved: Int64
    var commits: Int64 = 0
    var pullRequests: Int64 = 0
    var tools: [Int64] = [0, 0, 0, 0, 0, 0, 0, 0]
    var inputTokens: Int64
    var outputTokens: Int64
    var cacheReadTokens: Int64 = 0
    var cacheCreationTokens: Int64 = 0
    var eventID: String
}

struct ProjectionsFixture {
    var costs: [CostRow] = []
    var usage: [UsageRow] = []
    var code: [CodeRow] = []

    static let createSQL = """
        CREATE TABLE claude_costs (
            date TEXT NOT NULL, workspace_id TEXT, description TEXT, cost_type TEXT, model TEXT,
            token_type TEXT, service_tier TEXT, context_window TEXT, inference_geo TEXT,
            currency TEXT NOT NULL, amount_cents TEXT NOT NULL, amount_usd TEXT NOT NULL, event_id TEXT NOT NULL,
            organization_id TEXT);
        CREATE TABLE claude_usage_keys (
            date TEXT NOT NULL, api_key_id TEXT, workspace_id TEXT, model TEXT, service_tier TEXT,
            context_window TEXT, inference_geo TEXT, uncached_input_tokens INTEGER NOT NULL,
            cache_creation_5m_input_tokens INTEGER NOT NULL, cache_creation_1h_input_tokens INTEGER NOT NULL,
            cache_read_input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
            web_search_requests INTEGER NOT NULL, event_id TEXT NOT NULL, organization_id TEXT);
        CREATE TABLE claude_code_productivity (
            date TEXT NOT NULL, actor_type TEXT, actor TEXT, organization_id TEXT, customer_type TEXT,
            subscription_type TEXT, terminal_type TEXT, is_remote INTEGER,
            num_sessions INTEGER NOT NULL, lines_added INTEGER NOT NULL, lines_removed INTEGER NOT NULL,
            commits INTEGER NOT NULL, pull_requests INTEGER NOT NULL,
            edit_accepted INTEGER NOT NULL, edit_rejected INTEGER NOT NULL,
            multi_edit_accepted INTEGER NOT NULL, multi_edit_rejected INTEGER NOT NULL,
            write_accepted INTEGER NOT NULL, write_rejected INTEGER NOT NULL,
            notebook_edit_accepted INTEGER NOT NULL, notebook_edit_rejected INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL, cache_creation_tokens INTEGER NOT NULL, event_id TEXT NOT NULL);
        CREATE TABLE claude_costs_by_key (date TEXT NOT NULL, workspace_id TEXT, api_key_id TEXT, model TEXT,
            service_tier TEXT, context_window TEXT, cost_type TEXT, token_type TEXT, currency TEXT NOT NULL,
            amount_cents TEXT NOT NULL, list_amount_cents TEXT NOT NULL, amount_usd TEXT NOT NULL,
            list_amount_usd TEXT NOT NULL, provisional INTEGER NOT NULL, event_id TEXT NOT NULL, organization_id TEXT);
        CREATE TABLE claude_usage_by_actor (date TEXT NOT NULL, workspace_id TEXT, api_key_id TEXT, model TEXT,
            product TEXT, actor_type TEXT, actor_id TEXT, actor_email TEXT, actor_name TEXT,
            uncached_input_tokens INTEGER NOT NULL, cache_creation_5m_input_tokens INTEGER NOT NULL,
            cache_creation_1h_input_tokens INTEGER NOT NULL, cache_read_input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL, web_search_requests INTEGER NOT NULL, requests INTEGER,
            provisional INTEGER NOT NULL, event_id TEXT NOT NULL, organization_id TEXT);
        """

    /// Writes the file, inserting rows in the order given (tests reverse it to check ordering).
    func write(to path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: Self.createSQL)
            for r in costs {
                try db.execute(
                    sql: "INSERT INTO claude_costs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    arguments: [
                        r.date, r.workspaceID, r.description, r.costType, r.model, r.tokenType, r.serviceTier,
                        r.contextWindow, r.inferenceGeo, r.currency, r.amountCents, r.amountUSD, r.eventID, r.organizationID,
                    ])
            }
            for r in usage {
                try db.execute(
                    sql: "INSERT INTO claude_usage_keys VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    arguments: [
                        r.date, r.apiKeyID, r.workspaceID, r.model, r.serviceTier, r.contextWindow, r.inferenceGeo,
                        r.uncached, r.cache5m, r.cache1h, r.cacheRead, r.output, r.webSearch, r.eventID, r.organizationID,
                    ])
            }
            for r in code {
                var values: [(any DatabaseValueConvertible)?] = [
                    r.date, r.actorType, r.actor, r.organizationID, r.customerType, r.subscriptionType,
                    r.terminalType, r.isRemote, r.sessions, r.linesAdded, r.linesRemoved, r.commits, r.pullRequests,
                ]
                values += r.tools.map { $0 }
                values += [r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheCreationTokens, r.eventID]
                try db.execute(
                    sql: "INSERT INTO claude_code_productivity VALUES (\(Array(repeating: "?", count: 26).joined(separator: ",")))",
                    arguments: StatementArguments(values))
            }
        }
    }

    func reversed() -> ProjectionsFixture {
        ProjectionsFixture(costs: costs.reversed(), usage: usage.reversed(), code: code.reversed())
    }

    /// A small organization over three days, with the awkward values an export must carry:
    /// NULL workspace, fractional cents, text needing JSON and CSV escaping, non-ASCII, NULL is_remote.
    static let sample = ProjectionsFixture(
        costs: [
            CostRow(
                date: "2026-01-02", workspaceID: nil, description: "Claude Sonnet 4.5 Usage - Input Tokens",
                amountCents: "123.78912", eventID: "ev_0002"),
            CostRow(
                date: "2026-01-01", workspaceID: "wrkspc_a", description: "Claude Sonnet 4.5 Usage - Output Tokens",
                tokenType: "output_tokens", amountCents: "4500", eventID: "ev_0001"),
            CostRow(
                date: "2026-01-01", workspaceID: "wrkspc_a", description: "Web search, \"beta\"",
                costType: "web_search", model: nil, tokenType: nil, serviceTier: nil, contextWindow: nil,
                amountCents: "0.001", eventID: "ev_0001"),
            CostRow(
                date: "2026-01-03", workspaceID: "wrkspc_b", description: "Résumé\ntokens",
                amountCents: "99999.99999", eventID: "ev_0003"),
            CostRow(
                date: "2026-01-02", workspaceID: "wrkspc_b", description: "Claude Sonnet 4.5 Usage - Input Tokens",
                inferenceGeo: "us", amountCents: "0.5", eventID: "ev_0002"),
        ],
        usage: [
            UsageRow(
                date: "2026-01-01", apiKeyID: "apikey_1", workspaceID: "wrkspc_a", model: "claude-sonnet-4-5",
                uncached: 1200, cache5m: 10, cacheRead: 300, output: 450, eventID: "ev_0101"),
            UsageRow(
                date: "2026-01-01", apiKeyID: nil, workspaceID: nil, model: "claude-haiku-4-5",
                uncached: 5, output: 7, webSearch: 2, eventID: "ev_0101"),
            UsageRow(
                date: "2026-01-02", apiKeyID: "apikey_2", workspaceID: "wrkspc_b", model: "claude-opus-4-1",
                uncached: 9_000_000_000, cache1h: 42, output: 1, eventID: "ev_0102"),
        ],
        code: [
            CodeRow(
                date: "2026-01-01", actor: "ana@example.com", isRemote: 0, sessions: 3, linesAdded: 120,
                linesRemoved: 30, commits: 2, pullRequests: 1, tools: [5, 1, 2, 0, 3, 0, 0, 0],
                inputTokens: 1000, outputTokens: 2000, eventID: "ev_0201"),
            CodeRow(
                date: "2026-01-01", actorType: "api_actor", actor: "ci-key", terminalType: nil, isRemote: nil,
                sessions: 1, linesAdded: 0, linesRemoved: 0, inputTokens: 10, outputTokens: 20, eventID: "ev_0201"),
            CodeRow(
                date: "2026-01-03", actor: "bo@example.com", subscriptionType: "enterprise", isRemote: 1,
                sessions: 2, linesAdded: 5, linesRemoved: 1, inputTokens: 7, outputTokens: 8,
                cacheReadTokens: 100, cacheCreationTokens: 50, eventID: "ev_0203"),
        ])
}

/// The directory of checked-in expected outputs.
let fixturesDirectory: String = {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    return here.appendingPathComponent("Fixtures").path
}()
