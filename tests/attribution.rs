//! Attribution beyond a firm's own channels, through real scans on loopback:
//! a referral link through two redirect hops counts for the firm it lands
//! on, a hop outside the allowed networks is refused before any connection,
//! and a page on a watched host counts for the firm whose brand it names.

mod common;

use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::Config;
use micar_scan::model::report::{FirmReport, Report};
use micar_scan::model::{AttributionMethod, SourceKind};
use micar_scan::scan::{self, ScanOptions};
use std::sync::Arc;

const REDIRECT_RULE: &str = "affiliate.redirect.lands_on_firm";

fn page(body: &'static str) -> Router {
    Router::new().fallback(get(move || async move { Html(body) }))
}

fn redirect(to: String) -> axum::routing::MethodRouter {
    get(move || {
        let to = to.clone();
        async move { (StatusCode::FOUND, [(LOCATION, to)]).into_response() }
    })
}

async fn run(config_text: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.toml");
    std::fs::write(&path, config_text).unwrap();
    let config = Config::load(&path).expect("config loads");
    let rules = Arc::new(RuleSet::bundled().unwrap());
    scan::run(&config, rules, ScanOptions::default())
        .await
        .expect("scan runs")
        .report
}

fn firm<'a>(report: &'a Report, name: &str) -> &'a FirmReport {
    report.firms.iter().find(|f| f.name == name).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_referral_link_through_two_redirect_hops_is_attributed_to_the_right_firm() {
    let trap = TestServer::trap_on("127.0.0.2".parse().unwrap(), 0)
        .await
        .expect("127.0.0.2 is loopback");
    let review = TestServer::start(page(
        r#"<html lang="de"><head><title>Krypto-Börsen im Test</title></head><body>
        <h1>Unser Vergleich 2025</h1>
        <p>Die Gebühren im Überblick, Einzahlung per SEPA.</p>
        <p><a href="http://sho.example/go/b1" rel="sponsored">Zum Anbieter</a></p>
        <p><a href="http://sho.example/go/intranet">Mehr Angebote</a></p>
        </body></html>"#,
    ))
    .await;
    let trap_url = format!("http://127.0.0.2:{}/", trap.port());
    let shortener = TestServer::start(
        Router::new()
            .route(
                "/go/b1",
                redirect("http://track.example/out/x9".to_string()),
            )
            .route("/go/intranet", redirect(trap_url)),
    )
    .await;
    let tracker = TestServer::start(Router::new().route(
        "/out/x9",
        redirect("http://firm-b.example/signup?lang=de&ref=CODE42".to_string()),
    ))
    .await;
    let firm_a = TestServer::start(page("<html><body><p>Alpha Krypto</p></body></html>")).await;
    let firm_b = TestServer::start(page("<html><body><p>Bravo Markets</p></body></html>")).await;

    let report = run(&format!(
        r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 1000.0
[scan.resolve]
"review.example" = "{review}"
"sho.example" = "{shortener}"
"track.example" = "{tracker}"
"firm-a.example" = "{a}"
"firm-b.example" = "{b}"

[[firm]]
name = "Alpha Krypto"
websites = ["http://firm-a.example/"]
affiliates = ["http://review.example/"]

[[firm]]
name = "Bravo Markets"
websites = ["http://firm-b.example/"]
"#,
        review = review.addr(),
        shortener = shortener.addr(),
        tracker = tracker.addr(),
        a = firm_a.addr(),
        b = firm_b.addr(),
    ))
    .await;

    let alpha = firm(&report, "Alpha Krypto");
    let bravo = firm(&report, "Bravo Markets");
    let chained: Vec<_> = bravo
        .findings
        .iter()
        .filter(|f| &*f.rule_id == REDIRECT_RULE)
        .collect();
    assert_eq!(chained.len(), 1, "{:#?}", bravo.findings);
    let finding = chained[0];
    assert_eq!(&*finding.url, "http://review.example/");
    assert_eq!(finding.matched, "http://sho.example/go/b1");
    assert_eq!(finding.source_kind, SourceKind::Affiliate);
    let attribution = finding.attribution.as_ref().unwrap();
    assert_eq!(attribution.method, AttributionMethod::RedirectChain);
    assert_eq!(attribution.found_via.as_deref(), Some("Alpha Krypto"));
    let chain = attribution.redirect.as_ref().unwrap();
    assert_eq!(chain.found_on, "http://review.example/");
    let hops: Vec<(&str, u16)> = chain
        .hops
        .iter()
        .map(|h| (h.url.as_str(), h.status))
        .collect();
    assert_eq!(
        hops,
        vec![
            ("http://sho.example/go/b1", 302),
            ("http://track.example/out/x9", 302)
        ]
    );
    assert_eq!(chain.hops[0].method, "HEAD");
    assert_eq!(
        chain.landing_url,
        "http://firm-b.example/signup?lang=de&ref=CODE42"
    );
    assert_eq!(chain.referral_code.as_deref(), Some("CODE42"));
    assert_eq!(
        chain.referral_rule.as_deref(),
        Some("affiliate.link.ref_param")
    );
    // The page the link was on now counts for Bravo, marked as attributed.
    assert!(bravo
        .pages
        .iter()
        .any(|p| p.url == "http://review.example/" && p.attribution.is_some()));
    assert!(bravo
        .sources
        .iter()
        .any(|s| s.url == "http://review.example/" && s.kind == SourceKind::Affiliate));

    // Alpha's affiliate carried the link, but the chain does not land on Alpha.
    assert!(alpha.findings.iter().all(|f| &*f.rule_id != REDIRECT_RULE));
    let redirector = alpha
        .sources
        .iter()
        .find(|s| s.kind == SourceKind::Redirector)
        .expect("the redirector step is a source");
    assert_eq!(redirector.url, "http://sho.example/");
    assert_eq!(redirector.errors, 1);
    // The hop to a loopback address outside allow_networks: refused, never connected.
    let refused = alpha
        .errors
        .iter()
        .find(|e| e.url == "http://sho.example/go/intranet")
        .expect("the refused chain is an error entry");
    assert_eq!(refused.kind, "blocked_by_guard", "{refused:?}");
    assert!(refused.message.contains("127.0.0.2"), "{}", refused.message);
    assert_eq!(trap.connections(), 0);
    // The landing page itself is not requested by the resolution step.
    assert_eq!(firm_b.hits_to("/signup"), 0);
    assert_eq!(tracker.hits_to("/out/x9"), 1, "HEAD was answered");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_brand_mention_on_a_foreign_host_is_attributed() {
    let forum = TestServer::start(
        Router::new()
            .route(
                "/",
                get(|| async {
                    Html(
                        r#"<html><body><h1>Forum</h1>
                        <a href="/thread-bravo/">Erfahrungen</a>
                        <a href="/thread-charlie/">Neu</a>
                        <a href="/thread-none/">Allgemein</a></body></html>"#,
                    )
                }),
            )
            .route(
                "/thread-bravo/",
                get(|| async {
                    Html(
                        r#"<html lang="de"><head><title>Erfahrungen mit BRAVO MARKETS</title></head><body>
                        <h1>Bitcoin kaufen in Deutschland</h1>
                        <p>Bei Bravo Markets zahlst du per SEPA ein, ab 50 € in Euro, und bekommst einen Bonus von 25 €.</p>
                        <p><a href="http://firm-b.example/signup?ref=FORUM7">Jetzt registrieren</a></p>
                        </body></html>"#,
                    )
                }),
            )
            .route(
                "/thread-charlie/",
                get(|| async {
                    Html(
                        r#"<html lang="de"><head><title>Charlie Coin ohne Website?</title></head><body>
                        <h1>Charlie Coin wirbt per Telegram</h1>
                        <p>Charlie Coin verspricht 100 € Bonus für Einzahlungen per SEPA in Euro.</p>
                        </body></html>"#,
                    )
                }),
            )
            .route(
                "/thread-none/",
                get(|| async {
                    Html(
                        r#"<html lang="de"><head><title>Welche Börse?</title></head><body>
                        <h1>Bitcoin kaufen in Deutschland</h1>
                        <p>Welche Börse nimmt SEPA in Euro an? Bonus von 25 € gesehen.</p>
                        </body></html>"#,
                    )
                }),
            ),
    )
    .await;
    let firm_a = TestServer::start(page("<html><body><p>Alpha Krypto</p></body></html>")).await;
    let firm_b = TestServer::start(page("<html><body><p>Bravo Markets</p></body></html>")).await;

    let report = run(&format!(
        r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 1000.0
[scan.resolve]
"forum.example" = "{forum}"
"firm-a.example" = "{a}"
"firm-b.example" = "{b}"

[watch]
sites = ["http://forum.example/"]

[[firm]]
name = "Alpha Krypto"
websites = ["http://firm-a.example/"]
brands = ["Alpha Krypto", "ALKR"]

[[firm]]
name = "Bravo Markets Ltd"
websites = ["http://firm-b.example/"]
brands = ["Bravo Markets", "Bravo"]

[[firm]]
name = "Charlie Coin"
brands = ["Charlie Coin"]
"#,
        forum = forum.addr(),
        a = firm_a.addr(),
        b = firm_b.addr(),
    ))
    .await;

    let bravo = firm(&report, "Bravo Markets Ltd");
    let attributed = bravo
        .pages
        .iter()
        .find(|p| p.url == "http://forum.example/thread-bravo/")
        .expect("the page naming Bravo is in Bravo's report");
    assert_eq!(attributed.source_kind, SourceKind::Watched);
    let mention = attributed
        .attribution
        .as_ref()
        .and_then(|a| a.brand.as_ref())
        .expect("with the brand evidence");
    assert_eq!(mention.brand, "Bravo Markets");
    assert_eq!(mention.matched, "BRAVO MARKETS");
    assert!(mention.snippet.contains("Erfahrungen mit BRAVO MARKETS"));
    let findings: Vec<_> = bravo
        .findings
        .iter()
        .filter(|f| *f.url == *attributed.url)
        .collect();
    assert!(
        findings.len() >= 3,
        "EU-targeting findings come along: {findings:#?}"
    );
    assert!(findings.iter().all(|f| f
        .attribution
        .as_ref()
        .is_some_and(|a| a.method == AttributionMethod::BrandMention && a.found_via.is_none())));
    assert!(bravo
        .sources
        .iter()
        .any(|s| s.url == "http://forum.example/" && s.kind == SourceKind::Watched));

    // A page naming no brand counts for nobody; a page naming Bravo not for Alpha.
    for firm in &report.firms {
        assert!(
            firm.pages
                .iter()
                .all(|p| p.url != "http://forum.example/thread-none/"
                    && p.url != "http://forum.example/"),
            "{}",
            firm.name
        );
    }
    // A firm known only by its brands is found where watched sites name it.
    let charlie = firm(&report, "Charlie Coin");
    assert_eq!(
        charlie
            .pages
            .iter()
            .map(|p| p.url.as_str())
            .collect::<Vec<_>>(),
        ["http://forum.example/thread-charlie/"]
    );
    assert!(charlie.findings.len() >= 2, "{:#?}", charlie.findings);
    let alpha = firm(&report, "Alpha Krypto");
    assert!(alpha
        .pages
        .iter()
        .all(|p| p.source_kind == SourceKind::Website));
    // The watched site is listed at the top of the report with what was fetched.
    let watched = report
        .watched
        .iter()
        .find(|s| s.url == "http://forum.example/")
        .expect("watched site listed");
    assert_eq!(watched.pages_fetched, 4);
}

/// A cloaker that answers `200` and sends the browser on with a meta refresh
/// is followed like a redirect; the hop is archived and verifies.
#[tokio::test(flavor = "multi_thread")]
async fn a_meta_refresh_cloaker_is_followed_archived_and_verified() {
    let review = TestServer::start(page(
        r#"<html lang="de"><head><title>Testbericht</title></head><body>
        <p><a href="http://sho.example/go/mr" rel="sponsored">Jetzt zum Anbieter</a></p>
        </body></html>"#,
    ))
    .await;
    let cloaker = TestServer::start(Router::new().route(
        "/go/mr",
        get(|| async {
            Html(
                r#"<html><head><meta http-equiv="refresh" content="0; url=http://firm-b.example/signup?ref=MR7"></head>
                <body>Weiterleitung …</body></html>"#,
            )
        }),
    ))
    .await;
    let firm_a = TestServer::start(page("<html><body><p>Alpha Krypto</p></body></html>")).await;
    let firm_b = TestServer::start(page("<html><body><p>Bravo Markets</p></body></html>")).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        format!(
            r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 1000.0
[scan.resolve]
"review.example" = "{review}"
"sho.example" = "{cloaker}"
"firm-a.example" = "{a}"
"firm-b.example" = "{b}"

[[firm]]
name = "Alpha Krypto"
websites = ["http://firm-a.example/"]
affiliates = ["http://review.example/"]

[[firm]]
name = "Bravo Markets"
websites = ["http://firm-b.example/"]
"#,
            review = review.addr(),
            cloaker = cloaker.addr(),
            a = firm_a.addr(),
            b = firm_b.addr(),
        ),
    )
    .unwrap();
    let report_path = dir.path().join("report.json");
    let warc = dir.path().join("warc");
    common::scan_ok(&config, &report_path, &["--warc", &common::arg(&warc)]).await;
    let report = Report::read(&report_path).unwrap();
    let bravo = firm(&report, "Bravo Markets");
    let chain = bravo
        .findings
        .iter()
        .filter(|f| &*f.rule_id == REDIRECT_RULE)
        .find_map(|f| f.attribution.as_ref()?.redirect.clone())
        .unwrap_or_else(|| panic!("no chain for Bravo: {:#?}", bravo.findings));
    assert_eq!(chain.hops.len(), 1, "{chain:#?}");
    let hop = &chain.hops[0];
    assert_eq!((hop.method.as_str(), hop.status), ("GET", 200));
    assert_eq!(
        hop.location.as_deref(),
        Some("http://firm-b.example/signup?ref=MR7")
    );
    assert!(hop.warc_record_id.is_some(), "{hop:#?}");
    assert_eq!(chain.referral_code.as_deref(), Some("MR7"));
    let out = common::micar_scan(vec!["verify".into(), common::arg(&report_path)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(" 1 redirect hops"), "{stdout}");
}
