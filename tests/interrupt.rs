//! Stopping a scan: SIGTERM mid-scan leaves a whole report marked partial.

mod common;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::TestServer;
use std::process::{Command, Stdio};
use std::time::Duration;

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_scan_leaves_a_whole_partial_report() {
    // An endless, slow site: every page takes 200 ms and links to three more.
    async fn page(axum::extract::Path(n): axum::extract::Path<u64>) -> Html<String> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Html(format!(
            "<html><body><a href=\"/p/{}\">a</a><a href=\"/p/{}\">b</a><a href=\"/p/{}\">c</a></body></html>",
            3 * n + 1,
            3 * n + 2,
            3 * n + 3
        ))
    }
    let router = Router::new()
        .route(
            "/",
            get(|| async { Html("<a href=\"/p/0\">start</a>".to_string()) }),
        )
        .route("/p/{n}", get(page));
    let server = TestServer::start(router).await;

    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("slow.toml");
    std::fs::write(
        &config_path,
        format!(
            "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nrespect_robots = false\nsitemaps = false\nper_host_rate = 50.0\nconcurrency = 2\nmax_depth = 1000\n[scan.resolve]\n\"slow.example\" = \"{}\"\n\n[[firm]]\nname = \"Slow Exchange\"\nwebsites = [\"http://slow.example/\"]\n",
            server.addr()
        ),
    )
    .unwrap();
    let report_path = dir.path().join("report.json");

    let child = Command::new(assert_cmd::cargo::cargo_bin("micar-scan"))
        .arg("scan")
        .arg(&config_path)
        .arg("--output")
        .arg(&report_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    // Wait until the crawl is well under way.
    for _ in 0..100 {
        if server.total_hits() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.total_hits() >= 5, "the scan did not get going");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let hits_at_exit = server.total_hits();

    let text = std::fs::read_to_string(&report_path).expect("a report was written");
    let report: micar_scan::model::report::Report =
        serde_json::from_str(&text).expect("the report is whole JSON");
    assert_eq!(
        report.scan.status,
        micar_scan::model::report::ScanStatus::Partial
    );
    assert!(
        report
            .scan
            .partial_reasons
            .iter()
            .any(|r| r.contains("interrupted")),
        "{:?}",
        report.scan.partial_reasons
    );
    assert!(!report.firms[0].pages.is_empty());
    // Nothing more is fetched once the process is gone.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.total_hits(), hits_at_exit);
    // No temporary files are left beside the report.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
