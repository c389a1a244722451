//! micar-scan: crawls a crypto firm's web presence and reports evidence that
//! the firm solicits clients in the EU (MiCAR Art. 61, ESMA's reverse
//! solicitation guidelines).
//!
//! The modules are the pipeline's stages, lowest first: `model` (the shared
//! vocabulary), `config`, `analyze` (extract, languages, rules, classify,
//! score: pure, tested without a network), `evidence` (WARC, manifest,
//! verify), `sources` (fetching and the channels: all concurrency lives
//! there), `report` (JSON Schema, HTML, diff), `ledger` (the client-initiative
//! ledger: request and offer records judged against MiCAR Art. 61, beside a
//! scan report) and `scan`, which wires one scan together. A stage imports only from stages below it;
//! `tests/architecture.rs` keeps it so, and `docs/ARCHITECTURE.md` draws the
//! house. The binary is a thin CLI over this library.

pub mod analyze;
pub mod config;
pub mod demo;
pub mod evidence;
pub mod ledger;
pub mod model;
pub mod report;
pub mod scan;
pub mod sources;

pub use model::*;
