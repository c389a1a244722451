//! Small text utilities shared by extraction and classification:
//! whitespace normalisation, case and diacritic folding with a map back to
//! the original text, and snippets with context.
//!
//! Folding must never lose the way back to the original: every finding
//! quotes the exact text as it stood on the page, so `Folded` keeps, for
//! each byte of the folded string, the byte offset in the original.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Collapse runs of whitespace (including non-breaking spaces) into single
/// spaces and trim both ends.
pub fn normalize_whitespace(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    // Word by word rather than character by character: every block of
    // every page passes through here.
    for word in input
        .split(|c: char| c.is_whitespace() || c == '\u{200b}')
        .filter(|word| !word.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A folded copy of a text: lower case, diacritics removed, a few
/// typographic variants unified (curly quotes, dashes, `ß` → `ss`).
#[derive(Debug, Clone)]
pub struct Folded {
    /// The folded text.
    pub text: String,
    /// For each byte of `text`, the byte offset of the original character it came from.
    origin: Vec<usize>,
    original_len: usize,
}

impl Folded {
    /// Maps a byte range of the folded text back to a byte range of the original.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let orig_start = self.origin.get(start).copied().unwrap_or(self.original_len);
        let orig_end = if end >= self.origin.len() {
            self.original_len
        } else {
            // The original character that produced folded byte `end` starts the next char.
            self.origin[end]
        };
        (orig_start, orig_end.max(orig_start))
    }
}

/// Folds `input` for matching: see [`Folded`].
pub fn fold(input: &str) -> Folded {
    let mut text = String::with_capacity(input.len());
    let mut origin = Vec::with_capacity(input.len());
    for (offset, ch) in input.char_indices() {
        let push = |c: char, text: &mut String, origin: &mut Vec<usize>| {
            let before = text.len();
            text.push(c);
            origin.extend(std::iter::repeat_n(offset, text.len() - before));
        };
        match ch {
            'ß' | 'ẞ' => {
                push('s', &mut text, &mut origin);
                push('s', &mut text, &mut origin);
                continue;
            }
            'æ' | 'Æ' => {
                push('a', &mut text, &mut origin);
                push('e', &mut text, &mut origin);
                continue;
            }
            'ø' | 'Ø' => {
                push('o', &mut text, &mut origin);
                continue;
            }
            'ł' | 'Ł' => {
                push('l', &mut text, &mut origin);
                continue;
            }
            'đ' | 'Đ' => {
                push('d', &mut text, &mut origin);
                continue;
            }
            'ı' => {
                push('i', &mut text, &mut origin);
                continue;
            }
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => {
                push('\'', &mut text, &mut origin);
                continue;
            }
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{00ab}' | '\u{00bb}' => {
                push('"', &mut text, &mut origin);
                continue;
            }
            '\u{2010}'..='\u{2015}' | '\u{2212}' => {
                push('-', &mut text, &mut origin);
                continue;
            }
            '\u{00a0}' | '\u{202f}' | '\u{2009}' => {
                push(' ', &mut text, &mut origin);
                continue;
            }
            _ => {}
        }
        // Decomposed parts go straight into the output: no buffer per character.
        decompose_canonical(ch, |c| {
            if !is_combining_mark(c) {
                for lower in c.to_lowercase() {
                    push(lower, &mut text, &mut origin);
                }
            }
        });
    }
    Folded {
        text,
        origin,
        original_len: input.len(),
    }
}

/// Convenience: the folded text only.
pub fn fold_str(input: &str) -> String {
    fold(input).text
}

/// Returns the text around `start..end` (byte offsets into `text`), with up
/// to `context_chars` characters on each side, cut at word boundaries where
/// possible and marked with `…` where cut.
pub fn snippet(text: &str, start: usize, end: usize, context_chars: usize) -> String {
    let start = floor_char_boundary(text, start.min(text.len()));
    let end = floor_char_boundary(text, end.min(text.len())).max(start);
    let before: Vec<(usize, char)> = text[..start].char_indices().collect();
    let mut from = if before.len() > context_chars {
        before[before.len() - context_chars].0
    } else {
        0
    };
    if from > 0 {
        // Move forward to the next word start so the snippet does not begin mid-word.
        if let Some(space) = text[from..start].find(' ') {
            from += space + 1;
        }
    }
    let mut to = text[end..]
        .char_indices()
        .nth(context_chars)
        .map(|(i, _)| end + i)
        .unwrap_or(text.len());
    if to < text.len() {
        if let Some(space) = text[end..to].rfind(' ') {
            to = end + space;
        }
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(text[from..to].trim());
    if to < text.len() {
        out.push('…');
    }
    out
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// `url` as text with any user name and password removed, for messages.
pub fn redact(url: &url::Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut clean = url.clone();
    // Only fails for URLs that cannot carry credentials, which have none.
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(normalize_whitespace("  a \n\t b\u{a0}c  "), "a b c");
        assert_eq!(normalize_whitespace(""), "");
        assert_eq!(normalize_whitespace(" \u{200b} "), "");
        assert_eq!(normalize_whitespace("a\u{200b}b\u{2003}\u{3000}c"), "a b c");
        assert_eq!(
            normalize_whitespace("Grüße\r\n  aus\tKöln "),
            "Grüße aus Köln"
        );
    }

    #[test]
    fn folding_removes_case_and_diacritics() {
        assert_eq!(fold_str("Konto ERÖFFNEN"), "konto eroffnen");
        assert_eq!(fold_str("Straße"), "strasse");
        assert_eq!(fold_str("Zarejestruj się"), "zarejestruj sie");
        assert_eq!(fold_str("Înregistrează-te"), "inregistreaza-te");
        assert_eq!(fold_str("Ελλάδα"), "ελλαδα");
        assert_eq!(fold_str("Przelewy24 – BLIK"), "przelewy24 - blik");
    }

    #[test]
    fn folded_ranges_map_back_to_original() {
        let original = "Jetzt Konto eröffnen!";
        let folded = fold(original);
        let start = folded.text.find("eroffnen").unwrap();
        let (a, b) = folded.original_range(start, start + "eroffnen".len());
        assert_eq!(&original[a..b], "eröffnen");
        let folded = fold("Fußball");
        let start = folded.text.find("fussball").unwrap();
        let (a, b) = folded.original_range(start, start + 8);
        assert_eq!(&"Fußball"[a..b], "Fußball");
    }

    #[test]
    fn snippet_keeps_context_and_marks_cuts() {
        let text = "one two three four five six seven eight nine ten";
        let start = text.find("five").unwrap();
        let s = snippet(text, start, start + 4, 10);
        assert!(s.contains("five"));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert_eq!(snippet("short", 0, 5, 40), "short");
    }
}
