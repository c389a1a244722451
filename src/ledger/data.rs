//! The ledger's data, read from `patterns/`: the crypto-asset catalogue
//! (`assets.toml`, extended or overridden by `--assets`), the service names
//! of MiCAR Art. 3(1)(16) with their synonyms, and the tables that say which
//! member states a scan finding evidences solicitation in (`ledger.toml`).
//!
//! It never guesses: an asset or service it does not know stays unknown.

use super::error::LedgerError;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const BUNDLED_ASSETS: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/patterns/assets.toml"));
const BUNDLED_LEDGER: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/patterns/ledger.toml"));

/// The attributes ESMA's "same type" test compares, in the order reports name them.
pub const TYPE_ATTRIBUTES: [&str; 5] = ["kind", "technology", "reference", "liquidity", "offeror"];

/// What one crypto-asset is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub symbols: Vec<String>,
    pub kind: TokenKind,
    pub technology: String,
    pub reference: String,
    pub liquidity: Liquidity,
    pub offeror: Offeror,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Utility,
    Art,
    Emt,
    Other,
    Nft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liquidity {
    Liquid,
    Illiquid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offeror {
    Identified,
    Unidentified,
}

impl Asset {
    /// The symbol reports show.
    pub fn name(&self) -> &str {
        self.symbols.first().map_or("?", String::as_str)
    }

    /// The attributes on which `other` is not of the same type, in
    /// [`TYPE_ATTRIBUTES`] order; empty when it is.
    pub fn differences(&self, other: &Asset) -> Vec<&'static str> {
        let same = [
            self.kind == other.kind,
            self.technology.eq_ignore_ascii_case(&other.technology),
            self.reference.eq_ignore_ascii_case(&other.reference),
            self.liquidity == other.liquidity,
            self.offeror == other.offeror,
        ];
        TYPE_ATTRIBUTES
            .iter()
            .zip(same)
            .filter(|(_, same)| !same)
            .map(|(name, _)| *name)
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssetsFile {
    #[serde(default)]
    asset: Vec<Asset>,
}

/// Every known asset, looked up by any of its symbols (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct AssetCatalogue {
    assets: Vec<Asset>,
    by_symbol: HashMap<String, usize>,
}

impl AssetCatalogue {
    /// The bundled catalogue.
    ///
    /// # Errors
    /// [`LedgerError::Data`] when the bundled file does not parse.
    pub fn bundled() -> Result<AssetCatalogue, LedgerError> {
        let mut catalogue = AssetCatalogue::default();
        catalogue.add_toml(BUNDLED_ASSETS, "assets.toml")?;
        Ok(catalogue)
    }

    /// Adds the assets of a file in the shape of `assets.toml`; an asset
    /// naming a known symbol replaces what that symbol meant.
    ///
    /// # Errors
    /// [`LedgerError::Data`] naming `file` for a TOML or shape error, or an
    /// asset without a symbol.
    pub fn add_toml(&mut self, text: &str, file: &str) -> Result<(), LedgerError> {
        let parsed: AssetsFile = toml::from_str(text).map_err(|e| LedgerError::Data {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        for asset in parsed.asset {
            if asset.symbols.iter().all(|s| s.trim().is_empty()) {
                return Err(LedgerError::Data {
                    file: file.to_string(),
                    message: "an [[asset]] has no symbol".to_string(),
                });
            }
            let index = self.assets.len();
            for symbol in &asset.symbols {
                self.by_symbol.insert(normalise_symbol(symbol), index);
            }
            self.assets.push(asset);
        }
        Ok(())
    }

    pub fn get(&self, symbol: &str) -> Option<&Asset> {
        self.by_symbol
            .get(&normalise_symbol(symbol))
            .map(|&index| &self.assets[index])
    }
}

pub(crate) fn normalise_symbol(symbol: &str) -> String {
    symbol.trim().to_lowercase()
}

// ---- services and countries ------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerFile {
    services: BTreeMap<String, ServiceEntry>,
    groups: BTreeMap<String, Vec<String>>,
    languages: BTreeMap<String, Vec<String>>,
    evidence: Vec<EvidenceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    point: String,
    synonyms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceEntry {
    prefix: String,
    countries: Vec<String>,
}

/// The services and the country tables of `ledger.toml`.
#[derive(Debug, Clone)]
pub struct LedgerData {
    /// Normalised name or synonym → service id.
    service_names: HashMap<String, String>,
    /// Service id → point of Art. 3(1)(16).
    pub services: BTreeMap<String, String>,
    /// Language code → the states that speak it officially.
    languages: HashMap<String, Vec<String>>,
    /// Rule-id prefix → states (already expanded), longest first.
    evidence: Vec<(String, Vec<String>)>,
    eea: Vec<String>,
}

impl LedgerData {
    /// The bundled tables.
    ///
    /// # Errors
    /// [`LedgerError::Data`] when the bundled file does not parse.
    pub fn bundled() -> Result<LedgerData, LedgerError> {
        LedgerData::from_toml(BUNDLED_LEDGER, "ledger.toml")
    }

    /// # Errors
    /// [`LedgerError::Data`] naming `file` for a TOML or shape error, a
    /// synonym used by two services, or a group without the EEA.
    pub fn from_toml(text: &str, file: &str) -> Result<LedgerData, LedgerError> {
        let data_error = |message: String| LedgerError::Data {
            file: file.to_string(),
            message,
        };
        let parsed: LedgerFile = toml::from_str(text).map_err(|e| data_error(e.to_string()))?;
        let mut service_names = HashMap::new();
        let mut services = BTreeMap::new();
        for (id, entry) in &parsed.services {
            services.insert(id.clone(), entry.point.clone());
            for name in std::iter::once(id).chain(&entry.synonyms) {
                if let Some(other) = service_names.insert(normalise_service(name), id.clone()) {
                    if &other != id {
                        return Err(data_error(format!("`{name}` names both {other} and {id}")));
                    }
                }
            }
        }
        let eea = parsed
            .groups
            .get("EEA")
            .cloned()
            .ok_or_else(|| data_error("[groups] has no EEA".to_string()))?;
        let expand = |countries: &[String]| -> Vec<String> {
            countries
                .iter()
                .flat_map(|c| {
                    parsed
                        .groups
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| vec![c.clone()])
                })
                .collect()
        };
        let mut evidence: Vec<(String, Vec<String>)> = parsed
            .evidence
            .iter()
            .map(|e| (e.prefix.clone(), expand(&e.countries)))
            .collect();
        evidence.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let languages = parsed
            .languages
            .iter()
            .map(|(code, countries)| (code.to_lowercase(), expand(countries)))
            .collect();
        Ok(LedgerData {
            service_names,
            services,
            languages,
            evidence,
            eea,
        })
    }

    /// The service id a record's text names, if any.
    pub fn service(&self, text: &str) -> Option<&str> {
        self.service_names
            .get(&normalise_service(text))
            .map(String::as_str)
    }

    /// Every accepted spelling of every service, for messages and docs.
    pub fn service_names(&self) -> Vec<(&str, &str)> {
        let mut names: Vec<(&str, &str)> = self
            .service_names
            .iter()
            .map(|(name, id)| (id.as_str(), name.as_str()))
            .collect();
        names.sort_unstable();
        names
    }

    /// Whether `country` (ISO 3166-1 alpha-2, `EL` for Greece) is in the EU or the EEA.
    pub fn is_eea(&self, country: &str) -> bool {
        let code = canonical_country(country);
        self.eea.iter().any(|c| c.eq_ignore_ascii_case(&code))
    }

    /// The states a finding of `rule_id` in `language` evidences solicitation in.
    pub fn evidence_countries(&self, rule_id: &str, language: Option<&str>) -> Vec<String> {
        let mut countries: Vec<String> = Vec::new();
        if let Some((prefix, listed)) = self
            .evidence
            .iter()
            .find(|(prefix, _)| rule_id.starts_with(prefix.as_str()))
        {
            for country in listed {
                if country == "{suffix}" {
                    let suffix = &rule_id[prefix.len()..];
                    if suffix.len() == 2 && suffix.chars().all(|c| c.is_ascii_alphabetic()) {
                        countries.push(canonical_country(suffix));
                    }
                } else {
                    countries.push(country.clone());
                }
            }
        }
        if let Some(spoken) = language.and_then(|l| self.languages.get(&l.to_lowercase())) {
            countries.extend(spoken.iter().cloned());
        }
        countries.sort();
        countries.dedup();
        countries
    }
}

/// Upper case, `EL` (the EU's code for Greece) as `GR`, `UK` as `GB`.
pub fn canonical_country(code: &str) -> String {
    match code.trim().to_ascii_uppercase().as_str() {
        "EL" => "GR".to_string(),
        "UK" => "GB".to_string(),
        other => other.to_string(),
    }
}

fn normalise_service(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
