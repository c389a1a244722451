//! Regression tests for the kinds of error the real-page development set
//! (eval/real-pages.toml) showed: who speaks on a page decides whether its EU
//! references are solicitation. Each fixture in `fixtures/roles/` is a small
//! synthetic page written for this project, standing for one kind; each is
//! classified as a one-page firm, as `scripts/eval-real.sh` does.

use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{extract_html, DocMeta};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::analyze::score::{firm_verdict, PageEvidence};
use micar_scan::model::{Level, PageRole, SourceKind, Verdict};
use std::path::Path;
use std::sync::{Arc, OnceLock};

fn classifier() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(|| {
        Classifier::new(Arc::new(
            RuleSet::bundled().unwrap_or_else(|e| panic!("{e}")),
        ))
    })
}

/// The page's role and the verdict of a firm made of that page alone.
fn judge(file: &str, url: &str) -> (PageRole, Verdict) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/roles")
        .join(file);
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let doc = extract_html(&html, DocMeta::for_url(url, SourceKind::Website));
    let classification = classifier().classify(&doc);
    let page = PageEvidence {
        url,
        findings: &classification.findings,
        language: Some(&classification.language),
    };
    let verdict = firm_verdict(&[page], classifier().rules().scoring());
    (classification.role, verdict)
}

fn assert_judged(file: &str, url: &str, role: PageRole, level: Level) {
    let (got_role, verdict) = judge(file, url);
    assert_eq!(
        got_role, role,
        "{file}: role; reasons {:?}",
        verdict.reasons
    );
    assert_eq!(
        verdict.level, level,
        "{file}: level; reasons {:?}",
        verdict.reasons
    );
}

/// The verdict of a firm made of that page alone, whatever the role, with
/// the reasons shown when the level is not the one expected.
fn assert_level(file: &str, url: &str, level: Level) -> Verdict {
    let (_, verdict) = judge(file, url);
    assert_eq!(
        verdict.level, level,
        "{file}: level; reasons {:?}",
        verdict.reasons
    );
    verdict
}

// Kind 1: the firm's own voice without a buy button is evidence.

#[test]
fn own_voice_help_article_for_clients_in_germany_is_moderate() {
    assert_judged(
        "de-help-kunden-deutschland.html",
        "https://help.nordlicht-coins.example/de/articles/identitaetspruefung",
        PageRole::Account,
        Level::Moderate,
    );
}

#[test]
fn own_voice_terms_for_eea_clients_are_moderate() {
    assert_judged(
        "en-terms-eea.html",
        "https://tidewater-digital.example/legal/terms-eea",
        PageRole::Legal,
        Level::Moderate,
    );
}

#[test]
fn own_voice_bonus_terms_for_eu_residents_are_strong() {
    // Terms that promote a welcome bonus to residents of member states are
    // the offer itself: the invitation outweighs the legal form.
    assert_judged(
        "en-bonus-terms-eu.html",
        "https://tidewater-digital.example/legal/welcome-bonus-terms",
        PageRole::Offer,
        Level::Strong,
    );
}

#[test]
fn own_voice_help_article_is_not_made_strong_by_the_sites_header_and_footer() {
    // DESIGN §1: a "Sign up" or "Buy Bitcoin" link that every page of the
    // site carries does not make a help page an offer.
    assert_judged(
        "de-help-with-site-chrome.html",
        "https://help.nordlicht-coins.example/de/articles/sepa-auszahlung",
        PageRole::Account,
        Level::Moderate,
    );
}

#[test]
fn the_verdict_names_the_deciding_page_and_its_words() {
    let (_, verdict) = judge(
        "de-help-kunden-deutschland.html",
        "https://help.nordlicht-coins.example/de/articles/identitaetspruefung",
    );
    let decided = verdict
        .reasons
        .iter()
        .find(|r| r.starts_with("decided by the firm's help or account page"))
        .unwrap_or_else(|| panic!("{:?}", verdict.reasons));
    assert!(
        decided.contains("identitaetspruefung") && decided.contains("Kunden in Deutschland"),
        "{decided}"
    );
}

// Kind 2: third parties are not the firm.

#[test]
fn third_party_newspaper_article_is_none() {
    assert_judged(
        "fr-news-exchange.html",
        "https://courrier-economique.example/marches/plateforme-crypto-leve-40-millions",
        PageRole::Editorial,
        Level::None,
    );
}

#[test]
fn third_party_law_firm_explainer_is_none() {
    assert_judged(
        "de-law-firm-mica.html",
        "https://brandt-hollmann.example/insights/micar-reverse-solicitation",
        PageRole::PublicBody,
        Level::None,
    );
}

#[test]
fn third_party_encyclopedia_entry_is_none() {
    assert_judged(
        "it-encyclopedia-blockchain.html",
        "https://it.wikipedia.org/wiki/Blockchain",
        PageRole::Education,
        Level::None,
    );
}

#[test]
fn third_party_regulator_site_is_none_whatever_it_says() {
    // The same German help text published on a regulator's site is the
    // regulator's voice, not a provider's.
    assert_judged(
        "de-help-kunden-deutschland.html",
        "https://www.bafin.de/DE/Verbraucher/kryptowerte.html",
        PageRole::PublicBody,
        Level::None,
    );
}

// Kind 3: strong is reached on plain landing and price pages.

#[test]
fn landing_price_page_in_an_eu_language_on_an_eu_locale_is_strong() {
    assert_judged(
        "de-price-page-locale.html",
        "https://nordlicht-coins.example/de-de/bitcoin-kaufen",
        PageRole::Offer,
        Level::Strong,
    );
}

#[test]
fn affiliate_ranking_for_an_eu_audience_with_partner_links_is_strong() {
    assert_judged(
        "de-affiliate-best-exchanges.html",
        "https://krypto-vergleich.example/beste-krypto-boersen-deutschland",
        PageRole::Affiliate,
        Level::Strong,
    );
}

// Kind 1 again: a page that names the firm itself ("… on Examplex" on
// examplex's own site) is the firm's voice; with the EU named it is
// moderate, and written only in an EU language it is weak.

#[test]
fn own_asset_page_naming_the_firm_and_the_eu_is_moderate() {
    assert_judged(
        "fi-asset-page-names-itself.html",
        "https://revontulix.example/fi/crypto/bitcoin",
        PageRole::Offer,
        Level::Moderate,
    );
}

#[test]
fn own_about_page_in_an_eu_language_without_an_eu_hook_is_weak() {
    assert_judged(
        "lv-about-names-itself.html",
        "https://dzintarmaks.example/par-mums",
        PageRole::Offer,
        Level::Weak,
    );
}

// Kind 2 again: an explainer that tells the reader what to do with "your
// account" at some exchange is not the firm's help page.

#[test]
fn explainer_speaking_of_the_readers_account_is_not_the_firms_voice() {
    let (role, verdict) = judge(
        "nl-explainer-your-account.html",
        "https://uitlegsite.example/wat-is-een-exchange",
    );
    // It speaks of exchanges as a class ("een exchange is ..."): an explainer.
    assert_eq!(role, PageRole::Education, "reasons {:?}", verdict.reasons);
    assert_eq!(verdict.level, Level::None, "reasons {:?}", verdict.reasons);
}

// Kind 2, once more: a restriction list that names member states excludes
// them; its places are not an EU aim.

#[test]
fn restriction_list_of_member_states_is_none() {
    assert_level(
        "en-restricted-list-eu-states.html",
        "https://help.quillex.example/restricted-jurisdictions",
        Level::None,
    );
}

// What the web already states: schema.org and Open Graph markup tell a
// newspaper's article from a firm's own blog post, even where the prose
// carries no reporting words.

#[test]
fn news_article_known_only_by_its_markup_is_none() {
    assert_judged(
        "de-news-markup-only.html",
        "https://zeitung.example/wirtschaft/kryptoboersen-gebuehren",
        PageRole::Editorial,
        Level::None,
    );
}

#[test]
fn firms_own_blog_post_with_article_markup_stays_the_firms_voice() {
    let (role, verdict) = judge(
        "fr-firm-blog-article-markup.html",
        "https://azurex.example/fr/blog/deposer-euros-sepa",
    );
    assert_ne!(role, PageRole::Editorial, "reasons {:?}", verdict.reasons);
    assert_eq!(
        verdict.level,
        Level::Strong,
        "reasons {:?}",
        verdict.reasons
    );
}

// Kind 3: strong is reached on a price page whose offer is a sentence ("on
// Lagunex you can buy Ethereum") in an EU language on an EU locale.

#[test]
fn price_page_offering_in_a_sentence_on_an_eu_locale_is_strong() {
    assert_level(
        "it-price-page-ability.html",
        "https://lagunex.example/it-it/prezzo/ethereum",
        Level::Strong,
    );
}

// Kind 1, supported-country lists: a list introduced as "supported
// countries" that names member states treats their residents as clients.

#[test]
fn supported_country_list_naming_member_states_is_moderate() {
    let verdict = assert_level(
        "en-supported-countries.html",
        "https://help.quillex.example/where-available",
        Level::Moderate,
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.contains("Supported countries")),
        "{:?}",
        verdict.reasons
    );
}

// Kind 1, shared languages: a European-Portuguese support page that uses one
// Brazilian word is still Portugal's Portuguese, and the firm's help for
// clients there is moderate (DESIGN §1: help-centre articles for clients in
// an EU country); the same page rewritten in Brazilian wording is not EU
// evidence.

#[test]
fn european_portuguese_wording_outweighs_one_brazilian_word() {
    assert_level(
        "pt-support-portugal.html",
        "https://farol-carteira.example/pt/apoio",
        Level::Moderate,
    );
    assert_level(
        "pt-support-brazil.html",
        "https://farol-carteira.example/pt/apoio",
        Level::None,
    );
}

// Kind 2, explainers: a guide that speaks of exchanges as a class ("most
// platforms accept SEPA", "before choosing a platform") is education by a
// third party, however many euro words and rails it names.

#[test]
fn explainer_about_platforms_as_a_class_is_not_solicitation() {
    assert_judged(
        "es-explainer-most-platforms.html",
        "https://guia-cripto.example/pagos",
        PageRole::Education,
        Level::None,
    );
}

// Kind 2, reviewers: a review site's rating methodology promotes no firm on
// that page; its EU words are a faint signal only.

#[test]
fn review_methodology_is_weak() {
    assert_judged(
        "pl-review-methodology.html",
        "https://ranking-gield.example/metodologia",
        PageRole::Affiliate,
        Level::Weak,
    );
}

// Kind 2, restrictions: a restriction page naming the EU as its sanctions
// authority, its home state and a euro threshold addresses no EU resident as
// a client.

#[test]
fn restriction_page_naming_the_eu_as_legal_base_is_weak() {
    assert_level(
        "en-restriction-eu-as-legal-base.html",
        "https://tollmark.example/restricted",
        Level::Weak,
    );
}

// Kind 3, affiliates: a third party's how-to that walks readers into signing
// up and depositing at a named platform, in Swedish with kronor and Swish, is
// strong evidence for that platform.

#[test]
fn signup_walkthrough_for_another_platform_is_affiliate_evidence() {
    assert_judged(
        "sv-guide-signup-other-platform.html",
        "https://kryptoguiden.example/kraken",
        PageRole::Affiliate,
        Level::Strong,
    );
}

// Kind 1, help centre: a help article explaining how to buy with a card is
// the firm answering its clients (moderate), not a landing page (strong).

#[test]
fn help_article_on_buying_is_moderate_not_strong() {
    assert_judged(
        "nl-help-buy-with-card.html",
        "https://www.kaartex.example/nl/help/kopen-met-kaart",
        PageRole::Account,
        Level::Moderate,
    );
}

// Kind 1, crypto context: a fiat deposit how-to names no coin, but "fiat"
// and the SEPA/IBAN rails are the firm's own client help, not a bank's.

#[test]
fn fiat_deposit_help_without_coin_words_is_judged() {
    assert_level(
        "en-fiat-deposit-help.html",
        "https://support.paybridge-example.example/articles/eur-deposit",
        Level::Moderate,
    );
}

// Kind 1, own voice in smaller languages: an ATM operator's Czech page with
// "our ATMs" and "contact us" is the firm speaking, not an anonymous page.

#[test]
fn own_voice_in_czech_is_heard() {
    let verdict = assert_level(
        "cs-atm-locations-contact.html",
        "https://bitomat.example/cs/brno",
        Level::Moderate,
    );
    assert!(
        verdict.reasons.iter().any(|r| r.contains("Czech")),
        "{:?}",
        verdict.reasons
    );
}
