use super::*;
use crate::config::ScanSettings;
use crate::model::text::redact;
use crate::sources::fetch::request::backoff;
use crate::sources::fetch::request::retry_after;
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::Duration;
use std::time::SystemTime;
use url::Url;

#[test]
fn fetcher_can_be_shared_across_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Fetcher>();
    shareable::<Fetched>();
    shareable::<FetchError>();
}

#[test]
fn host_keys_fill_in_default_ports() {
    let key = |text: &str| host_key(&Url::parse(text).unwrap());
    assert_eq!(key("https://Exchange.Example/a"), "exchange.example:443");
    assert_eq!(key("http://exchange.example/a"), "exchange.example:80");
    assert_eq!(
        key("http://exchange.example:8080/"),
        "exchange.example:8080"
    );
    assert_eq!(key("http://[::1]:81/"), "[::1]:81");
}

#[test]
fn redact_strips_credentials() {
    let url = Url::parse("https://user:s3cret@exchange.example/p?q=1").unwrap();
    assert_eq!(redact(&url), "https://exchange.example/p?q=1");
    let plain = Url::parse("https://exchange.example/").unwrap();
    assert_eq!(redact(&plain), "https://exchange.example/");
}

#[test]
fn scrubbing_removes_the_secret_from_every_text() {
    let secret = "pr0xy-s3cret";
    let dirty = |text: &str| format!("{text} {secret}");
    let errors = [
        FetchError::Connect {
            url: dirty("u"),
            message: dirty("proxy refused"),
        },
        FetchError::RedirectRefused {
            url: dirty("u"),
            target: dirty("t"),
            reason: dirty("r"),
        },
        FetchError::Client(dirty("client")),
        FetchError::Timeout { url: dirty("u") },
    ];
    for error in errors {
        let kind = error.kind();
        let clean = error.scrubbed(secret);
        assert_eq!(clean.kind(), kind);
        assert!(!clean.to_string().contains(secret), "{clean}");
        assert!(clean.to_string().contains("***"), "{clean}");
    }
}

#[test]
fn backoff_doubles_and_is_capped() {
    assert_eq!(backoff(0), Duration::from_millis(500));
    assert_eq!(backoff(1), Duration::from_secs(1));
    assert_eq!(backoff(2), Duration::from_secs(2));
    assert_eq!(backoff(30), RETRY_MAX_DELAY);
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    let mut headers = HeaderMap::new();
    headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
    assert_eq!(
        retry_after(&headers, SystemTime::now()),
        Some(Duration::from_secs(7))
    );
    let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
    headers.insert(
        reqwest::header::RETRY_AFTER,
        HeaderValue::from_static("Sun, 06 Nov 1994 08:50:07 GMT"),
    );
    assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
    headers.insert(
        reqwest::header::RETRY_AFTER,
        HeaderValue::from_static("Sun, 06 Nov 1994 08:40:00 GMT"),
    );
    assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
    headers.insert(
        reqwest::header::RETRY_AFTER,
        HeaderValue::from_static("soon"),
    );
    assert_eq!(retry_after(&headers, now), None);
}

#[test]
fn error_kinds_are_stable() {
    let url = "https://exchange.example/".to_string();
    let cases = [
        (
            FetchError::Blocked {
                url: url.clone(),
                reason: "r".into(),
            },
            "blocked_by_guard",
        ),
        (
            FetchError::RedirectRefused {
                url: url.clone(),
                target: "t".into(),
                reason: "r".into(),
            },
            "redirect_out_of_scope",
        ),
        (
            FetchError::TooManyRedirects {
                url: url.clone(),
                limit: 3,
            },
            "too_many_redirects",
        ),
        (
            FetchError::RedirectLoop { url: url.clone() },
            "redirect_loop",
        ),
        (FetchError::Timeout { url: url.clone() }, "timeout"),
    ];
    for (error, kind) in cases {
        assert_eq!(error.kind(), kind);
        assert_eq!(error.url(), url);
        assert!(!error.to_string().contains('\n'));
    }
}

#[test]
fn https_port_remapping_is_refused_before_any_request() {
    let mut settings = ScanSettings {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        ..ScanSettings::default()
    };
    settings
        .resolve
        .insert("exchange.example".into(), "127.0.0.1:4443".parse().unwrap());
    let fetcher = Fetcher::new(&settings).unwrap();
    let origin = "https://exchange.example:8443/";
    let explicit = Url::parse(origin).unwrap();
    let error = fetcher.target_for(&explicit, origin, false).err().unwrap();
    assert_eq!(error.kind(), "unsupported_url");
    // Without an explicit port the resolver can supply the mapped port.
    let default_port = Url::parse("https://exchange.example/").unwrap();
    let target = fetcher
        .target_for(&default_port, origin, false)
        .ok()
        .unwrap();
    assert_eq!(target.request_url, default_port);
    assert!(target.host_header.is_none());
}

#[test]
fn http_overrides_rewrite_the_address_and_keep_the_host() {
    let mut settings = ScanSettings {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        ..ScanSettings::default()
    };
    settings.resolve.insert(
        "exchange.example".into(),
        "127.0.0.1:41234".parse().unwrap(),
    );
    settings
        .resolve
        .insert("evil.example".into(), "127.0.0.2:80".parse().unwrap());
    let fetcher = Fetcher::new(&settings).unwrap();
    let url = Url::parse("http://u:p@exchange.example/a?b=1").unwrap();
    let target = fetcher.target_for(&url, "x", false).ok().unwrap();
    assert_eq!(
        target.request_url.as_str(),
        "http://u:p@127.0.0.1:41234/a?b=1"
    );
    assert_eq!(target.host_header.unwrap(), "exchange.example");

    let evil = Url::parse("http://evil.example/").unwrap();
    let error = fetcher.target_for(&evil, "x", true).err().unwrap();
    assert_eq!(error.kind(), "blocked_by_guard");
    assert!(error.to_string().contains("127.0.0.2"), "{error}");
}

#[test]
fn http_overrides_also_remap_address_literals_without_touching_them() {
    let mut settings = ScanSettings {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        ..ScanSettings::default()
    };
    settings
        .resolve
        .insert("198.51.100.20".into(), "127.0.0.1:41234".parse().unwrap());
    settings
        .resolve
        .insert("198.51.100.21".into(), "127.0.0.2:80".parse().unwrap());
    let fetcher = Fetcher::new(&settings).unwrap();
    // A documentation-range literal the guard would refuse on its own is
    // served from the mapped loopback address instead.
    let url = Url::parse("http://198.51.100.20:9095/ro/page").unwrap();
    let target = fetcher.target_for(&url, "x", false).ok().unwrap();
    assert_eq!(
        target.request_url.as_str(),
        "http://127.0.0.1:41234/ro/page"
    );
    assert_eq!(target.host_header.unwrap(), "198.51.100.20:9095");

    let outside = Url::parse("http://198.51.100.21/").unwrap();
    let error = fetcher.target_for(&outside, "x", false).err().unwrap();
    assert_eq!(error.kind(), "blocked_by_guard");

    let unmapped = Url::parse("http://198.51.100.22/").unwrap();
    let error = fetcher.target_for(&unmapped, "x", false).err().unwrap();
    assert_eq!(error.kind(), "blocked_by_guard");
}
