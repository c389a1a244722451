//! Escaping, highlighting and the small labels every section uses.

use crate::model::{Category, Level};

/// Hex characters of a content hash shown inline; the full hash is in the
/// element's `title` and in the JSON report.
pub(crate) const SHORT_HASH_CHARS: usize = 12;

/// The snippet, escaped, with the first occurrence of `matched` inside
/// `<mark>`: an exact match first, then a case-insensitive one. Without
/// either, the snippet is shown unmarked rather than marking a guess.
pub fn highlight(snippet: &str, matched: &str) -> String {
    let found = if matched.is_empty() {
        None
    } else {
        snippet
            .find(matched)
            .map(|start| (start, start + matched.len()))
            .or_else(|| find_case_insensitive(snippet, matched))
    };
    match found {
        Some((start, end)) => format!(
            "{}<mark>{}</mark>{}",
            esc(&snippet[..start]),
            esc(&snippet[start..end]),
            esc(&snippet[end..])
        ),
        None => esc(snippet),
    }
}

/// Byte range of the first case-insensitive occurrence of `needle` in
/// `haystack`, comparing full lower-case mappings so that the range always
/// falls on character boundaries of the original.
pub(crate) fn find_case_insensitive(haystack: &str, needle: &str) -> Option<(usize, usize)> {
    let wanted: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if wanted.is_empty() {
        return None;
    }
    'start: for (start, _) in haystack.char_indices() {
        let mut position = 0;
        for (offset, ch) in haystack[start..].char_indices() {
            for lower in ch.to_lowercase() {
                if wanted.get(position) != Some(&lower) {
                    continue 'start;
                }
                position += 1;
            }
            if position == wanted.len() {
                return Some((start, start + offset + ch.len_utf8()));
            }
        }
    }
    None
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A link for `http`/`https` URLs; any other scheme (`javascript:`,
/// `data:`) is shown as text only, because the URL came from a crawled page.
pub(crate) fn url_link(url: &str) -> String {
    let linkable = url::Url::parse(url)
        .map(|parsed| matches!(parsed.scheme(), "http" | "https"))
        .unwrap_or(false);
    if linkable {
        format!(
            "<a class=\"url\" href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(url),
            esc(url)
        )
    } else {
        format!("<span class=\"url\">{}</span>", esc(url))
    }
}

pub(crate) fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub(crate) fn short_hash(hash: &str) -> String {
    if hash.chars().count() <= SHORT_HASH_CHARS {
        return format!("<code class=\"hash\">{}</code>", esc(hash));
    }
    let short: String = hash.chars().take(SHORT_HASH_CHARS).collect();
    format!(
        "<code class=\"hash\" title=\"{}\">{}…</code>",
        esc(hash),
        esc(&short)
    )
}

pub(crate) fn badge(level: Level) -> String {
    format!(
        "<span class=\"badge badge-{}\">{}</span>",
        level.as_str(),
        level.as_str()
    )
}

pub(crate) fn firm_anchor(index: usize) -> String {
    // Positional ids: firm names and slugs come from configuration and are
    // not guaranteed unique or id-safe.
    format!("firm-{}", index + 1)
}

/// The snake-case name serde gives an enum value (`app_store`).
pub(crate) fn serde_label<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::from("?"),
    }
}

pub(crate) fn category_label(category: Category) -> &'static str {
    match category {
        Category::Website => "Website advertising",
        Category::SocialMedia => "Social media",
        Category::PushNotification => "Push notifications",
        Category::Affiliate => "Affiliates and influencers",
        Category::Seo => "Search optimisation",
        Category::Sponsorship => "Sponsorship",
        Category::Press => "Press",
        Category::Email => "E-mail campaigns",
        Category::Event => "Events and roadshows",
        Category::AppStore => "App stores",
        Category::Infrastructure => "Trading infrastructure",
        Category::Inbound => "Inbound contact",
    }
}

pub(crate) fn category_note(category: Category) -> &'static str {
    match category {
        Category::Website => "Advertising or product promotion on sites accessible from the EU — solicitation.",
        Category::SocialMedia => "Posts visible to EU users, organic ones included — solicitation.",
        Category::PushNotification => "App push messages to EU users — solicitation.",
        Category::Affiliate => "Affiliate, influencer, referral or introducing-broker marketing aimed at EU audiences, attributed to the firm — solicitation.",
        Category::Seo => "Optimisation to rank for EU-relevant queries — solicitation.",
        Category::Sponsorship => "Sponsoring EU-focused events, clubs or publications — solicitation.",
        Category::Press => "Press releases or coverage the firm controls or encourages — solicitation.",
        Category::Email => "E-mail campaigns to EU users — solicitation.",
        Category::Event => "Roadshows, presentations or conferences in member states — solicitation.",
        Category::AppStore => "Apps offered in EU storefronts or EU-language listings — a marketing channel.",
        Category::Infrastructure => "Passive trading infrastructure reachable from the EU — depends on a factual assessment.",
        Category::Inbound => "Unsolicited inbound contact with no prior marketing — not solicitation.",
    }
}

/// "de · German" for the EU official languages; other codes as they are.
pub(crate) fn language_label(code: &str) -> String {
    let name = match code {
        "bg" => "Bulgarian",
        "hr" => "Croatian",
        "cs" => "Czech",
        "da" => "Danish",
        "nl" => "Dutch",
        "en" => "English",
        "et" => "Estonian",
        "fi" => "Finnish",
        "fr" => "French",
        "de" => "German",
        "el" => "Greek",
        "hu" => "Hungarian",
        "ga" => "Irish",
        "it" => "Italian",
        "lv" => "Latvian",
        "lt" => "Lithuanian",
        "mt" => "Maltese",
        "pl" => "Polish",
        "pt" => "Portuguese",
        "ro" => "Romanian",
        "sk" => "Slovak",
        "sl" => "Slovenian",
        "es" => "Spanish",
        "sv" => "Swedish",
        _ => return code.to_string(),
    };
    format!("{code} · {name}")
}
