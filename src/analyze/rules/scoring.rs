//! The scorer's numbers as data (`scoring.toml`): signal weights, the page
//! method's parameters and thresholds, and the firm and geo parameters. Part
//! of the pattern bundle, so it is loaded and checked with the rules; the
//! method that uses the numbers lives in `analyze::score`.

use super::rule::{Rule, RulesError, BUILTIN_PREFIX};
use crate::analyze::lang::LanguageModel;
use crate::model::{Finding, Signal};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Every signal, in catalogue order.
pub const ALL_SIGNALS: [Signal; 26] = [
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
    Signal::NotContent,
    Signal::Addressee,
    Signal::OwnVoice,
    Signal::Editorial,
    Signal::Education,
    Signal::PublicBody,
    Signal::Review,
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
    /// The firm's own voice to its clients (help, account and legal pages)
    /// with at least this much EU evidence, in a crypto context, is
    /// `moderate` even without a call to action: it addresses EU residents
    /// as clients.
    pub own_voice_min_eu_evidence: f64,
    /// Help, account and legal pages rise no higher than `moderate` unless
    /// one of these stands on them (a bonus or referral offer is an
    /// invitation wherever it is written; a deposit how-to is not).
    pub own_voice_strong_requires_any: Vec<Signal>,
    /// An affiliate page with at least this much EU evidence is `moderate`,
    /// and `strong` with a call to action or referral link as well.
    pub affiliate_min_eu_evidence: f64,
    /// A clear EU aim: euro amounts with at least this much `currency`
    /// evidence (a price in €, not a stablecoin's ticker alone), ...
    pub clear_aim_min_currency: f64,
    /// ... a member state, the EU or the EEA named (a `place` finding of a
    /// rule whose id starts with one of these; "Europe" or a city is not
    /// enough), an EU licence with at least `clear_aim_min_regulator`, ...
    pub clear_aim_place_rules: Vec<String>,
    pub clear_aim_min_regulator: f64,
    /// ... or an EU language with at least this much evidence on an EU
    /// locale or domain.
    pub clear_aim_min_language: f64,
    /// Locale rules that name a language, not a market ("de", "/fr/"): on
    /// a page where non-EU markers cancelled shared-language evidence they
    /// do not count as the EU locale above.
    #[serde(default)]
    pub clear_aim_locale_skip: Vec<String>,
    /// Language evidence this heavy (a language spoken almost only in the
    /// EU) is a clear aim on its own, without locale or domain.
    pub clear_aim_language_alone: f64,
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
    pub language_legal_ref: std::sync::Arc<str>,
    pub locale_eu_weight: f64,
    pub locale_non_eu_weight: f64,
    pub locale_legal_ref: std::sync::Arc<str>,
    /// Weight of the page naming the site's own brand in its content
    /// (`builtin.own_voice.brand`): the publisher speaking of itself.
    pub brand_weight: f64,
    /// Brands shorter than this are too ambiguous to look for.
    pub brand_min_chars: usize,
    /// Host labels that are words, not brands (`bitcoin.example`, `news.example`).
    pub brand_generic: Vec<String>,
    /// Product words a site's name may add to the brand ("bitsacard" is
    /// Bitsa's card site): the brand is also found without them.
    #[serde(default)]
    pub brand_suffixes: Vec<String>,
    pub brand_legal_ref: std::sync::Arc<str>,
    /// A page whose readable text is at most this long and that carries
    /// bot-wall or not-content wording is that kind of page; a longer page
    /// that mentions CAPTCHAs or errors is content.
    pub not_content_max_text_chars: usize,
    /// A page with the marks of a script-rendered shell (an empty
    /// application root, a `<noscript>` notice asking for JavaScript) is
    /// one only when its readable text is at most this long: a server-
    /// rendered page with a notice beside its content is content.
    #[serde(default = "default_script_shell_max_text_chars")]
    pub script_shell_max_text_chars: usize,
    /// A page with no other kind whose readable text is at most this long
    /// and that loads at least `script_built_min_external_scripts` scripts
    /// or `script_built_min_inline_bytes` bytes of inline code is probably
    /// written by its scripts: it is rendered in `render = "auto"`. It is
    /// never a page kind, so it is classified as it reads.
    #[serde(default = "default_script_built_max_text_chars")]
    pub script_built_max_text_chars: usize,
    #[serde(default = "default_script_built_min_external_scripts")]
    pub script_built_min_external_scripts: u32,
    #[serde(default = "default_script_built_min_inline_bytes")]
    pub script_built_min_inline_bytes: u64,
}

fn default_script_shell_max_text_chars() -> usize {
    100
}

fn default_script_built_max_text_chars() -> usize {
    200
}

fn default_script_built_min_external_scripts() -> u32 {
    1
}

fn default_script_built_min_inline_bytes() -> u64 {
    4096
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
    pub(crate) rule_languages: HashMap<String, Vec<String>>,
    pub(crate) rule_needs_crypto: HashSet<String>,
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
        for code in crate::analyze::lang::EU_OFFICIAL_LANGUAGES {
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
    pub(crate) fn is_shared_language(&self, rule_id: &str) -> bool {
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

    pub(crate) fn needs_crypto(&self, finding: &Finding) -> bool {
        self.page.needs_crypto.contains(&finding.signal)
            || self.rule_needs_crypto.contains(&*finding.rule_id)
    }
}
