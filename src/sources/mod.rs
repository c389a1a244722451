//! Sources: everything that reads the outside world. The HTTP layer (`guard`,
//! `fetch`, `frontier`, `robots`, `sitemap`) fetches politely and safely; the
//! channels (`crawl` for websites, `feed`, `social`, `appstore`, `redirect`,
//! `offline` inputs) and the `geo` probe drive it and hand what they read to
//! analysis.
//!
//! All concurrency and politeness live here. The HTTP layer never imports
//! analysis; the channels use it only to parse what they fetched and to run
//! the classifier they are handed.

pub mod appstore;
pub mod crawl;
pub mod feed;
pub mod fetch;
pub mod frontier;
pub mod geo;
pub mod guard;
pub mod offline;
pub mod redirect;
pub mod register;
pub mod render;
pub mod robots;
pub mod sitemap;
pub mod social;
