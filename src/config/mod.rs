//! The scan configuration: targets (firms and their web presence) and scan
//! settings, read from TOML and validated up front.
//!
//! Every error names the file, the line and the key, so that a nightly job
//! fails loudly at start-up rather than half-way through a scan. This module
//! only reads and checks; it never touches the network.

pub mod partners;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;
use url::Url;

/// Default `User-Agent`; identifies the tool and where to complain.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "micar-scan/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/micar-scan/micar-scan)"
);
/// Apple's iTunes Search API root.
pub const DEFAULT_APPLE_BASE: &str = "https://itunes.apple.com/";
/// Google Play's web root.
pub const DEFAULT_GOOGLE_BASE: &str = "https://play.google.com/";
pub const DEFAULT_MAX_PAGES_PER_SITE: usize = 500;
pub const DEFAULT_MAX_DEPTH: u32 = 5;
pub const DEFAULT_CONCURRENCY: usize = 32;
pub const DEFAULT_PER_HOST_RATE: f64 = 2.0;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_MAX_BODY_BYTES: u64 = 5_000_000;
pub const DEFAULT_MAX_REDIRECTS: u32 = 10;
pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_URL_LENGTH: usize = 2048;
pub const DEFAULT_MAX_REPEATED_SEGMENTS: usize = 3;
pub const DEFAULT_MAX_QUERY_VARIANTS: usize = 50;
pub const DEFAULT_MAX_SITEMAP_URLS: usize = 10_000;
pub const DEFAULT_MAX_SITEMAP_FILES: usize = 20;
pub const DEFAULT_MAX_SITEMAP_BYTES: u64 = 50_000_000;
/// Requests spent following one shortener or tracking-redirector link.
pub const DEFAULT_REDIRECTOR_MAX_HOPS: u32 = 5;
/// Shortener and redirector links resolved per firm (and for the watched sites).
pub const DEFAULT_REDIRECTOR_MAX_LINKS: usize = 50;
/// Query parameters that only track visitors; `*` at the end matches a prefix.
pub const DEFAULT_STRIP_QUERY_PARAMS: &[&str] = &[
    "utm_*", "gclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "_ga", "yclid", "igshid",
];

/// A whole, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub scan: ScanSettings,
    pub firms: Vec<FirmConfig>,
    /// Places the geo probe looks from (`[[vantage]]`); empty: no probe.
    pub vantages: Vec<Vantage>,
    /// How the geo probe runs (`[geo]`).
    pub geo: GeoSettings,
    /// How the evidence bundle is sealed (`[evidence]`).
    pub evidence: EvidenceSettings,
    /// Sites that belong to no firm, attributed by the brands they name.
    pub watch: WatchConfig,
    /// The file it was read from, for messages.
    pub source: PathBuf,
    /// SHA-256 of the file's bytes, recorded in every report.
    pub sha256: String,
}

/// How the evidence bundle of a scan is sealed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EvidenceSettings {
    /// An RFC 3161 Time Stamping Authority: the manifest's SHA-256 is sent
    /// there and the signed answer kept beside the manifest (`.tsr`). None
    /// when absent.
    pub tsa: Option<Url>,
}

/// Crawl settings shared by every firm of a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSettings {
    pub user_agent: String,
    pub max_pages_per_site: usize,
    pub max_depth: u32,
    /// Global cap on requests in flight.
    pub concurrency: usize,
    /// Requests per second per host.
    pub per_host_rate: f64,
    pub respect_robots: bool,
    /// Total time for one request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Cap on a body, counted after content decoding.
    pub max_body_bytes: u64,
    pub max_redirects: u32,
    /// Retries after a timeout, a reset, a 5xx, a 429 (each with back-off).
    pub max_retries: u32,
    /// Longest `Retry-After` honoured; longer values are capped.
    pub max_retry_after: Duration,
    /// Longest robots.txt `Crawl-delay` honoured; longer values are capped.
    pub max_crawl_delay: Duration,
    /// Lift the address guard entirely (tests, the demo, intranet scans).
    pub allow_private_networks: bool,
    /// Networks exempt from the address guard.
    pub allow_networks: Vec<IpNet>,
    /// `host` or `host:port` → socket address, like curl's `--resolve`.
    pub resolve: BTreeMap<String, SocketAddr>,
    /// Query parameters removed during URL normalisation (`utm_*` = prefix).
    pub strip_query_params: Vec<String>,
    pub max_url_length: usize,
    /// A path segment repeated more often than this marks a crawler trap.
    pub max_repeated_segments: usize,
    /// Distinct query strings accepted for one path.
    pub max_query_variants: usize,
    /// Read sitemaps named in robots.txt and `/sitemap.xml`.
    pub sitemaps: bool,
    pub max_sitemap_urls: usize,
    pub max_sitemap_files: usize,
    pub max_sitemap_bytes: u64,
    /// Stop the whole scan after this long (report is `partial`).
    pub max_scan_time: Option<Duration>,
    /// A directory of pattern files replacing the bundled rule set.
    pub patterns: Option<PathBuf>,
    /// Write every request and response as WARC/1.1 into this directory.
    pub warc: Option<PathBuf>,
    /// Rotate WARC files past this size.
    pub warc_max_file_bytes: u64,
    /// Base URL of Apple's public lookup endpoint (tests point it at loopback).
    pub apple_lookup_base: Url,
    /// Base URL of Google Play's public pages.
    pub google_play_base: Url,
    /// Requests spent following one shortener or tracking-redirector link.
    pub redirector_max_hops: u32,
    /// Shortener and redirector links resolved per firm.
    pub redirector_max_links: usize,
}

/// Sites that belong to no firm (review sites, forums, copies of a firm's
/// pages): crawled to depth 1, their pages attributed to the firms whose
/// brands they name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WatchConfig {
    pub sites: Vec<Url>,
}

/// WARC files are rotated past this size.
pub const DEFAULT_WARC_MAX_FILE_BYTES: u64 = 1_000_000_000;

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            user_agent: DEFAULT_USER_AGENT.to_string(),
            max_pages_per_site: DEFAULT_MAX_PAGES_PER_SITE,
            max_depth: DEFAULT_MAX_DEPTH,
            concurrency: DEFAULT_CONCURRENCY,
            per_host_rate: DEFAULT_PER_HOST_RATE,
            respect_robots: true,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            max_retries: DEFAULT_MAX_RETRIES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            max_crawl_delay: DEFAULT_MAX_CRAWL_DELAY,
            allow_private_networks: false,
            allow_networks: Vec::new(),
            resolve: BTreeMap::new(),
            strip_query_params: DEFAULT_STRIP_QUERY_PARAMS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_url_length: DEFAULT_MAX_URL_LENGTH,
            max_repeated_segments: DEFAULT_MAX_REPEATED_SEGMENTS,
            max_query_variants: DEFAULT_MAX_QUERY_VARIANTS,
            sitemaps: true,
            max_sitemap_urls: DEFAULT_MAX_SITEMAP_URLS,
            max_sitemap_files: DEFAULT_MAX_SITEMAP_FILES,
            max_sitemap_bytes: DEFAULT_MAX_SITEMAP_BYTES,
            max_scan_time: None,
            patterns: None,
            warc: None,
            warc_max_file_bytes: DEFAULT_WARC_MAX_FILE_BYTES,
            apple_lookup_base: url_constant(DEFAULT_APPLE_BASE),
            google_play_base: url_constant(DEFAULT_GOOGLE_BASE),
            redirector_max_hops: DEFAULT_REDIRECTOR_MAX_HOPS,
            redirector_max_links: DEFAULT_REDIRECTOR_MAX_LINKS,
        }
    }
}

fn url_constant(text: &str) -> Url {
    #[expect(
        clippy::expect_used,
        reason = "a constant of this crate, checked by tests"
    )]
    Url::parse(text).expect("default base URLs are valid")
}

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
}

/// Pages probed per firm and vantage unless `[geo] max_pages` says otherwise.
pub const DEFAULT_GEO_MAX_PAGES: usize = 3;

/// How the geo probe runs.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoSettings {
    /// Entry pages probed per firm and vantage (home, sign-up, a product page…).
    pub max_pages: usize,
}

impl Default for GeoSettings {
    fn default() -> Self {
        GeoSettings {
            max_pages: DEFAULT_GEO_MAX_PAGES,
        }
    }
}

/// A place the firm's sites are seen from: an exit in one country, reached
/// through a forward proxy (or directly when none is given).
#[derive(Debug, Clone, PartialEq)]
pub struct Vantage {
    /// Unique label used in the report (`DE`, `FR-mobile`, `control`).
    pub name: String,
    /// ISO 3166-1 alpha-2 country the exit is in, upper case.
    pub country: String,
    /// Forward proxy (http, https, socks5, socks5h); `None`: direct.
    pub proxy: Option<ProxyUrl>,
    /// `Accept-Language` a visitor from there sends.
    pub accept_language: Option<String>,
    /// The non-EU baseline every EU vantage is compared with.
    pub control: bool,
}

impl Vantage {
    /// The vantage's exit is in an EU member state.
    pub fn in_eu(&self) -> bool {
        EU_MEMBER_STATES.contains(&self.country.as_str())
    }
}

/// `text` as an upper-case ISO 3166-1 alpha-2 code, if it has that shape
/// (two letters, surrounding spaces ignored).
pub fn country_code(text: &str) -> Option<String> {
    let code = text.trim();
    (code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| code.to_ascii_uppercase())
}

/// ISO 3166-1 alpha-2 codes of the 27 EU member states.
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// A proxy URL that may carry a user name and password. It prints without
/// them (`Debug` and `Display` alike), so a configuration can be logged and a
/// vantage described without leaking the proxy's credentials; only the HTTP
/// client ever sees [`ProxyUrl::with_credentials`].
#[derive(Clone, PartialEq)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    /// Parses a proxy URL (http, https, socks5, socks5h).
    ///
    /// # Errors
    /// A message naming what is wrong, without the URL's credentials.
    pub fn parse(text: &str) -> Result<ProxyUrl, String> {
        parse_proxy(text)
    }

    /// The full URL, credentials included: for the HTTP client only.
    pub fn with_credentials(&self) -> &Url {
        &self.0
    }

    /// The password, if any, so messages can be scrubbed of it.
    pub fn secret(&self) -> Option<String> {
        self.0.password().map(percent_decode)
    }

    /// The URL without user name and password.
    pub fn redacted(&self) -> String {
        let mut clean = self.0.clone();
        // Fails only for URLs that cannot carry credentials, which have none.
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        clean.to_string()
    }
}

/// `%XX` escapes as the URL keeps them, turned back into the bytes they stand for.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
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

/// What can go wrong reading a configuration. Each variant names the file
/// and, where the problem sits at a place in it, the line and the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        column: usize,
        /// The key at fault, dotted (`scan.timeout`, `firm[0].websites[1]`), if known.
        key: Option<String>,
        message: String,
    },
}

impl ConfigError {
    fn at(
        file: &Path,
        source_text: &str,
        offset: usize,
        key: Option<String>,
        message: String,
    ) -> Self {
        let (line, column) = line_column(source_text, offset);
        let message = match &key {
            Some(key) => format!("`{key}`: {message}"),
            None => message,
        };
        ConfigError::Invalid {
            file: file.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map(|nl| before[nl + 1..].chars().count() + 1)
        .unwrap_or_else(|| before.chars().count() + 1);
    (line, column)
}

// ---- the file's shape ------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    scan: Option<Spanned<RawScan>>,
    #[serde(default)]
    firm: Vec<Spanned<RawFirm>>,
    #[serde(default)]
    evidence: Option<RawEvidence>,
    #[serde(default)]
    vantage: Vec<Spanned<RawVantage>>,
    #[serde(default)]
    geo: Option<RawGeo>,
    watch: Option<RawWatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVantage {
    name: Spanned<String>,
    country: Spanned<String>,
    proxy: Option<Spanned<String>>,
    accept_language: Option<Spanned<String>>,
    #[serde(default)]
    control: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeo {
    max_pages: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    tsa: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWatch {
    #[serde(default)]
    sites: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScan {
    user_agent: Option<Spanned<String>>,
    max_pages_per_site: Option<Spanned<i64>>,
    max_depth: Option<Spanned<i64>>,
    concurrency: Option<Spanned<i64>>,
    per_host_rate: Option<Spanned<f64>>,
    respect_robots: Option<bool>,
    #[serde(default, deserialize_with = "duration_opt")]
    timeout: Option<Duration>,
    #[serde(default, deserialize_with = "duration_opt")]
    connect_timeout: Option<Duration>,
    max_body_bytes: Option<Spanned<i64>>,
    max_redirects: Option<Spanned<i64>>,
    max_retries: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "duration_opt")]
    max_retry_after: Option<Duration>,
    #[serde(default, deserialize_with = "duration_opt")]
    max_crawl_delay: Option<Duration>,
    allow_private_networks: Option<bool>,
    allow_networks: Option<Vec<Spanned<String>>>,
    resolve: Option<BTreeMap<String, Spanned<String>>>,
    strip_query_params: Option<Vec<String>>,
    max_url_length: Option<Spanned<i64>>,
    max_repeated_segments: Option<Spanned<i64>>,
    max_query_variants: Option<Spanned<i64>>,
    sitemaps: Option<bool>,
    max_sitemap_urls: Option<Spanned<i64>>,
    max_sitemap_files: Option<Spanned<i64>>,
    max_sitemap_bytes: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "duration_opt")]
    max_scan_time: Option<Duration>,
    patterns: Option<PathBuf>,
    warc: Option<PathBuf>,
    warc_max_file_bytes: Option<Spanned<i64>>,
    apple_lookup_base: Option<Spanned<String>>,
    google_play_base: Option<Spanned<String>>,
    redirector_max_hops: Option<Spanned<i64>>,
    redirector_max_links: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFirm {
    name: Spanned<String>,
    home_country: Option<Spanned<String>>,
    #[serde(default)]
    websites: Vec<Spanned<String>>,
    #[serde(default)]
    feeds: Vec<Spanned<RawFeed>>,
    #[serde(default)]
    social: Vec<Spanned<String>>,
    #[serde(default)]
    affiliates: Vec<Spanned<String>>,
    affiliates_file: Option<Spanned<String>>,
    #[serde(default)]
    brands: Vec<String>,
    #[serde(default)]
    apps: AppIds,
    #[serde(default)]
    files: Vec<PathBuf>,
    #[serde(default)]
    geo_pages: Vec<Spanned<String>>,
}

/// A feed is a URL, or a table with its kind and age limit.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawFeed {
    Url(String),
    Table(RawFeedTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeedTable {
    url: String,
    kind: Option<FeedKind>,
    #[serde(default, deserialize_with = "duration_opt")]
    max_age: Option<Duration>,
}

/// Durations in human form: "20s", "500ms", "2m", "90d".
fn duration_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(text.trim())
        .map(Some)
        .map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid duration `{text}`: {e} (write e.g. \"20s\", \"500ms\", \"2m\")"
            ))
        })
}

impl Config {
    /// Reads and validates the configuration at `path`.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the file cannot be read, [`ConfigError::Invalid`]
    /// with file, line and key for anything the file gets wrong.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes.clone()).map_err(|e| ConfigError::Invalid {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            key: None,
            message: format!("not UTF-8 text: {e}"),
        })?;
        let mut config = Config::parse(&text, path)?;
        config.sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(config)
    }

    /// Parses and validates configuration text; `path` is only used in messages.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with line and key.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let message = e.message().trim().to_string();
            ConfigError::at(path, text, offset, None, message)
        })?;
        let err = |offset: usize, key: String, message: String| {
            ConfigError::at(path, text, offset, Some(key), message)
        };

        let mut scan = ScanSettings::default();
        if let Some(raw_scan) = raw.scan {
            let raw_scan = raw_scan.into_inner();
            if let Some(ua) = raw_scan.user_agent {
                if ua.get_ref().trim().is_empty() {
                    return Err(err(
                        ua.span().start,
                        "scan.user_agent".into(),
                        "must not be empty".into(),
                    ));
                }
                scan.user_agent = ua.into_inner();
            }
            let positive =
                |v: &Option<Spanned<i64>>, key: &str| -> Result<Option<u64>, ConfigError> {
                    match v {
                        None => Ok(None),
                        Some(s) if *s.get_ref() >= 1 => Ok(Some(*s.get_ref() as u64)),
                        Some(s) => Err(err(
                            s.span().start,
                            format!("scan.{key}"),
                            format!("must be at least 1, got {}", s.get_ref()),
                        )),
                    }
                };
            let non_negative =
                |v: &Option<Spanned<i64>>, key: &str| -> Result<Option<u64>, ConfigError> {
                    match v {
                        None => Ok(None),
                        Some(s) if *s.get_ref() >= 0 => Ok(Some(*s.get_ref() as u64)),
                        Some(s) => Err(err(
                            s.span().start,
                            format!("scan.{key}"),
                            format!("must not be negative, got {}", s.get_ref()),
                        )),
                    }
                };
            if let Some(v) = positive(&raw_scan.max_pages_per_site, "max_pages_per_site")? {
                scan.max_pages_per_site = v as usize;
            }
            if let Some(v) = non_negative(&raw_scan.max_depth, "max_depth")? {
                scan.max_depth = v as u32;
            }
            if let Some(v) = positive(&raw_scan.concurrency, "concurrency")? {
                scan.concurrency = v as usize;
            }
            if let Some(rate) = &raw_scan.per_host_rate {
                let value = *rate.get_ref();
                if !(value.is_finite() && value > 0.0) {
                    return Err(err(
                        rate.span().start,
                        "scan.per_host_rate".into(),
                        format!("must be a positive number of requests per second, got {value}"),
                    ));
                }
                scan.per_host_rate = value;
            }
            if let Some(v) = raw_scan.respect_robots {
                scan.respect_robots = v;
            }
            if let Some(v) = raw_scan.timeout {
                scan.timeout = v;
            }
            if let Some(v) = raw_scan.connect_timeout {
                scan.connect_timeout = v;
            }
            if let Some(v) = positive(&raw_scan.max_body_bytes, "max_body_bytes")? {
                scan.max_body_bytes = v;
            }
            if let Some(v) = non_negative(&raw_scan.max_redirects, "max_redirects")? {
                scan.max_redirects = v as u32;
            }
            if let Some(v) = non_negative(&raw_scan.max_retries, "max_retries")? {
                scan.max_retries = v as u32;
            }
            if let Some(v) = raw_scan.max_retry_after {
                scan.max_retry_after = v;
            }
            if let Some(v) = raw_scan.max_crawl_delay {
                scan.max_crawl_delay = v;
            }
            if let Some(v) = raw_scan.allow_private_networks {
                scan.allow_private_networks = v;
            }
            if let Some(nets) = raw_scan.allow_networks {
                for net in nets {
                    let parsed = parse_network(net.get_ref()).ok_or_else(|| {
                        err(
                            net.span().start,
                            "scan.allow_networks".into(),
                            format!("`{}` is not a CIDR network or IP address", net.get_ref()),
                        )
                    })?;
                    scan.allow_networks.push(parsed);
                }
            }
            if let Some(map) = raw_scan.resolve {
                for (host, target) in map {
                    let addr: SocketAddr = target.get_ref().parse().map_err(|_| {
                        err(
                            target.span().start,
                            format!("scan.resolve.\"{host}\""),
                            format!("`{}` is not an ip:port address", target.get_ref()),
                        )
                    })?;
                    if host.trim().is_empty() {
                        return Err(err(
                            target.span().start,
                            "scan.resolve".into(),
                            "empty host name".into(),
                        ));
                    }
                    scan.resolve.insert(host.to_ascii_lowercase(), addr);
                }
            }
            if let Some(v) = raw_scan.strip_query_params {
                scan.strip_query_params = v;
            }
            if let Some(v) = positive(&raw_scan.max_url_length, "max_url_length")? {
                scan.max_url_length = v as usize;
            }
            if let Some(v) = positive(&raw_scan.max_repeated_segments, "max_repeated_segments")? {
                scan.max_repeated_segments = v as usize;
            }
            if let Some(v) = positive(&raw_scan.max_query_variants, "max_query_variants")? {
                scan.max_query_variants = v as usize;
            }
            if let Some(v) = raw_scan.sitemaps {
                scan.sitemaps = v;
            }
            if let Some(v) = non_negative(&raw_scan.max_sitemap_urls, "max_sitemap_urls")? {
                scan.max_sitemap_urls = v as usize;
            }
            if let Some(v) = non_negative(&raw_scan.max_sitemap_files, "max_sitemap_files")? {
                scan.max_sitemap_files = v as usize;
            }
            if let Some(v) = positive(&raw_scan.max_sitemap_bytes, "max_sitemap_bytes")? {
                scan.max_sitemap_bytes = v;
            }
            scan.max_scan_time = raw_scan.max_scan_time;
            scan.patterns = raw_scan.patterns;
            scan.warc = raw_scan.warc;
            if let Some(v) = positive(&raw_scan.warc_max_file_bytes, "warc_max_file_bytes")? {
                scan.warc_max_file_bytes = v;
            }
            if let Some(base) = raw_scan.apple_lookup_base {
                scan.apple_lookup_base = parse_http_url(base.get_ref())
                    .map_err(|m| err(base.span().start, "scan.apple_lookup_base".into(), m))?;
            }
            if let Some(v) = positive(&raw_scan.redirector_max_hops, "redirector_max_hops")? {
                scan.redirector_max_hops = u32::try_from(v).unwrap_or(u32::MAX);
            }
            if let Some(v) = non_negative(&raw_scan.redirector_max_links, "redirector_max_links")? {
                scan.redirector_max_links = v as usize;
            }
            if let Some(base) = raw_scan.google_play_base {
                scan.google_play_base = parse_http_url(base.get_ref())
                    .map_err(|m| err(base.span().start, "scan.google_play_base".into(), m))?;
            }
        }

        if raw.firm.is_empty() {
            let offset = text.len();
            return Err(ConfigError::at(
                path,
                text,
                offset,
                Some("firm".into()),
                "no firm to scan: add at least one [[firm]] table with a name and websites".into(),
            ));
        }

        let mut evidence = EvidenceSettings::default();
        if let Some(tsa) = raw.evidence.and_then(|raw_evidence| raw_evidence.tsa) {
            evidence.tsa = Some(
                parse_http_url(tsa.get_ref())
                    .map_err(|m| err(tsa.span().start, "evidence.tsa".into(), m))?,
            );
        }

        let watching = raw.watch.as_ref().is_some_and(|w| !w.sites.is_empty());
        let mut firms = Vec::with_capacity(raw.firm.len());
        let mut seen_names = std::collections::HashSet::new();
        for (index, firm) in raw.firm.into_iter().enumerate() {
            let firm_span = firm.span();
            let firm = firm.into_inner();
            let key = |field: &str| format!("firm[{index}].{field}");
            let name = firm.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(err(
                    firm.name.span().start,
                    key("name"),
                    "must not be empty".into(),
                ));
            }
            if !seen_names.insert(name.to_lowercase()) {
                return Err(err(
                    firm.name.span().start,
                    key("name"),
                    format!("firm `{name}` is listed twice"),
                ));
            }
            let home_country = match firm.home_country {
                Some(c) => {
                    let Some(code) = country_code(c.get_ref()) else {
                        return Err(err(
                            c.span().start,
                            key("home_country"),
                            format!(
                                "`{}` is not an ISO 3166-1 alpha-2 country code",
                                c.get_ref()
                            ),
                        ));
                    };
                    Some(code)
                }
                None => None,
            };
            let urls = |list: Vec<Spanned<String>>, field: &str| -> Result<Vec<Url>, ConfigError> {
                list.into_iter()
                    .enumerate()
                    .map(|(i, s)| {
                        parse_http_url(s.get_ref()).map_err(|m| {
                            err(s.span().start, format!("firm[{index}].{field}[{i}]"), m)
                        })
                    })
                    .collect()
            };
            let websites = urls(firm.websites, "websites")?;
            let geo_pages = urls(firm.geo_pages, "geo_pages")?;
            let social = urls(firm.social, "social")?;
            let mut affiliates = urls(firm.affiliates, "affiliates")?;
            let mut feeds = Vec::with_capacity(firm.feeds.len());
            for (i, feed) in firm.feeds.into_iter().enumerate() {
                let at = feed.span().start;
                let (url, kind, max_age) = match feed.into_inner() {
                    RawFeed::Url(url) => (url, None, None),
                    RawFeed::Table(table) => (table.url, table.kind, table.max_age),
                };
                let url = parse_http_url(&url)
                    .map_err(|m| err(at, format!("firm[{index}].feeds[{i}]"), m))?;
                feeds.push(FeedConfig {
                    url,
                    kind: kind.unwrap_or(FeedKind::Blog),
                    max_age,
                });
            }
            let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
            let files: Vec<PathBuf> = firm.files.iter().map(|f| base_dir.join(f)).collect();
            let mut affiliate_names = BTreeMap::new();
            let affiliates_file = match firm.affiliates_file {
                Some(file) => {
                    let partners_path = base_dir.join(file.get_ref());
                    // A bad row names the CSV file and its line; an unreadable
                    // file names the key in the configuration that points at it.
                    let partners = crate::config::partners::read_partners(&partners_path).map_err(
                        |e| match e {
                            crate::config::partners::PartnersError::Invalid {
                                file,
                                line,
                                message,
                            } => ConfigError::Invalid {
                                file,
                                line: usize::try_from(line).unwrap_or(usize::MAX),
                                column: 1,
                                key: Some(key("affiliates_file")),
                                message: format!("`{}`: {message}", key("affiliates_file")),
                            },
                            read_error => err(
                                file.span().start,
                                key("affiliates_file"),
                                read_error.to_string(),
                            ),
                        },
                    )?;
                    let mut known: std::collections::HashSet<String> =
                        affiliates.iter().map(Url::to_string).collect();
                    for partner in partners {
                        if let Some(name) = partner.name {
                            affiliate_names.insert(partner.url.to_string(), name);
                        }
                        if known.insert(partner.url.to_string()) {
                            affiliates.push(partner.url);
                        }
                    }
                    Some(partners_path)
                }
                None => None,
            };
            let apps = firm.apps;
            // A firm known only by its brands is still found on the watched
            // sites that name it (an NCA following a firm with no site of its own).
            let found_by_brand = watching && firm.brands.iter().any(|b| !b.trim().is_empty());
            if websites.is_empty()
                && feeds.is_empty()
                && social.is_empty()
                && affiliates.is_empty()
                && files.is_empty()
                && apps.apple.is_none()
                && apps.google.is_none()
                && !found_by_brand
            {
                return Err(err(firm_span.start, key("websites"), format!("firm `{name}` has nothing to scan: list at least one website, feed, social profile, affiliate, app or file (or brands, with [watch] sites that may name it)")));
            }
            firms.push(FirmConfig {
                name,
                home_country,
                websites,
                feeds,
                social,
                affiliates,
                affiliates_file,
                affiliate_names,
                brands: firm.brands,
                apps,
                files,
                geo_pages,
            });
        }
        let vantages = parse_vantages(raw.vantage, path, text)?;
        let mut geo = GeoSettings::default();
        if let Some(max_pages) = raw.geo.and_then(|g| g.max_pages) {
            match usize::try_from(*max_pages.get_ref()) {
                Ok(n) if n > 0 => geo.max_pages = n,
                _ => {
                    return Err(ConfigError::at(
                        path,
                        text,
                        max_pages.span().start,
                        Some("geo.max_pages".into()),
                        "must be a whole number above 0".into(),
                    ))
                }
            }
        }

        let mut watch = WatchConfig::default();
        if let Some(raw_watch) = raw.watch {
            for (i, site) in raw_watch.sites.into_iter().enumerate() {
                let url = parse_http_url(site.get_ref())
                    .map_err(|m| err(site.span().start, format!("watch.sites[{i}]"), m))?;
                watch.sites.push(url);
            }
        }

        Ok(Config {
            scan,
            firms,
            vantages,
            geo,
            evidence,
            watch,
            source: path.to_path_buf(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        })
    }
}

/// Checks every `[[vantage]]`: unique names, a country code, a proxy URL of
/// a scheme the client speaks, a header-safe `Accept-Language`, one control
/// at most. Messages name the proxy without its credentials.
fn parse_vantages(
    raw: Vec<Spanned<RawVantage>>,
    path: &Path,
    text: &str,
) -> Result<Vec<Vantage>, ConfigError> {
    let err = |offset: usize, key: String, message: String| {
        ConfigError::at(path, text, offset, Some(key), message)
    };
    let mut vantages: Vec<Vantage> = Vec::with_capacity(raw.len());
    for (index, entry) in raw.into_iter().enumerate() {
        let entry = entry.into_inner();
        let key = |field: &str| format!("vantage[{index}].{field}");
        let name = entry.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(err(
                entry.name.span().start,
                key("name"),
                "must not be empty".into(),
            ));
        }
        if vantages.iter().any(|v| v.name.eq_ignore_ascii_case(&name)) {
            return Err(err(
                entry.name.span().start,
                key("name"),
                format!("vantage `{name}` is listed twice"),
            ));
        }
        let Some(country) = country_code(entry.country.get_ref()) else {
            return Err(err(
                entry.country.span().start,
                key("country"),
                format!(
                    "`{}` is not an ISO 3166-1 alpha-2 country code",
                    entry.country.get_ref()
                ),
            ));
        };
        let proxy = match entry.proxy {
            Some(proxy) => Some(
                parse_proxy(proxy.get_ref())
                    .map_err(|m| err(proxy.span().start, key("proxy"), m))?,
            ),
            None => None,
        };
        let accept_language = match entry.accept_language {
            Some(value) => {
                let trimmed = value.get_ref().trim();
                let header_safe =
                    !trimmed.is_empty() && trimmed.bytes().all(|b| (0x20..0x7f).contains(&b));
                if !header_safe {
                    return Err(err(
                        value.span().start,
                        key("accept_language"),
                        "must be a non-empty ASCII header value such as \"de-DE,de;q=0.9\"".into(),
                    ));
                }
                Some(trimmed.to_string())
            }
            None => None,
        };
        if entry.control {
            if let Some(first) = vantages.iter().find(|v| v.control) {
                return Err(err(
                    entry.name.span().start,
                    key("control"),
                    format!(
                        "`{}` is already the control; only one vantage can be",
                        first.name
                    ),
                ));
            }
            if EU_MEMBER_STATES.contains(&country.as_str()) {
                return Err(err(
                    entry.country.span().start,
                    key("country"),
                    format!("the control must be outside the EU, not {country}"),
                ));
            }
        }
        vantages.push(Vantage {
            name,
            country,
            proxy,
            accept_language,
            control: entry.control,
        });
    }
    Ok(vantages)
}

/// A proxy URL of a scheme the HTTP client speaks. The message for a bad one
/// never repeats the text, which may hold a password.
fn parse_proxy(text: &str) -> Result<ProxyUrl, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("not a proxy URL: {e}"))?;
    match url.scheme() {
        "http" | "https" | "socks5" | "socks5h" => {}
        other => {
            return Err(format!(
                "proxy scheme `{other}` is not supported: use http, https, socks5 or socks5h"
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the proxy URL has no host".into());
    }
    if url.path() != "/" && !url.path().is_empty() || url.query().is_some() {
        return Err(format!(
            "a proxy URL is scheme://[user:password@]host:port only: {}",
            ProxyUrl(url).redacted()
        ));
    }
    Ok(ProxyUrl(url))
}

fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a valid URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "`{text}`: scheme `{other}` is not supported (use http or https)"
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests;
