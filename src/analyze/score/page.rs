//! A page's score and level from its findings.

use super::role::{in_site_chrome, RoleCues};
use crate::analyze::rules::scoring::Scoring;
use crate::model::{Finding, Level, PageRole, Signal};
use std::collections::BTreeMap;

/// Repeats of one match beyond this many add nothing a reader would see
/// (at a decay of 0.5 the ninth adds under 0.4 % of the first).
const MAX_COUNTED_REPEATS: u32 = 8;

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
    /// Who speaks on the page.
    pub role: PageRole,
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
        // A finding stands for every repeat of its match on the page; each
        // repeat fades like a repeat of the rule (scoring.toml, step 2).
        let repeats = finding.occurrences.clamp(1, MAX_COUNTED_REPEATS);
        per_rule
            .entry(&finding.rule_id)
            .or_insert_with(|| (finding.signal, Vec::new()))
            .1
            .extend(std::iter::repeat_n(
                finding.weight.max(0.0),
                repeats as usize,
            ));
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
        // A non-EU marker says which market a shared language serves, so it
        // cancels the EU hooks written in that language first (the language
        // itself, places, addressees), and only what is left of it the other
        // shared-language findings (calls to action, services).
        let hooks: f64 = shared
            .iter()
            .filter(|(signal, _)| params.eu_signals.contains(signal))
            .map(|(_, v)| v)
            .sum();
        let on_hooks = offset.min(hooks);
        let on_rest = offset - on_hooks;
        let rest = shared_total - hooks;
        for (signal, value) in by_signal.iter_mut() {
            let written_shared = shared.get(signal).copied().unwrap_or(0.0);
            let fraction = if params.eu_signals.contains(signal) {
                if hooks > 0.0 {
                    on_hooks / hooks
                } else {
                    0.0
                }
            } else if rest > 0.0 {
                on_rest / rest
            } else {
                0.0
            };
            *value = (*value - written_shared * fraction).max(0.0);
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
    let cues = RoleCues::of(findings);
    let role = cues.role();
    let signal = |s: Signal| by_signal.get(&s).copied().unwrap_or(0.0);
    // A clear EU aim (DESIGN §1): euro or EU rails, EU residents addressed,
    // a named member state or EU licence, or an EU language on an EU locale
    // or country site.
    let names_member_state = signal(Signal::Place) > 0.0
        && findings.iter().any(|f| {
            f.signal == Signal::Place
                && params
                    .clear_aim_place_rules
                    .iter()
                    .any(|prefix| f.rule_id.starts_with(prefix.as_str()))
        });
    let aim_beyond_language = signal(Signal::Currency) >= params.clear_aim_min_currency
        || signal(Signal::Payment) > 0.0
        || signal(Signal::Addressee) > 0.0
        || names_member_state
        || signal(Signal::Regulator) >= params.clear_aim_min_regulator;
    // An EU market's locale: an EU-only language's or an EU region's tag
    // or path, not a bare shared-language tag.
    let eu_market_locale = signal(Signal::Locale) > 0.0
        && findings.iter().any(|f| {
            f.signal == Signal::Locale
                && !params
                    .clear_aim_locale_skip
                    .iter()
                    .any(|id| **id == *f.rule_id)
        });
    // A bare shared-language tag ("de", a /fr/ path) is an EU locale too,
    // except where a non-EU marker (USD, CHF, a Swiss town) says which
    // market the language serves there.
    let eu_locale = eu_market_locale || (offset == 0.0 && signal(Signal::Locale) > 0.0);
    let clear_eu_aim = aim_beyond_language
        || signal(Signal::Language) >= params.clear_aim_language_alone
        || (signal(Signal::Language) >= params.clear_aim_min_language
            && (eu_locale || signal(Signal::Domain) > 0.0));
    let evidence_level = if params.level_needs_crypto && !crypto_context {
        Level::None
    } else if score >= params.strong && can_rise && invitation && clear_eu_aim {
        // However loud, an invitation is `strong` only with a clear EU aim
        // (DESIGN §1); without one it is promotion whose aim is thin.
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
    // The firm's own help, account or legal page addresses EU residents
    // with a clear aim, and also where it is served under an EU market's
    // locale whatever language its body is in: terms on a /ro/ path are
    // the Romanian site's terms.
    let addresses_eu = clear_eu_aim || eu_market_locale;
    // Invitations in the page's own content, not in the header, navigation
    // or footer every page of the site carries.
    let in_content = |wanted: &[Signal]| {
        findings
            .iter()
            .any(|f| wanted.contains(&f.signal) && !in_site_chrome(f) && signal(f.signal) > 0.0)
    };
    let invites = in_content(&params.strong_requires_any);
    let promotes = in_content(&params.own_voice_strong_requires_any);
    // On a restriction page the EU, member states and euro thresholds are
    // named as legal base, sanctions authority or excluded places: only EU
    // residents addressed as eligible, or EU rails, address them as clients.
    let restriction_page =
        cues.restriction && signal(Signal::Addressee) == 0.0 && signal(Signal::Payment) == 0.0;
    // The firm speaking to its clients: help, account and legal pages, and
    // pages that only name the firm.
    let own_voice_level = || {
        if restriction_page && !promotes {
            evidence_level.min(Level::Weak)
        } else if promotes && clear_eu_aim {
            // Bonus or referral terms for EU clients: an invitation.
            Level::Strong
        } else if eu_evidence >= params.own_voice_min_eu_evidence
            && if cues.names_itself_only() {
                // A page that only names the firm (an about or asset
                // page) addresses EU residents only with money,
                // rails, a member state or a licence.
                aim_beyond_language
            } else {
                addresses_eu
            }
        {
            let ceiling = if promotes {
                Level::Strong
            } else {
                Level::Moderate
            };
            evidence_level.max(Level::Moderate).min(ceiling)
        } else {
            evidence_level.min(Level::Weak)
        }
    };
    let level = if params.level_needs_crypto && !crypto_context {
        Level::None
    } else {
        match role {
            // A newspaper, a regulator or a law firm solicits no one.
            PageRole::Editorial | PageRole::PublicBody => Level::None,
            // An explainer is the provider's voice only in its own academy;
            // one about referral rewards is a referral page, faint as it is.
            PageRole::Education => {
                let providers_own =
                    cues.provider_speaks() || cues.referral || (cues.academy && !cues.reference);
                if providers_own && eu_evidence >= params.weak_min_eu_evidence {
                    Level::Weak
                } else {
                    Level::None
                }
            }
            // A reviewer explaining how it rates providers promotes none of
            // them there: a faint signal, unless the page also invites.
            PageRole::Affiliate if cues.methodology && cues.offer == 0.0 => {
                if eu_evidence >= params.weak_min_eu_evidence {
                    Level::Weak
                } else {
                    Level::None
                }
            }
            PageRole::Affiliate => {
                if eu_evidence >= params.affiliate_min_eu_evidence {
                    // Recommending a firm to an EU audience (DESIGN §1):
                    // an invitation or referral link and a clear EU aim.
                    if (cues.offer > 0.0 || cues.affiliate > 0.0) && clear_eu_aim {
                        Level::Strong
                    } else {
                        Level::Moderate
                    }
                } else if (cues.offer > 0.0 || cues.affiliate > 0.0) && eu_evidence > 0.0 {
                    // A referral or sign-up push readable in the EU with no
                    // EU aim (English, say) is a faint signal (DESIGN §1).
                    Level::Weak
                } else {
                    evidence_level.min(Level::Weak)
                }
            }
            PageRole::Offer if invites && clear_eu_aim && can_rise => Level::Strong,
            PageRole::Account | PageRole::Legal => own_voice_level(),
            PageRole::Offer if cues.names_itself_only() => own_voice_level().max(evidence_level),
            PageRole::Offer | PageRole::Other => evidence_level,
        }
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
        role,
    }
}

pub(crate) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
