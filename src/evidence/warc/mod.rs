//! The capture archive: every exchange the crawler makes is written as WARC/1.1
//! (ISO 28500) `request` and `response` records, each record its own gzip
//! member, so a finding can point at the exact bytes it was drawn from and a
//! supervisor can re-read them with any standard WARC tool.
//!
//! The archive is evidence, so this module must never record what it did not
//! receive except where it says so: headers that no longer describe the kept
//! body (`Content-Encoding`, `Transfer-Encoding`, `Content-Length` after the
//! client decoded the body) are renamed to `X-Original-…` rather than dropped,
//! and a body cut at the byte cap is marked `WARC-Truncated: length`. It must
//! never record secrets: request `Authorization`, `Cookie` and
//! `Proxy-Authorization` headers, response `Set-Cookie` headers and user
//! information in URLs are left out.
//!
//! Digests are `sha256:` followed by the RFC 4648 base32 form (upper case,
//! padded), which is what common WARC readers compute and compare; hex is
//! accepted when reading.

mod read;
mod record;
mod write;

pub use read::{WarcReader, WarcRecord};
pub use write::{Exchange, Resource, WarcInfo, WarcWriter};

pub use record::{
    check_digest, citation, sha256_digest_value, DigestCheck, RecordRef, WarcError, WARC_VERSION,
};

#[cfg(test)]
mod tests;
