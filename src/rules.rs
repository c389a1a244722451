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
//! removed; see [`crate::text::fold`]) and all regexes of one target into one
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

use crate::lang::LanguageModel;
use crate::model::{BlockKind, Category, Signal};
use crate::redirect::Redirectors;
use crate::score::Scoring;
use crate::text::{fold, normalize_whitespace};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file holding language markers (its own shape, owned by `lang`).
pub const LANGUAGES_FILE: &str = "languages.toml";
/// The file holding weights and thresholds (its own shape, see `score`).
pub const SCORING_FILE: &str = "scoring.toml";
/// The file naming link shorteners and redirectors (its own shape, see `redirect`).
pub const REDIRECTORS_FILE: &str = "redirectors.toml";
/// Rule ids starting with this belong to findings the classifier makes
/// itself (page language, locale markup); pattern files may not use it.
pub const BUILTIN_PREFIX: &str = "builtin.";

static BUNDLE: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/patterns");

/// Errors reading or compiling a rule bundle. Each names the file and, where
/// there is one, the line and the rule id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}:{line}: rule `{rule_id}`: {message}")]
    Invalid {
        file: String,
        line: usize,
        rule_id: String,
        message: String,
    },
    #[error(
        "{file}:{line}: rule `{rule_id}`: duplicate id, first defined in {first_file}:{first_line}"
    )]
    Duplicate {
        file: String,
        line: usize,
        rule_id: String,
        first_file: String,
        first_line: usize,
    },
    #[error("{file}: required file is missing from the pattern bundle")]
    Missing { file: String },
    #[error("{file}: {message}")]
    Languages { file: String, message: String },
    /// Several of the above; one per line when displayed.
    #[error("{} errors in the pattern bundle:\n{}", .0.len(), list_errors(.0))]
    Several(Vec<RulesError>),
}

fn list_errors(errors: &[RulesError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a rule looks at.
#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Text blocks (the default).
    Text,
    /// The document's final URL.
    Url,
    /// Every outgoing link's absolute URL.
    LinkUrl,
    /// Every link's `rel` tokens joined by spaces.
    LinkRel,
    /// Each locale markup value (html lang, Content-Language, hreflang, og:locale, switcher, path, subdomain).
    Locale,
}

impl Target {
    const ALL: [Target; 5] = [
        Target::Text,
        Target::Url,
        Target::LinkUrl,
        Target::LinkRel,
        Target::Locale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Text => "text",
            Target::Url => "url",
            Target::LinkUrl => "link_url",
            Target::LinkRel => "link_rel",
            Target::Locale => "locale",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A rule's self-test: texts it must match and texts it must not.
#[derive(Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(rename = "match", default)]
    pub matches: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// One checked rule of the bundle.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub category: Category,
    pub signal: Signal,
    pub weight: f64,
    pub languages: Vec<String>,
    /// Block kinds the rule applies to (for `target = "text"`).
    pub blocks: Vec<BlockKind>,
    pub target: Target,
    pub legal_ref: String,
    pub description: String,
    pub requires: Vec<Signal>,
    pub service: Option<String>,
    pub cures: Option<bool>,
    /// The pattern file it came from.
    pub file: String,
    /// The line of its `[[rule]]` header.
    pub line: usize,
    pub phrases: Vec<String>,
    pub regex: Vec<String>,
    pub case_sensitive: bool,
    pub examples: Examples,
    block_mask: u32,
}

impl Rule {
    /// Whether the rule looks at blocks of this kind.
    pub fn applies_to(&self, kind: BlockKind) -> bool {
        self.block_mask & block_bit(kind) != 0
    }

    /// The block kind its text examples are matched as.
    pub fn example_block_kind(&self) -> BlockKind {
        if self.applies_to(BlockKind::Paragraph) {
            BlockKind::Paragraph
        } else {
            self.blocks.first().copied().unwrap_or(BlockKind::Paragraph)
        }
    }
}

fn block_bit(kind: BlockKind) -> u32 {
    1u32 << (kind as u32)
}

/// An example that did not behave as its rule says.
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub file: String,
    pub line: usize,
    pub example: String,
    /// `true` for an `examples.match` entry, `false` for `no_match`.
    pub expected_match: bool,
    /// What the rule matched in the example, if anything.
    pub got: Option<String>,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let expected = if self.expected_match {
            "should match"
        } else {
            "should not match"
        };
        let got = match &self.got {
            Some(text) => format!("matched “{text}”"),
            None => "no match".to_string(),
        };
        write!(
            f,
            "{}:{}: rule `{}`: example “{}” {expected}, got {got}",
            self.file, self.line, self.rule_id, self.example
        )
    }
}

/// A match of one rule: byte range in the text that was scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleHit {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

/// The compiled bundle. Build it once and share it (`Arc`): it is `Send + Sync`.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    sha256: String,
    languages: LanguageModel,
    scoring: Scoring,
    geo: crate::geo::GeoData,
    redirectors: Redirectors,
    /// Indexed by `Target::index() * 2 + case_sensitive`.
    channels: Vec<Channel>,
}

#[derive(Debug, Default)]
struct Channel {
    automaton: Option<AhoCorasick>,
    /// Per automaton pattern: the phrase's rules and whether it needs a
    /// word boundary at its start and end.
    phrases: Vec<PhraseEntry>,
    /// The channel's regexes, each compiled on first use: most never match
    /// a given page, and compiling hundreds of Unicode-aware regexes up
    /// front would dominate start-up.
    regexes: Vec<LazyRegex>,
    /// The automaton's first `phrase_count` patterns are phrases; the rest
    /// are literals that every match of a regex must contain (its prefixes
    /// or suffixes): a regex runs only on text holding them. One automaton
    /// for both saves a pass over every block.
    phrase_count: usize,
    /// Per literal: the regexes (indices into `regexes`) it stands for,
    /// each with the bit of the literal group (prefixes, suffixes) it is in.
    literal_regexes: Vec<Vec<(usize, u8)>>,
    /// Per regex: the bits of all its literal groups; a regex is a
    /// candidate only when a literal of every group occurs.
    literal_groups: Vec<u8>,
    /// Regexes without a usable literal, as one set that says which to run.
    residual: Option<RegexSet>,
    /// Per `residual` index: the index into `regexes`.
    residual_regexes: Vec<usize>,
}

#[derive(Debug)]
struct LazyRegex {
    pattern: String,
    /// The pattern without Unicode word-boundary assertions, when it has
    /// any: it matches wherever the pattern does (and more), and unlike the
    /// pattern it runs on a DFA over non-ASCII text. It is tried first so
    /// that the slow exact pattern only runs where it may match.
    relaxed_pattern: Option<String>,
    /// The rule's block kinds: a regex is not run on other blocks.
    block_mask: u32,
    compiled: OnceLock<Option<Regex>>,
    relaxed: OnceLock<Option<Regex>>,
    rule: usize,
}

impl LazyRegex {
    /// Whether the pattern may match `hay` (a cheap necessary condition).
    fn may_match(&self, hay: &str) -> bool {
        let Some(pattern) = &self.relaxed_pattern else {
            return true;
        };
        self.relaxed
            .get_or_init(|| build_regex(pattern).ok())
            .as_ref()
            .is_none_or(|relaxed| relaxed.is_match(hay))
    }

    fn get(&self) -> Option<&Regex> {
        // The pattern already compiled as part of the set, so this cannot
        // fail in practice; if it ever did, the regex is skipped, never a panic.
        self.compiled
            .get_or_init(|| build_regex(&self.pattern).ok())
            .as_ref()
    }
}

#[derive(Debug)]
struct PhraseEntry {
    rules: Vec<usize>,
    boundary_start: bool,
    boundary_end: bool,
}

impl Channel {
    fn is_empty(&self) -> bool {
        self.automaton.is_none() && self.regexes.is_empty()
    }

    /// Appends the hits in `hay` (already folded or original, as the channel
    /// needs) to `out`, ranges in `hay`. Regexes of rules that do not look
    /// at blocks in `kinds` (a block-kind bit mask) are not run.
    fn scan(&self, hay: &str, kinds: u32, out: &mut Vec<RuleHit>) {
        // Literal groups seen per regex, and the regexes touched, in the
        // order first seen; each literal's regexes are visited once per text.
        let mut groups_seen: Vec<u8> = Vec::new();
        let mut literal_seen: Vec<bool> = Vec::new();
        let mut touched: Vec<usize> = Vec::new();
        if let Some(automaton) = &self.automaton {
            for m in automaton.find_overlapping_iter(hay) {
                let pattern = m.pattern().as_usize();
                if pattern >= self.phrase_count {
                    let literal = pattern - self.phrase_count;
                    if literal_seen.is_empty() {
                        literal_seen = vec![false; self.literal_regexes.len()];
                        groups_seen = vec![0; self.regexes.len()];
                    }
                    if std::mem::replace(&mut literal_seen[literal], true) {
                        continue;
                    }
                    for &(regex, bit) in &self.literal_regexes[literal] {
                        if groups_seen[regex] == 0 {
                            touched.push(regex);
                        }
                        groups_seen[regex] |= bit;
                    }
                    continue;
                }
                let entry = &self.phrases[pattern];
                if entry.boundary_start && !boundary_before(hay, m.start()) {
                    continue;
                }
                if entry.boundary_end && !boundary_after(hay, m.end()) {
                    continue;
                }
                out.extend(entry.rules.iter().map(|&rule| RuleHit {
                    rule,
                    start: m.start(),
                    end: m.end(),
                }));
            }
        }
        if self.regexes.is_empty() {
            return;
        }
        let mut candidates: Vec<usize> = touched
            .into_iter()
            .filter(|&regex| groups_seen[regex] == self.literal_groups[regex])
            .collect();
        if let Some(set) = &self.residual {
            candidates.extend(set.matches(hay).iter().map(|i| self.residual_regexes[i]));
        }
        candidates.sort_unstable();
        candidates.dedup();
        {
            for index in candidates {
                let lazy = &self.regexes[index];
                if lazy.block_mask & kinds == 0 || !lazy.may_match(hay) {
                    continue;
                }
                let Some(regex) = lazy.get() else { continue };
                out.extend(
                    regex
                        .find_iter(hay)
                        .filter(|m| m.end() > m.start())
                        .map(|m| RuleHit {
                            rule: lazy.rule,
                            start: m.start(),
                            end: m.end(),
                        }),
                );
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn boundary_before(hay: &str, at: usize) -> bool {
    hay[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c))
}

fn boundary_after(hay: &str, at: usize) -> bool {
    hay[at..].chars().next().is_none_or(|c| !is_word_char(c))
}

/// Keeps, per rule, the leftmost-longest non-overlapping hits, in order.
fn select_hits(hits: &mut Vec<RuleHit>) {
    hits.sort_by(|a, b| {
        (a.rule, a.start)
            .cmp(&(b.rule, b.start))
            .then(b.end.cmp(&a.end))
    });
    let mut kept: Vec<RuleHit> = Vec::with_capacity(hits.len());
    for hit in hits.drain(..) {
        match kept.last() {
            Some(last) if last.rule == hit.rule && hit.start < last.end => {}
            _ => kept.push(hit),
        }
    }
    *hits = kept;
}

impl RuleSet {
    /// Every `*.toml` in `dir` (sorted by name).
    ///
    /// # Errors
    /// [`RulesError::Io`] when the directory or a file cannot be read; any
    /// error of [`RuleSet::from_sources`].
    pub fn load_dir(dir: &Path) -> Result<RuleSet, RulesError> {
        let io = |path: &Path, source| RulesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
            let path = entry.map_err(|e| io(dir, e))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") || !path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((name, text));
        }
        RuleSet::from_sources(&files)
    }

    /// The bundle compiled into the binary (the crate's `patterns/`).
    ///
    /// # Errors
    /// As [`RuleSet::from_sources`]; a file that is not UTF-8 is a parse error.
    pub fn bundled() -> Result<RuleSet, RulesError> {
        let mut files = Vec::new();
        for file in BUNDLE.files() {
            let name = file.path().to_string_lossy().into_owned();
            if !name.ends_with(".toml") {
                continue;
            }
            let text = file.contents_utf8().ok_or_else(|| RulesError::Parse {
                file: name.clone(),
                line: 1,
                message: "not UTF-8".to_string(),
            })?;
            files.push((name, text.to_string()));
        }
        RuleSet::from_sources(&files)
    }

    /// From (file name, text) pairs. `scoring.toml` is required;
    /// `languages.toml` is read by the language model; every other file
    /// holds rules.
    ///
    /// # Errors
    /// Every problem found in the bundle: TOML syntax, unknown keys, invalid
    /// values, bad regexes, missing examples, duplicate ids; one error, or
    /// [`RulesError::Several`] listing them all.
    pub fn from_sources(files: &[(String, String)]) -> Result<RuleSet, RulesError> {
        let mut sorted: Vec<&(String, String)> = files.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));

        let mut hasher = Sha256::new();
        for (name, text) in &sorted {
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        let sha256 = hex::encode(hasher.finalize());

        let mut errors = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        let mut scoring_text = None;
        let mut languages_text = None;
        let mut geo_text = None;
        let mut redirectors_text = None;
        for (name, text) in &sorted {
            match name.as_str() {
                SCORING_FILE => scoring_text = Some(text),
                LANGUAGES_FILE => languages_text = Some(text),
                crate::geo::GEO_FILE => geo_text = Some(text),
                REDIRECTORS_FILE => redirectors_text = Some(text),
                _ => parse_rule_file(name, text, &mut rules, &mut errors),
            }
        }
        let mut first_seen: HashMap<&str, &Rule> = HashMap::new();
        for rule in &rules {
            if let Some(first) = first_seen.get(rule.id.as_str()) {
                errors.push(RulesError::Duplicate {
                    file: rule.file.clone(),
                    line: rule.line,
                    rule_id: rule.id.clone(),
                    first_file: first.file.clone(),
                    first_line: first.line,
                });
            } else {
                first_seen.insert(&rule.id, rule);
            }
        }
        let scoring = match scoring_text {
            Some(text) => Scoring::from_toml(text, SCORING_FILE)
                .map_err(|e| errors.push(e))
                .ok(),
            None => {
                errors.push(RulesError::Missing {
                    file: SCORING_FILE.to_string(),
                });
                None
            }
        };
        // A bundle without its own language markers uses the bundled ones, so
        // a directory of extra rules does not have to copy languages.toml.
        let languages = match languages_text {
            Some(text) => LanguageModel::from_toml(text, LANGUAGES_FILE),
            None => LanguageModel::bundled(),
        }
        .map_err(|e| {
            errors.push(RulesError::Languages {
                file: LANGUAGES_FILE.to_string(),
                message: e.to_string(),
            })
        })
        .ok();
        // Like languages.toml: a directory of extra rules may leave it out.
        let geo = match geo_text {
            Some(text) => crate::geo::GeoData::from_toml(text, crate::geo::GEO_FILE),
            None => crate::geo::GeoData::bundled(),
        }
        .map_err(|e| errors.push(e))
        .ok();
        // Like languages.toml: a directory of extra rules may leave it out.
        let redirectors = match redirectors_text {
            Some(text) => Redirectors::from_toml(text, REDIRECTORS_FILE),
            None => Redirectors::from_toml(
                include_str!("../patterns/redirectors.toml"),
                REDIRECTORS_FILE,
            ),
        }
        .map_err(|e| errors.push(e))
        .ok();
        let channels = compile_channels(&rules, &mut errors);
        match (errors.len(), scoring, languages, geo, redirectors) {
            (0, Some(mut scoring), Some(languages), Some(geo), Some(redirectors)) => {
                scoring.derive_from(&rules, &languages);
                Ok(RuleSet {
                    rules,
                    sha256,
                    languages,
                    scoring,
                    geo,
                    redirectors,
                    channels,
                })
            }
            (1, ..) => Err(errors.remove(0)),
            _ => Err(RulesError::Several(errors)),
        }
    }

    /// SHA-256 over the sorted file names and bytes of the bundle; reports record it.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn languages(&self) -> &LanguageModel {
        &self.languages
    }

    /// The geo probe's word lists and country table (`geo.toml`).
    pub fn geo(&self) -> &crate::geo::GeoData {
        &self.geo
    }

    pub fn scoring(&self) -> &Scoring {
        &self.scoring
    }

    /// Link shorteners and redirectors, and the finding a resolved chain gives.
    pub fn redirectors(&self) -> &Redirectors {
        &self.redirectors
    }

    /// Whether any rule looks at `target`.
    pub(crate) fn has_target(&self, target: Target) -> bool {
        !self.channels[target.index() * 2].is_empty()
            || !self.channels[target.index() * 2 + 1].is_empty()
    }

    /// All hits of rules of `target` in `text` (ranges in `text`), already
    /// reduced to leftmost-longest per rule. Text-target rules are not yet
    /// filtered by block kind: see [`Rule::applies_to`].
    pub fn scan(&self, target: Target, text: &str) -> Vec<RuleHit> {
        self.scan_block(target, text, None)
    }

    /// As [`RuleSet::scan`], for a block of kind `kind`: rules that do not
    /// apply to that kind are left out.
    pub fn scan_block(&self, target: Target, text: &str, kind: Option<BlockKind>) -> Vec<RuleHit> {
        let kinds = kind.map_or(u32::MAX, block_bit);
        let mut hits = Vec::new();
        let folded_channel = &self.channels[target.index() * 2];
        let exact_channel = &self.channels[target.index() * 2 + 1];
        // Blocks from `extract` are already whitespace-normalised; anything
        // else is normalised here so that a phrase's single spaces match.
        let normalised;
        let text = if needs_whitespace_normalising(text) {
            normalised = normalize_whitespace(text);
            normalised.as_str()
        } else {
            text
        };
        if !folded_channel.is_empty() && text.is_ascii() {
            // Folding ASCII is lower-casing, byte for byte: no map needed.
            folded_channel.scan(&text.to_ascii_lowercase(), kinds, &mut hits);
        } else if !folded_channel.is_empty() {
            let folded = FoldedText::new(text);
            let start = hits.len();
            folded_channel.scan(&folded.text, kinds, &mut hits);
            for hit in &mut hits[start..] {
                let (a, b) = folded.original_range(hit.start, hit.end);
                hit.start = a;
                hit.end = b;
            }
        }
        exact_channel.scan(text, kinds, &mut hits);
        if kind.is_some() {
            let rules = &self.rules;
            hits.retain(|hit| rules[hit.rule].block_mask & kinds != 0);
        }
        select_hits(&mut hits);
        hits
    }

    /// Runs every rule's examples; returns the failures.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let cases = rule
                .examples
                .matches
                .iter()
                .map(|e| (e, true))
                .chain(rule.examples.no_match.iter().map(|e| (e, false)));
            for (example, expected_match) in cases {
                let got = self.example_match(index, example);
                if got.is_some() != expected_match {
                    failures.push(ExampleFailure {
                        rule_id: rule.id.clone(),
                        file: rule.file.clone(),
                        line: rule.line,
                        example: example.clone(),
                        expected_match,
                        got,
                    });
                }
            }
        }
        failures
    }

    /// What rule `index` matches in `example`, scanned as its target's value.
    fn example_match(&self, index: usize, example: &str) -> Option<String> {
        let rule = &self.rules[index];
        let text = if rule.target == Target::LinkRel {
            example.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            example.to_string()
        };
        let text = if needs_whitespace_normalising(&text) {
            normalize_whitespace(&text)
        } else {
            text
        };
        let kind = (rule.target == Target::Text).then(|| rule.example_block_kind());
        self.scan_block(rule.target, &text, kind)
            .into_iter()
            .find(|hit| hit.rule == index)
            .map(|hit| text[hit.start..hit.end].to_string())
    }
}

/// [`fold`]'s result, built faster: folding works character by character,
/// and an ASCII character folds to its lower case, so only the runs of
/// non-ASCII characters go through [`fold`]. Same text, same offsets.
struct FoldedText {
    text: String,
    /// For each byte of `text`, the byte offset of the original character.
    origin: Vec<usize>,
    original_len: usize,
}

impl FoldedText {
    fn new(input: &str) -> Self {
        let bytes = input.as_bytes();
        let mut text = String::with_capacity(input.len());
        let mut origin = Vec::with_capacity(input.len());
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at].is_ascii() {
                text.push(char::from(bytes[at].to_ascii_lowercase()));
                origin.push(at);
                at += 1;
                continue;
            }
            // A run of non-ASCII characters: ASCII bytes never occur inside
            // a multi-byte character, so the run ends on a char boundary.
            let end = bytes[at..]
                .iter()
                .position(u8::is_ascii)
                .map_or(bytes.len(), |n| at + n);
            let run = fold(&input[at..end]);
            for i in 0..run.text.len() {
                origin.push(at + run.original_range(i, i + 1).0);
            }
            text.push_str(&run.text);
            at = end;
        }
        FoldedText {
            text,
            origin,
            original_len: input.len(),
        }
    }

    /// As [`crate::text::Folded::original_range`].
    fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let orig_start = self.origin.get(start).copied().unwrap_or(self.original_len);
        let orig_end = if end >= self.origin.len() {
            self.original_len
        } else {
            self.origin[end]
        };
        (orig_start, orig_end.max(orig_start))
    }
}

fn needs_whitespace_normalising(text: &str) -> bool {
    let mut previous_space = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if previous_space || c != ' ' {
                return true;
            }
            previous_space = true;
        } else {
            previous_space = false;
        }
    }
    previous_space && !text.is_empty()
}

// ---------------------------------------------------------------------------
// Parsing and validation

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    category: Category,
    signal: Signal,
    weight: f64,
    #[serde(default)]
    languages: Vec<String>,
    blocks: Option<Vec<BlockKind>>,
    #[serde(default = "default_target")]
    target: Target,
    legal_ref: String,
    description: String,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    regex: Vec<String>,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    requires: Vec<Signal>,
    service: Option<String>,
    cures: Option<bool>,
    examples: Option<Examples>,
}

fn default_target() -> Target {
    Target::Text
}

/// Services of MiCAR Art. 3(1)(16), plus the product families NCAs ask about.
pub const SERVICES: &[&str] = &[
    "custody",
    "trading_platform",
    "exchange_for_funds",
    "exchange_for_crypto",
    "execution",
    "placing",
    "reception_transmission",
    "advice",
    "portfolio_management",
    "transfer",
    "staking",
    "lending",
    "derivatives",
];

fn line_at(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside the rule starting at byte `start`
/// (up to the next table header), or the rule's own line.
fn key_line(text: &str, start: usize, key: &str) -> usize {
    let mut offset = start.min(text.len());
    let mut first = true;
    for line in text[offset..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !first && trimmed.starts_with('[') {
            break;
        }
        first = false;
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with(['=', '.']) {
                return line_at(text, offset);
            }
        }
        offset += line.len();
    }
    line_at(text, start)
}

/// The id of the `[[rule]]` around byte `at`, read from the raw text: a
/// syntax error leaves no parsed table to ask, but the author still wants
/// to know which rule to fix.
fn enclosing_rule_id(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let header = text[..at].rfind("[[rule]]")?;
    let end = text[header + 8..]
        .find("[[")
        .map_or(text.len(), |i| header + 8 + i);
    text[header..end].lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("id")?.trim_start();
        let value = rest.strip_prefix('=')?.trim();
        let value = value.strip_prefix('"')?;
        Some(value[..value.find('"')?].to_string())
    })
}

/// The line inside the rule starting at byte `start` where the string
/// value `value` is written, or the rule's own line.
fn value_line(text: &str, start: usize, value: &str) -> usize {
    let quoted = [format!("\"{value}\""), format!("'{value}'")];
    let mut offset = start.min(text.len());
    let mut first = true;
    for line in text[offset..].split_inclusive('\n') {
        if !first && line.trim_start().starts_with('[') {
            break;
        }
        first = false;
        if quoted.iter().any(|q| line.contains(q.as_str())) {
            return line_at(text, offset);
        }
        offset += line.len();
    }
    line_at(text, start)
}

/// The key a serde message is about (`unknown field `x``, `missing field `x``).
fn key_in_message(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

fn parse_rule_file(file: &str, text: &str, rules: &mut Vec<Rule>, errors: &mut Vec<RulesError>) {
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            let mut message = e.message().trim().to_string();
            if let Some(id) = enclosing_rule_id(text, at) {
                message.push_str(&format!(" (in rule `{id}`)"));
            }
            errors.push(RulesError::Parse {
                file: file.to_string(),
                line: line_at(text, at),
                message,
            });
            return;
        }
    };
    for spanned in raw.rule {
        let start = spanned.span().start;
        let header_line = line_at(text, start);
        let value = spanned.into_inner();
        let rule_id = value
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("<no id>")
            .to_string();
        let invalid = |line: usize, message: String| RulesError::Invalid {
            file: file.to_string(),
            line,
            rule_id: rule_id.clone(),
            message,
        };
        let raw_rule: RawRule = match value.try_into() {
            Ok(r) => r,
            Err(e) => {
                let message = e.message().trim().to_string();
                let line = match key_in_message(&message) {
                    // "unknown variant `webshop`": find where the bad value is written.
                    Some(value) if message.starts_with("unknown variant") => {
                        value_line(text, start, value)
                    }
                    Some(key) => key_line(text, start, key),
                    None => header_line,
                };
                errors.push(invalid(line, message));
                continue;
            }
        };
        let before = errors.len();
        let mut check = |ok: bool, key: &str, message: &str| {
            if !ok {
                errors.push(invalid(key_line(text, start, key), message.to_string()));
            }
        };
        check(
            !raw_rule.id.is_empty()
                && raw_rule
                    .id
                    .chars()
                    .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '.' | '-')),
            "id",
            "id must be non-empty lower-case [a-z0-9_.-]",
        );
        check(
            !raw_rule.id.starts_with(BUILTIN_PREFIX),
            "id",
            "ids starting with `builtin.` are reserved for the classifier's own findings",
        );
        check(
            raw_rule.weight.is_finite() && raw_rule.weight >= 0.0,
            "weight",
            "weight must be a finite number >= 0",
        );
        check(
            raw_rule
                .languages
                .iter()
                .all(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase())),
            "languages",
            "languages must be ISO 639-1 codes in lower case",
        );
        check(
            !raw_rule.phrases.is_empty() || !raw_rule.regex.is_empty(),
            "phrases",
            "at least one of `phrases` or `regex` is required",
        );
        check(
            raw_rule.phrases.iter().all(|p| !p.trim().is_empty()),
            "phrases",
            "empty phrase",
        );
        let examples = raw_rule.examples.unwrap_or_default();
        check(
            !examples.matches.is_empty(),
            "examples",
            "examples.match needs at least one example",
        );
        check(
            !examples.no_match.is_empty(),
            "examples",
            "examples.no_match needs at least one example",
        );
        check(
            raw_rule.cures.is_none() || raw_rule.signal == Signal::Disclaimer,
            "cures",
            "`cures` is only for disclaimer rules",
        );
        check(
            raw_rule.cures != Some(true),
            "cures",
            "`cures` must be false: a disclaimer never cures solicitation",
        );
        check(
            raw_rule
                .service
                .as_deref()
                .is_none_or(|s| SERVICES.contains(&s)),
            "service",
            &format!("unknown service; expected one of {}", SERVICES.join(", ")),
        );
        check(
            raw_rule.blocks.as_ref().is_none_or(|b| !b.is_empty()),
            "blocks",
            "`blocks` must not be empty (omit it for all text blocks)",
        );
        check(
            raw_rule.blocks.is_none() || raw_rule.target == Target::Text,
            "blocks",
            "`blocks` only applies to target = \"text\"",
        );
        for pattern in &raw_rule.regex {
            // Parsing is enough to catch mistakes and is cheap; the regex is
            // compiled alone only when the set says it matched (see `Channel`).
            if let Err(e) = regex_syntax::Parser::new().parse(pattern) {
                errors.push(invalid(
                    key_line(text, start, "regex"),
                    format!("bad regex `{pattern}`: {e}"),
                ));
            } else if !raw_rule.case_sensitive && !no_upper_case_literal(pattern) {
                // Folded text has no upper case, so an upper-case literal can never match.
                errors.push(invalid(
                    key_line(text, start, "regex"),
                    format!("regex `{pattern}` has upper-case letters but runs on folded (lower-case) text; write it in lower case or set case_sensitive = true"),
                ));
            }
        }
        if errors.len() > before {
            continue;
        }
        let blocks = raw_rule.blocks.unwrap_or_else(|| ALL_TEXT_BLOCKS.to_vec());
        let block_mask = blocks.iter().fold(0, |mask, kind| mask | block_bit(*kind));
        rules.push(Rule {
            id: raw_rule.id,
            category: raw_rule.category,
            signal: raw_rule.signal,
            weight: raw_rule.weight,
            languages: raw_rule.languages,
            blocks,
            target: raw_rule.target,
            legal_ref: raw_rule.legal_ref,
            description: raw_rule.description,
            requires: raw_rule.requires,
            service: raw_rule.service,
            cures: raw_rule.cures,
            file: file.to_string(),
            line: header_line,
            phrases: raw_rule.phrases,
            regex: raw_rule.regex,
            case_sensitive: raw_rule.case_sensitive,
            examples,
            block_mask,
        });
    }
}

/// Whether `pattern` has no upper-case literal: upper-case letters, if any,
/// are escape classes (`\D`, `\S`, `\W`, `\B`, `\P{..}`).
fn no_upper_case_literal(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut previous_backslash = false;
    let mut in_braces = false;
    while let Some(c) = chars.next() {
        if in_braces {
            in_braces = c != '}';
            continue;
        }
        if previous_backslash {
            previous_backslash = false;
            if matches!(c, 'P' | 'p') && chars.peek() == Some(&'{') {
                in_braces = true;
            }
            continue;
        }
        if c == '\\' {
            previous_backslash = true;
        } else if c.is_uppercase() {
            return false;
        }
    }
    true
}

/// Every block kind but the URL pseudo-block.
const ALL_TEXT_BLOCKS: [BlockKind; 18] = [
    BlockKind::Title,
    BlockKind::MetaDescription,
    BlockKind::MetaKeywords,
    BlockKind::OgTag,
    BlockKind::Heading,
    BlockKind::Paragraph,
    BlockKind::ListItem,
    BlockKind::TableCell,
    BlockKind::Button,
    BlockKind::Link,
    BlockKind::ImageAlt,
    BlockKind::FormLabel,
    BlockKind::FormOption,
    BlockKind::Footer,
    BlockKind::CookieBanner,
    BlockKind::FeedItem,
    BlockKind::JsonLd,
    BlockKind::Other,
];

/// Regexes may be large (many alternatives, Unicode classes); the default
/// 10 MB limit is for untrusted input, these come from the bundle.
const REGEX_SIZE_LIMIT: usize = 64 << 20;

fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// A phrase as it is matched: whitespace runs collapsed, folded unless the
/// rule is case-sensitive.
fn phrase_key(phrase: &str, case_sensitive: bool) -> String {
    let collapsed = normalize_whitespace(phrase);
    if case_sensitive {
        collapsed
    } else {
        fold(&collapsed).text
    }
}

fn compile_channels(rules: &[Rule], errors: &mut Vec<RulesError>) -> Vec<Channel> {
    let mut channels = Vec::with_capacity(Target::ALL.len() * 2);
    for target in Target::ALL {
        for case_sensitive in [false, true] {
            let mut phrase_index: HashMap<String, usize> = HashMap::new();
            let mut phrases: Vec<String> = Vec::new();
            let mut entries: Vec<PhraseEntry> = Vec::new();
            let mut regexes: Vec<LazyRegex> = Vec::new();
            for (index, rule) in rules.iter().enumerate() {
                if rule.target != target || rule.case_sensitive != case_sensitive {
                    continue;
                }
                for phrase in &rule.phrases {
                    let key = phrase_key(phrase, case_sensitive);
                    let slot = *phrase_index.entry(key.clone()).or_insert_with(|| {
                        entries.push(PhraseEntry {
                            rules: Vec::new(),
                            boundary_start: key.chars().next().is_some_and(is_word_char),
                            boundary_end: key.chars().next_back().is_some_and(is_word_char),
                        });
                        phrases.push(key);
                        entries.len() - 1
                    });
                    if !entries[slot].rules.contains(&index) {
                        entries[slot].rules.push(index);
                    }
                }
                for pattern in &rule.regex {
                    regexes.push(LazyRegex {
                        pattern: pattern.clone(),
                        relaxed_pattern: relaxed_pattern(pattern),
                        relaxed: OnceLock::new(),
                        block_mask: rule.block_mask,
                        compiled: OnceLock::new(),
                        rule: index,
                    });
                }
            }
            let mut channel = Channel {
                phrases: entries,
                phrase_count: phrases.len(),
                regexes,
                ..Channel::default()
            };
            let literals = if channel.regexes.is_empty() {
                Vec::new()
            } else {
                build_regex_prefilter(&mut channel, rules, target, case_sensitive, errors)
            };
            let patterns: Vec<&[u8]> = phrases
                .iter()
                .map(|p| p.as_bytes())
                .chain(literals.iter().map(Vec::as_slice))
                .collect();
            if !patterns.is_empty() {
                match AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                {
                    Ok(automaton) => channel.automaton = Some(automaton),
                    Err(e) => errors.push(RulesError::Parse {
                        file: format!("<{} phrases>", target.as_str()),
                        line: 0,
                        message: format!("cannot build the phrase automaton: {e}"),
                    }),
                }
            }
            channels.push(channel);
        }
    }
    channels
}

/// `pattern` with its Unicode word-boundary assertions removed, if it has
/// any. The regex engine cannot run Unicode `\b` on a DFA once the text
/// holds a non-ASCII byte (€, Greek, Cyrillic) and falls back to a much
/// slower engine; the relaxed pattern has no such limit.
fn relaxed_pattern(pattern: &str) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    if !hir.properties().look_set().contains_word_unicode() {
        return None;
    }
    Some(relax(&hir).to_string())
}

fn relax(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, LookSet, Repetition};
    match hir.kind() {
        HirKind::Look(look) if LookSet::singleton(*look).contains_word_unicode() => Hir::empty(),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(relax(&rep.sub)),
        }),
        HirKind::Capture(capture) => Hir::capture(Capture {
            index: capture.index,
            name: capture.name.clone(),
            sub: Box::new(relax(&capture.sub)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(relax).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(relax).collect()),
        _ => hir.clone(),
    }
}

/// Shortest literal (in bytes) worth a place in the prefilter: shorter ones
/// occur in almost every text and would only add work. Case-sensitive
/// literals ("EU", "Ft") are rare in running text even when short.
const MIN_PREFILTER_LITERAL: usize = 3;
const MIN_PREFILTER_LITERAL_CASE_SENSITIVE: usize = 2;

/// Groups of literals such that every match of `pattern` contains a
/// literal of each group: its prefixes and its suffixes, each kept when
/// long enough to be worth looking for. Requiring both cuts candidates
/// sharply: "jetzt" alone is common, "jetzt" with "registrieren" is not.
fn required_literals(pattern: &str, min_len: usize) -> Vec<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for prefix in [true, false] {
        let kind = if prefix {
            ExtractKind::Prefix
        } else {
            ExtractKind::Suffix
        };
        let mut seq = Extractor::new().kind(kind).extract(&hir);
        if prefix {
            seq.optimize_for_prefix_by_preference();
        } else {
            seq.optimize_for_suffix_by_preference();
        }
        let Some(literals) = seq.literals() else {
            continue;
        };
        if literals.is_empty() || seq.min_literal_len().unwrap_or(0) < min_len {
            continue;
        }
        let group: Vec<Vec<u8>> = literals.iter().map(|l| l.as_bytes().to_vec()).collect();
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups
}

/// Splits a channel's regexes into those its automaton can select by
/// literal and the rest (one `RegexSet`); returns the literals to add to
/// the automaton. A single set over hundreds of Unicode-aware
/// regexes was measured to thrash its lazy DFA on long paragraphs
/// (milliseconds per block); the literal automaton keeps scanning linear.
fn build_regex_prefilter(
    channel: &mut Channel,
    rules: &[Rule],
    target: Target,
    case_sensitive: bool,
    errors: &mut Vec<RulesError>,
) -> Vec<Vec<u8>> {
    let min_len = if case_sensitive {
        MIN_PREFILTER_LITERAL_CASE_SENSITIVE
    } else {
        MIN_PREFILTER_LITERAL
    };
    let mut literal_index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut literals: Vec<Vec<u8>> = Vec::new();
    let mut literal_regexes: Vec<Vec<(usize, u8)>> = Vec::new();
    let mut literal_groups = vec![0u8; channel.regexes.len()];
    let mut residual_sources = Vec::new();
    for (index, lazy) in channel.regexes.iter().enumerate() {
        let groups = required_literals(&lazy.pattern, min_len);
        for (group_index, group) in groups.iter().enumerate() {
            let bit = 1u8 << group_index;
            literal_groups[index] |= bit;
            for literal in group {
                let slot = *literal_index.entry(literal.clone()).or_insert_with(|| {
                    literals.push(literal.clone());
                    literal_regexes.push(Vec::new());
                    literals.len() - 1
                });
                if !literal_regexes[slot].contains(&(index, bit)) {
                    literal_regexes[slot].push((index, bit));
                }
            }
        }
        if groups.is_empty() {
            residual_sources.push(
                lazy.relaxed_pattern
                    .clone()
                    .unwrap_or_else(|| lazy.pattern.clone()),
            );
            channel.residual_regexes.push(index);
        }
    }
    channel.literal_regexes = literal_regexes;
    channel.literal_groups = literal_groups;
    if residual_sources.is_empty() {
        return literals;
    }
    match RegexSetBuilder::new(&residual_sources)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        Ok(set) => channel.residual = Some(set),
        // Every pattern parsed alone, so the set fails only on compilation
        // (size limits): find the rule to blame.
        Err(e) => {
            let culprit = channel
                .residual_regexes
                .iter()
                .map(|&i| &channel.regexes[i])
                .find_map(|r| build_regex(&r.pattern).err().map(|e| (r, e)));
            errors.push(match culprit {
                Some((lazy, e)) => {
                    let rule = &rules[lazy.rule];
                    RulesError::Invalid {
                        file: rule.file.clone(),
                        line: rule.line,
                        rule_id: rule.id.clone(),
                        message: format!("regex `{}` does not compile: {e}", lazy.pattern),
                    }
                }
                None => RulesError::Parse {
                    file: format!("<{} regexes>", target.as_str()),
                    line: 0,
                    message: format!("cannot build the regex set: {e}"),
                },
            });
        }
    }
    literals
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORING: &str = include_str!("../patterns/scoring.toml");

    fn bundle(rules: &str) -> Result<RuleSet, RulesError> {
        RuleSet::from_sources(&[
            ("scoring.toml".to_string(), SCORING.to_string()),
            ("test.toml".to_string(), rules.to_string()),
        ])
    }

    const TWO_RULES: &str = r#"
[[rule]]
id = "crypto.bitcoin"
category = "website"
signal = "crypto"
weight = 0.5
legal_ref = "x"
description = "crypto context"
phrases = ["bitcoin"]
examples.match = ["Bitcoin kaufen"]
examples.no_match = ["Bitcoinkurs heute"]

[[rule]]
id = "service.buy_bitcoin.de"
category = "website"
signal = "service"
weight = 1.0
languages = ["de"]
legal_ref = "x"
description = "exchange for funds"
phrases = ["bitcoin   kaufen", "krypto kaufen"]
regex = ['\bkonto\s+er(o|oe)ffnen\b']
service = "exchange_for_funds"
examples.match = ["Jetzt Bitcoin kaufen", "Konto eröffnen"]
examples.no_match = ["Bitcoin verkaufen"]
"#;

    #[test]
    fn shorter_phrase_of_another_rule_still_matches() {
        let set = bundle(TWO_RULES).unwrap();
        let hits = set.scan(Target::Text, "Jetzt BITCOIN kaufen!");
        let ids: Vec<&str> = hits
            .iter()
            .map(|h| set.rules()[h.rule].id.as_str())
            .collect();
        assert_eq!(ids, ["crypto.bitcoin", "service.buy_bitcoin.de"]);
        assert!(
            set.check_examples().is_empty(),
            "{:?}",
            set.check_examples()
        );
    }

    #[test]
    fn matches_map_back_to_original_text() {
        let set = bundle(TWO_RULES).unwrap();
        let text = "Jetzt ein Konto eröffnen";
        let hit = set.scan(Target::Text, text)[0];
        assert_eq!(&text[hit.start..hit.end], "Konto eröffnen");
    }

    #[test]
    fn word_boundaries_are_checked_after_matching() {
        let set = bundle(TWO_RULES).unwrap();
        assert!(set.scan(Target::Text, "bitcoins").is_empty());
        assert!(set.scan(Target::Text, "antibitcoin").is_empty());
        assert_eq!(set.scan(Target::Text, "(bitcoin)").len(), 1);
    }

    #[test]
    fn sha_depends_on_content_and_not_on_order() {
        let a = RuleSet::from_sources(&[
            ("scoring.toml".into(), SCORING.into()),
            ("a.toml".into(), TWO_RULES.into()),
        ])
        .unwrap();
        let b = RuleSet::from_sources(&[
            ("a.toml".into(), TWO_RULES.into()),
            ("scoring.toml".into(), SCORING.into()),
        ])
        .unwrap();
        assert_eq!(a.sha256(), b.sha256());
        let c = bundle(&TWO_RULES.replace("weight = 0.5", "weight = 0.6")).unwrap();
        assert_ne!(a.sha256(), c.sha256());
    }

    #[test]
    fn upper_case_regex_on_folded_text_is_rejected() {
        let rules = TWO_RULES.replace(r"\bkonto", r"\bKonto");
        let error = bundle(&rules).unwrap_err().to_string();
        assert!(
            error.contains("test.toml:") && error.contains("service.buy_bitcoin.de"),
            "{error}"
        );
    }

    #[test]
    fn missing_scoring_file_is_named() {
        let error = RuleSet::from_sources(&[("a.toml".into(), TWO_RULES.into())]).unwrap_err();
        assert!(error.to_string().contains("scoring.toml"), "{error}");
    }

    #[test]
    fn ascii_fast_path_agrees_with_folding() {
        let text = "Say \"HELLO\" -- it's 100% ASCII; Ünïcödé is not.";
        let (ascii, rest) = text.split_at(text.find('Ü').unwrap());
        assert_eq!(ascii.to_ascii_lowercase(), fold(ascii).text);
        assert_ne!(rest.to_ascii_lowercase(), fold(rest).text);
    }

    #[test]
    fn fast_fold_agrees_with_fold() {
        for text in [
            "Eröffne jetzt dein Konto – Straße, Øre, ŁÓDŹ « Ärger » ı",
            "plain ascii, cafe\u{301} and CAFÉ",
            "",
            "€ 10 or 10 € ‘quoted’ ﬁ",
        ] {
            let fast = FoldedText::new(text);
            let slow = fold(text);
            assert_eq!(fast.text, slow.text);
            for start in 0..=fast.text.len() {
                for end in start..=fast.text.len() {
                    assert_eq!(
                        fast.original_range(start, end),
                        slow.original_range(start, end)
                    );
                }
            }
        }
    }

    #[test]
    fn rule_set_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<RuleSet>();
    }

    #[test]
    fn whitespace_check() {
        assert!(!needs_whitespace_normalising("a b c"));
        assert!(needs_whitespace_normalising("a  b"));
        assert!(needs_whitespace_normalising("a\tb"));
        assert!(needs_whitespace_normalising(" a"));
        assert!(needs_whitespace_normalising("a "));
    }
}
