//! One entry point per parser that reads untrusted bytes, shared by the
//! coverage-guided fuzz targets (`fuzz/fuzz_targets/`) and by
//! `tests/fuzz_corpus.rs`, which replays every kept corpus and regression
//! input under `cargo test`. Each function must return for any input: an
//! `Err` is a fine answer, a panic, a hang or a runaway allocation is a bug.
//!
//! This file never asserts on what a parser returns beyond the invariants
//! every answer must keep; it is included with `#[path]`, not a library module.

#![allow(dead_code, reason = "each including crate uses a different part")]

use micar_scan::analyze::charset;
use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{self, DocMeta};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::partners;
use micar_scan::config::Config;
use micar_scan::evidence::warc::WarcReader;
use micar_scan::model::SourceKind;
use micar_scan::sources::feed::{self, FeedMeta};
use micar_scan::sources::offline;
use micar_scan::sources::robots::Robots;
use micar_scan::sources::sitemap;
use micar_scan::sources::social;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A target's name and the function it feeds.
pub type Target = (&'static str, fn(&[u8]));

/// Every target by name, as `scripts/fuzz.sh` and the corpus replay know them.
pub const TARGETS: &[Target] = &[
    ("extract", extract),
    ("charset", charset_decode),
    ("robots", robots),
    ("sitemap", sitemap),
    ("feed", feed),
    ("email", email),
    ("warc", warc),
    ("patterns", patterns),
    ("config", config),
    ("partners", partners),
    ("ledger", ledger),
];

const PAGE_URL: &str = "https://exchange.example/de/kaufen";

fn classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| {
        let rules = RuleSet::bundled().expect("the bundled rules load");
        Classifier::new(Arc::new(rules))
    })
}

/// The first line is a `Content-Type` header, the rest a body, so the fuzzer
/// can reach the header's charset as well as BOMs and `<meta charset>`.
fn split_header(data: &[u8]) -> (Option<String>, &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(end) if end <= 200 => (
            Some(String::from_utf8_lossy(&data[..end]).into_owned()),
            &data[end + 1..],
        ),
        _ => (None, data),
    }
}

/// A response body as the crawler reads it: charset, extraction, links,
/// a Telegram preview where it looks like one, and classification.
pub fn extract(data: &[u8]) {
    let (content_type, body) = split_header(data);
    let decoded = charset::decode(body, content_type.as_deref());
    let meta = DocMeta::for_url(PAGE_URL, SourceKind::Website);
    let document = extract::extract_html(&decoded.text, meta);
    let base = url::Url::parse(PAGE_URL).expect("a valid base");
    let _ = extract::extract_links(&decoded.text, &base);
    if social::looks_like_telegram_preview(&decoded.text) {
        let _ = social::telegram_posts(&decoded.text, &social_meta());
    }
    let classification = classifier().classify(&document);
    for finding in &classification.findings {
        assert!(!finding.rule_id.is_empty(), "a finding names its rule");
    }
}

fn social_meta() -> social::SocialMeta {
    social::SocialMeta {
        page_url: PAGE_URL.to_string(),
        fetched_at: FETCHED_AT.to_string(),
        content_sha256: String::new(),
    }
}

const FETCHED_AT: &str = "2026-01-01T00:00:00Z";

/// Charset decoding alone: the text is always valid UTF-8 and never empty
/// for a non-empty body.
pub fn charset_decode(data: &[u8]) {
    let (content_type, body) = split_header(data);
    let decoded = charset::decode(body, content_type.as_deref());
    if !body.is_empty() && decoded.text.is_empty() {
        // A BOM alone decodes to nothing; anything more must yield text.
        let bom_only = body.len() <= 4;
        assert!(bom_only, "{} bytes decoded to nothing", body.len());
    }
}

/// robots.txt as served with 200, asked about paths taken from the input.
pub fn robots(data: &[u8]) {
    let robots = Robots::from_response("micar-scan/0.1 (+https://example.org)", 200, data);
    let _ = robots.sitemaps();
    let _ = robots.crawl_delay();
    for path in ["/", "/private/x?y=1", "/%E4%B8%AD", "/a/b/c.html"] {
        if let Ok(url) = url::Url::parse(&format!("https://exchange.example{path}")) {
            let _ = robots.check(&url);
        }
    }
    let tail = String::from_utf8_lossy(&data[data.len().saturating_sub(64)..]);
    if let Ok(url) = url::Url::parse("https://exchange.example/").and_then(|b| b.join(&tail)) {
        let _ = robots.check(&url);
    }
}

/// A sitemap or sitemap index, plain or gzip, with the crawler's caps.
pub fn sitemap(data: &[u8]) {
    if let Ok(map) = sitemap::parse_sitemap(data, 1_000, 8 * 1024 * 1024) {
        assert!(map.urls.len() <= 1_000, "the URL cap holds");
    }
}

/// RSS, Atom or JSON Feed, read into documents and classified.
pub fn feed(data: &[u8]) {
    let meta = FeedMeta {
        feed_url: "https://exchange.example/feed.xml".to_string(),
        fetched_at: FETCHED_AT.to_string(),
        content_sha256: String::new(),
        source_kind: SourceKind::Feed,
        category_override: None,
        // Dated items are kept or skipped by age: both paths are reached.
        max_age: Some(std::time::Duration::from_secs(365 * 24 * 3600)),
        now: time::macros::datetime!(2026-01-01 00:00 UTC),
    };
    if let Ok(parsed) = feed::parse_feed(data, &meta) {
        for document in parsed.documents.iter().take(20) {
            let _ = classifier().classify(document);
        }
    }
}

/// A scratch file of this process for the readers that take a path.
fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("micar-scan-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, data).expect("a scratch file");
    path
}

/// libFuzzer's Rust glue installs a panic hook that aborts at once, so even a
/// panic the product contains on purpose (the e-mail reader's guard around
/// mail-parser) would count as a crash. This hook only prints; a panic that
/// escapes a target still aborts, because the glue catches it and aborts.
fn report_contained_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| eprintln!("panic (contained?): {info}")));
    });
}

/// One message (`.eml`) and a mailbox (`.mbox`) of the same bytes.
pub fn email(data: &[u8]) {
    report_contained_panics();
    for name in ["input.eml", "input.mbox"] {
        let path = scratch(name, data);
        let _ = offline::read_email(&path);
        let _ = std::fs::remove_file(&path);
    }
}

/// A WARC file, plain or gzip: every record, its digests, and the documents
/// read from its responses.
pub fn warc(data: &[u8]) {
    let path = scratch("input.warc", data);
    if let Ok(reader) = WarcReader::open(&path) {
        for record in reader.take(1_000) {
            let Ok(record) = record else { break };
            let _ = record.digest_problems();
            let _ = record.http_headers();
            let _ = record.http_payload();
        }
    }
    let _ = offline::read_warc(&path);
    let _ = std::fs::remove_file(&path);
}

/// A pattern bundle where one file is the input: a rule file beside the
/// bundled scoring and language files, or (first byte odd) the scoring file.
pub fn patterns(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let scoring = include_str!("../patterns/scoring.toml").to_string();
    let languages = include_str!("../patterns/languages.toml").to_string();
    let files = if selector % 2 == 0 {
        vec![
            ("scoring.toml".to_string(), scoring),
            ("languages.toml".to_string(), languages),
            ("fuzz.toml".to_string(), text),
        ]
    } else {
        vec![
            ("scoring.toml".to_string(), text),
            ("languages.toml".to_string(), languages),
        ]
    };
    if let Ok(rules) = RuleSet::from_sources(&files) {
        let _ = rules.check_examples();
        let _ = rules.scan_block(
            micar_scan::analyze::rules::Target::Text,
            "Jetzt Bitcoin kaufen mit SEPA, 10 € Bonus für Kunden in Deutschland",
            None,
        );
    }
}

/// A configuration file.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Config::parse(&text, Path::new("fuzz.toml"));
}

/// A partner list (CSV).
pub fn partners(data: &[u8]) {
    let _ = partners::parse_partners(data, Path::new("partners.csv"));
}

/// The ledger's two CSV files: the input is REQUESTS.csv, a form feed
/// (0x0C), then OFFERS.csv. Any answer is fine; a report that is written
/// must be one JSON document.
pub fn ledger(data: &[u8]) {
    let (requests, offers) = match data.iter().position(|&b| b == 0x0c) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (
            data,
            &b"offer_id,client_id,sent_at,channel,service,asset\n"[..],
        ),
    };
    let requests_path = scratch("requests.csv", requests);
    let offers_path = scratch("offers.csv", offers);
    let (Ok(assets), Ok(data)) = (
        micar_scan::ledger::AssetCatalogue::bundled(),
        micar_scan::ledger::LedgerData::bundled(),
    ) else {
        panic!("the bundled ledger data loads");
    };
    let inputs = micar_scan::ledger::LedgerInputs {
        requests: &requests_path,
        offers: &offers_path,
        assets,
        data,
        report: None,
        generated_at: FETCHED_AT.to_string(),
    };
    let mut out = Vec::new();
    if micar_scan::ledger::run(&inputs, &mut out).is_ok() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&out);
        assert!(parsed.is_ok(), "the ledger report is JSON");
    }
    let _ = std::fs::remove_file(&requests_path);
    let _ = std::fs::remove_file(&offers_path);
}
