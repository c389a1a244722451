//! Deciding a block's language (whatlang, markers for the languages it lacks
//! and for ties, and the markup), and a page's languages from its blocks.

use super::codes::*;
use super::locale::*;
use super::markers::LanguageModel;
use crate::model::{BlockKind, Document, LanguageGuess, LanguageSource, PageLanguage};
use std::collections::BTreeMap;

/// Texts with fewer letters than this are not worth a statistical guess: a
/// word like "Deutsch" in a switcher says nothing about the block's language.
pub const MIN_DETECT_LETTERS: usize = 12;

/// whatlang confidence from which a guess is taken without support from markers.
pub(crate) const CONFIDENT_DETECTION: f64 = 0.6;

/// whatlang confidence from which a guess on a long text is kept when no
/// marker word speaks for or against it.
pub(crate) const HESITANT_DETECTION: f64 = 0.3;

/// Below this many letters whatlang's guess needs the markers' agreement.
pub(crate) const SHORT_TEXT_LETTERS: usize = 40;

/// Marker hits from which one language, twice as frequent as any other,
/// decides without the statistical detector.
pub(crate) const DECISIVE_MARKERS: usize = 3;

/// Text beyond this many bytes adds cost to detection but no certainty.
pub(crate) const MAX_DETECT_BYTES: usize = 600;

/// Confidence given to a block whose markers agree with the language its
/// page's other blocks settled: less than the detector's confident guesses.
pub(crate) const SETTLED_BY_PAGE_CONFIDENCE: f64 = 0.6;

/// Blocks a language must have been found in, by the detector or by
/// decisive markers, before it is a page's settled language.
pub(crate) const SETTLED_MIN_BLOCKS: usize = 3;

/// The language the blocks of a page read so far agree on: found in at
/// least [`SETTLED_MIN_BLOCKS`] blocks with confidence, and in at least four
/// times as many as any other language.
#[derive(Default)]
struct SettledLanguage {
    confident: BTreeMap<String, usize>,
}

impl SettledLanguage {
    /// Guesses the page settled do not count: the page's language must
    /// rest on blocks that decided on their own.
    fn observe(&mut self, guess: Option<&LanguageGuess>) {
        if let Some(guess) = guess {
            if guess.source != LanguageSource::Page && guess.confidence >= CONFIDENT_DETECTION {
                *self.confident.entry(guess.code.clone()).or_default() += 1;
            }
        }
    }

    /// Asked once per block, so one pass over the few languages seen and no
    /// allocation; ties go to the first code in order, as a sort would.
    fn language(&self) -> Option<&str> {
        let mut best: Option<(&str, usize)> = None;
        let mut runner_up = 0;
        for (code, &count) in &self.confident {
            match best {
                Some((_, top)) if count <= top => runner_up = runner_up.max(count),
                _ => {
                    runner_up = runner_up.max(best.map_or(0, |(_, top)| top));
                    best = Some((code.as_str(), count));
                }
            }
        }
        let (code, count) = best?;
        (count >= SETTLED_MIN_BLOCKS && count >= 4 * runner_up).then_some(code)
    }
}

/// Texts whose statistical detection is remembered, per thread.
pub(crate) const DETECTION_CACHE_ENTRIES: usize = 2048;

/// A language code and whatlang's confidence in it.
type Detection = Option<(&'static str, f64)>;

thread_local! {
    /// whatlang's answers by the text they were given. A site repeats its
    /// footer, cookie notice and disclaimers on every page, and the
    /// detector costs more than everything else done with a block. The
    /// table is emptied when full: that costs detections, never answers,
    /// for the detector is a pure function of the text.
    static DETECTIONS: std::cell::RefCell<foldhash::HashMap<Box<str>, Detection>> =
        std::cell::RefCell::new(foldhash::HashMap::default());
}

/// whatlang's language (ISO 639-1) and confidence for `text`, remembered
/// across the pages a thread classifies.
pub(crate) fn detect_statistically(text: &str) -> Detection {
    DETECTIONS.with(|cache| {
        if let Some(known) = cache.borrow().get(text) {
            return *known;
        }
        let detected = whatlang::detect(text)
            .and_then(|info| iso639_1(info.lang()).map(|code| (code, info.confidence())));
        let mut cache = cache.borrow_mut();
        if cache.len() >= DETECTION_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(text.into(), detected);
        detected
    })
}

/// Whether `text`'s detection is remembered on this thread (for tests).
#[cfg(test)]
pub(crate) fn detection_is_remembered(text: &str) -> bool {
    DETECTIONS.with(|cache| cache.borrow().contains_key(text))
}

/// Confidence given to a block's language taken from its own `lang` attribute.
pub(crate) const ELEMENT_LANG_CONFIDENCE: f64 = 0.5;

/// Confidence given to the page's `<html lang>`.
pub(crate) const PAGE_LANG_CONFIDENCE: f64 = 0.4;

/// Confidence given to the `Content-Language` header or meta.
pub(crate) const CONTENT_LANGUAGE_CONFIDENCE: f64 = 0.3;

/// A language must cover at least this share of a page's text to count as one
/// of its EU languages (one misread caption is not a language of the page).
pub(crate) const MIN_PAGE_SHARE: f64 = 0.05;

impl LanguageModel {
    /// Detects the language of a text.
    ///
    /// whatlang decides where it is confident; Irish and Maltese, which it
    /// lacks, are recognised through marker words, and markers settle
    /// short or uncertain texts. `None` when the text is too short or the
    /// evidence is unclear.
    pub fn detect(&self, text: &str) -> Option<LanguageGuess> {
        self.detect_in_page(text, None)
    }

    /// [`Self::detect`] for a block of a page whose language is already
    /// settled by its other blocks (`page_language`): markers that favour
    /// that language settle the block without the statistical detector.
    /// Most blocks of a page are in its language, and the detector costs a
    /// hundred times more than the markers; a block in another language
    /// does not favour the page's language in its markers, so it still
    /// goes to the detector.
    pub(crate) fn detect_in_page(
        &self,
        text: &str,
        page_language: Option<&str>,
    ) -> Option<LanguageGuess> {
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
        if let (Some(markers), Some(page)) = (marker_choice, page_language) {
            if markers == page {
                return Some(LanguageGuess {
                    code: page.to_string(),
                    confidence: SETTLED_BY_PAGE_CONFIDENCE,
                    source: LanguageSource::Page,
                });
            }
        }
        if letters < SHORT_TEXT_LETTERS {
            // On short texts whatlang's guess is never taken on its own: the
            // markers decide or nothing does, so spare the detector.
            return marker_choice.map(|code| LanguageGuess {
                code: code.to_string(),
                confidence: 0.5,
                source: LanguageSource::Markers,
            });
        }
        let detected = detect_statistically(bounded(text, MAX_DETECT_BYTES));
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
        // Menus, buttons and footers repeat the same texts on a page: each
        // text is detected once (keyed by the text in place, not a copy).
        let mut first_with_text: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
        let mut guesses: Vec<Option<LanguageGuess>> = Vec::with_capacity(doc.blocks.len());
        let mut settled = SettledLanguage::default();
        for (index, block) in doc.blocks.iter().enumerate() {
            let guess = if matches!(block.kind, BlockKind::Url | BlockKind::JsonLd) {
                None
            } else if let Some(&first) = first_with_text.get(block.text.as_str()) {
                guesses[first].clone()
            } else {
                let guess = self.detect_in_page(&block.text, settled.language());
                settled.observe(guess.as_ref());
                first_with_text.insert(&block.text, index);
                guess
            };
            guesses.push(guess);
        }
        for (block, guess) in doc.blocks.iter_mut().zip(guesses) {
            if matches!(block.kind, BlockKind::Url | BlockKind::JsonLd) {
                block.language = None;
                continue;
            }
            block.language = guess.or_else(|| {
                let element_lang = block.lang_attr.as_deref().and_then(markup_language);
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
