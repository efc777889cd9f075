/// The page's one stylesheet: system fonts only (nothing is fetched), tabular figures, and a
/// print layout that keeps charts whole and colours on paper.
extension HTMLReport {
    static let stylesheet = """
        :root{--ink:#1d2330;--muted:#5f6b7a;--line:#e3e7ee;--soft:#f5f7fa;--accent:#4e79a7;--ok:#2e7d32;--fail:#c62828;--warn:#a86400}
        *{box-sizing:border-box}
        html{background:var(--soft)}
        body{margin:0;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
        main{max-width:1040px;margin:0 auto;padding:32px 28px 48px;background:#fff;min-height:100vh}
        header{border-bottom:1px solid var(--line);padding-bottom:20px;margin-bottom:8px}
        .eyebrow{margin:0;color:var(--muted);font-size:12px;letter-spacing:.08em;text-transform:uppercase}
        h1{margin:4px 0 2px;font-size:28px;font-weight:650;letter-spacing:-.01em}
        h2{margin:0 0 2px;font-size:18px;font-weight:650}
        .sub{margin:0 0 18px;color:var(--muted)}
        code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:3px;word-break:break-all}
        .kpis{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 16px}
        .kpi{flex:1 1 160px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;display:flex;flex-direction:column}
        .kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
        .kpi .value{font-size:22px;font-weight:650}
        .kpi.main .value{font-size:30px;color:var(--accent)}
        .kpi .note{color:var(--muted);font-size:12px;word-break:break-all}
        .kpis.small .value{font-size:18px}
        .provenance{display:grid;grid-template-columns:1fr;gap:4px;margin:0;font-size:13px}
        .provenance div{display:grid;grid-template-columns:190px 1fr;gap:12px}
        .provenance dt{color:var(--muted)}
        .provenance dd{margin:0}
        .provenance ul{margin:4px 0 0;padding-left:18px}
        .badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;background:var(--soft);color:var(--muted);border:1px solid var(--line)}
        .badge.ok{background:#e8f5e9;color:var(--ok);border-color:#c8e6c9}
        .badge.fail{background:#ffebee;color:var(--fail);border-color:#ffcdd2}
        .badge.warn{background:#fff4e0;color:var(--warn);border-color:#ffe0b2}
        section{padding:24px 0 8px;border-bottom:1px solid var(--line);break-inside:avoid-page}
        section:last-of-type{border-bottom:0}
        .lead{margin:0 0 14px;color:var(--muted)}
        figure{margin:0}
        svg.chart{width:100%;height:auto;display:block}
        svg .grid{stroke:var(--line);stroke-width:1}
        svg .grid.base{stroke:#9aa5b4}
        svg .tick{fill:var(--muted);font-size:11px}
        svg .axis-title{fill:var(--muted);font-size:11px;font-weight:600}
        svg rect:hover{opacity:.8}
        .legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:8px 0 16px 72px;font-size:13px}
        .legend i,.key-legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}
        .key-legend{font-weight:400;color:var(--muted);margin-left:8px;font-size:12px}
        .key-legend i{margin-left:8px;margin-right:3px}
        table.figures{width:100%;border-collapse:collapse;margin:0 0 14px}
        .figures th{text-align:left;font-size:12px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:6px 8px}
        .figures td{padding:5px 8px;border-bottom:1px solid var(--soft);vertical-align:middle}
        .figures tfoot td{font-weight:650;border-top:1px solid var(--line);border-bottom:0}
        .figures .num{text-align:right;white-space:nowrap}
        .figures .exact{color:var(--muted);font-size:12px}
        .figures.compact td{padding:2px 8px}
        .bar-col{width:34%}
        .bar{display:flex;height:12px;background:var(--soft);border-radius:2px;overflow:hidden}
        .bar span{display:block;height:100%}
        .muted{color:var(--muted);font-size:12px}
        code.id{font-size:11px;color:var(--muted);background:none;padding:0}
        details.days summary{cursor:pointer;color:var(--accent);margin:4px 0 8px}
        .columns{display:grid;grid-template-columns:1fr 1fr;gap:24px}
        .grid{display:grid;grid-template-columns:1fr 1fr;gap:12px 24px}
        .grid figcaption{font-weight:600;font-size:13px;margin-bottom:2px}
        .empty{padding:18px;border:1px dashed var(--line);border-radius:8px;color:var(--muted);background:var(--soft)}
        .note{color:var(--muted);font-size:12px}
        footer{margin-top:18px;color:var(--muted);font-size:12px}
        @media (max-width:760px){.columns,.grid{grid-template-columns:1fr}.provenance div{grid-template-columns:1fr;gap:0}}
        @media print{
          @page{size:A4;margin:14mm}
          html,main{background:#fff}
          main{max-width:none;padding:0;min-height:0}
          body{font-size:11px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
          section,figure,table,tr{break-inside:avoid}
          details.days{display:none}
          svg rect:hover{opacity:1}
          a{color:inherit;text-decoration:none}
        }
        """
}
