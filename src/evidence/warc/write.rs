//! Writing archives: one gzip member per record, files rotated by size, each
//! file opening with a `warcinfo` record that says who captured it and how.

use super::record::{sha256_digest_value, RecordRef, WarcError, WARC_VERSION};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Numbered file names have five digits.
const MAX_SERIAL: u32 = 99_999;

/// Request headers that carry credentials; never archived.
const SECRET_REQUEST_HEADERS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];
/// Response headers that hand the crawler a session; never archived.
const SECRET_RESPONSE_HEADERS: [&str; 1] = ["set-cookie"];
/// Headers that describe the bytes on the wire rather than the body the client kept.
const WIRE_FRAMING_HEADERS: [&str; 3] = ["content-encoding", "content-length", "transfer-encoding"];

/// Who captured an archive, with which settings and from where; written as
/// the `warcinfo` record at the start of every file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarcInfo {
    /// `name/version` of the capturing tool.
    pub software: String,
    pub config_sha256: String,
    pub patterns_sha256: String,
    pub user_agent: String,
    /// Where the capture was made from (country, network), as configured.
    pub vantage: String,
    pub scan_id: String,
}

/// One HTTP request and its response, as the crawler saw them.
#[derive(Clone, Debug)]
pub struct Exchange<'a> {
    pub url: &'a str,
    pub method: &'a str,
    /// As sent; credentials are dropped by the writer.
    pub request_headers: &'a [(String, String)],
    /// `HTTP/1.1`.
    pub http_version: &'a str,
    pub status: u16,
    pub reason: &'a str,
    pub response_headers: &'a [(String, String)],
    /// The body after content decoding, as the crawler kept it.
    pub payload: &'a [u8],
    /// The client removed the content coding: the framing headers are renamed
    /// `X-Original-…` and a `Content-Length` of the kept payload is added.
    pub content_decoded: bool,
    /// The body was cut at the byte cap.
    pub truncated: bool,
    pub ip: Option<IpAddr>,
    pub fetched_at: time::OffsetDateTime,
}

/// Something the scanner made from a capture rather than received, such as
/// a page's DOM as a browser rendered it or a screenshot of it: written as a
/// `resource` record tied to the capture by `WARC-Refers-To`.
#[derive(Clone, Debug)]
pub struct Resource<'a> {
    /// `WARC-Target-URI`: the page's URL for its DOM, a `urn:` name for a screenshot.
    pub target_uri: &'a str,
    /// The payload's media type (`text/html; charset=utf-8`, `image/png`).
    pub content_type: &'a str,
    pub payload: &'a [u8],
    /// The record this one was made from (the page's `response` record).
    pub refers_to: Option<&'a str>,
    /// The URL of the page it shows, for readers that follow `WARC-Refers-To-Target-URI`.
    pub refers_to_target_uri: Option<&'a str>,
    pub made_at: time::OffsetDateTime,
}

/// The file being written.
struct OpenArchive {
    path: PathBuf,
    name: String,
    out: BufWriter<File>,
    bytes: u64,
    warcinfo_id: String,
    exchanges: u64,
}

/// Writes exchanges into size-rotated `.warc.gz` files. `Send`; share it
/// behind a mutex.
pub struct WarcWriter {
    dir: PathBuf,
    prefix: String,
    max_file_bytes: u64,
    info: WarcInfo,
    next_serial: u32,
    current: OpenArchive,
    finished_files: Vec<PathBuf>,
}

impl WarcWriter {
    /// Opens the first file `<prefix>-<UTC timestamp>-<NNNNN>.warc.gz` in
    /// `dir` (created if missing) and writes its `warcinfo` record. Files are
    /// rotated once one exceeds `max_file_bytes`; a file always holds at
    /// least one exchange, so a tiny limit means one exchange per file.
    ///
    /// # Errors
    /// [`WarcError::Io`] naming the directory or file when it cannot be
    /// created or written; [`WarcError::NoFreeName`] when every numbered name
    /// is taken.
    pub fn create(
        dir: &Path,
        prefix: &str,
        max_file_bytes: u64,
        info: WarcInfo,
    ) -> Result<WarcWriter, WarcError> {
        std::fs::create_dir_all(dir).map_err(|source| WarcError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut next_serial = 0;
        let current = open_archive(dir, prefix, &mut next_serial, &info)?;
        Ok(WarcWriter {
            dir: dir.to_path_buf(),
            prefix: prefix.to_string(),
            max_file_bytes,
            info,
            next_serial,
            current,
            finished_files: Vec::new(),
        })
    }

    /// Writes a `request` and a `response` record (each its own gzip member),
    /// linked both ways by `WARC-Concurrent-To`, and flushes them to the file.
    /// Returns where the response record is.
    ///
    /// # Errors
    /// [`WarcError::Url`] when the URL does not parse (nothing is written);
    /// [`WarcError::Io`] naming the file when writing or rotating fails, after
    /// which the file may end in a partial gzip member: readers report it at
    /// that offset, and the writer should not be used further.
    pub fn write_exchange(&mut self, exchange: &Exchange) -> Result<RecordRef, WarcError> {
        let target = target_uri(exchange.url)?;
        if self.current.exchanges > 0 && self.current.bytes >= self.max_file_bytes {
            self.rotate()?;
        }
        let request_id = new_record_id();
        let response_id = new_record_id();
        let date = crate::model::time::rfc3339(exchange.fetched_at);
        let ip = exchange.ip.map(|ip| ip.to_string());

        let request_block = request_block(exchange, &target);
        let mut request_headers = vec![
            ("WARC-Type", "request".to_string()),
            ("WARC-Record-ID", request_id.clone()),
            ("WARC-Date", date.clone()),
            ("WARC-Target-URI", target.to_string()),
        ];
        if let Some(ip) = &ip {
            request_headers.push(("WARC-IP-Address", ip.clone()));
        }
        request_headers.extend([
            ("WARC-Concurrent-To", response_id.clone()),
            ("WARC-Warcinfo-ID", self.current.warcinfo_id.clone()),
            (
                "Content-Type",
                "application/http; msgtype=request".to_string(),
            ),
            ("WARC-Block-Digest", sha256_digest_value(&request_block)),
            // A request kept by the crawler has no body.
            ("WARC-Payload-Digest", sha256_digest_value(b"")),
        ]);

        let response_head = response_head(exchange);
        let mut response_block = response_head;
        response_block.extend_from_slice(exchange.payload);
        let mut response_headers = vec![
            ("WARC-Type", "response".to_string()),
            ("WARC-Record-ID", response_id.clone()),
            ("WARC-Date", date),
            ("WARC-Target-URI", target.to_string()),
        ];
        if let Some(ip) = ip {
            response_headers.push(("WARC-IP-Address", ip));
        }
        response_headers.extend([
            ("WARC-Concurrent-To", request_id),
            ("WARC-Warcinfo-ID", self.current.warcinfo_id.clone()),
            (
                "Content-Type",
                "application/http; msgtype=response".to_string(),
            ),
            ("WARC-Block-Digest", sha256_digest_value(&response_block)),
            ("WARC-Payload-Digest", sha256_digest_value(exchange.payload)),
        ]);
        if exchange.truncated {
            response_headers.push(("WARC-Truncated", "length".to_string()));
        }

        self.current
            .append(&record_bytes(&request_headers, &request_block))?;
        let offset = self
            .current
            .append(&record_bytes(&response_headers, &response_block))?;
        self.current.flush()?;
        self.current.exchanges += 1;
        Ok(RecordRef {
            warc_file: self.current.name.clone(),
            warc_record_id: response_id,
            offset,
        })
    }

    /// Writes a `resource` record (its own gzip member) and flushes it.
    /// Returns where the record is. The payload is the whole block, so its
    /// `WARC-Payload-Digest` equals its `WARC-Block-Digest`.
    ///
    /// # Errors
    /// As [`WarcWriter::write_exchange`].
    pub fn write_resource(&mut self, resource: &Resource) -> Result<RecordRef, WarcError> {
        let target = resource_target_uri(resource.target_uri)?;
        if self.current.exchanges > 0 && self.current.bytes >= self.max_file_bytes {
            self.rotate()?;
        }
        let record_id = new_record_id();
        let digest = sha256_digest_value(resource.payload);
        let mut headers = vec![
            ("WARC-Type", "resource".to_string()),
            ("WARC-Record-ID", record_id.clone()),
            ("WARC-Date", crate::model::time::rfc3339(resource.made_at)),
            ("WARC-Target-URI", target),
        ];
        if let Some(refers_to) = resource.refers_to {
            headers.push(("WARC-Refers-To", refers_to.to_string()));
        }
        if let Some(uri) = resource.refers_to_target_uri {
            headers.push(("WARC-Refers-To-Target-URI", uri.to_string()));
        }
        headers.extend([
            ("WARC-Warcinfo-ID", self.current.warcinfo_id.clone()),
            ("Content-Type", resource.content_type.to_string()),
            ("WARC-Block-Digest", digest.clone()),
            ("WARC-Payload-Digest", digest),
        ]);
        let offset = self
            .current
            .append(&record_bytes(&headers, resource.payload))?;
        self.current.flush()?;
        self.current.exchanges += 1;
        Ok(RecordRef {
            warc_file: self.current.name.clone(),
            warc_record_id: record_id,
            offset,
        })
    }

    /// Flushes and syncs the last file and returns every file written, in order.
    ///
    /// # Errors
    /// [`WarcError::Io`] naming the file when flushing or syncing fails.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, WarcError> {
        self.current.sync()?;
        sync_dir(&self.dir);
        self.finished_files.push(self.current.path);
        Ok(self.finished_files)
    }

    fn rotate(&mut self) -> Result<(), WarcError> {
        self.current.sync()?;
        let next = open_archive(&self.dir, &self.prefix, &mut self.next_serial, &self.info)?;
        let done = std::mem::replace(&mut self.current, next);
        self.finished_files.push(done.path);
        Ok(())
    }
}

impl OpenArchive {
    /// Compresses `record` as its own gzip member and appends it; returns the member's offset.
    fn append(&mut self, record: &[u8]) -> Result<u64, WarcError> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        let compressed = encoder
            .write_all(record)
            .and_then(|()| encoder.finish())
            .map_err(|source| self.io_error(source))?;
        let offset = self.bytes;
        self.out
            .write_all(&compressed)
            .map_err(|source| self.io_error(source))?;
        self.bytes += compressed.len() as u64;
        Ok(offset)
    }

    /// Hands buffered bytes to the OS, so a crash loses at most the exchange being written.
    fn flush(&mut self) -> Result<(), WarcError> {
        self.out.flush().map_err(|source| self.io_error(source))
    }

    fn sync(&mut self) -> Result<(), WarcError> {
        self.flush()?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|source| self.io_error(source))
    }

    fn io_error(&self, source: std::io::Error) -> WarcError {
        WarcError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// Creates the next free numbered file and writes its `warcinfo` record.
fn open_archive(
    dir: &Path,
    prefix: &str,
    next_serial: &mut u32,
    info: &WarcInfo,
) -> Result<OpenArchive, WarcError> {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| "unknown-time".to_string());
    loop {
        if *next_serial > MAX_SERIAL {
            return Err(WarcError::NoFreeName {
                dir: dir.to_path_buf(),
                prefix: prefix.to_string(),
            });
        }
        let name = format!("{prefix}-{stamp}-{:05}.warc.gz", *next_serial);
        *next_serial += 1;
        let path = dir.join(&name);
        // Never overwrite: an existing archive may be someone's evidence.
        let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(WarcError::Io { path, source }),
        };
        let mut archive = OpenArchive {
            path,
            name: name.clone(),
            out: BufWriter::new(file),
            bytes: 0,
            warcinfo_id: new_record_id(),
            exchanges: 0,
        };
        let body = warcinfo_body(info);
        let headers = [
            ("WARC-Type", "warcinfo".to_string()),
            ("WARC-Record-ID", archive.warcinfo_id.clone()),
            ("WARC-Date", crate::model::time::now_rfc3339()),
            ("WARC-Filename", name),
            ("Content-Type", "application/warc-fields".to_string()),
            ("WARC-Block-Digest", sha256_digest_value(&body)),
        ];
        archive.append(&record_bytes(&headers, &body))?;
        archive.flush()?;
        return Ok(archive);
    }
}

fn warcinfo_body(info: &WarcInfo) -> Vec<u8> {
    let fields = [
        ("software", info.software.as_str()),
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
        ("http-header-user-agent", info.user_agent.as_str()),
        ("vantage", info.vantage.as_str()),
        ("scan-id", info.scan_id.as_str()),
        ("config-sha256", info.config_sha256.as_str()),
        ("patterns-sha256", info.patterns_sha256.as_str()),
    ];
    let mut body = Vec::new();
    for (name, value) in fields {
        push_field(&mut body, name, value);
    }
    body
}

/// A whole record: version line, headers with `Content-Length` last, block, two CRLFs.
pub(super) fn record_bytes(headers: &[(&str, String)], block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len() + 1024);
    out.extend_from_slice(WARC_VERSION.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        push_field(&mut out, name, value);
    }
    push_field(&mut out, "Content-Length", &block.len().to_string());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// Appends `Name: value\r\n`, with line breaks in the value flattened so a
/// hostile header cannot forge lines of its own.
fn push_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    for ch in value.chars() {
        let ch = if ch == '\r' || ch == '\n' || ch == '\0' {
            ' '
        } else {
            ch
        };
        let mut buffer = [0; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buffer).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// A header name HTTP allows (RFC 9110 token); anything else is not recorded.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn request_block(exchange: &Exchange, target: &url::Url) -> Vec<u8> {
    let mut path = target.path().to_string();
    if let Some(query) = target.query() {
        path.push('?');
        path.push_str(query);
    }
    let mut out = format!("{} {} {}", exchange.method, path, exchange.http_version)
        .replace(['\n', '\r'], " ")
        .into_bytes();
    out.extend_from_slice(b"\r\n");
    let has_host = exchange
        .request_headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"));
    if !has_host {
        if let Some(host) = target.host_str() {
            let host = match target.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            };
            push_field(&mut out, "Host", &host);
        }
    }
    for (name, value) in exchange.request_headers {
        let lower = name.to_ascii_lowercase();
        if is_token(name) && !SECRET_REQUEST_HEADERS.contains(&lower.as_str()) {
            push_field(&mut out, name, value);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Status line and headers of the response as recorded, ending with the blank line.
fn response_head(exchange: &Exchange) -> Vec<u8> {
    let mut out = format!(
        "{} {} {}",
        exchange.http_version, exchange.status, exchange.reason
    )
    .replace(['\n', '\r'], " ")
    .into_bytes();
    out.extend_from_slice(b"\r\n");
    let mut has_length = false;
    for (name, value) in exchange.response_headers {
        let lower = name.to_ascii_lowercase();
        if !is_token(name) || SECRET_RESPONSE_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        // An HTTP client always removes chunked framing; the body as kept is never chunked.
        let describes_wire = lower == "transfer-encoding"
            || (exchange.content_decoded && WIRE_FRAMING_HEADERS.contains(&lower.as_str()));
        if describes_wire {
            push_field(&mut out, &format!("X-Original-{name}"), value);
        } else {
            has_length |= lower == "content-length";
            push_field(&mut out, name, value);
        }
    }
    if !has_length {
        push_field(
            &mut out,
            "Content-Length",
            &exchange.payload.len().to_string(),
        );
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The URL as recorded: parsed, without user information or fragment.
fn target_uri(url: &str) -> Result<url::Url, WarcError> {
    let mut target = url::Url::parse(url).map_err(|error| WarcError::Url {
        url: url.to_string(),
        message: error.to_string(),
    })?;
    // Credentials in a URL are secrets; the fragment never reaches the server.
    let _ = target.set_username("");
    let _ = target.set_password(None);
    target.set_fragment(None);
    Ok(target)
}

/// A resource's target: a page URL cleaned as [`target_uri`] cleans it, or
/// a name of another scheme (`urn:`) as given.
fn resource_target_uri(uri: &str) -> Result<String, WarcError> {
    let parsed = url::Url::parse(uri).map_err(|error| WarcError::Url {
        url: uri.to_string(),
        message: error.to_string(),
    })?;
    if matches!(parsed.scheme(), "http" | "https") {
        Ok(target_uri(uri)?.to_string())
    } else {
        Ok(uri.to_string())
    }
}

fn new_record_id() -> String {
    format!("<urn:uuid:{}>", uuid::Uuid::new_v4())
}

/// Makes new directory entries durable; best effort, as not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}
