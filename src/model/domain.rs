//! Which site a host belongs to: the registrable domain (eTLD+1) by the
//! public-suffix list, the unit of scope, attribution and geo probing.

use std::net::IpAddr;
use url::Host;

/// The registrable domain (eTLD+1) of `host`: `de.exchange.co.uk` →
/// `exchange.co.uk`. Hosts under a suffix the list does not know (`.example`,
/// `.test`, intranet names) count their last two labels; an IP address is its
/// own registrable domain. `None` for an empty host or one that is itself a
/// public suffix (`co.uk`).
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    if host.is_empty() {
        return None;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Some(ip.to_string());
    }
    // `Host::parse` lower-cases and applies IDNA, so `Bücher.example` and
    // `xn--bcher-kva.example` land on the same key.
    let domain = match Host::parse(host).ok()? {
        Host::Domain(domain) => domain,
        Host::Ipv4(ip) => return Some(ip.to_string()),
        Host::Ipv6(ip) => return Some(ip.to_string()),
    };
    if let Some(suffix) = psl::suffix(domain.as_bytes()) {
        if suffix.is_known() {
            if suffix.as_bytes() == domain.as_bytes() {
                return None;
            }
            return psl::domain_str(&domain).map(str::to_string);
        }
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let start = labels.len().saturating_sub(2);
    Some(labels[start..].join("."))
}
