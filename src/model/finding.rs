//! What a finding is: one rule matching text of one fetched document, with
//! where it stood, how often it recurred there and, for pages that are not
//! the firm's own, what ties it to the firm. Plain data: nothing here decides
//! whether a finding counts.

use super::kinds::{BlockKind, Category, Signal, SourceKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Repeats of a finding whose locations are kept besides the first: enough
/// to show a reader that the text recurs and where, not every menu copy.
pub const MAX_MORE_LOCATIONS: usize = 2;

fn one() -> u32 {
    1
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
    // Shared (`Arc<str>`) with the rule and every finding of it, as `url`,
    // `fetched_at` and `content_sha256` are with the page's other findings:
    // a large scan holds hundreds of thousands of findings, and these repeat.
    pub rule_id: Arc<str>,
    pub category: Category,
    pub signal: Signal,
    pub url: Arc<str>,
    pub source_kind: SourceKind,
    /// ISO 639-1 language of the block that matched, if known.
    pub language: Option<String>,
    pub weight: f64,
    /// The exact text that matched.
    pub matched: String,
    /// The match with surrounding context, as it stood in the block.
    pub snippet: String,
    /// Where the match first stood.
    pub location: Location,
    /// How many times this rule matched this text on the page (the same
    /// fingerprint); repeats are one finding, so a page's menu or a
    /// repeated slogan does not bury the rest. 1 in reports before 1.3.0.
    #[serde(default = "one")]
    pub occurrences: u32,
    /// Where the next few repeats stood (at most two), in page order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_locations: Vec<Location>,
    /// RFC 3339 UTC.
    pub fetched_at: Arc<str>,
    /// SHA-256 (hex) of the body bytes as received.
    pub content_sha256: Arc<str>,
    /// The legal reference the rule evidences.
    pub legal_ref: Arc<str>,
    /// Why it matters, readable by a supervisor.
    pub description: Arc<str>,
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
    /// The text that matched was read from the page as a headless browser
    /// rendered it, not from the response: `content_sha256` and the WARC
    /// citation are then the rendered DOM's (schema 1.6.0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rendered: bool,
    /// Why this finding counts for the firm when the page is not the firm's
    /// own channel: a brand it names, or a redirect chain that lands on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Box<Attribution>>,
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
