//! The geo probe's settings: vantage points (country, proxy, language) and
//! how many pages to probe; proxy URLs whose credentials never print.

use super::error::ConfigError;
use super::raw::*;
use std::path::Path;
use toml::Spanned;
use url::Url;

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
pub(crate) fn percent_decode(text: &str) -> String {
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

/// Checks every `[[vantage]]`: unique names, a country code, a proxy URL of
/// a scheme the client speaks, a header-safe `Accept-Language`, one control
/// at most. Messages name the proxy without its credentials.
pub(crate) fn parse_vantages(
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
pub(crate) fn parse_proxy(text: &str) -> Result<ProxyUrl, String> {
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
