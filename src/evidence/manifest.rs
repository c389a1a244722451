//! The manifest: the SHA-256 of a report and of every WARC file captured
//! with it (and of earlier archives a report's carried-over pages cite), so
//! that the bundle can be checked without trusting this tool.

use crate::model::report::{self, ReportError, Tool};
use crate::model::time::now_rfc3339;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Version of the manifest format (semver).
/// 1.1.0 added `captures`.
pub const MANIFEST_VERSION: &str = "1.1.0";

/// The digests that pin a report and its archives together.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Manifest {
    pub manifest_version: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub tool: Tool,
    pub report: FileDigest,
    pub warc_files: Vec<FileDigest>,
    /// What a browser showed of the report's rendered pages: each rendered
    /// DOM and screenshot the report cites, with its SHA-256 and record
    /// (manifest 1.1.0; absent when nothing was rendered and archived).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<CaptureDigest>,
}

/// One rendered capture of the bundle, pinned by its hash and its record.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct CaptureDigest {
    /// The page that was rendered.
    pub page_url: String,
    /// `dom` (the rendered page as HTML) or `screenshot` (a PNG).
    pub kind: String,
    /// Lower-case hex SHA-256 of the capture's bytes (the record's payload).
    pub sha256: String,
    pub bytes: u64,
    pub warc_file: String,
    pub warc_record_id: String,
    pub warc_offset: u64,
}

/// One file of the bundle.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct FileDigest {
    /// Path relative to the manifest's directory, `/`-separated.
    pub name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

/// Errors that prevent verification or manifest writing altogether.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a micar-scan manifest: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write manifest: {0}")]
    Write(#[from] ReportError),
    #[error("cannot serialise manifest: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// `<report stem>.manifest.json` beside the report (`scan.json` → `scan.manifest.json`).
pub fn manifest_path(report_path: &Path) -> PathBuf {
    let stem = match report_path.extension() {
        Some(extension) if extension.eq_ignore_ascii_case("json") => report_path.file_stem(),
        _ => report_path.file_name(),
    };
    let stem = stem
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    report_path.with_file_name(format!("{stem}.manifest.json"))
}

/// Writes the manifest of a report and its WARC files beside the report,
/// atomically. WARC files are named relative to the manifest's directory,
/// so the bundle can be moved as a folder.
///
/// # Errors
/// [`EvidenceError::Io`] naming a file that cannot be read;
/// [`EvidenceError::Write`] when the manifest cannot be written.
pub fn write_manifest(
    report_path: &Path,
    warc_files: &[PathBuf],
) -> Result<PathBuf, EvidenceError> {
    write_manifest_with(report_path, warc_files, &[])
}

/// An archive of an earlier scan that a report still cites: a page answered
/// `304 Not Modified` on a re-scan keeps the citation of its original
/// capture, so the new bundle needs that archive too.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlierArchive {
    pub path: PathBuf,
    /// The digest the earlier manifest pinned, kept as it was so that
    /// `verify` notices an archive changed since it was captured.
    pub pinned: FileDigest,
}

/// The earlier archives a report cites, as found through its baseline's manifest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EarlierArchives {
    pub found: Vec<EarlierArchive>,
    /// Cited archive names that neither this scan wrote nor the baseline's
    /// manifest lists with a file that still exists.
    pub missing: Vec<String>,
}

/// Finds the WARC files `report` cites that are not among `current` (this
/// scan's archives) in the manifest of `baseline_report`, which lists the
/// baseline's own archives and, in turn, the earlier ones it carried over.
/// A baseline without a manifest of its own (`reports/latest.json`, a copy)
/// is matched to the manifest beside it that pins its exact bytes.
/// Never fails: what cannot be found is named in `missing`, and `verify`
/// will report those citations.
pub fn earlier_archives(
    report: &report::Report,
    baseline_report: &Path,
    current: &[PathBuf],
) -> EarlierArchives {
    let current: std::collections::HashSet<String> =
        current.iter().map(|path| file_name(path)).collect();
    let mut cited: Vec<String> = Vec::new();
    for firm in &report.firms {
        let pages = firm.pages.iter().map(|page| page.warc_file.as_ref());
        let findings = firm.findings.iter().map(|f| f.warc_file.as_ref());
        for name in pages.chain(findings).flatten() {
            if !current.contains(name) && !cited.contains(name) {
                cited.push(name.clone());
            }
        }
    }
    let mut result = EarlierArchives::default();
    if cited.is_empty() {
        return result;
    }
    let (baseline_dir, listed) = match baseline_manifest(baseline_report) {
        Some((path, manifest)) => (
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
            manifest.warc_files,
        ),
        None => (PathBuf::new(), Vec::new()),
    };
    for name in cited {
        let entry = listed
            .iter()
            .find(|entry| file_name(Path::new(&entry.name)) == name);
        match entry {
            Some(entry) if baseline_dir.join(&entry.name).is_file() => {
                result.found.push(EarlierArchive {
                    path: baseline_dir.join(&entry.name),
                    pinned: entry.clone(),
                })
            }
            _ => result.missing.push(name),
        }
    }
    result
}

/// The manifest of a baseline report: its own, or else one in the same
/// directory whose report digest is the baseline's (a copy such as
/// `latest.json` has the bytes of the report it copies).
pub(crate) fn baseline_manifest(baseline_report: &Path) -> Option<(PathBuf, Manifest)> {
    let read = |path: &Path| -> Option<Manifest> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let own = manifest_path(baseline_report);
    if let Some(manifest) = read(&own) {
        return Some((own, manifest));
    }
    let digest = digest_file(baseline_report).ok()?;
    let dir = match baseline_report.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| file_name(path).ends_with(".manifest.json"))
        .collect();
    // Newest names last; prefer the newest match for a deterministic pick.
    candidates.sort();
    candidates.into_iter().rev().find_map(|path| {
        let manifest = read(&path)?;
        manifest
            .report
            .sha256
            .eq_ignore_ascii_case(&digest.sha256)
            .then_some((path, manifest))
    })
}

/// [`write_manifest`], also listing `earlier` archives (see
/// [`earlier_archives`]) with the digests their own manifest pinned.
///
/// # Errors
/// As [`write_manifest`].
pub fn write_manifest_with(
    report_path: &Path,
    warc_files: &[PathBuf],
    earlier: &[EarlierArchive],
) -> Result<PathBuf, EvidenceError> {
    write_manifest_sealing(report_path, None, warc_files, earlier)
}

/// What a manifest says of the report it seals, taken as the report was
/// written: the digest of the bytes written and the captures of the pages
/// they came from. A scan that writes a large report knows both already,
/// and reading the report back for them takes a while.
#[derive(Debug, Clone)]
pub struct SealedReport {
    /// Lower-case hex SHA-256 of the bytes written.
    pub sha256: String,
    pub bytes: u64,
    /// The captures its pages cite, in report order ([`page_captures`]).
    pub captures: Vec<CaptureDigest>,
}

/// Like [`write_manifest_with`], with the report's digest and captures as
/// the writer of the report took them (`None`: read the report back).
///
/// # Errors
/// As [`write_manifest_with`].
pub fn write_manifest_sealing(
    report_path: &Path,
    sealed: Option<SealedReport>,
    warc_files: &[PathBuf],
    earlier: &[EarlierArchive],
) -> Result<PathBuf, EvidenceError> {
    let manifest_path = manifest_path(report_path);
    let base = bundle_dir(&manifest_path)?;
    let (report, mut warcs, captures) = match sealed {
        Some(sealed) => {
            let report = FileDigest {
                name: file_name(report_path),
                sha256: sealed.sha256,
                bytes: sealed.bytes,
            };
            (report, digest_warcs(warc_files, &base)?, sealed.captures)
        }
        None => {
            // The report is read twice, to hash it and to find the captures
            // its pages cite; on a large scan each read takes a while, so
            // they overlap.
            let (report, warcs, captures) = std::thread::scope(|scope| {
                let captures = scope.spawn(|| rendered_captures(report_path));
                let report = digest_file(report_path);
                let warcs = digest_warcs(warc_files, &base);
                let captures = captures
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (report, warcs, captures)
            });
            let report = FileDigest {
                name: file_name(report_path),
                ..report?
            };
            (report, warcs?, captures?)
        }
    };
    for archive in earlier {
        let absolute = std::fs::canonicalize(&archive.path)
            .map_err(|source| io_error(&archive.path, source))?;
        warcs.push(FileDigest {
            name: relative_name(&base, &absolute),
            ..archive.pinned.clone()
        });
    }
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION.to_string(),
        created_at: now_rfc3339(),
        tool: Tool::default(),
        report,
        warc_files: warcs,
        captures,
    };
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    report::write_atomic(&manifest_path, text.as_bytes())?;
    Ok(manifest_path)
}

/// The digests of this scan's WARC files.
fn digest_warcs(warc_files: &[PathBuf], base: &Path) -> Result<Vec<FileDigest>, EvidenceError> {
    let mut warcs = Vec::with_capacity(warc_files.len());
    for path in warc_files {
        let absolute = std::fs::canonicalize(path).map_err(|source| io_error(path, source))?;
        warcs.push(FileDigest {
            name: relative_name(base, &absolute),
            ..digest_file(path)?
        });
    }
    Ok(warcs)
}

/// The archived DOM and screenshot a page cites, as the manifest lists
/// them: only captures with a WARC record.
pub fn page_captures(page: &crate::model::Page) -> Vec<CaptureDigest> {
    let Some(rendering) = &page.rendering else {
        return Vec::new();
    };
    let dom = capture_digest(
        &page.url,
        "dom",
        &rendering.content_sha256,
        rendering.bytes,
        rendering.warc_file.as_ref(),
        rendering.warc_record_id.as_ref(),
        rendering.warc_offset,
    );
    let screenshot = rendering.screenshot.as_ref().and_then(|shot| {
        capture_digest(
            &page.url,
            "screenshot",
            &shot.content_sha256,
            shot.bytes,
            shot.warc_file.as_ref(),
            shot.warc_record_id.as_ref(),
            shot.warc_offset,
        )
    });
    dom.into_iter().chain(screenshot).collect()
}

/// A capture as the manifest lists it; `None` unless it was archived (a
/// WARC file, record and offset), for the pages written and read back alike.
fn capture_digest(
    page_url: &str,
    kind: &str,
    sha256: &str,
    bytes: u64,
    warc_file: Option<&String>,
    warc_record_id: Option<&String>,
    warc_offset: Option<u64>,
) -> Option<CaptureDigest> {
    Some(CaptureDigest {
        page_url: page_url.to_string(),
        kind: kind.to_string(),
        sha256: sha256.to_string(),
        bytes,
        warc_file: warc_file?.clone(),
        warc_record_id: warc_record_id?.clone(),
        warc_offset: warc_offset?,
    })
}

/// The archived DOMs and screenshots a report's pages cite, in report order.
///
/// The report on disk is what the manifest seals, so it is read back, but
/// as a stream into the few fields needed: everything else (findings above
/// all) is skipped as it is read. Parsing a large report whole would hold
/// several times its size in memory at the very end of a scan.
fn rendered_captures(report_path: &Path) -> Result<Vec<CaptureDigest>, EvidenceError> {
    let file = std::fs::File::open(report_path).map_err(|source| io_error(report_path, source))?;
    let report: CitedCaptures =
        serde_json::from_reader(std::io::BufReader::new(file)).map_err(|source| {
            EvidenceError::Parse {
                path: report_path.to_path_buf(),
                source,
            }
        })?;
    let mut captures = Vec::new();
    for page in report.firms.iter().flat_map(|firm| &firm.pages) {
        let Some(rendering) = &page.rendering else {
            continue;
        };
        for (kind, capture) in [
            ("dom", Some(rendering)),
            ("screenshot", rendering.screenshot.as_deref()),
        ] {
            let Some(capture) = capture else {
                continue;
            };
            captures.extend(capture.content_sha256.as_deref().and_then(|sha256| {
                capture_digest(
                    &page.url,
                    kind,
                    sha256,
                    capture.bytes.unwrap_or_default(),
                    capture.warc_file.as_ref(),
                    capture.warc_record_id.as_ref(),
                    capture.warc_offset,
                )
            }));
        }
    }
    Ok(captures)
}

/// The parts of a report [`rendered_captures`] reads; serde skips the rest
/// without building it.
#[derive(Deserialize)]
struct CitedCaptures {
    #[serde(default)]
    firms: Vec<CapturesOfFirm>,
}

#[derive(Deserialize)]
struct CapturesOfFirm {
    #[serde(default)]
    pages: Vec<CapturesOfPage>,
}

#[derive(Deserialize)]
struct CapturesOfPage {
    #[serde(default)]
    url: String,
    #[serde(default)]
    rendering: Option<CaptureFields>,
}

/// A rendered DOM's or a screenshot's hash and record.
#[derive(Deserialize)]
struct CaptureFields {
    content_sha256: Option<String>,
    bytes: Option<u64>,
    warc_file: Option<String>,
    warc_record_id: Option<String>,
    warc_offset: Option<u64>,
    #[serde(default)]
    screenshot: Option<Box<CaptureFields>>,
}

/// SHA-256 and size of a file, read in chunks (archives can be large).
pub(crate) fn digest_file(path: &Path) -> Result<FileDigest, EvidenceError> {
    let mut file = std::fs::File::open(path).map_err(|source| io_error(path, source))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|source| io_error(path, source))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok(FileDigest {
        name: file_name(path),
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}

/// The manifest's directory, absolute, so archive names can be made relative to it.
pub(crate) fn bundle_dir(manifest_path: &Path) -> Result<PathBuf, EvidenceError> {
    let dir = match manifest_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&dir).map_err(|source| io_error(&dir, source))
}

/// `to` relative to the directory `from` (both absolute), `/`-separated.
pub(crate) fn relative_name(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> EvidenceError {
    EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}
