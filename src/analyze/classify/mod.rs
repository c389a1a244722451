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
use crate::analyze::rules::scoring::BuiltinParams;
use crate::analyze::rules::{RuleHit, RuleSet, Target, BUILTIN_PREFIX};
use crate::analyze::score::in_site_chrome_at;
use crate::analyze::score::page_breakdown;
use crate::model::text::{fold_str, snippet};
use crate::model::{
    Block, BlockKind, Category, Document, Finding, Level, Location, PageKind, PageLanguage,
    PageRole, Signal, MAX_MORE_LOCATIONS,
};
use std::borrow::Cow;
// Keys are rule ids and texts of the page: a fast hash with a random seed.
use foldhash::{HashMap, HashSet};
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
    /// The page has next to no readable text against a large script
    /// payload and no other kind: scripts probably write what a visitor
    /// sees. Not a page kind (a short page may be just short) but a reason
    /// to render it when a browser is at hand.
    pub script_built: bool,
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
    legal_ref: Arc<str>,
    description: Arc<str>,
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
        if needs_detection(doc) {
            let mut copy = doc.clone();
            self.rules.languages().detect_blocks(&mut copy);
            self.classify_detected(&copy)
        } else {
            self.classify_detected(doc)
        }
    }

    /// [`Classifier::classify`] for a caller that owns the document: the
    /// block languages are detected in place instead of on a copy of the
    /// whole document, and stay on it.
    pub fn classify_in_place(&self, doc: &mut Document) -> Classification {
        if needs_detection(doc) {
            self.rules.languages().detect_blocks(doc);
        }
        self.classify_detected(doc)
    }

    fn classify_detected(&self, doc: &Document) -> Classification {
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
        // The id hashes rule, URL and folded match: the same key is the same
        // finding, so a repeat only adds to the first one's count.
        let mut index_of: HashMap<(Cow<'_, str>, String), usize> = HashMap::default();
        let mut per_rule: HashMap<Cow<'_, str>, usize> = HashMap::default();
        let mut findings: Vec<Finding> = Vec::new();
        let page_texts = PageTexts::of(doc);
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
            let matched = item.haystack.get(item.start..item.end).unwrap_or("");
            let key = (item.rule_id.clone(), fold_str(matched));
            if let Some(&index) = index_of.get(&key) {
                let first = &mut findings[index];
                first.occurrences = first.occurrences.saturating_add(1);
                if first.more_locations.len() < MAX_MORE_LOCATIONS {
                    first.more_locations.push(item.location);
                }
                continue;
            }
            let count = per_rule.entry(key.0.clone()).or_default();
            if *count >= MAX_FINDINGS_PER_RULE {
                continue;
            }
            *count += 1;
            index_of.insert(key, findings.len());
            let rule_id = self.rules.shared_id(&item.rule_id);
            findings.push(make_finding(doc, &page_texts, rule_id, item));
        }
        discount_restricted_places(doc, &mut findings);
        let builtin = &self.rules.scoring().builtin;
        // Counted only for the few pages that may be a kind of page or
        // built by scripts: most pages are neither, and this walks every block.
        let readable = std::cell::OnceCell::new();
        let readable = || *readable.get_or_init(|| readable_chars(doc));
        let page_kind = page_kind(&findings, readable, builtin);
        let script_built = page_kind.is_none() && looks_script_built(doc, readable, builtin);
        if page_kind.is_some() {
            // Not the firm's content: nothing on it is evidence either way.
            findings.retain(|f| matches!(f.signal, Signal::BotWall | Signal::NotContent));
        }
        // A large scan holds every finding until the report is written:
        // no spare capacity rides along with them.
        findings.shrink_to_fit();
        for finding in &mut findings {
            finding.more_locations.shrink_to_fit();
        }
        let breakdown = page_breakdown(&findings, self.rules.scoring(), false);
        Classification {
            findings,
            language,
            score: breakdown.score,
            level: breakdown.level,
            role: breakdown.role,
            page_kind,
            script_built,
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
            legal_ref: Arc::clone(&rule.legal_ref),
            description: Arc::clone(&rule.description),
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
                legal_ref: Arc::clone(&scoring.builtin.locale_legal_ref),
                description: what.into(),
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
            legal_ref: Arc::clone(&scoring.builtin.brand_legal_ref),
            description: Arc::from(format!(
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
                legal_ref: Arc::clone(&scoring.builtin.language_legal_ref),
                description: Arc::from(format!(
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
fn page_kind(
    findings: &[Finding],
    readable: impl Fn() -> usize,
    params: &BuiltinParams,
) -> Option<PageKind> {
    let kind = findings.iter().find_map(|f| match f.signal {
        Signal::BotWall => Some(PageKind::BotWall),
        Signal::NotContent if f.rule_id.contains(".login") => Some(PageKind::LoginWall),
        Signal::NotContent if f.rule_id.contains(".parked") => Some(PageKind::Parked),
        Signal::NotContent if f.rule_id.contains(".script_shell") => Some(PageKind::ScriptShell),
        Signal::NotContent => Some(PageKind::ErrorPage),
        _ => None,
    })?;
    let max_text_chars = if kind == PageKind::ScriptShell {
        params.script_shell_max_text_chars
    } else {
        params.not_content_max_text_chars
    };
    (readable() <= max_text_chars).then_some(kind)
}

/// Characters of the page's own text: its body outside the site's header,
/// navigation and footer, without its title, meta tags and URL.
fn readable_chars(doc: &Document) -> usize {
    doc.blocks
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
        .sum()
}

/// Little readable text against a large script payload: code from other
/// files, or a large inline program. A shell without a known application
/// root or `<noscript>` notice looks like this; so may a very short page
/// with a big script, which rendering then shows to be just short.
fn looks_script_built(
    doc: &Document,
    readable: impl Fn() -> usize,
    params: &BuiltinParams,
) -> bool {
    let scripts = doc.scripts;
    (scripts.external >= params.script_built_min_external_scripts
        || scripts.inline_bytes >= params.script_built_min_inline_bytes)
        && readable() <= params.script_built_max_text_chars
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

/// Whether a block that could carry a language has none yet.
fn needs_detection(doc: &Document) -> bool {
    doc.blocks
        .iter()
        .any(|b| b.language.is_none() && !matches!(b.kind, BlockKind::Url | BlockKind::JsonLd))
}

/// What every finding of one page shares, allocated once per page.
struct PageTexts {
    url: Arc<str>,
    fetched_at: Arc<str>,
    content_sha256: Arc<str>,
}

impl PageTexts {
    fn of(doc: &Document) -> PageTexts {
        PageTexts {
            url: Arc::from(doc.url.as_str()),
            fetched_at: Arc::from(doc.fetched_at.as_str()),
            content_sha256: Arc::from(doc.content_sha256.as_str()),
        }
    }
}

fn make_finding(
    doc: &Document,
    page: &PageTexts,
    rule_id: Arc<str>,
    item: Evidence<'_>,
) -> Finding {
    let matched = item
        .haystack
        .get(item.start..item.end)
        .unwrap_or("")
        .to_string();
    let snippet = snippet(&item.haystack, item.start, item.end, SNIPPET_CONTEXT_CHARS);
    Finding {
        id: finding_id(&item.rule_id, &doc.url, &matched),
        rule_id,
        category: doc.category_override.unwrap_or(item.category),
        signal: item.signal,
        url: Arc::clone(&page.url),
        source_kind: doc.source_kind,
        language: item.language,
        weight: item.weight,
        matched,
        snippet,
        location: item.location,
        occurrences: 1,
        more_locations: Vec::new(),
        fetched_at: Arc::clone(&page.fetched_at),
        content_sha256: Arc::clone(&page.content_sha256),
        legal_ref: item.legal_ref,
        description: item.description,
        cures: item.cures,
        service: item.service.map(str::to_string),
        warc_file: None,
        warc_record_id: None,
        warc_offset: None,
        revalidated_at: None,
        rendered: false,
        attribution: None,
    }
}

#[cfg(test)]
mod tests;
