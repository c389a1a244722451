use super::*;
use crate::analyze::rules::matcher::needs_whitespace_normalising;
use crate::analyze::rules::matcher::FoldedText;
use crate::model::text::fold;

const SCORING: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/patterns/scoring.toml"
));

fn bundle(rules: &str) -> Result<RuleSet, RulesError> {
    RuleSet::from_sources(&[
        ("scoring.toml".to_string(), SCORING.to_string()),
        ("test.toml".to_string(), rules.to_string()),
    ])
}

const TWO_RULES: &str = r#"
[[rule]]
id = "crypto.bitcoin"
category = "website"
signal = "crypto"
weight = 0.5
legal_ref = "x"
description = "crypto context"
phrases = ["bitcoin"]
examples.match = ["Bitcoin kaufen"]
examples.no_match = ["Bitcoinkurs heute"]

[[rule]]
id = "service.buy_bitcoin.de"
category = "website"
signal = "service"
weight = 1.0
languages = ["de"]
legal_ref = "x"
description = "exchange for funds"
phrases = ["bitcoin   kaufen", "krypto kaufen"]
regex = ['\bkonto\s+er(o|oe)ffnen\b']
service = "exchange_for_funds"
examples.match = ["Jetzt Bitcoin kaufen", "Konto eröffnen"]
examples.no_match = ["Bitcoin verkaufen"]
"#;

#[test]
fn shorter_phrase_of_another_rule_still_matches() {
    let set = bundle(TWO_RULES).unwrap();
    let hits = set.scan(Target::Text, "Jetzt BITCOIN kaufen!");
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| set.rules()[h.rule].id.as_str())
        .collect();
    assert_eq!(ids, ["crypto.bitcoin", "service.buy_bitcoin.de"]);
    assert!(
        set.check_examples().is_empty(),
        "{:?}",
        set.check_examples()
    );
}

#[test]
fn matches_map_back_to_original_text() {
    let set = bundle(TWO_RULES).unwrap();
    let text = "Jetzt ein Konto eröffnen";
    let hit = set.scan(Target::Text, text)[0];
    assert_eq!(&text[hit.start..hit.end], "Konto eröffnen");
}

#[test]
fn word_boundaries_are_checked_after_matching() {
    let set = bundle(TWO_RULES).unwrap();
    assert!(set.scan(Target::Text, "bitcoins").is_empty());
    assert!(set.scan(Target::Text, "antibitcoin").is_empty());
    assert_eq!(set.scan(Target::Text, "(bitcoin)").len(), 1);
}

#[test]
fn sha_depends_on_content_and_not_on_order() {
    let a = RuleSet::from_sources(&[
        ("scoring.toml".into(), SCORING.into()),
        ("a.toml".into(), TWO_RULES.into()),
    ])
    .unwrap();
    let b = RuleSet::from_sources(&[
        ("a.toml".into(), TWO_RULES.into()),
        ("scoring.toml".into(), SCORING.into()),
    ])
    .unwrap();
    assert_eq!(a.sha256(), b.sha256());
    let c = bundle(&TWO_RULES.replace("weight = 0.5", "weight = 0.6")).unwrap();
    assert_ne!(a.sha256(), c.sha256());
}

#[test]
fn upper_case_regex_on_folded_text_is_rejected() {
    let rules = TWO_RULES.replace(r"\bkonto", r"\bKonto");
    let error = bundle(&rules).unwrap_err().to_string();
    assert!(
        error.contains("test.toml:") && error.contains("service.buy_bitcoin.de"),
        "{error}"
    );
}

#[test]
fn missing_scoring_file_is_named() {
    let error = RuleSet::from_sources(&[("a.toml".into(), TWO_RULES.into())]).unwrap_err();
    assert!(error.to_string().contains("scoring.toml"), "{error}");
}

#[test]
fn ascii_fast_path_agrees_with_folding() {
    let text = "Say \"HELLO\" -- it's 100% ASCII; Ünïcödé is not.";
    let (ascii, rest) = text.split_at(text.find('Ü').unwrap());
    assert_eq!(ascii.to_ascii_lowercase(), fold(ascii).text);
    assert_ne!(rest.to_ascii_lowercase(), fold(rest).text);
}

#[test]
fn fast_fold_agrees_with_fold() {
    for text in [
        "Eröffne jetzt dein Konto – Straße, Øre, ŁÓDŹ « Ärger » ı",
        "plain ascii, cafe\u{301} and CAFÉ",
        "",
        "€ 10 or 10 € ‘quoted’ ﬁ",
    ] {
        let fast = FoldedText::new(text);
        let slow = fold(text);
        assert_eq!(fast.text, slow.text);
        for start in 0..=fast.text.len() {
            for end in start..=fast.text.len() {
                assert_eq!(
                    fast.original_range(start, end),
                    slow.original_range(start, end)
                );
            }
        }
    }
}

#[test]
fn rule_set_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<RuleSet>();
}

#[test]
fn whitespace_check() {
    assert!(!needs_whitespace_normalising("a b c"));
    assert!(needs_whitespace_normalising("a  b"));
    assert!(needs_whitespace_normalising("a\tb"));
    assert!(needs_whitespace_normalising(" a"));
    assert!(needs_whitespace_normalising("a "));
}

#[test]
fn prefilter_form_widens_large_classes_and_matches_wherever_the_pattern_does() {
    use crate::analyze::rules::compile::relaxed_pattern;
    let pattern = r"\bkonto\s+\w+\s+\d{2,}\b";
    let loose = relaxed_pattern(pattern).expect("\\w, \\s and \\d are widened");
    // Widened: the Unicode word class no longer spells out its ranges.
    assert!(loose.len() < 200, "{} bytes", loose.len());
    let exact = regex::Regex::new(pattern).unwrap();
    let loose = regex::Regex::new(&loose).unwrap();
    for text in [
        "konto eröffnen 2024",
        "Konto straße 99",
        "konto ελληνικά ٣٤٥",
        "konto\u{a0}žluťoučký 12",
    ] {
        if exact.is_match(text) {
            assert!(loose.is_match(text), "{text}");
        }
    }
    assert!(exact.is_match("konto ελληνικά ٣٤٥"));
    // A class of a few accented letters stays exact, and a pattern with
    // nothing to loosen has no second form.
    assert_eq!(relaxed_pattern("caf[eé]"), None);
    assert_eq!(relaxed_pattern("bitcoin"), None);
}

/// The literal prefilter only decides which regexes run: on every rule's
/// examples and on every block, link and address of the synthetic corpus,
/// a scan finds exactly what running every regex finds.
#[test]
fn prefilter_loses_no_match() {
    use crate::analyze::extract::{extract_html, DocMeta};
    use crate::analyze::rules::matcher::Prefilter;
    let rules = RuleSet::bundled().expect("the bundled rules load");
    let mut cases: Vec<(Target, String, Option<crate::model::BlockKind>)> = Vec::new();
    for rule in rules.rules() {
        for example in rule.examples.matches.iter().chain(&rule.examples.no_match) {
            let kind = (rule.target == Target::Text).then(|| rule.example_block_kind());
            cases.push((rule.target, example.clone(), kind));
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("the fixtures are readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut pages = 0;
    {
        for path in files {
            // A few fixtures test charsets: their bytes are not UTF-8.
            let bytes = std::fs::read(&path).expect("a fixture is readable");
            let html = String::from_utf8_lossy(&bytes);
            let url = format!("https://corpus.example/{}", pages);
            let doc = extract_html(
                &html,
                DocMeta {
                    url: url.clone(),
                    final_url: url,
                    source_kind: crate::SourceKind::Website,
                    fetched_at: String::new(),
                    content_sha256: String::new(),
                    content_language: None,
                },
            );
            pages += 1;
            for block in &doc.blocks {
                cases.push((Target::Text, block.text.clone(), Some(block.kind)));
                cases.push((Target::Text, block.text.clone(), None));
            }
            for link in &doc.links {
                cases.push((Target::LinkUrl, link.url.clone(), None));
                cases.push((Target::LinkRel, link.rel.join(" "), None));
            }
        }
    }
    assert!(pages > 100, "the fixtures were found: {pages} pages");
    let mut matched = 0;
    for (target, text, kind) in &cases {
        let filtered = rules.scan_block_with(*target, text, *kind, Prefilter::On);
        let every = rules.scan_block_with(*target, text, *kind, Prefilter::Off);
        assert_eq!(
            filtered, every,
            "{target:?} {kind:?}: the prefilter changed what matched in {text:?}"
        );
        matched += usize::from(!every.is_empty());
    }
    // Not vacuous: many of the texts match something.
    assert!(matched > 1000, "{matched} of {} texts matched", cases.len());
}

#[test]
fn a_regex_is_selected_by_its_rarest_words_with_spaces_as_scanned() {
    use crate::analyze::rules::compile::{required_literals, select_literal_groups};
    let text = |group: &Vec<Vec<u8>>| -> Vec<String> {
        group
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    };
    let groups = required_literals(r"\bkrypto\w*\s+(?:gratis|kostenlos)\b", 3);
    let all: Vec<Vec<String>> = groups.iter().map(text).collect();
    // The whole pattern's prefix, and the part after the space.
    assert!(all.contains(&vec!["krypto".to_string()]), "{all:?}");
    assert!(
        all.contains(&vec!["gratis".to_string(), "kostenlos".to_string()]),
        "{all:?}"
    );
    // Scanned text has single spaces, so `\s+` is written as one.
    let groups = required_literals(r"\bkonto\s+eroffnen\b", 3);
    assert_eq!(text(&groups[0]), vec!["konto eroffnen"]);
    // A word many regexes share ranks after a rarer one, and a group of
    // words too short to be distinctive is not required as well.
    let popularity = std::collections::HashMap::from([
        (b"krypto".to_vec(), 40),
        (b"gratis".to_vec(), 1),
        (b"kostenlos".to_vec(), 1),
    ]);
    let chosen = select_literal_groups(
        required_literals(r"\bkrypto\w*\s+(?:gratis|kostenlos)\b", 3),
        &popularity,
    );
    // The part after the space, or the pattern's suffix (the same words
    // after their space).
    let first: Vec<String> = text(&chosen[0])
        .iter()
        .map(|l| l.trim().to_string())
        .collect();
    assert_eq!(first, vec!["gratis", "kostenlos"]);
    let chosen = select_literal_groups(
        required_literals(r"\b(?:bitcoin|krypto)\w*\s+(?:ein|une)\b", 3),
        &popularity,
    );
    assert_eq!(chosen.len(), 1, "{chosen:?}");
}

#[test]
fn a_mark_folded_away_between_spaces_does_not_hide_a_match() {
    let rules = bundle(TWO_RULES).expect("the rules load");
    let folded = FoldedText::new("Konto \u{301} eröffnen");
    assert_eq!(folded.text, "konto eroffnen");
    let text = "Jetzt Konto \u{301} eröffnen";
    let hits = rules.scan(Target::Text, text);
    let matched: Vec<&str> = hits.iter().map(|h| &text[h.start..h.end]).collect();
    assert_eq!(matched, vec!["Konto \u{301} eröffnen"]);
}
