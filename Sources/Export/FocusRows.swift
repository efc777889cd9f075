import CoreValues

/// The FOCUS 1.2 Cost and Usage rows of a projection: a pure function of the cost tables, the
/// usage counts, the organization and the workspace names (docs/REFERENCE.md "FOCUS export").
enum FocusRows {
    /// The columns in file order: the FOCUS 1.2 columns, then the documented `x_` columns in their
    /// order. Every Mandatory 1.2 column is here; Conditional and Recommended ones where the
    /// Admin API's data supports them. `CommitmentDiscountStatus` is always NULL (Anthropic has
    /// no commitment discounts) but present, because the validator's `ConsumedQuantity` rules
    /// refer to it and a missing column fails them. The `PricingCurrency*` columns mirror the
    /// billing values: the validator demands them under `PUBLIC_PRICE_LIST_SUPPORTED`.
    static let columns = [
        "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
        "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
        "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountStatus", "ConsumedQuantity", "ConsumedUnit",
        "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
        "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
        "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
        "SubAccountId", "SubAccountName",
        "x_WorkspaceId", "x_ApiKeyId", "x_Model", "x_TokenType", "x_CostType", "x_ServiceTier", "x_ContextWindow",
        "x_InferenceGeo", "x_Source", "x_Provisional", "x_QuantitySource", "x_LedgerEventId",
    ]

    /// One CSV cell: text as is, a decimal rendered with a decimal point (the validator types a
    /// column of bare integers as INTEGER and then fails its DECIMAL rules), or NULL.
    enum Cell: Equatable, Sendable {
        case null
        case text(String)
        case decimal(ExactDecimal)
    }

    /// The stable `SubAccountId` of the default workspace, which has no id of its own.
    static let defaultWorkspaceID = "default"
    static let defaultWorkspaceName = "Default workspace"

    struct Context: Sendable {
        var organizationID: String
        var organizationName: String?
        /// Workspace id → name, from the ledger's newest workspaces list.
        var workspaceNames: [String: String]
    }

    /// The rows, one per cost row: `claude_costs_by_key` for the days it covers, `claude_costs`
    /// for every other day, never both for one day. Ordered by day, then source, then every
    /// column, so the same projections give the same bytes.
    static func build(_ source: FocusSource, context: Context) throws -> [[Cell]] {
        let analyticsDays = Set(source.analyticsCost.map(\.date))
        let costs = source.analyticsCost + source.costReport.filter { !analyticsDays.contains($0.date) }
        let index = FocusQuantity.Index(usage: source.usage)
        var rows: [[Cell]] = []
        rows.reserveCapacity(costs.count)
        for cost in costs {
            rows.append(try row(cost, context: context, index: index))
        }
        return rows.sorted { sortKey($0).lexicographicallyPrecedes(sortKey($1)) }
    }

    /// The workspace a row belongs to, with the default workspace as nil: the legacy reports
    /// send it as NULL; the analytics API as a tagged id that the workspaces list does not hold
    /// (with no list in the ledger, an id is taken as it is).
    static func workspace(of cost: FocusSource.Cost, names: [String: String]) -> String? {
        guard let id = cost.workspaceID else { return nil }
        if cost.origin == .analyticsCost, !names.isEmpty, names[id] == nil { return nil }
        return id
    }

    static func row(_ cost: FocusSource.Cost, context: Context, index: FocusQuantity.Index) throws -> [Cell] {
        let workspace = workspace(of: cost, names: context.workspaceNames)
        let quantity = try FocusQuantity.of(cost, workspace: workspace, index: index)
        let billed = cost.amountUSD
        let list = cost.listAmountUSD ?? billed
        let listUnitPrice = try unitPrice(list, per: quantity.pricingQuantity)
        let contractedUnitPrice = try unitPrice(billed, per: quantity.pricingQuantity)
        let (periodStart, periodEnd) = billingPeriod(of: cost.date)
        let values: [Cell] = [
            .decimal(billed), .text(context.organizationID), text(context.organizationName), .text("USD"),
            .text(periodEnd), .text(periodStart), .text("Usage"), .null, text(description(of: cost)),
            .text("Usage-Based"), .text(cost.date.adding(days: 1).midnightRFC3339), .text(cost.date.midnightRFC3339),
            .null, .decimal(quantity.consumedQuantity), .text(quantity.consumedUnit),
            .decimal(billed), .decimal(contractedUnitPrice), .decimal(billed), .text("Anthropic"), .decimal(list),
            .decimal(listUnitPrice),
            .text("USD"), .decimal(contractedUnitPrice), .decimal(billed), .decimal(listUnitPrice),
            .decimal(quantity.pricingQuantity), .text(quantity.pricingUnit), .text("Anthropic"), .text("Anthropic"),
            .text("AI and Machine Learning"), .text("Claude API"), .text("Generative AI"),
            .text(skuID(of: cost)), text(skuMeter(of: cost)), text(skuPriceDetails(of: cost)), .text(skuPriceID(of: cost)),
            .text(workspace ?? defaultWorkspaceID),
            .text(workspace.map { context.workspaceNames[$0] ?? $0 } ?? defaultWorkspaceName),
            text(cost.workspaceID), text(cost.apiKeyID), text(cost.model), text(cost.tokenType), text(cost.costType),
            text(cost.serviceTier), text(cost.contextWindow), text(cost.inferenceGeo), .text(cost.origin.rawValue),
            text(cost.provisional.map { $0 ? "true" : "false" }), .text(quantity.source.rawValue), .text(cost.eventID),
        ]
        precondition(values.count == columns.count, "a FOCUS row must have one value per column")
        return values
    }

    /// `[first day of the month, first day of the next month)` as FOCUS date-times.
    static func billingPeriod(of day: Day) -> (start: String, end: String) {
        let (year, month, _) = day.civil
        let start = Day(year: year, month: month, day: 1)!
        let end = month == 12 ? Day(year: year + 1, month: 1, day: 1)! : Day(year: year, month: month + 1, day: 1)!
        return (start.midnightRFC3339, end.midnightRFC3339)
    }

    /// The price per pricing unit, `cost ÷ quantity`: exact when the quotient terminates (it
    /// does whenever the cost is a list price times the count), else rounded half-even to 20
    /// places. Only unit prices are derived this way; every cost column is the exact amount.
    static func unitPrice(_ cost: ExactDecimal, per quantity: ExactDecimal) throws -> ExactDecimal {
        try FocusDecimal.quotient(cost, quantity, places: 20)
    }

    private static func text(_ value: String?) -> Cell {
        guard let value, !value.isEmpty else { return .null }
        return .text(value)
    }

    /// The cost report's description; for analytics rows, which have none, one built from the
    /// structured fields (`claude-sonnet-4-5 output_tokens`, `web_search`).
    static func description(of cost: FocusSource.Cost) -> String? {
        if let description = cost.description, !description.isEmpty { return description }
        let parts = [cost.model, cost.tokenType ?? cost.costType].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// What is priced: `model/token_type` for tokens, else the cost type (`web_search`).
    static func skuID(of cost: FocusSource.Cost) -> String {
        let parts = [cost.model, cost.tokenType].compactMap { $0 }.filter { !$0.isEmpty }
        if !parts.isEmpty { return parts.joined(separator: "/") }
        return cost.costType.flatMap { $0.isEmpty ? nil : $0 } ?? "unclassified"
    }

    /// The SKU at one price: the SKU, service tier, context window and inference geo.
    static func skuPriceID(of cost: FocusSource.Cost) -> String {
        ([skuID(of: cost)] + [cost.serviceTier, cost.contextWindow, cost.inferenceGeo].compactMap { $0 }.filter { !$0.isEmpty })
            .joined(separator: "/")
    }

    static func skuMeter(of cost: FocusSource.Cost) -> String? {
        switch cost.tokenType {
        case "uncached_input_tokens": return "Input Tokens"
        case "output_tokens": return "Output Tokens"
        case "cache_read_input_tokens": return "Cache Read Input Tokens"
        case "cache_creation.ephemeral_5m_input_tokens": return "Cache Write 5m Input Tokens"
        case "cache_creation.ephemeral_1h_input_tokens": return "Cache Write 1h Input Tokens"
        default: break
        }
        switch cost.costType {
        case "web_search": return "Web Search Requests"
        case "code_execution": return "Code Execution"
        case "session_usage": return "Session Usage"
        default: return cost.costType
        }
    }

    /// `{"x_ContextWindow":…,"x_InferenceGeo":…,"x_ServiceTier":…}` with the keys that have a
    /// value, sorted; NULL when none has.
    static func skuPriceDetails(of cost: FocusSource.Cost) -> String? {
        let pairs = [
            ("x_ContextWindow", cost.contextWindow), ("x_InferenceGeo", cost.inferenceGeo),
            ("x_ServiceTier", cost.serviceTier),
        ]
        .compactMap { key, value in value.map { (key, $0) } }
        guard !pairs.isEmpty else { return nil }
        return "{" + pairs.map { "\(FocusCSV.jsonString($0)):\(FocusCSV.jsonString($1))" }.joined(separator: ",") + "}"
    }

    private static func sortKey(_ row: [Cell]) -> [String] {
        // ChargePeriodStart, x_Source, then every column in order.
        let start = columns.firstIndex(of: "ChargePeriodStart")!
        let source = columns.firstIndex(of: "x_Source")!
        return [render(row[start]), render(row[source])] + row.map(render)
    }

    private static func render(_ cell: Cell) -> String {
        switch cell {
        case .null: return ""
        case .text(let text): return text
        case .decimal(let decimal): return FocusCSV.decimalText(decimal)
        }
    }
}
