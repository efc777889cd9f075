import CoreValues

/// One finest-grain cost line: what the cost report returns with
/// `group_by[]=workspace_id&group_by[]=description`.
public struct CostRow: Sendable, Hashable {
    public let workspaceID: String?
    public let description: String
    /// `tokens`, `web_search` or `code_execution`.
    public let costType: String
    public let model: String?
    public let tokenType: String?
    public let serviceTier: String?
    public let contextWindow: String?
    public let inferenceGeo: String?
    /// Cents, exact, with fractional cents (the wire `amount`).
    public let amountCents: ExactDecimal

    var sortKey: [String] {
        [
            workspaceID ?? "", description, costType, model ?? "", tokenType ?? "", serviceTier ?? "",
            contextWindow ?? "", inferenceGeo ?? "",
        ]
    }
}

/// One usage line at day grain with every documented dimension grouped, as the usage report
/// returns it for `group_by[]` = api_key_id, workspace_id, model, service_tier, context_window,
/// inference_geo.
public struct UsageRow: Sendable, Hashable {
    public let apiKeyID: String?
    public let workspaceID: String?
    public let model: String
    public let serviceTier: String
    public let contextWindow: String
    public let inferenceGeo: String
    public let tokens: TokenCounts
}

/// Everything that is true about one day, computed from the organization model (never from
/// served pages), for tests to compare projections against.
public struct DayTruth: Sendable {
    public let day: Day
    public let revision: Int
    /// Finest cost lines, ordered as the cost report orders them.
    public let costRows: [CostRow]
    public let totalCostCents: ExactDecimal
    public var totalCostUSD: ExactDecimal { try! totalCostCents.dividedByPowerOfTen(2) }
    public let usageRows: [UsageRow]
    public let claudeCodeRecords: [ClaudeCodeRecord]
    /// The documented `claude_costs_by_key` rows of the day (analytics cost).
    public let costsByKey: [CostByKeyRow]
    /// The documented `claude_usage_by_actor` rows of the day (analytics usage).
    public let usageByActor: [UsageByActorRow]

    /// Cost per workspace (nil = default workspace), in cents.
    public var costCentsByWorkspace: [String?: ExactDecimal] {
        var out: [String?: ExactDecimal] = [:]
        for row in costRows { out[row.workspaceID] = try! (out[row.workspaceID] ?? .zero).adding(row.amountCents) }
        return out
    }

    /// Token totals per API key (nil = Console usage).
    public var tokensByAPIKey: [String?: TokenCounts] {
        var out: [String?: TokenCounts] = [:]
        for row in usageRows { out[row.apiKeyID, default: TokenCounts()].add(row.tokens) }
        return out
    }
}

/// The ground truth of a simulated organization at its current revisions.
public struct GroundTruth: Sendable {
    public let organization: SimulatedOrganization

    public init(organization: SimulatedOrganization) { self.organization = organization }

    public func day(_ day: Day) -> DayTruth {
        DayTruth(
            day: day, revision: organization.revision(of: day), costRows: costRows(on: day),
            totalCostCents: totalCostCents(on: day), usageRows: usageRows(on: day),
            claudeCodeRecords: organization.claudeCodeRecords(on: day), costsByKey: costsByKey(on: day),
            usageByActor: usageByActor(on: day))
    }

    public func costRows(on day: Day) -> [CostRow] { organization.costRows(on: day) }

    public func totalCostCents(on day: Day) -> ExactDecimal {
        try! ExactDecimal.sum(costRows(on: day).map(\.amountCents))
    }

    public func totalCostUSD(on day: Day) -> ExactDecimal { try! totalCostCents(on: day).dividedByPowerOfTen(2) }

    /// Total over `[from, to)`, in cents.
    public func totalCostCents(from: Day, to: Day) -> ExactDecimal {
        try! ExactDecimal.sum(Day.range(from: from, to: to).map { totalCostCents(on: $0) })
    }

    public func usageRows(on day: Day) -> [UsageRow] {
        var sums: [UsageKey: TokenCounts] = [:]
        var order: [UsageKey] = []
        for atom in organization.usageAtoms(on: day) {
            let key = UsageKey(
                apiKeyID: atom.apiKeyID, workspaceID: atom.workspaceID, model: atom.model,
                serviceTier: atom.serviceTier, contextWindow: atom.contextWindow, inferenceGeo: atom.inferenceGeo)
            if sums[key] == nil { order.append(key) }
            sums[key, default: TokenCounts()].add(atom.tokens)
        }
        return order.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }.map { k in
            UsageRow(
                apiKeyID: k.apiKeyID, workspaceID: k.workspaceID, model: k.model, serviceTier: k.serviceTier,
                contextWindow: k.contextWindow, inferenceGeo: k.inferenceGeo, tokens: sums[k]!)
        }
    }

    public func claudeCodeRecords(on day: Day) -> [ClaudeCodeRecord] { organization.claudeCodeRecords(on: day) }

    /// A Console-style daily spend export for `[from, to)`: `date,amount_usd`, one line per day
    /// (days without spend included as 0), amounts in dollars, exact and unrounded.
    public func dashboardCSV(from: Day, to: Day) -> String {
        var lines = ["date,amount_usd"]
        for day in Day.range(from: from, to: to) {
            lines.append("\(day),\(totalCostUSD(on: day))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct UsageKey: Hashable {
        let apiKeyID: String?
        let workspaceID: String?
        let model: String
        let serviceTier: String
        let contextWindow: String
        let inferenceGeo: String
        var sortKey: [String] { [apiKeyID ?? "", workspaceID ?? "", model, serviceTier, contextWindow, inferenceGeo] }
    }
}

extension SimulatedOrganization {
    /// The day's finest cost lines, derived from usage: tokens × list price per token type,
    /// 1 cent per web search, code execution time; priority-tier usage is not billed here.
    public func costRows(on day: Day) -> [CostRow] {
        guard hasData(on: day) else { return [] }
        return cache.costs(day, revision(of: day)) { generateCostRows(on: day) }
    }

    private func generateCostRows(on day: Day) -> [CostRow] {
        struct Key: Hashable {
            let workspaceID: String?, model: String, tokenType: TokenType, tier: String, window: String, geo: String
        }
        var tokens: [Key: Int] = [:]
        var searches: [String?: Int] = [:]
        for atom in usageAtoms(on: day) where atom.serviceTier != "priority" {
            for t in TokenType.allCases where atom.tokens.count(t) > 0 {
                tokens[
                    Key(
                        workspaceID: atom.workspaceID, model: atom.model, tokenType: t, tier: atom.serviceTier,
                        window: atom.contextWindow, geo: atom.inferenceGeo), default: 0] += atom.tokens.count(t)
            }
            if atom.tokens.webSearchRequests > 0 { searches[atom.workspaceID, default: 0] += atom.tokens.webSearchRequests }
        }
        var rows: [CostRow] = tokens.map { key, count in
            let model = SimulatedModel.named(key.model)!
            let price = PriceTable.centsPerToken(
                model: model, tokenType: key.tokenType, serviceTier: key.tier,
                contextWindow: key.window, inferenceGeo: key.geo)
            return CostRow(
                workspaceID: key.workspaceID, description: "\(model.displayName) Usage - \(key.tokenType.descriptionSuffix)",
                costType: "tokens", model: model.id, tokenType: key.tokenType.rawValue, serviceTier: key.tier,
                contextWindow: key.window, inferenceGeo: key.geo,
                amountCents: try! price.multiplied(by: ExactDecimal(count)))
        }
        for (ws, n) in searches {
            rows.append(
                CostRow(
                    workspaceID: ws, description: "Web Search Usage", costType: "web_search", model: nil,
                    tokenType: nil, serviceTier: nil, contextWindow: nil, inferenceGeo: nil,
                    amountCents: try! PriceTable.webSearchCentsPerRequest.multiplied(by: ExactDecimal(n))))
        }
        for (ws, tenths) in codeExecution(on: day) {
            rows.append(
                CostRow(
                    workspaceID: ws, description: "Code Execution Usage", costType: "code_execution", model: nil,
                    tokenType: nil, serviceTier: nil, contextWindow: nil, inferenceGeo: nil,
                    amountCents: try! PriceTable.codeExecutionCentsPerTenthHour.multiplied(by: ExactDecimal(tenths))))
        }
        return rows.sorted { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
    }
}
