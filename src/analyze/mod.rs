//! Analysis: everything that turns fetched bytes into judged evidence, with
//! no network and no clock of its own. Charset decoding and extraction make a
//! `Document`; `lang` and `rules` find what a block says; `classify` turns rule
//! hits into findings; `score` weighs findings into page levels and a firm's
//! verdict; `attribute` credits partner pages to the firms they name.
//!
//! Everything here is a pure function over data and is tested without a
//! network. It must never import `sources` (fetching) or `report` (output).

pub mod attribute;
pub mod brand;
pub mod charset;
pub mod classify;
pub mod extract;
pub mod lang;
pub mod lists;
pub mod rules;
pub mod score;
