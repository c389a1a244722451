use super::cited::http_status;
use super::cited::CitedRecord;
use super::*;
use crate::evidence::quotes::quote_problems;
use crate::evidence::quotes::QuoteSource;
use std::path::Path;
use std::path::PathBuf;

#[test]
fn manifest_sits_beside_the_report() {
    assert_eq!(
        manifest_path(Path::new("reports/ex-1.json")),
        PathBuf::from("reports/ex-1.manifest.json")
    );
    assert_eq!(
        manifest_path(Path::new("out")),
        PathBuf::from("out.manifest.json")
    );
}

#[test]
fn archive_names_are_relative_to_the_bundle() {
    let base = Path::new("/data/reports");
    assert_eq!(
        relative_name(base, Path::new("/data/reports/warc/a.warc.gz")),
        "warc/a.warc.gz"
    );
    assert_eq!(
        relative_name(base, Path::new("/data/warc/a.warc.gz")),
        "../warc/a.warc.gz"
    );
}

#[test]
fn http_status_is_read_from_the_status_line() {
    assert_eq!(
        http_status(b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"),
        Some(304)
    );
    assert_eq!(http_status(b"HTTP/1.1 200 OK\r\n\r\nbody"), Some(200));
    assert_eq!(http_status(b"garbage"), None);
}

/// A cited record holding `payload`, fetched from `target_uri`.
fn cited(payload: &str, content_type: &str, target_uri: &str) -> CitedRecord {
    CitedRecord {
        location: "test.warc.gz @ 0".into(),
        record_id: None,
        warc_type: None,
        payload_sha256: None,
        target_uri: Some(target_uri.into()),
        payload: Some(payload.as_bytes().to_vec()),
        content_type: Some(content_type.into()),
        reading: std::cell::OnceCell::new(),
        content_language: Some("de-AT".into()),
        http_status: Some(200),
        redirect_target: None,
    }
}

fn html(payload: &str) -> CitedRecord {
    cited(
        payload,
        "text/html; charset=utf-8",
        "http://aurora.example/de/aktion/",
    )
}

fn finding(block_kind: &str, path: &str, matched: &str, snippet: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "f",
        "url": "http://aurora.example/de/aktion/",
        "matched": matched,
        "snippet": snippet,
        "location": {"block_kind": block_kind, "block_index": 0, "path": path, "char_offset": 0},
    })
}

#[test]
fn matched_text_is_found_through_markup_references_and_reflow() {
    let record = html(
        "<p>Jetzt <b>Konto</b>\n   er&ouml;ffnen &amp; 50&nbsp;&euro; sichern</p>\
         <img alt=\"Willkommensbonus f&uuml;r Einsteiger\">",
    );
    assert!(record.contains("Jetzt Konto eröffnen & 50 € sichern"));
    assert!(record.contains("Willkommensbonus für Einsteiger"));
    assert!(!record.contains("Jetzt Konto schließen"));
    // Attribute values do not run into the text around them.
    assert!(!record.contains("sichernWillkommensbonus"));
}

#[test]
fn a_sentence_reads_through_the_link_inside_it() {
    let record = html(
        "<p>Nach der ersten Einzahlung erhältst du deinen \
         <a href=\"/bonus\" class=\"inline\">Willkommensbonus</a>.</p>",
    );
    let quote = finding(
        "paragraph",
        "body>p",
        "Willkommensbonus",
        "…erhältst du deinen Willkommensbonus.",
    );
    assert_eq!(quote_problems(&quote, &record), Vec::<String>::new());
}

#[test]
fn json_feed_strings_are_read_unescaped() {
    let feed = r#"{"items":[{"content_text":"Neu: \"SEPA\"-Einzahlung \u00fcber 100 \u20ac"}]}"#;
    let record = cited(
        feed,
        "application/feed+json",
        "http://aurora.example/feed.json",
    );
    assert!(record.contains("Neu: \"SEPA\"-Einzahlung über 100 €"));
}

const JSON_LD_PAGE: &str = r#"<html><head><script type="application/ld+json">
    {"@context":"https://schema.org","@type":"Organization","name":"Krypto-Kompa\u00df",
     "address":{"@type":"PostalAddress","streetAddress":"Lindenauer Markt 19","postalCode":"04177",
                "addressLocality":"Leipzig","addressCountry":"DE"}}
    </script></head><body><p>Ratgeber</p></body></html>"#;

#[test]
fn json_ld_quotes_are_checked_value_by_value() {
    let record = html(JSON_LD_PAGE);
    let flattened = "name: Krypto-Kompaß; address: Lindenauer Markt 19, 04177, Leipzig, DE";
    let quote = finding("json_ld", "head>script", "Leipzig", flattened);
    assert_eq!(quote_problems(&quote, &record), Vec::<String>::new());
    // A snippet cut inside a label and after a comma still reads.
    let cut = finding(
        "json_ld",
        "head>script",
        "Lindenauer Markt",
        "…ress: Lindenauer Markt 19, 04177,…",
    );
    assert_eq!(quote_problems(&cut, &record), Vec::<String>::new());
    // A match spanning two values stands when both do.
    let spanning = finding("json_ld", "head>script", "Leipzig, DE", flattened);
    assert_eq!(quote_problems(&spanning, &record), Vec::<String>::new());
}

#[test]
fn a_json_ld_value_the_page_does_not_hold_is_named() {
    let record = html(JSON_LD_PAGE);
    let city = finding(
        "json_ld",
        "head>script",
        "München",
        "name: Krypto-Kompaß; address: Lindenauer Markt 19, 04177, München, DE",
    );
    let problems = quote_problems(&city, &record);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|p| p.contains("\"München\"")));
    // The label is the extractor's; the value behind it must still be the page's.
    let name = finding(
        "json_ld",
        "head>script",
        "DE",
        "name: Krypto-Kurier; address: DE",
    );
    let problems = quote_problems(&name, &record);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("\"Krypto-Kurier\""), "{problems:?}");
}

#[test]
fn page_url_quotes_are_checked_against_the_url() {
    let record = html("<p>Wir sind auch unter /fr-fr/ erreichbar.</p>");
    let url = "http://aurora.example/de/aktion/";
    let quote = finding("url", "url", "/de/", url);
    assert_eq!(quote_problems(&quote, &record), Vec::<String>::new());
    let locale = finding("other", "url-path-locale", "de", "de");
    assert_eq!(quote_problems(&locale, &record), Vec::<String>::new());
    // Words of the page are not words of its URL.
    let elsewhere = finding("url", "url", "/fr-fr/", url);
    let problems = quote_problems(&elsewhere, &record);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("\"/fr-fr/\" does not occur in the page's URL"));
    let moved = finding("url", "url", "/de/", "http://aurora.example/de/andere/");
    assert_eq!(quote_problems(&moved, &record).len(), 1);
}

#[test]
fn content_language_quotes_may_come_from_the_response_header() {
    // The test record was served with `Content-Language: de-AT`.
    let record = html("<html><body><p>Hallo</p></body></html>");
    let header = finding("other", "content-language", "de-AT", "de-AT");
    assert_eq!(quote_problems(&header, &record), Vec::<String>::new());
    let meta = html(r#"<meta http-equiv="content-language" content="nl-BE">"#);
    let tag = finding("other", "content-language", "nl-BE", "nl-BE");
    assert_eq!(quote_problems(&tag, &meta), Vec::<String>::new());
    let neither = finding("other", "content-language", "fr-FR", "fr-FR");
    let problems = quote_problems(&neither, &record);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("content language \"fr-FR\""));
}

const LINK_PAGE: &str = r#"<html><head><base href="/de/"></head><body>
    <a class="btn" href="registrieren/?promo=EUWELCOME50&amp;lang=de">Jetzt registrieren</a>
    <p>Mehr im <a href="https://partner.example/ratgeber?ref=KOMPASS25">Ratgeber</a>.</p>
    <meta http-equiv="refresh" content="30; url=/de/start/">
    </body></html>"#;

#[test]
fn link_target_quotes_are_checked_against_resolved_hrefs() {
    let record = html(LINK_PAGE);
    let relative = finding(
        "button",
        "body>a[href]",
        "?promo=EUWELCOME50",
        "http://aurora.example/de/registrieren/?promo=EUWELCOME50&lang=de",
    );
    assert_eq!(quote_problems(&relative, &record), Vec::<String>::new());
    let inline = finding(
        "paragraph",
        "body>p[href]",
        "ref=KOMPASS25",
        "https://partner.example/ratgeber?ref=KOMPASS25",
    );
    assert_eq!(quote_problems(&inline, &record), Vec::<String>::new());
    let cut = finding(
        "paragraph",
        "body>p[href]",
        "ref=KOMPASS25",
        "…example/ratgeber?ref=KOMPASS25",
    );
    assert_eq!(quote_problems(&cut, &record), Vec::<String>::new());
    let refresh = finding(
        "link",
        "a[href]",
        "/start/",
        "http://aurora.example/de/start/",
    );
    assert_eq!(quote_problems(&refresh, &record), Vec::<String>::new());
}

#[test]
fn a_tampered_link_target_is_still_caught() {
    let record = html(LINK_PAGE);
    let tampered = [
        // Another code than the page carries.
        (
            "?promo=EUWELCOME500",
            "http://aurora.example/de/registrieren/?promo=EUWELCOME500&lang=de",
        ),
        // The page's path on another host.
        (
            "?promo=EUWELCOME50",
            "http://evil.example/de/registrieren/?promo=EUWELCOME50&lang=de",
        ),
        // Resolved against the wrong base (the page's `<base href>` is `/de/`).
        (
            "?promo=EUWELCOME50",
            "http://aurora.example/registrieren/?promo=EUWELCOME50&lang=de",
        ),
        // A real target, but the match is not in it.
        (
            "ref=KOMPASS25",
            "http://aurora.example/de/registrieren/?promo=EUWELCOME50&lang=de",
        ),
    ];
    for (matched, snippet) in tampered {
        let quote = finding("button", "body>a[href]", matched, snippet);
        let problems = quote_problems(&quote, &record);
        assert_eq!(problems.len(), 1, "{snippet}: {problems:?}");
        assert!(problems[0].starts_with("link target"), "{problems:?}");
    }
}

#[test]
fn quotes_are_read_by_where_they_came_from() {
    let source =
        |kind: &str, path: &str, snippet: &str| QuoteSource::of(&finding(kind, path, "x", snippet));
    assert_eq!(
        source("json_ld", "head>script", "name: X"),
        QuoteSource::JsonLd
    );
    assert_eq!(
        source("url", "url", "http://a.example/"),
        QuoteSource::PageUrl
    );
    assert_eq!(
        source("other", "url-subdomain-locale", "fr"),
        QuoteSource::PageUrl
    );
    assert_eq!(
        source("paragraph", "body>p[href]", "http://a.example/"),
        QuoteSource::LinkTarget
    );
    assert_eq!(
        source("link", "body>nav>a", "https://a.example/x"),
        QuoteSource::LinkTarget
    );
    // Everything else is page text and is checked as it stands.
    assert_eq!(
        source("paragraph", "body>p", "https://a.example/x"),
        QuoteSource::Verbatim
    );
    assert_eq!(
        source("link", "body>nav>a", "Jetzt registrieren"),
        QuoteSource::Verbatim
    );
    // Language tags of the markup compare without case (BCP 47).
    assert_eq!(
        source("other", "html[lang]", "de"),
        QuoteSource::LanguageTag
    );
    let tag = finding("other", "html[lang]", "de-de", "de-de");
    assert!(quote_problems(&tag, &html("<html lang=\"de-DE\"><p>Hallo</p></html>")).is_empty());
    let absent = finding("other", "html[lang]", "fr-fr", "fr-fr");
    assert_eq!(
        quote_problems(&absent, &html("<html lang=\"de-DE\"><p>Hallo</p></html>")).len(),
        2
    );
    let quote = finding("paragraph", "body>p", "EUWELCOME50", "Code EUWELCOME50");
    let problems = quote_problems(&quote, &html(LINK_PAGE));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("snippet text \"Code EUWELCOME50\""));
}

#[test]
fn a_manifest_sealed_as_the_report_was_written_is_the_one_read_back() {
    use crate::model::report::{Report, WriteReport};
    use crate::model::{Rendering, Screenshot};
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports/sample.json");
    let mut report = Report::read(&sample).expect("the sample report");
    let cited = |n: u64| {
        (
            Some("a.warc.gz".to_string()),
            Some(format!("<urn:uuid:{n}>")),
        )
    };
    // One page with a DOM and a screenshot archived, one whose screenshot
    // was not archived (not listed), one with neither archived.
    for (index, page) in report.firms[0].pages.iter_mut().take(3).enumerate() {
        let n = index as u64;
        let (file, record) = cited(n);
        let (shot_file, shot_record) = cited(100 + n);
        page.rendering = Some(Box::new(Rendering {
            rendered_at: "2026-12-07T00:00:00Z".into(),
            content_sha256: format!("{n:064}"),
            bytes: 1000 + n,
            reason: None,
            requests_served: 1,
            requests_refused: 0,
            warc_file: (index < 2).then_some(file).flatten(),
            warc_record_id: record,
            warc_offset: Some(10 * n),
            screenshot: Some(Screenshot {
                content_sha256: format!("{:064}", 100 + n),
                bytes: 2000 + n,
                warc_file: (index == 0).then_some(shot_file).flatten(),
                warc_record_id: shot_record,
                warc_offset: Some(20 * n),
            }),
        }));
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("report.json");
    let (sha256, bytes) = report
        .write_report_atomic_hashed(&path)
        .expect("the report is written");
    let read_back: Manifest = serde_json::from_slice(
        &std::fs::read(write_manifest(&path, &[]).expect("read back")).expect("manifest"),
    )
    .expect("a manifest");
    let captures = report
        .firms
        .iter()
        .flat_map(|firm| &firm.pages)
        .flat_map(page_captures)
        .collect();
    let sealed = SealedReport {
        sha256,
        bytes,
        captures,
    };
    let sealed: Manifest = serde_json::from_slice(
        &std::fs::read(write_manifest_sealing(&path, Some(sealed), &[], &[]).expect("sealed"))
            .expect("manifest"),
    )
    .expect("a manifest");
    assert_eq!(sealed.report, read_back.report);
    assert_eq!(sealed.captures, read_back.captures);
    let kinds: Vec<&str> = sealed.captures.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["dom", "screenshot", "dom"]);
}
