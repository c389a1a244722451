//! The brand a site is registered under, and where a page's own content
//! names it: "trade bitcoin on Examplex" on `examplex.io` is the firm
//! speaking of itself, which a newspaper's or a reviewer's page rarely does
//! in its body. The scorer reads such a mention as an own-voice cue.
//!
//! Pure: a document and the bundle's parameters in, one location out. It
//! never looks at other pages, and never counts the title, the header, the
//! navigation or the footer, where every site names itself.

use crate::analyze::rules::scoring::BuiltinParams;
use crate::analyze::score::in_site_chrome_at;
use crate::model::domain::registrable_domain;
use crate::model::{Block, BlockKind, Document};

/// A brand mention: the block and the byte range of the brand in its text.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandMention<'a> {
    pub block: &'a Block,
    pub start: usize,
    pub end: usize,
    pub brand: String,
}

/// Letters an inflected brand may carry after the name ("Examplexin",
/// "Examplex's", "Examplexs").
const MAX_INFLECTION_CHARS: usize = 3;

/// The site's brand: the registrable domain's first label (`examplex` for
/// `www.examplex.co.uk`), unless it is too short or a plain word.
pub fn site_brand(url: &str, params: &BuiltinParams) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    let registrable = registrable_domain(&host)?;
    let label = registrable.split('.').next()?.to_string();
    if !is_name(&label, params) || label.parse::<u64>().is_ok() {
        return None;
    }
    Some(label)
}

/// Whether a host label (or what is left of it) can name a brand: long
/// enough, and not one of the plain words sites are named after.
fn is_name(label: &str, params: &BuiltinParams) -> bool {
    let letters = label.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    let generic = params.brand_generic.iter().any(|word| {
        word.eq_ignore_ascii_case(label) || word.eq_ignore_ascii_case(&label.replace('-', ""))
    });
    letters >= params.brand_min_chars.max(1) && !generic
}

/// The first place the page's own content names the site's brand.
pub fn brand_mention<'a>(doc: &'a Document, params: &BuiltinParams) -> Option<BrandMention<'a>> {
    let brand = site_brand(&doc.final_url, params)?;
    find_brand(doc, &brand).or_else(|| {
        let stem = brand_stem(&brand, params)?;
        find_brand(doc, &stem)
    })
}

fn find_brand<'a>(doc: &'a Document, brand: &str) -> Option<BrandMention<'a>> {
    // "examplex-markets" is written "Examplex Markets" or "ExamplexMarkets".
    let parts: Vec<&str> = brand.split('-').filter(|p| !p.is_empty()).collect();
    doc.blocks.iter().filter(|b| counts(b)).find_map(|block| {
        find_name(&block.text, &parts).map(|(start, end)| BrandMention {
            block,
            start,
            end,
            brand: brand.to_string(),
        })
    })
}

/// The brand without a product word the site's name glues to it
/// ("bitsacard" → "bitsa"), if what is left is still a name. A hyphenated
/// name ("examplex-app") is written as its two words and found as such.
fn brand_stem(brand: &str, params: &BuiltinParams) -> Option<String> {
    if brand.contains('-') {
        return None;
    }
    params.brand_suffixes.iter().find_map(|suffix| {
        let stem = brand.strip_suffix(suffix.to_ascii_lowercase().as_str())?;
        is_name(stem, params).then(|| stem.to_string())
    })
}

fn counts(block: &Block) -> bool {
    let content = matches!(
        block.kind,
        BlockKind::Heading
            | BlockKind::Paragraph
            | BlockKind::ListItem
            | BlockKind::TableCell
            | BlockKind::Button
            | BlockKind::Link
            | BlockKind::FormLabel
            | BlockKind::FeedItem
            | BlockKind::Other
    );
    content && !in_site_chrome_at(block.kind, &block.path)
}

/// Finds the name's parts in order, separated by nothing, a space, a hyphen
/// or a dot, starting at a word boundary and ending within a short
/// inflection of one; ASCII case is ignored.
fn find_name(text: &str, parts: &[&str]) -> Option<(usize, usize)> {
    let first = parts.first()?;
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(found) = lower.get(from..)?.find(first) {
        let start = from + found;
        from = start + first.len();
        let boundary_before = lower[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if !boundary_before {
            continue;
        }
        let mut end = start + first.len();
        let mut whole = true;
        for part in &parts[1..] {
            while end < bytes.len() && matches!(bytes[end], b' ' | b'-' | b'.' | b'_') {
                end += 1;
            }
            if lower[end..].starts_with(part) {
                end += part.len();
            } else {
                whole = false;
                break;
            }
        }
        if !whole {
            continue;
        }
        let tail = lower[end..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '\'' || *c == '’')
            .count();
        if tail <= MAX_INFLECTION_CHARS {
            return Some((start, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BuiltinParams {
        BuiltinParams {
            language_min_share: 0.15,
            language_default_weight: 1.0,
            language_legal_ref: "".into(),
            locale_eu_weight: 1.0,
            locale_non_eu_weight: 1.0,
            locale_legal_ref: "".into(),
            brand_weight: 1.0,
            brand_min_chars: 4,
            brand_generic: vec!["bitcoin".into(), "news".into()],
            brand_suffixes: vec!["card".into(), "pay".into()],
            brand_legal_ref: "".into(),
            not_content_max_text_chars: 1500,
            script_shell_max_text_chars: 100,
            script_built_max_text_chars: 200,
            script_built_min_external_scripts: 1,
            script_built_min_inline_bytes: 4096,
        }
    }

    fn doc(url: &str, blocks: &[(BlockKind, &str, &str)]) -> Document {
        let mut doc = Document::new(url, crate::model::SourceKind::Website);
        doc.blocks = blocks
            .iter()
            .enumerate()
            .map(|(i, (kind, path, text))| {
                let mut block = Block::new(*kind, *text, i);
                block.path = path.to_string();
                block
            })
            .collect();
        doc
    }

    #[test]
    fn the_registrable_label_is_the_brand_unless_it_is_a_word() {
        let p = params();
        assert_eq!(
            site_brand("https://www.examplex.co.uk/a", &p).as_deref(),
            Some("examplex")
        );
        assert_eq!(
            site_brand("https://help.kurs-markt.de/", &p).as_deref(),
            Some("kurs-markt")
        );
        assert_eq!(site_brand("https://bitcoin.example/", &p), None);
        assert_eq!(site_brand("https://abc.example/", &p), None);
        assert_eq!(site_brand("http://127.0.0.1:8080/", &p), None);
    }

    #[test]
    fn content_mentions_count_and_chrome_does_not() {
        let p = params();
        let page = doc(
            "https://examplex.io/it-it/prices/btc",
            &[
                (BlockKind::Title, "head>title", "Prezzo BTC | Examplex"),
                (BlockKind::Link, "body>header>a", "Examplex"),
                (
                    BlockKind::Paragraph,
                    "body>main>p",
                    "Puoi scambiare BTC su Examplex in pochi passi.",
                ),
            ],
        );
        let mention = brand_mention(&page, &p).unwrap();
        assert_eq!(mention.block.index, 2);
        assert_eq!(&mention.block.text[mention.start..mention.end], "Examplex");

        let chrome_only = doc(
            "https://examplex.io/",
            &[
                (BlockKind::Title, "head>title", "Examplex"),
                (BlockKind::Footer, "body>footer>p", "© 2026 Examplex Ltd"),
            ],
        );
        assert!(brand_mention(&chrome_only, &p).is_none());
    }

    #[test]
    fn a_product_word_in_the_site_name_is_set_aside_but_not_down_to_a_word() {
        let p = params();
        let page = doc(
            "https://examplexcard.io/blog/euro",
            &[(
                BlockKind::Paragraph,
                "body>main>p",
                "Prepaid cards such as Examplex let you spend bitcoin.",
            )],
        );
        let mention = brand_mention(&page, &p).unwrap();
        assert_eq!(mention.brand, "examplex");
        // "newspay" without "pay" is a plain word, and "abcpay" too short.
        assert_eq!(brand_stem("newspay", &p), None);
        assert_eq!(brand_stem("abcpay", &p), None);
        assert_eq!(brand_stem("examplexpay", &p).as_deref(), Some("examplex"));
        assert_eq!(brand_stem("examplex-pay", &p), None);
    }

    #[test]
    fn inflections_and_split_names_match_but_longer_words_do_not() {
        assert!(find_name("Examplexin tili", &["examplex"]).is_some());
        assert!(find_name("Open a Kurs Markt account", &["kurs", "markt"]).is_some());
        assert!(find_name("KursMarkt app", &["kurs", "markt"]).is_some());
        assert!(find_name("the examplexification of finance", &["examplex"]).is_none());
        assert!(find_name("preexamplex", &["examplex"]).is_none());
    }
}
