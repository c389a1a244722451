//! The vocabulary every pipeline stage speaks: documents, blocks, links,
//! findings, pages and verdicts.
//!
//! These types are plain data. They never perform I/O and never know which
//! stage produced them, so that `extract`, `classify`, `score` and `report`
//! can be tested on values built by hand. Types that reach the JSON report
//! derive `JsonSchema`: they are the single source of the report's shape.

pub mod app_store;
pub mod diff;
pub mod domain;
mod finding;
pub mod geo;
mod kinds;
mod page_kind;
pub mod register;
pub mod report;
mod role;
pub mod text;
pub mod time;

pub use finding::{
    Attribution, AttributionMethod, BrandMention, Finding, Location, RedirectChain, RedirectHop,
    MAX_MORE_LOCATIONS,
};
pub use kinds::{BlockKind, Category, Level, Signal, SourceKind};
pub use page_kind::PageKind;
pub use role::PageRole;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use url::Url;

/// How a block's language was decided.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LanguageSource {
    /// Statistical detection on the block's text was confident.
    Detected,
    /// Marker words from `patterns/` (Irish, Maltese, and tie-breaks).
    Markers,
    /// Detection was not confident; the page or element markup decided.
    Markup,
    /// The block's marker words agree with the language the page's other
    /// blocks settled, so the detector was spared.
    Page,
}

/// A language decision with the confidence kept, so that readers can weigh it.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct LanguageGuess {
    /// ISO 639-1 code ("de", "ga", "mt", ...).
    pub code: String,
    /// 0.0 – 1.0.
    pub confidence: f64,
    pub source: LanguageSource,
}

/// One piece of text with its place in the document.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// Whitespace-normalised text as a reader sees it.
    pub text: String,
    /// Position in document order (0-based), stable for one document.
    pub index: usize,
    /// A short CSS-like path of the element (`body>main>section>p`), for locating it.
    pub path: String,
    /// For links and buttons that are links: the absolute target.
    pub href: Option<String>,
    /// The `lang` attribute in force for this element, if any (nearest ancestor).
    pub lang_attr: Option<String>,
    /// Filled by language detection.
    pub language: Option<LanguageGuess>,
}

impl Block {
    pub fn new(kind: BlockKind, text: impl Into<String>, index: usize) -> Self {
        Block {
            kind,
            text: text.into(),
            index,
            path: String::new(),
            href: None,
            lang_attr: None,
            language: None,
        }
    }
}

/// How a link was expressed in the page.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Anchor,
    Area,
    Iframe,
    /// `<link rel=alternate>` (hreflang alternates, feeds).
    Alternate,
    Canonical,
    MetaRefresh,
    /// Any other `<link>` element.
    LinkElement,
}

/// An outgoing reference found in a document.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Link {
    /// Absolute URL, resolved against the document's base.
    pub url: String,
    pub kind: LinkKind,
    /// Visible text (anchors) or title.
    pub text: String,
    /// `rel` tokens, lower-cased (`nofollow`, `sponsored`, `alternate`, ...).
    pub rel: Vec<String>,
    pub hreflang: Option<String>,
    /// `type` attribute (`application/rss+xml`, ...).
    pub media_type: Option<String>,
    /// Index of the block holding the link text, if any.
    pub block_index: Option<usize>,
}

/// Locale markup of a page, outside its prose.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct LocaleMarkup {
    /// `<html lang>`.
    pub html_lang: Option<String>,
    /// `Content-Language` response header.
    pub content_language: Option<String>,
    /// `hreflang` alternates: (language tag, absolute URL).
    pub hreflang: Vec<(String, String)>,
    /// `og:locale` and `og:locale:alternate` values.
    pub og_locale: Vec<String>,
    /// Entries of a language switcher (visible names or tags).
    pub switcher: Vec<String>,
    /// A locale segment in the URL path (`/de-de/`, `/fr/`), as written.
    pub path_locale: Option<String>,
    /// A locale-looking first label of the host (`fr.example.com`).
    pub subdomain_locale: Option<String>,
}

/// A response turned into text blocks, links and markup. Produced by `extract`,
/// consumed by `classify`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Document {
    /// The URL requested.
    pub url: String,
    /// The URL after redirects (equal to `url` when there were none).
    pub final_url: String,
    pub source_kind: SourceKind,
    /// Category a source imposes on its findings (a `press` feed, an e-mail);
    /// `None` lets each rule's own category stand.
    pub category_override: Option<Category>,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    /// SHA-256 (hex) of the body bytes as received.
    pub content_sha256: String,
    /// When the source says the content was published (an e-mail's `Date:`,
    /// a feed item's or social post's date), RFC 3339 UTC; `None` for web
    /// pages, which carry no trustworthy publication time.
    #[serde(default)]
    pub published_at: Option<String>,
    pub title: Option<String>,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub locale: LocaleMarkup,
    /// Parsed JSON-LD objects (`areaServed`, `inLanguage`, addresses).
    pub json_ld: Vec<serde_json::Value>,
    /// What the markup states about the page itself, as short facts
    /// (`og:type=article`, `schema:NewsArticle`, `author`), for role rules.
    #[serde(default)]
    pub markup: Vec<MarkupFact>,
    /// The scripts the page loads, for telling a page that scripts build
    /// from one that is short.
    #[serde(default)]
    pub scripts: ScriptLoad,
}

/// The code a page asks the browser to run: `<script src>` elements and
/// the bytes of inline scripts (JSON-LD and other data blocks are data, not
/// code, and are not counted). External scripts are counted, not fetched:
/// their size is unknown to the crawler.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ScriptLoad {
    pub external: u32,
    pub inline_bytes: u64,
}

/// One thing a page's markup states about the page, and the text it was
/// read from as it stands in the page, which a finding quotes so that the
/// quote can be verified against the archived response.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MarkupFact {
    /// The normalised fact role rules match: `schema:NewsArticle`,
    /// `og:type=article`, `author`, `published_time`, `citation`.
    pub fact: String,
    /// The source text it rests on (`NewsArticle`, `article`, `author`).
    pub literal: String,
}

impl Document {
    /// An empty document for `url`, for builders and tests.
    pub fn new(url: impl Into<String>, source_kind: SourceKind) -> Self {
        let url = url.into();
        Document {
            final_url: url.clone(),
            url,
            source_kind,
            category_override: None,
            fetched_at: String::new(),
            content_sha256: String::new(),
            published_at: None,
            title: None,
            blocks: Vec::new(),
            links: Vec::new(),
            locale: LocaleMarkup::default(),
            json_ld: Vec::new(),
            markup: Vec::new(),
            scripts: ScriptLoad::default(),
        }
    }
}

/// The verdict on a firm (or a page) with the reasons that decided it.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
pub struct Verdict {
    pub level: Level,
    pub score: f64,
    /// Sentences a person can read, most important first.
    pub reasons: Vec<String>,
}

/// Language summary of a page.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
pub struct PageLanguage {
    /// The language of most of the page's text (ISO 639-1), if any.
    pub primary: Option<String>,
    /// Share of text characters per detected language.
    pub shares: BTreeMap<String, f64>,
    /// Languages of the page that are EU official languages, strongest first.
    pub eu_languages: Vec<String>,
    /// The locale the markup declares (`<html lang>`, `Content-Language`).
    pub declared: Option<String>,
}

/// Everything known about one fetched URL.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Page {
    pub url: String,
    pub final_url: String,
    /// HTTP status of the final response.
    pub status: u16,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    /// SHA-256 (hex) of the body bytes as received (after content decoding).
    pub content_sha256: String,
    pub content_type: Option<String>,
    /// Body bytes kept (at most `max_body_bytes`).
    pub bytes: u64,
    /// The body was cut at `max_body_bytes`.
    pub truncated: bool,
    /// The charset the body was decoded with.
    pub charset: Option<String>,
    pub depth: u32,
    /// Redirect hops followed, in order, before `final_url`.
    pub redirects: Vec<String>,
    pub source_kind: SourceKind,
    pub language: Option<PageLanguage>,
    /// The page's score from its findings.
    pub score: f64,
    /// Set when the page answered but is not the firm's content (a bot
    /// wall, an error page, a login wall, a parked domain): it then carries
    /// no solicitation findings and counts as not seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_content: Option<PageKind>,
    /// Who speaks on the page (see [`PageRole`]), as the scorer read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<PageRole>,
    /// Publication time of a feed item, social post or e-mail (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// WARC file holding the response this rests on (`scan --warc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    /// `WARC-Record-ID` of that response record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    /// Byte offset of the record's gzip member in `warc_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
    /// Why the page counts for the firm when it is not one of the firm's own
    /// channels (see [`Attribution`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// The `ETag` the content was served with, sent back as `If-None-Match`
    /// when this report is the baseline of a re-scan. Kept only for pages
    /// that are the whole of their response (not feed items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Last-Modified` the content was served with, sent back as
    /// `If-Modified-Since` on a re-scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The links the crawl followed from this page (or recorded as leaving
    /// the firm's scope), kept for pages with a validator: a re-scan answered
    /// `304 Not Modified` gets no body to read them from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<PageLink>,
    /// Set when a re-scan was answered `304 Not Modified` for this page and
    /// carried the page over from the baseline report. Everything else on
    /// the page (`fetched_at`, `content_sha256`, the WARC citation) then
    /// describes the original capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revalidated: Option<Revalidation>,
    /// The page was rendered in a headless browser, and its findings were
    /// read from what the browser showed (schema 1.6.0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rendered: bool,
    /// The fetched HTML had next to no readable text against a large script
    /// payload (scripts loaded from other files, or a large inline program):
    /// its scripts probably write what a visitor sees. Such a page is
    /// rendered in `render = "auto"`; when it was not (rendering off, no
    /// browser, the budget spent), what it says was read from the fetched
    /// HTML alone (schema 1.7.0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub script_built: bool,
    /// The rendered capture of the page, when it was rendered: the DOM the
    /// findings were read from and a screenshot, each with its hash and,
    /// with `--warc`, its archive record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering: Option<Box<Rendering>>,
}

/// A page as a headless browser rendered it: the serialised DOM (what the
/// page's findings quote) and a full-page screenshot.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Rendering {
    /// RFC 3339 UTC time the DOM was captured.
    pub rendered_at: String,
    /// SHA-256 (hex) of the rendered DOM serialised as HTML (UTF-8).
    pub content_sha256: String,
    /// Size of the serialised DOM in bytes.
    pub bytes: u64,
    /// Why the page was rendered (schema 1.7.0; absent in older reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RenderReason>,
    /// Requests the page made that the scanner answered, each through the
    /// address guard, robots.txt and the host's rate limit.
    pub requests_served: u32,
    /// Requests the page made that the scanner refused (outside the guard,
    /// disallowed by robots.txt, not needed to show the text, or failed).
    pub requests_refused: u32,
    /// WARC file holding the DOM as a `resource` record (`scan --warc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    /// `WARC-Record-ID` of that record; it refers to the page's response
    /// record with `WARC-Refers-To`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    /// Byte offset of the record's gzip member in `warc_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
    /// A full-page PNG screenshot, taken when the scan writes WARC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<Screenshot>,
}

/// Why a page was rendered in the browser.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RenderReason {
    /// Its HTML had the marks of a script-rendered shell (an empty
    /// application root, a `<noscript>` notice asking for JavaScript).
    ScriptShell,
    /// Its HTML had next to no readable text against a large script
    /// payload, without the marks of a known shell.
    ScriptPayload,
    /// `render = "always"`: every content page of the firm's websites.
    Always,
}

/// A full-page PNG screenshot of a rendered page, archived as a WARC
/// `resource` record.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Screenshot {
    /// SHA-256 (hex) of the PNG bytes.
    pub content_sha256: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
}

/// A link of a page as the crawl uses it.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Eq)]
pub struct PageLink {
    /// Absolute URL.
    pub url: String,
    /// `rel` tokens, lower-cased (`nofollow`, `sponsored`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rel: Vec<String>,
}

/// A `304 Not Modified` answer to a conditional request of a re-scan.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Eq)]
pub struct Revalidation {
    /// RFC 3339 UTC time of the `304` answer.
    pub at: String,
    /// WARC file of this scan holding the `304` exchange (`scan --warc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    /// `WARC-Record-ID` of the `304` response record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    /// Byte offset of that record's gzip member in `warc_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
}

/// Hex characters of the SHA-256 kept in a fingerprint: 64 bits keep one
/// firm's findings apart and are short enough to read aloud.
const FINGERPRINT_HEX_CHARS: usize = 16;

/// The stable identity of a finding across scans: the rule, the page and
/// the matched text, not where on the page it stood.
///
/// `hex(sha256(rule_id + "\n" + normalised URL + "\n" + matched text))`,
/// first 16 hex characters, where the matched text is folded (lower case,
/// diacritics removed, see [`crate::model::text::fold`]) and whitespace-normalised,
/// and the URL is normalised by [`normalise_url`].
pub fn fingerprint(rule_id: &str, url: &str, matched: &str) -> String {
    use sha2::{Digest, Sha256};
    let matched = crate::model::text::normalize_whitespace(&crate::model::text::fold_str(matched));
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update(b"\n");
    hasher.update(normalise_url(url).as_bytes());
    hasher.update(b"\n");
    hasher.update(matched.as_bytes());
    let mut hex = hex::encode(hasher.finalize());
    hex.truncate(FINGERPRINT_HEX_CHARS);
    hex
}

/// The URL as a fingerprint sees it: scheme and host in lower case, the
/// default port dropped, the fragment removed (all three by the WHATWG
/// parser, plus an explicit fragment strip). Path and query are kept as
/// they are: on many sites they select different content. A string that
/// does not parse as a URL is only trimmed, so that it still matches itself.
pub fn normalise_url(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(mut parsed) => {
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => raw.trim().to_string(),
    }
}

/// Validators of an earlier response, sent as `If-None-Match` and
/// `If-Modified-Since` so that an unchanged resource is answered
/// `304 Not Modified` without a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditions {
    /// The URL whose response carried the validators. They describe that
    /// response only, so they are sent on the hop to this URL and on no
    /// other (a redirect that now leads elsewhere gets a plain request).
    pub url: Url,
    /// `ETag` as the server sent it (strong or `W/` weak).
    pub etag: Option<String>,
    /// `Last-Modified` as the server sent it.
    pub last_modified: Option<String>,
}

/// Hex SHA-256 of bytes as received: the hash every page and finding cites.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
