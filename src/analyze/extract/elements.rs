//! Elements the walker reads for more than text: void elements (images,
//! inputs), form labels, `<meta>`, `<link>`, skipped subtrees (scripts with
//! JSON-LD, templates), and turning the walk into a `Document`.

use super::attributes::*;
use super::json_ld::*;
use super::meta::*;
use super::walker::*;
use crate::model::text::normalize_whitespace;
use crate::model::{Block, BlockKind, Document, Link, LinkKind};
use scraper::node::Element;
use scraper::Node;
use url::Url;

impl<'a> Walker<'a> {
    /// Elements that carry text or links in attributes rather than content.
    pub(crate) fn void_element(&mut self, element: &'a Element, context: &Context<'a>) {
        match element.name() {
            "base" if self.base_href.is_none() => {
                self.base_href = non_empty(element.attr("href"));
            }
            "meta" => self.meta(element, context),
            "link" => self.link_element(element),
            "img" => {
                let alt = non_empty(element.attr("alt"));
                if let (Some(alt), false) = (alt, context.hidden) {
                    self.leaf_block(BlockKind::ImageAlt, alt, context, "img");
                    if let Some(anchor) = self.anchors.last_mut() {
                        anchor.image_alt = anchor.image_alt.or(Some(alt));
                    }
                }
            }
            "input" => {
                let input_type = element.attr("type").unwrap_or("text").trim();
                if input_type.eq_ignore_ascii_case("submit")
                    || input_type.eq_ignore_ascii_case("button")
                {
                    if let Some(value) = non_empty(element.attr("value")) {
                        self.leaf_block(BlockKind::Button, value, context, "input");
                    }
                } else if input_type.eq_ignore_ascii_case("image") {
                    if let Some(alt) = non_empty(element.attr("alt")) {
                        self.leaf_block(BlockKind::ImageAlt, alt, context, "input");
                    }
                }
                self.form_labels(element, context, "input");
            }
            "select" => self.form_labels(element, context, "select"),
            "area" => {
                if let Some(href) = non_empty(element.attr("href")) {
                    self.push_link(PendingLink {
                        raw_url: href.to_string(),
                        kind: LinkKind::Area,
                        text: normalize_whitespace(element.attr("alt").unwrap_or("")),
                        rel: rel_tokens(element),
                        hreflang: non_empty(element.attr("hreflang")).map(str::to_string),
                        media_type: non_empty(element.attr("type")).map(str::to_string),
                        slots: None,
                    });
                }
            }
            "br" => self.separate(),
            _ => {}
        }
    }

    pub(crate) fn form_labels(&mut self, element: &'a Element, context: &Context<'a>, leaf: &str) {
        for attribute in ["placeholder", "aria-label"] {
            if let Some(label) = non_empty(element.attr(attribute)) {
                self.leaf_block(BlockKind::FormLabel, label, context, leaf);
            }
        }
    }

    pub(crate) fn meta(&mut self, element: &'a Element, context: &Context<'a>) {
        let content = element.attr("content").unwrap_or("");
        let key = element
            .attr("name")
            .or_else(|| element.attr("property"))
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let kind = match key.as_str() {
            "description" => Some(BlockKind::MetaDescription),
            "keywords" => Some(BlockKind::MetaKeywords),
            "og:title" | "og:description" | "twitter:title" | "twitter:description" => {
                Some(BlockKind::OgTag)
            }
            "og:locale" | "og:locale:alternate" => {
                if let Some(locale) = non_empty(Some(content)) {
                    self.locale.og_locale.push(locale.to_string());
                }
                None
            }
            _ => None,
        };
        let raw_key = element
            .attr("name")
            .or_else(|| element.attr("property"))
            .unwrap_or("");
        self.meta_markup(&key, raw_key, content);
        if let Some(kind) = kind {
            let leaf = format!("meta[{key}]");
            self.leaf_block(kind, content, context, &leaf);
        }
        let http_equiv = element.attr("http-equiv").unwrap_or("").trim();
        if http_equiv.eq_ignore_ascii_case("content-language") {
            if let Some(language) = non_empty(Some(content)) {
                self.meta_content_language = Some(language.to_string());
            }
        } else if http_equiv.eq_ignore_ascii_case("refresh") {
            if let Some(target) = refresh_target(content) {
                self.push_link(PendingLink {
                    raw_url: target.to_string(),
                    kind: LinkKind::MetaRefresh,
                    text: String::new(),
                    rel: Vec::new(),
                    hreflang: None,
                    media_type: None,
                    slots: None,
                });
            }
        }
    }

    pub(crate) fn link_element(&mut self, element: &'a Element) {
        let Some(href) = non_empty(element.attr("href")) else {
            return;
        };
        let rel = rel_tokens(element);
        let has = |token: &str| rel.iter().any(|r| r == token);
        let kind = if has("alternate") {
            LinkKind::Alternate
        } else if has("canonical") {
            LinkKind::Canonical
        } else if rel.is_empty() || rel.iter().all(|r| RESOURCE_RELS.contains(&r.as_str())) {
            return;
        } else {
            LinkKind::LinkElement
        };
        self.push_link(PendingLink {
            raw_url: href.to_string(),
            kind,
            text: normalize_whitespace(element.attr("title").unwrap_or("")),
            rel,
            hreflang: non_empty(element.attr("hreflang")).map(str::to_string),
            media_type: non_empty(element.attr("type")).map(str::to_string),
            slots: None,
        });
    }

    /// Elements whose content is not visible text but may still matter.
    pub(crate) fn skipped_element(
        &mut self,
        node: ego_tree::NodeRef<'a, Node>,
        element: &'a Element,
    ) {
        let context = Context {
            lang: non_empty(element.attr("lang")).or(self.context().lang),
            ..self.context()
        };
        let inner_text = || {
            let mut text = String::new();
            for child in node.children() {
                if let Node::Text(t) = child.value() {
                    text.push_str(t);
                }
            }
            text
        };
        match element.name() {
            "noscript" => self.noscript_markup(&inner_text()),
            "title" if self.title.is_none() => {
                let title = normalize_whitespace(&inner_text());
                if !title.is_empty() {
                    let visible = Context {
                        hidden: false,
                        ..context
                    };
                    self.leaf_block(BlockKind::Title, &title, &visible, "title");
                    self.title = Some(title);
                }
            }
            "script" => {
                if runs_as_code(element.attr("type")) {
                    if non_empty(element.attr("src")).is_some() {
                        self.scripts.external = self.scripts.external.saturating_add(1);
                    } else {
                        let bytes: usize = node
                            .children()
                            .filter_map(|child| match child.value() {
                                Node::Text(t) => Some(t.len()),
                                _ => None,
                            })
                            .sum();
                        self.scripts.inline_bytes =
                            self.scripts.inline_bytes.saturating_add(bytes as u64);
                    }
                }
                let is_json_ld = element
                    .attr("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
                if is_json_ld {
                    // Invalid JSON-LD is common and harmless: skip it.
                    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&inner_text()) {
                        let mut parts = Vec::new();
                        flatten_json_ld(&value, 0, &mut parts);
                        let visible = Context {
                            hidden: false,
                            ..context
                        };
                        self.leaf_block(BlockKind::JsonLd, &parts.join("; "), &visible, "script");
                        match value {
                            serde_json::Value::Array(items) => self.json_ld.extend(items),
                            other => self.json_ld.push(other),
                        }
                    }
                }
            }
            "iframe" => {
                if let Some(src) = non_empty(element.attr("src")) {
                    self.push_link(PendingLink {
                        raw_url: src.to_string(),
                        kind: LinkKind::Iframe,
                        text: normalize_whitespace(element.attr("title").unwrap_or("")),
                        rel: Vec::new(),
                        hreflang: None,
                        media_type: None,
                        slots: None,
                    });
                }
            }
            "textarea" => {
                let context = Context {
                    hidden: context.hidden || is_hidden(element),
                    ..context
                };
                self.form_labels(element, &context, "textarea");
            }
            _ => {}
        }
    }

    pub(crate) fn finish(mut self, meta: DocMeta) -> Document {
        self.json_ld_markup();
        let mut doc = empty_document(&meta);
        doc.locale.html_lang = self.locale.html_lang;
        doc.locale.og_locale = self.locale.og_locale;
        doc.locale.switcher = self.locale.switcher;
        if doc.locale.content_language.is_none() {
            doc.locale.content_language = self.meta_content_language;
        }
        doc.title = self.title;
        doc.json_ld = self.json_ld;
        doc.markup = self.markup;
        doc.scripts = self.scripts;

        let page_url = Url::parse(&meta.final_url)
            .or_else(|_| Url::parse(&meta.url))
            .ok();
        let base = match (self.base_href, &page_url) {
            (Some(href), Some(page)) => page.join(href).ok().or_else(|| page_url.clone()),
            (Some(href), None) => Url::parse(href).ok(),
            (None, page) => page.clone(),
        };
        let resolve = |raw: &str| -> Option<String> {
            let resolved = match &base {
                Some(base) => base.join(raw.trim()).ok()?,
                None => Url::parse(raw.trim()).ok()?,
            };
            // mailto:, tel:, javascript: and data: are not pages to crawl.
            matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
        };

        let mut slot_index = Vec::with_capacity(self.slots.len());
        for pending in self.slots {
            let Some(kind) = pending.kind.filter(|_| !pending.text.is_empty()) else {
                slot_index.push(None);
                continue;
            };
            slot_index.push(Some(doc.blocks.len()));
            doc.blocks.push(Block {
                kind,
                index: doc.blocks.len(),
                path: pending.path,
                href: pending.href.as_deref().and_then(resolve),
                lang_attr: pending.lang_attr.map(str::to_string),
                language: None,
                text: pending.text,
            });
        }
        for pending in self.links {
            let Some(url) = resolve(&pending.raw_url) else {
                continue;
            };
            let block_index = pending.slots.and_then(|(start, end)| {
                slot_index
                    .get(start..end.max(start + 1).min(slot_index.len()))
                    .and_then(|range| range.iter().flatten().next().copied())
            });
            if pending.kind == LinkKind::Alternate {
                if let Some(hreflang) = &pending.hreflang {
                    doc.locale.hreflang.push((hreflang.clone(), url.clone()));
                }
            }
            doc.links.push(Link {
                url,
                kind: pending.kind,
                text: pending.text,
                rel: pending.rel,
                hreflang: pending.hreflang,
                media_type: pending.media_type,
                block_index,
            });
        }
        push_url_block(&mut doc);
        doc
    }
}

/// Whether a `<script>` of this `type` is code the browser runs: no type,
/// a JavaScript MIME type or `module`. Other types (`application/ld+json`,
/// `application/json`, `importmap`, templates) are data.
fn runs_as_code(script_type: Option<&str>) -> bool {
    let Some(script_type) = script_type.map(str::trim).filter(|t| !t.is_empty()) else {
        return true;
    };
    let essence = script_type.split(';').next().unwrap_or("").trim();
    CODE_SCRIPT_TYPES
        .iter()
        .any(|code| essence.eq_ignore_ascii_case(code))
}

/// `<script type>` essences a browser runs as code.
const CODE_SCRIPT_TYPES: [&str; 9] = [
    "module",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/ecmascript",
    "application/ecmascript",
    "text/x-javascript",
    "text/jscript",
    "text/livescript",
];
