use super::*;
use crate::model::report::FirmReport;
use crate::model::report::ScanInfo;
use crate::model::report::ScanStatus;
use crate::model::report::Tool;
use crate::model::report::NOTICE;
use crate::model::report::SCHEMA_VERSION;
use crate::model::time::rfc3339;
use crate::model::Verdict;

fn sample() -> Report {
    Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool::default(),
        scan: ScanInfo {
            id: "scan-1".into(),
            started_at: "2026-11-28T16:00:00Z".into(),
            finished_at: "2026-11-28T16:01:00Z".into(),
            status: ScanStatus::Complete,
            partial_reasons: vec![],
            config_sha256: "00".into(),
            patterns_sha256: "11".into(),
            user_agent: "ua".into(),
            rendering: None,
        },
        firms: vec![],
        errors: vec![],
        watched: Vec::new(),
        notice: NOTICE.into(),
        changes: None,
    }
}

fn firm(name: &str, slug: &str) -> FirmReport {
    FirmReport {
        name: name.into(),
        slug: slug.into(),
        home_country: None,
        verdict: Verdict::default(),
        sources: vec![],
        pages: vec![],
        findings: vec![],
        errors: vec![],
        outgoing_links: vec![],
        app_store: vec![],
        geo: vec![],
        coverage: Default::default(),
        register: None,
    }
}

#[test]
fn latest_reports_are_kept_per_scan_and_per_firm_and_old_ones_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = sample();
    report.firms = vec![firm("Alpha Ltd", "alpha-ltd"), firm("Beta", "beta")];
    for stamp in ["20261101T020000Z", "20261102T020000Z", "20261103T020000Z"] {
        std::fs::write(dir.path().join(format!("scan-{stamp}.json")), "{}").unwrap();
        std::fs::write(dir.path().join(format!("scan-{stamp}.manifest.json")), "{}").unwrap();
    }
    std::fs::write(dir.path().join("scanner-notes.json"), "{}").unwrap();
    update_latest(dir.path(), &report, Some(2)).unwrap();

    assert_eq!(
        Report::read(&dir.path().join("latest.json")).unwrap(),
        report
    );
    let alpha = Report::read(&dir.path().join("alpha-ltd/latest.json")).unwrap();
    assert_eq!(alpha.firms.len(), 1);
    assert_eq!(alpha.firms[0].name, "Alpha Ltd");
    assert_eq!(alpha.scan, report.scan);
    assert!(dir.path().join("beta/latest.json").exists());

    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![
            "latest.json",
            "scan-20261102T020000Z.json",
            "scan-20261102T020000Z.manifest.json",
            "scan-20261103T020000Z.json",
            "scan-20261103T020000Z.manifest.json",
            "scanner-notes.json",
        ]
    );
}

#[test]
fn scan_files_are_named_after_their_only_firm() {
    assert_eq!(scan_slug(["alpha".to_string()].into_iter()), "alpha");
    assert_eq!(
        scan_slug(["a".to_string(), "b".to_string()].into_iter()),
        "scan"
    );
    assert_eq!(scan_slug(std::iter::empty()), "scan");
}

#[test]
fn report_round_trips_through_json() {
    let report = sample();
    let text = report.to_json().unwrap();
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
    assert!(text.contains("\"status\": \"complete\""));
}

#[test]
fn atomic_write_leaves_only_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/report.json");
    sample().write_atomic(&path).unwrap();
    let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("report.json")]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    assert_eq!(Report::read(&path).unwrap(), sample());
}

#[test]
fn timestamps_are_utc_seconds() {
    let at = time::macros::datetime!(2026-11-28 17:05:09.123 +01:00);
    assert_eq!(rfc3339(at), "2026-11-28T16:05:09Z");
    let path = default_path(Path::new("reports"), "ex", at);
    assert_eq!(path, PathBuf::from("reports/ex-20261128T160509Z.json"));
}
