use super::*;
use std::path::Path;
use std::time::Duration;
use url::Url;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("test.toml"))
}

const MINIMAL: &str = "[[firm]]\nname = \"Ex\"\nwebsites = [\"https://exchange.example/\"]\n";

#[test]
fn minimal_config_uses_defaults() {
    let config = parse(MINIMAL).unwrap();
    assert_eq!(config.scan, ScanSettings::default());
    assert_eq!(
        config.firms[0].websites[0].as_str(),
        "https://exchange.example/"
    );
    assert_eq!(config.firms[0].slug(), "ex");
}

#[test]
fn full_scan_table_is_read() {
    let text = r#"
[scan]
user_agent = "ua/1"
max_pages_per_site = 7
max_depth = 2
concurrency = 3
per_host_rate = 0.5
respect_robots = false
timeout = "3s"
max_body_bytes = 1000
allow_private_networks = true
allow_networks = ["127.0.0.1/32", "::1"]
[scan.resolve]
"exchange.example" = "127.0.0.1:8080"

[[firm]]
name = "Example Exchange Ltd"
home_country = "sc"
websites = ["https://exchange.example/"]
"#;
    let config = parse(text).unwrap();
    assert_eq!(config.scan.max_pages_per_site, 7);
    assert_eq!(config.scan.timeout, Duration::from_secs(3));
    assert_eq!(config.scan.allow_networks.len(), 2);
    assert_eq!(
        config.scan.resolve["exchange.example"],
        "127.0.0.1:8080".parse().unwrap()
    );
    assert_eq!(config.firms[0].home_country.as_deref(), Some("SC"));
    assert_eq!(config.firms[0].slug(), "example-exchange-ltd");
}

fn invalid(text: &str) -> (usize, String) {
    match parse(text) {
        Err(ConfigError::Invalid { line, message, .. }) => (line, message),
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

#[test]
fn vantages_are_read_and_their_proxies_never_printed() {
    let text = format!(
        "{MINIMAL}\n[geo]\nmax_pages = 2\n\n[[vantage]]\nname = \"DE\"\ncountry = \"de\"\nproxy = \"http://user:p%40ss-w0rd@proxy-de.internal:3128\"\naccept_language = \"de-DE,de;q=0.9\"\n\n[[vantage]]\nname = \"control\"\ncountry = \"SG\"\nproxy = \"socks5://proxy-sg.internal:1080\"\ncontrol = true\n"
    );
    let config = parse(&text).unwrap();
    assert_eq!(config.geo.max_pages, 2);
    let de = &config.vantages[0];
    assert_eq!(de.country, "DE");
    assert!(de.in_eu() && !de.control);
    let proxy = de.proxy.as_ref().unwrap();
    assert_eq!(proxy.secret().as_deref(), Some("p@ss-w0rd"));
    assert_eq!(proxy.redacted(), "http://proxy-de.internal:3128/");
    assert_eq!(proxy.with_credentials().username(), "user");
    let printed = format!("{config:?} {proxy}");
    assert!(
        !printed.contains("p%40ss") && !printed.contains("user:"),
        "{printed}"
    );
    assert!(config.vantages[1].control && !config.vantages[1].in_eu());
    assert_eq!(parse(MINIMAL).unwrap().geo.max_pages, DEFAULT_GEO_MAX_PAGES);
}

#[test]
fn bad_vantages_are_refused_with_line_and_key_and_no_password() {
    let vantage = |body: &str| format!("{MINIMAL}\n[[vantage]]\n{body}\n");
    let cases = [
        (vantage("name = \"DE\"\ncountry = \"Germany\""), "vantage[0].country"),
        (
            vantage("name = \"DE\"\ncountry = \"DE\"\nproxy = \"ftp://u:hunter2@p.internal/\""),
            "vantage[0].proxy",
        ),
        (
            vantage("name = \"DE\"\ncountry = \"DE\"\nproxy = \"http://u:hunter2@p.internal:1/x\""),
            "vantage[0].proxy",
        ),
        (
            vantage("name = \"C\"\ncountry = \"FR\"\ncontrol = true"),
            "vantage[0].country",
        ),
        (
            vantage("name = \"DE\"\ncountry = \"DE\"\n[[vantage]]\nname = \"de\"\ncountry = \"DE\""),
            "vantage[1].name",
        ),
        (
            vantage("name = \"A\"\ncountry = \"US\"\ncontrol = true\n[[vantage]]\nname = \"B\"\ncountry = \"SG\"\ncontrol = true"),
            "vantage[1].control",
        ),
        (
            vantage("name = \"DE\"\ncountry = \"DE\"\naccept_language = \"\""),
            "vantage[0].accept_language",
        ),
        (format!("{MINIMAL}\n[geo]\nmax_pages = 0\n"), "geo.max_pages"),
    ];
    for (text, key) in cases {
        let (line, message) = invalid(&text);
        assert!(line > 3, "{key}: line {line}");
        assert!(message.contains(key), "{key}: {message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[test]
fn a_firm_known_only_by_its_brands_needs_watched_sites() {
    let brands_only = "[[firm]]\nname = \"Ghost Exchange\"\nbrands = [\"Ghost Exchange\"]\n";
    let (_, message) = invalid(brands_only);
    assert!(message.contains("nothing to scan"), "{message}");
    let watched = format!("{brands_only}[watch]\nsites = [\"https://forum.example/\"]\n");
    let config = parse(&watched).unwrap();
    assert!(config.firms[0].websites.is_empty());
    assert_eq!(config.firms[0].brands, ["Ghost Exchange"]);
}

#[test]
fn unknown_key_names_line_and_key() {
    let (line, message) = invalid(
        "[scan]\nmax_depht = 3\n[[firm]]\nname = \"x\"\nwebsites = [\"https://a.example/\"]\n",
    );
    assert_eq!(line, 2);
    assert!(message.contains("max_depht"), "{message}");
}

#[test]
fn evidence_tsa_is_an_http_url_named_on_error() {
    let firm = "[[firm]]\nname = \"x\"\nwebsites = [\"https://a.example/\"]\n";
    let config = parse(&format!(
        "[evidence]\ntsa = \"https://tsa.example/stamp\"\n{firm}"
    ))
    .unwrap();
    assert_eq!(
        config.evidence.tsa.unwrap().as_str(),
        "https://tsa.example/stamp"
    );
    assert_eq!(parse(firm).unwrap().evidence, EvidenceSettings::default());
    let (line, message) = invalid(&format!("{firm}[evidence]\ntsa = \"ftp://tsa.example/\"\n"));
    assert_eq!(line, 5);
    assert!(message.contains("ftp"), "{message}");
    let (_, message) = invalid(&format!("{firm}[evidence]\ntsa_url = \"x\"\n"));
    assert!(message.contains("tsa_url"), "{message}");
}

#[test]
fn bad_url_names_line_and_key() {
    let (line, message) = invalid("[[firm]]\nname = \"x\"\n\nwebsites = [\"not a url\"]\n");
    assert_eq!(line, 4);
    assert!(message.contains("firm[0].websites[0]"), "{message}");
    let (_, message) = invalid("[[firm]]\nname = \"x\"\nwebsites = [\"ftp://a.example/\"]\n");
    assert!(message.contains("ftp"), "{message}");
}

#[test]
fn bad_duration_names_line() {
    let (line, message) = invalid("[scan]\ntimeout = \"twenty\"\n[[firm]]\nname = \"x\"\nwebsites = [\"https://a.example/\"]\n");
    assert_eq!(line, 2);
    assert!(message.contains("twenty"), "{message}");
}

#[test]
fn missing_firm_is_an_error() {
    let (_, message) = invalid("[scan]\nmax_depth = 1\n");
    assert!(message.contains("firm"), "{message}");
}

#[test]
fn rendering_is_auto_by_default_and_read_from_the_scan_table() {
    let firm = "[[firm]]\nname = \"x\"\nwebsites = [\"https://a.example/\"]\n";
    let defaults = parse(firm).unwrap().scan;
    assert_eq!(defaults.render, RenderMode::Auto);
    assert_eq!(defaults.render_max_pages, DEFAULT_RENDER_MAX_PAGES);
    assert_eq!(defaults.render_timeout, DEFAULT_RENDER_TIMEOUT);
    assert_eq!(defaults.render_tabs, DEFAULT_RENDER_TABS);
    assert_eq!(defaults.browser, None);
    let scan = parse(&format!(
        "[scan]\nrender = \"always\"\nrender_max_pages = 7\nrender_timeout = \"5s\"\nrender_tabs = 3\nbrowser = \"/opt/chromium/chrome\"\n{firm}"
    ))
    .unwrap()
    .scan;
    assert_eq!(scan.render, RenderMode::Always);
    assert_eq!(scan.render_max_pages, 7);
    assert_eq!(scan.render_timeout, Duration::from_secs(5));
    assert_eq!(scan.render_tabs, 3);
    assert_eq!(
        scan.browser.as_deref(),
        Some(Path::new("/opt/chromium/chrome"))
    );
}

#[test]
fn bad_values_are_refused() {
    let firm = "[[firm]]\nname = \"x\"\nwebsites = [\"https://a.example/\"]\n";
    for (scan, needle) in [
        ("concurrency = 0", "concurrency"),
        ("per_host_rate = -1.0", "per_host_rate"),
        ("allow_networks = [\"nonsense\"]", "allow_networks"),
        ("resolve = { \"a.example\" = \"nope\" }", "resolve"),
        ("render = \"sometimes\"", "render"),
        ("render_tabs = 0", "render_tabs"),
        ("render_max_pages = -1", "render_max_pages"),
    ] {
        let (line, message) = invalid(&format!("[scan]\n{scan}\n{firm}"));
        assert_eq!(line, 2, "{scan}: {message}");
        assert!(message.contains(needle), "{scan}: {message}");
    }
}

#[test]
fn partner_file_is_merged_with_affiliates_and_bad_rows_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("scan.toml");
    std::fs::write(
        dir.path().join("partners.csv"),
        "Name;Website\nKompass;https://blog.example/\nReview;https://review.example/\n",
    )
    .unwrap();
    let text = "[[firm]]\nname = \"x\"\naffiliates = [\"https://blog.example/\"]\naffiliates_file = \"partners.csv\"\n[watch]\nsites = [\"https://forum.example/\"]\n";
    let config = Config::parse(text, &config_path).unwrap();
    let firm = &config.firms[0];
    let affiliates: Vec<&str> = firm.affiliates.iter().map(Url::as_str).collect();
    assert_eq!(
        affiliates,
        ["https://blog.example/", "https://review.example/"]
    );
    assert_eq!(firm.affiliate_names["https://review.example/"], "Review");
    assert_eq!(config.watch.sites[0].as_str(), "https://forum.example/");

    std::fs::write(
        dir.path().join("partners.csv"),
        "url\nhttps://ok.example/\n\nmailto:partner@example.org\n",
    )
    .unwrap();
    match Config::parse(text, &config_path) {
        Err(ConfigError::Invalid {
            file, line, key, ..
        }) => {
            assert!(file.ends_with("partners.csv"), "{file:?}");
            assert_eq!(line, 4);
            assert_eq!(key.as_deref(), Some("firm[0].affiliates_file"));
        }
        other => panic!("expected an invalid partner row, got {other:?}"),
    }
    let missing = text.replace("partners.csv", "absent.csv");
    match Config::parse(&missing, &config_path) {
        Err(ConfigError::Invalid {
            file,
            line,
            message,
            ..
        }) => {
            assert!(file.ends_with("scan.toml"), "{file:?}");
            assert_eq!(line, 4);
            assert!(message.contains("absent.csv"), "{message}");
        }
        other => panic!("expected an unreadable partner file, got {other:?}"),
    }
}

#[test]
fn slugs_are_file_name_safe() {
    assert_eq!(slugify("Börse & Co. GmbH"), "borse-co-gmbh");
    assert_eq!(slugify("***"), "firm");
}
