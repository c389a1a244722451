//! The fetcher: one logical HTTP GET with everything a polite, safe crawler
//! needs around it — per-host rate limits and a global concurrency cap,
//! redirects followed by hand (each hop re-checked against the crawler's scope
//! and the address guard), retries with back-off honouring `Retry-After`, and
//! a byte cap counted after decompression.
//!
//! It knows nothing about rules or pages: it returns bytes and facts about how
//! they were obtained. It must never connect to an address the guard refuses,
//! never exceed a host's rate, never buffer more than the byte cap, and never
//! put credentials from a URL into an error or a log line.

mod politeness;
mod resolver;

use crate::config::ScanSettings;
use crate::model::text::redact;
use crate::model::{sha256_hex, Conditions};
use crate::sources::guard::AddressGuard;
use futures_util::StreamExt;
use politeness::Politeness;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, CONTENT_LANGUAGE, CONTENT_TYPE, HOST, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LOCATION,
};
pub use reqwest::Method;
use resolver::{GuardedResolver, NameLookupFailed, NameRefused, Overrides};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

/// First back-off after a failed attempt; doubled for every further one.
pub const RETRY_BASE_DELAY: Duration = Duration::from_millis(500);
/// Longest back-off between attempts when the server gave no `Retry-After`.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(10);

/// A response as fetched, with how it was obtained.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL asked for.
    pub url: Url,
    /// The URL that gave the final (non-redirect) response.
    pub final_url: Url,
    /// Every URL that answered with a redirect, in order, starting with `url`;
    /// empty when there was no redirect.
    pub redirects: Vec<Url>,
    pub status: u16,
    pub headers: HeaderMap,
    pub content_type: Option<String>,
    pub content_language: Option<String>,
    /// The body after content decoding, at most `max_body_bytes` long.
    pub body: Vec<u8>,
    /// The body was cut at `max_body_bytes`.
    pub truncated: bool,
    /// Hex SHA-256 of `body`.
    pub sha256: String,
    /// RFC 3339 UTC time at which the final response arrived.
    pub fetched_at: String,
    pub remote_addr: Option<SocketAddr>,
    /// HTTP requests sent for this fetch: every hop and every retry.
    pub attempts: u32,
    /// The final request carried the [`Conditions`] asked for, so a `304`
    /// means the earlier response is still current.
    pub conditional: bool,
}

/// The request headers `conditions` become; a validator that is not a
/// valid header value is left out rather than sent mangled.
pub fn condition_headers(conditions: &Conditions) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = Vec::new();
    if let Some(value) = conditions
        .etag
        .as_deref()
        .and_then(|etag| HeaderValue::from_str(etag).ok())
    {
        headers.push((IF_NONE_MATCH, value));
    }
    if let Some(value) = conditions
        .last_modified
        .as_deref()
        .and_then(|date| HeaderValue::from_str(date).ok())
    {
        headers.push((IF_MODIFIED_SINCE, value));
    }
    headers
}

/// Why a fetch produced no response. Every variant carries the URL asked for
/// (credentials removed); `Display` is a one-line message for reports.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("{url}: blocked by the address guard: {reason}")]
    Blocked { url: String, reason: String },
    #[error("{url}: redirect to {target} refused: {reason}")]
    RedirectRefused {
        url: String,
        target: String,
        reason: String,
    },
    #[error("{url}: more than {limit} redirects")]
    TooManyRedirects { url: String, limit: u32 },
    #[error("{url}: redirect loop")]
    RedirectLoop { url: String },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: cannot connect: {message}")]
    Connect { url: String, message: String },
    #[error("{url}: cannot resolve the host name: {message}")]
    Dns { url: String, message: String },
    #[error("{url}: cannot read the body: {message}")]
    Body { url: String, message: String },
    #[error("{url}: cannot fetch this URL: {reason}")]
    Unsupported { url: String, reason: String },
    #[error("{url}: request failed: {message}")]
    Request { url: String, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// A stable snake_case identifier for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Blocked { .. } => "blocked_by_guard",
            FetchError::RedirectRefused { .. } => "redirect_out_of_scope",
            FetchError::TooManyRedirects { .. } => "too_many_redirects",
            FetchError::RedirectLoop { .. } => "redirect_loop",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::Dns { .. } => "dns",
            FetchError::Body { .. } => "body",
            FetchError::Unsupported { .. } => "unsupported_url",
            FetchError::Request { .. } => "request",
            FetchError::Client(_) => "client",
        }
    }

    /// The URL asked for, without credentials; empty for [`FetchError::Client`].
    pub fn url(&self) -> &str {
        match self {
            FetchError::Blocked { url, .. }
            | FetchError::RedirectRefused { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::RedirectLoop { url }
            | FetchError::Timeout { url }
            | FetchError::Connect { url, .. }
            | FetchError::Dns { url, .. }
            | FetchError::Body { url, .. }
            | FetchError::Unsupported { url, .. }
            | FetchError::Request { url, .. } => url,
            FetchError::Client(_) => "",
        }
    }

    /// The same error with every occurrence of `secret` in its texts replaced.
    fn scrubbed(mut self, secret: &str) -> FetchError {
        for text in self.texts_mut() {
            if text.contains(secret) {
                *text = text.replace(secret, "***");
            }
        }
        self
    }

    /// Every text the error carries (URLs, reasons, messages).
    fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            FetchError::Blocked { url, reason } | FetchError::Unsupported { url, reason } => {
                vec![url, reason]
            }
            FetchError::RedirectRefused {
                url,
                target,
                reason,
            } => vec![url, target, reason],
            FetchError::TooManyRedirects { url, .. }
            | FetchError::RedirectLoop { url }
            | FetchError::Timeout { url } => vec![url],
            FetchError::Connect { url, message }
            | FetchError::Dns { url, message }
            | FetchError::Body { url, message }
            | FetchError::Request { url, message } => vec![url, message],
            FetchError::Client(message) => vec![message],
        }
    }

    /// Worth another attempt: the failure may be passing.
    fn is_transient(&self) -> bool {
        matches!(
            self,
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. }
        )
    }
}

pub use crate::sources::frontier::host_key;

/// Where one hop's request actually goes.
struct Target {
    /// The URL handed to the HTTP client (an override may replace the host).
    request_url: Url,
    /// The `Host` header to send when `request_url` was rewritten.
    host_header: Option<HeaderValue>,
}

/// What one hop produced.
enum HopOutcome {
    Redirect {
        location: Url,
        /// The redirect response itself (status, headers, empty body).
        response: Box<Fetched>,
    },
    Final(Box<Fetched>),
}

/// What a single request answered, redirects not followed.
#[derive(Debug, Clone)]
pub enum Hop {
    /// A 3xx with a usable `Location`, resolved against the request URL.
    Redirect {
        status: u16,
        location: Url,
        /// RFC 3339 UTC.
        at: String,
        /// The redirect response as received, with an empty body: what an
        /// archive keeps of the hop.
        response: Box<Fetched>,
    },
    /// Any other response, with its (capped) body; empty for `HEAD`.
    Final(Box<Fetched>),
}

/// Limits copied from the settings.
#[derive(Debug, Clone)]
struct Limits {
    max_body_bytes: u64,
    max_redirects: u32,
    max_retries: u32,
    max_retry_after: Duration,
}

/// Fetches URLs politely and safely; share one per scan (in an `Arc`).
pub struct Fetcher {
    client: reqwest::Client,
    guard: AddressGuard,
    overrides: Overrides,
    politeness: Politeness,
    permits: Semaphore,
    limits: Limits,
    user_agent: String,
    /// The proxy's password, scrubbed from every error message as a second
    /// line of defence (the client's own messages are not ours to word).
    proxy_secret: Option<String>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("guard", &self.guard)
            .field("limits", &self.limits)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Builds the fetcher and its one HTTP client from the scan settings.
    ///
    /// # Errors
    /// [`FetchError::Client`] when the user agent is not a valid header value
    /// or the HTTP client cannot be built (e.g. no TLS roots).
    pub fn new(settings: &ScanSettings) -> Result<Fetcher, FetchError> {
        Fetcher::build(settings, None, None)
    }

    /// A fetcher that looks from a vantage point: every request goes through
    /// `proxy` (http, https or socks5; direct when `None`) and carries
    /// `accept_language`. Its rate limits are its own.
    ///
    /// The proxy is the operator's own infrastructure, so the address guard,
    /// which protects against targets named by crawled content, does not
    /// apply to it: its host name is resolved once, here, and the client
    /// connects to that address. Target host names are then resolved by the
    /// proxy (for http and socks5h proxies), where the guard cannot see them;
    /// IP-literal targets and redirects are still checked.
    ///
    /// # Errors
    /// [`FetchError::Client`] when the proxy's host cannot be resolved or the
    /// client cannot be built; the message never holds the proxy's credentials.
    pub fn for_vantage(
        settings: &ScanSettings,
        proxy: Option<&crate::config::ProxyUrl>,
        accept_language: Option<&str>,
    ) -> Result<Fetcher, FetchError> {
        Fetcher::build(settings, proxy, accept_language)
    }

    fn build(
        settings: &ScanSettings,
        proxy: Option<&crate::config::ProxyUrl>,
        accept_language: Option<&str>,
    ) -> Result<Fetcher, FetchError> {
        let guard = AddressGuard::from_settings(settings);
        let overrides = Overrides::new(&settings.resolve);
        let user_agent = HeaderValue::from_str(&settings.user_agent)
            .map_err(|e| FetchError::Client(format!("invalid user agent: {e}")))?;
        // For https the name must stay in the URL (SNI, certificate checks),
        // so mapped https hosts are answered by the resolver instead.
        let mut tls_overrides = HashMap::new();
        for key in settings.resolve.keys() {
            let host = key.rsplit_once(':').map_or(key.as_str(), |(host, _)| host);
            if let Some(addr) = overrides.lookup(host, 443) {
                tls_overrides.insert(host.to_ascii_lowercase(), addr);
            }
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            // Never the environment's proxy: a scan goes where its
            // configuration says, and only there.
            .no_proxy();
        if let Some(language) = accept_language {
            let mut headers = HeaderMap::new();
            let value = HeaderValue::from_str(language)
                .map_err(|e| FetchError::Client(format!("invalid Accept-Language: {e}")))?;
            headers.insert(reqwest::header::ACCEPT_LANGUAGE, value);
            builder = builder.default_headers(headers);
        }
        if let Some(proxy) = proxy {
            let pinned = pin_proxy_address(proxy)?;
            let proxy = reqwest::Proxy::all(pinned.as_str())
                .map_err(|_| FetchError::Client(format!("invalid proxy {}", proxy.redacted())))?;
            // A vantage sends a handful of requests; a pooled connection that
            // the proxy has closed in the meantime would only turn into an error.
            builder = builder.proxy(proxy).pool_max_idle_per_host(0);
        }
        let client = builder
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(GuardedResolver::new(guard.clone(), tls_overrides)))
            .build()
            .map_err(|e| FetchError::Client(describe(&e.without_url())))?;
        Ok(Fetcher {
            client,
            guard,
            overrides,
            politeness: Politeness::new(settings.per_host_rate),
            permits: Semaphore::new(settings.concurrency.clamp(1, Semaphore::MAX_PERMITS)),
            limits: Limits {
                max_body_bytes: settings.max_body_bytes,
                max_redirects: settings.max_redirects,
                max_retries: settings.max_retries,
                max_retry_after: settings.max_retry_after,
            },
            user_agent: settings.user_agent.clone(),
            proxy_secret: proxy.and_then(|p| p.secret()).filter(|s| !s.is_empty()),
        })
    }

    /// The `User-Agent` every request sends.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Lowers a host's rate to at most one request per `delay` (robots.txt
    /// `Crawl-delay`, already capped by the caller). Never raises the rate.
    pub fn set_crawl_delay(&self, host_key: &str, delay: Duration) {
        self.politeness.set_min_gap(host_key, delay);
    }

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

    async fn fetch_unscrubbed(
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
    fn target_for(&self, url: &Url, origin: &str, is_redirect: bool) -> Result<Target, FetchError> {
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
        self.guard
            .check_url(url)
            .map_err(|refusal| blocked(refusal.to_string()))?;
        let url::Host::Domain(name) = host else {
            return Ok(Target {
                request_url: url.clone(),
                host_header: None,
            });
        };
        let port = url.port_or_known_default().unwrap_or(80);
        let Some(mapped) = self.overrides.lookup(name, port) else {
            if self.overrides.names(name) {
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
    async fn fetch_hop(
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

/// The proxy URL with its host replaced by the address it resolves to now,
/// so the client never asks the guarded resolver about it. https proxies keep
/// their name (certificate checks need it) and so stay under the guard.
fn pin_proxy_address(proxy: &crate::config::ProxyUrl) -> Result<Url, FetchError> {
    let url = proxy.with_credentials();
    let unresolvable =
        |why: String| FetchError::Client(format!("proxy {}: {why}", proxy.redacted()));
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(url.clone());
    };
    if url.scheme() == "https" {
        return Ok(url.clone());
    }
    let port = url
        .port_or_known_default()
        .unwrap_or(if url.scheme().starts_with("socks") {
            1080
        } else {
            80
        });
    use std::net::ToSocketAddrs;
    let address = (name, port)
        .to_socket_addrs()
        .map_err(|e| unresolvable(format!("cannot resolve {name}: {e}")))?
        .next()
        .ok_or_else(|| unresolvable(format!("{name} has no address")))?;
    let mut pinned = url.clone();
    pinned
        .set_ip_host(address.ip())
        .map_err(|()| unresolvable(format!("cannot address {}", address.ip())))?;
    Ok(pinned)
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
fn backoff(retry: u32) -> Duration {
    RETRY_BASE_DELAY
        .saturating_mul(2u32.saturating_pow(retry.min(16)))
        .min(RETRY_MAX_DELAY)
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
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

fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

fn without_fragment(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// Turns a client error into a [`FetchError`] for `origin`, the URL asked
/// for; `hop` is the URL of the request that failed.
fn map_error(error: reqwest::Error, origin: &str, hop: &Url) -> FetchError {
    let url = origin.to_string();
    let error = error.without_url();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<NameRefused>() {
            let reason = if origin == redact(hop) {
                refused.to_string()
            } else {
                format!("redirect to {}: {refused}", redact(hop))
            };
            return FetchError::Blocked { url, reason };
        }
        if let Some(failed) = cause.downcast_ref::<NameLookupFailed>() {
            return FetchError::Dns {
                url,
                message: failed.to_string(),
            };
        }
        source = cause.source();
    }
    let message = describe(&error);
    if error.is_timeout() {
        FetchError::Timeout { url }
    } else if error.is_connect() {
        FetchError::Connect { url, message }
    } else if error.is_body() || error.is_decode() {
        FetchError::Body { url, message }
    } else {
        FetchError::Request { url, message }
    }
}

/// An error and its causes on one line, without repeats.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests;
