//! A verdict only where the scanner saw the firm: a firm of which nothing
//! was read is `unassessed`, never `none`, and the exit code says so. Real
//! servers on loopback, the real binary.

mod common;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use common::{arg, micar_scan, TestServer};
use micar_scan::model::report::{FirmReport, Report};
use micar_scan::model::Level;

const LANDING: &str = r#"<!DOCTYPE html><html lang="de-DE"><head><meta charset="utf-8">
<title>Bitcoin kaufen mit SEPA | Nordlicht Coins</title></head><body><main>
<h1>Bitcoin kaufen in Deutschland</h1>
<p>Zahle ab 25 € per SEPA ein und erhalte 20 € Startbonus. Für Kunden in Deutschland.</p>
<a class="btn" href="/registrieren">Jetzt registrieren</a>
LINKS
</main></body></html>"#;

const CHALLENGE: &str = "<html><head><title>Just a moment...</title></head><body><p>Checking your browser before accessing the site.</p><p>Please enable JavaScript and cookies to continue.</p></body></html>";

fn landing(links: usize) -> String {
    let links: String = (0..links)
        .map(|i| format!(r#"<a href="/broken/{i}">Seite {i}</a> "#))
        .collect();
    LANDING.replace("LINKS", &links)
}

async fn start(router: Router) -> TestServer {
    TestServer::start(router).await
}

/// Scans `config` with the real binary; the exit code and the report.
async fn scan(config: &str, extra: &[&str]) -> (Option<i32>, Report, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("scan.toml");
    std::fs::write(&config_path, config).expect("write config");
    let output = dir.path().join("report.json");
    let mut args = vec![
        "scan".to_string(),
        arg(&config_path),
        "--output".to_string(),
        arg(&output),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let run = micar_scan(args).await;
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let report = serde_json::from_str(
        &std::fs::read_to_string(&output).unwrap_or_else(|e| panic!("no report ({e}): {stderr}")),
    )
    .expect("report parses");
    (run.status.code(), report, stderr)
}

fn firm<'a>(report: &'a Report, name: &str) -> &'a FirmReport {
    report
        .firms
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no firm {name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn firms_the_scanner_could_not_read_are_unassessed_and_the_exit_code_says_so() {
    let open = start(
        Router::new()
            .route("/", get(|| async { Html(landing(10)) }))
            .fallback(|| async { (StatusCode::NOT_FOUND, Html("<p>Seite nicht gefunden</p>")) }),
    )
    .await;
    let walled = start(
        Router::new()
            .fallback(|| async { (StatusCode::FORBIDDEN, Html(CHALLENGE)).into_response() }),
    )
    .await;
    let down = start(Router::new().fallback(|| async {
        (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response()
    }))
    .await;
    let disallowed = start(
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nDisallow: /\n" }),
            )
            .fallback(|| async { Html(landing(0)) }),
    )
    .await;
    // A port nothing listens on: bind one, note it, and let it go.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };

    let site = |server: &TestServer| format!("http://127.0.0.1:{}/", server.port());
    let config = format!(
        r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 50.0
max_retries = 1
timeout = "5s"
connect_timeout = "2s"
sitemaps = false

[[firm]]
name = "Open"
websites = ["{open}"]

[[firm]]
name = "Walled"
websites = ["{walled}"]

[[firm]]
name = "Down"
websites = ["{down}"]

[[firm]]
name = "Disallowed"
websites = ["{disallowed}"]

[[firm]]
name = "Closed"
websites = ["http://127.0.0.1:{closed_port}/"]
"#,
        open = site(&open),
        walled = site(&walled),
        down = site(&down),
        disallowed = site(&disallowed),
    );
    let (code, report, stderr) = scan(&config, &[]).await;
    assert_eq!(
        code,
        Some(4),
        "exit code 4 when a firm is unassessed; stderr: {stderr}"
    );

    let open_firm = firm(&report, "Open");
    assert_eq!(
        open_firm.verdict.level,
        Level::Strong,
        "{:?}",
        open_firm.verdict.reasons
    );
    assert!(open_firm.coverage.total.pages_ok >= 1);
    assert!(
        open_firm.coverage.total.pages_failed >= 10,
        "{:?}",
        open_firm.coverage
    );
    assert!(
        open_firm
            .verdict
            .reasons
            .iter()
            .any(|r| r.starts_with("coverage warning")),
        "{:?}",
        open_firm.verdict.reasons
    );

    for (name, what) in [
        ("Walled", "met a bot wall"),
        // robots.txt itself answers 503: RFC 9309 says assume complete
        // disallow, so nothing else is asked for.
        ("Down", "robots.txt"),
        ("Disallowed", "disallowed by robots.txt"),
        // Nothing answers, robots.txt included: the crawler then asks for
        // nothing else (an unreachable robots.txt disallows everything).
        ("Closed", "robots.txt"),
    ] {
        let f = firm(&report, name);
        assert_eq!(
            f.verdict.level,
            Level::Unassessed,
            "{name}: {:?}",
            f.verdict.reasons
        );
        assert_eq!(f.coverage.total.pages_ok, 0, "{name}");
        assert!(
            f.verdict.reasons[0].starts_with("not assessed") && f.verdict.reasons[0].contains(what),
            "{name}: {:?}",
            f.verdict.reasons
        );
    }
    assert!(firm(&report, "Walled").coverage.total.bot_walls >= 1);
    assert!(firm(&report, "Disallowed").coverage.total.robots_disallowed >= 1);
    assert!(
        firm(&report, "Walled")
            .findings
            .iter()
            .all(|f| f.signal == micar_scan::model::Signal::BotWall),
        "a bot wall yields no solicitation findings"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_takes_precedence_over_unassessed() {
    let open = start(Router::new().route("/", get(|| async { Html(landing(0)) }))).await;
    let walled = start(
        Router::new()
            .fallback(|| async { (StatusCode::FORBIDDEN, Html(CHALLENGE)).into_response() }),
    )
    .await;
    let config = format!(
        r#"[scan]
allow_networks = ["127.0.0.1/32"]
per_host_rate = 50.0
max_retries = 0
sitemaps = false

[[firm]]
name = "Open"
websites = ["http://127.0.0.1:{}/"]

[[firm]]
name = "Walled"
websites = ["http://127.0.0.1:{}/"]
"#,
        open.port(),
        walled.port()
    );
    let (code, _, _) = scan(&config, &["--fail-on", "moderate"]).await;
    assert_eq!(code, Some(1), "--fail-on reached wins over unassessed");
}
