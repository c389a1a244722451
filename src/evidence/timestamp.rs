//! RFC 3161 time-stamps for the evidence bundle: a third party (a Time
//! Stamping Authority) signs the SHA-256 of the manifest together with the
//! time, so that a supervisor can show the bundle existed unchanged at that
//! time without trusting this tool or the machine that ran it.
//!
//! The request is built and the answer read with a small DER reader of our
//! own, because only a handful of fields matter. What this module checks:
//! the TSA granted the request, the token's message imprint is the SHA-256
//! of the manifest's bytes, the nonce is the one sent (when stamping), and
//! the signed `messageDigest` attribute equals the digest of the signed
//! time-stamp info (SHA-256/384/512), which ties the imprint and time to
//! what the signature covers. What it does **not** check: the signature
//! itself and the TSA certificate's chain of trust; those need the TSA's CA
//! certificate and are checked with standard tools (`openssl ts -verify
//! -in X.manifest.tsr -data X.manifest.json -CAfile TSA-CA.pem`). This
//! module must never report a token as verified beyond what it checked.

use sha2::{Digest, Sha256, Sha384, Sha512};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// The media type of a time-stamp request (RFC 3161 §3.4).
pub const QUERY_MEDIA_TYPE: &str = "application/timestamp-query";
/// The media type of a time-stamp response.
pub const REPLY_MEDIA_TYPE: &str = "application/timestamp-reply";
/// Largest response read from a TSA; real tokens are a few kilobytes.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// DER of the SHA-256 algorithm identifier's OID (tag, length, value).
const SHA256_OID_DER: [u8; 11] = [
    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
];

const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_CONTEXT_0: u8 = 0xA0;

/// Why a time-stamp could not be obtained or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    #[error("{url}: time-stamp request failed: {message}")]
    Request { url: String, message: String },
    #[error("{url}: the TSA answered HTTP {status}")]
    HttpStatus { url: String, status: u16 },
    #[error("{origin}: not an RFC 3161 time-stamp response: {message}")]
    Malformed { origin: String, message: String },
    #[error("{origin}: the TSA did not grant the time-stamp (PKIStatus {status})")]
    Refused { origin: String, status: u64 },
    #[error("{origin}: the token stamps {found}, not the manifest's SHA-256 {expected}")]
    WrongImprint {
        origin: String,
        expected: String,
        found: String,
    },
    #[error("{origin}: the token's nonce is not the one sent")]
    WrongNonce { origin: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a time-stamp token says, as read from its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampToken {
    /// `genTime` as RFC 3339 UTC (fractions of a second dropped).
    pub gen_time: String,
    /// Dotted OID of the imprint's hash algorithm.
    pub hash_algorithm: String,
    /// The hash the TSA stamped.
    pub message_imprint: Vec<u8>,
    /// Dotted OID of the TSA's policy.
    pub policy: String,
    /// Big-endian bytes of the serial number.
    pub serial: Vec<u8>,
    /// Big-endian bytes of the nonce, without leading zeros.
    pub nonce: Option<Vec<u8>>,
    /// Whether the signed `messageDigest` attribute equals the digest of the
    /// time-stamp info; `None` when the signer used a digest this module
    /// does not compute or there are no signed attributes.
    pub signed_digest_matches: Option<bool>,
}

impl TimestampToken {
    /// The imprint is the SHA-256 `digest`.
    pub fn stamps_sha256(&self, digest: &[u8]) -> bool {
        self.hash_algorithm == OID_SHA256 && self.message_imprint == digest
    }
}

/// `X.manifest.json` → `X.manifest.tsr`: the response beside its manifest.
pub fn tsr_path(manifest_path: &Path) -> PathBuf {
    manifest_path.with_extension("tsr")
}

/// DER `TimeStampReq` (RFC 3161 §2.4.1) for a SHA-256 `digest`, asking for
/// the TSA's certificate in the token (`certReq`), with `nonce`
/// (big-endian, read as a non-negative integer).
pub fn request_der(digest: &[u8; 32], nonce: &[u8]) -> Vec<u8> {
    let mut algorithm = SHA256_OID_DER.to_vec();
    algorithm.extend(tlv(TAG_NULL, &[]));
    let mut imprint = tlv(TAG_SEQUENCE, &algorithm);
    imprint.extend(tlv(TAG_OCTET_STRING, digest));
    let mut body = tlv(TAG_INTEGER, &[1]);
    body.extend(tlv(TAG_SEQUENCE, &imprint));
    body.extend(tlv(TAG_INTEGER, &unsigned_integer(nonce)));
    body.extend(tlv(TAG_BOOLEAN, &[0xFF]));
    tlv(TAG_SEQUENCE, &body)
}

/// Reads a DER `TimeStampResp` (or a bare `TimeStampToken`), checking that
/// the TSA granted it. `origin` names the file or URL in errors.
///
/// # Errors
/// [`TimestampError::Refused`] when the status is not granted;
/// [`TimestampError::Malformed`] when the bytes are not what RFC 3161 and
/// RFC 5652 describe.
pub fn parse_response(der: &[u8], origin: &str) -> Result<TimestampToken, TimestampError> {
    let malformed = |message: String| TimestampError::Malformed {
        origin: origin.to_string(),
        message,
    };
    let outer = Der::new(der)
        .expect(TAG_SEQUENCE, "TimeStampResp")
        .map_err(malformed)?;
    let mut fields = Der::new(outer);
    let first = fields.peek_tag().ok_or_else(|| malformed("empty".into()))?;
    let content_info = if first == TAG_SEQUENCE {
        let status_info = fields
            .expect(TAG_SEQUENCE, "PKIStatusInfo")
            .map_err(malformed)?;
        let status = integer_value(
            Der::new(status_info)
                .expect(TAG_INTEGER, "PKIStatus")
                .map_err(malformed)?,
        );
        // 0 granted, 1 granted with modifications.
        if status > 1 {
            return Err(TimestampError::Refused {
                origin: origin.to_string(),
                status,
            });
        }
        fields
            .expect(TAG_SEQUENCE, "TimeStampToken")
            .map_err(malformed)?
    } else {
        outer
    };
    read_token(content_info).map_err(malformed)
}

/// Asks the TSA at `tsa` to stamp the SHA-256 of `manifest_path`'s bytes
/// and writes its response to [`tsr_path`], atomically.
///
/// # Errors
/// [`TimestampError::Io`] when the manifest cannot be read or the response
/// written; [`TimestampError::Request`] / [`TimestampError::HttpStatus`]
/// when the TSA cannot be asked; the errors of [`parse_response`]; and
/// [`TimestampError::WrongImprint`] / [`TimestampError::WrongNonce`] when
/// the token is not for this request.
pub async fn stamp_manifest(
    manifest_path: &Path,
    tsa: &Url,
    timeout: Duration,
) -> Result<(PathBuf, TimestampToken), TimestampError> {
    let manifest = std::fs::read(manifest_path).map_err(|source| TimestampError::Io {
        path: manifest_path.to_path_buf(),
        source,
    })?;
    let digest: [u8; 32] = Sha256::digest(&manifest).into();
    let nonce = uuid::Uuid::new_v4().as_bytes()[..8].to_vec();
    let origin = crate::model::text::redact(tsa);
    let request_error = |message: String| TimestampError::Request {
        url: origin.clone(),
        message,
    };
    // The TSA is configured by the operator, not found on the web, so it is
    // not subject to the crawl's address guard; proxies from the
    // environment are ignored as for every other request of a scan.
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| request_error(e.to_string()))?;
    let response = client
        .post(tsa.clone())
        .header(reqwest::header::CONTENT_TYPE, QUERY_MEDIA_TYPE)
        .header(reqwest::header::ACCEPT, REPLY_MEDIA_TYPE)
        .body(request_der(&digest, &nonce))
        .send()
        .await
        .map_err(|e| request_error(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(TimestampError::HttpStatus {
            url: origin,
            status,
        });
    }
    let body = read_limited(response).await.map_err(request_error)?;
    let token = parse_response(&body, &origin)?;
    if !token.stamps_sha256(&digest) {
        return Err(TimestampError::WrongImprint {
            origin,
            expected: hex::encode(digest),
            found: hex::encode(&token.message_imprint),
        });
    }
    if token.nonce.as_deref() != Some(strip_leading_zeros(&nonce)) {
        return Err(TimestampError::WrongNonce { origin });
    }
    let path = tsr_path(manifest_path);
    crate::model::report::write_atomic(&path, &body).map_err(|e| TimestampError::Io {
        path: path.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok((path, token))
}

async fn read_limited(response: reqwest::Response) -> Result<Vec<u8>, String> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| e.without_url().to_string())?;
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(format!("response larger than {MAX_RESPONSE_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// ContentInfo → SignedData → the TSTInfo and the signer's digest check.
fn read_token(content_info: &[u8]) -> Result<TimestampToken, String> {
    let mut fields = Der::new(content_info);
    let content_type = oid_text(fields.expect(TAG_OID, "contentType")?)?;
    if content_type != OID_SIGNED_DATA {
        return Err(format!(
            "token content type is {content_type}, not SignedData"
        ));
    }
    let explicit = fields.expect(TAG_CONTEXT_0, "content")?;
    let signed_data = Der::new(explicit).expect(TAG_SEQUENCE, "SignedData")?;
    let mut signed = Der::new(signed_data);
    signed.expect(TAG_INTEGER, "SignedData version")?;
    signed.expect(TAG_SET, "digestAlgorithms")?;
    let encapsulated = signed.expect(TAG_SEQUENCE, "encapContentInfo")?;
    let mut encap = Der::new(encapsulated);
    let econtent_type = oid_text(encap.expect(TAG_OID, "eContentType")?)?;
    if econtent_type != OID_TST_INFO {
        return Err(format!("signed content is {econtent_type}, not TSTInfo"));
    }
    let econtent_explicit = encap.expect(TAG_CONTEXT_0, "eContent")?;
    let tst_info_der = Der::new(econtent_explicit).expect(TAG_OCTET_STRING, "eContent")?;
    let mut token = read_tst_info(tst_info_der)?;

    // certificates [0] and crls [1] may precede the signer infos.
    let mut signer_infos = None;
    while let Some(tag) = signed.peek_tag() {
        let value = signed.any()?;
        if tag == TAG_SET {
            signer_infos = Some(value);
        }
    }
    let signer_infos = signer_infos.ok_or("no signerInfos")?;
    let signer_info = Der::new(signer_infos).expect(TAG_SEQUENCE, "SignerInfo")?;
    token.signed_digest_matches = signed_digest_check(signer_info, tst_info_der)?;
    Ok(token)
}

fn read_tst_info(der: &[u8]) -> Result<TimestampToken, String> {
    let body = Der::new(der).expect(TAG_SEQUENCE, "TSTInfo")?;
    let mut fields = Der::new(body);
    fields.expect(TAG_INTEGER, "TSTInfo version")?;
    let policy = oid_text(fields.expect(TAG_OID, "policy")?)?;
    let imprint = fields.expect(TAG_SEQUENCE, "messageImprint")?;
    let mut imprint_fields = Der::new(imprint);
    let algorithm = imprint_fields.expect(TAG_SEQUENCE, "hashAlgorithm")?;
    let hash_algorithm = oid_text(Der::new(algorithm).expect(TAG_OID, "hash algorithm")?)?;
    let message_imprint = imprint_fields
        .expect(TAG_OCTET_STRING, "hashedMessage")?
        .to_vec();
    let serial = fields.expect(TAG_INTEGER, "serialNumber")?.to_vec();
    let gen_time = generalized_time(fields.expect(TAG_GENERALIZED_TIME, "genTime")?)?;
    let mut nonce = None;
    while let Some(tag) = fields.peek_tag() {
        let value = fields.any()?;
        if tag == TAG_INTEGER {
            nonce = Some(strip_leading_zeros(value).to_vec());
        }
    }
    Ok(TimestampToken {
        gen_time,
        hash_algorithm,
        message_imprint,
        policy,
        serial,
        nonce,
        signed_digest_matches: None,
    })
}

/// Compares the signed `messageDigest` attribute with the digest of the TSTInfo.
fn signed_digest_check(signer_info: &[u8], tst_info: &[u8]) -> Result<Option<bool>, String> {
    let mut fields = Der::new(signer_info);
    fields.expect(TAG_INTEGER, "SignerInfo version")?;
    fields.any()?; // sid
    let algorithm = fields.expect(TAG_SEQUENCE, "digestAlgorithm")?;
    let digest_oid = oid_text(Der::new(algorithm).expect(TAG_OID, "digest algorithm")?)?;
    if fields.peek_tag() != Some(TAG_CONTEXT_0) {
        return Ok(None);
    }
    let attributes = fields.expect(TAG_CONTEXT_0, "signedAttrs")?;
    let mut attributes = Der::new(attributes);
    let mut signed_digest = None;
    while attributes.peek_tag().is_some() {
        let attribute = attributes.expect(TAG_SEQUENCE, "Attribute")?;
        let mut parts = Der::new(attribute);
        let kind = oid_text(parts.expect(TAG_OID, "attrType")?)?;
        if kind == OID_MESSAGE_DIGEST {
            let values = parts.expect(TAG_SET, "attrValues")?;
            signed_digest = Some(Der::new(values).expect(TAG_OCTET_STRING, "messageDigest")?);
        }
    }
    let Some(signed_digest) = signed_digest else {
        return Err("signed attributes without messageDigest".into());
    };
    let actual: Vec<u8> = match digest_oid.as_str() {
        OID_SHA256 => Sha256::digest(tst_info).to_vec(),
        OID_SHA384 => Sha384::digest(tst_info).to_vec(),
        OID_SHA512 => Sha512::digest(tst_info).to_vec(),
        _ => return Ok(None),
    };
    Ok(Some(actual == signed_digest))
}

/// A cursor over DER elements (single-byte tags, definite lengths).
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Der<'a> {
        Der { rest: bytes }
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element's tag and content.
    fn next(&mut self) -> Result<(u8, &'a [u8]), String> {
        let (&tag, after_tag) = self.rest.split_first().ok_or("unexpected end")?;
        if tag & 0x1F == 0x1F {
            return Err(format!("multi-byte tag {tag:#04x} not expected here"));
        }
        let (&first, mut after_length) = after_tag.split_first().ok_or("missing length")?;
        let length = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7F);
            if count == 0 || count > 4 || after_length.len() < count {
                return Err("unsupported or truncated length".into());
            }
            let mut length = 0usize;
            for &byte in &after_length[..count] {
                length = (length << 8) | usize::from(byte);
            }
            after_length = &after_length[count..];
            length
        };
        if after_length.len() < length {
            return Err(format!("element of {length} bytes is truncated"));
        }
        let (content, rest) = after_length.split_at(length);
        self.rest = rest;
        Ok((tag, content))
    }

    fn expect(&mut self, wanted: u8, what: &str) -> Result<&'a [u8], String> {
        match self.next()? {
            (tag, content) if tag == wanted => Ok(content),
            (tag, _) => Err(format!(
                "{what}: expected tag {wanted:#04x}, found {tag:#04x}"
            )),
        }
    }

    fn any(&mut self) -> Result<&'a [u8], String> {
        self.next().map(|(_, content)| content)
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The content octets of a non-negative INTEGER with these big-endian bytes.
fn unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed = strip_leading_zeros(bytes);
    let mut out = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(trimmed);
    out
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// A small non-negative INTEGER's value (saturating past `u64`).
fn integer_value(content: &[u8]) -> u64 {
    strip_leading_zeros(content).iter().fold(0u64, |value, &b| {
        value.saturating_mul(256).saturating_add(u64::from(b))
    })
}

fn oid_text(content: &[u8]) -> Result<String, String> {
    let (&first, rest) = content.split_first().ok_or("empty OID")?;
    let mut parts = vec![u64::from(first / 40).min(2), 0];
    parts[1] = u64::from(first) - parts[0] * 40;
    let mut value = 0u64;
    for &byte in rest {
        value = value.checked_mul(128).ok_or("OID component too large")? | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            parts.push(value);
            value = 0;
        }
    }
    Ok(parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

/// `YYYYMMDDHHMMSS[.f+]Z` → `YYYY-MM-DDTHH:MM:SSZ`.
fn generalized_time(content: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(content).map_err(|_| "genTime is not text")?;
    let digits = text
        .get(..14)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
    match (digits, text.ends_with('Z')) {
        (Some(d), true) => Ok(format!(
            "{}-{}-{}T{}:{}:{}Z",
            &d[..4],
            &d[4..6],
            &d[6..8],
            &d[8..10],
            &d[10..12],
            &d[12..14]
        )),
        _ => Err(format!("genTime `{text}` is not a UTC GeneralizedTime")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_der_with_a_sha256_imprint_a_positive_nonce_and_cert_req() {
        let digest = [0xAB; 32];
        let der = request_der(&digest, &[0x80, 1]);
        let body = Der::new(&der).expect(TAG_SEQUENCE, "req").unwrap();
        let mut fields = Der::new(body);
        assert_eq!(fields.expect(TAG_INTEGER, "v").unwrap(), [1]);
        let imprint = fields.expect(TAG_SEQUENCE, "imprint").unwrap();
        let mut imprint = Der::new(imprint);
        let algorithm = imprint.expect(TAG_SEQUENCE, "alg").unwrap();
        assert_eq!(
            oid_text(Der::new(algorithm).expect(TAG_OID, "oid").unwrap()).unwrap(),
            OID_SHA256
        );
        assert_eq!(imprint.expect(TAG_OCTET_STRING, "h").unwrap(), digest);
        // A set top bit gets a leading zero so the nonce stays positive.
        assert_eq!(fields.expect(TAG_INTEGER, "nonce").unwrap(), [0, 0x80, 1]);
        assert_eq!(fields.expect(TAG_BOOLEAN, "certReq").unwrap(), [0xFF]);
        assert!(fields.peek_tag().is_none());
    }

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let der = tlv(TAG_OCTET_STRING, &content);
        assert_eq!(&der[..4], [0x04, 0x82, 0x01, 0x2C]);
        assert_eq!(
            Der::new(&der).expect(TAG_OCTET_STRING, "x").unwrap(),
            content
        );
        assert!(Der::new(&der[..100]).any().is_err());
    }

    #[test]
    fn a_refusal_is_an_error_naming_the_status() {
        // TimeStampResp { status { rejection(2) } }
        let refusal = [0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02];
        match parse_response(&refusal, "tsa") {
            Err(TimestampError::Refused { status: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
        match parse_response(b"<html>busy</html>", "tsa") {
            Err(TimestampError::Malformed { origin, .. }) => assert_eq!(origin, "tsa"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn times_and_oids_are_read() {
        assert_eq!(
            generalized_time(b"20261128190512.25Z").unwrap(),
            "2026-11-28T19:05:12Z"
        );
        assert!(generalized_time(b"20261128190512+0100").is_err());
        assert_eq!(
            oid_text(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]).unwrap(),
            OID_SIGNED_DATA
        );
        assert_eq!(
            tsr_path(Path::new("reports/x.manifest.json")),
            PathBuf::from("reports/x.manifest.tsr")
        );
    }
}
