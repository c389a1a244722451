//! Where a firm's crawled pages wait for the report: on disk, not in memory.
//!
//! A large crawl's pages and findings are most of what it would hold (some
//! 25 KB a page), so each page is written to an unnamed temporary file (the
//! spill) as soon as the crawl is done with it, and only a small stub stays
//! in memory: its URL, depth and where its record lies. The scan reads the
//! pages back in store order to judge the firm and again to write the
//! report (worker threads decode a few chunks of pages ahead), so memory
//! holds a few dozen pages at a time however many there are.
//!
//! Pages that later stages need whole stay in memory (resident): those that
//! name another firm's brand or carry redirector links to resolve. They are
//! rare; a page of the firm's own website never needs it.
//!
//! The spill is private to the process (the file has no name and is gone
//! when the store is dropped). It never decides anything about a page, and
//! a spill that cannot be written only costs memory: the page stays resident.

use crate::analyze::attribute::NamedFirm;
use crate::model::{Finding, Location, Page, Signal};
use std::io::Write;
use url::Url;

/// A page with what was found on it.
#[derive(Debug, Clone)]
pub struct CrawledPage {
    pub page: Page,
    pub findings: Vec<Finding>,
    /// Firms whose brands the page names (pages of other hosts than the
    /// firm's own websites only; see `attribute`).
    pub named: Vec<NamedFirm>,
    /// Shortener and redirector links on the page, to be resolved.
    pub redirect_links: Vec<RedirectLink>,
}

impl CrawledPage {
    pub(crate) fn new(page: Page, findings: Vec<Finding>) -> CrawledPage {
        CrawledPage {
            page,
            findings,
            named: Vec::new(),
            redirect_links: Vec::new(),
        }
    }
}

/// A shortener or tracking-redirector link as it stood on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct RedirectLink {
    pub url: Url,
    /// Where the link stood (its block, `[href]`).
    pub location: Location,
    /// Language of the link's block, if known.
    pub language: Option<String>,
}

/// Why a spilled page could not be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("cannot read a crawled page back from the spill file: {0}")]
    Io(#[from] std::io::Error),
    #[error("a crawled page in the spill file is damaged: {0}")]
    Decode(#[from] serde_json::Error),
}

/// Threads that decode spilled pages when they are read back.
const MAX_DECODE_WORKERS: usize = 4;

/// A page and its findings, as the crawl made them.
pub type PageRecord = (Page, Vec<Finding>);

/// One page of the store: whole in memory, or a stub of a record on disk.
#[derive(Debug)]
enum Entry {
    Resident(Box<CrawledPage>),
    Spilled(Stub),
}

/// What stays in memory of a spilled page.
#[derive(Debug)]
struct Stub {
    url: Box<str>,
    depth: u32,
    /// Where the page's JSON starts in the spill; its findings' JSON array
    /// follows it directly.
    at: u64,
    page_len: u32,
    findings_len: u32,
    /// Whether a browser rendered the page: only such pages have captures
    /// for the manifest, which need not read back the others.
    rendered: bool,
    /// Findings credited to the page after it was spilled (a redirector
    /// chain landing on the firm), listed after the spilled ones.
    added: Vec<Finding>,
}

/// The spill file: appended to by the crawl, read at offsets by the scan.
/// Each record is written in one piece, unbuffered, so that the file always
/// holds every record a stub points to and reads need no flush.
#[derive(Debug)]
struct Spill {
    file: std::fs::File,
    len: u64,
    /// Set once a write failed: later pages stay resident.
    broken: bool,
}

/// A firm's crawled pages, in the order the crawl finished them until
/// [`PageStore::sort`] puts them in report order.
#[derive(Debug, Default)]
pub struct PageStore {
    entries: Vec<Entry>,
    spill: Option<Spill>,
    /// Whether to spill at all (off for small in-process uses and tests of
    /// the resident path).
    spill_enabled: bool,
    crypto: bool,
}

impl PageStore {
    /// A store that spills pages to a temporary file.
    pub fn spilling() -> PageStore {
        PageStore {
            spill_enabled: cfg!(unix),
            ..PageStore::default()
        }
    }

    /// A store that keeps every page in memory.
    pub fn in_memory() -> PageStore {
        PageStore::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether any page shows crypto context (a finding of signal `crypto`):
    /// the firm verdict needs it before it scores the first page.
    pub fn any_crypto(&self) -> bool {
        self.crypto
    }

    /// Adds a page. Pages other stages need whole stay in memory; the rest
    /// go to the spill.
    pub fn push(&mut self, crawled: CrawledPage) {
        self.crypto |= crawled.findings.iter().any(|f| f.signal == Signal::Crypto);
        let needed_whole = !crawled.named.is_empty() || !crawled.redirect_links.is_empty();
        if needed_whole || !self.spill_enabled {
            self.entries.push(Entry::Resident(Box::new(crawled)));
            return;
        }
        match self.write(&crawled.page, &crawled.findings) {
            Some(stub) => self.entries.push(Entry::Spilled(stub)),
            None => self.entries.push(Entry::Resident(Box::new(crawled))),
        }
    }

    /// Appends a page's record to the spill; `None` when it cannot.
    fn write(&mut self, page: &Page, findings: &[Finding]) -> Option<Stub> {
        if self.spill.is_none() {
            match tempfile::tempfile() {
                Ok(file) => {
                    self.spill = Some(Spill {
                        file,
                        len: 0,
                        broken: false,
                    })
                }
                Err(e) => {
                    tracing::warn!(
                        "cannot open a spill file, keeping crawled pages in memory: {e}"
                    );
                    self.spill_enabled = false;
                    return None;
                }
            }
        }
        let spill = self.spill.as_mut()?;
        if spill.broken {
            return None;
        }
        let mut record = serde_json::to_vec(page).ok()?;
        let page_len = u32::try_from(record.len()).ok()?;
        serde_json::to_writer(&mut record, findings).ok()?;
        let findings_len = u32::try_from(record.len()).ok()? - page_len;
        if let Err(e) = spill.file.write_all(&record) {
            tracing::warn!("cannot write the spill file, keeping crawled pages in memory: {e}");
            // A half-written record is never referenced: its stub is not made.
            spill.broken = true;
            return None;
        }
        let at = spill.len;
        spill.len += u64::from(page_len) + u64::from(findings_len);
        Some(Stub {
            url: page.url.as_str().into(),
            depth: page.depth,
            at,
            page_len,
            findings_len,
            rendered: page.rendering.is_some(),
            added: Vec::new(),
        })
    }

    /// Pages kept whole in memory: every page that names another firm's
    /// brand or carries redirector links is among them.
    pub fn resident(&self) -> impl Iterator<Item = &CrawledPage> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Resident(crawled) => Some(crawled.as_ref()),
            Entry::Spilled(_) => None,
        })
    }

    /// Whether a page of this URL is in the store.
    pub fn contains_url(&self, url: &str) -> bool {
        self.entries.iter().any(|entry| entry_url(entry) == url)
    }

    /// Credits a finding to the page of `url` unless it already carries a
    /// finding with the same fingerprint. Returns `Ok(false)` when no page
    /// of that URL is in the store.
    ///
    /// # Errors
    /// [`StoreError`] when the spilled page cannot be read back to compare.
    pub fn add_finding(&mut self, url: &str, finding: Finding) -> Result<bool, StoreError> {
        let Some(index) = self.entries.iter().position(|e| entry_url(e) == url) else {
            return Ok(false);
        };
        let has_crypto = finding.signal == Signal::Crypto;
        let spilled = match &self.entries[index] {
            Entry::Spilled(stub) => Some(self.read_findings(stub)?),
            Entry::Resident(_) => None,
        };
        match &mut self.entries[index] {
            Entry::Resident(crawled) => {
                if !crawled.findings.iter().any(|f| f.id == finding.id) {
                    crawled.findings.push(finding);
                    self.crypto |= has_crypto;
                }
            }
            Entry::Spilled(stub) => {
                let known = spilled
                    .iter()
                    .flatten()
                    .chain(&stub.added)
                    .any(|f| f.id == finding.id);
                if !known {
                    stub.added.push(finding);
                    self.crypto |= has_crypto;
                }
            }
        }
        Ok(true)
    }

    /// Puts the pages in report order: by URL, then depth. Pages finish in
    /// whatever order the network allows; two scans of one site then differ
    /// only where the site does.
    pub fn sort(&mut self) {
        self.entries.sort_by(|a, b| {
            entry_url(a)
                .cmp(entry_url(b))
                .then(entry_depth(a).cmp(&entry_depth(b)))
        });
    }

    /// Hands every page's record to `consume` in store order; stops at the
    /// first error, a page that cannot be read back or `consume`'s own.
    ///
    /// # Errors
    /// The first error met.
    pub fn for_each_record<E: From<StoreError>>(
        &self,
        consume: impl FnMut(PageRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        self.in_order(|entry| self.record(entry), consume)
    }

    /// Every page in store order, without its findings.
    pub fn pages(&self) -> impl Iterator<Item = Result<Page, StoreError>> + '_ {
        self.entries.iter().map(|entry| self.page(entry))
    }

    /// Every page, without its findings, as `map` turns it on the decoding
    /// threads, so that work on a page (such as printing it) is shared by
    /// them too; `consume` gets the results in store order, as
    /// [`PageStore::for_each_record`] gets records.
    ///
    /// # Errors
    /// The first error met.
    pub fn for_each_page_mapped<T: Send, E: From<StoreError>>(
        &self,
        map: impl Fn(Page) -> T + Sync,
        consume: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        self.in_order(|entry| self.page(entry).map(&map), consume)
    }

    /// Hands the pages a browser rendered to `consume` in store order; the
    /// other pages are not read back.
    ///
    /// # Errors
    /// The first error met.
    pub fn for_each_rendered_page<E: From<StoreError>>(
        &self,
        mut consume: impl FnMut(Page) -> Result<(), E>,
    ) -> Result<(), E> {
        for entry in &self.entries {
            let rendered = match entry {
                Entry::Resident(crawled) => crawled.page.rendering.is_some(),
                Entry::Spilled(stub) => stub.rendered,
            };
            if rendered {
                consume(self.page(entry)?)?;
            }
        }
        Ok(())
    }

    /// Every page's findings, as `map` turns them on the decoding threads;
    /// see [`PageStore::for_each_page_mapped`].
    ///
    /// # Errors
    /// The first error met.
    pub fn for_each_findings_mapped<T: Send, E: From<StoreError>>(
        &self,
        map: impl Fn(Vec<Finding>) -> T + Sync,
        consume: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        self.in_order(|entry| self.findings(entry).map(&map), consume)
    }

    /// Decodes the entries on worker threads, a chunk at a time, and hands
    /// the results to `consume` on this thread in store order. Reading a
    /// large crawl back is mostly JSON decoding, which the workers share,
    /// while this thread folds or writes what they decoded. At most a few
    /// chunks per worker are in flight, so memory stays flat.
    fn in_order<T: Send, E: From<StoreError>>(
        &self,
        decode: impl Fn(&Entry) -> Result<T, StoreError> + Sync,
        mut consume: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        const CHUNK: usize = 16;
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(MAX_DECODE_WORKERS);
        if workers < 2 || self.entries.len() <= CHUNK {
            return self
                .entries
                .iter()
                .try_for_each(|entry| consume(decode(entry)?));
        }
        let decode = &decode;
        std::thread::scope(|scope| {
            let mut batches = Vec::with_capacity(workers);
            for worker in 0..workers {
                let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Result<T, _>>>(2);
                batches.push(receiver);
                let entries = &self.entries;
                scope.spawn(move || {
                    // Worker w decodes chunks w, w + workers, w + 2 workers ...
                    for chunk in entries.chunks(CHUNK).skip(worker).step_by(workers) {
                        let decoded = chunk.iter().map(decode).collect();
                        if sender.send(decoded).is_err() {
                            // The consumer stopped early.
                            return;
                        }
                    }
                });
            }
            let mut result = Ok(());
            'chunks: for index in 0..self.entries.len().div_ceil(CHUNK) {
                // Only a worker that panicked hangs up early; the scope
                // passes its panic on once the receivers are gone.
                let Ok(batch) = batches[index % workers].recv() else {
                    break;
                };
                for item in batch {
                    if let Err(error) = item.map_err(E::from).and_then(&mut consume) {
                        result = Err(error);
                        break 'chunks;
                    }
                }
            }
            // Dropping the receivers ends workers blocked on a full channel.
            drop(batches);
            result
        })
    }

    /// A page's findings: those it was spilled with, then those added since.
    fn findings(&self, entry: &Entry) -> Result<Vec<Finding>, StoreError> {
        match entry {
            Entry::Resident(crawled) => Ok(crawled.findings.clone()),
            Entry::Spilled(stub) => {
                let mut findings = self.read_findings(stub)?;
                findings.extend(stub.added.iter().cloned());
                Ok(findings)
            }
        }
    }

    fn page(&self, entry: &Entry) -> Result<Page, StoreError> {
        match entry {
            Entry::Resident(crawled) => Ok(crawled.page.clone()),
            Entry::Spilled(stub) => self.read_page(stub),
        }
    }

    /// Every page and finding, whole in memory.
    ///
    /// # Errors
    /// [`StoreError`] when a spilled page cannot be read back.
    pub fn into_records(self) -> Result<Vec<PageRecord>, StoreError> {
        let spill = self.spill;
        self.entries
            .into_iter()
            .map(|entry| match entry {
                Entry::Resident(crawled) => {
                    let crawled = *crawled;
                    Ok((crawled.page, crawled.findings))
                }
                Entry::Spilled(stub) => read_record(spill.as_ref(), &stub),
            })
            .collect()
    }

    fn record(&self, entry: &Entry) -> Result<PageRecord, StoreError> {
        match entry {
            Entry::Resident(crawled) => Ok((crawled.page.clone(), crawled.findings.clone())),
            Entry::Spilled(stub) => read_record(self.spill.as_ref(), stub),
        }
    }

    fn read_page(&self, stub: &Stub) -> Result<Page, StoreError> {
        let bytes = read_at(self.spill.as_ref(), stub.at, stub.page_len as usize)?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// The findings the page was spilled with (not those added since).
    fn read_findings(&self, stub: &Stub) -> Result<Vec<Finding>, StoreError> {
        let bytes = read_at(
            self.spill.as_ref(),
            stub.at + u64::from(stub.page_len),
            stub.findings_len as usize,
        )?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

fn read_record(spill: Option<&Spill>, stub: &Stub) -> Result<PageRecord, StoreError> {
    let bytes = read_at(
        spill,
        stub.at,
        stub.page_len as usize + stub.findings_len as usize,
    )?;
    let (page, findings) = bytes.split_at(stub.page_len as usize);
    let page: Page = serde_json::from_slice(page)?;
    let mut findings: Vec<Finding> = serde_json::from_slice(findings)?;
    findings.extend(stub.added.iter().cloned());
    Ok((page, findings))
}

/// Reads `len` bytes at `at`, leaving the append position alone.
#[cfg(unix)]
fn read_at(spill: Option<&Spill>, at: u64, len: usize) -> Result<Vec<u8>, StoreError> {
    use std::os::unix::fs::FileExt;
    let spill = spill.ok_or_else(|| std::io::Error::other("no spill file"))?;
    let mut bytes = vec![0; len];
    spill.file.read_exact_at(&mut bytes, at)?;
    Ok(bytes)
}

#[cfg(not(unix))]
fn read_at(_spill: Option<&Spill>, _at: u64, _len: usize) -> Result<Vec<u8>, StoreError> {
    // `spilling()` never spills off Unix, so no stub points here.
    Err(StoreError::Io(std::io::Error::other(
        "spill files are read on Unix only",
    )))
}

fn entry_url(entry: &Entry) -> &str {
    match entry {
        Entry::Resident(crawled) => &crawled.page.url,
        Entry::Spilled(stub) => &stub.url,
    }
}

fn entry_depth(entry: &Entry) -> u32 {
    match entry {
        Entry::Resident(crawled) => crawled.page.depth,
        Entry::Spilled(stub) => stub.depth,
    }
}

impl Extend<CrawledPage> for PageStore {
    fn extend<I: IntoIterator<Item = CrawledPage>>(&mut self, pages: I) {
        for page in pages {
            self.push(page);
        }
    }
}
