//! Crediting what the crawls found across firms: pages of one firm's
//! partners, feeds and files, and of watched sites, that name another firm's
//! brand; and redirector chains that land on a firm's website.
//!
//! ESMA attributes an intermediary's solicitation to the firm it promotes.
//! This runs once every crawl is done, over the crawls' output; it is pure
//! (no I/O, no scoring) and decides by evidence only: a brand named word for
//! word (found by `analyze::attribute`), or a chain that lands on the site.

use crate::analyze::attribute::{referral_code, SiteOwners};
use crate::analyze::rules::RuleSet;
use crate::config::FirmConfig;
use crate::model::report::SourceReport;
use crate::model::{Attribution, AttributionMethod, Finding, Page, RedirectChain, SourceKind};
use crate::sources::crawl::{CrawledPage, FirmCrawl, ResolvedLink};
use url::Url;

/// Adds to each firm what counts for it from crawls of other channels than
/// its own: pages of another firm's affiliates, feeds, social profiles and
/// files, and pages of watched sites, that name one of its brands (each such
/// page and its findings carry a `brand_mention` attribution); and the
/// finding of every redirector chain that lands on its website (a
/// `redirect_chain` attribution with every hop). Pages of the firm's own
/// websites, pages already in its crawl and pages naming none of its brands
/// are left alone. Each firm gains a `sources[]` entry per site and kind its
/// attributed pages came from.
pub fn attribute_across_firms(
    firms: &[FirmConfig],
    crawls: &mut [FirmCrawl],
    watched: Option<&FirmCrawl>,
    rules: &RuleSet,
) {
    let owners = SiteOwners::new(firms);
    let count = crawls.len().min(firms.len());
    let mut by_brand: Vec<Vec<CrawledPage>> = vec![Vec::new(); count];
    let mut by_redirect: Vec<(usize, Page, Finding)> = Vec::new();
    let origins = crawls
        .iter()
        .enumerate()
        .map(|(i, crawl)| (Some(i), crawl))
        .chain(watched.map(|crawl| (None, crawl)));
    for (origin, crawl) in origins {
        let found_via = origin.and_then(|i| firms.get(i)).map(|f| f.name.clone());
        // Only pages that name a brand can be credited, and the store keeps
        // every such page in memory.
        for crawled in crawl.pages.resident() {
            if crawled.page.source_kind == SourceKind::Website {
                continue;
            }
            let page_owner = Url::parse(&crawled.page.final_url)
                .ok()
                .and_then(|url| owners.owner_of(&url));
            for named in &crawled.named {
                let firm = named.firm;
                if firm >= count || Some(firm) == origin || page_owner == Some(firm) {
                    continue;
                }
                let attribution = Attribution {
                    method: AttributionMethod::BrandMention,
                    found_via: found_via.clone(),
                    brand: Some(named.mention.clone()),
                    redirect: None,
                };
                let mut page = crawled.page.clone();
                page.attribution = Some(attribution.clone());
                let findings = crawled
                    .findings
                    .iter()
                    .map(|finding| Finding {
                        attribution: Some(Box::new(attribution.clone())),
                        ..finding.clone()
                    })
                    .collect();
                by_brand[firm].push(CrawledPage::new(page, findings));
            }
        }
        for resolved in &crawl.resolutions {
            if resolved.firm >= count {
                continue;
            }
            if let Some(finding) = redirect_finding(resolved, found_via.clone(), rules) {
                by_redirect.push((resolved.firm, resolved.page.clone(), finding));
            }
        }
    }

    let mut added: Vec<std::collections::BTreeMap<(String, SourceKind), u64>> =
        vec![Default::default(); count];
    for (firm, pages) in by_brand.into_iter().enumerate() {
        for crawled in pages {
            let crawl = &mut crawls[firm];
            if crawl.pages.contains_url(&crawled.page.url) {
                continue;
            }
            *added[firm]
                .entry((site_root(&crawled.page.url), crawled.page.source_kind))
                .or_default() += 1;
            crawl.pages.push(crawled);
        }
    }
    for (firm, page, finding) in by_redirect {
        let crawl = &mut crawls[firm];
        if crawl.pages.contains_url(&page.url) {
            if let Err(e) = crawl.pages.add_finding(&page.url, finding) {
                crawl.errors.push(crate::model::report::ErrorEntry::new(
                    page.url.clone(),
                    "spill",
                    e.to_string(),
                    crate::model::time::now_rfc3339(),
                ));
            }
        } else {
            *added[firm]
                .entry((site_root(&page.url), page.source_kind))
                .or_default() += 1;
            let mut page = page;
            page.attribution = finding.attribution.as_deref().cloned();
            crawl.pages.push(CrawledPage::new(page, vec![finding]));
        }
    }
    for (firm, sites) in added.into_iter().enumerate() {
        for ((url, kind), pages) in sites {
            let sources = &mut crawls[firm].sources;
            if sources.iter().any(|s| s.url == url && s.kind == kind) {
                continue;
            }
            sources.push(SourceReport {
                url,
                kind,
                pages_fetched: pages,
                errors: 0,
                name: Some("attributed: names the firm or links to it".to_string()),
                pages_revalidated: 0,
            });
        }
    }
}

/// The finding a redirector chain gives the firm it lands on; `None` when
/// the chain has no landing URL.
fn redirect_finding(
    resolved: &ResolvedLink,
    found_via: Option<String>,
    rules: &RuleSet,
) -> Option<Finding> {
    let landing = resolved.resolution.landing.as_ref()?;
    let spec = &rules.redirectors().finding;
    let page = &resolved.page;
    let link = resolved.link.url.to_string();
    let referral = referral_code(rules, landing);
    Some(Finding {
        id: crate::model::fingerprint(&spec.rule_id, &page.url, &link),
        rule_id: spec.rule_id.as_str().into(),
        category: spec.category,
        signal: spec.signal,
        url: page.url.as_str().into(),
        source_kind: page.source_kind,
        language: resolved.link.language.clone(),
        weight: spec.weight,
        matched: link.clone(),
        snippet: link.clone(),
        location: resolved.link.location.clone(),
        occurrences: 1,
        more_locations: Vec::new(),
        fetched_at: page.fetched_at.as_str().into(),
        content_sha256: page.content_sha256.as_str().into(),
        legal_ref: spec.legal_ref.as_str().into(),
        description: spec.description.as_str().into(),
        cures: None,
        service: None,
        warc_file: page.warc_file.clone(),
        warc_record_id: page.warc_record_id.clone(),
        warc_offset: page.warc_offset,
        revalidated_at: None,
        rendered: false,
        attribution: Some(Box::new(Attribution {
            method: AttributionMethod::RedirectChain,
            found_via,
            brand: None,
            redirect: Some(RedirectChain {
                found_on: page.url.clone(),
                link,
                hops: resolved.resolution.hops.clone(),
                landing_url: crate::model::text::redact(landing),
                referral_code: referral.as_ref().map(|(code, _)| code.clone()),
                referral_rule: referral.map(|(_, rule)| rule),
            }),
        })),
    })
}

/// `scheme://host/` of a URL, or the text itself when it is none (`mid:` ids).
fn site_root(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) if parsed.host_str().is_some() => format!(
            "{}://{}/",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default()
        ),
        _ => url.to_string(),
    }
}
