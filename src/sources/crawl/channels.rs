//! What a firm's crawl reads besides its websites: files named in the
//! configuration (e-mail campaigns, exports), and the redirector links found
//! on crawled pages, resolved hop by hop.

use super::crawler::Crawler;
use super::crawler::MAX_PARALLEL_RESOLUTIONS;
use super::output::*;
use super::store::{CrawledPage, RedirectLink};
use crate::config::FirmConfig;
use crate::model::report::{ErrorEntry, SourceReport};
use crate::model::time::now_rfc3339;
use crate::model::{Page, SourceKind};
use futures_util::stream::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use tokio_util::sync::CancellationToken;
use url::Url;

impl Crawler {
    /// Follows the redirector links of the crawled pages, at most
    /// `redirector_max_links` of them, each for at most
    /// `redirector_max_hops` requests. Each redirector host becomes a
    /// source of kind `redirector`; chains landing on a configured firm's
    /// website are kept for attribution.
    pub(crate) async fn resolve_redirect_links(
        &self,
        out: &mut FirmCrawl,
        cancel: &CancellationToken,
    ) {
        if cancel.is_cancelled() {
            return;
        }
        let settings = &self.shared.settings;
        let mut seen = HashSet::new();
        let mut pending: Vec<(Page, RedirectLink)> = Vec::new();
        let mut skipped = 0usize;
        for crawled in out.pages.resident() {
            for link in &crawled.redirect_links {
                if !seen.insert(link.url.to_string()) {
                    continue;
                }
                if pending.len() < settings.redirector_max_links {
                    pending.push((crawled.page.clone(), link.clone()));
                } else {
                    skipped += 1;
                }
            }
        }
        if skipped > 0 {
            out.errors.push(ErrorEntry::new(
                String::new(),
                "redirector_limit",
                format!(
                    "{skipped} redirector links not resolved: redirector_max_links is {}",
                    settings.redirector_max_links
                ),
                now_rfc3339(),
            ));
        }
        let owners = &self.shared.owners;
        let lands = |url: &Url| owners.owner_of(url).is_some();
        let fetcher = &self.shared.fetcher;
        let max_hops = settings.redirector_max_hops;
        let resolving = futures_util::stream::iter(pending)
            .map(|(page, link)| async move {
                let resolution =
                    crate::sources::redirect::resolve(fetcher, &link.url, max_hops, &lands).await;
                (page, link, resolution)
            })
            .buffer_unordered(settings.concurrency.clamp(1, MAX_PARALLEL_RESOLUTIONS))
            .collect::<Vec<_>>();
        let resolved = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                out.partial_reasons.push("interrupted while resolving redirector links".to_string());
                return;
            }
            resolved = resolving => resolved,
        };
        let mut by_host: Vec<SourceReport> = Vec::new();
        for (page, link, mut resolution) in resolved {
            // Each hop is evidence of where the link led: archive it and cite it.
            let mut archive_errors = Vec::new();
            for (hop, response) in resolution.hops.iter_mut().zip(&resolution.responses) {
                let record =
                    self.shared
                        .archive_as(&hop.method, response, &[], None, &mut archive_errors);
                (hop.warc_file, hop.warc_record_id, hop.warc_offset) =
                    crate::evidence::warc::citation(record.as_ref());
            }
            out.errors.extend(archive_errors);
            let origin = format!(
                "{}://{}/",
                link.url.scheme(),
                link.url.host_str().unwrap_or_default()
            );
            let index = match by_host.iter().position(|s| s.url == origin) {
                Some(index) => index,
                None => {
                    by_host.push(SourceReport {
                        url: origin,
                        kind: SourceKind::Redirector,
                        pages_fetched: 0,
                        errors: 0,
                        name: None,
                        pages_revalidated: 0,
                    });
                    by_host.len() - 1
                }
            };
            by_host[index].pages_fetched += resolution.hops.len() as u64;
            if let Some(error) = &resolution.error {
                by_host[index].errors += 1;
                self.shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                out.errors.push(ErrorEntry {
                    rule: None,
                    ..ErrorEntry::new(
                        crate::model::text::redact(&link.url),
                        error.kind(),
                        format!("resolving a redirector link found on {}: {error}", page.url),
                        now_rfc3339(),
                    )
                });
            }
            let firm = resolution
                .landing
                .as_ref()
                .and_then(|landing| owners.owner_of(landing));
            if let Some(firm) = firm {
                out.resolutions.push(ResolvedLink {
                    page,
                    link,
                    resolution,
                    firm,
                });
            }
        }
        out.sources.extend(by_host);
    }

    /// Classifies the local evidence files of a firm (e-mail campaigns, saved
    /// pages, WARC archives by other tools).
    pub(crate) fn read_files(&self, firm: &FirmConfig, out: &mut FirmCrawl) {
        for path in &firm.files {
            let documents = match crate::sources::offline::read_path(path) {
                Ok(documents) => documents,
                Err(e) => {
                    out.errors.push(ErrorEntry::new(
                        path.display().to_string(),
                        "file",
                        e.to_string(),
                        now_rfc3339(),
                    ));
                    continue;
                }
            };
            // Like the documents read from it, a report names a file by its
            // name only: where it sat on the operator's disk is no evidence.
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            out.sources.push(SourceReport {
                url: name,
                kind: documents
                    .first()
                    .map_or(SourceKind::File, |d| d.source_kind),
                pages_fetched: documents.len() as u64,
                errors: 0,
                pages_revalidated: 0,
                name: None,
            });
            for mut document in documents {
                let classification = self.shared.classifier.classify_in_place(&mut document);
                let page = Page {
                    url: document.url.clone(),
                    final_url: document.final_url.clone(),
                    status: 200,
                    fetched_at: document.fetched_at.clone(),
                    content_sha256: document.content_sha256.clone(),
                    content_type: None,
                    bytes: 0,
                    truncated: false,
                    charset: None,
                    depth: 0,
                    redirects: Vec::new(),
                    source_kind: document.source_kind,
                    language: Some(classification.language),
                    score: classification.score,
                    not_content: classification.page_kind,
                    role: Some(classification.role),
                    published_at: document.published_at.clone(),
                    warc_file: None,
                    warc_record_id: None,
                    warc_offset: None,
                    etag: None,
                    last_modified: None,
                    links: Vec::new(),
                    revalidated: None,
                    rendered: false,
                    script_built: false,
                    rendering: None,
                    attribution: None,
                };
                let mut crawled = CrawledPage::new(page, classification.findings);
                self.shared.note_foreign(&document, &mut crawled);
                out.pages.push(crawled);
            }
        }
    }
}
