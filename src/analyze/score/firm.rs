//! A firm's verdict from its pages' evidence and the geo probe's results.

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
    let mut scored: Vec<(&PageEvidence, PageBreakdown)> = pages
        .iter()
        .map(|p| (p, page_breakdown(p.findings, scoring, firm_crypto)))
        .collect();
    // Solicitation is a firm promoting its own offer. EU references on pages
    // of a firm that offers nothing anywhere (a law firm's or a newspaper's
    // explainers) are not evidence of it, however many there are — but the
    // firm's own voice (its help, account, legal and product pages, and its
    // own academy) and what affiliates say for it are, offer or not.
    let offers_anything = scored.iter().any(|(_, b)| b.solicitation);
    let keeps_level = |b: &PageBreakdown| {
        offers_anything
            || matches!(
                b.role,
                PageRole::Offer
                    | PageRole::Account
                    | PageRole::Legal
                    | PageRole::Affiliate
                    | PageRole::Education
            )
    };
    let mut dropped_without_offer = false;
    for (_, breakdown) in scored.iter_mut() {
        if breakdown.level > Level::None && !keeps_level(breakdown) {
            breakdown.level = Level::None;
            dropped_without_offer = true;
        }
    }
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
    // Moderate pages add up to a strong firm only where they carry an offer
    // (a call to act, euro prices, EU rails): many help articles for EU
    // clients that offer nothing are still the firm's voice, not a campaign.
    let moderate_inviting = scored
        .iter()
        .filter(|(_, b)| b.level == Level::Moderate && b.solicitation)
        .count();
    let firm = &scoring.firm;
    let mut level = if strong > 0
        || (firm.strong_min_moderate_pages > 0
            && moderate_inviting >= firm.strong_min_moderate_pages)
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
    let no_offer = level == Level::None && dropped_without_offer;
    let mut ranked: Vec<&(&PageEvidence, PageBreakdown)> = scored.iter().collect();
    // The decisive page is the one with the highest level, then the highest score.
    ranked.sort_by(|a, b| {
        b.1.level
            .cmp(&a.1.level)
            .then(b.1.score.total_cmp(&a.1.score))
    });
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
    if let Some(decisive) = decisive_page(ranked.first().copied(), scoring) {
        reasons.push(decisive);
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
    geo: &[crate::model::geo::GeoResult],
    disclaimer: Option<&Finding>,
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
        let key = crate::model::text::fold_str(&finding.matched);
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

/// The page that decided the level, whose voice it is in, and the words
/// that carried it: what a reader checks first.
fn decisive_page(
    best: Option<&(&PageEvidence, PageBreakdown)>,
    scoring: &Scoring,
) -> Option<String> {
    let (page, breakdown) = best?;
    let whose = match breakdown.role {
        PageRole::Offer => "the firm's offer page",
        PageRole::Account => "the firm's help or account page",
        PageRole::Legal => "the firm's terms or legal page",
        PageRole::Affiliate => "an affiliate, review or referral page",
        PageRole::Editorial => "news or a blog (not the firm's voice)",
        PageRole::Education => "an explainer",
        PageRole::PublicBody => "a public body or law firm (not solicitation)",
        PageRole::Other => "a page",
    };
    let params = &scoring.page;
    let decisive: Vec<&Finding> = page
        .findings
        .iter()
        .filter(|f| {
            f.signal == Signal::Addressee
                || params.strong_requires_any.contains(&f.signal)
                || (params.eu_signals.contains(&f.signal) && f.signal != Signal::Language)
        })
        .collect();
    let mut text = format!(
        "decided by {} {} ({})",
        whose,
        page.url,
        breakdown.level.as_str()
    );
    if !decisive.is_empty() {
        text.push_str(&format!(": {}", distinct_examples(&decisive, 4)));
    }
    Some(text)
}
