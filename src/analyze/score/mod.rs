//! Weighing findings: page score, page level and the firm verdict.
//!
//! Every number lives in `patterns/scoring.toml` (see the comments there for
//! the method); this module only holds the method, so that tuning is a data
//! change recorded in the bundle's SHA-256. The scorer is pure: findings in,
//! numbers and sentences out. It never lowers a score for a disclaimer —
//! ESMA rejects disclaimers as a cure — and it never states a legal
//! conclusion: a verdict is a strength of evidence.

mod coverage;
mod firm;
mod page;
mod role;

pub use crate::analyze::rules::scoring::{signal_from_str, Scoring, ALL_SIGNALS};
pub use coverage::{count_errors, count_page, coverage, coverage_warning, unassessed};
pub use firm::*;
pub use page::*;
pub use role::{in_site_chrome_at, RoleCues};

#[cfg(test)]
mod tests;
