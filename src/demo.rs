//! The bundled demo: synthetic firms' sites compiled into the binary, served
//! by an in-process HTTP server on a loopback port, and scanned through the
//! real crawler with realistic host names mapped onto that port.
//!
//! It needs no network and no files beyond the binary. The server is also
//! the tool's reference "static virtual hosts" server: it serves
//! `sites/<host>/<path>` by the request's `Host` header and nothing else.
//!
//! The demo's vantage points are more listeners of the same server, one per
//! `[[vantage]]` of `demo.toml`. The scanner talks to them as to a forward
//! proxy (absolute-form requests); they answer for the demo hosts as a
//! visitor from their country would be answered: a file under
//! `sites/<host>/_geo/<COUNTRY>/<path>` replaces the ordinary one, and
//! `_geo/<COUNTRY>/_every_page.html` replaces every page. That is
//! how one demo firm's geo-fence holds in one country and leaks in another.

use crate::config::{Config, ConfigError, ProxyUrl};
use crate::model::report::Report;
use crate::model::SourceKind;
use axum::body::Body;
use axum::extract::State;
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
    /// Per vantage name: the listener that answers as from its country.
    vantages: Vec<(String, SocketAddr)>,
    stop: CancellationToken,
    /// The demo's evidence files (`files/` of the fixtures), written out
    /// because offline inputs are read from disk; removed when dropped.
    files: tempfile::TempDir,
}

impl SiteServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// A file of the demo's ledger example (`requests.csv`, `offers.csv`,
    /// `assets-extra.toml`), written out beside the evidence files.
    pub fn ledger_file(&self, name: &str) -> std::path::PathBuf {
        self.files.path().join(name)
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

/// Starts the demo sites' server on `127.0.0.1` with an ephemeral port and
/// writes the demo's evidence files to a temporary directory.
///
/// # Errors
/// When no loopback port can be bound or the files cannot be written.
pub async fn start_server() -> std::io::Result<SiteServer> {
    let files = tempfile::Builder::new()
        .prefix("micar-scan-demo-")
        .tempdir()?;
    // `ledger/` holds the ledger example's records, read from disk like
    // the offline evidence files.
    for folder in ["files", "ledger", "register"] {
        if let Some(dir) = DEMO.get_dir(folder) {
            for file in dir.files() {
                if let Some(name) = file.path().file_name() {
                    std::fs::write(files.path().join(name), file.contents())?;
                }
            }
        }
    }
    let sites = DEMO.get_dir("sites");
    let hosts: Vec<String> = sites
        .map(|dir| {
            dir.dirs()
                .filter_map(|d| d.path().file_name()?.to_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let stop = CancellationToken::new();
    let addr = listen(Vantage(None), &stop).await?;
    let mut vantages = Vec::new();
    for vantage in demo_config_text()
        .and_then(|text| Config::parse(text, Path::new(DEMO_CONFIG)).ok())
        .map(|config| config.vantages)
        .unwrap_or_default()
    {
        let country = vantage.country.clone();
        vantages.push((vantage.name, listen(Vantage(Some(country)), &stop).await?));
    }
    Ok(SiteServer {
        addr,
        hosts,
        vantages,
        stop,
        files,
    })
}

/// The country a listener answers as; `None` for the plain site server.
#[derive(Clone)]
struct Vantage(Option<String>);

async fn listen(vantage: Vantage, stop: &CancellationToken) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new()
        .fallback(serve_site_file)
        .with_state(vantage);
    let stopped = stop.clone();
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(stopped.cancelled_owned());
        if let Err(e) = server.await {
            tracing::error!("demo server stopped: {e}");
        }
    });
    Ok(addr)
}

const DEMO_CONFIG: &str = "fixtures/demo/demo.toml";

fn demo_config_text() -> Option<&'static str> {
    DEMO.get_file("demo.toml").and_then(|f| f.contents_utf8())
}

async fn serve_site_file(
    State(Vantage(country)): State<Vantage>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let path = uri.path();
    if path.trim_start_matches('/').starts_with("_geo") {
        return status_response(StatusCode::NOT_FOUND);
    }
    // A fence answers every page alike: `_geo/<COUNTRY>/_every_page.html`
    // stands for all of them, a file at the page's own path for one.
    let as_seen_from = country.and_then(|country| {
        let relative = path.trim_start_matches('/');
        site_file(&host, &format!("/_geo/{country}/{relative}"))
            .or_else(|| site_file(&host, &format!("/_geo/{country}/_every_page.html")))
    });
    if let Some(location) = site_redirect(&host, path) {
        return Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap_or_else(|_| status_response(StatusCode::INTERNAL_SERVER_ERROR));
    }
    let by_query = uri.query().and_then(|query| query_file(&host, path, query));
    match as_seen_from.or(by_query).or_else(|| site_file(&host, path)) {
        Some((bytes, content_type)) => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap_or_else(|_| status_response(StatusCode::INTERNAL_SERVER_ERROR)),
        None => status_response(StatusCode::NOT_FOUND),
    }
}

/// A file that answers `path` for one query parameter's value:
/// `sites/<host>/<path>/_<param>/<value>.json` (or `.html`), else
/// `_<param>/_default.json`/`.html` when the parameter is present. That is how
/// the demo's app-store stand-ins answer per storefront (`?country=de`,
/// `?gl=DE`) from static files.
fn query_file(host: &str, path: &str, query: &str) -> Option<(&'static [u8], &'static str)> {
    let base = path.trim_end_matches('/');
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| {
            let plain = |text: &str| {
                !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            };
            plain(key) && plain(value)
        })
        .collect();
    let candidates = pairs
        .iter()
        .map(|(key, value)| format!("{base}/_{key}/{value}"))
        .chain(
            pairs
                .iter()
                .map(|(key, _)| format!("{base}/_{key}/_default")),
        );
    for candidate in candidates {
        for extension in ["json", "html"] {
            if let Some(found) = site_file(host, &format!("{candidate}.{extension}")) {
                return Some(found);
            }
        }
    }
    None
}

fn status_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::from(status.to_string()));
    *response.status_mut() = status;
    response
}

/// The target of `path` in `sites/<host>/_redirects` (lines of `path target`,
/// `#` comments), which lets a demo host act as a link cloaker or shortener.
fn site_redirect(host: &str, path: &str) -> Option<&'static str> {
    if host.is_empty() || host.contains("..") || host.contains('/') {
        return None;
    }
    let rules = DEMO
        .get_file(format!("sites/{host}/_redirects"))?
        .contents_utf8()?;
    rules
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .find_map(|line| {
            let mut parts = line.split_whitespace();
            (parts.next()? == path).then(|| parts.next())?
        })
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
        Some("js") => "text/javascript; charset=utf-8",
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
    let text = demo_config_text().unwrap_or_default();
    let mut config = Config::parse(text, Path::new(DEMO_CONFIG))?;
    for host in server.hosts() {
        config.scan.resolve.insert(host.clone(), server.addr());
    }
    for vantage in &mut config.vantages {
        vantage.proxy = server
            .vantages
            .iter()
            .find(|(name, _)| *name == vantage.name)
            .and_then(|(_, addr)| ProxyUrl::parse(&format!("http://{addr}")).ok());
    }
    config.scan.allow_networks = vec![IpNet::from(server.addr().ip())];
    // `files = ["files/x.eml"]` in demo.toml names an embedded file; read
    // the copy written when the server started. So do the register files.
    let written = |path: &mut std::path::PathBuf| {
        if let Some(name) = path.file_name() {
            *path = server.files.path().join(name);
        }
    };
    let register = &mut config.register;
    register.esma_casps.iter_mut().for_each(written);
    register.esma_non_compliant.iter_mut().for_each(written);
    register.warning_lists.iter_mut().for_each(written);
    for firm in &mut config.firms {
        for file in &mut firm.files {
            if let Some(name) = file.file_name() {
                *file = server.files.path().join(name);
            }
        }
    }
    Ok(config)
}

/// Columns of the per-channel table: label and the source kinds it counts
/// (`app_store` counts EU storefronts offering the app, which are not findings).
const CHANNELS: &[(&str, &[SourceKind])] = &[
    ("website", &[SourceKind::Website]),
    ("affiliate", &[SourceKind::Affiliate]),
    ("feed", &[SourceKind::Feed]),
    ("social", &[SourceKind::Social]),
    ("email", &[SourceKind::Email, SourceKind::File]),
    ("watched", &[SourceKind::Watched]),
    ("app_store", &[SourceKind::AppStore]),
];

/// A short table of verdicts for a terminal, and findings per channel.
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
    let _ = writeln!(out, "\nfindings per channel:");
    let _ = writeln!(
        out,
        "{:<name_width$}  {}",
        "firm",
        CHANNELS
            .iter()
            .map(|(label, _)| format!("{label:>9}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for firm in &report.firms {
        let counts: Vec<String> = CHANNELS
            .iter()
            .map(|(label, kinds)| {
                let count = if *label == "app_store" {
                    firm.app_store
                        .iter()
                        .filter(|r| r.available == Some(true))
                        .count()
                } else {
                    firm.findings
                        .iter()
                        .filter(|f| kinds.contains(&f.source_kind))
                        .count()
                };
                format!("{count:>9}")
            })
            .collect();
        let _ = writeln!(out, "{:<name_width$}  {}", firm.name, counts.join(" "));
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

/// What each vantage point got, one row per firm and one column per
/// vantage: the per-country view of every geo-fence. Empty without vantages.
pub fn geo_table(report: &Report) -> String {
    // One column per vantage, in the order they first appear.
    let mut vantages: Vec<&crate::model::geo::GeoResult> = Vec::new();
    for result in report.firms.iter().flat_map(|f| &f.geo) {
        if !vantages.iter().any(|v| v.vantage == result.vantage) {
            vantages.push(result);
        }
    }
    if vantages.is_empty() {
        return String::new();
    }
    let name_width = report
        .firms
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let headers: Vec<String> = vantages.iter().map(|v| v.label_with_role()).collect();
    let width = headers
        .iter()
        .map(|h| h.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    let mut out = String::from("\ngeo probe: what a visitor gets from each vantage point\n");
    let _ = write!(out, "{:<name_width$}", "firm");
    for header in &headers {
        let _ = write!(out, "  {header:<width$}");
    }
    out.push('\n');
    for firm in &report.firms {
        let _ = write!(out, "{:<name_width$}", firm.name);
        for column in &vantages {
            let cell = firm
                .geo
                .iter()
                .find(|g| g.vantage == column.vantage)
                .map(|g| {
                    let mut cell = g.outcome.as_str().to_string();
                    if let Some(language) = g
                        .pages
                        .first()
                        .filter(|_| g.outcome == crate::model::geo::GeoOutcome::Open)
                        .and_then(|p| p.language.as_deref())
                    {
                        cell.push_str(&format!(" ({language})"));
                    }
                    cell
                })
                .unwrap_or_else(|| "-".to_string());
            let _ = write!(out, "  {cell:<width$}");
        }
        out.push('\n');
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

    #[test]
    fn redirect_files_answer_their_paths_only() {
        assert_eq!(
            site_redirect("kompass-links.example", "/go/aurora-de"),
            Some("http://aurora-exchange.example/de/registrieren/?ref=KOMPASS25")
        );
        assert_eq!(site_redirect("kompass-links.example", "/go/"), None);
        assert_eq!(
            site_redirect("aurora-exchange.example", "/go/aurora-de"),
            None
        );
        assert_eq!(site_redirect("../x", "/"), None);
    }
}
