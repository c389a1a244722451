//! Every example of every bundled rule behaves as the rule says, and broken
//! pattern files are refused with errors that name the file, the line and
//! the rule id.

use micar_scan::analyze::rules::{RuleSet, RulesError};
use std::path::Path;

fn patterns_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/patterns"))
}

#[test]
fn every_bundled_example_behaves() {
    let set = RuleSet::bundled().unwrap_or_else(|e| panic!("the bundle does not load:\n{e}"));
    let failures = set.check_examples();
    for failure in &failures {
        eprintln!("{failure}");
    }
    println!(
        "{} rules, {} examples checked, {} failures",
        set.rules().len(),
        set.rules()
            .iter()
            .map(|r| r.examples.matches.len() + r.examples.no_match.len())
            .sum::<usize>(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} example failures (listed above)",
        failures.len()
    );
}

#[test]
fn bundle_on_disk_equals_bundle_compiled_in() {
    let on_disk = RuleSet::load_dir(patterns_dir()).unwrap_or_else(|e| panic!("{e}"));
    let bundled = RuleSet::bundled().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_disk.sha256(), bundled.sha256());
    assert_eq!(on_disk.rules().len(), bundled.rules().len());
}

#[test]
fn every_rule_has_the_fields_a_report_cites() {
    let set = RuleSet::bundled().unwrap_or_else(|e| panic!("{e}"));
    for rule in set.rules() {
        assert!(
            !rule.legal_ref.trim().is_empty(),
            "{}: empty legal_ref",
            rule.id
        );
        assert!(
            !rule.description.trim().is_empty(),
            "{}: empty description",
            rule.id
        );
        if rule.signal == micar_scan::Signal::Disclaimer {
            assert_eq!(
                rule.cures,
                Some(false),
                "{}: disclaimers must say cures = false",
                rule.id
            );
        }
    }
}

const GOOD_RULE: &str = r#"
[[rule]]
id = "payment.sepa.test"
category = "website"
signal = "payment"
weight = 2.0
legal_ref = "MiCAR Art. 61(1)"
description = "SEPA transfers are an EU payment rail"
phrases = ["sepa"]
examples.match = ["Deposit via SEPA"]
examples.no_match = ["Deposit via ACH"]
"#;

/// Writes `files` plus the real scoring.toml into a fresh directory and loads it.
fn load(files: &[(&str, &str)]) -> Result<RuleSet, RulesError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        patterns_dir().join("scoring.toml"),
        dir.path().join("scoring.toml"),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    RuleSet::load_dir(dir.path())
}

fn error_text(files: &[(&str, &str)]) -> String {
    match load(files) {
        Ok(_) => panic!("a broken bundle loaded: {files:?}"),
        Err(e) => e.to_string(),
    }
}

fn assert_names(error: &str, file_and_line: &str, rule_id: &str) {
    assert!(
        error.contains(file_and_line),
        "error should name `{file_and_line}`:\n{error}"
    );
    assert!(
        error.contains(&format!("`{rule_id}`")),
        "error should name rule `{rule_id}`:\n{error}"
    );
}

#[test]
fn a_good_rule_loads_and_passes_its_examples() {
    let set = load(&[("payment.toml", GOOD_RULE)]).unwrap();
    assert_eq!(set.rules().len(), 1);
    assert_eq!(set.rules()[0].line, 2);
    assert!(set.check_examples().is_empty());
}

#[test]
fn bad_toml_names_file_line_and_rule() {
    let broken = GOOD_RULE.replace("weight = 2.0", "weight = = 2.0");
    assert_names(
        &error_text(&[("broken.toml", &broken)]),
        "broken.toml:6",
        "payment.sepa.test",
    );
}

#[test]
fn unknown_key_names_file_line_and_rule() {
    let broken = GOOD_RULE.replace("weight = 2.0", "weight = 2.0\nwieght = 2.0");
    assert_names(
        &error_text(&[("typo.toml", &broken)]),
        "typo.toml:7",
        "payment.sepa.test",
    );
}

#[test]
fn missing_examples_name_file_line_and_rule() {
    let broken = GOOD_RULE.replace("examples.no_match = [\"Deposit via ACH\"]\n", "");
    let error = error_text(&[("noex.toml", &broken)]);
    assert_names(&error, "noex.toml:10", "payment.sepa.test");
    assert!(error.contains("no_match"), "{error}");
    let broken = GOOD_RULE
        .replace("examples.no_match = [\"Deposit via ACH\"]\n", "")
        .replace("examples.match = [\"Deposit via SEPA\"]\n", "");
    assert_names(
        &error_text(&[("noex.toml", &broken)]),
        "noex.toml:",
        "payment.sepa.test",
    );
}

#[test]
fn bad_regex_names_file_line_and_rule() {
    let broken = GOOD_RULE.replace(
        "phrases = [\"sepa\"]",
        "phrases = [\"sepa\"]\nregex = ['\\bsepa(\\s+instant']",
    );
    let error = error_text(&[("regex.toml", &broken)]);
    assert_names(&error, "regex.toml:10", "payment.sepa.test");
    assert!(error.contains("bad regex"), "{error}");
}

#[test]
fn duplicate_id_names_both_places() {
    let error = error_text(&[("a.toml", GOOD_RULE), ("b.toml", GOOD_RULE)]);
    assert_names(&error, "b.toml:2", "payment.sepa.test");
    assert!(error.contains("a.toml:2"), "{error}");
}

#[test]
fn unknown_category_names_file_line_and_rule() {
    let broken = GOOD_RULE.replace("category = \"website\"", "category = \"webshop\"");
    let error = error_text(&[("cat.toml", &broken)]);
    assert_names(&error, "cat.toml:4", "payment.sepa.test");
    assert!(error.contains("webshop"), "{error}");
}

#[test]
fn every_error_of_a_bundle_is_reported_at_once() {
    let unknown_signal = GOOD_RULE
        .replace("payment.sepa.test", "payment.other")
        .replace("signal = \"payment\"", "signal = \"paymnet\"");
    let negative = GOOD_RULE
        .replace("payment.sepa.test", "payment.third")
        .replace("weight = 2.0", "weight = -1.0");
    let error = error_text(&[("one.toml", &unknown_signal), ("two.toml", &negative)]);
    assert!(error.starts_with("2 errors"), "{error}");
    assert_names(&error, "one.toml:5", "payment.other");
    assert_names(&error, "two.toml:6", "payment.third");
}

#[test]
fn failing_examples_are_reported_with_rule_and_example() {
    let wrong = GOOD_RULE.replace("Deposit via ACH", "SEPA Instant is free");
    let set = load(&[("wrong.toml", &wrong)]).unwrap();
    let failures = set.check_examples();
    assert_eq!(failures.len(), 1);
    let text = failures[0].to_string();
    assert!(
        text.contains("wrong.toml:2")
            && text.contains("payment.sepa.test")
            && text.contains("SEPA Instant is free"),
        "{text}"
    );
}
