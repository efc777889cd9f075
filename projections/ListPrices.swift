import CoreValues
import Foundation

/// Anthropic's public list prices per token, with the date each took effect: the yardstick
/// `audit` holds billed cost against (its units check), never a source of billed amounts.
///
/// Sources (USD per million tokens, as published):
/// - https://docs.anthropic.com/en/docs/about-claude/pricing (model table: base input, 5-minute
///   and 1-hour cache writes at 1.25x and 2x input, cache hits at 0.1x input, output; Batch API
///   at 50%; long context above 200k input tokens on Sonnet 4 / 4.5 at 2x input, 1.5x output)
/// - https://www.anthropic.com/pricing#api (web search: $10 per 1,000 searches)
/// Users override the table with `audit --prices FILE` (CSV: model_prefix,token_type,effective_from,usd_per_mtok).
public struct ListPrices: Sendable {
    public struct Entry: Sendable, Hashable {
        /// Matched against the start of the model id (`claude-sonnet-4-5` matches
        /// `claude-sonnet-4-5-20250929`); the longest matching prefix wins.
        public var modelPrefix: String
        /// The cost report's token type names: `uncached_input_tokens`, `output_tokens`,
        /// `cache_read_input_tokens`, `cache_creation.ephemeral_5m_input_tokens`,
        /// `cache_creation.ephemeral_1h_input_tokens`.
        public var tokenType: String
        public var effectiveFrom: Day
        public var usdPerMillionTokens: ExactDecimal
    }

    public var entries: [Entry]
    /// Dollars per web search request.
    public var webSearchUSD: ExactDecimal

    public static let tokenTypes = [
        "uncached_input_tokens", "output_tokens", "cache_read_input_tokens",
        "cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens",
    ]

    /// (prefix, input, output) in USD per million tokens; cache prices follow the documented multipliers.
    static let published: [(String, String, String, String)] = [
        ("claude-opus-4-6", "5", "25", "2026-02-05"),
        ("claude-opus-4-5", "5", "25", "2025-11-24"),
        ("claude-opus-4-1", "15", "75", "2025-08-05"),
        ("claude-opus-4", "15", "75", "2025-05-22"),
        ("claude-sonnet-4-5", "3", "15", "2025-09-29"),
        ("claude-sonnet-4", "3", "15", "2025-05-22"),
        ("claude-3-7-sonnet", "3", "15", "2025-02-24"),
        ("claude-3-5-sonnet", "3", "15", "2024-06-20"),
        ("claude-haiku-4-5", "1", "5", "2025-10-15"),
        ("claude-3-5-haiku", "0.80", "4", "2024-11-04"),
        ("claude-3-haiku", "0.25", "1.25", "2024-03-13"),
        ("claude-3-opus", "15", "75", "2024-03-04"),
    ]

    public static let standard: ListPrices = {
        var entries: [Entry] = []
        for (prefix, input, output, from) in published {
            let i = try! ExactDecimal(parsing: input)
            let o = try! ExactDecimal(parsing: output)
            let day = Day(from)!
            let values: [(String, ExactDecimal)] = [
                ("uncached_input_tokens", i),
                ("output_tokens", o),
                ("cache_read_input_tokens", try! i.multiplied(by: ExactDecimal(parsing: "0.1"))),
                ("cache_creation.ephemeral_5m_input_tokens", try! i.multiplied(by: ExactDecimal(parsing: "1.25"))),
                ("cache_creation.ephemeral_1h_input_tokens", try! i.multiplied(by: ExactDecimal(2))),
            ]
            for (type, price) in values {
                entries.append(Entry(modelPrefix: prefix, tokenType: type, effectiveFrom: day, usdPerMillionTokens: price))
            }
        }
        return ListPrices(entries: entries, webSearchUSD: try! ExactDecimal(parsing: "0.01"))
    }()

    public init(entries: [Entry], webSearchUSD: ExactDecimal) {
        self.entries = entries
        self.webSearchUSD = webSearchUSD
    }

    /// Reads `model_prefix,token_type,effective_from,usd_per_mtok` lines (a header line is allowed;
    /// `web_search` as token type sets the per-search price in USD).
    public init(csv text: String) throws {
        var entries: [Entry] = []
        var webSearch = try! ExactDecimal(parsing: "0.01")
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased().hasPrefix("model") { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, let day = Day(fields[2]), let price = try? ExactDecimal(parsing: fields[3]) else {
                throw PriceFileError(message: "line \(index + 1): expected model_prefix,token_type,YYYY-MM-DD,usd_per_mtok")
            }
            if fields[1] == "web_search" {
                webSearch = price
            } else {
                guard ListPrices.tokenTypes.contains(fields[1]) else {
                    throw PriceFileError(message: "line \(index + 1), column 2: unknown token type '\(fields[1])'")
                }
                entries.append(Entry(modelPrefix: fields[0], tokenType: fields[1], effectiveFrom: day, usdPerMillionTokens: price))
            }
        }
        guard !entries.isEmpty else { throw PriceFileError(message: "the price file has no entries") }
        self.init(entries: entries, webSearchUSD: webSearch)
    }

    public struct PriceFileError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// USD per token for `model` and `tokenType` on `day`, or nil when no entry matches.
    public func usdPerToken(model: String, tokenType: String, on day: Day) -> ExactDecimal? {
        let candidates = entries.filter { model.hasPrefix($0.modelPrefix) && $0.tokenType == tokenType && $0.effectiveFrom <= day }
        guard let longest = candidates.map(\.modelPrefix.count).max() else { return nil }
        let best = candidates.filter { $0.modelPrefix.count == longest }.max { $0.effectiveFrom < $1.effectiveFrom }
        return best.flatMap { try? $0.usdPerMillionTokens.dividedByPowerOfTen(6) }
    }
}
