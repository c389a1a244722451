//! What a page's markup states about the page itself, as short facts the
//! role rules read (`target = "markup"` in `patterns/role.toml`):
//! `og:type=article`, `schema:NewsArticle` (JSON-LD `@type` or microdata
//! `itemtype`), `author` (a byline, `rel=author`, `meta name=author`),
//! `published_time`, `citation` (scholarly metadata); and the marks of a
//! script-rendered shell, `app_root:empty` and `noscript:<text>`, that the
//! not-content rules (`patterns/not_content.toml`) read.
//!
//! Publishers say who they are in this markup far more reliably than in
//! prose. These facts never carry EU evidence themselves: they only help
//! tell a newspaper's article from a firm's offer. Collection is bounded:
//! a hostile page cannot make the list grow without limit.

use super::attributes::Attrs;
use super::meta::MAX_JSON_LD_DEPTH;
use super::walker::Walker;
use crate::model::text::normalize_whitespace;
use crate::model::MarkupFact;
use ego_tree::NodeRef;
use scraper::node::Element;
use scraper::Node;

/// Facts kept per page; more would be a page built to flood the classifier.
pub const MAX_MARKUP_FACTS: usize = 64;

/// Element ids single-page application frameworks mount into (React,
/// Vue, Next.js, Gatsby, Nuxt, Svelte, Quasar), and Angular's root element.
const APP_ROOT_IDS: [&str; 7] = [
    "root",
    "app",
    "__next",
    "___gatsby",
    "__nuxt",
    "svelte",
    "q-app",
];
const APP_ROOT_ELEMENTS: [&str; 1] = ["app-root"];

/// Characters of a `<noscript>` notice kept as a fact: enough for the
/// sentence that asks for JavaScript.
const MAX_NOSCRIPT_CHARS: usize = 200;

impl<'a> Walker<'a> {
    /// `app_root:empty` when `element` is an application's mount point with
    /// nothing in it: the page's content is written by scripts. A server-
    /// rendered page fills the same element, and states nothing here.
    pub(crate) fn app_root_markup(&mut self, node: NodeRef<'a, Node>, element: &Element) {
        let id = element.attr("id").map(str::trim).unwrap_or("");
        let named = APP_ROOT_IDS.contains(&id) || APP_ROOT_ELEMENTS.contains(&element.name());
        if !named {
            return;
        }
        let empty = node.children().all(|child| match child.value() {
            Node::Text(text) => text.trim().is_empty(),
            Node::Comment(_) => true,
            _ => false,
        });
        if empty {
            let literal = if id.is_empty() {
                element.name().to_string()
            } else {
                format!("#{id}")
            };
            self.add_markup("app_root:empty".to_string(), &literal);
        }
    }

    /// `noscript:<text>`: what a `<noscript>` element tells a visitor
    /// without JavaScript. Parsed with scripting on, its content is raw
    /// markup, so it is parsed again as a fragment: tags drop out and
    /// character references (`&nbsp;`, `&#233;`) read as the characters
    /// they stand for, as everywhere else in extraction.
    pub(crate) fn noscript_markup(&mut self, raw: &str) {
        // Notices are a sentence or two; a huge <noscript> is read in part.
        let mut end = raw.len().min(16 * MAX_NOSCRIPT_CHARS);
        while !raw.is_char_boundary(end) {
            end -= 1;
        }
        let fragment = scraper::Html::parse_fragment(&raw[..end]);
        let text: Vec<&str> = fragment.root_element().text().collect();
        let text: String = normalize_whitespace(&text.join(" "))
            .chars()
            .take(MAX_NOSCRIPT_CHARS)
            .collect();
        if !text.is_empty() {
            self.add_markup(format!("noscript:{text}"), &text);
        }
    }

    /// Records `fact`, read from `literal` as it stands in the page.
    pub(crate) fn add_markup(&mut self, fact: String, literal: &str) {
        let literal = literal.trim();
        if literal.is_empty()
            || self.markup.len() >= MAX_MARKUP_FACTS
            || self.markup.iter().any(|m| m.fact == fact)
        {
            return;
        }
        self.markup.push(MarkupFact {
            fact,
            literal: literal.to_string(),
        });
    }

    /// Facts an element's attributes state: microdata types, author markup
    /// and bylines.
    pub(crate) fn element_markup(&mut self, element: &Element, attrs: &Attrs) {
        if let Some(types) = element.attr("itemtype") {
            for url in types.split_ascii_whitespace() {
                if let Some(name) = schema_type_name(url) {
                    self.add_markup(format!("schema:{name}"), &name);
                }
            }
        }
        let author_token = |attribute: &str| {
            element.attr(attribute).and_then(|value| {
                value
                    .split_ascii_whitespace()
                    .find(|token| token.eq_ignore_ascii_case("author"))
            })
        };
        let token = author_token("rel")
            .or_else(|| author_token("itemprop"))
            .or_else(|| byline_class(attrs))
            .map(str::to_string);
        if let Some(token) = token {
            self.add_markup("author".to_string(), &token);
        }
    }

    /// Facts from `<meta>`: the Open Graph type, authors, publication times
    /// and scholarly citation metadata. `raw_key` is the `name` or `property` as written, `key` the same
    /// lower-cased.
    pub(crate) fn meta_markup(&mut self, key: &str, raw_key: &str, content: &str) {
        let content = content.trim();
        match key {
            "og:type" if !content.is_empty() && content.chars().count() <= 40 => {
                self.add_markup(format!("og:type={}", content.to_ascii_lowercase()), content);
            }
            "author" | "article:author" | "twitter:creator" | "dc.creator" | "parsely-author"
            | "sailthru.author"
                if !content.is_empty() =>
            {
                self.add_markup("author".to_string(), raw_key);
            }
            "article:published_time" | "datepublished" | "parsely-pub-date" | "dc.date.issued" => {
                self.add_markup("published_time".to_string(), raw_key);
            }
            _ if key.starts_with("citation_") => self.add_markup("citation".to_string(), raw_key),
            _ => {}
        }
    }

    /// `schema:<Type>` for every JSON-LD `@type` on the page.
    pub(crate) fn json_ld_markup(&mut self) {
        let mut types = Vec::new();
        for value in &self.json_ld {
            json_ld_types(value, 0, &mut types);
        }
        for name in types {
            self.add_markup(format!("schema:{name}"), &name);
        }
    }
}

/// `NewsArticle` from `https://schema.org/NewsArticle` (or a bare name).
fn schema_type_name(value: &str) -> Option<String> {
    let name = value
        .trim()
        .trim_end_matches('/')
        .rsplit(['/', '#', ':'])
        .next()?;
    let valid = !name.is_empty()
        && name.len() <= 60
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| name.to_string())
}

fn json_ld_types(value: &serde_json::Value, depth: usize, types: &mut Vec<String>) {
    if depth > MAX_JSON_LD_DEPTH || types.len() >= MAX_MARKUP_FACTS {
        return;
    }
    match value {
        serde_json::Value::Object(object) => {
            match object.get("@type") {
                Some(serde_json::Value::String(name)) => types.extend(schema_type_name(name)),
                Some(serde_json::Value::Array(names)) => types.extend(
                    names
                        .iter()
                        .filter_map(|n| n.as_str())
                        .filter_map(schema_type_name),
                ),
                _ => {}
            }
            for (key, nested) in object {
                if key != "@type" && (nested.is_object() || nested.is_array()) {
                    json_ld_types(nested, depth + 1, types);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_ld_types(item, depth + 1, types);
            }
        }
        _ => {}
    }
}

/// The class token that marks a byline (`byline`, `post-author`,
/// `article__author`), not a comment's author.
fn byline_class<'a>(attrs: &Attrs<'a>) -> Option<&'a str> {
    attrs.class?.split_ascii_whitespace().find(|token| {
        let token = token.to_ascii_lowercase();
        !token.contains("comment")
            && (token.contains("byline")
                || token
                    .split(['-', '_'])
                    .any(|part| part == "author" || part == "authors"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_type_names_come_from_urls_and_bare_names() {
        assert_eq!(
            schema_type_name("https://schema.org/NewsArticle").as_deref(),
            Some("NewsArticle")
        );
        assert_eq!(
            schema_type_name("http://schema.org/FAQPage/").as_deref(),
            Some("FAQPage")
        );
        assert_eq!(
            schema_type_name("schema:Product").as_deref(),
            Some("Product")
        );
        assert_eq!(schema_type_name("Article").as_deref(), Some("Article"));
        assert_eq!(schema_type_name("not a type!"), None);
    }

    #[test]
    fn json_ld_types_are_found_in_graphs_and_arrays() {
        let value: serde_json::Value = serde_json::json!({
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "NewsArticle", "author": {"@type": "Person", "name": "A. Writer"}},
                {"@type": ["WebPage", "FAQPage"]}
            ]
        });
        let mut types = Vec::new();
        json_ld_types(&value, 0, &mut types);
        assert_eq!(types, ["NewsArticle", "Person", "WebPage", "FAQPage"]);
    }
}
