//! A firm to scan: its websites, feeds, social profiles, partners, brands,
//! apps and files.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// One firm and everything of its presence to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmConfig {
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment.
    pub home_country: Option<String>,
    pub websites: Vec<Url>,
    pub feeds: Vec<FeedConfig>,
    /// Public social-media profiles (Telegram, Mastodon, Bluesky, YouTube, Reddit, others as pages).
    pub social: Vec<Url>,
    /// Partner sites: `affiliates` and the rows of `affiliates_file`, without repeats.
    pub affiliates: Vec<Url>,
    /// The partner list the firm exported (CSV), resolved against the
    /// configuration file's directory; its rows are already in `affiliates`.
    pub affiliates_file: Option<PathBuf>,
    /// Partner names from `affiliates_file`, by affiliate URL.
    pub affiliate_names: BTreeMap<String, String>,
    /// Brand and company names, for attribution by content.
    pub brands: Vec<String>,
    /// App-store ids whose availability is checked in every EU storefront.
    pub apps: AppIds,
    /// Local evidence files (.eml, .mbox, saved .html, .warc/.warc.gz), resolved
    /// against the configuration file's directory.
    pub files: Vec<PathBuf>,
    /// Pages the geo probe must visit first (a sign-up page, a price page);
    /// the rest are chosen from the crawl.
    pub geo_pages: Vec<Url>,
    /// Legal Entity Identifier (ISO 17442), for the register lookup.
    pub lei: Option<String>,
}

/// A feed and what its items are, for the ESMA category of their findings.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    pub url: Url,
    pub kind: FeedKind,
    /// Items older than this are skipped.
    pub max_age: Option<Duration>,
}

/// What a feed publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// The firm's blog or news: `website` findings.
    Blog,
    /// Press releases: `press` findings.
    Press,
    /// Social-media posts: `social_media` findings.
    Social,
}

/// App-store identifiers of a firm's app.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppIds {
    /// Apple App Store numeric id.
    pub apple: Option<String>,
    /// Google Play package name.
    pub google: Option<String>,
}

impl FirmConfig {
    /// A file-name-safe lower-case slug of the firm's name.
    pub fn slug(&self) -> String {
        slugify(&self.name)
    }
}

/// Lower-case ASCII letters and digits joined by single dashes.
pub fn slugify(name: &str) -> String {
    let folded = crate::model::text::fold_str(name);
    let mut slug = String::new();
    for ch in folded.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("firm");
    }
    slug
}
