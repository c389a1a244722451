//! What an element's name and attributes say: hidden or visible, a button,
//! which block kind, its `rel` tokens, and a meta-refresh target.

use crate::model::BlockKind;
use scraper::node::Element;

pub(crate) fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The attributes every element is checked for, read in one pass (each
/// `Element::attr` call scans all attributes again).
#[derive(Default)]
pub(crate) struct Attrs<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) class: Option<&'a str>,
    pub(crate) lang: Option<&'a str>,
    pub(crate) role: Option<&'a str>,
    pub(crate) href: Option<&'a str>,
    pub(crate) input_type: Option<&'a str>,
    pub(crate) style: Option<&'a str>,
    pub(crate) aria_hidden: Option<&'a str>,
    pub(crate) hidden: bool,
}

impl<'a> Attrs<'a> {
    pub(crate) fn of(element: &'a Element) -> Self {
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

    pub(crate) fn id_or_class_contains(&self, needles: &[&str]) -> bool {
        [self.id, self.class]
            .into_iter()
            .flatten()
            .any(|value| needles.iter().any(|n| contains_ignore_case(value, n)))
    }

    pub(crate) fn role_is(&self, role: &str) -> bool {
        self.role
            .is_some_and(|r| r.trim().eq_ignore_ascii_case(role))
    }
}

pub(crate) fn is_hidden(element: &Element) -> bool {
    hidden_by(element.name(), &Attrs::of(element))
}

pub(crate) fn hidden_by(name: &str, attrs: &Attrs) -> bool {
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
pub(crate) fn looks_like_button(attrs: &Attrs) -> bool {
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

pub(crate) fn block_kind(name: &str, attrs: &Attrs) -> Option<BlockKind> {
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
pub(crate) fn skips_content(name: &str) -> bool {
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

pub(crate) fn rel_tokens(element: &Element) -> Vec<String> {
    element
        .attr("rel")
        .map(|rel| {
            rel.split_ascii_whitespace()
                .map(|t| t.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `<link rel>` values that only fetch resources for rendering.
pub(crate) const RESOURCE_RELS: &[&str] = &[
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

/// The target of `<meta http-equiv=refresh content="0; url=...">`.
pub fn refresh_target(content: &str) -> Option<&str> {
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
