//! Reading archives back: record by record with each record's offset, or one
//! record at a cited offset. Written to check our own archives without
//! trusting the writer, so it parses what the bytes say and recomputes
//! digests rather than believing them.

use super::record::{check_digest, DigestCheck, WarcError};
use flate2::bufread::GzDecoder;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// One record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarcRecord {
    /// Header fields in file order, names as written.
    pub headers: Vec<(String, String)>,
    /// The record block (`Content-Length` bytes).
    pub block: Vec<u8>,
    /// Offset of the gzip member holding the record (of the record itself in a plain `.warc`).
    pub offset: u64,
    /// The archive's file name, without directories.
    pub file: String,
}

impl WarcRecord {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body after the HTTP headers, for `application/http` records.
    pub fn http_payload(&self) -> Option<&[u8]> {
        let content_type = self.header("Content-Type")?;
        if !content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/http")
        {
            return None;
        }
        find(&self.block, b"\r\n\r\n")
            .map(|at| &self.block[at + 4..])
            .or_else(|| find(&self.block, b"\n\n").map(|at| &self.block[at + 2..]))
    }

    /// The payload of the record: the HTTP body of an `application/http`
    /// record, or the whole block of a `resource` or `conversion` record
    /// (a rendered DOM, a screenshot).
    pub fn payload(&self) -> Option<&[u8]> {
        if let Some(payload) = self.http_payload() {
            return Some(payload);
        }
        match self.header("WARC-Type") {
            Some("resource" | "conversion") => Some(&self.block),
            _ => None,
        }
    }

    /// The HTTP header lines of an `application/http` record (status line excluded).
    pub fn http_headers(&self) -> Vec<(String, String)> {
        let Some(payload) = self.http_payload() else {
            return Vec::new();
        };
        let head = &self.block[..self.block.len() - payload.len()];
        String::from_utf8_lossy(head)
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.trim().to_string(), value.trim().to_string()))
            })
            .collect()
    }

    /// Recomputes the block and payload digests the record declares; one
    /// message per mismatch or digest this reader cannot check.
    pub fn digest_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(declared) = self.header("WARC-Block-Digest") {
            match check_digest(declared, &self.block) {
                DigestCheck::Match => {}
                DigestCheck::Mismatch => {
                    problems.push(format!("block digest does not match: {declared}"))
                }
                DigestCheck::Unsupported => {
                    problems.push(format!("block digest not checkable: {declared}"))
                }
            }
        }
        if let Some(declared) = self.header("WARC-Payload-Digest") {
            match self
                .payload()
                .map(|payload| check_digest(declared, payload))
            {
                Some(DigestCheck::Match) => {}
                Some(DigestCheck::Mismatch) => {
                    problems.push(format!("payload digest does not match: {declared}"))
                }
                Some(DigestCheck::Unsupported) => {
                    problems.push(format!("payload digest not checkable: {declared}"))
                }
                None => problems.push(format!(
                    "payload digest declared but no HTTP payload found: {declared}"
                )),
            }
        }
        problems
    }
}

/// A `BufRead` that counts the bytes taken from it, so the offset of the
/// next gzip member is known exactly.
struct Counting<R> {
    inner: R,
    position: u64,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.position += read as u64;
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amount: usize) {
        self.position += amount as u64;
        self.inner.consume(amount);
    }
}

/// Iterates the records of a `.warc.gz` (one or more records per gzip
/// member) or a plain `.warc` file. Stops after the first error.
pub struct WarcReader {
    path: PathBuf,
    file_name: String,
    input: Counting<BufReader<File>>,
    gzip: bool,
    /// Records already decoded from the current member.
    pending: VecDeque<WarcRecord>,
    done: bool,
}

impl WarcReader {
    /// Opens an archive; gzip or plain is told from the first bytes, not the name.
    ///
    /// # Errors
    /// [`WarcError::Io`] naming the file.
    pub fn open(path: &Path) -> Result<WarcReader, WarcError> {
        let file = File::open(path).map_err(|source| io_error(path, source))?;
        let mut input = Counting {
            inner: BufReader::new(file),
            position: 0,
        };
        let gzip = input
            .fill_buf()
            .map_err(|source| io_error(path, source))?
            .starts_with(&GZIP_MAGIC);
        Ok(WarcReader {
            path: path.to_path_buf(),
            file_name: file_name(path),
            input,
            gzip,
            pending: VecDeque::new(),
            done: false,
        })
    }

    /// Reads the one record that starts at `offset` (a gzip member start in a
    /// `.warc.gz`, the record start in a `.warc`).
    ///
    /// # Errors
    /// [`WarcError::Io`] naming the file; [`WarcError::Format`] when no whole
    /// record starts there.
    pub fn read_at(path: &Path, offset: u64) -> Result<WarcRecord, WarcError> {
        let mut file = File::open(path).map_err(|source| io_error(path, source))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|source| io_error(path, source))?;
        let mut input = BufReader::new(file);
        let head = input.fill_buf().map_err(|source| io_error(path, source))?;
        let record = if head.starts_with(&GZIP_MAGIC) {
            let member =
                read_member(&mut input).map_err(|error| format_error(path, offset, error))?;
            parse_record(&mut Cursor::new(member))
        } else {
            parse_record(&mut input)
        };
        match record {
            Ok(Some((headers, block))) => Ok(WarcRecord {
                headers,
                block,
                offset,
                file: file_name(path),
            }),
            Ok(None) => Err(format_error(path, offset, "no record here".to_string())),
            Err(message) => Err(format_error(path, offset, message)),
        }
    }

    fn next_record(&mut self) -> Result<Option<WarcRecord>, WarcError> {
        if let Some(record) = self.pending.pop_front() {
            return Ok(Some(record));
        }
        loop {
            if !self.gzip {
                // The CRLFs ending the previous record are not part of the next one's offset.
                skip_line_breaks(&mut self.input).map_err(|source| io_error(&self.path, source))?;
            }
            let offset = self.input.position;
            let at_end = self
                .input
                .fill_buf()
                .map_err(|source| io_error(&self.path, source))?
                .is_empty();
            if at_end {
                return Ok(None);
            }
            if !self.gzip {
                return match parse_record(&mut self.input) {
                    Ok(Some((headers, block))) => Ok(Some(self.record(headers, block, offset))),
                    Ok(None) => Ok(None),
                    Err(message) => Err(format_error(&self.path, offset, message)),
                };
            }
            let member = read_member(&mut self.input)
                .map_err(|message| format_error(&self.path, offset, message))?;
            let mut cursor = Cursor::new(member);
            loop {
                match parse_record(&mut cursor) {
                    Ok(Some((headers, block))) => {
                        let record = self.record(headers, block, offset);
                        self.pending.push_back(record);
                    }
                    Ok(None) => break,
                    Err(message) => return Err(format_error(&self.path, offset, message)),
                }
            }
            // An empty member holds no record; go on to the next one.
            if let Some(record) = self.pending.pop_front() {
                return Ok(Some(record));
            }
        }
    }

    fn record(&self, headers: Vec<(String, String)>, block: Vec<u8>, offset: u64) -> WarcRecord {
        WarcRecord {
            headers,
            block,
            offset,
            file: self.file_name.clone(),
        }
    }
}

impl Iterator for WarcReader {
    type Item = Result<WarcRecord, WarcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                // After a broken member the position of the next one is unknown.
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

/// Decompresses exactly one gzip member, leaving `input` at the next one.
fn read_member<R: BufRead>(input: &mut R) -> Result<Vec<u8>, String> {
    let mut member = Vec::new();
    GzDecoder::new(input)
        .read_to_end(&mut member)
        .map_err(|error| format!("broken gzip member: {error}"))?;
    Ok(member)
}

/// Header fields and block of a record, before its place in the file is attached.
type ParsedRecord = (Vec<(String, String)>, Vec<u8>);

/// Parses one record; `Ok(None)` at a clean end of input. Blank lines
/// before a record (the end-of-record CRLFs) are skipped.
fn parse_record<R: BufRead>(input: &mut R) -> Result<Option<ParsedRecord>, String> {
    let read_error = |error: std::io::Error| format!("read failed: {error}");
    let version = loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).map_err(read_error)? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if !text.is_empty() {
            break text.to_string();
        }
    };
    if !version.starts_with("WARC/") {
        return Err(format!(
            "expected a WARC version line, found {:?}",
            truncate(&version)
        ));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).map_err(read_error)? == 0 {
            return Err("record headers end before the blank line".to_string());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        if text.starts_with([' ', '\t']) {
            // A continuation line belongs to the previous field.
            match headers.last_mut() {
                Some((_, value)) => {
                    value.push(' ');
                    value.push_str(text.trim());
                }
                None => return Err("continuation line before any header".to_string()),
            }
            continue;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(format!("header line without a colon: {:?}", truncate(text)));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
        .ok_or_else(|| "record has no Content-Length".to_string())?
        .1
        .parse::<u64>()
        .map_err(|_| "Content-Length is not a number".to_string())?;
    let mut block = Vec::new();
    input
        .take(length)
        .read_to_end(&mut block)
        .map_err(read_error)?;
    if (block.len() as u64) < length {
        return Err(format!(
            "record block ends after {} of {length} bytes",
            block.len()
        ));
    }
    Ok(Some((headers, block)))
}

fn skip_line_breaks<R: BufRead>(input: &mut R) -> std::io::Result<()> {
    loop {
        let buffer = input.fill_buf()?;
        let breaks = buffer
            .iter()
            .take_while(|byte| **byte == b'\r' || **byte == b'\n')
            .count();
        let whole_buffer = breaks == buffer.len();
        input.consume(breaks);
        if !whole_buffer || breaks == 0 {
            return Ok(());
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn io_error(path: &Path, source: std::io::Error) -> WarcError {
    WarcError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn format_error(path: &Path, offset: u64, message: String) -> WarcError {
    WarcError::Format {
        path: path.to_path_buf(),
        offset,
        message,
    }
}
