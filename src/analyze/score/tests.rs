use super::*;
use crate::model::Finding;
use crate::model::Level;
use crate::model::PageLanguage;
use crate::model::Signal;
use crate::model::{BlockKind, Category, Location, SourceKind};

fn scoring() -> Scoring {
    let mut scoring = Scoring::from_toml(
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/patterns/scoring.toml"
        )),
        "scoring.toml",
    )
    .unwrap();
    scoring
        .rule_languages
        .insert("cta.es".into(), vec!["es".into()]);
    scoring.rule_needs_crypto.insert("promo.bonus".into());
    scoring
}

fn finding(rule_id: &str, signal: Signal, weight: f64, matched: &str) -> Finding {
    Finding {
        id: format!("{rule_id}-{matched}"),
        rule_id: rule_id.into(),
        category: Category::Website,
        signal,
        url: "https://x.example/".into(),
        source_kind: SourceKind::Website,
        language: None,
        weight,
        matched: matched.into(),
        snippet: matched.into(),
        location: Location {
            block_kind: BlockKind::Paragraph,
            block_index: 0,
            path: String::new(),
            char_offset: 0,
        },
        occurrences: 1,
        more_locations: Vec::new(),
        fetched_at: "".into(),
        content_sha256: "".into(),
        legal_ref: "".into(),
        description: "".into(),
        cures: (signal == Signal::Disclaimer).then_some(false),
        service: None,
        warc_file: None,
        warc_record_id: None,
        warc_offset: None,
        revalidated_at: None,
        rendered: false,
        attribution: None,
    }
}

#[test]
fn forty_euro_signs_are_capped() {
    let s = scoring();
    let many: Vec<Finding> = (0..40)
        .map(|i| finding("currency.eur", Signal::Currency, 2.0, &format!("€ {i}")))
        .collect();
    let b = page_breakdown(&many, &s, true);
    assert!(b.score <= s.cap(Signal::Currency) + 1e-9, "{b:?}");
    assert!(b.level < Level::Moderate);
}

#[test]
fn repeats_of_one_rule_fade() {
    let s = scoring();
    let two = [
        finding("place.de", Signal::Place, 1.0, "Deutschland"),
        finding("place.de", Signal::Place, 1.0, "deutschen"),
    ];
    assert!((page_score(&two, &s) - (1.0 + s.page.repeat_decay)).abs() < 1e-9);
}

#[test]
fn distinct_hooks_combine_and_cta_needs_crypto() {
    let s = scoring();
    let mut page = vec![
        finding("builtin.language.de", Signal::Language, 1.5, "Deutsch"),
        finding("currency.eur", Signal::Currency, 2.0, "100 €"),
        finding("payment.sepa", Signal::Payment, 2.5, "SEPA"),
        finding("cta.de", Signal::Cta, 2.5, "Jetzt registrieren"),
    ];
    let without_crypto = page_breakdown(&page, &s, false);
    assert_eq!(without_crypto.uncounted_without_crypto, 1);
    assert!(without_crypto.combined);
    page.push(finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"));
    let with_crypto = page_breakdown(&page, &s, false);
    assert!(with_crypto.score > without_crypto.score);
    assert_eq!(with_crypto.level, Level::Strong, "{with_crypto:?}");
}

#[test]
fn cta_and_promotion_alone_make_no_verdict() {
    let s = scoring();
    let page = [
        finding("cta.en", Signal::Cta, 2.5, "Sign up"),
        finding("promo.bonus", Signal::Promotion, 2.0, "Welcome bonus"),
        finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
    ];
    assert_eq!(page_level(&page, &s), Level::None);
}

#[test]
fn explainer_without_an_offer_stays_weak() {
    let s = scoring();
    let page = [
        finding("regulator.mica", Signal::Regulator, 1.5, "MiCA"),
        finding("place.eea", Signal::Place, 1.5, "EEA"),
        finding("place.eu", Signal::Place, 1.5, "European Union"),
        finding("builtin.language.en", Signal::Language, 0.5, "English"),
        finding("crypto.assets", Signal::Crypto, 0.5, "crypto-assets"),
        finding(
            "disclaimer.rs",
            Signal::Disclaimer,
            1.0,
            "reverse solicitation",
        ),
    ];
    assert!(page_level(&page, &s) <= Level::Weak);
}

#[test]
fn a_firm_that_offers_nothing_anywhere_is_not_soliciting() {
    let s = scoring();
    let explainer = [
        finding("regulator.mica", Signal::Regulator, 1.5, "MiCA"),
        finding("place.eea", Signal::Place, 1.5, "EEA"),
        finding("place.eu", Signal::Place, 1.5, "European Union"),
        finding("place.nl", Signal::Place, 1.5, "Netherlands"),
        finding("builtin.language.nl", Signal::Language, 2.0, "Nederlands"),
        finding("crypto.assets", Signal::Crypto, 0.5, "crypto-assets"),
    ];
    let pages: Vec<PageEvidence> = (0..8)
        .map(|_| PageEvidence {
            url: "https://law.example/insights/",
            findings: &explainer,
            language: None,
        })
        .collect();
    let verdict = firm_verdict(&pages, &s);
    assert_eq!(verdict.level, Level::None, "{verdict:#?}");
    assert!(verdict
        .reasons
        .iter()
        .any(|r| r.contains("not solicitation")));
    // Combined hooks are not called strong evidence next to a `none` verdict.
    assert!(
        !verdict
            .reasons
            .iter()
            .any(|r| r.contains("distinct kinds of EU hook")),
        "{verdict:#?}"
    );

    // The same pages plus one that invites visitors to open an account do count.
    let mut offer = explainer.to_vec();
    offer.push(finding(
        "cta.signup.nl.button",
        Signal::Cta,
        2.5,
        "Open een rekening",
    ));
    let mut with_offer = pages.clone();
    with_offer.push(PageEvidence {
        url: "https://law.example/open/",
        findings: &offer,
        language: None,
    });
    assert!(firm_verdict(&with_offer, &s).level > Level::None);
}

#[test]
fn non_eu_markers_cancel_shared_language_evidence_only() {
    let s = scoring();
    let spanish = [
        finding("builtin.language.es", Signal::Language, 1.5, "español"),
        finding("cta.es", Signal::Cta, 2.5, "Regístrate"),
        finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
    ];
    let mut mexican = spanish.to_vec();
    mexican.push(finding("non_eu.spei", Signal::NonEu, 3.0, "SPEI"));
    let a = page_breakdown(&spanish, &s, false);
    let b = page_breakdown(&mexican, &s, false);
    assert!(b.score < a.score && b.non_eu_offset > 0.0, "{a:?} {b:?}");
    let mut sepa = mexican.clone();
    sepa.push(finding("payment.sepa", Signal::Payment, 2.5, "SEPA"));
    let c = page_breakdown(&sepa, &s, false);
    assert!((c.by_signal[&Signal::Payment] - 2.5).abs() < 1e-9);
}

#[test]
fn disclaimers_never_lower_the_score() {
    let s = scoring();
    let page = vec![
        finding("currency.eur", Signal::Currency, 2.0, "100 €"),
        finding("payment.sepa", Signal::Payment, 2.5, "SEPA"),
    ];
    let mut with = page.clone();
    with.push(finding(
        "disclaimer.eu",
        Signal::Disclaimer,
        3.0,
        "not available to EU residents",
    ));
    assert!(page_score(&with, &s) >= page_score(&page, &s));
    let verdict = firm_verdict(
        &[PageEvidence {
            url: "https://x.example/",
            findings: &with,
            language: None,
        }],
        &s,
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.contains("1 disclaimer found") && r.contains("not a cure")),
        "{:?}",
        verdict.reasons
    );
}

#[test]
fn firm_is_strong_with_several_moderate_pages_and_reads_well() {
    let s = scoring();
    let page = vec![
        finding("currency.eur", Signal::Currency, 2.0, "100 €"),
        finding("payment.sepa", Signal::Payment, 2.0, "SEPA"),
        finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
    ];
    assert_eq!(page_level(&page, &s), Level::Moderate);
    let language = PageLanguage {
        eu_languages: vec!["de".into()],
        ..PageLanguage::default()
    };
    let pages: Vec<PageEvidence> = (0..3)
        .map(|_| PageEvidence {
            url: "https://x.example/de/",
            findings: &page,
            language: Some(&language),
        })
        .collect();
    let verdict = firm_verdict(&pages, &s);
    assert_eq!(verdict.level, Level::Strong);
    assert!(
        verdict.reasons[1].starts_with("de-language pages with"),
        "{:?}",
        verdict.reasons
    );
    assert!(verdict.reasons[1].contains("“SEPA”") && verdict.reasons[1].ends_with("on 3 pages"));
    assert_eq!(firm_verdict(&pages[..1], &s).level, Level::Moderate);
}

#[test]
fn firm_crypto_context_counts_across_pages() {
    let s = scoring();
    let offer = [
        finding("cta.de", Signal::Cta, 2.5, "Jetzt registrieren"),
        finding("currency.eur", Signal::Currency, 2.0, "100 €"),
        finding("place.de", Signal::Place, 1.5, "Deutschland"),
    ];
    let context = [finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin")];
    let alone = firm_verdict(
        &[PageEvidence {
            url: "a",
            findings: &offer,
            language: None,
        }],
        &s,
    );
    let together = firm_verdict(
        &[
            PageEvidence {
                url: "a",
                findings: &offer,
                language: None,
            },
            PageEvidence {
                url: "b",
                findings: &context,
                language: None,
            },
        ],
        &s,
    );
    assert!(together.score > alone.score, "{alone:?} {together:?}");
}

#[test]
fn pages_without_crypto_context_have_no_level() {
    let s = scoring();
    let bank = [
        finding("builtin.language.de", Signal::Language, 1.5, "Deutsch"),
        finding("currency.eur", Signal::Currency, 2.0, "150 €"),
        finding("payment.sepa", Signal::Payment, 2.5, "SEPA"),
        finding("cta.de", Signal::Cta, 2.5, "Jetzt eröffnen"),
    ];
    assert_eq!(page_breakdown(&bank, &s, false).level, Level::None);
    // The same page of a firm that speaks of crypto elsewhere does count.
    assert!(page_breakdown(&bank, &s, true).level >= Level::Moderate);
}

#[test]
fn strong_needs_an_active_invitation() {
    let s = scoring();
    let mut help = vec![
        finding("builtin.language.pl", Signal::Language, 1.5, "polski"),
        finding("locale.pl", Signal::Locale, 1.0, "pl-PL"),
        finding("currency.pln", Signal::Currency, 3.0, "100 zł"),
        finding("payment.blik", Signal::Payment, 3.0, "BLIK"),
        finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
    ];
    let b = page_breakdown(&help, &s, false);
    assert!(b.score >= s.page.strong, "{b:?}");
    assert_eq!(b.level, Level::Moderate);
    help.push(finding("cta.pl", Signal::Cta, 2.5, "Zarejestruj się"));
    assert_eq!(page_level(&help, &s), Level::Strong);
}

#[test]
fn block_pages_on_most_pages_lower_the_firm_one_step() {
    let s = scoring();
    let offer = vec![
        finding("currency.eur", Signal::Currency, 2.0, "100 €"),
        finding("payment.sepa", Signal::Payment, 2.0, "SEPA"),
        finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
    ];
    let block = vec![finding(
        "geo_block.en",
        Signal::GeoBlock,
        1.0,
        "not available in your country",
    )];
    let page = |findings| PageEvidence {
        url: "u",
        findings,
        language: None,
    };
    let open = firm_verdict(&[page(&offer)], &s);
    let blocked = firm_verdict(&[page(&offer), page(&block), page(&block)], &s);
    assert_eq!(open.level, Level::Moderate);
    assert_eq!(blocked.level, Level::Weak, "{:?}", blocked.reasons);
    assert!(blocked
        .reasons
        .iter()
        .any(|r| r.contains("lowered one step")));
}

#[test]
fn bad_scoring_files_name_the_line() {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/patterns/scoring.toml"
    ))
    .replace("repeat_decay = 0.5", "repeat_decay = 0.5\nbogus = 1");
    let error = Scoring::from_toml(&text, "scoring.toml")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("scoring.toml:") && error.contains("bogus"),
        "{error}"
    );
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/patterns/scoring.toml"
    ))
    .replace("[signals.event]", "[signals.events]");
    let error = Scoring::from_toml(&text, "scoring.toml")
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown signal `events`"), "{error}");
}

#[test]
fn failed_requests_count_under_the_kind_of_their_source() {
    use crate::model::report::{ErrorEntry, SourceReport};
    let source = |url: &str, kind: SourceKind| SourceReport {
        url: url.to_string(),
        kind,
        pages_fetched: 0,
        errors: 0,
        name: None,
        pages_revalidated: 0,
    };
    let sources = [
        source("https://exchange.example/", SourceKind::Website),
        source(
            "https://reviews.example/best-exchanges",
            SourceKind::Affiliate,
        ),
        source("https://exchange.example/blog/feed.xml", SourceKind::Feed),
    ];
    let at = "2026-01-01T00:00:00Z";
    let errors = [
        ErrorEntry::new("https://reviews.example/best-exchanges", "timeout", "t", at),
        ErrorEntry::new("https://www.reviews.example/page/2", "connect", "c", at),
        ErrorEntry::new(
            "https://exchange.example/blog/feed.xml",
            "http_status_5xx",
            "503",
            at,
        ),
        ErrorEntry::new("https://exchange.example/de/", "timeout", "t", at),
        ErrorEntry::new("https://unrelated.example/", "dns", "d", at),
    ];
    let counts = coverage(std::iter::empty(), &errors, &sources);
    let failed = |kind: SourceKind| {
        counts
            .by_source_kind
            .get(&kind)
            .map_or(0, |c| c.pages_failed)
    };
    assert_eq!(failed(SourceKind::Affiliate), 2);
    assert_eq!(failed(SourceKind::Feed), 1);
    // The site's other pages, and URLs of no source, are the website's.
    assert_eq!(failed(SourceKind::Website), 2);
    assert_eq!(counts.total.pages_failed, 5);
}

#[test]
fn non_eu_markers_cancel_the_shared_languages_eu_hooks_first() {
    let s = scoring();
    let argentine = [
        finding("builtin.language.es", Signal::Language, 1.5, "español"),
        finding("cta.es", Signal::Cta, 2.5, "Regístrate"),
        finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
        finding("non_eu.place.latam", Signal::NonEu, 1.0, "argentinos"),
    ];
    let b = page_breakdown(&argentine, &s, false);
    // The Spanish is Argentina's: the language loses the whole offset, the
    // call to action keeps its weight, and too little EU evidence is left
    // for even a weak level.
    assert!((b.by_signal[&Signal::Language] - 0.5).abs() < 1e-9, "{b:?}");
    assert!((b.by_signal[&Signal::Cta] - 2.5).abs() < 1e-9, "{b:?}");
    assert_eq!(b.level, Level::None, "{b:?}");
}
