//! Conditional re-scans: which pages of a baseline report may be
//! revalidated (`If-None-Match` / `If-Modified-Since`) instead of downloaded
//! again, and how a page answered `304 Not Modified` is carried over.
//!
//! A `304` says the bytes captured last time are still what the server
//! serves, so the evidence is the earlier capture: the carried-over page and
//! its findings keep their original `fetched_at`, `content_sha256` and WARC
//! citation, and gain the time of the `304`. Findings keep their ids, so a
//! diff sees them as unchanged.
//!
//! This module is pure data: it never fetches and never classifies. It must
//! never carry over findings that the running scan could have drawn
//! differently from the same bytes, so a baseline made with other rules or
//! another version of the tool is not used for revalidation at all, and
//! only pages that were the whole of a successful, complete response are
//! eligible.

use crate::model::report::Report;
use crate::model::Conditions;
use crate::model::{
    normalise_url, Finding, Link, LinkKind, Page, PageLink, Revalidation, SourceKind,
};
use std::collections::HashMap;
use std::sync::Arc;
use url::Url;

/// Why a baseline report cannot be used for conditional requests (it can
/// still be diffed against).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineUnusable {
    #[error("the baseline was made with other rules (patterns {baseline}, now {current}); every page is fetched again")]
    OtherRules { baseline: String, current: String },
    #[error("the baseline was made by {baseline}, this is {current}; every page is fetched again")]
    OtherTool { baseline: String, current: String },
}

/// The reusable pages of a baseline report, by firm.
#[derive(Debug, Default)]
pub struct Baseline {
    firms: HashMap<String, Arc<FirmBaseline>>,
}

/// The reusable pages of one firm, by source kind and normalised URL.
#[derive(Debug, Default)]
pub struct FirmBaseline {
    pages: HashMap<(SourceKind, String), Reusable>,
}

/// A baseline page that may be revalidated, with the findings drawn from
/// it: a place in the baseline report, not a copy of it (the report is held
/// for the diff anyway, and copying its pages would hold them twice).
#[derive(Debug, Clone)]
pub struct Reusable {
    report: Arc<Report>,
    firm: usize,
    page: usize,
    /// Indices into the firm's findings.
    findings: Vec<usize>,
}

impl Baseline {
    /// Collects the eligible pages of `report` ([`is_reusable`]) with their
    /// findings, for a scan that runs the rule bundle `patterns_sha256`.
    ///
    /// # Errors
    /// [`BaselineUnusable`] when the report was made with other rules or by
    /// another tool version, whose findings the running scan might not draw.
    pub fn new(report: &Arc<Report>, patterns_sha256: &str) -> Result<Baseline, BaselineUnusable> {
        if report.scan.patterns_sha256 != patterns_sha256 {
            return Err(BaselineUnusable::OtherRules {
                baseline: short(&report.scan.patterns_sha256),
                current: short(patterns_sha256),
            });
        }
        let tool = crate::model::report::Tool::default();
        if report.tool != tool {
            return Err(BaselineUnusable::OtherTool {
                baseline: format!("{} {}", report.tool.name, report.tool.version),
                current: format!("{} {}", tool.name, tool.version),
            });
        }
        let mut firms = HashMap::new();
        for (firm_index, firm) in report.firms.iter().enumerate() {
            let mut pages: HashMap<(SourceKind, String), Reusable> = firm
                .pages
                .iter()
                .enumerate()
                .filter(|(_, page)| is_reusable(page))
                .map(|(page_index, page)| {
                    (
                        (page.source_kind, normalise_url(&page.url)),
                        Reusable {
                            report: Arc::clone(report),
                            firm: firm_index,
                            page: page_index,
                            findings: Vec::new(),
                        },
                    )
                })
                .collect();
            for (finding_index, finding) in firm.findings.iter().enumerate() {
                let key = (finding.source_kind, normalise_url(&finding.url));
                if let Some(reusable) = pages.get_mut(&key) {
                    // A finding of the same URL from another capture is not this page's.
                    if *finding.content_sha256 == *firm.pages[reusable.page].content_sha256 {
                        reusable.findings.push(finding_index);
                    }
                }
            }
            firms.insert(firm.name.clone(), Arc::new(FirmBaseline { pages }));
        }
        Ok(Baseline { firms })
    }

    /// The reusable pages of the firm called `name`, if the baseline has any.
    pub fn firm(&self, name: &str) -> Option<Arc<FirmBaseline>> {
        self.firms
            .get(name)
            .filter(|firm| !firm.pages.is_empty())
            .cloned()
    }

    /// Pages that may be revalidated, over all firms.
    pub fn reusable_pages(&self) -> usize {
        self.firms.values().map(|firm| firm.pages.len()).sum()
    }
}

impl FirmBaseline {
    /// The baseline page for a URL the crawl is about to fetch.
    pub fn get(&self, kind: SourceKind, url: &Url) -> Option<&Reusable> {
        self.pages.get(&(kind, normalise_url(url.as_str())))
    }
}

/// Whether a baseline page may be revalidated: a successful, complete
/// response that carried a validator. Validators are only recorded for
/// pages that were the whole of their response, so feed items (many pages
/// from one response) are never carried over one by one.
///
/// Only the firm's own website pages qualify: pages of affiliates, watched
/// sites and other channels are also read for the brands they name and the
/// redirector links they carry (attribution to other firms), which a `304`
/// gives no body to read again.
pub fn is_reusable(page: &Page) -> bool {
    page.source_kind == SourceKind::Website
        && page.attribution.is_none()
        && (200..300).contains(&page.status)
        && !page.truncated
        && (page.etag.is_some() || page.last_modified.is_some())
        && Url::parse(&page.final_url).is_ok()
}

impl Reusable {
    /// The earlier page as the baseline recorded it.
    pub fn page(&self) -> &Page {
        // Built from this very report, which nothing mutates behind the Arc.
        &self.report.firms[self.firm].pages[self.page]
    }

    /// The findings the baseline drew from this page, in report order.
    fn findings(&self) -> impl Iterator<Item = &Finding> {
        let all = &self.report.firms[self.firm].findings;
        self.findings.iter().map(move |&index| &all[index])
    }

    /// The validators to send, for the URL whose response carried them.
    pub fn conditions(&self) -> Option<Conditions> {
        let page = self.page();
        Some(Conditions {
            url: Url::parse(&page.final_url).ok()?,
            etag: page.etag.clone(),
            last_modified: page.last_modified.clone(),
        })
    }

    /// The page and its findings after a `304`: everything as captured
    /// before, at this crawl's `depth` and `redirects`, marked with the
    /// revalidation.
    pub fn carry_over(
        &self,
        depth: u32,
        redirects: Vec<String>,
        revalidation: Revalidation,
    ) -> (Page, Vec<Finding>) {
        let mut page = self.page().clone();
        page.depth = depth;
        page.redirects = redirects;
        let findings = self
            .findings()
            .map(|finding| Finding {
                revalidated_at: Some(revalidation.at.clone()),
                rendered: false,
                ..finding.clone()
            })
            .collect();
        page.revalidated = Some(revalidation);
        (page, findings)
    }

    /// The page's recorded links, for the crawl to follow as if it had read
    /// the body again.
    pub fn links(&self) -> Vec<Link> {
        self.page()
            .links
            .iter()
            .map(|link| Link {
                url: link.url.clone(),
                kind: LinkKind::Anchor,
                text: String::new(),
                rel: link.rel.clone(),
                hreflang: None,
                media_type: None,
                block_index: None,
            })
            .collect()
    }
}

/// Whether the crawl follows a link of this kind (or records it as leaving
/// the firm's scope). Canonical and alternate links are followed like
/// anchors; other `<link>` elements (stylesheets, icons) are not.
pub fn is_followed(kind: LinkKind) -> bool {
    matches!(
        kind,
        LinkKind::Anchor
            | LinkKind::Area
            | LinkKind::Iframe
            | LinkKind::Alternate
            | LinkKind::Canonical
            | LinkKind::MetaRefresh
    )
}

/// The links a page keeps for a later `304`: the followed kinds, each
/// target and `rel` once, in page order.
pub fn page_links(links: &[Link]) -> Vec<PageLink> {
    let mut seen = std::collections::HashSet::new();
    links
        .iter()
        .filter(|link| is_followed(link.kind))
        .filter(|link| seen.insert((link.url.as_str(), link.rel.as_slice())))
        .map(|link| PageLink {
            url: link.url.clone(),
            rel: link.rel.clone(),
        })
        .collect()
}

fn short(sha256: &str) -> String {
    sha256.get(..12).unwrap_or(sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::{FirmReport, ScanInfo, ScanStatus, Tool, NOTICE, SCHEMA_VERSION};

    fn page(url: &str, etag: Option<&str>) -> Page {
        Page {
            url: url.into(),
            final_url: url.into(),
            status: 200,
            fetched_at: "2026-11-27T02:00:00Z".into(),
            content_sha256: format!("sha-of-{url}"),
            content_type: Some("text/html".into()),
            bytes: 100,
            truncated: false,
            charset: Some("UTF-8".into()),
            depth: 1,
            redirects: vec![],
            source_kind: SourceKind::Website,
            language: None,
            score: 1.0,
            not_content: None,
            role: None,
            published_at: None,
            warc_file: None,
            warc_record_id: None,
            warc_offset: None,
            etag: etag.map(str::to_string),
            last_modified: None,
            links: vec![PageLink {
                url: "https://krypto.example/next".into(),
                rel: vec!["sponsored".into()],
            }],
            revalidated: None,
            rendered: false,
            script_built: false,
            rendering: None,
            attribution: None,
        }
    }

    fn finding(url: &str, content_sha256: &str) -> Finding {
        Finding {
            id: crate::model::fingerprint("de.cta", url, "Jetzt kaufen"),
            rule_id: "de.cta".into(),
            category: crate::model::Category::Website,
            signal: crate::model::Signal::Cta,
            url: url.into(),
            source_kind: SourceKind::Website,
            language: Some("de".into()),
            weight: 1.0,
            matched: "Jetzt kaufen".into(),
            snippet: "Jetzt kaufen".into(),
            location: crate::model::Location {
                block_kind: crate::model::BlockKind::Button,
                block_index: 3,
                path: "body>a".into(),
                char_offset: 0,
            },
            occurrences: 1,
            more_locations: Vec::new(),
            fetched_at: "2026-11-27T02:00:00Z".into(),
            content_sha256: content_sha256.into(),
            legal_ref: "MiCAR Art. 61".into(),
            description: "d".into(),
            cures: None,
            service: None,
            warc_file: None,
            warc_record_id: None,
            warc_offset: None,
            revalidated_at: None,
            rendered: false,
            attribution: None,
        }
    }

    fn report(pages: Vec<Page>, findings: Vec<Finding>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION.into(),
            tool: Tool::default(),
            scan: ScanInfo {
                id: "night-1".into(),
                started_at: "2026-11-27T02:00:00Z".into(),
                finished_at: "2026-11-27T02:01:00Z".into(),
                status: ScanStatus::Complete,
                partial_reasons: vec![],
                config_sha256: "c".into(),
                patterns_sha256: "rules-1".into(),
                user_agent: "ua".into(),
                rendering: None,
            },
            firms: vec![FirmReport {
                name: "Krypto".into(),
                slug: "krypto".into(),
                home_country: None,
                verdict: Default::default(),
                sources: vec![],
                pages,
                findings,
                errors: vec![],
                outgoing_links: vec![],
                app_store: vec![],
                geo: vec![],
                coverage: Default::default(),
                register: None,
            }],
            errors: vec![],
            notice: NOTICE.into(),
            watched: Vec::new(),
            changes: None,
        }
    }

    #[test]
    fn only_complete_successful_pages_with_a_validator_are_reusable() {
        let ok = page("https://krypto.example/a", Some("\"v1\""));
        assert!(is_reusable(&ok));
        let dated = Page {
            etag: None,
            last_modified: Some("Fri, 27 Nov 2026 01:00:00 GMT".into()),
            ..ok.clone()
        };
        assert!(is_reusable(&dated));
        assert!(!is_reusable(&Page {
            etag: None,
            ..ok.clone()
        }));
        assert!(!is_reusable(&Page {
            truncated: true,
            ..ok.clone()
        }));
        assert!(!is_reusable(&Page {
            status: 404,
            ..ok.clone()
        }));
        assert!(!is_reusable(&Page {
            source_kind: SourceKind::Affiliate,
            ..ok.clone()
        }));
    }

    #[test]
    fn a_baseline_of_other_rules_or_another_tool_is_not_used() {
        let base = Arc::new(report(
            vec![page("https://krypto.example/a", Some("\"v1\""))],
            vec![],
        ));
        assert!(matches!(
            Baseline::new(&base, "rules-2"),
            Err(BaselineUnusable::OtherRules { .. })
        ));
        let mut other_tool = (*base).clone();
        other_tool.tool.version = "0.0.0-other".into();
        let other_tool = Arc::new(other_tool);
        assert!(matches!(
            Baseline::new(&other_tool, "rules-1"),
            Err(BaselineUnusable::OtherTool { .. })
        ));
        assert_eq!(Baseline::new(&base, "rules-1").unwrap().reusable_pages(), 1);
    }

    #[test]
    fn a_carried_over_page_keeps_its_capture_and_findings_and_is_marked() {
        let url = "https://krypto.example/a";
        let base = report(
            vec![
                page(url, Some("\"v1\"")),
                page("https://krypto.example/b", None),
            ],
            vec![
                finding(url, &format!("sha-of-{url}")),
                // Same URL, other capture: not this page's.
                finding(url, "sha-of-something-else"),
                finding(
                    "https://krypto.example/b",
                    "sha-of-https://krypto.example/b",
                ),
            ],
        );
        let base = Arc::new(base);
        let baseline = Baseline::new(&base, "rules-1").unwrap();
        let firm = baseline.firm("Krypto").unwrap();
        assert!(baseline.firm("Other").is_none());
        let target = Url::parse("https://KRYPTO.example/a#top").unwrap();
        let reusable = firm.get(SourceKind::Website, &target).unwrap();
        assert!(firm.get(SourceKind::Affiliate, &target).is_none());
        assert!(firm
            .get(
                SourceKind::Website,
                &Url::parse("https://krypto.example/b").unwrap()
            )
            .is_none());

        let conditions = reusable.conditions().unwrap();
        assert_eq!(conditions.etag.as_deref(), Some("\"v1\""));
        assert_eq!(conditions.url.as_str(), url);

        let revalidation = Revalidation {
            at: "2026-11-28T02:00:00Z".into(),
            warc_file: None,
            warc_record_id: None,
            warc_offset: None,
        };
        let (carried, findings) = reusable.carry_over(0, vec![], revalidation.clone());
        assert_eq!(&*carried.fetched_at, "2026-11-27T02:00:00Z");
        assert_eq!(&*carried.content_sha256, format!("sha-of-{url}"));
        assert_eq!(carried.depth, 0);
        assert_eq!(carried.revalidated, Some(revalidation));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].id, base.firms[0].findings[0].id);
        assert_eq!(&*findings[0].fetched_at, "2026-11-27T02:00:00Z");
        assert_eq!(
            findings[0].revalidated_at.as_deref(),
            Some("2026-11-28T02:00:00Z")
        );
        let links = reusable.links();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].rel, vec!["sponsored".to_string()]);
    }

    #[test]
    fn page_links_keep_followed_kinds_once() {
        let link = |url: &str, kind: LinkKind| Link {
            url: url.into(),
            kind,
            text: "x".into(),
            rel: vec![],
            hreflang: None,
            media_type: None,
            block_index: None,
        };
        let kept = page_links(&[
            link("https://krypto.example/a", LinkKind::Anchor),
            link("https://krypto.example/a", LinkKind::Anchor),
            link("https://krypto.example/style.css", LinkKind::LinkElement),
            link("https://krypto.example/de", LinkKind::Alternate),
        ]);
        let urls: Vec<&str> = kept.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://krypto.example/a", "https://krypto.example/de"]
        );
    }
}
