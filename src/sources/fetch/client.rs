//! The shared HTTP client: one per scan (and one per geo vantage), with the
//! address guard in its resolver, per-host politeness and a global cap.

use super::error::*;
use super::politeness::Politeness;
use super::resolver::{GuardedResolver, Overrides};
use crate::config::ScanSettings;
use crate::sources::guard::AddressGuard;
use reqwest::header::{HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use url::Url;

/// Limits copied from the settings.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) max_body_bytes: u64,
    pub(crate) max_redirects: u32,
    pub(crate) max_retries: u32,
    pub(crate) max_retry_after: Duration,
}

/// Fetches URLs politely and safely; share one per scan (in an `Arc`).
pub struct Fetcher {
    pub(crate) client: reqwest::Client,
    pub(crate) guard: AddressGuard,
    pub(crate) overrides: Overrides,
    pub(crate) politeness: Politeness,
    pub(crate) permits: Semaphore,
    pub(crate) limits: Limits,
    pub(crate) user_agent: String,
    /// The proxy's password, scrubbed from every error message as a second
    /// line of defence (the client's own messages are not ours to word).
    pub(crate) proxy_secret: Option<String>,
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

    pub(crate) fn build(
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
}

/// The proxy URL with its host replaced by the address it resolves to now,
/// so the client never asks the guarded resolver about it. https proxies keep
/// their name (certificate checks need it) and so stay under the guard.
pub(crate) fn pin_proxy_address(proxy: &crate::config::ProxyUrl) -> Result<Url, FetchError> {
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
