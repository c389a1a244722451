//! micar-scan: crawls a crypto firm's web presence and reports evidence that
//! the firm solicits clients in the EU (MiCAR Art. 61, ESMA's reverse
//! solicitation guidelines).
//!
//! Data flows one way: `config` → `frontier` → `fetch` → `extract` →
//! `classify` → `score` → `report`; `crawl` drives the loop and `scan` wires
//! the stages together. Everything from `extract` on is pure and is tested
//! without a network. The binary is a thin CLI over this library.

pub mod analyze;
pub mod config;
pub mod demo;
pub mod evidence;
pub mod model;
pub mod report;
pub mod scan;
pub mod sources;

pub use model::*;
