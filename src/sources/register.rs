//! The register files a scan is given (`[register]`): ESMA's interim MiCA
//! register of authorised CASPs (CASPS.csv) and of non-compliant entities
//! reported by NCAs (NCASP.csv), in the columns ESMA publishes, and NCA
//! warning lists (`name`, `website`, `authority`, `date`). Each firm is
//! looked up by LEI, by its name or brands against the legal and commercial
//! names (case, accents, punctuation and legal forms aside), and by the
//! registrable domain of its websites.
//!
//! It reads local files only and never downloads one: the user fetches the
//! files, so that a report says exactly which copy it was checked against.
//! A name matches only when equal after normalising, never "close".

use crate::analyze::charset;
use crate::config::{FirmConfig, RegisterSettings};
use crate::model::domain::registrable_domain;
use crate::model::register::{
    MatchedOn, RegisterEntry, RegisterMatch, RegisterStatus, SERVICE_POINTS,
};
use crate::model::text::fold_str;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

const REGISTER_DATA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/patterns/register.toml"
));

/// Why the register could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Format {
        file: String,
        line: u64,
        message: String,
    },
    #[error("patterns/register.toml: {0}")]
    Data(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterData {
    legal_forms: Vec<String>,
}

/// What kind of listing a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Authorised,
    NonCompliant,
    Warning,
}

/// One row, read into what matching needs.
#[derive(Debug, Clone)]
struct Row {
    file: String,
    line: u64,
    listing: Listing,
    ended: bool,
    lei: Option<String>,
    /// Normalised names, each with the name as the row writes it.
    names: Vec<(String, String)>,
    domains: Vec<String>,
    entity: String,
    authority: Option<String>,
    home_state: Option<String>,
    services: Vec<String>,
    host_states: Vec<String>,
    date: Option<String>,
    reason: Option<String>,
}

/// Every row of every register file, ready to match firms against.
#[derive(Debug, Default)]
pub struct Register {
    rows: Vec<Row>,
    as_of: Option<String>,
    legal_forms: Vec<Vec<String>>,
}

impl Register {
    /// Reads the files named in `[register]`; an empty setting gives an empty register.
    ///
    /// # Errors
    /// [`RegisterError::Read`] for a file that cannot be read;
    /// [`RegisterError::Format`] for one without the columns its kind needs.
    pub fn load(settings: &RegisterSettings) -> Result<Register, RegisterError> {
        let data: RegisterData =
            toml::from_str(REGISTER_DATA).map_err(|e| RegisterError::Data(e.to_string()))?;
        let mut register = Register {
            legal_forms: data
                .legal_forms
                .iter()
                .map(|form| words(form))
                .filter(|w| !w.is_empty())
                .collect(),
            ..Register::default()
        };
        // Longest forms first, so "sp z o o" goes before "o".
        register
            .legal_forms
            .sort_by_key(|w| std::cmp::Reverse(w.len()));
        if let Some(path) = &settings.esma_casps {
            register.read(path, Listing::Authorised)?;
        }
        if let Some(path) = &settings.esma_non_compliant {
            register.read(path, Listing::NonCompliant)?;
        }
        for path in &settings.warning_lists {
            register.read(path, Listing::Warning)?;
        }
        Ok(register)
    }

    fn read(&mut self, path: &Path, listing: Listing) -> Result<(), RegisterError> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bytes = std::fs::read(path).map_err(|source| RegisterError::Read {
            file: path.display().to_string(),
            source,
        })?;
        // ESMA's files have come both as UTF-8 (with a BOM) and windows-1252.
        let text = charset::decode(&bytes, Some("text/csv")).text;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let format_error = |line: u64, message: String| RegisterError::Format {
            file: path.display().to_string(),
            line,
            message,
        };
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| format_error(1, e.to_string()))?
            .iter()
            .map(str::to_lowercase)
            .collect();
        // The first name listed that the file has wins (ESMA's NCASP file has
        // both `ae_infrigment`, a yes/no, and `ae_reason`, the text).
        let column = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| headers.iter().position(|h| h == name))
        };
        let columns = Columns {
            authority: column(&["ae_competentauthority", "authority"]),
            home_state: column(&["ae_homememberstate", "home_member_state", "country"]),
            legal_name: column(&["ae_lei_name", "name", "entity"]),
            lei: column(&["ae_lei", "lei"]),
            commercial_name: column(&["ae_commercial_name", "commercial_name"]),
            websites: column(&["ae_website", "website", "websites", "url"]),
            platforms: column(&["ae_website_platform"]),
            date: column(&[
                "ac_authorisationnotificationdate",
                "ae_decision_date",
                "date",
                "published",
            ]),
            ended: column(&["ac_authorisationenddate"]),
            services: column(&["ac_servicecode"]),
            host_states: column(&["ac_servicecode_cou"]),
            reason: column(&["ae_reason", "reason"]),
            updated: column(&["ac_lastupdate", "ae_lastupdate", "last_update"]),
        };
        if columns.legal_name.is_none() && columns.commercial_name.is_none() {
            return Err(format_error(
                1,
                "no name column (ae_lei_name, ae_commercial_name or name)".to_string(),
            ));
        }
        if listing == Listing::Warning && columns.authority.is_none() {
            return Err(format_error(
                1,
                "a warning list needs the columns name, website, authority and date".to_string(),
            ));
        }
        for record in reader.records() {
            let record = record.map_err(|e| {
                format_error(e.position().map_or(0, csv::Position::line), e.to_string())
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            let get = |index: Option<usize>| {
                index
                    .and_then(|i| record.get(i))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            let legal_name = get(columns.legal_name);
            let commercial_name = get(columns.commercial_name);
            let Some(entity) = legal_name.clone().or_else(|| commercial_name.clone()) else {
                continue;
            };
            let names: Vec<(String, String)> = legal_name
                .iter()
                .chain(commercial_name.iter())
                .flat_map(|n| split_list(n))
                .map(|n| (self.normalise_name(&n), n))
                .filter(|(normalised, _)| !normalised.is_empty())
                .collect();
            let domains: Vec<String> = [get(columns.websites), get(columns.platforms)]
                .iter()
                .flatten()
                .flat_map(|w| split_list(w))
                .filter_map(|w| domain_of(&w))
                .collect();
            if let Some(updated) = get(columns.updated).and_then(|d| iso_date(&d)) {
                if self.as_of.as_ref().is_none_or(|seen| &updated > seen) {
                    self.as_of = Some(updated);
                }
            }
            self.rows.push(Row {
                file: file.clone(),
                line,
                listing,
                ended: get(columns.ended).is_some(),
                lei: get(columns.lei).map(|l| l.to_ascii_uppercase()),
                names,
                domains,
                entity,
                authority: get(columns.authority),
                home_state: get(columns.home_state).map(|s| s.to_ascii_uppercase()),
                services: get(columns.services)
                    .map(|s| service_ids(&s))
                    .unwrap_or_default(),
                host_states: get(columns.host_states)
                    .map(|s| {
                        split_list(&s)
                            .iter()
                            .map(|c| c.to_ascii_uppercase())
                            .collect()
                    })
                    .unwrap_or_default(),
                date: get(columns.date).and_then(|d| iso_date(&d).or(Some(d))),
                reason: get(columns.reason),
            });
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The firm's entry: every matching row and the most serious status.
    /// `today` (YYYY-MM-DD) stands in for `as_of` when no file states a date.
    pub fn lookup(&self, firm: &FirmConfig, today: &str) -> RegisterEntry {
        let names: HashSet<String> = std::iter::once(&firm.name)
            .chain(&firm.brands)
            .map(|n| self.normalise_name(n))
            .filter(|n| !n.is_empty())
            .collect();
        let domains: HashSet<String> = firm
            .websites
            .iter()
            .filter_map(|u| u.host_str().and_then(registrable_domain))
            .collect();
        let lei = firm.lei.as_deref();
        let mut matches = Vec::new();
        for row in &self.rows {
            let hit = if let Some(l) = lei.filter(|l| row.lei.as_deref() == Some(*l)) {
                Some((MatchedOn::Lei, l.to_string()))
            } else if let Some((_, written)) = row.names.iter().find(|(n, _)| names.contains(n)) {
                Some((MatchedOn::Name, written.clone()))
            } else {
                row.domains
                    .iter()
                    .find(|d| domains.contains(*d))
                    .map(|d| (MatchedOn::Domain, d.clone()))
            };
            let Some((matched_on, matched)) = hit else {
                continue;
            };
            let listing = match (row.listing, row.ended) {
                (Listing::Authorised, true) => "authorisation_ended",
                (Listing::Authorised, false) => RegisterStatus::Authorised.as_str(),
                (Listing::NonCompliant, _) => RegisterStatus::NonCompliant.as_str(),
                (Listing::Warning, _) => RegisterStatus::Warned.as_str(),
            };
            matches.push(RegisterMatch {
                file: row.file.clone(),
                row: row.line,
                listing: listing.to_string(),
                matched_on,
                matched,
                entity: row.entity.clone(),
                authority: row.authority.clone(),
                home_state: row.home_state.clone(),
                services: row.services.clone(),
                host_states: row.host_states.clone(),
                date: row.date.clone(),
                reason: row.reason.clone(),
            });
        }
        let status = [
            RegisterStatus::NonCompliant,
            RegisterStatus::Warned,
            RegisterStatus::Authorised,
        ]
        .into_iter()
        .find(|status| matches.iter().any(|m| m.listing == status.as_str()))
        .unwrap_or(RegisterStatus::NotListed);
        RegisterEntry {
            status,
            as_of: self.as_of.clone().unwrap_or_else(|| today.to_string()),
            matches,
        }
    }

    /// Lower case without accents or punctuation, legal forms at the end
    /// dropped: "Aurora Digital Markets Ltd." and "AURORA DIGITAL MARKETS" agree.
    fn normalise_name(&self, name: &str) -> String {
        let mut tokens = words(name);
        loop {
            let before = tokens.len();
            for form in &self.legal_forms {
                if tokens.len() > form.len() && tokens.ends_with(form) {
                    tokens.truncate(tokens.len() - form.len());
                    break;
                }
            }
            if tokens.len() == before {
                break;
            }
        }
        tokens.join(" ")
    }
}

struct Columns {
    authority: Option<usize>,
    home_state: Option<usize>,
    legal_name: Option<usize>,
    lei: Option<usize>,
    commercial_name: Option<usize>,
    websites: Option<usize>,
    platforms: Option<usize>,
    date: Option<usize>,
    ended: Option<usize>,
    services: Option<usize>,
    host_states: Option<usize>,
    reason: Option<usize>,
    updated: Option<usize>,
}

fn words(text: &str) -> Vec<String> {
    fold_str(text)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// ESMA separates several values of one cell with `|`; lists by NCAs use
/// `;` or line breaks as well.
fn split_list(cell: &str) -> Vec<String> {
    cell.split(['|', ';', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn domain_of(website: &str) -> Option<String> {
    let url = crate::config::partners::site_url(website.trim()).ok()?;
    registrable_domain(url.host_str()?)
}

/// `a. providing custody | c. exchange …` → `["custody", "exchange_fiat"]`.
fn service_ids(cell: &str) -> Vec<String> {
    split_list(cell)
        .iter()
        .filter_map(|item| {
            let letter = item.trim().chars().next()?.to_ascii_lowercase();
            let follows = item.trim().chars().nth(1);
            if !matches!(follows, Some('.' | ')' | ' ') | None) {
                return None;
            }
            SERVICE_POINTS
                .iter()
                .find(|(point, _)| *point == letter)
                .map(|(_, id)| id.to_string())
        })
        .collect()
}

/// `DD/MM/YYYY` (ESMA's form) or `YYYY-MM-DD` as `YYYY-MM-DD`.
fn iso_date(text: &str) -> Option<String> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['/', '.']).collect();
    if let [day, month, year] = parts.as_slice() {
        let (d, m, y) = (
            day.parse::<u8>().ok()?,
            month.parse::<u8>().ok()?,
            year.parse::<u16>().ok()?,
        );
        if (1..=31).contains(&d) && (1..=12).contains(&m) && y > 1900 {
            return Some(format!("{y:04}-{m:02}-{d:02}"));
        }
        return None;
    }
    let bytes = text.as_bytes();
    (bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-').then(|| text[..10].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_agree_across_case_accents_punctuation_and_legal_forms() {
        let register = Register::load(&RegisterSettings::default()).unwrap();
        let n = |s: &str| register.normalise_name(s);
        assert_eq!(n("Aurora Digital Markets Ltd."), "aurora digital markets");
        assert_eq!(
            n("AURORA DIGITAL MARKETS LIMITED"),
            "aurora digital markets"
        );
        assert_eq!(
            n("Ipê Cripto Intermediação Digital Ltda."),
            "ipe cripto intermediacao digital"
        );
        assert_eq!(n("Kraków Krypto Sp. z o.o."), "krakow krypto");
        // A name that is only a legal form keeps it, rather than matching everything.
        assert_eq!(n("GmbH"), "gmbh");
    }

    #[test]
    fn esma_cells_read_as_services_dates_and_domains() {
        assert_eq!(
            service_ids(
                "a. providing custody and administration | c. exchange of crypto-assets for funds"
            ),
            ["custody", "exchange_fiat"]
        );
        assert_eq!(iso_date("09/04/2025").as_deref(), Some("2025-04-09"));
        assert_eq!(iso_date("2025-04-09").as_deref(), Some("2025-04-09"));
        assert_eq!(iso_date("soon"), None);
        assert_eq!(
            domain_of("www.bank-bit.example").as_deref(),
            Some("bank-bit.example")
        );
        assert_eq!(
            domain_of("https://app.x.co.uk/login").as_deref(),
            Some("x.co.uk")
        );
    }

    fn firm(name: &str, website: &str) -> FirmConfig {
        FirmConfig {
            name: name.to_string(),
            home_country: None,
            websites: vec![url::Url::parse(website).unwrap()],
            feeds: Vec::new(),
            social: Vec::new(),
            affiliates: Vec::new(),
            affiliates_file: None,
            affiliate_names: Default::default(),
            brands: Vec::new(),
            apps: Default::default(),
            files: Vec::new(),
            geo_pages: Vec::new(),
            lei: None,
        }
    }

    #[test]
    fn a_windows_1252_ncasp_file_matches_by_website_and_names_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("NCASP.csv");
        let mut bytes =
            b"ae_competentAuthority,ae_homeMemberState,ae_lei_name,ae_lei,ae_lei_cou_code,\
ae_commercial_name,ae_website,ae_infrigment,ae_reason,ae_decision_date,ae_comments,ae_lastupdate\n"
                .to_vec();
        // "Autorit\xe9" in windows-1252, as some copies of the file come.
        bytes.extend_from_slice(
            b"Autorit\xe9 des march\xe9s financiers (AMF),FR,Other Name SAS,,FR,Other,",
        );
        bytes.extend_from_slice(b"https://www.shop.example | shop-mirror.example,Yes,No licence,01/02/2026,,03/02/2026\n");
        std::fs::write(&path, bytes).unwrap();
        let register = Register::load(&RegisterSettings {
            esma_non_compliant: Some(path),
            ..RegisterSettings::default()
        })
        .unwrap();
        let entry = register.lookup(
            &firm("Shop", "https://app.shop-mirror.example/"),
            "2026-12-01",
        );
        assert_eq!(entry.status, RegisterStatus::NonCompliant);
        assert_eq!(entry.as_of, "2026-02-03");
        let row = &entry.matches[0];
        assert_eq!((row.row, row.matched_on), (2, MatchedOn::Domain));
        assert_eq!(row.matched, "shop-mirror.example");
        assert_eq!(
            row.authority.as_deref(),
            Some("Autorité des marchés financiers (AMF)")
        );
        assert_eq!(row.reason.as_deref(), Some("No licence"));
        assert_eq!(row.date.as_deref(), Some("2026-02-01"));
        let elsewhere = register.lookup(
            &firm("Shopify Fans", "https://shop.example.org/"),
            "2026-12-01",
        );
        assert_eq!(elsewhere.status, RegisterStatus::NotListed);
    }

    #[test]
    fn an_ended_authorisation_is_listed_but_does_not_authorise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("CASPS.csv");
        std::fs::write(
            &path,
            "ae_competentAuthority,ae_homeMemberState,ae_lei_name,ae_lei,ae_commercial_name,ae_website,\
ac_authorisationNotificationDate,ac_authorisationEndDate,ac_serviceCode,ac_serviceCode_cou,ac_lastupdate\n\
BaFin,DE,Gone Krypto GmbH,,Gone,gone.example,01/01/2025,01/06/2026,a. custody,DE,02/06/2026\n",
        )
        .unwrap();
        let register = Register::load(&RegisterSettings {
            esma_casps: Some(path),
            ..RegisterSettings::default()
        })
        .unwrap();
        let entry = register.lookup(&firm("Gone Krypto", "https://other.example/"), "2026-12-01");
        assert_eq!(entry.status, RegisterStatus::NotListed);
        assert_eq!(entry.matches[0].listing, "authorisation_ended");
    }

    #[test]
    fn a_file_without_the_columns_of_its_kind_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("warnings.csv");
        std::fs::write(&path, "name,website\nX,x.example\n").unwrap();
        let error = Register::load(&RegisterSettings {
            warning_lists: vec![path],
            ..RegisterSettings::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("warnings.csv:1: a warning list needs"),
            "{error}"
        );
        let missing = Register::load(&RegisterSettings {
            esma_casps: Some(dir.path().join("absent.csv")),
            ..RegisterSettings::default()
        })
        .unwrap_err()
        .to_string();
        assert!(missing.contains("absent.csv: cannot read"), "{missing}");
    }
}
