//! The bundled demo: synthetic firms' sites compiled into the binary, served
//! by an in-process HTTP server on a loopback port, and scanned through the
//! real crawler with realistic host names mapped onto that port.
//!
//! It needs no network and no files beyond the binary. The server is also
//! the tool's reference "static virtual hosts" server: it serves
//! `sites/<host>/<path>` by the request's `Host` header and nothing else.

use crate::config::{Config, ConfigError};
use crate::report::Report;
use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use include_dir::{include_dir, Dir};
use ipnet::IpNet;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// The demo's sites and its configuration, compiled in.
static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures/demo");

/// A running static virtual-host server; stops when dropped.
pub struct SiteServer {
    addr: SocketAddr,
    hosts: Vec<String>,
    stop: CancellationToken,
}

impl SiteServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The host names it serves.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts the demo sites' server on `127.0.0.1` with an ephemeral port.
///
/// # Errors
/// When no loopback port can be bound.
pub async fn start_server() -> std::io::Result<SiteServer> {
    let sites = DEMO.get_dir("sites");
    let hosts: Vec<String> = sites
        .map(|dir| {
            dir.dirs()
                .filter_map(|d| d.path().file_name()?.to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let app = axum::Router::new().fallback(serve_site_file);
    let stopped = stop.clone();
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(stopped.cancelled_owned());
        if let Err(e) = server.await {
            tracing::error!("demo server stopped: {e}");
        }
    });
    Ok(SiteServer { addr, hosts, stop })
}

async fn serve_site_file(headers: HeaderMap, uri: Uri) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let path = uri.path();
    match site_file(&host, path) {
        Some((bytes, content_type)) => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap_or_else(|_| status_response(StatusCode::INTERNAL_SERVER_ERROR)),
        None => status_response(StatusCode::NOT_FOUND),
    }
}

fn status_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::from(status.to_string()));
    *response.status_mut() = status;
    response
}

/// Maps `host` + URL path to an embedded file: `/a/` → `a/index.html`.
fn site_file(host: &str, path: &str) -> Option<(&'static [u8], &'static str)> {
    if host.is_empty() || host.contains("..") || host.contains('/') {
        return None;
    }
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|segment| segment == "..") {
        return None;
    }
    let mut file_path = format!("sites/{host}/{relative}");
    if file_path.ends_with('/') {
        file_path.push_str("index.html");
    }
    let file = DEMO
        .get_file(&file_path)
        .or_else(|| DEMO.get_file(format!("{file_path}/index.html")))?;
    let content_type = match Path::new(&file_path).extension().and_then(|e| e.to_str()) {
        Some("html") | None => "text/html; charset=utf-8",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("css") => "text/css",
        Some("rss") => "application/rss+xml",
        Some("atom") => "application/atom+xml",
        Some(_) => "application/octet-stream",
    };
    Some((file.contents(), content_type))
}

/// The demo configuration with every demo host mapped onto `server` and the
/// address guard opened for exactly that loopback address.
///
/// # Errors
/// When the embedded `demo.toml` is invalid (a build defect, caught by tests).
pub fn config(server: &SiteServer) -> Result<Config, ConfigError> {
    let text = DEMO
        .get_file("demo.toml")
        .and_then(|f| f.contents_utf8())
        .unwrap_or_default();
    let mut config = Config::parse(text, Path::new("fixtures/demo/demo.toml"))?;
    for host in server.hosts() {
        config.scan.resolve.insert(host.clone(), server.addr());
    }
    config.scan.allow_networks = vec![IpNet::from(server.addr().ip())];
    Ok(config)
}

/// A short table of verdicts for a terminal.
pub fn summary_table(report: &Report) -> String {
    let mut out = String::new();
    let name_width = report
        .firms
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<name_width$}  {:<8}  {:>6}  {:>5}  {:>8}  {:>6}",
        "firm", "verdict", "score", "pages", "findings", "errors"
    );
    for firm in &report.firms {
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<8}  {:>6.1}  {:>5}  {:>8}  {:>6}",
            firm.name,
            firm.verdict.level.as_str(),
            firm.verdict.score,
            firm.pages.len(),
            firm.findings.len(),
            firm.errors.len()
        );
    }
    for firm in &report.firms {
        if firm.verdict.reasons.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} — {}:", firm.name, firm.verdict.level);
        for reason in firm.verdict.reasons.iter().take(5) {
            let _ = writeln!(out, "  • {reason}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_files_and_never_escape() {
        assert!(site_file("", "/").is_none());
        assert!(site_file("../x", "/").is_none());
        assert!(site_file("a.example", "/../demo.toml").is_none());
        assert!(site_file("no-such-host.example", "/").is_none());
    }
}
