//! The language data file (`languages.toml`): each language's marker words,
//! examples that must be detected, and the checks run when it is loaded.

use super::codes::*;
use super::locale::is_eu_country;
use super::locale::is_iso639_1;
use super::locale::primary_subtag;
use super::locale::EU_OFFICIAL_LANGUAGES;
use crate::model::LanguageGuess;
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

/// Errors reading `patterns/languages.toml`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LangError {
    /// The file is not valid TOML or does not have the expected shape.
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    /// An entry is well-formed but its content is wrong.
    #[error("{file}:{line}: language `{entry}`: {message}")]
    Invalid {
        file: String,
        line: usize,
        entry: String,
        message: String,
    },
    /// An EU official language has no entry.
    #[error("{file}: no entry for EU official language `{code}`")]
    Missing { file: String, code: String },
}

/// What is known about one language.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageInfo {
    /// ISO 639-1.
    pub code: String,
    /// English name.
    pub name: String,
    pub eu_official: bool,
    /// How strongly content in this language points at the EU.
    pub weight: f64,
    /// ISO 3166-1 alpha-2 regions outside the EU where the language is widely used.
    pub non_eu_regions: Vec<String>,
    pub note: String,
}

/// The example sentences of one language, run by the test suite and `rules test`.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageExamples {
    pub code: String,
    /// Sentences that must be detected as `code`.
    pub matches: Vec<String>,
    /// Sentences that must not be detected as `code`.
    pub no_match: Vec<String>,
}

/// An example sentence the model got wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleFailure {
    pub code: String,
    pub sentence: String,
    /// `true` when the sentence should have been detected as `code`.
    pub expected_match: bool,
    pub detected: Option<LanguageGuess>,
}

/// Languages, their weights and marker words, compiled once from
/// `patterns/languages.toml`.
#[derive(Debug, Clone)]
pub struct LanguageModel {
    pub(crate) languages: Vec<LanguageInfo>,
    pub(crate) by_code: HashMap<String, usize>,
    /// Whole-token markers: token → languages (indices) it is a marker of.
    /// Looked up once per word of every block: a fast hash (the keys are
    /// the bundle's, so text cannot crowd them).
    pub(crate) exact_markers: foldhash::HashMap<String, Vec<usize>>,
    /// Prefix markers (`il-`, `ta'`): matched against the start of a token.
    pub(crate) prefix_markers: Vec<(String, usize)>,
    /// Letters that tell a language from its neighbours: letter → languages.
    pub(crate) letter_markers: foldhash::HashMap<char, Vec<usize>>,
    /// Whether any marker letter is ASCII; they hardly ever are ("ő", "ą",
    /// "ħ"), and then only a text's non-ASCII characters are looked up.
    pub(crate) ascii_letter_markers: bool,
    /// Per language: whether whatlang can name it (else only markers can).
    pub(crate) covered_by_whatlang: Vec<bool>,
    pub(crate) examples: Vec<LanguageExamples>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    pub(crate) language: Vec<Spanned<RawLanguage>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLanguage {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) eu_official: bool,
    pub(crate) weight: f64,
    #[serde(default)]
    pub(crate) non_eu_regions: Vec<String>,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) markers: Vec<String>,
    #[serde(default)]
    pub(crate) letters: Vec<String>,
    #[serde(default)]
    pub(crate) examples: RawExamples,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExamples {
    #[serde(rename = "match", default)]
    pub(crate) matches: Vec<String>,
    #[serde(default)]
    pub(crate) no_match: Vec<String>,
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl LanguageModel {
    /// Builds the model from the text of `patterns/languages.toml`.
    ///
    /// # Errors
    /// [`LangError::Syntax`] when the text is not TOML of the expected shape,
    /// [`LangError::Invalid`] when an entry is wrong (unknown code, duplicate,
    /// weight out of range, `eu_official` contradicting the EU's list, a
    /// markers-only language without markers, a malformed region), and
    /// [`LangError::Missing`] when an EU official language has no entry. All
    /// name `file_name` and, where there is one, the line.
    pub fn from_toml(text: &str, file_name: &str) -> Result<LanguageModel, LangError> {
        let raw: RawFile = toml::from_str(text).map_err(|err| LangError::Syntax {
            file: file_name.to_string(),
            line: err.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: err.message().to_string(),
        })?;
        let mut model = LanguageModel {
            languages: Vec::new(),
            by_code: HashMap::new(),
            exact_markers: foldhash::HashMap::default(),
            prefix_markers: Vec::new(),
            letter_markers: foldhash::HashMap::default(),
            ascii_letter_markers: false,
            covered_by_whatlang: Vec::new(),
            examples: Vec::new(),
        };
        for spanned in raw.language {
            let line = line_of(text, spanned.span().start);
            let entry = spanned.into_inner();
            let invalid = |message: String| LangError::Invalid {
                file: file_name.to_string(),
                line,
                entry: entry.code.clone(),
                message,
            };
            let code = entry.code.as_str();
            if !is_iso639_1(code) {
                return Err(invalid("not an ISO 639-1 code in lower case".into()));
            }
            if model.by_code.contains_key(code) {
                return Err(invalid("listed twice".into()));
            }
            if !entry.weight.is_finite() || !(0.0..=10.0).contains(&entry.weight) {
                return Err(invalid(format!(
                    "weight {} is outside 0.0–10.0",
                    entry.weight
                )));
            }
            let official = EU_OFFICIAL_LANGUAGES.contains(&code);
            if entry.eu_official != official {
                return Err(invalid(format!(
                    "eu_official = {} contradicts the EU's list of official languages",
                    entry.eu_official
                )));
            }
            if !whatlang_covers(code) && entry.markers.is_empty() {
                return Err(invalid(
                    "needs `markers`: the statistical detector does not know this language".into(),
                ));
            }
            for region in &entry.non_eu_regions {
                if region.len() != 2 || !region.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(invalid(format!(
                        "non_eu_regions: `{region}` is not an upper-case ISO 3166-1 alpha-2 code"
                    )));
                }
                if is_eu_country(region) {
                    return Err(invalid(format!(
                        "non_eu_regions: `{region}` is an EU member state"
                    )));
                }
            }
            let index = model.languages.len();
            for marker in &entry.markers {
                let marker = marker.trim().to_lowercase().replace('’', "'");
                if marker.is_empty() {
                    return Err(invalid("empty marker".into()));
                }
                if marker.ends_with('-') || marker.ends_with('\'') {
                    model.prefix_markers.push((marker, index));
                } else {
                    let langs = model.exact_markers.entry(marker).or_default();
                    if !langs.contains(&index) {
                        langs.push(index);
                    }
                }
            }
            for letter in &entry.letters {
                let mut chars = letter.chars().flat_map(char::to_lowercase);
                let (Some(ch), None) = (chars.next(), chars.next()) else {
                    return Err(invalid(format!(
                        "letters: `{letter}` is not a single letter"
                    )));
                };
                model.letter_markers.entry(ch).or_default().push(index);
                model.ascii_letter_markers |= ch.is_ascii();
            }
            model.covered_by_whatlang.push(whatlang_covers(code));
            model.by_code.insert(entry.code.clone(), index);
            model.examples.push(LanguageExamples {
                code: entry.code.clone(),
                matches: entry.examples.matches,
                no_match: entry.examples.no_match,
            });
            model.languages.push(LanguageInfo {
                code: entry.code,
                name: entry.name,
                eu_official: entry.eu_official,
                weight: entry.weight,
                non_eu_regions: entry.non_eu_regions,
                note: entry.note,
            });
        }
        if let Some(code) = EU_OFFICIAL_LANGUAGES
            .iter()
            .find(|code| !model.by_code.contains_key(**code))
        {
            return Err(LangError::Missing {
                file: file_name.to_string(),
                code: code.to_string(),
            });
        }
        Ok(model)
    }

    /// The model built from the `patterns/languages.toml` compiled into the crate.
    ///
    /// # Errors
    /// As [`LanguageModel::from_toml`]; the bundled file is tested, so an
    /// error here means the crate was built from a broken tree.
    pub fn bundled() -> Result<LanguageModel, LangError> {
        Self::from_toml(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/patterns/languages.toml"
            )),
            "patterns/languages.toml",
        )
    }

    /// What is known about `code` (ISO 639-1, any case; a region suffix is ignored).
    pub fn info(&self, code: &str) -> Option<&LanguageInfo> {
        let primary = primary_subtag(code);
        self.by_code.get(&primary).map(|i| &self.languages[*i])
    }

    /// All languages of the model, in file order.
    pub fn languages(&self) -> &[LanguageInfo] {
        &self.languages
    }

    /// The example sentences of every language, in file order.
    pub fn examples(&self) -> &[LanguageExamples] {
        &self.examples
    }

    /// Runs every example sentence; returns those the model gets wrong.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for examples in &self.examples {
            for (sentences, expected_match) in
                [(&examples.matches, true), (&examples.no_match, false)]
            {
                for sentence in sentences {
                    let detected = self.detect(sentence);
                    let is_match = detected.as_ref().is_some_and(|g| g.code == examples.code);
                    if is_match != expected_match {
                        failures.push(ExampleFailure {
                            code: examples.code.clone(),
                            sentence: sentence.clone(),
                            expected_match,
                            detected,
                        });
                    }
                }
            }
        }
        failures
    }

    /// Counts marker hits per language over the text's tokens.
    pub(crate) fn marker_hits(&self, text: &str) -> (Vec<usize>, usize) {
        let mut hits = vec![0usize; self.languages.len()];
        let lower = text.to_lowercase();
        let mut tokens = 0usize;
        for raw in
            lower.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        {
            let token = raw.trim_start_matches(['\'', '’', '-']);
            if token.is_empty() {
                continue;
            }
            tokens += 1;
            let normalised;
            let token = if token.contains('’') {
                normalised = token.replace('’', "'");
                normalised.as_str()
            } else {
                token
            };
            let bare = token.trim_end_matches(['\'', '-']);
            if let Some(langs) = self.exact_markers.get(bare) {
                for lang in langs {
                    hits[*lang] += 1;
                }
            }
            if token.contains(['\'', '-']) {
                for (prefix, lang) in &self.prefix_markers {
                    if token.starts_with(prefix.as_str()) {
                        hits[*lang] += 1;
                        // One prefix per token: `għall-` must not also count `għal`.
                        break;
                    }
                }
            }
        }
        if !self.letter_markers.is_empty() {
            // Most text is ASCII, and a hash lookup per character was a hot
            // spot of the crawl.
            let ascii_markers = self.ascii_letter_markers;
            for ch in lower.chars().filter(|c| ascii_markers || !c.is_ascii()) {
                if let Some(langs) = self.letter_markers.get(&ch) {
                    for lang in langs {
                        hits[*lang] += 1;
                    }
                }
            }
        }
        (hits, tokens)
    }
}
