//! Visiting one URL: robots.txt, the fetch (conditional with a baseline),
//! reading the response as a page, feed or social preview, classifying it,
//! and archiving the exchange.

use super::crawler::{HostRobots, Shared};
use super::seeds::{GroupContext, Visit};
use super::store::{CrawledPage, RedirectLink};
use crate::analyze::charset;
use crate::analyze::extract::{self, DocMeta};
use crate::evidence::conditional::{self};
use crate::evidence::warc::{Exchange, RecordRef, WarcError, WarcWriter};
use crate::model::domain::registrable_domain;
use crate::model::report::ErrorEntry;
use crate::model::time::now_rfc3339;
use crate::model::Conditions;
use crate::model::PageKind;
use crate::model::{BlockKind, LinkKind, Location, Page, Revalidation, SourceKind};
use crate::sources::feed::{self, FeedMeta};
use crate::sources::fetch::{self, FetchError, Fetched};
use crate::sources::frontier::QueuedUrl;
use crate::sources::robots::{Robots, RobotsDecision};
use crate::sources::social::{self, SocialMeta};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use url::Url;

impl Shared {
    /// For a page that is not on the firm's own websites: the firms it names
    /// and the redirector links it carries.
    pub(crate) fn note_foreign(
        &self,
        document: &crate::model::Document,
        crawled: &mut CrawledPage,
    ) {
        crawled.named = self.brands.named_firms(document);
        let redirectors = self.classifier.rules().redirectors();
        let blocks: HashMap<usize, &crate::model::Block> =
            document.blocks.iter().map(|b| (b.index, b)).collect();
        for link in &document.links {
            if !matches!(
                link.kind,
                LinkKind::Anchor | LinkKind::Area | LinkKind::MetaRefresh
            ) {
                continue;
            }
            let Ok(url) = Url::parse(&link.url) else {
                continue;
            };
            // A link to a firm's own site needs no resolving: where it goes is plain.
            if !redirectors.recognises(&url) || self.owners.owner_of(&url).is_some() {
                continue;
            }
            let block = link.block_index.and_then(|i| blocks.get(&i));
            crawled.redirect_links.push(RedirectLink {
                url,
                location: Location {
                    block_kind: block.map_or(BlockKind::Link, |b| b.kind),
                    block_index: block.map_or(0, |b| b.index),
                    path: match block {
                        Some(b) if !b.path.is_empty() => format!("{}[href]", b.path),
                        _ => "a[href]".to_string(),
                    },
                    char_offset: 0,
                },
                language: block.and_then(|b| b.language.as_ref().map(|l| l.code.clone())),
            });
        }
    }

    /// robots.txt of a URL's host, fetched once per host and cached. An
    /// unavailable one (5xx, 429, network error) disallows the whole host
    /// until it is older than `robots_recheck_after`; the next URL of that
    /// host then asks for it again, and a readable answer replaces it.
    pub(crate) async fn robots_for(&self, url: &Url) -> Arc<Robots> {
        if !self.settings.respect_robots {
            return Arc::new(Robots::allow_all());
        }
        let key = fetch::host_key(url);
        let cell = {
            let mut cache = self.robots.lock().unwrap_or_else(|p| p.into_inner());
            let entry = cache.entry(key.clone()).or_default();
            let due_for_recheck = entry.get().is_some_and(|cached| {
                cached.robots.is_unavailable()
                    && cached.read_at.elapsed() >= self.settings.robots_recheck_after
            });
            if due_for_recheck {
                *entry = Arc::default();
            }
            Arc::clone(entry)
        };
        let cached = cell
            .get_or_init(|| async {
                let robots = match url.join("/robots.txt") {
                    Ok(robots_url) => match self.fetcher.fetch(&robots_url, &|_| Ok(())).await {
                        Ok(fetched) => Robots::from_response(
                            self.fetcher.user_agent(),
                            fetched.status,
                            &fetched.body,
                        ),
                        Err(e) => {
                            tracing::warn!("robots.txt for {key} unreachable: {e}");
                            Robots::unreachable()
                        }
                    },
                    Err(_) => Robots::allow_all(),
                };
                if let Some(delay) = robots.crawl_delay() {
                    let delay = delay.min(self.settings.max_crawl_delay);
                    self.fetcher.set_crawl_delay(&key, delay);
                }
                HostRobots {
                    robots: Arc::new(robots),
                    read_at: Instant::now(),
                }
            })
            .await;
        Arc::clone(&cached.robots)
    }

    pub(crate) async fn visit(
        &self,
        item: QueuedUrl,
        robots: Arc<Robots>,
        context: &GroupContext,
    ) -> Visit {
        if let RobotsDecision::Disallowed { rule } = robots.check(&item.url) {
            return Visit::Skipped(robots_skip(&item.url, &robots, rule));
        }
        let redirect_filter = |target: &Url| -> Result<(), String> {
            if context.scope.is_owned(target) {
                Ok(())
            } else {
                Err(format!(
                    "redirect leaves the firm's scope (to {})",
                    target.host_str().unwrap_or("?")
                ))
            }
        };
        let previous = context
            .baseline
            .as_ref()
            .and_then(|baseline| baseline.get(context.kind, &item.url));
        let conditions = previous.and_then(conditional::Reusable::conditions);
        let fetched = match self
            .fetcher
            .fetch_conditional(&item.url, &redirect_filter, conditions.as_ref())
            .await
        {
            Ok(fetched) => fetched,
            Err(e) => return Visit::Failed(fetch_error_entry(&e)),
        };
        let mut errors = Vec::new();
        if let Some(previous) = previous.filter(|_| fetched.status == 304 && fetched.conditional) {
            // Unchanged since the baseline: its capture stays the evidence.
            let record = self.archive(&fetched, &[], conditions.as_ref(), &mut errors);
            let (warc_file, warc_record_id, warc_offset) =
                crate::evidence::warc::citation(record.as_ref());
            let (page, findings) = previous.carry_over(
                item.depth,
                fetched.redirects.iter().map(Url::to_string).collect(),
                Revalidation {
                    at: fetched.fetched_at.clone(),
                    warc_file,
                    warc_record_id,
                    warc_offset,
                },
            );
            return Visit::Page {
                pages: vec![CrawledPage::new(page, findings)],
                links: previous.links(),
                errors,
            };
        }
        let visit = self.read_response(&item, &fetched, conditions.as_ref(), errors, context);
        self.maybe_render(&item, &fetched, visit, context).await
    }

    /// Everything done with a fetched response: archived, decoded, parsed
    /// into documents and classified into pages with findings. No I/O but
    /// the archive's.
    fn read_response(
        &self,
        item: &QueuedUrl,
        fetched: &Fetched,
        conditions: Option<&Conditions>,
        mut errors: Vec<ErrorEntry>,
        context: &GroupContext,
    ) -> Visit {
        if fetched.status >= 400 {
            errors.push(ErrorEntry::new(
                item.url.to_string(),
                "http_status",
                format!("HTTP {}", fetched.status),
                fetched.fetched_at.clone(),
            ));
        }
        if fetched.truncated {
            errors.push(ErrorEntry::new(
                item.url.to_string(),
                "too_large",
                format!(
                    "body cut at {} bytes (max_body_bytes); findings cover the kept part only",
                    self.settings.max_body_bytes
                ),
                fetched.fetched_at.clone(),
            ));
        }
        let record = self.archive(fetched, &[], conditions, &mut errors);
        let reading = context
            .readings
            .get(item.url.as_str())
            .copied()
            .unwrap_or_default();
        let category = reading.category.or(context.category);
        let mut page = page_of(item, fetched, context.kind);
        let mut documents = Vec::new();
        if (200..300).contains(&fetched.status) {
            let decoded = charset::decode(&fetched.body, fetched.content_type.as_deref());
            page.charset = Some(decoded.encoding.to_string());
            let media = media_kind(fetched);
            // A preview page served elsewhere than t.me (a mirror, the demo)
            // is recognised by its markup.
            let telegram_shaped = context.kind == SourceKind::Social
                && media == Media::Html
                && social::looks_like_telegram_preview(&decoded.text);
            if reading.telegram_preview || telegram_shaped {
                let meta = SocialMeta {
                    page_url: fetched.final_url.to_string(),
                    fetched_at: fetched.fetched_at.clone(),
                    content_sha256: fetched.sha256.clone(),
                };
                documents = social::telegram_posts(&decoded.text, &meta);
            } else if feed::looks_like_feed(fetched.content_type.as_deref(), &fetched.body) {
                let meta = FeedMeta {
                    feed_url: fetched.final_url.to_string(),
                    fetched_at: fetched.fetched_at.clone(),
                    content_sha256: fetched.sha256.clone(),
                    source_kind: if context.kind == SourceKind::Social {
                        SourceKind::Social
                    } else if context.kind == SourceKind::Affiliate {
                        SourceKind::Affiliate
                    } else {
                        SourceKind::Feed
                    },
                    category_override: category,
                    max_age: reading.max_age,
                    now: time::OffsetDateTime::now_utc(),
                };
                match feed::parse_feed(&fetched.body, &meta) {
                    Ok(parsed) => documents = parsed.documents,
                    Err(e) => errors.push(ErrorEntry::new(
                        item.url.to_string(),
                        "feed",
                        e.to_string(),
                        fetched.fetched_at.clone(),
                    )),
                }
            } else if media != Media::Other {
                let meta = doc_meta(item, fetched, context.kind);
                let document = match media {
                    Media::Html => extract::extract_html(&decoded.text, meta),
                    _ => extract::extract_text(&decoded.text, meta),
                };
                documents.push(document);
            }
        }

        // An error answer is read for one thing only: whether it is a bot
        // wall or challenge page, which makes the firm "not seen" rather
        // than "failed". Nothing else on it counts as evidence.
        let wall_findings = if fetched.status >= 400 && !fetched.body.is_empty() {
            bot_wall_findings(&self.classifier, item, fetched, context.kind)
        } else {
            Vec::new()
        };

        // The response itself is the first page; feed items and posts follow as pages of their own.
        let mut links = Vec::new();
        let mut pages = Vec::with_capacity(documents.len() + 1);
        let single_document = documents.len() == 1 && documents[0].url == page.url;
        if !wall_findings.is_empty() {
            page.not_content = Some(PageKind::BotWall);
        }
        if !single_document {
            set_record(&mut page, record.as_ref());
            pages.push(CrawledPage::new(page.clone(), wall_findings));
        }
        for mut document in documents {
            if document.category_override.is_none() {
                document.category_override = category;
            }
            let classification = self.classifier.classify_in_place(&mut document);
            let mut item_page = page.clone();
            if !single_document {
                item_page.url = document.url.clone();
                item_page.final_url = document.final_url.clone();
                item_page.redirects.clear();
                item_page.published_at = document.published_at.clone();
                item_page.source_kind = document.source_kind;
            }
            item_page.language = Some(classification.language);
            item_page.score = classification.score;
            item_page.role = Some(classification.role);
            item_page.not_content = classification.page_kind;
            item_page.script_built = classification.script_built;
            set_record(&mut item_page, record.as_ref());
            let mut findings = classification.findings;
            for finding in &mut findings {
                (
                    finding.warc_file,
                    finding.warc_record_id,
                    finding.warc_offset,
                ) = crate::evidence::warc::citation(record.as_ref());
            }
            let mut crawled = CrawledPage::new(item_page, findings);
            if context.kind != SourceKind::Website {
                self.note_foreign(&document, &mut crawled);
            }
            links.extend(document.links);
            pages.push(crawled);
        }
        // Validators describe one response, so only a page that is the whole
        // of a complete, error-free response can be revalidated next time.
        if let [only] = pages.as_mut_slice() {
            if errors.is_empty() && (200..300).contains(&fetched.status) {
                only.page.etag = header_text(fetched, reqwest::header::ETAG);
                only.page.last_modified = header_text(fetched, reqwest::header::LAST_MODIFIED);
                if only.page.etag.is_some() || only.page.last_modified.is_some() {
                    only.page.links = conditional::page_links(&links);
                }
            }
        }
        Visit::Page {
            pages,
            links,
            errors,
        }
    }

    /// Archives the exchange when the scan writes WARC; a failure to archive
    /// is recorded, never fatal to the crawl.
    pub(crate) fn archive(
        &self,
        fetched: &Fetched,
        extra_request_headers: &[(String, String)],
        conditions: Option<&Conditions>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Option<RecordRef> {
        self.archive_as("GET", fetched, extra_request_headers, conditions, errors)
    }

    /// [`Shared::archive`] for a request made with `method` (`HEAD` for the
    /// hops of a redirector chain).
    pub(crate) fn archive_as(
        &self,
        method: &str,
        fetched: &Fetched,
        extra_request_headers: &[(String, String)],
        conditions: Option<&Conditions>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Option<RecordRef> {
        // Nothing to build when the scan writes no archive.
        self.warc.as_ref()?;
        let mut request_headers = vec![
            (
                "Host".to_string(),
                fetched
                    .final_url
                    .host_str()
                    .map(|h| match fetched.final_url.port() {
                        Some(port) => format!("{h}:{port}"),
                        None => h.to_string(),
                    })
                    .unwrap_or_default(),
            ),
            ("User-Agent".to_string(), self.settings.user_agent.clone()),
            ("Accept".to_string(), "*/*".to_string()),
            (
                "Accept-Encoding".to_string(),
                "gzip, br, deflate".to_string(),
            ),
        ];
        request_headers.extend_from_slice(extra_request_headers);
        if fetched.conditional {
            for (name, value) in conditions.map(fetch::condition_headers).unwrap_or_default() {
                if let Ok(value) = value.to_str() {
                    request_headers.push((name.as_str().to_string(), value.to_string()));
                }
            }
        }
        let response_headers: Vec<(String, String)> = fetched
            .headers
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_string(), v.to_string()))
            })
            .collect();
        let fetched_at = time::OffsetDateTime::parse(
            &fetched.fetched_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let reason = reqwest::StatusCode::from_u16(fetched.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let target = fetched.final_url.to_string();
        let exchange = Exchange {
            url: &target,
            method,
            request_headers: &request_headers,
            http_version: "HTTP/1.1",
            status: fetched.status,
            reason,
            response_headers: &response_headers,
            payload: &fetched.body,
            content_decoded: true,
            truncated: fetched.truncated,
            ip: fetched.remote_addr.map(|a| a.ip()),
            fetched_at,
        };
        self.write_archive(&target, errors, |archive| archive.write_exchange(&exchange))
    }

    /// Runs `write` on the scan's archive, if it writes one; a failure is
    /// recorded against `target`, never fatal to the crawl.
    pub(crate) fn write_archive(
        &self,
        target: &str,
        errors: &mut Vec<ErrorEntry>,
        write: impl FnOnce(&mut WarcWriter) -> Result<RecordRef, WarcError>,
    ) -> Option<RecordRef> {
        let mut slot = self
            .warc
            .as_ref()?
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A closed archive only happens after the crawl; nothing is left to record then.
        match write(slot.as_mut()?) {
            Ok(record) => Some(record),
            Err(e) => {
                errors.push(ErrorEntry::new(
                    target.to_string(),
                    "warc",
                    format!("not archived: {e}"),
                    now_rfc3339(),
                ));
                None
            }
        }
    }
}

pub(crate) fn set_record(page: &mut Page, record: Option<&RecordRef>) {
    (page.warc_file, page.warc_record_id, page.warc_offset) =
        crate::evidence::warc::citation(record);
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    Html,
    Text,
    Other,
}

/// Decides how to read a body: by its declared type, sniffing only when none was declared.
pub(crate) fn media_kind(fetched: &Fetched) -> Media {
    let declared = fetched
        .content_type
        .as_deref()
        .and_then(|ct| ct.parse::<mime::Mime>().ok());
    match declared {
        Some(m) if m.subtype() == mime::HTML || m.subtype() == "xhtml" => Media::Html,
        Some(m) if m.type_() == mime::TEXT && m.subtype() == mime::PLAIN => Media::Text,
        Some(_) => Media::Other,
        None => {
            let head = &fetched.body[..fetched.body.len().min(512)];
            let head = String::from_utf8_lossy(head).to_ascii_lowercase();
            if head.contains("<html") || head.contains("<!doctype html") {
                Media::Html
            } else {
                Media::Other
            }
        }
    }
}

pub(crate) fn page_of(item: &QueuedUrl, fetched: &Fetched, kind: SourceKind) -> Page {
    Page {
        url: item.url.to_string(),
        final_url: fetched.final_url.to_string(),
        status: fetched.status,
        fetched_at: fetched.fetched_at.clone(),
        content_sha256: fetched.sha256.clone(),
        content_type: fetched.content_type.clone(),
        bytes: fetched.body.len() as u64,
        truncated: fetched.truncated,
        charset: None,
        depth: item.depth,
        redirects: fetched.redirects.iter().map(Url::to_string).collect(),
        source_kind: kind,
        language: None,
        score: 0.0,
        not_content: None,
        role: None,
        published_at: None,
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
    }
}

pub(crate) fn header_text(fetched: &Fetched, name: reqwest::header::HeaderName) -> Option<String> {
    fetched
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

/// A fetch failure as a report entry.
pub fn fetch_error_entry(error: &FetchError) -> ErrorEntry {
    ErrorEntry::new(
        error.url().to_string(),
        error.kind(),
        error.to_string(),
        now_rfc3339(),
    )
}

/// The budget and attribution unit: the registrable domain, or the host.
pub(crate) fn site_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    registrable_domain(host).unwrap_or_else(|| host.to_string())
}

/// The bot-wall findings of an error answer (a 403 or 503 challenge page),
/// and nothing else: an error page is never evidence of solicitation.
pub(crate) fn bot_wall_findings(
    classifier: &crate::analyze::classify::Classifier,
    item: &QueuedUrl,
    fetched: &Fetched,
    kind: SourceKind,
) -> Vec<crate::model::Finding> {
    let decoded = charset::decode(&fetched.body, fetched.content_type.as_deref());
    let document = extract::extract_html(&decoded.text, doc_meta(item, fetched, kind));
    classifier
        .classify(&document)
        .findings
        .into_iter()
        .filter(|f| f.signal == crate::model::Signal::BotWall)
        .collect()
}

/// What the extractor is told about a fetched response.
fn doc_meta(item: &QueuedUrl, fetched: &Fetched, kind: SourceKind) -> DocMeta {
    DocMeta {
        url: item.url.to_string(),
        final_url: fetched.final_url.to_string(),
        source_kind: kind,
        fetched_at: fetched.fetched_at.clone(),
        content_sha256: fetched.sha256.clone(),
        content_language: fetched.content_language.clone(),
    }
}

/// The error entry for a URL robots.txt kept us from: the deciding line, and
/// whether the file said no or could not be read at all.
pub(crate) fn robots_skip(url: &Url, robots: &Robots, rule: String) -> ErrorEntry {
    let message = if robots.is_unavailable() {
        "not fetched: robots.txt unavailable, the whole host is disallowed"
    } else {
        "not fetched: disallowed by robots.txt"
    };
    ErrorEntry {
        rule: Some(rule),
        ..ErrorEntry::new(url.to_string(), "robots_disallowed", message, now_rfc3339())
    }
}
