//! Each page, finding, geo page and redirect hop of a report cites a WARC
//! record: that the record is there, is the one cited, and holds what the
//! report says it does.

use super::cited::*;
use super::problems::*;
use super::quotes::*;
use crate::evidence::warc::WarcReader;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

pub(crate) struct Citations<'a> {
    pub(crate) archives: &'a HashMap<String, PathBuf>,
    pub(crate) cache: HashMap<(String, u64), Result<CitedRecord, String>>,
    /// The keys of `cache`, oldest first.
    pub(crate) read_order: VecDeque<(String, u64)>,
}

impl<'a> Citations<'a> {
    pub(crate) fn new(archives: &'a HashMap<String, PathBuf>) -> Self {
        Citations {
            archives,
            cache: HashMap::new(),
            read_order: VecDeque::new(),
        }
    }

    pub(crate) fn record(&mut self, warc_file: &str, offset: u64) -> &Result<CitedRecord, String> {
        let archives = self.archives;
        let key = (warc_file.to_string(), offset);
        if !self.cache.contains_key(&key) {
            if self.cache.len() >= CACHED_RECORDS {
                // Oldest first: the citations that will come next are those
                // of the page read last.
                if let Some(oldest) = self.read_order.pop_front() {
                    self.cache.remove(&oldest);
                }
            }
            self.read_order.push_back(key.clone());
        }
        self.cache.entry(key).or_insert_with(|| {
            let path = archives
                .get(warc_file)
                .ok_or_else(|| format!("cites {warc_file}, which the manifest does not list"))?;
            let record = WarcReader::read_at(path, offset)
                .map_err(|error| format!("cited record cannot be read: {error}"))?;
            Ok(CitedRecord::from_record(&record))
        })
    }
}

/// Records kept read between citations. Findings follow one another page
/// by page, so the few last records serve nearly every lookup; a bundle of
/// 100,000 pages must not keep every page's text in memory to verify it.
const CACHED_RECORDS: usize = 64;

/// Checks every page, finding, geo page and redirect hop of the report read
/// from `report` that cites a record. The report is read as a stream, one
/// page or finding at a time: verifying a large report never holds it whole.
///
/// On a report that is not valid JSON nothing it cites is counted or
/// reported, only the error, as if it had not been read.
pub(crate) fn check_report_citations(
    report: impl std::io::Read,
    citations: &mut Citations,
    verification: &mut Verification,
    problems: &mut Problems,
) -> Result<(), serde_json::Error> {
    // What the stream checked before it broke is taken back on an error.
    let counted_before = verification.clone();
    let problems_before = problems.0.len();
    let mut checker = Checker {
        citations,
        counts: &mut *verification,
        problems: &mut *problems,
    };
    let mut stream = serde_json::Deserializer::from_reader(std::io::BufReader::new(report));
    let read = ReportSeed(&mut checker)
        .deserialize(&mut stream)
        .and_then(|()| stream.end());
    if read.is_err() {
        *verification = counted_before;
        problems.0.truncate(problems_before);
    }
    read
}

/// What the stream of a report is checked with, and where what it finds goes.
struct Checker<'c, 'a> {
    citations: &'c mut Citations<'a>,
    counts: &'c mut Verification,
    problems: &'c mut Problems,
}

impl Checker<'_, '_> {
    fn page(&mut self, page: &serde_json::Value) {
        let url = page.get("url").and_then(|url| url.as_str()).unwrap_or("?");
        let location = format!("report page {url}");
        if check_citation(page, &location, self.citations, self.problems, false) {
            self.counts.pages_checked += 1;
        }
        if let Some(rendering) = page.get("rendering") {
            let location = format!("report page {url} (rendered DOM)");
            if check_citation(rendering, &location, self.citations, self.problems, false) {
                self.counts.renderings_checked += 1;
            }
            if let Some(screenshot) = rendering.get("screenshot") {
                let location = format!("report page {url} (screenshot)");
                if check_citation(screenshot, &location, self.citations, self.problems, false) {
                    self.counts.renderings_checked += 1;
                }
            }
        }
        if let Some(revalidated) = page.get("revalidated") {
            let location = format!("report page {url} (revalidation)");
            check_revalidation(revalidated, &location, self.citations, self.problems);
        }
    }

    fn finding(&mut self, finding: &serde_json::Value) {
        let id = finding.get("id").and_then(|id| id.as_str()).unwrap_or("?");
        let location = format!("report finding {id}");
        if check_citation(finding, &location, self.citations, self.problems, true) {
            self.counts.findings_checked += 1;
        }
        let hops = finding
            .pointer("/attribution/redirect/hops")
            .and_then(|hops| hops.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (n, hop) in hops.iter().enumerate() {
            let location = format!("report finding {id}, redirect hop {}", n + 1);
            if check_hop_citation(hop, &location, self.citations, self.problems) {
                self.counts.redirect_hops_checked += 1;
            }
        }
    }

    fn vantage(&mut self, vantage: &serde_json::Value) {
        let name = vantage
            .get("vantage")
            .and_then(|name| name.as_str())
            .unwrap_or("?");
        for page in items(vantage, "pages") {
            let url = page.get("url").and_then(|url| url.as_str()).unwrap_or("?");
            let location = format!("report geo probe from {name}: {url}");
            if check_citation(page, &location, self.citations, self.problems, false) {
                self.counts.geo_pages_checked += 1;
            }
        }
    }
}

/// The report: only its `firms` are read; anything else is skipped unread.
struct ReportSeed<'s, 'c, 'a>(&'s mut Checker<'c, 'a>);

impl<'de> DeserializeSeed<'de> for ReportSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ReportSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a micar-scan report")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            if key == "firms" {
                map.next_value_seed(FirmsSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `firms[]`, one firm at a time.
struct FirmsSeed<'s, 'c, 'a>(&'s mut Checker<'c, 'a>);

impl<'de> DeserializeSeed<'de> for FirmsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FirmsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of firms")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(FirmSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One firm: its `pages`, `findings` and `geo` items are checked one by
/// one as they are read, and dropped.
struct FirmSeed<'s, 'c, 'a>(&'s mut Checker<'c, 'a>);

impl<'de> DeserializeSeed<'de> for FirmSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FirmSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a firm")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            let item = match key.as_ref() {
                "pages" => Some(Item::Page),
                "findings" => Some(Item::Finding),
                "geo" => Some(Item::Vantage),
                _ => None,
            };
            match item {
                Some(item) => map.next_value_seed(ItemsSeed(&mut *self.0, item))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// What a firm's list holds.
#[derive(Clone, Copy)]
enum Item {
    Page,
    Finding,
    Vantage,
}

/// A list of pages, findings or vantage points, each read whole (it is
/// small), checked and dropped.
struct ItemsSeed<'s, 'c, 'a>(&'s mut Checker<'c, 'a>, Item);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ItemsSeed(checker, kind) = self;
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            match kind {
                Item::Page => checker.page(&item),
                Item::Finding => checker.finding(&item),
                Item::Vantage => checker.vantage(&item),
            }
        }
        Ok(())
    }
}

/// A page carried over on `304 Not Modified` may cite the `304` exchange of
/// this scan: it must be a response record with that id and status 304.
pub(crate) fn check_revalidation(
    revalidated: &serde_json::Value,
    location: &str,
    citations: &mut Citations,
    problems: &mut Problems,
) {
    let text = |key: &str| revalidated.get(key).and_then(|value| value.as_str());
    let offset = revalidated
        .get("warc_offset")
        .and_then(|value| value.as_u64());
    let (warc_file, record_id, offset) = match (text("warc_file"), text("warc_record_id"), offset) {
        (None, None, None) => return,
        (Some(file), Some(id), Some(offset)) => (file, id, offset),
        _ => {
            problems.add(
                location,
                "cites a record only in part (warc_file, warc_record_id and warc_offset go together)",
            );
            return;
        }
    };
    let cited = match citations.record(warc_file, offset) {
        Ok(cited) => cited,
        Err(message) => {
            problems.add(location, format!("{message} ({warc_file} @ {offset})"));
            return;
        }
    };
    if cited.record_id.as_deref() != Some(record_id) {
        problems.add(
            location,
            format!(
                "cites {record_id} at {warc_file} @ {offset}, but the record there is {}",
                cited.record_id.as_deref().unwrap_or("(no id)")
            ),
        );
    } else if cited.warc_type.as_deref() != Some("response") || cited.http_status != Some(304) {
        problems.add(
            location,
            format!(
                "cited record {} is not a 304 Not Modified response",
                cited.location
            ),
        );
    }
}

pub(crate) fn items<'a>(firm: &'a serde_json::Value, key: &str) -> &'a [serde_json::Value] {
    firm.get(key)
        .and_then(|items| items.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Checks one page or finding; false when it cites no record.
pub(crate) fn check_citation(
    item: &serde_json::Value,
    location: &str,
    citations: &mut Citations,
    problems: &mut Problems,
    is_finding: bool,
) -> bool {
    let text = |key: &str| item.get(key).and_then(|value| value.as_str());
    let cited = match cited_record(item, location, citations, problems) {
        Cited::Nothing => return false,
        Cited::Broken => return true,
        Cited::Record(cited) => cited,
    };
    if !matches!(cited.warc_type.as_deref(), Some("response" | "resource")) {
        problems.add(
            location,
            format!(
                "cited record {} is a {} record, not a response",
                cited.location,
                cited.warc_type.as_deref().unwrap_or("(untyped)")
            ),
        );
    }
    match (text("content_sha256"), &cited.payload_sha256) {
        (Some(claimed), Some(actual)) if claimed.eq_ignore_ascii_case(actual) => {}
        (Some(claimed), Some(actual)) => problems.add(
            location,
            format!(
                "content_sha256 is {claimed}, but the payload of {} hashes to {actual}",
                cited.location
            ),
        ),
        (None, _) => problems.add(location, "cites a record but has no content_sha256"),
        (_, None) => problems.add(
            location,
            format!("cited record {} has no HTTP payload", cited.location),
        ),
    }
    if is_finding {
        for message in quote_problems(item, cited) {
            problems.add(location, message);
        }
    }
    true
}

/// What an item's WARC citation leads to.
pub(crate) enum Cited<'c> {
    /// The item cites no record.
    Nothing,
    /// The citation is incomplete, or its record is missing or another one;
    /// the problem is recorded.
    Broken,
    Record(&'c CitedRecord),
}

/// Finds the record `item` cites (`warc_file`, `warc_record_id`,
/// `warc_offset`) and checks that the record there has the cited id.
pub(crate) fn cited_record<'c>(
    item: &serde_json::Value,
    location: &str,
    citations: &'c mut Citations,
    problems: &mut Problems,
) -> Cited<'c> {
    let text = |key: &str| item.get(key).and_then(|value| value.as_str());
    let offset = item.get("warc_offset").and_then(|value| value.as_u64());
    let (warc_file, record_id, offset) = match (text("warc_file"), text("warc_record_id"), offset) {
        (None, None, None) => return Cited::Nothing,
        (Some(file), Some(id), Some(offset)) => (file, id, offset),
        _ => {
            problems.add(
                location,
                "cites a record only in part (warc_file, warc_record_id and warc_offset go together)",
            );
            return Cited::Broken;
        }
    };
    let cited = match citations.record(warc_file, offset) {
        Ok(cited) => cited,
        Err(message) => {
            problems.add(location, format!("{message} ({warc_file} @ {offset})"));
            return Cited::Broken;
        }
    };
    if cited.record_id.as_deref() != Some(record_id) {
        problems.add(
            location,
            format!(
                "cites {record_id} at {warc_file} @ {offset}, but the record there is {}",
                cited.record_id.as_deref().unwrap_or("(no id)")
            ),
        );
        return Cited::Broken;
    }
    Cited::Record(cited)
}

/// Checks that a redirect hop's cited record is the response it describes:
/// same status and the same `Location`. False when it cites no record.
pub(crate) fn check_hop_citation(
    hop: &serde_json::Value,
    location: &str,
    citations: &mut Citations,
    problems: &mut Problems,
) -> bool {
    let text = |key: &str| hop.get(key).and_then(|value| value.as_str());
    let cited = match cited_record(hop, location, citations, problems) {
        Cited::Nothing => return false,
        Cited::Broken => return true,
        Cited::Record(cited) => cited,
    };
    let status = hop.get("status").and_then(|value| value.as_u64());
    if status.is_none() || cited.http_status.map(u64::from) != status {
        problems.add(
            location,
            format!(
                "says HTTP {}, but {} answered {}",
                status.map_or("?".to_string(), |s| s.to_string()),
                cited.location,
                cited
                    .http_status
                    .map_or("no HTTP status".to_string(), |s| s.to_string())
            ),
        );
    }
    if let Some(claimed) = text("location") {
        // A 3xx points on with `Location`; a page with a meta refresh
        // points on from its body.
        let points_there = cited.redirect_target.as_deref() == Some(claimed)
            || (cited.redirect_target.is_none()
                && cited.link_targets().iter().any(|target| target == claimed));
        if !points_there {
            problems.add(
                location,
                format!(
                    "says it pointed to {claimed}, but {} points to {}",
                    cited.location,
                    cited.redirect_target.as_deref().unwrap_or("nowhere")
                ),
            );
        }
    }
    true
}
