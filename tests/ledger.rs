//! `micar-scan ledger` through the real binary, on the demo's ledger
//! example (`fixtures/demo/ledger/`): every outcome and reason, the exit
//! codes, errors with file:line:column that leave nothing half-written, the
//! scan report's `request_after_solicitation` flag, and the published schema.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const REQUESTS: &str = "fixtures/demo/ledger/requests.csv";
const OFFERS: &str = "fixtures/demo/ledger/offers.csv";
const EXTRA_ASSETS: &str = "fixtures/demo/ledger/assets-extra.toml";

fn ledger(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("micar-scan")
        .expect("the binary is built")
        .arg("ledger")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn outcomes(json: &Value) -> Vec<(String, String, Option<String>)> {
    json["offers"]
        .as_array()
        .expect("offers[]")
        .iter()
        .map(|o| {
            (
                o["offer_id"].as_str().unwrap().to_string(),
                o["outcome"].as_str().unwrap().to_string(),
                o["reason"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn reason_of(json: &Value, offer: &str) -> Option<String> {
    outcomes(json)
        .into_iter()
        .find(|(id, _, _)| id == offer)
        .unwrap_or_else(|| panic!("no outcome for {offer}"))
        .2
}

#[test]
fn the_example_produces_every_outcome_and_reason() {
    let output = ledger(&["--requests", REQUESTS, "--offers", OFFERS]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let expected = [
        ("OF-01", "covered", None),
        ("OF-02", "covered", None), // XBT is BTC, on the window's last day
        ("OF-03", "violation", Some("outside_window")),
        ("OF-04", "violation", Some("before_request")),
        ("OF-05", "covered", None),
        ("OF-06", "violation", Some("other_service")),
        ("OF-07", "violation", Some("other_asset_type")),
        ("OF-08", "violation", Some("firm_initiated")),
        ("OF-09", "violation", Some("other_asset_type")),
        ("OF-11", "covered", None), // USDT to USDC: both USD e-money tokens
        ("OF-12", "violation", Some("other_asset_type")),
        ("OF-13", "unassessed", Some("unknown_asset")),
        ("OF-14", "violation", Some("no_request")),
    ];
    let expected: Vec<(String, String, Option<String>)> = expected
        .iter()
        .map(|(id, outcome, reason)| {
            (
                id.to_string(),
                outcome.to_string(),
                reason.map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        outcomes(&json),
        expected,
        "OF-10 goes to a US client: skipped"
    );
    let of09 = json["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["offer_id"] == "OF-09")
        .unwrap();
    assert_eq!(of09["differs"], serde_json::json!(["technology"]));
    assert_eq!(json["totals"]["skipped_outside_eea"], 1);
    assert_eq!(json["totals"]["violations"], 8);
    assert_eq!(
        json["offers_file"]["sha256"].as_str().map(str::len),
        Some(64),
        "the input's digest is recorded"
    );

    // The firm's own catalogue entry settles the unknown asset.
    let output = ledger(&[
        "--requests",
        REQUESTS,
        "--offers",
        OFFERS,
        "--assets",
        EXTRA_ASSETS,
    ]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        reason_of(&json, "OF-13").as_deref(),
        Some("other_asset_type")
    );
}

#[test]
fn fail_on_violation_exits_1_and_a_clean_ledger_exits_0() {
    let output = ledger(&[
        "--requests",
        REQUESTS,
        "--offers",
        OFFERS,
        "--fail-on-violation",
    ]);
    assert_eq!(output.status.code(), Some(1));

    let dir = tempfile::tempdir().unwrap();
    let offers = dir.path().join("offers.csv");
    std::fs::write(
        &offers,
        "offer_id,client_id,sent_at,channel,service,asset\nX1,AUR-1001,2026-02-01,e-mail,buy,BTC\n",
    )
    .unwrap();
    let output = ledger(&[
        "--requests",
        REQUESTS,
        "--offers",
        offers.to_str().unwrap(),
        "--fail-on-violation",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_bad_row_halfway_exits_2_with_its_place_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let offers = dir.path().join("offers.csv");
    let mut text = String::from("offer_id,client_id,sent_at,channel,service,asset\n");
    for i in 0..500 {
        text.push_str(&format!("O{i},AUR-1001,2026-02-01,e-mail,buy,BTC\n"));
    }
    text.push_str("O-bad,AUR-1001,2026-02-01,e-mail,staking,BTC\n");
    std::fs::write(&offers, text).unwrap();
    let out_path = dir.path().join("ledger.json");

    let output = ledger(&[
        "--requests",
        REQUESTS,
        "--offers",
        offers.to_str().unwrap(),
        "--output",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("offers.csv:502:34: unknown service `staking`"),
        "{stderr}"
    );
    assert!(!out_path.exists(), "nothing is half-written");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

    // To standard output, too, nothing of the 500 good rows is printed.
    let output = ledger(&["--requests", REQUESTS, "--offers", offers.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn requests_after_the_scan_found_solicitation_are_flagged() {
    // The sample report's Nordlicht Exchange: German and French findings
    // and SEPA (the whole EEA), fetched on 2026-11-28 from 02:00.
    let dir = tempfile::tempdir().unwrap();
    let requests = dir.path().join("requests.csv");
    std::fs::write(
        &requests,
        "client_id,requested_at,country,service,asset\n\
         early,2026-11-27,DE,exchange_fiat,BTC\n\
         late-de,2026-11-28T02:00:30Z,DE,exchange_fiat,BTC\n\
         late-us,2026-12-01,US,exchange_fiat,BTC\n",
    )
    .unwrap();
    let offers = dir.path().join("offers.csv");
    std::fs::write(
        &offers,
        "offer_id,client_id,sent_at,channel,service,asset\n\
         X1,late-de,2026-12-02,e-mail,exchange_fiat,BTC\n",
    )
    .unwrap();
    let args = [
        "--requests",
        requests.to_str().unwrap(),
        "--offers",
        offers.to_str().unwrap(),
        "--report",
        "fixtures/reports/sample.json",
    ];
    let output = ledger(&args);
    assert_eq!(output.status.code(), Some(2), "the report holds two firms");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--firm"));

    let mut with_firm = args.to_vec();
    with_firm.extend(["--firm", "Nordlicht Exchange Ltd"]);
    let output = ledger(&with_firm);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let flags = json["flagged_requests"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0]["client_id"], "late-de");
    assert_eq!(flags[0]["flag"], "request_after_solicitation");
    assert_eq!(flags[0]["line"], 3);
    let ids = flags[0]["finding_ids"].as_array().unwrap();
    // The German call to action and the euro price of the first page
    // (02:00:04); the SEPA finding came at 02:01:10, after the request.
    assert_eq!(
        ids.len(),
        2,
        "only what was fetched before 02:00:30: {ids:?}"
    );
    let offer = &json["offers"][0];
    assert_eq!(offer["outcome"], "covered");
    assert_eq!(
        offer["warnings"],
        serde_json::json!(["request_after_solicitation"])
    );
}

#[test]
fn the_output_follows_the_published_schema() {
    let schema_text = std::fs::read_to_string("reports/ledger-schema.json")
        .expect("reports/ledger-schema.json is checked in");
    assert!(
        schema_text == micar_scan::ledger::ledger_schema_json(),
        "reports/ledger-schema.json is stale: run `cargo run -- schema --ledger > reports/ledger-schema.json`"
    );
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let output = ledger(&[
        "--requests",
        REQUESTS,
        "--offers",
        OFFERS,
        "--report",
        "fixtures/reports/sample.json",
        "--firm",
        "nordlicht-exchange-ltd",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(Path::new(REQUESTS).exists());
}
