//! TEMPORARY SHIM (rules branch only): the real `lang` module is written on
//! the extraction branch and replaces this file on merge. It implements the
//! agreed API just well enough for the rules engine's own tests; take the
//! other branch's version of this file when merging.

use crate::model::{Document, LanguageGuess, LanguageSource, PageLanguage};
use std::collections::BTreeMap;

pub const EU_OFFICIAL_LANGUAGES: [&str; 24] = [
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu", "ga", "it", "lv", "lt",
    "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv",
];
pub const EU_COUNTRIES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

#[derive(Debug, Clone)]
pub struct LanguageInfo {
    pub code: String,
    pub name: String,
    pub eu_official: bool,
    pub weight: f64,
    pub non_eu_regions: Vec<String>,
    pub note: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct LangError {
    pub file: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct LanguageModel {
    infos: Vec<LanguageInfo>,
}

const ISO3: [(&str, &str); 27] = [
    ("bul", "bg"),
    ("hrv", "hr"),
    ("ces", "cs"),
    ("dan", "da"),
    ("nld", "nl"),
    ("eng", "en"),
    ("est", "et"),
    ("fin", "fi"),
    ("fra", "fr"),
    ("deu", "de"),
    ("ell", "el"),
    ("hun", "hu"),
    ("ita", "it"),
    ("lav", "lv"),
    ("lit", "lt"),
    ("pol", "pl"),
    ("por", "pt"),
    ("ron", "ro"),
    ("slk", "sk"),
    ("slv", "sl"),
    ("spa", "es"),
    ("swe", "sv"),
    ("rus", "ru"),
    ("ukr", "uk"),
    ("tur", "tr"),
    ("srp", "sr"),
    ("cat", "ca"),
];

impl LanguageModel {
    /// # Errors
    /// When `text` is not TOML.
    pub fn from_toml(text: &str, file_name: &str) -> Result<LanguageModel, LangError> {
        let value: toml::Table = toml::from_str(text).map_err(|e| LangError {
            file: file_name.to_string(),
            message: e.to_string(),
        })?;
        let mut infos = Vec::new();
        if let Some(toml::Value::Array(entries)) = value.get("language") {
            for entry in entries {
                let text = |k: &str| {
                    entry
                        .get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string()
                };
                infos.push(LanguageInfo {
                    code: text("code"),
                    name: text("name"),
                    eu_official: entry
                        .get("eu_official")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                    weight: entry
                        .get("weight")
                        .and_then(|v| v.as_float())
                        .unwrap_or(0.0),
                    non_eu_regions: Vec::new(),
                    note: text("note"),
                });
            }
        }
        if infos.is_empty() {
            infos = EU_OFFICIAL_LANGUAGES
                .iter()
                .map(|code| LanguageInfo {
                    code: code.to_string(),
                    name: code.to_uppercase(),
                    eu_official: true,
                    weight: if *code == "en" { 0.5 } else { 1.5 },
                    non_eu_regions: Vec::new(),
                    note: String::new(),
                })
                .collect();
        }
        Ok(LanguageModel { infos })
    }

    pub fn info(&self, code: &str) -> Option<&LanguageInfo> {
        self.infos.iter().find(|i| i.code == code)
    }

    pub fn detect_blocks(&self, doc: &mut Document) {
        let page = doc.locale.html_lang.clone();
        for block in &mut doc.blocks {
            if matches!(
                block.kind,
                crate::model::BlockKind::Url | crate::model::BlockKind::JsonLd
            ) {
                continue;
            }
            let detected = (block.text.chars().count() >= 20)
                .then(|| whatlang::detect(&block.text))
                .flatten()
                .filter(|info| info.is_reliable())
                .and_then(|info| {
                    ISO3.iter()
                        .find(|(c3, _)| *c3 == info.lang().code())
                        .map(|(_, c)| (*c, info.confidence()))
                });
            block.language = match detected {
                Some((code, confidence)) => Some(LanguageGuess {
                    code: code.to_string(),
                    confidence,
                    source: LanguageSource::Detected,
                }),
                None => block
                    .lang_attr
                    .clone()
                    .or_else(|| page.clone())
                    .map(|tag| LanguageGuess {
                        code: tag.split(['-', '_']).next().unwrap_or("").to_lowercase(),
                        confidence: 0.3,
                        source: LanguageSource::Markup,
                    }),
            };
        }
    }

    pub fn page_language(&self, doc: &Document) -> PageLanguage {
        let mut chars: BTreeMap<String, f64> = BTreeMap::new();
        let mut total = 0.0;
        for block in &doc.blocks {
            if let Some(guess) = &block.language {
                let n = block.text.chars().count() as f64;
                *chars.entry(guess.code.clone()).or_default() += n;
                total += n;
            }
        }
        let shares: BTreeMap<String, f64> = chars
            .into_iter()
            .map(|(k, v)| (k, if total > 0.0 { v / total } else { 0.0 }))
            .collect();
        let mut ranked: Vec<(&String, &f64)> = shares.iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(a.1));
        PageLanguage {
            primary: ranked.first().map(|(k, _)| (*k).clone()),
            eu_languages: ranked
                .iter()
                .filter(|(k, _)| EU_OFFICIAL_LANGUAGES.contains(&k.as_str()))
                .map(|(k, _)| (*k).clone())
                .collect(),
            declared: doc
                .locale
                .html_lang
                .clone()
                .or_else(|| doc.locale.content_language.clone()),
            shares,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocaleClass {
    EuRegion { language: String, region: String },
    NonEuRegion { language: String, region: String },
    LanguageOnly { language: String },
    Unknown,
}

pub fn classify_locale(tag: &str) -> LocaleClass {
    let mut parts = tag.trim().split(['-', '_']);
    let language = parts.next().unwrap_or("").to_lowercase();
    if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return LocaleClass::Unknown;
    }
    match parts.next().map(|r| r.to_uppercase()) {
        None => LocaleClass::LanguageOnly { language },
        Some(region) if region == "EU" || is_eu_country(&region) => {
            LocaleClass::EuRegion { language, region }
        }
        Some(region) if region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()) => {
            LocaleClass::NonEuRegion { language, region }
        }
        Some(_) => LocaleClass::LanguageOnly { language },
    }
}

pub fn is_eu_country(code: &str) -> bool {
    let code = code.to_uppercase();
    code == "EL" || EU_COUNTRIES.contains(&code.as_str())
}
