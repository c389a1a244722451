//! What a verification found: every problem, each naming where it stands.

use serde::Serialize;
use std::fmt;

/// What [`verify`] checked and what it found wrong.
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
pub struct Verification {
    /// WARC records whose digests were recomputed.
    pub records_checked: usize,
    /// Report findings whose cited record was checked.
    pub findings_checked: usize,
    /// Report pages whose cited record was checked.
    pub pages_checked: usize,
    /// Geo-probe pages (`firms[].geo[].pages[]`) whose cited record was checked.
    #[serde(default)]
    pub geo_pages_checked: usize,
    /// Redirect-chain hops (`attribution.redirect.hops[]`) whose cited response was checked.
    #[serde(default)]
    pub redirect_hops_checked: usize,
    /// Rendered captures (`pages[].rendering`: the DOM and its screenshot)
    /// whose cited record was checked.
    #[serde(default)]
    pub renderings_checked: usize,
    /// Rendered captures the manifest pins (`captures`) checked against their records.
    #[serde(default)]
    pub captures_checked: usize,
    /// The RFC 3161 time (`genTime`, RFC 3339 UTC) of the manifest's
    /// time-stamp (`.tsr` beside it) when its imprint and signed digest
    /// check out; see [`crate::evidence::timestamp`] for what is not checked.
    pub timestamped_at: Option<String>,
    /// Empty when the bundle verifies.
    pub problems: Vec<Problem>,
}

impl Verification {
    /// True when nothing was found wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing that does not verify, and where.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Problem {
    /// `file.warc.gz @ 12345 <urn:uuid:…>`, `report finding 3f2a…`, `manifest`, …
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<Problem>);

impl Problems {
    pub(crate) fn add(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            location: location.into(),
            message: message.into(),
        });
    }
}
