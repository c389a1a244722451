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
pub mod geo;
mod page_kind;
pub mod report;
mod role;
pub mod text;
pub mod time;

pub use page_kind::PageKind;
pub use role::PageRole;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use url::Url;

/// Where a document came from. Serialised in snake case in reports.
#[derive(
    Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A page of one of the firm's own websites.
    Website,
    /// An item of an RSS, Atom or JSON feed.
    Feed,
    /// A public social-media page or post.
    Social,
    /// A page of an affiliate, influencer or partner, attributed to the firm.
    Affiliate,
    /// An app-store listing.
    AppStore,
    /// An e-mail campaign read from a local file.
    Email,
    /// A local file (saved page, archive) handed to the scanner.
    File,
    /// A link shortener or tracking redirector, resolved hop by hop.
    Redirector,
    /// A page of a watched site that belongs to no firm (`[watch] sites`),
    /// attributed by the brands it names.
    Watched,
}

/// The ESMA activity a finding evidences (DESIGN.md §1).
#[derive(
    Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Website,
    SocialMedia,
    PushNotification,
    Affiliate,
    Seo,
    Sponsorship,
    Press,
    Email,
    Event,
    AppStore,
    Infrastructure,
    Inbound,
}

impl Category {
    /// The id used in reports and pattern files.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Website => "website",
            Category::SocialMedia => "social_media",
            Category::PushNotification => "push_notification",
            Category::Affiliate => "affiliate",
            Category::Seo => "seo",
            Category::Sponsorship => "sponsorship",
            Category::Press => "press",
            Category::Email => "email",
            Category::Event => "event",
            Category::AppStore => "app_store",
            Category::Infrastructure => "infrastructure",
            Category::Inbound => "inbound",
        }
    }
}

/// What kind of EU-targeting hook a rule detects (DESIGN.md §1, signals 1–14).
#[derive(
    Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Language,
    Locale,
    Domain,
    Currency,
    Payment,
    Place,
    Regulator,
    Cta,
    Promotion,
    Affiliate,
    Sponsorship,
    Press,
    Event,
    Service,
    Crypto,
    Disclaimer,
    GeoBlock,
    NonEu,
    /// A CAPTCHA or bot wall: the page shows neither the offer nor a block,
    /// so a probe that meets one is inconclusive.
    BotWall,
    /// A page that is not the firm's content although it answered: an error
    /// page served with 200, a login wall, a parked or for-sale domain.
    NotContent,
    /// Residents of the EU, the EEA or a member state addressed as the
    /// publisher's clients ("für Kunden in Deutschland", "EEA users").
    Addressee,
    /// The publisher speaks as the provider to its own clients ("your
    /// account", "our platform", terms of service). Decides the page's role.
    OwnVoice,
    /// News and blog writing by a publisher: bylines, datelines, reporting.
    Editorial,
    /// Explainers and encyclopaedias: what a thing is and how it works.
    Education,
    /// Regulators, central banks, ministries, consumer bodies, law firms.
    PublicBody,
    /// Reviews, rankings and comparisons of providers.
    Review,
}

impl Signal {
    /// The id used in reports and pattern files.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Language => "language",
            Signal::Locale => "locale",
            Signal::Domain => "domain",
            Signal::Currency => "currency",
            Signal::Payment => "payment",
            Signal::Place => "place",
            Signal::Regulator => "regulator",
            Signal::Cta => "cta",
            Signal::Promotion => "promotion",
            Signal::Affiliate => "affiliate",
            Signal::Sponsorship => "sponsorship",
            Signal::Press => "press",
            Signal::Event => "event",
            Signal::Service => "service",
            Signal::Crypto => "crypto",
            Signal::Disclaimer => "disclaimer",
            Signal::GeoBlock => "geo_block",
            Signal::BotWall => "bot_wall",
            Signal::NotContent => "not_content",
            Signal::NonEu => "non_eu",
            Signal::Addressee => "addressee",
            Signal::OwnVoice => "own_voice",
            Signal::Editorial => "editorial",
            Signal::Education => "education",
            Signal::PublicBody => "public_body",
            Signal::Review => "review",
        }
    }
}

/// The strength of the evidence that a firm solicits EU clients.
/// Ordered: `None < Weak < Moderate < Strong`.
#[derive(
    Serialize,
    Deserialize,
    JsonSchema,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Not assessed: no source of the firm yielded a page of its content
    /// (every request failed, met a bot wall or was disallowed). Absence of
    /// evidence, never evidence of absence; it sorts below `none` so that no
    /// `--fail-on` threshold is ever reached by it.
    Unassessed,
    #[default]
    None,
    Weak,
    Moderate,
    Strong,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unassessed => "unassessed",
            Level::None => "none",
            Level::Weak => "weak",
            Level::Moderate => "moderate",
            Level::Strong => "strong",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Level::None),
            "weak" => Ok(Level::Weak),
            "moderate" => Ok(Level::Moderate),
            "strong" => Ok(Level::Strong),
            other => Err(format!(
                "unknown level `{other}` (expected none, weak, moderate or strong)"
            )),
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind and role of a piece of text inside a document.
#[derive(
    Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Title,
    MetaDescription,
    MetaKeywords,
    OgTag,
    Heading,
    Paragraph,
    ListItem,
    TableCell,
    Button,
    Link,
    ImageAlt,
    FormLabel,
    FormOption,
    Footer,
    CookieBanner,
    FeedItem,
    JsonLd,
    /// The document's own URL, so that rules can look at paths and hosts.
    Url,
    Other,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Title => "title",
            BlockKind::MetaDescription => "meta_description",
            BlockKind::MetaKeywords => "meta_keywords",
            BlockKind::OgTag => "og_tag",
            BlockKind::Heading => "heading",
            BlockKind::Paragraph => "paragraph",
            BlockKind::ListItem => "list_item",
            BlockKind::TableCell => "table_cell",
            BlockKind::Button => "button",
            BlockKind::Link => "link",
            BlockKind::ImageAlt => "image_alt",
            BlockKind::FormLabel => "form_label",
            BlockKind::FormOption => "form_option",
            BlockKind::Footer => "footer",
            BlockKind::CookieBanner => "cookie_banner",
            BlockKind::FeedItem => "feed_item",
            BlockKind::JsonLd => "json_ld",
            BlockKind::Url => "url",
            BlockKind::Other => "other",
        }
    }
}

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
        }
    }
}

/// Where in a page a finding's text stood.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Location {
    pub block_kind: BlockKind,
    /// The block's position in document order.
    pub block_index: usize,
    /// CSS-like element path.
    pub path: String,
    /// Character offset of the match inside the block's text.
    pub char_offset: usize,
}

/// One piece of evidence: a rule matched some text of a fetched document.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Finding {
    /// Stable fingerprint ([`fingerprint`]): rule id, URL and normalised matched text.
    pub id: String,
    pub rule_id: String,
    pub category: Category,
    pub signal: Signal,
    pub url: String,
    pub source_kind: SourceKind,
    /// ISO 639-1 language of the block that matched, if known.
    pub language: Option<String>,
    pub weight: f64,
    /// The exact text that matched.
    pub matched: String,
    /// The match with surrounding context, as it stood in the block.
    pub snippet: String,
    pub location: Location,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    /// SHA-256 (hex) of the body bytes as received.
    pub content_sha256: String,
    /// The legal reference the rule evidences.
    pub legal_ref: String,
    /// Why it matters, readable by a supervisor.
    pub description: String,
    /// For disclaimers: always `false` — a disclaimer does not cure solicitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cures: Option<bool>,
    /// MiCAR Art. 3(1)(16) service promoted, for `service` findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// WARC file holding the response this rests on (`scan --warc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    /// `WARC-Record-ID` of that response record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    /// Byte offset of the record's gzip member in `warc_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
    /// Set when the page was answered `304 Not Modified` on a re-scan and
    /// this finding was carried over from the baseline: the time of that
    /// answer (RFC 3339 UTC). `fetched_at`, `content_sha256` and the WARC
    /// citation stay those of the original capture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revalidated_at: Option<String>,
    /// Why this finding counts for the firm when the page is not the firm's
    /// own channel: a brand it names, or a redirect chain that lands on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
}

/// How a page or finding from somewhere else came to count for a firm.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AttributionMethod {
    /// The page names one of the firm's `brands` (or its name).
    BrandMention,
    /// A shortener or redirector link on the page lands on the firm's website.
    RedirectChain,
}

/// The evidence that ties a page or finding to a firm other than by the
/// firm's own configuration.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Attribution {
    pub method: AttributionMethod,
    /// The firm whose configured channel the page was fetched for; `None`
    /// for watched sites, which belong to no firm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_via: Option<String>,
    /// For `brand_mention`: which brand matched, and where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<BrandMention>,
    /// For `redirect_chain`: the link and every hop to the firm's site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectChain>,
}

/// A brand of a firm named on a page.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct BrandMention {
    /// The brand as configured.
    pub brand: String,
    /// The text that matched, as it stands on the page.
    pub matched: String,
    /// The match with surrounding context.
    pub snippet: String,
    pub location: Location,
}

/// A shortener or tracking-redirector link followed to the firm it lands on.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct RedirectChain {
    /// The page the link was found on.
    pub found_on: String,
    /// The link as it stood on that page.
    pub link: String,
    /// Every request made, in order, starting with `link`.
    pub hops: Vec<RedirectHop>,
    /// Where the chain ends: a URL on the firm's website.
    pub landing_url: String,
    /// The referral or affiliate code the landing URL carries, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_code: Option<String>,
    /// The affiliate rule that recognised the code in the landing URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_rule: Option<String>,
}

/// One request of a redirect chain.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct RedirectHop {
    pub url: String,
    /// `HEAD`, or `GET` where the server refused `HEAD`.
    pub method: String,
    pub status: u16,
    /// Where it pointed (`Location`), resolved to an absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// RFC 3339 UTC.
    pub at: String,
    /// WARC file holding this hop's response (`scan --warc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    /// `WARC-Record-ID` of that response record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    /// Byte offset of the record's gzip member in `warc_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
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
