//! One rule as the bundle states it: id, target, category, signal, weight,
//! legal reference and examples; the errors a bundle can have; and a hit.

use crate::model::{BlockKind, Category, Signal};
use serde::Deserialize;
use std::path::PathBuf;

/// The file holding language markers (its own shape, owned by `lang`).
pub const LANGUAGES_FILE: &str = "languages.toml";
/// The file holding weights and thresholds (its own shape, see `score`).
pub const SCORING_FILE: &str = "scoring.toml";
/// The file naming link shorteners and redirectors (its own shape, see `redirect`).
pub const REDIRECTORS_FILE: &str = "redirectors.toml";
/// The crypto-asset catalogue of the ledger's "same type" test (its own
/// shape, see `ledger`); no rules.
pub const ASSETS_FILE: &str = "assets.toml";
/// The ledger's service names and country tables (its own shape); no rules.
pub const LEDGER_FILE: &str = "ledger.toml";
/// Legal forms for the register lookup (its own shape, see `sources::register`); no rules.
pub const REGISTER_FILE: &str = "register.toml";
/// Rule ids starting with this belong to findings the classifier makes
/// itself (page language, locale markup); pattern files may not use it.
pub const BUILTIN_PREFIX: &str = "builtin.";

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

pub(crate) fn list_errors(errors: &[RulesError]) -> String {
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
    /// Each fact the page's markup states about itself (`og:type=article`,
    /// `schema:NewsArticle`, `author`, `published_time`, `citation`).
    Markup,
}

impl Target {
    pub(crate) const ALL: [Target; 6] = [
        Target::Text,
        Target::Url,
        Target::LinkUrl,
        Target::LinkRel,
        Target::Locale,
        Target::Markup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Text => "text",
            Target::Url => "url",
            Target::LinkUrl => "link_url",
            Target::LinkRel => "link_rel",
            Target::Locale => "locale",
            Target::Markup => "markup",
        }
    }

    pub(crate) fn index(self) -> usize {
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
    pub legal_ref: std::sync::Arc<str>,
    pub description: std::sync::Arc<str>,
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
    pub(crate) block_mask: u32,
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

pub(crate) fn block_bit(kind: BlockKind) -> u32 {
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
