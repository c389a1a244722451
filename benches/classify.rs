//! Throughput of classification against HTML parsing alone.
//!
//! The page is generated here (about 100 KB: navigation, footer, many
//! paragraphs and links, several languages) so the numbers do not depend on
//! a fixture. Goal: `extract_html` + `classify` cost no more than about 2/3
//! on top of `scraper::Html::parse_document` alone.

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
