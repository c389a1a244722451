//! `micar-scan rules list|test` as a compliance officer uses them, and a
//! broken pattern directory refused with file, line and rule named.

use assert_cmd::Command;
use predicates::prelude::*;

fn micar_scan() -> Command {
    Command::cargo_bin("micar-scan").expect("binary builds")
}

#[test]
fn rules_list_shows_every_rule_with_its_category_and_weight() {
    let output = micar_scan().args(["rules", "list"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let rules = micar_scan::analyze::rules::RuleSet::bundled().unwrap();
    for rule in rules.rules().iter().step_by(50) {
        assert!(text.contains(&rule.id), "{} missing from the list", rule.id);
    }
    assert!(text.contains(&format!("{} rules", rules.rules().len())));
}

#[test]
fn rules_test_prints_each_finding_of_a_page() {
    micar_scan()
        .args([
            "rules",
            "test",
            "fixtures/corpus/de-exchange-signup.html",
            "--url",
            "https://krypto-handel.example/de/registrieren",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("cta."))
        .stdout(predicate::str::contains("level strong"));
}

#[test]
fn rules_test_reads_standard_input() {
    micar_scan()
        .args(["rules", "test", "-", "--url", "https://boerse.example/de/"])
        .write_stdin("<html lang=de><body><p>Jetzt Konto eröffnen und Bitcoin per SEPA in Euro kaufen.</p></body></html>")
        .assert()
        .success()
        .stdout(predicate::str::contains("payment"));
}

#[test]
fn a_broken_pattern_directory_exits_2_naming_file_line_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scoring.toml"),
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/patterns/scoring.toml"
        )),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "[[rule]]\nid = \"cta.broken.de\"\ncategory = \"website\"\nsignal = \"cta\"\nweight = 1.0\nlegal_ref = \"MiCAR Art. 61(1)\"\ndescription = \"broken\"\nregex = ['(unclosed']\nexamples.match = [\"x\"]\nexamples.no_match = [\"y\"]\n",
    )
    .unwrap();
    micar_scan()
        .args(["rules", "list", "--patterns"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.toml"))
        .stderr(predicate::str::contains("cta.broken.de"))
        .stderr(predicate::str::is_match(r"broken\.toml:\d+").unwrap());
}
