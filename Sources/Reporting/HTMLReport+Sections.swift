import CoreValues
import Foundation

/// The page's sections: daily cost, models, API keys, actors and products, Claude Code.
extension HTMLReport {
    static func dailySection(_ page: Content) -> String {
        let lead = "Billed cost per UTC day from the cost report (<code>claude_costs</code>), stacked by workspace."
        guard !page.grandTotal.isZero || page.costRows > 0 else {
            return section(
                "daily", "Daily cost by workspace", lead,
                empty(
                    page.days.isEmpty
                        ? "The ledger has no cost data yet: run <code>claude-ledger sync</code>."
                        : "No cost was recorded in this range (\(esc(rangeText(page))))."))
        }
        let series = workspaceSeries(page)
        var body = "<figure>" + dailyCostChart(page, series: series) + "<figcaption class=\"legend\">"
        for s in series {
            body += "<span><i style=\"background:\(s.color)\"></i>\(esc(s.label))</span>"
        }
        body += "</figcaption></figure>\n"
        body += workspaceTable(page)
        body += dailyTable(page)
        return section("daily", "Daily cost by workspace", lead, body)
    }

    static func workspaceTable(_ page: Content) -> String {
        let top = page.workspaces.first.map { cents($0.usd) } ?? 0
        var html =
            "<table class=\"figures\" id=\"workspaces\"><thead><tr><th>Workspace</th><th class=\"bar-col\"></th><th class=\"num\">Cost</th><th class=\"num\">Share</th></tr></thead><tbody>"
        let colors = workspaceSeries(page)
        for slice in page.workspaces {
            let color = colors.first { $0.keys.contains(slice.id) }?.color ?? otherColor
            let idText = slice.id.map { slice.label == $0 ? "" : " <code>\(esc($0))</code>" } ?? ""
            html += "<tr data-workspace-id=\"\(esc(slice.id ?? ""))\" data-usd=\"\(slice.usd)\"><td>\(esc(slice.label))\(idText)</td>"
            html += "<td class=\"bar-col\">\(bar([(cents(slice.usd), color, "\(slice.label): exactly $\(slice.usd)")], max: top))</td>"
            html +=
                "<td class=\"num\" title=\"exactly $\(slice.usd)\">\(usd(slice.usd))</td><td class=\"num\">\(share(slice.usd, of: page.grandTotal))</td></tr>"
        }
        html +=
            "</tbody><tfoot><tr><td>Total</td><td></td><td class=\"num\" title=\"exactly $\(page.grandTotal)\">\(usd(page.grandTotal))</td><td class=\"num\">100%</td></tr></tfoot></table>\n"
        return html
    }

    /// Every day's total, exact, folded away under the chart.
    static func dailyTable(_ page: Content) -> String {
        var html =
            "<details class=\"days\"><summary>Daily figures (\(page.days.count) days)</summary><table class=\"figures compact\" id=\"days\"><thead><tr><th>Day</th><th class=\"num\">Cost</th><th class=\"num\">Exact USD</th></tr></thead><tbody>"
        for day in page.days {
            let total = dayTotal(page, day)
            html +=
                "<tr data-day=\"\(day)\" data-usd=\"\(total)\"><td>\(day)</td><td class=\"num\">\(usd(total))</td><td class=\"num exact\">\(total)</td></tr>"
        }
        return html + "</tbody></table></details>\n"
    }

    static func modelSection(_ page: Content) -> String {
        let lead = "Billed cost per model over the range; rows without a model are web search and code execution."
        guard !page.models.isEmpty else { return section("models", "Cost by model", lead, empty("No cost in this range.")) }
        let top = page.models.first.map { cents($0.usd) } ?? 0
        var html =
            "<table class=\"figures\" id=\"models\"><thead><tr><th>Model</th><th class=\"bar-col\"></th><th class=\"num\">Cost</th><th class=\"num\">Share</th></tr></thead><tbody>"
        for (i, slice) in page.models.enumerated() {
            let color = slice.id == nil ? otherColor : palette[i % palette.count]
            html += "<tr data-model=\"\(esc(slice.id ?? ""))\" data-usd=\"\(slice.usd)\"><td>\(esc(slice.label))</td>"
            html += "<td class=\"bar-col\">\(bar([(cents(slice.usd), color, "\(slice.label): exactly $\(slice.usd)")], max: top))</td>"
            html +=
                "<td class=\"num\" title=\"exactly $\(slice.usd)\">\(usd(slice.usd))</td><td class=\"num\">\(share(slice.usd, of: page.grandTotal))</td></tr>"
        }
        html += "</tbody></table>\n"
        return section("models", "Cost by model", lead, html)
    }

    static func keySection(_ page: Content) -> String {
        let withCost = page.keyCost == .analytics
        let lead: String =
            switch page.keyCost {
            case .analytics:
                "Tokens per API key from the usage report; billed cost per key from the Usage and Cost Analytics API (<code>claude_costs_by_key</code>), which covers every day of the range."
            case .noAnalyticsTable:
                "<strong>Tokens only:</strong> there is no analytics data in this ledger (no <code>claude_costs_by_key</code> table), and the legacy cost report has no per-key breakdown. Sync the analytics streams for billed cost per key."
            case .partial(let covered, let needed):
                "<strong>Tokens only:</strong> the analytics cost data (<code>claude_costs_by_key</code>) covers \(covered) of the \(needed) days with cost in this range, so no per-key cost is shown."
            }
        guard !page.keys.isEmpty else { return section("keys", "Tokens and cost by API key", lead, empty("No usage in this range.")) }
        let top = Int128(page.keys.map(\.total).max() ?? 0)
        var html =
            "<table class=\"figures\" id=\"keys\"><thead><tr><th>API key</th><th class=\"bar-col\">Tokens <span class=\"key-legend\"><i style=\"background:\(palette[0])\"></i>input <i style=\"background:\(palette[4])\"></i>cache read <i style=\"background:\(palette[1])\"></i>output</span></th><th class=\"num\">Input</th><th class=\"num\">Cache read</th><th class=\"num\">Output</th>\(withCost ? "<th class=\"num\">Billed cost</th>" : "")</tr></thead><tbody>"
        for key in page.keys {
            let segments: [(value: Int128, color: String, title: String)] = [
                (Int128(key.input), palette[0], "\(key.label): \(grouped(key.input)) input tokens (incl. cache writes)"),
                (Int128(key.cacheRead), palette[4], "\(key.label): \(grouped(key.cacheRead)) cache read tokens"),
                (Int128(key.output), palette[1], "\(key.label): \(grouped(key.output)) output tokens"),
            ]
            html +=
                "<tr data-api-key-id=\"\(esc(key.id ?? ""))\" data-tokens=\"\(key.total)\"\(key.billedUSD.map { " data-usd=\"\($0)\"" } ?? "")><td>\(esc(key.label))\(key.id.map { $0 == key.label ? "" : "<br><code class=\"id\">\(esc($0))</code>" } ?? "")</td><td class=\"bar-col\">\(bar(segments, max: top))</td>"
            html +=
                "<td class=\"num\">\(grouped(key.input))</td><td class=\"num\">\(grouped(key.cacheRead))</td><td class=\"num\">\(grouped(key.output))</td>"
            if let usdValue = key.billedUSD { html += "<td class=\"num\" title=\"exactly $\(usdValue)\">\(usd(usdValue))</td>" }
            html += "</tr>"
        }
        html +=
            "</tbody></table>\n<p class=\"note\">Input includes cache writes (5 minute and 1 hour). Usage without an API key is from the Console and Workbench.</p>\n"
        return section("keys", "Tokens and cost by API key", lead, html)
    }

    static func actorSection(_ page: Content) -> String {
        let lead = "Who used what, through which product, from the Usage and Cost Analytics API (<code>claude_usage_by_actor</code>)."
        guard let actors = page.actors, let products = page.products else {
            return section(
                "actors", "Usage by actor and product", lead,
                empty(
                    "No analytics data: projections.sqlite has no <code>claude_usage_by_actor</code> table. Sync the analytics streams to see usage per person, service account and product."
                ))
        }
        guard !actors.isEmpty || !products.isEmpty else {
            return section("actors", "Usage by actor and product", lead, empty("No analytics usage in this range."))
        }
        var body = "<div class=\"columns\">"
        body += usageTable(id: "products", heading: "Product", lines: products, limit: 12)
        body += usageTable(id: "actors-table", heading: "Actor", lines: actors, limit: 15)
        return section("actors", "Usage by actor and product", lead, body + "</div>\n")
    }

    static func usageTable(id: String, heading: String, lines: [UsageLine], limit: Int) -> String {
        let top = Int128(lines.first?.tokens ?? 0)
        var html =
            "<table class=\"figures\" id=\"\(id)\"><thead><tr><th>\(heading)</th><th class=\"bar-col\"></th><th class=\"num\">Tokens</th><th class=\"num\">Requests</th></tr></thead><tbody>"
        for line in lines.prefix(limit) {
            html += "<tr data-tokens=\"\(line.tokens)\"><td>\(esc(line.label)) <span class=\"muted\">\(esc(line.detail))</span></td>"
            html +=
                "<td class=\"bar-col\">\(bar([(Int128(line.tokens), palette[0], "\(line.label): \(grouped(line.tokens)) tokens, \(grouped(line.requests)) requests")], max: top))</td>"
            html += "<td class=\"num\">\(grouped(line.tokens))</td><td class=\"num\">\(grouped(line.requests))</td></tr>"
        }
        if lines.count > limit {
            let rest = lines.dropFirst(limit)
            html +=
                "<tr class=\"muted\"><td>\(rest.count) more</td><td></td><td class=\"num\">\(grouped(rest.reduce(0) { $0 + $1.tokens }))</td><td class=\"num\">\(grouped(rest.reduce(0) { $0 + $1.requests }))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func claudeCodeSection(_ page: Content) -> String {
        let lead =
            "Claude Code activity per UTC day from the Claude Code report (<code>claude_code_productivity</code>). Its spend is already inside the billed cost above."
        let total = page.claudeCode.values.reduce(into: CodeDay()) { sum, day in
            sum.sessions += day.sessions; sum.linesAdded += day.linesAdded; sum.linesRemoved += day.linesRemoved
            sum.commits += day.commits; sum.pullRequests += day.pullRequests
        }
        guard !page.claudeCode.isEmpty else {
            return section("claude-code", "Claude Code activity", lead, empty("No Claude Code activity was recorded in this range."))
        }
        var body = "<div class=\"kpis small\" id=\"code-totals\">"
        for (label, value) in [
            ("Sessions", total.sessions), ("Lines added", total.linesAdded), ("Lines removed", total.linesRemoved),
            ("Commits", total.commits), ("Pull requests", total.pullRequests),
        ] {
            body += "<div class=\"kpi\"><span class=\"label\">\(label)</span><span class=\"value\">\(grouped(value))</span></div>"
        }
        body += "</div>\n<div class=\"grid\">"
        body +=
            "<figure><figcaption>Sessions</figcaption>\(activityChart(page, title: "Sessions per day", unit: "sessions") { $0.sessions })</figure>"
        body +=
            "<figure><figcaption>Lines added</figcaption>\(activityChart(page, title: "Lines added per day", unit: "lines") { $0.linesAdded })</figure>"
        body +=
            "<figure><figcaption>Commits</figcaption>\(activityChart(page, title: "Commits per day", unit: "commits") { $0.commits })</figure>"
        body +=
            "<figure><figcaption>Pull requests</figcaption>\(activityChart(page, title: "Pull requests per day", unit: "pull requests") { $0.pullRequests })</figure>"
        return section("claude-code", "Claude Code activity", lead, body + "</div>\n")
    }
}
