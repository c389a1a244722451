//! Every channel of a firm through one real scan on loopback: feeds (RSS,
//! Atom, JSON Feed) with their kinds and age limit, a Mastodon profile, an
//! e-mail campaign on disk and app-store storefronts — each becoming pages,
//! findings and `sources[]` entries of the firm.

mod common;

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::Config;
use micar_scan::model::{Category, SourceKind};
use micar_scan::scan::{self, ScanOptions};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(path),
    )
    .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn serve(path: &'static str, content_type: &'static str) -> axum::routing::MethodRouter {
    get(move || async move { ([("content-type", content_type)], fixture(path)) })
}

fn query(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Apple's lookup: the app is offered in Germany and France only.
async fn apple_lookup(uri: Uri) -> Response {
    let body = match query(&uri).get("country").map(String::as_str) {
        Some("de" | "fr") => fixture("appstore/apple-lookup-available.json"),
        _ => fixture("appstore/apple-lookup-unavailable.json"),
    };
    ([("content-type", "text/javascript")], body).into_response()
}

async fn google_details(uri: Uri) -> Response {
    match query(&uri).get("gl").map(String::as_str) {
        Some("DE" | "FR") => (
            [("content-type", "text/html")],
            fixture("appstore/google-details.html"),
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            fixture("appstore/google-not-found.html"),
        )
            .into_response(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_channel_becomes_pages_findings_and_sources() {
    let router = Router::new()
        .route(
            "/feeds/rss2.xml",
            serve("feeds/rss2.xml", "application/rss+xml"),
        )
        .route(
            "/feeds/atom.xml",
            serve("feeds/atom.xml", "application/atom+xml"),
        )
        .route(
            "/feeds/feed.json",
            serve("feeds/feed.json", "application/feed+json"),
        )
        .route(
            "/@aurora.rss",
            serve("social/mastodon-aurora.rss", "application/rss+xml"),
        )
        .route("/apple/lookup", get(apple_lookup))
        .route("/google/store/apps/details", get(google_details));
    let server = TestServer::start(router).await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("campaign.eml"),
        fixture("offline/nl-campaign.eml"),
    )
    .unwrap();
    let config_path = dir.path().join("channels.toml");
    let addr = server.addr();
    std::fs::write(
        &config_path,
        format!(
            r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 1000.0
apple_lookup_base = "http://stores.example/apple/"
google_play_base = "http://stores.example/google/"
[scan.resolve]
"news.aurora-test.example" = "{addr}"
"social.example" = "{addr}"
"stores.example" = "{addr}"

[[firm]]
name = "Aurora Test"
feeds = [
    "http://news.aurora-test.example/feeds/rss2.xml",
    {{ url = "http://news.aurora-test.example/feeds/atom.xml", kind = "press", max_age = "365d" }},
    {{ url = "http://news.aurora-test.example/feeds/feed.json", kind = "social" }},
]
social = ["http://social.example/@aurora"]
files = ["campaign.eml"]
apps = {{ apple = "6400000001", google = "example.nordlicht.krypto" }}
"#
        ),
    )
    .unwrap();
    let config = Config::load(&config_path).expect("config loads");
    let rules = Arc::new(RuleSet::bundled().unwrap());
    let report = scan::run(&config, rules, ScanOptions::default())
        .await
        .expect("scan runs")
        .report;
    let firm = &report.firms[0];

    // Feeds: every item is a page of its own, with its own URL and time.
    for feed in ["rss2.xml", "atom.xml", "feed.json"] {
        let items: Vec<_> = firm
            .pages
            .iter()
            .filter(|p| p.source_kind == SourceKind::Feed && p.published_at.is_some())
            .filter(|p| {
                firm.sources.iter().any(|s| s.url.ends_with(feed))
                    && p.content_sha256
                        == micar_scan::model::sha256_hex(&fixture(&format!("feeds/{feed}")))
            })
            .collect();
        assert!(items.len() >= 2, "{feed}: {} item pages", items.len());
        let urls: HashSet<&str> = items.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls.len(), items.len(), "{feed}: items share URLs");
    }
    // The press feed's age limit drops its 2022 entry.
    let atom_items = firm
        .pages
        .iter()
        .filter(|p| {
            p.content_sha256 == micar_scan::model::sha256_hex(&fixture("feeds/atom.xml"))
                && p.published_at.is_some()
        })
        .count();
    assert_eq!(atom_items, 2, "the old Atom entry is skipped by max_age");
    // Findings of the press feed are press findings; those of the social feed social_media.
    let atom_sha = micar_scan::model::sha256_hex(&fixture("feeds/atom.xml"));
    assert!(firm
        .findings
        .iter()
        .filter(|f| *f.content_sha256 == *atom_sha)
        .all(|f| f.category == Category::Press));
    let json_sha = micar_scan::model::sha256_hex(&fixture("feeds/feed.json"));
    assert!(firm
        .findings
        .iter()
        .filter(|f| *f.content_sha256 == *json_sha)
        .all(|f| f.category == Category::SocialMedia));

    // Mastodon: the profile is read through its public RSS, posts are social pages.
    assert!(firm
        .pages
        .iter()
        .any(|p| p.source_kind == SourceKind::Social && p.published_at.is_some()));
    assert!(firm
        .findings
        .iter()
        .filter(|f| f.source_kind == SourceKind::Social)
        .all(|f| f.category == Category::SocialMedia));

    // The e-mail campaign: a page of kind email, its findings in the email category.
    let email_findings: Vec<_> = firm
        .findings
        .iter()
        .filter(|f| f.source_kind == SourceKind::Email)
        .collect();
    assert!(
        !email_findings.is_empty(),
        "the Dutch campaign yields findings"
    );
    assert!(email_findings.iter().all(|f| f.category == Category::Email));
    // The file is named by its name only, never by where it sat on disk.
    assert!(
        firm.sources
            .iter()
            .any(|s| s.kind == SourceKind::Email && s.url == "campaign.eml"),
        "{:#?}",
        firm.sources
    );
    assert!(email_findings
        .iter()
        .any(|f| f.language.as_deref() == Some("nl")));
    // A Dutch campaign with a euro bonus via iDEAL is strong evidence on its own.
    let email_only: Vec<_> = email_findings.into_iter().cloned().collect();
    let bundle = RuleSet::bundled().unwrap();
    assert_eq!(
        micar_scan::analyze::score::page_level(&email_only, bundle.scoring()),
        micar_scan::model::Level::Strong
    );

    // App stores: per country and store.
    let available = |store: &str, country: &str| {
        firm.app_store
            .iter()
            .find(|r| r.store == store && r.country == country)
            .and_then(|r| r.available)
    };
    for store in ["apple", "google"] {
        assert_eq!(available(store, "DE"), Some(true), "{store} DE");
        assert_eq!(available(store, "FR"), Some(true), "{store} FR");
        assert_eq!(available(store, "NL"), Some(false), "{store} NL");
    }

    // sources[] lists every channel with its kind.
    let kinds: HashSet<SourceKind> = firm.sources.iter().map(|s| s.kind).collect();
    for kind in [SourceKind::Feed, SourceKind::Social, SourceKind::Email] {
        assert!(
            kinds.contains(&kind),
            "{kind:?} missing from {:#?}",
            firm.sources
        );
    }
    assert!(
        firm.sources.iter().all(|s| s.pages_fetched > 0),
        "{:#?}",
        firm.sources
    );
}
