//! The geo probe: what a visitor from each vantage point gets from a firm's
//! entry pages (home, sign-up, a product page), compared with a non-EU
//! control. ESMA counts only a real restriction of EU access as a cure; this
//! module finds out whether there is one, country by country.
//!
//! For every vantage and page it records the status, the final URL, the
//! language served, block-page and bot-wall wording (rules in `patterns/`),
//! calls to action, the sign-up form and its country selector, and how far
//! the main text differs from the control's. It then names one outcome per
//! page and per vantage: `open`, `blocked`, `redirected`, `inconclusive` or
//! `error`.
//!
//! It must never call a CAPTCHA or bot wall blocked or open, never follow a
//! redirect off the firm's site (the target is recorded instead), and never
//! name a proxy: vantages appear by name and country only, so proxy
//! credentials cannot reach the report, the archive or a log line from here.

use crate::analyze::classify::Classifier;
use crate::analyze::extract::{self, DocMeta};
use crate::analyze::rules::geo_data::GeoData;
use crate::config::{FirmConfig, GeoSettings, ScanSettings, Vantage, EU_MEMBER_STATES};
use crate::evidence::warc::RecordRef;
use crate::model::domain::registrable_domain;
use crate::model::geo::{CountrySelector, GeoMatch, GeoOutcome, GeoPage, GeoResult};
use crate::model::report::ErrorEntry;
use crate::model::{BlockKind, Document, Finding, Signal, SourceKind};
use crate::sources::fetch::{FetchError, Fetched, Fetcher};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use url::Url;

/// Main text shorter than this (in words) cannot hide an offer behind a bot
/// wall: such a page is the wall itself.
const WALL_MAX_WORDS: usize = 150;
/// A page whose main text is at least this similar to the control's shows
/// the same content; block wording on it is a disclaimer, not a block.
const SAME_CONTENT_SIMILARITY: f64 = 0.7;
/// Examples kept per list in the report (calls to action, disclaimers).
const MAX_EXAMPLES: usize = 5;

/// The site a URL belongs to: its registrable domain, or the host itself for
/// addresses and single-label names.
fn site_of(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(registrable_domain(host).unwrap_or_else(|| host.to_ascii_lowercase()))
}

/// The pages to probe for `firm`: configured ones first, then the first
/// website's home page, a sign-up page and a product page found by the crawl,
/// then the other websites; at most `max`, on the firm's own sites only, and
/// never one robots.txt kept the crawl from (`disallowed`).
pub fn entry_pages(
    firm: &FirmConfig,
    crawled: &[&str],
    disallowed: &[&str],
    data: &GeoData,
    max: usize,
) -> Vec<(Url, &'static str)> {
    let own_sites: HashSet<String> = firm.websites.iter().filter_map(site_of).collect();
    let on_own_site: Vec<Url> = crawled
        .iter()
        .filter_map(|text| Url::parse(text).ok())
        .filter(|u| site_of(u).is_some_and(|site| own_sites.contains(&site)))
        .collect();
    let find = |words: &[String]| {
        on_own_site
            .iter()
            .find(|u| GeoData::path_has_any(words, u))
            .cloned()
    };
    let mut candidates: Vec<(Url, &'static str)> = Vec::new();
    candidates.extend(firm.geo_pages.iter().map(|u| (u.clone(), "configured")));
    if let Some(home) = firm.websites.first() {
        candidates.push((home.clone(), "home"));
    }
    if let Some(signup) = find(&data.signup_url_words) {
        candidates.push((signup, "signup"));
    }
    if let Some(product) = find(&data.product_url_words) {
        candidates.push((product, "product"));
    }
    candidates.extend(firm.websites.iter().skip(1).map(|u| (u.clone(), "home")));
    let mut seen: HashSet<String> = disallowed
        .iter()
        .map(|u| crate::model::normalise_url(u))
        .collect();
    candidates
        .into_iter()
        .filter(|(u, _)| seen.insert(crate::model::normalise_url(u.as_str())))
        .take(max)
        .collect()
}

// ---- reading one response ------------------------------------------------------

/// What one vantage saw of one page, before it is compared with the control.
struct Observation {
    url: Url,
    role: &'static str,
    fetched_at: String,
    response: Result<Seen, FetchError>,
}

/// A response and what was read from it.
struct Seen {
    status: u16,
    final_url: Url,
    redirects: Vec<Url>,
    fetched_at: String,
    sha256: String,
    record: Option<RecordRef>,
    language: Option<String>,
    findings: Vec<Finding>,
    /// Folded main text, for similarity.
    main_words: Vec<String>,
    signup_form: bool,
    selector: Option<CountrySelector>,
}

impl Seen {
    fn signal(&self, signal: Signal) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.signal == signal)
    }

    fn matches(&self, signal: Signal) -> Vec<GeoMatch> {
        self.signal(signal)
            .map(|f| GeoMatch {
                rule_id: f.rule_id.to_string(),
                matched: f.matched.clone(),
                snippet: f.snippet.clone(),
            })
            .collect()
    }

    fn examples(&self, signal: Signal) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.signal(signal)
            .map(|f| f.matched.clone())
            .filter(|m| seen.insert(crate::model::text::fold_str(m)))
            .take(MAX_EXAMPLES)
            .collect()
    }
}

/// Block kinds that carry a page's own content (not navigation chrome).
fn is_main_text(kind: BlockKind) -> bool {
    matches!(
        kind,
        BlockKind::Title
            | BlockKind::Heading
            | BlockKind::Paragraph
            | BlockKind::ListItem
            | BlockKind::TableCell
            | BlockKind::Button
            | BlockKind::FormLabel
            | BlockKind::FeedItem
    )
}

fn main_words(doc: &Document) -> Vec<String> {
    doc.blocks
        .iter()
        .filter(|b| is_main_text(b.kind))
        .flat_map(|b| {
            crate::model::text::fold_str(&b.text)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Jaccard similarity of word trigrams (single words for very short texts):
/// 1 for the same text, 0 for nothing in common.
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    fn shingles(words: &[String], n: usize) -> HashSet<String> {
        if words.len() < n {
            return words.iter().cloned().collect();
        }
        words.windows(n).map(|w| w.join(" ")).collect()
    }
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let n = if a.len().min(b.len()) >= 3 { 3 } else { 1 };
    let (a, b) = (shingles(a, n), shingles(b, n));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    let shared = a.intersection(&b).count();
    (shared as f64 / union as f64 * 100.0).round() / 100.0
}

/// Registration forms and country selectors, read from the markup itself:
/// the extractor keeps texts, not which field sits in which form.
fn read_forms(html: &scraper::Html, data: &GeoData) -> (bool, Option<CountrySelector>) {
    let selector = |css: &str| scraper::Selector::parse(css).ok();
    let signup_form = selector("form input[type=password], form input[type=email]")
        .is_some_and(|s| html.select(&s).next().is_some());
    let mut best: Option<CountrySelector> = None;
    let (Some(selects), Some(options)) = (selector("select"), selector("option")) else {
        return (signup_form, None);
    };
    for select in html.select(&selects) {
        let element = select.value();
        let field = element
            .attr("name")
            .or_else(|| element.attr("id"))
            .unwrap_or("")
            .to_string();
        let labels = [
            element.attr("name"),
            element.attr("id"),
            element.attr("aria-label"),
            element.attr("autocomplete"),
        ];
        let named_like_country = labels.iter().flatten().any(|label| {
            let folded = crate::model::text::fold_str(label);
            data.selector_words
                .iter()
                .any(|w| folded.contains(w.as_str()))
        });
        let mut codes: BTreeSet<String> = BTreeSet::new();
        for option in select.select(&options) {
            let text: String = option.text().collect();
            if let Some(code) = data.country_of(option.value().attr("value"), &text) {
                codes.insert(code.to_string());
            }
        }
        if codes.is_empty() || !(named_like_country || codes.len() >= data.selector_min_countries) {
            continue;
        }
        let eu: Vec<String> = EU_MEMBER_STATES
            .iter()
            .filter(|c| codes.contains(**c))
            .map(|c| c.to_string())
            .collect();
        let candidate = CountrySelector {
            field,
            countries: codes.len(),
            excludes_eu: eu.is_empty(),
            eu_countries_offered: eu,
        };
        if best
            .as_ref()
            .is_none_or(|b| candidate.countries > b.countries)
        {
            best = Some(candidate);
        }
    }
    (signup_form, best)
}

// ---- the probe -------------------------------------------------------------------

/// Archives a probe's exchange (with the vantage's `Accept-Language`) and
/// says where it went; `None` when the scan keeps no archive.
pub type ArchiveFn<'a> = dyn Fn(&Fetched, Option<&str>) -> Option<RecordRef> + Send + Sync + 'a;

/// One fetcher per vantage and what reads their answers; one per scan.
pub struct GeoProber {
    vantages: Vec<(Vantage, Fetcher)>,
    classifier: Arc<Classifier>,
    max_pages: usize,
}

impl std::fmt::Debug for GeoProber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.vantages.iter().map(|(v, _)| v.name.as_str()).collect();
        f.debug_struct("GeoProber")
            .field("vantages", &names)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl GeoProber {
    /// A prober for `vantages`, or `None` when there are none.
    ///
    /// # Errors
    /// [`FetchError::Client`] when a vantage's client cannot be built (its
    /// proxy cannot be resolved); the message names the vantage, never the
    /// proxy's credentials.
    pub fn new(
        settings: &ScanSettings,
        vantages: &[Vantage],
        geo: &GeoSettings,
        classifier: Arc<Classifier>,
    ) -> Result<Option<GeoProber>, FetchError> {
        if vantages.is_empty() {
            return Ok(None);
        }
        let mut built = Vec::with_capacity(vantages.len());
        for vantage in vantages {
            let fetcher = Fetcher::for_vantage(
                settings,
                vantage.proxy.as_ref(),
                vantage.accept_language.as_deref(),
            )
            .map_err(|e| FetchError::Client(format!("vantage `{}`: {e}", vantage.name)))?;
            built.push((vantage.clone(), fetcher));
        }
        Ok(Some(GeoProber {
            vantages: built,
            classifier,
            max_pages: geo.max_pages,
        }))
    }

    /// Probes `firm`'s entry pages from every vantage. `crawled` are the URLs
    /// the crawl fetched (to find a sign-up and a product page), `disallowed`
    /// those robots.txt kept it from, which the probe leaves alone too. Failures are
    /// outcomes in the result, and also error entries for the firm.
    pub async fn probe_firm(
        &self,
        firm: &FirmConfig,
        crawled: &[&str],
        disallowed: &[&str],
        archive: &ArchiveFn<'_>,
        cancel: &CancellationToken,
    ) -> (Vec<GeoResult>, Vec<ErrorEntry>) {
        let data = self.classifier.rules().geo();
        let pages = entry_pages(firm, crawled, disallowed, data, self.max_pages);
        if pages.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let views = futures_util::future::join_all(
            self.vantages
                .iter()
                .map(|(vantage, fetcher)| self.observe(vantage, fetcher, &pages, archive, cancel)),
        )
        .await;
        let control = self
            .vantages
            .iter()
            .position(|(v, _)| v.control)
            .map(|i| &views[i]);
        let mut errors = Vec::new();
        let results = self
            .vantages
            .iter()
            .zip(&views)
            .map(|((vantage, _), observations)| {
                for observation in observations {
                    if let Err(error) = &observation.response {
                        if !matches!(error, FetchError::RedirectRefused { .. }) {
                            errors.push(ErrorEntry::new(
                                error.url().to_string(),
                                "geo_probe",
                                format!("from vantage `{}`: {error}", vantage.name),
                                observation.fetched_at.clone(),
                            ));
                        }
                    }
                }
                let control = control.filter(|_| !vantage.control);
                judge_vantage(vantage, observations, control.map(Vec::as_slice), data)
            })
            .collect();
        (results, errors)
    }

    /// Fetches every page from one vantage, one after the other (a visitor
    /// does not open three pages at once).
    async fn observe(
        &self,
        vantage: &Vantage,
        fetcher: &Fetcher,
        pages: &[(Url, &'static str)],
        archive: &ArchiveFn<'_>,
        cancel: &CancellationToken,
    ) -> Vec<Observation> {
        let mut out = Vec::with_capacity(pages.len());
        for (url, role) in pages {
            if cancel.is_cancelled() {
                break;
            }
            let start_site = site_of(url);
            let same_site = move |next: &Url| {
                if site_of(next) == start_site {
                    Ok(())
                } else {
                    Err("the probe does not leave the firm's site".to_string())
                }
            };
            let fetched = tokio::select! {
                result = fetcher.fetch(url, &same_site) => result,
                () = cancel.cancelled() => break,
            };
            let response = fetched.map(|fetched| {
                let record = archive(&fetched, vantage.accept_language.as_deref());
                self.read(&fetched, record)
            });
            let fetched_at = match &response {
                Ok(seen) => seen.fetched_at.clone(),
                Err(_) => crate::model::time::now_rfc3339(),
            };
            out.push(Observation {
                url: url.clone(),
                role,
                fetched_at,
                response,
            });
        }
        out
    }

    fn read(&self, fetched: &Fetched, record: Option<RecordRef>) -> Seen {
        let decoded =
            crate::analyze::charset::decode(&fetched.body, fetched.content_type.as_deref());
        let meta = DocMeta {
            url: fetched.url.to_string(),
            final_url: fetched.final_url.to_string(),
            source_kind: SourceKind::Website,
            fetched_at: fetched.fetched_at.clone(),
            content_sha256: fetched.sha256.clone(),
            content_language: fetched.content_language.clone(),
        };
        let html = scraper::Html::parse_document(&decoded.text);
        let mut doc = extract::extract_parsed(&html, meta);
        let (signup_form, selector) = read_forms(&html, self.classifier.rules().geo());
        let classification = self.classifier.classify_in_place(&mut doc);
        Seen {
            status: fetched.status,
            final_url: fetched.final_url.clone(),
            redirects: fetched.redirects.clone(),
            fetched_at: fetched.fetched_at.clone(),
            sha256: fetched.sha256.clone(),
            record,
            language: classification.language.primary.clone(),
            findings: classification.findings,
            main_words: main_words(&doc),
            signup_form,
            selector,
        }
    }
}

/// Names the outcome of one page, given the control's view of it.
fn judge_page(
    observation: &Observation,
    control: Option<&Observation>,
    data: &GeoData,
    fetched_at: String,
) -> GeoPage {
    let mut page = GeoPage {
        url: observation.url.to_string(),
        role: observation.role.to_string(),
        outcome: GeoOutcome::Error,
        status: None,
        final_url: None,
        redirects: Vec::new(),
        language: None,
        block_wording: Vec::new(),
        bot_wall: Vec::new(),
        similarity_to_control: None,
        calls_to_action: Vec::new(),
        disclaimers: Vec::new(),
        signup_form: false,
        country_selector: None,
        fetched_at,
        content_sha256: None,
        warc_file: None,
        warc_record_id: None,
        warc_offset: None,
        note: None,
    };
    let seen = match &observation.response {
        Ok(seen) => seen,
        Err(FetchError::RedirectRefused { target, .. }) => {
            page.outcome = GeoOutcome::Redirected;
            page.final_url = Some(target.clone());
            page.note = Some(format!("redirected off the firm's site to {target}"));
            return page;
        }
        Err(error) => {
            page.note = Some(format!("{}: {error}", error.kind()));
            return page;
        }
    };
    page.status = Some(seen.status);
    page.final_url = Some(seen.final_url.to_string());
    page.redirects = seen.redirects.iter().map(Url::to_string).collect();
    page.language = seen.language.clone();
    page.block_wording = seen.matches(Signal::GeoBlock);
    page.bot_wall = seen.matches(Signal::BotWall);
    page.calls_to_action = seen.examples(Signal::Cta);
    page.disclaimers = seen.examples(Signal::Disclaimer);
    page.signup_form = seen.signup_form;
    page.country_selector = seen.selector.clone();
    page.content_sha256 = Some(seen.sha256.clone());
    (page.warc_file, page.warc_record_id, page.warc_offset) =
        crate::evidence::warc::citation(seen.record.as_ref());
    let control_seen = control.and_then(|c| c.response.as_ref().ok());
    let control_served = control_seen.filter(|c| (200..300).contains(&c.status));
    page.similarity_to_control = control_seen.map(|c| similarity(&seen.main_words, &c.main_words));

    let shows_offer = !page.calls_to_action.is_empty()
        && match (page.similarity_to_control, control_served) {
            (Some(similar), Some(_)) => similar >= SAME_CONTENT_SIMILARITY,
            _ => seen.main_words.len() >= WALL_MAX_WORDS,
        };
    let (outcome, note) = if !page.bot_wall.is_empty()
        && (matches!(seen.status, 403 | 429 | 503) || seen.main_words.len() < WALL_MAX_WORDS)
    {
        (
            GeoOutcome::Inconclusive,
            format!(
                "CAPTCHA or bot wall (“{}”): neither a block nor the offer was seen",
                page.bot_wall[0].matched
            ),
        )
    } else if seen.status == 451 {
        (
            GeoOutcome::Blocked,
            "HTTP 451 Unavailable For Legal Reasons".to_string(),
        )
    } else if !seen.redirects.is_empty()
        && (data.is_restriction_url(&seen.final_url) || !page.block_wording.is_empty())
    {
        (
            GeoOutcome::Redirected,
            format!("redirected to the restriction page {}", seen.final_url),
        )
    } else if seen.status == 403 {
        (GeoOutcome::Blocked, "HTTP 403 Forbidden".to_string())
    } else if !page.block_wording.is_empty() && !shows_offer {
        (
            GeoOutcome::Blocked,
            format!("block page: “{}”", page.block_wording[0].matched),
        )
    } else if !(200..300).contains(&seen.status) {
        (GeoOutcome::Error, format!("HTTP {}", seen.status))
    } else if !page.block_wording.is_empty() {
        (
            GeoOutcome::Open,
            format!(
                "served with the offer; the block wording (“{}”) stands beside it, a disclaimer and not a block",
                page.block_wording[0].matched
            ),
        )
    } else {
        (GeoOutcome::Open, String::new())
    };
    page.outcome = outcome;
    page.note = (!note.is_empty()).then_some(note);
    page
}

/// Names the outcome of one vantage from its pages.
fn judge_vantage(
    vantage: &Vantage,
    observations: &[Observation],
    control: Option<&[Observation]>,
    data: &GeoData,
) -> GeoResult {
    let pages: Vec<GeoPage> = observations
        .iter()
        .map(|observation| {
            let control_view =
                control.and_then(|views| views.iter().find(|c| c.url == observation.url));
            judge_page(
                observation,
                control_view,
                data,
                observation.fetched_at.clone(),
            )
        })
        .collect();
    let count = |outcome: GeoOutcome| pages.iter().filter(|p| p.outcome == outcome).count();
    let outcome = [
        GeoOutcome::Open,
        GeoOutcome::Blocked,
        GeoOutcome::Redirected,
        GeoOutcome::Inconclusive,
    ]
    .into_iter()
    .find(|o| count(*o) > 0)
    .unwrap_or(GeoOutcome::Error);
    let similarities: Vec<f64> = pages
        .iter()
        .filter_map(|p| p.similarity_to_control)
        .collect();
    let similarity_to_control = (!vantage.control && !similarities.is_empty()).then(|| {
        (similarities.iter().sum::<f64>() / similarities.len() as f64 * 100.0).round() / 100.0
    });
    let mut eu_offered: BTreeSet<String> = BTreeSet::new();
    let mut signup_reachable = None;
    for page in pages.iter().filter(|p| p.outcome == GeoOutcome::Open) {
        if let Some(selector) = &page.country_selector {
            eu_offered.extend(selector.eu_countries_offered.iter().cloned());
        }
        if page.signup_form {
            let admits = page.country_selector.as_ref().is_none_or(|s| {
                s.eu_countries_offered.contains(&vantage.country)
                    || !vantage.in_eu() && !s.excludes_eu
            });
            signup_reachable = Some(signup_reachable.unwrap_or(false) || admits);
        }
    }
    let eu_countries_offered: Vec<String> = EU_MEMBER_STATES
        .iter()
        .filter(|c| eu_offered.contains(**c))
        .map(|c| c.to_string())
        .collect();
    let summary = summarise(
        outcome,
        &pages,
        similarity_to_control,
        &eu_countries_offered,
    );
    GeoResult {
        vantage: vantage.name.clone(),
        country: vantage.country.clone(),
        control: vantage.control,
        eu: vantage.in_eu(),
        accept_language: vantage.accept_language.clone(),
        outcome,
        summary,
        similarity_to_control,
        signup_reachable,
        eu_countries_offered,
        pages,
    }
}

fn summarise(
    outcome: GeoOutcome,
    pages: &[GeoPage],
    similarity: Option<f64>,
    eu_offered: &[String],
) -> String {
    let of = |o: GeoOutcome| pages.iter().filter(|p| p.outcome == o).count();
    let first_note = |o: GeoOutcome| {
        pages
            .iter()
            .find(|p| p.outcome == o)
            .and_then(|p| p.note.clone())
            .unwrap_or_default()
    };
    let total = pages.len();
    let mut text = match outcome {
        GeoOutcome::Open => {
            let languages: BTreeSet<&str> = pages
                .iter()
                .filter(|p| p.outcome == GeoOutcome::Open)
                .filter_map(|p| p.language.as_deref())
                .collect();
            let mut text = format!("served {} of {} pages", of(GeoOutcome::Open), total);
            if !languages.is_empty() {
                text.push_str(&format!(
                    " in {}",
                    languages.into_iter().collect::<Vec<_>>().join("/")
                ));
            }
            let restricted = of(GeoOutcome::Blocked) + of(GeoOutcome::Redirected);
            if restricted > 0 {
                text.push_str(&format!(
                    "; {restricted} restricted ({}) — the fence leaks",
                    first_note(if of(GeoOutcome::Blocked) > 0 {
                        GeoOutcome::Blocked
                    } else {
                        GeoOutcome::Redirected
                    })
                ));
            }
            text
        }
        GeoOutcome::Blocked
        | GeoOutcome::Redirected
        | GeoOutcome::Inconclusive
        | GeoOutcome::Error => {
            format!(
                "{} of {} pages: {}",
                of(outcome),
                total,
                first_note(outcome)
            )
        }
    };
    if let Some(similar) = similarity {
        text.push_str(&format!("; similarity to control {similar:.2}"));
    }
    if !eu_offered.is_empty() {
        text.push_str(&format!(
            "; sign-up offers {} EU {}",
            eu_offered.len(),
            if eu_offered.len() == 1 {
                "country"
            } else {
                "countries"
            }
        ));
    }
    text
}

#[cfg(test)]
mod tests;
