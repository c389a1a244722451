//! A scan's report written from the crawl's spill, one page at a time: the
//! same bytes as [`Report::write_json`] of the whole report, without ever
//! holding every page and finding in memory.
//!
//! The writer mirrors the shape of `Report` and `FirmReport` field for field;
//! `tests` compare its bytes with the whole report's, so that the two cannot
//! drift apart. It never changes what a report says.

use crate::evidence::{page_captures, CaptureDigest};
use crate::model::diff::ReportDiff;
use crate::model::report::{
    Coverage, ErrorEntry, FirmReport, OutgoingLink, Report, ScanInfo, SourceReport, Tool,
    WriteReport,
};
use crate::model::Verdict;
use crate::sources::crawl::{PageStore, StoreError};
use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};
use std::io::Write;

/// A report whose firms' pages and findings are in page stores (one per
/// firm, in the order of `head.firms`), not in the firms themselves.
#[derive(Debug)]
pub struct StreamedReport {
    head: Report,
    stores: Vec<PageStore>,
}

impl WriteReport for StreamedReport {
    fn head(&self) -> &Report {
        &self.head
    }

    /// Writes the report as [`Report::write_json`] writes the whole report.
    /// A page that cannot be read back from the spill fails it as an I/O
    /// error.
    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.write_firms(out, |_| true, self.head.changes.as_ref())
    }

    fn write_firm_json(&self, firm: usize, out: &mut dyn Write) -> std::io::Result<()> {
        let name = self.head.firms.get(firm).map(|f| f.name.as_str());
        let changes = self.head.changes.as_ref().map(|c| c.only_firm(name));
        self.write_firms(out, |index| index == firm, changes.as_ref())
    }
}

impl StreamedReport {
    /// `head` with its firms' `pages` and `findings` empty, and each firm's
    /// store in the same order (pages in report order: see [`PageStore::sort`]).
    pub fn new(head: Report, stores: Vec<PageStore>) -> StreamedReport {
        StreamedReport { head, stores }
    }

    /// What changed since a baseline, for `scan --baseline`.
    pub fn set_changes(&mut self, changes: Option<ReportDiff>) {
        self.head.changes = changes;
    }

    /// The rendered captures the report's pages cite, in report order, as
    /// the manifest lists them.
    ///
    /// # Errors
    /// [`StoreError`] when a page cannot be read back from the spill.
    pub fn page_captures(&self) -> Result<Vec<CaptureDigest>, StoreError> {
        let mut captures = Vec::new();
        for (firm, store) in self.head.firms.iter().zip(&self.stores) {
            captures.extend(firm.pages.iter().flat_map(page_captures));
            store.for_each_rendered_page(|page| {
                captures.extend(page_captures(&page));
                Ok::<_, StoreError>(())
            })?;
        }
        Ok(captures)
    }

    /// Pages in the report, over all firms.
    pub fn page_count(&self) -> usize {
        self.stores.iter().map(PageStore::len).sum()
    }

    fn write_firms(
        &self,
        out: &mut dyn Write,
        keep: impl Fn(usize) -> bool,
        changes: Option<&ReportDiff>,
    ) -> std::io::Result<()> {
        let head = &self.head;
        let firms: Vec<FirmOut> = head
            .firms
            .iter()
            .zip(&self.stores)
            .enumerate()
            .filter(|(index, _)| keep(*index))
            .map(|(_, (firm, store))| FirmOut::new(firm, store))
            .collect();
        let report = ReportOut {
            schema_version: &head.schema_version,
            tool: &head.tool,
            scan: &head.scan,
            firms,
            errors: &head.errors,
            watched: &head.watched,
            notice: &head.notice,
            changes,
        };
        serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    }

    /// The report whole in memory.
    ///
    /// # Errors
    /// [`StoreError`] when a page cannot be read back from the spill.
    pub fn into_whole(self) -> Result<Report, StoreError> {
        let mut report = self.head;
        for (firm, store) in report.firms.iter_mut().zip(self.stores) {
            for (page, findings) in store.into_records()? {
                firm.pages.push(page);
                firm.findings.extend(findings);
            }
        }
        Ok(report)
    }
}

/// `Report`'s fields in `Report`'s order, with the firms streamed.
#[derive(Serialize)]
struct ReportOut<'a> {
    schema_version: &'a str,
    tool: &'a Tool,
    scan: &'a ScanInfo,
    firms: Vec<FirmOut<'a>>,
    errors: &'a [ErrorEntry],
    #[serde(skip_serializing_if = "<[SourceReport]>::is_empty")]
    watched: &'a [SourceReport],
    notice: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a ReportDiff>,
}

/// `FirmReport`'s fields in `FirmReport`'s order, pages and findings read
/// from the store as they are written.
#[derive(Serialize)]
struct FirmOut<'a> {
    name: &'a str,
    slug: &'a str,
    home_country: &'a Option<String>,
    verdict: &'a Verdict,
    sources: &'a [SourceReport],
    pages: PagesOut<'a>,
    findings: FindingsOut<'a>,
    errors: &'a [ErrorEntry],
    outgoing_links: &'a [OutgoingLink],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    app_store: &'a [crate::model::app_store::StorefrontResult],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    geo: &'a [crate::model::geo::GeoResult],
    coverage: &'a Coverage,
    #[serde(skip_serializing_if = "Option::is_none")]
    register: &'a Option<crate::model::register::RegisterEntry>,
}

impl<'a> FirmOut<'a> {
    fn new(firm: &'a FirmReport, store: &'a PageStore) -> FirmOut<'a> {
        FirmOut {
            name: &firm.name,
            slug: &firm.slug,
            home_country: &firm.home_country,
            verdict: &firm.verdict,
            sources: &firm.sources,
            pages: PagesOut { firm, store },
            findings: FindingsOut { firm, store },
            errors: &firm.errors,
            outgoing_links: &firm.outgoing_links,
            app_store: &firm.app_store,
            geo: &firm.geo,
            coverage: &firm.coverage,
            register: &firm.register,
        }
    }
}

/// A firm's pages: those it already holds, then the store's.
struct PagesOut<'a> {
    firm: &'a FirmReport,
    store: &'a PageStore,
}

impl Serialize for PagesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.firm.pages.len() + self.store.len()))?;
        for page in &self.firm.pages {
            seq.serialize_element(page)?;
        }
        self.store
            .for_each_page_mapped(
                |page| indented_json(&page, FIRM_ITEM_DEPTH),
                |page| {
                    let page = page.map_err(|e| Stop::Write(S::Error::custom(e)))?;
                    seq.serialize_element(&page).map_err(Stop::Write)
                },
            )
            .map_err(Stop::into_error)?;
        seq.end()
    }
}

/// A firm's findings: those it already holds, then the store's, page by page.
struct FindingsOut<'a> {
    firm: &'a FirmReport,
    store: &'a PageStore,
}

impl Serialize for FindingsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for finding in &self.firm.findings {
            seq.serialize_element(finding)?;
        }
        self.store
            .for_each_findings_mapped(
                |findings| {
                    findings
                        .iter()
                        .map(|finding| indented_json(finding, FIRM_ITEM_DEPTH))
                        .collect::<Result<Vec<_>, _>>()
                },
                |findings| {
                    let findings = findings.map_err(|e| Stop::Write(S::Error::custom(e)))?;
                    findings
                        .iter()
                        .try_for_each(|finding| seq.serialize_element(finding))
                        .map_err(Stop::Write)
                },
            )
            .map_err(Stop::into_error)?;
        seq.end()
    }
}

/// How deep a firm's pages and findings sit in the pretty-printed report:
/// in the report object, its `firms` array, a firm object, and its
/// `pages` or `findings` array.
const FIRM_ITEM_DEPTH: usize = 4;

/// `value` pretty-printed as it reads at `depth` in a pretty-printed
/// report, ready to be written there as is. The pages and findings of a
/// large report are most of its bytes: printing them on the threads that
/// read them back, rather than on the one writing the report, lets every
/// core share the work. The tests compare the result with the report
/// printed whole, so a change of layout there cannot go unnoticed.
fn indented_json<T: Serialize>(
    value: &T,
    depth: usize,
) -> Result<Box<serde_json::value::RawValue>, serde_json::Error> {
    let flat = serde_json::to_vec_pretty(value)?;
    let indent = b"  ".repeat(depth);
    let lines = flat.iter().filter(|&&byte| byte == b'\n').count();
    let mut text = Vec::with_capacity(flat.len() + lines * indent.len());
    // JSON text never holds a raw line break inside a string, so every one
    // starts a line of the layout.
    for (index, line) in flat.split(|&byte| byte == b'\n').enumerate() {
        if index > 0 {
            text.push(b'\n');
            text.extend_from_slice(&indent);
        }
        text.extend_from_slice(line);
    }
    let text = String::from_utf8(text).map_err(serde::ser::Error::custom)?;
    serde_json::value::RawValue::from_string(text)
}

/// Why writing from a store stopped: a page could not be read back, or
/// the serialiser failed.
enum Stop<E> {
    Read(StoreError),
    Write(E),
}

impl<E> From<StoreError> for Stop<E> {
    fn from(error: StoreError) -> Self {
        Stop::Read(error)
    }
}

impl<E: serde::ser::Error> Stop<E> {
    fn into_error(self) -> E {
        match self {
            Stop::Read(error) => E::custom(error),
            Stop::Write(error) => error,
        }
    }
}

#[cfg(test)]
mod tests;
