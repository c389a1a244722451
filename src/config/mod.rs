//! The scan configuration: targets (firms and their web presence) and scan
//! settings, read from TOML and validated up front.
//!
//! Every error names the file, the line and the key, so that a nightly job
//! fails loudly at start-up rather than half-way through a scan. This module
//! only reads and checks; it never touches the network.

pub mod partners;

mod error;
mod firm;
mod geo;
mod load;
mod raw;
mod settings;

pub use error::ConfigError;
pub use firm::{slugify, AppIds, FeedConfig, FeedKind, FirmConfig};
pub use geo::{
    country_code, GeoSettings, ProxyUrl, Vantage, DEFAULT_GEO_MAX_PAGES, EU_MEMBER_STATES,
};
pub use settings::*;

#[cfg(test)]
mod tests;
