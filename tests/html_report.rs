//! The HTML report in a real browser: a hand-written sample report (two
//! firms, findings in several activities and languages, a disclaimer) is
//! rendered with the changes since a "previous night", written to a file and
//! opened in headless Chromium, which must show the verdict badges and the
//! marked snippets and take a screenshot.
//!
//! Chromium runs with networking features switched off and the page refers
//! to nothing outside itself, which the test checks on the HTML first.
//! Without Chromium the browser part is skipped, unless
//! `MICAR_SCAN_REQUIRE_CHROMIUM` is set, in which case it fails.
//! `MICAR_SCAN_UPDATE_DOCS=1` also copies the screenshot to
//! `docs/report-screenshot.png`.

use micar_scan::model::report::Report;
use micar_scan::report::diff::diff;
use micar_scan::report::html::render;
use micar_scan::Level;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Only a guard against a browser that never exits; not a speed limit.
const CHROMIUM_HANG_GUARD: Duration = Duration::from_secs(180);

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample() -> Report {
    let path = manifest_dir().join("fixtures/reports/sample.json");
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The sample as it might have looked the night before: the social post was
/// not there yet, the affiliate page carried a different code, Harbourline's
/// verdict was lower and one of its findings has since gone.
fn previous_night(tonight: &Report) -> Report {
    let mut before = tonight.clone();
    before.scan.id = "nightly-20261127T020000Z-51c0".into();
    before.scan.started_at = "2026-11-27T02:00:00Z".into();
    before.scan.finished_at = "2026-11-27T02:06:58Z".into();
    let nordlicht = &mut before.firms[0];
    nordlicht
        .findings
        .retain(|f| &*f.rule_id != "social.region_greeting");
    let invite = nordlicht
        .findings
        .iter_mut()
        .find(|f| &*f.rule_id == "affiliate.invite_code")
        .unwrap();
    invite.snippet = invite.snippet.replace("NORD25", "NORD10");
    let harbourline = &mut before.firms[1];
    harbourline.verdict.level = Level::None;
    harbourline.verdict.score = 1.5;
    let mut gone = harbourline.findings[0].clone();
    gone.rule_id = "currency.eur_amount".into();
    gone.matched = "EUR".into();
    gone.snippet = "Wpłaty w EUR i PLN bez prowizji".into();
    harbourline.findings.push(gone);
    before
}

fn known_urls(report: &Report) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    for firm in &report.firms {
        urls.extend(firm.findings.iter().map(|f| f.url.to_string()));
        urls.extend(firm.sources.iter().map(|s| s.url.clone()));
        for page in &firm.pages {
            urls.insert(page.url.clone());
            urls.insert(page.final_url.clone());
        }
        urls.extend(firm.errors.iter().map(|e| e.url.clone()));
    }
    urls.extend(report.errors.iter().map(|e| e.url.clone()));
    urls
}

/// Every `http(s)://` in the page must be a URL of the report shown as a
/// link or as text: nothing the browser would load by itself.
fn assert_self_contained(html: &str, report: &Report) {
    for forbidden in [
        "src=", "<link", "<script", "@import", "url(", "<iframe", "<img", "<object", "<embed",
    ] {
        assert!(!html.contains(forbidden), "the page contains `{forbidden}`");
    }
    let known = known_urls(report);
    let mut rest = html;
    let mut seen = 0;
    while let Some(start) = rest.find("http") {
        let tail = &rest[start..];
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let end = tail.find(['"', '<', ' ']).unwrap_or(tail.len());
            let url = tail[..end].replace("&amp;", "&");
            assert!(known.contains(&url), "unexpected reference to {url}");
            seen += 1;
        }
        rest = &tail[4..];
    }
    assert!(seen > 10, "the finding URLs should be shown");
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MICAR_SCAN_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `page` with `extra` arguments; returns stdout.
fn run_chromium(chromium: &Path, work: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir_in(work).unwrap();
    let stdout_path = work.join("chromium.stdout");
    let stderr_path = work.join("chromium.stderr");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHROMIUM_HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not exit within {CHROMIUM_HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    std::fs::read_to_string(&stdout_path).unwrap()
}

#[test]
fn sample_report_renders_in_headless_chromium() {
    let tonight = sample();
    let changes = diff(&previous_night(&tonight), &tonight);
    assert!(!changes.is_empty());
    let html = render(&tonight, Some(&changes));
    assert_self_contained(&html, &tonight);

    let work = tempfile::tempdir().unwrap();
    let page = work.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    let Some(chromium) = find_chromium() else {
        if std::env::var_os("MICAR_SCAN_REQUIRE_CHROMIUM").is_some() {
            panic!("chromium is required (MICAR_SCAN_REQUIRE_CHROMIUM is set) but was not found");
        }
        eprintln!("skipping the browser part: chromium not found (install the `chromium` package)");
        return;
    };

    let dom = run_chromium(&chromium, work.path(), &page, &["--dump-dom".to_string()]);
    assert!(
        dom.contains("<span class=\"badge badge-strong\">strong</span>"),
        "{dom}"
    );
    assert!(dom.contains("<span class=\"badge badge-weak\">weak</span>"));
    assert!(dom.contains("<span class=\"badge badge-none\">none</span>"));
    assert!(dom.contains("Bitcoin in Minuten kaufen – <mark>Jetzt registrieren</mark> und"));
    assert!(dom.contains("<mark>gm Europe</mark>"));
    assert!(dom.contains("cures: false — recorded, not a cure"));
    assert_eq!(dom.matches("<svg").count(), 4, "two charts per firm");
    assert!(dom.contains("id=\"changes\""));

    let screenshot = work.path().join("report.png");
    run_chromium(
        &chromium,
        work.path(),
        &page,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2000".to_string(),
        ],
    );
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 1280);
    assert!(png.len() > 10_000, "suspiciously small screenshot");

    if std::env::var_os("MICAR_SCAN_UPDATE_DOCS").is_some() {
        let docs = manifest_dir().join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&screenshot, docs.join("report-screenshot.png")).unwrap();
    }
}

#[test]
fn sample_fixture_matches_the_report_types() {
    let report = sample();
    assert_eq!(report.firms.len(), 2);
    let findings: usize = report.firms.iter().map(|f| f.findings.len()).sum();
    assert!(findings >= 10);
    // Re-serialising and parsing again loses nothing the fixture holds.
    let again: Report = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(again, report);
    for firm in &report.firms {
        for finding in &firm.findings {
            assert!(
                finding.snippet.contains(&finding.matched),
                "{}: snippet must contain the matched text",
                finding.rule_id
            );
            assert_eq!(finding.content_sha256.len(), 64);
        }
    }
}
