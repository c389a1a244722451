//! Offline evidence: files a firm or a supervisor already holds — e-mail
//! campaigns (`.eml`, `.mbox`), pages saved from a browser, WARC archives
//! written by other tools — turned into [`Document`]s that `classify` reads
//! like any fetched page.
//!
//! ESMA counts e-mail campaigns to EU users as solicitation, and much of the
//! evidence an NCA holds arrives as files rather than URLs. This module reads
//! only the file it is given: it never touches the network, never follows a
//! link found in a file, and never copies the local part of an e-mail address
//! (a sender's or a recipient's) into a document, because reports are shared
//! with people who have no business knowing who received a campaign.
//!
//! MIME is parsed by `mail-parser` (charsets, quoted-printable, base64,
//! encoded words); this module only decides what of a message is evidence.

use crate::analyze::extract::{extract_html, extract_parsed, extract_text, DocMeta};
use crate::evidence::warc::{WarcError, WarcReader, WarcRecord};
use crate::model::text::normalize_whitespace;
use crate::model::time::{now_rfc3339, rfc3339};
use crate::model::{BlockKind, Category, Document, SourceKind};
use crate::sources::feed::BlockBuilder;
use mail_parser::{Address, Message, MessageParser, PartType};
use regex::Regex;
use scraper::{Html, Selector};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::LazyLock;
use time::format_description::well_known::Rfc3339;
use url::Url;

/// Largest single file (`.eml`, saved page) read whole; bigger ones are not
/// plausible evidence files and would only exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest single message inside an mbox; larger messages are skipped with an error.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// Leading bytes [`read_path`] looks at to sniff a file's kind.
pub const SNIFF_BYTES: usize = 4096;

/// The kinds of local evidence files the scanner understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfflineKind {
    /// One RFC 5322 message.
    Eml,
    /// A Unix mailbox: messages separated by `From ` lines.
    Mbox,
    /// A page saved from a browser.
    Html,
    /// A WARC (ISO 28500) archive.
    Warc,
}

/// Why a file yielded no documents. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfflineError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: larger than {limit} bytes")]
    TooLarge { file: String, limit: u64 },
    #[error("{file}: message {index} is not an e-mail message")]
    NotAMessage { file: String, index: usize },
    #[error("{file}: no e-mail messages found (an mbox must start with a `From ` line)")]
    NoMessages { file: String },
    #[error("{file}: not an e-mail, a saved HTML page or a WARC file")]
    UnknownKind { file: String },
    /// A WARC record that cannot be read, or a `response` record without
    /// the target URI or date every document needs; `offset` is where the
    /// record (or its gzip member) starts.
    #[error("{file} @ {offset}: {reason}")]
    BadRecord {
        file: String,
        offset: u64,
        reason: String,
    },
    #[error("{file}: {reason}")]
    Unsupported { file: String, reason: String },
}

/// The kind of `path`, by its extension first and then by its first bytes
/// (`head`); `None` when neither tells.
pub fn detect_kind(path: &Path, head: &[u8]) -> Option<OfflineKind> {
    kind_by_extension(path).or_else(|| kind_by_content(head))
}

fn kind_by_extension(path: &Path) -> Option<OfflineKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let extension = name.rsplit_once('.')?.1;
    match extension {
        "eml" | "msg822" => Some(OfflineKind::Eml),
        "mbox" | "mbx" => Some(OfflineKind::Mbox),
        "html" | "htm" | "xhtml" | "shtml" => Some(OfflineKind::Html),
        "warc" => Some(OfflineKind::Warc),
        _ => None,
    }
}

/// Header names that open real messages; a line `Name: value` with one of
/// these first marks an e-mail rather than any text file with a colon.
const MESSAGE_HEADERS: &[&str] = &[
    "return-path",
    "received",
    "delivered-to",
    "from",
    "to",
    "date",
    "subject",
    "message-id",
    "mime-version",
    "x-mailer",
    "reply-to",
    "dkim-signature",
    "arc-seal",
    "authentication-results",
    "content-type",
];

fn kind_by_content(head: &[u8]) -> Option<OfflineKind> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.starts_with(b"WARC/") || gzipped_warc(head) {
        return Some(OfflineKind::Warc);
    }
    if head.starts_with(b"From ") {
        return Some(OfflineKind::Mbox);
    }
    let text = String::from_utf8_lossy(head);
    let first_line = text.lines().next().unwrap_or("");
    if let Some((name, _)) = first_line.split_once(':') {
        if MESSAGE_HEADERS.contains(&name.trim_end().to_ascii_lowercase().as_str()) {
            return Some(OfflineKind::Eml);
        }
    }
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.contains("<html")
        || lower.contains("<body")
    {
        return Some(OfflineKind::Html);
    }
    None
}

/// Whether a gzip stream starts with a WARC version line: a `.warc.gz`
/// whose name no longer says so. Only the first bytes are inflated.
fn gzipped_warc(head: &[u8]) -> bool {
    if !head.starts_with(&[0x1f, 0x8b]) {
        return false;
    }
    let mut version = [0u8; 5];
    flate2::read::GzDecoder::new(head)
        .read_exact(&mut version)
        .is_ok_and(|()| &version == b"WARC/")
}

/// Reads any supported evidence file, choosing the reader by [`detect_kind`].
///
/// # Errors
/// [`OfflineError::Read`] when the file cannot be read,
/// [`OfflineError::UnknownKind`] when its kind cannot be told, and the
/// errors of [`read_email`], [`read_html_file`] and [`read_warc`].
pub fn read_path(path: &Path) -> Result<Vec<Document>, OfflineError> {
    let head = read_head(path)?;
    match detect_kind(path, &head) {
        Some(OfflineKind::Eml | OfflineKind::Mbox) => read_email(path),
        Some(OfflineKind::Html) => read_html_file(path),
        Some(OfflineKind::Warc) => read_warc(path),
        None => Err(OfflineError::UnknownKind {
            file: display_name(path),
        }),
    }
}

fn read_head(path: &Path) -> Result<Vec<u8>, OfflineError> {
    let file = File::open(path).map_err(|source| read_error(path, source))?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|source| read_error(path, source))?;
    Ok(head)
}

/// Reads an e-mail campaign: one document per message (an `.eml` holds one,
/// an mbox any number).
///
/// Each document has `url` `mid:<Message-ID>` (RFC 2392) or, without a
/// Message-ID, `file:<file name>#<n>` (n counts messages from 1);
/// `source_kind` [`SourceKind::Email`] and `category_override`
/// [`Category::Email`]; `published_at` from `Date:`; `fetched_at` the time
/// the file was read; `content_sha256` the SHA-256 of the message's bytes
/// (in an mbox: that message's bytes, `>From ` quoting undone).
///
/// Blocks: the subject as a [`BlockKind::Title`]; the sender's display name
/// and domain as one [`BlockKind::Other`] block (so that a brand can be
/// attributed), never the address's local part and never the recipients;
/// the HTML body parts as a page's blocks; text/plain parts as paragraphs,
/// except a plain-text alternative of an HTML part (the same campaign again,
/// which would count every finding twice). A message attached to it (a
/// campaign forwarded to a supervisor) adds its subject as a heading, its
/// sender as above and its body parts. Addresses inside the body (a
/// personalised greeting, an unsubscribe link) lose their local part too.
///
/// # Errors
/// [`OfflineError::Read`] / [`OfflineError::TooLarge`] when the file cannot be
/// read; [`OfflineError::NotAMessage`] when a message cannot be parsed;
/// [`OfflineError::NoMessages`] for an mbox without any message.
pub fn read_email(path: &Path) -> Result<Vec<Document>, OfflineError> {
    let head = read_head(path)?;
    let is_mbox = match detect_kind(path, &head) {
        Some(OfflineKind::Mbox) => true,
        Some(OfflineKind::Eml) => false,
        // No telling extension: the first line decides.
        _ => kind_by_content(&head) == Some(OfflineKind::Mbox),
    };
    let fetched_at = now_rfc3339();
    let name = file_name(path);
    if !is_mbox {
        let bytes = read_capped(path)?;
        let document = message_document(&bytes, &name, 1, &fetched_at).ok_or_else(|| {
            OfflineError::NotAMessage {
                file: display_name(path),
                index: 1,
            }
        })?;
        return Ok(vec![document]);
    }
    let file = File::open(path).map_err(|source| read_error(path, source))?;
    let mut documents = Vec::new();
    let messages = mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(file));
    for (number, message) in (1..).zip(messages) {
        let message = message.map_err(|source| read_error(path, source))?;
        if message.contents().len() > MAX_MESSAGE_BYTES {
            return Err(OfflineError::TooLarge {
                file: format!("{} (message {number})", display_name(path)),
                limit: MAX_MESSAGE_BYTES as u64,
            });
        }
        let document = message_document(message.contents(), &name, number, &fetched_at)
            .ok_or_else(|| OfflineError::NotAMessage {
                file: display_name(path),
                index: number,
            })?;
        documents.push(document);
    }
    if documents.is_empty() {
        return Err(OfflineError::NoMessages {
            file: display_name(path),
        });
    }
    Ok(documents)
}

/// One parsed message → its document; `None` when the bytes are not a message.
fn message_document(bytes: &[u8], file: &str, number: usize, fetched_at: &str) -> Option<Document> {
    // mail-parser 0.11 panics on some malformed MIME trees ("Invalid part ID,
    // could not find multipart"; found by fuzzing): a hostile file must be
    // an unreadable message, never a crashed scan.
    let message = std::panic::catch_unwind(|| MessageParser::default().parse(bytes))
        .ok()
        .flatten()?;
    if message.headers().is_empty() {
        return None;
    }
    let url = match message.message_id() {
        Some(id) if !id.trim().is_empty() => format!("mid:{}", percent_encode(id.trim())),
        _ => format!("file:{}#{number}", percent_encode(file)),
    };
    let mut document = Document::new(url, SourceKind::Email);
    document.category_override = Some(Category::Email);
    document.fetched_at = fetched_at.to_string();
    document.content_sha256 = crate::model::sha256_hex(bytes);
    document.published_at = message
        .date()
        .filter(|date| date.is_valid())
        .and_then(|date| time::OffsetDateTime::from_unix_timestamp(date.to_timestamp()).ok())
        .map(rfc3339);

    let mut builder = BlockBuilder::new(None);
    if let Some(subject) = message.subject() {
        let subject = scrub_addresses(&normalize_whitespace(subject));
        if !subject.is_empty() {
            builder.push_block(BlockKind::Title, &subject, "email>subject");
            document.title = Some(subject);
        }
    }
    if let Some(sender) = message.from().and_then(sender_line) {
        builder.push_block(BlockKind::Other, &sender, "email>from");
    }

    append_bodies(&message, "email", 0, &mut builder, &mut document);
    document.blocks = builder.blocks;
    document.links = builder.links;
    for block in &mut document.blocks {
        block.text = scrub_addresses(&block.text);
        block.href = block.href.as_deref().map(scrub_addresses);
    }
    for link in &mut document.links {
        link.url = scrub_addresses(&link.url);
        link.text = scrub_addresses(&link.text);
    }
    Some(document)
}

/// Forwarded messages followed inside a message: a complaint forwards the
/// campaign, rarely a forward of a forward of it.
const MAX_NESTED_MESSAGES: usize = 3;

/// Appends the blocks and links of `message`'s body parts, and of messages
/// attached to it (a campaign forwarded to a supervisor as an attachment),
/// to `builder`; the HTML parts' locale markup goes to `document`.
fn append_bodies(
    message: &Message<'_>,
    prefix: &str,
    depth: usize,
    builder: &mut BlockBuilder,
    document: &mut Document,
) {
    let html_parts: HashSet<u32> = message.html_body.iter().copied().collect();
    let mut body_parts: Vec<u32> = message
        .html_body
        .iter()
        .chain(message.text_body.iter())
        .copied()
        .collect();
    body_parts.sort_unstable();
    body_parts.dedup();
    for part_id in body_parts {
        let Some(part) = message.part(part_id) else {
            continue;
        };
        let prefix = format!("{prefix}>part[{part_id}]");
        // A part has no address of its own; links resolve against nothing
        // but themselves (the message's `mid:` URL is no base).
        let meta = DocMeta::for_url(document.url.as_str(), SourceKind::Email);
        match &part.body {
            PartType::Html(html) => {
                let part_document = extract_html(html, meta);
                let locale = &mut document.locale;
                if locale.html_lang.is_none() {
                    locale.html_lang = part_document.locale.html_lang.clone();
                }
                locale
                    .hreflang
                    .extend_from_slice(&part_document.locale.hreflang);
                locale
                    .og_locale
                    .extend_from_slice(&part_document.locale.og_locale);
                // Mail clients show the subject, never a part's <title>; the
                // builder leaves it out, with the part's URL block.
                builder.push_fragment(part_document, BlockKind::Paragraph, &prefix);
            }
            // A plain part that is only in the text list stands beside an
            // HTML alternative of the same content.
            PartType::Text(text) if html_parts.contains(&part_id) => {
                builder.push_fragment(extract_text(text, meta), BlockKind::Paragraph, &prefix);
            }
            _ => {}
        }
    }
    if depth >= MAX_NESTED_MESSAGES {
        return;
    }
    for &part_id in &message.attachments {
        let Some(PartType::Message(nested)) = message.part(part_id).map(|part| &part.body) else {
            continue;
        };
        let prefix = format!("{prefix}>message[{part_id}]");
        if let Some(subject) = nested.subject().map(normalize_whitespace) {
            if !subject.is_empty() {
                builder.push_block(BlockKind::Heading, &subject, &format!("{prefix}>subject"));
            }
        }
        if let Some(sender) = nested.from().and_then(sender_line) {
            builder.push_block(BlockKind::Other, &sender, &format!("{prefix}>from"));
        }
        append_bodies(nested, &prefix, depth + 1, builder, document);
    }
}

/// `From: Display Name (domain)` without the local part; `None` when the
/// header has neither a usable name nor a domain.
fn sender_line(from: &Address<'_>) -> Option<String> {
    let sender = from.first()?;
    let name = sender
        .name()
        .map(|name| {
            // A display name may itself be an address; keep only its domain.
            let cleaned = name
                .split_whitespace()
                .filter(|word| !word.contains('@'))
                .collect::<Vec<_>>()
                .join(" ");
            cleaned
                .trim_matches(|c: char| c == '"' || c == '\'')
                .to_string()
        })
        .filter(|name| !name.is_empty());
    let domain = sender
        .address()
        .and_then(|address| address.rsplit_once('@'))
        .map(|(_, domain)| domain.trim().to_ascii_lowercase())
        .filter(|domain| !domain.is_empty());
    match (name, domain) {
        (Some(name), Some(domain)) => Some(format!("From: {name} ({domain})")),
        (Some(name), None) => Some(format!("From: {name}")),
        (None, Some(domain)) => Some(format!("From: {domain}")),
        (None, None) => None,
    }
}

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    // Also matches the percent-encoded form found in tracking and unsubscribe links.
    Regex::new(r"(?i)[a-z0-9._%+\-]+(?:@|%40)([a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,})")
        .expect("a constant pattern compiles")
});

/// Replaces the local part of every e-mail address in `text` with `…`.
fn scrub_addresses(text: &str) -> String {
    ADDRESS.replace_all(text, "…@$1").into_owned()
}

/// Reads a page saved from a browser as one document.
///
/// Its `url` is the page's own address when the file records one
/// (`<link rel=canonical>`, then `<meta property=og:url>`, then the
/// `saved from url=` comment browsers write), else `file:<file name>`;
/// `source_kind` [`SourceKind::File`]; `fetched_at` the time the file was
/// read (a saved page does not say when it was saved); `content_sha256` the
/// SHA-256 of the file's bytes.
///
/// # Errors
/// [`OfflineError::Read`] or [`OfflineError::TooLarge`] when the file cannot
/// be read.
pub fn read_html_file(path: &Path) -> Result<Vec<Document>, OfflineError> {
    let bytes = read_capped(path)?;
    let decoded = crate::analyze::charset::decode(&bytes, None);
    let parsed = Html::parse_document(&decoded.text);
    let url = recorded_url(&parsed, &decoded.text)
        .unwrap_or_else(|| format!("file:{}", percent_encode(&file_name(path))));
    let meta = DocMeta {
        final_url: url.clone(),
        url,
        source_kind: SourceKind::File,
        fetched_at: now_rfc3339(),
        content_sha256: crate::model::sha256_hex(&bytes),
        content_language: None,
    };
    Ok(vec![extract_parsed(&parsed, meta)])
}

/// Reads a WARC (ISO 28500) archive, plain or gzipped, as this scanner or
/// any other capture tool wrote it: one document per `response` record
/// whose HTTP payload is HTML or plain text, in archive order.
///
/// Each document's `url` and `final_url` are the record's
/// `WARC-Target-URI`; `fetched_at` its `WARC-Date` in RFC 3339 UTC seconds
/// (the capture time, not the time the file was read); `content_sha256` the
/// SHA-256 of the HTTP payload as archived, the bytes a live scan hashes;
/// `source_kind` [`SourceKind::File`]. The payload is decoded with the
/// charset its `Content-Type` header names (else a byte-order mark or
/// `<meta charset>`), `Content-Language` is kept, and the text is extracted
/// as a fetched page's would be. Every status is read — a 451 or 403 page
/// is evidence of geo-blocking — but requests, metadata, revisits,
/// responses with other media (images, scripts) and empty payloads are not
/// documents. A payload without a `Content-Type` counts as HTML only when
/// it starts like HTML.
///
/// # Errors
/// [`OfflineError::Read`] when the file cannot be opened or read;
/// [`OfflineError::BadRecord`] naming the file and offset of the first
/// record that is malformed or a `response` without a target URI or a
/// valid date — reading stops there, since what follows a broken record
/// cannot be located.
pub fn read_warc(path: &Path) -> Result<Vec<Document>, OfflineError> {
    let reader = WarcReader::open(path).map_err(|error| warc_error(path, error))?;
    let mut documents = Vec::new();
    for record in reader {
        let record = record.map_err(|error| warc_error(path, error))?;
        if let Some(document) = response_document(path, &record)? {
            documents.push(document);
        }
    }
    Ok(documents)
}

/// A `response` record's document; `None` for other records and for
/// payloads that are not HTML or text.
fn response_document(path: &Path, record: &WarcRecord) -> Result<Option<Document>, OfflineError> {
    let is_response = record
        .header("WARC-Type")
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("response"));
    let Some(payload) = record.http_payload().filter(|_| is_response) else {
        return Ok(None);
    };
    let http_headers = record.http_headers();
    let http_header = |name: &str| {
        http_headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let content_type = http_header("Content-Type");
    let Some(media) = payload_media(content_type, payload) else {
        return Ok(None);
    };
    let bad_record = |reason: &str| OfflineError::BadRecord {
        file: display_name(path),
        offset: record.offset,
        reason: reason.to_string(),
    };
    // WARC/1.0 writers put the URI in angle brackets; 1.1 does not.
    let url = record
        .header("WARC-Target-URI")
        .map(|uri| uri.trim().trim_start_matches('<').trim_end_matches('>'))
        .filter(|uri| !uri.is_empty())
        .ok_or_else(|| bad_record("response record without WARC-Target-URI"))?;
    let fetched_at = record
        .header("WARC-Date")
        .and_then(|date| time::OffsetDateTime::parse(date.trim(), &Rfc3339).ok())
        .map(rfc3339)
        .ok_or_else(|| bad_record("response record without a valid WARC-Date"))?;
    let decoded = crate::analyze::charset::decode(payload, content_type);
    let meta = DocMeta {
        url: url.to_string(),
        final_url: url.to_string(),
        source_kind: SourceKind::File,
        fetched_at,
        content_sha256: crate::model::sha256_hex(payload),
        content_language: http_header("Content-Language").map(str::to_string),
    };
    Ok(Some(match media {
        PayloadMedia::Html => extract_html(&decoded.text, meta),
        PayloadMedia::Text => extract_text(&decoded.text, meta),
    }))
}

enum PayloadMedia {
    Html,
    Text,
}

/// How to read an archived payload, by its declared media type; sniffed
/// only when none was declared, as a browser would.
fn payload_media(content_type: Option<&str>, payload: &[u8]) -> Option<PayloadMedia> {
    if payload.is_empty() {
        return None;
    }
    let essence = content_type
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .filter(|essence| !essence.is_empty());
    match essence.as_deref() {
        Some("text/html" | "application/xhtml+xml") => Some(PayloadMedia::Html),
        Some("text/plain") => Some(PayloadMedia::Text),
        Some(_) => None,
        None => {
            let head = &payload[..payload.len().min(SNIFF_BYTES)];
            (kind_by_content(head) == Some(OfflineKind::Html)).then_some(PayloadMedia::Html)
        }
    }
}

fn warc_error(path: &Path, error: WarcError) -> OfflineError {
    match error {
        WarcError::Io { source, .. } => read_error(path, source),
        WarcError::Format {
            offset, message, ..
        } => OfflineError::BadRecord {
            file: display_name(path),
            offset,
            reason: message,
        },
        other => OfflineError::Unsupported {
            file: display_name(path),
            reason: other.to_string(),
        },
    }
}

static SAVED_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->")
        .expect("a constant pattern compiles")
});

/// The address a saved page records for itself, if it is an absolute http(s) URL.
fn recorded_url(parsed: &Html, text: &str) -> Option<String> {
    let candidates = [
        first_attribute(parsed, r#"link[rel~="canonical"]"#, "href"),
        first_attribute(parsed, r#"meta[property="og:url"]"#, "content"),
        SAVED_FROM
            .captures(text)
            .and_then(|captures| captures.get(1))
            .map(|found| found.as_str().to_string()),
    ];
    candidates
        .into_iter()
        .flatten()
        .filter_map(|candidate| Url::parse(candidate.trim()).ok())
        .find(|url| matches!(url.scheme(), "http" | "https"))
        .map(String::from)
}

fn first_attribute(parsed: &Html, selector: &str, attribute: &str) -> Option<String> {
    let selector = Selector::parse(selector).ok()?;
    parsed
        .select(&selector)
        .find_map(|element| element.value().attr(attribute))
        .map(str::to_string)
}

fn read_capped(path: &Path) -> Result<Vec<u8>, OfflineError> {
    let file = File::open(path).map_err(|source| read_error(path, source))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| read_error(path, source))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(OfflineError::TooLarge {
            file: display_name(path),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}

fn read_error(path: &Path, source: std::io::Error) -> OfflineError {
    OfflineError::Read {
        file: display_name(path),
        source,
    }
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// The file's name without its directories: documents must not carry where
/// a file sat on someone's disk.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "unnamed".into())
}

/// Percent-encodes everything but the characters RFC 3986 allows unencoded
/// in a path segment, as RFC 2392 asks for `mid:` URLs.
fn percent_encode(raw: &str) -> String {
    let mut encoded = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte);
        if keep {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_by_extension_wins_over_content() {
        assert_eq!(
            detect_kind(Path::new("campaign.EML"), b"<html>"),
            Some(OfflineKind::Eml)
        );
        assert_eq!(
            detect_kind(Path::new("box.mbox"), b""),
            Some(OfflineKind::Mbox)
        );
        assert_eq!(
            detect_kind(Path::new("page.htm"), b""),
            Some(OfflineKind::Html)
        );
        assert_eq!(
            detect_kind(Path::new("crawl.warc.gz"), b""),
            Some(OfflineKind::Warc)
        );
    }

    #[test]
    fn kind_by_content_when_the_extension_says_nothing() {
        let unnamed = Path::new("evidence-17");
        assert_eq!(
            detect_kind(unnamed, b"From sender@x.example Mon Jan  6 10:00:00 2025\n"),
            Some(OfflineKind::Mbox)
        );
        assert_eq!(
            detect_kind(unnamed, b"Return-Path: <a@b.example>\r\nFrom: x\r\n"),
            Some(OfflineKind::Eml)
        );
        assert_eq!(
            detect_kind(unnamed, b"WARC/1.1\r\nWARC-Type: warcinfo\r\n"),
            Some(OfflineKind::Warc)
        );
        assert_eq!(
            detect_kind(unnamed, b"\xEF\xBB\xBF  <!DOCTYPE html><html lang=nl>"),
            Some(OfflineKind::Html)
        );
        assert_eq!(detect_kind(unnamed, b"Note: call back on Monday"), None);
        assert_eq!(detect_kind(unnamed, b"\x00\x01binary"), None);
    }

    #[test]
    fn addresses_lose_their_local_part() {
        assert_eq!(
            scrub_addresses("Hallo jan.devries@mail.example, welkom"),
            "Hallo …@mail.example, welkom"
        );
        assert_eq!(
            scrub_addresses("https://x.example/unsub?e=jan%40mail.example&t=1"),
            "https://x.example/unsub?e=…@mail.example&t=1"
        );
        assert_eq!(scrub_addresses("no address here"), "no address here");
    }

    #[test]
    fn message_ids_are_percent_encoded_for_mid_urls() {
        assert_eq!(
            percent_encode("abc.123@mail.example"),
            "abc.123@mail.example"
        );
        assert_eq!(percent_encode("a b/c#d"), "a%20b%2Fc%23d");
    }
}
