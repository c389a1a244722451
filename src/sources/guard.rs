//! The address guard: refuses requests to addresses that are not on the public
//! internet (loopback, private, link-local, CGNAT, multicast, documentation
//! ranges …) unless the configuration allows them.
//!
//! A scan follows links and redirects chosen by the sites it scans, so without
//! this guard a hostile page could point the scanner at the machine it runs on
//! or at the network around it. The guard is pure: it classifies addresses and
//! never resolves names or opens connections itself; `fetch` calls it for IP
//! literals before a request and for every address a name resolves to.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Decides which addresses requests may go to. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct AddressGuard {
    allow_private_networks: bool,
    allow_networks: Vec<IpNet>,
}

/// Why the guard refused an address or URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    #[error("{ip} is {range}, not a public address (allow it with scan.allow_networks or scan.allow_private_networks)")]
    NotPublic { ip: IpAddr, range: &'static str },
}

impl AddressGuard {
    /// A guard that lets through public addresses, plus everything when
    /// `allow_private_networks` is set, plus the listed networks.
    pub fn new(allow_private_networks: bool, allow_networks: Vec<IpNet>) -> Self {
        AddressGuard {
            allow_private_networks,
            allow_networks,
        }
    }

    /// The guard the scan settings ask for.
    pub fn from_settings(settings: &crate::config::ScanSettings) -> Self {
        Self::new(
            settings.allow_private_networks,
            settings.allow_networks.clone(),
        )
    }

    /// Checks one address.
    ///
    /// # Errors
    /// [`GuardError::NotPublic`] naming the range the address belongs to.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), GuardError> {
        if self.allow_private_networks {
            return Ok(());
        }
        let Some(range) = non_public_range(ip) else {
            return Ok(());
        };
        // An IPv4-mapped IPv6 address is the same host as its IPv4 form, so an
        // allowance written for one must cover the other.
        let canonical = ip.to_canonical();
        let allowed = self
            .allow_networks
            .iter()
            .any(|net| net.contains(&ip) || net.contains(&canonical));
        if allowed {
            Ok(())
        } else {
            Err(GuardError::NotPublic { ip, range })
        }
    }

    /// Checks a URL whose host is an IP literal, in any spelling the URL
    /// parser accepts (`0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1`,
    /// `[::ffff:127.0.0.1]`). Names pass here: they are checked after
    /// resolution, address by address.
    ///
    /// # Errors
    /// [`GuardError::NotPublic`] when the literal address is refused.
    pub fn check_url(&self, url: &Url) -> Result<(), GuardError> {
        match url.host() {
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            Some(Host::Domain(_)) | None => Ok(()),
        }
    }
}

/// True when `ip` is an address on the public internet, false for loopback,
/// private, link-local, CGNAT, multicast, unspecified, broadcast,
/// documentation, benchmarking and reserved ranges, IPv6 unique-local and
/// link-local, and IPv6 forms that embed such an IPv4 address (mapped,
/// compatible, 6to4, NAT64).
pub fn is_globally_routable(ip: IpAddr) -> bool {
    non_public_range(ip).is_none()
}

/// The name of the non-public range `ip` falls in, or `None` when it is public.
fn non_public_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_range(v4),
        IpAddr::V6(v6) => v6_range(v6),
    }
}

fn v4_range(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let range = match (a, b, c) {
        (0, _, _) => "in \"this network\" 0.0.0.0/8 (unspecified)",
        (10, _, _) => "private (10.0.0.0/8)",
        (100, 64..=127, _) => "shared CGNAT space (100.64.0.0/10)",
        (127, _, _) => "loopback (127.0.0.0/8)",
        (169, 254, _) => "link-local (169.254.0.0/16)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 0, 0) => "IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2) => "documentation (192.0.2.0/24)",
        (192, 88, 99) => "6to4 relay anycast (192.88.99.0/24)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (198, 51, 100) => "documentation (198.51.100.0/24)",
        (203, 0, 113) => "documentation (203.0.113.0/24)",
        (224..=239, _, _) => "multicast (224.0.0.0/4)",
        (255, 255, 255) if ip == Ipv4Addr::BROADCAST => "broadcast",
        (240..=255, _, _) => "reserved (240.0.0.0/4)",
        _ => return None,
    };
    Some(range)
}

fn v6_range(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    // Forms that carry an IPv4 address: the host reached is the IPv4 one, so
    // it decides (this is how `[::ffff:127.0.0.1]` would slip past a naive check).
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_range(v4).map(|_| "an IPv4-mapped form of a non-public IPv4 address");
    }
    if segments[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks).
        let v4 = embedded_v4(segments[6], segments[7]);
        return Some(match v4_range(v4) {
            Some(_) => "an IPv4-compatible form of a non-public IPv4 address",
            None => "IPv4-compatible (::/96, deprecated)",
        });
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = embedded_v4(segments[6], segments[7]);
        return v4_range(v4).map(|_| "a NAT64 form of a non-public IPv4 address");
    }
    if segments[0] == 0x2002 {
        let v4 = embedded_v4(segments[1], segments[2]);
        return v4_range(v4).map(|_| "a 6to4 form of a non-public IPv4 address");
    }
    let range = match segments[0] {
        0x0064 if segments[1] == 0xff9b && segments[2] == 1 => "local-use NAT64 (64:ff9b:1::/48)",
        0x0100 if segments[1..4] == [0, 0, 0] => "discard-only (100::/64)",
        // 2001::/23 holds Teredo, benchmarking (2001:2::/48), ORCHID and other
        // special-purpose blocks; none is an ordinary web host.
        0x2001 if segments[1] < 0x0200 => "IETF protocol assignments (2001::/23)",
        0x2001 if segments[1] == 0x0db8 => "documentation (2001:db8::/32)",
        0x3fff if segments[1] < 0x1000 => "documentation (3fff::/20)",
        0x5f00 => "SRv6 SIDs (5f00::/16)",
        s if s & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        s if s & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        s if s & 0xffc0 == 0xfec0 => "site-local (fec0::/10, deprecated)",
        s if s & 0xff00 == 0xff00 => "multicast (ff00::/8)",
        _ => return None,
    };
    Some(range)
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn non_public_ipv4_ranges_are_refused() {
        for text in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.0.0.2",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_globally_routable(ip(text)), "{text} should be refused");
            assert!(
                AddressGuard::default().check_ip(ip(text)).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn public_ipv4_addresses_pass() {
        for text in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(is_globally_routable(ip(text)), "{text} should pass");
            assert_eq!(AddressGuard::default().check_ip(ip(text)), Ok(()));
        }
    }

    #[test]
    fn non_public_ipv6_ranges_are_refused() {
        for text in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::c0a8:101",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
        ] {
            assert!(!is_globally_routable(ip(text)), "{text} should be refused");
        }
    }

    #[test]
    fn public_ipv6_addresses_pass() {
        for text in [
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:4860::1",
        ] {
            assert!(is_globally_routable(ip(text)), "{text} should pass");
        }
    }

    #[test]
    fn every_url_spelling_of_loopback_is_refused() {
        let guard = AddressGuard::default();
        for text in [
            "http://127.0.0.2/",
            "http://2130706434/",
            "http://0x7f000002/",
            "http://0x7F.0.0.2/",
            "http://0177.0.0.2/",
            "http://127.2/",
            "http://017700000002/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.2]/",
            "http://[::ffff:7f00:2]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]:8080/x",
            "http://0/",
            "https://[fe80::1]/",
            "http://169.254.169.254/latest/",
        ] {
            let result = guard.check_url(&url(text));
            assert!(result.is_err(), "{text} should be refused, got {result:?}");
        }
    }

    #[test]
    fn names_and_public_literals_pass_check_url() {
        let guard = AddressGuard::default();
        for text in [
            "https://exchange.example/",
            "http://localhost/",
            "http://8.8.8.8/",
            "http://[2606:4700:4700::1111]/",
        ] {
            assert_eq!(guard.check_url(&url(text)), Ok(()), "{text}");
        }
    }

    #[test]
    fn allow_networks_exempts_only_listed_networks() {
        let guard = AddressGuard::new(false, vec!["127.0.0.1/32".parse().unwrap()]);
        assert_eq!(guard.check_ip(ip("127.0.0.1")), Ok(()));
        // The mapped form names the same host as the allowed address.
        assert_eq!(guard.check_ip(ip("::ffff:127.0.0.1")), Ok(()));
        assert!(guard.check_ip(ip("127.0.0.2")).is_err());
        assert!(guard.check_ip(ip("::1")).is_err());
        assert!(guard.check_url(&url("http://2130706434/")).is_err());
        assert_eq!(guard.check_url(&url("http://2130706433/")), Ok(()));

        let v6 = AddressGuard::new(false, vec!["fd00::/8".parse().unwrap()]);
        assert_eq!(v6.check_ip(ip("fd00::5")), Ok(()));
        assert!(v6.check_ip(ip("fc00::5")).is_err());
    }

    #[test]
    fn allow_private_networks_lifts_the_guard() {
        let guard = AddressGuard::new(true, Vec::new());
        for text in ["127.0.0.1", "10.0.0.1", "::1", "fe80::1", "224.0.0.1"] {
            assert_eq!(guard.check_ip(ip(text)), Ok(()), "{text}");
        }
    }

    #[test]
    fn from_settings_follows_the_settings() {
        let mut settings = crate::config::ScanSettings::default();
        assert!(AddressGuard::from_settings(&settings)
            .check_ip(ip("127.0.0.1"))
            .is_err());
        settings.allow_networks = vec!["127.0.0.0/8".parse().unwrap()];
        assert_eq!(
            AddressGuard::from_settings(&settings).check_ip(ip("127.9.9.9")),
            Ok(())
        );
        settings.allow_networks.clear();
        settings.allow_private_networks = true;
        assert_eq!(
            AddressGuard::from_settings(&settings).check_ip(ip("192.168.0.1")),
            Ok(())
        );
    }

    #[test]
    fn refusal_names_the_range() {
        let message = AddressGuard::default()
            .check_ip(ip("10.1.2.3"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("10.1.2.3"), "{message}");
        assert!(message.contains("private"), "{message}");
    }
}
