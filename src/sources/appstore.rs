//! App-store presence: whether a firm's app is offered in each of the 27 EU
//! storefronts of Apple's App Store and Google Play, and in which language
//! its listing is written.
//!
//! ESMA counts apps offered in EU storefronts, and EU-language listings, as a
//! marketing channel. This module asks each storefront through the shared
//! [`Fetcher`] (so the scan's rate limits, address guard and byte caps
//! apply) and records what each answer showed, with the hash and time of the
//! bytes received. It must never guess: where an answer does not tell
//! availability, the result says `available: None` with a note.
//!
//! Limits, stated plainly so that reports can repeat them:
//! - Apple's lookup endpoint answers `resultCount: 0` both for an app not
//!   offered in a storefront and for an id that does not exist; a firm whose
//!   app is "not available" everywhere should have its id checked.
//! - Apple returns the listing's default description whatever the
//!   storefront, so the listing language is that of the primary localisation.
//! - Google Play's `gl=` parameter is a hint, not a vantage point: Google may
//!   answer from the requester's own location and serve the same page for
//!   every country. Only a scan run from an EU vantage point (a proxy per
//!   member state) shows what residents of that state see; the `note` of
//!   every Google result says so.

use crate::analyze::lang::LanguageModel;
use crate::config::{DEFAULT_APPLE_BASE, DEFAULT_GOOGLE_BASE};
use crate::model::app_store::StorefrontResult;
use crate::model::time::now_rfc3339;
use crate::sources::fetch::{FetchError, Fetcher};
use futures_util::StreamExt;
use scraper::{Html, Selector};
use serde::Deserialize;
use url::Url;

/// The 27 EU member states as ISO 3166-1 alpha-2 codes, lower case as
/// Apple's `country` parameter takes them (Greece is `gr`, not `el`).
pub const EU_STOREFRONTS: [&str; 27] = [
    "at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie", "it", "lv",
    "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se",
];

/// Storefront lookups in flight at once; the fetcher's per-host rate limit
/// paces them further.
const CONCURRENT_LOOKUPS: usize = 4;

/// A Google note every result carries, because readers of a report must not
/// take `gl=` for a vantage point.
const GOOGLE_VANTAGE_NOTE: &str =
    "gl= is a hint to Google Play, not a vantage point: the page may be the same for every country";

/// Where the stores are asked; tests point both at a loopback server.
#[derive(Debug, Clone, PartialEq)]
pub struct AppStoreSettings {
    pub apple_base: Url,
    pub google_base: Url,
}

impl Default for AppStoreSettings {
    fn default() -> Self {
        AppStoreSettings {
            apple_base: Url::parse(DEFAULT_APPLE_BASE).expect("a constant URL parses"),
            google_base: Url::parse(DEFAULT_GOOGLE_BASE).expect("a constant URL parses"),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AppStoreError {
    #[error(
        "Apple lookup answer is not the expected JSON (line {line}, column {column}): {message}"
    )]
    AppleJson {
        line: usize,
        column: usize,
        message: String,
    },
}

/// An Apple lookup answer, read.
#[derive(Debug, Clone, PartialEq)]
pub struct AppleListing {
    pub available: bool,
    pub title: Option<String>,
    /// ISO 639-1 language of the description as [`LanguageModel::detect`]
    /// tells it (Irish and Maltese included); `None` when it cannot tell.
    pub description_language: Option<String>,
    /// The languages the app declares (`languageCodesISO2A`), lower case.
    pub declared_languages: Vec<String>,
}

#[derive(Deserialize)]
struct AppleLookup {
    #[serde(rename = "resultCount", default)]
    result_count: u64,
    #[serde(default)]
    results: Vec<AppleApp>,
}

#[derive(Deserialize)]
struct AppleApp {
    #[serde(rename = "trackName")]
    track_name: Option<String>,
    description: Option<String>,
    #[serde(rename = "languageCodesISO2A", default)]
    languages: Vec<String>,
}

/// `{base}lookup?id=<id>&country=<cc>`. A leading `id` on the app id (as in
/// App Store URLs, `id1234567890`) is dropped.
pub fn apple_lookup_url(base: &Url, app_id: &str, country: &str) -> Url {
    let app_id = app_id.trim();
    let app_id = app_id
        .strip_prefix("id")
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(app_id);
    let mut url = endpoint(base, "lookup");
    url.query_pairs_mut()
        .append_pair("id", app_id)
        .append_pair("country", &country.to_ascii_lowercase());
    url
}

/// `{base}store/apps/details?id=<pkg>&gl=<CC>&hl=<lang>`.
pub fn google_details_url(base: &Url, package: &str, country: &str, language: &str) -> Url {
    let mut url = endpoint(base, "store/apps/details");
    url.query_pairs_mut()
        .append_pair("id", package.trim())
        .append_pair("gl", &country.to_ascii_uppercase())
        .append_pair("hl", language);
    url
}

/// `base` with `path` appended below its path, whether or not the base ends
/// in `/` (a base without one would otherwise lose its last segment).
fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{path}", url.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// The language a storefront's own residents read most: the `hl=` asked of
/// Google Play, so that the listing shows as they would see it. Malta and
/// Ireland get English, which Play serves there.
pub fn storefront_language(country: &str) -> &'static str {
    match country.to_ascii_lowercase().as_str() {
        "at" | "de" => "de",
        "be" | "nl" => "nl",
        "bg" => "bg",
        "hr" => "hr",
        "cy" | "gr" => "el",
        "cz" => "cs",
        "dk" => "da",
        "ee" => "et",
        "fi" => "fi",
        "fr" | "lu" => "fr",
        "hu" => "hu",
        "it" => "it",
        "lv" => "lv",
        "lt" => "lt",
        "pl" => "pl",
        "pt" => "pt-PT",
        "ro" => "ro",
        "sk" => "sk",
        "si" => "sl",
        "es" => "es",
        "se" => "sv",
        _ => "en",
    }
}

/// Reads an Apple lookup answer: `(available, title, languages)`, where
/// `languages` starts with the description's language (when `languages`
/// can tell it) followed by the languages the app declares.
///
/// # Errors
/// [`AppStoreError::AppleJson`] when the body is not a lookup answer.
pub fn parse_apple_lookup(
    body: &[u8],
    languages: &LanguageModel,
) -> Result<(bool, Option<String>, Vec<String>), AppStoreError> {
    let listing = parse_apple_listing(body, languages)?;
    let mut languages: Vec<String> = listing.description_language.into_iter().collect();
    for language in listing.declared_languages {
        if !languages.contains(&language) {
            languages.push(language);
        }
    }
    Ok((listing.available, listing.title, languages))
}

/// Reads an Apple lookup answer with each fact kept apart.
///
/// `resultCount: 0` means not offered in that storefront (or no such id);
/// otherwise the first result is the app, and `languages` tells the
/// description's language.
///
/// # Errors
/// [`AppStoreError::AppleJson`] when the body is not a lookup answer.
pub fn parse_apple_listing(
    body: &[u8],
    languages: &LanguageModel,
) -> Result<AppleListing, AppStoreError> {
    let lookup: AppleLookup =
        serde_json::from_slice(body).map_err(|e| AppStoreError::AppleJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    let app = match lookup.results.into_iter().next() {
        Some(app) if lookup.result_count > 0 => app,
        _ => {
            return Ok(AppleListing {
                available: false,
                title: None,
                description_language: None,
                declared_languages: Vec::new(),
            })
        }
    };
    Ok(AppleListing {
        available: true,
        title: app.track_name.map(|name| name.trim().to_string()),
        description_language: app
            .description
            .as_deref()
            .and_then(|description| languages.detect(description))
            .map(|guess| guess.code),
        declared_languages: app
            .languages
            .iter()
            .map(|code| code.trim().to_ascii_lowercase())
            .filter(|code| !code.is_empty())
            .collect(),
    })
}

/// Phrases of Google Play's "not in your country" page. English only: with
/// another `hl=` the page is translated, and such pages read as `None`
/// unless they also lack the app's title.
const GOOGLE_UNAVAILABLE: &[&str] = &[
    "not available in your country",
    "isn't available in your country",
    "is not available in your country",
    "not available in your region",
    "isn't available in your region",
];

/// Reads a Google Play details answer: `(available, title)`.
///
/// 404 or 410, or a page saying the app is not available in the country →
/// `Some(false)`; 200 with the app's title → `Some(true)`; anything else
/// (a consent wall, an error page, a changed layout) → `None`.
pub fn parse_google_details(status: u16, body: &[u8]) -> (Option<bool>, Option<String>) {
    if matches!(status, 404 | 410) {
        return (Some(false), None);
    }
    if status != 200 {
        return (None, None);
    }
    let text = crate::analyze::charset::decode(body, None).text;
    let lower = text.to_lowercase();
    if GOOGLE_UNAVAILABLE
        .iter()
        .any(|phrase| lower.contains(phrase))
    {
        return (Some(false), None);
    }
    let page = Html::parse_document(&text);
    match google_title(&page) {
        Some(title) => (Some(true), Some(title)),
        None => (None, None),
    }
}

fn google_title(page: &Html) -> Option<String> {
    let from_og = select_attribute(page, r#"meta[property="og:title"]"#, "content");
    let from_h1 = select_text(page, r#"h1[itemprop="name"]"#).or_else(|| select_text(page, "h1"));
    let from_title = select_text(page, "title");
    [from_og, from_h1, from_title]
        .into_iter()
        .flatten()
        .map(|title| strip_store_suffix(&title))
        .find(|title| !title.is_empty() && !title.eq_ignore_ascii_case("google play"))
}

/// `"Name - Apps on Google Play"` → `"Name"` (the suffix is translated with
/// `hl=`, but always names Google Play).
fn strip_store_suffix(title: &str) -> String {
    let title = crate::model::text::normalize_whitespace(title);
    for separator in [" - ", " – ", " — "] {
        if let Some((name, suffix)) = title.rsplit_once(separator) {
            if suffix.contains("Google Play") {
                return name.trim().to_string();
            }
        }
    }
    title
}

fn google_description_language(body: &[u8], languages: &LanguageModel) -> Option<String> {
    let text = crate::analyze::charset::decode(body, None).text;
    let page = Html::parse_document(&text);
    let description = select_attribute(&page, r#"meta[property="og:description"]"#, "content")
        .or_else(|| select_attribute(&page, r#"meta[name="description"]"#, "content"))?;
    languages.detect(&description).map(|guess| guess.code)
}

fn select_attribute(page: &Html, selector: &str, attribute: &str) -> Option<String> {
    let selector = Selector::parse(selector).ok()?;
    page.select(&selector)
        .find_map(|element| element.value().attr(attribute))
        .map(crate::model::text::normalize_whitespace)
        .filter(|value| !value.is_empty())
}

fn select_text(page: &Html, selector: &str) -> Option<String> {
    let selector = Selector::parse(selector).ok()?;
    page.select(&selector)
        .map(|element| {
            crate::model::text::normalize_whitespace(&element.text().collect::<String>())
        })
        .find(|text| !text.is_empty())
}

#[derive(Clone, Copy)]
enum Store {
    Apple,
    Google,
}

/// Asks every EU storefront of each store given an app for it, through
/// `fetcher` (rate-limited and guarded like every other request), and
/// returns one result per store and country: Apple's 27 first, then
/// Google's, each in [`EU_STOREFRONTS`] order. Failures become results with
/// `available: None` and a note, never a missing row. Listing languages are
/// told by the bundled [`LanguageModel`], so Irish and Maltese listings
/// count; a scan with patterns of its own should call
/// [`check_apps_with_languages`] with its rules' model instead.
pub async fn check_apps(
    fetcher: &Fetcher,
    settings: &AppStoreSettings,
    apple_id: Option<&str>,
    google_package: Option<&str>,
) -> Vec<StorefrontResult> {
    // Compiled into the crate and loaded by its tests: not user input.
    let languages = LanguageModel::bundled().expect("the bundled languages.toml loads");
    check_apps_with_languages(fetcher, settings, &languages, apple_id, google_package).await
}

/// As [`check_apps`], telling listing languages with `languages` — the
/// model the scan's rules use ([`crate::analyze::rules::RuleSet::languages`]).
pub async fn check_apps_with_languages(
    fetcher: &Fetcher,
    settings: &AppStoreSettings,
    languages: &LanguageModel,
    apple_id: Option<&str>,
    google_package: Option<&str>,
) -> Vec<StorefrontResult> {
    let mut lookups: Vec<(Store, &'static str, Url)> = Vec::new();
    if let Some(app_id) = apple_id {
        for country in EU_STOREFRONTS {
            let url = apple_lookup_url(&settings.apple_base, app_id, country);
            lookups.push((Store::Apple, country, url));
        }
    }
    if let Some(package) = google_package {
        for country in EU_STOREFRONTS {
            let language = storefront_language(country);
            let url = google_details_url(&settings.google_base, package, country, language);
            lookups.push((Store::Google, country, url));
        }
    }
    futures_util::stream::iter(lookups)
        .map(|(store, country, url)| check_storefront(fetcher, languages, store, country, url))
        .buffered(CONCURRENT_LOOKUPS)
        .collect()
        .await
}

async fn check_storefront(
    fetcher: &Fetcher,
    languages: &LanguageModel,
    store: Store,
    country: &str,
    url: Url,
) -> StorefrontResult {
    let mut result = StorefrontResult {
        store: match store {
            Store::Apple => "apple",
            Store::Google => "google",
        }
        .to_string(),
        country: country.to_ascii_uppercase(),
        available: None,
        title: None,
        listing_language: None,
        url: crate::model::text::redact(&url),
        status: 0,
        fetched_at: String::new(),
        content_sha256: String::new(),
        note: None,
    };
    let fetched = match fetcher.fetch(&url, &|_| Ok(())).await {
        Ok(fetched) => fetched,
        Err(error) => {
            result.fetched_at = now_rfc3339();
            result.note = Some(fetch_note(&error));
            return result;
        }
    };
    result.status = fetched.status;
    result.fetched_at = fetched.fetched_at.clone();
    result.content_sha256 = fetched.sha256.clone();
    // A store that sends us elsewhere (a consent or sign-in page) has not
    // answered the question asked.
    if fetched.final_url.host_str() != url.host_str() {
        result.note = Some(format!(
            "redirected to {}; availability not shown",
            crate::model::text::redact(&fetched.final_url)
        ));
        return result;
    }
    match store {
        Store::Apple => read_apple(&mut result, fetched.status, &fetched.body, languages),
        Store::Google => {
            let (available, title) = parse_google_details(fetched.status, &fetched.body);
            result.available = available;
            result.title = title;
            if available == Some(true) {
                result.listing_language = google_description_language(&fetched.body, languages);
            }
            result.note = Some(match available {
                Some(_) => GOOGLE_VANTAGE_NOTE.to_string(),
                None => format!(
                    "HTTP {} without an app title or a not-available notice; {GOOGLE_VANTAGE_NOTE}",
                    fetched.status
                ),
            });
        }
    }
    result
}

fn read_apple(result: &mut StorefrontResult, status: u16, body: &[u8], languages: &LanguageModel) {
    if status != 200 {
        result.note = Some(format!("HTTP {status} from the lookup endpoint"));
        return;
    }
    match parse_apple_listing(body, languages) {
        Ok(listing) => {
            result.available = Some(listing.available);
            result.title = listing.title;
            result.listing_language = listing.description_language;
            if !listing.declared_languages.is_empty() {
                result.note = Some(format!(
                    "app declares languages: {}",
                    listing.declared_languages.join(", ")
                ));
            }
        }
        Err(error) => result.note = Some(error.to_string()),
    }
}

fn fetch_note(error: &FetchError) -> String {
    format!("{}: {error}", error.kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    fn languages() -> LanguageModel {
        LanguageModel::bundled().unwrap()
    }

    fn apple_answer(description: &str) -> Vec<u8> {
        serde_json::json!({
            "resultCount": 1,
            "results": [{"trackName": "Nordlicht Krypto", "description": description}]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn there_are_27_distinct_lower_case_storefronts() {
        let mut codes = EU_STOREFRONTS.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 27);
        assert!(EU_STOREFRONTS
            .iter()
            .all(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())));
        assert!(EU_STOREFRONTS.contains(&"gr") && !EU_STOREFRONTS.contains(&"el"));
        assert!(!EU_STOREFRONTS.contains(&"gb") && !EU_STOREFRONTS.contains(&"ch"));
    }

    #[test]
    fn apple_lookup_url_has_id_and_country() {
        let url = apple_lookup_url(&base("https://itunes.apple.com/"), "1234567890", "DE");
        assert_eq!(
            url.as_str(),
            "https://itunes.apple.com/lookup?id=1234567890&country=de"
        );
        // As copied from an App Store link, and a base without a trailing slash.
        let url = apple_lookup_url(&base("http://127.0.0.1:9/apple"), "id42", "fr");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/apple/lookup?id=42&country=fr"
        );
    }

    #[test]
    fn google_details_url_has_package_country_and_language() {
        let url = google_details_url(
            &base("https://play.google.com/"),
            "com.example.wallet",
            "nl",
            "nl",
        );
        assert_eq!(
            url.as_str(),
            "https://play.google.com/store/apps/details?id=com.example.wallet&gl=NL&hl=nl"
        );
        assert_eq!(storefront_language("pt"), "pt-PT");
        assert_eq!(storefront_language("GR"), "el");
        assert_eq!(storefront_language("mt"), "en");
    }

    #[test]
    fn apple_answer_with_a_result_is_available_with_title_and_languages() {
        let body = br#"{"resultCount":1,"results":[{"trackName":" Nordlicht Krypto ",
            "description":"Kaufe Bitcoin und Ethereum in wenigen Sekunden. Zahle per SEPA ein und handle rund um die Uhr mit niedrigen Geb\u00fchren.",
            "languageCodesISO2A":["DE","EN","FR"]}]}"#;
        let (available, title, declared) = parse_apple_lookup(body, &languages()).unwrap();
        assert!(available);
        assert_eq!(title.as_deref(), Some("Nordlicht Krypto"));
        assert_eq!(declared, ["de", "en", "fr"]);
        let listing = parse_apple_listing(body, &languages()).unwrap();
        assert_eq!(listing.description_language.as_deref(), Some("de"));
        assert_eq!(listing.declared_languages, ["de", "en", "fr"]);
    }

    /// whatlang knows neither language; the shared model's markers do.
    #[test]
    fn maltese_and_irish_descriptions_are_told() {
        let languages = languages();
        let maltese = apple_answer(
            "Ixtri l-Bitcoin u l-Ethereum f'ftit sekondi. Iddepożita bit-trasferiment \
             SEPA u ibda innegozja kuljum b'miżati baxxi.",
        );
        let listing = parse_apple_listing(&maltese, &languages).unwrap();
        assert_eq!(listing.description_language.as_deref(), Some("mt"));
        let irish = apple_answer(
            "Ceannaigh Bitcoin agus Ethereum i gceann cúpla soicind. Tá ár seirbhís ar \
             fáil gach lá agus is féidir leat tosú inniu le táillí ísle.",
        );
        let listing = parse_apple_listing(&irish, &languages).unwrap();
        assert_eq!(listing.description_language.as_deref(), Some("ga"));
        let page = r#"<html><head><meta property="og:description" content="Ceannaigh Bitcoin agus
            Ethereum i gceann cúpla soicind. Tá ár seirbhís ar fáil gach lá agus is féidir leat
            tosú inniu."></head></html>"#;
        assert_eq!(
            google_description_language(page.as_bytes(), &languages).as_deref(),
            Some("ga")
        );
        // Too little text to tell: no guess rather than a wrong one.
        let listing = parse_apple_listing(&apple_answer("Bitcoin"), &languages).unwrap();
        assert_eq!(listing.description_language, None);
    }

    #[test]
    fn apple_answer_without_results_is_not_available() {
        assert_eq!(
            parse_apple_lookup(br#"{"resultCount":0,"results":[]}"#, &languages()).unwrap(),
            (false, None, Vec::new())
        );
    }

    #[test]
    fn apple_answer_that_is_not_json_is_an_error_with_its_position() {
        let error = parse_apple_lookup(b"<html>maintenance</html>", &languages()).unwrap_err();
        let AppStoreError::AppleJson { line, column, .. } = &error;
        assert_eq!((*line, *column), (1, 1));
    }

    #[test]
    fn google_page_with_a_title_is_available() {
        let page = r#"<html lang="de"><head><title>Nordlicht Krypto – Apps bei Google Play</title>
            <meta property="og:title" content="Nordlicht Krypto - Apps bei Google Play"></head>
            <body><h1 itemprop="name"><span>Nordlicht Krypto</span></h1></body></html>"#;
        assert_eq!(
            parse_google_details(200, page.as_bytes()),
            (Some(true), Some("Nordlicht Krypto".to_string()))
        );
        // Without og:title the heading names the app.
        let page =
            br#"<html><body><h1 itemprop="name"><span>Nordlicht</span> Krypto</h1></body></html>"#;
        assert_eq!(
            parse_google_details(200, page),
            (Some(true), Some("Nordlicht Krypto".to_string()))
        );
    }

    #[test]
    fn google_not_found_or_not_in_country_is_not_available() {
        assert_eq!(parse_google_details(404, b"Not Found"), (Some(false), None));
        let page = b"<html><head><title>Nordlicht Krypto - Apps on Google Play</title></head>
            <body><p>This item isn't available in your country.</p></body></html>";
        assert_eq!(parse_google_details(200, page), (Some(false), None));
    }

    #[test]
    fn google_answers_that_do_not_tell_are_none() {
        assert_eq!(parse_google_details(500, b"oops"), (None, None));
        assert_eq!(parse_google_details(429, b""), (None, None));
        assert_eq!(
            parse_google_details(200, b"<html><title>Google Play</title><body></body></html>"),
            (None, None)
        );
    }
}
