//! What a scan report says about where the firm solicited, and since when:
//! for each member state, the findings that evidence solicitation there,
//! with the time each was fetched. A request from that state made after
//! such a finding was fetched is flagged, since the client may have come
//! because of it.
//!
//! Only EU-targeting signals count (language, locale, domain, currency,
//! payment, place, addressee, calls to action, promotions, affiliates,
//! sponsorship, press, events), and only for a firm the scan found at least
//! `weak`; a disclaimer or a geo-block is no solicitation.

use super::data::LedgerData;
use super::error::LedgerError;
use super::output::{RequestFlag, REQUEST_AFTER_SOLICITATION};
use super::records::Request;
use super::window::{format_timestamp, parse_timestamp};
use crate::model::report::Report;
use crate::model::{Level, Signal};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Finding ids listed per flag; the count says how many there were.
const MAX_LISTED_FINDINGS: usize = 10;

const SOLICITING_SIGNALS: &[Signal] = &[
    Signal::Language,
    Signal::Locale,
    Signal::Domain,
    Signal::Currency,
    Signal::Payment,
    Signal::Place,
    Signal::Addressee,
    Signal::Cta,
    Signal::Promotion,
    Signal::Affiliate,
    Signal::Sponsorship,
    Signal::Press,
    Signal::Event,
];

/// Per member state, the soliciting findings sorted by fetch time.
pub(crate) struct SolicitationEvidence {
    firm: String,
    by_country: HashMap<String, Vec<(OffsetDateTime, String)>>,
}

impl SolicitationEvidence {
    /// # Errors
    /// [`LedgerError::Report`] when the report holds no firm, several
    /// firms and `firm` does not pick one, or `firm` names none of them.
    pub(crate) fn from_report(
        report: &Report,
        firm: Option<&str>,
        data: &LedgerData,
        file: &str,
    ) -> Result<SolicitationEvidence, LedgerError> {
        let names: Vec<&str> = report.firms.iter().map(|f| f.name.as_str()).collect();
        let chosen = match firm {
            Some(wanted) => report
                .firms
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(wanted) || f.slug == wanted)
                .ok_or_else(|| {
                    LedgerError::Report(format!(
                        "{file}: no firm `{wanted}`; the report holds {}",
                        names.join(", ")
                    ))
                })?,
            None => match report.firms.as_slice() {
                [only] => only,
                [] => {
                    return Err(LedgerError::Report(format!(
                        "{file}: the report holds no firm"
                    )))
                }
                _ => {
                    return Err(LedgerError::Report(format!(
                        "{file}: the report holds several firms ({}); choose one with --firm",
                        names.join(", ")
                    )))
                }
            },
        };
        let mut by_country: HashMap<String, Vec<(OffsetDateTime, String)>> = HashMap::new();
        if chosen.verdict.level >= Level::Weak {
            for finding in &chosen.findings {
                if !SOLICITING_SIGNALS.contains(&finding.signal) || finding.weight <= 0.0 {
                    continue;
                }
                let Ok(fetched) = parse_timestamp(&finding.fetched_at) else {
                    continue;
                };
                for country in
                    data.evidence_countries(&finding.rule_id, finding.language.as_deref())
                {
                    by_country
                        .entry(country)
                        .or_default()
                        .push((fetched, finding.id.clone()));
                }
            }
        }
        for findings in by_country.values_mut() {
            findings.sort();
            findings.dedup();
        }
        Ok(SolicitationEvidence {
            firm: chosen.name.clone(),
            by_country,
        })
    }

    /// The flag for a request made after soliciting findings about its
    /// country were fetched; `None` when there were none.
    pub(crate) fn flag(&self, request: &Request) -> Option<RequestFlag> {
        let findings = self.by_country.get(&request.country)?;
        let before: Vec<&(OffsetDateTime, String)> = findings
            .iter()
            .take_while(|(fetched, _)| *fetched <= request.requested_at)
            .collect();
        let first = before.first()?;
        Some(RequestFlag {
            line: request.line,
            client_id: request.client_id.clone(),
            requested_at: format_timestamp(request.requested_at),
            country: request.country.clone(),
            flag: REQUEST_AFTER_SOLICITATION.to_string(),
            finding_ids: before
                .iter()
                .take(MAX_LISTED_FINDINGS)
                .map(|(_, id)| id.clone())
                .collect(),
            findings: before.len(),
            detail: format!(
                "{} {} of the scan show {} soliciting in {} before this request (the first fetched \
                 {}): the initiative may not have been the client's own",
                before.len(),
                if before.len() == 1 { "finding" } else { "findings" },
                self.firm,
                request.country,
                format_timestamp(first.0)
            ),
        })
    }
}
