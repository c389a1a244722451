//! Classification: a `Document` in, traceable findings out.
//!
//! The classifier runs every compiled rule of the bundle on every block and
//! target it applies to, adds the findings it makes itself from the language
//! model (EU languages of the page) and from locale markup, drops findings
//! whose `requires` context is missing, and scores the page. It is pure: no
//! I/O, no clock, no randomness — the same document and bundle always give
//! the same findings with the same ids, so reports can be diffed night after
//! night. It never fetches and never decides a firm's verdict (that is
//! `score::firm_verdict`, over all of a firm's pages).

use crate::analyze::brand::brand_mention;
use crate::analyze::lang::{classify_locale, LocaleClass};
use crate::analyze::lists::discount_restricted_places;
use crate::analyze::rules::{RuleHit, RuleSet, Target, BUILTIN_PREFIX};
use crate::analyze::score::in_site_chrome_at;
use crate::analyze::score::page_breakdown;
use crate::model::text::{fold_str, snippet};
use crate::model::{
    Block, BlockKind, Category, Document, Finding, Level, Location, PageKind, PageLanguage,
    PageRole, Signal,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Characters of context on each side of a match in a finding's snippet.
pub const SNIPPET_CONTEXT_CHARS: usize = 60;
/// A rule that matches more often than this on one page is reported this
/// many times: the score fades repeats anyway and reports stay readable.
pub const MAX_FINDINGS_PER_RULE: usize = 20;
/// Longest matched text quoted for a page-language finding.
const LANGUAGE_QUOTE_CHARS: usize = 120;

/// The result of classifying one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub findings: Vec<Finding>,
    pub language: PageLanguage,
    /// Page score with crypto context from this page only; the firm verdict
    /// rescores pages with the firm's context.
    pub score: f64,
    pub level: Level,
    /// Who speaks on the page.
    pub role: PageRole,
    /// Set when the page is a bot wall, an error, login or parked page: it
    /// then keeps only the findings that say so.
    pub page_kind: Option<PageKind>,
}

/// Runs a compiled [`RuleSet`] over documents. Cheap to clone and share.
#[derive(Debug, Clone)]
pub struct Classifier {
    rules: Arc<RuleSet>,
}

/// A match before it becomes a finding.
struct Evidence<'a> {
    rule_id: Cow<'a, str>,
    category: Category,
    signal: Signal,
    weight: f64,
    /// The text the match was found in, and the match's byte range in it.
    haystack: Cow<'a, str>,
    start: usize,
    end: usize,
    location: Location,
    language: Option<String>,
    legal_ref: Cow<'a, str>,
    description: Cow<'a, str>,
    cures: Option<bool>,
    service: Option<&'a str>,
    requires: &'a [Signal],
}

impl Classifier {
    pub fn new(rules: Arc<RuleSet>) -> Self {
        Classifier { rules }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Classifies one document: languages per block (unless already
    /// detected), every rule, page-language and locale findings, context
    /// filtering, score and level.
    pub fn classify(&self, doc: &Document) -> Classification {
        let needs_detection = doc
            .blocks
            .iter()
            .any(|b| b.language.is_none() && !matches!(b.kind, BlockKind::Url | BlockKind::JsonLd));
        let detected;
        let doc = if needs_detection {
            let mut copy = doc.clone();
            self.rules.languages().detect_blocks(&mut copy);
            detected = copy;
            &detected
        } else {
            doc
        };
        let language = self.rules.languages().page_language(doc);

        let mut evidence = Vec::new();
        self.text_evidence(doc, &mut evidence);
        self.url_evidence(doc, &mut evidence);
        self.link_evidence(doc, &mut evidence);
        let locale_values = locale_values(doc);
        self.locale_evidence(&locale_values, &mut evidence);
        self.language_evidence(doc, &language, &mut evidence);
        self.brand_evidence(doc, &mut evidence);
        self.markup_evidence(doc, &mut evidence);

        let present: HashSet<Signal> = evidence.iter().map(|e| e.signal).collect();
        let mut seen = HashSet::new();
        let mut per_rule: HashMap<String, usize> = HashMap::new();
        let mut findings = Vec::new();
        for item in evidence {
            // Crypto context may come from another page of the firm, so a
            // finding that needs it is kept here and weighed by the scorer.
            let context_missing = item
                .requires
                .iter()
                .any(|s| *s != Signal::Crypto && !present.contains(s));
            if context_missing {
                continue;
            }
            let count = per_rule.entry(item.rule_id.to_string()).or_default();
            if *count >= MAX_FINDINGS_PER_RULE {
                continue;
            }
            // The id hashes rule, URL and folded match: the same key is the
            // same finding, so repeats are dropped before any hashing.
            let matched = item.haystack.get(item.start..item.end).unwrap_or("");
            if !seen.insert((item.rule_id.to_string(), fold_str(matched))) {
                continue;
            }
            *count += 1;
            findings.push(make_finding(doc, item));
        }
        discount_restricted_places(doc, &mut findings);
        let page_kind = page_kind(
            doc,
            &findings,
            self.rules.scoring().builtin.not_content_max_text_chars,
        );
        if page_kind.is_some() {
            // Not the firm's content: nothing on it is evidence either way.
            findings.retain(|f| matches!(f.signal, Signal::BotWall | Signal::NotContent));
        }
        let breakdown = page_breakdown(&findings, self.rules.scoring(), false);
        Classification {
            findings,
            language,
            score: breakdown.score,
            level: breakdown.level,
            role: breakdown.role,
            page_kind,
        }
    }

    fn evidence<'a>(
        &'a self,
        hit: RuleHit,
        haystack: Cow<'a, str>,
        location: Location,
        language: Option<String>,
    ) -> Evidence<'a> {
        let rule = &self.rules.rules()[hit.rule];
        Evidence {
            rule_id: Cow::Borrowed(&rule.id),
            category: rule.category,
            signal: rule.signal,
            weight: rule.weight,
            haystack,
            start: hit.start,
            end: hit.end,
            location,
            language,
            legal_ref: Cow::Borrowed(&rule.legal_ref),
            description: Cow::Borrowed(&rule.description),
            cures: rule.cures,
            service: rule.service.as_deref(),
            requires: &rule.requires,
        }
    }

    fn text_evidence<'a>(&'a self, doc: &'a Document, out: &mut Vec<Evidence<'a>>) {
        if !self.rules.has_target(Target::Text) {
            return;
        }
        for block in &doc.blocks {
            if block.kind == BlockKind::Url || block.text.is_empty() {
                continue;
            }
            for hit in self
                .rules
                .scan_block(Target::Text, &block.text, Some(block.kind))
            {
                let location = block_location(block, hit.start);
                let language = block.language.as_ref().map(|l| l.code.clone());
                out.push(self.evidence(hit, Cow::Borrowed(&block.text), location, language));
            }
        }
    }

    fn url_evidence<'a>(&'a self, doc: &'a Document, out: &mut Vec<Evidence<'a>>) {
        if !self.rules.has_target(Target::Url) {
            return;
        }
        let url_block = doc.blocks.iter().find(|b| b.kind == BlockKind::Url);
        for hit in self.rules.scan(Target::Url, &doc.final_url) {
            let location = Location {
                block_kind: BlockKind::Url,
                block_index: url_block.map_or(0, |b| b.index),
                path: "url".to_string(),
                char_offset: char_offset(&doc.final_url, hit.start),
            };
            out.push(self.evidence(hit, Cow::Borrowed(&doc.final_url), location, None));
        }
    }

    fn link_evidence<'a>(&'a self, doc: &'a Document, out: &mut Vec<Evidence<'a>>) {
        let by_url = self.rules.has_target(Target::LinkUrl);
        let by_rel = self.rules.has_target(Target::LinkRel);
        if !by_url && !by_rel {
            return;
        }
        let blocks: HashMap<usize, &Block> = doc.blocks.iter().map(|b| (b.index, b)).collect();
        for link in &doc.links {
            let block = link.block_index.and_then(|i| blocks.get(&i));
            let location = |path: &str, offset: usize, text: &str| Location {
                block_kind: block.map_or(BlockKind::Link, |b| b.kind),
                block_index: block.map_or(0, |b| b.index),
                path: match block {
                    Some(b) if !b.path.is_empty() => format!("{}[{path}]", b.path),
                    _ => format!("a[{path}]"),
                },
                char_offset: char_offset(text, offset),
            };
            let language = block.and_then(|b| b.language.as_ref().map(|l| l.code.clone()));
            if by_url {
                for hit in self.rules.scan(Target::LinkUrl, &link.url) {
                    let at = location("href", hit.start, &link.url);
                    out.push(self.evidence(hit, Cow::Borrowed(&link.url), at, language.clone()));
                }
            }
            if by_rel && !link.rel.is_empty() {
                let rel = link.rel.join(" ");
                for hit in self.rules.scan(Target::LinkRel, &rel) {
                    let at = location("rel", hit.start, &rel);
                    out.push(self.evidence(hit, Cow::Owned(rel.clone()), at, language.clone()));
                }
            }
        }
    }

    fn locale_evidence<'a>(&'a self, values: &'a [(String, String)], out: &mut Vec<Evidence<'a>>) {
        let scoring = self.rules.scoring();
        let has_rules = self.rules.has_target(Target::Locale);
        for (index, (path, value)) in values.iter().enumerate() {
            let location = Location {
                block_kind: BlockKind::Other,
                block_index: index,
                path: path.clone(),
                char_offset: 0,
            };
            if has_rules {
                for hit in self.rules.scan(Target::Locale, value) {
                    out.push(self.evidence(hit, Cow::Borrowed(value), location.clone(), None));
                }
            }
            let (rule_id, signal, weight, what) = match classify_locale(value) {
                LocaleClass::EuRegion { region, .. } => (
                    "builtin.locale.eu_region",
                    Signal::Locale,
                    scoring.builtin.locale_eu_weight,
                    format!("locale markup names an EU region ({region})"),
                ),
                LocaleClass::NonEuRegion { region, .. } => (
                    "builtin.locale.non_eu_region",
                    Signal::NonEu,
                    scoring.builtin.locale_non_eu_weight,
                    format!("locale markup names a non-EU region ({region}): disambiguates a shared language"),
                ),
                _ => continue,
            };
            if weight <= 0.0 {
                continue;
            }
            out.push(Evidence {
                rule_id: Cow::Borrowed(rule_id),
                category: Category::Website,
                signal,
                weight,
                haystack: Cow::Borrowed(value),
                start: 0,
                end: value.len(),
                location,
                language: None,
                legal_ref: Cow::Borrowed(&scoring.builtin.locale_legal_ref),
                description: Cow::Owned(what),
                cures: None,
                service: None,
                requires: &[],
            });
        }
    }

    fn markup_evidence<'a>(&'a self, doc: &'a Document, out: &mut Vec<Evidence<'a>>) {
        if !self.rules.has_target(Target::Markup) {
            return;
        }
        for (index, fact) in doc.markup.iter().enumerate() {
            for hit in self.rules.scan(Target::Markup, &fact.fact) {
                let location = Location {
                    block_kind: BlockKind::Other,
                    block_index: index,
                    path: "markup".to_string(),
                    char_offset: 0,
                };
                // The finding quotes the page's own text the fact was read
                // from, so the quote stands in the archived response.
                let mut evidence = self.evidence(hit, Cow::Borrowed(&fact.literal), location, None);
                evidence.start = 0;
                evidence.end = fact.literal.len();
                out.push(evidence);
            }
        }
    }

    fn brand_evidence<'a>(&'a self, doc: &'a Document, out: &mut Vec<Evidence<'a>>) {
        let scoring = self.rules.scoring();
        if scoring.builtin.brand_weight <= 0.0 {
            return;
        }
        let Some(mention) = brand_mention(doc, &scoring.builtin) else {
            return;
        };
        out.push(Evidence {
            rule_id: Cow::Borrowed("builtin.own_voice.brand"),
            category: Category::Website,
            signal: Signal::OwnVoice,
            weight: scoring.builtin.brand_weight,
            haystack: Cow::Borrowed(&mention.block.text),
            start: mention.start,
            end: mention.end,
            location: block_location(mention.block, mention.start),
            language: mention.block.language.as_ref().map(|l| l.code.clone()),
            legal_ref: Cow::Borrowed(&scoring.builtin.brand_legal_ref),
            description: Cow::Owned(format!(
                "the page's content names the site's own brand ({}): the firm speaks of itself",
                mention.brand
            )),
            cures: None,
            service: None,
            requires: &[],
        });
    }

    fn language_evidence<'a>(
        &'a self,
        doc: &'a Document,
        language: &PageLanguage,
        out: &mut Vec<Evidence<'a>>,
    ) {
        let scoring = self.rules.scoring();
        for code in &language.eu_languages {
            let share = language.shares.get(code).copied().unwrap_or(0.0);
            if share < scoring.builtin.language_min_share {
                continue;
            }
            // Quote the longest block in that language as the evidence.
            let Some(block) = doc
                .blocks
                .iter()
                .filter(|b| b.language.as_ref().is_some_and(|l| &l.code == code))
                .max_by_key(|b| b.text.len())
            else {
                continue;
            };
            let info = self.rules.languages().info(code);
            let weight = info.map_or(scoring.builtin.language_default_weight, |i| i.weight);
            if weight <= 0.0 {
                continue;
            }
            let name = info.map_or_else(|| code.clone(), |i| i.name.clone());
            let end = block
                .text
                .char_indices()
                .nth(LANGUAGE_QUOTE_CHARS)
                .map_or(block.text.len(), |(i, _)| i);
            out.push(Evidence {
                rule_id: Cow::Owned(format!("{BUILTIN_PREFIX}language.{code}")),
                category: Category::Website,
                signal: Signal::Language,
                weight,
                haystack: Cow::Borrowed(&block.text),
                start: 0,
                end,
                location: block_location(block, 0),
                language: Some(code.clone()),
                legal_ref: Cow::Borrowed(&scoring.builtin.language_legal_ref),
                description: Cow::Owned(format!(
                    "{:.0}% of the page's text is in {name}, an EU official language",
                    share * 100.0
                )),
                cures: None,
                service: None,
                requires: &[],
            });
        }
    }
}

/// The kind of a page that is not the firm's content, from its bot-wall and
/// not-content findings, when its readable text is short enough to be that
/// page and not an article about it.
fn page_kind(doc: &Document, findings: &[Finding], max_text_chars: usize) -> Option<PageKind> {
    let kind = findings.iter().find_map(|f| match f.signal {
        Signal::BotWall => Some(PageKind::BotWall),
        Signal::NotContent if f.rule_id.contains(".login") => Some(PageKind::LoginWall),
        Signal::NotContent if f.rule_id.contains(".parked") => Some(PageKind::Parked),
        Signal::NotContent => Some(PageKind::ErrorPage),
        _ => None,
    })?;
    let readable: usize = doc
        .blocks
        .iter()
        .filter(|b| {
            !matches!(
                b.kind,
                BlockKind::Url
                    | BlockKind::JsonLd
                    | BlockKind::Title
                    | BlockKind::MetaDescription
                    | BlockKind::MetaKeywords
                    | BlockKind::OgTag
            ) && !in_site_chrome_at(b.kind, &b.path)
        })
        .map(|b| b.text.chars().count())
        .sum();
    (readable <= max_text_chars).then_some(kind)
}

/// Locale markup values with where they stood, in a stable order.
fn locale_values(doc: &Document) -> Vec<(String, String)> {
    let markup = &doc.locale;
    let mut values = Vec::new();
    let mut push = |path: &str, value: &str| {
        let value = value.trim();
        if !value.is_empty() {
            values.push((path.to_string(), value.to_string()));
        }
    };
    if let Some(v) = &markup.html_lang {
        push("html[lang]", v);
    }
    if let Some(v) = &markup.content_language {
        push("content-language", v);
    }
    for (tag, _) in &markup.hreflang {
        push("link[hreflang]", tag);
    }
    for v in &markup.og_locale {
        push("meta[og:locale]", v);
    }
    for v in &markup.switcher {
        push("language-switcher", v);
    }
    if let Some(v) = &markup.path_locale {
        push("url-path-locale", v);
    }
    if let Some(v) = &markup.subdomain_locale {
        push("url-subdomain-locale", v);
    }
    values
}

fn block_location(block: &Block, byte_offset: usize) -> Location {
    Location {
        block_kind: block.kind,
        block_index: block.index,
        path: block.path.clone(),
        char_offset: char_offset(&block.text, byte_offset),
    }
}

fn char_offset(text: &str, byte_offset: usize) -> usize {
    text.get(..byte_offset)
        .map_or(0, |prefix| prefix.chars().count())
}

/// A finding's id: its stable fingerprint across scans (see [`crate::model::fingerprint`]).
pub fn finding_id(rule_id: &str, url: &str, matched: &str) -> String {
    crate::model::fingerprint(rule_id, url, matched)
}

fn make_finding(doc: &Document, item: Evidence<'_>) -> Finding {
    let matched = item
        .haystack
        .get(item.start..item.end)
        .unwrap_or("")
        .to_string();
    let snippet = snippet(&item.haystack, item.start, item.end, SNIPPET_CONTEXT_CHARS);
    Finding {
        id: finding_id(&item.rule_id, &doc.url, &matched),
        rule_id: item.rule_id.into_owned(),
        category: doc.category_override.unwrap_or(item.category),
        signal: item.signal,
        url: doc.url.clone(),
        source_kind: doc.source_kind,
        language: item.language,
        weight: item.weight,
        matched,
        snippet,
        location: item.location,
        fetched_at: doc.fetched_at.clone(),
        content_sha256: doc.content_sha256.clone(),
        legal_ref: item.legal_ref.into_owned(),
        description: item.description.into_owned(),
        cures: item.cures,
        service: item.service.map(str::to_string),
        warc_file: None,
        warc_record_id: None,
        warc_offset: None,
        revalidated_at: None,
        attribution: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, LinkKind, SourceKind};

    const RULES: &str = r#"
[[rule]]
id = "cta.signup.de"
category = "website"
signal = "cta"
weight = 2.5
languages = ["de"]
blocks = ["button", "link"]
legal_ref = "MiCAR Art. 61(1)"
description = "German sign-up button"
phrases = ["jetzt registrieren"]
examples.match = ["Jetzt registrieren"]
examples.no_match = ["Registrierung"]

[[rule]]
id = "crypto.bitcoin"
category = "website"
signal = "crypto"
weight = 0.5
legal_ref = "MiCAR Art. 3(1)(5)"
description = "crypto context"
phrases = ["bitcoin"]
examples.match = ["Bitcoin"]
examples.no_match = ["Bitcoins"]

[[rule]]
id = "promotion.bonus.de"
category = "website"
signal = "promotion"
weight = 2.0
languages = ["de"]
requires = ["crypto", "cta"]
legal_ref = "MiCAR Art. 61(1)"
description = "bonus offer"
phrases = ["bonus"]
examples.match = ["50 € Bonus"]
examples.no_match = ["Bonität"]

[[rule]]
id = "currency.eur"
category = "website"
signal = "currency"
weight = 2.0
legal_ref = "MiCAR Art. 61(1)"
description = "euro amount"
regex = ['\d+(?:[.,]\d+)?\s?€', '€\s?\d+']
examples.match = ["ab 10 € einzahlen"]
examples.no_match = ["ab 10 $ einzahlen"]

[[rule]]
id = "domain.de"
category = "website"
signal = "domain"
weight = 1.5
target = "url"
legal_ref = "MiCAR Art. 61(1)"
description = "German ccTLD"
regex = ['^https?://[^/]+\.de(?:[:/]|$)']
examples.match = ["https://boerse.example.de/"]
examples.no_match = ["https://example.com/de/"]

[[rule]]
id = "affiliate.ref"
category = "affiliate"
signal = "affiliate"
weight = 1.5
target = "link_url"
legal_ref = "MiCAR Art. 61(1)"
description = "referral parameter"
regex = ['[?&]ref=[a-z0-9_-]+']
examples.match = ["https://x.example/?ref=abc"]
examples.no_match = ["https://x.example/?prefs=1"]

[[rule]]
id = "affiliate.sponsored"
category = "affiliate"
signal = "affiliate"
weight = 1.0
target = "link_rel"
legal_ref = "MiCAR Art. 61(1)"
description = "sponsored link"
phrases = ["sponsored"]
examples.match = ["nofollow sponsored"]
examples.no_match = ["nofollow"]

[[rule]]
id = "locale.de_at"
category = "website"
signal = "locale"
weight = 1.0
target = "locale"
legal_ref = "MiCAR Art. 61(1)"
description = "Austrian German locale"
regex = ['^de[-_]at$']
examples.match = ["de-AT"]
examples.no_match = ["de-CH"]
"#;

    fn classifier() -> Classifier {
        let set = RuleSet::from_sources(&[
            (
                "scoring.toml".into(),
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/patterns/scoring.toml"
                ))
                .into(),
            ),
            ("test.toml".into(), RULES.into()),
        ])
        .unwrap();
        assert!(
            set.check_examples().is_empty(),
            "{:?}",
            set.check_examples()
        );
        Classifier::new(Arc::new(set))
    }

    fn page() -> Document {
        let mut doc = Document::new("https://boerse.example.de/start", SourceKind::Website);
        doc.fetched_at = "2025-01-01T00:00:00Z".into();
        doc.content_sha256 = "ab".repeat(32);
        let texts = [
            (BlockKind::Heading, "Bitcoin kaufen in Österreich und Deutschland"),
            (BlockKind::Paragraph, "Zahle ab 10 € per Überweisung ein und sichere dir 50 € Bonus für deine ersten Bitcoin-Käufe auf unserer Plattform."),
            (BlockKind::Button, "Jetzt registrieren"),
            (BlockKind::Paragraph, "Jetzt registrieren ist im Fließtext nur eine Erwähnung."),
        ];
        for (index, (kind, text)) in texts.into_iter().enumerate() {
            let mut block = Block::new(kind, text, index);
            block.path = format!("body>main>{}", kind.as_str());
            doc.blocks.push(block);
        }
        doc.blocks
            .push(Block::new(BlockKind::Url, doc.final_url.clone(), 4));
        doc.links.push(Link {
            url: "https://partner.example/?ref=boerse1".into(),
            kind: LinkKind::Anchor,
            text: "Partner".into(),
            rel: vec!["nofollow".into(), "sponsored".into()],
            hreflang: None,
            media_type: None,
            block_index: Some(2),
        });
        doc.locale.html_lang = Some("de-AT".into());
        doc.locale
            .hreflang
            .push(("de-CH".into(), "https://boerse.example.de/ch".into()));
        doc
    }

    fn ids(findings: &[Finding]) -> Vec<&str> {
        let mut ids: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
        ids.dedup();
        ids
    }

    #[test]
    fn every_target_yields_findings_with_full_evidence() {
        let result = classifier().classify(&page());
        let found = ids(&result.findings);
        for id in [
            "crypto.bitcoin",
            "currency.eur",
            "promotion.bonus.de",
            "cta.signup.de",
            "domain.de",
            "affiliate.ref",
            "affiliate.sponsored",
            "locale.de_at",
            "builtin.locale.eu_region",
            "builtin.locale.non_eu_region",
        ] {
            assert!(found.contains(&id), "{id} missing from {found:?}");
        }
        let cta: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| f.rule_id == "cta.signup.de")
            .collect();
        assert_eq!(cta.len(), 1, "the prose mention is not a button");
        let cta = cta[0];
        assert_eq!(cta.matched, "Jetzt registrieren");
        assert_eq!(cta.location.block_kind, BlockKind::Button);
        assert_eq!(cta.location.block_index, 2);
        assert_eq!(cta.location.path, "body>main>button");
        assert_eq!(cta.id.len(), 16);
        assert_eq!(cta.content_sha256, "ab".repeat(32));
        assert_eq!(cta.fetched_at, "2025-01-01T00:00:00Z");
        let euro = result
            .findings
            .iter()
            .find(|f| f.rule_id == "currency.eur")
            .unwrap();
        assert_eq!(euro.matched, "10 €");
        assert_eq!(euro.location.char_offset, 9);
        assert!(
            euro.snippet.contains("Zahle ab 10 € per Überweisung"),
            "{}",
            euro.snippet
        );
        let rel = result
            .findings
            .iter()
            .find(|f| f.rule_id == "affiliate.sponsored")
            .unwrap();
        assert_eq!(rel.matched, "sponsored");
        assert_eq!(rel.category, Category::Affiliate);
        assert_eq!(result.level, Level::Strong, "score {}", result.score);
    }

    #[test]
    fn ids_are_stable_and_category_override_applies() {
        let classifier = classifier();
        let a = classifier.classify(&page());
        let b = classifier.classify(&page());
        assert_eq!(a, b);
        let mut press = page();
        press.category_override = Some(Category::Press);
        let c = classifier.classify(&press);
        assert!(c.findings.iter().all(|f| f.category == Category::Press));
        assert_eq!(
            a.findings.iter().map(|f| &f.id).collect::<Vec<_>>(),
            c.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn requires_drops_findings_without_their_context() {
        let mut doc = page();
        doc.blocks.retain(|b| b.kind != BlockKind::Button);
        let result = classifier().classify(&doc);
        assert!(
            !ids(&result.findings).contains(&"promotion.bonus.de"),
            "bonus needs a CTA on the page"
        );
    }

    #[test]
    fn page_language_becomes_a_finding() {
        let result = classifier().classify(&page());
        let language = result
            .findings
            .iter()
            .find(|f| f.signal == Signal::Language)
            .expect("a language finding");
        assert_eq!(language.rule_id, "builtin.language.de");
        assert_eq!(language.language.as_deref(), Some("de"));
        assert!(result.language.eu_languages.contains(&"de".to_string()));
    }

    #[test]
    fn finding_id_folds_the_matched_text() {
        assert_eq!(
            finding_id("r", "u", "Konto ERÖFFNEN"),
            finding_id("r", "u", "konto eroffnen")
        );
        assert_ne!(finding_id("r", "u", "a"), finding_id("r", "v", "a"));
    }
}
