//! What the extractor is told about a response (its URL, kind, headers),
//! the empty document it starts from, and locale hints in the URL itself.

use crate::analyze::lang::looks_like_locale;
use crate::model::{Block, BlockKind, Document, LocaleMarkup, SourceKind};
use url::Url;

/// Links kept per document; a page with more is a link farm or a trap.
pub const MAX_LINKS: usize = 10_000;

/// Path segments kept in a block's `path`; deeper paths keep the first and the last ones.
pub(crate) const MAX_PATH_SEGMENTS: usize = 6;

/// JSON-LD nesting followed when flattening; deeper data is not prose.
pub(crate) const MAX_JSON_LD_DEPTH: usize = 12;

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

pub(crate) fn empty_document(meta: &DocMeta) -> Document {
    let mut doc = Document::new(meta.url.clone(), meta.source_kind);
    doc.final_url = meta.final_url.clone();
    doc.fetched_at = meta.fetched_at.clone();
    doc.content_sha256 = meta.content_sha256.clone();
    doc.locale = url_locale(&meta.final_url);
    doc.locale.content_language = meta.content_language.clone();
    doc
}

pub(crate) fn push_url_block(doc: &mut Document) {
    let mut block = Block::new(BlockKind::Url, doc.final_url.clone(), doc.blocks.len());
    block.path = "url".into();
    doc.blocks.push(block);
}

/// Locale hints carried by the URL itself: `/de-de/` paths and `fr.` subdomains.
pub(crate) fn url_locale(final_url: &str) -> LocaleMarkup {
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
