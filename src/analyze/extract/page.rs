//! The extractor's entry points: HTML (raw or parsed), plain text, and links only.

use super::meta::*;
use super::walker::*;
use crate::model::text::normalize_whitespace;
use crate::model::{Block, BlockKind, Document, Link, SourceKind};
use scraper::Html;
use url::Url;

/// HTML → Document. Pure and total: malformed HTML never fails, never panics.
pub fn extract_html(html: &str, meta: DocMeta) -> Document {
    let parsed = Html::parse_document(html);
    extract_parsed(&parsed, meta)
}

/// As [`extract_html`], for a caller that already holds the parsed tree.
pub fn extract_parsed(parsed: &Html, meta: DocMeta) -> Document {
    let mut walker = Walker::default();
    walker.walk(parsed);
    walker.finish(meta)
}

/// Plain text (text/plain, an e-mail's text part) → Document with one
/// paragraph block per paragraph (paragraphs are separated by blank lines).
pub fn extract_text(text: &str, meta: DocMeta) -> Document {
    let mut doc = empty_document(&meta);
    let mut paragraph = String::new();
    let flush = |paragraph: &mut String, blocks: &mut Vec<Block>| {
        let normalised = normalize_whitespace(paragraph);
        paragraph.clear();
        if !normalised.is_empty() {
            let mut block = Block::new(BlockKind::Paragraph, normalised, blocks.len());
            block.path = format!("text>p[{}]", blocks.len());
            blocks.push(block);
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut paragraph, &mut doc.blocks);
        } else {
            paragraph.push_str(line);
            paragraph.push('\n');
        }
    }
    flush(&mut paragraph, &mut doc.blocks);
    push_url_block(&mut doc);
    doc
}

/// Only the links of an HTML page, resolved against `base` (or the page's
/// own `<base href>`).
pub fn extract_links(html: &str, base: &Url) -> Vec<Link> {
    extract_html(html, DocMeta::for_url(base.as_str(), SourceKind::Website)).links
}
