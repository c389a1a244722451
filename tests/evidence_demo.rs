//! The demo's own evidence bundle verifies offline: every finding the demo
//! reports, derived quotes included, stands in the archive it wrote.

use assert_cmd::Command;

#[test]
fn demo_archive_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("demo.json");
    Command::cargo_bin("micar-scan")
        .unwrap()
        .arg("demo")
        .arg("--output")
        .arg(&report)
        .arg("--warc")
        .arg(dir.path().join("warc"))
        .assert()
        .success();
    let verified = Command::cargo_bin("micar-scan")
        .unwrap()
        .arg("verify")
        .arg(&report)
        .assert();
    let output = verified.get_output();
    assert!(
        output.status.success(),
        "verify failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("all verified"), "{stdout}");

    // The geo probe's pages are archived and cited too: 4 firms, 3 vantages,
    // up to 3 pages each. Tampering with one's hash is named.
    let count = |stdout: &str| {
        stdout
            .split(" geo-probe pages")
            .next()
            .and_then(|head| head.rsplit(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    };
    assert!(count(&stdout) >= 12, "{stdout}");
    // The cloaker's hops are archived and cited: three requests in the demo.
    let hops = stdout
        .split(" redirect hops")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    assert!(hops >= 3, "{stdout}");
    let text = std::fs::read_to_string(&report).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let page = &mut json["firms"][0]["geo"][0]["pages"][0];
    page["content_sha256"] = serde_json::Value::String("0".repeat(64));
    // A hop that claims another status than the archived response is named too.
    let chained = json["firms"][0]["findings"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| {
            f.pointer("/attribution/redirect/hops/0/warc_record_id")
                .is_some()
        })
        .expect("a finding with an archived redirect hop");
    chained["attribution"]["redirect"]["hops"][0]["status"] = serde_json::json!(301);
    std::fs::write(&report, serde_json::to_vec(&json).unwrap()).unwrap();
    let tampered = Command::cargo_bin("micar-scan")
        .unwrap()
        .arg("verify")
        .arg(&report)
        .assert();
    let output = tampered.get_output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(
        stdout.contains("report geo probe from DE: http://aurora-exchange.example/")
            && stdout.contains("content_sha256 is 0000"),
        "{stdout}"
    );
    assert!(
        stdout.contains("redirect hop 1: says HTTP 301, but"),
        "{stdout}"
    );
}
