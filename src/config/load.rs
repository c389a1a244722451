//! Reading and validating a configuration file: every value checked up
//! front, every error with file, line and key.

use super::error::*;
use super::firm::*;
use super::geo::*;
use super::raw::*;
use super::settings::*;
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;
use url::Url;

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
            if let Some(v) = raw_scan.robots_recheck_after {
                scan.robots_recheck_after = v;
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
            if let Some(mode) = raw_scan.render {
                scan.render = RenderMode::parse(mode.get_ref()).ok_or_else(|| {
                    err(
                        mode.span().start,
                        "scan.render".into(),
                        format!(
                            "`{}` is not a render mode: use \"off\", \"auto\" or \"always\"",
                            mode.get_ref()
                        ),
                    )
                })?;
            }
            if let Some(v) = non_negative(&raw_scan.render_max_pages, "render_max_pages")? {
                scan.render_max_pages = v as usize;
            }
            if let Some(v) = raw_scan.render_timeout {
                scan.render_timeout = v;
            }
            if let Some(v) = positive(&raw_scan.render_tabs, "render_tabs")? {
                scan.render_tabs = usize::try_from(v).unwrap_or(usize::MAX).min(16);
            }
            if let Some(path) = raw_scan.browser {
                scan.browser = Some(path);
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
            let lei = match firm.lei {
                Some(lei) => {
                    let text = lei.get_ref().trim().to_ascii_uppercase();
                    // ISO 17442: 18 alphanumerics and two check digits.
                    if text.len() != 20 || !text.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(err(
                            lei.span().start,
                            key("lei"),
                            format!("`{text}` is not an LEI (20 letters and digits)"),
                        ));
                    }
                    Some(text)
                }
                None => None,
            };
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
                lei,
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

        let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
        let register = match raw.register {
            Some(raw_register) => RegisterSettings {
                esma_casps: raw_register.esma_casps.map(|p| base_dir.join(p)),
                esma_non_compliant: raw_register.esma_non_compliant.map(|p| base_dir.join(p)),
                warning_lists: raw_register
                    .warning_lists
                    .iter()
                    .map(|p| base_dir.join(p))
                    .collect(),
            },
            None => RegisterSettings::default(),
        };

        Ok(Config {
            scan,
            firms,
            vantages,
            geo,
            evidence,
            watch,
            register,
            source: path.to_path_buf(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        })
    }
}

pub(crate) fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

pub(crate) fn parse_http_url(text: &str) -> Result<Url, String> {
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
