//! What the geo probe found from each vantage point (`firms[].geo[]`):
//! outcomes per vantage and per page. Plain data, filled by the probe in
//! `sources::geo` and read by the scorer and the reports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a vantage point (or one page from it) got.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum GeoOutcome {
    /// The firm's content was served.
    Open,
    /// Refused: HTTP 451 or 403, or a block page.
    Blocked,
    /// Sent to a restriction page or to another site.
    Redirected,
    /// A CAPTCHA or bot wall: neither a block nor the offer was seen.
    Inconclusive,
    /// No answer worth reading: a network failure or an error status.
    Error,
}

impl GeoOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            GeoOutcome::Open => "open",
            GeoOutcome::Blocked => "blocked",
            GeoOutcome::Redirected => "redirected",
            GeoOutcome::Inconclusive => "inconclusive",
            GeoOutcome::Error => "error",
        }
    }

    /// Access is refused (blocked or redirected away).
    pub fn is_restriction(self) -> bool {
        matches!(self, GeoOutcome::Blocked | GeoOutcome::Redirected)
    }
}

/// One vantage point's view of a firm (`firms[].geo[]`).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct GeoResult {
    /// The vantage's name from the configuration.
    pub vantage: String,
    /// ISO 3166-1 alpha-2 country of the vantage's exit.
    pub country: String,
    /// The vantage is the non-EU control.
    pub control: bool,
    /// The vantage's country is an EU member state.
    pub eu: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_language: Option<String>,
    pub outcome: GeoOutcome,
    /// One sentence on why.
    pub summary: String,
    /// Mean similarity (0–1) of the main text to the control's, over the
    /// pages both were served; `None` for the control itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity_to_control: Option<f64>,
    /// A sign-up form was served that lets a resident of the vantage's
    /// country register; `None` when no sign-up form was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup_reachable: Option<bool>,
    /// EU countries the sign-up form's country selector offers (ISO codes).
    pub eu_countries_offered: Vec<String>,
    pub pages: Vec<GeoPage>,
}

/// One entry page as seen from one vantage.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct GeoPage {
    pub url: String,
    /// Why the page was probed: `configured`, `home`, `signup`, `product`.
    pub role: String,
    pub outcome: GeoOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// Redirect hops followed (on the firm's site), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<String>,
    /// Main language of the page served (ISO 639-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Block-page wording found (rules with signal `geo_block`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_wording: Vec<GeoMatch>,
    /// CAPTCHA or bot-wall wording found (signal `bot_wall`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bot_wall: Vec<GeoMatch>,
    /// Similarity (0–1) of the main text to the control's view of the same page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity_to_control: Option<f64>,
    /// Calls to action served (matched texts, a few).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls_to_action: Vec<String>,
    /// Disclaimers served alongside (matched texts, a few): never a cure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclaimers: Vec<String>,
    /// A registration form (a password or e-mail field) was served.
    pub signup_form: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_selector: Option<CountrySelector>,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    /// SHA-256 (hex) of the body as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_offset: Option<u64>,
    /// Why there is no usable response, or the note that decided the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A rule match on a probed page.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct GeoMatch {
    pub rule_id: String,
    pub matched: String,
    pub snippet: String,
}

/// A `<select>` of countries of residence on a served page.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct CountrySelector {
    /// The field's `name` or `id`.
    pub field: String,
    /// Countries the selector offers, recognised from the country table.
    pub countries: usize,
    /// EU member states among them (ISO codes).
    pub eu_countries_offered: Vec<String>,
    /// The selector offers no EU country: registration is restricted.
    pub excludes_eu: bool,
}

impl GeoResult {
    /// How reports name the vantage: `DE`, or `FR-mobile (FR)` when its name
    /// is not its country.
    pub fn label(&self) -> String {
        if self.vantage == self.country {
            self.vantage.clone()
        } else {
            format!("{} ({})", self.vantage, self.country)
        }
    }

    /// [`GeoResult::label`], saying "control" where the name does not:
    /// `control (US)`, `SG-exit (SG, control)`.
    pub fn label_with_role(&self) -> String {
        if !self.control || self.vantage.eq_ignore_ascii_case("control") {
            return self.label();
        }
        if self.vantage == self.country {
            format!("{} (control)", self.vantage)
        } else {
            format!("{} ({}, control)", self.vantage, self.country)
        }
    }
}
