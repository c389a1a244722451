//! One fetch: hop by hop through redirects (each re-checked against the
//! guard and the caller's filter), with retries, back-off and `Retry-After`.

use super::client::*;
use super::error::*;
use super::response::*;
use crate::model::text::redact;
use crate::model::{sha256_hex, Conditions};
use crate::sources::frontier::host_key;
use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, CONTENT_LANGUAGE, CONTENT_TYPE, HOST, LOCATION,
};
use reqwest::Method;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use url::Url;

/// First back-off after a failed attempt; doubled for every further one.
pub const RETRY_BASE_DELAY: Duration = Duration::from_millis(500);

/// Longest back-off between attempts when the server gave no `Retry-After`.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(10);

/// Where one hop's request actually goes.
pub(crate) struct Target {
    /// The URL handed to the HTTP client (an override may replace the host).
    pub(crate) request_url: Url,
    /// The `Host` header to send when `request_url` was rewritten.
    pub(crate) host_header: Option<HeaderValue>,
}

/// What one hop produced.
pub(crate) enum HopOutcome {
    Redirect {
        location: Url,
        /// The redirect response itself (status, headers, empty body).
        response: Box<Fetched>,
    },
    Final(Box<Fetched>),
}

impl Fetcher {
    /// One logical fetch of `url`: waits for the host's rate limit and a
    /// global permit, follows redirects by hand (each hop checked by
    /// `redirect_filter` and the address guard before any connection),
    /// retries transient failures with back-off, and caps the body.
    ///
    /// HTTP error statuses are not errors: after retries, the last response
    /// is returned with its status.
    ///
    /// # Errors
    /// [`FetchError::Blocked`] when the guard refuses the URL, a redirect
    /// target or every address a name resolves to;
    /// [`FetchError::RedirectRefused`], [`FetchError::TooManyRedirects`],
    /// [`FetchError::RedirectLoop`] for redirect chains; transport failures
    /// ([`FetchError::Timeout`], [`FetchError::Connect`], [`FetchError::Dns`],
    /// [`FetchError::Body`]) once retries are used up;
    /// [`FetchError::Unsupported`] for schemes other than http(s).
    pub async fn fetch(
        &self,
        url: &Url,
        redirect_filter: &(dyn Fn(&Url) -> Result<(), String> + Send + Sync),
    ) -> Result<Fetched, FetchError> {
        self.fetch_conditional(url, redirect_filter, None).await
    }

    /// [`Fetcher::fetch`], sending `conditions` on the hop to
    /// `conditions.url`. A `304 Not Modified` answer is a success like any
    /// other status (never retried, with an empty body); [`Fetched::conditional`]
    /// says whether the validators were actually sent.
    ///
    /// # Errors
    /// As [`Fetcher::fetch`].
    pub async fn fetch_conditional(
        &self,
        url: &Url,
        redirect_filter: &(dyn Fn(&Url) -> Result<(), String> + Send + Sync),
        conditions: Option<&Conditions>,
    ) -> Result<Fetched, FetchError> {
        self.fetch_unscrubbed(url, redirect_filter, conditions)
            .await
            .map_err(|error| match &self.proxy_secret {
                Some(secret) => error.scrubbed(secret),
                None => error,
            })
    }

    pub(crate) async fn fetch_unscrubbed(
        &self,
        url: &Url,
        redirect_filter: &(dyn Fn(&Url) -> Result<(), String> + Send + Sync),
        conditions: Option<&Conditions>,
    ) -> Result<Fetched, FetchError> {
        let origin = redact(url);
        let mut current = url.clone();
        let mut redirects: Vec<Url> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([without_fragment(url)]);
        let mut attempts = 0u32;
        loop {
            let target = self.target_for(&current, &origin, !redirects.is_empty())?;
            let validators = conditions
                .filter(|c| without_fragment(&c.url) == without_fragment(&current))
                .map(condition_headers)
                .unwrap_or_default();
            match self
                .fetch_hop(
                    &current,
                    &target,
                    &origin,
                    &validators,
                    &mut attempts,
                    &Method::GET,
                )
                .await?
            {
                HopOutcome::Final(mut fetched) => {
                    fetched.url = url.clone();
                    fetched.redirects = redirects;
                    fetched.attempts = attempts;
                    return Ok(*fetched);
                }
                HopOutcome::Redirect { location, .. } => {
                    tracing::debug!(from = %redact(&current), to = %redact(&location), "redirect");
                    if !seen.insert(without_fragment(&location)) {
                        return Err(FetchError::RedirectLoop { url: origin });
                    }
                    if redirects.len() >= self.limits.max_redirects as usize {
                        return Err(FetchError::TooManyRedirects {
                            url: origin,
                            limit: self.limits.max_redirects,
                        });
                    }
                    if let Err(reason) = redirect_filter(&location) {
                        return Err(FetchError::RedirectRefused {
                            url: origin,
                            target: redact(&location),
                            reason,
                        });
                    }
                    redirects.push(std::mem::replace(&mut current, location));
                }
            }
        }
    }

    /// One request to `url` with `method`, redirects not followed, for callers
    /// that walk a redirect chain themselves (shortener resolution). The
    /// request goes through the same rate limits, global cap, retries and
    /// address guard as [`Fetcher::fetch`]; whether to follow a `Location`
    /// is the caller's decision, and its next call is guarded again.
    ///
    /// # Errors
    /// As [`Fetcher::fetch`], without the redirect-chain errors.
    pub async fn request_once(&self, url: &Url, method: Method) -> Result<Hop, FetchError> {
        let origin = redact(url);
        let target = self.target_for(url, &origin, false)?;
        let mut attempts = 0u32;
        match self
            .fetch_hop(url, &target, &origin, &[], &mut attempts, &method)
            .await?
        {
            HopOutcome::Redirect { location, response } => Ok(Hop::Redirect {
                status: response.status,
                at: response.fetched_at.clone(),
                location,
                response,
            }),
            HopOutcome::Final(fetched) => Ok(Hop::Final(fetched)),
        }
    }

    /// Decides where a hop's request goes, refusing it before any connection
    /// when the guard says no.
    pub(crate) fn target_for(
        &self,
        url: &Url,
        origin: &str,
        is_redirect: bool,
    ) -> Result<Target, FetchError> {
        let hop = if is_redirect {
            format!("redirect to {}: ", redact(url))
        } else {
            String::new()
        };
        let unsupported = |reason: String| FetchError::Unsupported {
            url: origin.to_string(),
            reason: format!("{hop}{reason}"),
        };
        let blocked = |reason: String| FetchError::Blocked {
            url: origin.to_string(),
            reason: format!("{hop}{reason}"),
        };
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(unsupported(format!(
                "scheme `{scheme}` is not http or https"
            )));
        }
        let Some(host) = url.host() else {
            return Err(unsupported("no host".to_string()));
        };
        // An override may name an address literal too (`"192.0.2.7" = ...`),
        // so a test or an evaluation can serve a page that lives on a bare
        // IP without any connection to that IP.
        let name = match host {
            url::Host::Domain(name) => name.to_string(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => format!("[{ip}]"),
        };
        let name = name.as_str();
        let port = url.port_or_known_default().unwrap_or(80);
        let is_literal = !matches!(host, url::Host::Domain(_));
        // Over TLS an address literal is its own name: it is never remapped.
        let mapped = if is_literal && scheme == "https" {
            None
        } else {
            self.overrides.lookup(name, port)
        };
        let Some(mapped) = mapped else {
            // Only an address literal has an address to check before any
            // connection; names are checked as they resolve.
            self.guard
                .check_url(url)
                .map_err(|refusal| blocked(refusal.to_string()))?;
            if !is_literal && self.overrides.names(name) {
                return Err(unsupported(format!(
                    "`resolve` maps {name} only for other ports than {port}"
                )));
            }
            return Ok(Target {
                request_url: url.clone(),
                host_header: None,
            });
        };
        self.guard
            .check_ip(mapped.ip())
            .map_err(|refusal| blocked(format!("{name} is mapped to {mapped}: {refusal}")))?;
        if scheme == "https" {
            // The resolver answers for the name; hyper then replaces the
            // resolved port with an explicit URL port, so only default-port
            // URLs (or matching ports) can be remapped over TLS.
            let explicit_port_differs = url.port().is_some_and(|p| p != mapped.port());
            let resolver_agrees = self.overrides.lookup(name, 443) == Some(mapped);
            if explicit_port_differs || !resolver_agrees {
                return Err(unsupported(format!(
                    "`resolve` can remap {name} to {mapped} over https only for URLs without an explicit port; port remapping is http-only"
                )));
            }
            return Ok(Target {
                request_url: url.clone(),
                host_header: None,
            });
        }
        // Plain http: connect to the mapped address and name the host in
        // `Host`, so the server sees the request as it would for the real name.
        let mut request_url = url.clone();
        let remapped = request_url.set_ip_host(mapped.ip()).is_ok()
            && request_url.set_port(Some(mapped.port())).is_ok();
        if !remapped {
            return Err(unsupported(format!("cannot address {mapped}")));
        }
        let authority = match url.port() {
            Some(port) => format!("{name}:{port}"),
            None => name.to_string(),
        };
        let host_header = HeaderValue::from_str(&authority)
            .map_err(|e| unsupported(format!("invalid host {name}: {e}")))?;
        Ok(Target {
            request_url,
            host_header: Some(host_header),
        })
    }

    /// One hop with its retries.
    pub(crate) async fn fetch_hop(
        &self,
        url: &Url,
        target: &Target,
        origin: &str,
        validators: &[(HeaderName, HeaderValue)],
        attempts: &mut u32,
        method: &Method,
    ) -> Result<HopOutcome, FetchError> {
        let key = host_key(url);
        let mut retry = 0u32;
        loop {
            self.politeness.wait_turn(&key).await;
            let permit = self
                .permits
                .acquire()
                .await
                .map_err(|e| FetchError::Client(e.to_string()))?;
            self.politeness.start(&key).await;
            *attempts += 1;
            let mut request = self
                .client
                .request(method.clone(), target.request_url.clone());
            if let Some(host) = &target.host_header {
                request = request.header(HOST, host.clone());
            }
            for (name, value) in validators {
                request = request.header(name, value.clone());
            }
            let sent = request.send().await;
            self.politeness.answered(&key);
            let retries_left = retry < self.limits.max_retries;
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    let error = map_error(error, origin, url);
                    tracing::debug!(url = %redact(url), attempt = retry + 1, %error, "request failed");
                    if error.is_transient() && retries_left {
                        drop(permit);
                        tokio::time::sleep(backoff(retry)).await;
                        retry += 1;
                        continue;
                    }
                    return Err(error);
                }
            };
            let status = response.status().as_u16();
            tracing::debug!(url = %redact(url), attempt = retry + 1, status, "response");
            let retry_after = match status {
                429 | 503 => retry_after(response.headers(), SystemTime::now())
                    .map(|wait| wait.min(self.limits.max_retry_after)),
                _ => None,
            };
            if let Some(wait) = retry_after {
                // The server asked the whole host to back off, so every
                // request to it waits, not just a retry of this one.
                self.politeness.pause(&key, Instant::now() + wait);
            }
            if retries_left && matches!(status, 429 | 500 | 502 | 503 | 504) {
                drop(response);
                drop(permit);
                if retry_after.is_none() {
                    tokio::time::sleep(backoff(retry)).await;
                }
                retry += 1;
                continue;
            }
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|text| url.join(text.trim()).ok());
                if let Some(location) = location {
                    let headers = response.headers().clone();
                    return Ok(HopOutcome::Redirect {
                        location,
                        response: Box::new(Fetched {
                            url: url.clone(),
                            final_url: url.clone(),
                            redirects: Vec::new(),
                            status,
                            content_type: header_text(&headers, CONTENT_TYPE),
                            content_language: header_text(&headers, CONTENT_LANGUAGE),
                            sha256: sha256_hex(&[]),
                            headers,
                            body: Vec::new(),
                            truncated: false,
                            fetched_at: now_rfc3339(),
                            remote_addr: response.remote_addr(),
                            attempts: *attempts,
                            conditional: false,
                        }),
                    });
                }
            }
            let fetched_at = now_rfc3339();
            let headers = response.headers().clone();
            let remote_addr = response.remote_addr();
            match read_capped(response, self.limits.max_body_bytes).await {
                Ok((body, truncated)) => {
                    return Ok(HopOutcome::Final(Box::new(Fetched {
                        url: url.clone(),
                        final_url: url.clone(),
                        redirects: Vec::new(),
                        status,
                        content_type: header_text(&headers, CONTENT_TYPE),
                        content_language: header_text(&headers, CONTENT_LANGUAGE),
                        sha256: sha256_hex(&body),
                        headers,
                        body,
                        truncated,
                        fetched_at,
                        remote_addr,
                        attempts: *attempts,
                        conditional: !validators.is_empty(),
                    })));
                }
                Err(error) => {
                    let error = map_error(error, origin, url);
                    tracing::debug!(url = %redact(url), attempt = retry + 1, %error, "body failed");
                    if error.is_transient() && retries_left {
                        drop(permit);
                        tokio::time::sleep(backoff(retry)).await;
                        retry += 1;
                        continue;
                    }
                    return Err(error);
                }
            }
        }
    }
}

/// Reads at most `cap` decoded bytes; the flag says more were on offer.
/// Stops reading as soon as the cap is passed, so an oversized body is never
/// held in memory.
async fn read_capped(
    response: reqwest::Response,
    cap: u64,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
        if body.len() == cap {
            // Full: one more non-empty chunk means the body was longer.
            while let Some(next) = stream.next().await {
                if !next?.is_empty() {
                    return Ok((body, true));
                }
            }
            return Ok((body, false));
        }
    }
    Ok((body, false))
}

/// Exponential back-off: `RETRY_BASE_DELAY × 2^retry`, capped.
pub(crate) fn backoff(retry: u32) -> Duration {
    RETRY_BASE_DELAY
        .saturating_mul(2u32.saturating_pow(retry.min(16)))
        .min(RETRY_MAX_DELAY)
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

pub(crate) fn header_text(
    headers: &HeaderMap,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

pub(crate) fn without_fragment(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}
