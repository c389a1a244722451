//! The other half of MiCAR Art. 61: the client-initiative ledger. Given the
//! requests clients made at their own initiative and the offers the firm
//! sent them later, it says for every offer to a client in the EU or the
//! EEA whether a request covers it (same service, crypto-asset of the same
//! type, within one calendar month of the request) or why not. With a scan
//! report, it flags requests that came from a member state where the scan
//! had already found the firm soliciting: the initiative may not have been
//! the client's alone.
//!
//! Requests are held in memory (one entry per row, indexed by client);
//! offers are streamed row by row into the output, so a file of a million
//! offers needs no more memory than its requests. This module reads the two
//! CSV files it is given and writes where it is told; it never fetches, and
//! it never guesses an asset's type or a service it does not know.

mod data;
mod error;
mod evidence;
mod judge;
mod output;
mod records;
mod window;

#[cfg(test)]
mod tests;

pub use data::{canonical_country, Asset, AssetCatalogue, LedgerData, TYPE_ATTRIBUTES};
pub use error::LedgerError;
pub use judge::{run, LedgerInputs};
pub use output::{
    ledger_schema_json, InputFile, LedgerReport, OfferOutcome, Outcome, Reason, RequestFlag,
    RequestRef, Totals, LEDGER_SCHEMA_VERSION, REQUEST_AFTER_SOLICITATION,
};
pub use window::{in_window, parse_timestamp, window_end};
