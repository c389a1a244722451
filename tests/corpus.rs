//! The classifier and scorer measured on labelled pages.
//!
//! Each labelled page is extracted, classified and scored on its own; the
//! test prints precision and recall per level, for "positive" pages
//! (strong + moderate), and per signal, then fails under floors. The floors
//! are what the tool must achieve to be useful to a supervisor; when a run
//! falls below them, improve the rules or `scoring.toml` — never the floors.
//!
//! `fixtures/corpus/` is the labelled corpus proper; `fixtures/corpus-dev/`
//! is a five-page development set kept as a smoke test of the same code.

use micar_scan::analyze::classify::Classifier;
use micar_scan::analyze::extract::{extract_html, DocMeta};
use micar_scan::analyze::rules::RuleSet;
use micar_scan::analyze::score::signal_from_str;
use micar_scan::{Level, Signal, SourceKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Share of strong+moderate labels found, and of strong+moderate verdicts that are right.
const FLOOR_POSITIVE_PRECISION: f64 = 0.8;
const FLOOR_POSITIVE_RECALL: f64 = 0.8;
/// Share of pages whose level is exactly the label.
const FLOOR_EXACT_LEVEL: f64 = 0.7;
/// Share of pages within one level of the label.
const FLOOR_WITHIN_ONE_LEVEL: f64 = 0.95;
/// Share of (page, expected signal) pairs where the signal fired.
const FLOOR_SIGNAL_RECALL: f64 = 0.8;
/// Share of (page, absent signal) pairs where the signal stayed silent.
const FLOOR_SIGNAL_PRECISION: f64 = 0.9;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    page: Vec<LabelledPage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledPage {
    file: String,
    url: String,
    #[serde(default = "website")]
    source_kind: SourceKind,
    level: Level,
    #[serde(default)]
    signals: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    note: String,
}

fn website() -> SourceKind {
    SourceKind::Website
}

fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

#[derive(Default)]
struct Tally {
    hit: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.hit += usize::from(ok);
    }
    fn ratio(&self) -> Option<f64> {
        (self.total > 0).then(|| self.hit as f64 / self.total as f64)
    }
}

fn show(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "   –".to_string(), |r| format!("{r:.2}"))
}

struct Figures {
    pages: usize,
    positive_precision: Option<f64>,
    positive_recall: Option<f64>,
    exact: f64,
    within_one: f64,
    signal_recall: Option<f64>,
    signal_precision: Option<f64>,
}

fn signal(name: &str, file: &str) -> Signal {
    signal_from_str(name).unwrap_or_else(|| panic!("{file}: unknown signal `{name}` in labels"))
}

/// Classifies every labelled page of `dir`, prints the tables, returns the figures.
fn measure(dir: &Path) -> Figures {
    let labels_path = dir.join("labels.toml");
    let text = std::fs::read_to_string(&labels_path).unwrap();
    let labels: Labels =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", labels_path.display()));
    let rules = Arc::new(RuleSet::bundled().unwrap_or_else(|e| panic!("{e}")));
    let classifier = Classifier::new(rules);

    let levels = [Level::Strong, Level::Moderate, Level::Weak, Level::None];
    let mut confusion: BTreeMap<(Level, Level), usize> = BTreeMap::new();
    let mut recall: BTreeMap<Signal, Tally> = BTreeMap::new();
    let mut precision: BTreeMap<Signal, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for page in &labels.page {
        let html =
            std::fs::read(dir.join(&page.file)).unwrap_or_else(|e| panic!("{}: {e}", page.file));
        let meta = DocMeta {
            url: page.url.clone(),
            final_url: page.url.clone(),
            source_kind: page.source_kind,
            fetched_at: "2025-01-01T00:00:00Z".to_string(),
            content_sha256: hex::encode(Sha256::digest(&html)),
            content_language: None,
        };
        let doc = extract_html(&String::from_utf8_lossy(&html), meta);
        let result = classifier.classify(&doc);
        *confusion.entry((page.level, result.level)).or_default() += 1;
        let fired: BTreeSet<Signal> = result.findings.iter().map(|f| f.signal).collect();
        let mut wrong = Vec::new();
        for name in &page.signals {
            let s = signal(name, &page.file);
            recall.entry(s).or_default().add(fired.contains(&s));
            if !fired.contains(&s) {
                wrong.push(format!("missing {name}"));
            }
        }
        for name in &page.absent {
            let s = signal(name, &page.file);
            precision.entry(s).or_default().add(!fired.contains(&s));
            if fired.contains(&s) {
                let example = result
                    .findings
                    .iter()
                    .find(|f| f.signal == s)
                    .map_or("", |f| f.matched.as_str());
                wrong.push(format!("unexpected {name} (“{example}”)"));
            }
        }
        if page.level != result.level || !wrong.is_empty() {
            misses.push(format!(
                "  {:<40} label {:<8} got {:<8} score {:>5.2}  {}  [{}]",
                page.file,
                page.level.as_str(),
                result.level.as_str(),
                result.score,
                wrong.join(", "),
                page.note
            ));
        }
    }

    let count = |label: Option<Level>, got: Option<Level>| -> usize {
        confusion
            .iter()
            .filter(|((l, g), _)| label.is_none_or(|x| x == *l) && got.is_none_or(|x| x == *g))
            .map(|(_, n)| n)
            .sum()
    };
    let pages = labels.page.len();
    println!(
        "\n== corpus {} ({pages} pages) ==",
        dir.file_name().unwrap_or_default().to_string_lossy()
    );
    println!("level     precision  recall  labelled  predicted");
    for level in levels {
        let right = count(Some(level), Some(level));
        let labelled = count(Some(level), None);
        let predicted = count(None, Some(level));
        let p = (predicted > 0).then(|| right as f64 / predicted as f64);
        let r = (labelled > 0).then(|| right as f64 / labelled as f64);
        println!(
            "{:<9} {:>9}  {:>6}  {labelled:>8}  {predicted:>9}",
            level.as_str(),
            show(p),
            show(r)
        );
    }
    let positive = |l: &Level| *l >= Level::Moderate;
    let tp: usize = confusion
        .iter()
        .filter(|((l, g), _)| positive(l) && positive(g))
        .map(|(_, n)| n)
        .sum();
    let predicted_positive: usize = confusion
        .iter()
        .filter(|((_, g), _)| positive(g))
        .map(|(_, n)| n)
        .sum();
    let labelled_positive: usize = confusion
        .iter()
        .filter(|((l, _), _)| positive(l))
        .map(|(_, n)| n)
        .sum();
    let positive_precision =
        (predicted_positive > 0).then(|| tp as f64 / predicted_positive as f64);
    let positive_recall = (labelled_positive > 0).then(|| tp as f64 / labelled_positive as f64);
    println!(
        "strong+moderate: precision {}  recall {}",
        show(positive_precision),
        show(positive_recall)
    );
    let exact = count(None, None) as f64;
    let exact_right: usize = confusion
        .iter()
        .filter(|((l, g), _)| l == g)
        .map(|(_, n)| n)
        .sum();
    let within: usize = confusion
        .iter()
        .filter(|((l, g), _)| (*l as i32 - *g as i32).abs() <= 1)
        .map(|(_, n)| n)
        .sum();
    let exact_share = exact_right as f64 / exact.max(1.0);
    let within_share = within as f64 / exact.max(1.0);
    println!("exact level {exact_share:.2}  within one level {within_share:.2}");
    println!("signal        recall (n)   absent-precision (n)");
    let signals: BTreeSet<Signal> = recall.keys().chain(precision.keys()).copied().collect();
    let (mut all_recall, mut all_precision) = (Tally::default(), Tally::default());
    for s in signals {
        let r = recall.get(&s);
        let p = precision.get(&s);
        if let Some(r) = r {
            all_recall.hit += r.hit;
            all_recall.total += r.total;
        }
        if let Some(p) = p {
            all_precision.hit += p.hit;
            all_precision.total += p.total;
        }
        println!(
            "{:<12} {:>6} ({:>3})  {:>6} ({:>3})",
            s.as_str(),
            show(r.and_then(Tally::ratio)),
            r.map_or(0, |t| t.total),
            show(p.and_then(Tally::ratio)),
            p.map_or(0, |t| t.total)
        );
    }
    println!(
        "all signals  {:>6} ({:>3})  {:>6} ({:>3})",
        show(all_recall.ratio()),
        all_recall.total,
        show(all_precision.ratio()),
        all_precision.total
    );
    if !misses.is_empty() {
        println!("pages not as labelled:");
        for line in &misses {
            println!("{line}");
        }
    }
    Figures {
        pages,
        positive_precision,
        positive_recall,
        exact: exact_share,
        within_one: within_share,
        signal_recall: all_recall.ratio(),
        signal_precision: all_precision.ratio(),
    }
}

fn assert_floors(figures: &Figures) {
    let mut failures = Vec::new();
    let mut check = |name: &str, value: Option<f64>, floor: f64| {
        if let Some(v) = value {
            if v < floor {
                failures.push(format!("{name} {v:.2} < {floor:.2}"));
            }
        }
    };
    check(
        "strong+moderate precision",
        figures.positive_precision,
        FLOOR_POSITIVE_PRECISION,
    );
    check(
        "strong+moderate recall",
        figures.positive_recall,
        FLOOR_POSITIVE_RECALL,
    );
    check("exact level", Some(figures.exact), FLOOR_EXACT_LEVEL);
    check(
        "within one level",
        Some(figures.within_one),
        FLOOR_WITHIN_ONE_LEVEL,
    );
    check("signal recall", figures.signal_recall, FLOOR_SIGNAL_RECALL);
    check(
        "signal absent-precision",
        figures.signal_precision,
        FLOOR_SIGNAL_PRECISION,
    );
    assert!(figures.pages > 0, "no labelled pages");
    assert!(
        failures.is_empty(),
        "below the floors: {}",
        failures.join("; ")
    );
}

#[test]
fn labelled_corpus_meets_the_floors() {
    let dir = fixtures("corpus");
    if !dir.join("labels.toml").exists() {
        println!("fixtures/corpus/labels.toml is not there yet: nothing to measure");
        return;
    }
    assert_floors(&measure(&dir));
}

#[test]
fn development_corpus_meets_the_floors() {
    assert_floors(&measure(&fixtures("corpus-dev")));
}
