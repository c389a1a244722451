//! The scan settings and their defaults: crawl limits, politeness,
//! timeouts, evidence, watched sites; `Config` holds them with the firms.

use super::firm::FirmConfig;
use super::geo::{GeoSettings, Vantage};
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
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

/// How long an unavailable robots.txt (5xx, 429, network error) keeps its
/// host fully disallowed before the crawler asks for it again.
pub const DEFAULT_ROBOTS_RECHECK_AFTER: Duration = Duration::from_secs(300);

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
    /// Register files the firms are looked up in (`[register]`).
    pub register: RegisterSettings,
    /// The file it was read from, for messages.
    pub source: PathBuf,
    /// SHA-256 of the file's bytes, recorded in every report.
    pub sha256: String,
}

/// Local copies of the register files (`[register]`), resolved against the
/// configuration file's directory. Nothing is downloaded: the user fetches
/// ESMA's interim MiCA register (CASPS.csv, NCASP.csv) and NCA warning lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisterSettings {
    /// ESMA's authorised crypto-asset service providers (CASPS.csv).
    pub esma_casps: Option<PathBuf>,
    /// ESMA's non-compliant entities reported by NCAs (NCASP.csv).
    pub esma_non_compliant: Option<PathBuf>,
    /// NCA warning lists: CSV with `name`, `website`, `authority`, `date`.
    pub warning_lists: Vec<PathBuf>,
}

impl RegisterSettings {
    pub fn is_empty(&self) -> bool {
        self.esma_casps.is_none()
            && self.esma_non_compliant.is_none()
            && self.warning_lists.is_empty()
    }
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
    /// An unavailable robots.txt disallows its whole host (RFC 9309
    /// §2.3.1.4); it is fetched again when a URL of that host comes up after
    /// this long, and a readable answer lifts the block.
    pub robots_recheck_after: Duration,
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
    /// When pages are rendered in a headless browser (`off`, `auto`, `always`).
    pub render: RenderMode,
    /// Pages rendered per site at most; the rest stay as fetched.
    pub render_max_pages: usize,
    /// Time one page may take in the browser, navigation to screenshot.
    pub render_timeout: Duration,
    /// Pages rendered at the same time (browser tabs).
    pub render_tabs: usize,
    /// The browser to drive; found on `PATH` (chromium, google-chrome) when unset.
    pub browser: Option<PathBuf>,
}

/// When a page is rendered in a headless browser before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RenderMode {
    /// Never: pages are read as fetched.
    Off,
    /// Only pages whose fetched HTML is a script-rendered shell (an empty
    /// application root, a `<noscript>` asking for JavaScript, next to no
    /// text); every other page takes the fast path.
    #[default]
    Auto,
    /// Every HTML page of the firm's websites.
    Always,
}

impl RenderMode {
    pub fn parse(text: &str) -> Option<RenderMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Some(RenderMode::Off),
            "auto" => Some(RenderMode::Auto),
            "always" => Some(RenderMode::Always),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RenderMode::Off => "off",
            RenderMode::Auto => "auto",
            RenderMode::Always => "always",
        }
    }
}

impl std::str::FromStr for RenderMode {
    type Err = String;

    fn from_str(text: &str) -> Result<RenderMode, String> {
        RenderMode::parse(text)
            .ok_or_else(|| format!("`{text}` is not a render mode: use off, auto or always"))
    }
}

pub const DEFAULT_RENDER_MAX_PAGES: usize = 50;

pub const DEFAULT_RENDER_TIMEOUT: Duration = Duration::from_secs(30);

pub const DEFAULT_RENDER_TABS: usize = 2;

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
            robots_recheck_after: DEFAULT_ROBOTS_RECHECK_AFTER,
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
            render: RenderMode::Auto,
            render_max_pages: DEFAULT_RENDER_MAX_PAGES,
            render_timeout: DEFAULT_RENDER_TIMEOUT,
            render_tabs: DEFAULT_RENDER_TABS,
            browser: None,
        }
    }
}

pub(crate) fn url_constant(text: &str) -> Url {
    #[expect(
        clippy::expect_used,
        reason = "a constant of this crate, checked by tests"
    )]
    Url::parse(text).expect("default base URLs are valid")
}
