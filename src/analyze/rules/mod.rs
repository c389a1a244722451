//! The rule bundle: `patterns/*.toml` read, checked and compiled once.
//!
//! Rules are data. Adding a phrase, a language or a payment method means
//! editing `patterns/`, never this file. Every rule file is validated up
//! front and every error names the file, the line and the rule id, so that a
//! pattern author sees at once what to fix; all errors of a bundle are
//! reported together rather than one per run.
//!
//! Matching is compiled for speed: all literal phrases of one target go into
//! a single Aho–Corasick automaton over folded text (lower case, accents
//! removed; see [`crate::model::text::fold`]) and all regexes of one target into one
//! [`RegexSet`], so a block is scanned once per target whatever the number of
//! rules; only the regexes the set reports are then run again for positions.
//! Case-sensitive rules ("EUR", "EU" but not Portuguese "eu") live in a
//! separate automaton and set that run on the original text.
//!
//! The automaton reports overlapping matches rather than leftmost-longest
//! ones: the same words often belong to several rules ("bitcoin" is crypto
//! context, "buy bitcoin" a service), and a longest-match automaton would
//! hide the shorter rule. Leftmost-longest selection is applied per rule
//! after the word-boundary check instead.
//!
//! This module never touches the network and never decides a verdict: it
//! reports where rules matched; `classify` turns matches into findings and
//! `score` weighs them.

mod compile;
pub mod geo_data;
mod matcher;
mod parse;
pub mod redirectors;
mod rule;
pub mod scoring;
mod set;

pub use parse::SERVICES;
pub use rule::{
    ExampleFailure, Examples, Rule, RuleHit, RulesError, Target, ASSETS_FILE, BUILTIN_PREFIX,
    LANGUAGES_FILE, LEDGER_FILE, REDIRECTORS_FILE, REGISTER_FILE, SCORING_FILE,
};
pub use set::RuleSet;

#[cfg(test)]
mod tests;
