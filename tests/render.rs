//! Pages that need a browser, rendered in the real headless Chromium that
//! `scripts/test.sh` installs, against a site served on loopback: the shell's
//! offer becomes findings read from the rendered page, its DOM and screenshot
//! are archived and verified, every request the page makes goes through the
//! scanner's guard, robots.txt and scope, and an ordinary page never starts
//! the browser.

mod common;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use common::{arg, micar_scan, scan_ok, TestServer};
use micar_scan::model::report::Report;
use micar_scan::model::{Level, PageKind, RenderReason};
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// Whether a browser is installed; without one the tests are skipped,
/// unless `scripts/test.sh` said it must be there.
fn chromium_present() -> bool {
    if micar_scan::sources::render::find_browser(None).is_some() {
        return true;
    }
    assert!(
        std::env::var_os("MICAR_SCAN_REQUIRE_CHROMIUM").is_none(),
        "chromium is required (MICAR_SCAN_REQUIRE_CHROMIUM is set) but was not found"
    );
    eprintln!("skipping: chromium not found (install the `chromium` package)");
    false
}

const SHELL: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loading</title>
<script defer src="/static/app.js"></script></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>"#;

const ABOUT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>About us</title></head>
<body><main><h1>About the company</h1>
<p>We are a small software company that writes tools for accountants. This page is rendered on the server and needs no script to be read.</p>
</main></body></html>"#;

/// A shell with none of the marks a framework leaves (no known application
/// root, no `<noscript>` notice): only a bundle and next to no text.
const BARE_SHELL: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Exchange</title>
<script type="module" src="/static/bundle.js"></script></head>
<body><div class="mount"></div></body></html>"#;

/// The bundle: mounts the offer in the page, and a link to a page that runs
/// a script beside text a reader can already read.
const BUNDLE: &str = r#"
fetch('/api/offer.json').then(r => r.json()).then(offer => {
  const mount = document.querySelector('.mount');
  const h1 = document.createElement('h1'); h1.textContent = offer.title; mount.appendChild(h1);
  const p = document.createElement('p'); p.textContent = offer.text; mount.appendChild(p);
  const a = document.createElement('a'); a.href = '/news'; a.textContent = 'News'; mount.appendChild(a);
});
"#;

/// A server-rendered page that also loads a script.
const NEWS: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>News</title>
<script defer src="/static/stats.js"></script></head>
<body><main><h1>Company news</h1>
<p>We moved our office this spring and hired two developers. The accounting tools we write now export their ledgers in three more formats, and the help pages were rewritten from the ground up.</p>
</main></body></html>"#;

const OFFER: &str = r#"{
  "title": "Krypto kaufen in ganz Europa",
  "text": "Zahlen Sie Euro per SEPA-Überweisung ein und handeln Sie ab 10 € pro Order. Jetzt kostenlos registrieren und Bitcoin kaufen."
}"#;

/// The application: writes the offer it reads from the API, a link that
/// only exists once it ran, and tries what a page must not be let do.
fn app_js(trap_port: u16) -> String {
    format!(
        r#"
fetch('/api/offer.json').then(r => r.json()).then(offer => {{
  const root = document.getElementById('root');
  const h1 = document.createElement('h1'); h1.textContent = offer.title; root.appendChild(h1);
  const p = document.createElement('p'); p.textContent = offer.text; root.appendChild(p);
  const a = document.createElement('a'); a.href = '/about'; a.textContent = 'About us'; root.appendChild(a);
}});
fetch('/private/data.json').catch(() => {{}});
fetch('http://127.0.0.2:{trap_port}/collect').catch(() => {{}});
const pixel = new Image(); pixel.src = 'http://127.0.0.2:{trap_port}/pixel.png';
try {{ new WebSocket('ws://127.0.0.2:{trap_port}/socket'); }} catch (e) {{}}
"#
    )
}

fn js(body: String) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        body,
    )
}

async fn site(trap_port: u16) -> TestServer {
    let app = app_js(trap_port);
    TestServer::start(
        Router::new()
            .route("/", get(|| async { Html(SHELL) }))
            .route("/about", get(|| async { Html(ABOUT) }))
            .route("/second/", get(|| async { Html(SHELL) }))
            .route("/static/app.js", get(move || async move { js(app) }))
            .route(
                "/api/offer.json",
                get(|| async { ([(header::CONTENT_TYPE, "application/json")], OFFER) }),
            )
            .route("/private/data.json", get(|| async { "{}" }))
            .route("/bare/", get(|| async { Html(BARE_SHELL) }))
            .route("/news", get(|| async { Html(NEWS) }))
            .route(
                "/static/bundle.js",
                get(|| async { js(BUNDLE.to_string()) }),
            )
            .route("/static/stats.js", get(|| async { js(String::new()) }))
            .route(
                "/slow/",
                get(|| async { Html(SHELL.replace("/static/app.js", "/static/slow.js")) }),
            )
            .route(
                "/static/slow.js",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(8)).await;
                    js(String::new())
                }),
            )
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nDisallow: /private/\n" }),
            ),
    )
    .await
}

fn write_config(dir: &Path, seed: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join("scan.toml");
    std::fs::write(
        &path,
        format!(
            "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 50.0\nsitemaps = false\nmax_depth = 2\n{extra}\n\n[[firm]]\nname = \"Shell Exchange\"\nwebsites = [\"{seed}\"]\n"
        ),
    )
    .expect("write config");
    path
}

fn read_report(path: &Path) -> Report {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report written"))
        .expect("report parses")
}

/// Runs a scan that must end with no firm assessed (exit 4) and returns its report.
async fn scan_unassessed(config: &Path, report_path: &Path, extra: &[&str]) -> Report {
    let mut args = vec![
        "scan".to_string(),
        arg(config),
        "--output".to_string(),
        arg(report_path),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let run = micar_scan(args).await;
    assert_eq!(
        run.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    read_report(report_path)
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP address")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_built_offer_is_read_from_the_rendered_page_and_archived() {
    if !chromium_present() {
        return;
    }
    let trap = TestServer::trap_on(ip("127.0.0.2"), 0)
        .await
        .expect("trap on 127.0.0.2");
    let server = site(trap.port()).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), server.url("/").as_str(), "");
    let report_path = dir.path().join("report.json");
    let warc = dir.path().join("warc");
    let html = dir.path().join("report.html");
    scan_ok(
        &config,
        &report_path,
        &["--warc", &arg(&warc), "--html", &arg(&html)],
    )
    .await;
    let report = read_report(&report_path);

    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(rendering.mode, "auto");
    assert_eq!(rendering.browser_launches, 1, "{rendering:?}");
    assert_eq!(rendering.pages_rendered, 1, "only the shell: {rendering:?}");
    assert!(rendering.browser.is_some());

    let firm = &report.firms[0];
    let home = firm
        .pages
        .iter()
        .find(|p| p.url == server.url("/").as_str())
        .expect("the shell page");
    assert!(home.rendered, "{home:#?}");
    assert_eq!(home.not_content, None, "rendered, the shell is content");
    let capture = home.rendering.as_ref().expect("the rendered capture");
    assert_eq!(capture.reason, Some(RenderReason::ScriptShell));
    // Document, script and API answered; the robots-disallowed fetch, the
    // other address's fetch, image and (if it got that far) socket refused.
    assert!(capture.requests_served >= 3, "{capture:?}");
    assert!(capture.requests_refused >= 3, "{capture:?}");
    let screenshot = capture
        .screenshot
        .as_ref()
        .expect("a screenshot with --warc");
    assert!(screenshot.bytes > 1000, "{screenshot:?}");

    // The offer, written by the script, is evidence read from the rendered page.
    let rendered: Vec<_> = firm
        .findings
        .iter()
        .filter(|f| &*f.url == home.url.as_str())
        .collect();
    assert!(
        rendered.iter().any(|f| f.matched.contains("SEPA")),
        "{rendered:#?}"
    );
    assert!(rendered
        .iter()
        .all(|f| f.rendered && *f.content_sha256 == capture.content_sha256));
    assert!(
        matches!(firm.verdict.level, Level::Moderate | Level::Strong),
        "{:#?}",
        firm.verdict
    );

    // The link the script wrote was followed; that page is ordinary and was read as fetched.
    let about = firm
        .pages
        .iter()
        .find(|p| p.url == server.url("/about").as_str())
        .expect("the page only a rendered link leads to");
    assert!(!about.rendered && about.rendering.is_none());

    // The document was fetched once (the browser was answered from the
    // crawler's response); robots.txt and the address guard held for the
    // browser's own requests: nothing reached the other address at all.
    assert_eq!(server.hits_to("/"), 1);
    assert_eq!(server.hits_to("/api/offer.json"), 1);
    assert_eq!(server.hits_to("/private/data.json"), 0);
    assert_eq!(trap.connections(), 0, "{:?}", trap.hits());

    // The DOM refers to the response it was rendered from.
    let warc_file = warc.join(capture.warc_file.as_deref().expect("DOM archived"));
    let dom = micar_scan::evidence::warc::WarcReader::read_at(
        &warc_file,
        capture.warc_offset.expect("offset"),
    )
    .expect("DOM record");
    assert_eq!(dom.header("WARC-Type"), Some("resource"));
    assert_eq!(dom.header("WARC-Refers-To"), home.warc_record_id.as_deref());

    // The HTML report shows what a person saw: the screenshot, embedded.
    let page = std::fs::read_to_string(&html).expect("HTML report written");
    assert!(
        page.contains("As rendered in a browser"),
        "no screenshot section"
    );
    assert!(page.contains("src=\"data:image/png;base64,iVBORw0KGgo"));
    assert!(page.contains(&screenshot.content_sha256));

    // verify checks the DOM and the screenshot like any capture, and names a forged one.
    let verified = micar_scan(vec!["verify".to_string(), arg(&report_path)]).await;
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert!(verified.status.success(), "{stdout}");
    assert!(
        stdout.contains("2 rendered captures checked (2 pinned by the manifest)"),
        "{stdout}"
    );
    // The manifest pins both captures by hash; a changed pin is named.
    let manifest_path = micar_scan::evidence::manifest_path(&report_path);
    let manifest_text = std::fs::read_to_string(&manifest_path).expect("manifest");
    let manifest: micar_scan::evidence::Manifest =
        serde_json::from_str(&manifest_text).expect("manifest parses");
    let kinds: Vec<&str> = manifest.captures.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["dom", "screenshot"]);
    assert_eq!(manifest.captures[1].sha256, screenshot.content_sha256);
    let forged = manifest_text.replace(&screenshot.content_sha256, &"1".repeat(64));
    std::fs::write(&manifest_path, &forged).expect("write manifest");
    let pinned = micar_scan(vec!["verify".to_string(), arg(&report_path)]).await;
    let out = String::from_utf8_lossy(&pinned.stdout).to_string();
    assert!(!pinned.status.success());
    assert!(out.contains("manifest screenshot of"), "{out}");
    std::fs::write(&manifest_path, &manifest_text).expect("restore manifest");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let page = json["firms"][0]["pages"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["rendered"] == true)
        .unwrap();
    page["rendering"]["screenshot"]["content_sha256"] = serde_json::json!("0".repeat(64));
    std::fs::write(&report_path, serde_json::to_vec(&json).unwrap()).unwrap();
    let tampered = micar_scan(vec!["verify".to_string(), arg(&report_path)]).await;
    let stdout = String::from_utf8_lossy(&tampered.stdout).to_string();
    assert!(!tampered.status.success());
    assert!(
        stdout.contains("(screenshot)") && stdout.contains("0000"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ordinary_page_never_starts_the_browser() {
    if !chromium_present() {
        return;
    }
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), server.url("/about").as_str(), "");
    let report_path = dir.path().join("report.json");
    scan_ok(&config, &report_path, &[]).await;
    let report = read_report(&report_path);
    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(rendering.mode, "auto");
    assert_eq!(rendering.browser_launches, 0, "{rendering:?}");
    assert_eq!(rendering.pages_rendered, 0);
    assert!(report.firms[0].pages.iter().all(|p| !p.rendered));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_without_known_marks_is_rendered_for_its_script_payload() {
    if !chromium_present() {
        return;
    }
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), server.url("/bare/").as_str(), "");
    let report_path = dir.path().join("report.json");
    scan_ok(&config, &report_path, &[]).await;
    let report = read_report(&report_path);

    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(
        (rendering.browser_launches, rendering.pages_rendered),
        (1, 1),
        "the bare shell only: {rendering:?}"
    );
    let firm = &report.firms[0];
    let bare = firm
        .pages
        .iter()
        .find(|p| p.url == server.url("/bare/").as_str())
        .expect("the bare shell");
    assert!(bare.rendered && bare.script_built, "{bare:#?}");
    assert_eq!(
        bare.rendering.as_ref().and_then(|r| r.reason),
        Some(RenderReason::ScriptPayload)
    );
    assert!(
        firm.findings
            .iter()
            .any(|f| f.rendered && f.matched.contains('€')),
        "the offer the bundle wrote is evidence: {:#?}",
        firm.findings
    );
    assert!(firm.verdict.level >= Level::Moderate, "{:?}", firm.verdict);
    // The link the bundle wrote was followed; the page it leads to has text
    // of its own beside its script and was read as fetched.
    let news = firm
        .pages
        .iter()
        .find(|p| p.url == server.url("/news").as_str())
        .expect("the link the bundle wrote was followed");
    assert!(!news.rendered, "{news:#?}");
    assert_eq!(
        server.hits_to("/static/stats.js"),
        0,
        "not rendered, not run"
    );

    // Without a browser the bare shell is read as the short page it is:
    // no page kind, so the firm is not assessed on a guess.
    let off_path = dir.path().join("off.json");
    scan_ok(&config, &off_path, &["--render", "off"]).await;
    let off = read_report(&off_path);
    let page = &off.firms[0].pages[0];
    assert!(!page.rendered && page.not_content.is_none(), "{page:#?}");
    assert!(page.script_built, "the report says why it may be unread");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_rendering_off_a_shell_stays_unread_and_the_firm_unassessed() {
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), server.url("/").as_str(), "");
    let report_path = dir.path().join("report.json");
    let report = scan_unassessed(&config, &report_path, &["--render", "off"]).await;
    assert_eq!(
        report.scan.rendering.as_ref().map(|r| r.mode.as_str()),
        Some("off")
    );
    let firm = &report.firms[0];
    assert_eq!(firm.verdict.level, Level::Unassessed);
    assert_eq!(firm.pages[0].not_content, Some(PageKind::ScriptShell));
    assert_eq!(server.hits_to("/static/app.js"), 0, "no script was run");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_outlasts_its_timeout_is_an_error_not_a_hung_scan() {
    if !chromium_present() {
        return;
    }
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        server.url("/slow/").as_str(),
        "render_timeout = \"2s\"",
    );
    let report_path = dir.path().join("report.json");
    let report = scan_unassessed(&config, &report_path, &[]).await;
    let firm = &report.firms[0];
    let error = firm
        .errors
        .iter()
        .find(|e| e.kind == "render")
        .expect("the render failure is recorded");
    assert!(error.message.contains("longer than"), "{error:?}");
    assert_eq!(firm.pages[0].not_content, Some(PageKind::ScriptShell));
    assert!(!firm.pages[0].rendered);
    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(rendering.pages_not_rendered, 1, "{rendering:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_render_mode_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), "http://127.0.0.1:9/", "render = \"sometimes\"");
    let run = micar_scan(vec![
        "scan".to_string(),
        arg(&config),
        "--output".to_string(),
        arg(&dir.path().join("report.json")),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("scan.render") && stderr.contains("sometimes"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_render_budget_is_per_site_and_what_it_leaves_is_counted() {
    if !chromium_present() {
        return;
    }
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Two seeds, both shells, one render allowed.
    let seeds = format!("{}\", \"{}", server.url("/"), server.url("/second/"));
    let config = write_config(dir.path(), &seeds, "render_max_pages = 1");
    let report_path = dir.path().join("report.json");
    scan_ok(&config, &report_path, &[]).await;
    let report = read_report(&report_path);
    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(rendering.pages_rendered, 1, "{rendering:?}");
    assert_eq!(rendering.pages_not_rendered, 1, "{rendering:?}");
    assert!(
        rendering
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("render_max_pages")),
        "{rendering:?}"
    );
    let shells: Vec<_> = report.firms[0]
        .pages
        .iter()
        .filter(|p| p.url.ends_with("/second/") || p.url == server.url("/").as_str())
        .collect();
    assert_eq!(
        shells.iter().filter(|p| p.rendered).count(),
        1,
        "{shells:#?}"
    );
    assert_eq!(
        shells
            .iter()
            .filter(|p| p.not_content == Some(PageKind::ScriptShell))
            .count(),
        1,
        "{shells:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn always_renders_ordinary_pages_too() {
    if !chromium_present() {
        return;
    }
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        server.url("/about").as_str(),
        "render = \"always\"",
    );
    let report_path = dir.path().join("report.json");
    scan_ok(&config, &report_path, &[]).await;
    let report = read_report(&report_path);
    let about = &report.firms[0].pages[0];
    assert!(about.rendered, "{about:#?}");
    assert_eq!(
        about.rendering.as_ref().and_then(|r| r.reason),
        Some(RenderReason::Always)
    );
    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(
        (rendering.mode.as_str(), rendering.pages_rendered),
        ("always", 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_browser_auto_turns_itself_off_and_says_so_and_always_refuses_to_run() {
    let server = site(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-browser");
    let config = write_config(
        dir.path(),
        server.url("/").as_str(),
        &format!("browser = \"{}\"", missing.display()),
    );
    let report_path = dir.path().join("report.json");
    let report = scan_unassessed(&config, &report_path, &[]).await;
    let rendering = report.scan.rendering.as_ref().expect("rendering summary");
    assert_eq!(rendering.mode, "off");
    assert!(
        rendering
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("no browser was found")),
        "{rendering:?}"
    );
    assert_eq!(report.firms[0].verdict.level, Level::Unassessed);

    let always = micar_scan(vec![
        "scan".to_string(),
        arg(&config),
        "--output".to_string(),
        arg(&report_path),
        "--render".to_string(),
        "always".to_string(),
        "--warc".to_string(),
        arg(&dir.path().join("warc")),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&always.stderr);
    assert_eq!(always.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("no browser found"), "{stderr}");
    // Refused before anything was opened: no empty archive is left behind.
    assert!(!dir.path().join("warc").exists());
}
