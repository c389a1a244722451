use super::*;
use crate::analyze::lang::detect::CONTENT_LANGUAGE_CONFIDENCE;
use crate::model::BlockKind;
use crate::model::Document;
use crate::model::LanguageSource;
use crate::model::{Block, SourceKind};

fn model() -> LanguageModel {
    LanguageModel::bundled().expect("bundled languages.toml loads")
}

#[test]
fn every_example_in_languages_toml_is_detected_as_written() {
    let model = model();
    let failures = model.check_examples();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_language_has_enough_examples() {
    let model = model();
    for examples in model.examples() {
        assert!(examples.matches.len() >= 2, "{}", examples.code);
        assert!(!examples.no_match.is_empty(), "{}", examples.code);
    }
    for code in EU_OFFICIAL_LANGUAGES {
        assert!(model.info(code).is_some_and(|i| i.eu_official), "{code}");
    }
    for code in ["tr", "ru", "uk"] {
        let info = model.info(code).unwrap();
        assert!(!info.eu_official);
        assert_eq!(info.weight, 0.0);
    }
}

#[test]
fn weights_follow_how_specific_a_language_is_to_the_eu() {
    let model = model();
    let weight = |code: &str| model.info(code).unwrap().weight;
    assert!(weight("en") < weight("de"));
    assert!(weight("de") < weight("pl"));
    assert_eq!(weight("pt"), weight("es"));
    assert!(model
        .info("pt")
        .unwrap()
        .non_eu_regions
        .contains(&"BR".to_string()));
    assert!(model.info("de-AT").is_some(), "info ignores the region");
}

#[test]
fn irish_and_maltese_are_detected_through_markers() {
    let model = model();
    let irish = model
        .detect("Tá fáilte romhat. Is féidir leat cuntas a oscailt anseo agus níl aon táille ann.")
        .unwrap();
    assert_eq!(irish.code, "ga");
    assert_eq!(irish.source, LanguageSource::Markers);
    let maltese = model
        .detect("Il-kont tiegħek huwa lest u tista' tibda tixtri l-kripto minn illum.")
        .unwrap();
    assert_eq!(maltese.code, "mt");
}

#[test]
fn short_text_is_not_guessed() {
    let model = model();
    assert_eq!(model.detect("Deutsch"), None);
    assert_eq!(model.detect("OK"), None);
    assert_eq!(model.detect(""), None);
}

#[test]
fn short_blocks_fall_back_to_markup_with_lower_confidence() {
    let model = model();
    let mut doc = Document::new("https://example.test/", SourceKind::Website);
    doc.locale.html_lang = Some("de-DE".into());
    let mut long = Block::new(
        BlockKind::Paragraph,
        "Eröffnen Sie in wenigen Minuten ein Konto und handeln Sie Bitcoin zu niedrigen Gebühren.",
        0,
    );
    long.lang_attr = Some("de-DE".into());
    let mut short = Block::new(BlockKind::Button, "Start", 1);
    short.lang_attr = Some("de-DE".into());
    let mut own_lang = Block::new(BlockKind::Link, "Italiano", 2);
    own_lang.lang_attr = Some("it".into());
    let url = Block::new(BlockKind::Url, "https://example.test/de-de/", 3);
    doc.blocks = vec![long, short, own_lang, url];
    model.detect_blocks(&mut doc);
    let long = doc.blocks[0].language.clone().unwrap();
    assert_eq!(long.code, "de");
    assert_ne!(long.source, LanguageSource::Markup);
    let short = doc.blocks[1].language.clone().unwrap();
    assert_eq!(short.code, "de");
    assert_eq!(short.source, LanguageSource::Markup);
    assert!(short.confidence < long.confidence);
    let own = doc.blocks[2].language.clone().unwrap();
    assert_eq!(own.code, "it");
    assert!(own.confidence > short.confidence);
    assert_eq!(doc.blocks[3].language, None);

    let page = model.page_language(&doc);
    assert_eq!(page.primary.as_deref(), Some("de"));
    assert_eq!(page.declared.as_deref(), Some("de-DE"));
    assert!(page.eu_languages.contains(&"de".to_string()));
    let total: f64 = page.shares.values().sum();
    assert!((total - 1.0).abs() < 1e-9);
}

#[test]
fn content_language_is_the_last_fallback() {
    let model = model();
    let mut doc = Document::new("https://example.test/", SourceKind::Website);
    doc.locale.content_language = Some("pl".into());
    doc.blocks = vec![Block::new(BlockKind::Button, "OK", 0)];
    model.detect_blocks(&mut doc);
    let guess = doc.blocks[0].language.clone().unwrap();
    assert_eq!(guess.code, "pl");
    assert_eq!(guess.confidence, CONTENT_LANGUAGE_CONFIDENCE);
    let mut bare = Document::new("https://example.test/", SourceKind::Website);
    bare.blocks = vec![Block::new(BlockKind::Button, "OK", 0)];
    model.detect_blocks(&mut bare);
    assert_eq!(bare.blocks[0].language, None);
    assert_eq!(model.page_language(&bare).primary, None);
}

#[test]
fn locale_tags_are_classified_by_region() {
    let non_eu = |tag: &str, language: &str, region: &str| {
        assert_eq!(
            classify_locale(tag),
            LocaleClass::NonEuRegion {
                language: language.into(),
                region: region.into()
            },
            "{tag}"
        );
    };
    let eu = |tag: &str, language: &str, region: &str| {
        assert_eq!(
            classify_locale(tag),
            LocaleClass::EuRegion {
                language: language.into(),
                region: region.into()
            },
            "{tag}"
        );
    };
    non_eu("de-CH", "de", "CH");
    non_eu("fr-CA", "fr", "CA");
    non_eu("pt-BR", "pt", "BR");
    non_eu("es-MX", "es", "MX");
    non_eu("en-US", "en", "US");
    non_eu("es-419", "es", "419");
    non_eu("en_gb", "en", "GB");
    eu("pt-PT", "pt", "PT");
    eu("es-ES", "es", "ES");
    eu("fr-BE", "fr", "BE");
    eu("de-AT", "de", "AT");
    eu("en-IE", "en", "IE");
    eu("en-eu", "en", "EU");
    eu("en-EU", "en", "EU");
    eu("de_de", "de", "DE");
    eu("EL-el", "el", "GR");
    eu("zh-Hant-DE", "zh", "DE");
    assert_eq!(
        classify_locale("de"),
        LocaleClass::LanguageOnly {
            language: "de".into()
        }
    );
    for garbage in [
        "",
        "x-default",
        "english",
        "zz-DE",
        "de-garbage",
        "en-QQ",
        "--",
    ] {
        assert_eq!(classify_locale(garbage), LocaleClass::Unknown, "{garbage}");
    }
}

#[test]
fn eu_countries_accept_el_for_greece() {
    assert!(is_eu_country("gr"));
    assert!(is_eu_country("EL"));
    assert!(is_eu_country("DE"));
    assert!(!is_eu_country("CH"));
    assert!(!is_eu_country("GB"));
    assert!(!is_eu_country("NO"));
}

#[test]
fn locale_looking_segments() {
    for yes in ["de", "de-de", "de_DE", "en-eu", "pt-br", "es-419", "FR"] {
        assert!(looks_like_locale(yes, false), "{yes}");
    }
    for no in ["my", "to", "blog", "de-xx", "xx-de", "en-us-x", "api"] {
        assert!(!looks_like_locale(no, false), "{no}");
    }
    assert!(looks_like_locale("at", true));
    assert!(!looks_like_locale("at", false));
}

fn load_error(text: &str) -> LangError {
    LanguageModel::from_toml(text, "languages.toml").unwrap_err()
}

#[test]
fn loader_errors_name_file_line_and_entry() {
    let full = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/patterns/languages.toml"
    ));
    // A typo in a key is a syntax error with a line.
    let broken = full.replacen("eu_official = true", "eu_oficial = true", 1);
    let err = load_error(&broken);
    assert!(matches!(err, LangError::Syntax { .. }), "{err}");
    assert!(err.to_string().starts_with("languages.toml:"), "{err}");

    // An entry contradicting the EU list is named, with its line.
    let wrong = full.replacen(
        "code = \"tr\"\nname = \"Turkish\"\neu_official = false",
        "code = \"tr\"\nname = \"Turkish\"\neu_official = true",
        1,
    );
    match load_error(&wrong) {
        LangError::Invalid {
            file, line, entry, ..
        } => {
            assert_eq!(file, "languages.toml");
            assert_eq!(entry, "tr");
            let expected = full[..full.find("code = \"tr\"").unwrap()].lines().count();
            assert!(
                line.abs_diff(expected) <= 1,
                "line {line}, expected about {expected}"
            );
        }
        other => panic!("unexpected {other}"),
    }

    let missing =
        "[[language]]\ncode = \"en\"\nname = \"English\"\neu_official = true\nweight = 0.5\n";
    assert!(matches!(load_error(missing), LangError::Missing { .. }));

    let no_markers =
        "[[language]]\ncode = \"mt\"\nname = \"Maltese\"\neu_official = true\nweight = 3.0\n";
    let err = load_error(no_markers);
    assert!(err.to_string().contains("markers"), "{err}");

    let eu_region = "[[language]]\ncode = \"de\"\nname = \"German\"\neu_official = true\nweight = 1.5\nnon_eu_regions = [\"AT\"]\n";
    let err = load_error(eu_region);
    assert!(err.to_string().contains("member state"), "{err}");
}

#[test]
fn a_page_settled_in_one_language_spares_the_detector_but_not_for_other_languages() {
    let model = model();
    let mut doc = Document::new("https://example.test/it/guida", SourceKind::Website);
    let texts = [
        "Apri un conto in pochi minuti e compra le tue criptovalute con commissioni basse.",
        "La custodia dei tuoi fondi è sicura e puoi prelevare quando vuoi dal tuo conto.",
        "Il servizio clienti risponde in italiano tutti i giorni della settimana.",
        "Scopri come funziona la piattaforma e quali sono i vantaggi per i nuovi clienti.",
        // Italian markers favour Italian, but not decisively on their own.
        "Custodia sicura per i tuoi asset digitali con assicurazione inclusa.",
        "Jetzt ein Konto eröffnen und mit niedrigen Gebühren Bitcoin kaufen, sicher verwahrt.",
    ];
    for (index, text) in texts.into_iter().enumerate() {
        doc.blocks
            .push(Block::new(BlockKind::Paragraph, text, index));
    }
    model.detect_blocks(&mut doc);
    let languages: Vec<(&str, LanguageSource)> = doc
        .blocks
        .iter()
        .map(|b| {
            let guess = b.language.as_ref().expect("every block has a language");
            (guess.code.as_str(), guess.source)
        })
        .collect();
    assert!(
        languages[..5].iter().all(|(code, _)| *code == "it"),
        "{languages:?}"
    );
    assert!(
        languages[..4]
            .iter()
            .all(|(_, source)| *source != LanguageSource::Page),
        "the first blocks decide alone: {languages:?}"
    );
    assert_eq!(languages[4].1, LanguageSource::Page, "{languages:?}");
    assert_eq!(languages[5].0, "de", "{languages:?}");
    assert_ne!(languages[5].1, LanguageSource::Page, "{languages:?}");
}

#[test]
fn finnish_rich_in_a_umlaut_is_not_read_as_slovak() {
    // Few Finnish function words, many "ä": a letter Slovak shares with
    // Finnish, Estonian, Swedish and German must not decide for Slovak.
    let model = model();
    let guess = model
        .detect("Käyttäjätilin avaamisen jälkeen säilytämme käyttäjän tiedot näiden ehtojen mukaisesti.")
        .expect("long enough to decide");
    assert_eq!(guess.code, "fi", "{guess:?}");
}

#[test]
fn code_tables_hold_exactly_the_listed_codes() {
    use crate::analyze::lang::locale::{is_country, is_iso639_1, ISO3166_1, ISO639_1};
    for a in 'A'..='z' {
        for b in 'A'..='z' {
            let code = format!("{a}{b}");
            assert_eq!(
                is_iso639_1(&code),
                ISO639_1.split(' ').any(|c| c == code),
                "{code}"
            );
            assert_eq!(
                is_country(&code),
                ISO3166_1.split(' ').any(|c| c == code),
                "{code}"
            );
        }
    }
    for odd in ["", "d", "deu", "é", "dé", "d-"] {
        assert!(!is_iso639_1(odd) && !is_country(odd), "{odd}");
    }
}

#[test]
fn statistical_detection_is_remembered_per_text_and_answers_alike_after_a_purge() {
    use crate::analyze::lang::detect::{
        detect_statistically, detection_is_remembered, DETECTION_CACHE_ENTRIES,
    };
    let footer = "Trading involves risk. Read the terms of service and the privacy policy before you open an account with us.";
    let first = detect_statistically(footer);
    assert_eq!(first.map(|(code, _)| code), Some("en"));
    assert!(detection_is_remembered(footer));
    assert_eq!(detect_statistically(footer), first);
    // Fill the table past its bound: it is emptied, and the text is
    // detected again with the same answer.
    for n in 0..DETECTION_CACHE_ENTRIES {
        detect_statistically(&format!("{n} distinct filler text number {n}"));
    }
    assert!(!detection_is_remembered(footer));
    assert_eq!(detect_statistically(footer), first);
    assert!(detection_is_remembered(footer));
}
