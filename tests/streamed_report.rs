//! The report a scan writes from its spill is the report it would write
//! whole: one real scan of the demo's firms on loopback (attribution across
//! firms, redirector chains, affiliates, feeds and the geo probe included),
//! written both ways and compared byte for byte; and a scan whose spill
//! cannot be opened still writes the whole report, from memory.

mod common;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::{arg, micar_scan_with_env, TestServer};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::RenderMode;
use micar_scan::model::report::{Report, WriteReport};
use micar_scan::scan::{self, ScanOptions};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_scan_streamed_from_its_spill_is_the_whole_report_byte_for_byte() {
    let server = micar_scan::demo::start_server()
        .await
        .expect("the demo server starts on loopback");
    let mut config = micar_scan::demo::config(&server).expect("the demo configuration");
    config.scan.render = RenderMode::Off;
    let rules = Arc::new(RuleSet::bundled().expect("bundled rules load"));
    let scan = scan::run_streamed(&config, rules, ScanOptions::default())
        .await
        .expect("the scan runs");
    let head = scan.report.head();
    assert!(
        head.firms
            .iter()
            .all(|f| f.pages.is_empty() && f.findings.is_empty()),
        "the head holds no evidence: it waits in the spill"
    );
    let pages = scan.report.page_count();
    assert!(pages > 50, "the demo has pages to spill: {pages}");

    let mut streamed = Vec::new();
    scan.report
        .write_json(&mut streamed)
        .expect("the report streams");
    let mut firm_alone = Vec::new();
    scan.report
        .write_firm_json(0, &mut firm_alone)
        .expect("one firm streams");
    let whole = scan.report.into_whole().expect("the spill reads back");
    assert_eq!(
        whole.firms.iter().map(|f| f.pages.len()).sum::<usize>(),
        pages
    );
    assert!(whole
        .firms
        .iter()
        .any(|f| f.findings.iter().any(|x| x.attribution.is_some())));
    let mut written = Vec::new();
    whole
        .write_json(&mut written)
        .expect("the whole report writes");
    assert!(
        streamed == written,
        "the streamed report differs from the whole one"
    );
    let mut whole_alone = Vec::new();
    WriteReport::write_firm_json(&whole, 0, &mut whole_alone).expect("one firm writes");
    assert!(firm_alone == whole_alone, "one firm's report differs");
}

const PAGE: &str = "<!doctype html><html lang=\"de\"><head><title>Krypto Handel</title></head>\
    <body><h1>Bitcoin kaufen mit SEPA</h1><p>Jetzt registrieren und ab 10 € in Deutschland handeln.</p>\
    <a href=\"/a\">A</a> <a href=\"/b\">B</a></body></html>";

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_whose_spill_cannot_be_opened_keeps_its_pages_in_memory() {
    let server = TestServer::start(
        Router::new()
            .route("/", get(|| async { Html(PAGE) }))
            .route("/a", get(|| async { Html(PAGE.replace("SEPA", "iDEAL")) }))
            .route("/b", get(|| async { Html(PAGE.replace("10 €", "25 €")) })),
    )
    .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("spill.toml");
    std::fs::write(
        &config,
        format!(
            "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 1000.0\nsitemaps = false\nmax_retries = 0\n[scan.resolve]\n\"krypto-handel.example\" = \"{}\"\n\n[[firm]]\nname = \"Krypto Handel\"\nwebsites = [\"http://krypto-handel.example/\"]\n",
            server.addr()
        ),
    )
    .expect("the configuration is written");
    let missing = dir.path().join("no-such-directory");
    let mut reports = Vec::new();
    for (name, tmpdir) in [("spilled.json", None), ("unspilled.json", Some(&missing))] {
        let output = dir.path().join(name);
        let mut env = Vec::new();
        if let Some(tmpdir) = tmpdir {
            env.push(("TMPDIR", arg(tmpdir)));
        }
        let out = micar_scan_with_env(
            vec!["scan".into(), arg(&config), "--output".into(), arg(&output)],
            env,
        )
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if tmpdir.is_some() {
            let log = String::from_utf8_lossy(&out.stderr);
            assert!(
                log.contains("cannot open a spill file"),
                "the scan says why it keeps pages in memory: {log}"
            );
        }
        reports.push(Report::read(&output).expect("a whole report"));
    }
    let (spilled, unspilled) = (&reports[0], &reports[1]);
    let urls = |report: &Report| -> Vec<String> {
        report.firms[0]
            .pages
            .iter()
            .map(|p| p.url.clone())
            .collect()
    };
    assert_eq!(urls(spilled).len(), 3);
    assert_eq!(urls(spilled), urls(unspilled));
    let ids = |report: &Report| -> Vec<String> {
        report.firms[0]
            .findings
            .iter()
            .map(|f| f.id.clone())
            .collect()
    };
    assert!(!ids(spilled).is_empty());
    assert_eq!(ids(spilled), ids(unspilled));
    assert_eq!(spilled.firms[0].verdict, unspilled.firms[0].verdict);
}
