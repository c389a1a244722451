//! The shape of a change between two reports (`changes` in a report made
//! with `--baseline`, and `micar-scan diff --format json`). Computing and
//! rendering it is `report::diff`.

use crate::model::{Finding, Verdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The difference between two reports.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ReportDiff {
    pub old_scan_id: String,
    pub new_scan_id: String,
    /// RFC 3339 UTC.
    pub old_started_at: String,
    /// RFC 3339 UTC.
    pub new_started_at: String,
    /// Firms of the new report in its order, then firms only the old report had.
    pub firms: Vec<FirmDiff>,
}

impl ReportDiff {
    /// The same change with only the firm named `name` (none for `None`).
    pub fn only_firm(&self, name: Option<&str>) -> ReportDiff {
        ReportDiff {
            old_scan_id: self.old_scan_id.clone(),
            new_scan_id: self.new_scan_id.clone(),
            old_started_at: self.old_started_at.clone(),
            new_started_at: self.new_started_at.clone(),
            firms: self
                .firms
                .iter()
                .filter(|f| Some(f.name.as_str()) == name)
                .cloned()
                .collect(),
        }
    }
}

/// What changed for one firm.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct FirmDiff {
    pub name: String,
    /// `None`: the firm is absent from the old report.
    pub verdict_before: Option<Verdict>,
    /// `None`: the firm is absent from the new report.
    pub verdict_after: Option<Verdict>,
    /// The verdict *level* changed, or the firm appeared or disappeared.
    /// Score drift within one level is not a change of verdict.
    pub verdict_changed: bool,
    /// Findings whose fingerprint is new (or occurs more often than before).
    pub new: Vec<Finding>,
    /// Findings whose fingerprint is gone (or occurs less often than before).
    pub resolved: Vec<Finding>,
    /// Same fingerprint, different snippet, weight, category or content hash.
    pub changed: Vec<ChangedFinding>,
    /// Findings present in both reports with nothing compared changed.
    pub unchanged: usize,
    /// The firm could not be read in one of the two scans: a change of what
    /// the scanner saw, not of what the firm does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<AssessmentChange>,
    /// Findings of the earlier scan that could not be re-checked because the
    /// firm was not read this time; they are not listed as resolved.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_rechecked: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A firm that became unassessed, or was assessed again.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentChange {
    /// Read in the earlier scan, not in this one.
    BecameUnassessed,
    /// Not read in the earlier scan, read in this one.
    AssessedAgain,
}

/// One finding present in both reports whose details differ.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct ChangedFinding {
    pub fingerprint: String,
    pub before: Finding,
    pub after: Finding,
    /// Which of `snippet`, `weight`, `category`, `content_sha256` differ.
    pub what: Vec<String>,
}

impl FirmDiff {
    /// Nothing to report for this firm.
    pub fn is_empty(&self) -> bool {
        !self.verdict_changed
            && self.new.is_empty()
            && self.resolved.is_empty()
            && self.changed.is_empty()
    }
}
