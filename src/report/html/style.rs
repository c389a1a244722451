//! The report's stylesheet, inlined so the file stands alone.

/// Inline style sheet: system fonts only, readable on screen, tidy on paper.
pub(crate) const CSS: &str = r#"
:root { --ink: #1c2430; --muted: #5b6675; --line: #d9dee5; --paper: #ffffff; --bg: #f3f5f8;
  --strong: #b42318; --moderate: #c2410c; --weak: #a16207; --none: #4b5563; --accent: #1d4e89; }
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--ink); }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 40px; }
header { background: var(--paper); border: 1px solid var(--line); border-top: 5px solid var(--accent); border-radius: 6px; padding: 18px 22px; margin-bottom: 16px; }
h1 { font-size: 24px; margin: 0; }
h2 { font-size: 19px; margin: 0 0 10px; display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h3 { font-size: 15px; margin: 16px 0 6px; }
h4 { font-size: 14px; margin: 0 0 2px; }
.sub { color: var(--muted); margin: 2px 0 12px; }
.muted { color: var(--muted); font-weight: normal; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
code.hash { word-break: break-all; }
dl.scan { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0 0 12px; }
dl.scan dt { color: var(--muted); }
dl.scan dd { margin: 0; }
.notice { background: #fff7e6; border-left: 4px solid #d97706; padding: 8px 12px; margin: 0; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 16px 22px; margin-bottom: 16px; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; color: #fff; font-size: 12px; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; vertical-align: middle; }
.badge-strong { background: var(--strong); } .badge-moderate { background: var(--moderate); }
.badge-weak { background: var(--weak); } .badge-none { background: var(--none); }
.badge-unassessed { background: #ffffff; color: var(--ink); border: 1px dashed var(--muted); }
.score { color: var(--muted); font-size: 14px; font-weight: normal; }
.status { font-weight: 700; } .status-complete { color: #15803d; } .status-partial { color: var(--moderate); }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
.geo-open { color: #a11; font-weight: 600; }
.geo-blocked, .geo-redirected { color: #1a6b2f; font-weight: 600; }
.geo-inconclusive, .geo-error { color: var(--muted); font-weight: 600; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.url, .url { word-break: break-all; }
td.when { white-space: nowrap; }
a { color: var(--accent); }
ul.reasons { margin: 4px 0 8px; padding-left: 20px; }
.sources { font-size: 13px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 10px 0 4px; }
figure.chart { margin: 0; }
div.shots { display: flex; flex-wrap: wrap; gap: 12px; }
figure.shot { margin: 0; max-width: 420px; }
figure.shot img { width: 100%; max-height: 640px; object-fit: cover; object-position: top; border: 1px solid var(--line, #ccc); }
figure.shot figcaption { font-size: 12.5px; overflow-wrap: anywhere; }
figcaption { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; margin-bottom: 2px; }
svg.bars { max-width: 100%; height: auto; font-size: 12px; }
svg.bars .label { fill: var(--ink); } svg.bars .count { fill: var(--muted); font-variant-numeric: tabular-nums; }
.category { border-top: 1px solid var(--line); padding-top: 10px; margin-top: 12px; }
.category-note { color: var(--muted); font-size: 12.5px; margin: 0 0 6px; }
ul.findings { list-style: none; margin: 0; padding: 0; }
.finding { border-left: 3px solid var(--accent); padding: 6px 10px; margin: 6px 0; background: #fafbfc; }
.finding.disclaimer { border-left-color: #d97706; background: #fffaf0; }
.finding-head { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
code.rule { font-weight: 600; }
.chip { font-size: 11.5px; border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; background: #fff; color: var(--muted); }
.chip-lang { color: #2f7a5d; border-color: #b7dccb; }
.chip-warn { color: #92400e; border-color: #f3c98b; background: #fff3dc; font-weight: 600; }
.weight { font-size: 12px; color: var(--muted); }
blockquote.snippet { margin: 5px 0; padding: 0; font-size: 14px; }
mark { background: #ffe58a; color: inherit; padding: 0 2px; border-radius: 2px; }
.meta { font-size: 12px; color: var(--muted); word-break: break-all; }
.why { font-size: 12px; color: var(--muted); font-style: italic; }
details { margin-top: 10px; }
summary { cursor: pointer; font-weight: 600; }
.changes { border-top: 5px solid #6d28d9; }
.firm-diff { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 8px; }
.verdict-change { font-weight: normal; font-size: 14px; }
.verdict-change.moved { background: #f3e8ff; border-radius: 4px; padding: 1px 6px; }
.counts span { margin-right: 10px; font-weight: 600; }
ul.diff-list { list-style: none; margin: 4px 0; padding: 0; }
ul.diff-list li { padding: 3px 0 3px 22px; position: relative; }
.sign { position: absolute; left: 4px; font-weight: 700; }
.d-new { color: #15803d; } .d-resolved { color: #b42318; } .d-changed { color: #6d28d9; }
ul.diff-list li > :not(.sign) { color: var(--ink); }
ul.diff-list .muted, .was { color: var(--muted); font-size: 12.5px; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  html, body { background: #fff; font-size: 10pt; }
  main { max-width: none; padding: 0; }
  header, .card { border: none; border-radius: 0; padding: 0; margin-bottom: 14pt; }
  .firm { break-before: page; }
  .finding, tr, .firm-diff li { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: contents; }
}
"#;
