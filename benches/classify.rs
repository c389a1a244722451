//! Throughput of classification against HTML parsing alone.
//!
//! Two kinds of input, generated here so the numbers do not depend on a
//! fixture: `classify/*`, one page of about 100 KB (navigation, footer, a
//! few paragraphs in several languages repeated, many calls to action and
//! links), and `site_pages/*`, twenty pages shaped like the crawl bench's
//! generated site (random prose, no paragraph repeated). Goal:
//! `extract_html` + `classify` cost no more than about 2/3 on top of
//! `scraper::Html::parse_document` alone.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{extract_html, DocMeta};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::SourceKind;
use std::hint::black_box;
use std::sync::Arc;

const PARAGRAPHS: [&str; 6] = [
    "Eröffne jetzt dein kostenloses Konto und kaufe Bitcoin und Ethereum mit Euro. Die Einzahlung per SEPA-Überweisung ist kostenlos und dauert meist nur wenige Minuten.",
    "Ouvrez un compte en quelques minutes et achetez des cryptomonnaies en euros. Les dépôts par virement SEPA sont gratuits pour les résidents français.",
    "Our platform lets you trade more than two hundred digital assets around the clock, with deep order books and transparent fees for every order size.",
    "Registe-se hoje e deposite através de MB WAY ou Multibanco para receber um bónus de boas-vindas em bitcoin na sua carteira.",
    "Apri un conto in pochi minuti e inizia a fare trading di criptovalute con commissioni ridotte e assistenza clienti in italiano.",
    "Staking rewards are paid weekly; the annual yield shown is an estimate and may change with network conditions and validator performance.",
];

fn page() -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Krypto kaufen – Börse</title>\
         <meta name=\"description\" content=\"Bitcoin kaufen mit Euro\">\
         <link rel=\"alternate\" hreflang=\"de-AT\" href=\"https://exchange.example/at/\">\
         <link rel=\"alternate\" hreflang=\"fr-FR\" href=\"https://exchange.example/fr/\">\
         <meta property=\"og:locale\" content=\"de_DE\"></head><body><nav><ul>",
    );
    for i in 0..60 {
        html.push_str(&format!(
            "<li><a href=\"/de/section-{i}\">Bereich {i}</a></li>"
        ));
    }
    html.push_str("</ul></nav><main>");
    let mut i = 0;
    while html.len() < 95_000 {
        let text = PARAGRAPHS[i % PARAGRAPHS.len()];
        html.push_str(&format!(
            "<section class=\"s{i}\"><h2>Abschnitt {i}</h2><p>{text}</p><p>{text} <a href=\"https://partner.example/?ref=p{i}\" rel=\"sponsored nofollow\">Mehr erfahren</a></p>\
             <ul><li>Gebühr ab 0,{i} % pro Auftrag</li><li>Einzahlung ab {i} €</li></ul><button>Jetzt registrieren</button></section>"
        ));
        i += 1;
    }
    html.push_str("</main><footer><p>Beispiel Börse GmbH, Berlin. Telefon +49 30 1234567.</p>");
    for i in 0..40 {
        html.push_str(&format!("<a href=\"/legal/{i}\">Rechtliches {i}</a> "));
    }
    html.push_str("</footer></body></html>");
    html
}

/// Words of the crawl bench's generated site (`benches/gen_site.py`): its
/// pages are random prose in one language each, with no two paragraphs
/// alike, so nothing repeats between blocks as it does on [`page`].
const SITE_WORDS: [(&str, &str); 5] = [
    ("en", "open an account today and trade crypto with low fees secure custody for your digital assets"),
    ("de", "jetzt konto eröffnen und bitcoin kaufen mit niedrigen gebühren sichere verwahrung für ihre kryptowerte"),
    ("fr", "ouvrez un compte aujourd'hui et achetez des cryptomonnaies avec des frais réduits en toute sécurité"),
    ("it", "apri un conto oggi e compra criptovalute con commissioni basse custodia sicura per i tuoi asset"),
    ("pl", "otwórz konto już dziś i kupuj kryptowaluty z niskimi opłatami bezpieczne przechowywanie aktywów"),
];

/// Twenty pages shaped like the generated site's (navigation of 25 links,
/// 12 to 30 paragraphs of 40 to 90 words, a price table), from a fixed seed.
fn site_pages() -> Vec<String> {
    let mut state: u64 = 20_261_207;
    let mut next = move |below: usize| {
        // A 64-bit linear congruential step: enough to vary words, and the
        // same pages on every run.
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % below
    };
    (0..20)
        .map(|index| {
            let (lang, words) = SITE_WORDS[next(SITE_WORDS.len())];
            let words: Vec<&str> = words.split(' ').collect();
            let mut html = format!(
                "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>Bench page {index}</title></head><body><header><nav><ul>"
            );
            for _ in 0..25 {
                html.push_str(&format!(
                    "<li><a href=\"/p/{}.html\">Page {}</a></li>",
                    next(10_000),
                    next(10_000)
                ));
            }
            html.push_str("</ul></nav></header><main>");
            for _ in 0..12 + next(19) {
                let mut paragraph: Vec<&str> = Vec::new();
                for _ in 0..40 + next(51) {
                    paragraph.push(words[next(words.len())]);
                }
                html.push_str(&format!("<p>{}.</p>", paragraph.join(" ")));
            }
            html.push_str(&format!(
                "<table><tr><td>BTC</td><td>{} €</td><td>SEPA</td></tr></table><a href=\"/signup.html\">Sign up</a></main></body></html>",
                20_000 + next(70_000)
            ));
            html
        })
        .collect()
}

fn meta() -> DocMeta {
    DocMeta {
        url: "https://exchange.example/de/".to_string(),
        final_url: "https://exchange.example/de/".to_string(),
        source_kind: SourceKind::Website,
        fetched_at: "2025-01-01T00:00:00Z".to_string(),
        content_sha256: String::new(),
        content_language: None,
    }
}

fn bench(c: &mut Criterion) {
    let html = page();
    let rules = Arc::new(RuleSet::bundled().expect("the bundled rules load"));
    let classifier = Classifier::new(rules);
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Bytes(html.len() as u64));
    group.bench_function("parse_only", |b| {
        b.iter(|| black_box(scraper::Html::parse_document(black_box(&html))))
    });
    group.bench_function("extract_and_classify", |b| {
        b.iter(|| {
            let doc = extract_html(black_box(&html), meta());
            black_box(classifier.classify(&doc))
        })
    });
    group.bench_function("classify_only", |b| {
        let doc = extract_html(&html, meta());
        b.iter(|| black_box(classifier.classify(black_box(&doc))))
    });
    // Languages detected beforehand: the rules alone, without the language model's cost.
    group.bench_function("classify_rules_only", |b| {
        let mut doc = extract_html(&html, meta());
        classifier.rules().languages().detect_blocks(&mut doc);
        b.iter(|| black_box(classifier.classify(black_box(&doc))))
    });
    group.finish();

    // The crawl bench's kind of page: parsing against the whole analysis,
    // over twenty distinct pages per iteration.
    let pages = site_pages();
    let mut group = c.benchmark_group("site_pages");
    group.throughput(Throughput::Bytes(
        pages.iter().map(|p| p.len() as u64).sum(),
    ));
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            for html in &pages {
                black_box(scraper::Html::parse_document(black_box(html)));
            }
        })
    });
    group.bench_function("extract_and_classify", |b| {
        b.iter(|| {
            for html in &pages {
                let doc = extract_html(black_box(html), meta());
                black_box(classifier.classify(&doc));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
