//! The ledger report: its types (with their JSON Schema) and the writer
//! that streams it, one offer at a time, with the totals after the offers.
//!
//! The writer only formats; deciding outcomes is the parent module's job.

use super::error::LedgerError;
use super::records::{Offer, Request};
use super::window::{format_timestamp, window_end};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

/// Version of the ledger report format; bumped on any change of shape.
pub const LEDGER_SCHEMA_VERSION: &str = "1.0.0";

/// Set on an offer whose covering request came from a member state where
/// the scan had already found solicitation evidence.
pub const REQUEST_AFTER_SOLICITATION: &str = "request_after_solicitation";

/// Why an offer is not covered.
#[derive(
    Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No request by that client is on record.
    NoRequest,
    /// Every request of that client came after the offer.
    BeforeRequest,
    /// The offer came after the one-month window of every earlier request.
    OutsideWindow,
    /// Within a window, but for another service than the one requested.
    OtherService,
    /// Within a window, same service, a crypto-asset of another type.
    OtherAssetType,
    /// The only earlier requests were initiated by the firm.
    FirmInitiated,
    /// Same service within a window, but an asset the catalogue does not
    /// know, so whether it is of the same type cannot be told.
    UnknownAsset,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoRequest => "no_request",
            Reason::BeforeRequest => "before_request",
            Reason::OutsideWindow => "outside_window",
            Reason::OtherService => "other_service",
            Reason::OtherAssetType => "other_asset_type",
            Reason::FirmInitiated => "firm_initiated",
            Reason::UnknownAsset => "unknown_asset",
        }
    }
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A client-initiated request covers the offer.
    Covered,
    /// No request covers it: `reason` says why.
    Violation,
    /// Cannot be decided from the data (an unknown asset).
    Unassessed,
}

/// The request an outcome was judged against.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct RequestRef {
    /// Line of REQUESTS.csv.
    pub line: u64,
    pub requested_at: String,
    pub country: String,
    pub service: String,
    pub asset: String,
    /// The last day an offer is covered (UTC date).
    pub window_ends: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl From<&Request> for RequestRef {
    fn from(request: &Request) -> Self {
        RequestRef {
            line: request.line,
            requested_at: format_timestamp(request.requested_at),
            country: request.country.clone(),
            service: request.service.clone(),
            asset: request.asset.clone(),
            window_ends: window_end(request.requested_at.date()).to_string(),
            reference: request.reference.clone(),
        }
    }
}

/// One offer to a client in the EU or the EEA.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct OfferOutcome {
    pub offer_id: String,
    /// Line of OFFERS.csv.
    pub line: u64,
    pub client_id: String,
    /// The client's country (from the offer, else its latest request);
    /// `null` when no record states it: such offers are judged as to an
    /// EU client, since nothing shows otherwise.
    pub country: Option<String>,
    pub sent_at: String,
    pub channel: String,
    pub service: String,
    pub asset: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// For `other_asset_type`: the attributes that differ (kind,
    /// technology, reference, liquidity, offeror).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differs: Vec<String>,
    /// For `unknown_asset`: the symbols the catalogue lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_assets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRef>,
    /// A sentence a person can read.
    pub detail: String,
    /// `request_after_solicitation` when the covering request is flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl OfferOutcome {
    pub(crate) fn for_offer(offer: &Offer, country: Option<String>) -> Self {
        OfferOutcome {
            offer_id: offer.offer_id.clone(),
            line: offer.line,
            client_id: offer.client_id.clone(),
            country,
            sent_at: format_timestamp(offer.sent_at),
            channel: offer.channel.clone(),
            service: offer.service.clone(),
            asset: offer.asset.clone(),
            outcome: Outcome::Unassessed,
            reason: None,
            differs: Vec::new(),
            unknown_assets: Vec::new(),
            request: None,
            detail: String::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn violation(&mut self, reason: Reason, detail: String) {
        self.outcome = Outcome::Violation;
        self.reason = Some(reason);
        self.detail = detail;
    }

    pub(crate) fn covered(&mut self) {
        self.outcome = Outcome::Covered;
        self.reason = None;
        self.detail = match &self.request {
            Some(r) => format!(
                "covered by the client's request of {} (window ends {})",
                r.requested_at, r.window_ends
            ),
            None => "covered".to_string(),
        };
    }

    pub(crate) fn unknown_asset(&mut self, unknown: Vec<String>) {
        self.outcome = Outcome::Unassessed;
        self.reason = Some(Reason::UnknownAsset);
        self.detail = format!(
            "not in the asset catalogue: {} (add it with --assets)",
            unknown.join(", ")
        );
        self.unknown_assets = unknown;
    }
}

/// A request that came from a member state where the scan had already found
/// the firm soliciting, before the request was made.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct RequestFlag {
    /// Line of REQUESTS.csv.
    pub line: u64,
    pub client_id: String,
    pub requested_at: String,
    pub country: String,
    pub flag: String,
    /// Ids of the scan's findings (fetched before the request) that evidence
    /// solicitation in that state; the first few when there are many.
    pub finding_ids: Vec<String>,
    /// How many findings there were in all.
    pub findings: usize,
    pub detail: String,
}

/// Counts of the run.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
pub struct Totals {
    pub requests: u64,
    /// Requests from clients in the EU or the EEA.
    pub eea_requests: u64,
    pub offers: u64,
    /// Offers to clients whose country is outside the EU and the EEA: counted, not judged.
    pub skipped_outside_eea: u64,
    pub covered: u64,
    pub violations: u64,
    pub unassessed: u64,
    /// Violations and unassessed offers by reason.
    pub by_reason: BTreeMap<String, u64>,
    pub flagged_requests: usize,
}

impl Totals {
    pub(crate) fn count(&mut self, entry: &OfferOutcome) {
        match entry.outcome {
            Outcome::Covered => self.covered += 1,
            Outcome::Violation => self.violations += 1,
            Outcome::Unassessed => self.unassessed += 1,
        }
        if let Some(reason) = entry.reason {
            *self
                .by_reason
                .entry(reason.as_str().to_string())
                .or_default() += 1;
        }
    }
}

/// A file the run read, with its digest so the report stands as a record.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

/// The whole report, as the schema describes it. The writer produces the
/// same shape without holding `offers`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct LedgerReport {
    pub schema_version: String,
    pub generated_at: String,
    pub requests_file: InputFile,
    pub offers_file: InputFile,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_report: Option<InputFile>,
    /// One entry per offer to a client in the EU or the EEA, in file order.
    pub offers: Vec<OfferOutcome>,
    pub flagged_requests: Vec<RequestFlag>,
    pub totals: Totals,
}

/// The JSON Schema of [`LedgerReport`], pretty-printed with a final newline.
pub fn ledger_schema_json() -> String {
    let schema = schemars::schema_for!(LedgerReport);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

fn sha256_of(path: &std::path::Path) -> Result<InputFile, LedgerError> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).map_err(|source| LedgerError::Io {
        file: path.display().to_string(),
        source,
    })?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|source| LedgerError::Io {
        file: path.display().to_string(),
        source,
    })?;
    Ok(InputFile {
        path: path.display().to_string(),
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Streams a [`LedgerReport`]: the header fields, then each offer as it is
/// judged, then the flags and totals.
pub(crate) struct ReportWriter<'w> {
    out: &'w mut dyn Write,
    first: bool,
}

impl<'w> ReportWriter<'w> {
    pub(crate) fn start(
        out: &'w mut dyn Write,
        generated_at: &str,
        requests: &std::path::Path,
        offers: &std::path::Path,
        scan_report: Option<&std::path::Path>,
    ) -> Result<ReportWriter<'w>, LedgerError> {
        let field = |name: &str, json: String| format!("  \"{name}\": {json},\n");
        let mut head = String::from("{\n");
        head += &field("schema_version", to_json(LEDGER_SCHEMA_VERSION)?);
        head += &field("generated_at", to_json(generated_at)?);
        head += &field("requests_file", to_json(&sha256_of(requests)?)?);
        head += &field("offers_file", to_json(&sha256_of(offers)?)?);
        if let Some(path) = scan_report {
            head += &field("scan_report", to_json(&sha256_of(path)?)?);
        }
        head += "  \"offers\": [";
        out.write_all(head.as_bytes()).map_err(LedgerError::Write)?;
        Ok(ReportWriter { out, first: true })
    }

    pub(crate) fn offer(&mut self, entry: &OfferOutcome) -> Result<(), LedgerError> {
        let separator = if self.first { "\n    " } else { ",\n    " };
        self.first = false;
        self.out
            .write_all(separator.as_bytes())
            .map_err(LedgerError::Write)?;
        serde_json::to_writer(&mut *self.out, entry)
            .map_err(|e| LedgerError::Write(std::io::Error::other(e)))
    }

    pub(crate) fn finish(
        self,
        totals: &Totals,
        flagged: &[RequestFlag],
    ) -> Result<(), LedgerError> {
        let close = if self.first { "],\n" } else { "\n  ],\n" };
        let flags = to_json(flagged)?;
        let totals = serde_json::to_string_pretty(totals)
            .map_err(|e| LedgerError::Write(std::io::Error::other(e)))?
            .replace('\n', "\n  ");
        let tail = format!("{close}  \"flagged_requests\": {flags},\n  \"totals\": {totals}\n}}\n");
        self.out
            .write_all(tail.as_bytes())
            .map_err(LedgerError::Write)?;
        self.out.flush().map_err(LedgerError::Write)
    }
}

/// Any value as JSON on one line.
fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::Write(std::io::Error::other(e)))
}
