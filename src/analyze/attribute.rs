//! Attribution beyond a firm's own configuration: which firm a page names
//! (its `brands` and name) and which firm's website a URL belongs to.
//!
//! ESMA attributes an intermediary's solicitation to the firm it promotes,
//! and copies of a firm's pages appear on unrelated hosts, so a page found
//! anywhere can count for a firm — but only on evidence: a brand the page
//! names, word for word, or a redirect chain that lands on the firm's site.
//! A page that names no brand of a firm is never attributed to it by
//! content. Everything here is pure: no I/O, no scoring.

use crate::config::FirmConfig;

use crate::analyze::rules::{RuleSet, Target};
use crate::model::domain::registrable_domain;
use crate::model::text::{fold, fold_str, snippet};
use crate::model::{BlockKind, BrandMention, Document, Location};
use url::Url;

/// Brands shorter than this (after folding) are too likely to be ordinary
/// words or parts of other names to attribute anything on their own.
pub const MIN_BRAND_CHARS: usize = 3;
/// Characters of context on each side of a brand in its snippet.
const SNIPPET_CONTEXT_CHARS: usize = 60;

/// One brand as it is matched.
#[derive(Debug, Clone)]
struct Brand {
    /// As configured, for the report.
    configured: String,
    /// What is searched for: the folded brand, or the ticker as written.
    needle: String,
    /// All-caps tickers ("EXEX") match case-sensitively on the original
    /// text: "exex" in prose is not the ticker.
    exact: bool,
}

/// The brands of every firm of a scan, compiled once.
#[derive(Debug, Clone, Default)]
pub struct BrandIndex {
    /// Per firm, in configuration order; longest brands first.
    firms: Vec<Vec<Brand>>,
}

/// A firm named on a page: its index in the configuration and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFirm {
    pub firm: usize,
    pub mention: BrandMention,
}

impl BrandIndex {
    /// Every firm's `brands` plus its name.
    pub fn new(firms: &[FirmConfig]) -> BrandIndex {
        let firms = firms
            .iter()
            .map(|firm| {
                let mut brands: Vec<Brand> = firm
                    .brands
                    .iter()
                    .chain(std::iter::once(&firm.name))
                    .filter_map(|b| brand(b))
                    .collect();
                brands.sort_by_key(|b| std::cmp::Reverse(b.needle.len()));
                brands.dedup_by(|a, b| a.needle == b.needle && a.exact == b.exact);
                brands
            })
            .collect();
        BrandIndex { firms }
    }

    /// The firms a document names, each with its first mention in document
    /// order (the longest brand where several start in the same block). The
    /// document's own URL is not text a page says, so it is left out.
    pub fn named_firms(&self, doc: &Document) -> Vec<NamedFirm> {
        let mut found: Vec<NamedFirm> = Vec::new();
        for block in &doc.blocks {
            if block.kind == BlockKind::Url || block.text.is_empty() {
                continue;
            }
            let folded = fold(&block.text);
            for (firm, brands) in self.firms.iter().enumerate() {
                if found.iter().any(|n| n.firm == firm) {
                    continue;
                }
                let best = brands
                    .iter()
                    .filter_map(|brand| {
                        let (start, end) = if brand.exact {
                            find_word(&block.text, &brand.needle)?
                        } else {
                            let (s, e) = find_word(&folded.text, &brand.needle)?;
                            folded.original_range(s, e)
                        };
                        Some((start, end, brand))
                    })
                    .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
                if let Some((start, end, brand)) = best {
                    found.push(NamedFirm {
                        firm,
                        mention: BrandMention {
                            brand: brand.configured.clone(),
                            matched: block.text.get(start..end).unwrap_or_default().to_string(),
                            snippet: snippet(&block.text, start, end, SNIPPET_CONTEXT_CHARS),
                            location: Location {
                                block_kind: block.kind,
                                block_index: block.index,
                                path: block.path.clone(),
                                char_offset: block
                                    .text
                                    .get(..start)
                                    .map_or(0, |p| p.chars().count()),
                            },
                        },
                    });
                }
            }
        }
        found
    }
}

fn brand(configured: &str) -> Option<Brand> {
    let trimmed = configured.trim();
    let is_ticker = trimmed.chars().any(|c| c.is_ascii_uppercase())
        && trimmed
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let needle = if is_ticker {
        trimmed.to_string()
    } else {
        crate::model::text::normalize_whitespace(&fold_str(trimmed))
    };
    (needle.chars().count() >= MIN_BRAND_CHARS).then(|| Brand {
        configured: trimmed.to_string(),
        needle,
        exact: is_ticker,
    })
}

/// The first occurrence of `needle` in `hay` that stands as a word of its own.
fn find_word(hay: &str, needle: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(at) = hay.get(from..)?.find(needle) {
        let start = from + at;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return Some((start, end));
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Which firm's website a URL is on, by registrable domain.
#[derive(Debug, Clone, Default)]
pub struct SiteOwners {
    /// (registrable domain or host, firm index).
    sites: Vec<(String, usize)>,
}

impl SiteOwners {
    /// The registrable domains of every firm's `websites`.
    pub fn new(firms: &[FirmConfig]) -> SiteOwners {
        let mut sites = Vec::new();
        for (index, firm) in firms.iter().enumerate() {
            for website in &firm.websites {
                if let Some(site) = site_of(website) {
                    if !sites.iter().any(|(s, _)| *s == site) {
                        sites.push((site, index));
                    }
                }
            }
        }
        SiteOwners { sites }
    }

    /// The firm whose website `url` is on, if any.
    pub fn owner_of(&self, url: &Url) -> Option<usize> {
        let site = site_of(url)?;
        self.sites.iter().find(|(s, _)| *s == site).map(|(_, i)| *i)
    }
}

pub fn site_of(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(registrable_domain(&host).unwrap_or(host))
}

/// The referral or affiliate code a URL carries, and the rule that saw it:
/// the `link_url` rules of signal `affiliate` in the bundle (so the list of
/// referral parameters lives in one place, `patterns/affiliate.toml`).
pub fn referral_code(rules: &RuleSet, url: &Url) -> Option<(String, String)> {
    let text = url.as_str();
    rules
        .scan(Target::LinkUrl, text)
        .into_iter()
        .find_map(|hit| {
            let rule = rules.rules().get(hit.rule)?;
            if rule.signal != crate::model::Signal::Affiliate {
                return None;
            }
            let matched = text.get(hit.start..hit.end)?;
            let code = match matched.split_once('=') {
                Some((_, value)) => value,
                None => matched.trim_end_matches('/').rsplit('/').next()?,
            };
            let code = code.split(['&', '#']).next().unwrap_or(code);
            (!code.is_empty()).then(|| (code.to_string(), rule.id.clone()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, SourceKind};

    fn firm(name: &str, brands: &[&str], website: &str) -> FirmConfig {
        FirmConfig {
            lei: None,
            name: name.into(),
            home_country: None,
            websites: vec![Url::parse(website).unwrap()],
            feeds: vec![],
            social: vec![],
            affiliates: vec![],
            affiliates_file: None,
            affiliate_names: Default::default(),
            brands: brands.iter().map(|b| b.to_string()).collect(),
            apps: Default::default(),
            files: vec![],
            geo_pages: vec![],
        }
    }

    fn doc(texts: &[&str]) -> Document {
        let mut doc = Document::new("https://review.example/p", SourceKind::Watched);
        doc.blocks.push(Block::new(
            BlockKind::Url,
            "https://review.example/northwind-exchange",
            0,
        ));
        for (i, text) in texts.iter().enumerate() {
            doc.blocks
                .push(Block::new(BlockKind::Paragraph, *text, i + 1));
        }
        doc
    }

    fn firms() -> Vec<FirmConfig> {
        vec![
            firm(
                "Börse Süd AG",
                &["Börse Süd", "BSUD"],
                "https://boerse-sued.example/",
            ),
            firm(
                "Northwind Exchange",
                &["Northwind"],
                "https://northwind.example/",
            ),
        ]
    }

    #[test]
    fn names_match_folded_as_words_and_tickers_by_case() {
        let index = BrandIndex::new(&firms());
        let named = index.named_firms(&doc(&["Wir haben die BORSE SUD getestet."]));
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].firm, 0);
        assert_eq!(named[0].mention.brand, "Börse Süd");
        assert_eq!(named[0].mention.matched, "BORSE SUD");
        assert_eq!(named[0].mention.location.block_index, 1);
        assert_eq!(named[0].mention.location.char_offset, 14);

        let ticker = index.named_firms(&doc(&["Der Token BSUD steigt."]));
        assert_eq!(ticker[0].mention.brand, "BSUD");
        assert!(index
            .named_firms(&doc(&["bsud ist kein Ticker hier"]))
            .is_empty());
        // Inside another word, or only in the page's own URL: not a mention.
        assert!(index
            .named_firms(&doc(&["Northwinds and Southwind"]))
            .is_empty());
        let both = index.named_firms(&doc(&["Northwind Exchange vs Börse Süd AG"]));
        let mut firms_named: Vec<usize> = both.iter().map(|n| n.firm).collect();
        firms_named.sort_unstable();
        assert_eq!(firms_named, vec![0, 1]);
        assert_eq!(
            both.iter().find(|n| n.firm == 1).unwrap().mention.brand,
            "Northwind Exchange",
            "the longest brand at a place wins"
        );
    }

    #[test]
    fn site_owners_go_by_registrable_domain() {
        let owners = SiteOwners::new(&firms());
        let url = |u: &str| Url::parse(u).unwrap();
        assert_eq!(
            owners.owner_of(&url("https://www.northwind.example/x")),
            Some(1)
        );
        assert_eq!(
            owners.owner_of(&url("http://boerse-sued.example/")),
            Some(0)
        );
        assert_eq!(owners.owner_of(&url("https://review.example/")), None);
    }

    #[test]
    fn referral_codes_come_from_the_affiliate_rules() {
        let rules = RuleSet::bundled().unwrap();
        let code = |u: &str| referral_code(&rules, &Url::parse(u).unwrap());
        let (value, rule) = code("https://northwind.example/signup?lang=de&ref=KOMPASS25").unwrap();
        assert_eq!(value, "KOMPASS25");
        assert_eq!(rule, "affiliate.link.ref_param");
        assert_eq!(
            code("https://northwind.example/invite/KOMPASS25/").map(|c| c.0),
            Some("KOMPASS25".to_string())
        );
        assert_eq!(code("https://northwind.example/fees"), None);
    }
}
