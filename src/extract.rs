//! TEMPORARY SHIM (rules branch only): the real `extract` module is written
//! on the extraction branch and replaces this file on merge. It implements
//! the agreed `extract_html` signature crudely (one selector pass, nested
//! text may repeat) so the rules engine's corpus test and bench can run;
//! take the other branch's version of this file when merging.

use crate::model::{Block, BlockKind, Document, Link, LinkKind, SourceKind};
use crate::text::normalize_whitespace;
use scraper::{ElementRef, Html, Selector};
use std::sync::LazyLock;

pub struct DocMeta {
    pub url: String,
    pub final_url: String,
    pub source_kind: SourceKind,
    pub fetched_at: String,
    pub content_sha256: String,
    pub content_language: Option<String>,
}

static BLOCKS: LazyLock<Option<Selector>> = LazyLock::new(|| {
    Selector::parse("title, meta[name=description], meta[name=keywords], h1, h2, h3, h4, h5, h6, p, li, td, th, button, a, option, label, img[alt], link[hreflang], meta[property^='og:locale']").ok()
});

pub fn extract_html(html: &str, meta: DocMeta) -> Document {
    let parsed = Html::parse_document(html);
    let mut doc = Document::new(meta.url, meta.source_kind);
    doc.final_url = meta.final_url;
    doc.fetched_at = meta.fetched_at;
    doc.content_sha256 = meta.content_sha256;
    doc.locale.content_language = meta.content_language;
    let base = url::Url::parse(&doc.final_url).ok();
    let root = parsed.root_element();
    doc.locale.html_lang = root.value().attr("lang").map(str::to_string);
    let Some(selector) = BLOCKS.as_ref() else {
        return doc;
    };
    for element in parsed.select(selector) {
        let name = element.value().name();
        let attr = |k: &str| element.value().attr(k).map(str::to_string);
        let resolve = |href: &str| {
            base.as_ref()
                .and_then(|b| b.join(href).ok())
                .map(|u| u.to_string())
        };
        let (kind, text) = match name {
            "title" => (BlockKind::Title, text_of(element)),
            "meta" if attr("property").is_some() => {
                doc.locale.og_locale.extend(attr("content"));
                continue;
            }
            "meta" if attr("name").as_deref() == Some("keywords") => {
                (BlockKind::MetaKeywords, attr("content").unwrap_or_default())
            }
            "meta" => (
                BlockKind::MetaDescription,
                attr("content").unwrap_or_default(),
            ),
            "link" => {
                if let (Some(tag), Some(href)) =
                    (attr("hreflang"), attr("href").and_then(|h| resolve(&h)))
                {
                    doc.locale.hreflang.push((tag, href));
                }
                continue;
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => (BlockKind::Heading, text_of(element)),
            "li" => (BlockKind::ListItem, text_of(element)),
            "td" | "th" => (BlockKind::TableCell, text_of(element)),
            "button" => (BlockKind::Button, text_of(element)),
            "a" => (BlockKind::Link, text_of(element)),
            "option" => (BlockKind::FormOption, text_of(element)),
            "label" => (BlockKind::FormLabel, text_of(element)),
            "img" => (BlockKind::ImageAlt, attr("alt").unwrap_or_default()),
            _ => (BlockKind::Paragraph, text_of(element)),
        };
        let href = attr("href").and_then(|h| resolve(&h));
        if let (true, Some(url)) = (name == "a", &href) {
            doc.links.push(Link {
                url: url.clone(),
                kind: LinkKind::Anchor,
                text: text.clone(),
                rel: attr("rel")
                    .map(|r| r.split_whitespace().map(str::to_lowercase).collect())
                    .unwrap_or_default(),
                hreflang: attr("hreflang"),
                media_type: None,
                block_index: Some(doc.blocks.len()),
            });
        }
        if text.is_empty() {
            continue;
        }
        let mut block = Block::new(kind, text, doc.blocks.len());
        block.path = name.to_string();
        block.href = href;
        doc.blocks.push(block);
    }
    let index = doc.blocks.len();
    doc.blocks
        .push(Block::new(BlockKind::Url, doc.final_url.clone(), index));
    doc.title = doc
        .blocks
        .iter()
        .find(|b| b.kind == BlockKind::Title)
        .map(|b| b.text.clone());
    doc
}

fn text_of(element: ElementRef<'_>) -> String {
    normalize_whitespace(&element.text().collect::<String>())
}
