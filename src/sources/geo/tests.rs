use super::*;

fn data() -> GeoData {
    GeoData::bundled().unwrap()
}

#[test]
fn bundled_data_loads_and_knows_every_member_state() {
    let data = data();
    for code in EU_MEMBER_STATES {
        assert_eq!(data.country_of(Some(code), ""), Some(code), "{code}");
    }
    assert_eq!(data.country_of(None, "Deutschland"), Some("DE"));
    assert_eq!(data.country_of(Some(""), "  Pays-Bas "), Some("NL"));
    assert_eq!(data.country_of(None, "🇫🇷 France"), Some("FR"));
    assert_eq!(data.country_of(None, "Singapore"), Some("SG"));
    assert_eq!(data.country_of(Some("xx"), "Atlantis"), None);
}

#[test]
fn a_bad_code_names_its_line() {
    let text = "signup_url_words = []\nproduct_url_words = []\nrestriction_url_words = []\nselector_words = []\nselector_min_countries = 3\n[[country]]\ncode = \"DEU\"\nnames = []\n";
    let error = GeoData::from_toml(text, "geo.toml")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("geo.toml:7:"), "{error}");
}

#[test]
fn similarity_is_one_for_the_same_text_and_low_for_different_text() {
    let words = |t: &str| t.split(' ').map(str::to_string).collect::<Vec<_>>();
    let a = words("buy bitcoin with sepa in minutes today");
    assert_eq!(similarity(&a, &a), 1.0);
    let b = words("this service is not available in your country");
    assert!(similarity(&a, &b) < 0.1);
    let c = words("buy bitcoin with sepa in minutes now");
    let s = similarity(&a, &c);
    assert!(s > 0.5 && s < 1.0, "{s}");
}

#[test]
fn country_selectors_are_recognised_by_name_or_by_size() {
    let data = data();
    let html = scraper::Html::parse_document(
        r#"<form><input type="email" name="mail">
           <select name="country_of_residence"><option value="">Choose</option>
           <option value="DE">Germany</option><option value="US">United States</option></select>
           <select name="currency"><option>EUR</option><option>USD</option></select></form>"#,
    );
    let (form, selector) = read_forms(&html, &data);
    assert!(form);
    let selector = selector.unwrap();
    assert_eq!(selector.field, "country_of_residence");
    assert_eq!(selector.eu_countries_offered, ["DE"]);
    assert!(!selector.excludes_eu);

    let non_eu = scraper::Html::parse_document(
        r#"<select id="x"><option>United States</option><option>Canada</option>
           <option>Brazil</option><option>Singapore</option><option>Japan</option></select>"#,
    );
    let (form, selector) = read_forms(&non_eu, &data);
    assert!(!form);
    let selector = selector.unwrap();
    assert!(selector.excludes_eu);
    assert_eq!(selector.countries, 5);

    let not_countries = scraper::Html::parse_document(
        r#"<select name="lang"><option>English</option><option>Deutsch</option></select>"#,
    );
    assert!(read_forms(&not_countries, &data).1.is_none());
}

#[test]
fn vantages_are_labelled_by_name_country_and_role() {
    let result = |vantage: &str, country: &str, control: bool| GeoResult {
        vantage: vantage.into(),
        country: country.into(),
        control,
        eu: false,
        accept_language: None,
        outcome: GeoOutcome::Open,
        summary: String::new(),
        similarity_to_control: None,
        signup_reachable: None,
        eu_countries_offered: vec![],
        pages: vec![],
    };
    let labels = |r: GeoResult| (r.label(), r.label_with_role());
    assert_eq!(
        labels(result("DE", "DE", false)),
        ("DE".into(), "DE".into())
    );
    assert_eq!(
        labels(result("FR-mobile", "FR", false)),
        ("FR-mobile (FR)".into(), "FR-mobile (FR)".into())
    );
    assert_eq!(
        labels(result("control", "US", true)),
        ("control (US)".into(), "control (US)".into())
    );
    assert_eq!(
        labels(result("SG-exit", "SG", true)),
        ("SG-exit (SG)".into(), "SG-exit (SG, control)".into())
    );
    assert_eq!(labels(result("SG", "SG", true)).1, "SG (control)");
}

#[test]
fn restriction_urls_are_told_from_locale_redirects() {
    let data = data();
    let url = |t: &str| Url::parse(t).unwrap();
    assert!(data.is_restriction_url(&url("https://x.example/restricted")));
    assert!(data.is_restriction_url(&url("https://x.example/en/region-blocked?from=de")));
    assert!(data.is_restriction_url(&url("https://x.example/country-not-supported")));
    assert!(!data.is_restriction_url(&url("https://x.example/de/")));
    assert!(!data.is_restriction_url(&url("https://x.example/markets/unrestricted-access")));
}

#[test]
fn entry_pages_take_configured_home_signup_and_product_pages() {
    let firm_text = r#"
        [[firm]]
        name = "Probe Firm"
        websites = ["https://probe.example/", "https://probe.example/fr/"]
        geo_pages = ["https://probe.example/promo"]
    "#;
    let config = crate::config::Config::parse(firm_text, std::path::Path::new("t.toml")).unwrap();
    let firm = &config.firms[0];
    let crawled = [
        "https://probe.example/about",
        "https://other.example/register",
        "https://probe.example/de/registrieren",
        "https://probe.example/markets",
    ];
    let pages = entry_pages(firm, &crawled, &[], &data(), 4);
    let got: Vec<(&str, &str)> = pages.iter().map(|(u, r)| (u.as_str(), *r)).collect();
    assert_eq!(
        got,
        [
            ("https://probe.example/promo", "configured"),
            ("https://probe.example/", "home"),
            ("https://probe.example/de/registrieren", "signup"),
            ("https://probe.example/markets", "product"),
        ]
    );
    assert_eq!(entry_pages(firm, &crawled, &[], &data(), 2).len(), 2);
    let robots_said_no = [
        "https://probe.example/promo",
        "https://probe.example/markets",
    ];
    let allowed: Vec<String> = entry_pages(firm, &crawled, &robots_said_no, &data(), 4)
        .into_iter()
        .map(|(u, _)| u.to_string())
        .collect();
    assert_eq!(
        allowed,
        [
            "https://probe.example/",
            "https://probe.example/de/registrieren",
            "https://probe.example/fr/"
        ]
    );
}
