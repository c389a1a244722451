//! Link shorteners and tracking redirectors: recognising them (data from
//! `patterns/redirectors.toml`) and resolving one hop by hop to see where it
//! lands.
//!
//! Resolution is separate from crawling on purpose: the crawl refuses a
//! redirect that leaves the firm's scope, while the whole point here is to
//! leave the page's site. Every hop is one request through the fetcher, so
//! the address guard, the host's rate limit and the global cap apply to each;
//! the number of hops is bounded. This module never reads a landing page's
//! body and never decides which firm a chain belongs to (that is `attribute`).

use crate::fetch::{FetchError, Fetched, Fetcher, Hop, Method};
use crate::model::{Category, RedirectHop, Signal};
use crate::rules::RulesError;
use regex::RegexSet;
use serde::Deserialize;
use std::collections::HashSet;
use url::Url;

/// Which links are shorteners or redirectors, and the finding a resolved
/// chain gives the firm it lands on.
#[derive(Debug, Clone)]
pub struct Redirectors {
    hosts: Vec<String>,
    paths: RegexSet,
    query_params: Vec<String>,
    pub finding: RedirectFinding,
}

/// The finding recorded for a chain that lands on a firm.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectFinding {
    pub rule_id: String,
    pub category: Category,
    pub signal: Signal,
    pub weight: f64,
    pub legal_ref: String,
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedirectors {
    hosts: Vec<String>,
    path_regex: Vec<String>,
    query_params: Vec<String>,
    examples: crate::rules::Examples,
    finding: RedirectFinding,
}

impl Redirectors {
    /// Reads and checks the redirector data; every example must behave.
    ///
    /// # Errors
    /// [`RulesError::Parse`] naming `file` and the line for bad TOML, a bad
    /// regex or an example that does not behave.
    pub fn from_toml(text: &str, file: &str) -> Result<Redirectors, RulesError> {
        let error = |offset: usize, message: String| RulesError::Parse {
            file: file.to_string(),
            line: text[..offset.min(text.len())].matches('\n').count() + 1,
            message,
        };
        let raw: RawRedirectors = toml::from_str(text).map_err(|e| {
            error(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_string(),
            )
        })?;
        let paths = RegexSet::new(&raw.path_regex).map_err(|e| {
            let at = text.find("path_regex").unwrap_or(0);
            error(at, format!("bad path_regex: {e}"))
        })?;
        let redirectors = Redirectors {
            hosts: raw.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            paths,
            query_params: raw
                .query_params
                .iter()
                .map(|p| p.to_ascii_lowercase())
                .collect(),
            finding: raw.finding,
        };
        for (example, expected) in raw
            .examples
            .matches
            .iter()
            .map(|e| (e, true))
            .chain(raw.examples.no_match.iter().map(|e| (e, false)))
        {
            let recognised = Url::parse(example)
                .map(|url| redirectors.recognises(&url))
                .unwrap_or(false);
            if recognised != expected {
                let at = text.find(example.as_str()).unwrap_or(0);
                let verb = if expected { "must" } else { "must not" };
                return Err(error(
                    at,
                    format!("example `{example}` {verb} be taken for a redirector link"),
                ));
            }
        }
        Ok(redirectors)
    }

    /// Whether a link is a shortener or a redirector worth resolving.
    pub fn recognises(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        if self
            .hosts
            .iter()
            .any(|h| host == h || host.ends_with(&format!(".{h}")))
        {
            return true;
        }
        if self.paths.is_match(&url.path().to_ascii_lowercase()) {
            return true;
        }
        url.query_pairs().any(|(name, value)| {
            self.query_params
                .iter()
                .any(|p| name.eq_ignore_ascii_case(p))
                && (value.starts_with("http://") || value.starts_with("https://"))
        })
    }
}

/// Where following a link ended.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The link as found.
    pub link: Url,
    /// Every request made, in order.
    pub hops: Vec<RedirectHop>,
    /// The last URL reached: a `Location` accepted by `lands`, or the URL
    /// that answered without redirecting. `None` when the chain broke.
    pub landing: Option<Url>,
    /// Why the chain broke (guard, network, too many hops, loop).
    pub error: Option<FetchError>,
    /// Each hop's response as received (redirects with an empty body), in
    /// the order of `hops`, for the archive.
    pub responses: Vec<Fetched>,
}

/// Follows `link` one request at a time, `HEAD` first and `GET` where the
/// server refuses `HEAD`, for at most `max_hops` requests. Stops without
/// requesting it at the first `Location` for which `lands` is true (a firm's
/// own site: the chain has told us what we wanted, and that site is crawled
/// anyway).
pub async fn resolve(
    fetcher: &Fetcher,
    link: &Url,
    max_hops: u32,
    lands: &(dyn Fn(&Url) -> bool + Sync),
) -> Resolution {
    let mut resolution = Resolution {
        link: link.clone(),
        hops: Vec::new(),
        landing: None,
        error: None,
        responses: Vec::new(),
    };
    let mut current = link.clone();
    let mut seen: HashSet<String> = HashSet::from([current.to_string()]);
    loop {
        if resolution.hops.len() >= max_hops as usize {
            resolution.error = Some(FetchError::TooManyRedirects {
                url: crate::fetch::redact(link),
                limit: max_hops,
            });
            return resolution;
        }
        let (hop, method) = match request(fetcher, &current).await {
            Ok(answer) => answer,
            Err(error) => {
                resolution.error = Some(error);
                return resolution;
            }
        };
        match hop {
            Hop::Redirect {
                status,
                location,
                at,
                response,
            } => {
                resolution.hops.push(RedirectHop {
                    url: crate::fetch::redact(&current),
                    method: method.to_string(),
                    status,
                    location: Some(crate::fetch::redact(&location)),
                    at,
                    warc_file: None,
                    warc_record_id: None,
                    warc_offset: None,
                });
                resolution.responses.push(*response);
                if lands(&location) {
                    resolution.landing = Some(location);
                    return resolution;
                }
                if !seen.insert(location.to_string()) {
                    resolution.error = Some(FetchError::RedirectLoop {
                        url: crate::fetch::redact(link),
                    });
                    return resolution;
                }
                current = location;
            }
            Hop::Final(fetched) => {
                // Cloakers that answer 200 and send the browser on with
                // `<meta http-equiv="refresh">` are followed like a 3xx.
                let refresh = meta_refresh(&fetched).and_then(|target| current.join(&target).ok());
                resolution.hops.push(RedirectHop {
                    url: crate::fetch::redact(&current),
                    method: method.to_string(),
                    status: fetched.status,
                    location: refresh.as_ref().map(crate::fetch::redact),
                    at: fetched.fetched_at.clone(),
                    warc_file: None,
                    warc_record_id: None,
                    warc_offset: None,
                });
                resolution.responses.push(*fetched);
                let Some(next) = refresh.filter(|u| matches!(u.scheme(), "http" | "https")) else {
                    resolution.landing = Some(current);
                    return resolution;
                };
                if lands(&next) {
                    resolution.landing = Some(next);
                    return resolution;
                }
                if !seen.insert(next.to_string()) {
                    resolution.error = Some(FetchError::RedirectLoop {
                        url: crate::fetch::redact(link),
                    });
                    return resolution;
                }
                current = next;
            }
        }
    }
}

/// `HEAD`, then `GET` when the answer to `HEAD` is an error status (many
/// shorteners and click trackers answer only `GET`).
///
/// A `200` to `HEAD` is asked again with `GET` too: the body may hold a
/// `<meta http-equiv="refresh">` that sends the visitor on.
async fn request(fetcher: &Fetcher, url: &Url) -> Result<(Hop, Method), FetchError> {
    let head = fetcher.request_once(url, Method::HEAD).await?;
    match &head {
        Hop::Final(fetched) if fetched.status >= 400 || (200..300).contains(&fetched.status) => {
            let get = fetcher.request_once(url, Method::GET).await?;
            Ok((get, Method::GET))
        }
        _ => Ok((head, Method::HEAD)),
    }
}

/// The target of an HTML page's `<meta http-equiv="refresh">`, as written.
fn meta_refresh(fetched: &Fetched) -> Option<String> {
    let is_html = fetched
        .content_type
        .as_deref()
        .is_none_or(|t| t.to_ascii_lowercase().contains("html"));
    if !is_html || fetched.body.is_empty() {
        return None;
    }
    let text = crate::charset::decode(&fetched.body, fetched.content_type.as_deref()).text;
    let page = scraper::Html::parse_document(&text);
    let metas = scraper::Selector::parse("meta[http-equiv][content]").ok()?;
    page.select(&metas)
        .filter(|meta| {
            meta.value()
                .attr("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        })
        .find_map(|meta| crate::extract::refresh_target(meta.value().attr("content")?))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Redirectors {
        Redirectors::from_toml(
            include_str!("../patterns/redirectors.toml"),
            "redirectors.toml",
        )
        .unwrap()
    }

    #[test]
    fn bundled_data_and_its_examples_load() {
        let redirectors = bundled();
        assert_eq!(redirectors.finding.category, Category::Affiliate);
        let yes = |u: &str| redirectors.recognises(&Url::parse(u).unwrap());
        assert!(yes("http://WWW.Bit.ly/abc"));
        assert!(yes("https://go.review.example/go/x"));
        assert!(!yes("https://review.example/go"));
        assert!(!yes("https://review.example/?to=de"));
    }

    #[test]
    fn a_misbehaving_example_names_file_and_line() {
        let text = include_str!("../patterns/redirectors.toml")
            .replace("\"https://exchange.example/\",", "\"https://bit.ly/x\",");
        let error = Redirectors::from_toml(&text, "redirectors.toml").unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("redirectors.toml:"), "{message}");
        assert!(message.contains("must not"), "{message}");
    }
}
