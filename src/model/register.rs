//! Who a firm is on the register: its status in ESMA's interim MiCA register
//! and the NCA warning lists given to the scan, with every row that matched.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The services of MiCAR Art. 3(1)(16) by point letter, as ESMA's register
/// codes them (`a. providing custody …`) and as the ledger names them.
pub const SERVICE_POINTS: [(char, &str); 10] = [
    ('a', "custody"),
    ('b', "trading_platform"),
    ('c', "exchange_fiat"),
    ('d', "exchange_crypto"),
    ('e', "execution"),
    ('f', "placing"),
    ('g', "reception_transmission"),
    ('h', "advice"),
    ('i', "portfolio_management"),
    ('j', "transfer"),
];

/// The firm's standing, the most serious first.
#[derive(
    Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum RegisterStatus {
    /// Reported by an NCA to ESMA as providing crypto-asset services without
    /// authorisation (MiCAR Art. 110; ESMA's NCASP file).
    NonCompliant,
    /// Named on an NCA warning list.
    Warned,
    /// An authorised CASP in ESMA's register (its authorisation not ended).
    Authorised,
    /// In none of the files given.
    NotListed,
}

impl RegisterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegisterStatus::NonCompliant => "non_compliant",
            RegisterStatus::Warned => "warned",
            RegisterStatus::Authorised => "authorised",
            RegisterStatus::NotListed => "not_listed",
        }
    }
}

/// What the firm matched on.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    /// The Legal Entity Identifier in the configuration.
    Lei,
    /// The firm's name or a brand, against the legal or commercial name
    /// (case, accents, punctuation and legal forms aside).
    Name,
    /// The registrable domain of one of the firm's websites.
    Domain,
}

/// One register row that names the firm.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct RegisterMatch {
    /// The file's name as given in the configuration (no directory).
    pub file: String,
    /// The row's line in that file (the header is line 1).
    pub row: u64,
    /// What this row is: `authorised`, `non_compliant` or `warned`;
    /// `authorisation_ended` for an authorisation with an end date.
    pub listing: String,
    pub matched_on: MatchedOn,
    /// What matched, as the row has it (the LEI, the name or the domain).
    pub matched: String,
    /// The entity as the row names it (legal name, else commercial name).
    pub entity: String,
    pub authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_state: Option<String>,
    /// Authorised services, by ledger name (`custody`, `exchange_fiat` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Member states the services are passported to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_states: Vec<String>,
    /// Authorisation, decision or warning date (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The infringement or reason the row states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `firms[].register`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct RegisterEntry {
    pub status: RegisterStatus,
    /// The newest "last update" date the register files state (YYYY-MM-DD),
    /// else the day they were read.
    pub as_of: String,
    pub matches: Vec<RegisterMatch>,
}

impl RegisterEntry {
    /// A sentence for the verdict's reasons.
    pub fn reason(&self) -> String {
        let decisive = self
            .matches
            .iter()
            .find(|m| m.listing == self.status.as_str());
        let Some(row) = decisive else {
            return format!(
                "register (as of {}): not listed in the register files given",
                self.as_of
            );
        };
        let authority = row.authority.as_deref().unwrap_or("an authority");
        let what = match self.status {
            RegisterStatus::NonCompliant => format!("reported as non-compliant by {authority}"),
            RegisterStatus::Warned => format!("on the warning list of {authority}"),
            RegisterStatus::Authorised => {
                let home = row.home_state.as_deref().unwrap_or("?");
                if row.services.is_empty() {
                    format!("authorised in {home} by {authority}")
                } else {
                    format!(
                        "authorised in {home} by {authority} for {}",
                        row.services.join(", ")
                    )
                }
            }
            RegisterStatus::NotListed => "not listed".to_string(),
        };
        let date = row
            .date
            .as_deref()
            .map(|d| format!(" on {d}"))
            .unwrap_or_default();
        let on = match row.matched_on {
            MatchedOn::Lei => "LEI",
            MatchedOn::Name => "name",
            MatchedOn::Domain => "website",
        };
        format!(
            "register (as of {}): {} {what}{date} ({} line {}, matched on {on} `{}`)",
            self.as_of, row.entity, row.file, row.row, row.matched
        )
    }
}
