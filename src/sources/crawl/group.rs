//! One group of entry points (websites, affiliates, feeds, social profiles):
//! robots.txt and sitemaps, the frontier, and the loop that runs visit tasks
//! and feeds their links back into the frontier, a round at a time (see
//! `round`), so that what is admitted never depends on response order.

use super::crawler::Crawler;
use super::crawler::MAX_OUTGOING_LINKS;
use super::output::*;
use super::round::{HeldLink, Round};
use super::seeds::*;
use super::visit::*;
use crate::evidence::conditional::{self, FirmBaseline};
use crate::model::report::{ErrorEntry, OutgoingLink, SourceReport};
use crate::model::time::now_rfc3339;
use crate::model::SourceKind;
use crate::sources::frontier::{
    Admission, Frontier, FrontierSettings, Prospect, QueuedUrl, ScopeRules, UrlNormalizer,
};
use crate::sources::robots::RobotsDecision;
use crate::sources::sitemap;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use url::Url;

impl Crawler {
    pub(crate) async fn crawl_group(
        &self,
        group: SeedGroup,
        baseline: Option<Arc<FirmBaseline>>,
        cancel: &CancellationToken,
        out: &mut FirmCrawl,
        outgoing_seen: &mut HashSet<String>,
    ) {
        let SeedGroup {
            kind,
            max_depth,
            seeds,
            category,
            readings,
            names,
        } = group;
        let owned_scope = || {
            let mut scope = ScopeRules::new();
            for seed in &seeds {
                scope.add_owned(seed);
            }
            scope
        };
        let scope = owned_scope();
        // Visit tasks check redirect hops against the same scope the frontier uses.
        let context = Arc::new(GroupContext {
            kind,
            category,
            readings,
            scope: owned_scope(),
            baseline,
        });
        let mut frontier_settings = FrontierSettings::from_settings(&self.shared.settings);
        frontier_settings.max_depth = max_depth;
        let mut frontier = Frontier::new(
            frontier_settings,
            UrlNormalizer::new(&self.shared.settings.strip_query_params),
            scope,
        );

        // Pages and errors belong to the seed they were fetched for, else to the
        // first seed of their site.
        let mut source_by_url: HashMap<String, usize> = HashMap::new();
        let mut source_by_site: HashMap<String, usize> = HashMap::new();
        for seed in &seeds {
            source_by_url.insert(seed.to_string(), out.sources.len());
            source_by_site
                .entry(site_of(seed))
                .or_insert(out.sources.len());
            out.sources.push(SourceReport {
                url: seed.to_string(),
                kind,
                pages_fetched: 0,
                errors: 0,
                pages_revalidated: 0,
                name: names.get(seed.as_str()).cloned(),
            });
        }
        let source_of = |url: &str| {
            source_by_url.get(url).copied().or_else(|| {
                let site = Url::parse(url).map(|u| site_of(&u)).unwrap_or_default();
                source_by_site.get(&site).copied()
            })
        };
        let attribute = |url: &str, out: &mut FirmCrawl, page: bool| {
            if let Some(i) = source_of(url) {
                if page {
                    out.sources[i].pages_fetched += 1;
                } else {
                    out.sources[i].errors += 1;
                }
            }
        };

        for seed in &seeds {
            self.offer(&mut frontier, seed, 0, None, out);
        }
        if self.shared.settings.sitemaps && kind == SourceKind::Website {
            for seed in &seeds {
                if cancel.is_cancelled() {
                    break;
                }
                let before = out.errors.len();
                self.read_sitemaps(seed, &context.scope, &mut frontier, out)
                    .await;
                for i in before..out.errors.len() {
                    let url = out.errors[i].url.clone();
                    attribute(&url, out, false);
                }
            }
        }

        let mut in_flight = FuturesUnordered::new();
        let mut round = Round::default();
        // Enough tasks to keep the global semaphore busy; the fetcher enforces the real cap.
        let max_tasks = self.shared.settings.concurrency.max(1) * 2;
        loop {
            while in_flight.len() < max_tasks && !cancel.is_cancelled() {
                let Some(item) = frontier.pop() else { break };
                self.shared
                    .counters
                    .queued
                    .store(frontier.pending() as u64, Ordering::Relaxed);
                let order = item.order;
                let task = self.visit_task(item, Arc::clone(&context));
                in_flight.push(OrderedVisit { order, task });
            }
            if in_flight.is_empty() {
                if cancel.is_cancelled() || round.is_empty() {
                    break;
                }
                // The round is over: its links go to the frontier in the
                // order of the pages they were found on.
                for link in round.close() {
                    let admission = self.offer(
                        &mut frontier,
                        &link.url,
                        link.depth(),
                        Some(&link.from),
                        out,
                    );
                    if admission == Admission::OutOfScope
                        && matches!(link.url.scheme(), "http" | "https")
                        && out.outgoing_links.len() < MAX_OUTGOING_LINKS
                        && outgoing_seen.insert(link.url.to_string())
                    {
                        out.outgoing_links.push(OutgoingLink {
                            url: link.url.to_string(),
                            from: link.from.to_string(),
                            rel: link.rel,
                        });
                    }
                }
                continue;
            }
            let next = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                next = in_flight.next() => next,
            };
            let Some((order, joined)) = next else {
                break;
            };
            let visit = match joined {
                Ok(visit) => visit,
                Err(join_error) => {
                    tracing::error!("a visit task failed: {join_error}");
                    continue;
                }
            };
            match visit {
                Visit::Page {
                    pages,
                    links,
                    errors,
                } => {
                    let Some(page) = pages.first().map(|p| p.page.clone()) else {
                        continue;
                    };
                    self.shared.counters.count_page(&page.url);
                    attribute(&page.url, out, true);
                    if page.revalidated.is_some() {
                        self.shared
                            .counters
                            .revalidated
                            .fetch_add(1, Ordering::Relaxed);
                        if let Some(i) = source_of(&page.url) {
                            out.sources[i].pages_revalidated += 1;
                        }
                    }
                    if let Ok(final_url) = Url::parse(&page.final_url) {
                        frontier.mark_seen(&final_url);
                    }
                    for error in errors {
                        self.shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                        attribute(&error.url, out, false);
                        out.errors.push(error);
                    }
                    let outgoing_full = out.outgoing_links.len() >= MAX_OUTGOING_LINKS;
                    let outgoing_wanted =
                        |url: &Url| !outgoing_full && !outgoing_seen.contains(url.as_str());
                    hold_links(&frontier, &mut round, &page, order, links, &outgoing_wanted);
                    out.pages.extend(pages);
                }
                Visit::Skipped(entry) | Visit::Failed(entry) => {
                    self.shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                    attribute(&entry.url, out, false);
                    out.errors.push(entry);
                }
            }
        }
        if cancel.is_cancelled() {
            for visit in in_flight.iter() {
                visit.task.abort();
            }
            let pending = frontier.pending() + in_flight.len() + round.len();
            out.partial_reasons
                .push(format!("interrupted with {pending} URLs not yet fetched"));
        }
        if frontier.budget_exhausted() {
            out.partial_reasons.push(format!(
                "page budget of {} per site reached",
                self.shared.settings.max_pages_per_site
            ));
        }
    }

    /// Offers a URL to the frontier and records refusals worth reporting.
    pub(crate) fn offer(
        &self,
        frontier: &mut Frontier,
        url: &Url,
        depth: u32,
        referrer: Option<&Url>,
        out: &mut FirmCrawl,
    ) -> Admission {
        let admission = frontier.offer(url, depth, referrer);
        match &admission {
            Admission::Trap(reason) => out.errors.push(ErrorEntry::new(
                url.to_string(),
                "crawler_trap",
                format!("not followed: {}", reason.describe()),
                now_rfc3339(),
            )),
            Admission::OverBudget => {
                // Recorded once per scan as a partial reason, not per URL.
            }
            _ => {}
        }
        admission
    }

    pub(crate) async fn read_sitemaps(
        &self,
        seed: &Url,
        scope: &ScopeRules,
        frontier: &mut Frontier,
        out: &mut FirmCrawl,
    ) {
        let robots = self.shared.robots_for(seed).await;
        let mut pending: Vec<String> = robots.sitemaps();
        if let Ok(default) = seed.join("/sitemap.xml") {
            let default = default.to_string();
            if !pending.contains(&default) {
                pending.push(default);
            }
        }
        let mut files_read = 0usize;
        let mut urls_offered = 0usize;
        let mut seen = HashSet::new();
        while let Some(location) = pending.pop() {
            if files_read >= self.shared.settings.max_sitemap_files
                || urls_offered >= self.shared.settings.max_sitemap_urls
            {
                break;
            }
            if !seen.insert(location.clone()) {
                continue;
            }
            let Ok(url) = Url::parse(&location) else {
                continue;
            };
            // Sitemaps of other sites are not ours to read (RFC 9309 allows cross-host
            // sitemaps, but scope decides what we crawl).
            if !scope.is_owned(&url) {
                continue;
            }
            frontier.mark_seen(&url);
            // A sitemap is a request like any other: a host whose robots.txt
            // refuses it, or could not be read, is not asked for one.
            let robots = self.shared.robots_for(&url).await;
            if let RobotsDecision::Disallowed { rule } = robots.check(&url) {
                out.errors.push(robots_skip(&url, &robots, rule));
                continue;
            }
            files_read += 1;
            let fetched = match self.shared.fetcher.fetch(&url, &|_| Ok(())).await {
                Ok(fetched) => fetched,
                Err(e) => {
                    out.errors.push(fetch_error_entry(&e));
                    continue;
                }
            };
            if fetched.status == 404 {
                continue; // `/sitemap.xml` is a guess; its absence is no error
            }
            if !(200..300).contains(&fetched.status) {
                out.errors.push(ErrorEntry::new(
                    url.to_string(),
                    "sitemap",
                    format!("sitemap answered HTTP {}", fetched.status),
                    now_rfc3339(),
                ));
                continue;
            }
            let remaining = self.shared.settings.max_sitemap_urls - urls_offered;
            match sitemap::parse_sitemap(
                &fetched.body,
                remaining,
                self.shared.settings.max_sitemap_bytes,
            ) {
                Ok(map) => {
                    pending.extend(map.sitemaps);
                    for entry in map.urls {
                        if let Ok(page_url) = Url::parse(&entry) {
                            urls_offered += 1;
                            // Sitemap URLs are one hop from the home page.
                            self.offer(frontier, &page_url, 1, Some(&url), out);
                        }
                    }
                }
                Err(e) => out.errors.push(ErrorEntry::new(
                    url.to_string(),
                    "sitemap",
                    e.to_string(),
                    now_rfc3339(),
                )),
            }
        }
    }

    pub(crate) fn visit_task(
        &self,
        item: QueuedUrl,
        context: Arc<GroupContext>,
    ) -> tokio::task::JoinHandle<Visit> {
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let robots = shared.robots_for(&item.url).await;
            shared.visit(item, robots, &context).await
        })
    }
}

/// Holds the followed links of a page until its round ends; links the
/// frontier settled, and out-of-scope ones once the list of outgoing
/// links is full, are dropped at once.
fn hold_links(
    frontier: &Frontier,
    round: &mut Round,
    page: &crate::model::Page,
    order: u64,
    links: Vec<crate::model::Link>,
    outgoing_wanted: &dyn Fn(&Url) -> bool,
) {
    let Ok(from) = Url::parse(&page.final_url) else {
        return;
    };
    let from = Arc::new(from);
    for (index, link) in links.into_iter().enumerate() {
        if !conditional::is_followed(link.kind) {
            continue;
        }
        let Ok(url) = Url::parse(&link.url) else {
            continue;
        };
        let prospect = frontier.prospect(&url, page.depth + 1);
        if matches!(prospect, Prospect::OutOfScope(_)) && !outgoing_wanted(&url) {
            continue;
        }
        round.hold(
            prospect,
            HeldLink {
                found_at: (page.depth, order, index),
                url,
                from: Arc::clone(&from),
                rel: link.rel,
            },
        );
    }
}

/// A visit task with the admission order of the URL it visits, which the
/// loop needs when the visit ends to place the page's links in its round.
struct OrderedVisit {
    order: u64,
    task: tokio::task::JoinHandle<Visit>,
}

impl std::future::Future for OrderedVisit {
    type Output = (u64, Result<Visit, tokio::task::JoinError>);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let order = self.order;
        std::pin::Pin::new(&mut self.task)
            .poll(cx)
            .map(|joined| (order, joined))
    }
}
