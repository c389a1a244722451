//! That a finding's quote stands in the archived payload: as it is for page
//! text, or against what it was derived from (JSON-LD fields, the URL, a
//! link's resolved target).

use super::cited::CitedRecord;
use crate::analyze::extract::JSON_LD_FIELDS;
use url::Url;

/// Where a finding's quoted text came from, which decides what it is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuoteSource {
    /// Text of the page, as it stands.
    Verbatim,
    /// JSON-LD fields flattened to `field: value, value; field: value`.
    JsonLd,
    /// The page's own URL (or locale markup read from it).
    PageUrl,
    /// A link's target, resolved to an absolute URL.
    LinkTarget,
    /// The content language, from the response header or a `<meta>` tag.
    ContentLanguage,
    /// A language tag of the markup (`<html lang>`, a feed's `<language>`),
    /// which readers may have re-cased.
    LanguageTag,
}

impl QuoteSource {
    pub(crate) fn of(finding: &serde_json::Value) -> QuoteSource {
        let location = finding.get("location");
        let field = |key: &str| {
            location
                .and_then(|location| location.get(key))
                .and_then(|value| value.as_str())
                .unwrap_or_default()
        };
        let snippet = finding
            .get("snippet")
            .and_then(|snippet| snippet.as_str())
            .unwrap_or_default();
        match (field("block_kind"), field("path")) {
            ("json_ld", _) => QuoteSource::JsonLd,
            ("url", _) | ("other", "url-path-locale" | "url-subdomain-locale") => {
                QuoteSource::PageUrl
            }
            ("other", "content-language") => QuoteSource::ContentLanguage,
            ("other", "html[lang]") => QuoteSource::LanguageTag,
            (_, path) if path.ends_with("[href]") => QuoteSource::LinkTarget,
            ("link" | "button", _) if absolute_http_url(snippet).is_some() => {
                QuoteSource::LinkTarget
            }
            _ => QuoteSource::Verbatim,
        }
    }
}

pub(crate) fn absolute_http_url(text: &str) -> Option<Url> {
    Url::parse(text.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// Snippets mark cuts with `…`; the pieces between cuts are what was quoted.
pub(crate) fn snippet_pieces(snippet: &str) -> impl Iterator<Item = &str> {
    snippet
        .split('…')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
}

/// Checks a finding's `matched` and `snippet` against the cited record, each
/// by where the text came from; one message per quote that does not stand.
pub(crate) fn quote_problems(finding: &serde_json::Value, cited: &CitedRecord) -> Vec<String> {
    let text = |key: &str| finding.get(key).and_then(|value| value.as_str());
    let matched = text("matched");
    let snippet = text("snippet");
    let mut problems = Vec::new();
    match QuoteSource::of(finding) {
        QuoteSource::Verbatim => {
            if let Some(matched) = matched.filter(|matched| !cited.contains(matched)) {
                problems.push(format!(
                    "matched text {matched:?} does not occur in the payload of {}",
                    cited.location
                ));
            }
            if let Some(snippet) = snippet {
                if let Some(piece) = snippet.split('…').find(|piece| !cited.contains(piece)) {
                    problems.push(format!(
                        "snippet text {piece:?} does not occur in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::JsonLd => {
            let values = matched
                .into_iter()
                .flat_map(|matched| json_ld_values(matched, false))
                .chain(snippet.into_iter().flat_map(|snippet| {
                    snippet_pieces(snippet)
                        .enumerate()
                        .flat_map(|(index, piece)| {
                            json_ld_values(piece, index > 0 || snippet.starts_with('…'))
                        })
                }));
            for value in values {
                if !cited.contains(value) {
                    problems.push(format!(
                        "JSON-LD value {value:?} does not occur in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::PageUrl => {
            let urls: Vec<&str> = cited
                .target_uri
                .as_deref()
                .into_iter()
                .chain(text("url"))
                .collect();
            let quotes = matched
                .into_iter()
                .chain(snippet.into_iter().flat_map(snippet_pieces));
            for quote in quotes {
                if !urls.iter().any(|url| url.contains(quote)) {
                    problems.push(format!(
                        "{quote:?} does not occur in the page's URL ({})",
                        urls.join(" or ")
                    ));
                }
            }
        }
        QuoteSource::LanguageTag => {
            let quotes = matched
                .into_iter()
                .chain(snippet.into_iter().flat_map(snippet_pieces));
            for quote in quotes {
                if !cited.contains_ignoring_case(quote) {
                    problems.push(format!(
                        "language tag {quote:?} does not occur in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::ContentLanguage => {
            let header = cited.content_language.as_deref().unwrap_or_default();
            let quotes = matched
                .into_iter()
                .chain(snippet.into_iter().flat_map(snippet_pieces));
            for quote in quotes {
                if !header.contains(quote) && !cited.contains(quote) {
                    problems.push(format!(
                        "content language {quote:?} is neither the Content-Language header ({header:?}) nor in the payload of {}",
                        cited.location
                    ));
                }
            }
        }
        QuoteSource::LinkTarget => {
            let snippet = snippet.unwrap_or_default();
            if !link_target_stands(snippet, matched, cited) {
                problems.push(format!(
                    "link target {snippet:?} (matched {:?}) is not where any href or src of the payload of {} leads",
                    matched.unwrap_or_default(),
                    cited.location
                ));
            }
        }
    }
    problems
}

/// A link-target quote stands when one resolved `href`/`src` of the payload
/// is the quoted URL (holds every piece of a cut one) and holds `matched`;
/// or when the page carries the quote as it is (an absolute URL in a feed).
pub(crate) fn link_target_stands(
    snippet: &str,
    matched: Option<&str>,
    cited: &CitedRecord,
) -> bool {
    let matched = matched.unwrap_or_default();
    let whole = (!snippet.contains('…'))
        .then(|| absolute_http_url(snippet))
        .flatten();
    let resolved = cited.link_targets().iter().any(|target| {
        let is_quoted = match &whole {
            Some(url) => target == url.as_str() || target == snippet.trim(),
            None => {
                let mut pieces = snippet_pieces(snippet).peekable();
                pieces.peek().is_some() && pieces.all(|piece| target.contains(piece))
            }
        };
        is_quoted && target.contains(matched)
    });
    resolved || (cited.contains(matched) && snippet.split('…').all(|piece| cited.contains(piece)))
}

/// The values a flattened JSON-LD text quotes: `field: a, b; field: c`
/// gives `a`, `b`, `c`. Labels are the extractor's, not the page's; a piece
/// that follows a cut may start inside a label (`ress: Main Street`).
/// Splitting at `, ` also splits values that hold a comma themselves, whose
/// parts then stand in the payload each.
pub(crate) fn json_ld_values(text: &str, after_cut: bool) -> Vec<&str> {
    let mut values = Vec::new();
    for (index, field) in text.split("; ").enumerate() {
        let value = match field.split_once(": ") {
            Some((label, value))
                if JSON_LD_FIELDS.iter().any(|known| {
                    *known == label
                        || (index == 0 && after_cut && !label.is_empty() && known.ends_with(label))
                }) =>
            {
                value
            }
            _ => field,
        };
        values.extend(
            value
                .split(", ")
                .map(|part| part.trim().trim_matches(',').trim())
                .filter(|part| !part.is_empty()),
        );
    }
    values
}
