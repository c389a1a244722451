//! Pages that answer but are not the firm's content — bot walls, error
//! pages served with 200, login walls, parked domains — are recognised from
//! the pattern bundle, keep only the findings that say what they are, and
//! count as not seen; an article that merely mentions CAPTCHAs or errors is
//! content. Fixtures in `fixtures/page_kinds/` are synthetic pages written
//! for this project.

mod common;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::{arg, micar_scan, TestServer};
use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{extract_html, DocMeta};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::model::report::Report;
use micar_scan::model::{Level, PageKind, Signal, SourceKind};
use std::path::Path;
use std::sync::Arc;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/page_kinds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn classify(name: &str, url: &str) -> micar_scan::analyze::classify::Classification {
    let rules = Arc::new(RuleSet::bundled().unwrap_or_else(|e| panic!("{e}")));
    let doc = extract_html(&fixture(name), DocMeta::for_url(url, SourceKind::Website));
    Classifier::new(rules).classify(&doc)
}

#[test]
fn each_kind_is_recognised_and_keeps_only_what_says_so() {
    let cases = [
        ("error-200.html", PageKind::ErrorPage),
        ("login-wall.html", PageKind::LoginWall),
        ("parked.html", PageKind::Parked),
        ("challenge-200.html", PageKind::BotWall),
        ("script-shell.html", PageKind::ScriptShell),
    ];
    for (file, kind) in cases {
        let result = classify(file, "https://nordlicht-coins.example/some/page");
        assert_eq!(
            result.page_kind,
            Some(kind),
            "{file}: {:?}",
            result.findings
        );
        assert!(
            result
                .findings
                .iter()
                .all(|f| matches!(f.signal, Signal::BotWall | Signal::NotContent)),
            "{file} keeps solicitation findings: {:?}",
            result.findings
        );
        assert_eq!(result.level, Level::None, "{file}");
    }
}

#[test]
fn an_article_that_mentions_captchas_and_errors_is_content() {
    let result = classify(
        "article-about-bot-walls.html",
        "https://journal.example/bot-walls",
    );
    assert_eq!(result.page_kind, None);
    // Its own words are still read, the challenge phrase among them.
    assert!(result.findings.iter().any(|f| f.signal == Signal::BotWall));
    assert!(result.findings.iter().any(|f| f.signal == Signal::Payment));
}

/// A firm whose site answers 200 everywhere, but only with an error page,
/// was not seen: unassessed, with the pages counted as not content.
#[tokio::test(flavor = "multi_thread")]
async fn a_site_of_error_pages_served_with_200_is_unassessed() {
    site_of_one_page_is_unassessed("error-200.html", PageKind::ErrorPage).await;
}

/// A firm whose site is a script-rendered shell (an empty application root
/// and a notice asking for JavaScript) was not seen either when it is not
/// rendered (`render = "off"`, or no browser): `unassessed`, never `none`.
#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_is_a_script_shell_is_unassessed_not_none() {
    site_of_one_page_is_unassessed("script-shell.html", PageKind::ScriptShell).await;
}

async fn site_of_one_page_is_unassessed(page: &str, kind: PageKind) {
    let error_page = fixture(page);
    let server = TestServer::start(Router::new().fallback(get(move || {
        let page = error_page.clone();
        async move { Html(page) }
    })))
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("scan.toml");
    std::fs::write(
        &config,
        format!(
            "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 50.0\nsitemaps = false\nmax_pages_per_site = 3\nrender = \"off\"\n\n[[firm]]\nname = \"Gone\"\nwebsites = [\"http://127.0.0.1:{}/\"]\n",
            server.port()
        ),
    )
    .expect("write config");
    let output = dir.path().join("report.json");
    let run = micar_scan(vec![
        "scan".to_string(),
        arg(&config),
        "--output".to_string(),
        arg(&output),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(4), "stderr: {stderr}");
    // The terminal summary says what the firm earned and how much was read.
    assert!(
        stderr.contains("Gone: unassessed (coverage: 0 read, ")
            && stderr.contains("not the firm's content"),
        "stderr: {stderr}"
    );
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("report")).expect("parses");
    let firm = &report.firms[0];
    assert_eq!(
        firm.verdict.level,
        Level::Unassessed,
        "{:?}",
        firm.verdict.reasons
    );
    assert!(firm.coverage.total.not_content >= 1, "{:?}", firm.coverage);
    assert_eq!(firm.coverage.total.pages_ok, 0);
    assert!(
        firm.pages.iter().all(|p| p.not_content == Some(kind)),
        "{:?}",
        firm.pages
    );
    assert!(
        firm.verdict
            .reasons
            .iter()
            .any(|r| r.contains("not the firm's content")),
        "{:?}",
        firm.verdict.reasons
    );
}

/// A server-rendered application fills the same mount point: it is
/// content, read like any page, even with a `<noscript>` notice beside it.
#[test]
fn a_server_rendered_app_is_content() {
    let result = classify(
        "server-rendered-app.html",
        "https://nordlicht-coins.example/",
    );
    assert_eq!(result.page_kind, None, "{:?}", result.findings);
    assert!(result.level > Level::None, "{:?}", result.findings);
}
