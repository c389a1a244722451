//! Conditional re-scans through the real binary: a second scan with
//! `--baseline` sends the validators of the first, pages answered
//! `304 Not Modified` are carried over with their findings and original
//! capture, changed pages are fetched again, and the bundle still verifies.

mod common;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use common::{arg, micar_scan, scan_ok, TestServer};
use micar_scan::model::report::{FirmReport, Report};
use micar_scan::model::{Finding, Page};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// One resource of the synthetic site and the validators it is served with.
#[derive(Clone)]
struct Resource {
    body: String,
    etag: Option<String>,
    last_modified: Option<SystemTime>,
}

/// The site, and what status each path was answered with, per scan.
#[derive(Default)]
struct Site {
    resources: HashMap<String, Resource>,
    answers: Vec<(String, u16)>,
}

type Shared = Arc<Mutex<Site>>;

/// Answers `304` exactly as RFC 9110 §13.1 asks: `If-None-Match` decides
/// when sent (weak comparison), else `If-Modified-Since`.
fn not_modified(resource: &Resource, request: &HeaderMap) -> bool {
    if let Some(sent) = request.get(header::IF_NONE_MATCH) {
        let sent = sent.to_str().unwrap_or("");
        let Some(etag) = &resource.etag else {
            return false;
        };
        let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
        return sent.split(',').any(|tag| weak(tag) == weak(etag));
    }
    match (
        request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok()),
        resource.last_modified,
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

async fn serve(State(site): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let mut site = site.lock().unwrap();
    let Some(resource) = site.resources.get(&path).cloned() else {
        site.answers.push((path, 404));
        return StatusCode::NOT_FOUND.into_response();
    };
    let unchanged = not_modified(&resource, request.headers());
    site.answers.push((path, if unchanged { 304 } else { 200 }));
    let mut headers = HeaderMap::new();
    if let Some(etag) = &resource.etag {
        headers.insert(header::ETAG, etag.parse().unwrap());
    }
    if let Some(modified) = resource.last_modified {
        headers.insert(
            header::LAST_MODIFIED,
            httpdate::fmt_http_date(modified).parse().unwrap(),
        );
    }
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        "text/html; charset=utf-8".parse().unwrap(),
    );
    (StatusCode::OK, headers, resource.body).into_response()
}

fn html(body: &str) -> String {
    format!("<!doctype html><html lang=\"de\"><head><title>Krypto Handel</title></head><body>{body}</body></html>")
}

fn started_site() -> Site {
    // HTTP dates have whole seconds; a finer time would never compare equal.
    let an_hour_ago = httpdate::parse_http_date(&httpdate::fmt_http_date(
        SystemTime::now() - Duration::from_secs(3600),
    ))
    .unwrap();
    let page = |body: &str, etag: Option<&str>, dated: bool| Resource {
        body: html(body),
        etag: etag.map(str::to_string),
        last_modified: dated.then_some(an_hour_ago),
    };
    let mut resources = HashMap::new();
    resources.insert(
        "/".to_string(),
        page(
            "<p>Kryptowährungen sicher handeln.</p><a href=\"/angebot\">Angebot</a> <a href=\"/hilfe\">Hilfe</a> <a href=\"/ohne\">Ohne</a> <a href=\"/wechsel\">Wechsel</a> <a rel=\"sponsored\" href=\"http://partner.example/?ref=kh\">Partner</a>",
            Some("\"home-1\""),
            true,
        ),
    );
    resources.insert(
        "/angebot".to_string(),
        page(
            "<h1>Bitcoin kaufen</h1><p>Jetzt registrieren und mit SEPA in Euro einzahlen: 50 € Bonus.</p>",
            Some("\"angebot-1\""),
            false,
        ),
    );
    // Only a date: revalidated through If-Modified-Since. The one way to
    // `/tief` goes through this page, so the crawl must follow the links of
    // a page it did not download again.
    resources.insert(
        "/hilfe".to_string(),
        page(
            "<p>Einzahlungen per SEPA-Überweisung in Euro sind kostenlos.</p><a href=\"/tief\">Mehr</a>",
            None,
            true,
        ),
    );
    resources.insert(
        "/tief".to_string(),
        page(
            "<p>Auszahlungen nach Deutschland und Österreich in Euro.</p>",
            Some("W/\"tief-1\""),
            false,
        ),
    );
    // No validator at all: fetched in full every time.
    resources.insert(
        "/ohne".to_string(),
        page(
            "<p>Jetzt Konto eröffnen und Bitcoin kaufen.</p>",
            None,
            false,
        ),
    );
    // Same content, but its validator changes between the scans.
    resources.insert(
        "/wechsel".to_string(),
        page(
            "<p>Handeln Sie Ethereum mit Euro.</p>",
            Some("\"wechsel-1\""),
            false,
        ),
    );
    Site {
        resources,
        answers: Vec::new(),
    }
}

fn write_config(dir: &Path, server: &TestServer) -> PathBuf {
    let text = format!(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 1000.0\nsitemaps = false\nmax_retries = 0\n[scan.resolve]\n\"krypto-handel.example\" = \"{}\"\n\n[[firm]]\nname = \"Krypto Handel\"\nwebsites = [\"http://krypto-handel.example/\"]\n",
        server.addr()
    );
    let path = dir.join("conditional.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn path_of(url: &str) -> String {
    url::Url::parse(url).unwrap().path().to_string()
}

fn pages_by_path(firm: &FirmReport) -> BTreeMap<String, &Page> {
    firm.pages.iter().map(|p| (path_of(&p.url), p)).collect()
}

fn findings_of<'a>(firm: &'a FirmReport, path: &str) -> Vec<&'a Finding> {
    firm.findings
        .iter()
        .filter(|f| path_of(&f.url) == path)
        .collect()
}

/// Answers per path, from the `from`th request on.
fn answers_since(site: &Shared, from: usize) -> BTreeMap<String, BTreeSet<u16>> {
    let site = site.lock().unwrap();
    let mut answers: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for (path, status) in &site.answers[from..] {
        answers.entry(path.clone()).or_default().insert(*status);
    }
    answers
}

#[tokio::test(flavor = "multi_thread")]
async fn unchanged_pages_are_revalidated_and_carried_over_and_the_diff_names_only_the_changed_page()
{
    let site: Shared = Arc::new(Mutex::new(started_site()));
    let server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&site))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let warc = dir.path().join("warc");
    let first = dir.path().join("night-1/report.json");
    let second = dir.path().join("night-2/report.json");

    scan_ok(&config, &first, &["--warc", &arg(&warc)]).await;
    let first_requests = site.lock().unwrap().answers.len();
    let first_hits = server.total_hits();

    {
        let mut site = site.lock().unwrap();
        let angebot = site.resources.get_mut("/angebot").unwrap();
        angebot.body = html(
            "<h1>Bitcoin kaufen</h1><p>Konto eröffnen und per iDEAL einzahlen: 50 € Bonus.</p>",
        );
        angebot.etag = Some("\"angebot-2\"".into());
        site.resources.get_mut("/wechsel").unwrap().etag = Some("\"wechsel-2\"".into());
    }

    let out = micar_scan(vec![
        "scan".into(),
        arg(&config),
        "--output".into(),
        arg(&second),
        "--warc".into(),
        arg(&warc),
        "--baseline".into(),
        arg(&first),
        "--html".into(),
        arg(&dir.path().join("night-2/report.html")),
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("night-2/report.html")).unwrap();
    assert!(
        html.contains("6 pages (3 unchanged since the baseline)"),
        "{html}"
    );

    // What the server answered on the second night, and what it was asked.
    let answers = answers_since(&site, first_requests);
    let expect = |path: &str, status: u16| {
        assert_eq!(
            answers.get(path),
            Some(&BTreeSet::from([status])),
            "{path}: {answers:?}"
        );
    };
    for path in ["/", "/hilfe", "/tief"] {
        expect(path, 304);
    }
    for path in ["/angebot", "/ohne", "/wechsel"] {
        expect(path, 200);
    }
    let second_hits: Vec<_> = server.hits()[first_hits..].to_vec();
    let sent = |path: &str, name: &str| {
        second_hits
            .iter()
            .find(|hit| hit.path == path)
            .and_then(|hit| hit.headers.get(name))
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(sent("/", "if-none-match").as_deref(), Some("\"home-1\""));
    assert!(sent("/hilfe", "if-modified-since").is_some());
    assert_eq!(sent("/hilfe", "if-none-match"), None);
    assert_eq!(
        sent("/tief", "if-none-match").as_deref(),
        Some("W/\"tief-1\"")
    );
    assert_eq!(sent("/ohne", "if-none-match"), None);
    assert_eq!(sent("/ohne", "if-modified-since"), None);
    assert_eq!(
        sent("/wechsel", "if-none-match").as_deref(),
        Some("\"wechsel-1\"")
    );

    let before = Report::read(&first).unwrap();
    let after = Report::read(&second).unwrap();
    let (old, new) = (&before.firms[0], &after.firms[0]);

    // The crawl reached the same pages, and the same links leave the scope.
    let old_pages = pages_by_path(old);
    let new_pages = pages_by_path(new);
    assert_eq!(
        old_pages.keys().collect::<Vec<_>>(),
        new_pages.keys().collect::<Vec<_>>()
    );
    assert_eq!(old_pages.len(), 6, "{:?}", old_pages.keys());
    assert_eq!(old.outgoing_links, new.outgoing_links);
    assert!(new.outgoing_links.iter().any(|l| l.rel == ["sponsored"]));

    // Revalidated pages: the original capture, marked with the 304.
    for path in ["/", "/hilfe", "/tief"] {
        let (was, is) = (old_pages[path], new_pages[path]);
        let revalidated = is.revalidated.as_ref().unwrap_or_else(|| panic!("{path}"));
        assert_eq!(is.status, 200);
        assert_eq!(&*is.fetched_at, was.fetched_at, "{path}");
        assert_eq!(&*is.content_sha256, was.content_sha256, "{path}");
        assert_eq!(is.warc_file, was.warc_file, "{path}");
        assert_eq!(is.warc_record_id, was.warc_record_id, "{path}");
        assert!(revalidated.warc_record_id.is_some(), "{path}: 304 archived");
        assert_ne!(
            revalidated.warc_file, was.warc_file,
            "{path}: in tonight's archive"
        );
        assert!(revalidated.at >= was.fetched_at);
        let carried: Vec<Finding> = findings_of(new, path)
            .into_iter()
            .map(|f| {
                assert_eq!(f.revalidated_at.as_ref(), Some(&revalidated.at));
                Finding {
                    revalidated_at: None,
                    ..f.clone()
                }
            })
            .collect();
        let original: Vec<Finding> = findings_of(old, path).into_iter().cloned().collect();
        assert_eq!(carried, original, "{path}: findings carried over unchanged");
    }
    assert!(!findings_of(new, "/tief").is_empty());
    // Fetched again: the changed page, the page without validators, and the one whose validator changed.
    for path in ["/angebot", "/ohne", "/wechsel"] {
        let is = new_pages[path];
        assert!(is.revalidated.is_none(), "{path}");
        assert!(is.fetched_at >= old_pages[path].fetched_at);
        assert!(findings_of(new, path)
            .iter()
            .all(|f| f.revalidated_at.is_none()));
    }
    assert_ne!(
        new_pages["/angebot"].content_sha256,
        old_pages["/angebot"].content_sha256
    );
    assert_eq!(
        new_pages["/wechsel"].content_sha256,
        old_pages["/wechsel"].content_sha256
    );
    assert_eq!(new_pages["/wechsel"].etag.as_deref(), Some("\"wechsel-2\""));
    assert_eq!(new.sources[0].pages_fetched, 6);
    assert_eq!(new.sources[0].pages_revalidated, 3);
    assert_eq!(old.sources[0].pages_revalidated, 0);

    // `changes` names exactly the findings that differ on the changed page.
    let ids = |firm: &FirmReport, path: &str| -> BTreeSet<String> {
        findings_of(firm, path)
            .iter()
            .map(|f| f.id.clone())
            .collect()
    };
    let expected_new: BTreeSet<String> = ids(new, "/angebot")
        .difference(&ids(old, "/angebot"))
        .cloned()
        .collect();
    let expected_resolved: BTreeSet<String> = ids(old, "/angebot")
        .difference(&ids(new, "/angebot"))
        .cloned()
        .collect();
    assert!(!expected_new.is_empty() && !expected_resolved.is_empty());
    let changes = after
        .changes
        .as_ref()
        .expect("--baseline embeds the changes");
    let firm = &changes.firms[0];
    let got = |findings: &[Finding]| -> BTreeSet<String> {
        findings.iter().map(|f| f.id.clone()).collect()
    };
    assert_eq!(got(&firm.new), expected_new);
    assert_eq!(got(&firm.resolved), expected_resolved);
    // Text kept on the changed page is "changed" (new content hash), never elsewhere.
    assert!(
        firm.changed
            .iter()
            .all(|c| path_of(&c.after.url) == "/angebot"
                && c.what.iter().any(|w| w == "content_sha256")),
        "{:#?}",
        firm.changed
    );
    assert_eq!(
        firm.unchanged,
        new.findings.len() - expected_new.len() - firm.changed.len(),
        "every other finding is unchanged"
    );
    let off_the_changed_page = new
        .findings
        .iter()
        .filter(|f| path_of(&f.url) != "/angebot");
    assert!(firm.unchanged >= off_the_changed_page.count());
    assert!(firm.new.iter().any(|f| f.matched.contains("iDEAL")));
    assert_eq!(new.verdict.level, old.verdict.level);

    // The bundle verifies: tonight's manifest also pins last night's archive,
    // which the carried-over pages cite, and each 304 is in tonight's archive.
    let out = micar_scan(vec!["verify".into(), arg(&second)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("all verified"), "{stdout}");
    let manifest: micar_scan::evidence::Manifest = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("night-2/report.manifest.json")).unwrap(),
    )
    .unwrap();
    let first_archive = old_pages["/"].warc_file.clone().unwrap();
    assert!(
        manifest
            .warc_files
            .iter()
            .any(|f| f.name == format!("../warc/{first_archive}")),
        "{:?}",
        manifest.warc_files
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_third_night_chains_on_the_second_and_still_verifies_and_a_changed_old_archive_does_not()
{
    let site: Shared = Arc::new(Mutex::new(started_site()));
    let server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&site))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let warc = dir.path().join("warc");
    // The deployed nightly loop uses `reports/latest.json`, a copy without a
    // manifest of its own, as the baseline.
    let nights: Vec<PathBuf> = (1..=3)
        .map(|n| dir.path().join(format!("reports/night-{n}.json")))
        .collect();
    let latest = dir.path().join("reports/latest.json");
    for (n, night) in nights.iter().enumerate() {
        let mut args = vec![
            "scan".into(),
            arg(&config),
            "--output".into(),
            arg(night),
            "--warc".into(),
            arg(&warc),
        ];
        if n > 0 {
            std::fs::copy(&nights[n - 1], &latest).unwrap();
            args.extend(["--baseline".into(), arg(&latest)]);
        }
        let out = micar_scan(args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            !stderr.contains("not found through its manifest"),
            "{stderr}"
        );
    }
    let first = Report::read(&nights[0]).unwrap();
    let third = Report::read(&nights[2]).unwrap();
    let home = |report: &Report| {
        report.firms[0]
            .pages
            .iter()
            .find(|p| path_of(&p.url) == "/")
            .cloned()
            .unwrap()
    };
    // Two 304s in a row: the third night still cites the first night's capture.
    assert!(home(&third).revalidated.is_some());
    assert_eq!(home(&third).fetched_at, home(&first).fetched_at);
    assert_eq!(home(&third).warc_file, home(&first).warc_file);
    let out = micar_scan(vec!["verify".into(), arg(&nights[2])]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The manifest pinned the first archive's digest: changing it is caught.
    let archive = warc.join(home(&first).warc_file.unwrap());
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.extend_from_slice(b"appended later");
    std::fs::write(&archive, bytes).unwrap();
    let out = micar_scan(vec!["verify".into(), arg(&nights[2])]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("the manifest says"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_baseline_made_with_other_rules_is_not_revalidated() {
    let site: Shared = Arc::new(Mutex::new(started_site()));
    let server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&site))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let first = dir.path().join("first.json");
    scan_ok(&config, &first, &[]).await;
    let mut baseline = Report::read(&first).unwrap();
    baseline.scan.patterns_sha256 = "0".repeat(64);
    baseline.write_atomic(&first).unwrap();
    let from = site.lock().unwrap().answers.len();

    let second = dir.path().join("second.json");
    let out = scan_ok(&config, &second, &["--baseline", &arg(&first)]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("other rules"), "{stderr}");
    let answers = answers_since(&site, from);
    assert!(
        answers.values().all(|statuses| !statuses.contains(&304)),
        "{answers:?}"
    );
    let report = Report::read(&second).unwrap();
    assert!(report.firms[0]
        .pages
        .iter()
        .all(|p| p.revalidated.is_none()));
    // The diff still works against it.
    assert!(report.changes.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_conditional_downloads_every_page_in_full_and_still_diffs() {
    let site: Shared = Arc::new(Mutex::new(started_site()));
    let server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&site))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let first = dir.path().join("first.json");
    scan_ok(&config, &first, &[]).await;
    let from = server.total_hits();

    let second = dir.path().join("second.json");
    scan_ok(
        &config,
        &second,
        &["--baseline", &arg(&first), "--no-conditional"],
    )
    .await;
    let hits = &server.hits()[from..];
    assert!(hits.len() >= 6);
    assert!(hits
        .iter()
        .all(|hit| !hit.headers.contains_key("if-none-match")
            && !hit.headers.contains_key("if-modified-since")));
    let report = Report::read(&second).unwrap();
    assert!(report.firms[0]
        .pages
        .iter()
        .all(|p| p.revalidated.is_none()));
    let changes = report.changes.unwrap();
    assert!(changes.is_empty(), "{changes:#?}");
}

/// A partner page of one firm that names another is read again every night:
/// a `304` would leave nothing to read the brands from, and the attribution
/// would vanish from the other firm's report as if it had been resolved.
#[tokio::test(flavor = "multi_thread")]
async fn pages_attributed_by_brand_are_never_revalidated_and_stay_attributed() {
    let site: Shared = Arc::new(Mutex::new(started_site()));
    let server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&site))).await;
    let mut forum_site = Site::default();
    forum_site.resources.insert(
        "/".to_string(),
        Resource {
            body: html(
                "<h1>Erfahrungen mit Krypto Handel</h1><p>Bei Krypto Handel zahlt man per SEPA in Euro ein und bekommt 50 € Bonus nach der Registrierung. Jetzt registrieren und Bitcoin kaufen!</p>",
            ),
            etag: Some("\"forum-1\"".to_string()),
            last_modified: None,
        },
    );
    let forum: Shared = Arc::new(Mutex::new(forum_site));
    let forum_server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&forum))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("watched.toml");
    std::fs::write(
        &config,
        format!(
            "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 1000.0\nsitemaps = false\nmax_retries = 0\n\
             [scan.resolve]\n\"krypto-handel.example\" = \"{}\"\n\"kryptoforum.example\" = \"{}\"\n\n\
             [[firm]]\nname = \"Krypto Handel\"\nbrands = [\"Krypto Handel\"]\nwebsites = [\"http://krypto-handel.example/\"]\n\n\
             [[firm]]\nname = \"Forum Partner\"\naffiliates = [\"http://kryptoforum.example/\"]\n",
            server.addr(),
            forum_server.addr()
        ),
    )
    .unwrap();
    let forum_page = |report: &Report| {
        report.firms[0]
            .pages
            .iter()
            .find(|p| p.url.starts_with("http://kryptoforum.example/"))
            .cloned()
    };
    let first = dir.path().join("first.json");
    scan_ok(&config, &first, &[]).await;
    let page = forum_page(&Report::read(&first).unwrap()).expect("the forum thread is attributed");
    assert!(page.attribution.is_some());

    let second = dir.path().join("second.json");
    scan_ok(&config, &second, &["--baseline", &arg(&first)]).await;
    let report = Report::read(&second).unwrap();
    // The firm's own pages were revalidated; the partner's forum thread was read in full.
    assert!(report.firms[0]
        .pages
        .iter()
        .any(|p| p.revalidated.is_some()));
    assert!(forum_server
        .hits()
        .iter()
        .all(|hit| !hit.headers.contains_key("if-none-match")));
    let page = forum_page(&report).expect("still attributed on the second night");
    assert!(page.attribution.is_some() && page.revalidated.is_none());
    let changes = report.changes.unwrap();
    assert!(changes.is_empty(), "{changes:#?}");
}

/// The nightly loop with the default output, where the next night's baseline
/// is one firm's `reports/<firm>/latest.json`: each latest file has its own
/// manifest, so the earlier archives its carried-over pages cite are found,
/// and both the latest file and the new report verify.
#[tokio::test(flavor = "multi_thread")]
async fn a_firms_latest_report_is_a_baseline_whose_archives_are_found() {
    let site: Shared = Arc::new(Mutex::new(started_site()));
    let server =
        TestServer::start(Router::new().fallback(serve).with_state(Arc::clone(&site))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let warc = dir.path().join("warc");
    let run = |extra: Vec<String>| {
        let mut args = vec![
            "scan".to_string(),
            arg(&config),
            "--warc".into(),
            arg(&warc),
        ];
        args.extend(extra);
        let cwd = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            assert_cmd::Command::cargo_bin("micar-scan")
                .unwrap()
                .current_dir(cwd)
                .args(&args)
                .output()
                .unwrap()
        })
    };
    let out = run(vec![]).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let firm_latest = dir.path().join("reports/krypto-handel/latest.json");
    assert!(dir
        .path()
        .join("reports/krypto-handel/latest.manifest.json")
        .is_file());
    // A second's pause keeps the two nights' default report names apart.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let out = run(vec!["--baseline".into(), arg(&firm_latest)])
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("not found through its manifest"),
        "{stderr}"
    );
    let second = Report::read(&firm_latest).unwrap();
    assert!(second.firms[0]
        .pages
        .iter()
        .any(|p| p.revalidated.is_some()));
    for report in [
        arg(&firm_latest),
        arg(&dir.path().join("reports/latest.json")),
    ] {
        let out = micar_scan(vec!["verify".into(), report.clone()]).await;
        assert!(
            out.status.success(),
            "{report}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
