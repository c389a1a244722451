//! Compiling the rules into matchers ([`Channel`]s): per target and case,
//! the phrase automaton and, for regexes, the literals that select them
//! (the prefilter), the loose forms tried before an exact pattern and the
//! set of regexes no literal selects. It runs once per bundle; it never
//! decides a match (that is [`Channel::scan`], and every exact pattern).

use super::matcher::*;
use super::rule::*;
use crate::model::text::{fold, normalize_whitespace};
use aho_corasick::{AhoCorasickBuilder, MatchKind};
use regex::RegexSetBuilder;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A phrase as it is matched: whitespace runs collapsed, folded unless the
/// rule is case-sensitive.
pub(crate) fn phrase_key(phrase: &str, case_sensitive: bool) -> String {
    let collapsed = normalize_whitespace(phrase);
    if case_sensitive {
        collapsed
    } else {
        fold(&collapsed).text
    }
}

pub(crate) fn compile_channels(rules: &[Rule], errors: &mut Vec<RulesError>) -> Vec<Channel> {
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

/// A looser form of `pattern` for the prefilter, if one differs: its
/// Unicode word-boundary assertions removed, and each large Unicode class
/// (`\w`, `\d`, `[^\w]`, …) widened to its ASCII part plus every non-ASCII
/// character. It matches wherever the pattern does (and more). The regex
/// engine cannot run Unicode `\b` on a DFA once the text holds a non-ASCII
/// byte (€, Greek, Cyrillic) and falls back to a much slower engine; and a
/// class of hundreds of Unicode ranges compiles to automata of megabytes
/// (the residual set alone took some 80 MB). The loose form has neither
/// cost, and the exact pattern still decides every match.
pub(crate) fn relaxed_pattern(pattern: &str) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let relaxed = relax(&hir);
    (relaxed != hir).then(|| relaxed.to_string())
}

/// Non-ASCII ranges a class may keep exactly; beyond them it is widened.
/// Accented letters of one language fit; `\w` (hundreds of ranges) does not.
const MAX_EXACT_NON_ASCII_RANGES: usize = 8;

pub(crate) fn relax(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Class, Hir, HirKind, LookSet};
    match hir.kind() {
        HirKind::Look(look) if LookSet::singleton(*look).contains_word_unicode() => Hir::empty(),
        HirKind::Class(Class::Unicode(class)) => Hir::class(Class::Unicode(widen(class))),
        _ => map_children(hir, relax),
    }
}

/// `hir` with `rewrite` applied to each of its direct sub-expressions (a
/// leaf is returned as it is): the walk shared by the rewrites of patterns
/// made for the prefilter.
fn map_children(
    hir: &regex_syntax::hir::Hir,
    rewrite: fn(&regex_syntax::hir::Hir) -> regex_syntax::hir::Hir,
) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
    match hir.kind() {
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(rewrite(&rep.sub)),
        }),
        HirKind::Capture(capture) => Hir::capture(Capture {
            index: capture.index,
            name: capture.name.clone(),
            sub: Box::new(rewrite(&capture.sub)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(rewrite).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(rewrite).collect()),
        _ => hir.clone(),
    }
}

/// `class` itself when it has few non-ASCII ranges, else its ASCII ranges
/// plus one range of every non-ASCII character: a superset either way.
fn widen(class: &regex_syntax::hir::ClassUnicode) -> regex_syntax::hir::ClassUnicode {
    use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
    let non_ascii = class.ranges().iter().filter(|r| r.end() > '\x7f').count();
    if non_ascii <= MAX_EXACT_NON_ASCII_RANGES {
        return class.clone();
    }
    let mut ranges: Vec<ClassUnicodeRange> = class
        .ranges()
        .iter()
        .filter(|r| r.start() <= '\x7f')
        .map(|r| ClassUnicodeRange::new(r.start(), r.end().min('\x7f')))
        .collect();
    ranges.push(ClassUnicodeRange::new('\u{80}', char::MAX));
    ClassUnicode::new(ranges)
}

/// Shortest literal (in bytes) worth a place in the prefilter: shorter ones
/// occur in almost every text and would only add work. Case-sensitive
/// literals ("EU", "Ft") are rare in running text even when short.
pub(crate) const MIN_PREFILTER_LITERAL: usize = 3;
pub(crate) const MIN_PREFILTER_LITERAL_CASE_SENSITIVE: usize = 2;

/// Literal groups a regex is selected by, at most this many: the most
/// selective of its groups. Every group required cuts candidates, but its
/// literals are looked for in every block.
pub(crate) const MAX_LITERAL_GROUPS: usize = 2;

/// A group of literals: every match of a regex contains one of them.
pub(crate) type LiteralGroup = Vec<Vec<u8>>;

/// Every group of literals such that each match of `pattern` contains a
/// literal of the group: the prefixes of the whole pattern, its suffixes,
/// and the prefixes of each part it is a sequence of
/// (`\bkrypto\w*\s+(?:gratis|kostenlos)` has the part
/// `(?:gratis|kostenlos)`). A group is kept when each of its literals is at
/// least `min_len` bytes: shorter ones occur in almost every text.
/// [`select_literal_groups`] picks the ones worth looking for.
pub(crate) fn required_literals(pattern: &str, min_len: usize) -> Vec<LiteralGroup> {
    use regex_syntax::hir::literal::ExtractKind;
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let hir = spaces_as_written(&hir);
    let mut groups: Vec<LiteralGroup> = Vec::new();
    let mut consider = |group: Option<LiteralGroup>| {
        if let Some(group) = group {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    };
    consider(literal_group(&hir, ExtractKind::Prefix, min_len));
    consider(literal_group(&hir, ExtractKind::Suffix, min_len));
    for part in sequence_parts(&hir) {
        consider(literal_group(part, ExtractKind::Prefix, min_len));
    }
    groups
}

/// Letters (bytes but spaces) from which a literal is taken to be a word
/// of its own: "en " and "mi " occur in almost every text of their
/// language, "kaufen" does not.
pub(crate) const DISTINCTIVE_LITERAL: usize = 5;

/// The groups, among `groups`, a regex is selected by: at most
/// [`MAX_LITERAL_GROUPS`], the most selective first. A group is first
/// ranked by its shortest literal, up to [`DISTINCTIVE_LITERAL`] letters.
/// Among distinctive groups, a literal many rules look for ("crypto",
/// "konto") is a word of the domain and on most pages we scan, so a group
/// is then ranked by the most common of its literals (`popularity`: in how
/// many regexes' groups a literal occurs), then by how few literals it has.
/// A second group is required only when it is distinctive: a short one
/// costs more to look for than it saves.
pub(crate) fn select_literal_groups(
    mut groups: Vec<LiteralGroup>,
    popularity: &HashMap<Vec<u8>, usize>,
) -> Vec<LiteralGroup> {
    let letters = |group: &LiteralGroup| {
        group
            .iter()
            .map(|l| l.iter().filter(|&&b| b != b' ').count())
            .min()
            .unwrap_or(0)
    };
    groups.sort_by_cached_key(|group| {
        let most_common = group
            .iter()
            .map(|l| popularity.get(l).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        (
            std::cmp::Reverse(letters(group).min(DISTINCTIVE_LITERAL)),
            most_common,
            group.len(),
        )
    });
    let mut selected: Vec<LiteralGroup> = Vec::new();
    for group in groups {
        if selected.len() == MAX_LITERAL_GROUPS {
            break;
        }
        if selected.is_empty() || letters(&group) >= DISTINCTIVE_LITERAL {
            selected.push(group);
        }
    }
    selected
}

/// `hir` as it can match a scanned text, for finding its literals: every
/// text is scanned with its whitespace runs collapsed to one space
/// ([`RuleSet::scan_block`](super::RuleSet::scan_block)), so `\s+` matches
/// exactly " " and `\s*` at most one " ". Written so, "kostenlos\s+bitcoin"
/// has the literal "kostenlos bitcoin" and not only "kostenlos". Used only
/// to pick literals: the pattern itself still decides every match.
fn spaces_as_written(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Hir, HirKind, Repetition};
    static WHITESPACE: OnceLock<Option<Hir>> = OnceLock::new();
    let whitespace = WHITESPACE.get_or_init(|| regex_syntax::Parser::new().parse(r"\s").ok());
    match hir.kind() {
        HirKind::Repetition(rep) if Some(rep.sub.as_ref()) == whitespace.as_ref() => {
            let space = Hir::literal(*b" ");
            match (rep.min, rep.max) {
                (0, Some(0)) => Hir::empty(),
                (0, _) => Hir::repetition(Repetition {
                    min: 0,
                    max: Some(1),
                    greedy: true,
                    sub: Box::new(space),
                }),
                // Two or more never match a collapsed text: any literal is
                // then sound, and one space is the closest.
                _ => space,
            }
        }
        HirKind::Class(_) if Some(hir) == whitespace.as_ref() => Hir::literal(*b" "),
        _ => map_children(hir, spaces_as_written),
    }
}

/// The literals one of which every match of `hir` starts (or ends) with,
/// when they are finite, none empty and none shorter than `min_len`.
fn literal_group(
    hir: &regex_syntax::hir::Hir,
    kind: regex_syntax::hir::literal::ExtractKind,
    min_len: usize,
) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::Extractor;
    // Not "optimized" as a regex prefilter would be: that trims literals
    // to a few bytes for a fast vector search, and our automaton wants
    // them whole ("cryptocurrency", not "cry").
    let mut seq = Extractor::new().kind(kind).extract(hir);
    seq.dedup();
    let literals = seq.literals()?;
    if literals.is_empty() || seq.min_literal_len().unwrap_or(0) < min_len {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// The parts every match of `hir` is a sequence of: the items of its
/// concatenation, looking through groups (a group around a sequence is
/// itself a sequence of its items). An item that can match nothing gives
/// no literals, so it needs no special case.
fn sequence_parts(hir: &regex_syntax::hir::Hir) -> Vec<&regex_syntax::hir::Hir> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(capture) => sequence_parts(&capture.sub),
        HirKind::Concat(items) => items
            .iter()
            .flat_map(|item| match item.kind() {
                HirKind::Capture(_) | HirKind::Concat(_) => sequence_parts(item),
                _ => vec![item],
            })
            .collect(),
        _ => vec![hir],
    }
}

/// Splits a channel's regexes into those its automaton can select by
/// literal and the rest (one `RegexSet`); returns the literals to add to
/// the automaton. A single set over hundreds of Unicode-aware
/// regexes was measured to thrash its lazy DFA on long paragraphs
/// (milliseconds per block); the literal automaton keeps scanning linear.
pub(crate) fn build_regex_prefilter(
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
    let candidates: Vec<Vec<LiteralGroup>> = channel
        .regexes
        .iter()
        .map(|lazy| required_literals(&lazy.pattern, min_len))
        .collect();
    let mut popularity: HashMap<Vec<u8>, usize> = HashMap::new();
    for groups in &candidates {
        let mut literals: Vec<&Vec<u8>> = groups.iter().flatten().collect();
        literals.sort();
        literals.dedup();
        for literal in literals {
            *popularity.entry(literal.clone()).or_default() += 1;
        }
    }
    for ((index, lazy), groups) in channel.regexes.iter().enumerate().zip(candidates) {
        let groups = select_literal_groups(groups, &popularity);
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
