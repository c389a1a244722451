//! Feeds and public social pages become one document per item or post:
//! every feed format, `max_age`, feed discovery and sniffing, the social URL
//! table, Telegram preview pages, and the whole path over HTTP on loopback.

mod common;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use common::TestServer;
use micar_scan::config::ScanSettings;
use micar_scan::model::sha256_hex;
use micar_scan::model::{BlockKind, Category, Document, Link, LinkKind, SourceKind};
use micar_scan::sources::feed::{
    discover_feeds, looks_like_feed, parse_feed, FeedMeta, ParsedFeed,
};
use micar_scan::sources::fetch::Fetcher;
use micar_scan::sources::social::{
    endpoint, recognise, telegram_posts, SocialFormat, SocialMeta, SocialProfile,
};
use std::time::Duration;
use url::Url;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|error| panic!("{full}: {error}"))
}

fn meta(feed_url: &str, max_age: Option<Duration>) -> FeedMeta {
    FeedMeta {
        feed_url: feed_url.to_string(),
        fetched_at: "2026-11-28T12:00:00Z".to_string(),
        content_sha256: "5e".repeat(32),
        source_kind: SourceKind::Feed,
        category_override: None,
        max_age,
        now: time::macros::datetime!(2026-11-28 12:00 UTC),
    }
}

fn parse(path: &str, feed_url: &str, max_age: Option<Duration>) -> ParsedFeed {
    parse_feed(&fixture(path), &meta(feed_url, max_age)).unwrap()
}

fn urls(documents: &[Document]) -> Vec<&str> {
    documents.iter().map(|doc| doc.url.as_str()).collect()
}

fn published(documents: &[Document]) -> Vec<Option<&str>> {
    documents
        .iter()
        .map(|doc| doc.published_at.as_deref())
        .collect()
}

fn texts(doc: &Document, kind: BlockKind) -> Vec<&str> {
    doc.blocks
        .iter()
        .filter(|block| block.kind == kind)
        .map(|block| block.text.as_str())
        .collect()
}

/// Every document of a feed carries the capture facts of the feed response
/// and a block index equal to its position.
fn assert_capture_facts(parsed: &ParsedFeed, sha: &str, kind: SourceKind) {
    for doc in &parsed.documents {
        assert_eq!(doc.final_url, doc.url);
        assert_eq!(&*doc.content_sha256, sha);
        assert_eq!(doc.source_kind, kind);
        assert!(!doc.fetched_at.is_empty());
        for (position, block) in doc.blocks.iter().enumerate() {
            assert_eq!(block.index, position, "{}", doc.url);
        }
    }
}

#[test]
fn rss2_items_become_one_document_each() {
    let parsed = parse(
        "feeds/rss2.xml",
        "https://aurora-exchange.example/de/feed.xml",
        None,
    );
    assert_eq!(
        parsed.title.as_deref(),
        Some("Aurora Exchange – Neuigkeiten")
    );
    assert_eq!(parsed.skipped_old, 0);
    assert_eq!(
        urls(&parsed.documents),
        vec![
            "https://aurora-exchange.example/de/news/willkommensbonus",
            // A relative <link> resolves against the feed URL.
            "https://aurora-exchange.example/fr/presse/bureau-lyon",
            "https://aurora-exchange.example/de/news/sommerrabatt-2024",
        ]
    );
    assert_eq!(
        published(&parsed.documents),
        vec![
            Some("2026-11-20T08:30:00Z"),
            Some("2026-11-10T08:00:00Z"),
            Some("2024-07-01T10:00:00Z")
        ]
    );
    assert_capture_facts(&parsed, &"5e".repeat(32), SourceKind::Feed);

    let bonus = &parsed.documents[0];
    assert_eq!(
        bonus.title.as_deref(),
        Some("Willkommensbonus: 50 € für neue Kunden")
    );
    assert_eq!(
        texts(bonus, BlockKind::Title),
        vec!["Willkommensbonus: 50 € für neue Kunden"]
    );
    // The description repeats the content's first paragraph: kept once.
    assert_eq!(
        texts(bonus, BlockKind::FeedItem),
        vec![
            "Jetzt registrieren und bis zum 31. Dezember einen Willkommensbonus von 50 € sichern."
        ]
    );
    // Item HTML is read as a page is: a link inside a sentence stays in it.
    assert_eq!(
        texts(bonus, BlockKind::Paragraph),
        vec!["Einzahlung per SEPA-Überweisung ab 100 €. Konto eröffnen"]
    );
    // The link is recorded, pointing at the sentence that holds its text.
    assert!(texts(bonus, BlockKind::Link).is_empty());
    assert!(bonus.links.iter().any(|l| l.text == "Konto eröffnen"
        && l.block_index
            .is_some_and(|i| bonus.blocks[i].text.contains("Konto eröffnen"))));
    assert_eq!(bonus.locale.html_lang.as_deref(), Some("de-de"));
    assert!(bonus
        .blocks
        .iter()
        .all(|block| block.lang_attr.as_deref() == Some("de-de")));
    assert_eq!(bonus.links.len(), 1);
    let link = &bonus.links[0];
    assert_eq!(
        link.url,
        "https://aurora-exchange.example/de/signup?ref=news-de"
    );
    assert_eq!(link.text, "Konto eröffnen");
    assert_eq!(link.rel, vec!["sponsored"]);
    assert_eq!(link.kind, LinkKind::Anchor);
    let holder = &bonus.blocks[link.block_index.unwrap()];
    assert_eq!(
        (holder.kind, holder.text.as_str()),
        (
            BlockKind::Paragraph,
            "Einzahlung per SEPA-Überweisung ab 100 €. Konto eröffnen"
        )
    );
    // The sentence is no link of its own; its path is the paragraph's.
    assert_eq!(holder.href, None);
    assert_eq!(holder.path, "item>content>p");

    let press = &parsed.documents[1];
    assert_eq!(
        press
            .links
            .iter()
            .map(|l| l.url.as_str())
            .collect::<Vec<_>>(),
        vec!["https://aurora-exchange.example/fr/inscription"]
    );
    assert!(texts(press, BlockKind::FeedItem).contains(
        &"Aurora Exchange annonce l'ouverture d'un bureau à Lyon pour ses clients français."
    ));
}

#[test]
fn rss1_items_become_one_document_each() {
    let parsed = parse(
        "feeds/rss1.rdf",
        "https://aurora-exchange.example/it/blog/rss",
        None,
    );
    assert_eq!(
        urls(&parsed.documents),
        vec![
            "https://aurora-exchange.example/it/blog/deposito-bonifico",
            "https://aurora-exchange.example/pl/blog/blik",
            "https://aurora-exchange.example/it/blog/archivio-2023",
        ]
    );
    assert_eq!(
        published(&parsed.documents),
        vec![
            Some("2026-11-18T13:00:00Z"),
            Some("2026-11-05T09:00:00Z"),
            Some("2023-03-01T12:00:00Z")
        ]
    );
    assert_capture_facts(&parsed, &"5e".repeat(32), SourceKind::Feed);
    let blik = &parsed.documents[1];
    assert_eq!(blik.locale.html_lang.as_deref(), Some("it"));
    assert_eq!(
        texts(blik, BlockKind::FeedItem),
        vec!["Zarejestruj się i wpłać złotówki przez BLIK w kilka sekund."]
    );
    assert_eq!(texts(blik, BlockKind::Paragraph), Vec::<&str>::new());
    assert_eq!(texts(blik, BlockKind::Link), vec!["Załóż konto"]);
    assert_eq!(
        blik.links[0].url,
        "https://aurora-exchange.example/pl/rejestracja?promo=BLIK50"
    );
}

#[test]
fn atom_entries_become_one_document_each() {
    let parsed = parse(
        "feeds/atom.xml",
        "https://aurora-exchange.example/presse/atom.xml",
        None,
    );
    assert_eq!(
        parsed.title.as_deref(),
        Some("Aurora Exchange – Salle de presse")
    );
    assert_eq!(
        urls(&parsed.documents),
        vec![
            // rel="alternate" wins over rel="self".
            "https://aurora-exchange.example/presse/agrement-mica",
            "https://aurora-exchange.example/nl/pers/ideal",
            "https://aurora-exchange.example/presse/lancement",
        ]
    );
    assert_eq!(
        published(&parsed.documents),
        vec![
            Some("2026-11-25T08:00:00Z"),
            // No <published>: the update time stands in.
            Some("2026-11-12T08:00:00Z"),
            Some("2022-05-02T12:00:00Z")
        ]
    );
    assert_capture_facts(&parsed, &"5e".repeat(32), SourceKind::Feed);
    let mica = &parsed.documents[0];
    // An HTML title is read as text.
    assert_eq!(
        mica.title.as_deref(),
        Some("Aurora Exchange obtient son agrément MiCA")
    );
    assert_eq!(mica.locale.html_lang.as_deref(), Some("fr-FR"));
    assert_eq!(
        texts(mica, BlockKind::FeedItem),
        vec!["Aurora Exchange se lance en France et en Belgique."]
    );
    assert_eq!(
        texts(mica, BlockKind::Paragraph),
        vec!["Les clients européens peuvent s'inscrire dès aujourd'hui."]
    );
    // The link is recorded, pointing at the sentence that holds its text.
    assert!(texts(mica, BlockKind::Link).is_empty());
    assert!(mica
        .links
        .iter()
        .any(|l| l.text == "s'inscrire dès aujourd'hui"
            && l.block_index
                .is_some_and(|i| mica.blocks[i].text.contains("s'inscrire dès aujourd'hui"))));
    // A relative link in the content resolves against the item's permalink.
    assert_eq!(
        mica.links[0].url,
        "https://aurora-exchange.example/fr/inscription?utm_source=presse"
    );
    let ideal = &parsed.documents[1];
    assert_eq!(
        texts(ideal, BlockKind::Paragraph),
        vec!["Open een rekening en stort euro's met iDEAL."]
    );
}

#[test]
fn json_feed_items_become_one_document_each() {
    let parsed = parse(
        "feeds/feed.json",
        "https://aurora-exchange.example/es/feed.json",
        None,
    );
    assert_eq!(
        urls(&parsed.documents),
        vec![
            "https://aurora-exchange.example/es/noticias/bizum",
            // No url and an id that is no URL: the feed URL with the id.
            "https://aurora-exchange.example/es/feed.json#pt-mbway-2026",
            "https://aurora-exchange.example/es/noticias/2023-antiguo",
        ]
    );
    assert_eq!(
        published(&parsed.documents),
        vec![
            Some("2026-11-21T10:00:00Z"),
            Some("2026-11-15T10:00:00Z"),
            Some("2023-06-01T10:00:00Z")
        ]
    );
    assert_capture_facts(&parsed, &"5e".repeat(32), SourceKind::Feed);
    let bizum = &parsed.documents[0];
    assert_eq!(bizum.locale.html_lang.as_deref(), Some("es-ES"));
    assert_eq!(
        bizum.links[0].url,
        "https://aurora-exchange.example/es/registro?ref=bizum"
    );
    let mbway = &parsed.documents[1];
    assert_eq!(
        texts(mbway, BlockKind::Paragraph),
        vec![
            "Registe-se e deposite euros com MB WAY.",
            "Oferta válida em Portugal."
        ]
    );
}

#[test]
fn max_age_skips_old_items_in_every_format() {
    for (path, url, kept) in [
        (
            "feeds/rss2.xml",
            "https://aurora-exchange.example/de/feed.xml",
            2,
        ),
        (
            "feeds/rss1.rdf",
            "https://aurora-exchange.example/it/blog/rss",
            2,
        ),
        (
            "feeds/atom.xml",
            "https://aurora-exchange.example/presse/atom.xml",
            2,
        ),
        (
            "feeds/feed.json",
            "https://aurora-exchange.example/es/feed.json",
            2,
        ),
    ] {
        let parsed = parse(path, url, Some(90 * DAY));
        assert_eq!(parsed.documents.len(), kept, "{path}");
        assert_eq!(parsed.skipped_old, 1, "{path}");
        assert!(
            parsed
                .documents
                .iter()
                .all(|doc| doc.published_at.as_deref().unwrap() >= "2026-"),
            "{path}"
        );
    }
    // A window short enough drops the older of the recent items too.
    let parsed = parse(
        "feeds/rss2.xml",
        "https://aurora-exchange.example/de/feed.xml",
        Some(10 * DAY),
    );
    assert_eq!(
        urls(&parsed.documents),
        vec!["https://aurora-exchange.example/de/news/willkommensbonus"]
    );
    assert_eq!(parsed.skipped_old, 2);
}

/// Item HTML goes through the extractor web pages go through: inline markup
/// joins its block, scripts and hidden text vanish, anchors become links
/// with their `rel` tokens, and the blocks are numbered in the item's order
/// with the summary's sentence kept once when the content repeats it.
#[test]
fn item_html_is_read_by_the_page_extractor() {
    let rss = r#"<?xml version="1.0"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
        <title>Aurora Exchange Österreich</title><language>de-AT</language>
        <item><title>Neu: Sofort und SEPA</title>
        <link>https://aurora-exchange.example/at/news/zahlungen</link>
        <description><![CDATA[<p>Jetzt <b>registrieren</b> und Bonus sichern.</p>]]></description>
        <content:encoded><![CDATA[<p>Jetzt <b>registrieren</b> und Bonus sichern.</p>
          <script>var note = "Skripttext";</script>
          <div style="display:none">Versteckter Text</div>
          <ul><li>SEPA</li><li>Sofort</li></ul>
          <p lang="fr">Aussi en français.</p>
          <p><a href="/at/signup?ref=news" rel="Sponsored NoFollow">Bonus sichern</a>
          <a href="javascript:alert(1)">Skript</a> <a href="mailto:hilfe@aurora-exchange.example">Hilfe</a></p>
        ]]></content:encoded></item></channel></rss>"#;
    let parsed = parse_feed(
        rss.as_bytes(),
        &meta("https://aurora-exchange.example/at/feed.xml", None),
    )
    .unwrap();
    assert_eq!(parsed.documents.len(), 1);
    let item = &parsed.documents[0];
    let blocks: Vec<(BlockKind, &str, &str)> = item
        .blocks
        .iter()
        .map(|b| (b.kind, b.text.as_str(), b.path.as_str()))
        .collect();
    assert_eq!(
        blocks,
        vec![
            (BlockKind::Title, "Neu: Sofort und SEPA", "item>title"),
            (
                BlockKind::FeedItem,
                "Jetzt registrieren und Bonus sichern.",
                "item>summary>p"
            ),
            (BlockKind::ListItem, "SEPA", "item>content>ul>li"),
            (BlockKind::ListItem, "Sofort", "item>content>ul>li"),
            (BlockKind::Paragraph, "Aussi en français.", "item>content>p"),
            (BlockKind::Link, "Bonus sichern", "item>content>p>a"),
            (BlockKind::Link, "Skript", "item>content>p>a"),
            (BlockKind::Link, "Hilfe", "item>content>p>a"),
        ]
    );
    for (position, block) in item.blocks.iter().enumerate() {
        assert_eq!(block.index, position);
        let expected = if block.text == "Aussi en français." {
            Some("fr")
        } else {
            item.locale.html_lang.as_deref()
        };
        assert_eq!(block.lang_attr.as_deref(), expected, "{}", block.text);
    }
    assert_eq!(item.locale.html_lang.as_deref(), Some("de-at"));
    // javascript: and mailto: targets are no pages: no links, no hrefs.
    assert_eq!(item.links.len(), 1, "{:?}", item.links);
    let signup = &item.links[0];
    assert_eq!(
        signup.url,
        "https://aurora-exchange.example/at/signup?ref=news"
    );
    assert_eq!(signup.kind, LinkKind::Anchor);
    assert_eq!(signup.text, "Bonus sichern");
    assert_eq!(signup.rel, vec!["sponsored", "nofollow"]);
    assert_eq!(signup.block_index, Some(5));
    assert_eq!(item.blocks[5].href.as_deref(), Some(signup.url.as_str()));
    assert_eq!(item.blocks[6].href, None);
}

#[test]
fn the_category_override_and_source_kind_reach_every_item() {
    let mut meta = meta("https://aurora-exchange.example/presse/atom.xml", None);
    meta.category_override = Some(Category::Press);
    meta.source_kind = SourceKind::Social;
    let parsed = parse_feed(&fixture("feeds/atom.xml"), &meta).unwrap();
    assert_eq!(parsed.documents.len(), 3);
    for doc in &parsed.documents {
        assert_eq!(doc.category_override, Some(Category::Press));
        assert_eq!(doc.source_kind, SourceKind::Social);
    }
}

fn link(url: &str, kind: LinkKind, rel: &[&str], media_type: Option<&str>) -> Link {
    Link {
        url: url.to_string(),
        kind,
        text: String::new(),
        rel: rel.iter().map(|r| r.to_string()).collect(),
        hreflang: None,
        media_type: media_type.map(str::to_string),
        block_index: None,
    }
}

#[test]
fn discover_feeds_lists_advertised_feeds_once() {
    let mut doc = Document::new("https://aurora-exchange.example/", SourceKind::Website);
    doc.links = vec![
        link(
            "https://aurora-exchange.example/feed.xml",
            LinkKind::Alternate,
            &["alternate"],
            Some("application/rss+xml"),
        ),
        link(
            "https://aurora-exchange.example/atom.xml",
            LinkKind::Alternate,
            &["alternate"],
            Some("Application/Atom+XML; charset=utf-8"),
        ),
        link(
            "https://aurora-exchange.example/feed.json",
            LinkKind::Alternate,
            &["alternate"],
            Some("application/feed+json"),
        ),
        link(
            "https://aurora-exchange.example/api.json",
            LinkKind::Alternate,
            &["alternate"],
            Some("application/json"),
        ),
        // The same feed twice, an hreflang alternate, a stylesheet, an anchor.
        link(
            "https://aurora-exchange.example/feed.xml",
            LinkKind::Alternate,
            &["alternate"],
            Some("application/rss+xml"),
        ),
        link(
            "https://aurora-exchange.example/de/",
            LinkKind::Alternate,
            &["alternate"],
            Some("text/html"),
        ),
        link(
            "https://aurora-exchange.example/style.css",
            LinkKind::LinkElement,
            &["stylesheet"],
            Some("text/css"),
        ),
        link(
            "https://aurora-exchange.example/other.xml",
            LinkKind::Anchor,
            &[],
            Some("application/rss+xml"),
        ),
    ];
    assert_eq!(
        discover_feeds(&doc),
        vec![
            "https://aurora-exchange.example/feed.xml",
            "https://aurora-exchange.example/atom.xml",
            "https://aurora-exchange.example/feed.json",
            "https://aurora-exchange.example/api.json",
        ]
    );
    assert!(discover_feeds(&Document::new("https://a.example/", SourceKind::Website)).is_empty());
}

#[test]
fn looks_like_feed_by_type_and_by_body() {
    let rss2 = fixture("feeds/rss2.xml");
    let rss1 = fixture("feeds/rss1.rdf");
    let atom = fixture("feeds/atom.xml");
    let json = fixture("feeds/feed.json");
    let html = fixture("social/telegram-preview.html");
    // A feed media type decides by itself.
    assert!(looks_like_feed(Some("application/rss+xml"), b""));
    assert!(looks_like_feed(
        Some("application/atom+xml; charset=utf-8"),
        b""
    ));
    assert!(looks_like_feed(Some("application/feed+json"), b""));
    // Generic types and no type: the body decides.
    for (content_type, body) in [
        (Some("text/xml"), &rss2),
        (Some("application/xml"), &rss1),
        (None, &atom),
        (Some("application/json"), &json),
        (Some("text/plain"), &rss2),
    ] {
        assert!(looks_like_feed(content_type, body), "{content_type:?}");
    }
    assert!(!looks_like_feed(Some("text/html; charset=utf-8"), &html));
    assert!(!looks_like_feed(None, &html));
    assert!(!looks_like_feed(
        Some("application/json"),
        br#"{"prices": [1, 2]}"#
    ));
    assert!(!looks_like_feed(Some("image/png"), &rss2));
    assert!(!looks_like_feed(
        Some("application/xml"),
        b"<urlset><url/></urlset>"
    ));
    // A byte-order mark and leading blank lines do not hide the root.
    let mut with_bom = b"\xEF\xBB\xBF\n\n".to_vec();
    with_bom.extend_from_slice(&atom);
    assert!(looks_like_feed(None, &with_bom));
}

#[test]
fn recognise_and_endpoint_for_every_shape() {
    use SocialFormat::{Feed, Html, TelegramPreview};
    let telegram = |name: &str| SocialProfile::Telegram {
        channel: name.to_string(),
    };
    let mastodon = |instance: &str, user: &str| SocialProfile::Mastodon {
        instance: instance.to_string(),
        user: user.to_string(),
    };
    let youtube = |id: Option<&str>, handle: Option<&str>| SocialProfile::YouTube {
        channel_id: id.map(str::to_string),
        handle: handle.map(str::to_string),
    };
    let reddit = |path: &str| SocialProfile::Reddit {
        path: path.to_string(),
    };
    let table: Vec<(&str, SocialProfile, &str, SocialFormat)> = vec![
        (
            "https://t.me/auroraexchange",
            telegram("auroraexchange"),
            "https://t.me/s/auroraexchange",
            TelegramPreview,
        ),
        (
            "https://telegram.me/auroraexchange",
            telegram("auroraexchange"),
            "https://t.me/s/auroraexchange",
            TelegramPreview,
        ),
        (
            "https://t.me/s/auroraexchange",
            telegram("auroraexchange"),
            "https://t.me/s/auroraexchange",
            TelegramPreview,
        ),
        (
            "https://t.me/auroraexchange/101",
            telegram("auroraexchange"),
            "https://t.me/s/auroraexchange",
            TelegramPreview,
        ),
        (
            "https://social.example/@aurora",
            mastodon("social.example", "aurora"),
            "https://social.example/@aurora.rss",
            Feed,
        ),
        (
            "https://social.example/@aurora/113001",
            mastodon("social.example", "aurora"),
            "https://social.example/@aurora.rss",
            Feed,
        ),
        (
            "http://127.0.0.1:8080/@aurora",
            mastodon("127.0.0.1:8080", "aurora"),
            "http://127.0.0.1:8080/@aurora.rss",
            Feed,
        ),
        (
            "https://big.example/@aurora@social.example",
            mastodon("social.example", "aurora"),
            "https://social.example/@aurora.rss",
            Feed,
        ),
        (
            "https://bsky.app/profile/aurora.example",
            SocialProfile::Bluesky {
                handle: "aurora.example".into(),
            },
            "https://bsky.app/profile/aurora.example/rss",
            Feed,
        ),
        (
            "https://bsky.app/profile/aurora.example/post/3k",
            SocialProfile::Bluesky {
                handle: "aurora.example".into(),
            },
            "https://bsky.app/profile/aurora.example/rss",
            Feed,
        ),
        (
            "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
            youtube(Some("UCabcdefghijklmnopqrstuv"), None),
            "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv",
            Feed,
        ),
        (
            "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv",
            youtube(Some("UCabcdefghijklmnopqrstuv"), None),
            "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv",
            Feed,
        ),
        (
            "https://m.youtube.com/@AuroraExchange",
            youtube(None, Some("AuroraExchange")),
            "https://m.youtube.com/@AuroraExchange",
            Html,
        ),
        (
            "https://www.youtube.com/c/AuroraExchange",
            youtube(None, None),
            "https://www.youtube.com/c/AuroraExchange",
            Html,
        ),
        (
            "https://www.reddit.com/r/auroraexchange/",
            reddit("/r/auroraexchange"),
            "https://www.reddit.com/r/auroraexchange.rss",
            Feed,
        ),
        (
            "https://old.reddit.com/user/aurora_team",
            reddit("/user/aurora_team"),
            "https://www.reddit.com/user/aurora_team.rss",
            Feed,
        ),
        (
            "https://reddit.com/u/aurora_team",
            reddit("/user/aurora_team"),
            "https://www.reddit.com/user/aurora_team.rss",
            Feed,
        ),
        (
            "https://aurora-exchange.example/de/",
            SocialProfile::Unknown,
            "https://aurora-exchange.example/de/",
            Html,
        ),
        (
            "https://t.me/joinchat/AbCdEf",
            SocialProfile::Unknown,
            "https://t.me/joinchat/AbCdEf",
            Html,
        ),
        (
            "https://medium.com/@aurora",
            SocialProfile::Unknown,
            "https://medium.com/@aurora",
            Html,
        ),
    ];
    for (input, profile, target, format) in table {
        let url = Url::parse(input).unwrap();
        assert_eq!(recognise(&url), profile, "{input}");
        let (endpoint_url, endpoint_format) = endpoint(&url);
        assert_eq!(endpoint_url.as_str(), target, "{input}");
        assert_eq!(endpoint_format, format, "{input}");
    }
}

fn social_meta(page_url: &str, sha: &str) -> SocialMeta {
    SocialMeta {
        page_url: page_url.to_string(),
        fetched_at: "2026-11-28T12:00:00Z".to_string(),
        content_sha256: sha.to_string(),
    }
}

fn assert_telegram_posts(posts: &[Document], sha: &str) {
    assert_eq!(
        urls(posts),
        vec![
            "https://t.me/auroraexchange/101",
            "https://t.me/auroraexchange/102",
            "https://t.me/auroraexchange/103",
            "https://t.me/auroraexchange/104",
        ]
    );
    assert_eq!(
        published(posts),
        vec![
            Some("2026-11-20T10:00:00Z"),
            Some("2026-11-21T08:15:00Z"),
            Some("2026-11-22T17:45:00Z"),
            // +01:00 in the page, UTC in the document.
            Some("2026-11-23T08:00:00Z"),
        ]
    );
    for post in posts {
        assert_eq!(post.source_kind, SourceKind::Social);
        assert_eq!(post.category_override, Some(Category::SocialMedia));
        assert_eq!(&*post.content_sha256, sha);
        assert_eq!(post.final_url, post.url);
        assert_eq!(post.title.as_deref(), Some("Aurora Exchange"));
    }

    let bonus = &posts[0];
    // `<br>` is a line break inside one block, as on any page.
    assert_eq!(
        texts(bonus, BlockKind::Paragraph),
        vec!["Neu für Kunden in Deutschland: 50 € Willkommensbonus! Jetzt registrieren: aurora-exchange.example/de/signup"]
    );
    // The link is recorded, pointing at the sentence that holds its text.
    assert!(texts(bonus, BlockKind::Link).is_empty());
    assert!(bonus
        .links
        .iter()
        .any(|l| l.text == "aurora-exchange.example/de/signup"
            && l.block_index.is_some_and(|i| bonus.blocks[i]
                .text
                .contains("aurora-exchange.example/de/signup"))));
    assert_eq!(
        bonus.links[0].url,
        "https://aurora-exchange.example/de/signup?ref=tg101"
    );
    assert_eq!(bonus.links[0].rel, vec!["noopener"]);
    // The message's only block holds the link's text.
    assert_eq!(bonus.links[0].block_index, Some(0));

    let press = &posts[1];
    assert_eq!(
        texts(press, BlockKind::FeedItem),
        vec![
            "Aurora Exchange",
            "Aurora Exchange arrive en France",
            "Ouvrez un compte en quelques minutes."
        ]
    );
    assert_eq!(
        press.links[0].url,
        "https://aurora-exchange.example/fr/presse/arrivee-france"
    );

    let promo = &posts[2];
    let all_text: Vec<&str> = promo.blocks.iter().map(|b| b.text.as_str()).collect();
    assert!(
        !all_text.iter().any(|text| text.contains("Quoted words")),
        "{all_text:?}"
    );
    assert_eq!(
        texts(promo, BlockKind::Paragraph),
        vec!["Promozione per l'Italia: zero commissioni sul primo acquisto di Bitcoin."]
    );
    assert_eq!(texts(promo, BlockKind::Button), vec!["Registrati ora"]);
    assert_eq!(
        promo
            .links
            .iter()
            .map(|l| l.url.as_str())
            .collect::<Vec<_>>(),
        vec!["https://aurora-exchange.example/it/registrazione?promo=TG103"]
    );

    let blik = &posts[3];
    assert_eq!(
        texts(blik, BlockKind::Paragraph),
        vec!["Wpłacaj złotówki przez BLIK. Załóż konto: rejestracja"]
    );
    assert!(texts(blik, BlockKind::Link).is_empty());
    assert_eq!(blik.links[0].block_index, Some(0));
}

#[test]
fn telegram_posts_yield_one_document_per_post() {
    let html = fixture("social/telegram-preview.html");
    let sha = sha256_hex(&html);
    let posts = telegram_posts(
        std::str::from_utf8(&html).unwrap(),
        &social_meta("https://t.me/s/auroraexchange", &sha),
    );
    assert_telegram_posts(&posts, &sha);
    // A relative link resolves against the preview page.
    assert_eq!(posts[3].links[0].url, "https://t.me/pl/rejestracja");
}

#[test]
fn a_page_without_posts_yields_nothing() {
    let posts = telegram_posts(
        "<html><body><p>Channel not found</p></body></html>",
        &social_meta("https://t.me/s/auroraexchange", "00"),
    );
    assert!(posts.is_empty());
}

fn served(content_type: &'static str, path: &'static str) -> axum::routing::MethodRouter {
    get(move || async move { ([(header::CONTENT_TYPE, content_type)], fixture(path)) })
}

#[tokio::test]
async fn feeds_and_the_preview_page_over_http_on_loopback() {
    let router = Router::new()
        .route(
            "/de/feed.xml",
            served("application/rss+xml", "feeds/rss2.xml"),
        )
        .route(
            "/it/blog/rss",
            served("application/rdf+xml", "feeds/rss1.rdf"),
        )
        .route(
            "/presse/atom.xml",
            served("application/xml", "feeds/atom.xml"),
        )
        .route(
            "/es/feed.json",
            served("application/json", "feeds/feed.json"),
        )
        .route(
            "/s/auroraexchange",
            served("text/html; charset=utf-8", "social/telegram-preview.html"),
        )
        .route(
            "/@aurora.rss",
            served(
                "application/rss+xml; charset=utf-8",
                "social/mastodon-aurora.rss",
            ),
        );
    let server = TestServer::start(router).await;
    let fetcher = Fetcher::new(&ScanSettings {
        allow_networks: vec!["127.0.0.1/32".parse().unwrap()],
        per_host_rate: 100.0,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        ..ScanSettings::default()
    })
    .unwrap();
    let any_scope = |_: &Url| -> Result<(), String> { Ok(()) };

    for (path, fixture_path) in [
        ("/de/feed.xml", "feeds/rss2.xml"),
        ("/it/blog/rss", "feeds/rss1.rdf"),
        ("/presse/atom.xml", "feeds/atom.xml"),
        ("/es/feed.json", "feeds/feed.json"),
    ] {
        let fetched = fetcher.fetch(&server.url(path), &any_scope).await.unwrap();
        assert_eq!(fetched.status, 200, "{path}");
        assert!(
            looks_like_feed(fetched.content_type.as_deref(), &fetched.body),
            "{path}"
        );
        let meta = FeedMeta {
            feed_url: fetched.final_url.to_string(),
            fetched_at: fetched.fetched_at.clone(),
            content_sha256: fetched.sha256.clone(),
            source_kind: SourceKind::Feed,
            category_override: None,
            max_age: Some(90 * DAY),
            now: time::macros::datetime!(2026-11-28 12:00 UTC),
        };
        let parsed = parse_feed(&fetched.body, &meta).unwrap();
        assert_eq!(parsed.documents.len(), 2, "{path}");
        assert_eq!(parsed.skipped_old, 1, "{path}");
        for doc in &parsed.documents {
            assert_eq!(&*doc.content_sha256, sha256_hex(&fixture(fixture_path)));
            assert_eq!(&*doc.fetched_at, fetched.fetched_at);
            assert!(doc.published_at.is_some());
        }
    }
    // The RSS 2.0 item with a relative link resolves against the served URL.
    let fetched = fetcher
        .fetch(&server.url("/de/feed.xml"), &any_scope)
        .await
        .unwrap();
    let parsed = parse_feed(&fetched.body, &meta(fetched.final_url.as_str(), None)).unwrap();
    assert_eq!(
        parsed.documents[1].url,
        server.url("/fr/presse/bureau-lyon").as_str()
    );

    // Telegram: the preview page as served, read into posts.
    let fetched = fetcher
        .fetch(&server.url("/s/auroraexchange"), &any_scope)
        .await
        .unwrap();
    assert!(!looks_like_feed(
        fetched.content_type.as_deref(),
        &fetched.body
    ));
    let html = String::from_utf8(fetched.body.clone()).unwrap();
    let posts = telegram_posts(
        &html,
        &social_meta(fetched.final_url.as_str(), &fetched.sha256),
    );
    assert_telegram_posts(&posts, &fetched.sha256);

    // Mastodon: from the profile URL through recognise and endpoint to items.
    let profile = server.url("/@aurora");
    assert!(matches!(
        recognise(&profile),
        SocialProfile::Mastodon { .. }
    ));
    let (feed_url, format) = endpoint(&profile);
    assert_eq!(format, SocialFormat::Feed);
    let fetched = fetcher.fetch(&feed_url, &any_scope).await.unwrap();
    let mut mastodon_meta = meta(fetched.final_url.as_str(), Some(90 * DAY));
    mastodon_meta.source_kind = SourceKind::Social;
    mastodon_meta.content_sha256 = fetched.sha256.clone();
    let parsed = parse_feed(&fetched.body, &mastodon_meta).unwrap();
    assert_eq!(
        urls(&parsed.documents),
        vec![
            "https://social.example/@aurora/113001",
            "https://social.example/@aurora/113002",
            "https://social.example/@aurora/113003",
        ]
    );
    assert!(parsed
        .documents
        .iter()
        .all(|doc| doc.source_kind == SourceKind::Social && doc.title.is_none()));
    let austria = &parsed.documents[0];
    assert_eq!(
        texts(austria, BlockKind::FeedItem),
        vec!["Hallo Österreich! Ab heute mit EPS einzahlen. aurora-exchange.example/at"]
    );
    assert!(texts(austria, BlockKind::Link).is_empty());
    assert_eq!(
        austria.links[0].url,
        "https://aurora-exchange.example/at/?ref=masto"
    );
    assert_eq!(austria.links[0].rel, vec!["nofollow", "noopener"]);
    assert_eq!(server.hits_to("/@aurora.rss"), 1);
}
