//! The human report: one self-contained HTML file a supervisor can open,
//! print and file, rendered from a [`Report`] (and, for nightly runs, the
//! [`ReportDiff`] against the previous scan).
//!
//! Everything the page needs is inside it: inline CSS, inline SVG charts, no
//! scripts, no fonts, no images, no external references, and a
//! Content-Security-Policy that forbids loading anything should a future
//! change slip one in. All report text comes from crawled pages and is
//! treated as hostile: every string is HTML-escaped, and only `http`/`https`
//! URLs ever become links. This module never reads files, never fetches and
//! never changes a verdict; it is a pure function of its input, so the same
//! report always renders to the same bytes.

use crate::model::diff::{ChangedFinding, FirmDiff, ReportDiff};
use crate::model::report::{ErrorEntry, FirmReport, Report, ScanStatus, NOTICE};
use crate::model::{Category, Finding, Level, Signal, Verdict};
use std::collections::BTreeMap;

/// Hex characters of a content hash shown inline; the full hash is in the
/// element's `title` and in the JSON report.
const SHORT_HASH_CHARS: usize = 12;

/// Width of the SVG bar charts in CSS pixels (they scale down on narrow screens).
const CHART_WIDTH: usize = 440;
const CHART_LABEL_WIDTH: usize = 170;
const CHART_ROW_HEIGHT: usize = 22;

/// Renders `report` (and the changes since the previous scan, when given)
/// as one self-contained HTML document.
pub fn render(report: &Report, diff: Option<&ReportDiff>) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // The policy is belt and braces: the page references nothing, and if
    // it ever did, the browser would refuse to load it.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n",
    );
    // Following a finding's link must not tell the firm who is looking.
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>MiCAR solicitation scan {} — {}</title>\n",
        esc(&report.scan.id),
        esc(&report.scan.started_at)
    ));
    out.push_str("<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    render_header(&mut out, report);
    render_summary(&mut out, report);
    if let Some(diff) = diff {
        render_diff(&mut out, diff);
    }
    for (index, firm) in report.firms.iter().enumerate() {
        render_firm(&mut out, firm, index);
    }
    if !report.errors.is_empty() {
        out.push_str("<section class=\"card\">\n");
        render_errors(&mut out, &report.errors, "Scan errors not tied to a firm");
        out.push_str("</section>\n");
    }
    out.push_str(&format!(
        "<footer>Rendered by {} {} from a report in format {}. The JSON report is the record; this page is a view of it.</footer>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&report.schema_version)
    ));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn render_header(out: &mut String, report: &Report) {
    let scan = &report.scan;
    out.push_str("<header>\n<h1>MiCAR solicitation scan</h1>\n");
    out.push_str("<p class=\"sub\">Evidence of EU-directed marketing by third-country crypto-asset service providers (MiCAR Art. 61, ESMA reverse-solicitation guidelines)</p>\n");
    out.push_str("<dl class=\"scan\">\n");
    let status = match scan.status {
        ScanStatus::Complete => {
            "<span class=\"status status-complete\">complete</span>".to_string()
        }
        ScanStatus::Partial => {
            let mut text = "<span class=\"status status-partial\">partial</span>".to_string();
            if !scan.partial_reasons.is_empty() {
                let reasons: Vec<String> = scan.partial_reasons.iter().map(|r| esc(r)).collect();
                text.push_str(&format!(" {}", reasons.join("; ")));
            }
            text
        }
    };
    let rows = [
        ("Scan id", format!("<code>{}</code>", esc(&scan.id))),
        ("Started", esc(&scan.started_at)),
        ("Finished", esc(&scan.finished_at)),
        ("Status", status),
        (
            "Config SHA-256",
            format!("<code class=\"hash\">{}</code>", esc(&scan.config_sha256)),
        ),
        (
            "Patterns SHA-256",
            format!("<code class=\"hash\">{}</code>", esc(&scan.patterns_sha256)),
        ),
        (
            "User-Agent",
            format!("<code>{}</code>", esc(&scan.user_agent)),
        ),
        (
            "Tool",
            format!(
                "{} {} · report format {}",
                esc(&report.tool.name),
                esc(&report.tool.version),
                esc(&report.schema_version)
            ),
        ),
    ];
    for (term, value) in rows {
        out.push_str(&format!("<dt>{term}</dt><dd>{value}</dd>\n"));
    }
    out.push_str("</dl>\n");
    let notice = if report.notice.trim().is_empty() {
        NOTICE
    } else {
        report.notice.as_str()
    };
    out.push_str(&format!(
        "<p class=\"notice\"><strong>What this report is.</strong> {}</p>\n</header>\n",
        esc(notice)
    ));
}

fn render_summary(out: &mut String, report: &Report) {
    out.push_str("<section class=\"card\">\n<h2>Firms</h2>\n");
    if report.firms.is_empty() {
        out.push_str("<p class=\"muted\">The report holds no firms.</p>\n</section>\n");
        return;
    }
    out.push_str("<table class=\"summary\">\n<thead><tr><th>Firm</th><th>Verdict</th><th class=\"num\">Score</th><th class=\"num\">Findings</th><th class=\"num\">Pages</th><th class=\"num\">Errors</th></tr></thead>\n<tbody>\n");
    for (index, firm) in report.firms.iter().enumerate() {
        out.push_str(&format!(
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            firm_anchor(index),
            esc(&firm.name),
            badge(firm.verdict.level),
            firm.verdict.score,
            firm.findings.len(),
            firm.pages.len(),
            firm.errors.len()
        ));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn render_firm(out: &mut String, firm: &FirmReport, index: usize) {
    out.push_str(&format!(
        "<section class=\"card firm\" id=\"{}\">\n",
        firm_anchor(index)
    ));
    out.push_str(&format!(
        "<h2>{} {} <span class=\"score\">score {:.1}</span></h2>\n",
        esc(&firm.name),
        badge(firm.verdict.level),
        firm.verdict.score
    ));
    if let Some(country) = &firm.home_country {
        out.push_str(&format!(
            "<p class=\"muted\">Home country: {}</p>\n",
            esc(country)
        ));
    }
    if firm.verdict.reasons.is_empty() {
        out.push_str("<p class=\"muted\">No reasons recorded.</p>\n");
    } else {
        out.push_str("<h3>Why</h3>\n<ul class=\"reasons\">\n");
        for reason in &firm.verdict.reasons {
            out.push_str(&format!("<li>{}</li>\n", esc(reason)));
        }
        out.push_str("</ul>\n");
    }
    if !firm.sources.is_empty() {
        out.push_str("<p class=\"sources\"><span class=\"muted\">Sources:</span> ");
        let sources: Vec<String> = firm
            .sources
            .iter()
            .map(|source| {
                let unchanged = if source.pages_revalidated > 0 {
                    format!(
                        " ({} unchanged since the baseline)",
                        source.pages_revalidated
                    )
                } else {
                    String::new()
                };
                format!(
                    "{} <span class=\"muted\">({}, {}{unchanged}, {})</span>",
                    url_link(&source.url),
                    esc(&serde_label(&source.kind)),
                    plural(source.pages_fetched, "page"),
                    plural(source.errors, "error")
                )
            })
            .collect();
        out.push_str(&sources.join(" · "));
        out.push_str("</p>\n");
    }

    if !firm.geo.is_empty() {
        render_geo(out, &firm.geo);
    }
    if firm.findings.is_empty() {
        out.push_str("<p class=\"muted\">No findings.</p>\n");
    } else {
        render_charts(out, firm);
        render_findings(out, firm);
    }

    out.push_str(&format!(
        "<details>\n<summary>Pages fetched ({})</summary>\n",
        firm.pages.len()
    ));
    if firm.pages.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>\n");
    } else {
        out.push_str("<table class=\"pages\">\n<thead><tr><th>URL</th><th class=\"num\">Status</th><th>Language</th><th class=\"num\">Score</th></tr></thead>\n<tbody>\n");
        for page in &firm.pages {
            let language = page
                .language
                .as_ref()
                .and_then(|lang| lang.primary.as_deref())
                .unwrap_or("—");
            let mut url_cell = url_link(&page.url);
            if page.final_url != page.url {
                url_cell.push_str(&format!(
                    "<br><span class=\"muted\">→ {}</span>",
                    esc(&page.final_url)
                ));
            }
            out.push_str(&format!(
                "<tr><td class=\"url\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{:.1}</td></tr>\n",
                url_cell,
                page.status,
                esc(language),
                page.score
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</details>\n");
    if !firm.errors.is_empty() {
        render_errors(out, &firm.errors, "Errors and skips");
    }
    out.push_str("</section>\n");
}

/// The geo probe per vantage: what a visitor from each country got.
fn render_geo(out: &mut String, geo: &[crate::model::geo::GeoResult]) {
    out.push_str("<h3>Access by country (geo probe)</h3>\n<table class=\"geo\">\n<thead><tr><th>Vantage</th><th>Outcome</th><th class=\"num\">Similarity to control</th><th>Sign-up</th><th>Detail</th></tr></thead>\n<tbody>\n");
    for result in geo {
        let vantage = result.label_with_role();
        let similarity = result
            .similarity_to_control
            .map_or_else(|| "—".to_string(), |s| format!("{s:.2}"));
        let signup = match (result.signup_reachable, result.eu_countries_offered.len()) {
            (None, _) => "—".to_string(),
            (Some(true), 0) => "reachable".to_string(),
            (Some(true), 1) => "reachable, 1 EU country offered".to_string(),
            (Some(true), n) => format!("reachable, {n} EU countries offered"),
            (Some(false), _) => "closed to this country".to_string(),
        };
        out.push_str(&format!(
            "<tr><td>{}</td><td><span class=\"geo-{}\">{}</span></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&vantage),
            result.outcome.as_str(),
            result.outcome.as_str(),
            similarity,
            esc(&signup),
            esc(&result.summary)
        ));
    }
    out.push_str("</tbody>\n</table>\n");
}

fn render_charts(out: &mut String, firm: &FirmReport) {
    let mut by_category: BTreeMap<Category, usize> = BTreeMap::new();
    let mut by_language: BTreeMap<String, usize> = BTreeMap::new();
    for finding in &firm.findings {
        *by_category.entry(finding.category).or_default() += 1;
        let language = finding.language.as_deref().unwrap_or("unknown");
        *by_language.entry(language.to_string()).or_default() += 1;
    }
    let categories: Vec<(String, usize)> = sorted_by_count(
        by_category
            .into_iter()
            .map(|(category, n)| (category_label(category).to_string(), n)),
    );
    let languages: Vec<(String, usize)> = sorted_by_count(
        by_language
            .into_iter()
            .map(|(code, n)| (language_label(&code), n)),
    );
    out.push_str("<div class=\"charts\">\n");
    out.push_str(&bar_chart(
        "Findings by ESMA activity",
        &categories,
        "#1d4e89",
    ));
    out.push_str(&bar_chart("Findings by language", &languages, "#2f7a5d"));
    out.push_str("</div>\n");
}

fn sorted_by_count(rows: impl Iterator<Item = (String, usize)>) -> Vec<(String, usize)> {
    let mut rows: Vec<(String, usize)> = rows.collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// A horizontal bar chart as inline SVG: label, bar, count per row.
fn bar_chart(title: &str, rows: &[(String, usize)], colour: &str) -> String {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let bar_space = CHART_WIDTH - CHART_LABEL_WIDTH - 40;
    let height = rows.len() * CHART_ROW_HEIGHT + 8;
    let mut svg = format!(
        "<figure class=\"chart\">\n<figcaption>{}</figcaption>\n<svg class=\"bars\" viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\n",
        esc(title),
        esc(title)
    );
    for (row, (label, count)) in rows.iter().enumerate() {
        let y = 4 + row * CHART_ROW_HEIGHT;
        let bar = (count * bar_space).div_ceil(max).max(2);
        let text_y = y + 15;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{text_y}\" text-anchor=\"end\" class=\"label\">{}</text>\
<rect x=\"{CHART_LABEL_WIDTH}\" y=\"{}\" width=\"{bar}\" height=\"{}\" rx=\"2\" fill=\"{colour}\"><title>{}: {count}</title></rect>\
<text x=\"{}\" y=\"{text_y}\" class=\"count\">{count}</text>\n",
            CHART_LABEL_WIDTH - 8,
            esc(label),
            y + 3,
            CHART_ROW_HEIGHT - 6,
            esc(label),
            CHART_LABEL_WIDTH + bar + 6,
        ));
    }
    svg.push_str("</svg>\n</figure>\n");
    svg
}

fn render_findings(out: &mut String, firm: &FirmReport) {
    let mut by_category: BTreeMap<Category, Vec<&Finding>> = BTreeMap::new();
    for finding in &firm.findings {
        by_category
            .entry(finding.category)
            .or_default()
            .push(finding);
    }
    out.push_str("<h3>Findings by ESMA activity</h3>\n");
    for (category, mut findings) in by_category {
        findings.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.url.cmp(&b.url))
                .then_with(|| a.location.block_index.cmp(&b.location.block_index))
        });
        out.push_str(&format!(
            "<div class=\"category\">\n<h4>{} <span class=\"muted\">· {} finding{}</span></h4>\n<p class=\"category-note\">{}</p>\n<ul class=\"findings\">\n",
            esc(category_label(category)),
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            esc(category_note(category))
        ));
        for finding in findings {
            out.push_str("<li>");
            out.push_str(&finding_html(finding));
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n</div>\n");
    }
}

/// One finding with everything needed to trace it back to the page.
fn finding_html(finding: &Finding) -> String {
    let is_disclaimer = finding.signal == Signal::Disclaimer || finding.cures == Some(false);
    let mut html = format!(
        "<div class=\"finding{}\">\n<div class=\"finding-head\"><code class=\"rule\">{}</code> <span class=\"chip\">{}</span> <span class=\"weight\">weight {}</span>",
        if is_disclaimer { " disclaimer" } else { "" },
        esc(&finding.rule_id),
        esc(finding.signal.as_str()),
        finding.weight
    );
    if let Some(language) = &finding.language {
        html.push_str(&format!(
            " <span class=\"chip chip-lang\">{}</span>",
            esc(language)
        ));
    }
    if let Some(service) = &finding.service {
        html.push_str(&format!(
            " <span class=\"chip\">service: {}</span>",
            esc(service)
        ));
    }
    if is_disclaimer {
        html.push_str(" <span class=\"chip chip-warn\">cures: false — recorded, not a cure</span>");
    }
    html.push_str("</div>\n");
    html.push_str(&format!(
        "<blockquote class=\"snippet\">{}</blockquote>\n",
        highlight(&finding.snippet, &finding.matched)
    ));
    html.push_str(&format!(
        "<div class=\"meta\">{} · fetched {} · sha256 {} · {} #{}</div>\n",
        url_link(&finding.url),
        esc(&finding.fetched_at),
        short_hash(&finding.content_sha256),
        esc(finding.location.block_kind.as_str()),
        finding.location.block_index
    ));
    if !finding.description.is_empty() || !finding.legal_ref.is_empty() {
        html.push_str(&format!(
            "<div class=\"why\">{}{}{}</div>\n",
            esc(&finding.description),
            if finding.description.is_empty() || finding.legal_ref.is_empty() {
                ""
            } else {
                " — "
            },
            esc(&finding.legal_ref)
        ));
    }
    html.push_str("</div>");
    html
}

fn render_errors(out: &mut String, errors: &[ErrorEntry], title: &str) {
    out.push_str(&format!(
        "<details>\n<summary>{} ({})</summary>\n<table class=\"errors\">\n<thead><tr><th>URL</th><th>Kind</th><th>Message</th><th>At</th></tr></thead>\n<tbody>\n",
        esc(title),
        errors.len()
    ));
    for error in errors {
        let mut message = esc(&error.message);
        if let Some(rule) = &error.rule {
            message.push_str(&format!(" <code>{}</code>", esc(rule)));
        }
        out.push_str(&format!(
            "<tr><td class=\"url\">{}</td><td><code>{}</code></td><td>{}</td><td class=\"when\">{}</td></tr>\n",
            esc(&error.url),
            esc(&error.kind),
            message,
            esc(&error.at)
        ));
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}

fn render_diff(out: &mut String, diff: &ReportDiff) {
    out.push_str(&format!(
        "<section class=\"card changes\" id=\"changes\">\n<h2>Changes since scan <code>{}</code></h2>\n<p class=\"muted\">Previous scan started {}; this scan <code>{}</code> started {}. Findings are matched by rule, URL and matched text, not by their place on the page.</p>\n",
        esc(&diff.old_scan_id),
        esc(&diff.old_started_at),
        esc(&diff.new_scan_id),
        esc(&diff.new_started_at)
    ));
    if diff.is_empty() {
        out.push_str("<p><strong>No changes.</strong></p>\n</section>\n");
        return;
    }
    for firm in diff.firms.iter().filter(|firm| !firm.is_empty()) {
        render_firm_diff(out, firm);
    }
    let quiet: Vec<String> = diff
        .firms
        .iter()
        .filter(|firm| firm.is_empty())
        .map(|firm| esc(&firm.name))
        .collect();
    if !quiet.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">No changes for: {}.</p>\n",
            quiet.join(", ")
        ));
    }
    out.push_str("</section>\n");
}

fn render_firm_diff(out: &mut String, firm: &FirmDiff) {
    let verdict = |v: &Option<Verdict>| match v {
        Some(v) => format!(
            "{} <span class=\"score\">{:.1}</span>",
            badge(v.level),
            v.score
        ),
        None => "<span class=\"muted\">absent</span>".to_string(),
    };
    let verdict_text = if firm.verdict_changed {
        format!(
            "{} → {}",
            verdict(&firm.verdict_before),
            verdict(&firm.verdict_after)
        )
    } else {
        format!(
            "{} <span class=\"muted\">· verdict unchanged</span>",
            verdict(&firm.verdict_after)
        )
    };
    out.push_str(&format!(
        "<div class=\"firm-diff\">\n<h3>{} <span class=\"verdict-change{}\">{}</span></h3>\n<p class=\"counts\"><span class=\"d-new\">+{} new</span> <span class=\"d-resolved\">−{} resolved</span> <span class=\"d-changed\">~{} changed</span> <span class=\"muted\">{} unchanged</span></p>\n",
        esc(&firm.name),
        if firm.verdict_changed { " moved" } else { "" },
        verdict_text,
        firm.new.len(),
        firm.resolved.len(),
        firm.changed.len(),
        firm.unchanged
    ));
    let (rehashed, changed): (Vec<&ChangedFinding>, Vec<&ChangedFinding>) = firm
        .changed
        .iter()
        .partition(|c| c.what.iter().all(|w| w == "content_sha256"));
    if !firm.new.is_empty() || !firm.resolved.is_empty() || !changed.is_empty() {
        out.push_str("<ul class=\"diff-list\">\n");
        for finding in &firm.new {
            out.push_str(&format!(
                "<li class=\"d-new\"><span class=\"sign\">+</span>{}</li>\n",
                compact_finding(finding)
            ));
        }
        for finding in &firm.resolved {
            out.push_str(&format!(
                "<li class=\"d-resolved\"><span class=\"sign\">−</span>{}</li>\n",
                compact_finding(finding)
            ));
        }
        for change in changed {
            let whats: Vec<String> = change.what.iter().map(|w| esc(w)).collect();
            let mut before = String::new();
            if change.before.snippet != change.after.snippet {
                before.push_str(&format!(
                    "<div class=\"was\">was: {}</div>",
                    highlight(&change.before.snippet, &change.before.matched)
                ));
            }
            if change.before.weight != change.after.weight {
                before.push_str(&format!(
                    "<div class=\"was\">weight {} → {}</div>",
                    change.before.weight, change.after.weight
                ));
            }
            if change.before.category != change.after.category {
                before.push_str(&format!(
                    "<div class=\"was\">activity {} → {}</div>",
                    esc(category_label(change.before.category)),
                    esc(category_label(change.after.category))
                ));
            }
            out.push_str(&format!(
                "<li class=\"d-changed\"><span class=\"sign\">~</span>{} <span class=\"muted\">({})</span>{}</li>\n",
                compact_finding(&change.after),
                whats.join(", "),
                before
            ));
        }
        out.push_str("</ul>\n");
    }
    if !rehashed.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">{} finding{} unchanged on pages whose content changed (new content hash).</p>\n",
            rehashed.len(),
            if rehashed.len() == 1 { "" } else { "s" }
        ));
    }
    out.push_str("</div>\n");
}

fn compact_finding(finding: &Finding) -> String {
    format!(
        "<code class=\"rule\">{}</code> {} <span class=\"snippet-inline\">{}</span>",
        esc(&finding.rule_id),
        url_link(&finding.url),
        highlight(&finding.snippet, &finding.matched)
    )
}

/// The snippet, escaped, with the first occurrence of `matched` inside
/// `<mark>`: an exact match first, then a case-insensitive one. Without
/// either, the snippet is shown unmarked rather than marking a guess.
pub fn highlight(snippet: &str, matched: &str) -> String {
    let found = if matched.is_empty() {
        None
    } else {
        snippet
            .find(matched)
            .map(|start| (start, start + matched.len()))
            .or_else(|| find_case_insensitive(snippet, matched))
    };
    match found {
        Some((start, end)) => format!(
            "{}<mark>{}</mark>{}",
            esc(&snippet[..start]),
            esc(&snippet[start..end]),
            esc(&snippet[end..])
        ),
        None => esc(snippet),
    }
}

/// Byte range of the first case-insensitive occurrence of `needle` in
/// `haystack`, comparing full lower-case mappings so that the range always
/// falls on character boundaries of the original.
fn find_case_insensitive(haystack: &str, needle: &str) -> Option<(usize, usize)> {
    let wanted: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if wanted.is_empty() {
        return None;
    }
    'start: for (start, _) in haystack.char_indices() {
        let mut position = 0;
        for (offset, ch) in haystack[start..].char_indices() {
            for lower in ch.to_lowercase() {
                if wanted.get(position) != Some(&lower) {
                    continue 'start;
                }
                position += 1;
            }
            if position == wanted.len() {
                return Some((start, start + offset + ch.len_utf8()));
            }
        }
    }
    None
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A link for `http`/`https` URLs; any other scheme (`javascript:`,
/// `data:`) is shown as text only, because the URL came from a crawled page.
fn url_link(url: &str) -> String {
    let linkable = url::Url::parse(url)
        .map(|parsed| matches!(parsed.scheme(), "http" | "https"))
        .unwrap_or(false);
    if linkable {
        format!(
            "<a class=\"url\" href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(url),
            esc(url)
        )
    } else {
        format!("<span class=\"url\">{}</span>", esc(url))
    }
}

fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn short_hash(hash: &str) -> String {
    if hash.chars().count() <= SHORT_HASH_CHARS {
        return format!("<code class=\"hash\">{}</code>", esc(hash));
    }
    let short: String = hash.chars().take(SHORT_HASH_CHARS).collect();
    format!(
        "<code class=\"hash\" title=\"{}\">{}…</code>",
        esc(hash),
        esc(&short)
    )
}

fn badge(level: Level) -> String {
    format!(
        "<span class=\"badge badge-{}\">{}</span>",
        level.as_str(),
        level.as_str()
    )
}

fn firm_anchor(index: usize) -> String {
    // Positional ids: firm names and slugs come from configuration and are
    // not guaranteed unique or id-safe.
    format!("firm-{}", index + 1)
}

/// The snake-case name serde gives an enum value (`app_store`).
fn serde_label<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::from("?"),
    }
}

fn category_label(category: Category) -> &'static str {
    match category {
        Category::Website => "Website advertising",
        Category::SocialMedia => "Social media",
        Category::PushNotification => "Push notifications",
        Category::Affiliate => "Affiliates and influencers",
        Category::Seo => "Search optimisation",
        Category::Sponsorship => "Sponsorship",
        Category::Press => "Press",
        Category::Email => "E-mail campaigns",
        Category::Event => "Events and roadshows",
        Category::AppStore => "App stores",
        Category::Infrastructure => "Trading infrastructure",
        Category::Inbound => "Inbound contact",
    }
}

fn category_note(category: Category) -> &'static str {
    match category {
        Category::Website => "Advertising or product promotion on sites accessible from the EU — solicitation.",
        Category::SocialMedia => "Posts visible to EU users, organic ones included — solicitation.",
        Category::PushNotification => "App push messages to EU users — solicitation.",
        Category::Affiliate => "Affiliate, influencer, referral or introducing-broker marketing aimed at EU audiences, attributed to the firm — solicitation.",
        Category::Seo => "Optimisation to rank for EU-relevant queries — solicitation.",
        Category::Sponsorship => "Sponsoring EU-focused events, clubs or publications — solicitation.",
        Category::Press => "Press releases or coverage the firm controls or encourages — solicitation.",
        Category::Email => "E-mail campaigns to EU users — solicitation.",
        Category::Event => "Roadshows, presentations or conferences in member states — solicitation.",
        Category::AppStore => "Apps offered in EU storefronts or EU-language listings — a marketing channel.",
        Category::Infrastructure => "Passive trading infrastructure reachable from the EU — depends on a factual assessment.",
        Category::Inbound => "Unsolicited inbound contact with no prior marketing — not solicitation.",
    }
}

/// "de · German" for the EU official languages; other codes as they are.
fn language_label(code: &str) -> String {
    let name = match code {
        "bg" => "Bulgarian",
        "hr" => "Croatian",
        "cs" => "Czech",
        "da" => "Danish",
        "nl" => "Dutch",
        "en" => "English",
        "et" => "Estonian",
        "fi" => "Finnish",
        "fr" => "French",
        "de" => "German",
        "el" => "Greek",
        "hu" => "Hungarian",
        "ga" => "Irish",
        "it" => "Italian",
        "lv" => "Latvian",
        "lt" => "Lithuanian",
        "mt" => "Maltese",
        "pl" => "Polish",
        "pt" => "Portuguese",
        "ro" => "Romanian",
        "sk" => "Slovak",
        "sl" => "Slovenian",
        "es" => "Spanish",
        "sv" => "Swedish",
        _ => return code.to_string(),
    };
    format!("{code} · {name}")
}

/// Inline style sheet: system fonts only, readable on screen, tidy on paper.
const CSS: &str = r#"
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

#[cfg(test)]
mod tests;
