import CoreValues

/// An identity the analytics API attributes usage to (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api, `actor` union).
public struct AnalyticsActor: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case user = "user_actor", serviceAccount = "service_account_actor", federated = "federated_actor", apiKey = "api_actor"
    }

    public let kind: Kind
    /// The documented `actor_id`: the user, service account or API key id; for a federated identity its
    /// `subject`, or without one `<provider type>:<the provider's id field>`.
    public let id: String
    /// For a user actor.
    public let email: String?
    public let name: String?
    public let deleted: Bool
    /// The `actor` object exactly as the API sends it.
    public let json: JSONValue

    public static func == (a: AnalyticsActor, b: AnalyticsActor) -> Bool { a.kind == b.kind && a.id == b.id && a.json == b.json }
    public func hash(into h: inout Hasher) {
        h.combine(kind)
        h.combine(id)
    }

    static func user(id: String, email: String?, name: String?, deleted: Bool = false) -> AnalyticsActor {
        AnalyticsActor(
            kind: .user, id: id, email: email, name: name, deleted: deleted,
            json: .object([
                ("type", .string("user_actor")), ("user_id", .string(id)), ("email_address", .optional(email)),
                ("name", .optional(name)), ("deleted", .bool(deleted)),
            ]))
    }

    static func serviceAccount(id: String) -> AnalyticsActor {
        AnalyticsActor(
            kind: .serviceAccount, id: id, email: nil, name: nil, deleted: false,
            json: .object([("type", .string("service_account_actor")), ("service_account_id", .string(id))]))
    }

    static func apiKey(id: String) -> AnalyticsActor {
        AnalyticsActor(
            kind: .apiKey, id: id, email: nil, name: nil, deleted: false,
            json: .object([("type", .string("api_actor")), ("api_key_id", .string(id))]))
    }

    /// `provider` is the provider object's fields after `type`; `idField` names the one that
    /// identifies the principal when there is no subject.
    static func federated(subject: String?, providerType: String, provider: [(String, String)], idField: String) -> AnalyticsActor {
        let idValue = provider.first { $0.0 == idField }!.1
        return AnalyticsActor(
            kind: .federated, id: subject ?? "\(providerType):\(idValue)", email: nil, name: nil, deleted: false,
            json: .object([
                ("type", .string("federated_actor")), ("subject", .optional(subject)),
                ("provider", .object([("type", .string(providerType))] + provider.map { ($0.0, .string($0.1)) })),
            ]))
    }
}

/// The organization's identities other than API keys, derived from the seed on their own stream
/// so that adding them left every older id of the organization unchanged.
public struct AnalyticsActors: Sendable, Hashable {
    /// Members; the last one was deleted (`"Deleted User"`, no email).
    public let users: [AnalyticsActor]
    public let serviceAccounts: [AnalyticsActor]
    /// One with a subject (AWS), one without (GCP).
    public let federated: [AnalyticsActor]

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed, label: "analytics-actors")
        let people = [
            ("alice@example.com", "Alice Moreau"), ("bob@example.com", "Bob Okafor"), ("carol@example.com", "Carol Lindqvist"),
            ("dan@example.com", "Dan Whitfield"), ("erin@example.com", "Erin Castillo"),
        ]
        users =
            people.map { AnalyticsActor.user(id: Base62.id("user_", &rng), email: $0.0, name: $0.1) }
            + [AnalyticsActor.user(id: Base62.id("user_", &rng), email: nil, name: "Deleted User", deleted: true)]
        serviceAccounts = [
            AnalyticsActor.serviceAccount(id: Base62.id("svac_", &rng)),
            AnalyticsActor.serviceAccount(id: Base62.id("svac_", &rng)),
        ]
        let account = String(100_000_000_000 + Int(rng.next() % 899_999_999_999))
        federated = [
            .federated(
                subject: "system:serviceaccount:etl:runner", providerType: "aws",
                provider: [("account_id", account), ("signed_principal", "arn:aws:iam::\(account):role/etl-runner")],
                idField: "account_id"),
            .federated(
                subject: nil, providerType: "gcp", provider: [("project_number", String(rng.int(100_000_000_000...999_999_999_999)))],
                idField: "project_number"),
        ]
    }
}

/// The dimensions one analytics line carries; any other `group_by[]` value is null for all of
/// this organization's usage (no Managed Agents, Slack, RBAC groups or child organizations).
struct AnalyticsDimensions: Sendable, Hashable {
    /// Tagged, including the default workspace's id (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api `workspace_id`).
    let workspaceID: String
    let apiKeyID: String?
    let model: String?
    let serviceTier: String?
    let contextWindow: String?
    /// `global` or `us`; nil where the legacy report says `not_available`.
    let inferenceGeo: String?
    let speed: String?
    let product: String?
    let actor: AnalyticsActor?

    /// The group value of `name` as a comparable string (nil = null on the wire).
    func key(_ name: String) -> String? {
        switch name {
        case "workspace_id": return workspaceID
        case "api_key_id": return apiKeyID
        case "model": return model
        case "service_tier": return serviceTier
        case "context_window": return contextWindow
        case "inference_geo": return inferenceGeo
        case "speed": return speed
        case "product": return product
        case "actor": return actor.map { $0.kind.rawValue + ":" + $0.id }
        case "actor_type": return actor?.kind.rawValue
        default: return nil
        }
    }
}

/// One usage atom as the analytics usage endpoint sees it: tokens plus who and through what.
struct AnalyticsUsageLine: Sendable {
    /// Seconds since the epoch.
    let time: Int
    let dimensions: AnalyticsDimensions
    let tokens: TokenCounts
    let requests: Int
}

/// One billed component of a usage atom (or of a day's code execution).
struct AnalyticsCostLine: Sendable {
    let time: Int
    let dimensions: AnalyticsDimensions
    /// `tokens`, `web_search` or `code_execution`.
    let costType: String
    let tokenType: String?
    let amount: ExactDecimal
    let listAmount: ExactDecimal
    /// The atom's requests on its first line only, so sums count each request once.
    let requests: Int
}

extension TokenCounts {
    /// The analytics `total_tokens`: the five token counts (web searches are requests, not tokens).
    public var total: Int { uncachedInput + cacheWrite5m + cacheWrite1h + cacheRead + output }
}

extension SimulatedOrganization {
    /// Who used an atom and through which product: a pure function of the atom's own fields, so
    /// a revision that adds or drops other lines leaves every other attribution unchanged.
    func attribution(of atom: UsageAtom) -> (actor: AnalyticsActor, product: String) {
        var h = StableHash(seed)
        h.mix("attribution")
        h.mix(atom.apiKeyID ?? "")
        h.mix(atom.model)
        h.mix(UInt64(atom.day.daysSinceEpoch))
        h.mix(UInt64(atom.minuteOfDay))
        h.mix(UInt64(atom.tokens.uncachedInput))
        h.mix(UInt64(atom.tokens.output))
        var rng = SplitMix64(seed: h.value)
        let people = Array(analyticsActors.users.dropLast())
        guard let keyID = atom.apiKeyID, let key = apiKeys.first(where: { $0.id == keyID }) else {
            // Console (Workbench) use by members, and workload identity federation without a key.
            if rng.chance(25) { return (rng.pick(analyticsActors.federated), "messages_api") }
            return (rng.pick(analyticsActors.users), "claude_console")
        }
        let api = atom.serviceTier == "batch" ? "message_batches_api" : "messages_api"
        switch key.name {
        case "ci-claude-code":
            return (rng.chance(50) ? .apiKey(id: key.id) : rng.pick(people), "claude_code")
        case "research-notebooks":
            return (rng.pick([people[0], people[2]]), api)
        case "prod-backend", "prod-batch-jobs", "support-bot":
            return (analyticsActors.serviceAccounts[0], api)
        case "data-pipeline":
            return (analyticsActors.serviceAccounts[1], api)
        default:
            return (.apiKey(id: key.id), api)
        }
    }

    /// Requests behind an atom: at least one, more for bigger atoms.
    func requests(of atom: UsageAtom) -> Int { max(1, (atom.tokens.uncachedInput + atom.tokens.output) / 20_000) }

    func analyticsDimensions(of atom: UsageAtom) -> AnalyticsDimensions {
        let who = attribution(of: atom)
        return AnalyticsDimensions(
            workspaceID: atom.workspaceID ?? defaultWorkspace.id, apiKeyID: atom.apiKeyID, model: atom.model,
            serviceTier: atom.serviceTier, contextWindow: atom.contextWindow,
            inferenceGeo: atom.inferenceGeo == "not_available" ? nil : atom.inferenceGeo,
            speed: "standard", product: who.product, actor: who.actor)
    }

    /// Code execution shows up in analytics usage as request-only rows (`product`, `model`,
    /// key and actor null) counting execution spans, and in analytics cost as `code_execution`.
    private func codeExecutionDimensions(workspaceID: String?) -> AnalyticsDimensions {
        AnalyticsDimensions(
            workspaceID: workspaceID ?? defaultWorkspace.id, apiKeyID: nil, model: nil, serviceTier: nil,
            contextWindow: nil, inferenceGeo: nil, speed: nil, product: nil, actor: nil)
    }

    /// Noon: code execution is billed per day; the simulator places it mid-day.
    private static let codeExecutionMinute = 12 * 60

    func analyticsUsageLines(on day: Day) -> [AnalyticsUsageLine] {
        let atoms = usageAtoms(on: day).map { atom in
            AnalyticsUsageLine(
                time: day.daysSinceEpoch * 86_400 + atom.minuteOfDay * 60, dimensions: analyticsDimensions(of: atom),
                tokens: atom.tokens, requests: requests(of: atom))
        }
        return atoms
            + codeExecution(on: day).map { ce in
                AnalyticsUsageLine(
                    time: day.daysSinceEpoch * 86_400 + Self.codeExecutionMinute * 60,
                    dimensions: codeExecutionDimensions(workspaceID: ce.workspaceID), tokens: TokenCounts(),
                    requests: ce.tenthsOfHour)
            }
    }

    /// Every billed component of the day, priced as the legacy cost report prices it, so the
    /// day's analytics total equals the cost report's to the last decimal. Priority tier is not
    /// billed here (https://platform.claude.com/docs/en/manage-claude/usage-cost-api: Priority Tier is not in the cost report, code execution not in the usage report). `list_amount` is before the batch discount.
    func analyticsCostLines(on day: Day) -> [AnalyticsCostLine] {
        var lines: [AnalyticsCostLine] = []
        for atom in usageAtoms(on: day) where atom.serviceTier != "priority" {
            let time = day.daysSinceEpoch * 86_400 + atom.minuteOfDay * 60
            let dims = analyticsDimensions(of: atom)
            var requests = requests(of: atom)
            let model = SimulatedModel.named(atom.model)!
            for t in TokenType.allCases where atom.tokens.count(t) > 0 {
                let count = ExactDecimal(atom.tokens.count(t))
                let price = PriceTable.centsPerToken(
                    model: model, tokenType: t, serviceTier: atom.serviceTier,
                    contextWindow: atom.contextWindow, inferenceGeo: atom.inferenceGeo)
                let list = PriceTable.centsPerToken(
                    model: model, tokenType: t, serviceTier: "standard",
                    contextWindow: atom.contextWindow, inferenceGeo: atom.inferenceGeo)
                lines.append(
                    AnalyticsCostLine(
                        time: time, dimensions: dims, costType: "tokens", tokenType: t.rawValue,
                        amount: try! price.multiplied(by: count), listAmount: try! list.multiplied(by: count),
                        requests: requests))
                requests = 0
            }
            if atom.tokens.webSearchRequests > 0 {
                // Web search is billed per search, not per model: model and tier are null (https://platform.claude.com/docs/en/manage-claude/usage-cost-analytics-api).
                let search = AnalyticsDimensions(
                    workspaceID: dims.workspaceID, apiKeyID: dims.apiKeyID, model: nil, serviceTier: nil,
                    contextWindow: nil, inferenceGeo: nil, speed: nil, product: dims.product, actor: dims.actor)
                let amount = try! PriceTable.webSearchCentsPerRequest.multiplied(by: ExactDecimal(atom.tokens.webSearchRequests))
                lines.append(
                    AnalyticsCostLine(
                        time: time, dimensions: search, costType: "web_search", tokenType: nil,
                        amount: amount, listAmount: amount, requests: requests))
            }
        }
        for ce in codeExecution(on: day) {
            let amount = try! PriceTable.codeExecutionCentsPerTenthHour.multiplied(by: ExactDecimal(ce.tenthsOfHour))
            lines.append(
                AnalyticsCostLine(
                    time: day.daysSinceEpoch * 86_400 + Self.codeExecutionMinute * 60,
                    dimensions: codeExecutionDimensions(workspaceID: ce.workspaceID), costType: "code_execution",
                    tokenType: nil, amount: amount, listAmount: amount, requests: ce.tenthsOfHour))
        }
        return lines
    }
}
