//! URL normalisation: one spelling per page, so that de-duplication, budgets
//! and trap guards count pages rather than spellings.
//!
//! Only rewrites that cannot change which resource a server returns are made
//! (RFC 3986 §6.2.2 and the WHATWG URL parser), plus the removal of query
//! parameters that only track visitors. Path case and the order of repeated
//! query keys are kept, because servers may treat them as meaningful. This
//! module never performs I/O.

use url::{Host, Url};

/// Rewrites URLs into the one form the frontier de-duplicates on.
#[derive(Debug, Clone, Default)]
pub struct UrlNormalizer {
    strip_rules: Vec<StripRule>,
}

/// A query parameter to remove, matched case-insensitively on its decoded name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StripRule {
    Exact(String),
    Prefix(String),
}

impl StripRule {
    fn parse(entry: &str) -> Option<StripRule> {
        let entry = entry.trim().to_lowercase();
        match entry.strip_suffix('*') {
            // A bare `*` would strip every parameter and merge distinct pages.
            Some("") => None,
            Some(prefix) => Some(StripRule::Prefix(prefix.to_string())),
            None if entry.is_empty() => None,
            None => Some(StripRule::Exact(entry)),
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            StripRule::Exact(exact) => name == exact,
            StripRule::Prefix(prefix) => name.starts_with(prefix.as_str()),
        }
    }
}

impl UrlNormalizer {
    /// `strip_query_params` entries are exact names (`gclid`) or prefixes
    /// ending in `*` (`utm_*`), compared case-insensitively. A lone `*` is
    /// ignored: it would make every query string disappear.
    pub fn new(strip_query_params: &[String]) -> Self {
        UrlNormalizer {
            strip_rules: strip_query_params
                .iter()
                .filter_map(|entry| StripRule::parse(entry))
                .collect(),
        }
    }

    /// The normal form of `url`, or `None` when it is not something the
    /// crawler can fetch (a scheme other than http/https, no host).
    ///
    /// Scheme and host are lower-cased and the host is in IDNA (punycode)
    /// form, both done by the `url` parser; a trailing dot on the host,
    /// default ports, user info, the fragment, dot segments and tracking
    /// parameters are removed; the remaining query pairs are sorted by name
    /// (stable, so repeated names keep their order); an empty `?` is dropped;
    /// percent-escapes of unreserved characters are decoded and all other
    /// escapes upper-cased. Idempotent.
    pub fn normalize(&self, url: &Url) -> Option<Url> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let mut normal = url.clone();
        match normal.host() {
            Some(Host::Domain(domain)) => {
                if domain.is_empty() {
                    return None;
                }
                if domain.ends_with('.') {
                    let trimmed = domain.trim_end_matches('.').to_string();
                    if trimmed.is_empty() {
                        return None;
                    }
                    normal.set_host(Some(&trimmed)).ok()?;
                }
            }
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => {}
            None => return None,
        }
        normal.set_fragment(None);
        // Credentials in a link are a secret; they never belong in a report.
        normal.set_username("").ok()?;
        normal.set_password(None).ok()?;
        if normal.port().is_some() && normal.port() == default_port(normal.scheme()) {
            normal.set_port(None).ok()?;
        }

        let path = normalize_percent_escapes(normal.path());
        if path != normal.path() {
            normal.set_path(&path);
        }

        let query = normal.query().map(|query| self.normalize_query(query));
        match query.as_deref() {
            Some("") | None => normal.set_query(None),
            Some(query) => normal.set_query(Some(query)),
        }
        Some(normal)
    }

    /// Resolves `href` (as found in a page) against `base` and normalises it.
    /// `None` for hrefs that do not parse or do not lead to an http(s) page.
    pub fn normalize_str(&self, href: &str, base: &Url) -> Option<Url> {
        let joined = base.join(href.trim()).ok()?;
        self.normalize(&joined)
    }

    fn normalize_query(&self, query: &str) -> String {
        let mut pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| !self.is_tracking_param(pair))
            .map(|pair| {
                let pair = normalize_percent_escapes(pair);
                let name = pair.split('=').next().unwrap_or_default().to_string();
                (name, pair)
            })
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let pairs: Vec<String> = pairs.into_iter().map(|(_, pair)| pair).collect();
        pairs.join("&")
    }

    fn is_tracking_param(&self, pair: &str) -> bool {
        if self.strip_rules.is_empty() {
            return false;
        }
        let raw_name = pair.split('=').next().unwrap_or_default();
        let name = decode_form_component(raw_name).to_lowercase();
        self.strip_rules.iter().any(|rule| rule.matches(&name))
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// RFC 3986 §2.3: escapes of unreserved characters are equivalent to the
/// characters themselves; the hex digits of other escapes are case-insensitive.
fn normalize_percent_escapes(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let high = hex_value(bytes[index + 1]);
            let low = hex_value(bytes[index + 2]);
            if let (Some(high), Some(low)) = (high, low) {
                let value = high * 16 + low;
                if is_unreserved(value) {
                    out.push(char::from(value));
                } else {
                    out.push('%');
                    out.push(char::from(bytes[index + 1].to_ascii_uppercase()));
                    out.push(char::from(bytes[index + 2].to_ascii_uppercase()));
                }
                index += 3;
                continue;
            }
        }
        // `index` only ever advances by whole characters or by an ASCII escape,
        // so it stays on a character boundary.
        let ch_len = utf8_len(bytes[index]);
        out.push_str(&input[index..index + ch_len]);
        index += ch_len;
    }
    out
}

fn utf8_len(first_byte: u8) -> usize {
    match first_byte {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space), for
/// comparing parameter names only.
fn decode_form_component(raw: &str) -> String {
    url::form_urlencoded::parse(raw.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_STRIP_QUERY_PARAMS;

    fn normalizer() -> UrlNormalizer {
        let params: Vec<String> = DEFAULT_STRIP_QUERY_PARAMS
            .iter()
            .map(|s| s.to_string())
            .collect();
        UrlNormalizer::new(&params)
    }

    fn norm(input: &str) -> Option<String> {
        let url = Url::parse(input).ok()?;
        normalizer().normalize(&url).map(|u| u.to_string())
    }

    #[test]
    fn normalisation_table() {
        let table: &[(&str, &str)] = &[
            (
                "HTTP://Exchange.EXAMPLE/Path",
                "http://exchange.example/Path",
            ),
            ("http://exchange.example:80/a", "http://exchange.example/a"),
            (
                "https://exchange.example:443/a",
                "https://exchange.example/a",
            ),
            (
                "https://exchange.example:8443/a",
                "https://exchange.example:8443/a",
            ),
            (
                "http://exchange.example:443/a",
                "http://exchange.example:443/a",
            ),
            (
                "https://exchange.example/a#section-2",
                "https://exchange.example/a",
            ),
            (
                "https://exchange.example/a/./b/../c",
                "https://exchange.example/a/c",
            ),
            (
                "https://exchange.example/a/%2e%2E/c",
                "https://exchange.example/c",
            ),
            ("https://exchange.example", "https://exchange.example/"),
            (
                "https://exchange.example/?b=2&a=1",
                "https://exchange.example/?a=1&b=2",
            ),
            (
                "https://exchange.example/?b=2&a=1&a=0",
                "https://exchange.example/?a=1&a=0&b=2",
            ),
            (
                "https://exchange.example/p?utm_source=x&UTM_Medium=y&id=7&gclid=abc",
                "https://exchange.example/p?id=7",
            ),
            (
                "https://exchange.example/p?utm_source=x",
                "https://exchange.example/p",
            ),
            ("https://exchange.example/p?", "https://exchange.example/p"),
            (
                "https://exchange.example/p?&&a=1&",
                "https://exchange.example/p?a=1",
            ),
            (
                "https://exchange.example/%7euser/%4a%2f",
                "https://exchange.example/~user/J%2F",
            ),
            (
                "https://exchange.example/p?q=%c3%a9",
                "https://exchange.example/p?q=%C3%A9",
            ),
            (
                "https://b\u{fc}cher.example/",
                "https://xn--bcher-kva.example/",
            ),
            ("https://exchange.example./a", "https://exchange.example/a"),
            (
                "https://user:secret@exchange.example/a",
                "https://exchange.example/a",
            ),
            ("https://[::1]:443/a", "https://[::1]/a"),
            (
                "https://exchange.example/gclidx?gclidx=1",
                "https://exchange.example/gclidx?gclidx=1",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(
                norm(input).as_deref(),
                Some(*expected),
                "normalising {input}"
            );
        }
    }

    #[test]
    fn non_web_schemes_are_refused() {
        for input in [
            "mailto:support@exchange.example",
            "javascript:void(0)",
            "tel:+4930123456",
            "data:text/plain,hello",
            "ftp://exchange.example/file",
        ] {
            assert_eq!(norm(input), None, "{input}");
        }
    }

    #[test]
    fn normalisation_is_idempotent() {
        let inputs = [
            "HTTP://Exchange.EXAMPLE:80/a/./b/../c?z=1&utm_x=2&a=%7e%2f#f",
            "https://b\u{fc}cher.example/%E4%BD%A0?b&a",
            "https://exchange.example/a%2e/%2E./x?=&a==1",
            "https://exchange.example/%zz/%4?%",
            "https://exchange.example/caf\u{e9}?q=\u{e9}t\u{e9}",
        ];
        let normalizer = normalizer();
        for input in inputs {
            let once = normalizer.normalize(&Url::parse(input).unwrap()).unwrap();
            let twice = normalizer.normalize(&once).unwrap();
            assert_eq!(once, twice, "{input}");
        }
    }

    #[test]
    fn hrefs_resolve_against_the_base() {
        let base = Url::parse("https://exchange.example/help/fees.html").unwrap();
        let normalizer = normalizer();
        let resolve = |href: &str| normalizer.normalize_str(href, &base).map(|u| u.to_string());
        assert_eq!(
            resolve("../de/").as_deref(),
            Some("https://exchange.example/de/")
        );
        assert_eq!(
            resolve("  limits.html#top ").as_deref(),
            Some("https://exchange.example/help/limits.html")
        );
        assert_eq!(
            resolve("//cdn.exchange.example/x").as_deref(),
            Some("https://cdn.exchange.example/x")
        );
        assert_eq!(resolve("mailto:a@exchange.example"), None);
        assert_eq!(resolve("javascript:open()"), None);
        assert_eq!(
            resolve("").as_deref(),
            Some("https://exchange.example/help/fees.html")
        );
    }

    #[test]
    fn strip_rules_are_case_insensitive_and_ignore_a_lone_star() {
        let normalizer =
            UrlNormalizer::new(&["*".to_string(), "Ref_*".to_string(), "SID".to_string()]);
        let url = Url::parse("https://exchange.example/?ref_code=1&sid=2&keep=3").unwrap();
        assert_eq!(
            normalizer.normalize(&url).unwrap().as_str(),
            "https://exchange.example/?keep=3"
        );
    }
}
