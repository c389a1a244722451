//! The geo probe through real forward proxies: one tinyproxy per vantage
//! point on loopback, each adding an `X-Vantage-Country` header, so that the
//! fixture sites (in-process servers, one per firm) can answer as a
//! geo-fence would — serve, 451, redirect to `/restricted`, a block page in
//! the visitor's language, a CAPTCHA wall, or a sign-up form with and
//! without EU countries. The real binary scans them all once; the tests read
//! its report, its WARC archive and its log.
//!
//! tinyproxy comes from the distribution's packages (`scripts/test.sh`
//! installs it). Without it these tests skip, unless
//! `MICAR_SCAN_REQUIRE_TINYPROXY` is set, in which case they fail.

mod common;

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
use common::{arg, micar_scan_with_env, TestServer};
use micar_scan::model::geo::GeoOutcome;
use micar_scan::model::report::{FirmReport, Report};
use micar_scan::Level;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

const PROXY_USER: &str = "probe-de";
/// Distinctive, so that finding it anywhere is proof of a leak.
const PROXY_PASSWORD: &str = "tpSecret4711xq";

// ---- tinyproxy ---------------------------------------------------------------

/// A tinyproxy on a loopback port that marks every request with its country.
struct Tinyproxy {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tinyproxy_binary() -> Option<PathBuf> {
    [
        "/usr/bin/tinyproxy",
        "/usr/sbin/tinyproxy",
        "/usr/local/bin/tinyproxy",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

impl Tinyproxy {
    fn start(binary: &Path, country: &str, basic_auth: Option<(&str, &str)>) -> Tinyproxy {
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().unwrap();
            let mut conf = format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 20\nAllow 127.0.0.1\nMaxClients 50\n\
                 DisableViaHeader Yes\nLogLevel Warning\nAddHeader \"X-Vantage-Country\" \"{country}\"\n"
            );
            if let Some((user, password)) = basic_auth {
                conf.push_str(&format!("BasicAuth {user} {password}\n"));
            }
            let conf_path = dir.path().join("tinyproxy.conf");
            std::fs::write(&conf_path, conf).unwrap();
            let child = std::process::Command::new(binary)
                .arg("-d")
                .arg("-c")
                .arg(&conf_path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start tinyproxy");
            let mut proxy = Tinyproxy {
                child,
                port,
                _dir: dir,
            };
            if listening(&mut proxy.child, port) {
                return proxy;
            }
        }
        panic!("tinyproxy did not start");
    }
}

/// Waits until the proxy `child` accepts connections on `port`; false (with
/// the child stopped) when it exits first, e.g. because another process took
/// the port in the meantime, so the caller can try another one.
fn listening(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---- the fixture firms ---------------------------------------------------------

/// How a firm's geo-fence answers.
#[derive(Clone, Copy, Debug)]
enum Fence {
    /// Everyone gets the site (with a disclaimer on it).
    None,
    /// EU visitors get HTTP 451.
    Status451,
    /// EU visitors are sent to `/restricted`.
    RedirectRestricted,
    /// Germany gets a German block page; France gets the French site.
    LeakyDeBlockedFrOpen,
    /// EU visitors meet a CAPTCHA wall.
    Captcha,
    /// Everyone gets the site; the sign-up form offers no EU country.
    SignupWithoutEu,
    /// Germany gets a bare 403; France is sent to another site.
    ForbiddenDeOffsiteFr,
}

fn country(headers: &HeaderMap) -> String {
    headers
        .get("x-vantage-country")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("direct")
        .to_string()
}

fn is_eu(country: &str) -> bool {
    matches!(country, "DE" | "FR")
}

fn html(lang: &str, title: &str, body: &str) -> Response {
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><title>{title}</title></head><body>{body}</body></html>"
    ))
    .into_response()
}

const ENGLISH_HOME: &str = "<h1>Trade crypto with confidence</h1>\
<p>Buy Bitcoin and Ether around the clock with deep liquidity and low fees on our exchange.</p>\
<p>Deposit euros by SEPA transfer in minutes and get a 50 € welcome bonus.</p>\
<a class=\"btn\" href=\"/register\">Sign up now</a> <a href=\"/markets\">Markets</a>\
<footer>Our services are not available to residents of the European Union.</footer>";

const FRENCH_HOME: &str = "<h1>Achetez des cryptomonnaies en toute confiance</h1>\
<p>Achetez du Bitcoin et de l'Ether à tout moment avec des frais réduits sur notre plateforme.</p>\
<p>Déposez en quelques minutes par virement SEPA et commencez à trader dès aujourd'hui.</p>\
<a class=\"btn\" href=\"/register\">Inscrivez-vous</a> <a href=\"/markets\">Marchés</a>";

fn register_page(with_eu: bool) -> Response {
    let options = if with_eu {
        "<option value=\"DE\">Germany</option><option value=\"FR\">France</option>\
         <option value=\"NL\">Netherlands</option><option value=\"US\">United States</option>\
         <option value=\"SG\">Singapore</option>"
    } else {
        "<option value=\"US\">United States</option><option value=\"CA\">Canada</option>\
         <option value=\"BR\">Brazil</option><option value=\"SG\">Singapore</option>\
         <option value=\"JP\">Japan</option>"
    };
    html(
        "en",
        "Create your account",
        &format!(
            "<h1>Create your account</h1><form method=\"post\" action=\"/register\">\
             <input type=\"email\" name=\"email\" placeholder=\"E-mail\">\
             <input type=\"password\" name=\"password\" placeholder=\"Password\">\
             <select name=\"country\">{options}</select>\
             <button type=\"submit\">Sign up now</button></form>"
        ),
    )
}

fn served(path: &str, country: &str, signup_with_eu: bool) -> Response {
    match path {
        "/register" => register_page(signup_with_eu),
        "/markets" => html(
            "en",
            "Markets",
            "<h1>Markets</h1><p>Bitcoin, Ether and forty more crypto-assets, priced live.</p>",
        ),
        "/" if country == "FR" => html("fr", "Échange crypto", FRENCH_HOME),
        "/" => html("en", "Crypto exchange", ENGLISH_HOME),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn answer(fence: Fence, request: Request) -> Response {
    let country = country(request.headers());
    let path = request.uri().path().to_string();
    if path == "/robots.txt" {
        return (StatusCode::NOT_FOUND, "").into_response();
    }
    let eu = is_eu(&country);
    match fence {
        Fence::Status451 if eu => (
            StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
            Html("<h1>Unavailable for legal reasons</h1>"),
        )
            .into_response(),
        Fence::RedirectRestricted if eu && path == "/restricted" => html(
            "en",
            "Restricted",
            "<h1>Sorry</h1><p>This service is not available in your country.</p>",
        ),
        Fence::RedirectRestricted if eu => Redirect::to("/restricted").into_response(),
        Fence::LeakyDeBlockedFrOpen if country == "DE" => html(
            "de",
            "Nicht verfügbar",
            "<h1>Leider nicht möglich</h1><p>Dieser Dienst ist in Ihrem Land nicht verfügbar.</p>",
        ),
        Fence::Captcha if eu => (
            StatusCode::FORBIDDEN,
            Html("<html><head><title>Just a moment</title></head><body><h1>Please verify you are human</h1><p>Checking your browser before accessing the site.</p></body></html>"),
        )
            .into_response(),
        Fence::SignupWithoutEu => served(&path, &country, false),
        Fence::ForbiddenDeOffsiteFr if country == "DE" => {
            (StatusCode::FORBIDDEN, Html("<h1>Forbidden</h1>")).into_response()
        }
        // Never contacted: the probe records an off-site target instead of following it.
        Fence::ForbiddenDeOffsiteFr if country == "FR" => {
            Redirect::to("http://127.0.0.9:9/not-for-eu-visitors").into_response()
        }
        _ => served(&path, &country, true),
    }
}

async fn firm_server(fence: Fence) -> TestServer {
    let app = Router::new().fallback(move |request: Request| answer(fence, request));
    TestServer::start(app).await
}

// ---- one scan for all tests ------------------------------------------------------

struct Scan {
    report: Report,
    log: String,
    warc_bytes: Vec<u8>,
    config_text: String,
    /// Kept alive so that the servers outlive the scan.
    _servers: Vec<TestServer>,
}

const FIRMS: [(&str, Fence); 7] = [
    ("Open Door Exchange", Fence::None),
    ("Legal Wall Exchange", Fence::Status451),
    ("Redirecting Exchange", Fence::RedirectRestricted),
    ("Leaky Fence Exchange", Fence::LeakyDeBlockedFrOpen),
    ("Captcha Exchange", Fence::Captcha),
    ("Closed Signup Exchange", Fence::SignupWithoutEu),
    ("Forbidding Exchange", Fence::ForbiddenDeOffsiteFr),
];

static SCAN: OnceCell<Option<Scan>> = OnceCell::const_new();

/// Runs the scan once per test binary; `None` when tinyproxy is missing.
async fn scan() -> Option<&'static Scan> {
    SCAN.get_or_init(run_scan).await.as_ref()
}

async fn run_scan() -> Option<Scan> {
    let Some(binary) = tinyproxy_binary() else {
        if std::env::var_os("MICAR_SCAN_REQUIRE_TINYPROXY").is_some() {
            panic!("tinyproxy is required (MICAR_SCAN_REQUIRE_TINYPROXY is set) but was not found");
        }
        eprintln!("skipping: tinyproxy not installed");
        return None;
    };
    let de = Tinyproxy::start(&binary, "DE", Some((PROXY_USER, PROXY_PASSWORD)));
    let fr = Tinyproxy::start(&binary, "FR", None);
    let sg = Tinyproxy::start(&binary, "SG", None);
    let mut servers = Vec::new();
    for (_, fence) in FIRMS {
        servers.push(firm_server(fence).await);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = format!(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 1000.0\nsitemaps = false\n\
         max_pages_per_site = 10\n\n\
         [[vantage]]\nname = \"DE\"\ncountry = \"DE\"\n\
         proxy = \"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{}\"\n\
         accept_language = \"de-DE,de;q=0.9,en;q=0.5\"\n\n\
         [[vantage]]\nname = \"FR\"\ncountry = \"FR\"\nproxy = \"http://127.0.0.1:{}\"\n\
         accept_language = \"fr-FR,fr;q=0.9\"\n\n\
         [[vantage]]\nname = \"control\"\ncountry = \"SG\"\nproxy = \"http://127.0.0.1:{}\"\ncontrol = true\n",
        de.port, fr.port, sg.port
    );
    for ((name, _), server) in FIRMS.iter().zip(&servers) {
        config.push_str(&format!(
            "\n[[firm]]\nname = \"{name}\"\nwebsites = [\"{}\"]\n",
            server.url("/")
        ));
    }
    let config_path = dir.path().join("geo.toml");
    std::fs::write(&config_path, &config).unwrap();
    let report_path = dir.path().join("report.json");
    let warc_dir = dir.path().join("warc");
    let output = micar_scan_with_env(
        vec![
            "scan".into(),
            arg(&config_path),
            "--output".into(),
            arg(&report_path),
            "--warc".into(),
            arg(&warc_dir),
        ],
        vec![("RUST_LOG", "trace".to_string())],
    )
    .await;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "scan failed: {}",
        &log[log.len().saturating_sub(3000)..]
    );
    let report: Report =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).expect("report parses");
    let mut warc_bytes = Vec::new();
    for entry in std::fs::read_dir(&warc_dir).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let mut decoder = flate2::read::MultiGzDecoder::new(&raw[..]);
        decoder.read_to_end(&mut warc_bytes).unwrap();
    }
    drop((de, fr, sg));
    Some(Scan {
        report,
        log,
        warc_bytes,
        config_text: config,
        _servers: servers,
    })
}

fn firm<'a>(scan: &'a Scan, name: &str) -> &'a FirmReport {
    scan.report
        .firms
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no firm {name}"))
}

fn outcome(firm: &FirmReport, vantage: &str) -> GeoOutcome {
    firm.geo
        .iter()
        .find(|g| g.vantage == vantage)
        .unwrap_or_else(|| {
            panic!(
                "{}: no geo result for {vantage}: {:#?}",
                firm.name, firm.geo
            )
        })
        .outcome
}

fn reasons(firm: &FirmReport) -> String {
    firm.verdict.reasons.join("\n")
}

// ---- the tests ---------------------------------------------------------------------

/// Scans with `config` through the real binary, logging at `RUST_LOG=trace`,
/// and returns the report it writes to stdout with the raw stdout and log.
async fn scan_to_stdout(config: &str) -> (Report, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("scan.toml");
    std::fs::write(&config_path, config).unwrap();
    let output = micar_scan_with_env(
        vec![
            "scan".into(),
            arg(&config_path),
            "--output".into(),
            "-".into(),
        ],
        vec![("RUST_LOG", "trace".to_string())],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report: Report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no report on stdout ({e}): {stderr}"));
    (report, stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vantage_reaches_the_sites_through_its_own_proxy() {
    let Some(scan) = scan().await else { return };
    let open = firm(scan, "Open Door Exchange");
    if std::env::var_os("GEO_DEBUG").is_some() {
        for f in &scan.report.firms {
            eprintln!(
                "== {} {:?}\n{}",
                f.name,
                f.verdict.level,
                f.verdict.reasons.join("\n")
            );
            for g in &f.geo {
                eprintln!("  {} {:?}: {}", g.vantage, g.outcome, g.summary);
                for p in &g.pages {
                    eprintln!(
                        "     {} {} {:?} {:?} {:?}",
                        p.role, p.url, p.outcome, p.status, p.note
                    );
                }
            }
        }
    }
    assert_eq!(open.geo.len(), 3);
    for vantage in ["DE", "FR", "control"] {
        assert_eq!(outcome(open, vantage), GeoOutcome::Open, "{vantage}");
    }
    let de = open.geo.iter().find(|g| g.vantage == "DE").unwrap();
    assert!(de.eu && !de.control);
    assert_eq!(de.country, "DE");
    assert_eq!(de.similarity_to_control, Some(1.0));
    // The crawl found the sign-up and the markets page; the probe visited them.
    let roles: Vec<&str> = de.pages.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["home", "signup", "product"], "{:#?}", de.pages);
    assert!(de
        .pages
        .iter()
        .all(|p| p.content_sha256.is_some() && p.warc_record_id.is_some()));
    let signup = &de.pages[1];
    assert!(signup.signup_form);
    let selector = signup.country_selector.as_ref().unwrap();
    assert_eq!(selector.eu_countries_offered, ["FR", "DE", "NL"]);
    assert_eq!(de.signup_reachable, Some(true));
    // Open access is infrastructure evidence, and the disclaimer beside it no cure.
    let why = reasons(open);
    assert!(why.contains("EU access open from DE, FR"), "{why}");
    assert!(why.contains("is not a cure"), "{why}");
    assert!(why.contains("offers 3 EU countries"), "{why}");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_451_for_every_eu_vantage_is_a_block_that_lowers_the_verdict() {
    let Some(scan) = scan().await else { return };
    let walled = firm(scan, "Legal Wall Exchange");
    assert_eq!(outcome(walled, "DE"), GeoOutcome::Blocked);
    assert_eq!(outcome(walled, "FR"), GeoOutcome::Blocked);
    assert_eq!(outcome(walled, "control"), GeoOutcome::Open);
    let de = walled.geo.iter().find(|g| g.vantage == "DE").unwrap();
    assert!(de.pages.iter().all(|p| p.status == Some(451)));
    let why = reasons(walled);
    assert!(why.contains("restricted from every EU vantage"), "{why}");
    assert!(why.contains("level lowered one step"), "{why}");
    // The same content without a fence is judged one level higher.
    let open = firm(scan, "Open Door Exchange");
    assert!(
        walled.verdict.level < open.verdict.level,
        "{:?} vs {:?}",
        walled.verdict.level,
        open.verdict.level
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_a_restriction_page_is_reported_as_redirected() {
    let Some(scan) = scan().await else { return };
    let redirecting = firm(scan, "Redirecting Exchange");
    assert_eq!(outcome(redirecting, "DE"), GeoOutcome::Redirected);
    assert_eq!(outcome(redirecting, "FR"), GeoOutcome::Redirected);
    assert_eq!(outcome(redirecting, "control"), GeoOutcome::Open);
    let home = &redirecting.geo[0].pages[0];
    assert!(
        home.final_url.as_deref().unwrap().ends_with("/restricted"),
        "{home:#?}"
    );
    assert_eq!(
        &*home.block_wording[0].rule_id,
        "geo_block.not_available.en"
    );
    assert!(reasons(redirecting).contains("level lowered one step"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bare_403_is_blocked_and_a_redirect_off_site_is_redirected_not_followed() {
    let Some(scan) = scan().await else { return };
    let forbidding = firm(scan, "Forbidding Exchange");
    assert_eq!(outcome(forbidding, "DE"), GeoOutcome::Blocked);
    assert_eq!(outcome(forbidding, "FR"), GeoOutcome::Redirected);
    let fr = forbidding.geo.iter().find(|g| g.vantage == "FR").unwrap();
    let home = &fr.pages[0];
    assert_eq!(
        home.final_url.as_deref(),
        Some("http://127.0.0.9:9/not-for-eu-visitors")
    );
    assert!(
        home.status.is_none() && home.content_sha256.is_none(),
        "{home:#?}"
    );
    let why = reasons(forbidding);
    assert!(why.contains("DE: blocked; FR: redirected"), "{why}");
    assert!(why.contains("level lowered one step"), "{why}");
    // An off-site redirect is an outcome, not an error of the scan.
    assert!(
        !forbidding.errors.iter().any(|e| e.kind == "geo_probe"),
        "{:#?}",
        forbidding.errors
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leaky_fence_is_reported_per_country() {
    let Some(scan) = scan().await else { return };
    let leaky = firm(scan, "Leaky Fence Exchange");
    assert_eq!(outcome(leaky, "DE"), GeoOutcome::Blocked);
    assert_eq!(outcome(leaky, "FR"), GeoOutcome::Open);
    let de = leaky.geo.iter().find(|g| g.vantage == "DE").unwrap();
    let home = &de.pages[0];
    assert_eq!(home.language.as_deref(), Some("de"));
    assert_eq!(
        &*home.block_wording[0].rule_id,
        "geo_block.not_available.de"
    );
    assert!(home.similarity_to_control.unwrap() < 0.2, "{home:#?}");
    let fr = leaky.geo.iter().find(|g| g.vantage == "FR").unwrap();
    assert_eq!(fr.pages[0].language.as_deref(), Some("fr"));
    assert!(!fr.pages[0].calls_to_action.is_empty());
    let why = reasons(leaky);
    assert!(
        why.contains("the geo-fence leaks: restricted from DE but open from FR"),
        "{why}"
    );
    assert!(!why.contains("level lowered"), "{why}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_captcha_wall_is_inconclusive_never_blocked_or_open() {
    let Some(scan) = scan().await else { return };
    let walled = firm(scan, "Captcha Exchange");
    assert_eq!(outcome(walled, "DE"), GeoOutcome::Inconclusive);
    assert_eq!(outcome(walled, "FR"), GeoOutcome::Inconclusive);
    let de = walled.geo.iter().find(|g| g.vantage == "DE").unwrap();
    assert_eq!(de.pages[0].status, Some(403));
    assert!(de.pages[0].bot_wall[0].rule_id.starts_with("bot_wall."));
    let why = reasons(walled);
    assert!(why.contains("inconclusive from DE, FR"), "{why}");
    assert!(!why.contains("lowered"), "{why}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signup_without_eu_countries_is_a_restriction_and_one_with_them_is_evidence() {
    let Some(scan) = scan().await else { return };
    let closed = firm(scan, "Closed Signup Exchange");
    let de = closed.geo.iter().find(|g| g.vantage == "DE").unwrap();
    assert_eq!(de.outcome, GeoOutcome::Open);
    assert_eq!(de.signup_reachable, Some(false));
    assert!(de.eu_countries_offered.is_empty());
    let selector = de.pages[1].country_selector.as_ref().unwrap();
    assert!(selector.excludes_eu);
    assert_eq!(selector.countries, 5);
    assert!(
        reasons(closed).contains("level lowered one step"),
        "{}",
        reasons(closed)
    );

    let open = firm(scan, "Open Door Exchange");
    let fr = open.geo.iter().find(|g| g.vantage == "FR").unwrap();
    assert_eq!(fr.eu_countries_offered, ["FR", "DE", "NL"]);
    assert!(open.verdict.level >= Level::Moderate);
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_credentials_appear_nowhere() {
    let Some(scan) = scan().await else { return };
    // The credentials were really used: the DE proxy refuses requests without them.
    assert!(scan.config_text.contains(PROXY_PASSWORD));
    let de = firm(scan, "Open Door Exchange")
        .geo
        .iter()
        .find(|g| g.vantage == "DE")
        .unwrap();
    assert_eq!(de.pages[0].status, Some(200));

    let report = serde_json::to_string(&scan.report).unwrap();
    let warc = String::from_utf8_lossy(&scan.warc_bytes);
    assert!(!scan.log.is_empty(), "the trace log is captured");
    for (what, text) in [
        ("report", &report),
        ("WARC", &warc.to_string()),
        ("log", &scan.log),
    ] {
        assert!(
            !text.contains(PROXY_PASSWORD),
            "the proxy password is in the {what}"
        );
        assert!(
            !text.contains(&format!("{PROXY_USER}:")),
            "the proxy user is in the {what}"
        );
    }
    // The archive says where the probe looked from, by name and country only.
    assert!(warc.contains("geo probe from DE (DE), FR (FR), control (SG, control)"));
    // The probe's requests are archived with the vantage's Accept-Language.
    assert!(warc.contains("Accept-Language: de-DE,de;q=0.9,en;q=0.5"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_proxy_password_is_an_error_without_the_password() {
    let Some(binary) = tinyproxy_binary() else {
        if std::env::var_os("MICAR_SCAN_REQUIRE_TINYPROXY").is_some() {
            panic!("tinyproxy is required (MICAR_SCAN_REQUIRE_TINYPROXY is set) but was not found");
        }
        return;
    };
    let proxy = Tinyproxy::start(&binary, "DE", Some((PROXY_USER, "the-right-one")));
    let site = firm_server(Fence::None).await;
    let config = format!(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nsitemaps = false\nmax_pages_per_site = 2\n\
         [[vantage]]\nname = \"DE\"\ncountry = \"DE\"\nproxy = \"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{}\"\n\
         [[firm]]\nname = \"Open Door Exchange\"\nwebsites = [\"{}\"]\n",
        proxy.port,
        site.url("/")
    );
    let (report, stdout, stderr) = scan_to_stdout(&config).await;
    let geo = &report.firms[0].geo[0];
    assert_ne!(geo.outcome, GeoOutcome::Open, "{geo:#?}");
    assert!(
        geo.pages[0].status.is_some_and(|s| s == 401 || s == 407),
        "{geo:#?}"
    );
    assert!(!stdout.contains(PROXY_PASSWORD));
    assert!(!stderr.contains(PROXY_PASSWORD));
}

// ---- a socks5 vantage ----------------------------------------------------------------

/// A microsocks SOCKS5 server on loopback with a user and password, whose
/// outgoing connections leave from `exit_ip` — so the site can tell its
/// visitors apart by address, as a real geo-fence does.
struct Microsocks {
    child: Child,
    port: u16,
}

impl Drop for Microsocks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn microsocks_binary() -> Option<PathBuf> {
    ["/usr/bin/microsocks", "/usr/local/bin/microsocks"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Microsocks {
    fn start(binary: &Path, exit_ip: &str, user: &str, password: &str) -> Microsocks {
        for _ in 0..5 {
            let port = free_port();
            let mut child = std::process::Command::new(binary)
                .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-b", exit_ip])
                .args(["-u", user, "-P", password])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start microsocks");
            if listening(&mut child, port) {
                return Microsocks { child, port };
            }
        }
        panic!("microsocks did not start");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socks5_vantage_with_credentials_leaves_through_its_own_exit() {
    let Some(binary) = microsocks_binary() else {
        if std::env::var_os("MICAR_SCAN_REQUIRE_MICROSOCKS").is_some() {
            panic!(
                "microsocks is required (MICAR_SCAN_REQUIRE_MICROSOCKS is set) but was not found"
            );
        }
        eprintln!("skipping: microsocks not installed");
        return;
    };
    const EXIT: &str = "127.0.0.7";
    let socks = Microsocks::start(&binary, EXIT, PROXY_USER, PROXY_PASSWORD);
    // The site refuses visitors arriving from the socks exit with 451.
    let app = Router::new().fallback(
        |axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
         request: Request| async move {
            if peer.ip().to_string() == EXIT {
                (
                    StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
                    Html("<h1>Unavailable</h1>"),
                )
                    .into_response()
            } else {
                served(request.uri().path(), "direct", true)
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let config = format!(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nsitemaps = false\nmax_pages_per_site = 3\n\
         [[vantage]]\nname = \"NL\"\ncountry = \"NL\"\nproxy = \"socks5://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{}\"\n\
         [[vantage]]\nname = \"control\"\ncountry = \"CH\"\ncontrol = true\n\
         [[firm]]\nname = \"Socks Fenced Exchange\"\nwebsites = [\"http://{site}/\"]\n",
        socks.port
    );
    let (report, stdout, stderr) = scan_to_stdout(&config).await;
    let firm = &report.firms[0];
    assert_eq!(outcome(firm, "NL"), GeoOutcome::Blocked, "{:#?}", firm.geo);
    assert_eq!(outcome(firm, "control"), GeoOutcome::Open);
    assert!(
        reasons(firm).contains("level lowered one step"),
        "{}",
        reasons(firm)
    );
    assert!(!stdout.contains(PROXY_PASSWORD) && !stderr.contains(PROXY_PASSWORD));
}
