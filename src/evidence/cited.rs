//! What a cited WARC record holds, read once and kept for every citation of it.

use super::payload::*;
use crate::evidence::warc::WarcRecord;
use crate::model::sha256_hex;
use url::Url;

/// What a cited record turned out to hold.
pub(crate) struct CitedRecord {
    pub(crate) location: String,
    pub(crate) record_id: Option<String>,
    pub(crate) warc_type: Option<String>,
    pub(crate) payload_sha256: Option<String>,
    /// `WARC-Target-URI`: the URL the payload was fetched from.
    pub(crate) target_uri: Option<String>,
    /// The payload and its media type, read as text only when a quote is
    /// checked against it: most records are cited by pages, whose check
    /// needs only the digest, and reading a payload as text is most of
    /// what verifying costs.
    pub(crate) payload: Option<Vec<u8>>,
    pub(crate) content_type: Option<String>,
    pub(crate) reading: std::cell::OnceCell<PayloadReading>,
    /// The `Content-Language` response header, which locale findings quote.
    pub(crate) content_language: Option<String>,
    /// The HTTP status of an `application/http` response record.
    pub(crate) http_status: Option<u16>,
    /// The response's `Location` header, resolved against the target URI.
    pub(crate) redirect_target: Option<String>,
}

impl CitedRecord {
    pub(crate) fn from_record(record: &WarcRecord) -> CitedRecord {
        let payload = record.payload();
        let target_uri = record.header("WARC-Target-URI").map(str::to_string);
        let http_headers = record.http_headers();
        let http_header = |wanted: &str| {
            http_headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.clone())
        };
        // A resource record (a rendered DOM) says its type in the WARC header.
        let content_type = http_header("content-type").or_else(|| {
            matches!(record.header("WARC-Type"), Some("resource" | "conversion"))
                .then(|| record.header("Content-Type").map(str::to_string))
                .flatten()
        });
        CitedRecord {
            location: record_location(record),
            record_id: record.header("WARC-Record-ID").map(str::to_string),
            warc_type: record.header("WARC-Type").map(str::to_string),
            payload_sha256: payload.map(sha256_hex),
            target_uri,
            payload: payload.map(<[u8]>::to_vec),
            content_type,
            reading: std::cell::OnceCell::new(),
            content_language: http_header("content-language"),
            http_status: payload.and_then(|_| http_status(&record.block)),
            redirect_target: http_header("location").and_then(|location| {
                let base = Url::parse(record.header("WARC-Target-URI")?).ok()?;
                base.join(location.trim()).ok().map(|url| url.to_string())
            }),
        }
    }

    /// The payload read as text (several readings, whitespace removed) and
    /// its link targets; read on first use.
    fn reading(&self) -> &PayloadReading {
        self.reading.get_or_init(|| {
            self.payload
                .as_deref()
                .map(|payload| {
                    read_payload(
                        payload,
                        self.content_type.as_deref(),
                        self.target_uri.as_deref(),
                    )
                })
                .unwrap_or_default()
        })
    }

    /// Every `href`, `src` and refresh target of the payload, resolved
    /// against the target URI (and `<base href>`), http(s) only.
    pub(crate) fn link_targets(&self) -> &[String] {
        &self.reading().link_targets
    }

    pub(crate) fn contains(&self, text: &str) -> bool {
        let needle = squash(text);
        needle.is_empty()
            || self
                .reading()
                .views
                .iter()
                .any(|view| view.contains(&needle))
    }

    /// As [`CitedRecord::contains`], ignoring ASCII case: language tags
    /// (BCP 47) are case-insensitive, and feed readers lower-case them.
    pub(crate) fn contains_ignoring_case(&self, text: &str) -> bool {
        let needle = squash(text).to_ascii_lowercase();
        needle.is_empty()
            || self
                .reading()
                .views
                .iter()
                .any(|view| view.to_ascii_lowercase().contains(&needle))
    }
}

/// The status code of the HTTP status line that opens an `application/http` block.
pub(crate) fn http_status(block: &[u8]) -> Option<u16> {
    let line_end = block.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&block[..line_end]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) fn record_location(record: &WarcRecord) -> String {
    format!(
        "{} @ {} {}",
        record.file,
        record.offset,
        record.header("WARC-Record-ID").unwrap_or("(no record id)")
    )
}
