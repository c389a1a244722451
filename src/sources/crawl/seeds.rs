//! Where a firm's crawl starts: its entry points grouped by kind (websites,
//! affiliates, feeds, social profiles), how each seed's responses are read,
//! and what a visit returns.

use super::store::CrawledPage;
use crate::config::{FeedKind, FirmConfig};
use crate::evidence::conditional::FirmBaseline;
use crate::model::report::ErrorEntry;
use crate::model::{Category, SourceKind};
use crate::sources::frontier::ScopeRules;
use crate::sources::social::{self, SocialFormat};
use std::collections::HashMap;
use std::sync::Arc;
use url::Url;

/// Depth to which affiliate and partner sites are followed from their entry page.
pub const DEFAULT_AFFILIATE_DEPTH: u32 = 1;

/// One kind of entry point (websites, affiliates, feeds, social profiles) and
/// how to read what it returns.
pub(crate) struct SeedGroup {
    pub(crate) kind: SourceKind,
    pub(crate) max_depth: u32,
    pub(crate) seeds: Vec<Url>,
    /// Category imposed on findings unless a seed's reading says otherwise.
    pub(crate) category: Option<Category>,
    /// Per seed URL: how to read its responses.
    pub(crate) readings: HashMap<String, Reading>,
    /// Per seed URL: the partner's name from `affiliates_file`.
    pub(crate) names: std::collections::BTreeMap<String, String>,
}

/// How to read one seed's response.
#[derive(Clone, Copy, Default)]
pub(crate) struct Reading {
    pub(crate) category: Option<Category>,
    pub(crate) max_age: Option<std::time::Duration>,
    pub(crate) telegram_preview: bool,
}

/// What a visit task needs to know about its group.
pub(crate) struct GroupContext {
    pub(crate) kind: SourceKind,
    pub(crate) category: Option<Category>,
    pub(crate) readings: HashMap<String, Reading>,
    pub(crate) scope: ScopeRules,
    /// The firm's pages of the baseline report that may be revalidated.
    pub(crate) baseline: Option<Arc<FirmBaseline>>,
}

/// The outcome of visiting one URL.
pub(crate) enum Visit {
    /// A response and the documents read from it: one for a page, one per
    /// item for a feed or a social preview page.
    Page {
        pages: Vec<CrawledPage>,
        links: Vec<crate::model::Link>,
        errors: Vec<ErrorEntry>,
    },
    Skipped(ErrorEntry),
    Failed(ErrorEntry),
}

/// The entry points of a firm, grouped by kind, each with its depth and reading.
pub(crate) fn seed_groups(firm: &FirmConfig, max_depth: u32) -> Vec<SeedGroup> {
    let mut feeds = SeedGroup {
        kind: SourceKind::Feed,
        max_depth: 0,
        seeds: Vec::new(),
        category: None,
        readings: HashMap::new(),
        names: Default::default(),
    };
    for feed in &firm.feeds {
        feeds.seeds.push(feed.url.clone());
        feeds.readings.insert(
            feed.url.to_string(),
            Reading {
                category: match feed.kind {
                    FeedKind::Blog => None,
                    FeedKind::Press => Some(Category::Press),
                    FeedKind::Social => Some(Category::SocialMedia),
                },
                max_age: feed.max_age,
                telegram_preview: false,
            },
        );
    }
    let mut social = SeedGroup {
        kind: SourceKind::Social,
        max_depth: 0,
        seeds: Vec::new(),
        category: Some(Category::SocialMedia),
        readings: HashMap::new(),
        names: Default::default(),
    };
    for profile in &firm.social {
        let (endpoint, format) = social::endpoint(profile);
        social.readings.insert(
            endpoint.to_string(),
            Reading {
                telegram_preview: format == SocialFormat::TelegramPreview,
                ..Reading::default()
            },
        );
        social.seeds.push(endpoint);
    }
    vec![
        SeedGroup {
            kind: SourceKind::Website,
            max_depth,
            seeds: firm.websites.clone(),
            category: None,
            readings: HashMap::new(),
            names: Default::default(),
        },
        SeedGroup {
            kind: SourceKind::Affiliate,
            max_depth: DEFAULT_AFFILIATE_DEPTH.min(max_depth),
            seeds: firm.affiliates.clone(),
            category: Some(Category::Affiliate),
            readings: HashMap::new(),
            names: firm.affiliate_names.clone(),
        },
        feeds,
        social,
    ]
}
