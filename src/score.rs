//! Weighing findings: page score, page level and the firm verdict.
//!
//! Every number lives in `patterns/scoring.toml` (see the comments there for
//! the method); this module only holds the method, so that tuning is a data
//! change recorded in the bundle's SHA-256. The scorer is pure: findings in,
//! numbers and sentences out. It never lowers a score for a disclaimer —
//! ESMA rejects disclaimers as a cure — and it never states a legal
//! conclusion: a verdict is a strength of evidence.

use crate::lang::LanguageModel;
use crate::model::{Finding, Level, PageLanguage, Signal, Verdict};
use crate::rules::{Rule, RulesError, BUILTIN_PREFIX};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Every signal, in catalogue order.
pub const ALL_SIGNALS: [Signal; 19] = [
    Signal::Language,
    Signal::Locale,
    Signal::Domain,
    Signal::Currency,
    Signal::Payment,
    Signal::Place,
    Signal::Regulator,
    Signal::Cta,
    Signal::Promotion,
    Signal::Affiliate,
    Signal::Sponsorship,
    Signal::Press,
    Signal::Event,
    Signal::Service,
    Signal::Crypto,
    Signal::Disclaimer,
    Signal::GeoBlock,
    Signal::NonEu,
    Signal::BotWall,
];

/// The signal named `name` in pattern and scoring files.
pub fn signal_from_str(name: &str) -> Option<Signal> {
    ALL_SIGNALS.into_iter().find(|s| s.as_str() == name)
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    page: PageParams,
    signals: BTreeMap<String, SignalParams>,
    builtin: BuiltinParams,
    firm: FirmParams,
    #[serde(default)]
    geo: GeoParams,
}

/// How the geo probe weighs in (`[geo]`).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct GeoParams {
    /// Added to the firm score when EU vantages are served the offer.
    pub open_access_weight: f64,
    /// Added when a sign-up form's country selector offers EU countries.
    pub eu_signup_weight: f64,
}

impl Default for GeoParams {
    fn default() -> Self {
        GeoParams {
            open_access_weight: 1.0,
            eu_signup_weight: 1.0,
        }
    }
}

/// Page-level parameters (`[page]`).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub repeat_decay: f64,
    pub default_cap: f64,
    pub weak: f64,
    pub weak_min_eu_evidence: f64,
    pub moderate: f64,
    pub strong: f64,
    pub min_eu_evidence: f64,
    pub eu_signals: Vec<Signal>,
    pub solicitation_signals: Vec<Signal>,
    /// `strong` also needs one of these: an active invitation, not only a
    /// payment method or a help article.
    pub strong_requires_any: Vec<Signal>,
    /// Without crypto context (page or firm) a page has no level: MiCAR is
    /// about crypto-asset services, and a bank's or a bakery's euro prices
    /// are not evidence of crypto solicitation.
    pub level_needs_crypto: bool,
    pub needs_crypto: Vec<Signal>,
    pub shared_languages: Vec<String>,
    pub combination_min_kinds: usize,
    pub kind_min_weight: f64,
    pub combination_multiplier: f64,
}

/// Per-signal parameters (`[signals.<name>]`).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SignalParams {
    pub cap: f64,
    pub label: String,
}

/// Parameters of the classifier's own findings (`[builtin]`).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct BuiltinParams {
    pub language_min_share: f64,
    pub language_default_weight: f64,
    pub language_legal_ref: String,
    pub locale_eu_weight: f64,
    pub locale_non_eu_weight: f64,
    pub locale_legal_ref: String,
}

/// Firm-level parameters (`[firm]`).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct FirmParams {
    pub top_page_weights: Vec<f64>,
    pub strong_min_moderate_pages: usize,
    pub moderate_min_weak_pages: usize,
    pub geo_block_min_share: f64,
}

/// `scoring.toml`, checked, plus facts about the bundle's rules the scorer
/// needs (which rules are written in which languages, which need crypto
/// context) so that findings alone can be scored.
#[derive(Debug, Clone)]
pub struct Scoring {
    pub page: PageParams,
    pub builtin: BuiltinParams,
    pub firm: FirmParams,
    pub geo: GeoParams,
    signals: HashMap<Signal, SignalParams>,
    rule_languages: HashMap<String, Vec<String>>,
    rule_needs_crypto: HashSet<String>,
    language_names: HashMap<String, String>,
}

impl Scoring {
    /// Parses and checks `scoring.toml`.
    ///
    /// # Errors
    /// [`RulesError::Parse`] naming the file and line of a syntax error, an
    /// unknown key, an unknown signal or a number out of range.
    pub fn from_toml(text: &str, file_name: &str) -> Result<Scoring, RulesError> {
        let error = |line: usize, message: String| RulesError::Parse {
            file: file_name.to_string(),
            line,
            message,
        };
        let line_of = |needle: &str| {
            text.find(needle)
                .map_or(1, |at| text[..at].matches('\n').count() + 1)
        };
        let raw: RawScoring = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            error(line, e.message().trim().to_string())
        })?;
        let mut signals = HashMap::new();
        for (name, params) in raw.signals {
            let signal = signal_from_str(&name).ok_or_else(|| {
                error(
                    line_of(&format!("[signals.{name}]")),
                    format!("unknown signal `{name}`"),
                )
            })?;
            if !(params.cap.is_finite() && params.cap >= 0.0) {
                return Err(error(
                    line_of(&format!("[signals.{name}]")),
                    format!("signals.{name}.cap must be >= 0"),
                ));
            }
            signals.insert(signal, params);
        }
        let page = raw.page;
        let checks = [
            (
                page.repeat_decay > 0.0 && page.repeat_decay <= 1.0,
                "repeat_decay",
                "page.repeat_decay must be in (0, 1]",
            ),
            (
                0.0 < page.weak && page.weak <= page.moderate && page.moderate <= page.strong,
                "weak",
                "page thresholds must satisfy 0 < weak <= moderate <= strong",
            ),
            (
                page.default_cap >= 0.0
                    && page.min_eu_evidence >= 0.0
                    && page.kind_min_weight >= 0.0,
                "default_cap",
                "page caps and minimums must be >= 0",
            ),
            (
                page.combination_multiplier >= 1.0,
                "combination_multiplier",
                "page.combination_multiplier must be >= 1 (co-occurring hooks never weaken)",
            ),
            (
                !raw.firm.top_page_weights.is_empty()
                    && raw.firm.top_page_weights.iter().all(|w| *w >= 0.0),
                "top_page_weights",
                "firm.top_page_weights must be a non-empty list of numbers >= 0",
            ),
            (
                (0.0..=1.0).contains(&raw.firm.geo_block_min_share),
                "geo_block_min_share",
                "firm.geo_block_min_share must be in [0, 1]",
            ),
            (
                raw.geo.open_access_weight >= 0.0 && raw.geo.eu_signup_weight >= 0.0,
                "open_access_weight",
                "geo weights must be >= 0",
            ),
        ];
        for (ok, key, message) in checks {
            if !ok {
                return Err(error(line_of(key), message.to_string()));
            }
        }
        Ok(Scoring {
            page,
            builtin: raw.builtin,
            firm: raw.firm,
            geo: raw.geo,
            signals,
            rule_languages: HashMap::new(),
            rule_needs_crypto: HashSet::new(),
            language_names: HashMap::new(),
        })
    }

    /// Records the facts about `rules` and languages the scorer needs.
    pub(crate) fn derive_from(&mut self, rules: &[Rule], languages: &LanguageModel) {
        for rule in rules {
            if !rule.languages.is_empty() {
                self.rule_languages
                    .insert(rule.id.clone(), rule.languages.clone());
            }
            if rule.requires.contains(&Signal::Crypto) {
                self.rule_needs_crypto.insert(rule.id.clone());
            }
        }
        for code in crate::lang::EU_OFFICIAL_LANGUAGES {
            if let Some(info) = languages.info(code) {
                if !info.name.is_empty() {
                    self.language_names
                        .insert(code.to_string(), info.name.clone());
                }
            }
        }
    }

    /// The cap on a signal's page total.
    pub fn cap(&self, signal: Signal) -> f64 {
        self.signals
            .get(&signal)
            .map_or(self.page.default_cap, |p| p.cap)
    }

    /// The words reasons use for a signal.
    pub fn label(&self, signal: Signal) -> String {
        self.signals
            .get(&signal)
            .map_or_else(|| signal.as_str().replace('_', " "), |p| p.label.clone())
    }

    /// A language's English name, or its code.
    pub fn language_name(&self, code: &str) -> String {
        self.language_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// Whether a finding's evidence rests on a language shared with big
    /// non-EU markets, so that a `non_eu` finding may cancel it.
    fn is_shared_language(&self, rule_id: &str) -> bool {
        let builtin_language = rule_id
            .strip_prefix(BUILTIN_PREFIX)
            .and_then(|rest| rest.strip_prefix("language."));
        let languages: &[String] = match builtin_language {
            Some(code) => {
                return self.page.shared_languages.iter().any(|l| l == code);
            }
            None => self
                .rule_languages
                .get(rule_id)
                .map_or(&[], |v| v.as_slice()),
        };
        !languages.is_empty()
            && languages
                .iter()
                .all(|l| self.page.shared_languages.contains(l))
    }

    fn needs_crypto(&self, finding: &Finding) -> bool {
        self.page.needs_crypto.contains(&finding.signal)
            || self.rule_needs_crypto.contains(&finding.rule_id)
    }
}

/// How a page's score came about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageBreakdown {
    pub score: f64,
    pub level: Level,
    /// Each signal's contribution after repeats, caps and non-EU offsets.
    pub by_signal: BTreeMap<Signal, f64>,
    /// The part of the score that comes from EU-hook signals.
    pub eu_evidence: f64,
    /// Distinct EU-hook signals bringing at least `kind_min_weight`.
    pub eu_kinds: Vec<Signal>,
    /// Shared-language evidence cancelled by non-EU markers.
    pub non_eu_offset: f64,
    /// Whether the co-occurrence multiplier applied.
    pub combined: bool,
    /// Whether the page carries an offer of the firm's own (CTA, promotion, service, ...).
    pub solicitation: bool,
    pub crypto_context: bool,
    /// Findings not counted for lack of crypto context.
    pub uncounted_without_crypto: usize,
}

/// A page's score from its findings alone (crypto context from the page).
pub fn page_score(findings: &[Finding], scoring: &Scoring) -> f64 {
    page_breakdown(findings, scoring, false).score
}

/// A page's level from its findings alone (crypto context from the page).
pub fn page_level(findings: &[Finding], scoring: &Scoring) -> Level {
    page_breakdown(findings, scoring, false).level
}

/// Scores a page; `firm_crypto` supplies crypto context found elsewhere in
/// the firm's pages.
pub fn page_breakdown(findings: &[Finding], scoring: &Scoring, firm_crypto: bool) -> PageBreakdown {
    let params = &scoring.page;
    let crypto_context = firm_crypto || findings.iter().any(|f| f.signal == Signal::Crypto);
    let mut per_rule: BTreeMap<&str, (Signal, Vec<f64>)> = BTreeMap::new();
    let mut uncounted = 0;
    for finding in findings {
        if !crypto_context && scoring.needs_crypto(finding) {
            uncounted += 1;
            continue;
        }
        per_rule
            .entry(&finding.rule_id)
            .or_insert_with(|| (finding.signal, Vec::new()))
            .1
            .push(finding.weight.max(0.0));
    }
    let mut raw: BTreeMap<Signal, f64> = BTreeMap::new();
    let mut raw_shared: BTreeMap<Signal, f64> = BTreeMap::new();
    for (rule_id, (signal, mut weights)) in per_rule {
        weights.sort_by(|a, b| b.total_cmp(a));
        let mut factor = 1.0;
        let mut contribution = 0.0;
        for weight in weights {
            contribution += weight * factor;
            factor *= params.repeat_decay;
        }
        *raw.entry(signal).or_default() += contribution;
        if signal != Signal::NonEu && scoring.is_shared_language(rule_id) {
            *raw_shared.entry(signal).or_default() += contribution;
        }
    }
    let mut by_signal: BTreeMap<Signal, f64> = BTreeMap::new();
    let mut shared: BTreeMap<Signal, f64> = BTreeMap::new();
    for (signal, total) in raw {
        let capped = total.min(scoring.cap(signal));
        let scale = if total > 0.0 { capped / total } else { 0.0 };
        by_signal.insert(signal, capped);
        shared.insert(
            signal,
            raw_shared.get(&signal).copied().unwrap_or(0.0) * scale,
        );
    }
    let non_eu = by_signal.get(&Signal::NonEu).copied().unwrap_or(0.0);
    let shared_total: f64 = shared.values().sum();
    let offset = non_eu.min(shared_total);
    if offset > 0.0 {
        let fraction = offset / shared_total;
        for (signal, value) in by_signal.iter_mut() {
            *value -= shared.get(signal).copied().unwrap_or(0.0) * fraction;
            *value = value.max(0.0);
        }
    }
    let eu_evidence: f64 = params
        .eu_signals
        .iter()
        .filter_map(|s| by_signal.get(s))
        .sum();
    let eu_kinds: Vec<Signal> = params
        .eu_signals
        .iter()
        .copied()
        .filter(|s| {
            by_signal
                .get(s)
                .is_some_and(|v| *v >= params.kind_min_weight)
        })
        .collect();
    let total: f64 = by_signal
        .iter()
        .filter(|(s, _)| **s != Signal::NonEu)
        .map(|(_, v)| v)
        .sum();
    let combined =
        params.combination_min_kinds > 0 && eu_kinds.len() >= params.combination_min_kinds;
    let score = round2(if combined {
        total * params.combination_multiplier
    } else {
        total
    });
    let solicitation = params
        .solicitation_signals
        .iter()
        .any(|s| by_signal.get(s).is_some_and(|v| *v > 0.0));
    let can_rise = solicitation && eu_evidence >= params.min_eu_evidence;
    let invitation = params
        .strong_requires_any
        .iter()
        .any(|s| by_signal.get(s).is_some_and(|v| *v > 0.0));
    let level = if params.level_needs_crypto && !crypto_context {
        Level::None
    } else if score >= params.strong && can_rise && invitation {
        Level::Strong
    } else if score >= params.moderate && can_rise {
        Level::Moderate
    } else if score >= params.weak
        && eu_evidence > 0.0
        && eu_evidence >= params.weak_min_eu_evidence
    {
        Level::Weak
    } else {
        Level::None
    };
    PageBreakdown {
        score,
        level,
        by_signal,
        eu_evidence: round2(eu_evidence),
        eu_kinds,
        non_eu_offset: round2(offset),
        combined,
        solicitation,
        crypto_context,
        uncounted_without_crypto: uncounted,
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// One page's findings as the firm verdict sees them.
#[derive(Debug, Clone, Copy)]
pub struct PageEvidence<'a> {
    pub url: &'a str,
    pub findings: &'a [Finding],
    pub language: Option<&'a PageLanguage>,
}

/// The firm's verdict from all its pages, with reasons a person can read.
pub fn firm_verdict(pages: &[PageEvidence], scoring: &Scoring) -> Verdict {
    firm_verdict_with_geo(pages, &[], scoring)
}

/// The firm's verdict from its pages and what the geo probe saw from each
/// vantage point. With probe results, they alone decide whether EU access
/// is restricted: block pages met by the crawl itself (from wherever the
/// scanner runs) no longer lower the level.
pub fn firm_verdict_with_geo(
    pages: &[PageEvidence],
    geo: &[crate::geo::GeoResult],
    scoring: &Scoring,
) -> Verdict {
    let firm_crypto = pages
        .iter()
        .any(|p| p.findings.iter().any(|f| f.signal == Signal::Crypto));
    let scored: Vec<(&PageEvidence, PageBreakdown)> = pages
        .iter()
        .map(|p| (p, page_breakdown(p.findings, scoring, firm_crypto)))
        .collect();
    let count = |level: Level| scored.iter().filter(|(_, b)| b.level == level).count();
    let (strong, moderate, weak) = (
        count(Level::Strong),
        count(Level::Moderate),
        count(Level::Weak),
    );
    // Weak pages add up to a moderate firm only where the firm speaks of its
    // own offer on them: a law firm's many explainers full of EU words do not.
    let weak_soliciting = scored
        .iter()
        .filter(|(_, b)| b.level == Level::Weak && b.solicitation)
        .count();
    let firm = &scoring.firm;
    let mut level = if strong > 0
        || (firm.strong_min_moderate_pages > 0 && moderate >= firm.strong_min_moderate_pages)
    {
        Level::Strong
    } else if moderate > 0
        || (firm.moderate_min_weak_pages > 0 && weak_soliciting >= firm.moderate_min_weak_pages)
    {
        Level::Moderate
    } else if weak > 0 {
        Level::Weak
    } else {
        Level::None
    };
    // Solicitation is a firm promoting its own offer. EU references on pages
    // that offer nothing anywhere (a law firm's or a newspaper's explainers)
    // are not evidence of it, however many there are.
    let offers_anything = scored.iter().any(|(_, b)| b.solicitation);
    let no_offer = level > Level::None && !offers_anything;
    if no_offer {
        level = Level::None;
    }
    let mut ranked: Vec<&(&PageEvidence, PageBreakdown)> = scored.iter().collect();
    ranked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    let score = round2(
        ranked
            .iter()
            .zip(&firm.top_page_weights)
            .map(|((_, b), w)| b.score * w)
            .sum(),
    );

    let mut reasons = Vec::new();
    let blocked = scored
        .iter()
        .filter(|(p, _)| p.findings.iter().any(|f| f.signal == Signal::GeoBlock))
        .count();
    let geo_blocked = geo.is_empty()
        && !pages.is_empty()
        && blocked > 0
        && blocked as f64 / pages.len() as f64 >= firm.geo_block_min_share;
    if geo_blocked {
        level = lower_one_step(level);
    }
    let disclaimers: Vec<&Finding> = all_findings(pages, Signal::Disclaimer);
    let geo_effect = geo_effect(geo, disclaimers.first().copied(), offers_anything, scoring);
    if geo_effect.lowers {
        level = lower_one_step(level);
    }
    let score = round2(score + geo_effect.score);
    reasons.push(headline(
        level,
        strong,
        moderate,
        weak,
        pages.len(),
        ranked.first().copied(),
    ));
    if no_offer {
        reasons.push(
            "EU references without any offer of the firm's own (no call to action, promotion, payment or price anywhere): explainers and news are not solicitation".to_string(),
        );
    }
    if let Some(summary) = evidence_summary(&scored, scoring) {
        reasons.push(summary);
    }
    // What EU visitors actually get weighs more than how the pages read, so
    // it comes straight after the evidence.
    reasons.extend(geo_effect.reasons);
    let combined = scored.iter().filter(|(_, b)| b.combined).count();
    // Without an offer of the firm's own, combined hooks prove nothing
    // either; saying "strong evidence" next to a `none` verdict misleads.
    if combined > 0 && !no_offer {
        reasons.push(format!(
            "{} combine{} {} or more distinct kinds of EU hook — several weak hooks together are strong evidence (CJEU Pammer/Alpenhof)",
            plural(combined, "page", "pages"),
            if combined == 1 { "s" } else { "" },
            scoring.page.combination_min_kinds
        ));
    }
    if let Some(first) = disclaimers.first() {
        reasons.push(format!(
            "{} found (e.g. “{}”) — recorded, not a cure",
            plural(disclaimers.len(), "disclaimer", "disclaimers"),
            first.matched
        ));
    }
    let offset_pages = scored.iter().filter(|(_, b)| b.non_eu_offset > 0.0).count();
    if offset_pages > 0 {
        let examples = distinct_examples(&all_findings(pages, Signal::NonEu), 3);
        reasons.push(format!(
            "non-EU markers ({}) on {} offset evidence written in shared languages there",
            examples,
            plural(offset_pages, "page", "pages")
        ));
    }
    let gated: usize = scored.iter().map(|(_, b)| b.uncounted_without_crypto).sum();
    if gated > 0 {
        reasons.push(format!(
            "{} without crypto context not counted",
            plural(
                gated,
                "call to action or promotion",
                "calls to action or promotions"
            )
        ));
    }
    if blocked > 0 && geo.is_empty() {
        reasons.push(format!(
            "{} of {} showed a block page from this vantage point{}",
            blocked,
            plural(pages.len(), "page", "pages"),
            if geo_blocked {
                " — level lowered one step"
            } else {
                " — too few to lower the level"
            }
        ));
    }
    Verdict {
        level,
        score,
        reasons,
    }
}

fn lower_one_step(level: Level) -> Level {
    match level {
        Level::Strong => Level::Moderate,
        Level::Moderate => Level::Weak,
        _ => Level::None,
    }
}

/// What the geo probe does to a firm's verdict.
#[derive(Debug, Default)]
struct GeoEffect {
    lowers: bool,
    score: f64,
    reasons: Vec<String>,
}

/// Reads the probe per ESMA: only a restriction that holds from every EU
/// vantage while the control is served lowers the verdict; open access is
/// infrastructure evidence; a disclaimer beside open access is no cure.
fn geo_effect(
    geo: &[crate::geo::GeoResult],
    disclaimer: Option<&Finding>,
    offers_anything: bool,
    scoring: &Scoring,
) -> GeoEffect {
    use crate::geo::GeoOutcome;
    let mut effect = GeoEffect::default();
    let eu: Vec<&crate::geo::GeoResult> = geo.iter().filter(|g| g.eu && !g.control).collect();
    if eu.is_empty() {
        return effect;
    }
    let names = |list: &[&crate::geo::GeoResult]| {
        list.iter()
            .map(|g| g.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A sign-up that offers no EU country restricts EU clients as surely as a block page.
    let signup_refuses = |g: &crate::geo::GeoResult| {
        g.signup_reachable == Some(false)
            && g.pages
                .iter()
                .any(|p| p.country_selector.as_ref().is_some_and(|s| s.excludes_eu))
    };
    let restricted: Vec<&crate::geo::GeoResult> = eu
        .iter()
        .copied()
        .filter(|g| {
            g.outcome.is_restriction() || (g.outcome == GeoOutcome::Open && signup_refuses(g))
        })
        .collect();
    let open: Vec<&crate::geo::GeoResult> = eu
        .iter()
        .copied()
        .filter(|g| g.outcome == GeoOutcome::Open && !signup_refuses(g))
        .collect();
    let inconclusive: Vec<&crate::geo::GeoResult> = eu
        .iter()
        .copied()
        .filter(|g| matches!(g.outcome, GeoOutcome::Inconclusive | GeoOutcome::Error))
        .collect();
    let control = geo.iter().find(|g| g.control);
    let control_served = control.is_some_and(|c| c.outcome == GeoOutcome::Open);

    if !open.is_empty() && !offers_anything {
        // Reaching a firm's explainers from the EU solicits no one.
        effect.reasons.push(format!(
            "reachable from {}, but no offer of the firm's own was found to reach EU visitors",
            names(&open)
        ));
    } else if !open.is_empty() {
        effect.score += scoring.geo.open_access_weight;
        let similar: Vec<f64> = open
            .iter()
            .filter_map(|g| g.similarity_to_control)
            .collect();
        let similarity = if similar.is_empty() {
            String::new()
        } else {
            format!(
                ", {:.2} similar to the control",
                similar.iter().sum::<f64>() / similar.len() as f64
            )
        };
        effect.reasons.push(format!(
            "EU access open from {}{} — infrastructure evidence: EU visitors reach the offer",
            names(&open),
            similarity
        ));
        if !restricted.is_empty() {
            effect.reasons.push(format!(
                "the geo-fence leaks: restricted from {} but open from {}",
                names(&restricted),
                names(&open)
            ));
        }
        if let Some(disclaimer) = disclaimer {
            effect.reasons.push(format!(
                "the disclaimer (“{}”) stands beside open access from {}: a disclaimer is not a cure, only a real block is",
                disclaimer.matched,
                names(&open)
            ));
        }
    } else if restricted.len() == eu.len() {
        let how: Vec<String> = restricted
            .iter()
            .map(|g| {
                let what = if g.outcome.is_restriction() {
                    g.outcome.as_str()
                } else {
                    "sign-up offers no EU country"
                };
                format!("{}: {what}", names(&[g]))
            })
            .collect();
        if control_served {
            effect.lowers = true;
            effect.reasons.push(format!(
                "EU access restricted from every EU vantage ({}) while the non-EU control ({}) is served: a real geo-block — level lowered one step",
                how.join("; "),
                control
                    .map(|c| if c.vantage.eq_ignore_ascii_case("control") {
                        c.country.clone()
                    } else {
                        names(&[c])
                    })
                    .unwrap_or_default()
            ));
        } else {
            effect.reasons.push(format!(
                "EU access restricted from every EU vantage ({}), but the non-EU control was not served, so a geo-block cannot be told from a site that refuses everyone — level not lowered",
                how.join("; ")
            ));
        }
    }
    if !inconclusive.is_empty() {
        effect.reasons.push(format!(
            "geo probe inconclusive from {} (bot wall or errors): neither blocked nor open",
            names(&inconclusive)
        ));
    }
    let offered: std::collections::BTreeSet<&str> = eu
        .iter()
        .chain(control.iter())
        .flat_map(|g| g.eu_countries_offered.iter().map(String::as_str))
        .collect();
    if !offered.is_empty() {
        effect.score += scoring.geo.eu_signup_weight;
        let list: Vec<&str> = offered.iter().copied().take(8).collect();
        effect.reasons.push(format!(
            "the sign-up form offers {} EU {} ({}{}) — evidence of accepting EU clients",
            offered.len(),
            if offered.len() == 1 {
                "country"
            } else {
                "countries"
            },
            list.join(", "),
            if offered.len() > list.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    effect
}

fn headline(
    level: Level,
    strong: usize,
    moderate: usize,
    weak: usize,
    total: usize,
    best: Option<&(&PageEvidence, PageBreakdown)>,
) -> String {
    if level == Level::None && strong + moderate + weak == 0 {
        return format!(
            "no evidence of EU targeting on {}",
            plural(total, "page", "pages")
        );
    }
    let mut text = format!(
        "{}: {} strong, {} moderate and {} weak of {}",
        if level == Level::None {
            "No evidence of EU targeting by an offer of the firm's own".to_string()
        } else {
            format!("{} evidence of EU targeting", capitalise(level.as_str()))
        },
        strong,
        moderate,
        weak,
        plural(total, "page", "pages")
    );
    if let Some((page, breakdown)) = best {
        text.push_str(&format!(
            "; best page {} (score {:.1})",
            page.url, breakdown.score
        ));
    }
    text
}

/// "German-language pages with sign-up calls to action (e.g. “Jetzt
/// registrieren”), euro amounts (e.g. “100 €”) and EU payment methods (e.g.
/// “SEPA”) on 14 pages".
fn evidence_summary(
    scored: &[(&PageEvidence, PageBreakdown)],
    scoring: &Scoring,
) -> Option<String> {
    let evidential: Vec<&(&PageEvidence, PageBreakdown)> = scored
        .iter()
        .filter(|(_, b)| b.level >= Level::Weak)
        .collect();
    if evidential.is_empty() {
        return None;
    }
    let mut languages: BTreeMap<String, usize> = BTreeMap::new();
    let mut totals: BTreeMap<Signal, f64> = BTreeMap::new();
    let mut examples: BTreeMap<Signal, Vec<&Finding>> = BTreeMap::new();
    for (page, breakdown) in &evidential {
        if let Some(language) = page.language {
            for code in &language.eu_languages {
                *languages.entry(code.clone()).or_default() += 1;
            }
        }
        for (signal, value) in &breakdown.by_signal {
            if *value > 0.0 && !matches!(signal, Signal::Language | Signal::Crypto | Signal::NonEu)
            {
                *totals.entry(*signal).or_default() += value;
                examples
                    .entry(*signal)
                    .or_default()
                    .extend(page.findings.iter().filter(|f| f.signal == *signal));
            }
        }
    }
    let mut language_list: Vec<(String, usize)> = languages.into_iter().collect();
    language_list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let names: Vec<String> = language_list
        .iter()
        .take(3)
        .map(|(code, _)| scoring.language_name(code))
        .collect();
    let subject = if names.is_empty() {
        "Pages".to_string()
    } else {
        format!("{}-language pages", join_and(&names))
    };
    let mut ranked: Vec<(Signal, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let parts: Vec<String> = ranked
        .iter()
        .take(4)
        .map(|(signal, _)| {
            let found = examples.get(signal).map(Vec::as_slice).unwrap_or(&[]);
            format!(
                "{} (e.g. {})",
                scoring.label(*signal),
                distinct_examples(found, 2)
            )
        })
        .collect();
    let on = plural(evidential.len(), "page", "pages");
    Some(if parts.is_empty() {
        format!("{subject} on {on}")
    } else {
        format!("{subject} with {} on {on}", join_and(&parts))
    })
}

fn all_findings<'a>(pages: &[PageEvidence<'a>], signal: Signal) -> Vec<&'a Finding> {
    pages
        .iter()
        .flat_map(|p| p.findings.iter().filter(move |f| f.signal == signal))
        .collect()
}

/// Up to `limit` distinct matched texts, quoted: “SEPA”, “iDEAL”.
fn distinct_examples(findings: &[&Finding], limit: usize) -> String {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for finding in findings {
        let key = crate::text::fold_str(&finding.matched);
        if seen.insert(key) {
            out.push(format!("“{}”", shorten(&finding.matched, 60)));
            if out.len() == limit {
                break;
            }
        }
    }
    out.join(", ")
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{}…", cut.trim_end())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BlockKind, Category, Location, SourceKind};

    fn scoring() -> Scoring {
        let mut scoring =
            Scoring::from_toml(include_str!("../patterns/scoring.toml"), "scoring.toml").unwrap();
        scoring
            .rule_languages
            .insert("cta.es".into(), vec!["es".into()]);
        scoring.rule_needs_crypto.insert("promo.bonus".into());
        scoring
    }

    fn finding(rule_id: &str, signal: Signal, weight: f64, matched: &str) -> Finding {
        Finding {
            id: format!("{rule_id}-{matched}"),
            rule_id: rule_id.into(),
            category: Category::Website,
            signal,
            url: "https://x.example/".into(),
            source_kind: SourceKind::Website,
            language: None,
            weight,
            matched: matched.into(),
            snippet: matched.into(),
            location: Location {
                block_kind: BlockKind::Paragraph,
                block_index: 0,
                path: String::new(),
                char_offset: 0,
            },
            fetched_at: String::new(),
            content_sha256: String::new(),
            legal_ref: String::new(),
            description: String::new(),
            cures: (signal == Signal::Disclaimer).then_some(false),
            service: None,
            warc_file: None,
            warc_record_id: None,
            warc_offset: None,
            revalidated_at: None,
            attribution: None,
        }
    }

    #[test]
    fn forty_euro_signs_are_capped() {
        let s = scoring();
        let many: Vec<Finding> = (0..40)
            .map(|i| finding("currency.eur", Signal::Currency, 2.0, &format!("€ {i}")))
            .collect();
        let b = page_breakdown(&many, &s, true);
        assert!(b.score <= s.cap(Signal::Currency) + 1e-9, "{b:?}");
        assert!(b.level < Level::Moderate);
    }

    #[test]
    fn repeats_of_one_rule_fade() {
        let s = scoring();
        let two = [
            finding("place.de", Signal::Place, 1.0, "Deutschland"),
            finding("place.de", Signal::Place, 1.0, "deutschen"),
        ];
        assert!((page_score(&two, &s) - (1.0 + s.page.repeat_decay)).abs() < 1e-9);
    }

    #[test]
    fn distinct_hooks_combine_and_cta_needs_crypto() {
        let s = scoring();
        let mut page = vec![
            finding("builtin.language.de", Signal::Language, 1.5, "Deutsch"),
            finding("currency.eur", Signal::Currency, 2.0, "100 €"),
            finding("payment.sepa", Signal::Payment, 2.5, "SEPA"),
            finding("cta.de", Signal::Cta, 2.5, "Jetzt registrieren"),
        ];
        let without_crypto = page_breakdown(&page, &s, false);
        assert_eq!(without_crypto.uncounted_without_crypto, 1);
        assert!(without_crypto.combined);
        page.push(finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"));
        let with_crypto = page_breakdown(&page, &s, false);
        assert!(with_crypto.score > without_crypto.score);
        assert_eq!(with_crypto.level, Level::Strong, "{with_crypto:?}");
    }

    #[test]
    fn cta_and_promotion_alone_make_no_verdict() {
        let s = scoring();
        let page = [
            finding("cta.en", Signal::Cta, 2.5, "Sign up"),
            finding("promo.bonus", Signal::Promotion, 2.0, "Welcome bonus"),
            finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
        ];
        assert_eq!(page_level(&page, &s), Level::None);
    }

    #[test]
    fn explainer_without_an_offer_stays_weak() {
        let s = scoring();
        let page = [
            finding("regulator.mica", Signal::Regulator, 1.5, "MiCA"),
            finding("place.eea", Signal::Place, 1.5, "EEA"),
            finding("place.eu", Signal::Place, 1.5, "European Union"),
            finding("builtin.language.en", Signal::Language, 0.5, "English"),
            finding("crypto.assets", Signal::Crypto, 0.5, "crypto-assets"),
            finding(
                "disclaimer.rs",
                Signal::Disclaimer,
                1.0,
                "reverse solicitation",
            ),
        ];
        assert!(page_level(&page, &s) <= Level::Weak);
    }

    #[test]
    fn a_firm_that_offers_nothing_anywhere_is_not_soliciting() {
        let s = scoring();
        let explainer = [
            finding("regulator.mica", Signal::Regulator, 1.5, "MiCA"),
            finding("place.eea", Signal::Place, 1.5, "EEA"),
            finding("place.eu", Signal::Place, 1.5, "European Union"),
            finding("place.nl", Signal::Place, 1.5, "Netherlands"),
            finding("builtin.language.nl", Signal::Language, 2.0, "Nederlands"),
            finding("crypto.assets", Signal::Crypto, 0.5, "crypto-assets"),
        ];
        let pages: Vec<PageEvidence> = (0..8)
            .map(|_| PageEvidence {
                url: "https://law.example/insights/",
                findings: &explainer,
                language: None,
            })
            .collect();
        let verdict = firm_verdict(&pages, &s);
        assert_eq!(verdict.level, Level::None, "{verdict:#?}");
        assert!(verdict
            .reasons
            .iter()
            .any(|r| r.contains("not solicitation")));
        // Combined hooks are not called strong evidence next to a `none` verdict.
        assert!(
            !verdict
                .reasons
                .iter()
                .any(|r| r.contains("distinct kinds of EU hook")),
            "{verdict:#?}"
        );

        // The same pages plus one that invites visitors to open an account do count.
        let mut offer = explainer.to_vec();
        offer.push(finding(
            "cta.signup.nl.button",
            Signal::Cta,
            2.5,
            "Open een rekening",
        ));
        let mut with_offer = pages.clone();
        with_offer.push(PageEvidence {
            url: "https://law.example/open/",
            findings: &offer,
            language: None,
        });
        assert!(firm_verdict(&with_offer, &s).level > Level::None);
    }

    #[test]
    fn non_eu_markers_cancel_shared_language_evidence_only() {
        let s = scoring();
        let spanish = [
            finding("builtin.language.es", Signal::Language, 1.5, "español"),
            finding("cta.es", Signal::Cta, 2.5, "Regístrate"),
            finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
        ];
        let mut mexican = spanish.to_vec();
        mexican.push(finding("non_eu.spei", Signal::NonEu, 3.0, "SPEI"));
        let a = page_breakdown(&spanish, &s, false);
        let b = page_breakdown(&mexican, &s, false);
        assert!(b.score < a.score && b.non_eu_offset > 0.0, "{a:?} {b:?}");
        let mut sepa = mexican.clone();
        sepa.push(finding("payment.sepa", Signal::Payment, 2.5, "SEPA"));
        let c = page_breakdown(&sepa, &s, false);
        assert!((c.by_signal[&Signal::Payment] - 2.5).abs() < 1e-9);
    }

    #[test]
    fn disclaimers_never_lower_the_score() {
        let s = scoring();
        let page = vec![
            finding("currency.eur", Signal::Currency, 2.0, "100 €"),
            finding("payment.sepa", Signal::Payment, 2.5, "SEPA"),
        ];
        let mut with = page.clone();
        with.push(finding(
            "disclaimer.eu",
            Signal::Disclaimer,
            3.0,
            "not available to EU residents",
        ));
        assert!(page_score(&with, &s) >= page_score(&page, &s));
        let verdict = firm_verdict(
            &[PageEvidence {
                url: "https://x.example/",
                findings: &with,
                language: None,
            }],
            &s,
        );
        assert!(
            verdict
                .reasons
                .iter()
                .any(|r| r.contains("1 disclaimer found") && r.contains("not a cure")),
            "{:?}",
            verdict.reasons
        );
    }

    #[test]
    fn firm_is_strong_with_several_moderate_pages_and_reads_well() {
        let s = scoring();
        let page = vec![
            finding("currency.eur", Signal::Currency, 2.0, "100 €"),
            finding("payment.sepa", Signal::Payment, 2.0, "SEPA"),
            finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
        ];
        assert_eq!(page_level(&page, &s), Level::Moderate);
        let language = PageLanguage {
            eu_languages: vec!["de".into()],
            ..PageLanguage::default()
        };
        let pages: Vec<PageEvidence> = (0..3)
            .map(|_| PageEvidence {
                url: "https://x.example/de/",
                findings: &page,
                language: Some(&language),
            })
            .collect();
        let verdict = firm_verdict(&pages, &s);
        assert_eq!(verdict.level, Level::Strong);
        assert!(
            verdict.reasons[1].starts_with("de-language pages with"),
            "{:?}",
            verdict.reasons
        );
        assert!(
            verdict.reasons[1].contains("“SEPA”") && verdict.reasons[1].ends_with("on 3 pages")
        );
        assert_eq!(firm_verdict(&pages[..1], &s).level, Level::Moderate);
    }

    #[test]
    fn firm_crypto_context_counts_across_pages() {
        let s = scoring();
        let offer = [
            finding("cta.de", Signal::Cta, 2.5, "Jetzt registrieren"),
            finding("currency.eur", Signal::Currency, 2.0, "100 €"),
            finding("place.de", Signal::Place, 1.5, "Deutschland"),
        ];
        let context = [finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin")];
        let alone = firm_verdict(
            &[PageEvidence {
                url: "a",
                findings: &offer,
                language: None,
            }],
            &s,
        );
        let together = firm_verdict(
            &[
                PageEvidence {
                    url: "a",
                    findings: &offer,
                    language: None,
                },
                PageEvidence {
                    url: "b",
                    findings: &context,
                    language: None,
                },
            ],
            &s,
        );
        assert!(together.score > alone.score, "{alone:?} {together:?}");
    }

    #[test]
    fn pages_without_crypto_context_have_no_level() {
        let s = scoring();
        let bank = [
            finding("builtin.language.de", Signal::Language, 1.5, "Deutsch"),
            finding("currency.eur", Signal::Currency, 2.0, "150 €"),
            finding("payment.sepa", Signal::Payment, 2.5, "SEPA"),
            finding("cta.de", Signal::Cta, 2.5, "Jetzt eröffnen"),
        ];
        assert_eq!(page_breakdown(&bank, &s, false).level, Level::None);
        // The same page of a firm that speaks of crypto elsewhere does count.
        assert!(page_breakdown(&bank, &s, true).level >= Level::Moderate);
    }

    #[test]
    fn strong_needs_an_active_invitation() {
        let s = scoring();
        let mut help = vec![
            finding("builtin.language.pl", Signal::Language, 1.5, "polski"),
            finding("locale.pl", Signal::Locale, 1.0, "pl-PL"),
            finding("currency.pln", Signal::Currency, 3.0, "100 zł"),
            finding("payment.blik", Signal::Payment, 3.0, "BLIK"),
            finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
        ];
        let b = page_breakdown(&help, &s, false);
        assert!(b.score >= s.page.strong, "{b:?}");
        assert_eq!(b.level, Level::Moderate);
        help.push(finding("cta.pl", Signal::Cta, 2.5, "Zarejestruj się"));
        assert_eq!(page_level(&help, &s), Level::Strong);
    }

    #[test]
    fn block_pages_on_most_pages_lower_the_firm_one_step() {
        let s = scoring();
        let offer = vec![
            finding("currency.eur", Signal::Currency, 2.0, "100 €"),
            finding("payment.sepa", Signal::Payment, 2.0, "SEPA"),
            finding("crypto.btc", Signal::Crypto, 0.5, "Bitcoin"),
        ];
        let block = vec![finding(
            "geo_block.en",
            Signal::GeoBlock,
            1.0,
            "not available in your country",
        )];
        let page = |findings| PageEvidence {
            url: "u",
            findings,
            language: None,
        };
        let open = firm_verdict(&[page(&offer)], &s);
        let blocked = firm_verdict(&[page(&offer), page(&block), page(&block)], &s);
        assert_eq!(open.level, Level::Moderate);
        assert_eq!(blocked.level, Level::Weak, "{:?}", blocked.reasons);
        assert!(blocked
            .reasons
            .iter()
            .any(|r| r.contains("lowered one step")));
    }

    #[test]
    fn bad_scoring_files_name_the_line() {
        let text = include_str!("../patterns/scoring.toml")
            .replace("repeat_decay = 0.5", "repeat_decay = 0.5\nbogus = 1");
        let error = Scoring::from_toml(&text, "scoring.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("scoring.toml:") && error.contains("bogus"),
            "{error}"
        );
        let text =
            include_str!("../patterns/scoring.toml").replace("[signals.event]", "[signals.events]");
        let error = Scoring::from_toml(&text, "scoring.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown signal `events`"), "{error}");
    }
}
