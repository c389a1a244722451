//! The offline check of a bundle: the manifest's digests, the time-stamp,
//! every WARC record's digests, and every citation of the report.

use super::citations::*;
use super::manifest::*;
use super::problems::*;
use crate::evidence::cited::record_location;
use crate::evidence::warc::WarcReader;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Re-reads the manifest, the report and every WARC file the manifest lists,
/// and checks: the report's and every WARC file's SHA-256 and size against
/// the manifest; every record's `WARC-Block-Digest` and
/// `WARC-Payload-Digest`; and for each page and finding of the report that
/// cites a record (`warc_file`, `warc_record_id`, `warc_offset`) that the
/// record is at that offset with that id, that its payload's SHA-256 equals
/// the cited `content_sha256`, and that a finding's `matched` text and the
/// pieces of its `snippet` occur in the payload read as text (whitespace,
/// markup and character references aside). Quotes of derived text are
/// checked against their source: JSON-LD values (`block_kind` `json_ld`)
/// one by one against the payload, the page URL (`block_kind` `url`, URL
/// locale markup) against the record's `WARC-Target-URI` or the finding's
/// `url`, the content language also against the `Content-Language` response
/// header, and a link target (a `…[href]` path, or a `link`/`button` finding
/// quoting an absolute URL) against the payload's `href`s and `src`s
/// resolved against the target URI.
///
/// # Errors
/// [`EvidenceError::Io`] or [`EvidenceError::Parse`] when the manifest cannot
/// be read at all; everything else is a [`Problem`] in the result.
pub fn verify(report_path: &Path) -> Result<Verification, EvidenceError> {
    let manifest_path = manifest_path(report_path);
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .map_err(|source| io_error(&manifest_path, source))?;
    let manifest: Manifest =
        serde_json::from_str(&manifest_text).map_err(|source| EvidenceError::Parse {
            path: manifest_path.clone(),
            source,
        })?;
    let base = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut verification = Verification::default();
    let mut problems = Problems::default();

    if manifest.report.name != file_name(report_path) {
        problems.add(
            "manifest",
            format!(
                "lists report {:?}, not {:?}",
                manifest.report.name,
                file_name(report_path)
            ),
        );
    }
    check_file_digest(report_path, &manifest.report, &mut problems);
    verification.timestamped_at =
        check_timestamp(&manifest_path, manifest_text.as_bytes(), &mut problems);

    // Cited records are looked up by the archive's file name, as reports carry it.
    let mut archives: HashMap<String, PathBuf> = HashMap::new();
    for entry in &manifest.warc_files {
        let path = base.join(&entry.name);
        if check_file_digest(&path, entry, &mut problems) {
            verification.records_checked += check_records(&path, &mut problems);
        }
        archives.insert(file_name(&path), path);
    }

    // Each capture the manifest pins is the record it names, with those bytes.
    let mut citations = Citations::new(&archives);
    for capture in &manifest.captures {
        let location = format!("manifest {} of {}", capture.kind, capture.page_url);
        match citations.record(&capture.warc_file, capture.warc_offset) {
            Err(message) => problems.add(location, message.clone()),
            Ok(cited) if cited.record_id.as_deref() != Some(capture.warc_record_id.as_str()) => {
                problems.add(
                    location,
                    format!(
                        "names {}, but the record at {} is {}",
                        capture.warc_record_id,
                        cited.location,
                        cited.record_id.as_deref().unwrap_or("(no id)")
                    ),
                )
            }
            Ok(cited) if cited.payload_sha256.as_deref() != Some(capture.sha256.as_str()) => {
                problems.add(
                    location,
                    format!(
                        "pins SHA-256 {}, but the record at {} holds {}",
                        capture.sha256,
                        cited.location,
                        cited.payload_sha256.as_deref().unwrap_or("no payload")
                    ),
                )
            }
            Ok(_) => verification.captures_checked += 1,
        }
    }

    // An unreadable report has already been named by the digest check above.
    if let Ok(report) = std::fs::File::open(report_path) {
        if let Err(error) =
            check_report_citations(report, &mut citations, &mut verification, &mut problems)
        {
            let what = if error.is_data() {
                "not a micar-scan report"
            } else {
                "not JSON"
            };
            problems.add(file_name(report_path), format!("{what}: {error}"));
        }
    }
    verification.problems = problems.0;
    Ok(verification)
}

/// Checks the time-stamp response beside the manifest, if there is one:
/// granted, over the SHA-256 of the manifest's bytes, its signed digest
/// consistent. Returns the stamped time when it checks out.
pub(crate) fn check_timestamp(
    manifest_path: &Path,
    manifest: &[u8],
    problems: &mut Problems,
) -> Option<String> {
    let tsr_path = crate::evidence::timestamp::tsr_path(manifest_path);
    let location = file_name(&tsr_path);
    let bytes = match std::fs::read(&tsr_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            problems.add(location, format!("cannot be read: {e}"));
            return None;
        }
    };
    let token = match crate::evidence::timestamp::parse_response(&bytes, &location) {
        Ok(token) => token,
        Err(e) => {
            problems.add(location, e.to_string());
            return None;
        }
    };
    let digest = Sha256::digest(manifest);
    let mut ok = true;
    if !token.stamps_sha256(&digest) {
        ok = false;
        problems.add(
            location.clone(),
            format!(
                "the time-stamp covers {}, but the manifest's SHA-256 is {}: the manifest changed after it was stamped",
                hex::encode(&token.message_imprint),
                hex::encode(digest)
            ),
        );
    }
    if token.signed_digest_matches == Some(false) {
        ok = false;
        problems.add(
            location,
            "the signed messageDigest does not match the time-stamp info",
        );
    }
    ok.then_some(token.gen_time)
}

/// Compares a file with its manifest entry; false when the file cannot be read.
pub(crate) fn check_file_digest(
    path: &Path,
    expected: &FileDigest,
    problems: &mut Problems,
) -> bool {
    match digest_file(path) {
        Ok(actual) => {
            if !actual.sha256.eq_ignore_ascii_case(&expected.sha256) {
                problems.add(
                    expected.name.clone(),
                    format!(
                        "SHA-256 is {}, the manifest says {}",
                        actual.sha256, expected.sha256
                    ),
                );
            }
            if actual.bytes != expected.bytes {
                problems.add(
                    expected.name.clone(),
                    format!(
                        "{} bytes, the manifest says {}",
                        actual.bytes, expected.bytes
                    ),
                );
            }
            true
        }
        Err(error) => {
            problems.add(expected.name.clone(), format!("cannot be read: {error}"));
            false
        }
    }
}

/// Recomputes every record's digests; returns how many records were read.
pub(crate) fn check_records(path: &Path, problems: &mut Problems) -> usize {
    let reader = match WarcReader::open(path) {
        Ok(reader) => reader,
        Err(error) => {
            problems.add(file_name(path), error.to_string());
            return 0;
        }
    };
    let mut count = 0;
    for record in reader {
        match record {
            Ok(record) => {
                count += 1;
                for message in record.digest_problems() {
                    problems.add(record_location(&record), message);
                }
            }
            Err(error) => problems.add(file_name(path), format!("unreadable: {error}")),
        }
    }
    count
}
