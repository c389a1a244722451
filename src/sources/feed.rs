//! Feeds become documents: RSS 0.9x/1.0/2.0, Atom and JSON Feed, read with
//! `feed-rs`, turned into one [`Document`] per item.
//!
//! ESMA counts press releases and organic posts as solicitation one by one,
//! so a finding must point at the item that carried it — its permalink and
//! its publication time — not at the feed that listed it. This module also
//! tells whether a response is a feed and which feeds a page advertises.
//!
//! It must never fetch anything (bytes in, documents out), never fold several
//! items into one document, and never sanitise item HTML: a sanitiser drops
//! exactly what the rules look for (`rel="sponsored"`, referral links,
//! tracking parameters), so `feed-rs`' optional sanitiser stays off.

use crate::analyze::extract::{extract_html, extract_text, DocMeta};
use crate::model::text::normalize_whitespace;
use crate::model::time::rfc3339;
use crate::model::{Block, BlockKind, Category, Document, Link, LinkKind, SourceKind};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use url::Url;

/// Media types of `<link rel="alternate">` that advertise a feed. Plain
/// `application/json` is included because JSON Feed publishers often use it.
pub const FEED_LINK_MEDIA_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// Response media types that are feeds whatever the body looks like.
const FEED_CONTENT_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
];

/// How far into a body [`looks_like_feed`] looks for the root element:
/// enough for an XML prolog, a stylesheet instruction and a comment or two.
const SNIFF_BYTES: usize = 4096;

/// Facts about the feed response that every item document inherits.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    /// The URL the feed was fetched from (after redirects): the base for
    /// relative item links and the fallback for items without one.
    pub feed_url: String,
    /// RFC 3339 UTC time of the feed response.
    pub fetched_at: String,
    /// Hex SHA-256 of the feed body as received.
    pub content_sha256: String,
    /// `Feed` for a firm's feeds, `Social` for a social profile's feed.
    pub source_kind: SourceKind,
    /// Category the source imposes on its findings (a press-release feed).
    pub category_override: Option<Category>,
    /// Items older than this (by their newest date) are skipped.
    pub max_age: Option<std::time::Duration>,
    /// The time `max_age` counts back from.
    pub now: OffsetDateTime,
}

/// A feed read into one document per item.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// The feed's own title, as text.
    pub title: Option<String>,
    /// One document per item kept, in feed order.
    pub documents: Vec<Document>,
    /// Items skipped because they were older than `max_age`.
    pub skipped_old: usize,
}

/// Why a feed could not be read. Carries the feed URL.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// `FeedMeta::feed_url` is not an absolute URL.
    #[error("{url}: the feed URL is not an absolute URL: {reason}")]
    BadUrl { url: String, reason: String },
    /// The body is not an RSS, Atom or JSON feed, or is malformed.
    #[error("{url}: cannot read the feed: {reason}")]
    Unreadable { url: String, reason: String },
}

/// Reads a feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into one [`Document`]
/// per item.
///
/// Each document's `url` and `final_url` are the item's permalink, made
/// absolute against the feed URL; an item without one gets the feed URL
/// with `#` and the item id (a hash of its text when it has no id either).
/// `published_at` is the item's publication time, or its update time when
/// the feed gives none. The title becomes a `Title` block. The summary, the
/// content and Media RSS texts are read by [`crate::analyze::extract`] as a web page
/// is: their plain paragraphs become `FeedItem` blocks (summary, media) or
/// `Paragraph` blocks (content), headings, list items, links and buttons
/// keep their kinds, and a text already present is kept once. Their links
/// keep their attributes, resolve against the permalink and point at the
/// block holding their text. `locale.html_lang` carries the item's or the
/// feed's language, and so does every block without a `lang` attribute of
/// its own. `fetched_at` and `content_sha256` are those of the feed
/// response, which is what was captured.
///
/// Items whose newest date is older than `max_age` before `now` are skipped
/// and counted; items without any date are kept, since their age is unknown.
///
/// # Errors
/// [`FeedError::BadUrl`] when `meta.feed_url` is not absolute;
/// [`FeedError::Unreadable`] when the bytes are not a feed `feed-rs` reads.
pub fn parse_feed(bytes: &[u8], meta: &FeedMeta) -> Result<ParsedFeed, FeedError> {
    let mut feed_url = Url::parse(&meta.feed_url).map_err(|error| FeedError::BadUrl {
        url: meta.feed_url.clone(),
        reason: error.to_string(),
    })?;
    feed_url.set_fragment(None);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .sanitize_content(false)
        // The default generator falls back to random UUIDs; an item's URL must
        // be the same on every scan, so missing ids are derived from the text.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(bytes).map_err(|error| FeedError::Unreadable {
        url: crate::model::text::redact(&feed_url),
        reason: error.to_string(),
    })?;

    let cutoff = meta.max_age.and_then(|age| {
        let age = time::Duration::try_from(age).ok()?;
        meta.now.checked_sub(age)
    });
    let title = feed
        .title
        .as_ref()
        .map(|title| text_of(title, &feed_url))
        .filter(|title| !title.is_empty());
    let mut documents = Vec::with_capacity(feed.entries.len());
    let mut skipped_old = 0;
    for entry in &feed.entries {
        let newest = [entry.published, entry.updated]
            .into_iter()
            .flatten()
            .filter_map(|at| unix_time(at.timestamp()))
            .max();
        if let (Some(cutoff), Some(newest)) = (cutoff, newest) {
            if newest < cutoff {
                skipped_old += 1;
                continue;
            }
        }
        let language = entry.language.clone().or_else(|| feed.language.clone());
        documents.push(entry_document(entry, &feed_url, language, meta));
    }
    Ok(ParsedFeed {
        title,
        documents,
        skipped_old,
    })
}

fn entry_document(
    entry: &feed_rs::model::Entry,
    feed_url: &Url,
    language: Option<String>,
    meta: &FeedMeta,
) -> Document {
    let permalink = permalink(entry, feed_url);
    let mut document = Document::new(permalink.as_str(), meta.source_kind);
    document.category_override = meta.category_override;
    document.fetched_at = meta.fetched_at.clone();
    document.content_sha256 = meta.content_sha256.clone();
    document.published_at = entry
        .published
        .or(entry.updated)
        .and_then(|at| unix_time(at.timestamp()))
        .map(rfc3339);
    document.locale.html_lang = language.clone();

    let mut builder = BlockBuilder::new(language);
    if let Some(title) = entry.title.as_ref().map(|title| text_of(title, feed_url)) {
        if !title.is_empty() {
            builder.push_title(&title);
            document.title = Some(title);
        }
    }
    if let Some(summary) = &entry.summary {
        let fragment = fragment_of(&summary.content, summary.content_type.as_str(), &permalink);
        builder.push_fragment(fragment, BlockKind::FeedItem, "item>summary");
    }
    if let Some(content) = &entry.content {
        if let Some(body) = &content.body {
            let fragment = fragment_of(body, content.content_type.as_str(), &permalink);
            builder.push_fragment(fragment, BlockKind::Paragraph, "item>content");
        }
    }
    // Video and podcast feeds (YouTube's among them) carry the words in
    // Media RSS descriptions rather than in the summary.
    for media in &entry.media {
        for text in media.title.iter().chain(media.description.iter()) {
            let fragment = fragment_of(&text.content, text.content_type.as_str(), &permalink);
            builder.push_fragment(fragment, BlockKind::FeedItem, "item>media");
        }
    }
    document.blocks = builder.blocks;
    document.links = builder.links;
    document
}

/// The item's own page: its first alternate link, else an id that is a web
/// URL, else the feed URL with the id as fragment.
fn permalink(entry: &feed_rs::model::Entry, feed_url: &Url) -> Url {
    let alternate = entry
        .links
        .iter()
        .filter(|link| matches!(link.rel.as_deref(), None | Some("alternate")))
        .find_map(|link| web_url(feed_url, &link.href));
    if let Some(url) = alternate {
        return url;
    }
    if let Some(url) = Url::parse(&entry.id).ok().filter(is_web) {
        return url;
    }
    let id = if entry.id.trim().is_empty() {
        derived_id(entry)
    } else {
        entry.id.trim().to_string()
    };
    let mut fallback = feed_url.clone();
    fallback.set_fragment(Some(&id));
    fallback
}

/// A stable id for an item that has none: a hash of its title and text.
fn derived_id(entry: &feed_rs::model::Entry) -> String {
    let mut hasher = Sha256::new();
    for text in [&entry.title, &entry.summary].into_iter().flatten() {
        hasher.update(text.content.as_bytes());
        hasher.update([0]);
    }
    if let Some(body) = entry.content.as_ref().and_then(|c| c.body.as_ref()) {
        hasher.update(body.as_bytes());
    }
    let digest = hex::encode(hasher.finalize());
    format!("item-{}", &digest[..16])
}

fn web_url(base: &Url, href: &str) -> Option<Url> {
    base.join(href.trim()).ok().filter(is_web)
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// `feed-rs` speaks chrono; this crate speaks `time`. Seconds are enough.
fn unix_time(seconds: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// A feed text as one line of plain text, HTML or not. Titles are read
/// against the feed URL; their links are not wanted.
fn text_of(text: &feed_rs::model::Text, feed_url: &Url) -> String {
    let fragment = fragment_of(&text.content, text.content_type.as_str(), feed_url);
    let parts: Vec<&str> = fragment
        .blocks
        .iter()
        .filter(|block| block.kind != BlockKind::Url)
        .map(|block| block.text.as_str())
        .collect();
    normalize_whitespace(&parts.join(" "))
}

/// A feed text read by the shared extractor, relative links resolved
/// against `base`. Feeds label HTML loosely (RSS descriptions are HTML
/// whatever they say), so text that contains a tag is read as HTML too;
/// anything else is plain text, split into paragraphs at blank lines.
fn fragment_of(content: &str, content_type: &str, base: &Url) -> Document {
    let is_html = content_type.contains("html") || contains_tag(content);
    if is_html {
        extract_fragment(content, base)
    } else {
        extract_text(content, DocMeta::for_url(base.as_str(), SourceKind::Feed))
    }
}

fn contains_tag(text: &str) -> bool {
    text.as_bytes().windows(2).any(|pair| {
        pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || pair[1] == b'/' || pair[1] == b'!')
    })
}

/// An HTML fragment (an item's content, a post's text) read by the shared
/// extractor as if it were a page at `base`, so that item HTML gets the same
/// blocks, links and hidden-text rules as a web page. The result is raw
/// material for [`BlockBuilder::push_fragment`], not a document to report.
pub(crate) fn extract_fragment(html: &str, base: &Url) -> Document {
    extract_html(html, DocMeta::for_url(base.as_str(), SourceKind::Feed))
}

/// Assembles one document from pieces (a feed item's title and texts, a
/// post's parts, an e-mail's body parts) in order, keeping each extracted
/// text once and its links pointing at the block their text stands in.
pub(crate) struct BlockBuilder {
    pub(crate) blocks: Vec<Block>,
    pub(crate) links: Vec<Link>,
    language: Option<String>,
    seen: HashMap<String, usize>,
    /// (url, text) of links kept: a set, because hostile HTML may repeat an
    /// anchor many thousand times.
    seen_links: HashSet<(String, String)>,
}

impl BlockBuilder {
    pub(crate) fn new(language: Option<String>) -> Self {
        BlockBuilder {
            blocks: Vec::new(),
            links: Vec::new(),
            language,
            seen: HashMap::new(),
            seen_links: HashSet::new(),
        }
    }

    pub(crate) fn push_block(&mut self, kind: BlockKind, text: &str, path: &str) -> usize {
        let index = self.blocks.len();
        let mut block = Block::new(kind, text, index);
        block.path = path.to_string();
        block.lang_attr = self.language.clone();
        self.blocks.push(block);
        index
    }

    pub(crate) fn push_title(&mut self, title: &str) {
        self.push_block(BlockKind::Title, title, "item>title");
    }

    /// Adds the blocks and links of an extracted fragment. Its plain
    /// paragraphs become `prose` blocks (`FeedItem` for a summary), other
    /// kinds (headings, list items, links, buttons) keep theirs. A text
    /// already present (feeds often repeat the summary in the content) is not
    /// added again, so one sentence yields one finding; links point at the
    /// block their text ended up in. The fragment's `<title>` and URL blocks
    /// are left out: no reader sees a fragment's title, and the fragment has
    /// no address of its own.
    pub(crate) fn push_fragment(&mut self, fragment: Document, prose: BlockKind, path: &str) {
        let mut position = vec![None; fragment.blocks.len()];
        for block in fragment.blocks {
            if matches!(block.kind, BlockKind::Url | BlockKind::Title) {
                continue;
            }
            let fragment_index = block.index;
            let index = match self.seen.get(&block.text) {
                Some(&existing) => existing,
                None => {
                    let index = self.blocks.len();
                    self.seen.insert(block.text.clone(), index);
                    let kind = if block.kind == BlockKind::Paragraph {
                        prose
                    } else {
                        block.kind
                    };
                    // The extractor wraps a fragment in a `<body>` of its
                    // own; that element says nothing about the item.
                    let inner = match block.path.as_str() {
                        "body" => "",
                        other => other.strip_prefix("body>").unwrap_or(other),
                    };
                    let path = if inner.is_empty() {
                        path.to_string()
                    } else {
                        format!("{path}>{inner}")
                    };
                    let lang_attr = block.lang_attr.clone().or_else(|| self.language.clone());
                    self.blocks.push(Block {
                        kind,
                        index,
                        path,
                        lang_attr,
                        ..block
                    });
                    index
                }
            };
            if let Some(slot) = position.get_mut(fragment_index) {
                *slot = Some(index);
            }
        }
        for link in fragment.links {
            let block_index = link
                .block_index
                .and_then(|index| position.get(index).copied().flatten());
            self.push_link(Link {
                block_index,
                ..link
            });
        }
    }

    /// Adds a link unless one with the same target and text is there.
    pub(crate) fn push_link(&mut self, link: Link) {
        if self
            .seen_links
            .insert((link.url.clone(), link.text.clone()))
        {
            self.links.push(link);
        }
    }
}

/// Feed URLs a page advertises with `<link rel="alternate">` and a feed media
/// type, in page order, each once.
pub fn discover_feeds(doc: &Document) -> Vec<String> {
    let mut feeds: Vec<String> = Vec::new();
    for link in &doc.links {
        let alternate =
            link.kind == LinkKind::Alternate || link.rel.iter().any(|r| r == "alternate");
        let feed_type = link
            .media_type
            .as_deref()
            .map(essence)
            .is_some_and(|media_type| FEED_LINK_MEDIA_TYPES.contains(&media_type.as_str()));
        if alternate && feed_type && !feeds.contains(&link.url) {
            feeds.push(link.url.clone());
        }
    }
    feeds
}

/// The media type without parameters, lower-cased.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a response is a feed: a feed media type says so outright; XML,
/// JSON, text and unlabelled responses are sniffed for an `<rss>`, `<feed>`
/// or `<rdf:RDF>` root or a JSON Feed `version`; anything else (images,
/// HTML that starts like HTML) is not.
pub fn looks_like_feed(content_type: Option<&str>, body: &[u8]) -> bool {
    let media_type = content_type.map(essence);
    if let Some(media_type) = media_type.as_deref() {
        if FEED_CONTENT_TYPES.contains(&media_type) {
            return true;
        }
        let sniffable = media_type.is_empty()
            || media_type.starts_with("text/")
            || media_type.ends_with("/xml")
            || media_type.ends_with("+xml")
            || media_type.ends_with("/json")
            || media_type.ends_with("+json")
            || media_type == "application/octet-stream";
        if !sniffable {
            return false;
        }
    }
    let head = &body[..body.len().min(SNIFF_BYTES)];
    let head = String::from_utf8_lossy(head);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('{') {
        return head.contains("jsonfeed.org/version/");
    }
    root_element_name(head).is_some_and(|name| {
        let local = name.rsplit(':').next().unwrap_or(&name);
        matches!(local, "rss" | "feed" | "RDF")
    })
}

/// The name of the first element of an XML text, skipping the prolog,
/// processing instructions, comments and a doctype.
fn root_element_name(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = &rest[rest.find('>')? + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
                .collect();
            return (!name.is_empty()).then_some(name);
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(url: &str) -> FeedMeta {
        FeedMeta {
            feed_url: url.to_string(),
            fetched_at: "2026-11-28T12:00:00Z".to_string(),
            content_sha256: "ab".repeat(32),
            source_kind: SourceKind::Feed,
            category_override: None,
            max_age: None,
            now: time::macros::datetime!(2026-11-28 12:00 UTC),
        }
    }

    #[test]
    fn items_without_link_or_id_get_a_stable_fragment_url() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
            <item><title>Sans lien</title><description>Texte</description></item></channel></rss>"#;
        let first = parse_feed(rss, &meta("https://aurora.example/feed.xml")).unwrap();
        let second = parse_feed(rss, &meta("https://aurora.example/feed.xml")).unwrap();
        let url = &first.documents[0].url;
        assert!(
            url.starts_with("https://aurora.example/feed.xml#item-"),
            "{url}"
        );
        assert_eq!(url, &second.documents[0].url);
    }

    #[test]
    fn a_guid_that_is_no_url_becomes_the_fragment() {
        let rss = br#"<rss version="2.0"><channel><title>t</title>
            <item><title>x</title><guid isPermaLink="false">post 42</guid></item></channel></rss>"#;
        let parsed = parse_feed(rss, &meta("https://aurora.example/feed.xml#top")).unwrap();
        assert_eq!(
            parsed.documents[0].url,
            "https://aurora.example/feed.xml#post%2042"
        );
    }

    #[test]
    fn garbage_is_an_error_naming_the_feed() {
        let error = parse_feed(
            b"<html><body>no</body></html>",
            &meta("https://a.example/f"),
        )
        .unwrap_err();
        assert!(matches!(error, FeedError::Unreadable { .. }));
        assert!(
            error.to_string().starts_with("https://a.example/f:"),
            "{error}"
        );
        let error = parse_feed(b"<rss/>", &meta("not a url")).unwrap_err();
        assert!(matches!(error, FeedError::BadUrl { .. }));
    }

    #[test]
    fn a_huge_max_age_keeps_everything() {
        let rss = br#"<rss version="2.0"><channel><title>t</title>
            <item><title>old</title><link>https://a.example/1</link><pubDate>Mon, 01 Jan 2001 00:00:00 GMT</pubDate></item></channel></rss>"#;
        let mut meta = meta("https://a.example/feed");
        meta.max_age = Some(std::time::Duration::from_secs(u64::MAX));
        let parsed = parse_feed(rss, &meta).unwrap();
        assert_eq!(parsed.documents.len(), 1);
        assert_eq!(parsed.skipped_old, 0);
    }

    #[test]
    fn dtd_entities_are_never_expanded() {
        let rss = br#"<?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY boom "EXPANDED">]>
            <rss version="2.0"><channel><title>t</title>
            <item><title>a &boom; b</title><link>https://a.example/1</link></item></channel></rss>"#;
        let parsed = parse_feed(rss, &meta("https://a.example/feed")).unwrap();
        let title = parsed.documents[0].title.clone().unwrap_or_default();
        assert!(!title.contains("EXPANDED"), "{title}");
    }

    #[test]
    fn repeated_anchors_are_kept_once() {
        let html = "<p><a href=\"/x\">Go</a></p>".repeat(2000);
        let rss = format!(
            "<rss version=\"2.0\"><channel><title>t</title><item><title>x</title>\
             <link>https://a.example/1</link><description><![CDATA[{html}]]></description>\
             </item></channel></rss>"
        );
        let parsed = parse_feed(rss.as_bytes(), &meta("https://a.example/feed")).unwrap();
        assert_eq!(parsed.documents[0].links.len(), 1);
        assert_eq!(parsed.documents[0].blocks.len(), 2);
    }

    #[test]
    fn root_element_skips_prolog_comments_and_doctype() {
        assert_eq!(
            root_element_name(
                "<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE x>\n<rdf:RDF xmlns:rdf=\"…\">"
            )
            .as_deref(),
            Some("rdf:RDF")
        );
        assert_eq!(root_element_name("hello"), None);
    }
}
