//! The compiled matchers and the scan of a text: per target and case, one
//! Aho–Corasick pass finds the phrases and the literals that select
//! regexes (see `compile`), then only the selected regexes run; phrases are
//! checked at word boundaries. Built once from the rules; what a scan
//! notes of the literals it saw lives in a per-thread table, not one per
//! block.

use super::rule::*;
use crate::model::text::fold;
use crate::model::BlockKind;
use aho_corasick::AhoCorasick;
use regex::{Regex, RegexBuilder, RegexSet};
use std::sync::OnceLock;

#[derive(Debug, Default)]
pub(crate) struct Channel {
    pub(crate) automaton: Option<AhoCorasick>,
    /// Per automaton pattern: the phrase's rules and whether it needs a
    /// word boundary at its start and end.
    pub(crate) phrases: Vec<PhraseEntry>,
    /// The channel's regexes, each compiled on first use: most never match
    /// a given page, and compiling hundreds of Unicode-aware regexes up
    /// front would dominate start-up.
    pub(crate) regexes: Vec<LazyRegex>,
    /// The automaton's first `phrase_count` patterns are phrases; the rest
    /// are literals that every match of a regex must contain (see
    /// [`required_literals`](super::compile::required_literals)): a regex runs only on text holding them. One automaton
    /// for both saves a pass over every block.
    pub(crate) phrase_count: usize,
    /// Per literal: the regexes (indices into `regexes`) it stands for,
    /// each with the bit of the literal group it is in.
    pub(crate) literal_regexes: Vec<Vec<(usize, u8)>>,
    /// Per regex: the bits of all its literal groups; a regex is a
    /// candidate only when a literal of every group occurs.
    pub(crate) literal_groups: Vec<u8>,
    /// Regexes without a usable literal, as one set that says which to run.
    pub(crate) residual: Option<RegexSet>,
    /// Per `residual` index: the index into `regexes`.
    pub(crate) residual_regexes: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct LazyRegex {
    pub(crate) pattern: String,
    /// The pattern's loose form ([`relaxed_pattern`](super::compile::relaxed_pattern)), when it has one: it
    /// matches wherever the pattern does (and more), runs on a DFA over
    /// non-ASCII text (the pattern's Unicode `\b` cannot) and keeps its
    /// automaton small. It is tried first, so that the slow or large exact
    /// pattern only runs where it may match. (Skipping it on ASCII text
    /// measured 17 MB more at 10,000 pages: the exact patterns' automata
    /// grow with every text they run on.)
    pub(crate) relaxed_pattern: Option<String>,
    /// The rule's block kinds: a regex is not run on other blocks.
    pub(crate) block_mask: u32,
    pub(crate) compiled: OnceLock<Option<Regex>>,
    pub(crate) relaxed: OnceLock<Option<Regex>>,
    pub(crate) rule: usize,
}

impl LazyRegex {
    /// Whether the pattern may match `hay` (a cheap necessary condition).
    pub(crate) fn may_match(&self, hay: &str) -> bool {
        let Some(pattern) = &self.relaxed_pattern else {
            return true;
        };
        self.relaxed
            .get_or_init(|| build_regex(pattern).ok())
            .as_ref()
            .is_none_or(|relaxed| relaxed.is_match(hay))
    }

    pub(crate) fn get(&self) -> Option<&Regex> {
        // The pattern already compiled as part of the set, so this cannot
        // fail in practice; if it ever did, the regex is skipped, never a panic.
        self.compiled
            .get_or_init(|| build_regex(&self.pattern).ok())
            .as_ref()
    }
}

#[derive(Debug)]
pub(crate) struct PhraseEntry {
    pub(crate) rules: Vec<usize>,
    pub(crate) boundary_start: bool,
    pub(crate) boundary_end: bool,
}

impl Channel {
    pub(crate) fn is_empty(&self) -> bool {
        self.automaton.is_none() && self.regexes.is_empty()
    }

    /// Appends the hits in `hay` (already folded or original, as the channel
    /// needs) to `out`, ranges in `hay`. Regexes of rules that do not look
    /// at blocks in `kinds` (a block-kind bit mask) are not run.
    ///
    /// `Prefilter::Off` runs every regex on the text, as the tests'
    /// reference for what the literal prefilter may never lose.
    pub(crate) fn scan(&self, hay: &str, kinds: u32, prefilter: Prefilter, out: &mut Vec<RuleHit>) {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.scan_with(hay, kinds, prefilter, out, &mut scratch),
            // Only if a scan ever ran inside another on one thread.
            Err(_) => self.scan_with(hay, kinds, prefilter, out, &mut Scratch::default()),
        });
    }

    fn scan_with(
        &self,
        hay: &str,
        kinds: u32,
        prefilter: Prefilter,
        out: &mut Vec<RuleHit>,
        scratch: &mut Scratch,
    ) {
        scratch.prepare(self.literal_regexes.len(), self.regexes.len());
        if let Some(automaton) = &self.automaton {
            for m in automaton.find_overlapping_iter(hay) {
                let pattern = m.pattern().as_usize();
                if pattern >= self.phrase_count {
                    let literal = pattern - self.phrase_count;
                    if std::mem::replace(&mut scratch.literal_seen[literal], true) {
                        continue;
                    }
                    scratch.literals_touched.push(literal);
                    for &(regex, bit) in &self.literal_regexes[literal] {
                        if scratch.groups_seen[regex] == 0 {
                            scratch.regexes_touched.push(regex);
                        }
                        scratch.groups_seen[regex] |= bit;
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
            scratch.reset();
            return;
        }
        let mut candidates = std::mem::take(&mut scratch.candidates);
        candidates.extend(
            scratch
                .regexes_touched
                .iter()
                .copied()
                .filter(|&regex| scratch.groups_seen[regex] == self.literal_groups[regex]),
        );
        scratch.reset();
        if let Some(set) = &self.residual {
            candidates.extend(set.matches(hay).iter().map(|i| self.residual_regexes[i]));
        }
        if prefilter == Prefilter::Off {
            candidates.clear();
            candidates.extend(0..self.regexes.len());
        }
        candidates.sort_unstable();
        candidates.dedup();
        for &index in &candidates {
            let lazy = &self.regexes[index];
            if lazy.block_mask & kinds == 0 || (prefilter == Prefilter::On && !lazy.may_match(hay))
            {
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
        candidates.clear();
        scratch.candidates = candidates;
    }
}

/// Whether a scan runs only the regexes whose literals occur in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefilter {
    On,
    /// Every regex runs: the reference the prefilter is tested against.
    #[cfg_attr(not(test), allow(dead_code))]
    Off,
}

thread_local! {
    /// Per thread, so that scanning a block allocates nothing: a channel
    /// has tens of thousands of literals, and clearing a table that size
    /// for every block cost more than finding the literals.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// What one scan has seen of a channel's literals, cleared entry by entry
/// after use (a block touches a few dozen of them).
#[derive(Default)]
struct Scratch {
    /// Per literal: seen in this text.
    literal_seen: Vec<bool>,
    literals_touched: Vec<usize>,
    /// Per regex: the bits of its literal groups seen in this text.
    groups_seen: Vec<u8>,
    regexes_touched: Vec<usize>,
    candidates: Vec<usize>,
}

impl Scratch {
    fn prepare(&mut self, literals: usize, regexes: usize) {
        if self.literal_seen.len() < literals {
            self.literal_seen.resize(literals, false);
        }
        if self.groups_seen.len() < regexes {
            self.groups_seen.resize(regexes, 0);
        }
    }

    fn reset(&mut self) {
        for literal in self.literals_touched.drain(..) {
            self.literal_seen[literal] = false;
        }
        for regex in self.regexes_touched.drain(..) {
            self.groups_seen[regex] = 0;
        }
    }
}

pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

pub(crate) fn boundary_before(hay: &str, at: usize) -> bool {
    hay[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c))
}

pub(crate) fn boundary_after(hay: &str, at: usize) -> bool {
    hay[at..].chars().next().is_none_or(|c| !is_word_char(c))
}

/// Keeps, per rule, the leftmost-longest non-overlapping hits, in order.
pub(crate) fn select_hits(hits: &mut Vec<RuleHit>) {
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

/// [`fold`]'s result, built faster: folding works character by character,
/// and an ASCII character folds to its lower case, so only the runs of
/// non-ASCII characters go through [`fold`]. Same text, same offsets.
pub(crate) struct FoldedText {
    pub(crate) text: String,
    /// For each byte of `text`, the byte offset of the original character.
    pub(crate) origin: Vec<usize>,
    pub(crate) original_len: usize,
}

impl FoldedText {
    pub(crate) fn new(input: &str) -> Self {
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
        // A combining mark standing alone between two spaces folds to
        // nothing and leaves two spaces: the literal prefilter reads `\s+`
        // as the one space a scanned text has between words, so make it so.
        if text.contains("  ") {
            let mut kept = Vec::with_capacity(text.len());
            let mut kept_origin = Vec::with_capacity(origin.len());
            for (&byte, &from) in text.as_bytes().iter().zip(&origin) {
                if byte == b' ' && kept.last() == Some(&b' ') {
                    continue;
                }
                kept.push(byte);
                kept_origin.push(from);
            }
            // Only ASCII spaces were dropped, so the bytes are still UTF-8.
            text = String::from_utf8(kept).unwrap_or_default();
            origin = kept_origin;
        }
        FoldedText {
            text,
            origin,
            original_len: input.len(),
        }
    }

    /// As [`crate::model::text::Folded::original_range`].
    pub(crate) fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let orig_start = self.origin.get(start).copied().unwrap_or(self.original_len);
        let orig_end = if end >= self.origin.len() {
            self.original_len
        } else {
            self.origin[end]
        };
        (orig_start, orig_end.max(orig_start))
    }
}

pub(crate) fn needs_whitespace_normalising(text: &str) -> bool {
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
// Shared with parsing and compiling

/// Every block kind but the URL pseudo-block.
pub(crate) const ALL_TEXT_BLOCKS: [BlockKind; 18] = [
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
pub(crate) const REGEX_SIZE_LIMIT: usize = 64 << 20;

pub(crate) fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}
