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

mod codes;
mod detect;
mod locale;
mod markers;

pub use detect::MIN_DETECT_LETTERS;
pub use locale::{
    classify_locale, is_country, is_eu_country, is_iso639_1, looks_like_locale, LocaleClass,
    EU_COUNTRIES, EU_OFFICIAL_LANGUAGES,
};
pub use markers::{ExampleFailure, LangError, LanguageExamples, LanguageInfo, LanguageModel};

#[cfg(test)]
mod tests;
