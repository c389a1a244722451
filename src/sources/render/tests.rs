use super::*;
use crate::config::RenderMode;
use chromiumoxide::cdp::browser_protocol::network::ResourceType;

#[test]
fn a_configured_browser_path_is_used_only_when_it_exists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let browser = dir.path().join("my-chromium");
    assert_eq!(find_browser(Some(&browser)), None);
    std::fs::write(&browser, b"").expect("write");
    assert_eq!(find_browser(Some(&browser)), Some(browser));
}

#[test]
fn a_browser_name_that_is_not_on_the_path_is_not_found() {
    let name = std::path::Path::new("no-such-browser-for-micar-scan");
    assert_eq!(find_browser(Some(name)), None);
}

#[test]
fn only_what_a_page_needs_to_show_its_text_is_fetched_for_it() {
    for (resource, kind) in [
        (ResourceType::Document, RequestKind::Document),
        (ResourceType::Script, RequestKind::Needed),
        (ResourceType::Stylesheet, RequestKind::Needed),
        (ResourceType::Xhr, RequestKind::Needed),
        (ResourceType::Fetch, RequestKind::Needed),
        (ResourceType::Image, RequestKind::Decorative),
        (ResourceType::Font, RequestKind::Decorative),
        (ResourceType::Media, RequestKind::Other),
        (ResourceType::Ping, RequestKind::Other),
        (ResourceType::Prefetch, RequestKind::Other),
        (ResourceType::WebSocket, RequestKind::Other),
    ] {
        assert_eq!(
            RequestKind::from_resource_type(&resource),
            kind,
            "{resource:?}"
        );
    }
}

#[test]
fn render_modes_read_from_configuration_and_the_command_line() {
    assert_eq!(RenderMode::parse("off"), Some(RenderMode::Off));
    assert_eq!(RenderMode::parse(" Auto "), Some(RenderMode::Auto));
    assert_eq!(RenderMode::parse("ALWAYS"), Some(RenderMode::Always));
    assert_eq!(RenderMode::parse("sometimes"), None);
    assert_eq!(RenderMode::default(), RenderMode::Auto);
    let error = "never".parse::<RenderMode>().expect_err("not a mode");
    assert!(error.contains("off, auto or always"), "{error}");
    for mode in [RenderMode::Off, RenderMode::Auto, RenderMode::Always] {
        assert_eq!(RenderMode::parse(mode.as_str()), Some(mode));
    }
}

/// Whether a browser is installed; without one the browser tests are
/// skipped, unless the test script said it must be there.
fn browser() -> Option<std::path::PathBuf> {
    let found = find_browser(None);
    assert!(
        found.is_some() || std::env::var_os("MICAR_SCAN_REQUIRE_CHROMIUM").is_none(),
        "chromium is required (MICAR_SCAN_REQUIRE_CHROMIUM is set) but was not found"
    );
    found
}

/// Answers from a fixed set of files, and records what it was asked; no
/// request leaves the process (the page's host is never resolved).
#[derive(Default)]
struct FileGate {
    files: std::collections::HashMap<String, (&'static str, &'static str)>,
    asked: std::sync::Mutex<Vec<(String, RequestKind)>>,
}

impl ResourceGate for FileGate {
    fn answer(
        &self,
        url: url::Url,
        kind: RequestKind,
    ) -> futures_util::future::BoxFuture<'_, GateAnswer> {
        Box::pin(async move {
            self.asked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((url.path().to_string(), kind));
            match self.files.get(url.path()) {
                Some((content_type, body)) => GateAnswer::Served {
                    status: 200,
                    headers: vec![("content-type".into(), (*content_type).into())],
                    body: body.as_bytes().to_vec(),
                },
                None => GateAnswer::Refused("no such file".into()),
            }
        })
    }
}

const SHELL: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><script src=\"/app.js\"></script></head><body><div id=\"root\"></div></body></html>";

fn shell_request(screenshot: bool) -> RenderRequest {
    RenderRequest {
        url: url::Url::parse("http://shell.test/").expect("a URL"),
        status: 200,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        body: SHELL.as_bytes().to_vec(),
        screenshot,
    }
}

fn offer_gate() -> FileGate {
    let mut gate = FileGate::default();
    gate.files.insert(
        "/app.js".into(),
        (
            "text/javascript",
            "addEventListener('DOMContentLoaded', () => fetch('/offer.json').then(r => r.json()).then(o => { document.getElementById('root').textContent = o.text; }));",
        ),
    );
    gate.files.insert(
        "/offer.json".into(),
        (
            "application/json",
            "{\"text\": \"Open your account in euros today\"}",
        ),
    );
    gate
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_is_rendered_with_every_request_answered_by_the_gate() {
    let Some(executable) = browser() else {
        return;
    };
    let renderer = Renderer::new(executable, 1, std::time::Duration::from_secs(20));
    assert_eq!(
        renderer.launches(),
        0,
        "nothing starts before the first page"
    );
    let gate = offer_gate();
    let output = renderer
        .render(shell_request(true), &gate)
        .await
        .expect("rendered");
    assert!(
        output.dom.contains("Open your account in euros today"),
        "{}",
        output.dom
    );
    // The document came from the request; the script and its data from the gate.
    let asked = gate.asked.lock().expect("lock").clone();
    assert!(
        asked.contains(&("/app.js".to_string(), RequestKind::Needed)),
        "{asked:?}"
    );
    assert!(
        asked.contains(&("/offer.json".to_string(), RequestKind::Needed)),
        "{asked:?}"
    );
    assert!(!asked.iter().any(|(path, _)| path == "/"), "{asked:?}");
    assert!(output.served >= 3, "{output:?}");
    let png = output.screenshot.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(renderer.launches(), 1);
    assert_eq!(renderer.renders(), 1);
    assert!(renderer.browser_version().is_some());
    renderer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_died_is_started_again_for_the_next_page() {
    let Some(executable) = browser() else {
        return;
    };
    let renderer = Renderer::new(executable, 1, std::time::Duration::from_secs(20));
    let gate = offer_gate();
    renderer
        .render(shell_request(false), &gate)
        .await
        .expect("first render");
    let pid = renderer.browser_pid().await.expect("a running browser");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let output = renderer
        .render(shell_request(false), &gate)
        .await
        .expect("rendered by a new browser");
    assert!(output.dom.contains("Open your account in euros today"));
    assert_eq!(renderer.launches(), 2);
    renderer.shutdown().await;
}
