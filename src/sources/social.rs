//! Public social pages become documents, one per post.
//!
//! ESMA counts organic social posts as solicitation, each on its own, so a
//! finding must name the post. This module recognises the profile shapes that
//! can be read without an account or an API key — Telegram channel previews,
//! Mastodon, Bluesky, YouTube and Reddit feeds — says which URL to fetch for
//! each and how to read the answer, and reads Telegram's preview page. The
//! platforms that publish a feed are read by [`crate::sources::feed::parse_feed`] with
//! `SourceKind::Social`.
//!
//! It must never fetch anything itself, never log in, and never use an API
//! that needs a key or a token: only what any visitor's browser gets.
//!
//! Limits, by design:
//! - any host with a `/@user` path is assumed to be Mastodon-compatible
//!   (Mastodon, Pleroma, Akkoma, GoToSocial and Misskey forks all serve
//!   `/@user`; most serve `/@user.rss`), except a few known non-Mastodon
//!   hosts; a wrong guess costs one failed fetch;
//! - a YouTube `@handle` (or legacy `/c/`, `/user/` URL) cannot be turned into
//!   a channel id without fetching the channel page; [`endpoint`] returns the
//!   page as [`SocialFormat::Html`], and the page advertises its feed with
//!   `<link rel="alternate" type="application/rss+xml">`, which
//!   [`crate::sources::feed::discover_feeds`] finds.

use crate::model::text::normalize_whitespace;
use crate::model::time::rfc3339;
use crate::model::{BlockKind, Category, Document, Link, LinkKind, SourceKind};
use crate::sources::feed::{extract_fragment, BlockBuilder};
use scraper::{ElementRef, Html, Selector};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use url::Url;

/// A public social profile, recognised from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocialProfile {
    /// `t.me/<name>`, `telegram.me/<name>`, `t.me/s/<name>`, `t.me/<name>/<post>`.
    Telegram {
        channel: String,
    },
    /// `https://<instance>/@<user>`; `instance` is the host (with a port if
    /// the URL had one). `/@user@other.example` names a remote account,
    /// which is read from its home instance.
    Mastodon {
        instance: String,
        user: String,
    },
    /// `bsky.app/profile/<handle>` (a handle or a DID).
    Bluesky {
        handle: String,
    },
    /// `youtube.com/channel/<id>` gives the id, `youtube.com/@<handle>` the
    /// handle (without `@`); legacy `/c/` and `/user/` URLs give neither.
    YouTube {
        channel_id: Option<String>,
        handle: Option<String>,
    },
    /// `reddit.com/r/<sub>` or `/user/<u>` (`/u/<u>` too): the path,
    /// `/r/<sub>` or `/user/<u>`.
    Reddit {
        path: String,
    },
    Unknown,
}

/// How to read the response of an [`endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocialFormat {
    /// A Telegram channel preview page: read with [`telegram_posts`].
    TelegramPreview,
    /// An RSS or Atom feed: read with [`crate::sources::feed::parse_feed`].
    Feed,
    /// An ordinary page: extract it, and look for advertised feeds.
    Html,
}

/// Facts about the fetched preview page that every post document inherits.
#[derive(Debug, Clone)]
pub struct SocialMeta {
    /// The URL the page was fetched from (after redirects).
    pub page_url: String,
    /// RFC 3339 UTC time of the response.
    pub fetched_at: String,
    /// Hex SHA-256 of the page body as received.
    pub content_sha256: String,
}

/// First path segments of `t.me` that are features, not channels.
const TELEGRAM_RESERVED: &[&str] = &[
    "addemoji",
    "addlist",
    "addstickers",
    "addtheme",
    "boost",
    "c",
    "confirmphone",
    "contact",
    "invoice",
    "iv",
    "joinchat",
    "login",
    "proxy",
    "s",
    "setlanguage",
    "share",
    "socks",
];

/// Hosts that use `/@user` paths but are not Mastodon-compatible.
const NOT_MASTODON_HOSTS: &[&str] = &[
    "medium.com",
    "tiktok.com",
    "threads.net",
    "threads.com",
    "substack.com",
];

/// Recognises a public social profile (or a post of one) from its URL.
/// Only http(s) URLs are recognised; hosts compare without a leading `www.`
/// (and `m.`, `old.`, `new.` where the platform uses them).
pub fn recognise(url: &Url) -> SocialProfile {
    if !matches!(url.scheme(), "http" | "https") {
        return SocialProfile::Unknown;
    }
    let Some(host) = url.host_str() else {
        return SocialProfile::Unknown;
    };
    let host = host.to_ascii_lowercase();
    let bare = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("m."))
        .unwrap_or(&host);
    let segments: Vec<&str> = url
        .path_segments()
        .map(|segments| segments.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    match bare {
        "t.me" | "telegram.me" | "telegram.dog" => telegram_profile(&segments),
        "bsky.app" => match segments.as_slice() {
            ["profile", handle, ..] => SocialProfile::Bluesky {
                handle: (*handle).to_string(),
            },
            _ => SocialProfile::Unknown,
        },
        "youtube.com" => youtube_profile(url, &segments),
        "reddit.com" | "old.reddit.com" | "new.reddit.com" | "np.reddit.com" => {
            match segments.as_slice() {
                ["r", sub, ..] => SocialProfile::Reddit {
                    path: format!("/r/{sub}"),
                },
                ["user" | "u", user, ..] => SocialProfile::Reddit {
                    path: format!("/user/{user}"),
                },
                _ => SocialProfile::Unknown,
            }
        }
        _ => mastodon_profile(url, bare, &segments),
    }
}

fn telegram_profile(segments: &[&str]) -> SocialProfile {
    let name = match segments {
        ["s", name, ..] => *name,
        [name, ..] if !TELEGRAM_RESERVED.contains(&name.to_ascii_lowercase().as_str()) => *name,
        _ => return SocialProfile::Unknown,
    };
    // Public usernames: letters, digits and underscores (5–32 today; a few
    // old ones are shorter). Invite links (`+abc`) are not public channels.
    let valid = (3..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        SocialProfile::Telegram {
            channel: name.to_string(),
        }
    } else {
        SocialProfile::Unknown
    }
}

fn youtube_profile(url: &Url, segments: &[&str]) -> SocialProfile {
    let id_like = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    match segments {
        ["channel", id, ..] if id_like(id) => SocialProfile::YouTube {
            channel_id: Some((*id).to_string()),
            handle: None,
        },
        ["feeds", "videos.xml"] => {
            let channel_id = url
                .query_pairs()
                .find(|(key, _)| key == "channel_id")
                .map(|(_, value)| value.into_owned())
                .filter(|id| id_like(id));
            match channel_id {
                Some(id) => SocialProfile::YouTube {
                    channel_id: Some(id),
                    handle: None,
                },
                None => SocialProfile::Unknown,
            }
        }
        [first, ..] if first.len() > 1 && first.starts_with('@') => SocialProfile::YouTube {
            channel_id: None,
            handle: Some(first[1..].to_string()),
        },
        ["c" | "user", name, ..] if !name.is_empty() => SocialProfile::YouTube {
            channel_id: None,
            handle: None,
        },
        _ => SocialProfile::Unknown,
    }
}

fn mastodon_profile(url: &Url, bare_host: &str, segments: &[&str]) -> SocialProfile {
    let known_other = NOT_MASTODON_HOSTS
        .iter()
        .any(|other| bare_host == *other || bare_host.ends_with(&format!(".{other}")));
    if known_other {
        return SocialProfile::Unknown;
    }
    let Some(account) = segments.first().and_then(|first| first.strip_prefix('@')) else {
        return SocialProfile::Unknown;
    };
    match account.split_once('@') {
        // `/@user@home.example`: a remote account shown by this instance; its
        // posts are published by its home instance.
        Some((user, home)) if !user.is_empty() && !home.is_empty() => SocialProfile::Mastodon {
            instance: home.to_ascii_lowercase(),
            user: user.to_string(),
        },
        None if !account.is_empty() => {
            let mut instance = url.host_str().unwrap_or_default().to_ascii_lowercase();
            if let Some(port) = url.port() {
                instance.push_str(&format!(":{port}"));
            }
            SocialProfile::Mastodon {
                instance,
                user: account.to_string(),
            }
        }
        _ => SocialProfile::Unknown,
    }
}

/// The URL to fetch for a social URL and how to read the response:
/// Telegram → `https://t.me/s/<name>` (preview page); Mastodon →
/// `<instance>/@<user>.rss`; Bluesky → `https://bsky.app/profile/<handle>/rss`;
/// YouTube channel id → `https://www.youtube.com/feeds/videos.xml?channel_id=<id>`;
/// Reddit → `https://www.reddit.com/<path>.rss`; a YouTube handle and
/// anything unrecognised → the URL itself as a page (see the module doc).
pub fn endpoint(url: &Url) -> (Url, SocialFormat) {
    let as_page = || (url.clone(), SocialFormat::Html);
    let target = match recognise(url) {
        SocialProfile::Telegram { channel } => {
            return Url::parse(&format!("https://t.me/s/{channel}"))
                .map(|preview| (preview, SocialFormat::TelegramPreview))
                .unwrap_or_else(|_| as_page());
        }
        SocialProfile::Mastodon { instance, user } => {
            let mut authority = url.host_str().unwrap_or_default().to_ascii_lowercase();
            if let Some(port) = url.port() {
                authority.push_str(&format!(":{port}"));
            }
            // Keep the scheme of the URL given for its own instance (a test or
            // an intranet instance on http); a remote account's home is https.
            let scheme = if instance == authority {
                url.scheme()
            } else {
                "https"
            };
            format!("{scheme}://{instance}/@{user}.rss")
        }
        SocialProfile::Bluesky { handle } => format!("https://bsky.app/profile/{handle}/rss"),
        SocialProfile::YouTube {
            channel_id: Some(id),
            ..
        } => format!("https://www.youtube.com/feeds/videos.xml?channel_id={id}"),
        SocialProfile::Reddit { path } => format!("https://www.reddit.com{path}.rss"),
        SocialProfile::YouTube {
            channel_id: None, ..
        }
        | SocialProfile::Unknown => return as_page(),
    };
    Url::parse(&target)
        .map(|feed| (feed, SocialFormat::Feed))
        .unwrap_or_else(|_| as_page())
}

/// Whether an HTML page has the markup of a Telegram channel preview
/// (`t.me/s/<channel>`): message blocks carrying `data-post` ids.
pub fn looks_like_telegram_preview(html: &str) -> bool {
    html.contains("tgme_widget_message") && html.contains("data-post=")
}

/// Selectors of Telegram's preview markup, parsed once per call.
struct TelegramSelectors {
    message: Selector,
    text: Selector,
    time: Selector,
    owner: Selector,
    button: Selector,
    preview: Selector,
    preview_text: Selector,
}

impl TelegramSelectors {
    fn new() -> Option<Self> {
        let parse = |css: &str| Selector::parse(css).ok();
        Some(TelegramSelectors {
            message: parse(".tgme_widget_message[data-post]")?,
            text: parse(".tgme_widget_message_text")?,
            time: parse("time[datetime]")?,
            owner: parse(".tgme_widget_message_owner_name")?,
            button: parse("a.tgme_widget_message_inline_button[href]")?,
            preview: parse("a.tgme_widget_message_link_preview[href]")?,
            preview_text: parse(
                ".link_preview_site_name, .link_preview_title, .link_preview_description",
            )?,
        })
    }
}

/// Reads a Telegram channel preview page (`t.me/s/<name>`) into one
/// [`Document`] per post, in page order.
///
/// Each document's URL is the post's permalink `https://t.me/<name>/<id>`
/// (from `data-post`), `published_at` the post's `<time datetime>` in UTC,
/// its blocks the message text as [`crate::analyze::extract`] reads it (prose as
/// `Paragraph`, the message's links as `Link` blocks), link-preview texts
/// (`FeedItem`) and inline buttons (`Button`), its links the message's
/// anchors, buttons and preview target. Quoted replies to other posts are
/// left out: they are someone else's words. `source_kind` is `Social` and
/// `category_override` is `social_media`, ESMA's category for posts;
/// `fetched_at` and `content_sha256` are those of the preview page.
pub fn telegram_posts(html: &str, meta: &SocialMeta) -> Vec<Document> {
    let Some(selectors) = TelegramSelectors::new() else {
        return Vec::new();
    };
    let page_url = Url::parse(&meta.page_url).ok();
    let page = Html::parse_document(html);
    page.select(&selectors.message)
        .filter_map(|message| telegram_post(message, &selectors, page_url.as_ref(), meta))
        .collect()
}

fn telegram_post(
    message: ElementRef<'_>,
    selectors: &TelegramSelectors,
    page_url: Option<&Url>,
    meta: &SocialMeta,
) -> Option<Document> {
    let (channel, post_id) = message.value().attr("data-post")?.split_once('/')?;
    let channel_ok = !channel.is_empty()
        && channel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let post_ok = !post_id.is_empty() && post_id.chars().all(|c| c.is_ascii_digit());
    if !channel_ok || !post_ok {
        return None;
    }
    let permalink = Url::parse(&format!("https://t.me/{channel}/{post_id}")).ok()?;
    let own = |element: &ElementRef<'_>| !inside_reply(element, message);

    let mut document = Document::new(permalink.as_str(), SourceKind::Social);
    document.category_override = Some(Category::SocialMedia);
    document.fetched_at = meta.fetched_at.clone();
    document.content_sha256 = meta.content_sha256.clone();
    document.published_at = message
        .select(&selectors.time)
        .filter(own)
        .find_map(|time| time.value().attr("datetime"))
        .and_then(|datetime| OffsetDateTime::parse(datetime.trim(), &Rfc3339).ok())
        .map(rfc3339);
    document.title = message
        .select(&selectors.owner)
        .filter(own)
        .map(|owner| normalize_whitespace(&owner.text().collect::<String>()))
        .find(|name| !name.is_empty());

    let base = page_url.unwrap_or(&permalink);
    let mut builder = BlockBuilder::new(None);
    for text in message.select(&selectors.text).filter(own) {
        builder.push_fragment(
            extract_fragment(&text.inner_html(), base),
            BlockKind::Paragraph,
            "post>text",
        );
    }
    for preview in message.select(&selectors.preview).filter(own) {
        let mut first_block = None;
        for part in preview.select(&selectors.preview_text) {
            let text = normalize_whitespace(&part.text().collect::<String>());
            if !text.is_empty() {
                let index = builder.push_block(BlockKind::FeedItem, &text, "post>link_preview");
                first_block.get_or_insert(index);
            }
        }
        if let Some(url) = absolute_web_url(base, preview.value().attr("href")) {
            let text = preview_title(preview, selectors);
            builder.push_link(anchor(url, text, first_block));
        }
    }
    for button in message.select(&selectors.button).filter(own) {
        let text = normalize_whitespace(&button.text().collect::<String>());
        let block = (!text.is_empty())
            .then(|| builder.push_block(BlockKind::Button, &text, "post>inline_button"));
        if let Some(url) = absolute_web_url(base, button.value().attr("href")) {
            builder.push_link(anchor(url, text, block));
        }
    }
    document.blocks = builder.blocks;
    document.links = builder.links;
    Some(document)
}

/// Whether `element` stands in a quoted reply inside `message`.
fn inside_reply(element: &ElementRef<'_>, message: ElementRef<'_>) -> bool {
    for ancestor in element.ancestors() {
        if ancestor.id() == message.id() {
            return false;
        }
        let is_reply = ElementRef::wrap(ancestor).is_some_and(|el| {
            el.value().has_class(
                "tgme_widget_message_reply",
                scraper::CaseSensitivity::CaseSensitive,
            )
        });
        if is_reply {
            return true;
        }
    }
    false
}

fn preview_title(preview: ElementRef<'_>, selectors: &TelegramSelectors) -> String {
    preview
        .select(&selectors.preview_text)
        .map(|part| normalize_whitespace(&part.text().collect::<String>()))
        .find(|text| !text.is_empty())
        .unwrap_or_default()
}

/// A link a post's markup implies (a preview card, an inline button).
fn anchor(url: Url, text: String, block_index: Option<usize>) -> Link {
    Link {
        url: url.into(),
        kind: LinkKind::Anchor,
        text,
        rel: Vec::new(),
        hreflang: None,
        media_type: None,
        block_index,
    }
}

fn absolute_web_url(base: &Url, href: Option<&str>) -> Option<Url> {
    base.join(href?.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn telegram_feature_paths_and_invites_are_not_channels() {
        for path in [
            "https://t.me/joinchat/AAAA",
            "https://t.me/+AbCdEf",
            "https://t.me/c/123/45",
            "https://t.me/",
            "https://t.me/addstickers/x",
        ] {
            assert_eq!(recognise(&url(path)), SocialProfile::Unknown, "{path}");
        }
    }

    #[test]
    fn known_non_mastodon_hosts_with_at_paths_stay_unknown() {
        assert_eq!(
            recognise(&url("https://medium.com/@aurora")),
            SocialProfile::Unknown
        );
        assert_eq!(
            recognise(&url("https://www.tiktok.com/@aurora")),
            SocialProfile::Unknown
        );
    }

    #[test]
    fn other_schemes_are_unknown() {
        assert_eq!(
            recognise(&url("ftp://t.me/auroraexchange")),
            SocialProfile::Unknown
        );
    }

    #[test]
    fn a_post_without_a_valid_data_post_is_skipped() {
        let html = r#"<div class="tgme_widget_message" data-post="bad value/x"><div class="tgme_widget_message_text">Hallo</div></div>
            <div class="tgme_widget_message" data-post="aurora_x/7"><div class="tgme_widget_message_text">Servus</div></div>"#;
        let meta = SocialMeta {
            page_url: "https://t.me/s/aurora_x".into(),
            fetched_at: "2026-11-28T12:00:00Z".into(),
            content_sha256: "00".repeat(32),
        };
        let posts = telegram_posts(html, &meta);
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].url, "https://t.me/aurora_x/7");
        assert_eq!(posts[0].published_at, None);
    }
}
