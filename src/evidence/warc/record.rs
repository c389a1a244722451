//! What readers and writers of the archive share: the format version, a
//! record's citation, digests and the archive's errors.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The version line every record starts with.
pub const WARC_VERSION: &str = "WARC/1.1";

/// Where a response record sits: enough to open the archive at that byte and
/// check that the record found there is the one cited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RecordRef {
    /// The archive's file name, without directories.
    pub warc_file: String,
    /// `<urn:uuid:…>`.
    pub warc_record_id: String,
    /// Byte offset of the response record's gzip member in the file.
    pub offset: u64,
}

/// The `(warc_file, warc_record_id, warc_offset)` fields with which a page,
/// a finding, a redirect hop or a geo-probe page cites `record`; all `None`
/// when nothing was archived.
pub fn citation(record: Option<&RecordRef>) -> (Option<String>, Option<String>, Option<u64>) {
    match record {
        Some(record) => (
            Some(record.warc_file.clone()),
            Some(record.warc_record_id.clone()),
            Some(record.offset),
        ),
        None => (None, None, None),
    }
}

/// Errors writing or reading an archive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WarcError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes at `offset` are not a well-formed WARC record.
    #[error("{path} @ {offset}: {message}")]
    Format {
        path: PathBuf,
        offset: u64,
        message: String,
    },
    /// The exchange's URL cannot be recorded.
    #[error("cannot archive {url}: {message}")]
    Url { url: String, message: String },
    /// Every numbered file name for this prefix and second is taken.
    #[error("{dir}: no free archive file name for prefix {prefix:?}")]
    NoFreeName { dir: PathBuf, prefix: String },
}

/// The outcome of comparing a declared digest with the bytes it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigestCheck {
    Match,
    Mismatch,
    /// The algorithm or encoding is not one this module reads (only SHA-256 is).
    Unsupported,
}

/// `sha256:<BASE32>` of `bytes`, in the form written to `WARC-*-Digest` headers.
pub fn sha256_digest_value(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        data_encoding::BASE32.encode(&Sha256::digest(bytes))
    )
}

/// Compares a `WARC-Block-Digest`/`WARC-Payload-Digest` value with `bytes`.
/// SHA-256 in base32 (padded or not, any case) or hex is understood.
pub fn check_digest(declared: &str, bytes: &[u8]) -> DigestCheck {
    let Some((algorithm, value)) = declared.trim().split_once(':') else {
        return DigestCheck::Unsupported;
    };
    if !algorithm.trim().eq_ignore_ascii_case("sha256") {
        return DigestCheck::Unsupported;
    }
    let value = value.trim();
    let decoded = if value.len() == 64 {
        hex::decode(value).ok()
    } else {
        let mut upper = value.trim_end_matches('=').to_ascii_uppercase();
        while upper.len() % 8 != 0 {
            upper.push('=');
        }
        data_encoding::BASE32.decode(upper.as_bytes()).ok()
    };
    match decoded {
        Some(expected) if expected.len() == 32 => {
            if expected.as_slice() == Sha256::digest(bytes).as_slice() {
                DigestCheck::Match
            } else {
                DigestCheck::Mismatch
            }
        }
        _ => DigestCheck::Unsupported,
    }
}
