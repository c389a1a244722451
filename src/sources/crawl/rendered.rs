//! Pages read through the browser: which fetched pages are rendered, the
//! gate that answers a rendering page's requests the way the crawler would
//! fetch them, and the rendered page read and archived in place of the shell.

use super::crawler::Shared;
use super::seeds::{GroupContext, Visit};
use super::store::CrawledPage;
use super::visit::{media_kind, Media};
use crate::analyze::extract::{self, DocMeta};
use crate::config::RenderMode;
use crate::evidence::warc::{RecordRef, Resource};
use crate::model::report::ErrorEntry;
use crate::model::time::now_rfc3339;
use crate::model::{sha256_hex, PageKind, RenderReason, Rendering, Screenshot, SourceKind};
use crate::sources::fetch::Fetched;
use crate::sources::frontier::{QueuedUrl, ScopeRules};
use crate::sources::render::{GateAnswer, RenderRequest, RequestKind, ResourceGate};
use crate::sources::robots::RobotsDecision;
use futures_util::future::BoxFuture;
use std::sync::Arc;
use url::Url;

/// Response headers a rendering page is given with a body: what it needs to
/// read the body. The body is already decoded, so no framing header is passed.
const PASSED_HEADERS: [reqwest::header::HeaderName; 2] = [
    reqwest::header::CONTENT_TYPE,
    reqwest::header::CONTENT_LANGUAGE,
];

/// Answers a rendering page's requests as the crawl would: the address guard
/// and the host's rate limit (the fetcher), robots.txt, and the firm's scope
/// for navigations and images.
struct CrawlGate<'a> {
    shared: &'a Shared,
    scope: &'a ScopeRules,
}

impl ResourceGate for CrawlGate<'_> {
    fn answer(&self, url: Url, kind: RequestKind) -> BoxFuture<'_, GateAnswer> {
        Box::pin(async move {
            let in_scope = self.scope.is_owned(&url);
            match kind {
                RequestKind::Other => {
                    return GateAnswer::Refused("not needed to read the page".into())
                }
                RequestKind::Document | RequestKind::Decorative if !in_scope => {
                    return GateAnswer::Refused("outside the firm's scope".into())
                }
                _ => {}
            }
            let robots = self.shared.robots_for(&url).await;
            if let RobotsDecision::Disallowed { rule } = robots.check(&url) {
                return GateAnswer::Refused(format!("disallowed by robots.txt ({rule})"));
            }
            let scope = self.scope;
            let stays_in_scope = |target: &Url| -> Result<(), String> {
                if scope.is_owned(target) {
                    Ok(())
                } else {
                    Err("redirect leaves the firm's scope".into())
                }
            };
            let any_host = |_: &Url| -> Result<(), String> { Ok(()) };
            let filter: &(dyn Fn(&Url) -> Result<(), String> + Send + Sync) =
                if kind == RequestKind::Needed {
                    &any_host
                } else {
                    &stays_in_scope
                };
            match self.shared.fetcher.fetch(&url, filter).await {
                Ok(fetched) => served(&fetched),
                Err(e) => GateAnswer::Refused(e.to_string()),
            }
        })
    }
}

/// A fetched response as the browser is given it.
fn served(fetched: &Fetched) -> GateAnswer {
    GateAnswer::Served {
        status: fetched.status,
        headers: PASSED_HEADERS
            .iter()
            .filter_map(|name| {
                let value = fetched.headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_string(), value.to_string()))
            })
            .collect(),
        body: fetched.body.clone(),
    }
}

impl Shared {
    /// Why the page read from `fetched` is rendered, if it is: an HTML page
    /// of a 2xx answer that the mode asks for (in `auto` a script-rendered
    /// shell, or a page of next to no text against a large script payload;
    /// in `always` also any page of the firm's own websites), while the
    /// site's render budget lasts.
    fn render_reason(
        &self,
        fetched: &Fetched,
        visit: &Visit,
        context: &GroupContext,
    ) -> Option<RenderReason> {
        let renderer = self.renderer.as_ref()?;
        let Visit::Page { pages, .. } = visit else {
            return None;
        };
        let [only] = pages.as_slice() else {
            return None;
        };
        // The mode decides first: on the fast path (`auto`, a page that is
        // neither a shell nor built by its scripts) nothing else is looked at.
        let shell_or_scripted = || {
            if only.page.not_content == Some(PageKind::ScriptShell) {
                Some(RenderReason::ScriptShell)
            } else if only.page.script_built {
                Some(RenderReason::ScriptPayload)
            } else {
                None
            }
        };
        let reason = match self.settings.render {
            RenderMode::Off => None,
            RenderMode::Auto => shell_or_scripted(),
            RenderMode::Always => shell_or_scripted().or_else(|| {
                (context.kind == SourceKind::Website && only.page.not_content.is_none())
                    .then_some(RenderReason::Always)
            }),
        }?;
        if !(200..300).contains(&fetched.status) || media_kind(fetched) != Media::Html {
            return None;
        }
        let site = super::visit::site_of(&fetched.final_url);
        let mut budget = self
            .render_budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let used = budget.entry(site).or_insert(0);
        if *used >= self.settings.render_max_pages {
            renderer.note_not_rendered();
            return None;
        }
        *used += 1;
        Some(reason)
    }

    /// Renders the page when it should be, and reads it as the browser
    /// showed it; otherwise, or when the browser fails, `visit` stands.
    pub(crate) async fn maybe_render(
        &self,
        item: &QueuedUrl,
        fetched: &Fetched,
        visit: Visit,
        context: &GroupContext,
    ) -> Visit {
        let Some(reason) = self.render_reason(fetched, &visit, context) else {
            return visit;
        };
        let Some(renderer) = self.renderer.as_ref().map(Arc::clone) else {
            return visit;
        };
        let Visit::Page {
            mut pages,
            links,
            mut errors,
        } = visit
        else {
            return visit;
        };
        let request = RenderRequest {
            url: fetched.final_url.clone(),
            status: fetched.status,
            headers: match served(fetched) {
                GateAnswer::Served { headers, .. } => headers,
                GateAnswer::Refused(_) => Vec::new(),
            },
            body: fetched.body.clone(),
            screenshot: self.warc.is_some(),
        };
        let gate = CrawlGate {
            shared: self,
            scope: &context.scope,
        };
        // Boxed: the browser's state machine is large, and every visit task
        // would otherwise carry room for it whether it renders or not.
        let output = match Box::pin(renderer.render(request, &gate)).await {
            Ok(output) => output,
            Err(e) => {
                renderer.note_not_rendered();
                errors.push(ErrorEntry::new(
                    item.url.to_string(),
                    "render",
                    format!("not rendered: {e}"),
                    now_rfc3339(),
                ));
                return Visit::Page {
                    pages,
                    links,
                    errors,
                };
            }
        };
        let Some(shell) = pages.pop() else {
            return Visit::Page {
                pages,
                links,
                errors,
            };
        };
        let dom_sha256 = sha256_hex(output.dom.as_bytes());
        let made_at = time::OffsetDateTime::parse(
            &output.rendered_at,
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let page_url = fetched.final_url.to_string();
        let dom_record = self.archive_resource(
            &Resource {
                target_uri: &page_url,
                content_type: "text/html; charset=utf-8",
                payload: output.dom.as_bytes(),
                refers_to: shell.page.warc_record_id.as_deref(),
                refers_to_target_uri: Some(&page_url),
                made_at,
            },
            &mut errors,
        );
        let screenshot = output.screenshot.as_ref().map(|png| {
            let target = format!("urn:screenshot:{page_url}");
            let record = self.archive_resource(
                &Resource {
                    target_uri: &target,
                    content_type: "image/png",
                    payload: png,
                    refers_to: dom_record.as_ref().map(|r| r.warc_record_id.as_str()),
                    refers_to_target_uri: Some(&page_url),
                    made_at,
                },
                &mut errors,
            );
            let (warc_file, warc_record_id, warc_offset) =
                crate::evidence::warc::citation(record.as_ref());
            Screenshot {
                content_sha256: sha256_hex(png),
                bytes: png.len() as u64,
                warc_file,
                warc_record_id,
                warc_offset,
            }
        });

        let mut document = extract::extract_html(
            &output.dom,
            DocMeta {
                url: item.url.to_string(),
                final_url: page_url.clone(),
                source_kind: context.kind,
                fetched_at: output.rendered_at.clone(),
                content_sha256: dom_sha256.clone(),
                content_language: fetched.content_language.clone(),
            },
        );
        if document.category_override.is_none() {
            document.category_override = context.category;
        }
        let classification = self.classifier.classify_in_place(&mut document);
        let (warc_file, warc_record_id, warc_offset) =
            crate::evidence::warc::citation(dom_record.as_ref());
        let mut page = shell.page;
        page.language = Some(classification.language);
        page.score = classification.score;
        page.role = Some(classification.role);
        page.not_content = classification.page_kind;
        page.rendered = true;
        // The scripts may change while the shell stays the same: a rendered
        // page is rendered again on a re-scan, never carried over on a 304.
        page.etag = None;
        page.last_modified = None;
        page.links.clear();
        page.rendering = Some(Box::new(Rendering {
            rendered_at: output.rendered_at.clone(),
            content_sha256: dom_sha256,
            bytes: output.dom.len() as u64,
            reason: Some(reason),
            requests_served: output.served,
            requests_refused: output.refused,
            warc_file: warc_file.clone(),
            warc_record_id: warc_record_id.clone(),
            warc_offset,
            screenshot,
        }));
        let mut findings = classification.findings;
        for finding in &mut findings {
            finding.rendered = true;
            finding.warc_file.clone_from(&warc_file);
            finding.warc_record_id.clone_from(&warc_record_id);
            finding.warc_offset = warc_offset;
        }
        let mut crawled = CrawledPage::new(page, findings);
        if context.kind != SourceKind::Website {
            self.note_foreign(&document, &mut crawled);
        }
        pages.push(crawled);
        // Links a script wrote exist only in the rendered page.
        let mut all_links = links;
        all_links.extend(document.links);
        Visit::Page {
            pages,
            links: all_links,
            errors,
        }
    }

    /// Archives a rendered DOM or screenshot when the scan writes WARC; a
    /// failure is recorded, never fatal.
    fn archive_resource(
        &self,
        resource: &Resource,
        errors: &mut Vec<ErrorEntry>,
    ) -> Option<RecordRef> {
        self.write_archive(resource.target_uri, errors, |archive| {
            archive.write_resource(resource)
        })
    }
}
