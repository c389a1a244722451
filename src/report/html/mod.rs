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

mod diff;
mod firm;
mod style;
mod text;

use crate::evidence::Screenshots;
use crate::model::diff::ReportDiff;
use crate::model::report::{Report, ScanStatus, NOTICE};
use diff::*;
use firm::*;
use style::CSS;
use text::*;
pub use text::{esc, highlight};

/// Renders `report` (and the changes since the previous scan, when given)
/// as one self-contained HTML document.
pub fn render(report: &Report, diff: Option<&ReportDiff>) -> String {
    render_with_screenshots(report, diff, &Screenshots::new())
}

/// [`render`], showing beside each firm the screenshots of its decisive
/// rendered pages (read from the archive by
/// [`crate::evidence::decisive_screenshots`]), embedded as `data:` images.
pub fn render_with_screenshots(
    report: &Report,
    diff: Option<&ReportDiff>,
    screenshots: &Screenshots,
) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // The policy is belt and braces: the page references nothing, and if
    // it ever did, the browser would refuse to load it.
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n",
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
        render_firm(&mut out, firm, index, screenshots);
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

#[cfg(test)]
mod tests;
