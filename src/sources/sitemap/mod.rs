//! Sitemaps (sitemaps.org protocol): the page URLs a site lists in a
//! `urlset`, the further sitemaps a `sitemapindex` points to, or a plain text
//! list of URLs, gzip-compressed or not.
//!
//! Sitemaps come from the sites being scanned, so they are hostile input:
//! decompression is capped (a gzip bomb stops at the cap), the XML reader
//! never expands entities declared in a DTD (no "billion laughs"), nesting
//! depth and URL count are bounded. This module never fetches anything and
//! never follows the sitemaps it finds; the crawler does, within its limits.

use flate2::read::MultiGzDecoder;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::Read;

/// What one sitemap file lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Page URLs (`<urlset><url><loc>` or the lines of a text sitemap).
    pub urls: Vec<String>,
    /// Further sitemap files (`<sitemapindex><sitemap><loc>`).
    pub sitemaps: Vec<String>,
    /// More entries were listed than `max_urls`; the rest were not read.
    pub truncated: bool,
}

/// Why a sitemap could not be read. Positions are byte offsets into the
/// (decompressed) sitemap; the crawler adds the sitemap's URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SitemapError {
    #[error("sitemap gzip data is corrupt: {source}")]
    Gzip {
        #[source]
        source: std::io::Error,
    },
    #[error("sitemap exceeds {limit} bytes (after decompression)")]
    TooLarge { limit: u64 },
    #[error("malformed sitemap XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("sitemap XML uses entity `&{name};` at byte {position}; entities from a DTD are never expanded")]
    UnexpandedEntity { name: String, position: u64 },
    #[error("not a sitemap: the root element is <{root}>, expected <urlset> or <sitemapindex>")]
    NotASitemap { root: String },
}

/// Sitemaps are three levels deep; anything far deeper is an attack on the
/// parser, not a sitemap.
const MAX_NESTING: usize = 32;

/// Reads a sitemap: `urlset` or `sitemapindex` XML (with or without the
/// sitemaps.org namespace or a prefix), optionally gzip-compressed (detected
/// by the magic bytes `1f 8b`, whatever the URL or headers said), or a plain
/// text sitemap with one URL per line. At most `max_urls` URLs and as many
/// sitemaps are kept; beyond that `truncated` is set and reading stops.
///
/// # Errors
///
/// [`SitemapError::TooLarge`] when the body, decompressed, exceeds
/// `max_decompressed_bytes`; [`SitemapError::Gzip`] for corrupt gzip data;
/// [`SitemapError::Malformed`] for XML that is not well-formed;
/// [`SitemapError::UnexpandedEntity`] when a `<loc>` relies on a
/// DTD-declared entity; [`SitemapError::NotASitemap`] for other XML (an HTML
/// error page, say).
pub fn parse_sitemap(
    body: &[u8],
    max_urls: usize,
    max_decompressed_bytes: u64,
) -> Result<Sitemap, SitemapError> {
    let decompressed;
    let bytes = if body.starts_with(&[0x1f, 0x8b]) {
        decompressed = gunzip_capped(body, max_decompressed_bytes)?;
        decompressed.as_slice()
    } else {
        if body.len() as u64 > max_decompressed_bytes {
            return Err(SitemapError::TooLarge {
                limit: max_decompressed_bytes,
            });
        }
        body
    };
    // The protocol requires UTF-8; a stray byte should cost one URL, not the file.
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim_start().starts_with('<') {
        parse_xml(text, max_urls)
    } else {
        Ok(parse_text(text, max_urls))
    }
}

fn gunzip_capped(body: &[u8], limit: u64) -> Result<Vec<u8>, SitemapError> {
    let mut out = Vec::new();
    // One byte past the cap tells "exactly at the cap" from "over it"
    // without ever inflating more than that.
    MultiGzDecoder::new(body)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|source| SitemapError::Gzip { source })?;
    if out.len() as u64 > limit {
        return Err(SitemapError::TooLarge { limit });
    }
    Ok(out)
}

fn parse_text(text: &str, max_urls: usize) -> Sitemap {
    let mut sitemap = Sitemap::default();
    for line in text.lines().map(str::trim) {
        let is_web_url =
            url::Url::parse(line).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
        if !is_web_url {
            continue;
        }
        if sitemap.urls.len() == max_urls {
            sitemap.truncated = true;
            break;
        }
        sitemap.urls.push(line.to_string());
    }
    sitemap
}

/// Which list a `<loc>` belongs to, decided by its parent element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LocKind {
    Page,
    Sitemap,
}

fn parse_xml(text: &str, max_urls: usize) -> Result<Sitemap, SitemapError> {
    let mut reader = Reader::from_str(text);
    let mut sitemap = Sitemap::default();
    let mut open: Vec<String> = Vec::new();
    let mut root_seen = false;
    // The `<loc>` being read, if any, and the text gathered so far.
    let mut loc: Option<(LocKind, String)> = None;

    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|error| SitemapError::Malformed {
                position: reader.error_position(),
                message: error.to_string(),
            })?;
        match event {
            Event::Start(start) => {
                let name = local_name(start.local_name().as_ref());
                if !root_seen {
                    check_root(&name)?;
                    root_seen = true;
                } else if name == "loc" {
                    loc = match open.last().map(String::as_str) {
                        Some("url") => Some((LocKind::Page, String::new())),
                        Some("sitemap") => Some((LocKind::Sitemap, String::new())),
                        _ => None,
                    };
                }
                if open.len() >= MAX_NESTING {
                    return Err(SitemapError::Malformed {
                        position,
                        message: format!("elements nested deeper than {MAX_NESTING} levels"),
                    });
                }
                open.push(name);
            }
            Event::Empty(start) if !root_seen => {
                check_root(&local_name(start.local_name().as_ref()))?;
                root_seen = true;
            }
            Event::End(_) => {
                let closed = open.pop();
                if closed.as_deref() == Some("loc") {
                    if let Some((kind, value)) = loc.take() {
                        let value = value.trim();
                        if !value.is_empty() && !push_loc(&mut sitemap, kind, value, max_urls) {
                            sitemap.truncated = true;
                            return Ok(sitemap);
                        }
                    }
                }
            }
            Event::Text(text) => {
                if let Some((_, value)) = loc.as_mut() {
                    value.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some((_, value)) = loc.as_mut() {
                    value.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let Some((_, value)) = loc.as_mut() else {
                    continue;
                };
                let invalid = |message: String| SitemapError::Malformed { position, message };
                match reference.resolve_char_ref() {
                    Ok(Some(ch)) => value.push(ch),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&reference) {
                        Some(replacement) => value.push_str(replacement),
                        None => {
                            return Err(SitemapError::UnexpandedEntity {
                                name: reference.to_string(),
                                position,
                            })
                        }
                    },
                    Err(error) => return Err(invalid(error.to_string())),
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions and the
            // DOCTYPE (whose entities stay unexpanded) carry no URLs.
            _ => {}
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(SitemapError::Malformed {
            position: reader.buffer_position(),
            message: format!("document ends inside <{unclosed}> (truncated?)"),
        });
    }
    if !root_seen {
        return Err(SitemapError::Malformed {
            position: reader.buffer_position(),
            message: "no root element".to_string(),
        });
    }
    Ok(sitemap)
}

/// Adds a `<loc>`; `false` when its list is already full.
fn push_loc(sitemap: &mut Sitemap, kind: LocKind, value: &str, max_urls: usize) -> bool {
    let list = match kind {
        LocKind::Page => &mut sitemap.urls,
        LocKind::Sitemap => &mut sitemap.sitemaps,
    };
    if list.len() == max_urls {
        return false;
    }
    list.push(value.to_string());
    true
}

fn local_name(raw: &str) -> String {
    raw.to_ascii_lowercase()
}

fn check_root(name: &str) -> Result<(), SitemapError> {
    match name {
        "urlset" | "sitemapindex" => Ok(()),
        _ => Err(SitemapError::NotASitemap {
            root: name.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests;
