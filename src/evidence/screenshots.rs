//! Screenshots of rendered pages read back from the archive, for the HTML
//! report: only the decisive ones, and only those whose bytes still hash to
//! what the report says.

use crate::evidence::warc::WarcReader;
use crate::model::report::Report;
use crate::model::sha256_hex;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Screenshots shown per firm: those of its best-scoring rendered pages.
pub const SCREENSHOTS_PER_FIRM: usize = 3;

/// A screenshot larger than this is named in the report but not embedded.
pub const MAX_EMBEDDED_SCREENSHOT_BYTES: u64 = 4_000_000;

/// PNG bytes by their SHA-256 (hex), as the report's `rendering.screenshot` names them.
pub type Screenshots = BTreeMap<String, Vec<u8>>;

/// Reads the screenshots of each firm's best-scoring rendered pages from
/// `warc_files`. A screenshot that is missing, unreadable or no longer hashes
/// to its `content_sha256` is left out (and `verify` names it).
pub fn decisive_screenshots(report: &Report, warc_files: &[PathBuf]) -> Screenshots {
    let by_name: BTreeMap<String, &PathBuf> = warc_files
        .iter()
        .filter_map(|path| Some((path.file_name()?.to_string_lossy().into_owned(), path)))
        .collect();
    let mut shots = Screenshots::new();
    for firm in &report.firms {
        let mut rendered: Vec<_> = firm
            .pages
            .iter()
            .filter_map(|page| Some((page.score, page.rendering.as_ref()?.screenshot.as_ref()?)))
            .filter(|(_, shot)| shot.bytes <= MAX_EMBEDDED_SCREENSHOT_BYTES)
            .collect();
        rendered.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, shot) in rendered.into_iter().take(SCREENSHOTS_PER_FIRM) {
            let (Some(name), Some(offset)) = (shot.warc_file.as_deref(), shot.warc_offset) else {
                continue;
            };
            let Some(path) = by_name.get(name) else {
                continue;
            };
            match WarcReader::read_at(path, offset) {
                Ok(record) => {
                    let Some(png) = record.payload() else {
                        continue;
                    };
                    if sha256_hex(png).eq_ignore_ascii_case(&shot.content_sha256) {
                        shots.insert(shot.content_sha256.clone(), png.to_vec());
                    } else {
                        tracing::warn!("screenshot in {name} @ {offset} does not match its hash");
                    }
                }
                Err(e) => tracing::warn!("screenshot in {name} @ {offset} unreadable: {e}"),
            }
        }
    }
    shots
}
