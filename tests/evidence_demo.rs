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
    assert!(String::from_utf8_lossy(&output.stdout).contains("all verified"));
}
