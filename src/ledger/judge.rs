//! Judging offers against requests: the run that reads both files, keeps
//! the requests by client, and streams each offer's outcome to the writer.

use super::data::{self, AssetCatalogue, LedgerData};
use super::error::LedgerError;
use super::evidence::SolicitationEvidence;
use super::output::*;
use super::records::{self, Initiator, Offer, Request, Rows};
use super::window;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// The inputs of one run.
pub struct LedgerInputs<'a> {
    pub requests: &'a Path,
    pub offers: &'a Path,
    pub assets: AssetCatalogue,
    pub data: LedgerData,
    /// The scan report and, when it holds several firms, the one to use.
    pub report: Option<(&'a Path, &'a crate::model::report::Report, Option<&'a str>)>,
    /// When the report is made (RFC 3339); the caller's clock, not ours.
    pub generated_at: String,
}

/// Checks every offer against the requests and writes the ledger report
/// (JSON) to `out`, streaming the offers. Returns the totals.
///
/// # Errors
/// [`LedgerError::Input`] for the first malformed row of either file
/// (nothing about the offers is final then: callers write to a temporary
/// file and keep it only on success); [`LedgerError::Write`].
pub fn run(inputs: &LedgerInputs<'_>, out: &mut dyn Write) -> Result<Totals, LedgerError> {
    let evidence = match inputs.report {
        Some((path, report, firm)) => Some(SolicitationEvidence::from_report(
            report,
            firm,
            &inputs.data,
            &path.display().to_string(),
        )?),
        None => None,
    };
    let mut book = RequestBook::default();
    let mut totals = Totals::default();
    let mut flagged: Vec<RequestFlag> = Vec::new();
    let mut rows = Rows::open(
        inputs.requests,
        records::REQUEST_COLUMNS,
        records::REQUEST_OPTIONAL,
    )?;
    while rows.advance()? {
        let request = records::request_row(&rows, &inputs.data)?;
        totals.requests += 1;
        if inputs.data.is_eea(&request.country) {
            totals.eea_requests += 1;
        }
        if let Some(evidence) = &evidence {
            if let Some(flag) = evidence.flag(&request) {
                flagged.push(flag);
            }
        }
        book.add(request);
    }
    totals.flagged_requests = flagged.len();
    let flagged_lines: std::collections::HashSet<u64> = flagged.iter().map(|f| f.line).collect();

    let mut writer = ReportWriter::start(
        out,
        &inputs.generated_at,
        inputs.requests,
        inputs.offers,
        inputs.report.map(|(path, _, _)| path),
    )?;
    let mut rows = Rows::open(
        inputs.offers,
        records::OFFER_COLUMNS,
        records::OFFER_OPTIONAL,
    )?;
    while rows.advance()? {
        let offer = records::offer_row(&rows, &inputs.data)?;
        totals.offers += 1;
        let country = offer
            .country
            .clone()
            .or_else(|| book.country_of(&offer.client_id));
        if country.as_deref().is_some_and(|c| !inputs.data.is_eea(c)) {
            totals.skipped_outside_eea += 1;
            continue;
        }
        let mut entry = judge(&offer, country, &book, &inputs.assets);
        if entry
            .request
            .as_ref()
            .is_some_and(|r| flagged_lines.contains(&r.line))
        {
            entry.warnings.push(REQUEST_AFTER_SOLICITATION.to_string());
        }
        totals.count(&entry);
        writer.offer(&entry)?;
    }
    writer.finish(&totals, &flagged)?;
    Ok(totals)
}

/// Every request, by client, in file order.
#[derive(Default)]
struct RequestBook {
    by_client: HashMap<String, Vec<Request>>,
}

impl RequestBook {
    fn add(&mut self, request: Request) {
        self.by_client
            .entry(request.client_id.clone())
            .or_default()
            .push(request);
    }

    /// The country of the client's latest request.
    fn country_of(&self, client_id: &str) -> Option<String> {
        self.by_client
            .get(client_id)?
            .iter()
            .max_by_key(|r| r.requested_at)
            .map(|r| r.country.clone())
    }
}

/// How close one request comes to covering an offer, best first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    Covered,
    UnknownAsset(Vec<String>),
    OtherAssetType(Vec<&'static str>),
    OtherService,
    OutsideWindow,
}

fn fit(request: &Request, offer: &Offer, assets: &AssetCatalogue) -> Fit {
    if !window::in_window(request.requested_at, offer.sent_at) {
        return Fit::OutsideWindow;
    }
    if request.service != offer.service {
        return Fit::OtherService;
    }
    if data::normalise_symbol(&request.asset) == data::normalise_symbol(&offer.asset) {
        return Fit::Covered;
    }
    match (assets.get(&request.asset), assets.get(&offer.asset)) {
        (Some(asked), Some(offered)) => {
            let differences = asked.differences(offered);
            if differences.is_empty() {
                Fit::Covered
            } else {
                Fit::OtherAssetType(differences)
            }
        }
        (asked, offered) => {
            let mut unknown = Vec::new();
            if asked.is_none() {
                unknown.push(request.asset.clone());
            }
            if offered.is_none() {
                unknown.push(offer.asset.clone());
            }
            Fit::UnknownAsset(unknown)
        }
    }
}

/// The outcome of one offer to a client in the EU or the EEA (or whose
/// country no record states, which is treated as such).
fn judge(
    offer: &Offer,
    country: Option<String>,
    book: &RequestBook,
    assets: &AssetCatalogue,
) -> OfferOutcome {
    let mut entry = OfferOutcome::for_offer(offer, country);
    let requests = book
        .by_client
        .get(&offer.client_id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if requests.is_empty() {
        entry.violation(
            Reason::NoRequest,
            "no request from this client is on record".to_string(),
        );
        return entry;
    }
    let earlier: Vec<&Request> = requests
        .iter()
        .filter(|r| r.requested_at <= offer.sent_at)
        .collect();
    if earlier.is_empty() {
        let first = requests.iter().min_by_key(|r| r.requested_at);
        entry.request = first.map(RequestRef::from);
        entry.violation(
            Reason::BeforeRequest,
            "sent before the client's first request".to_string(),
        );
        return entry;
    }
    let by_client: Vec<&Request> = earlier
        .iter()
        .copied()
        .filter(|r| r.initiated_by == Initiator::Client)
        .collect();
    if by_client.is_empty() {
        let latest = earlier.iter().max_by_key(|r| r.requested_at);
        entry.request = latest.map(|r| RequestRef::from(*r));
        entry.violation(
            Reason::FirmInitiated,
            "every earlier request was initiated by the firm, not the client".to_string(),
        );
        return entry;
    }
    // The closest request decides; among equals, the latest.
    let Some((best, request)) = by_client
        .iter()
        .map(|r| (fit(r, offer, assets), *r))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.requested_at.cmp(&a.1.requested_at)))
    else {
        return entry;
    };
    entry.request = Some(RequestRef::from(request));
    match best {
        Fit::Covered => entry.covered(),
        Fit::UnknownAsset(unknown) => entry.unknown_asset(unknown),
        Fit::OtherAssetType(differences) => {
            let detail = format!(
                "{} is not of the same type as {}: {} {}",
                offer.asset,
                request.asset,
                differences.join(", "),
                if differences.len() == 1 {
                    "differs"
                } else {
                    "differ"
                }
            );
            entry.differs = differences.iter().map(|d| d.to_string()).collect();
            entry.violation(Reason::OtherAssetType, detail);
        }
        Fit::OtherService => entry.violation(
            Reason::OtherService,
            format!(
                "offers {}, the client asked for {}",
                offer.service, request.service
            ),
        ),
        Fit::OutsideWindow => entry.violation(
            Reason::OutsideWindow,
            format!(
                "sent after the one-month window of the latest request closed on {}",
                window::window_end(request.requested_at.date())
            ),
        ),
    }
    entry
}
