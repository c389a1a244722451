//! A firm's verdict from its pages' evidence and the geo probe's results.
//!
//! The verdict is tallied one page at a time ([`FirmTally`]): a crawl of
//! 100,000 pages never has to hold every page's findings at once to be
//! judged. What a reason quotes (the decisive page, a few examples per
//! signal, the first disclaimer) is kept as the pages go by; nothing else.

use super::page::*;
use crate::analyze::rules::scoring::Scoring;
use crate::model::{Finding, Level, PageLanguage, PageRole, Signal, Verdict};
use std::collections::{BTreeMap, BTreeSet};

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
    geo: &[crate::model::geo::GeoResult],
    scoring: &Scoring,
) -> Verdict {
    let firm_crypto = pages
        .iter()
        .any(|p| p.findings.iter().any(|f| f.signal == Signal::Crypto));
    let mut tally = FirmTally::new(scoring, firm_crypto);
    for page in pages {
        tally.add(page);
    }
    tally.finish(geo)
}

/// Upper bounds of what a reason quotes, so that a tally keeps only these.
const SUMMARY_EXAMPLES: usize = 2;
const NON_EU_EXAMPLES: usize = 3;
const DECISIVE_EXAMPLES: usize = 4;

/// A firm's verdict in the making: fed its pages one at a time, in report
/// order, it gives the same verdict as [`firm_verdict_with_geo`] over all of
/// them, holding only counts and what the reasons quote.
///
/// `firm_crypto` must be known up front (whether any page of the firm shows
/// crypto context): a page's score depends on it.
pub struct FirmTally<'s> {
    scoring: &'s Scoring,
    firm_crypto: bool,
    pages: usize,
    offers_anything: bool,
    /// The tally as it stands if some page offers anything (no page's level
    /// is dropped), and as it stands if none does (pages whose role is not
    /// the firm's voice drop to `none`). Which one holds is known only at
    /// the end.
    if_offer: LevelTally,
    if_no_offer: LevelTally,
    blocked: usize,
    disclaimers: usize,
    first_disclaimer: Option<String>,
    combined: usize,
    offset_pages: usize,
    non_eu_examples: Examples,
    gated: usize,
}

/// What the level and its reasons need from the pages, under one reading
/// of whether the firm offers anything.
#[derive(Default)]
struct LevelTally {
    strong: usize,
    moderate: usize,
    weak: usize,
    weak_soliciting: usize,
    moderate_inviting: usize,
    dropped_without_offer: bool,
    /// The best pages, best first (level, then score; the earlier page on a tie).
    top: Vec<RankedPage>,
    evidential: usize,
    languages: BTreeMap<String, usize>,
    totals: BTreeMap<Signal, f64>,
    examples: BTreeMap<Signal, Examples>,
}

/// A page among the best, with what a reason says of it.
struct RankedPage {
    url: String,
    level: Level,
    score: f64,
    role: PageRole,
    decisive: Examples,
}

/// The first few distinct matched texts (folded for comparison), in order.
#[derive(Default, Clone)]
struct Examples {
    seen: BTreeSet<String>,
    texts: Vec<String>,
}

impl Examples {
    fn offer(&mut self, matched: &str, limit: usize) {
        if self.texts.len() >= limit {
            return;
        }
        if self.seen.insert(crate::model::text::fold_str(matched)) {
            self.texts.push(matched.to_string());
        }
    }

    /// Up to `limit` of them, quoted: “SEPA”, “iDEAL”.
    fn quoted(&self, limit: usize) -> String {
        self.texts
            .iter()
            .take(limit)
            .map(|text| format!("“{}”", shorten(text, 60)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<'s> FirmTally<'s> {
    pub fn new(scoring: &'s Scoring, firm_crypto: bool) -> FirmTally<'s> {
        FirmTally {
            scoring,
            firm_crypto,
            pages: 0,
            offers_anything: false,
            if_offer: LevelTally::default(),
            if_no_offer: LevelTally::default(),
            blocked: 0,
            disclaimers: 0,
            first_disclaimer: None,
            combined: 0,
            offset_pages: 0,
            non_eu_examples: Examples::default(),
            gated: 0,
        }
    }

    /// Counts one page; pages must come in the order the report lists them.
    pub fn add(&mut self, page: &PageEvidence) {
        let scoring = self.scoring;
        let breakdown = page_breakdown(page.findings, scoring, self.firm_crypto);
        self.pages += 1;
        self.offers_anything |= breakdown.solicitation;
        if page.findings.iter().any(|f| f.signal == Signal::GeoBlock) {
            self.blocked += 1;
        }
        for finding in page.findings {
            match finding.signal {
                Signal::Disclaimer => {
                    self.disclaimers += 1;
                    if self.first_disclaimer.is_none() {
                        self.first_disclaimer = Some(finding.matched.clone());
                    }
                }
                Signal::NonEu => self
                    .non_eu_examples
                    .offer(&finding.matched, NON_EU_EXAMPLES),
                _ => {}
            }
        }
        if breakdown.combined {
            self.combined += 1;
        }
        if breakdown.non_eu_offset > 0.0 {
            self.offset_pages += 1;
        }
        self.gated += breakdown.uncounted_without_crypto;
        // Solicitation is a firm promoting its own offer. EU references on
        // pages of a firm that offers nothing anywhere (a law firm's or a
        // newspaper's explainers) are not evidence of it, however many there
        // are — but the firm's own voice (its help, account, legal and
        // product pages, and its own academy) and what affiliates say for it
        // are, offer or not.
        let keeps_level = matches!(
            breakdown.role,
            PageRole::Offer
                | PageRole::Account
                | PageRole::Legal
                | PageRole::Affiliate
                | PageRole::Education
        );
        let top = scoring.firm.top_page_weights.len().max(1);
        self.if_offer
            .add(page, &breakdown, breakdown.level, top, scoring);
        let level = if breakdown.level > Level::None && !keeps_level {
            self.if_no_offer.dropped_without_offer = true;
            Level::None
        } else {
            breakdown.level
        };
        self.if_no_offer.add(page, &breakdown, level, top, scoring);
    }

    /// The verdict, with what the geo probe saw from each vantage point.
    pub fn finish(self, geo: &[crate::model::geo::GeoResult]) -> Verdict {
        let scoring = self.scoring;
        let tally = if self.offers_anything {
            &self.if_offer
        } else {
            &self.if_no_offer
        };
        let firm = &scoring.firm;
        let (strong, moderate, weak) = (tally.strong, tally.moderate, tally.weak);
        // Weak pages add up to a moderate firm only where the firm speaks of
        // its own offer on them: a law firm's many explainers full of EU
        // words do not. Moderate pages add up to a strong firm only where
        // they carry an offer (a call to act, euro prices, EU rails): many
        // help articles for EU clients that offer nothing are still the
        // firm's voice, not a campaign.
        let mut level = if strong > 0
            || (firm.strong_min_moderate_pages > 0
                && tally.moderate_inviting >= firm.strong_min_moderate_pages)
        {
            Level::Strong
        } else if moderate > 0
            || (firm.moderate_min_weak_pages > 0
                && tally.weak_soliciting >= firm.moderate_min_weak_pages)
        {
            Level::Moderate
        } else if weak > 0 {
            Level::Weak
        } else {
            Level::None
        };
        let no_offer = level == Level::None && tally.dropped_without_offer;
        let score = round2(
            tally
                .top
                .iter()
                .zip(&firm.top_page_weights)
                .map(|(page, w)| page.score * w)
                .sum(),
        );

        let mut reasons = Vec::new();
        let blocked = self.blocked;
        let geo_blocked = geo.is_empty()
            && self.pages > 0
            && blocked > 0
            && blocked as f64 / self.pages as f64 >= firm.geo_block_min_share;
        if geo_blocked {
            level = lower_one_step(level);
        }
        let geo_effect = geo_effect(
            geo,
            self.first_disclaimer.as_deref(),
            self.offers_anything,
            scoring,
        );
        if geo_effect.lowers {
            level = lower_one_step(level);
        }
        let score = round2(score + geo_effect.score);
        let best = tally.top.first();
        reasons.push(headline(level, strong, moderate, weak, self.pages, best));
        if no_offer {
            reasons.push(
                "EU references without any offer of the firm's own (no call to action, promotion, payment or price anywhere): explainers and news are not solicitation".to_string(),
            );
        }
        if let Some(summary) = tally.evidence_summary(scoring) {
            reasons.push(summary);
        }
        if let Some(decisive) = decisive_page(best) {
            reasons.push(decisive);
        }
        // What EU visitors actually get weighs more than how the pages read,
        // so it comes straight after the evidence.
        reasons.extend(geo_effect.reasons);
        let combined = self.combined;
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
        if let Some(first) = &self.first_disclaimer {
            reasons.push(format!(
                "{} found (e.g. “{}”) — recorded, not a cure",
                plural(self.disclaimers, "disclaimer", "disclaimers"),
                first
            ));
        }
        if self.offset_pages > 0 {
            reasons.push(format!(
                "non-EU markers ({}) on {} offset evidence written in shared languages there",
                self.non_eu_examples.quoted(NON_EU_EXAMPLES),
                plural(self.offset_pages, "page", "pages")
            ));
        }
        if self.gated > 0 {
            reasons.push(format!(
                "{} without crypto context not counted",
                plural(
                    self.gated,
                    "call to action or promotion",
                    "calls to action or promotions"
                )
            ));
        }
        if blocked > 0 && geo.is_empty() {
            reasons.push(format!(
                "{} of {} showed a block page from this vantage point{}",
                blocked,
                plural(self.pages, "page", "pages"),
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
}

impl LevelTally {
    /// Counts a page at `level` (its own, or `none` where it was dropped).
    fn add(
        &mut self,
        page: &PageEvidence,
        breakdown: &PageBreakdown,
        level: Level,
        top: usize,
        scoring: &Scoring,
    ) {
        match level {
            Level::Strong => self.strong += 1,
            Level::Moderate => {
                self.moderate += 1;
                if breakdown.solicitation {
                    self.moderate_inviting += 1;
                }
            }
            Level::Weak => {
                self.weak += 1;
                if breakdown.solicitation {
                    self.weak_soliciting += 1;
                }
            }
            Level::None | Level::Unassessed => {}
        }
        // The decisive page is the one with the highest level, then the
        // highest score; on a tie the earlier page stays first.
        let position = self
            .top
            .iter()
            .position(|ranked| {
                level
                    .cmp(&ranked.level)
                    .then(breakdown.score.total_cmp(&ranked.score))
                    .is_gt()
            })
            .unwrap_or(self.top.len());
        if position < top {
            self.top.insert(
                position,
                RankedPage {
                    url: page.url.to_string(),
                    level,
                    score: breakdown.score,
                    role: breakdown.role,
                    decisive: decisive_examples(page.findings, scoring),
                },
            );
            self.top.truncate(top);
        }
        if level < Level::Weak {
            return;
        }
        self.evidential += 1;
        if let Some(language) = page.language {
            for code in &language.eu_languages {
                *self.languages.entry(code.clone()).or_default() += 1;
            }
        }
        for (signal, value) in &breakdown.by_signal {
            if *value > 0.0 && !matches!(signal, Signal::Language | Signal::Crypto | Signal::NonEu)
            {
                *self.totals.entry(*signal).or_default() += value;
                let examples = self.examples.entry(*signal).or_default();
                for finding in page.findings.iter().filter(|f| f.signal == *signal) {
                    examples.offer(&finding.matched, SUMMARY_EXAMPLES);
                }
            }
        }
    }

    /// "German-language pages with sign-up calls to action (e.g. “Jetzt
    /// registrieren”), euro amounts (e.g. “100 €”) and EU payment methods
    /// (e.g. “SEPA”) on 14 pages".
    fn evidence_summary(&self, scoring: &Scoring) -> Option<String> {
        if self.evidential == 0 {
            return None;
        }
        let mut language_list: Vec<(&String, &usize)> = self.languages.iter().collect();
        language_list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
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
        let mut ranked: Vec<(Signal, f64)> = self.totals.iter().map(|(s, v)| (*s, *v)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let parts: Vec<String> = ranked
            .iter()
            .take(4)
            .map(|(signal, _)| {
                let found = self
                    .examples
                    .get(signal)
                    .map(|e| e.quoted(SUMMARY_EXAMPLES))
                    .unwrap_or_default();
                format!("{} (e.g. {})", scoring.label(*signal), found)
            })
            .collect();
        let on = plural(self.evidential, "page", "pages");
        Some(if parts.is_empty() {
            format!("{subject} on {on}")
        } else {
            format!("{subject} with {} on {on}", join_and(&parts))
        })
    }
}

/// The words on a page that can carry its level: addressees, what a strong
/// page needs, and EU hooks other than the language.
fn decisive_examples(findings: &[Finding], scoring: &Scoring) -> Examples {
    let params = &scoring.page;
    let mut examples = Examples::default();
    for finding in findings.iter().filter(|f| {
        f.signal == Signal::Addressee
            || params.strong_requires_any.contains(&f.signal)
            || (params.eu_signals.contains(&f.signal) && f.signal != Signal::Language)
    }) {
        examples.offer(&finding.matched, DECISIVE_EXAMPLES);
    }
    examples
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
    geo: &[crate::model::geo::GeoResult],
    disclaimer: Option<&str>,
    offers_anything: bool,
    scoring: &Scoring,
) -> GeoEffect {
    use crate::model::geo::GeoOutcome;
    let mut effect = GeoEffect::default();
    let eu: Vec<&crate::model::geo::GeoResult> =
        geo.iter().filter(|g| g.eu && !g.control).collect();
    if eu.is_empty() {
        return effect;
    }
    let names = |list: &[&crate::model::geo::GeoResult]| {
        list.iter()
            .map(|g| g.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A sign-up that offers no EU country restricts EU clients as surely as a block page.
    let signup_refuses = |g: &crate::model::geo::GeoResult| {
        g.signup_reachable == Some(false)
            && g.pages
                .iter()
                .any(|p| p.country_selector.as_ref().is_some_and(|s| s.excludes_eu))
    };
    let restricted: Vec<&crate::model::geo::GeoResult> = eu
        .iter()
        .copied()
        .filter(|g| {
            g.outcome.is_restriction() || (g.outcome == GeoOutcome::Open && signup_refuses(g))
        })
        .collect();
    let open: Vec<&crate::model::geo::GeoResult> = eu
        .iter()
        .copied()
        .filter(|g| g.outcome == GeoOutcome::Open && !signup_refuses(g))
        .collect();
    let inconclusive: Vec<&crate::model::geo::GeoResult> = eu
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
                disclaimer,
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
    best: Option<&RankedPage>,
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
    if let Some(page) = best {
        text.push_str(&format!(
            "; best page {} (score {:.1})",
            page.url, page.score
        ));
    }
    text
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

/// The page that decided the level, whose voice it is in, and the words
/// that carried it: what a reader checks first.
fn decisive_page(best: Option<&RankedPage>) -> Option<String> {
    let page = best?;
    let whose = match page.role {
        PageRole::Offer => "the firm's offer page",
        PageRole::Account => "the firm's help or account page",
        PageRole::Legal => "the firm's terms or legal page",
        PageRole::Affiliate => "an affiliate, review or referral page",
        PageRole::Editorial => "news or a blog (not the firm's voice)",
        PageRole::Education => "an explainer",
        PageRole::PublicBody => "a public body or law firm (not solicitation)",
        PageRole::Other => "a page",
    };
    let mut text = format!(
        "decided by {} {} ({})",
        whose,
        page.url,
        page.level.as_str()
    );
    if !page.decisive.texts.is_empty() {
        text.push_str(&format!(": {}", page.decisive.quoted(DECISIVE_EXAMPLES)));
    }
    Some(text)
}
