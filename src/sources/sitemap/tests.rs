use super::*;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;

const MAX_BYTES: u64 = 10_000_000;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/sitemaps/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn urlset_lists_page_urls_only() {
    let sitemap = parse_sitemap(&fixture("urlset.xml"), 100, MAX_BYTES).unwrap();
    assert_eq!(
        sitemap.urls,
        [
            "https://exchange.example/",
            "https://exchange.example/de-de/gebuehren",
            "https://exchange.example/search?lang=fr&q=sepa",
            "https://exchange.example/promo?a=1&b=2",
            "https://exchange.example/caf\u{e9}",
        ]
    );
    assert!(sitemap.sitemaps.is_empty());
    assert!(!sitemap.truncated);
}

#[test]
fn prefixed_namespace_is_understood() {
    let sitemap = parse_sitemap(&fixture("urlset-prefixed.xml"), 100, MAX_BYTES).unwrap();
    assert_eq!(
        sitemap.urls,
        [
            "https://exchange.example/en/",
            "https://exchange.example/it/"
        ]
    );
}

#[test]
fn index_lists_sitemaps() {
    let sitemap = parse_sitemap(&fixture("index.xml"), 100, MAX_BYTES).unwrap();
    assert_eq!(
        sitemap.sitemaps,
        [
            "https://exchange.example/sitemap-pages.xml",
            "https://exchange.example/sitemap-help.xml.gz"
        ]
    );
    assert!(sitemap.urls.is_empty());
}

#[test]
fn gzip_is_detected_by_magic_bytes() {
    let plain = parse_sitemap(&fixture("urlset.xml"), 100, MAX_BYTES).unwrap();
    let compressed = parse_sitemap(&gzip(&fixture("urlset.xml")), 100, MAX_BYTES).unwrap();
    assert_eq!(plain, compressed);
    let text = parse_sitemap(&gzip(&fixture("plain.txt")), 100, MAX_BYTES).unwrap();
    assert_eq!(text.urls.len(), 3);
}

#[test]
fn corrupt_gzip_is_an_error() {
    let mut compressed = gzip(&fixture("urlset.xml"));
    compressed.truncate(compressed.len() / 2);
    let error = parse_sitemap(&compressed, 100, MAX_BYTES).unwrap_err();
    assert!(matches!(error, SitemapError::Gzip { .. }), "{error}");
}

#[test]
fn gzip_bomb_stops_at_the_cap() {
    // 64 MiB of zeros compress to about 64 KiB.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&chunk).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    let error = parse_sitemap(&bomb, 100, 1_000_000).unwrap_err();
    assert!(
        matches!(error, SitemapError::TooLarge { limit: 1_000_000 }),
        "{error}"
    );
    assert!(error.to_string().contains("1000000 bytes"));
}

#[test]
fn exactly_at_the_cap_is_accepted() {
    let body = fixture("index.xml");
    let limit = body.len() as u64;
    assert!(parse_sitemap(&gzip(&body), 100, limit).is_ok());
    assert!(parse_sitemap(&body, 100, limit).is_ok());
    assert!(matches!(
        parse_sitemap(&body, 100, limit - 1),
        Err(SitemapError::TooLarge { .. })
    ));
}

#[test]
fn plain_text_sitemap_keeps_web_urls() {
    let sitemap = parse_sitemap(&fixture("plain.txt"), 100, MAX_BYTES).unwrap();
    assert_eq!(
        sitemap.urls,
        [
            "https://exchange.example/",
            "https://exchange.example/pl/",
            "https://exchange.example/pt-pt/taxas"
        ]
    );
}

#[test]
fn truncates_at_max_urls() {
    let sitemap = parse_sitemap(&fixture("urlset.xml"), 2, MAX_BYTES).unwrap();
    assert_eq!(sitemap.urls.len(), 2);
    assert!(sitemap.truncated);
    let exact = parse_sitemap(&fixture("urlset.xml"), 5, MAX_BYTES).unwrap();
    assert!(!exact.truncated);
    let text = parse_sitemap(&fixture("plain.txt"), 1, MAX_BYTES).unwrap();
    assert_eq!(text.urls, ["https://exchange.example/"]);
    assert!(text.truncated);
    let index = parse_sitemap(&fixture("index.xml"), 1, MAX_BYTES).unwrap();
    assert_eq!(index.sitemaps.len(), 1);
    assert!(index.truncated);
}

#[test]
fn large_sitemap_truncates_without_reading_everything() {
    let mut body = String::from("<urlset>");
    for n in 0..50_000 {
        body.push_str(&format!(
            "<url><loc>https://exchange.example/p/{n}</loc></url>"
        ));
    }
    body.push_str("</urlset>");
    let sitemap = parse_sitemap(body.as_bytes(), 10_000, MAX_BYTES).unwrap();
    assert_eq!(sitemap.urls.len(), 10_000);
    assert_eq!(sitemap.urls[9_999], "https://exchange.example/p/9999");
    assert!(sitemap.truncated);
}

#[test]
fn entity_expansion_is_not_performed() {
    let error = parse_sitemap(&fixture("billion-laughs.xml"), 100, MAX_BYTES).unwrap_err();
    match &error {
        SitemapError::UnexpandedEntity { name, .. } => assert_eq!(name, "lol9"),
        other => panic!("expected UnexpandedEntity, got {other:?}"),
    }
    assert!(error.to_string().contains("&lol9;"));
}

#[test]
fn unused_dtd_entities_are_harmless() {
    let sitemap = parse_sitemap(&fixture("doctype-unused.xml"), 100, MAX_BYTES).unwrap();
    assert_eq!(sitemap.urls, ["https://exchange.example/a"]);
}

#[test]
fn an_html_page_is_not_a_sitemap() {
    let error = parse_sitemap(&fixture("soft-404.html"), 100, MAX_BYTES).unwrap_err();
    assert!(
        matches!(&error, SitemapError::NotASitemap { root } if root == "html"),
        "{error}"
    );
}

#[test]
fn malformed_xml_names_the_problem_and_place() {
    let body = fixture("malformed.xml");
    let error = parse_sitemap(&body, 100, MAX_BYTES).unwrap_err();
    match &error {
        SitemapError::Malformed { position, message } => {
            let text = String::from_utf8_lossy(&body);
            let broken = text.find("</lo>").unwrap() as u64;
            assert!(
                *position >= broken && *position <= broken + 5,
                "{position} vs {broken}"
            );
            assert!(message.contains("lo"), "{message}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn unclosed_document_is_malformed() {
    let error = parse_sitemap(
        b"<urlset><url><loc>https://exchange.example/a</loc>",
        100,
        MAX_BYTES,
    );
    assert!(
        matches!(error, Err(SitemapError::Malformed { .. })),
        "{error:?}"
    );
}

#[test]
fn deep_nesting_is_refused() {
    let body = format!("<urlset>{}", "<x>".repeat(10_000));
    let error = parse_sitemap(body.as_bytes(), 100, MAX_BYTES).unwrap_err();
    assert!(error.to_string().contains("nested deeper"), "{error}");
}

#[test]
fn empty_root_and_bom() {
    let sitemap = parse_sitemap(
        "\u{feff}<?xml version=\"1.0\"?><urlset/>".as_bytes(),
        10,
        MAX_BYTES,
    )
    .unwrap();
    assert_eq!(sitemap, Sitemap::default());
    assert!(parse_sitemap(b"", 10, MAX_BYTES).unwrap().urls.is_empty());
}
