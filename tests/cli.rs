//! The command line as a user meets it: exit codes, messages naming file and
//! line for bad configuration, and the checked-in schema being current.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn micar_scan() -> Command {
    Command::cargo_bin("micar-scan").expect("binary builds")
}

#[test]
fn bad_config_files_exit_2_naming_file_and_line() {
    let cases = [
        ("unknown-key.toml", ":3:", "max_pagez"),
        ("bad-url.toml", ":8:", "firm[0].websites[1]"),
        ("bad-duration.toml", ":2:", "20 parsecs"),
        ("missing-firm.toml", ":", "no firm to scan"),
        ("bad-value.toml", ":2:", "concurrency"),
    ];
    for (file, line, needle) in cases {
        let path = Path::new("fixtures/config").join(file);
        micar_scan()
            .arg("scan")
            .arg(&path)
            .arg("--output")
            .arg("-")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{}{line}",
                path.display()
            )))
            .stderr(predicate::str::contains(needle));
    }
}

#[test]
fn missing_config_file_exits_2() {
    micar_scan()
        .args(["scan", "fixtures/config/does-not-exist.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist.toml"));
}

#[test]
fn usage_errors_exit_2() {
    micar_scan().arg("scan").assert().code(2);
    micar_scan()
        .args(["scan", "x.toml", "--fail-on", "very"])
        .assert()
        .code(2);
    micar_scan().arg("frobnicate").assert().code(2);
}

#[test]
fn example_config_is_valid_and_documents_the_defaults() {
    let config = micar_scan::config::Config::load(Path::new("micar-scan.example.toml"))
        .expect("the shipped example configuration loads");
    assert_eq!(config.firms.len(), 1);
    assert_eq!(
        config.scan,
        micar_scan::config::ScanSettings {
            user_agent: "micar-scan/0.1 (+https://example.org/contact)".into(),
            ..Default::default()
        },
        "the example documents the defaults; keep them in step"
    );
    assert_eq!(config.evidence, Default::default());
}

#[test]
fn checked_in_schema_is_current() {
    let checked_in =
        std::fs::read_to_string("reports/schema.json").expect("reports/schema.json is checked in");
    assert!(
        checked_in == micar_scan::report::schema_json(),
        "reports/schema.json is stale: run `cargo run -- schema > reports/schema.json`"
    );
    micar_scan()
        .arg("schema")
        .assert()
        .success()
        .stdout(predicate::eq(checked_in));
}

#[test]
fn help_is_available_for_every_command() {
    for args in [
        vec!["--help"],
        vec!["scan", "--help"],
        vec!["demo", "--help"],
        vec!["rules", "--help"],
        vec!["rules", "test", "--help"],
    ] {
        micar_scan()
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}
