//! The crawler end to end against real HTTP servers on loopback: robots.txt,
//! politeness measured at the server, crawler traps, byte caps, the address
//! guard on redirects, charsets, and a SIGTERM that still leaves a whole
//! report.

mod common;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::config::Config;
use micar_scan::model::report::{FirmReport, Report, ScanStatus};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const SITE: &str = "shop.test-exchange.example";

/// A configuration scanning `http://SITE/` with SITE mapped onto `server`
/// and only that server's address exempt from the guard.
fn config_for(server: &TestServer, extra_scan: &str) -> Config {
    // Test defaults: fast and without retries, unless the test sets the key itself.
    let defaults: String = [
        ("per_host_rate", "1000.0"),
        ("timeout", "\"5s\""),
        ("max_retries", "0"),
    ]
    .iter()
    .filter(|(key, _)| {
        !extra_scan
            .lines()
            .any(|line| line.trim_start().starts_with(key))
    })
    .map(|(key, value)| format!("{key} = {value}\n"))
    .collect();
    let text = format!(
        r#"[scan]
allow_networks = ["127.0.0.1/32"]
{defaults}{extra_scan}
[scan.resolve]
"{SITE}" = "{addr}"

[[firm]]
name = "Test Exchange"
websites = ["http://{SITE}/"]
"#,
        addr = server.addr()
    );
    Config::parse(&text, Path::new("test.toml")).expect("test config is valid")
}

async fn scan(config: &Config) -> Report {
    common::scan_report(config).await
}

fn firm(report: &Report) -> &FirmReport {
    &report.firms[0]
}

fn fetched_paths(report: &Report) -> Vec<String> {
    let mut paths: Vec<String> = firm(report)
        .pages
        .iter()
        .map(|p| url::Url::parse(&p.url).unwrap().path().to_string())
        .collect();
    paths.sort();
    paths
}

fn html(body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><title>t</title></head><body>{body}</body></html>"
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn robots_disallow_is_honoured_and_recorded_with_its_rule() {
    let router = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /private/\n" }),
        )
        .route(
            "/",
            get(|| async { html(r#"<a href="/private/keys">k</a> <a href="/public">p</a>"#) }),
        )
        .route("/public", get(|| async { html("public") }))
        .route("/private/keys", get(|| async { html("secret") }));
    let server = TestServer::start(router).await;
    let report = scan(&config_for(&server, "sitemaps = false")).await;

    assert_eq!(fetched_paths(&report), vec!["/", "/public"]);
    assert_eq!(
        server.hits_to("/private/keys"),
        0,
        "disallowed path was fetched"
    );
    let skip = firm(&report)
        .errors
        .iter()
        .find(|e| e.kind == "robots_disallowed")
        .expect("the skip is recorded");
    assert!(skip.url.ends_with("/private/keys"));
    assert_eq!(skip.rule.as_deref(), Some("Disallow: /private/"));
    assert_eq!(
        server.hits_to("/robots.txt"),
        1,
        "robots.txt is fetched once per host"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn crawl_delay_is_respected_at_the_server() {
    let router = Router::new()
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nCrawl-delay: 1\n" }),
        )
        .route(
            "/",
            get(|| async { html(r#"<a href="/a">a</a> <a href="/b">b</a>"#) }),
        )
        .route("/a", get(|| async { html("a") }))
        .route("/b", get(|| async { html("b") }));
    let server = TestServer::start(router).await;
    let report = scan(&config_for(&server, "sitemaps = false\nconcurrency = 8")).await;
    assert_eq!(fetched_paths(&report), vec!["/", "/a", "/b"]);

    let page_hits: Vec<_> = server
        .hits()
        .into_iter()
        .filter(|h| h.path != "/robots.txt")
        .map(|h| h.at)
        .collect();
    assert_eq!(page_hits.len(), 3);
    for pair in page_hits.windows(2) {
        let gap = pair[1] - pair[0];
        // One request per second; a little slack for timer granularity.
        assert!(
            gap >= Duration::from_millis(950),
            "gap of {gap:?} under Crawl-delay: 1"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn per_host_rate_is_respected_at_the_server() {
    let links: String = (0..5)
        .map(|i| format!("<a href=\"/p{i}\">{i}</a>"))
        .collect();
    let router = Router::new()
        .route("/", get(move || async move { html(&links) }))
        .route("/{page}", get(|| async { html("page") }));
    let server = TestServer::start(router).await;
    let config = config_for(
        &server,
        "sitemaps = false\nrespect_robots = false\nconcurrency = 8\nper_host_rate = 4.0",
    );
    let report = scan(&config).await;
    assert_eq!(firm(&report).pages.len(), 6);
    for gap in server.gaps() {
        assert!(
            gap >= Duration::from_millis(235),
            "gap of {gap:?} above 4 requests/s"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_infinite_calendar_stays_inside_the_limits() {
    async fn month(uri: axum::http::Uri) -> Html<String> {
        let n: i64 = uri
            .query()
            .and_then(|q| q.strip_prefix("month="))
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        html(&format!(
            r#"<a href="/calendar?month={}">next</a> <a href="/calendar?month={}">prev</a> <a href="/a/b/a/b/a/b/a/b/x">deep</a>"#,
            n + 1,
            n - 1
        ))
    }
    let router = Router::new()
        .route(
            "/",
            get(|| async { html(r#"<a href="/calendar?month=0">calendar</a>"#) }),
        )
        .route("/calendar", get(month))
        .route(
            "/{*rest}",
            get(|| async { html(r#"<a href="/a/b/a/b/a/b/a/b/a/b/y">deeper</a>"#) }),
        );
    let server = TestServer::start(router).await;
    let config = config_for(
        &server,
        "sitemaps = false\nrespect_robots = false\nmax_depth = 1000\nmax_pages_per_site = 200\nmax_query_variants = 15",
    );
    let report = scan(&config).await;
    let calendar_pages = firm(&report)
        .pages
        .iter()
        .filter(|p| p.url.contains("/calendar"))
        .count();
    assert!(
        calendar_pages <= 15,
        "{calendar_pages} calendar pages fetched"
    );
    assert!(server.hits_to("/calendar") <= 15);
    assert!(
        firm(&report)
            .errors
            .iter()
            .any(|e| e.kind == "crawler_trap"),
        "the trap is recorded"
    );
    assert!(firm(&report).pages.len() < 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn page_budget_makes_the_scan_partial() {
    async fn page(axum::extract::Path(n): axum::extract::Path<u32>) -> Html<String> {
        html(&format!(
            r#"<a href="/p/{}">a</a> <a href="/p/{}">b</a>"#,
            2 * n + 1,
            2 * n + 2
        ))
    }
    let router = Router::new()
        .route("/", get(|| async { html(r#"<a href="/p/0">start</a>"#) }))
        .route("/p/{n}", get(page));
    let server = TestServer::start(router).await;
    let config = config_for(
        &server,
        "sitemaps = false\nrespect_robots = false\nmax_pages_per_site = 10\nmax_depth = 100",
    );
    let report = scan(&config).await;
    assert_eq!(firm(&report).pages.len(), 10);
    assert_eq!(server.total_hits(), 10);
    assert_eq!(report.scan.status, ScanStatus::Partial);
    assert!(report
        .scan
        .partial_reasons
        .iter()
        .any(|r| r.contains("budget")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gzip_page_over_the_byte_cap_is_cut_and_flagged() {
    let big = "<p>Lorem ipsum dolor sit amet, crypto for everyone.</p>".repeat(10_000);
    let document = format!("<!doctype html><html><body>{big}</body></html>");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(document.as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    assert!(compressed.len() < 50_000, "small on the wire");
    let router = Router::new().route(
        "/",
        get(move || {
            let body = compressed.clone();
            async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    body,
                )
            }
        }),
    );
    let server = TestServer::start(router).await;
    let config = config_for(
        &server,
        "sitemaps = false\nrespect_robots = false\nmax_body_bytes = 100000",
    );
    let report = scan(&config).await;
    let page = &firm(&report).pages[0];
    assert!(page.truncated);
    assert_eq!(page.bytes, 100_000);
    assert!(firm(&report).errors.iter().any(|e| e.kind == "too_large"));
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_to_other_loopback_addresses_are_refused_and_never_arrive() {
    // Listeners where a refused request would land: they must see no traffic at all.
    let trap_v4 = TestServer::trap_on("127.0.0.2".parse().unwrap(), 0)
        .await
        .expect("127.0.0.2 binds on Linux");
    let trap_v6 = TestServer::trap_on("::1".parse().unwrap(), 0).await.ok();
    let v4_target = format!("http://127.0.0.2:{}/", trap_v4.port());
    let v6_target = trap_v6
        .as_ref()
        .map(|t| format!("http://[::1]:{}/", t.port()));
    let named_target = format!("http://www.{SITE}:{}/", trap_v4.port());

    let mut links = String::from(r#"<a href="/to-v4">1</a> <a href="/to-name">2</a>"#);
    if v6_target.is_some() {
        links.push_str(r#" <a href="/to-v6">3</a>"#);
    }
    let router = Router::new()
        .route("/", get(move || async move { html(&links) }))
        .route(
            "/to-v4",
            get(move || async move { Redirect::temporary(&v4_target) }),
        )
        .route(
            "/to-v6",
            get(move || async move { Redirect::temporary(v6_target.as_deref().unwrap_or("/")) }),
        )
        .route(
            "/to-name",
            get(move || async move { Redirect::temporary(&named_target) }),
        );
    let server = TestServer::start(router).await;
    // `www.SITE` is in scope (same registrable domain) but resolves to 127.0.0.2.
    let mut config = config_for(&server, "sitemaps = false\nrespect_robots = false");
    config
        .scan
        .resolve
        .insert(format!("www.{SITE}"), trap_v4.addr());
    let report = scan(&config).await;

    let errors = &firm(&report).errors;
    let refusal = |path: &str| {
        errors
            .iter()
            .find(|e| e.url.ends_with(path))
            .map(|e| e.kind.as_str())
            .unwrap_or_else(|| panic!("no refusal recorded for {path}: {errors:#?}"))
    };
    // An IP literal is another site, so scope refuses it before the guard is asked;
    // an in-scope name that resolves to a refused address meets the guard itself.
    assert!(matches!(
        refusal("/to-v4"),
        "redirect_out_of_scope" | "blocked_by_guard"
    ));
    assert_eq!(refusal("/to-name"), "blocked_by_guard");
    if trap_v6.is_some() {
        assert!(matches!(
            refusal("/to-v6"),
            "redirect_out_of_scope" | "blocked_by_guard"
        ));
    }
    assert_eq!(trap_v4.total_hits(), 0);
    assert_eq!(
        trap_v4.connections(),
        0,
        "no connection may reach 127.0.0.2"
    );
    if let Some(trap_v6) = &trap_v6 {
        assert_eq!(trap_v6.connections(), 0, "no connection may reach ::1");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_loops_and_long_chains_stop() {
    async fn hop(axum::extract::Path(n): axum::extract::Path<u32>) -> Redirect {
        Redirect::temporary(&format!("/chain/{}", n + 1))
    }
    let router = Router::new()
        .route(
            "/",
            get(|| async { html(r#"<a href="/loop/a">l</a> <a href="/chain/0">c</a>"#) }),
        )
        .route("/loop/a", get(|| async { Redirect::temporary("/loop/b") }))
        .route("/loop/b", get(|| async { Redirect::temporary("/loop/a") }))
        .route("/chain/{n}", get(hop));
    let server = TestServer::start(router).await;
    let report = scan(&config_for(
        &server,
        "sitemaps = false\nrespect_robots = false\nmax_redirects = 5",
    ))
    .await;
    let kinds: Vec<&str> = firm(&report)
        .errors
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert!(kinds.contains(&"redirect_loop"), "{kinds:?}");
    assert!(kinds.contains(&"too_many_redirects"), "{kinds:?}");
    assert!(
        server
            .hits()
            .iter()
            .filter(|h| h.path.starts_with("/chain/"))
            .count()
            <= 6
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_charsets_are_decoded_and_recorded() {
    // "Gebühr 5 €" in windows-1252, declared in the header.
    let cp1252: Vec<u8> = [
        &b"<html><body><p>Geb"[..],
        &[0xFC],
        &b"hr 5 "[..],
        &[0x80],
        &b"</p><a href=\"/pl\">pl</a></body></html>"[..],
    ]
    .concat();
    // "Zarejestruj się" in ISO-8859-2 (ę = 0xEA), declared only in <meta>.
    let latin2: Vec<u8> = [
        &b"<html><head><meta charset=\"iso-8859-2\"></head><body><p>Zarejestruj si"[..],
        &[0xEA],
        &b"</p></body></html>"[..],
    ]
    .concat();
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let body = cp1252.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=windows-1252")],
                        body,
                    )
                }
            }),
        )
        .route(
            "/pl",
            get(move || {
                let body = latin2.clone();
                async move { ([(header::CONTENT_TYPE, "text/html")], body) }
            }),
        );
    let server = TestServer::start(router).await;
    let report = scan(&config_for(
        &server,
        "sitemaps = false\nrespect_robots = false",
    ))
    .await;
    let charset_of = |path: &str| {
        firm(&report)
            .pages
            .iter()
            .find(|p| p.url.ends_with(path))
            .and_then(|p| p.charset.clone())
    };
    assert_eq!(charset_of("/").as_deref(), Some("windows-1252"));
    assert_eq!(charset_of("/pl").as_deref(), Some("ISO-8859-2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_requests_with_retry_after_is_waited_out() {
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let router = Router::new().route(
        "/",
        get(move || {
            let served = Arc::clone(&served);
            async move {
                if served.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    let mut headers = HeaderMap::new();
                    headers.insert(header::RETRY_AFTER, "1".parse().unwrap());
                    (StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response()
                } else {
                    html("fine").into_response()
                }
            }
        }),
    );
    let server = TestServer::start(router).await;
    let report = scan(&config_for(
        &server,
        "sitemaps = false\nrespect_robots = false\nmax_retries = 2",
    ))
    .await;
    assert_eq!(firm(&report).pages[0].status, 200);
    let arrivals = server.arrivals("/");
    assert_eq!(arrivals.len(), 2);
    assert!(arrivals[1] - arrivals[0] >= Duration::from_millis(990));
}

/// A site where `/x` is two links from the home page through `/a` and three
/// through `/b` and `/b2`; `slow` answers after a pause, so that one path's
/// responses come back well before the other's.
fn race_site(slow: &'static str) -> Router {
    async fn pause_if(slow: &str, path: &str) {
        if slow == path {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    Router::new()
        .route(
            "/",
            get(|| async { html(r#"<a href="/a">a</a> <a href="/b">b</a>"#) }),
        )
        .route(
            "/a",
            get(move || async move {
                pause_if(slow, "/a").await;
                html(r#"<a href="/x">x</a> <a href="/a2">a2</a>"#)
            }),
        )
        .route(
            "/b",
            get(move || async move {
                pause_if(slow, "/b").await;
                html(r#"<a href="/b2">b2</a>"#)
            }),
        )
        .route("/b2", get(|| async { html(r#"<a href="/x">x</a>"#) }))
        .route("/a2", get(|| async { html(r#"<a href="/a3">a3</a>"#) }))
        .route("/a3", get(|| async { html("end") }))
        .route("/x", get(|| async { html(r#"<a href="/y">y</a>"#) }))
        .route("/y", get(|| async { html("end") }))
}

#[tokio::test(flavor = "multi_thread")]
async fn depth_and_budget_do_not_depend_on_which_response_comes_first() {
    let mut outcomes = Vec::new();
    for slow in ["/a", "/b"] {
        let server = TestServer::start(race_site(slow)).await;
        // Six of the eight pages: which six must not depend on timing either.
        let config = config_for(
            &server,
            "sitemaps = false\nrespect_robots = false\nmax_pages_per_site = 6\nmax_depth = 100",
        );
        let report = scan(&config).await;
        let mut pages: Vec<(String, u32)> = firm(&report)
            .pages
            .iter()
            .map(|p| (url::Url::parse(&p.url).unwrap().path().to_string(), p.depth))
            .collect();
        pages.sort();
        outcomes.push(pages);
    }
    // With `/a` slow, `/b2` used to be read before `/a` and put `/x` at depth 3.
    let expected: Vec<(String, u32)> = [
        ("/", 0),
        ("/a", 1),
        ("/a2", 2),
        ("/b", 1),
        ("/b2", 2),
        ("/x", 2),
    ]
    .iter()
    .map(|(path, depth)| (path.to_string(), *depth))
    .collect();
    assert_eq!(outcomes[0], expected, "with /a slow");
    assert_eq!(outcomes[1], expected, "with /b slow");
}
