import CoreValues
import Foundation

/// The page itself: a pure function of `HTMLReport.Content`.
extension HTMLReport {
    /// The whole HTML document.
    public static func render(_ page: Content) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
        html += "<title>\(esc(title(page)))</title>\n<style>\(stylesheet)</style>\n</head>\n<body>\n<main>\n"
        html += header(page)
        html += dailySection(page)
        html += modelSection(page)
        html += keySection(page)
        html += actorSection(page)
        html += claudeCodeSection(page)
        html += footer(page)
        return html + "</main>\n</body>\n</html>\n"
    }

    static func title(_ page: Content) -> String {
        let org = page.organization.map { $0.name ?? $0.id } ?? "Anthropic organization"
        return "Claude spend · \(org) · \(rangeText(page))"
    }

    static func rangeText(_ page: Content) -> String {
        guard let since = page.since, let until = page.until else { return "no data" }
        let last = until.adding(days: -1)
        let count = until - since
        return since == last ? "\(since) (1 day, UTC)" : "\(since) to \(last) (\(count) days, UTC)"
    }

    static func header(_ page: Content) -> String {
        let org = page.organization
        var html = "<header>\n<p class=\"eyebrow\">Claude API spend · claude-ledger</p>\n"
        html += "<h1>\(esc(org?.name ?? "Organization not recorded"))</h1>\n"
        html +=
            "<p class=\"sub\">organization <code id=\"org-id\">\(esc(org?.id ?? "none: run `claude-ledger sync`"))</code> · <span id=\"range\">\(esc(rangeText(page)))</span></p>\n"
        let days = page.days.count
        let average = days > 0 ? usd(averagePerDay(page, days: days)) : "–"
        html += "<div class=\"kpis\">"
        html +=
            "<div class=\"kpi main\"><span class=\"label\">Billed cost</span><span id=\"grand-total\" class=\"value\" data-usd=\"\(page.grandTotal)\" title=\"exactly $\(page.grandTotal)\">\(usd(page.grandTotal))</span><span class=\"note\">exactly $\(page.grandTotal)</span></div>"
        html +=
            "<div class=\"kpi\"><span class=\"label\">Average per day</span><span class=\"value\">\(average)</span><span class=\"note\">over \(days) day\(days == 1 ? "" : "s")</span></div>"
        html +=
            "<div class=\"kpi\"><span class=\"label\">Workspaces · models</span><span class=\"value\">\(page.workspaces.count) · \(page.models.count)</span><span class=\"note\">\(grouped(page.costRows)) cost rows</span></div>"
        html += "</div>\n"
        html += provenance(page)
        return html + "</header>\n"
    }

    /// The average to the cent, from whole cents (rounded half up).
    static func averagePerDay(_ page: Content, days: Int) -> ExactDecimal {
        let total = cents(page.grandTotal)
        let average = (total * 2 + Int128(days)) / (Int128(days) * 2)
        return (try? ExactDecimal(units: average, scale: 0).dividedByPowerOfTen(2)) ?? .zero
    }

    static func provenance(_ page: Content) -> String {
        var rows: [(String, String)] = []
        if let head = page.projectionsHead {
            var text = "seq <span id=\"head-seq\">\(head.seq)</span> · chain <code id=\"head-chain\">\(esc(head.chainHash))</code>"
            if let ledger = page.ledgerHead, ledger != head {
                text +=
                    " <span class=\"badge warn\">the ledger has moved on to seq \(ledger.seq): run <code>claude-ledger rebuild</code></span>"
            }
            rows.append(("Ledger head", text))
        } else if let head = page.ledgerHead {
            rows.append(
                (
                    "Ledger head",
                    "seq <span id=\"head-seq\">\(head.seq)</span> · chain <code id=\"head-chain\">\(esc(head.chainHash))</code>"
                ))
        }
        rows.append(("Projection fingerprint", page.fingerprint.map { "<code id=\"fingerprint\">\(esc($0))</code>" } ?? "not recorded"))
        rows.append(("Last reconciliation", reconciliationText(page.reconciliation)))
        rows.append(("Audit", auditText(page.audit)))
        var html = "<dl class=\"provenance\">"
        for (term, value) in rows { html += "<div><dt>\(term)</dt><dd>\(value)</dd></div>" }
        return html + "</dl>\n"
    }

    static func reconciliationText(_ run: ReconcileRun?) -> String {
        guard let run else {
            return "<span class=\"badge\">none recorded</span> run <code>claude-ledger reconcile --dashboard FILE.csv</code>"
        }
        let ok = run.verdict == "match"
        let badge = "<span id=\"reconcile-verdict\" class=\"badge \(ok ? "ok" : "fail")\">\(esc(run.verdict))</span>"
        let tolerance = (try? ExactDecimal(parsing: run.tolerance)).map { usd($0) } ?? esc(run.tolerance)
        let detail =
            ok
            ? "\(run.days) days match \(esc(run.fileName)) within \(tolerance)"
            : "\(run.daysOff) of \(run.days) days differ from \(esc(run.fileName))"
        return "\(badge) \(detail) · \(esc(run.runAt)) at ledger seq \(run.ledgerHeadSeq)"
    }

    static func auditText(_ audit: AuditSummary?) -> String {
        guard let audit else { return "<span class=\"badge\">not run</span>" }
        if audit.passed {
            return
                "<span id=\"audit-result\" class=\"badge ok\">all invariants hold</span> \(audit.checks) checks, \(audit.warnings) known API gap\(audit.warnings == 1 ? "" : "s") noted"
        }
        let list = audit.failures.prefix(5).map { "<li>\(esc($0))</li>" }.joined()
        return
            "<span id=\"audit-result\" class=\"badge fail\">FAILED</span> \(audit.failures.count) failing check\(audit.failures.count == 1 ? "" : "s")<ul>\(list)</ul>"
    }

    static func section(_ id: String, _ title: String, _ lead: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(title)</h2>\n<p class=\"lead\">\(lead)</p>\n\(body)</section>\n"
    }

    static func empty(_ text: String) -> String { "<p class=\"empty\">\(text)</p>\n" }

    static func footer(_ page: Content) -> String {
        var command = "claude-ledger report costs --by day"
        if let since = page.since, let until = page.until { command += " --since \(since) --until \(until)" }
        return """
            <footer><p>Every figure comes from <code>projections.sqlite</code>, rebuilt from the append-only ledger alone; \
            money is summed exactly from the API's decimal strings and shown rounded to the cent (hover for exact values). \
            <code>\(esc(command))</code> prints the same totals. Dates are UTC days.</p></footer>

            """
    }
}
