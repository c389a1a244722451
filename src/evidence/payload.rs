//! Reading an archived payload as text the way a reader sees it: decoded,
//! its HTML and JSON-LD flattened, whitespace squashed, and its link targets
//! resolved, so quotes can be looked up in it.

use crate::analyze::charset;
use crate::analyze::extract::refresh_target;
use unicode_normalization::UnicodeNormalization;
use url::Url;

/// What a payload says, read the ways findings quote it.
#[derive(Default)]
pub(crate) struct PayloadReading {
    /// As decoded, as HTML text and attribute values (character references
    /// resolved, markup gone), as the strings of its JSON-LD, and as JSON
    /// strings. Each view has whitespace removed so that reflowed text
    /// still matches.
    pub(crate) views: Vec<String>,
    /// See [`CitedRecord::link_targets`].
    pub(crate) link_targets: Vec<String>,
}

pub(crate) fn read_payload(
    payload: &[u8],
    content_type: Option<&str>,
    target_uri: Option<&str>,
) -> PayloadReading {
    let decoded = charset::decode(payload, content_type).text;
    let mut views = vec![squash(&decoded)];
    let html = read_html(&decoded, target_uri);
    views.push(squash(&html.text));
    views.push(squash(&html.attributes));
    if !html.json_ld.is_empty() {
        views.push(squash(&html.json_ld));
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&decoded) {
        let mut strings = String::new();
        json_strings(&json, &mut strings);
        views.push(squash(&strings));
    }
    PayloadReading {
        views,
        link_targets: html.link_targets,
    }
}

pub(crate) struct HtmlReading {
    /// Text nodes joined as they stand (inline markup splits words).
    pub(crate) text: String,
    /// Attribute values, kept apart by a separator no match can contain;
    /// apart from the text too, so that the attributes of an inline
    /// element (a link's `href`) do not cut the sentence around it.
    pub(crate) attributes: String,
    /// The strings of every JSON-LD script, unescaped.
    pub(crate) json_ld: String,
    pub(crate) link_targets: Vec<String>,
}

pub(crate) fn read_html(source: &str, target_uri: Option<&str>) -> HtmlReading {
    let document = scraper::Html::parse_document(source);
    let mut text = String::with_capacity(source.len() / 2);
    let mut attributes = String::new();
    let mut json_ld = String::new();
    let mut raw_targets: Vec<&str> = Vec::new();
    let mut base_href = None;
    for node in document.tree.root().descendants() {
        match node.value() {
            scraper::Node::Text(content) => text.push_str(content),
            scraper::Node::Element(element) => {
                for (name, value) in element.attrs() {
                    attributes.push('\u{1}');
                    attributes.push_str(value);
                    attributes.push('\u{1}');
                    if matches!(name, "href" | "src") {
                        raw_targets.push(value);
                    }
                }
                match element.name() {
                    "base" if base_href.is_none() => base_href = element.attr("href"),
                    "meta" => {
                        let refresh = element
                            .attr("http-equiv")
                            .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"));
                        if let Some(target) = element
                            .attr("content")
                            .filter(|_| refresh)
                            .and_then(refresh_target)
                        {
                            raw_targets.push(target);
                        }
                    }
                    "script"
                        if element.attr("type").is_some_and(|t| {
                            t.trim().eq_ignore_ascii_case("application/ld+json")
                        }) =>
                    {
                        let source: String = node
                            .children()
                            .filter_map(|child| child.value().as_text().map(|t| t.to_string()))
                            .collect();
                        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&source) {
                            json_strings(&json, &mut json_ld);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // Resolved as the extractor resolves links: against `<base href>`,
    // itself resolved against the URL the page came from.
    let page = target_uri.and_then(|uri| Url::parse(uri.trim()).ok());
    let base = match (base_href, &page) {
        (Some(href), Some(page)) => page.join(href.trim()).ok().or(Some(page.clone())),
        (Some(href), None) => Url::parse(href.trim()).ok(),
        (None, page) => page.clone(),
    };
    let link_targets = raw_targets
        .into_iter()
        .filter_map(|raw| match &base {
            Some(base) => base.join(raw.trim()).ok(),
            None => Url::parse(raw.trim()).ok(),
        })
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(String::from)
        .collect();
    HtmlReading {
        text,
        attributes,
        json_ld,
        link_targets,
    }
}

pub(crate) fn json_strings(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::String(text) => {
            out.push('\u{1}');
            out.push_str(text);
        }
        serde_json::Value::Array(values) => values.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

/// NFC with whitespace and invisible formatting characters removed.
pub(crate) fn squash(text: &str) -> String {
    text.nfc()
        .filter(|ch| {
            !ch.is_whitespace()
                && !matches!(
                    ch,
                    '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
                )
        })
        .collect()
}
