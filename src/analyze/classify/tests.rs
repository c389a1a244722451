use super::*;
use crate::model::{Link, LinkKind, SourceKind};

const RULES: &str = r#"
[[rule]]
id = "cta.signup.de"
category = "website"
signal = "cta"
weight = 2.5
languages = ["de"]
blocks = ["button", "link"]
legal_ref = "MiCAR Art. 61(1)"
description = "German sign-up button"
phrases = ["jetzt registrieren"]
examples.match = ["Jetzt registrieren"]
examples.no_match = ["Registrierung"]

[[rule]]
id = "crypto.bitcoin"
category = "website"
signal = "crypto"
weight = 0.5
legal_ref = "MiCAR Art. 3(1)(5)"
description = "crypto context"
phrases = ["bitcoin"]
examples.match = ["Bitcoin"]
examples.no_match = ["Bitcoins"]

[[rule]]
id = "promotion.bonus.de"
category = "website"
signal = "promotion"
weight = 2.0
languages = ["de"]
requires = ["crypto", "cta"]
legal_ref = "MiCAR Art. 61(1)"
description = "bonus offer"
phrases = ["bonus"]
examples.match = ["50 € Bonus"]
examples.no_match = ["Bonität"]

[[rule]]
id = "currency.eur"
category = "website"
signal = "currency"
weight = 2.0
legal_ref = "MiCAR Art. 61(1)"
description = "euro amount"
regex = ['\d+(?:[.,]\d+)?\s?€', '€\s?\d+']
examples.match = ["ab 10 € einzahlen"]
examples.no_match = ["ab 10 $ einzahlen"]

[[rule]]
id = "domain.de"
category = "website"
signal = "domain"
weight = 1.5
target = "url"
legal_ref = "MiCAR Art. 61(1)"
description = "German ccTLD"
regex = ['^https?://[^/]+\.de(?:[:/]|$)']
examples.match = ["https://boerse.example.de/"]
examples.no_match = ["https://example.com/de/"]

[[rule]]
id = "affiliate.ref"
category = "affiliate"
signal = "affiliate"
weight = 1.5
target = "link_url"
legal_ref = "MiCAR Art. 61(1)"
description = "referral parameter"
regex = ['[?&]ref=[a-z0-9_-]+']
examples.match = ["https://x.example/?ref=abc"]
examples.no_match = ["https://x.example/?prefs=1"]

[[rule]]
id = "affiliate.sponsored"
category = "affiliate"
signal = "affiliate"
weight = 1.0
target = "link_rel"
legal_ref = "MiCAR Art. 61(1)"
description = "sponsored link"
phrases = ["sponsored"]
examples.match = ["nofollow sponsored"]
examples.no_match = ["nofollow"]

[[rule]]
id = "locale.de_at"
category = "website"
signal = "locale"
weight = 1.0
target = "locale"
legal_ref = "MiCAR Art. 61(1)"
description = "Austrian German locale"
regex = ['^de[-_]at$']
examples.match = ["de-AT"]
examples.no_match = ["de-CH"]
"#;

fn classifier() -> Classifier {
    let set = RuleSet::from_sources(&[
        (
            "scoring.toml".into(),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/patterns/scoring.toml"
            ))
            .into(),
        ),
        ("test.toml".into(), RULES.into()),
    ])
    .unwrap();
    assert!(
        set.check_examples().is_empty(),
        "{:?}",
        set.check_examples()
    );
    Classifier::new(Arc::new(set))
}

fn page() -> Document {
    let mut doc = Document::new("https://boerse.example.de/start", SourceKind::Website);
    doc.fetched_at = "2025-01-01T00:00:00Z".into();
    doc.content_sha256 = "ab".repeat(32);
    let texts = [
        (BlockKind::Heading, "Bitcoin kaufen in Österreich und Deutschland"),
        (BlockKind::Paragraph, "Zahle ab 10 € per Überweisung ein und sichere dir 50 € Bonus für deine ersten Bitcoin-Käufe auf unserer Plattform."),
        (BlockKind::Button, "Jetzt registrieren"),
        (BlockKind::Paragraph, "Jetzt registrieren ist im Fließtext nur eine Erwähnung."),
    ];
    for (index, (kind, text)) in texts.into_iter().enumerate() {
        let mut block = Block::new(kind, text, index);
        block.path = format!("body>main>{}", kind.as_str());
        doc.blocks.push(block);
    }
    doc.blocks
        .push(Block::new(BlockKind::Url, doc.final_url.clone(), 4));
    doc.links.push(Link {
        url: "https://partner.example/?ref=boerse1".into(),
        kind: LinkKind::Anchor,
        text: "Partner".into(),
        rel: vec!["nofollow".into(), "sponsored".into()],
        hreflang: None,
        media_type: None,
        block_index: Some(2),
    });
    doc.locale.html_lang = Some("de-AT".into());
    doc.locale
        .hreflang
        .push(("de-CH".into(), "https://boerse.example.de/ch".into()));
    doc
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    let mut ids: Vec<&str> = findings.iter().map(|f| &*f.rule_id).collect();
    ids.dedup();
    ids
}

#[test]
fn every_target_yields_findings_with_full_evidence() {
    let result = classifier().classify(&page());
    let found = ids(&result.findings);
    for id in [
        "crypto.bitcoin",
        "currency.eur",
        "promotion.bonus.de",
        "cta.signup.de",
        "domain.de",
        "affiliate.ref",
        "affiliate.sponsored",
        "locale.de_at",
        "builtin.locale.eu_region",
        "builtin.locale.non_eu_region",
    ] {
        assert!(found.contains(&id), "{id} missing from {found:?}");
    }
    let cta: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| &*f.rule_id == "cta.signup.de")
        .collect();
    assert_eq!(cta.len(), 1, "the prose mention is not a button");
    let cta = cta[0];
    assert_eq!(cta.matched, "Jetzt registrieren");
    assert_eq!(cta.location.block_kind, BlockKind::Button);
    assert_eq!(cta.location.block_index, 2);
    assert_eq!(cta.location.path, "body>main>button");
    assert_eq!(cta.id.len(), 16);
    assert_eq!(&*cta.content_sha256, "ab".repeat(32));
    assert_eq!(&*cta.fetched_at, "2025-01-01T00:00:00Z");
    let euro = result
        .findings
        .iter()
        .find(|f| &*f.rule_id == "currency.eur")
        .unwrap();
    assert_eq!(euro.matched, "10 €");
    assert_eq!(euro.location.char_offset, 9);
    assert!(
        euro.snippet.contains("Zahle ab 10 € per Überweisung"),
        "{}",
        euro.snippet
    );
    let rel = result
        .findings
        .iter()
        .find(|f| &*f.rule_id == "affiliate.sponsored")
        .unwrap();
    assert_eq!(rel.matched, "sponsored");
    assert_eq!(rel.category, Category::Affiliate);
    assert_eq!(result.level, Level::Strong, "score {}", result.score);
}

#[test]
fn ids_are_stable_and_category_override_applies() {
    let classifier = classifier();
    let a = classifier.classify(&page());
    let b = classifier.classify(&page());
    assert_eq!(a, b);
    let mut press = page();
    press.category_override = Some(Category::Press);
    let c = classifier.classify(&press);
    assert!(c.findings.iter().all(|f| f.category == Category::Press));
    assert_eq!(
        a.findings.iter().map(|f| &f.id).collect::<Vec<_>>(),
        c.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
}

#[test]
fn requires_drops_findings_without_their_context() {
    let mut doc = page();
    doc.blocks.retain(|b| b.kind != BlockKind::Button);
    let result = classifier().classify(&doc);
    assert!(
        !ids(&result.findings).contains(&"promotion.bonus.de"),
        "bonus needs a CTA on the page"
    );
}

#[test]
fn page_language_becomes_a_finding() {
    let result = classifier().classify(&page());
    let language = result
        .findings
        .iter()
        .find(|f| f.signal == Signal::Language)
        .expect("a language finding");
    assert_eq!(&*language.rule_id, "builtin.language.de");
    assert_eq!(language.language.as_deref(), Some("de"));
    assert!(result.language.eu_languages.contains(&"de".to_string()));
}

#[test]
fn finding_id_folds_the_matched_text() {
    assert_eq!(
        finding_id("r", "u", "Konto ERÖFFNEN"),
        finding_id("r", "u", "konto eroffnen")
    );
    assert_ne!(finding_id("r", "u", "a"), finding_id("r", "v", "a"));
}

#[test]
fn repeats_of_one_match_are_one_finding_with_their_count_and_places() {
    let mut doc = page();
    for index in 5..11 {
        let mut block = Block::new(BlockKind::Button, "Jetzt registrieren", index);
        block.path = format!("body>footer>a:nth-of-type({index})");
        doc.blocks.push(block);
    }
    let result = classifier().classify(&doc);
    let signup: Vec<&Finding> = result
        .findings
        .iter()
        .filter(|f| &*f.rule_id == "cta.signup.de")
        .collect();
    assert_eq!(signup.len(), 1, "{signup:?}");
    let signup = signup[0];
    assert_eq!(signup.occurrences, 7);
    assert_eq!(signup.location.block_index, 2);
    let repeats: Vec<usize> = signup
        .more_locations
        .iter()
        .map(|l| l.block_index)
        .collect();
    assert_eq!(repeats, vec![5, 6]);
    assert_eq!(
        signup.id,
        page_finding_id(&classifier().classify(&page()), "cta.signup.de")
    );
}

fn page_finding_id(result: &Classification, rule_id: &str) -> String {
    result
        .findings
        .iter()
        .find(|f| &*f.rule_id == rule_id)
        .map(|f| f.id.clone())
        .unwrap_or_default()
}

fn html_page(html: &str) -> Document {
    crate::analyze::extract::extract_html(
        html,
        crate::analyze::extract::DocMeta {
            url: "https://app.example/".into(),
            final_url: "https://app.example/".into(),
            source_kind: SourceKind::Website,
            fetched_at: "2025-01-01T00:00:00Z".into(),
            content_sha256: "ab".repeat(32),
            content_language: None,
        },
    )
}

#[test]
fn next_to_no_text_against_a_script_payload_reads_as_script_built_and_is_no_page_kind() {
    let classifier = classifier();
    let bundle = r#"<html><head><title>Exchange</title><script src="/assets/index-4f1c.js"></script></head>
        <body><div id="mount"></div></body></html>"#;
    let result = classifier.classify(&html_page(bundle));
    assert!(result.script_built);
    assert_eq!(result.page_kind, None, "a short page is not a kind of page");

    let inline_program = format!(
        "<html><body><div id=\"mount\">Loading…</div><script>{}</script></body></html>",
        "document.body.append('x');".repeat(200)
    );
    assert!(
        classifier
            .classify(&html_page(&inline_program))
            .script_built
    );

    // A small inline snippet is not a payload.
    let snippet = "<html><body><p>Thanks!</p><script>window.dataLayer = [];</script></body></html>";
    assert!(!classifier.classify(&html_page(snippet)).script_built);
    // Text a reader can read is content, however many scripts it loads.
    let article = format!(
        "<html><head><script src=\"/a.js\"></script><script src=\"/b.js\"></script></head><body><main><p>{}</p></main></body></html>",
        "Our company writes accounting software for small firms. ".repeat(5)
    );
    assert!(!classifier.classify(&html_page(&article)).script_built);
    // A short page that runs nothing is just short.
    let short = "<html><body><p>Coming soon.</p></body></html>";
    assert!(!classifier.classify(&html_page(short)).script_built);
}
