use super::*;
use crate::sources::crawl::CrawledPage;

fn sample() -> Report {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports/sample.json");
    let mut report = Report::read(&path).expect("the sample report reads");
    // Every optional part of the shape, so that the mirror is checked on it.
    report.watched = report.firms[0].sources.clone();
    report.changes = Some(crate::report::diff::diff(&report, &report));
    for firm in &mut report.firms {
        // A scan's report lists findings page by page, in page order (the
        // hand-written sample also has findings of a page it does not list).
        let mut ordered = Vec::new();
        for page in &firm.pages {
            ordered.extend(firm.findings.iter().filter(|f| *f.url == page.url).cloned());
        }
        assert!(!ordered.is_empty());
        firm.findings = ordered;
    }
    report
}

/// The sample split into a head and one store per firm.
fn streamed(report: &Report, store: fn() -> PageStore) -> StreamedReport {
    let mut head = report.clone();
    let mut stores = Vec::new();
    for firm in &mut head.firms {
        let mut pages = store();
        for page in firm.pages.drain(..) {
            let findings = firm
                .findings
                .iter()
                .filter(|f| *f.url == page.url)
                .cloned()
                .collect();
            pages.push(CrawledPage::new(page, findings));
        }
        firm.findings.clear();
        pages.sort();
        stores.push(pages);
    }
    StreamedReport::new(head, stores)
}

fn bytes(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out).expect("writes");
    out
}

#[test]
fn a_report_streamed_from_the_spill_is_the_whole_report_byte_for_byte() {
    let mut report = sample();
    for firm in &mut report.firms {
        firm.pages
            .sort_by(|a, b| a.url.cmp(&b.url).then(a.depth.cmp(&b.depth)));
        let mut ordered = Vec::new();
        for page in &firm.pages {
            ordered.extend(firm.findings.iter().filter(|f| *f.url == page.url).cloned());
        }
        firm.findings = ordered;
    }
    let expected = bytes(|out| report.write_json(out));
    for store in [PageStore::spilling, PageStore::in_memory] {
        let streamed = streamed(&report, store);
        assert_eq!(streamed.page_count(), 12);
        let written = bytes(|out| streamed.write_json(out));
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&expected)
        );
        assert_eq!(streamed.into_whole().expect("reads back"), report);
    }
}

#[test]
fn one_firm_alone_is_written_as_the_whole_report_would_give_it() {
    let report = sample();
    let streamed = streamed(&report, PageStore::spilling);
    let whole = streamed_whole(&report);
    for (index, firm) in whole.firms.iter().enumerate() {
        let written = bytes(|out| streamed.write_firm_json(index, out));
        let single: Report = serde_json::from_slice(&written).expect("a report");
        assert_eq!(single.firms, vec![firm.clone()]);
        let changes = single.changes.expect("changes kept");
        assert!(changes.firms.iter().all(|f| f.name == firm.name));
        assert_eq!(single.scan, whole.scan);
    }
}

fn streamed_whole(report: &Report) -> Report {
    streamed(report, PageStore::in_memory)
        .into_whole()
        .expect("in memory")
}

#[test]
fn a_finding_credited_after_the_spill_joins_its_page_once() {
    let report = sample();
    let firm = &report.firms[0];
    let mut store = PageStore::spilling();
    let page = firm.pages[0].clone();
    let url = page.url.clone();
    let findings: Vec<_> = firm
        .findings
        .iter()
        .filter(|f| *f.url == url)
        .cloned()
        .collect();
    store.push(CrawledPage::new(page, findings.clone()));
    assert_eq!(store.resident().count(), 0, "the page went to the spill");
    let mut credited = firm.findings[0].clone();
    credited.id = "credited".to_string();
    assert!(store.add_finding(&url, credited.clone()).expect("reads"));
    // The same fingerprint again, and one the page already had: no change.
    assert!(store.add_finding(&url, credited.clone()).expect("reads"));
    if let Some(known) = findings.first() {
        assert!(store.add_finding(&url, known.clone()).expect("reads"));
    }
    assert!(!store
        .add_finding("https://elsewhere.example/", credited.clone())
        .expect("no page"));
    let records = store.into_records().expect("reads back");
    let mut expected = findings;
    expected.push(credited);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].1, expected);
}
