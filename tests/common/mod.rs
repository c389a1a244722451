//! A reusable in-process HTTP server for network tests: an axum `Router`
//! served on a loopback address, with a log of every request (path, headers,
//! arrival time) and a count of accepted connections, shut down on drop.
//!
//! Tests may only send traffic to loopback, so this server only binds
//! loopback addresses and refuses anything else.

#![allow(
    dead_code,
    reason = "each test crate uses a different part of the helper"
)]

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::serve::ListenerExt;
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use url::Url;

/// One request as it arrived at the server.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub at: Instant,
}

impl Hit {
    /// The `Host` header as sent.
    pub fn host(&self) -> Option<&str> {
        self.headers.get("host").and_then(|v| v.to_str().ok())
    }
}

#[derive(Clone, Default)]
struct Log {
    hits: Arc<Mutex<Vec<Hit>>>,
    connections: Arc<AtomicUsize>,
}

async fn record(State(log): State<Log>, request: Request, next: Next) -> Response {
    let hit = Hit {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().map(str::to_string),
        headers: request.headers().clone(),
        at: Instant::now(),
    };
    log.hits.lock().unwrap().push(hit);
    next.run(request).await
}

/// A running test server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    log: Log,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Serves `router` on `127.0.0.1` at a free port.
    pub async fn start(router: Router) -> TestServer {
        TestServer::start_on("127.0.0.1".parse().unwrap(), 0, router)
            .await
            .expect("bind 127.0.0.1")
    }

    /// Serves `router` on a loopback address (`127.x.y.z` or `::1`) and
    /// port (0 = any free one). Fails when the address cannot be bound, so a
    /// test can skip where, say, IPv6 is off.
    pub async fn start_on(ip: IpAddr, port: u16, router: Router) -> std::io::Result<TestServer> {
        assert!(
            ip.is_loopback(),
            "test servers bind loopback only, not {ip}"
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, port)).await?;
        let addr = listener.local_addr()?;
        let log = Log::default();
        let connections = Arc::clone(&log.connections);
        let listener = listener.tap_io(move |_stream| {
            connections.fetch_add(1, Ordering::SeqCst);
        });
        let app = router.layer(middleware::from_fn_with_state(log.clone(), record));
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(TestServer {
            addr,
            log,
            shutdown: Some(shutdown),
        })
    }

    /// A server that answers every path with 200 "ok": a trap for requests
    /// that must never arrive.
    pub async fn trap_on(ip: IpAddr, port: u16) -> std::io::Result<TestServer> {
        let router = Router::new().fallback(|| async { "ok" });
        TestServer::start_on(ip, port, router).await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://ADDR:PORT` + `path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{}", self.addr, path)).unwrap()
    }

    /// Every request so far, in arrival order.
    pub fn hits(&self) -> Vec<Hit> {
        self.log.hits.lock().unwrap().clone()
    }

    /// Requests to `path` so far.
    pub fn hits_to(&self, path: &str) -> usize {
        self.hits().iter().filter(|hit| hit.path == path).count()
    }

    pub fn total_hits(&self) -> usize {
        self.log.hits.lock().unwrap().len()
    }

    /// TCP connections accepted so far, whether or not a request followed.
    pub fn connections(&self) -> usize {
        self.log.connections.load(Ordering::SeqCst)
    }

    /// Arrival times of requests to `path`.
    pub fn arrivals(&self, path: &str) -> Vec<Instant> {
        self.hits()
            .iter()
            .filter(|hit| hit.path == path)
            .map(|hit| hit.at)
            .collect()
    }

    /// Arrival times of all requests.
    pub fn all_arrivals(&self) -> Vec<Instant> {
        self.hits().iter().map(|hit| hit.at).collect()
    }

    /// Gaps between successive requests (any path), as the server saw them.
    pub fn gaps(&self) -> Vec<Duration> {
        self.all_arrivals()
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Runs the real `micar-scan` binary with `args` off the async runtime (the
/// test's servers keep serving meanwhile) and returns its output.
pub async fn micar_scan(args: Vec<String>) -> std::process::Output {
    micar_scan_with_env(args, Vec::new()).await
}

/// [`micar_scan`] with extra environment variables (`RUST_LOG`, …).
pub async fn micar_scan_with_env(
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("micar-scan")
            .expect("the binary builds")
            .args(&args)
            .envs(env)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the binary's task completes")
}

/// A path as a command-line argument.
pub fn arg(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// `micar-scan scan CONFIG --output OUTPUT EXTRA…` through the real binary;
/// fails the test, with the binary's log, unless it exits 0.
pub async fn scan_ok(
    config: &std::path::Path,
    output: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "scan".to_string(),
        arg(config),
        "--output".to_string(),
        arg(output),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let out = micar_scan(args).await;
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a scan of `config` in-process with the bundled rules and returns its report.
pub async fn scan_report(config: &micar_scan::config::Config) -> micar_scan::model::report::Report {
    let rules =
        Arc::new(micar_scan::analyze::rules::RuleSet::bundled().expect("bundled rules load"));
    micar_scan::scan::run(config, rules, micar_scan::scan::ScanOptions::default())
        .await
        .expect("scan runs")
        .report
}
