//! Name resolution under the address guard, and the `resolve` overrides
//! (`host` or `host:port` → `ip:port`, like curl's `--resolve`).
//!
//! Checking a name before the request is not enough: what matters is the
//! address the connection goes to. So the HTTP client resolves through
//! [`GuardedResolver`], which drops every refused address and fails when none
//! is left, before any connection is opened. This module never connects.

use crate::sources::guard::{AddressGuard, GuardError};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

/// Every address a name resolved to was refused by the guard.
#[derive(Debug, thiserror::Error)]
#[error("{name} resolves only to refused addresses: {reasons}")]
pub(crate) struct NameRefused {
    pub(crate) name: String,
    pub(crate) reasons: String,
}

/// The system resolver could not resolve a name.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {name}: {message}")]
pub(crate) struct NameLookupFailed {
    pub(crate) name: String,
    pub(crate) message: String,
}

/// The `resolve` overrides, looked up the way curl does: `host:port` first,
/// then `host` for any port.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    by_host_and_port: HashMap<(String, u16), SocketAddr>,
    by_host: HashMap<String, SocketAddr>,
}

/// A host name as overrides compare it: like a URL host, without case and
/// without the trailing dot of a fully qualified name (`Example.org.` is
/// `example.org`).
fn comparable_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl Overrides {
    pub(crate) fn new(entries: &BTreeMap<String, SocketAddr>) -> Self {
        let mut overrides = Overrides::default();
        for (key, addr) in entries {
            let key = key.trim().to_ascii_lowercase();
            let host_and_port = key
                .rsplit_once(':')
                .and_then(|(host, port)| Some((comparable_host(host), port.parse::<u16>().ok()?)));
            let key = comparable_host(&key);
            match host_and_port {
                Some(host_and_port) => {
                    overrides.by_host_and_port.insert(host_and_port, *addr);
                }
                None => {
                    overrides.by_host.insert(key, *addr);
                }
            }
        }
        overrides
    }

    /// The override for `host` reached on `port`, if any.
    pub(crate) fn lookup(&self, host: &str, port: u16) -> Option<SocketAddr> {
        let host = comparable_host(host);
        self.by_host_and_port
            .get(&(host.clone(), port))
            .or_else(|| self.by_host.get(&host))
            .copied()
    }

    /// Whether any override names `host`, for whatever port.
    pub(crate) fn names(&self, host: &str) -> bool {
        let host = comparable_host(host);
        self.by_host.contains_key(&host) || self.by_host_and_port.keys().any(|(h, _)| *h == host)
    }
}

/// The client's resolver: overrides for TLS hosts (whose name must stay in
/// the URL for SNI), else the system resolver; every address goes through the
/// guard.
pub(crate) struct GuardedResolver {
    guard: AddressGuard,
    /// Name → address for https hosts mapped by `resolve`; the fetcher makes
    /// sure a request only relies on this when it is the right mapping.
    tls_overrides: Arc<HashMap<String, SocketAddr>>,
}

impl GuardedResolver {
    pub(crate) fn new(guard: AddressGuard, tls_overrides: HashMap<String, SocketAddr>) -> Self {
        GuardedResolver {
            guard,
            tls_overrides: Arc::new(tls_overrides),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let overrides = Arc::clone(&self.tls_overrides);
        let name = name.as_str().to_ascii_lowercase();
        Box::pin(resolve_guarded(guard, overrides, name))
    }
}

async fn resolve_guarded(
    guard: AddressGuard,
    overrides: Arc<HashMap<String, SocketAddr>>,
    name: String,
) -> Result<Addrs, Box<dyn std::error::Error + Send + Sync>> {
    let candidates: Vec<SocketAddr> = match overrides.get(&name) {
        Some(addr) => vec![*addr],
        None => tokio::net::lookup_host((name.as_str(), 0))
            .await
            .map_err(|e| NameLookupFailed {
                name: name.clone(),
                message: e.to_string(),
            })?
            .collect(),
    };
    let (allowed, refusals) = filter_addresses(&guard, candidates);
    if allowed.is_empty() {
        let reasons = if refusals.is_empty() {
            "no addresses".to_string()
        } else {
            refusals
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        tracing::debug!(%name, %reasons, "name refused by the address guard");
        return Err(NameRefused { name, reasons }.into());
    }
    Ok(Box::new(allowed.into_iter()))
}

/// Splits addresses into those the guard allows and the refusals.
pub(crate) fn filter_addresses(
    guard: &AddressGuard,
    candidates: Vec<SocketAddr>,
) -> (Vec<SocketAddr>, Vec<GuardError>) {
    let mut allowed = Vec::new();
    let mut refusals = Vec::new();
    for addr in candidates {
        match guard.check_ip(addr.ip()) {
            Ok(()) => allowed.push(addr),
            Err(refusal) => refusals.push(refusal),
        }
    }
    (allowed, refusals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn overrides_prefer_host_and_port() {
        let mut entries = BTreeMap::new();
        entries.insert("Exchange.Example".to_string(), addr("127.0.0.1:1000"));
        entries.insert("exchange.example:8080".to_string(), addr("127.0.0.1:2000"));
        entries.insert("only.example:443".to_string(), addr("127.0.0.1:3000"));
        let overrides = Overrides::new(&entries);
        assert_eq!(
            overrides.lookup("exchange.example", 80),
            Some(addr("127.0.0.1:1000"))
        );
        assert_eq!(
            overrides.lookup("EXCHANGE.example", 8080),
            Some(addr("127.0.0.1:2000"))
        );
        assert_eq!(
            overrides.lookup("only.example", 443),
            Some(addr("127.0.0.1:3000"))
        );
        assert_eq!(overrides.lookup("only.example", 80), None);
        assert!(overrides.names("only.example"));
        assert!(!overrides.names("other.example"));
    }

    #[test]
    fn mixed_answers_keep_only_allowed_addresses() {
        let guard = AddressGuard::new(false, vec!["127.0.0.1/32".parse().unwrap()]);
        let (allowed, refused) = filter_addresses(
            &guard,
            vec![addr("127.0.0.1:0"), addr("10.0.0.1:0"), addr("[::1]:0")],
        );
        assert_eq!(allowed, vec![addr("127.0.0.1:0")]);
        assert_eq!(refused.len(), 2);
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        // `localhost` comes from the hosts file: no query leaves the machine.
        let resolver = GuardedResolver::new(AddressGuard::default(), HashMap::new());
        let result = resolver.resolve(Name::from_str("localhost").unwrap()).await;
        let error = match result {
            Ok(addrs) => panic!("expected a refusal, got {:?}", addrs.collect::<Vec<_>>()),
            Err(error) => error,
        };
        let refused = error.downcast_ref::<NameRefused>().expect("a NameRefused");
        assert_eq!(refused.name, "localhost");
        assert!(refused.reasons.contains("loopback"), "{}", refused.reasons);
    }

    #[tokio::test]
    async fn a_tls_override_is_guarded_too() {
        let mut tls = HashMap::new();
        tls.insert("exchange.example".to_string(), addr("127.0.0.2:443"));
        let strict = GuardedResolver::new(
            AddressGuard::new(false, vec!["127.0.0.1/32".parse().unwrap()]),
            tls.clone(),
        );
        assert!(strict
            .resolve(Name::from_str("exchange.example").unwrap())
            .await
            .is_err());
        let lenient = GuardedResolver::new(
            AddressGuard::new(false, vec!["127.0.0.0/8".parse().unwrap()]),
            tls,
        );
        let addrs: Vec<_> = lenient
            .resolve(Name::from_str("exchange.example").unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(addrs, vec![addr("127.0.0.2:443")]);
    }

    #[test]
    fn override_keys_and_hosts_compare_like_url_hosts() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let other: SocketAddr = "127.0.0.2:9090".parse().unwrap();
        let entries = BTreeMap::from([
            ("Example.ORG.".to_string(), addr),
            ("shop.example.:8443".to_string(), other),
        ]);
        let overrides = Overrides::new(&entries);
        assert_eq!(overrides.lookup("example.org", 80), Some(addr));
        assert_eq!(overrides.lookup("EXAMPLE.org.", 443), Some(addr));
        assert_eq!(overrides.lookup("shop.example", 8443), Some(other));
        assert_eq!(overrides.lookup("shop.example", 443), None);
        assert!(overrides.names("example.org."));
        assert!(overrides.names("Shop.Example"));
        assert!(!overrides.names("example.net"));
    }
}
