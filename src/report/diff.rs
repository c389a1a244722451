//! What changed between two reports: the nightly question "what is new
//! since last night?".
//!
//! Findings are matched by a fingerprint of *what* was found and *where on
//! the web* (rule, normalised URL, folded matched text), never by position
//! in the page: a banner moving down a page is not news, a new banner is.
//! Matching is by multiset, so the same text twice on one page counts twice.
//! Firms are matched by name.
//!
//! This module is pure: it compares two values and formats the result. It
//! never reads files, never fetches and never re-scores a firm: verdicts are
//! taken from the reports as they are.

use crate::model::diff::{AssessmentChange, ChangedFinding, FirmDiff, ReportDiff};
use crate::model::report::{FirmReport, Report};
use crate::model::text::normalize_whitespace;
use crate::model::{Finding, Level, Verdict};
use std::collections::BTreeMap;

/// Longest snippet quoted in the text rendering, in characters.
const TEXT_SNIPPET_CHARS: usize = 160;

/// Stable fingerprint of a finding: not its position in the page. See
/// [`crate::model::fingerprint`]; it is also what classification stores in
/// `Finding.id`, recomputed here so that reports from other versions match.
pub fn fingerprint(finding: &Finding) -> String {
    crate::model::fingerprint(&finding.rule_id, &finding.url, &finding.matched)
}

pub use crate::model::normalise_url;

/// Compares two reports. `old` is the earlier scan (last night), `new` the later one.
pub fn diff(old: &Report, new: &Report) -> ReportDiff {
    let mut firms = Vec::new();
    for after in &new.firms {
        let before = old.firms.iter().find(|firm| firm.name == after.name);
        firms.push(diff_firm(&after.name, before, Some(after)));
    }
    for before in &old.firms {
        if !new.firms.iter().any(|firm| firm.name == before.name) {
            firms.push(diff_firm(&before.name, Some(before), None));
        }
    }
    ReportDiff {
        old_scan_id: old.scan.id.clone(),
        new_scan_id: new.scan.id.clone(),
        old_started_at: old.scan.started_at.clone(),
        new_started_at: new.scan.started_at.clone(),
        firms,
    }
}

fn diff_firm(name: &str, before: Option<&FirmReport>, after: Option<&FirmReport>) -> FirmDiff {
    let verdict_before = before.map(|firm| firm.verdict.clone());
    let verdict_after = after.map(|firm| firm.verdict.clone());
    let verdict_changed = match (&verdict_before, &verdict_after) {
        (Some(b), Some(a)) => b.level != a.level,
        _ => true,
    };
    let mut old_groups = group_by_fingerprint(before.map_or(&[][..], |f| &f.findings));
    let new_groups = group_by_fingerprint(after.map_or(&[][..], |f| &f.findings));

    let mut firm = FirmDiff {
        name: name.to_string(),
        verdict_before,
        verdict_after,
        verdict_changed,
        new: Vec::new(),
        resolved: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        assessment: None,
        not_rechecked: 0,
    };
    let unassessed =
        |firm: Option<&FirmReport>| firm.is_some_and(|f| f.verdict.level == Level::Unassessed);
    if before.is_some() && after.is_some() {
        if unassessed(after) && !unassessed(before) {
            // Nothing was read this time: the earlier evidence was not
            // re-checked, and is not "resolved".
            firm.assessment = Some(AssessmentChange::BecameUnassessed);
            firm.not_rechecked = before.map_or(0, |f| f.findings.len());
            return firm;
        }
        if unassessed(before) && !unassessed(after) {
            firm.assessment = Some(AssessmentChange::AssessedAgain);
        }
    }
    for (print, after_group) in new_groups {
        let before_group = old_groups.remove(&print).unwrap_or_default();
        let paired = before_group.len().min(after_group.len());
        for (b, a) in before_group.iter().zip(&after_group) {
            let what = differences(b, a);
            if what.is_empty() {
                firm.unchanged += 1;
            } else {
                firm.changed.push(ChangedFinding {
                    fingerprint: print.clone(),
                    before: (*b).clone(),
                    after: (*a).clone(),
                    what,
                });
            }
        }
        firm.new
            .extend(after_group[paired..].iter().map(|f| (*f).clone()));
        firm.resolved
            .extend(before_group[paired..].iter().map(|f| (*f).clone()));
    }
    for (_, before_group) in old_groups {
        firm.resolved.extend(before_group.into_iter().cloned());
    }
    firm
}

/// Findings grouped by fingerprint, each group in page order so that
/// duplicates pair up first with first, second with second.
fn group_by_fingerprint(findings: &[Finding]) -> BTreeMap<String, Vec<&Finding>> {
    let mut groups: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        groups
            .entry(fingerprint(finding))
            .or_default()
            .push(finding);
    }
    for group in groups.values_mut() {
        group.sort_by_key(|f| (f.location.block_index, f.location.char_offset));
    }
    groups
}

fn differences(before: &Finding, after: &Finding) -> Vec<String> {
    let mut what = Vec::new();
    if before.snippet != after.snippet {
        what.push("snippet".to_string());
    }
    // Exact comparison on purpose: weights come from pattern files, not arithmetic.
    if before.weight != after.weight {
        what.push("weight".to_string());
    }
    if before.category != after.category {
        what.push("category".to_string());
    }
    if before.content_sha256 != after.content_sha256 {
        what.push("content_sha256".to_string());
    }
    // `occurrences` is not compared: a page that repeats a phrase more or
    // less often says the same thing, and a changed page shows in its hash.
    what
}

impl ReportDiff {
    /// Nothing changed: no verdict level moved and no finding is new,
    /// resolved or changed.
    pub fn is_empty(&self) -> bool {
        self.firms.iter().all(FirmDiff::is_empty)
    }

    /// For `--fail-on-new LEVEL`: true when some firm has at least one new
    /// finding and its verdict level *after* the scan is at or above `level`.
    /// A firm that only lost findings never trips it.
    pub fn new_at_or_above(&self, level: Level) -> bool {
        self.firms.iter().any(|firm| {
            !firm.new.is_empty()
                && firm
                    .verdict_after
                    .as_ref()
                    .is_some_and(|verdict| verdict.level >= level)
        })
    }

    /// A readable summary for a terminal or an e-mail: per firm, the verdict
    /// change, then `+` new, `-` resolved and `~` changed findings with rule
    /// id, URL and snippet. Page text is hostile, so control characters
    /// (terminal escapes among them) are replaced before printing.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Changes from scan {} ({}) to scan {} ({})\n",
            clean(&self.old_scan_id),
            clean(&self.old_started_at),
            clean(&self.new_scan_id),
            clean(&self.new_started_at),
        ));
        if self.is_empty() {
            out.push_str("No changes.\n");
            return out;
        }
        for firm in &self.firms {
            out.push('\n');
            out.push_str(&format!(
                "{}: {}\n",
                clean(&firm.name),
                verdict_change_text(firm)
            ));
            if firm.is_empty() {
                out.push_str(&format!(
                    "  no changes ({} findings unchanged)\n",
                    firm.unchanged
                ));
                continue;
            }
            for finding in &firm.new {
                out.push_str(&format!("  + {}\n", finding_line(finding)));
            }
            for finding in &firm.resolved {
                out.push_str(&format!("  - {}\n", finding_line(finding)));
            }
            // A re-published page changes the hash of every finding on it;
            // listing each would bury the real changes, so they are counted.
            let (rehashed, changed): (Vec<_>, Vec<_>) = firm
                .changed
                .iter()
                .partition(|c| c.what.iter().all(|w| w == "content_sha256"));
            for change in changed {
                out.push_str(&format!(
                    "  ~ {} [{}]\n",
                    finding_line(&change.after),
                    change.what.join(", ")
                ));
                if change.before.snippet != change.after.snippet {
                    out.push_str(&format!(
                        "      was: \"{}\"\n",
                        short_snippet(&change.before.snippet)
                    ));
                }
                if change.before.weight != change.after.weight {
                    out.push_str(&format!(
                        "      weight {} -> {}\n",
                        change.before.weight, change.after.weight
                    ));
                }
                if change.before.category != change.after.category {
                    out.push_str(&format!(
                        "      category {} -> {}\n",
                        change.before.category.as_str(),
                        change.after.category.as_str()
                    ));
                }
            }
            if !rehashed.is_empty() {
                out.push_str(&format!(
                    "  ~ {} findings unchanged on pages whose content changed\n",
                    rehashed.len()
                ));
            }
            out.push_str(&format!(
                "  {} new, {} resolved, {} changed, {} unchanged\n",
                firm.new.len(),
                firm.resolved.len(),
                firm.changed.len(),
                firm.unchanged
            ));
        }
        out
    }
}

fn verdict_change_text(firm: &FirmDiff) -> String {
    let show = |verdict: &Verdict| format!("{} ({:.1})", verdict.level, verdict.score);
    match (&firm.verdict_before, &firm.verdict_after) {
        (None, Some(after)) => format!("new firm, verdict {}", show(after)),
        (Some(before), None) => format!("no longer in the report (was {})", show(before)),
        (Some(before), Some(after)) if firm.verdict_changed => match firm.assessment {
            Some(AssessmentChange::BecameUnassessed) => format!(
                "verdict {} -> unassessed: nothing of the firm could be read this time; {} earlier finding(s) not re-checked, still in the baseline",
                show(before),
                firm.not_rechecked
            ),
            Some(AssessmentChange::AssessedAgain) => {
                format!("assessed again: verdict unassessed -> {}", show(after))
            }
            None => format!("verdict {} -> {}", show(before), show(after)),
        },
        (_, Some(after)) => format!("verdict unchanged, {}", show(after)),
        (_, None) => "absent from both reports".to_string(),
    }
}

fn finding_line(finding: &Finding) -> String {
    format!(
        "{} {} \"{}\"",
        clean(&finding.rule_id),
        clean(&finding.url),
        short_snippet(&finding.snippet)
    )
}

fn short_snippet(snippet: &str) -> String {
    let cleaned = normalize_whitespace(&clean(snippet));
    if cleaned.chars().count() <= TEXT_SNIPPET_CHARS {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(TEXT_SNIPPET_CHARS).collect();
    cut.push('…');
    cut
}

/// Replaces control characters (ANSI escapes, carriage returns, bidi
/// overrides) so that page text cannot rewrite the reader's terminal.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::report::{ScanInfo, ScanStatus, Tool, NOTICE, SCHEMA_VERSION};
    use crate::model::{BlockKind, Category, Location, Signal, SourceKind};

    fn finding(rule_id: &str, url: &str, matched: &str, snippet: &str) -> Finding {
        Finding {
            id: String::new(),
            rule_id: rule_id.into(),
            category: Category::Website,
            signal: Signal::Cta,
            url: url.into(),
            source_kind: SourceKind::Website,
            language: Some("de".into()),
            weight: 2.0,
            matched: matched.into(),
            snippet: snippet.into(),
            location: Location {
                block_kind: BlockKind::Button,
                block_index: 3,
                path: "body>main>a".into(),
                char_offset: 0,
            },
            occurrences: 1,
            more_locations: Vec::new(),
            fetched_at: "2026-11-27T02:00:00Z".into(),
            content_sha256: "aa".repeat(32).into(),
            legal_ref: "MiCAR Art. 61(1)".into(),
            description: "Call to action in an EU language".into(),
            cures: None,
            warc_file: None,
            warc_record_id: None,
            warc_offset: None,
            revalidated_at: None,
            rendered: false,
            service: None,
            attribution: None,
        }
    }

    fn verdict(level: Level, score: f64) -> Verdict {
        Verdict {
            level,
            score,
            reasons: vec![format!("{level} evidence")],
        }
    }

    fn firm(name: &str, level: Level, findings: Vec<Finding>) -> FirmReport {
        FirmReport {
            name: name.into(),
            slug: name.to_lowercase().replace(' ', "-"),
            home_country: None,
            verdict: verdict(level, 10.0),
            sources: vec![],
            pages: vec![],
            findings,
            errors: vec![],
            outgoing_links: vec![],
            app_store: vec![],
            geo: vec![],
            coverage: Default::default(),
            register: None,
        }
    }

    fn report(id: &str, firms: Vec<FirmReport>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION.into(),
            tool: Tool::default(),
            scan: ScanInfo {
                id: id.into(),
                started_at: format!("2026-11-2{}T02:00:00Z", id.len() % 10),
                finished_at: "2026-11-28T02:10:00Z".into(),
                status: ScanStatus::Complete,
                partial_reasons: vec![],
                config_sha256: "00".into(),
                patterns_sha256: "11".into(),
                user_agent: "ua".into(),
                rendering: None,
            },
            firms,
            errors: vec![],
            watched: Vec::new(),
            notice: NOTICE.into(),
            changes: None,
        }
    }

    fn base_findings() -> Vec<Finding> {
        vec![
            finding(
                "cta.de.register",
                "https://nordlicht.example/de/",
                "Jetzt registrieren",
                "Bitcoin kaufen: Jetzt registrieren und loslegen",
            ),
            finding(
                "payment.sepa",
                "https://nordlicht.example/de/einzahlen",
                "SEPA",
                "Einzahlung per SEPA-Überweisung",
            ),
        ]
    }

    #[test]
    fn a_firm_that_became_unassessed_is_its_own_kind_of_change_and_resolves_nothing() {
        let old = report(
            "night-1",
            vec![firm("Nordlicht", Level::Strong, base_findings())],
        );
        let new = report(
            "night-2",
            vec![firm("Nordlicht", Level::Unassessed, vec![])],
        );
        let d = diff(&old, &new);
        let f = &d.firms[0];
        assert!(f.verdict_changed);
        assert_eq!(f.assessment, Some(AssessmentChange::BecameUnassessed));
        assert!(f.resolved.is_empty(), "unread evidence is not resolved");
        assert_eq!(f.not_rechecked, 2);
        let text = d.render_text();
        assert!(
            text.contains("-> unassessed") && text.contains("2 earlier finding(s) not re-checked"),
            "{text}"
        );

        let back = diff(&new, &old);
        assert_eq!(
            back.firms[0].assessment,
            Some(AssessmentChange::AssessedAgain)
        );
        assert!(
            back.render_text().contains("assessed again"),
            "{}",
            back.render_text()
        );
    }

    #[test]
    fn identical_reports_give_an_empty_diff() {
        let old = report(
            "night-1",
            vec![firm("Nordlicht", Level::Strong, base_findings())],
        );
        let new = report(
            "night-2",
            vec![firm("Nordlicht", Level::Strong, base_findings())],
        );
        let d = diff(&old, &new);
        assert!(d.is_empty());
        assert_eq!(d.firms.len(), 1);
        assert_eq!(d.firms[0].unchanged, 2);
        assert!(!d.new_at_or_above(Level::None));
        assert!(d.render_text().contains("No changes."));
        assert_eq!(d.old_scan_id, "night-1");
        assert_eq!(d.new_scan_id, "night-2");
    }

    #[test]
    fn a_1_2_0_report_reads_with_one_occurrence_per_finding_and_diffs_as_unchanged() {
        let old = report(
            "night-1",
            vec![firm("Nordlicht", Level::Strong, base_findings())],
        );
        let mut json = serde_json::to_value(&old).expect("report serialises");
        json["schema_version"] = "1.2.0".into();
        for finding in json["firms"][0]["findings"]
            .as_array_mut()
            .expect("findings")
        {
            let fields = finding.as_object_mut().expect("a finding is an object");
            assert!(fields.remove("occurrences").is_some());
            fields.remove("more_locations");
        }
        let old: Report = serde_json::from_value(json).expect("a 1.2.0 report reads");
        assert!(old.firms[0].findings.iter().all(|f| f.occurrences == 1));
        let mut findings = base_findings();
        findings[0].occurrences = 3;
        let new = report("night-2", vec![firm("Nordlicht", Level::Strong, findings)]);
        let d = diff(&old, &new);
        assert!(d.is_empty(), "{}", d.render_text());
        assert_eq!(d.firms[0].unchanged, 2);
    }

    #[test]
    fn changed_text_on_one_page_is_one_new_and_one_resolved() {
        let old = report("a", vec![firm("Nordlicht", Level::Strong, base_findings())]);
        let mut findings = base_findings();
        findings[0].matched = "Konto eröffnen".into();
        findings[0].snippet = "Bitcoin kaufen: Konto eröffnen und loslegen".into();
        findings[0].content_sha256 = "bb".repeat(32).into();
        let new = report("b", vec![firm("Nordlicht", Level::Strong, findings)]);
        let d = diff(&old, &new);
        let f = &d.firms[0];
        assert_eq!(f.new.len(), 1);
        assert_eq!(f.resolved.len(), 1);
        assert_eq!(f.new[0].matched, "Konto eröffnen");
        assert_eq!(f.resolved[0].matched, "Jetzt registrieren");
        assert!(f.changed.is_empty());
        assert_eq!(f.unchanged, 1);
        assert!(!d.is_empty());
        let text = d.render_text();
        assert!(text.contains("  + cta.de.register https://nordlicht.example/de/"));
        assert!(text.contains("  - cta.de.register"));
    }

    #[test]
    fn moving_a_finding_within_a_page_is_not_a_change() {
        let old = report("a", vec![firm("N", Level::Strong, base_findings())]);
        let mut findings = base_findings();
        findings[0].location = Location {
            block_kind: BlockKind::Paragraph,
            block_index: 40,
            path: "body>footer>p".into(),
            char_offset: 17,
        };
        findings[0].fetched_at = "2026-11-28T02:00:00Z".into();
        findings[0].id = "something-else".into();
        // Case, diacritics and spacing of the matched text do not matter either.
        findings[0].matched = "JETZT  registrieren".into();
        findings[0].url = "HTTPS://Nordlicht.example:443/de/#signup".into();
        findings.reverse();
        let new = report("b", vec![firm("N", Level::Strong, findings)]);
        let d = diff(&old, &new);
        assert!(d.is_empty(), "{d:#?}");
        assert_eq!(d.firms[0].unchanged, 2);
    }

    #[test]
    fn fingerprint_depends_on_rule_url_and_text_only() {
        let a = finding("r", "https://x.example/a", "Bonus", "a Bonus here");
        assert_eq!(fingerprint(&a).len(), 16);
        assert!(fingerprint(&a).chars().all(|c| c.is_ascii_hexdigit()));
        let mut other_rule = a.clone();
        other_rule.rule_id = "r2".into();
        let mut other_path = a.clone();
        other_path.url = "https://x.example/b".into();
        let mut other_query = a.clone();
        other_query.url = "https://x.example/a?lang=fr".into();
        let mut other_text = a.clone();
        other_text.matched = "Boni".into();
        for changed in [other_rule, other_path, other_query, other_text] {
            assert_ne!(fingerprint(&a), fingerprint(&changed));
        }
        let mut same = a.clone();
        same.snippet = "different context".into();
        same.weight = 9.0;
        same.matched = "bónus".into();
        assert_eq!(fingerprint(&a), fingerprint(&same));
        assert_eq!(normalise_url("not a url "), "not a url");
    }

    #[test]
    fn snippet_weight_category_and_hash_changes_are_reported() {
        let old = report("a", vec![firm("N", Level::Strong, base_findings())]);
        let mut findings = base_findings();
        findings[0].snippet = "Ethereum kaufen: Jetzt registrieren".into();
        findings[0].weight = 3.5;
        findings[1].category = Category::Seo;
        findings[1].content_sha256 = "cc".repeat(32).into();
        let new = report("b", vec![firm("N", Level::Strong, findings)]);
        let d = diff(&old, &new);
        let f = &d.firms[0];
        assert!(f.new.is_empty() && f.resolved.is_empty());
        assert_eq!(f.changed.len(), 2);
        let by_rule = |rule: &str| {
            f.changed
                .iter()
                .find(|c| &*c.after.rule_id == rule)
                .unwrap()
        };
        assert_eq!(by_rule("cta.de.register").what, vec!["snippet", "weight"]);
        assert_eq!(
            by_rule("payment.sepa").what,
            vec!["category", "content_sha256"]
        );
        let cta = by_rule("cta.de.register");
        assert_eq!(cta.fingerprint, fingerprint(&cta.before));
        let text = d.render_text();
        assert!(text.contains("weight 2 -> 3.5"), "{text}");
        assert!(text.contains("category website -> seo"), "{text}");
    }

    #[test]
    fn duplicate_findings_are_counted() {
        let twice = |n: usize| {
            let one = finding("promo.bonus", "https://n.example/", "Bonus", "Bonus!");
            let mut all = base_findings();
            for i in 0..n {
                let mut copy = one.clone();
                copy.location.block_index = 10 + i;
                all.push(copy);
            }
            all
        };
        let old = report("a", vec![firm("N", Level::Strong, twice(2))]);
        let new = report("b", vec![firm("N", Level::Strong, twice(3))]);
        let d = diff(&old, &new);
        assert_eq!(d.firms[0].new.len(), 1);
        assert_eq!(d.firms[0].new[0].location.block_index, 12);
        assert_eq!(d.firms[0].unchanged, 4);

        let back = diff(&new, &old);
        assert_eq!(back.firms[0].resolved.len(), 1);
        assert!(back.firms[0].new.is_empty());
    }

    #[test]
    fn firms_added_and_removed_are_reported() {
        let old = report(
            "a",
            vec![
                firm("Gone", Level::Moderate, base_findings()),
                firm("Stays", Level::Weak, vec![]),
            ],
        );
        let new = report(
            "b",
            vec![
                firm("Stays", Level::Weak, vec![]),
                firm("Arrives", Level::Strong, base_findings()),
            ],
        );
        let d = diff(&old, &new);
        let names: Vec<_> = d.firms.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Stays", "Arrives", "Gone"]);
        let arrives = &d.firms[1];
        assert!(arrives.verdict_before.is_none() && arrives.verdict_changed);
        assert_eq!(arrives.new.len(), 2);
        let gone = &d.firms[2];
        assert!(gone.verdict_after.is_none() && gone.verdict_changed);
        assert_eq!(gone.resolved.len(), 2);
        assert!(d.firms[0].is_empty());
        let text = d.render_text();
        assert!(text.contains("Arrives: new firm, verdict strong"), "{text}");
        assert!(
            text.contains("Gone: no longer in the report (was moderate"),
            "{text}"
        );
    }

    #[test]
    fn verdict_level_change_is_reported_and_score_drift_is_not() {
        let old = report("a", vec![firm("N", Level::Moderate, base_findings())]);
        let mut drift = firm("N", Level::Moderate, base_findings());
        drift.verdict.score = 11.5;
        let d = diff(&old, &report("b", vec![drift]));
        assert!(!d.firms[0].verdict_changed);
        assert!(d.is_empty());

        let d = diff(
            &old,
            &report("b", vec![firm("N", Level::Strong, base_findings())]),
        );
        assert!(d.firms[0].verdict_changed);
        assert!(!d.is_empty());
        assert!(d
            .render_text()
            .contains("verdict moderate (10.0) -> strong (10.0)"));
    }

    #[test]
    fn diff_round_trips_through_json() {
        let old = report("a", vec![firm("N", Level::Weak, vec![])]);
        let mut changed = base_findings();
        changed[1].weight = 1.0;
        changed[0].cures = Some(false);
        let new = report(
            "b",
            vec![
                firm("N", Level::Strong, changed),
                firm("M", Level::None, vec![]),
            ],
        );
        let d = diff(&old, &new);
        let json = serde_json::to_string_pretty(&d).unwrap();
        let back: ReportDiff = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        assert!(json.contains("\"verdict_changed\": true"));
    }

    #[test]
    fn new_at_or_above_looks_at_firms_with_new_findings_only() {
        let old = report(
            "a",
            vec![
                firm("Quiet", Level::Strong, base_findings()),
                firm("Busy", Level::Moderate, vec![]),
            ],
        );
        let new = report(
            "b",
            vec![
                firm("Quiet", Level::Strong, vec![]),
                firm("Busy", Level::Moderate, base_findings()),
            ],
        );
        let d = diff(&old, &new);
        assert!(d.new_at_or_above(Level::None));
        assert!(d.new_at_or_above(Level::Weak));
        assert!(d.new_at_or_above(Level::Moderate));
        // "Quiet" is strong but only lost findings; "Busy" gained some but is moderate.
        assert!(!d.new_at_or_above(Level::Strong));
    }

    #[test]
    fn text_rendering_neutralises_terminal_escapes() {
        let old = report("a", vec![firm("N", Level::Weak, vec![])]);
        let hostile = finding(
            "cta.x",
            "https://n.example/",
            "Buy",
            "Buy \u{1b}[2J\u{1b}]0;pwned\u{7}now\r\n\u{202e}txet",
        );
        let new = report("b", vec![firm("N", Level::Weak, vec![hostile])]);
        let text = diff(&old, &new).render_text();
        assert!(!text
            .chars()
            .any(|c| c == '\u{1b}' || c == '\r' || c == '\u{202e}'));
        assert!(text.contains("Buy [2J ]0;pwned now txet"), "{text}");
    }
}
