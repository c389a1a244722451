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

use crate::model::RedirectHop;
use crate::sources::fetch::{FetchError, Fetched, Fetcher, Hop, Method};
use std::collections::HashSet;
use url::Url;
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
                url: crate::model::text::redact(link),
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
                    url: crate::model::text::redact(&current),
                    method: method.to_string(),
                    status,
                    location: Some(crate::model::text::redact(&location)),
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
                        url: crate::model::text::redact(link),
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
                    url: crate::model::text::redact(&current),
                    method: method.to_string(),
                    status: fetched.status,
                    location: refresh.as_ref().map(crate::model::text::redact),
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
                        url: crate::model::text::redact(link),
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
    let text = crate::analyze::charset::decode(&fetched.body, fetched.content_type.as_deref()).text;
    let page = scraper::Html::parse_document(&text);
    let metas = scraper::Selector::parse("meta[http-equiv][content]").ok()?;
    page.select(&metas)
        .filter(|meta| {
            meta.value()
                .attr("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        })
        .find_map(|meta| crate::analyze::extract::refresh_target(meta.value().attr("content")?))
        .map(str::to_string)
}
