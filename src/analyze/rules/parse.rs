//! Reading one rule file: TOML into rules, with every error located by
//! file, line and rule id.

use super::matcher::*;
use super::rule::*;
use crate::model::{BlockKind, Category, Signal};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
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

pub(crate) fn default_target() -> Target {
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

pub(crate) fn line_at(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside the rule starting at byte `start`
/// (up to the next table header), or the rule's own line.
pub(crate) fn key_line(text: &str, start: usize, key: &str) -> usize {
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
pub(crate) fn enclosing_rule_id(text: &str, at: usize) -> Option<String> {
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
pub(crate) fn value_line(text: &str, start: usize, value: &str) -> usize {
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
pub(crate) fn key_in_message(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

pub(crate) fn parse_rule_file(
    file: &str,
    text: &str,
    rules: &mut Vec<Rule>,
    errors: &mut Vec<RulesError>,
) {
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
            legal_ref: raw_rule.legal_ref.into(),
            description: raw_rule.description.into(),
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
pub(crate) fn no_upper_case_literal(pattern: &str) -> bool {
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
