//! The one pass over the parsed tree: open and close elements, gather text
//! into blocks, keep inline links in their sentence and lone links as blocks,
//! and record each block's path in the page.

use super::attributes::*;
use super::meta::*;
use crate::model::text::normalize_whitespace;
use crate::model::{BlockKind, LinkKind, LocaleMarkup};
use ego_tree::iter::Edge;
use scraper::node::Element;
use scraper::{Html, Node};

/// A block whose slot is reserved when its element opens, so that blocks
/// stay in document order (an outer `div`'s text comes before its children).
#[derive(Default)]
pub(crate) struct PendingBlock<'a> {
    pub(crate) kind: Option<BlockKind>,
    pub(crate) text: String,
    pub(crate) path: String,
    pub(crate) href: Option<String>,
    pub(crate) lang_attr: Option<&'a str>,
    /// The text as read with inline links in place; started when the first
    /// link that may be inline opens, since only the close of this block can
    /// tell whether the links were inline (the block has words of its own).
    pub(crate) inline_text: Option<String>,
    /// Slots of links whose text `inline_text` holds, with their link.
    pub(crate) absorbed: Vec<(usize, Option<usize>)>,
}

pub(crate) struct PendingLink {
    pub(crate) raw_url: String,
    pub(crate) kind: LinkKind,
    pub(crate) text: String,
    pub(crate) rel: Vec<String>,
    pub(crate) hreflang: Option<String>,
    pub(crate) media_type: Option<String>,
    /// Slots created while the link's element was open; the first that
    /// survives holds the link text.
    pub(crate) slots: Option<(usize, usize)>,
}

/// What an open element passes down to its descendants.
#[derive(Clone, Copy, Default)]
pub(crate) struct Context<'a> {
    pub(crate) lang: Option<&'a str>,
    pub(crate) footer: bool,
    pub(crate) cookie: bool,
    pub(crate) switcher: bool,
    /// Navigation and menus: their links stand alone even between words.
    pub(crate) navigation: bool,
    /// Invisible: no text, but links and switcher entries still count.
    pub(crate) hidden: bool,
}

pub(crate) struct Frame<'a> {
    pub(crate) context: Context<'a>,
    /// Slot of the block this element opened.
    pub(crate) block: Option<usize>,
    /// This element opened an anchor (index into `anchors`).
    pub(crate) anchor: bool,
    /// This anchor's block may be part of the text of the block around it.
    pub(crate) inline_link: bool,
    /// This element is an `<option>` of a language switcher.
    pub(crate) switcher_option: bool,
    /// Its `lang` attribute, which names the entry better than its text.
    pub(crate) option_lang: Option<&'a str>,
    pub(crate) segment: Segment<'a>,
}

#[derive(Clone, Copy)]
pub(crate) struct Segment<'a> {
    pub(crate) name: &'a str,
    /// `#id` or `.class` to make the path readable.
    pub(crate) qualifier: Option<(char, &'a str)>,
}

pub(crate) struct OpenAnchor<'a> {
    pub(crate) link: Option<usize>,
    pub(crate) text: String,
    /// Used when the anchor has no text (an icon link).
    pub(crate) fallback: Option<&'a str>,
    /// Alt text of an image inside: the link's text when it has no other.
    pub(crate) image_alt: Option<&'a str>,
    pub(crate) href: Option<&'a str>,
    pub(crate) hreflang: Option<&'a str>,
    pub(crate) lang: Option<&'a str>,
    pub(crate) switcher: bool,
}

#[derive(Default)]
pub(crate) struct Walker<'a> {
    pub(crate) slots: Vec<PendingBlock<'a>>,
    /// Slots of open block elements, innermost last.
    pub(crate) open_blocks: Vec<usize>,
    pub(crate) frames: Vec<Frame<'a>>,
    pub(crate) anchors: Vec<OpenAnchor<'a>>,
    pub(crate) links: Vec<PendingLink>,
    pub(crate) locale: LocaleMarkup,
    pub(crate) json_ld: Vec<serde_json::Value>,
    /// What the markup states about the page (`markup.rs`).
    pub(crate) markup: Vec<crate::model::MarkupFact>,
    pub(crate) title: Option<String>,
    pub(crate) base_href: Option<&'a str>,
    pub(crate) meta_content_language: Option<String>,
    /// Element whose whole subtree is being skipped.
    pub(crate) skipping: Option<ego_tree::NodeId>,
    /// Text of an `<option>` of a switcher being read.
    pub(crate) option_text: Option<String>,
    /// Scripts the page runs (`<script src>`, inline code bytes).
    pub(crate) scripts: crate::model::ScriptLoad,
}

impl<'a> Walker<'a> {
    pub(crate) fn walk(&mut self, parsed: &'a Html) {
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
                                self.app_root_markup(node, element);
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

    pub(crate) fn context(&self) -> Context<'a> {
        self.frames.last().map(|f| f.context).unwrap_or_default()
    }

    pub(crate) fn text(&mut self, text: &str) {
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
    pub(crate) fn separate(&mut self) {
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
    pub(crate) fn begin_inline_link(&mut self) {
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
    pub(crate) fn end_inline_link(&mut self, slot: usize, raw_text: &str, link: Option<usize>) {
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

    pub(crate) fn new_slot(&mut self, kind: BlockKind, context: &Context<'a>) -> usize {
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
    pub(crate) fn leaf_block(
        &mut self,
        kind: BlockKind,
        text: &str,
        context: &Context<'a>,
        leaf: &str,
    ) {
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

    pub(crate) fn path(&self, leaf: Option<&str>) -> String {
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

    pub(crate) fn segment(name: &'a str, attrs: &Attrs<'a>) -> Segment<'a> {
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

    pub(crate) fn open(&mut self, element: &'a Element) {
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
        self.element_markup(element, &attrs);

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

    pub(crate) fn open_anchor(
        &mut self,
        element: &'a Element,
        context: &Context<'a>,
        block: Option<usize>,
    ) {
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

    pub(crate) fn close(&mut self) {
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
    pub(crate) fn close_anchor(&mut self) -> (Option<&'a str>, Option<usize>) {
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

    pub(crate) fn switcher_entry(&mut self, entry: &str) {
        let entry = normalize_whitespace(entry);
        if !entry.is_empty() && !self.locale.switcher.contains(&entry) {
            self.locale.switcher.push(entry);
        }
    }

    pub(crate) fn push_link(&mut self, link: PendingLink) {
        if self.links.len() < MAX_LINKS {
            self.links.push(link);
        }
    }
}
