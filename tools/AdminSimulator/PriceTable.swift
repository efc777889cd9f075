import CoreValues

/// The token types of the cost report, spelled as its `token_type` field spells them.
public enum TokenType: String, Sendable, CaseIterable, Hashable, Comparable {
    case uncachedInput = "uncached_input_tokens"
    case output = "output_tokens"
    case cacheRead = "cache_read_input_tokens"
    case cacheWrite1h = "cache_creation.ephemeral_1h_input_tokens"
    case cacheWrite5m = "cache_creation.ephemeral_5m_input_tokens"

    public static func < (a: TokenType, b: TokenType) -> Bool { a.rawValue < b.rawValue }

    /// The tail of the cost report's `description`. The first, second, third and fifth forms are
    /// observed in real cost reports (https://platform.claude.com/docs/en/api/admin/cost_report); the 1-hour cache-write wording is not
    /// documented anywhere, so the simulator makes one up. Clients must not parse descriptions.
    var descriptionSuffix: String {
        switch self {
        case .uncachedInput: return "Input Tokens"
        case .output: return "Output Tokens"
        case .cacheWrite5m: return "Input Tokens, Cache Write"
        case .cacheWrite1h: return "Input Tokens, Cache Write (1h)"
        case .cacheRead: return "Input Tokens, Cache Hit"
        }
    }
}

/// A model the synthetic organization uses, with its list prices.
///
/// Prices are USD per million tokens as published on
/// https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing": base input,
/// 5m cache writes, 1h cache writes, cache hits, output). The simulator keeps its own copy on
/// purpose: it is an independent peer, and cost must be derived from usage the way Anthropic
/// bills it, not from whatever table the client under test uses.
public struct SimulatedModel: Sendable, Hashable {
    public let id: String
    /// The name used in cost `description` strings (`Claude Sonnet 4.5 Usage - Input Tokens`).
    public let displayName: String
    let dollarsPerMTok: [TokenType: String]
    /// Sonnet 4 / 4.5 accept prompts over 200k tokens at a long-context rate (pricing page,
    /// "Long context pricing": input ×2, output ×1.5, cache prices follow input).
    public let supportsLongContext: Bool
    /// Models from Opus 4.6 on honour `inference_geo`; older ones report `"not_available"`
    /// (https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages). US-only inference costs 1.1× (pricing page, "Data residency pricing").
    public let supportsInferenceGeo: Bool

    static func prices(input: String, write5m: String, write1h: String, read: String, output: String) -> [TokenType: String] {
        [.uncachedInput: input, .cacheWrite5m: write5m, .cacheWrite1h: write1h, .cacheRead: read, .output: output]
    }

    public static let sonnet45 = SimulatedModel(
        id: "claude-sonnet-4-5-20250929", displayName: "Claude Sonnet 4.5",
        dollarsPerMTok: prices(input: "3", write5m: "3.75", write1h: "6", read: "0.30", output: "15"),
        supportsLongContext: true, supportsInferenceGeo: false)
    public static let sonnet4 = SimulatedModel(
        id: "claude-sonnet-4-20250514", displayName: "Claude Sonnet 4",
        dollarsPerMTok: prices(input: "3", write5m: "3.75", write1h: "6", read: "0.30", output: "15"),
        supportsLongContext: true, supportsInferenceGeo: false)
    public static let opus46 = SimulatedModel(
        id: "claude-opus-4-6", displayName: "Claude Opus 4.6",
        dollarsPerMTok: prices(input: "5", write5m: "6.25", write1h: "10", read: "0.50", output: "25"),
        supportsLongContext: false, supportsInferenceGeo: true)
    public static let haiku45 = SimulatedModel(
        id: "claude-haiku-4-5-20251001", displayName: "Claude Haiku 4.5",
        dollarsPerMTok: prices(input: "1", write5m: "1.25", write1h: "2", read: "0.10", output: "5"),
        supportsLongContext: false, supportsInferenceGeo: false)
    public static let haiku35 = SimulatedModel(
        id: "claude-3-5-haiku-20241022", displayName: "Claude Haiku 3.5",
        dollarsPerMTok: prices(input: "0.80", write5m: "1", write1h: "1.6", read: "0.08", output: "4"),
        supportsLongContext: false, supportsInferenceGeo: false)

    public static let all: [SimulatedModel] = [sonnet45, sonnet4, opus46, haiku45, haiku35]

    public static func named(_ id: String) -> SimulatedModel? { all.first { $0.id == id } }
}

/// List prices as exact cents per token, and the non-token charges.
public enum PriceTable {
    /// Web search: $10 per 1,000 searches = 1 cent per search (pricing page, "Web search tool").
    public static let webSearchCentsPerRequest = ExactDecimal(1)
    /// Code execution: $0.05 per container-hour (pricing page, "Code execution tool"); the simulator
    /// bills in tenths of an hour, 0.5 cents each.
    public static let codeExecutionCentsPerTenthHour = try! ExactDecimal(parsing: "0.5")

    /// Cents per token for one finest cost line. Batch is half price (pricing page, "Batch
    /// processing"); priority tier has no price here because it never reaches the cost report
    /// (https://platform.claude.com/docs/en/manage-claude/usage-cost-api: Priority Tier is not in the cost report), so asking for it is a programming error.
    public static func centsPerToken(
        model: SimulatedModel, tokenType: TokenType, serviceTier: String,
        contextWindow: String, inferenceGeo: String
    ) -> ExactDecimal {
        precondition(serviceTier != "priority", "priority tier is not billed through the cost report")
        // dollars per MTok → cents per token: × 100 / 1_000_000 = × 10^-4.
        var price = try! ExactDecimal(parsing: model.dollarsPerMTok[tokenType]!).dividedByPowerOfTen(4)
        if contextWindow == "200k-1M" {
            price = try! price.multiplied(by: ExactDecimal(parsing: tokenType == .output ? "1.5" : "2"))
        }
        if serviceTier == "batch" { price = try! price.multiplied(by: ExactDecimal(parsing: "0.5")) }
        if inferenceGeo == "us" && model.supportsInferenceGeo {
            price = try! price.multiplied(by: ExactDecimal(parsing: "1.1"))
        }
        return price
    }
}
