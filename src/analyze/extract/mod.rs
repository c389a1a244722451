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

mod attributes;
mod elements;
mod json_ld;
mod markup;
mod meta;
mod page;
mod walker;

pub use attributes::refresh_target;
pub use json_ld::JSON_LD_FIELDS;
pub use meta::{DocMeta, MAX_LINKS};
pub use page::{extract_html, extract_links, extract_parsed, extract_text};

#[cfg(test)]
mod tests;
