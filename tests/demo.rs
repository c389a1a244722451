//! The bundled demo through the real binary: it runs without network or
//! setup, writes a whole report that validates against the checked-in JSON
//! Schema, and reaches the verdicts the demo firms were written for.

use assert_cmd::Command;
use micar_scan::model::geo::GeoOutcome;
use micar_scan::model::report::{FirmReport, Report, ScanStatus};
use micar_scan::model::{Category, Level, Signal, SourceKind};

fn run_demo() -> (Report, serde_json::Value, String) {
    let (report, json, stdout, _) = run_demo_with_ledger();
    (report, json, stdout)
}

/// The demo's report, as JSON too, its standard output and the ledger example's report.
fn run_demo_with_ledger() -> (Report, serde_json::Value, String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("demo.json");
    let assert = Command::cargo_bin("micar-scan")
        .unwrap()
        .arg("demo")
        .arg("--output")
        .arg(&output)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let text = std::fs::read_to_string(&output).expect("demo writes its report");
    let json: serde_json::Value = serde_json::from_str(&text).expect("report is JSON");
    let report: Report = serde_json::from_str(&text).expect("report parses back into its types");
    let ledger = std::fs::read_to_string(dir.path().join("demo-ledger.json"))
        .expect("the demo writes the ledger example beside its report");
    let ledger = serde_json::from_str(&ledger).expect("the ledger report is JSON");
    (report, json, stdout, ledger)
}

/// The name serde gives an enum value (`apple`).
fn serde_label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn firm<'a>(report: &'a Report, name: &str) -> &'a FirmReport {
    report
        .firms
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("firm {name} missing from the demo report"))
}

#[test]
fn demo_report_is_whole_valid_and_reaches_the_expected_verdicts() {
    let (report, json, stdout, ledger) = run_demo_with_ledger();

    // Register status of every firm, from the demo's ESMA-format files.
    use micar_scan::model::register::{MatchedOn, RegisterStatus};
    for (name, status, on) in [
        (
            "Aurora Exchange",
            RegisterStatus::NonCompliant,
            Some(MatchedOn::Name),
        ),
        (
            "Polaris Markets",
            RegisterStatus::Authorised,
            Some(MatchedOn::Lei),
        ),
        ("Brisa Trade", RegisterStatus::Warned, Some(MatchedOn::Name)),
        ("Ipê Cripto", RegisterStatus::NotListed, None),
        (
            "Van der Meer Lindqvist Advocaten",
            RegisterStatus::NotListed,
            None,
        ),
        ("Nimbus Swap", RegisterStatus::NotListed, None),
    ] {
        let entry = firm(&report, name)
            .register
            .as_ref()
            .expect("a register entry");
        assert_eq!(entry.status, status, "{name}: {entry:?}");
        assert_eq!(entry.matches.first().map(|m| m.matched_on), on, "{name}");
        assert_eq!(entry.as_of, "2026-11-04");
        assert!(
            firm(&report, name)
                .verdict
                .reasons
                .iter()
                .any(|r| r.starts_with("register (as of")),
            "{name}: the verdict's reasons name the register status"
        );
    }
    let polaris = &firm(&report, "Polaris Markets")
        .register
        .as_ref()
        .unwrap()
        .matches[0];
    assert_eq!(polaris.services, ["custody", "exchange_fiat", "execution"]);
    assert_eq!(polaris.home_state.as_deref(), Some("IE"));
    assert!(stdout.contains("ledger example"), "{stdout}");
    assert_eq!(ledger["totals"]["offers"], 14);
    assert!(ledger["totals"]["violations"].as_u64().unwrap_or(0) > 0);

    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("reports/schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "report does not match its schema: {problems:#?}"
    );

    assert_eq!(
        report.scan.status,
        ScanStatus::Complete,
        "{:?}",
        report.scan.partial_reasons
    );
    assert_eq!(report.firms.len(), 6);

    // A single-page application: strong only once a browser renders it;
    // without one it is unassessed, never none.
    let nimbus = firm(&report, "Nimbus Swap");
    let rendering = report.scan.rendering.as_ref().expect("a rendering summary");
    if rendering.browser_launches > 0 {
        assert_eq!(nimbus.verdict.level, Level::Strong, "{:#?}", nimbus.verdict);
        assert!(
            nimbus.pages.iter().any(|p| p.rendered),
            "{:#?}",
            nimbus.pages
        );
        assert!(nimbus.findings.iter().all(|f| f.rendered));
        // Only the shell needed a browser: every other demo page was read as fetched.
        assert_eq!(rendering.pages_rendered, 1, "{rendering:?}");
        for other in report.firms.iter().filter(|f| f.name != "Nimbus Swap") {
            assert!(other.pages.iter().all(|p| !p.rendered), "{}", other.name);
        }
    } else {
        assert!(
            std::env::var_os("MICAR_SCAN_REQUIRE_CHROMIUM").is_none(),
            "chromium is required but the demo rendered nothing: {rendering:?}"
        );
        assert_eq!(
            nimbus.verdict.level,
            Level::Unassessed,
            "{:#?}",
            nimbus.verdict
        );
    }

    // A site behind a bot wall was not seen: unassessed, never `none`.
    let brisa = firm(&report, "Brisa Trade");
    assert_eq!(
        brisa.verdict.level,
        Level::Unassessed,
        "{:#?}",
        brisa.verdict
    );
    assert!(brisa.coverage.total.bot_walls >= 1, "{:?}", brisa.coverage);
    assert_eq!(brisa.coverage.total.pages_ok, 0);
    assert!(brisa
        .pages
        .iter()
        .all(|p| p.not_content == Some(micar_scan::model::PageKind::BotWall)));

    let aurora = firm(&report, "Aurora Exchange");
    assert_eq!(aurora.verdict.level, Level::Strong, "{:#?}", aurora.verdict);
    assert!(!aurora.verdict.reasons.is_empty());
    assert!(
        aurora.pages.len() >= 20,
        "Aurora's sites have 10+ pages each"
    );
    let affiliate_findings: Vec<_> = aurora
        .findings
        .iter()
        .filter(|f| f.source_kind == SourceKind::Affiliate)
        .collect();
    assert!(
        affiliate_findings
            .iter()
            .any(|f| f.signal == Signal::Affiliate),
        "the blog's referral links are affiliate findings"
    );
    assert!(affiliate_findings
        .iter()
        .all(|f| f.category == Category::Affiliate));
    assert!(
        aurora
            .errors
            .iter()
            .any(|e| e.kind == "robots_disallowed" && e.rule.is_some()),
        "the robots.txt skip is recorded with its rule"
    );
    assert!(
        !aurora.outgoing_links.is_empty(),
        "external links are recorded, not crawled"
    );
    assert!(aurora
        .findings
        .iter()
        .any(|f| f.signal == Signal::Disclaimer && f.cures == Some(false)));

    for (name, min_pages) in [("Ipê Cripto", 10), ("Van der Meer Lindqvist Advocaten", 5)] {
        let other = firm(&report, name);
        assert_eq!(
            other.verdict.level,
            Level::None,
            "{name}: {:#?}",
            other.verdict
        );
        assert!(
            other.pages.len() >= min_pages,
            "{name}: {} pages",
            other.pages.len()
        );
    }

    // Every channel yields findings for Aurora.
    for kind in [
        SourceKind::Website,
        SourceKind::Affiliate,
        SourceKind::Feed,
        SourceKind::Social,
        SourceKind::Email,
        SourceKind::Watched,
    ] {
        assert!(
            aurora.findings.iter().any(|f| f.source_kind == kind),
            "no {kind:?} findings for Aurora"
        );
        assert!(
            aurora.sources.iter().any(|s| s.kind == kind),
            "no {kind:?} source for Aurora"
        );
    }
    // Telegram-style preview: one page per post.
    assert!(
        aurora
            .pages
            .iter()
            .filter(|p| p.source_kind == SourceKind::Social && p.published_at.is_some())
            .count()
            >= 2
    );
    // The review blog's cloaked links resolve, hop by hop, to Aurora with the referral code.
    let chains: Vec<_> = aurora
        .findings
        .iter()
        .filter_map(|f| f.attribution.as_ref()?.redirect.as_ref())
        .collect();
    assert!(
        chains
            .iter()
            .any(|c| c.hops.len() == 2 && c.referral_code.as_deref() == Some("kompass-it")),
        "{chains:#?}"
    );
    assert!(aurora
        .sources
        .iter()
        .any(|s| s.kind == SourceKind::Redirector && s.pages_fetched >= 3));
    // The forum thread naming Aurora counts for Aurora; the one naming no firm for nobody.
    assert!(aurora.pages.iter().any(|p| p
        .attribution
        .as_ref()
        .and_then(|a| a.brand.as_ref())
        .is_some_and(|b| b.brand.starts_with("Aurora"))));
    for f in &report.firms {
        assert!(f.pages.iter().all(|p| !p.url.contains("/thema/steuern/")));
    }
    assert!(stdout.contains("findings per channel"), "{stdout}");
    // The app stores' stand-ins offer Aurora's app in six Apple and four
    // Google storefronts, with the listing in the storefront's language.
    let offered = |store: &str| -> Vec<String> {
        let mut countries: Vec<String> = aurora
            .app_store
            .iter()
            .filter(|r| serde_label(&r.store) == store && r.available == Some(true))
            .map(|r| r.country.clone())
            .collect();
        countries.sort();
        countries
    };
    assert_eq!(offered("apple"), ["AT", "BE", "DE", "FR", "IT", "PL"]);
    assert_eq!(offered("google"), ["DE", "FR", "IT", "PL"]);
    assert_eq!(aurora.app_store.len(), 54, "27 storefronts per store");
    let german = aurora
        .app_store
        .iter()
        .find(|r| serde_label(&r.store) == "apple" && r.country == "DE")
        .unwrap();
    assert_eq!(german.listing_language.as_deref(), Some("de"));
    let dutch = aurora
        .app_store
        .iter()
        .find(|r| serde_label(&r.store) == "apple" && r.country == "NL")
        .unwrap();
    assert_eq!(dutch.available, Some(false));

    // Every finding stands as evidence on its own.
    for f in report.firms.iter().flat_map(|f| &f.findings) {
        let traceable = f.url.starts_with("http://")
            || f.url.starts_with("https://t.me/")
            || (f.source_kind == SourceKind::Email && f.url.starts_with("mid:"));
        assert!(traceable, "{}", f.url);
        assert_eq!(f.content_sha256.len(), 64);
        assert!(f.fetched_at.ends_with('Z'));
        assert!(!f.snippet.is_empty() && !f.rule_id.is_empty() && !f.legal_ref.is_empty());
    }

    assert!(
        stdout.contains("Aurora Exchange") && stdout.contains("strong"),
        "{stdout}"
    );
}

#[test]
fn demo_geo_probe_shows_a_fence_that_holds_in_germany_and_leaks_in_france() {
    let (report, _, stdout) = run_demo();
    let outcome = |firm: &FirmReport, vantage: &str| {
        firm.geo
            .iter()
            .find(|g| g.vantage == vantage)
            .unwrap_or_else(|| panic!("{}: no result for {vantage}", firm.name))
            .outcome
    };
    let polaris = firm(&report, "Polaris Markets");
    assert_eq!(outcome(polaris, "DE"), GeoOutcome::Blocked);
    assert_eq!(outcome(polaris, "FR"), GeoOutcome::Open);
    assert_eq!(outcome(polaris, "control"), GeoOutcome::Open);
    let de = polaris.geo.iter().find(|g| g.vantage == "DE").unwrap();
    assert_eq!(de.pages[0].language.as_deref(), Some("de"));
    assert!(de.pages.iter().all(|p| p.outcome == GeoOutcome::Blocked));
    let fr = polaris.geo.iter().find(|g| g.vantage == "FR").unwrap();
    assert!(fr.eu_countries_offered.contains(&"FR".to_string()));
    assert_eq!(fr.signup_reachable, Some(true));
    // A leaky fence does not lower the verdict, and the reasons say why.
    assert_eq!(polaris.verdict.level, Level::Strong);
    let reasons = polaris.verdict.reasons.join("\n");
    assert!(
        reasons.contains("restricted from DE but open from FR"),
        "{reasons}"
    );
    assert!(reasons.contains("not a cure"), "{reasons}");
    // The bot wall answers every vantage alike: inconclusive, never blocked.
    let brisa = report
        .firms
        .iter()
        .find(|f| f.name == "Brisa Trade")
        .unwrap();
    assert!(
        brisa
            .geo
            .iter()
            .all(|g| g.outcome == GeoOutcome::Inconclusive),
        "{:#?}",
        brisa.geo
    );
    // Every other demo firm is open from every vantage.
    for firm in report
        .firms
        .iter()
        .filter(|f| f.name != "Polaris Markets" && f.name != "Brisa Trade")
    {
        assert!(
            firm.geo.iter().all(|g| g.outcome == GeoOutcome::Open),
            "{}: {:#?}",
            firm.name,
            firm.geo
        );
    }
    // The summary prints the per-country table.
    let table = stdout
        .split("geo probe:")
        .nth(1)
        .unwrap_or_else(|| panic!("no geo table in {stdout}"));
    let row = table
        .lines()
        .find(|l| l.starts_with("Polaris Markets"))
        .unwrap();
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        ["Polaris Markets", "blocked", "open (en)", "open (en)"],
        "{row}"
    );
}
