//! The role of a page: who speaks on it and to what end.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Who speaks on a page and to what end, read from its own words and
/// structure before it is scored: only a publisher promoting its own
/// service solicits; news, explainers and public bodies do not.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum PageRole {
    /// The firm's offer, product, price or sign-up page.
    Offer,
    /// The firm's help, support, account or verification page.
    Account,
    /// The firm's terms, conditions and legal notices.
    Legal,
    /// A review, ranking, comparison or referral page promoting providers.
    Affiliate,
    /// News or a blog by a publisher.
    Editorial,
    /// An explainer, academy or encyclopaedia page.
    Education,
    /// A regulator, central bank, ministry, consumer body or law firm.
    PublicBody,
    /// None of the above could be told.
    #[default]
    Other,
}

impl PageRole {
    /// The id used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PageRole::Offer => "offer",
            PageRole::Account => "account",
            PageRole::Legal => "legal",
            PageRole::Affiliate => "affiliate",
            PageRole::Editorial => "editorial",
            PageRole::Education => "education",
            PageRole::PublicBody => "public_body",
            PageRole::Other => "other",
        }
    }
}
