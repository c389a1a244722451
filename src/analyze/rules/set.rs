//! The compiled bundle: loading `patterns/` (a directory or the copy built
//! into the binary), checking every file and every example, and scanning a
//! block for every rule at once.

use super::compile::compile_channels;
use super::geo_data::{self};
use super::matcher::*;
use super::parse::*;
use super::redirectors::Redirectors;
use super::rule::*;
use super::scoring::Scoring;
use crate::analyze::lang::LanguageModel;
use crate::model::text::normalize_whitespace;
use crate::model::BlockKind;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub(crate) static BUNDLE: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/patterns");

/// The compiled bundle. Build it once and share it (`Arc`): it is `Send + Sync`.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    sha256: String,
    languages: LanguageModel,
    scoring: Scoring,
    geo: geo_data::GeoData,
    redirectors: Redirectors,
    /// Indexed by `Target::index() * 2 + case_sensitive`.
    channels: Vec<Channel>,
    /// Every rule id once, shared by the findings of the rule.
    shared_ids: HashMap<String, Arc<str>>,
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
                geo_data::GEO_FILE => geo_text = Some(text),
                REDIRECTORS_FILE => redirectors_text = Some(text),
                // Read by the ledger, which owns their shape.
                ASSETS_FILE | LEDGER_FILE | REGISTER_FILE => {}
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
            Some(text) => geo_data::GeoData::from_toml(text, geo_data::GEO_FILE),
            None => geo_data::GeoData::bundled(),
        }
        .map_err(|e| errors.push(e))
        .ok();
        // Like languages.toml: a directory of extra rules may leave it out.
        let redirectors = match redirectors_text {
            Some(text) => Redirectors::from_toml(text, REDIRECTORS_FILE),
            None => Redirectors::from_toml(
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/patterns/redirectors.toml"
                )),
                REDIRECTORS_FILE,
            ),
        }
        .map_err(|e| errors.push(e))
        .ok();
        let channels = compile_channels(&rules, &mut errors);
        match (errors.len(), scoring, languages, geo, redirectors) {
            (0, Some(mut scoring), Some(languages), Some(geo), Some(redirectors)) => {
                scoring.derive_from(&rules, &languages);
                let shared_ids = rules
                    .iter()
                    .map(|rule| (rule.id.clone(), Arc::from(rule.id.as_str())))
                    .collect();
                Ok(RuleSet {
                    shared_ids,
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

    /// `id` as one text shared by every finding that names it: a bundle
    /// rule's id is allocated once per scan, not once per finding.
    pub fn shared_id(&self, id: &str) -> Arc<str> {
        self.shared_ids
            .get(id)
            .map_or_else(|| Arc::from(id), Arc::clone)
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
    pub fn geo(&self) -> &geo_data::GeoData {
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
        self.scan_block_with(target, text, kind, Prefilter::On)
    }

    pub(crate) fn scan_block_with(
        &self,
        target: Target,
        text: &str,
        kind: Option<BlockKind>,
        prefilter: Prefilter,
    ) -> Vec<RuleHit> {
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
            folded_channel.scan(&text.to_ascii_lowercase(), kinds, prefilter, &mut hits);
        } else if !folded_channel.is_empty() {
            let folded = FoldedText::new(text);
            let start = hits.len();
            folded_channel.scan(&folded.text, kinds, prefilter, &mut hits);
            for hit in &mut hits[start..] {
                let (a, b) = folded.original_range(hit.start, hit.end);
                hit.start = a;
                hit.end = b;
            }
        }
        exact_channel.scan(text, kinds, prefilter, &mut hits);
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
    pub(crate) fn example_match(&self, index: usize, example: &str) -> Option<String> {
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
