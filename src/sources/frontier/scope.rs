//! Which URLs belong to the firm: the registrable domains (eTLD+1) of its
//! seeds and every subdomain of them.
//!
//! Scope is decided by the public-suffix list rather than by string suffixes,
//! so that `exchange.co.uk` does not own `other.co.uk` and a look-alike such
//! as `exchange.example.evil.example` stays external. Pure; no I/O.

use crate::model::domain::registrable_domain;
use std::collections::HashSet;
use url::Url;

/// Owned or not: the question the crawler asks of every link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// On one of the firm's registrable domains (any subdomain).
    Owned,
    /// Anywhere else: recorded as a link, never crawled.
    External,
}

/// The set of registrable domains the firm owns.
#[derive(Debug, Clone, Default)]
pub struct ScopeRules {
    owned_domains: HashSet<String>,
    /// Seeds whose host is itself a public suffix own that exact host only.
    owned_hosts: HashSet<String>,
}

impl ScopeRules {
    pub fn new() -> Self {
        ScopeRules::default()
    }

    /// Owns the seed's registrable domain and all its subdomains.
    pub fn add_owned(&mut self, seed: &Url) {
        let Some(host) = seed.host_str() else {
            return;
        };
        match registrable_domain(host) {
            Some(domain) => {
                self.owned_domains.insert(domain);
            }
            None => {
                self.owned_hosts
                    .insert(host.trim_end_matches('.').to_string());
            }
        }
    }

    pub fn scope_of(&self, url: &Url) -> Scope {
        let Some(host) = url.host_str() else {
            return Scope::External;
        };
        let owned = match registrable_domain(host) {
            Some(domain) => self.owned_domains.contains(&domain),
            None => self.owned_hosts.contains(host.trim_end_matches('.')),
        };
        if owned {
            Scope::Owned
        } else {
            Scope::External
        }
    }

    pub fn is_owned(&self, url: &Url) -> bool {
        self.scope_of(url) == Scope::Owned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn registrable_domains() {
        let table: &[(&str, Option<&str>)] = &[
            ("de.exchange.co.uk", Some("exchange.co.uk")),
            ("exchange.co.uk", Some("exchange.co.uk")),
            ("www.exchange.com", Some("exchange.com")),
            ("WWW.Exchange.COM.", Some("exchange.com")),
            ("a.b.exchange.example", Some("exchange.example")),
            ("exchange.test", Some("exchange.test")),
            ("exchange.example.evil.example", Some("evil.example")),
            ("localhost", Some("localhost")),
            ("127.0.0.1", Some("127.0.0.1")),
            ("[::1]", Some("::1")),
            ("::1", Some("::1")),
            ("b\u{fc}cher.example", Some("xn--bcher-kva.example")),
            ("co.uk", None),
            ("", None),
        ];
        for (host, expected) in table {
            assert_eq!(registrable_domain(host).as_deref(), *expected, "{host}");
        }
    }

    #[test]
    fn subdomains_are_owned_and_neighbours_are_not() {
        let mut scope = ScopeRules::new();
        scope.add_owned(&url("https://www.exchange.co.uk/"));
        assert_eq!(
            scope.scope_of(&url("https://de.exchange.co.uk/x")),
            Scope::Owned
        );
        assert_eq!(
            scope.scope_of(&url("http://exchange.co.uk:8080/")),
            Scope::Owned
        );
        assert_eq!(
            scope.scope_of(&url("https://other.co.uk/")),
            Scope::External
        );
        assert_eq!(
            scope.scope_of(&url("https://exchange.co.uk.evil.example/")),
            Scope::External
        );
        assert!(!scope.is_owned(&url("mailto:x@exchange.co.uk")));
    }

    #[test]
    fn look_alike_hosts_stay_external() {
        let mut scope = ScopeRules::new();
        scope.add_owned(&url("https://exchange.example/"));
        assert!(scope.is_owned(&url("https://help.exchange.example/")));
        assert!(!scope.is_owned(&url("https://exchange.example.evil.example/")));
        assert!(!scope.is_owned(&url("https://myexchange.example/")));
    }

    #[test]
    fn ip_hosts_own_only_themselves() {
        let mut scope = ScopeRules::new();
        scope.add_owned(&url("http://127.0.0.1:8080/"));
        assert!(scope.is_owned(&url("http://127.0.0.1:9090/other")));
        assert!(!scope.is_owned(&url("http://127.0.0.2/")));
        scope.add_owned(&url("http://[::1]:8080/"));
        assert!(scope.is_owned(&url("http://[::1]/")));
    }

    #[test]
    fn nothing_is_owned_by_default() {
        let scope = ScopeRules::new();
        assert_eq!(
            scope.scope_of(&url("https://exchange.example/")),
            Scope::External
        );
    }
}
