//! micar-scan: crawls a crypto firm's web presence and reports evidence that
//! the firm solicits clients in the EU (MiCAR Art. 61, ESMA's reverse
//! solicitation guidelines).
//!
//! Data flows one way: `config` → `frontier` → `fetch` → `extract` →
//! `classify` → `score` → `report`; `crawl` drives the loop and `scan` wires
//! the stages together. Everything from `extract` on is pure and is tested
//! without a network. The binary is a thin CLI over this library.

pub mod appstore;
pub mod attribute;
pub mod charset;
pub mod classify;
pub mod conditional;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod diff;
pub mod evidence;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod frontier;
pub mod geo;
pub mod guard;
pub mod html;
pub mod lang;
pub mod model;
pub mod offline;
pub mod partners;
pub mod redirect;
pub mod report;
pub mod robots;
pub mod rules;
pub mod scan;
pub mod score;
pub mod sitemap;
pub mod social;
pub mod text;
pub mod timestamp;
pub mod warc;

pub use model::*;
