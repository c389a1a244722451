//! The configuration file as written, before validation (`deny_unknown_fields`
//! everywhere, spans kept for error lines).

use super::firm::AppIds;
use super::firm::FeedKind;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub(crate) scan: Option<Spanned<RawScan>>,
    #[serde(default)]
    pub(crate) firm: Vec<Spanned<RawFirm>>,
    #[serde(default)]
    pub(crate) evidence: Option<RawEvidence>,
    #[serde(default)]
    pub(crate) vantage: Vec<Spanned<RawVantage>>,
    #[serde(default)]
    pub(crate) geo: Option<RawGeo>,
    pub(crate) watch: Option<RawWatch>,
    pub(crate) register: Option<RawRegister>,
}

/// `[register]`: local copies of ESMA's interim MiCA register and NCA warning lists.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegister {
    pub(crate) esma_casps: Option<PathBuf>,
    pub(crate) esma_non_compliant: Option<PathBuf>,
    #[serde(default)]
    pub(crate) warning_lists: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVantage {
    pub(crate) name: Spanned<String>,
    pub(crate) country: Spanned<String>,
    pub(crate) proxy: Option<Spanned<String>>,
    pub(crate) accept_language: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) control: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGeo {
    pub(crate) max_pages: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvidence {
    pub(crate) tsa: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWatch {
    #[serde(default)]
    pub(crate) sites: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScan {
    pub(crate) user_agent: Option<Spanned<String>>,
    pub(crate) max_pages_per_site: Option<Spanned<i64>>,
    pub(crate) max_depth: Option<Spanned<i64>>,
    pub(crate) concurrency: Option<Spanned<i64>>,
    pub(crate) per_host_rate: Option<Spanned<f64>>,
    pub(crate) respect_robots: Option<bool>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) timeout: Option<Duration>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_body_bytes: Option<Spanned<i64>>,
    pub(crate) max_redirects: Option<Spanned<i64>>,
    pub(crate) max_retries: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) max_retry_after: Option<Duration>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) max_crawl_delay: Option<Duration>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) robots_recheck_after: Option<Duration>,
    pub(crate) allow_private_networks: Option<bool>,
    pub(crate) allow_networks: Option<Vec<Spanned<String>>>,
    pub(crate) resolve: Option<BTreeMap<String, Spanned<String>>>,
    pub(crate) strip_query_params: Option<Vec<String>>,
    pub(crate) max_url_length: Option<Spanned<i64>>,
    pub(crate) max_repeated_segments: Option<Spanned<i64>>,
    pub(crate) max_query_variants: Option<Spanned<i64>>,
    pub(crate) sitemaps: Option<bool>,
    pub(crate) max_sitemap_urls: Option<Spanned<i64>>,
    pub(crate) max_sitemap_files: Option<Spanned<i64>>,
    pub(crate) max_sitemap_bytes: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) max_scan_time: Option<Duration>,
    pub(crate) patterns: Option<PathBuf>,
    pub(crate) warc: Option<PathBuf>,
    pub(crate) warc_max_file_bytes: Option<Spanned<i64>>,
    pub(crate) apple_lookup_base: Option<Spanned<String>>,
    pub(crate) google_play_base: Option<Spanned<String>>,
    pub(crate) redirector_max_hops: Option<Spanned<i64>>,
    pub(crate) redirector_max_links: Option<Spanned<i64>>,
    pub(crate) render: Option<Spanned<String>>,
    pub(crate) render_max_pages: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) render_timeout: Option<Duration>,
    pub(crate) render_tabs: Option<Spanned<i64>>,
    pub(crate) browser: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFirm {
    pub(crate) name: Spanned<String>,
    pub(crate) home_country: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) websites: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) feeds: Vec<Spanned<RawFeed>>,
    #[serde(default)]
    pub(crate) social: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) affiliates: Vec<Spanned<String>>,
    pub(crate) affiliates_file: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) brands: Vec<String>,
    #[serde(default)]
    pub(crate) apps: AppIds,
    #[serde(default)]
    pub(crate) files: Vec<PathBuf>,
    #[serde(default)]
    pub(crate) geo_pages: Vec<Spanned<String>>,
    pub(crate) lei: Option<Spanned<String>>,
}

/// A feed is a URL, or a table with its kind and age limit.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawFeed {
    Url(String),
    Table(RawFeedTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFeedTable {
    pub(crate) url: String,
    pub(crate) kind: Option<FeedKind>,
    #[serde(default, deserialize_with = "duration_opt")]
    pub(crate) max_age: Option<Duration>,
}

/// Durations in human form: "20s", "500ms", "2m", "90d".
pub(crate) fn duration_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(text.trim())
        .map(Some)
        .map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid duration `{text}`: {e} (write e.g. \"20s\", \"500ms\", \"2m\")"
            ))
        })
}
