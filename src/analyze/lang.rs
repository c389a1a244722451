//! Language per block and locale tags.
//!
//! Pages mix languages (an Italian header over English text, a `/fr/` page
//! wholly in English), so the language is decided per block, with the
//! confidence and the way it was decided kept for readers to weigh. The
//! statistical detector (whatlang) covers 22 of the 24 EU official languages;
//! Irish and Maltese are recognised through marker words from
//! `patterns/languages.toml`, which also break ties.
//!
//! This module is pure: it never performs I/O and never decides whether a
//! page solicits anyone; it only says which language text is in and what a
//! locale tag points at.

use crate::model::{BlockKind, Document, LanguageGuess, LanguageSource, PageLanguage};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

/// The 24 official languages of the EU, ISO 639-1.
pub const EU_OFFICIAL_LANGUAGES: [&str; 24] = [
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu", "ga", "it", "lv", "lt",
    "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv",
];

/// The 27 member states, ISO 3166-1 alpha-2 (Greece is `GR`; `EL`, the EU's
/// own abbreviation, is accepted as an alias by [`is_eu_country`]).
pub const EU_COUNTRIES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// Texts with fewer letters than this are not worth a statistical guess: a
/// word like "Deutsch" in a switcher says nothing about the block's language.
pub const MIN_DETECT_LETTERS: usize = 12;

/// whatlang confidence from which a guess is taken without support from markers.
const CONFIDENT_DETECTION: f64 = 0.6;
/// whatlang confidence from which a guess on a long text is kept when no
/// marker word speaks for or against it.
const HESITANT_DETECTION: f64 = 0.3;
/// Below this many letters whatlang's guess needs the markers' agreement.
const SHORT_TEXT_LETTERS: usize = 40;
/// Marker hits from which one language, twice as frequent as any other,
/// decides without the statistical detector.
const DECISIVE_MARKERS: usize = 3;
/// Text beyond this many bytes adds cost to detection but no certainty.
const MAX_DETECT_BYTES: usize = 600;
/// Confidence given to a block's language taken from its own `lang` attribute.
const ELEMENT_LANG_CONFIDENCE: f64 = 0.5;
/// Confidence given to the page's `<html lang>`.
const PAGE_LANG_CONFIDENCE: f64 = 0.4;
/// Confidence given to the `Content-Language` header or meta.
const CONTENT_LANGUAGE_CONFIDENCE: f64 = 0.3;
/// A language must cover at least this share of a page's text to count as one
/// of its EU languages (one misread caption is not a language of the page).
const MIN_PAGE_SHARE: f64 = 0.05;

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
    languages: Vec<LanguageInfo>,
    by_code: HashMap<String, usize>,
    /// Whole-token markers: token → languages (indices) it is a marker of.
    exact_markers: HashMap<String, Vec<usize>>,
    /// Prefix markers (`il-`, `ta'`): matched against the start of a token.
    prefix_markers: Vec<(String, usize)>,
    /// Letters that tell a language from its neighbours: letter → languages.
    letter_markers: HashMap<char, Vec<usize>>,
    /// Per language: whether whatlang can name it (else only markers can).
    covered_by_whatlang: Vec<bool>,
    examples: Vec<LanguageExamples>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    language: Vec<Spanned<RawLanguage>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    code: String,
    name: String,
    eu_official: bool,
    weight: f64,
    #[serde(default)]
    non_eu_regions: Vec<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    markers: Vec<String>,
    #[serde(default)]
    letters: Vec<String>,
    #[serde(default)]
    examples: RawExamples,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExamples {
    #[serde(rename = "match", default)]
    matches: Vec<String>,
    #[serde(default)]
    no_match: Vec<String>,
}

/// The languages text is detected in only through markers, because whatlang
/// has no model for them.
fn whatlang_covers(code: &str) -> bool {
    to_whatlang(code).is_some()
}

fn to_whatlang(code: &str) -> Option<whatlang::Lang> {
    whatlang::Lang::all()
        .iter()
        .copied()
        .find(|lang| iso639_1(*lang) == Some(code))
}

/// whatlang speaks ISO 639-3; the rest of the crate speaks ISO 639-1.
fn iso639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
        #[expect(
            unreachable_patterns,
            reason = "whatlang may add languages; they map to nothing until listed here"
        )]
        _ => return None,
    })
}

/// The longest prefix of `text` of at most `max` bytes that ends on a char boundary.
fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn line_of(text: &str, offset: usize) -> usize {
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
            exact_markers: HashMap::new(),
            prefix_markers: Vec::new(),
            letter_markers: HashMap::new(),
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
    fn marker_hits(&self, text: &str) -> (Vec<usize>, usize) {
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
            for ch in lower.chars() {
                if let Some(langs) = self.letter_markers.get(&ch) {
                    for lang in langs {
                        hits[*lang] += 1;
                    }
                }
            }
        }
        (hits, tokens)
    }

    /// Detects the language of a text.
    ///
    /// whatlang decides where it is confident; Irish and Maltese, which it
    /// lacks, are recognised through marker words, and markers settle
    /// short or uncertain texts. `None` when the text is too short or the
    /// evidence is unclear.
    pub fn detect(&self, text: &str) -> Option<LanguageGuess> {
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if letters < MIN_DETECT_LETTERS {
            return None;
        }
        let (hits, tokens) = self.marker_hits(text);
        let best_by_markers = |covered: bool| {
            hits.iter()
                .enumerate()
                .filter(|(i, _)| self.covered_by_whatlang[*i] == covered)
                .max_by_key(|(_, h)| **h)
                .map(|(i, h)| (i, *h))
        };
        let max_hits_other_than = |index: usize| {
            hits.iter()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .map(|(_, h)| *h)
                .max()
                .unwrap_or(0)
        };

        // Languages whatlang cannot name: markers alone must carry them, and
        // they must out-score every language whatlang could name.
        if let Some((index, count)) = best_by_markers(false) {
            let share = count as f64 / tokens.max(1) as f64;
            if count >= 2 && share >= 0.15 && count > max_hits_other_than(index) {
                return Some(LanguageGuess {
                    code: self.languages[index].code.clone(),
                    confidence: (0.5 + share).min(0.95),
                    source: LanguageSource::Markers,
                });
            }
        }

        // Markers that clearly favour one language settle most prose without
        // the statistical detector, which costs a hundred times more.
        if let Some((index, count)) = best_by_markers(true) {
            let share = count as f64 / tokens.max(1) as f64;
            let runner_up = max_hits_other_than(index);
            if count >= DECISIVE_MARKERS && share >= 0.2 && count >= 2 * runner_up.max(1) {
                return Some(LanguageGuess {
                    code: self.languages[index].code.clone(),
                    confidence: (0.5 + 0.5 * (1.0 - runner_up as f64 / count as f64)).min(0.9),
                    source: LanguageSource::Markers,
                });
            }
        }

        let marker_choice = best_by_markers(true).and_then(|(index, count)| {
            let share = count as f64 / tokens.max(1) as f64;
            (count >= 2 && share >= 0.1 && count > max_hits_other_than(index))
                .then(|| self.languages[index].code.as_str())
        });
        if letters < SHORT_TEXT_LETTERS {
            // On short texts whatlang's guess is never taken on its own: the
            // markers decide or nothing does, so spare the detector.
            return marker_choice.map(|code| LanguageGuess {
                code: code.to_string(),
                confidence: 0.5,
                source: LanguageSource::Markers,
            });
        }
        let detected = whatlang::detect(bounded(text, MAX_DETECT_BYTES))
            .and_then(|info| iso639_1(info.lang()).map(|code| (code, info.confidence())));
        match (detected, marker_choice) {
            // Agreement: whatlang's guess, with the markers' support.
            (Some((code, confidence)), Some(markers)) if markers == code => Some(LanguageGuess {
                code: code.to_string(),
                confidence: confidence.max(0.6),
                source: LanguageSource::Detected,
            }),
            (Some((code, confidence)), _)
                if confidence >= CONFIDENT_DETECTION && letters >= SHORT_TEXT_LETTERS =>
            {
                Some(LanguageGuess {
                    code: code.to_string(),
                    confidence,
                    source: LanguageSource::Detected,
                })
            }
            // whatlang hesitates between neighbours (cs/sk, da/nb, ru/bg): the
            // words that differ between them decide.
            (_, Some(code)) => Some(LanguageGuess {
                code: code.to_string(),
                confidence: 0.5,
                source: LanguageSource::Markers,
            }),
            // No marker evidence either way: a hesitant guess on a long text is
            // still better than nothing, and its low confidence says so.
            (Some((code, confidence)), None)
                if confidence >= HESITANT_DETECTION && letters >= SHORT_TEXT_LETTERS =>
            {
                Some(LanguageGuess {
                    code: code.to_string(),
                    confidence,
                    source: LanguageSource::Detected,
                })
            }
            _ => None,
        }
    }

    /// Fills `block.language` for every block: detection where confident,
    /// else the block's `lang` attribute, else the page's `<html lang>` or
    /// `Content-Language`, with lower confidence for markup. `url` and
    /// `json_ld` blocks get none.
    pub fn detect_blocks(&self, doc: &mut Document) {
        let html_lang = doc.locale.html_lang.as_deref().and_then(markup_language);
        let content_language = doc
            .locale
            .content_language
            .as_deref()
            .and_then(markup_language);
        // Menus, buttons and footers repeat the same texts on a page.
        let mut detected: HashMap<String, Option<LanguageGuess>> = HashMap::new();
        for block in &mut doc.blocks {
            if matches!(block.kind, BlockKind::Url | BlockKind::JsonLd) {
                block.language = None;
                continue;
            }
            let element_lang = block.lang_attr.as_deref().and_then(markup_language);
            let guess = match detected.get(&block.text) {
                Some(guess) => guess.clone(),
                None => {
                    let guess = self.detect(&block.text);
                    detected.insert(block.text.clone(), guess.clone());
                    guess
                }
            };
            block.language = guess.or_else(|| {
                let (code, confidence) = match (&element_lang, &html_lang, &content_language) {
                    // An element's own `lang` differing from the page's is a deliberate statement.
                    (Some(own), page, _) if page.as_ref() != Some(own) => {
                        (own.clone(), ELEMENT_LANG_CONFIDENCE)
                    }
                    (_, Some(page), _) => (page.clone(), PAGE_LANG_CONFIDENCE),
                    (_, None, Some(header)) => (header.clone(), CONTENT_LANGUAGE_CONFIDENCE),
                    _ => return None,
                };
                Some(LanguageGuess {
                    code,
                    confidence,
                    source: LanguageSource::Markup,
                })
            });
        }
    }

    /// Share of text characters per language over the blocks (weighted by
    /// confidence), the primary language, the EU languages present and the
    /// declared locale.
    pub fn page_language(&self, doc: &Document) -> PageLanguage {
        let mut weights: BTreeMap<String, f64> = BTreeMap::new();
        for block in &doc.blocks {
            if let Some(guess) = &block.language {
                let chars = block.text.chars().count() as f64;
                *weights.entry(guess.code.clone()).or_default() += chars * guess.confidence;
            }
        }
        let total: f64 = weights.values().sum();
        let shares: BTreeMap<String, f64> = if total > 0.0 {
            weights
                .into_iter()
                .map(|(code, weight)| (code, weight / total))
                .collect()
        } else {
            BTreeMap::new()
        };
        let mut ranked: Vec<(&String, f64)> = shares.iter().map(|(c, s)| (c, *s)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let primary = ranked.first().map(|(code, _)| (*code).clone());
        let eu_languages = ranked
            .iter()
            .filter(|(code, share)| {
                *share >= MIN_PAGE_SHARE && EU_OFFICIAL_LANGUAGES.contains(&code.as_str())
            })
            .map(|(code, _)| (*code).clone())
            .collect();
        let declared = doc
            .locale
            .html_lang
            .clone()
            .filter(|l| !l.trim().is_empty())
            .or_else(|| doc.locale.content_language.clone());
        PageLanguage {
            primary,
            shares,
            eu_languages,
            declared,
        }
    }
}

/// The language a markup value (`de-AT`, `en`, `de, en`) declares, if it
/// names a known language.
fn markup_language(value: &str) -> Option<String> {
    let first = value.split(',').next()?.trim();
    let primary = primary_subtag(first);
    is_iso639_1(&primary).then_some(primary)
}

fn primary_subtag(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// What a locale tag says about the EU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocaleClass {
    /// A language with an EU region (`de-AT`, `en-IE`, `en-EU`).
    EuRegion { language: String, region: String },
    /// A language with a region outside the EU (`de-CH`, `pt-BR`, `es-419`).
    NonEuRegion { language: String, region: String },
    /// A language without region (`de`).
    LanguageOnly { language: String },
    /// Not a locale tag.
    Unknown,
}

/// Classifies a locale tag for locale rules. Accepts `_` for `-` and any
/// case; the region may follow a script subtag (`zh-Hant-TW`). `EU` counts as
/// an EU region, `419` (Latin America) as a non-EU one.
pub fn classify_locale(tag: &str) -> LocaleClass {
    let tag = tag.trim();
    let mut subtags = tag.split(['-', '_']);
    let language = subtags.next().unwrap_or("").to_ascii_lowercase();
    if !is_iso639_1(&language) {
        return LocaleClass::Unknown;
    }
    let mut region = None;
    for subtag in subtags {
        let is_script = subtag.len() == 4 && subtag.bytes().all(|b| b.is_ascii_alphabetic());
        if is_script && region.is_none() {
            continue;
        }
        let is_alpha_region = subtag.len() == 2 && subtag.bytes().all(|b| b.is_ascii_alphabetic());
        let is_numeric_region = subtag.len() == 3 && subtag.bytes().all(|b| b.is_ascii_digit());
        if is_alpha_region || is_numeric_region {
            region = Some(subtag.to_ascii_uppercase());
        } else if region.is_none() {
            // `de-garbage`: the tag is malformed, not merely region-less.
            return LocaleClass::Unknown;
        }
        break;
    }
    match region {
        None => LocaleClass::LanguageOnly { language },
        Some(region) if region == "EU" || is_eu_country(&region) => {
            let region = if region == "EL" { "GR".into() } else { region };
            LocaleClass::EuRegion { language, region }
        }
        Some(region) if region.bytes().all(|b| b.is_ascii_digit()) || is_country(&region) => {
            LocaleClass::NonEuRegion { language, region }
        }
        Some(_) => LocaleClass::Unknown,
    }
}

/// Whether `code` (ISO 3166-1 alpha-2, any case) is an EU member state; `EL` counts as Greece.
pub fn is_eu_country(code: &str) -> bool {
    let upper = code.trim().to_ascii_uppercase();
    upper == "EL" || EU_COUNTRIES.contains(&upper.as_str())
}

/// Every ISO 639-1 code.
const ISO639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Every assigned ISO 3166-1 alpha-2 code, plus `UK`, which sites use for Britain.
const ISO3166_1: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW UK";

/// Whether `code` is an ISO 639-1 language code (lower case).
pub fn is_iso639_1(code: &str) -> bool {
    code.len() == 2 && ISO639_1.split(' ').any(|c| c == code)
}

/// Whether `code` is an ISO 3166-1 alpha-2 country code (upper case).
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && ISO3166_1.split(' ').any(|c| c == code)
}

/// Languages sites commonly put in paths and subdomains (`/de/`, `fr.`).
/// Narrower than ISO 639-1 on purpose: `/my/`, `/to/`, `/am/` are words, not locales.
const SITE_LANGUAGES: &[&str] = &[
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu", "ga", "it", "lv", "lt",
    "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv", "ru", "uk", "tr", "ja", "ko", "zh", "ar", "he",
    "hi", "vi", "th", "ms", "nb", "no", "sr", "bs", "mk", "sq", "is", "ca", "eu", "gl", "fa", "ur",
    "bn", "tl", "sw", "kk", "az", "ka", "hy", "lb",
];

/// Country codes sites commonly put in subdomains (`de.`, `uk.`); EU members
/// plus large markets. `my`, `me`, `id`, `tv`, `co` are left out: as
/// subdomains they are usually words or products.
const SITE_COUNTRIES: &[&str] = &[
    "at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie", "it", "lv",
    "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se", "us", "uk", "gb", "ca", "au",
    "nz", "br", "mx", "ar", "cl", "pe", "ch", "li", "no", "tr", "ru", "ua", "jp", "kr", "cn", "tw",
    "hk", "sg", "in", "th", "vn", "ph", "ae", "sa", "za", "ng", "ke", "il", "eg", "ma",
];

/// Whether a path segment or host label looks like a locale: a common site
/// language (`de`), or a known language with a region (`de-de`, `de_DE`,
/// `en-eu`, `es-419`).
pub fn looks_like_locale(segment: &str, allow_country: bool) -> bool {
    let lower = segment.to_ascii_lowercase();
    if lower.len() == 2 {
        return SITE_LANGUAGES.contains(&lower.as_str())
            || (allow_country && SITE_COUNTRIES.contains(&lower.as_str()));
    }
    let mut parts = lower.split(['-', '_']);
    let (Some(language), Some(region), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if !SITE_LANGUAGES.contains(&language) {
        return false;
    }
    let upper = region.to_ascii_uppercase();
    upper == "EU" || upper == "419" || (upper.len() == 2 && is_country(&upper))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, SourceKind};

    fn model() -> LanguageModel {
        LanguageModel::bundled().expect("bundled languages.toml loads")
    }

    #[test]
    fn every_example_in_languages_toml_is_detected_as_written() {
        let model = model();
        let failures = model.check_examples();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn every_language_has_enough_examples() {
        let model = model();
        for examples in model.examples() {
            assert!(examples.matches.len() >= 2, "{}", examples.code);
            assert!(!examples.no_match.is_empty(), "{}", examples.code);
        }
        for code in EU_OFFICIAL_LANGUAGES {
            assert!(model.info(code).is_some_and(|i| i.eu_official), "{code}");
        }
        for code in ["tr", "ru", "uk"] {
            let info = model.info(code).unwrap();
            assert!(!info.eu_official);
            assert_eq!(info.weight, 0.0);
        }
    }

    #[test]
    fn weights_follow_how_specific_a_language_is_to_the_eu() {
        let model = model();
        let weight = |code: &str| model.info(code).unwrap().weight;
        assert!(weight("en") < weight("de"));
        assert!(weight("de") < weight("pl"));
        assert_eq!(weight("pt"), weight("es"));
        assert!(model
            .info("pt")
            .unwrap()
            .non_eu_regions
            .contains(&"BR".to_string()));
        assert!(model.info("de-AT").is_some(), "info ignores the region");
    }

    #[test]
    fn irish_and_maltese_are_detected_through_markers() {
        let model = model();
        let irish = model
            .detect(
                "Tá fáilte romhat. Is féidir leat cuntas a oscailt anseo agus níl aon táille ann.",
            )
            .unwrap();
        assert_eq!(irish.code, "ga");
        assert_eq!(irish.source, LanguageSource::Markers);
        let maltese = model
            .detect("Il-kont tiegħek huwa lest u tista' tibda tixtri l-kripto minn illum.")
            .unwrap();
        assert_eq!(maltese.code, "mt");
    }

    #[test]
    fn short_text_is_not_guessed() {
        let model = model();
        assert_eq!(model.detect("Deutsch"), None);
        assert_eq!(model.detect("OK"), None);
        assert_eq!(model.detect(""), None);
    }

    #[test]
    fn short_blocks_fall_back_to_markup_with_lower_confidence() {
        let model = model();
        let mut doc = Document::new("https://example.test/", SourceKind::Website);
        doc.locale.html_lang = Some("de-DE".into());
        let mut long = Block::new(
            BlockKind::Paragraph,
            "Eröffnen Sie in wenigen Minuten ein Konto und handeln Sie Bitcoin zu niedrigen Gebühren.",
            0,
        );
        long.lang_attr = Some("de-DE".into());
        let mut short = Block::new(BlockKind::Button, "Start", 1);
        short.lang_attr = Some("de-DE".into());
        let mut own_lang = Block::new(BlockKind::Link, "Italiano", 2);
        own_lang.lang_attr = Some("it".into());
        let url = Block::new(BlockKind::Url, "https://example.test/de-de/", 3);
        doc.blocks = vec![long, short, own_lang, url];
        model.detect_blocks(&mut doc);
        let long = doc.blocks[0].language.clone().unwrap();
        assert_eq!(long.code, "de");
        assert_ne!(long.source, LanguageSource::Markup);
        let short = doc.blocks[1].language.clone().unwrap();
        assert_eq!(short.code, "de");
        assert_eq!(short.source, LanguageSource::Markup);
        assert!(short.confidence < long.confidence);
        let own = doc.blocks[2].language.clone().unwrap();
        assert_eq!(own.code, "it");
        assert!(own.confidence > short.confidence);
        assert_eq!(doc.blocks[3].language, None);

        let page = model.page_language(&doc);
        assert_eq!(page.primary.as_deref(), Some("de"));
        assert_eq!(page.declared.as_deref(), Some("de-DE"));
        assert!(page.eu_languages.contains(&"de".to_string()));
        let total: f64 = page.shares.values().sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn content_language_is_the_last_fallback() {
        let model = model();
        let mut doc = Document::new("https://example.test/", SourceKind::Website);
        doc.locale.content_language = Some("pl".into());
        doc.blocks = vec![Block::new(BlockKind::Button, "OK", 0)];
        model.detect_blocks(&mut doc);
        let guess = doc.blocks[0].language.clone().unwrap();
        assert_eq!(guess.code, "pl");
        assert_eq!(guess.confidence, CONTENT_LANGUAGE_CONFIDENCE);
        let mut bare = Document::new("https://example.test/", SourceKind::Website);
        bare.blocks = vec![Block::new(BlockKind::Button, "OK", 0)];
        model.detect_blocks(&mut bare);
        assert_eq!(bare.blocks[0].language, None);
        assert_eq!(model.page_language(&bare).primary, None);
    }

    #[test]
    fn locale_tags_are_classified_by_region() {
        let non_eu = |tag: &str, language: &str, region: &str| {
            assert_eq!(
                classify_locale(tag),
                LocaleClass::NonEuRegion {
                    language: language.into(),
                    region: region.into()
                },
                "{tag}"
            );
        };
        let eu = |tag: &str, language: &str, region: &str| {
            assert_eq!(
                classify_locale(tag),
                LocaleClass::EuRegion {
                    language: language.into(),
                    region: region.into()
                },
                "{tag}"
            );
        };
        non_eu("de-CH", "de", "CH");
        non_eu("fr-CA", "fr", "CA");
        non_eu("pt-BR", "pt", "BR");
        non_eu("es-MX", "es", "MX");
        non_eu("en-US", "en", "US");
        non_eu("es-419", "es", "419");
        non_eu("en_gb", "en", "GB");
        eu("pt-PT", "pt", "PT");
        eu("es-ES", "es", "ES");
        eu("fr-BE", "fr", "BE");
        eu("de-AT", "de", "AT");
        eu("en-IE", "en", "IE");
        eu("en-eu", "en", "EU");
        eu("en-EU", "en", "EU");
        eu("de_de", "de", "DE");
        eu("EL-el", "el", "GR");
        eu("zh-Hant-DE", "zh", "DE");
        assert_eq!(
            classify_locale("de"),
            LocaleClass::LanguageOnly {
                language: "de".into()
            }
        );
        for garbage in [
            "",
            "x-default",
            "english",
            "zz-DE",
            "de-garbage",
            "en-QQ",
            "--",
        ] {
            assert_eq!(classify_locale(garbage), LocaleClass::Unknown, "{garbage}");
        }
    }

    #[test]
    fn eu_countries_accept_el_for_greece() {
        assert!(is_eu_country("gr"));
        assert!(is_eu_country("EL"));
        assert!(is_eu_country("DE"));
        assert!(!is_eu_country("CH"));
        assert!(!is_eu_country("GB"));
        assert!(!is_eu_country("NO"));
    }

    #[test]
    fn locale_looking_segments() {
        for yes in ["de", "de-de", "de_DE", "en-eu", "pt-br", "es-419", "FR"] {
            assert!(looks_like_locale(yes, false), "{yes}");
        }
        for no in ["my", "to", "blog", "de-xx", "xx-de", "en-us-x", "api"] {
            assert!(!looks_like_locale(no, false), "{no}");
        }
        assert!(looks_like_locale("at", true));
        assert!(!looks_like_locale("at", false));
    }

    fn load_error(text: &str) -> LangError {
        LanguageModel::from_toml(text, "languages.toml").unwrap_err()
    }

    #[test]
    fn loader_errors_name_file_line_and_entry() {
        let full = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/patterns/languages.toml"
        ));
        // A typo in a key is a syntax error with a line.
        let broken = full.replacen("eu_official = true", "eu_oficial = true", 1);
        let err = load_error(&broken);
        assert!(matches!(err, LangError::Syntax { .. }), "{err}");
        assert!(err.to_string().starts_with("languages.toml:"), "{err}");

        // An entry contradicting the EU list is named, with its line.
        let wrong = full.replacen(
            "code = \"tr\"\nname = \"Turkish\"\neu_official = false",
            "code = \"tr\"\nname = \"Turkish\"\neu_official = true",
            1,
        );
        match load_error(&wrong) {
            LangError::Invalid {
                file, line, entry, ..
            } => {
                assert_eq!(file, "languages.toml");
                assert_eq!(entry, "tr");
                let expected = full[..full.find("code = \"tr\"").unwrap()].lines().count();
                assert!(
                    line.abs_diff(expected) <= 1,
                    "line {line}, expected about {expected}"
                );
            }
            other => panic!("unexpected {other}"),
        }

        let missing =
            "[[language]]\ncode = \"en\"\nname = \"English\"\neu_official = true\nweight = 0.5\n";
        assert!(matches!(load_error(missing), LangError::Missing { .. }));

        let no_markers =
            "[[language]]\ncode = \"mt\"\nname = \"Maltese\"\neu_official = true\nweight = 3.0\n";
        let err = load_error(no_markers);
        assert!(err.to_string().contains("markers"), "{err}");

        let eu_region = "[[language]]\ncode = \"de\"\nname = \"German\"\neu_official = true\nweight = 1.5\nnon_eu_regions = [\"AT\"]\n";
        let err = load_error(eu_region);
        assert!(err.to_string().contains("member state"), "{err}");
    }
}
