//! The browser: started once for the scan, a few tabs at a time, every
//! request of a tab answered through a [`ResourceGate`].

use super::gate::{GateAnswer, RequestKind, ResourceGate};
use base64::Engine;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::fetch::{
    EventRequestPaused, FailRequestParams, FulfillRequestParams, HeaderEntry,
};
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::Page;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

/// Browsers looked for on `PATH`, in this order, when none is configured.
const BROWSER_NAMES: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// A page counts as settled once no request of it has been in flight for this long.
const QUIET_PERIOD: Duration = Duration::from_millis(400);
/// Longest wait for a page to settle after its load event; a page that keeps
/// polling is read as it stands then.
const MAX_SETTLE: Duration = Duration::from_secs(5);
/// Time a browser gets to start, and a tab to open or close, before the
/// browser is taken for hung.
const BROWSER_STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Run before any script of a page: the socket APIs that the protocol's
/// request interception cannot pause are taken away, so that a page cannot
/// open a connection the scanner did not decide on.
const INIT_SCRIPT: &str = "(() => { for (const name of ['WebSocket', 'WebTransport', \
    'RTCPeerConnection', 'webkitRTCPeerConnection', 'SharedWorker', 'Worker']) { try { \
    Object.defineProperty(globalThis, name, { value: undefined, configurable: false, \
    writable: false }); } catch (e) {} } })();";

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    #[error("no browser found: install chromium, or set [scan] browser to its path")]
    NotFound,
    #[error("the browser {path} did not start: {reason}")]
    Launch { path: PathBuf, reason: String },
    #[error("rendering took longer than {0:?}; the page was abandoned")]
    Timeout(Duration),
    #[error("the browser failed: {0}")]
    Protocol(String),
}

/// One page to render: where it is, and the response the crawler already
/// holds for it, which answers the navigation so the page is not fetched twice.
pub struct RenderRequest {
    pub url: Url,
    pub status: u16,
    /// Response headers passed to the browser (`Content-Type`, `Content-Language`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Take a full-page PNG screenshot.
    pub screenshot: bool,
}

/// What the browser showed.
#[derive(Debug)]
pub struct RenderOutput {
    /// The DOM serialised as HTML, doctype included.
    pub dom: String,
    pub screenshot: Option<Vec<u8>>,
    /// RFC 3339 UTC time the DOM was read.
    pub rendered_at: String,
    /// Requests the page made that the gate answered.
    pub served: u32,
    /// Requests the page made that the gate refused.
    pub refused: u32,
}

/// A started browser and the task that carries its protocol messages.
struct Live {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    /// False once the protocol connection ended (the browser exited or crashed).
    alive: Arc<AtomicBool>,
    /// The browser's own profile directory, removed with it.
    _profile: tempfile::TempDir,
}

/// One headless browser for a scan, started on first use.
pub struct Renderer {
    executable: PathBuf,
    timeout: Duration,
    tabs: Semaphore,
    live: tokio::sync::Mutex<Option<Live>>,
    launches: AtomicU64,
    renders: AtomicU64,
    not_rendered: AtomicU64,
    version: Mutex<Option<String>>,
}

/// The browser to use: `configured` (a path, or a name looked up on `PATH`),
/// else the first of the usual Chromium names on `PATH`.
pub fn find_browser(configured: Option<&Path>) -> Option<PathBuf> {
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    let on_path = |name: &str| {
        path_dirs
            .iter()
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    };
    match configured {
        Some(path) if path.components().count() > 1 || path.is_absolute() => {
            path.is_file().then(|| path.to_path_buf())
        }
        Some(name) => on_path(&name.to_string_lossy()),
        None => BROWSER_NAMES.iter().find_map(|name| on_path(name)),
    }
}

impl Renderer {
    /// A renderer driving `executable`, at most `tabs` pages at a time, each
    /// within `timeout`. Nothing is started until the first page.
    pub fn new(executable: PathBuf, tabs: usize, timeout: Duration) -> Renderer {
        Renderer {
            executable,
            timeout,
            tabs: Semaphore::new(tabs.max(1)),
            live: tokio::sync::Mutex::new(None),
            launches: AtomicU64::new(0),
            renders: AtomicU64::new(0),
            not_rendered: AtomicU64::new(0),
            version: Mutex::new(None),
        }
    }

    /// Times a browser was started.
    pub fn launches(&self) -> u64 {
        self.launches.load(Ordering::Relaxed)
    }

    /// Pages rendered to the end.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// Pages that needed rendering and were not rendered: the site's
    /// budget was spent, or the browser failed on them.
    pub fn not_rendered(&self) -> u64 {
        self.not_rendered.load(Ordering::Relaxed)
    }

    /// Counts a page that needed rendering and was not rendered.
    pub fn note_not_rendered(&self) {
        self.not_rendered.fetch_add(1, Ordering::Relaxed);
    }

    /// The browser's product and version (`Chrome/…`), once one was started.
    pub fn browser_version(&self) -> Option<String> {
        self.version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Renders one page, answering each of its requests through `gate`.
    ///
    /// # Errors
    /// [`BrowserError::Launch`] when no browser could be started,
    /// [`BrowserError::Timeout`] when the page took longer than the
    /// renderer's timeout (the browser is restarted when it stopped
    /// answering), [`BrowserError::Protocol`] when the browser failed.
    pub async fn render(
        &self,
        request: RenderRequest,
        gate: &dyn ResourceGate,
    ) -> Result<RenderOutput, BrowserError> {
        let _tab = self
            .tabs
            .acquire()
            .await
            .map_err(|_| BrowserError::Protocol("the renderer was shut down".into()))?;
        let page = self.open_tab().await?;
        let outcome = tokio::time::timeout(self.timeout, drive(&page, request, gate)).await;
        let closed = tokio::time::timeout(BROWSER_STEP_TIMEOUT, page.close()).await;
        if !matches!(closed, Ok(Ok(()))) {
            tracing::warn!("a browser tab would not close; restarting the browser");
            self.kill().await;
        }
        match outcome {
            Ok(Ok(output)) => {
                self.renders.fetch_add(1, Ordering::Relaxed);
                Ok(output)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(BrowserError::Timeout(self.timeout)),
        }
    }

    /// Closes the browser at the end of the scan.
    pub async fn shutdown(&self) {
        let mut slot = self.live.lock().await;
        if let Some(mut live) = slot.take() {
            let closed = tokio::time::timeout(BROWSER_STEP_TIMEOUT, live.browser.close()).await;
            if matches!(closed, Ok(Ok(_))) {
                let _ = tokio::time::timeout(BROWSER_STEP_TIMEOUT, live.browser.wait()).await;
            } else {
                let _ = live.browser.kill().await;
            }
            live.handler.abort();
        }
    }

    /// A new blank tab, starting (or restarting) the browser when needed.
    async fn open_tab(&self) -> Result<Page, BrowserError> {
        let mut slot = self.live.lock().await;
        for attempt in 0..2 {
            if slot
                .as_ref()
                .is_none_or(|live| !live.alive.load(Ordering::Relaxed))
            {
                if let Some(mut dead) = slot.take() {
                    let _ = dead.browser.kill().await;
                    dead.handler.abort();
                }
                *slot = Some(self.launch().await?);
            }
            let Some(live) = slot.as_ref() else {
                continue;
            };
            match tokio::time::timeout(BROWSER_STEP_TIMEOUT, live.browser.new_page("about:blank"))
                .await
            {
                Ok(Ok(page)) => return Ok(page),
                Ok(Err(e)) if attempt > 0 => return Err(BrowserError::Protocol(e.to_string())),
                Err(_) if attempt > 0 => return Err(BrowserError::Timeout(BROWSER_STEP_TIMEOUT)),
                // The browser is there but does not give a tab: start it again once.
                _ => {
                    if let Some(live) = slot.as_ref() {
                        live.alive.store(false, Ordering::Relaxed);
                    }
                }
            }
        }
        Err(BrowserError::Protocol("no tab could be opened".into()))
    }

    async fn launch(&self) -> Result<Live, BrowserError> {
        let launch_error = |reason: String| BrowserError::Launch {
            path: self.executable.clone(),
            reason,
        };
        let profile = tempfile::Builder::new()
            .prefix("micar-scan-browser-")
            .tempdir()
            .map_err(|e| launch_error(format!("no profile directory: {e}")))?;
        let mut config = BrowserConfig::builder()
            .chrome_executable(&self.executable)
            .user_data_dir(profile.path())
            .disable_default_args()
            .enable_request_intercept()
            .launch_timeout(BROWSER_STEP_TIMEOUT)
            .request_timeout(self.timeout)
            .window_size(1280, 900)
            .viewport(Viewport {
                width: 1280,
                height: 900,
                ..Viewport::default()
            });
        for (name, value) in BROWSER_ARGS {
            config = match value {
                Some(value) => config.arg((name, value)),
                None => config.arg(name),
            };
        }
        // Chromium refuses to start as root with its sandbox on.
        if running_as_root() {
            config = config.no_sandbox();
        }
        let config = config.build().map_err(launch_error)?;
        let (browser, mut handler) = Browser::launch(config)
            .await
            .map_err(|e| launch_error(e.to_string()))?;
        self.launches.fetch_add(1, Ordering::Relaxed);
        let alive = Arc::new(AtomicBool::new(true));
        let handler_alive = Arc::clone(&alive);
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    // A connection error ends the browser; message-level errors do not.
                    if matches!(
                        e,
                        chromiumoxide::error::CdpError::Ws(_)
                            | chromiumoxide::error::CdpError::Io(_)
                    ) {
                        tracing::warn!("the browser connection failed: {e}");
                        break;
                    }
                }
            }
            handler_alive.store(false, Ordering::Relaxed);
        });
        match tokio::time::timeout(BROWSER_STEP_TIMEOUT, browser.version()).await {
            Ok(Ok(version)) => {
                *self
                    .version
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(version.product);
            }
            _ => tracing::warn!("the browser did not say its version"),
        }
        Ok(Live {
            browser,
            handler,
            alive,
            _profile: profile,
        })
    }

    /// The running browser's process id, for tests that make it die.
    #[cfg(test)]
    pub(crate) async fn browser_pid(&self) -> Option<u32> {
        let mut slot = self.live.lock().await;
        slot.as_mut()?.browser.get_mut_child()?.as_mut_inner().id()
    }

    /// Kills the browser; the next page starts a new one.
    async fn kill(&self) {
        let mut slot = self.live.lock().await;
        if let Some(mut live) = slot.take() {
            let _ = live.browser.kill().await;
            live.handler.abort();
        }
    }
}

/// Chromium's switches, each a name and an optional value: headless,
/// quiet, no network of its own.
const BROWSER_ARGS: [(&str, Option<&str>); 21] = [
    ("disable-background-networking", None),
    ("disable-background-timer-throttling", None),
    ("disable-breakpad", None),
    ("disable-client-side-phishing-detection", None),
    ("disable-component-update", None),
    ("disable-default-apps", None),
    ("disable-dev-shm-usage", None),
    ("disable-domain-reliability", None),
    ("disable-gpu", None),
    ("disable-sync", None),
    ("metrics-recording-only", None),
    ("no-default-browser-check", None),
    ("no-first-run", None),
    ("password-store", Some("basic")),
    ("use-mock-keychain", None),
    // Every frame stays in the page's process, so the page's request
    // interception sees an iframe's requests too.
    ("disable-site-isolation-trials", None),
    (
        "disable-features",
        Some("IsolateOrigins,site-per-process,Translate,OptimizationHints,MediaRouter"),
    ),
    // Nothing resolves and the only proxy does not exist: a request that is
    // not answered through the gate has nowhere to go.
    ("host-resolver-rules", Some("MAP * ~NOTFOUND")),
    ("proxy-server", Some("http://proxy.invalid:1")),
    ("proxy-bypass-list", Some("<-loopback>")),
    (
        "force-webrtc-ip-handling-policy",
        Some("disable_non_proxied_udp"),
    ),
];

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// What a tab shares between its request answers and the wait for quiet.
struct TabTraffic {
    in_flight: AtomicU32,
    served: AtomicU32,
    refused: AtomicU32,
    last_activity: Mutex<Instant>,
    /// The crawler's response, for the navigation to the page itself.
    document: Mutex<Option<GateAnswer>>,
}

impl TabTraffic {
    fn touch(&self) {
        *self
            .last_activity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
    }

    fn quiet_for(&self) -> Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .elapsed()
    }
}

/// Loads the page, waits for it to settle and reads it, answering its
/// requests as they come.
async fn drive(
    page: &Page,
    request: RenderRequest,
    gate: &dyn ResourceGate,
) -> Result<RenderOutput, BrowserError> {
    let protocol = |e: chromiumoxide::error::CdpError| BrowserError::Protocol(e.to_string());
    page.evaluate_on_new_document(INIT_SCRIPT)
        .await
        .map_err(protocol)?;
    let mut paused = page
        .event_listener::<EventRequestPaused>()
        .await
        .map_err(protocol)?;
    let traffic = TabTraffic {
        in_flight: AtomicU32::new(0),
        served: AtomicU32::new(0),
        refused: AtomicU32::new(0),
        last_activity: Mutex::new(Instant::now()),
        document: Mutex::new(Some(GateAnswer::Served {
            status: request.status,
            headers: request.headers,
            body: request.body,
        })),
    };
    let page_url = request.url.clone();

    let answering = async {
        let mut answers = FuturesUnordered::new();
        loop {
            tokio::select! {
                event = paused.next() => match event {
                    Some(event) => {
                        traffic.in_flight.fetch_add(1, Ordering::Relaxed);
                        traffic.touch();
                        answers.push(answer(page, event, &page_url, gate, &traffic));
                    }
                    None => break,
                },
                Some(()) = answers.next(), if !answers.is_empty() => {
                    traffic.in_flight.fetch_sub(1, Ordering::Relaxed);
                    traffic.touch();
                }
            }
        }
    };

    let reading = async {
        page.goto(request.url.as_str()).await.map_err(protocol)?;
        let settle_until = Instant::now() + MAX_SETTLE;
        while Instant::now() < settle_until {
            if traffic.in_flight.load(Ordering::Relaxed) == 0 && traffic.quiet_for() >= QUIET_PERIOD
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let dom = page.content().await.map_err(protocol)?;
        let rendered_at = crate::model::time::now_rfc3339();
        let screenshot = if request.screenshot {
            Some(
                page.screenshot(ScreenshotParams::builder().full_page(true).build())
                    .await
                    .map_err(protocol)?,
            )
        } else {
            None
        };
        Ok(RenderOutput {
            dom,
            screenshot,
            rendered_at,
            served: traffic.served.load(Ordering::Relaxed),
            refused: traffic.refused.load(Ordering::Relaxed),
        })
    };

    tokio::select! {
        output = reading => output,
        () = answering => Err(BrowserError::Protocol("the tab's request stream ended".into())),
    }
}

/// Answers one paused request: the page's own navigation from the crawler's
/// response, everything else through the gate.
async fn answer(
    page: &Page,
    event: Arc<EventRequestPaused>,
    page_url: &Url,
    gate: &dyn ResourceGate,
    traffic: &TabTraffic,
) {
    let kind = RequestKind::from_resource_type(&event.resource_type);
    let url = Url::parse(&event.request.url).ok();
    let own_document = kind == RequestKind::Document
        && url.as_ref().is_some_and(|url| same_document(url, page_url));
    let held = if own_document {
        traffic
            .document
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    } else {
        None
    };
    let decision = match (held, url) {
        (Some(held), _) => held,
        (None, Some(url)) if matches!(url.scheme(), "http" | "https") => {
            gate.answer(url, kind).await
        }
        (None, _) => GateAnswer::Refused("not an http(s) URL".into()),
    };
    let sent = match decision {
        GateAnswer::Served {
            status,
            headers,
            body,
        } => {
            traffic.served.fetch_add(1, Ordering::Relaxed);
            let mut fulfil = FulfillRequestParams::builder()
                .request_id(event.request_id.clone())
                .response_code(i64::from(status))
                .body(base64::engine::general_purpose::STANDARD.encode(&body));
            for (name, value) in headers {
                fulfil = fulfil.response_header(HeaderEntry::new(name, value));
            }
            match fulfil.build() {
                Ok(params) => page.execute(params).await.map(|_| ()),
                Err(reason) => {
                    tracing::debug!("cannot answer {}: {reason}", event.request.url);
                    fail(page, &event).await
                }
            }
        }
        GateAnswer::Refused(reason) => {
            traffic.refused.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("refused {}: {reason}", event.request.url);
            fail(page, &event).await
        }
    };
    if let Err(e) = sent {
        // The tab may be closing; the page is read as it stands.
        tracing::debug!("answer to {} not delivered: {e}", event.request.url);
    }
}

async fn fail(
    page: &Page,
    event: &EventRequestPaused,
) -> Result<(), chromiumoxide::error::CdpError> {
    page.execute(FailRequestParams::new(
        event.request_id.clone(),
        ErrorReason::BlockedByClient,
    ))
    .await
    .map(|_| ())
}

/// The same document, fragments aside.
fn same_document(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}
