//! The fetcher against real servers on loopback: the address guard, redirects,
//! politeness, retries, the byte cap, `resolve` overrides and charsets.

mod common;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::analyze::charset::{decode, CharsetSource};
use micar_scan::config::ScanSettings;
use micar_scan::sources::fetch::{host_key, FetchError, Fetcher};
use std::io::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Lets every redirect through; scope is the crawler's business.
fn any_scope(_: &Url) -> Result<(), String> {
    Ok(())
}

/// Settings for tests: only 127.0.0.1 allowed, fast rate, short timeouts.
fn settings() -> ScanSettings {
    ScanSettings {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        per_host_rate: 100.0,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        max_retries: 2,
        ..ScanSettings::default()
    }
}

fn redirect(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[tokio::test]
async fn a_page_comes_back_with_its_facts() {
    let server = TestServer::start(Router::new().route(
        "/",
        get(|| async {
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CONTENT_LANGUAGE, "de-DE"),
                ],
                "<p>Jetzt registrieren</p>",
            )
        }),
    ))
    .await;
    let fetcher = Fetcher::new(&settings()).unwrap();
    let fetched = fetcher.fetch(&server.url("/"), &any_scope).await.unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, b"<p>Jetzt registrieren</p>");
    assert!(!fetched.truncated);
    assert_eq!(
        fetched.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(fetched.content_language.as_deref(), Some("de-DE"));
    assert_eq!(fetched.final_url, server.url("/"));
    assert!(fetched.redirects.is_empty());
    assert_eq!(fetched.attempts, 1);
    assert_eq!(fetched.remote_addr, Some(server.addr()));
    assert_eq!(fetched.sha256, hex_sha256(b"<p>Jetzt registrieren</p>"));
    time::OffsetDateTime::parse(
        &fetched.fetched_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(fetched.fetched_at.ends_with('Z'), "{}", fetched.fetched_at);
    let hit = &server.hits()[0];
    assert_eq!(hit.headers.get("user-agent").unwrap(), fetcher.user_agent());
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn loopback_is_refused_by_default_without_a_connection() {
    let server = TestServer::trap_on(ip("127.0.0.1"), 0).await.unwrap();
    let fetcher = Fetcher::new(&ScanSettings::default()).unwrap();
    let error = fetcher
        .fetch(&server.url("/"), &any_scope)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "blocked_by_guard", "{error}");
    // A name is checked by what it resolves to: `localhost` is loopback.
    let by_name = Url::parse(&format!("http://localhost:{}/", server.port())).unwrap();
    let error = fetcher.fetch(&by_name, &any_scope).await.unwrap_err();
    assert_eq!(error.kind(), "blocked_by_guard", "{error}");
    assert!(error.to_string().contains("loopback"), "{error}");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn other_loopback_spellings_and_redirects_never_reach_their_listener() {
    let trap = TestServer::trap_on(ip("127.0.0.2"), 0).await.unwrap();
    let trap_v6 = match TestServer::trap_on(ip("::1"), 0).await {
        Ok(server) => Some(server),
        Err(e) => {
            eprintln!("skipping the [::1] case: cannot bind it here ({e})");
            None
        }
    };
    let port = trap.port();
    let v6_target = trap_v6
        .as_ref()
        .map(|server| format!("http://[::1]:{}/", server.port()));

    let mut targets = vec![
        format!("http://127.0.0.2:{port}/"),
        format!("http://evil.example:{port}/"),
        format!("http://2130706434:{port}/"),
        format!("http://0x7f000002:{port}/"),
        format!("http://0177.0.0.2:{port}/"),
        format!("http://[::ffff:127.0.0.2]:{port}/"),
    ];
    targets.extend(v6_target);

    let mut router = Router::new();
    for (index, target) in targets.iter().enumerate() {
        let target = target.clone();
        router = router.route(
            &format!("/go/{index}"),
            get(move || async move { redirect(&target) }),
        );
    }
    let server = TestServer::start(router).await;

    let mut settings = settings();
    settings
        .resolve
        .insert(format!("evil.example:{port}"), trap.addr());
    let fetcher = Fetcher::new(&settings).unwrap();

    for (index, target) in targets.iter().enumerate() {
        let via_redirect = fetcher
            .fetch(&server.url(&format!("/go/{index}")), &any_scope)
            .await
            .unwrap_err();
        assert!(
            matches!(via_redirect, FetchError::Blocked { .. }),
            "redirect to {target}: {via_redirect}"
        );
        assert!(
            via_redirect.to_string().contains("redirect to"),
            "{via_redirect}"
        );
        let direct = fetcher
            .fetch(&Url::parse(target).unwrap(), &any_scope)
            .await
            .unwrap_err();
        assert_eq!(direct.kind(), "blocked_by_guard", "{target}: {direct}");
    }
    assert_eq!(server.total_hits(), targets.len());
    assert_eq!(trap.connections(), 0);
    if let Some(trap_v6) = trap_v6 {
        assert_eq!(trap_v6.connections(), 0);
    }
}

#[tokio::test]
async fn credentials_never_appear_in_errors() {
    let trap = TestServer::trap_on(ip("127.0.0.2"), 0).await.unwrap();
    let fetcher = Fetcher::new(&settings()).unwrap();
    let url = Url::parse(&format!(
        "http://scanner:hunter2@127.0.0.2:{}/",
        trap.port()
    ))
    .unwrap();
    let error = fetcher.fetch(&url, &any_scope).await.unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(!error.url().contains("hunter2"), "{}", error.url());
    assert!(!format!("{error:?}").contains("hunter2"));
    assert_eq!(trap.connections(), 0);
}

#[tokio::test]
async fn redirects_are_followed_and_checked_against_scope() {
    let server = TestServer::start(
        Router::new()
            .route("/old", get(|| async { redirect("/new#top") }))
            .route("/new", get(|| async { "moved here" }))
            .route("/leave", get(|| async { redirect("/elsewhere") }))
            .route("/elsewhere", get(|| async { "out of scope" })),
    )
    .await;
    let fetcher = Fetcher::new(&settings()).unwrap();
    let fetched = fetcher
        .fetch(&server.url("/old"), &any_scope)
        .await
        .unwrap();
    assert_eq!(fetched.url, server.url("/old"));
    assert_eq!(fetched.final_url, server.url("/new#top"));
    assert_eq!(fetched.redirects, vec![server.url("/old")]);
    assert_eq!(fetched.body, b"moved here");
    assert_eq!(fetched.attempts, 2);

    let no_elsewhere = |url: &Url| {
        if url.path() == "/elsewhere" {
            Err("outside the firm's sites".to_string())
        } else {
            Ok(())
        }
    };
    let error = fetcher
        .fetch(&server.url("/leave"), &no_elsewhere)
        .await
        .unwrap_err();
    match &error {
        FetchError::RedirectRefused {
            url,
            target,
            reason,
        } => {
            assert_eq!(url, server.url("/leave").as_str());
            assert_eq!(target, server.url("/elsewhere").as_str());
            assert_eq!(reason, "outside the firm's sites");
        }
        other => panic!("expected RedirectRefused, got {other:?}"),
    }
    assert_eq!(error.kind(), "redirect_out_of_scope");
    assert_eq!(server.hits_to("/elsewhere"), 0);
}

#[tokio::test]
async fn redirect_loops_and_long_chains_stop() {
    let server = TestServer::start(
        Router::new()
            .route("/loop-a", get(|| async { redirect("/loop-b") }))
            .route("/loop-b", get(|| async { redirect("/loop-a") }))
            .route(
                "/chain/{n}",
                get(
                    |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                        redirect(&format!("/chain/{}", n + 1))
                    },
                ),
            ),
    )
    .await;
    let fetcher = Fetcher::new(&ScanSettings {
        max_redirects: 3,
        ..settings()
    })
    .unwrap();

    let error = fetcher
        .fetch(&server.url("/loop-a"), &any_scope)
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::RedirectLoop { .. }), "{error}");
    assert_eq!(error.kind(), "redirect_loop");
    assert_eq!(server.hits_to("/loop-a"), 1);
    assert_eq!(server.hits_to("/loop-b"), 1);

    let error = fetcher
        .fetch(&server.url("/chain/0"), &any_scope)
        .await
        .unwrap_err();
    assert!(
        matches!(error, FetchError::TooManyRedirects { limit: 3, .. }),
        "{error}"
    );
    assert_eq!(error.kind(), "too_many_redirects");
    // Three redirects were followed; the fourth was not.
    for n in 0..=3 {
        assert_eq!(server.hits_to(&format!("/chain/{n}")), 1, "/chain/{n}");
    }
    assert_eq!(server.hits_to("/chain/4"), 0);
}

/// Asserts every gap, and the whole span, is at least what `floor` per gap
/// allows. The slack covers the first request's connection set-up, which
/// delays its arrival (not its sending) and so shortens the first gap a bit.
fn assert_gaps_at_least(gaps: &[Duration], floor: Duration) {
    let slack = Duration::from_millis(25);
    for gap in gaps {
        assert!(
            *gap + slack >= floor,
            "gap {gap:?} shorter than {floor:?}: {gaps:?}"
        );
    }
    let span: Duration = gaps.iter().sum();
    let floor_span = floor * u32::try_from(gaps.len()).unwrap();
    assert!(
        span + slack >= floor_span,
        "{span:?} for {} gaps: {gaps:?}",
        gaps.len()
    );
}

#[tokio::test]
async fn a_host_never_gets_more_than_its_rate() {
    let server = TestServer::start(Router::new().route("/{page}", get(|| async { "ok" }))).await;
    let fetcher = Arc::new(
        Fetcher::new(&ScanSettings {
            per_host_rate: 4.0,
            ..settings()
        })
        .unwrap(),
    );
    // All five at once: the limiter, not the caller, must space them.
    let tasks: Vec<_> = (0..5)
        .map(|n| {
            let fetcher = Arc::clone(&fetcher);
            let url = server.url(&format!("/{n}"));
            tokio::spawn(async move { fetcher.fetch(&url, &any_scope).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().status, 200);
    }
    let gaps = server.gaps();
    assert_eq!(gaps.len(), 4);
    assert_gaps_at_least(&gaps, Duration::from_millis(250));
}

#[tokio::test]
async fn crawl_delay_lowers_a_hosts_rate() {
    let server = TestServer::start(Router::new().route("/{page}", get(|| async { "ok" }))).await;
    let fetcher = Fetcher::new(&settings()).unwrap();
    let first = server.url("/0");
    fetcher.fetch(&first, &any_scope).await.unwrap();
    fetcher.set_crawl_delay(&host_key(&first), Duration::from_millis(300));
    for n in 1..3 {
        fetcher
            .fetch(&server.url(&format!("/{n}")), &any_scope)
            .await
            .unwrap();
    }
    let gaps = server.gaps();
    assert_eq!(gaps.len(), 2);
    // The delay applies from the request made before it was set, too.
    assert_gaps_at_least(&gaps, Duration::from_millis(300));
}

#[tokio::test]
async fn the_global_cap_limits_requests_in_flight() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (Arc::clone(&in_flight), Arc::clone(&most));
    let server = TestServer::start(Router::new().route(
        "/{page}",
        get(move || {
            let (now, peak) = (Arc::clone(&now), Arc::clone(&peak));
            async move {
                let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(current, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        }),
    ))
    .await;
    let mut settings = ScanSettings {
        concurrency: 1,
        ..settings()
    };
    // Two host names for one server: the per-host limits would let them overlap.
    for name in ["a.example", "b.example"] {
        settings.resolve.insert(name.to_string(), server.addr());
    }
    let fetcher = Arc::new(Fetcher::new(&settings).unwrap());
    let tasks: Vec<_> = ["a.example", "b.example", "a.example", "b.example"]
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let fetcher = Arc::clone(&fetcher);
            let url = Url::parse(&format!("http://{name}/{n}")).unwrap();
            tokio::spawn(async move { fetcher.fetch(&url, &any_scope).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.total_hits(), 4);
    assert_eq!(most.load(Ordering::SeqCst), 1);
}

/// A handler answering `statuses` in turn (then 200), counting calls.
fn scripted(statuses: Vec<(u16, Option<&'static str>)>) -> axum::routing::MethodRouter {
    let calls = Arc::new(AtomicUsize::new(0));
    get(move || {
        let calls = Arc::clone(&calls);
        let statuses = statuses.clone();
        async move {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            match statuses.get(call) {
                Some((status, retry_after)) => {
                    let mut headers = HeaderMap::new();
                    if let Some(value) = retry_after {
                        headers.insert(header::RETRY_AFTER, value.parse().unwrap());
                    }
                    (StatusCode::from_u16(*status).unwrap(), headers, "not now").into_response()
                }
                None => "finally".into_response(),
            }
        }
    })
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server =
        TestServer::start(Router::new().route("/busy", scripted(vec![(429, Some("1"))]))).await;
    let fetcher = Fetcher::new(&settings()).unwrap();
    let fetched = fetcher
        .fetch(&server.url("/busy"), &any_scope)
        .await
        .unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, b"finally");
    assert_eq!(fetched.attempts, 2);
    let arrivals = server.arrivals("/busy");
    assert_eq!(arrivals.len(), 2);
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_secs(1),
        "{arrivals:?}"
    );
}

#[tokio::test]
async fn retry_after_pauses_the_whole_host() {
    let server = TestServer::start(
        Router::new()
            .route("/busy", scripted(vec![(503, Some("1"))]))
            .route("/other", get(|| async { "ok" })),
    )
    .await;
    let fetcher = Arc::new(Fetcher::new(&settings()).unwrap());
    let busy = {
        let fetcher = Arc::clone(&fetcher);
        let url = server.url("/busy");
        tokio::spawn(async move { fetcher.fetch(&url, &any_scope).await })
    };
    // Ask for another page once the 503 has been served.
    while server.hits_to("/busy") == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    fetcher
        .fetch(&server.url("/other"), &any_scope)
        .await
        .unwrap();
    assert_eq!(busy.await.unwrap().unwrap().status, 200);
    let first_busy = server.arrivals("/busy")[0];
    let other = server.arrivals("/other")[0];
    assert!(
        other - first_busy >= Duration::from_secs(1),
        "{:?}",
        other - first_busy
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_returned() {
    let server = TestServer::start(
        Router::new()
            .route("/flaky", scripted(vec![(500, None)]))
            .route("/down", scripted(vec![(502, None); 10])),
    )
    .await;
    let fetcher = Fetcher::new(&ScanSettings {
        max_retries: 1,
        ..settings()
    })
    .unwrap();
    let fetched = fetcher
        .fetch(&server.url("/flaky"), &any_scope)
        .await
        .unwrap();
    assert_eq!((fetched.status, fetched.attempts), (200, 2));
    let arrivals = server.arrivals("/flaky");
    assert!(arrivals[1] - arrivals[0] >= Duration::from_millis(500));

    // Retries used up: the last response is the result, status and all.
    let fetched = fetcher
        .fetch(&server.url("/down"), &any_scope)
        .await
        .unwrap();
    assert_eq!((fetched.status, fetched.attempts), (502, 2));
    assert_eq!(fetched.body, b"not now");
    assert_eq!(server.hits_to("/down"), 2);
}

#[tokio::test]
async fn connection_failures_and_timeouts_are_errors_after_retries() {
    // A port that was free a moment ago: nothing listens there now.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let fetcher = Fetcher::new(&ScanSettings {
        max_retries: 1,
        timeout: Duration::from_millis(300),
        ..settings()
    })
    .unwrap();
    let url = Url::parse(&format!("http://127.0.0.1:{closed_port}/")).unwrap();
    let error = fetcher.fetch(&url, &any_scope).await.unwrap_err();
    assert_eq!(error.kind(), "connect", "{error}");
    assert_eq!(error.url(), url.as_str());

    let server = TestServer::start(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "late"
        }),
    ))
    .await;
    let error = fetcher
        .fetch(&server.url("/slow"), &any_scope)
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Timeout { .. }), "{error}");
    assert_eq!(server.hits_to("/slow"), 2);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn the_byte_cap_counts_decompressed_bytes() {
    let large: Vec<u8> = b"Bonus 100 EUR! ".repeat(200_000); // 3 MB decoded
    let wire = gzip(&large);
    assert!(wire.len() < 100_000, "the test needs a small wire size");
    let small = gzip(b"0123456789");
    let server = TestServer::start(
        Router::new()
            .route(
                "/large",
                get(move || {
                    let wire = wire.clone();
                    async move { ([(header::CONTENT_ENCODING, "gzip")], wire) }
                }),
            )
            .route(
                "/exact",
                get(move || {
                    let small = small.clone();
                    async move { ([(header::CONTENT_ENCODING, "gzip")], small) }
                }),
            ),
    )
    .await;
    let fetcher = Fetcher::new(&ScanSettings {
        max_body_bytes: 100_000,
        ..settings()
    })
    .unwrap();
    let fetched = fetcher
        .fetch(&server.url("/large"), &any_scope)
        .await
        .unwrap();
    assert!(fetched.truncated);
    assert_eq!(fetched.body.len(), 100_000);
    assert_eq!(fetched.body[..], large[..100_000]);
    assert_eq!(fetched.sha256, hex_sha256(&large[..100_000]));

    let exact = Fetcher::new(&ScanSettings {
        max_body_bytes: 10,
        ..settings()
    })
    .unwrap();
    let fetched = exact
        .fetch(&server.url("/exact"), &any_scope)
        .await
        .unwrap();
    assert_eq!(fetched.body, b"0123456789");
    assert!(!fetched.truncated, "a body exactly at the cap is whole");
}

#[tokio::test]
async fn resolve_maps_names_to_another_port() {
    let server = TestServer::start(
        Router::new()
            .route("/", get(|| async { redirect("/start") }))
            .route(
                "/start",
                get(|| async { redirect("http://exchange.example/home") }),
            )
            .route("/home", get(|| async { "home" })),
    )
    .await;
    let mut settings = settings();
    settings
        .resolve
        .insert("exchange.example".to_string(), server.addr());
    let fetcher = Fetcher::new(&settings).unwrap();
    let url = Url::parse("http://exchange.example/").unwrap();
    let fetched = fetcher.fetch(&url, &any_scope).await.unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, b"home");
    assert_eq!(fetched.final_url.as_str(), "http://exchange.example/home");
    assert_eq!(
        fetched.redirects,
        vec![
            url.clone(),
            Url::parse("http://exchange.example/start").unwrap()
        ]
    );
    assert_eq!(fetched.remote_addr, Some(server.addr()));
    for hit in server.hits() {
        assert_eq!(hit.host(), Some("exchange.example"), "{}", hit.path);
    }

    // An explicit port in the URL is kept in the Host header.
    let mut settings = self::settings();
    settings
        .resolve
        .insert("exchange.example:8080".to_string(), server.addr());
    let fetcher = Fetcher::new(&settings).unwrap();
    let url = Url::parse("http://exchange.example:8080/home").unwrap();
    fetcher.fetch(&url, &any_scope).await.unwrap();
    assert_eq!(
        server.hits().last().unwrap().host(),
        Some("exchange.example:8080")
    );
}

#[tokio::test]
async fn legacy_charsets_decode_from_header_and_meta() {
    let mut meta_page =
        b"<!doctype html><html lang=pl><head><meta charset=\"ISO-8859-2\">".to_vec();
    meta_page.extend_from_slice(
        b"<title>Op\xb3ata 10 z\xb3</title></head><body><a>Zarejestruj si\xea</a> \xb6wietnie",
    );
    let server = TestServer::start(
        Router::new()
            .route(
                "/de",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=windows-1252")],
                        b"<p>Geb\xfchr: 5 \x80</p>".to_vec(),
                    )
                }),
            )
            .route(
                "/pl",
                get(move || {
                    let page = meta_page.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html")], page) }
                }),
            )
            .route(
                "/bom",
                get(|| async {
                    let mut page = b"\xef\xbb\xbf".to_vec();
                    page.extend_from_slice("<p>Gebühr: 5 €</p>".as_bytes());
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=iso-8859-2")],
                        page,
                    )
                }),
            ),
    )
    .await;
    let fetcher = Fetcher::new(&settings()).unwrap();

    let de = fetcher.fetch(&server.url("/de"), &any_scope).await.unwrap();
    let decoded = decode(&de.body, de.content_type.as_deref());
    assert_eq!(decoded.text, "<p>Gebühr: 5 €</p>");
    assert_eq!(decoded.source, CharsetSource::Header);

    let pl = fetcher.fetch(&server.url("/pl"), &any_scope).await.unwrap();
    let decoded = decode(&pl.body, pl.content_type.as_deref());
    assert_eq!(decoded.source, CharsetSource::Meta);
    assert_eq!(decoded.encoding, "ISO-8859-2");
    for expected in ["Opłata 10 zł", "Zarejestruj się", "świetnie"] {
        assert!(
            decoded.text.contains(expected),
            "{expected}: {}",
            decoded.text
        );
    }

    let bom = fetcher
        .fetch(&server.url("/bom"), &any_scope)
        .await
        .unwrap();
    let decoded = decode(&bom.body, bom.content_type.as_deref());
    assert_eq!(decoded.source, CharsetSource::Bom);
    assert_eq!(decoded.text, "<p>Gebühr: 5 €</p>");
}

#[tokio::test]
async fn turns_that_waited_for_a_permit_still_keep_the_hosts_rate() {
    let server = TestServer::start(
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(700)).await;
                    "slow"
                }),
            )
            .route("/{page}", get(|| async { "ok" })),
    )
    .await;
    let mut settings = ScanSettings {
        concurrency: 1,
        per_host_rate: 4.0,
        ..settings()
    };
    for name in ["slow.example", "fast.example"] {
        settings.resolve.insert(name.to_string(), server.addr());
    }
    let fetcher = Arc::new(Fetcher::new(&settings).unwrap());
    let fetch = |url: &str| {
        let fetcher = Arc::clone(&fetcher);
        let url = Url::parse(url).unwrap();
        tokio::spawn(async move { fetcher.fetch(&url, &any_scope).await })
    };
    let slow = fetch("http://slow.example/slow");
    while server.hits_to("/slow") == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // These get their rate-limit turns while the slow request holds the only
    // permit; once it is released they must not go out back to back.
    let fast: Vec<_> = (0..3)
        .map(|n| fetch(&format!("http://fast.example/{n}")))
        .collect();
    slow.await.unwrap().unwrap();
    for task in fast {
        task.await.unwrap().unwrap();
    }
    let arrivals: Vec<_> = server
        .hits()
        .into_iter()
        .filter(|hit| hit.host() == Some("fast.example"))
        .map(|hit| hit.at)
        .collect();
    assert_eq!(arrivals.len(), 3);
    let gaps: Vec<_> = arrivals.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert_gaps_at_least(&gaps, Duration::from_millis(250));
}

#[tokio::test]
async fn retry_after_is_capped_by_the_settings() {
    let server =
        TestServer::start(Router::new().route("/busy", scripted(vec![(503, Some("3600"))]))).await;
    let fetcher = Fetcher::new(&ScanSettings {
        max_retry_after: Duration::from_millis(300),
        ..settings()
    })
    .unwrap();
    let fetched = fetcher
        .fetch(&server.url("/busy"), &any_scope)
        .await
        .unwrap();
    assert_eq!((fetched.status, fetched.attempts), (200, 2));
    let arrivals = server.arrivals("/busy");
    assert!(arrivals[1] - arrivals[0] >= Duration::from_millis(300));
}

#[tokio::test]
async fn validators_go_only_to_the_url_they_came_from_and_a_304_is_a_final_answer() {
    let server = TestServer::start(
        Router::new()
            .route("/start", get(|| async { redirect("/target") }))
            .route(
                "/target",
                get(|headers: HeaderMap| async move {
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v == "\"v1\"")
                    {
                        StatusCode::NOT_MODIFIED.into_response()
                    } else {
                        ([(header::ETAG, "\"v1\"")], "<p>Bitcoin kaufen</p>").into_response()
                    }
                }),
            ),
    )
    .await;
    let fetcher = Fetcher::new(&settings()).unwrap();
    let conditions = micar_scan::model::Conditions {
        url: server.url("/target"),
        etag: Some("\"v1\"".into()),
        last_modified: Some("Fri, 27 Nov 2026 01:00:00 GMT".into()),
    };
    let fetched = fetcher
        .fetch_conditional(&server.url("/start"), &any_scope, Some(&conditions))
        .await
        .unwrap();
    assert_eq!(fetched.status, 304);
    assert!(fetched.conditional);
    assert!(fetched.body.is_empty());
    assert_eq!(fetched.redirects, vec![server.url("/start")]);
    // Not retried: one request per hop.
    assert_eq!(fetched.attempts, 2);
    let hits = server.hits();
    let start = hits.iter().find(|h| h.path == "/start").unwrap();
    assert!(!start.headers.contains_key("if-none-match"));
    assert!(!start.headers.contains_key("if-modified-since"));
    let target = hits.iter().find(|h| h.path == "/target").unwrap();
    assert_eq!(
        target.headers["if-modified-since"],
        "Fri, 27 Nov 2026 01:00:00 GMT"
    );

    // Validators of another URL are not sent: a plain 200.
    let elsewhere = micar_scan::model::Conditions {
        url: server.url("/other"),
        ..conditions
    };
    let fetched = fetcher
        .fetch_conditional(&server.url("/start"), &any_scope, Some(&elsewhere))
        .await
        .unwrap();
    assert_eq!(fetched.status, 200);
    assert!(!fetched.conditional);
    assert_eq!(fetched.body, b"<p>Bitcoin kaufen</p>");
}
