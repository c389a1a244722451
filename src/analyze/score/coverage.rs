//! How much of a firm the scanner saw, and what a verdict may say about it.
//!
//! A supervisor reads `none` as "this platform does not target the EU";
//! that may only be said where the firm's content was read. A firm whose
//! sources yielded no content page (every request failed, met a bot wall or
//! was disallowed by robots.txt) is `unassessed`, with reasons saying why.
//! Pure: pages, findings and errors in, counts and a verdict out.

use crate::analyze::attribute::site_of;
use crate::model::report::{Coverage, CoverageCounts, ErrorEntry, SourceReport};
use crate::model::{Finding, Level, Page, PageKind, Signal, SourceKind, Verdict};

/// Error kinds that are not a failed request: the answer was read (and cut,
/// or not followed), or the URL was never asked for.
const NOT_FAILURES: &[&str] = &[
    "too_large",
    "robots_disallowed",
    "http_status",
    "warc",
    "spill",
];

/// More than this share of requests not read puts a coverage warning among
/// the reasons of a firm that was assessed.
const WARN_SHARE_NOT_READ: f64 = 0.5;

/// Counts what was read of a firm: each page with its findings, and the
/// firm's errors (network failures, robots.txt refusals), each error under
/// the kind of the source it belongs to (its seed URL, else a source on the
/// same site; the firm's website when none matches).
pub fn coverage<'a>(
    pages: impl IntoIterator<Item = (&'a Page, &'a [Finding])>,
    errors: &[ErrorEntry],
    sources: &[SourceReport],
) -> Coverage {
    let mut coverage = Coverage::default();
    for (page, findings) in pages {
        count_page(&mut coverage, page, findings);
    }
    count_errors(&mut coverage, errors, sources);
    coverage
}

fn bump(coverage: &mut Coverage, kind: SourceKind, bump: impl Fn(&mut CoverageCounts)) {
    bump(&mut coverage.total);
    bump(coverage.by_source_kind.entry(kind).or_default());
}

/// Counts one page with its findings, for a caller that reads pages one at
/// a time (see [`coverage`]).
pub fn count_page(coverage: &mut Coverage, page: &Page, findings: &[Finding]) {
    // Reports written before page kinds existed marked walls only by
    // their findings, and kept no other findings on an error answer.
    let walled = page.not_content == Some(PageKind::BotWall)
        || (page.status >= 400 && findings.iter().any(|f| f.signal == Signal::BotWall));
    let read = (200..300).contains(&page.status) || page.revalidated.is_some();
    let kind = page.source_kind;
    if walled {
        bump(coverage, kind, |c| c.bot_walls += 1);
    } else if page.not_content.is_some() {
        bump(coverage, kind, |c| c.not_content += 1);
    } else if read {
        bump(coverage, kind, |c| c.pages_ok += 1);
    } else {
        bump(coverage, kind, |c| c.pages_failed += 1);
    }
}

/// Counts the firm's errors (see [`coverage`]).
pub fn count_errors(coverage: &mut Coverage, errors: &[ErrorEntry], sources: &[SourceReport]) {
    for error in errors {
        let kind = source_kind_of(&error.url, sources);
        if error.kind == "robots_disallowed" {
            bump(coverage, kind, |c| c.robots_disallowed += 1);
        } else if !NOT_FAILURES.contains(&error.kind.as_str()) {
            bump(coverage, kind, |c| c.pages_failed += 1);
        }
    }
}

/// The kind of the source `url` belongs to, as the crawl attributes errors
/// to sources: the seed itself, else a seed on the same site.
fn source_kind_of(url: &str, sources: &[SourceReport]) -> SourceKind {
    let site = |url: &str| url::Url::parse(url).ok().as_ref().and_then(site_of);
    let wanted = site(url);
    sources
        .iter()
        .find(|s| s.url == url)
        .or_else(|| {
            sources
                .iter()
                .find(|s| wanted.is_some() && site(&s.url) == wanted)
        })
        .map_or(SourceKind::Website, |s| s.kind)
}

/// The verdict for a firm of which nothing was read, or `None` when some
/// content was read and the evidence decides.
pub fn unassessed(coverage: &Coverage, errors: &[ErrorEntry]) -> Option<Verdict> {
    let total = &coverage.total;
    if total.pages_ok > 0 {
        return None;
    }
    let mut reasons = vec![format!(
        "not assessed: no page of the firm's content could be read, so no verdict is given — absence of evidence is not evidence of absence ({})",
        describe(total)
    )];
    let statuses = distinct(
        errors
            .iter()
            .filter(|e| e.kind == "http_status")
            .map(|e| e.message.as_str()),
    );
    if !statuses.is_empty() {
        reasons.push(format!("answers: {}", statuses.join(", ")));
    }
    let robots = distinct(
        errors
            .iter()
            .filter(|e| e.kind == "robots_disallowed")
            .filter_map(|e| e.rule.as_deref()),
    );
    if !robots.is_empty() {
        reasons.push(format!("robots.txt: {}", robots.join("; ")));
    }
    let kinds = distinct(
        errors
            .iter()
            .map(|e| e.kind.as_str())
            .filter(|k| !NOT_FAILURES.contains(k)),
    );
    if !kinds.is_empty() {
        reasons.push(format!("failures: {}", kinds.join(", ")));
    }
    reasons.push(
        "to assess it: render the site in a browser (render = \"auto\" or \"always\" with Chromium installed), scan from another vantage point, or use the firm's own exports (files = [...])".to_string(),
    );
    Some(Verdict {
        level: Level::Unassessed,
        score: 0.0,
        reasons,
    })
}

/// A warning for an assessed firm that much of whose presence went unread,
/// or whose own websites were not read at all.
pub fn coverage_warning(coverage: &Coverage) -> Option<String> {
    let total = &coverage.total;
    let asked = total.pages_ok + total.not_read();
    let website_read = coverage
        .by_source_kind
        .get(&SourceKind::Website)
        .is_some_and(|c| c.pages_ok > 0);
    let website_asked = coverage.by_source_kind.contains_key(&SourceKind::Website);
    if website_asked && !website_read {
        return Some(format!(
            "the firm's own website could not be read ({}); the level rests on its other channels",
            describe(
                &coverage
                    .by_source_kind
                    .get(&SourceKind::Website)
                    .copied()
                    .unwrap_or_default()
            )
        ));
    }
    (asked > 0 && total.not_read() as f64 / asked as f64 > WARN_SHARE_NOT_READ).then(|| {
        format!(
            "coverage warning: {} of {} requests yielded no content ({})",
            total.not_read(),
            asked,
            describe(total)
        )
    })
}

fn describe(counts: &CoverageCounts) -> String {
    let parts = counts.not_read_parts();
    if parts.is_empty() {
        "nothing was fetched".to_string()
    } else {
        parts.join(", ")
    }
}

/// Each text once, in order.
fn distinct<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = texts.collect();
    out.sort_unstable();
    out.dedup();
    out
}
