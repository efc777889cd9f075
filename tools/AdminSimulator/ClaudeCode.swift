import CoreValues

/// One Claude Code report record (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_claude_code): one actor, one day, local or remote.
public struct ClaudeCodeRecord: Sendable, Hashable {
    public struct ModelUsage: Sendable, Hashable {
        public let model: String
        public let input: Int
        public let output: Int
        public let cacheRead: Int
        public let cacheCreation: Int
        /// Whole cents, as the report sends it (a JSON integer, not a decimal string).
        public let estimatedCostCents: Int
    }

    public let date: Day
    public let actorType: SimulatedOrganization.ClaudeCodeActor.Kind
    /// Email address for `user_actor`, API key name for `api_actor`.
    public let actor: String
    public let organizationID: String
    public let customerType: String
    public let subscriptionType: String?
    public let terminalType: String
    public let isRemote: Bool
    public let numSessions: Int
    public let linesAdded: Int
    public let linesRemoved: Int
    public let commits: Int
    public let pullRequests: Int
    /// Tool name → (accepted, rejected), in the order the record lists them.
    public let toolActions: [(String, Int, Int)]
    public let modelBreakdown: [ModelUsage]

    public static func == (a: ClaudeCodeRecord, b: ClaudeCodeRecord) -> Bool { a.json == b.json }
    public func hash(into h: inout Hasher) { h.combine(json.serialized()) }

    /// The record exactly as the report serves it.
    public var json: JSONValue {
        .object([
            ("date", .string(date.midnightRFC3339)),
            (
                "actor",
                .object(
                    actorType == .user
                        ? [("type", .string("user_actor")), ("email_address", .string(actor))]
                        : [("type", .string("api_actor")), ("api_key_name", .string(actor))])
            ),
            ("organization_id", .string(organizationID)),
            ("customer_type", .string(customerType)),
            ("subscription_type", .optional(subscriptionType)),
            ("terminal_type", .string(terminalType)),
            ("is_remote", .bool(isRemote)),
            (
                "core_metrics",
                .object([
                    ("num_sessions", .int(numSessions)),
                    ("lines_of_code", .object([("added", .int(linesAdded)), ("removed", .int(linesRemoved))])),
                    ("commits_by_claude_code", .int(commits)),
                    ("pull_requests_by_claude_code", .int(pullRequests)),
                ])
            ),
            ("tool_actions", .object(toolActions.map { ($0.0, .object([("accepted", .int($0.1)), ("rejected", .int($0.2))])) })),
            (
                "model_breakdown",
                .array(
                    modelBreakdown.map { m in
                        .object([
                            ("model", .string(m.model)),
                            (
                                "tokens",
                                .object([
                                    ("input", .int(m.input)), ("output", .int(m.output)),
                                    ("cache_read", .int(m.cacheRead)), ("cache_creation", .int(m.cacheCreation)),
                                ])
                            ),
                            ("estimated_cost", .object([("amount", .int(m.estimatedCostCents)), ("currency", .string("USD"))])),
                        ])
                    })
            ),
        ])
    }
}

extension SimulatedOrganization {
    /// The Claude Code records of `day` at the day's current revision, in report order
    /// (actor type, actor, local before remote).
    public func claudeCodeRecords(on day: Day) -> [ClaudeCodeRecord] {
        claudeCodeRecords(on: day, revision: revision(of: day))
    }

    /// The records as they were at `revision`; a pagination chain keeps the revision it started
    /// with, which is how the real report keeps "a consistent data boundary" (https://platform.claude.com/docs/en/manage-claude/usage-cost-api).
    public func claudeCodeRecords(on day: Day, revision: Int) -> [ClaudeCodeRecord] {
        guard hasData(on: day) else { return [] }
        var rng = SplitMix64(seed: seed, label: "claude-code", day.daysSinceEpoch)
        var drafts: [Draft] = []
        for actor in claudeCodeActors {
            guard rng.chance(actor.activePercent) else { continue }
            drafts.append(Draft(actor: actor, remote: false, rng: &rng))
            if rng.chance(actor.remotePercent) { drafts.append(Draft(actor: actor, remote: true, rng: &rng)) }
        }
        // Late arrivals: each revision adds a session to one record (or a new record on an empty day).
        for r in stride(from: 1, through: revision, by: 1) {
            var late = SplitMix64(seed: seed, label: "claude-code-late", day.daysSinceEpoch, r)
            if drafts.isEmpty {
                drafts.append(Draft(actor: claudeCodeActors[0], remote: false, rng: &late))
            } else {
                let i = late.int(0...(drafts.count - 1))
                drafts[i].grow(rng: &late)
            }
        }
        return drafts.map { $0.record(day: day, organizationID: organizationID) }
            .sorted { ($0.actorType.rawValue, $0.actor, $0.isRemote ? 1 : 0) < ($1.actorType.rawValue, $1.actor, $1.isRemote ? 1 : 0) }
    }

    private struct Draft {
        let actor: ClaudeCodeActor
        let remote: Bool
        var sessions: Int
        var added: Int
        var removed: Int
        var commits: Int
        var prs: Int
        var tools: [(String, Int, Int)]
        var models: [(SimulatedModel, Int, Int, Int, Int)]

        init(actor: ClaudeCodeActor, remote: Bool, rng: inout SplitMix64) {
            self.actor = actor
            self.remote = remote
            sessions = rng.int(1...12)
            added = rng.int(0...2_000)
            removed = rng.int(0...added / 2 + 1)
            commits = rng.int(0...8)
            prs = rng.int(0...min(commits, 3))
            tools = [
                ("edit_tool", rng.int(0...60), rng.int(0...6)), ("multi_edit_tool", rng.int(0...20), rng.int(0...3)),
                ("write_tool", rng.int(0...15), rng.int(0...2)),
            ]
            if rng.chance(20) { tools.append(("notebook_edit_tool", rng.int(0...5), rng.int(0...2))) }
            var chosen = [rng.pick([SimulatedModel.sonnet45, .opus46])]
            if rng.chance(50) { chosen.append(.haiku45) }
            models = chosen.map { m in
                (m, rng.int(5_000...400_000), rng.int(1_000...90_000), rng.int(50_000...3_000_000), rng.int(2_000...200_000))
            }
        }

        mutating func grow(rng: inout SplitMix64) {
            sessions += 1
            added += rng.int(10...300)
            commits += rng.int(0...1)
            models[0].1 += rng.int(1_000...50_000)
            models[0].2 += rng.int(500...10_000)
        }

        func record(day: Day, organizationID: String) -> ClaudeCodeRecord {
            ClaudeCodeRecord(
                date: day, actorType: actor.kind, actor: actor.name, organizationID: organizationID,
                customerType: actor.customerType, subscriptionType: actor.subscriptionType,
                terminalType: remote ? "web" : actor.terminalType, isRemote: remote,
                numSessions: sessions, linesAdded: added, linesRemoved: removed, commits: commits, pullRequests: prs,
                toolActions: tools,
                modelBreakdown: models.map { m, input, output, read, creation in
                    // An estimate at list price, rounded to whole cents (the report sends an integer).
                    let cents = [(TokenType.uncachedInput, input), (.output, output), (.cacheRead, read), (.cacheWrite5m, creation)]
                        .reduce(ExactDecimal.zero) { sum, item in
                            let price = PriceTable.centsPerToken(
                                model: m, tokenType: item.0, serviceTier: "standard",
                                contextWindow: "0-200k", inferenceGeo: "not_available")
                            return try! sum.adding(price.multiplied(by: ExactDecimal(item.1)))
                        }
                    return .init(
                        model: m.id, input: input, output: output, cacheRead: read, cacheCreation: creation,
                        estimatedCostCents: Int(cents.rounded(places: 0).units))
                })
        }
    }
}
