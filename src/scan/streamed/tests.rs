use super::*;
use crate::sources::crawl::{CrawledPage, StoreError};

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

#[test]
fn a_large_store_reads_back_in_order_and_stops_when_asked() {
    let report = sample();
    let firm = &report.firms[0];
    let template = firm.pages[0].clone();
    let finding = firm.findings[0].clone();
    let mut store = PageStore::spilling();
    // Pushed out of order, as the network finishes them; enough pages for
    // every decoding worker to take many chunks.
    let mut numbers: Vec<usize> = (0..500).collect();
    numbers.reverse();
    numbers.rotate_left(137);
    for n in &numbers {
        let mut page = template.clone();
        page.url = format!("https://many.example/{n:04}");
        let mut found = finding.clone();
        found.url = page.url.as_str().into();
        found.occurrences = u32::try_from(*n).expect("small");
        store.push(CrawledPage::new(page, vec![found]));
    }
    store.sort();
    let expected: Vec<String> = (0..500)
        .map(|n| format!("https://many.example/{n:04}"))
        .collect();
    let mut urls = Vec::new();
    store
        .for_each_page_mapped(
            |page| page.url,
            |url| {
                urls.push(url);
                Ok::<_, StoreError>(())
            },
        )
        .expect("reads back");
    assert_eq!(urls, expected);
    let mut counts = Vec::new();
    store
        .for_each_findings_mapped(
            |findings| findings.iter().map(|f| f.occurrences).collect::<Vec<_>>(),
            |occurrences| {
                counts.extend(occurrences);
                Ok::<_, StoreError>(())
            },
        )
        .expect("reads back");
    assert_eq!(counts, (0..500).collect::<Vec<u32>>());
    let mut seen = 0;
    let stopped = store.for_each_record(|(page, findings)| {
        assert_eq!(*findings[0].url, page.url);
        seen += 1;
        if seen < 40 {
            Ok(())
        } else {
            Err(StoreError::Io(std::io::Error::other("enough")))
        }
    });
    assert!(
        matches!(stopped, Err(StoreError::Io(_))),
        "the consumer's error comes back"
    );
    assert_eq!(seen, 40, "reading stops where the consumer says");
}

#[test]
fn captures_are_listed_from_the_rendered_pages_alone_as_the_whole_report_lists_them() {
    let mut report = sample();
    for (index, page) in report.firms[0]
        .pages
        .iter_mut()
        .enumerate()
        .skip(1)
        .step_by(2)
    {
        page.rendering = Some(Box::new(crate::model::Rendering {
            rendered_at: "2026-12-07T00:00:00Z".into(),
            content_sha256: format!("{index:064}"),
            bytes: 1000 + index as u64,
            reason: None,
            requests_served: 1,
            requests_refused: 0,
            warc_file: Some("a.warc.gz".into()),
            warc_record_id: Some(format!("<urn:uuid:{index}>")),
            warc_offset: Some(10 * index as u64),
            screenshot: None,
        }));
    }
    let expected: Vec<CaptureDigest> = streamed_whole(&report)
        .firms
        .iter()
        .flat_map(|firm| firm.pages.iter().flat_map(page_captures))
        .collect();
    assert!(expected.len() >= 2, "the sample has rendered pages");
    for store in [PageStore::spilling, PageStore::in_memory] {
        let captures = streamed(&report, store)
            .page_captures()
            .expect("reads back");
        assert_eq!(captures, expected);
    }
}
