//! The small closed vocabularies findings and pages are described with:
//! where a document came from, the category and signal a rule evidences,
//! the verdict levels and the kinds of text block. Plain enums with their
//! report names; nothing here reads a page.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
