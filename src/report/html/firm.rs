//! One firm's section: verdict, sources, access by country, charts,
//! findings and errors.

use super::text::*;
use crate::evidence::Screenshots;
use crate::model::report::{ErrorEntry, FirmReport};
use crate::model::{Category, Finding, Signal};
use base64::Engine;
use std::collections::BTreeMap;

pub(crate) fn render_firm(
    out: &mut String,
    firm: &FirmReport,
    index: usize,
    screenshots: &Screenshots,
) {
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
    out.push_str(&format!(
        "<p class=\"coverage\"><span class=\"muted\">Coverage:</span> {}</p>\n",
        esc(&firm.coverage.total.summary())
    ));
    if let Some(register) = &firm.register {
        render_register(out, register);
    }
    render_screenshots(out, firm, screenshots);
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
pub(crate) fn render_geo(out: &mut String, geo: &[crate::model::geo::GeoResult]) {
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

pub(crate) fn render_charts(out: &mut String, firm: &FirmReport) {
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

pub(crate) fn sorted_by_count(rows: impl Iterator<Item = (String, usize)>) -> Vec<(String, usize)> {
    let mut rows: Vec<(String, usize)> = rows.collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// A horizontal bar chart as inline SVG: label, bar, count per row.
pub(crate) fn bar_chart(title: &str, rows: &[(String, usize)], colour: &str) -> String {
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

pub(crate) fn render_findings(out: &mut String, firm: &FirmReport) {
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
pub(crate) fn finding_html(finding: &Finding) -> String {
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
    if finding.occurrences > 1 {
        html.push_str(&format!(
            " <span class=\"chip\">{} times on the page</span>",
            finding.occurrences
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

pub(crate) fn render_errors(out: &mut String, errors: &[ErrorEntry], title: &str) {
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

/// Width of the SVG bar charts in CSS pixels (they scale down on narrow screens).
pub(crate) const CHART_WIDTH: usize = 440;

pub(crate) const CHART_LABEL_WIDTH: usize = 170;

pub(crate) const CHART_ROW_HEIGHT: usize = 22;

/// The firm's register status and the rows that decided it.
pub(crate) fn render_register(out: &mut String, register: &crate::model::register::RegisterEntry) {
    out.push_str(&format!(
        "<p class=\"register\"><span class=\"muted\">Register (as of {}):</span> <strong>{}</strong></p>\n",
        esc(&register.as_of),
        esc(&register.status.as_str().replace('_', " "))
    ));
    if register.matches.is_empty() {
        return;
    }
    out.push_str("<table>\n<tr><th>listing</th><th>entity</th><th>authority</th><th>date</th><th>matched on</th><th>row</th></tr>\n");
    for row in &register.matches {
        let mut listing = row.listing.replace('_', " ");
        if !row.services.is_empty() {
            listing.push_str(&format!(" ({})", row.services.join(", ")));
        }
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} <code>{}</code></td><td>{} line {}</td></tr>\n",
            esc(&listing),
            esc(&row.entity),
            esc(row.authority.as_deref().unwrap_or("")),
            esc(row.date.as_deref().unwrap_or("")),
            esc(&serde_label(&row.matched_on)),
            esc(&row.matched),
            esc(&row.file),
            row.row
        ));
    }
    out.push_str("</table>\n");
}

/// The screenshots of the firm's decisive rendered pages: what a person saw
/// in a browser, beside the findings read from the same render.
fn render_screenshots(out: &mut String, firm: &FirmReport, screenshots: &Screenshots) {
    let mut shown: Vec<_> = firm
        .pages
        .iter()
        .filter_map(|page| {
            let rendering = page.rendering.as_ref()?;
            let shot = rendering.screenshot.as_ref()?;
            let png = screenshots.get(&shot.content_sha256)?;
            Some((page, rendering, shot, png))
        })
        .collect();
    if shown.is_empty() {
        return;
    }
    shown.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
    out.push_str("<h3>As rendered in a browser</h3>\n<div class=\"shots\">\n");
    for (page, rendering, shot, png) in shown {
        out.push_str(&format!(
            "<figure class=\"shot\"><img alt=\"Screenshot of {} as rendered\" src=\"data:image/png;base64,{}\"><figcaption>{} <span class=\"muted\">rendered {}, PNG SHA-256 {}</span></figcaption></figure>\n",
            esc(&page.url),
            base64::engine::general_purpose::STANDARD.encode(png),
            url_link(&page.url),
            esc(&rendering.rendered_at),
            esc(&shot.content_sha256),
        ));
    }
    out.push_str("</div>\n");
}
