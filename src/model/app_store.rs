//! What the app stores showed for a firm's apps, storefront by storefront
//! (`firms[].app_store[]`). Filled by `sources::appstore`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What one storefront showed for one app.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct StorefrontResult {
    /// `"apple"` or `"google"`.
    pub store: String,
    /// ISO 3166-1 alpha-2, upper case (`"DE"`).
    pub country: String,
    /// `None`: the answer did not tell (an error, an unexpected page).
    pub available: Option<bool>,
    /// The app's name as the storefront lists it.
    pub title: Option<String>,
    /// ISO 639-1 language of the listing's description, when it could be told.
    pub listing_language: Option<String>,
    /// The URL asked.
    pub url: String,
    /// HTTP status of the answer; 0 when there was none.
    pub status: u16,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    /// SHA-256 (hex) of the body as received; empty when there was none.
    pub content_sha256: String,
    pub note: Option<String>,
}
