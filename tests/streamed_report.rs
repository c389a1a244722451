//! The report a scan writes from its spill is the report it would write
//! whole: one real scan of the demo's firms on loopback (attribution across
//! firms, redirector chains, affiliates, feeds and the geo probe included),
//! written both ways and compared byte for byte.

use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::RenderMode;
use micar_scan::model::report::WriteReport;
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
