use super::meta::url_locale;
use super::*;
use crate::analyze::lang::LanguageModel;
use crate::model::Block;
use crate::model::BlockKind;
use crate::model::Document;
use crate::model::LanguageSource;
use crate::model::LinkKind;
use crate::model::SourceKind;
use url::Url;

fn extract(html: &str, url: &str) -> Document {
    extract_html(html, DocMeta::for_url(url, SourceKind::Website))
}

fn texts(doc: &Document, kind: BlockKind) -> Vec<&str> {
    doc.blocks
        .iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.text.as_str())
        .collect()
}

fn block<'d>(doc: &'d Document, text: &str) -> &'d Block {
    doc.blocks
        .iter()
        .find(|b| b.text == text)
        .unwrap_or_else(|| panic!("no block `{text}` in {:#?}", doc.blocks))
}

#[test]
fn every_block_kind_is_extracted() {
    let html = r#"<!doctype html><html lang="en"><head>
        <title> Example   Exchange </title>
        <meta name="description" content="Trade digital assets.">
        <meta name="keywords" content="crypto, exchange">
        <meta property="og:title" content="Example on social">
        <meta name="twitter:description" content="Short card text">
        </head><body>
        <h1>Welcome</h1>
        <p>First paragraph.</p>
        <blockquote>A quote.</blockquote>
        <ul><li>Item one</li></ul>
        <table><tr><th>Fee</th><td>0.1%</td></tr></table>
        <button>Sign up</button>
        <input type="submit" value="Register">
        <a class="btn btn-primary" href="/join">Join now</a>
        <a role="button" href="/start">Start</a>
        <a href="/about">About us</a>
        <img src="x.png" alt="A phone with the app">
        <label for="e">E-mail</label><input id="e" placeholder="you@example.test" aria-label="Your e-mail">
        <select aria-label="Country"><option>Germany</option><option>France</option></select>
        <div id="cookie-banner"><p>We use cookies.</p><button>Accept</button></div>
        <footer><p>Registered office in Vienna.</p><ul><li>Imprint</li></ul></footer>
        <div role="contentinfo">Role footer text</div>
        <div>Loose div text</div>
        </body></html>"#;
    let doc = extract(html, "https://example.test/");
    assert_eq!(doc.title.as_deref(), Some("Example Exchange"));
    assert_eq!(texts(&doc, BlockKind::Title), ["Example Exchange"]);
    assert_eq!(
        texts(&doc, BlockKind::MetaDescription),
        ["Trade digital assets."]
    );
    assert_eq!(texts(&doc, BlockKind::MetaKeywords), ["crypto, exchange"]);
    assert_eq!(
        texts(&doc, BlockKind::OgTag),
        ["Example on social", "Short card text"]
    );
    assert_eq!(texts(&doc, BlockKind::Heading), ["Welcome"]);
    assert_eq!(
        texts(&doc, BlockKind::Paragraph),
        ["First paragraph.", "A quote.", "Loose div text"]
    );
    assert_eq!(texts(&doc, BlockKind::ListItem), ["Item one"]);
    assert_eq!(texts(&doc, BlockKind::TableCell), ["Fee", "0.1%"]);
    assert_eq!(
        texts(&doc, BlockKind::Button),
        ["Sign up", "Register", "Join now", "Start", "Accept"]
    );
    assert_eq!(texts(&doc, BlockKind::Link), ["About us"]);
    assert_eq!(texts(&doc, BlockKind::ImageAlt), ["A phone with the app"]);
    assert_eq!(
        texts(&doc, BlockKind::FormLabel),
        ["E-mail", "you@example.test", "Your e-mail", "Country"]
    );
    assert_eq!(texts(&doc, BlockKind::FormOption), ["Germany", "France"]);
    assert_eq!(texts(&doc, BlockKind::CookieBanner), ["We use cookies."]);
    assert_eq!(
        texts(&doc, BlockKind::Footer),
        [
            "Registered office in Vienna.",
            "Imprint",
            "Role footer text"
        ]
    );
    assert_eq!(texts(&doc, BlockKind::Url), ["https://example.test/"]);
    assert_eq!(
        block(&doc, "Join now").href.as_deref(),
        Some("https://example.test/join")
    );
    assert_eq!(
        block(&doc, "About us").href.as_deref(),
        Some("https://example.test/about")
    );
    for (i, b) in doc.blocks.iter().enumerate() {
        assert_eq!(b.index, i);
        assert_eq!(
            b.lang_attr.as_deref(),
            if b.kind == BlockKind::Url {
                None
            } else {
                Some("en")
            }
        );
    }
    assert_eq!(block(&doc, "First paragraph.").path, "body>p");
}

#[test]
fn hidden_script_and_comment_text_is_not_text() {
    let html = r#"<html><head><style>.x{color:red}</style><script>var secret = "script text";</script></head><body>
        <p>Visible</p>
        <!-- a comment about Germany -->
        <noscript>Enable scripts</noscript>
        <template><p>Template text</p></template>
        <svg><text>Svg text</text></svg>
        <iframe src="/frame">Iframe fallback</iframe>
        <p hidden>Hidden attribute</p>
        <div aria-hidden="true"><p>Aria hidden</p></div>
        <div style="display: none"><p>Display none</p><a href="/hidden-link">Hidden link</a></div>
        <span style="VISIBILITY:hidden">Invisible span</span>
        </body></html>"#;
    let doc = extract(html, "https://example.test/");
    let all: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(all, ["Visible", "https://example.test/"]);
    // Hidden links are still links (menus are often hidden until opened).
    let hidden = doc
        .links
        .iter()
        .find(|l| l.url.ends_with("/hidden-link"))
        .unwrap();
    assert_eq!(hidden.block_index, None);
    assert!(doc
        .links
        .iter()
        .any(|l| l.kind == LinkKind::Iframe && l.url == "https://example.test/frame"));
}

#[test]
fn nested_text_belongs_to_the_innermost_block_only() {
    let html = r#"<body><section class="hero main">Intro <b>bold</b> words
        <div><p>Inner <em>para</em></p>tail</div>
        <a href="/x"><div><h2>Card title</h2><p>Card text</p></div></a>
        Read our <a href="/terms">terms</a> today.</section></body>"#;
    let doc = extract(html, "https://example.test/");
    let all: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(
        all,
        [
            "Intro bold words Read our terms today.",
            "tail",
            "Inner para",
            "Card title",
            "Card text",
            "https://example.test/"
        ]
    );
    assert_eq!(
        block(&doc, "Intro bold words Read our terms today.").path,
        "body>section.hero"
    );
    assert_eq!(block(&doc, "Inner para").path, "body>section.hero>div>p");
    // A card link with no text of its own points at its first text block.
    let card = doc.links.iter().find(|l| l.url.ends_with("/x")).unwrap();
    assert_eq!(card.text, "Card title Card text");
    assert_eq!(card.block_index, Some(block(&doc, "Card title").index));
    let terms = doc
        .links
        .iter()
        .find(|l| l.url.ends_with("/terms"))
        .unwrap();
    // The link in running text is part of the section's text.
    assert_eq!(
        terms.block_index,
        Some(block(&doc, "Intro bold words Read our terms today.").index)
    );
}

#[test]
fn a_link_inside_a_sentence_stays_in_the_sentence() {
    let html = r#"<body><main>
        <p>Nach der ersten Einzahlung ab 100 € erhältst du automatisch deinen <a href="/bonus">Willkommensbonus</a>.</p>
        <p>Jetzt <a href="/registrieren"><strong>regist</strong>rieren</a> und <em>loslegen</em>!</p>
        </main></body>"#;
    let doc = extract(html, "https://example.test/de/");
    assert_eq!(
        texts(&doc, BlockKind::Paragraph),
        [
            "Nach der ersten Einzahlung ab 100 € erhältst du automatisch deinen Willkommensbonus.",
            "Jetzt registrieren und loslegen!"
        ]
    );
    assert!(texts(&doc, BlockKind::Link).is_empty());
    let bonus = doc
        .links
        .iter()
        .find(|l| l.url.ends_with("/bonus"))
        .unwrap();
    assert_eq!(bonus.text, "Willkommensbonus");
    assert_eq!(
        bonus.block_index,
        Some(block(&doc, "Nach der ersten Einzahlung ab 100 € erhältst du automatisch deinen Willkommensbonus.").index)
    );
    let register = doc
        .links
        .iter()
        .find(|l| l.url.ends_with("/registrieren"))
        .unwrap();
    assert_eq!(register.text, "registrieren");
    assert_eq!(
        register.block_index,
        Some(block(&doc, "Jetzt registrieren und loslegen!").index)
    );
    // Every index still names the block at that position.
    for (i, b) in doc.blocks.iter().enumerate() {
        assert_eq!(b.index, i);
    }
}

#[test]
fn a_button_anchor_inside_a_paragraph_stays_a_button() {
    let html = r#"<body>
        <p>Bereit? <a class="btn btn-primary" href="/signup">Konto eröffnen</a> in zwei Minuten.</p>
        <p>Oder <a role="button" href="/app">App laden</a></p>
        </body>"#;
    let doc = extract(html, "https://example.test/");
    assert_eq!(
        texts(&doc, BlockKind::Paragraph),
        ["Bereit? in zwei Minuten.", "Oder"]
    );
    assert_eq!(
        texts(&doc, BlockKind::Button),
        ["Konto eröffnen", "App laden"]
    );
    let signup = doc
        .links
        .iter()
        .find(|l| l.url.ends_with("/signup"))
        .unwrap();
    assert_eq!(
        signup.block_index,
        Some(block(&doc, "Konto eröffnen").index)
    );
    assert_eq!(
        block(&doc, "Konto eröffnen").href.as_deref(),
        Some("https://example.test/signup")
    );
    // The button's words are counted once: in the button, not the paragraph.
    let all: String = doc.blocks.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(all.matches("Konto eröffnen").count(), 1);
}

#[test]
fn navigation_and_lists_of_links_keep_their_link_blocks() {
    let html = r#"<body>
        <nav class="top">Menü: <a href="/markets">Märkte</a> <a href="/fees">Gebühren</a></nav>
        <ul class="footer-links"><li><a href="/imprint">Impressum</a></li><li><a href="/privacy">Datenschutz</a> |</li></ul>
        <div role="navigation"><p>Weiter zu <a href="/help">Hilfe</a></p></div>
        <h2><a href="/news">Neuigkeiten</a></h2>
        <p>Lies die <a href="/terms">AGB</a> und das <a href="/icon" aria-label="Preisblatt"><svg></svg></a>.</p>
        </body>"#;
    let doc = extract(html, "https://example.test/");
    assert_eq!(
        texts(&doc, BlockKind::Link),
        [
            "Märkte",
            "Gebühren",
            "Impressum",
            "Datenschutz",
            "Hilfe",
            "Neuigkeiten",
            "Preisblatt"
        ]
    );
    assert_eq!(
        texts(&doc, BlockKind::Paragraph),
        ["Menü:", "Weiter zu", "Lies die AGB und das ."]
    );
    // A separator is not a word: the list item keeps its link apart.
    assert_eq!(texts(&doc, BlockKind::ListItem), ["|"]);
    for link in &doc.links {
        let block = &doc.blocks[link.block_index.unwrap()];
        if link.url.ends_with("/terms") {
            assert_eq!(block.text, "Lies die AGB und das .");
        } else {
            assert_eq!(block.kind, BlockKind::Link, "{}", link.url);
            assert_eq!(block.text, link.text);
            assert_eq!(block.href.as_deref(), Some(link.url.as_str()));
        }
    }
}

#[test]
fn links_resolve_against_base_and_keep_their_attributes() {
    let html = r#"<html><head>
        <link rel="canonical" href="/canonical">
        <base href="https://cdn.example.test/site/">
        <link rel="stylesheet" href="style.css">
        <link rel="alternate" type="application/rss+xml" href="feed.xml" title="News">
        <meta http-equiv="refresh" content="0; URL='/moved'">
        </head><body>
        <a href="page" rel="Sponsored NoFollow ugc" hreflang="de">Partner</a>
        <a href="mailto:x@example.test">Mail</a>
        <a href="tel:+3312345">Call</a>
        <a href="javascript:void(0)">Script</a>
        <a href="https://other.test/a?ref=abc">Other</a>
        <map><area href="/area" alt="Region"></map>
        <a href="/icon" aria-label="Open the app"><svg></svg></a>
        <a href="/img"><img src="a.png" alt="App store badge"></a>
        </body></html>"#;
    let doc = extract(html, "https://example.test/start/index.html");
    let urls: Vec<(&str, LinkKind)> = doc.links.iter().map(|l| (l.url.as_str(), l.kind)).collect();
    assert_eq!(
        urls,
        [
            ("https://cdn.example.test/canonical", LinkKind::Canonical),
            (
                "https://cdn.example.test/site/feed.xml",
                LinkKind::Alternate
            ),
            ("https://cdn.example.test/moved", LinkKind::MetaRefresh),
            ("https://cdn.example.test/site/page", LinkKind::Anchor),
            ("https://other.test/a?ref=abc", LinkKind::Anchor),
            ("https://cdn.example.test/area", LinkKind::Area),
            ("https://cdn.example.test/icon", LinkKind::Anchor),
            ("https://cdn.example.test/img", LinkKind::Anchor),
        ]
    );
    let partner = &doc.links[3];
    assert_eq!(partner.rel, ["sponsored", "nofollow", "ugc"]);
    assert_eq!(partner.hreflang.as_deref(), Some("de"));
    assert_eq!(partner.text, "Partner");
    assert_eq!(
        doc.links[1].media_type.as_deref(),
        Some("application/rss+xml")
    );
    assert_eq!(doc.links[1].text, "News");
    assert_eq!(doc.links[5].text, "Region");
    assert_eq!(doc.links[6].text, "Open the app");
    assert_eq!(block(&doc, "Open the app").kind, BlockKind::Link);
    assert_eq!(doc.links[7].text, "App store badge");
    assert_eq!(
        texts(&doc, BlockKind::Link)
            .iter()
            .filter(|t| **t == "Mail")
            .count(),
        1
    );
    assert_eq!(block(&doc, "Mail").href, None, "mailto is not a page");
    let links = extract_links(html, &Url::parse("https://example.test/").unwrap());
    assert_eq!(links.len(), doc.links.len());
}

#[test]
fn meta_refresh_forms() {
    assert_eq!(
        refresh_target("0; url=https://x.test/"),
        Some("https://x.test/")
    );
    assert_eq!(refresh_target("5;URL=\"/a\""), Some("/a"));
    assert_eq!(refresh_target("0, /b"), Some("/b"));
    assert_eq!(refresh_target("10"), None);
    assert_eq!(refresh_target("0; url="), None);
}

#[test]
fn links_are_capped() {
    let mut html = String::from("<body>");
    for i in 0..(MAX_LINKS + 50) {
        html.push_str(&format!("<a href=\"/p{i}\">p</a>"));
    }
    let doc = extract(&html, "https://example.test/");
    assert_eq!(doc.links.len(), MAX_LINKS);
}

#[test]
fn locale_markup_is_collected() {
    let html = r#"<html lang="de-AT"><head>
        <meta http-equiv="content-language" content="de">
        <meta property="og:locale" content="de_AT">
        <meta property="og:locale:alternate" content="en_GB">
        <link rel="alternate" hreflang="en" href="https://example.test/en/">
        <link rel="alternate" hreflang="x-default" href="/">
        </head><body>
        <div class="language-switcher"><a href="/fr/">Français</a><a href="/it/" hreflang="it">Italiano</a></div>
        <select id="locale-select"><option lang="pl">Polski</option><option>Dansk</option></select>
        <a href="/nl/" lang="nl">Nederlands</a>
        </body></html>"#;
    let doc = extract(html, "https://de.exchange.example/de-at/markets");
    assert_eq!(doc.locale.html_lang.as_deref(), Some("de-AT"));
    assert_eq!(doc.locale.content_language.as_deref(), Some("de"));
    assert_eq!(doc.locale.og_locale, ["de_AT", "en_GB"]);
    assert_eq!(
        doc.locale.hreflang,
        [
            ("en".to_string(), "https://example.test/en/".to_string()),
            (
                "x-default".to_string(),
                "https://de.exchange.example/".to_string()
            )
        ]
    );
    assert_eq!(doc.locale.switcher, ["Français", "it", "pl", "Dansk", "nl"]);
    assert_eq!(doc.locale.path_locale.as_deref(), Some("de-at"));
    assert_eq!(doc.locale.subdomain_locale.as_deref(), Some("de"));

    // The header wins over the meta tag.
    let mut meta = DocMeta::for_url("https://example.test/", SourceKind::Website);
    meta.content_language = Some("fr".into());
    let doc = extract_html(html, meta);
    assert_eq!(doc.locale.content_language.as_deref(), Some("fr"));
}

#[test]
fn url_locales_need_a_known_code() {
    let locale = |url: &str| {
        let l = url_locale(url);
        (l.path_locale, l.subdomain_locale)
    };
    assert_eq!(
        locale("https://example.test/fr/"),
        (Some("fr".into()), None)
    );
    assert_eq!(
        locale("https://example.test/help/pt_BR/x"),
        (Some("pt_BR".into()), None)
    );
    assert_eq!(
        locale("https://example.test/en-eu"),
        (Some("en-eu".into()), None)
    );
    assert_eq!(locale("https://example.test/blog/it/"), (None, None));
    assert_eq!(locale("https://example.test/my/orders"), (None, None));
    assert_eq!(locale("https://www.example.test/"), (None, None));
    assert_eq!(
        locale("https://fr.example.test/"),
        (None, Some("fr".into()))
    );
    assert_eq!(locale("https://app.example.test/"), (None, None));
    assert_eq!(
        locale("https://www.at.example.test/"),
        (None, Some("at".into()))
    );
    assert_eq!(locale("https://example.test/"), (None, None));
    assert_eq!(locale("not a url"), (None, None));
}

#[test]
fn json_ld_is_parsed_and_flattened() {
    let html = r#"<head>
        <script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
          "name":"Example Exchange","description":"Buy and sell crypto.",
          "areaServed":[{"@type":"Country","name":"Germany"},"AT"],
          "address":{"@type":"PostalAddress","streetAddress":"Main Street 1","addressLocality":"Vilnius","addressCountry":"LT"},
          "subOrganization":{"name":"Example Europe","inLanguage":"de"}}</script>
        <script type="application/ld+json">{ invalid json </script>
        <script type="application/ld+json">[{"@type":"WebSite","name":"Site"}]</script>
        </head>"#;
    let doc = extract(html, "https://example.test/");
    assert_eq!(doc.json_ld.len(), 2);
    assert_eq!(doc.json_ld[0]["name"], "Example Exchange");
    assert_eq!(doc.json_ld[1]["name"], "Site");
    assert_eq!(
        texts(&doc, BlockKind::JsonLd),
        [
            "name: Example Exchange; description: Buy and sell crypto.; areaServed: Germany, AT; address: Main Street 1, Vilnius, LT; name: Example Europe; inLanguage: de",
            "name: Site"
        ]
    );
}

#[test]
fn malformed_html_is_recovered() {
    let inputs = [
        "",
        "<",
        "<p>unclosed <b>bold <i>italic</p> after",
        "<table><td>cell<p>para</table>text",
        "</div></div><a href='/x'>link<a href='/y'>second",
        "<html><html lang=fr><body><body>twice",
        "\u{0}\u{feff}<p>\u{0}nul</p>",
    ];
    for input in inputs {
        let doc = extract(input, "https://example.test/");
        assert_eq!(doc.blocks.last().unwrap().kind, BlockKind::Url, "{input}");
    }
    let doc = extract(
        "<p>unclosed <b>bold <i>italic</p> after",
        "https://example.test/",
    );
    assert!(doc.blocks.iter().any(|b| b.text == "unclosed bold italic"));
    // Deeper nesting only slows html5ever down (quadratic); the walk itself is iterative.
    let deep = "<div>".repeat(5_000) + "deep text";
    let doc = extract(&deep, "https://example.test/");
    assert!(doc.blocks.iter().any(|b| b.text == "deep text"));
    assert!(block(&doc, "deep text").path.contains('…'));
}

#[test]
fn plain_text_becomes_paragraphs() {
    let text = "Dear customer,\n\nOur new   offer\nstarts today.\n\n\n  \nRegards\n";
    let mut meta = DocMeta::for_url("https://example.test/mail/de/", SourceKind::Email);
    meta.content_language = Some("de".into());
    let doc = extract_text(text, meta);
    assert_eq!(
        texts(&doc, BlockKind::Paragraph),
        ["Dear customer,", "Our new offer starts today.", "Regards"]
    );
    assert_eq!(doc.blocks.last().unwrap().kind, BlockKind::Url);
    assert_eq!(doc.locale.content_language.as_deref(), Some("de"));
    assert_eq!(
        doc.locale.path_locale, None,
        "`de` is not the first segment"
    );
    assert_eq!(doc.source_kind, SourceKind::Email);
}

#[test]
fn french_path_page_wholly_in_english_is_detected_as_english() {
    let html = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/extract/fr-path-english.html"
    ))
    .unwrap();
    let mut doc = extract(&html, "https://example.test/fr/fees");
    assert_eq!(doc.locale.path_locale.as_deref(), Some("fr"));
    let model = LanguageModel::bundled().unwrap();
    model.detect_blocks(&mut doc);
    let page = model.page_language(&doc);
    assert_eq!(page.primary.as_deref(), Some("en"));
    assert_eq!(page.declared.as_deref(), Some("fr"));
    let long = doc.blocks.iter().filter(|b| b.text.len() > 60);
    for block in long {
        let guess = block.language.as_ref().unwrap();
        assert_eq!(guess.code, "en", "{}", block.text);
        assert_ne!(guess.source, LanguageSource::Markup);
    }
}

#[test]
fn italian_header_over_english_body_gives_blocks_different_languages() {
    let html = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/extract/italian-header-english-body.html"
    ))
    .unwrap();
    let mut doc = extract(&html, "https://example.test/");
    LanguageModel::bundled().unwrap().detect_blocks(&mut doc);
    let language = |text_start: &str| {
        let block = doc
            .blocks
            .iter()
            .find(|b| b.text.starts_with(text_start))
            .unwrap();
        block.language.as_ref().map(|g| g.code.clone())
    };
    assert_eq!(language("Il modo più semplice").as_deref(), Some("it"));
    assert_eq!(language("Our platform lets").as_deref(), Some("en"));
    assert_eq!(language("https://").as_deref(), None);
    // A short Italian menu item falls back to its own `lang` attribute.
    let menu = block(&doc, "Accedi");
    assert_eq!(menu.lang_attr.as_deref(), Some("it"));
    let guess = menu.language.as_ref().unwrap();
    assert_eq!(
        (guess.code.as_str(), guess.source),
        ("it", LanguageSource::Markup)
    );
}

#[test]
fn markup_facts_say_what_the_page_states_about_itself() {
    let html = r#"<html><head>
        <meta property="og:type" content="Article">
        <meta name="author" content="A. Writer">
        <meta property="article:published_time" content="2026-01-02T10:00:00Z">
        <meta name="citation_title" content="On ledgers">
        <script type="application/ld+json">{"@graph":[{"@type":"NewsArticle"},{"@type":["WebPage","FAQPage"]}]}</script>
        </head><body>
        <div itemscope itemtype="https://schema.org/Review"><span class="post__author">B. Critic</span></div>
        <div class="comment-author">not a byline</div>
        <a rel="author" href="/team/a">A.</a>
        </body></html>"#;
    let doc = extract(html, "https://paper.example/a");
    for fact in [
        "og:type=article",
        "author",
        "published_time",
        "citation",
        "schema:Review",
        "schema:NewsArticle",
        "schema:WebPage",
        "schema:FAQPage",
    ] {
        assert!(
            doc.markup.iter().any(|m| m.fact == fact),
            "{fact} missing from {:?}",
            doc.markup
        );
    }
    // Each fact once, however often it is stated, quoting the page's text.
    assert_eq!(doc.markup.iter().filter(|m| m.fact == "author").count(), 1);
    for fact in &doc.markup {
        assert!(
            html.contains(&fact.literal),
            "{fact:?} quotes text the page does not hold"
        );
    }
}

#[test]
fn markup_facts_are_bounded() {
    let mut html = String::from("<html><body>");
    for i in 0..500 {
        html.push_str(&format!(
            r#"<div itemtype="https://schema.org/Type{i}"></div>"#
        ));
    }
    html.push_str("</body></html>");
    let doc = extract(&html, "https://flood.example/");
    assert_eq!(doc.markup.len(), super::markup::MAX_MARKUP_FACTS);
}

#[test]
fn a_script_shell_states_its_empty_root_and_noscript_notice() {
    let shell = extract(
        r#"<html><body><noscript><p>You need to <b>enable JavaScript</b> to run this app.</p></noscript>
        <div id="root">  <!-- mounted by the bundle --> </div><app-root></app-root>
        <script src="/main.js"></script></body></html>"#,
        "https://example.test/",
    );
    let facts: Vec<(&str, &str)> = shell
        .markup
        .iter()
        .map(|m| (m.fact.as_str(), m.literal.as_str()))
        .collect();
    assert!(
        facts.contains(&(
            "noscript:You need to enable JavaScript to run this app.",
            "You need to enable JavaScript to run this app."
        )),
        "{facts:?}"
    );
    // Character references read as the characters they stand for.
    let entities = extract(
        "<html><body><noscript>Bitte&nbsp;aktivieren Sie <i>JavaScript</i> &amp; laden Sie die Seite neu.</noscript><div id=\"app\"></div></body></html>",
        "https://example.test/",
    );
    assert!(
        entities.markup.iter().any(
            |m| m.fact == "noscript:Bitte aktivieren Sie JavaScript & laden Sie die Seite neu."
        ),
        "{:?}",
        entities.markup
    );
    // Two empty roots, one fact (the first names it).
    assert!(facts.contains(&("app_root:empty", "#root")), "{facts:?}");
    assert_eq!(facts.iter().filter(|f| f.0 == "app_root:empty").count(), 1);

    let rendered = extract(
        r#"<html><body><div id="__next"><main><h1>Buy bitcoin</h1></main></div>
        <div id="app">Loading…</div></body></html>"#,
        "https://example.test/",
    );
    assert!(
        rendered
            .markup
            .iter()
            .all(|m| !m.fact.starts_with("app_root")),
        "{:?}",
        rendered.markup
    );
}

#[test]
fn the_scripts_a_page_runs_are_counted_and_data_blocks_are_not() {
    let doc = extract(
        r#"<html><head>
        <script src="/static/js/main.js"></script>
        <script type="module" src="/static/js/entry.mjs"></script>
        <script type="text/javascript; charset=utf-8">var a = 1;</script>
        <script type="application/ld+json">{"@type":"Organization","name":"Example"}</script>
        <script type="application/json" id="__STATE__">{"offer":"a long state blob"}</script>
        <script type="importmap">{"imports":{}}</script>
        <script src=""></script>
        </head><body><script>window.x = 12;</script><p>Text</p></body></html>"#,
        "https://example.test/",
    );
    assert_eq!(doc.scripts.external, 2, "{:?}", doc.scripts);
    // `var a = 1;` and `window.x = 12;`; an empty `src` is an inline script
    // with no code.
    assert_eq!(
        doc.scripts.inline_bytes,
        ("var a = 1;".len() + "window.x = 12;".len()) as u64
    );

    let plain = extract(
        "<html><body><p>No scripts</p></body></html>",
        "https://example.test/",
    );
    assert_eq!(plain.scripts, crate::model::ScriptLoad::default());
}
