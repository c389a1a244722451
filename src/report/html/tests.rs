use super::*;
use crate::model::report::FirmReport;
use crate::model::report::{ScanInfo, Tool, SCHEMA_VERSION};
use crate::model::Category;
use crate::model::Finding;
use crate::model::Level;
use crate::model::Signal;
use crate::model::Verdict;
use crate::model::{BlockKind, Location, SourceKind};
use crate::report::diff::diff;

fn finding(category: Category, language: &str, matched: &str, snippet: &str) -> Finding {
    Finding {
        id: String::new(),
        rule_id: "cta.de.register".into(),
        category,
        signal: Signal::Cta,
        url: "https://nordlicht.example/de/".into(),
        source_kind: SourceKind::Website,
        language: Some(language.into()),
        weight: 2.5,
        matched: matched.into(),
        snippet: snippet.into(),
        location: Location {
            block_kind: BlockKind::Button,
            block_index: 4,
            path: "body>a".into(),
            char_offset: 0,
        },
        occurrences: 1,
        more_locations: Vec::new(),
        fetched_at: "2026-11-28T02:01:00Z".into(),
        content_sha256: "ab".repeat(32).into(),
        legal_ref: "MiCAR Art. 61(1)".into(),
        description: "Call to action".into(),
        cures: None,
        service: None,
        warc_file: None,
        warc_record_id: None,
        warc_offset: None,
        revalidated_at: None,
        rendered: false,
        attribution: None,
    }
}

fn report(findings: Vec<Finding>) -> Report {
    Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool::default(),
        scan: ScanInfo {
            id: "scan-7".into(),
            started_at: "2026-11-28T02:00:00Z".into(),
            finished_at: "2026-11-28T02:09:00Z".into(),
            status: ScanStatus::Complete,
            partial_reasons: vec![],
            config_sha256: "c0".repeat(32),
            patterns_sha256: "p1".repeat(32),
            user_agent: "micar-scan/0.1".into(),
            rendering: None,
        },
        firms: vec![FirmReport {
            name: "Nordlicht <Exchange>".into(),
            slug: "nordlicht".into(),
            home_country: Some("SC".into()),
            verdict: Verdict {
                level: Level::Strong,
                score: 21.0,
                reasons: vec!["German calls to action & SEPA deposits".into()],
            },
            sources: vec![],
            pages: vec![],
            findings,
            errors: vec![],
            outgoing_links: vec![],
            app_store: vec![],
            geo: vec![],
            coverage: Default::default(),
            register: None,
        }],
        errors: vec![],
        watched: Vec::new(),
        notice: NOTICE.into(),
        changes: None,
    }
}

#[test]
fn geo_results_are_a_table_per_vantage_with_escaped_detail() {
    use crate::model::geo::{GeoOutcome, GeoResult};
    let mut report = report(vec![]);
    let result = |vantage: &str, control: bool, outcome: GeoOutcome, summary: &str| GeoResult {
        vantage: vantage.into(),
        country: if control { "SG".into() } else { vantage.into() },
        control,
        eu: !control,
        accept_language: None,
        outcome,
        summary: summary.into(),
        similarity_to_control: (!control).then_some(0.12),
        signup_reachable: Some(!control),
        eu_countries_offered: vec!["DE".into()],
        pages: vec![],
    };
    report.firms[0].geo = vec![
        result(
            "DE",
            false,
            GeoOutcome::Blocked,
            "block page: <script>x</script>",
        ),
        result("control", true, GeoOutcome::Open, "served 3 of 3 pages"),
    ];
    let html = render(&report, None);
    assert!(html.contains("Access by country (geo probe)"));
    assert!(html.contains("<td>DE</td><td><span class=\"geo-blocked\">blocked</span></td><td class=\"num\">0.12</td><td>reachable, 1 EU country offered</td>"), "{html}");
    assert!(html.contains("<td>control (SG)</td>"), "{html}");
    assert!(html.contains("block page: &lt;script&gt;"));
    assert!(!html.contains("<script>x"));
}

#[test]
fn hostile_page_text_is_escaped_everywhere() {
    let mut evil = finding(
        Category::Website,
        "de\"><script>",
        "<script>alert(1)</script>",
        "Jetzt <script>alert(1)</script> & \"kaufen\" <img src=x onerror=alert(2)>",
    );
    evil.rule_id = "<b>rule</b>".into();
    evil.url = "javascript:alert(3)".into();
    evil.description = "</div><script>x</script>".into();
    let html = render(&report(vec![evil]), None);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>rule"));
    assert!(html.contains("<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>"));
    assert!(html.contains("&amp; &quot;kaufen&quot;"));
    assert!(html.contains("Nordlicht &lt;Exchange&gt;"));
    // A non-web URL from a page is text, never a link.
    assert!(!html.contains("href=\"javascript:"));
    assert!(html.contains("<span class=\"url\">javascript:alert(3)</span>"));
}

#[test]
fn matched_text_is_marked_exactly_then_case_insensitively() {
    assert_eq!(
        highlight("Jetzt registrieren und Bonus sichern", "registrieren"),
        "Jetzt <mark>registrieren</mark> und Bonus sichern"
    );
    // First occurrence only.
    assert_eq!(highlight("EUR und EUR", "EUR"), "<mark>EUR</mark> und EUR");
    // Case-insensitive fallback keeps the page's own spelling, also beyond ASCII.
    assert_eq!(
        highlight("ÜBERWEISUNG per SEPA", "überweisung"),
        "<mark>ÜBERWEISUNG</mark> per SEPA"
    );
    assert_eq!(
        highlight("Kaufe jetzt", "JETZT"),
        "Kaufe <mark>jetzt</mark>"
    );
    // Not found or empty: shown unmarked.
    assert_eq!(highlight("a < b", "zzz"), "a &lt; b");
    assert_eq!(highlight("a b", ""), "a b");
}

#[test]
fn charts_count_findings_by_activity_and_language() {
    let html = render(
        &report(vec![
            finding(Category::Website, "de", "a", "a"),
            finding(Category::Website, "fr", "b", "b"),
            finding(Category::Affiliate, "de", "c", "c"),
        ]),
        None,
    );
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("<title>Website advertising: 2</title>"));
    assert!(html.contains("<title>Affiliates and influencers: 1</title>"));
    assert!(html.contains("<title>de · German: 2</title>"));
    assert!(html.contains("<title>fr · French: 1</title>"));
    // Findings are grouped under their activity with its count.
    assert!(html.contains("<h4>Website advertising <span class=\"muted\">· 2 findings</span>"));
}

#[test]
fn header_carries_scan_identity_and_the_notice() {
    let html = render(&report(vec![]), None);
    assert!(html.contains("<code>scan-7</code>"));
    assert!(html.contains(&"c0".repeat(32)));
    assert!(html.contains(&"p1".repeat(32)));
    assert!(html.contains("not a legal conclusion"));
    assert!(html.contains("never cure solicitation"));
    assert!(html.contains("<span class=\"badge badge-strong\">strong</span>"));
    assert!(html.contains("No findings."));
}

#[test]
fn disclaimers_are_shown_as_not_a_cure_and_hashes_shortened() {
    let mut disclaimer = finding(
        Category::Website,
        "en",
        "not available to EU residents",
        "This offer is not available to EU residents.",
    );
    disclaimer.signal = Signal::Disclaimer;
    disclaimer.cures = Some(false);
    let html = render(&report(vec![disclaimer]), None);
    assert!(html.contains("cures: false — recorded, not a cure"));
    let full = "ab".repeat(32);
    assert!(html.contains(&format!("title=\"{full}\">{}…</code>", &full[..12])));
}

#[test]
fn rendering_is_self_contained_and_deterministic() {
    let r = report(vec![finding(Category::Seo, "de", "x", "x")]);
    let html = render(&r, None);
    assert_eq!(html, render(&r, None));
    for forbidden in [
        "<script", "src=", "<link", "@import", "url(", "<iframe", "<img",
    ] {
        assert!(!html.contains(forbidden), "found {forbidden}");
    }
}

#[test]
fn diff_section_lists_new_resolved_and_changed() {
    let before = report(vec![
        finding(Category::Website, "de", "Jetzt kaufen", "Jetzt kaufen!"),
        finding(Category::Website, "de", "SEPA", "per SEPA"),
    ]);
    let mut after_findings = vec![
        finding(Category::Website, "de", "Konto eröffnen", "Konto eröffnen!"),
        finding(Category::Website, "de", "SEPA", "per SEPA-Echtzeit"),
    ];
    after_findings[1].weight = 4.0;
    let after = report(after_findings);
    let changes = diff(&before, &after);
    let html = render(&after, Some(&changes));
    assert!(html.contains("id=\"changes\""));
    assert!(html.contains("+1 new"));
    assert!(html.contains("−1 resolved"));
    assert!(html.contains("~1 changed"));
    assert!(html.contains("<mark>Konto eröffnen</mark>!"));
    assert!(html.contains("<mark>Jetzt kaufen</mark>!"));
    assert!(html.contains("(snippet, weight)"));
    assert!(html.contains("weight 2.5 → 4"));

    let same = diff(&after, &after);
    let html = render(&after, Some(&same));
    assert!(html.contains("<strong>No changes.</strong>"));
    assert!(!render(&after, None).contains("id=\"changes\""));
}

#[test]
fn each_firm_shows_its_coverage() {
    let mut report = report(vec![]);
    report.firms[0].coverage.total.pages_ok = 3;
    report.firms[0].coverage.total.bot_walls = 2;
    let html = render(&report, None);
    assert!(
        html.contains("Coverage:</span> 3 read, 2 met a bot wall"),
        "{html}"
    );
}

#[test]
fn the_register_status_and_its_rows_are_shown_escaped() {
    use crate::model::register::{MatchedOn, RegisterEntry, RegisterMatch, RegisterStatus};
    let mut report = report(vec![]);
    report.firms[0].register = Some(RegisterEntry {
        status: RegisterStatus::NonCompliant,
        as_of: "2026-11-04".into(),
        matches: vec![RegisterMatch {
            file: "NCASP.csv".into(),
            row: 7,
            listing: "non_compliant".into(),
            matched_on: MatchedOn::Domain,
            matched: "nordlicht.example".into(),
            entity: "Nordlicht <Holdings> Ltd".into(),
            authority: Some("Autorité des marchés financiers (AMF)".into()),
            home_state: Some("FR".into()),
            services: vec![],
            host_states: vec![],
            date: Some("2026-10-28".into()),
            reason: None,
        }],
    });
    let html = render(&report, None);
    assert!(html.contains("Register (as of 2026-11-04):</span> <strong>non compliant</strong>"));
    assert!(html.contains("Nordlicht &lt;Holdings&gt; Ltd"));
    assert!(html.contains("NCASP.csv line 7"));
    assert!(html.contains("domain <code>nordlicht.example</code>"));
    assert!(!html.contains("<Holdings>"));
}
