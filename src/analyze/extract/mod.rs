//! Extraction: a fetched response becomes a [`Document`] — text blocks with
//! their place in the page, links with their attributes, locale markup and
//! JSON-LD.
//!
//! Rules downstream match block text and weigh it by where it stood (a
//! button counts more than prose, a footer less), so every text node belongs
//! to exactly one block: the innermost block-level element around it. Text a
//! visitor cannot see (scripts, hidden elements, comments) is not text.
//!
//! A block's text must read as the page reads, because findings quote it as
//! evidence and phrases run across markup ("Jetzt <a>registrieren</a>"). So
//! a link inside running text stays in that text: its block is the one
//! around it, and [`Document::links`] records it with that block's index.
//! A link stands as its own `link` block only where it stands alone on the
//! page: when the block around it has no words of its own (a list of links,
//! a linked heading), inside navigation, menus and language switchers, or
//! when it wraps blocks itself (a card). Anchors styled as buttons
//! (`role=button`, classes `btn`, `button`, `cta`) always stay `button`
//! blocks, even inside a sentence: a visitor sees a button, and a call to
//! action in a button weighs more than the same words in prose.
//!
//! Extraction is pure and total: it never performs I/O, never fails and
//! never panics on malformed input (html5ever recovers), and walks the tree
//! once without recursion, so hostile nesting cannot exhaust the stack.

use crate::analyze::lang::looks_like_locale;
use crate::model::text::normalize_whitespace;
use crate::model::{Block, BlockKind, Document, Link, LinkKind, LocaleMarkup, SourceKind};
use ego_tree::iter::Edge;
use scraper::node::Element;
use scraper::{Html, Node};
use url::Url;

/// Links kept per document; a page with more is a link farm or a trap.
pub const MAX_LINKS: usize = 10_000;
/// Path segments kept in a block's `path`; deeper paths keep the first and the last ones.
const MAX_PATH_SEGMENTS: usize = 6;
/// JSON-LD nesting followed when flattening; deeper data is not prose.
const MAX_JSON_LD_DEPTH: usize = 12;

/// What is known about a response besides its body.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    /// The URL requested.
    pub url: String,
    /// The URL after redirects.
    pub final_url: String,
    pub source_kind: SourceKind,
    /// RFC 3339 UTC.
    pub fetched_at: String,
    /// SHA-256 (hex) of the body bytes as received.
    pub content_sha256: String,
    /// The `Content-Language` response header.
    pub content_language: Option<String>,
}

impl DocMeta {
    /// Metadata for a document at `url` with no redirect, for callers that
    /// only need the extraction (link discovery, tests).
    pub fn for_url(url: impl Into<String>, source_kind: SourceKind) -> Self {
        let url = url.into();
        DocMeta {
            final_url: url.clone(),
            url,
            source_kind,
            fetched_at: String::new(),
            content_sha256: String::new(),
            content_language: None,
        }
    }
}

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

fn empty_document(meta: &DocMeta) -> Document {
    let mut doc = Document::new(meta.url.clone(), meta.source_kind);
    doc.final_url = meta.final_url.clone();
    doc.fetched_at = meta.fetched_at.clone();
    doc.content_sha256 = meta.content_sha256.clone();
    doc.locale = url_locale(&meta.final_url);
    doc.locale.content_language = meta.content_language.clone();
    doc
}

fn push_url_block(doc: &mut Document) {
    let mut block = Block::new(BlockKind::Url, doc.final_url.clone(), doc.blocks.len());
    block.path = "url".into();
    doc.blocks.push(block);
}

/// Locale hints carried by the URL itself: `/de-de/` paths and `fr.` subdomains.
fn url_locale(final_url: &str) -> LocaleMarkup {
    let mut locale = LocaleMarkup::default();
    let Ok(url) = Url::parse(final_url) else {
        return locale;
    };
    if let Some(segments) = url.path_segments() {
        for (position, segment) in segments.take(3).enumerate() {
            // A bare two-letter segment is a locale only in first place
            // (`/de/...`); deeper down (`/blog/it/`) it is more often a word.
            let qualifies = if segment.len() == 2 {
                position == 0
            } else {
                segment.contains(['-', '_'])
            };
            if qualifies && looks_like_locale(segment, false) {
                locale.path_locale = Some(segment.to_string());
                break;
            }
        }
    }
    if let Some(url::Host::Domain(host)) = url.host() {
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() > 2 {
            locale.subdomain_locale = labels[..labels.len() - 2]
                .iter()
                .filter(|label| !label.eq_ignore_ascii_case("www"))
                .find(|label| looks_like_locale(label, true))
                .map(|label| label.to_ascii_lowercase());
        }
    }
    locale
}

/// A block whose slot is reserved when its element opens, so that blocks
/// stay in document order (an outer `div`'s text comes before its children).
#[derive(Default)]
struct PendingBlock<'a> {
    kind: Option<BlockKind>,
    text: String,
    path: String,
    href: Option<String>,
    lang_attr: Option<&'a str>,
    /// The text as read with inline links in place; started when the first
    /// link that may be inline opens, since only the close of this block can
    /// tell whether the links were inline (the block has words of its own).
    inline_text: Option<String>,
    /// Slots of links whose text `inline_text` holds, with their link.
    absorbed: Vec<(usize, Option<usize>)>,
}

struct PendingLink {
    raw_url: String,
    kind: LinkKind,
    text: String,
    rel: Vec<String>,
    hreflang: Option<String>,
    media_type: Option<String>,
    /// Slots created while the link's element was open; the first that
    /// survives holds the link text.
    slots: Option<(usize, usize)>,
}

/// What an open element passes down to its descendants.
#[derive(Clone, Copy, Default)]
struct Context<'a> {
    lang: Option<&'a str>,
    footer: bool,
    cookie: bool,
    switcher: bool,
    /// Navigation and menus: their links stand alone even between words.
    navigation: bool,
    /// Invisible: no text, but links and switcher entries still count.
    hidden: bool,
}

struct Frame<'a> {
    context: Context<'a>,
    /// Slot of the block this element opened.
    block: Option<usize>,
    /// This element opened an anchor (index into `anchors`).
    anchor: bool,
    /// This anchor's block may be part of the text of the block around it.
    inline_link: bool,
    /// This element is an `<option>` of a language switcher.
    switcher_option: bool,
    /// Its `lang` attribute, which names the entry better than its text.
    option_lang: Option<&'a str>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
struct Segment<'a> {
    name: &'a str,
    /// `#id` or `.class` to make the path readable.
    qualifier: Option<(char, &'a str)>,
}

struct OpenAnchor<'a> {
    link: Option<usize>,
    text: String,
    /// Used when the anchor has no text (an icon link).
    fallback: Option<&'a str>,
    /// Alt text of an image inside: the link's text when it has no other.
    image_alt: Option<&'a str>,
    href: Option<&'a str>,
    hreflang: Option<&'a str>,
    lang: Option<&'a str>,
    switcher: bool,
}

#[derive(Default)]
struct Walker<'a> {
    slots: Vec<PendingBlock<'a>>,
    /// Slots of open block elements, innermost last.
    open_blocks: Vec<usize>,
    frames: Vec<Frame<'a>>,
    anchors: Vec<OpenAnchor<'a>>,
    links: Vec<PendingLink>,
    locale: LocaleMarkup,
    json_ld: Vec<serde_json::Value>,
    title: Option<String>,
    base_href: Option<&'a str>,
    meta_content_language: Option<String>,
    /// Element whose whole subtree is being skipped.
    skipping: Option<ego_tree::NodeId>,
    /// Text of an `<option>` of a switcher being read.
    option_text: Option<String>,
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The attributes every element is checked for, read in one pass (each
/// `Element::attr` call scans all attributes again).
#[derive(Default)]
struct Attrs<'a> {
    id: Option<&'a str>,
    class: Option<&'a str>,
    lang: Option<&'a str>,
    role: Option<&'a str>,
    href: Option<&'a str>,
    input_type: Option<&'a str>,
    style: Option<&'a str>,
    aria_hidden: Option<&'a str>,
    hidden: bool,
}

impl<'a> Attrs<'a> {
    fn of(element: &'a Element) -> Self {
        let mut attrs = Attrs::default();
        for (name, value) in element.attrs() {
            match name {
                "id" => attrs.id = Some(value),
                "class" => attrs.class = Some(value),
                "lang" => attrs.lang = non_empty(Some(value)).or(attrs.lang),
                "xml:lang" => attrs.lang = attrs.lang.or(non_empty(Some(value))),
                "role" => attrs.role = Some(value),
                "href" => attrs.href = non_empty(Some(value)),
                "type" => attrs.input_type = Some(value),
                "style" => attrs.style = Some(value),
                "aria-hidden" => attrs.aria_hidden = Some(value),
                "hidden" => attrs.hidden = true,
                _ => {}
            }
        }
        attrs
    }

    fn id_or_class_contains(&self, needles: &[&str]) -> bool {
        [self.id, self.class]
            .into_iter()
            .flatten()
            .any(|value| needles.iter().any(|n| contains_ignore_case(value, n)))
    }

    fn role_is(&self, role: &str) -> bool {
        self.role
            .is_some_and(|r| r.trim().eq_ignore_ascii_case(role))
    }
}

fn is_hidden(element: &Element) -> bool {
    hidden_by(element.name(), &Attrs::of(element))
}

fn hidden_by(name: &str, attrs: &Attrs) -> bool {
    if attrs.hidden {
        return true;
    }
    if attrs
        .aria_hidden
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return true;
    }
    if name == "input"
        && attrs
            .input_type
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("hidden"))
    {
        return true;
    }
    attrs.style.is_some_and(|style| {
        let compact: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        compact.contains("display:none") || compact.contains("visibility:hidden")
    })
}

/// Class tokens that make an anchor a button (`btn`, `button`, `cta`).
fn looks_like_button(attrs: &Attrs) -> bool {
    if attrs.role_is("button") {
        return true;
    }
    attrs.class.is_some_and(|class| {
        class.split_ascii_whitespace().any(|token| {
            contains_ignore_case(token, "btn")
                || contains_ignore_case(token, "button")
                || token
                    .split(['-', '_'])
                    .any(|part| part.eq_ignore_ascii_case("cta"))
        })
    })
}

fn block_kind(name: &str, attrs: &Attrs) -> Option<BlockKind> {
    let kind = match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => BlockKind::Heading,
        "p" | "blockquote" | "pre" | "address" | "figcaption" | "caption" | "summary" | "dt"
        | "dd" | "legend" => BlockKind::Paragraph,
        "li" => BlockKind::ListItem,
        "td" | "th" => BlockKind::TableCell,
        "button" => BlockKind::Button,
        "label" => BlockKind::FormLabel,
        "option" => BlockKind::FormOption,
        "a" if looks_like_button(attrs) => BlockKind::Button,
        "a" if attrs.href.is_some() => BlockKind::Link,
        // Containers: their direct text (outside inner blocks) is a paragraph.
        "body" | "div" | "section" | "article" | "main" | "header" | "footer" | "aside" | "nav"
        | "form" | "figure" | "details" | "dialog" | "fieldset" | "table" | "tr" | "thead"
        | "tbody" | "tfoot" | "ul" | "ol" | "dl" | "select" | "optgroup" | "center" | "hgroup"
        | "search" | "menu" => BlockKind::Paragraph,
        _ => return None,
    };
    Some(kind)
}

/// Elements whose content is never text a visitor reads.
fn skips_content(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "textarea"
            | "title"
    )
}

fn rel_tokens(element: &Element) -> Vec<String> {
    element
        .attr("rel")
        .map(|rel| {
            rel.split_ascii_whitespace()
                .map(|t| t.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `<link rel>` values that only fetch resources for rendering.
const RESOURCE_RELS: &[&str] = &[
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "apple-touch-icon-precomposed",
    "mask-icon",
    "manifest",
    "preload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "modulepreload",
    "prerender",
    "pingback",
    "edituri",
    "wlwmanifest",
];

impl<'a> Walker<'a> {
    fn walk(&mut self, parsed: &'a Html) {
        for edge in parsed.tree.root().traverse() {
            match edge {
                Edge::Open(node) => {
                    if self.skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(text) => self.text(text),
                        Node::Element(element) => {
                            if skips_content(element.name()) {
                                self.skipped_element(node, element);
                                self.skipping = Some(node.id());
                            } else {
                                self.open(element);
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Some(skipped) = self.skipping {
                        if skipped == node.id() {
                            self.skipping = None;
                        }
                        continue;
                    }
                    if node.value().is_element() {
                        self.close();
                    }
                }
            }
        }
    }

    fn context(&self) -> Context<'a> {
        self.frames.last().map(|f| f.context).unwrap_or_default()
    }

    fn text(&mut self, text: &str) {
        if self.context().hidden {
            return;
        }
        if let Some(slot) = self.open_blocks.last() {
            let pending = &mut self.slots[*slot];
            pending.text.push_str(text);
            if let Some(inline) = &mut pending.inline_text {
                inline.push_str(text);
            }
        }
        if let Some(anchor) = self.anchors.last_mut() {
            anchor.text.push_str(text);
        }
        if let Some(option) = &mut self.option_text {
            option.push_str(text);
        }
    }

    /// Keeps words of neighbouring blocks apart in their parents' text.
    fn separate(&mut self) {
        if let Some(slot) = self.open_blocks.last() {
            let pending = &mut self.slots[*slot];
            pending.text.push(' ');
            if let Some(inline) = &mut pending.inline_text {
                inline.push(' ');
            }
        }
        if let Some(anchor) = self.anchors.last_mut() {
            anchor.text.push(' ');
        }
    }

    /// A link that may be inline opens: the block around it starts its
    /// inline reading, which the link joins without a break; its own
    /// reading gets the usual break in case the link stands alone.
    fn begin_inline_link(&mut self) {
        if let Some(slot) = self.open_blocks.last() {
            let pending = &mut self.slots[*slot];
            if pending.inline_text.is_none() {
                pending.inline_text = Some(pending.text.clone());
            }
            pending.text.push(' ');
        }
    }

    /// A link that may be inline closes. It joins the inline reading of the
    /// block around it when it holds text of its own and no blocks (a card
    /// link wrapping a heading stands alone); whether that reading is used
    /// is decided when the outer block closes.
    fn end_inline_link(&mut self, slot: usize, raw_text: &str, link: Option<usize>) {
        let joins = self.slots.len() == slot + 1 && raw_text.chars().any(|c| !c.is_whitespace());
        let Some(outer) = self.open_blocks.last().copied() else {
            return;
        };
        let pending = &mut self.slots[outer];
        pending.text.push(' ');
        if let Some(inline) = &mut pending.inline_text {
            if joins {
                inline.push_str(raw_text);
                pending.absorbed.push((slot, link));
            } else {
                inline.push(' ');
            }
        }
    }

    fn new_slot(&mut self, kind: BlockKind, context: &Context<'a>) -> usize {
        let kind = match kind {
            BlockKind::Paragraph
            | BlockKind::ListItem
            | BlockKind::Heading
            | BlockKind::TableCell
            | BlockKind::FormLabel
                if context.cookie =>
            {
                BlockKind::CookieBanner
            }
            BlockKind::Paragraph | BlockKind::ListItem | BlockKind::TableCell if context.footer => {
                BlockKind::Footer
            }
            other => other,
        };
        self.slots.push(PendingBlock {
            kind: Some(kind),
            lang_attr: context.lang,
            ..PendingBlock::default()
        });
        self.slots.len() - 1
    }

    /// A block that is complete at once (meta, alt text, placeholders).
    fn leaf_block(&mut self, kind: BlockKind, text: &str, context: &Context<'a>, leaf: &str) {
        if context.hidden {
            return;
        }
        let normalised = normalize_whitespace(text);
        if normalised.is_empty() {
            return;
        }
        let slot = self.new_slot(kind, context);
        let path = self.path(Some(leaf));
        let pending = &mut self.slots[slot];
        pending.text = normalised;
        pending.path = path;
    }

    fn path(&self, leaf: Option<&str>) -> String {
        let segments: Vec<&Segment<'a>> = self
            .frames
            .iter()
            .map(|f| &f.segment)
            .filter(|s| s.name != "html")
            .collect();
        let total = segments.len() + usize::from(leaf.is_some());
        // Deep paths keep their first segment and their last ones.
        let cut = (total > MAX_PATH_SEGMENTS).then(|| total - (MAX_PATH_SEGMENTS - 2));
        let mut out = String::with_capacity(64);
        for (position, segment) in segments.iter().enumerate() {
            if let Some(cut) = cut {
                if position == 1 {
                    out.push_str(">…");
                }
                if position >= 1 && position < cut {
                    continue;
                }
            }
            if !out.is_empty() {
                out.push('>');
            }
            out.push_str(segment.name);
            if let Some((mark, value)) = segment.qualifier {
                out.push(mark);
                out.push_str(value);
            }
        }
        if let Some(leaf) = leaf {
            if !out.is_empty() {
                out.push('>');
            }
            out.push_str(leaf);
        }
        out
    }

    fn segment(name: &'a str, attrs: &Attrs<'a>) -> Segment<'a> {
        let id = non_empty(attrs.id).filter(|id| id.len() <= 40);
        let qualifier = match id {
            Some(id) => Some(('#', id)),
            None if matches!(
                name,
                "div"
                    | "section"
                    | "nav"
                    | "header"
                    | "footer"
                    | "aside"
                    | "main"
                    | "article"
                    | "form"
                    | "ul"
            ) =>
            {
                attrs
                    .class
                    .and_then(|c| c.split_ascii_whitespace().next())
                    .filter(|c| c.len() <= 40)
                    .map(|c| ('.', c))
            }
            None => None,
        };
        Segment { name, qualifier }
    }

    fn open(&mut self, element: &'a Element) {
        let parent = self.context();
        let name = element.name();
        let attrs = Attrs::of(element);
        let context = Context {
            lang: attrs.lang.or(parent.lang),
            footer: parent.footer || name == "footer" || attrs.role_is("contentinfo"),
            cookie: parent.cookie || attrs.id_or_class_contains(&["cookie", "consent", "gdpr"]),
            switcher: parent.switcher || attrs.id_or_class_contains(&["lang", "locale"]),
            navigation: parent.navigation
                || matches!(name, "nav" | "menu")
                || attrs.role_is("navigation")
                || attrs.role_is("menu")
                || attrs.role_is("menubar"),
            hidden: parent.hidden || hidden_by(name, &attrs),
        };
        if name == "html" {
            self.locale.html_lang = context.lang.map(str::to_string);
        }
        self.void_element(element, &context);

        let kind = block_kind(name, &attrs).filter(|_| !context.hidden);
        let inline_link = kind == Some(BlockKind::Link)
            && !context.navigation
            && !context.switcher
            && !self.open_blocks.is_empty();
        if inline_link {
            self.begin_inline_link();
        } else if kind.is_some() {
            self.separate();
        }
        let block = kind.map(|kind| self.new_slot(kind, &context));
        let anchor = name == "a";
        if anchor {
            self.open_anchor(element, &context, block);
        }
        let switcher_option = name == "option" && context.switcher;
        if switcher_option {
            self.option_text = Some(String::new());
        }
        if let Some(slot) = block {
            self.open_blocks.push(slot);
        }
        self.frames.push(Frame {
            context,
            block,
            anchor,
            inline_link,
            switcher_option,
            option_lang: attrs.lang,
            segment: Self::segment(name, &attrs),
        });
    }

    fn open_anchor(&mut self, element: &'a Element, context: &Context<'a>, block: Option<usize>) {
        let href = non_empty(element.attr("href"));
        let link = match href {
            Some(href) if self.links.len() < MAX_LINKS => {
                self.links.push(PendingLink {
                    raw_url: href.to_string(),
                    kind: LinkKind::Anchor,
                    text: String::new(),
                    rel: rel_tokens(element),
                    hreflang: non_empty(element.attr("hreflang")).map(str::to_string),
                    media_type: non_empty(element.attr("type")).map(str::to_string),
                    slots: block.map(|b| (b, b)),
                });
                Some(self.links.len() - 1)
            }
            _ => None,
        };
        if let (Some(slot), Some(href)) = (block, href) {
            self.slots[slot].href = Some(href.to_string());
        }
        self.anchors.push(OpenAnchor {
            link,
            text: String::new(),
            fallback: non_empty(element.attr("aria-label")).or(non_empty(element.attr("title"))),
            image_alt: None,
            href,
            hreflang: non_empty(element.attr("hreflang")),
            lang: non_empty(element.attr("lang")),
            switcher: context.switcher,
        });
    }

    fn close(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let inline_link = frame.inline_link;
        let (label, link) = if frame.anchor {
            self.close_anchor()
        } else {
            (None, None)
        };
        if frame.switcher_option {
            if let Some(text) = self.option_text.take() {
                self.switcher_entry(frame.option_lang.unwrap_or(&text));
            }
        }
        let Some(slot) = frame.block else {
            return;
        };
        self.open_blocks.pop();
        let pending = &mut self.slots[slot];
        let raw = std::mem::take(&mut pending.text);
        let inline = pending.inline_text.take();
        let absorbed = std::mem::take(&mut pending.absorbed);
        // Links are inline only where the block has words of its own around
        // them; a bare list of links keeps each link as its own block.
        let has_words = raw.chars().any(char::is_alphanumeric);
        let mut text = match inline {
            Some(inline) if has_words && !absorbed.is_empty() => {
                for (link_slot, link) in absorbed {
                    self.slots[link_slot].kind = None;
                    if let Some(link) = link {
                        self.links[link].slots = Some((slot, slot));
                    }
                }
                normalize_whitespace(&inline)
            }
            _ => normalize_whitespace(&raw),
        };
        if text.is_empty() {
            // Icon buttons and links speak through their labels.
            if let Some(label) = label {
                text = normalize_whitespace(label);
            }
        }
        if !text.is_empty() {
            // The frame is popped; put its segment back for the path.
            self.frames.push(frame);
            let path = self.path(None);
            self.frames.pop();
            let pending = &mut self.slots[slot];
            pending.path = path;
            if pending.kind == Some(BlockKind::Button) && pending.href.is_none() {
                // `<a href><button>Sign up</button></a>`: the button links.
                pending.href = self
                    .anchors
                    .iter()
                    .rev()
                    .find_map(|a| a.href)
                    .map(str::to_string);
            }
        }
        self.slots[slot].text = text;
        if inline_link {
            self.end_inline_link(slot, &raw, link);
        } else {
            self.separate();
        }
    }

    /// Closes the innermost anchor; returns its label for an empty block
    /// and its link.
    fn close_anchor(&mut self) -> (Option<&'a str>, Option<usize>) {
        let Some(anchor) = self.anchors.pop() else {
            return (None, None);
        };
        let mut text = normalize_whitespace(&anchor.text);
        if text.is_empty() {
            text = anchor
                .fallback
                .or(anchor.image_alt)
                .map(normalize_whitespace)
                .unwrap_or_default();
        }
        if let Some(link) = anchor.link {
            let end = self.slots.len();
            let pending = &mut self.links[link];
            pending.text = text.clone();
            pending.slots = Some(match pending.slots {
                Some((start, _)) => (start, end),
                None => (end, end),
            });
        }
        if anchor.switcher || anchor.hreflang.is_some() || anchor.lang.is_some() {
            let entry = anchor
                .hreflang
                .or(anchor.lang)
                .map(str::to_string)
                .unwrap_or_else(|| text.clone());
            self.switcher_entry(&entry);
        }
        (anchor.fallback, anchor.link)
    }

    fn switcher_entry(&mut self, entry: &str) {
        let entry = normalize_whitespace(entry);
        if !entry.is_empty() && !self.locale.switcher.contains(&entry) {
            self.locale.switcher.push(entry);
        }
    }

    fn push_link(&mut self, link: PendingLink) {
        if self.links.len() < MAX_LINKS {
            self.links.push(link);
        }
    }

    /// Elements that carry text or links in attributes rather than content.
    fn void_element(&mut self, element: &'a Element, context: &Context<'a>) {
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

    fn form_labels(&mut self, element: &'a Element, context: &Context<'a>, leaf: &str) {
        for attribute in ["placeholder", "aria-label"] {
            if let Some(label) = non_empty(element.attr(attribute)) {
                self.leaf_block(BlockKind::FormLabel, label, context, leaf);
            }
        }
    }

    fn meta(&mut self, element: &'a Element, context: &Context<'a>) {
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

    fn link_element(&mut self, element: &'a Element) {
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
    fn skipped_element(&mut self, node: ego_tree::NodeRef<'a, Node>, element: &'a Element) {
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

    fn finish(self, meta: DocMeta) -> Document {
        let mut doc = empty_document(&meta);
        doc.locale.html_lang = self.locale.html_lang;
        doc.locale.og_locale = self.locale.og_locale;
        doc.locale.switcher = self.locale.switcher;
        if doc.locale.content_language.is_none() {
            doc.locale.content_language = self.meta_content_language;
        }
        doc.title = self.title;
        doc.json_ld = self.json_ld;

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

/// The target of `<meta http-equiv=refresh content="0; url=...">`.
pub(crate) fn refresh_target(content: &str) -> Option<&str> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let after_key = if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case("url") {
        rest[3..].trim_start().strip_prefix('=')?
    } else {
        rest
    };
    let target = after_key.trim().trim_matches(['\'', '"']).trim();
    (!target.is_empty()).then_some(target)
}

/// The JSON-LD fields that say who a firm is and whom it serves.
pub(crate) const JSON_LD_FIELDS: &[&str] =
    &["name", "description", "areaServed", "inLanguage", "address"];

/// Flattens JSON-LD into `field: value` parts a rule can read.
fn flatten_json_ld(value: &serde_json::Value, depth: usize, parts: &mut Vec<String>) {
    if depth > MAX_JSON_LD_DEPTH {
        return;
    }
    match value {
        serde_json::Value::Object(object) => {
            for field in JSON_LD_FIELDS {
                if let Some(field_value) = object.get(*field) {
                    let mut leaves = Vec::new();
                    json_leaves(field_value, depth + 1, &mut leaves);
                    let text = normalize_whitespace(&leaves.join(", "));
                    if !text.is_empty() {
                        parts.push(format!("{field}: {text}"));
                    }
                }
            }
            for (key, nested) in object {
                if !JSON_LD_FIELDS.contains(&key.as_str())
                    && (nested.is_object() || nested.is_array())
                {
                    flatten_json_ld(nested, depth + 1, parts);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                flatten_json_ld(item, depth + 1, parts);
            }
        }
        _ => {}
    }
}

/// The readable values inside a JSON-LD field (`@type`/`@id` are plumbing).
fn json_leaves(value: &serde_json::Value, depth: usize, leaves: &mut Vec<String>) {
    if depth > MAX_JSON_LD_DEPTH {
        return;
    }
    match value {
        serde_json::Value::String(s) => leaves.push(s.clone()),
        serde_json::Value::Number(n) => leaves.push(n.to_string()),
        serde_json::Value::Array(items) => {
            for item in items {
                json_leaves(item, depth + 1, leaves);
            }
        }
        serde_json::Value::Object(object) => {
            // Addresses read in postal order, whatever order the map keeps.
            for key in ADDRESS_ORDER {
                if let Some(nested) = object.get(*key) {
                    json_leaves(nested, depth + 1, leaves);
                }
            }
            for (key, nested) in object {
                if !key.starts_with('@') && !ADDRESS_ORDER.contains(&key.as_str()) {
                    json_leaves(nested, depth + 1, leaves);
                }
            }
        }
        _ => {}
    }
}

const ADDRESS_ORDER: &[&str] = &[
    "streetAddress",
    "postalCode",
    "addressLocality",
    "addressRegion",
    "addressCountry",
];

#[cfg(test)]
mod tests;
