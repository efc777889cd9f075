import CoreValues
import Foundation

/// The page's inline SVG charts and bar tables. Geometry comes from exact values by integer
/// arithmetic (money as whole cents, lengths in tenths of a unit): no binary floating point
/// touches a figure, and every printed figure is the exact one.
extension HTMLReport {
    /// Series colours (Tableau 10, distinguishable in print and for most colour-blind readers);
    /// the last is for "other".
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
    static let otherColor = "#bab0ac"
    static let maxSeries = 7

    // MARK: arithmetic

    /// `x` rounded to whole cents (half away from zero), as an integer.
    static func cents(_ x: ExactDecimal) -> Int128 {
        let r = x.rounded(places: 2)
        var units = r.units
        for _ in max(r.scale, 0)..<2 { units *= 10 }
        return units
    }

    /// `value * span / max` in tenths of a unit, rounded down; 0 when `max` is not positive.
    static func scaled(_ value: Int128, of max: Int128, span: Int) -> Int {
        guard max > 0, value > 0 else { return 0 }
        return Int(value * Int128(span) * 10 / max)
    }

    /// Tenths of a unit as SVG text: `123` → "12.3".
    static func tenths(_ v: Int) -> String {
        v % 10 == 0 ? String(v / 10) : "\(v / 10).\(abs(v % 10))"
    }

    /// A step of 1, 2 or 5 times a power of ten that divides `max` into at most `ticks` steps.
    static func niceStep(_ max: Int128, ticks: Int128 = 5) -> Int128 {
        guard max > 0 else { return 1 }
        let raw = (max + ticks - 1) / ticks
        var magnitude: Int128 = 1
        while magnitude * 10 <= raw { magnitude *= 10 }
        for factor: Int128 in [1, 2, 5, 10] where factor * magnitude >= raw { return factor * magnitude }
        return magnitude * 10
    }

    /// The share of `part` in `whole` as "12.3%", rounded half up from the exact amounts.
    static func share(_ part: ExactDecimal, of whole: ExactDecimal) -> String {
        let scale = max(part.scale, whole.scale)
        let (p, pOverflow) = part.units.multipliedReportingOverflow(by: power10(scale - part.scale))
        let (w, wOverflow) = whole.units.multipliedReportingOverflow(by: power10(scale - whole.scale))
        guard !pOverflow, !wOverflow, w > 0, p >= 0 else { return "–" }
        let (product, overflow) = p.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return "–" }
        let permille = (product + w / 2) / w
        return "\(permille / 10).\(permille % 10)%"
    }

    static func power10(_ n: Int) -> Int128 {
        (0..<max(n, 0)).reduce(Int128(1)) { value, _ in value * 10 }
    }

    // MARK: formatting

    /// "$12,345.67": rounded to the cent for reading; the exact value goes into titles and data attributes.
    static func usd(_ x: ExactDecimal) -> String {
        let text = x.formatted(places: 2)
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        let whole = TextTable.grouped(Int64(parts[0]) ?? 0)
        return (negative ? "-$" : "$") + whole + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// An axis label for a whole number of cents: "$1,200" or "$0.50".
    static func usdAxis(cents: Int128, step: Int128) -> String {
        if step % 100 == 0 { return "$" + TextTable.grouped(Int64(cents / 100)) }
        return usd((try? ExactDecimal(units: cents, scale: 0).dividedByPowerOfTen(2)) ?? .zero)
    }

    /// "1.2M", "340k", "12": token counts on axes.
    static func compact(_ n: Int128) -> String {
        for (limit, suffix) in [(Int128(1_000_000_000), "B"), (1_000_000, "M"), (1_000, "k")] where n >= limit {
            let tenthsValue = n * 10 / limit
            return tenthsValue % 10 == 0 || tenthsValue >= 1000
                ? "\(tenthsValue / 10)\(suffix)" : "\(tenthsValue / 10).\(tenthsValue % 10)\(suffix)"
        }
        return String(n)
    }

    static func grouped(_ n: Int64) -> String { TextTable.grouped(n) }

    /// "Aug 3".
    static func shortDate(_ day: Day) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let (_, m, d) = day.civil
        return "\(months[m - 1]) \(d)"
    }

    /// Escapes text for HTML content and attribute values.
    static func esc(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    // MARK: axes

    /// A plot area inside an SVG: where value 0 sits and how tall and wide the bars may be.
    struct Plot {
        var width: Int
        var height: Int
        var left: Int
        var top: Int
        var plotWidth: Int { width - left - 12 }
        var plotHeight: Int { height - top - 34 }
        var baseline: Int { top + plotHeight }
    }

    /// Horizontal grid lines with labels at every `step` up to `top`, and the axis title.
    static func yAxis(_ plot: Plot, top: Int128, step: Int128, title: String, label: (Int128) -> String) -> String {
        var svg = ""
        var value: Int128 = 0
        while value <= top {
            let y = plot.baseline * 10 - scaled(value, of: top, span: plot.plotHeight)
            svg +=
                "<line class=\"grid\(value == 0 ? " base" : "")\" x1=\"\(plot.left)\" x2=\"\(plot.left + plot.plotWidth)\" y1=\"\(tenths(y))\" y2=\"\(tenths(y))\"/>"
            svg += "<text class=\"tick\" x=\"\(plot.left - 6)\" y=\"\(tenths(y + 35))\" text-anchor=\"end\">\(esc(label(value)))</text>"
            value += step
        }
        svg +=
            "<text class=\"axis-title\" transform=\"translate(12 \(plot.top + plot.plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">\(esc(title))</text>"
        return svg
    }

    /// Date labels under the bars: every day for short ranges, about `labels` otherwise.
    static func xAxis(_ plot: Plot, days: [Day], slot: Int, labels: Int = 10) -> String {
        guard !days.isEmpty else { return "" }
        let every = max(1, (days.count + labels - 1) / labels)
        var svg = ""
        for (i, day) in days.enumerated() where i % every == 0 {
            let x = plot.left * 10 + slot * i + slot / 2
            svg += "<text class=\"tick\" x=\"\(tenths(x))\" y=\"\(plot.baseline + 16)\" text-anchor=\"middle\">\(shortDate(day))</text>"
        }
        let (y1, _, _) = days[0].civil
        let (y2, _, _) = days[days.count - 1].civil
        let caption = "UTC day" + (y1 == y2 ? ", \(y1)" : ", \(y1)–\(y2)")
        svg +=
            "<text class=\"axis-title\" x=\"\(plot.left + plot.plotWidth / 2)\" y=\"\(plot.height - 4)\" text-anchor=\"middle\">\(caption)</text>"
        return svg
    }

    // MARK: charts

    /// Daily cost stacked by workspace. `series` are the workspace keys in legend order (the
    /// last may stand for "other workspaces", given as `nil` in `others`).
    static func dailyCostChart(_ page: Content, series: [Series]) -> String {
        let days = page.days
        let dayCents = days.map { cents(dayTotal(page, $0)) }
        let maxCents = dayCents.max() ?? 0
        let step = niceStep(maxCents)
        let top = max(step, (maxCents + step - 1) / step * step)
        let plot = Plot(width: 960, height: 320, left: 72, top: 12)
        let slot = plot.plotWidth * 10 / max(days.count, 1)
        let barWidth = max(slot * 3 / 4, 4)
        var svg = svgOpen(plot, label: "Daily cost stacked by workspace")
        svg += yAxis(plot, top: top, step: step, title: "cost (USD)") { usdAxis(cents: $0, step: step) }
        for (i, day) in days.enumerated() {
            let x = plot.left * 10 + slot * i + (slot - barWidth) / 2
            let total = dayTotal(page, day)
            svg += "<g data-day=\"\(day)\" data-usd=\"\(total)\">"
            var cumulative: Int128 = 0
            for s in series {
                let amount = s.amount(page.daily[day] ?? [:])
                guard !amount.isZero else { continue }
                let low = scaled(cumulative, of: top, span: plot.plotHeight)
                cumulative += cents(amount)
                let high = scaled(cumulative, of: top, span: plot.plotHeight)
                guard high > low else { continue }
                svg +=
                    "<rect x=\"\(tenths(x))\" y=\"\(tenths(plot.baseline * 10 - high))\" width=\"\(tenths(barWidth))\" height=\"\(tenths(high - low))\" fill=\"\(s.color)\">"
                svg +=
                    "<title>\(day) · \(esc(s.label)): \(usd(amount)) (exactly $\(amount)); day total \(usd(total)) (exactly $\(total))</title></rect>"
            }
            svg += "</g>"
        }
        svg += xAxis(plot, days: days, slot: slot)
        return svg + "</svg>"
    }

    static func dayTotal(_ page: Content, _ day: Day) -> ExactDecimal {
        (try? ExactDecimal.sum((page.daily[day] ?? [:]).values)) ?? .zero
    }

    /// A stack series: a colour, a label and which workspace keys it adds up.
    struct Series {
        var label: String
        var color: String
        var keys: [String?]

        func amount(_ day: [String?: ExactDecimal]) -> ExactDecimal {
            (try? ExactDecimal.sum(keys.compactMap { day[$0] })) ?? .zero
        }
    }

    /// The workspaces in legend order: the largest `maxSeries`, then the rest as one series.
    static func workspaceSeries(_ page: Content) -> [Series] {
        var series: [Series] = []
        for (i, slice) in page.workspaces.enumerated() {
            if i < maxSeries || page.workspaces.count == maxSeries + 1 {
                series.append(Series(label: slice.label, color: palette[i % palette.count], keys: [slice.id]))
            } else if i == maxSeries {
                series.append(Series(label: "Other workspaces", color: otherColor, keys: [slice.id]))
            } else {
                series[maxSeries].keys.append(slice.id)
            }
        }
        return series
    }

    /// One small bar chart of a Claude Code count per day.
    static func activityChart(_ page: Content, title: String, unit: String, value: (CodeDay) -> Int64) -> String {
        let days = page.days
        let values = days.map { Int128(page.claudeCode[$0].map(value) ?? 0) }
        let maxValue = values.max() ?? 0
        let step = niceStep(maxValue, ticks: 3)
        let top = max(step, (maxValue + step - 1) / step * step)
        let plot = Plot(width: 460, height: 190, left: 56, top: 10)
        let slot = plot.plotWidth * 10 / max(days.count, 1)
        let barWidth = max(slot * 3 / 4, 4)
        var svg = svgOpen(plot, label: title)
        svg += yAxis(plot, top: top, step: step, title: unit) { compact($0) }
        for (i, day) in days.enumerated() where values[i] > 0 {
            let x = plot.left * 10 + slot * i + (slot - barWidth) / 2
            let h = scaled(values[i], of: top, span: plot.plotHeight)
            svg +=
                "<rect data-day=\"\(day)\" data-value=\"\(values[i])\" x=\"\(tenths(x))\" y=\"\(tenths(plot.baseline * 10 - h))\" width=\"\(tenths(barWidth))\" height=\"\(tenths(h))\" fill=\"\(palette[0])\">"
            svg += "<title>\(day): \(grouped(Int64(values[i]))) \(esc(unit))</title></rect>"
        }
        svg += xAxis(plot, days: days, slot: slot, labels: 5)
        return svg + "</svg>"
    }

    static func svgOpen(_ plot: Plot, label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(plot.width) \(plot.height)\" role=\"img\" aria-label=\"\(esc(label))\" xmlns=\"http://www.w3.org/2000/svg\">"
    }

    /// A horizontal bar inside a table cell, as wide as `value` is of `max`.
    static func bar(_ segments: [(value: Int128, color: String, title: String)], max: Int128) -> String {
        var html = "<div class=\"bar\">"
        for segment in segments where segment.value > 0 {
            let permille = Int(segment.value * 1000 / Swift.max(max, 1))
            html +=
                "<span style=\"width:\(permille / 10).\(permille % 10)%;background:\(segment.color)\" title=\"\(esc(segment.title))\"></span>"
        }
        return html + "</div>"
    }
}
