import CoreValues
import Foundation

/// A synthetic Anthropic organization: workspaces, API keys, Claude Code users and every day's
/// usage, all derived from a seed. Pure values, no I/O, so the server and the ground truth read
/// the same data and a test can rebuild it anywhere.
///
/// Data exists for the `historyDays` days before `today`; `today` and later are empty, as are
/// days before the history. A day's data changes only when the day is revised (late-arriving
/// usage), which bumps its revision counter.
public struct SimulatedOrganization: Sendable {
    public let seed: UInt64
    public private(set) var today: Day
    public private(set) var historyDays: Int
    /// `GET /v1/organizations/me`'s `id`, and the `organization_id` of Claude Code records.
    public let organizationID: String
    /// `GET /v1/organizations/me`'s `name`.
    public let organizationName: String
    /// Named workspaces, including one archived workspace. The default workspace is separate.
    public let workspaces: [Workspace]
    /// The default workspace: reports show it as `workspace_id: null`.
    public let defaultWorkspace: Workspace
    public let apiKeys: [APIKey]
    public let claudeCodeActors: [ClaudeCodeActor]
    /// The identities the analytics API attributes usage to: members (one deleted), service
    /// accounts and federated identities. API keys act as `api_actor` on their own.
    public let analyticsActors: AnalyticsActors
    /// Revision counter per day (absent = 0).
    public private(set) var revisions: [Day: Int] = [:]
    /// Generated days, shared by copies: a day's data is a pure function of (day, revision).
    let cache = DayCache()

    public struct Workspace: Sendable, Hashable {
        public let id: String
        public let name: String
        public let createdAt: String
        /// The day the workspace was archived (RFC 3339 midnight on the wire); nil if live.
        public let archivedOn: Day?
        public let displayColor: String
        public let defaultInferenceGeo: String
    }

    public struct APIKey: Sendable, Hashable {
        public let id: String
        public let name: String
        /// nil for keys in the default workspace.
        public let workspaceID: String?
        public let createdOn: Day
        public let archivedOn: Day?
        public let createdByUserID: String
        public let partialKeyHint: String
        let models: [SimulatedModel]
        let batchPercent: Int
        let priorityPercent: Int
        let volume: Int

        public var status: String { archivedOn == nil ? "active" : "archived" }
        func isActive(on day: Day) -> Bool { createdOn <= day && (archivedOn.map { day < $0 } ?? true) }
    }

    /// A Claude Code actor: a user signing in with OAuth or an API key used by Claude Code.
    public struct ClaudeCodeActor: Sendable, Hashable {
        public enum Kind: String, Sendable { case user = "user_actor", apiKey = "api_actor" }
        public let kind: Kind
        /// Email for users, API key name for API actors.
        public let name: String
        public let customerType: String
        public let subscriptionType: String?
        public let terminalType: String
        let activePercent: Int
        let remotePercent: Int
    }

    /// `organizationID`/`organizationName` override the seeded ones (nil keeps them).
    public init(seed: UInt64, today: Day, historyDays: Int, organizationID: String? = nil, organizationName: String? = nil) {
        precondition(historyDays >= 0)
        self.seed = seed
        self.today = today
        self.historyDays = historyDays
        var rng = SplitMix64(seed: seed, label: "organization")
        let first = today.adding(days: -historyDays)

        let u = (0..<4).map { _ in String(rng.next(), radix: 16) }.joined()
        let hex = Array(u.padding(toLength: 32, withPad: "0", startingAt: 0))
        self.organizationID =
            organizationID
            ?? (String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-"
                + String(hex[16..<20]) + "-" + String(hex[20..<32]))
        self.organizationName = organizationName ?? "Simulated Organization \(seed)"
        analyticsActors = AnalyticsActors(seed: seed)

        func created(_ daysBefore: Int) -> String { first.adding(days: -daysBefore).description + "T17:04:11.518402Z" }
        defaultWorkspace = Workspace(
            id: Base62.id("wrkspc_", &rng), name: "Default Workspace", createdAt: created(400),
            archivedOn: nil, displayColor: "#6C5BB9", defaultInferenceGeo: "global")
        let production = Workspace(
            id: Base62.id("wrkspc_", &rng), name: "Production", createdAt: created(300),
            archivedOn: nil, displayColor: "#D4A27F", defaultInferenceGeo: "us")
        let research = Workspace(
            id: Base62.id("wrkspc_", &rng), name: "Research", createdAt: created(200),
            archivedOn: nil, displayColor: "#5B8DEF", defaultInferenceGeo: "global")
        let tools = Workspace(
            id: Base62.id("wrkspc_", &rng), name: "Internal Tools", createdAt: created(150),
            archivedOn: nil, displayColor: "#3BAA6E", defaultInferenceGeo: "global")
        // Archived halfway through the history: its ids appear in old reports only, and the
        // workspace list shows it only with include_archived=true.
        let legacyArchived = first.adding(days: historyDays / 2)
        let legacy = Workspace(
            id: Base62.id("wrkspc_", &rng), name: "Legacy Batch", createdAt: created(350),
            archivedOn: legacyArchived, displayColor: "#9B59B6", defaultInferenceGeo: "global")
        workspaces = [production, research, tools, legacy]

        func key(
            _ name: String, _ ws: Workspace?, createdOn: Day, archivedOn: Day? = nil, models: [SimulatedModel],
            batch: Int = 0, priority: Int = 0, volume: Int
        ) -> APIKey {
            let id = Base62.id("apikey_", &rng)
            let hint =
                "sk-ant-api03-" + String(Base62.alphabet[rng.int(0...61)]) + String(Base62.alphabet[rng.int(0...61)])
                + String(Base62.alphabet[rng.int(0...61)]) + "..." + String(Base62.alphabet[rng.int(0...61)])
                + String(Base62.alphabet[rng.int(0...61)]) + "AA"
            return APIKey(
                id: id, name: name, workspaceID: ws?.id, createdOn: createdOn, archivedOn: archivedOn,
                createdByUserID: Base62.id("user_", &rng), partialKeyHint: hint, models: models,
                batchPercent: batch, priorityPercent: priority, volume: volume)
        }
        let longAgo = first.adding(days: -60)
        apiKeys = [
            key("prod-backend", production, createdOn: longAgo, models: [.sonnet45, .opus46, .haiku45], priority: 15, volume: 5),
            key("prod-batch-jobs", production, createdOn: longAgo, models: [.haiku45, .sonnet45], batch: 90, volume: 4),
            key("support-bot", production, createdOn: longAgo, models: [.haiku35, .haiku45], volume: 3),
            key("research-notebooks", research, createdOn: longAgo, models: [.opus46, .sonnet45, .sonnet4], batch: 20, volume: 2),
            key("ci-claude-code", tools, createdOn: longAgo, models: [.sonnet45, .haiku45], volume: 2),
            key("data-pipeline", nil, createdOn: longAgo, models: [.sonnet4, .haiku35], batch: 40, volume: 2),
            key("playground", nil, createdOn: longAgo, models: [.sonnet45], volume: 1),
            key("legacy-ingest", legacy, createdOn: longAgo, archivedOn: legacyArchived, models: [.haiku35], batch: 60, volume: 2),
            // Created during the history: no usage before its first day.
            key(
                "new-agent", research, createdOn: first.adding(days: max(1, historyDays * 2 / 3)), models: [.opus46, .sonnet45], volume: 3),
        ]

        claudeCodeActors = [
            ClaudeCodeActor(
                kind: .user, name: "alice@example.com", customerType: "api", subscriptionType: nil,
                terminalType: "vscode", activePercent: 85, remotePercent: 40),
            ClaudeCodeActor(
                kind: .user, name: "bob@example.com", customerType: "api", subscriptionType: nil,
                terminalType: "iTerm.app", activePercent: 70, remotePercent: 0),
            ClaudeCodeActor(
                kind: .user, name: "carol@example.com", customerType: "subscription", subscriptionType: "team",
                terminalType: "cursor", activePercent: 60, remotePercent: 25),
            ClaudeCodeActor(
                kind: .user, name: "dan@example.com", customerType: "subscription", subscriptionType: "enterprise",
                terminalType: "tmux", activePercent: 50, remotePercent: 0),
            ClaudeCodeActor(
                kind: .user, name: "erin@example.com", customerType: "api", subscriptionType: nil,
                terminalType: "goland", activePercent: 40, remotePercent: 50),
            ClaudeCodeActor(
                kind: .apiKey, name: "ci-claude-code", customerType: "api", subscriptionType: nil,
                terminalType: "tmux", activePercent: 90, remotePercent: 0),
            ClaudeCodeActor(
                kind: .apiKey, name: "research-notebooks", customerType: "api", subscriptionType: nil,
                terminalType: "vscode", activePercent: 30, remotePercent: 0),
        ]
    }

    /// The first day with data.
    public var firstDay: Day { today.adding(days: -historyDays) }

    /// Days that carry data: `[firstDay, today)`.
    public var dataDays: [Day] { Day.range(from: firstDay, to: today) }

    public func hasData(on day: Day) -> Bool { firstDay <= day && day < today }

    public func revision(of day: Day) -> Int { revisions[day] ?? 0 }

    /// Records a late arrival for `day`: its usage, cost and Claude Code records change
    /// deterministically (usage lines are added or, sometimes, one is dropped; one Claude Code
    /// record grows). The day's cost always changes.
    public mutating func revise(_ day: Day) { revisions[day, default: 0] += 1 }

    /// Moves the simulated current day forward: the days in between become history (their data
    /// appears), and the first day of history stays where it was.
    public mutating func advance(to newToday: Day) {
        precondition(newToday >= today, "the simulated clock only moves forward")
        historyDays += newToday - today
        today = newToday
    }

    /// Revises the `count` days before `today`.
    public mutating func reviseRecent(days count: Int) {
        for offset in 1...max(1, count) { revise(today.adding(days: -offset)) }
    }

    func workspace(id: String?) -> Workspace {
        guard let id else { return defaultWorkspace }
        return workspaces.first { $0.id == id } ?? defaultWorkspace
    }
}

/// Token counts of one usage line, named as the usage report names them.
public struct TokenCounts: Sendable, Hashable {
    public var uncachedInput = 0
    public var cacheWrite5m = 0
    public var cacheWrite1h = 0
    public var cacheRead = 0
    public var output = 0
    public var webSearchRequests = 0

    public init() {}

    public init(uncachedInput: Int, cacheWrite5m: Int, cacheWrite1h: Int, cacheRead: Int, output: Int, webSearchRequests: Int) {
        self.uncachedInput = uncachedInput
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
        self.webSearchRequests = webSearchRequests
    }

    public mutating func add(_ o: TokenCounts) {
        uncachedInput += o.uncachedInput
        cacheWrite5m += o.cacheWrite5m
        cacheWrite1h += o.cacheWrite1h
        cacheRead += o.cacheRead
        output += o.output
        webSearchRequests += o.webSearchRequests
    }

    func count(_ t: TokenType) -> Int {
        switch t {
        case .uncachedInput: return uncachedInput
        case .output: return output
        case .cacheRead: return cacheRead
        case .cacheWrite1h: return cacheWrite1h
        case .cacheWrite5m: return cacheWrite5m
        }
    }
}

/// The finest grain of usage: one minute, one key (or the Console), one model and tier.
public struct UsageAtom: Sendable, Hashable {
    public let day: Day
    public let minuteOfDay: Int
    public let apiKeyID: String?
    public let workspaceID: String?
    public let model: String
    public let serviceTier: String
    public let contextWindow: String
    public let inferenceGeo: String
    public let tokens: TokenCounts
}

extension SimulatedOrganization {
    /// Every usage line of `day`, in generation order (base lines, then late arrivals per revision).
    public func usageAtoms(on day: Day) -> [UsageAtom] {
        guard hasData(on: day) else { return [] }
        return cache.atoms(day, revision(of: day)) { generateUsageAtoms(on: day) }
    }

    private func generateUsageAtoms(on day: Day) -> [UsageAtom] {
        var atoms: [UsageAtom] = []
        let weekday = (day.daysSinceEpoch + 4) % 7  // 0 = Sunday
        let weekend = weekday == 0 || weekday == 6
        var rng = SplitMix64(seed: seed, label: "usage", day.daysSinceEpoch)
        for key in apiKeys where key.isActive(on: day) {
            guard rng.chance(weekend ? 45 : 85) else { continue }
            let count = rng.int(key.volume...(key.volume * 4))
            for _ in 0..<count { atoms.append(makeAtom(day: day, key: key, rng: &rng)) }
        }
        // Console (Workbench) usage: no API key, in any live workspace.
        for _ in 0..<rng.int(0...2) {
            atoms.append(makeAtom(day: day, key: nil, rng: &rng))
        }
        // Revisions: late-arriving requests, and sometimes a reconciliation that drops a line, so
        // a revised day can go down as well as up (a client keeping the maximum is caught).
        for r in stride(from: 1, through: revision(of: day), by: 1) {
            var late = SplitMix64(seed: seed, label: "late", day.daysSinceEpoch, r)
            let billed = atoms.indices.filter { atoms[$0].serviceTier != "priority" }
            if late.chance(35), billed.count > 1 {
                atoms.remove(at: late.pick(billed))
                continue
            }
            let active = apiKeys.filter { $0.isActive(on: day) }
            for _ in 0..<late.int(1...3) {
                let key: APIKey? = active.isEmpty || late.chance(15) ? nil : late.pick(active)
                atoms.append(makeAtom(day: day, key: key, rng: &late, billed: true))
            }
        }
        return atoms
    }

    /// One usage line; `billed` rules out priority tier so the line always reaches the cost report.
    private func makeAtom(day: Day, key: APIKey?, rng: inout SplitMix64, billed: Bool = false) -> UsageAtom {
        let live = [defaultWorkspace] + workspaces.filter { $0.archivedOn.map { day < $0 } ?? true }
        let workspace = key.map { self.workspace(id: $0.workspaceID) } ?? rng.pick(live)
        let model = key.map { rng.pick($0.models) } ?? rng.pick([SimulatedModel.sonnet45, .opus46, .haiku45])
        var tier = "standard"
        if let key {
            if rng.chance(key.batchPercent) { tier = "batch" } else if rng.chance(key.priorityPercent) && !billed { tier = "priority" }
        }
        let longContext = model.supportsLongContext && rng.chance(12)
        let geo = model.supportsInferenceGeo ? (rng.chance(20) ? "global" : workspace.defaultInferenceGeo) : "not_available"
        let scale = longContext ? 8 : 1
        var t = TokenCounts()
        t.uncachedInput = rng.int(2_000...250_000) * scale
        t.output = rng.int(300...60_000)
        t.cacheRead = rng.chance(60) ? rng.int(10_000...1_500_000) * scale : 0
        t.cacheWrite5m = rng.chance(50) ? rng.int(1_000...180_000) : 0
        t.cacheWrite1h = rng.chance(15) ? rng.int(1_000...90_000) : 0
        t.webSearchRequests = tier != "priority" && rng.chance(20) ? rng.int(1...40) : 0
        return UsageAtom(
            day: day, minuteOfDay: rng.int(0...1439), apiKeyID: key?.id,
            workspaceID: workspace.id == defaultWorkspace.id ? nil : workspace.id,
            model: model.id, serviceTier: tier, contextWindow: longContext ? "200k-1M" : "0-200k",
            inferenceGeo: geo, tokens: t)
    }

    /// Code execution container time per workspace (nil = default), in tenths of an hour. It is
    /// billed in the cost report but absent from the usage report (https://platform.claude.com/docs/en/manage-claude/usage-cost-api: Priority Tier is not in the cost report, code execution not in the usage report).
    public func codeExecution(on day: Day) -> [(workspaceID: String?, tenthsOfHour: Int)] {
        guard hasData(on: day) else { return [] }
        var rng = SplitMix64(seed: seed, label: "code-execution", day.daysSinceEpoch)
        guard rng.chance(40) else { return [] }
        let research = workspaces[1]
        return [(research.id, rng.int(1...60))]
    }
}

/// Memoizes generated days by (day, revision). Thread-safe; shared between copies of an
/// organization, which is sound because generation is deterministic.
final class DayCache: @unchecked Sendable {
    private struct Key: Hashable { let day: Day, revision: Int }
    private let lock = NSLock()
    private var atoms: [Key: [UsageAtom]] = [:]
    private var costs: [Key: [CostRow]] = [:]

    func atoms(_ day: Day, _ revision: Int, _ make: () -> [UsageAtom]) -> [UsageAtom] {
        let key = Key(day: day, revision: revision)
        if let hit = (lock.withLock { atoms[key] }) { return hit }
        let value = make()
        lock.withLock { atoms[key] = value }
        return value
    }

    func costs(_ day: Day, _ revision: Int, _ make: () -> [CostRow]) -> [CostRow] {
        let key = Key(day: day, revision: revision)
        if let hit = (lock.withLock { costs[key] }) { return hit }
        let value = make()
        lock.withLock { costs[key] = value }
        return value
    }
}
