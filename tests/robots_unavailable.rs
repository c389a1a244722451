//! RFC 9309 §2.3.1.4 at the server: a host whose robots.txt answers 5xx is
//! fully disallowed. Nothing but robots.txt may reach it (no sitemap, page,
//! feed or geo-probe request), each skipped URL is recorded with the reason,
//! and a later re-check that reads the file lifts the block.

mod common;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::config::Config;
use micar_scan::model::report::Report;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SITE: &str = "shop.test-exchange.example";

fn landing() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"de\"><head><title>Kaufen</title></head><body>\
         <h1>Bitcoin kaufen in Deutschland</h1><p>Jetzt registrieren und mit SEPA einzahlen.</p>\
         <a href=\"/preise\">Preise</a></body></html>",
    )
}

/// Every path a crawler could ask for: the site, a sitemap, a feed and a
/// page only the geo probe knows about.
fn site(robots: Router) -> Router {
    robots
        .route("/", get(|| async { landing() }))
        .route("/preise", get(|| async { landing() }))
        .route("/de/", get(|| async { landing() }))
        .route(
            "/sitemap.xml",
            get(|| async {
                "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                 <url><loc>http://shop.test-exchange.example/preise</loc></url></urlset>"
            }),
        )
        .route(
            "/feed.xml",
            get(|| async {
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title>\
                 <item><title>Neu</title><link>http://shop.test-exchange.example/preise</link></item>\
                 </channel></rss>"
            }),
        )
}

fn config(server: &TestServer, extra_scan: &str) -> Config {
    let text = format!(
        r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 1000.0
timeout = "5s"
{extra_scan}
[scan.resolve]
"{SITE}" = "{addr}"

[[vantage]]
name = "DE"
country = "DE"

[[vantage]]
name = "control"
country = "SG"
control = true

[[firm]]
name = "Test Exchange"
websites = ["http://{SITE}/"]
feeds = ["http://{SITE}/feed.xml"]
geo_pages = ["http://{SITE}/de/"]
"#,
        addr = server.addr()
    );
    Config::parse(&text, Path::new("test.toml")).expect("test config is valid")
}

async fn scan(config: &Config) -> Report {
    common::scan_report(config).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_robots_txt_answering_5xx_keeps_every_other_request_off_the_host() {
    let router = site(Router::new().route(
        "/robots.txt",
        get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance") }),
    ));
    let server = TestServer::start(router).await;
    // One retry: the 503 is asked for twice, and still nothing else follows.
    let report = scan(&config(&server, "max_retries = 1")).await;

    let others: Vec<String> = server
        .hits()
        .iter()
        .filter(|hit| hit.path != "/robots.txt")
        .map(|hit| hit.path.clone())
        .collect();
    assert!(
        others.is_empty(),
        "requests other than robots.txt reached the host: {others:?}"
    );
    assert!(server.hits_to("/robots.txt") >= 1);

    let firm = &report.firms[0];
    assert!(firm.pages.is_empty(), "{:?}", firm.pages);
    assert!(
        firm.geo.is_empty(),
        "the geo probe asked nothing: {:?}",
        firm.geo
    );
    let skipped: Vec<&str> = firm
        .errors
        .iter()
        .filter(|e| e.kind == "robots_disallowed")
        .map(|e| e.url.as_str())
        .collect();
    for path in ["/", "/sitemap.xml", "/feed.xml"] {
        let url = format!("http://{SITE}{path}");
        assert!(
            skipped.contains(&url.as_str()),
            "{url} is recorded as skipped: {skipped:?}"
        );
    }
    for entry in firm.errors.iter().filter(|e| e.kind == "robots_disallowed") {
        let rule = entry.rule.as_deref().unwrap_or_default();
        assert!(
            rule.starts_with("robots.txt unavailable (5xx)"),
            "{}: {rule}",
            entry.url
        );
        assert!(
            entry.message.contains("robots.txt unavailable"),
            "{}",
            entry.message
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recheck_that_reads_robots_txt_lifts_the_block() {
    // The first answer is a 503, every later one a readable file.
    let asked = Arc::new(AtomicUsize::new(0));
    let router = site(Router::new().route(
        "/robots.txt",
        get(move || {
            let asked = Arc::clone(&asked);
            async move {
                if asked.fetch_add(1, Ordering::SeqCst) == 0 {
                    (StatusCode::SERVICE_UNAVAILABLE, "down").into_response()
                } else {
                    "User-agent: *\nAllow: /\n".into_response()
                }
            }
        }),
    ));
    let server = TestServer::start(router).await;
    // No retry, so the 503 is what the first read sees; re-check at once.
    let report = scan(&config(
        &server,
        "max_retries = 0\nrobots_recheck_after = \"0s\"\nsitemaps = true",
    ))
    .await;

    assert!(
        server.hits_to("/robots.txt") >= 2,
        "robots.txt was asked for again"
    );
    assert!(
        server.hits_to("/") >= 1,
        "the home page was fetched once robots.txt was read"
    );
    let firm = &report.firms[0];
    assert!(
        firm.pages
            .iter()
            .any(|p| p.url == format!("http://{SITE}/")),
        "{:?}",
        firm.pages.iter().map(|p| &p.url).collect::<Vec<_>>()
    );
}
