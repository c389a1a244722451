//! App-store availability against fake Apple and Google endpoints on
//! loopback: an app offered in Germany and France but not in the Netherlands.

mod common;

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::analyze::lang::LanguageModel;
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::ScanSettings;
use micar_scan::model::app_store::StorefrontResult;
use micar_scan::sources::appstore::{
    check_apps, check_apps_with_languages, AppStoreSettings, EU_STOREFRONTS,
};
use micar_scan::sources::fetch::Fetcher;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

const APPLE_ID: &str = "6400000001";
const GOOGLE_PACKAGE: &str = "example.nordlicht.krypto";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/appstore")
            .join(name),
    )
    .unwrap()
}

fn query(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Apple: the app exists in the German and French storefronts only.
async fn apple_lookup(uri: Uri) -> Response {
    let query = query(&uri);
    if query.get("id").map(String::as_str) != Some(APPLE_ID) {
        return (StatusCode::BAD_REQUEST, "unknown id").into_response();
    }
    let body = match query.get("country").map(String::as_str) {
        Some("de" | "fr") => fixture("apple-lookup-available.json"),
        _ => fixture("apple-lookup-unavailable.json"),
    };
    ([("content-type", "text/javascript; charset=utf-8")], body).into_response()
}

/// Google: a details page for Germany and France, 404 everywhere else.
async fn google_details(uri: Uri) -> Response {
    let query = query(&uri);
    if query.get("id").map(String::as_str) != Some(GOOGLE_PACKAGE) {
        return (StatusCode::BAD_REQUEST, "unknown package").into_response();
    }
    match query.get("gl").map(String::as_str) {
        Some("DE" | "FR") => (
            [("content-type", "text/html; charset=utf-8")],
            fixture("google-details.html"),
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            [("content-type", "text/html; charset=utf-8")],
            fixture("google-not-found.html"),
        )
            .into_response(),
    }
}

fn stores() -> Router {
    Router::new()
        .route("/apple/lookup", get(apple_lookup))
        .route("/google/store/apps/details", get(google_details))
}

fn fetcher() -> Fetcher {
    Fetcher::new(&ScanSettings {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        per_host_rate: 1000.0,
        ..Default::default()
    })
    .unwrap()
}

/// The model a scan's rules carry: the bundled patterns' one.
fn languages() -> LanguageModel {
    RuleSet::bundled().unwrap().languages().clone()
}

fn settings(server: &TestServer) -> AppStoreSettings {
    AppStoreSettings {
        apple_base: server.url("/apple/"),
        google_base: server.url("/google/"),
    }
}

fn result<'a>(results: &'a [StorefrontResult], store: &str, country: &str) -> &'a StorefrontResult {
    results
        .iter()
        .find(|r| r.store == store && r.country == country)
        .unwrap_or_else(|| panic!("no {store} result for {country}"))
}

/// Serves `stores` on loopback and asks both of them about the app in every
/// EU storefront.
async fn check_both_stores(stores: Router) -> (TestServer, Vec<StorefrontResult>) {
    let server = TestServer::start(stores).await;
    let results = check_apps(
        &fetcher(),
        &settings(&server),
        Some(APPLE_ID),
        Some(GOOGLE_PACKAGE),
    )
    .await;
    (server, results)
}

/// The `key` query values sent to `path`, as the server saw them.
fn queried(server: &TestServer, path: &str, key: &str) -> BTreeSet<String> {
    server
        .hits()
        .iter()
        .filter(|hit| hit.path == path)
        .filter_map(|hit| {
            url::form_urlencoded::parse(hit.query.as_deref().unwrap_or("").as_bytes())
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.into_owned())
        })
        .collect()
}

#[tokio::test]
async fn every_eu_storefront_is_asked_once_per_store_and_read_per_country() {
    let (server, results) = check_both_stores(stores()).await;

    assert_eq!(server.hits_to("/apple/lookup"), 27);
    assert_eq!(server.hits_to("/google/store/apps/details"), 27);
    let lower: BTreeSet<String> = EU_STOREFRONTS.iter().map(|c| c.to_string()).collect();
    let upper: BTreeSet<String> = EU_STOREFRONTS.iter().map(|c| c.to_uppercase()).collect();
    assert_eq!(queried(&server, "/apple/lookup", "country"), lower);
    assert_eq!(queried(&server, "/google/store/apps/details", "gl"), upper);

    assert_eq!(results.len(), 54);
    let order: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r.store.as_str(), r.country.as_str()))
        .collect();
    let expected: Vec<(&str, String)> = ["apple", "google"]
        .into_iter()
        .flat_map(|store| {
            EU_STOREFRONTS
                .iter()
                .map(move |c| (store, c.to_uppercase()))
        })
        .collect();
    let expected: Vec<(&str, &str)> = expected.iter().map(|(s, c)| (*s, c.as_str())).collect();
    assert_eq!(order, expected);

    for store in ["apple", "google"] {
        for country in EU_STOREFRONTS {
            let country = country.to_uppercase();
            let found = result(&results, store, &country);
            let offered = country == "DE" || country == "FR";
            assert_eq!(
                found.available,
                Some(offered),
                "{store} {country}: {found:?}"
            );
            assert!(found.fetched_at.ends_with('Z'), "{found:?}");
            assert_eq!(found.content_sha256.len(), 64);
        }
    }

    let apple_de = result(&results, "apple", "DE");
    assert_eq!(apple_de.status, 200);
    assert_eq!(
        apple_de.title.as_deref(),
        Some("Nordlicht Krypto: Bitcoin kaufen")
    );
    assert_eq!(apple_de.listing_language.as_deref(), Some("de"));
    assert_eq!(
        apple_de.content_sha256,
        hex::encode(Sha256::digest(fixture("apple-lookup-available.json")))
    );
    assert!(apple_de
        .url
        .ends_with(&format!("/apple/lookup?id={APPLE_ID}&country=de")));
    let apple_nl = result(&results, "apple", "NL");
    assert_eq!((apple_nl.status, apple_nl.title.as_ref()), (200, None));

    let google_fr = result(&results, "google", "FR");
    assert_eq!(google_fr.status, 200);
    assert_eq!(
        google_fr.title.as_deref(),
        Some("Nordlicht Krypto: Bitcoin kaufen")
    );
    assert_eq!(google_fr.listing_language.as_deref(), Some("de"));
    assert!(google_fr.url.ends_with("&gl=FR&hl=fr"), "{}", google_fr.url);
    // Every Google row warns that gl= is not a vantage point.
    assert!(google_fr
        .note
        .as_deref()
        .unwrap()
        .contains("not a vantage point"));
    let google_nl = result(&results, "google", "NL");
    assert_eq!(google_nl.status, 404);
    assert_eq!(google_nl.title, None);
}

#[tokio::test]
async fn only_the_stores_with_an_app_are_asked() {
    let server = TestServer::start(stores()).await;
    // With the model a scan's rules carry, as a scan with its own patterns asks.
    let results = check_apps_with_languages(
        &fetcher(),
        &settings(&server),
        &languages(),
        None,
        Some(GOOGLE_PACKAGE),
    )
    .await;
    assert_eq!(results.len(), 27);
    assert!(results.iter().all(|r| r.store == "google"));
    assert_eq!(
        result(&results, "google", "DE").listing_language.as_deref(),
        Some("de")
    );
    assert_eq!(server.hits_to("/apple/lookup"), 0);
    assert_eq!(server.hits_to("/google/store/apps/details"), 27);

    let results = check_apps(&fetcher(), &settings(&server), None, None).await;
    assert!(results.is_empty());
}

#[tokio::test]
async fn answers_that_do_not_tell_are_none_with_a_note() {
    // Apple answers HTML, Google answers a page without any app on it.
    let router = Router::new()
        .route(
            "/apple/lookup",
            get(|| async { ([("content-type", "text/html")], "<html>maintenance</html>") }),
        )
        .route(
            "/google/store/apps/details",
            get(|| async { "<html><head><title>Google Play</title></head><body></body></html>" }),
        );
    let (_server, results) = check_both_stores(router).await;
    assert_eq!(results.len(), 54);
    for found in &results {
        assert_eq!(found.available, None, "{found:?}");
        assert_eq!(found.status, 200);
        assert!(found.note.is_some(), "{found:?}");
    }
    assert!(result(&results, "apple", "AT")
        .note
        .as_deref()
        .unwrap()
        .contains("not the expected JSON"));
}

#[tokio::test]
async fn a_store_the_guard_refuses_is_reported_not_fetched() {
    let server = TestServer::start(stores()).await;
    // 127.0.0.1 is not allowed for this fetcher: nothing may arrive.
    let strict = Fetcher::new(&ScanSettings {
        per_host_rate: 1000.0,
        ..Default::default()
    })
    .unwrap();
    let results = check_apps(&strict, &settings(&server), Some(APPLE_ID), None).await;
    assert_eq!(results.len(), 27);
    assert_eq!(server.total_hits(), 0);
    assert_eq!(server.connections(), 0);
    for found in &results {
        assert_eq!((found.available, found.status), (None, 0));
        assert!(
            found
                .note
                .as_deref()
                .unwrap()
                .starts_with("blocked_by_guard"),
            "{found:?}"
        );
    }
}

const ENGLISH_DESCRIPTION: &str = "Buy Bitcoin and Ethereum in a few seconds. Deposit by \
    bank transfer and trade around the clock with low fees.";

/// whatlang knows neither Irish nor Maltese: a listing in either is told
/// by the scan's language model, whichever store serves it.
#[tokio::test]
async fn maltese_and_irish_listings_are_told_apart_from_english() {
    async fn apple(uri: Uri) -> Response {
        let description = match query(&uri).get("country").map(String::as_str) {
            Some("mt") => {
                "Ixtri l-Bitcoin u l-Ethereum f'ftit sekondi. Iddepożita bit-trasferiment \
                 SEPA u ibda innegozja kuljum b'miżati baxxi."
            }
            _ => ENGLISH_DESCRIPTION,
        };
        let body = serde_json::json!({
            "resultCount": 1,
            "results": [{"trackName": "Nordlicht Krypto", "description": description}]
        });
        ([("content-type", "application/json")], body.to_string()).into_response()
    }
    async fn google(uri: Uri) -> Response {
        let description = match query(&uri).get("gl").map(String::as_str) {
            Some("IE") if query(&uri).get("hl").map(String::as_str) == Some("en") => {
                "Ceannaigh Bitcoin agus Ethereum i gceann cúpla soicind. Tá ár seirbhís ar \
                 fáil gach lá agus is féidir leat tosú inniu le táillí ísle."
            }
            _ => ENGLISH_DESCRIPTION,
        };
        let page = format!(
            "<html><head><meta property=\"og:title\" content=\"Nordlicht Krypto - Apps on Google Play\">\
             <meta property=\"og:description\" content=\"{description}\"></head><body></body></html>"
        );
        ([("content-type", "text/html; charset=utf-8")], page).into_response()
    }
    let router = Router::new()
        .route("/apple/lookup", get(apple))
        .route("/google/store/apps/details", get(google));
    let (_server, results) = check_both_stores(router).await;
    let language =
        |store: &str, country: &str| result(&results, store, country).listing_language.clone();
    assert_eq!(language("apple", "MT").as_deref(), Some("mt"));
    assert_eq!(language("apple", "DE").as_deref(), Some("en"));
    assert_eq!(language("google", "IE").as_deref(), Some("ga"));
    assert_eq!(language("google", "AT").as_deref(), Some("en"));
}
