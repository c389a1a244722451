use super::write::record_bytes;
use super::*;
use crate::model::sha256_hex;
use std::io::Write;
use std::path::Path;

fn info() -> WarcInfo {
    WarcInfo {
        software: "micar-scan/0.0.0-test".into(),
        config_sha256: "c0".repeat(32),
        patterns_sha256: "9a".repeat(32),
        user_agent: "micar-scan-test".into(),
        vantage: "DE (test)".into(),
        scan_id: "scan-unit".into(),
    }
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn exchange<'a>(
    url: &'a str,
    request_headers: &'a [(String, String)],
    response_headers: &'a [(String, String)],
    payload: &'a [u8],
) -> Exchange<'a> {
    Exchange {
        url,
        method: "GET",
        request_headers,
        http_version: "HTTP/1.1",
        status: 200,
        reason: "OK",
        response_headers,
        payload,
        content_decoded: false,
        truncated: false,
        ip: Some("127.0.0.1".parse().unwrap()),
        fetched_at: time::macros::datetime!(2026-11-28 16:05:09 UTC),
    }
}

fn all_records(path: &Path) -> Vec<WarcRecord> {
    WarcReader::open(path)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn digests_use_the_padded_upper_case_base32_that_warc_readers_compare() {
    // SHA-256 of the empty string, in RFC 4648 base32.
    let value = sha256_digest_value(b"");
    assert_eq!(
        value,
        "sha256:4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ===="
    );
    assert_eq!(check_digest(&value, b""), DigestCheck::Match);
    assert_eq!(check_digest(&value, b"x"), DigestCheck::Mismatch);
    let unpadded_lower = value.trim_end_matches('=').to_ascii_lowercase();
    assert_eq!(check_digest(&unpadded_lower, b""), DigestCheck::Match);
    let hex = format!("sha256:{}", sha256_hex(b""));
    assert_eq!(check_digest(&hex, b""), DigestCheck::Match);
    assert_eq!(
        check_digest("sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", b""),
        DigestCheck::Unsupported
    );
    assert_eq!(
        check_digest("sha256:not-a-digest", b""),
        DigestCheck::Unsupported
    );
}

#[test]
fn secrets_never_reach_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = WarcWriter::create(dir.path(), "unit", 1 << 20, info()).unwrap();
    let request = headers(&[
        ("User-Agent", "micar-scan-test"),
        ("Authorization", "Bearer secret-token-1"),
        ("Cookie", "session=secret-cookie-2"),
        ("proxy-authorization", "Basic secret-proxy-3"),
    ]);
    let response = headers(&[
        ("Content-Type", "text/plain"),
        ("Set-Cookie", "id=secret-session-4"),
    ]);
    let at = writer
        .write_exchange(&exchange(
            "http://user:secret-password-5@127.0.0.1:8080/a?b=c#frag",
            &request,
            &response,
            b"hello",
        ))
        .unwrap();
    let files = writer.finish().unwrap();
    let raw = {
        let mut bytes = Vec::new();
        for record in all_records(&files[0]) {
            bytes.extend(
                record
                    .headers
                    .iter()
                    .flat_map(|(n, v)| [n.clone(), v.clone()])
                    .collect::<String>()
                    .into_bytes(),
            );
            bytes.extend(record.block);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    };
    for secret in [
        "secret-token-1",
        "secret-cookie-2",
        "secret-proxy-3",
        "secret-session-4",
        "secret-password-5",
    ] {
        assert!(!raw.contains(secret), "{secret} leaked");
    }
    let response = WarcReader::read_at(&files[0], at.offset).unwrap();
    assert_eq!(
        response.header("WARC-Target-URI"),
        Some("http://127.0.0.1:8080/a?b=c")
    );
    assert!(raw.contains(
        "GET /a?b=c HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: micar-scan-test\r\n\r\n"
    ));
}

#[test]
fn decoded_bodies_get_self_consistent_headers() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = WarcWriter::create(dir.path(), "unit", 1 << 20, info()).unwrap();
    let response = headers(&[
        ("Content-Type", "text/html"),
        ("Content-Encoding", "gzip"),
        ("Content-Length", "31"),
        ("Transfer-Encoding", "chunked"),
    ]);
    let mut decoded = exchange(
        "http://127.0.0.1/",
        &[],
        &response,
        b"<p>Sieben Tage gratis</p>",
    );
    decoded.content_decoded = true;
    let at = writer.write_exchange(&decoded).unwrap();
    let files = writer.finish().unwrap();
    let record = WarcReader::read_at(&files[0], at.offset).unwrap();
    let http: Vec<(String, String)> = record.http_headers();
    assert_eq!(
        http,
        headers(&[
            ("Content-Type", "text/html"),
            ("X-Original-Content-Encoding", "gzip"),
            ("X-Original-Content-Length", "31"),
            ("X-Original-Transfer-Encoding", "chunked"),
            ("Content-Length", "25"),
        ])
    );
    assert_eq!(
        record.http_payload(),
        Some(&b"<p>Sieben Tage gratis</p>"[..])
    );
    assert!(record.digest_problems().is_empty());
}

#[test]
fn header_values_cannot_forge_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = WarcWriter::create(dir.path(), "unit", 1 << 20, info()).unwrap();
    let response = headers(&[("X-Note", "a\r\nWARC-Type: forged"), ("Bad Name", "x")]);
    let at = writer
        .write_exchange(&exchange("http://127.0.0.1/", &[], &response, b""))
        .unwrap();
    let files = writer.finish().unwrap();
    let record = WarcReader::read_at(&files[0], at.offset).unwrap();
    assert_eq!(
        record.http_headers()[0],
        ("X-Note".to_string(), "a  WARC-Type: forged".to_string())
    );
    assert!(!record
        .http_headers()
        .iter()
        .any(|(name, _)| name == "Bad Name"));
    assert_eq!(
        record
            .headers
            .iter()
            .filter(|(n, _)| n == "WARC-Type")
            .count(),
        1
    );
}

#[test]
fn plain_warc_files_are_read_with_record_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.warc");
    let first = record_bytes(
        &[
            ("WARC-Type", "resource".to_string()),
            ("WARC-Record-ID", "<urn:uuid:1>".to_string()),
        ],
        b"first\r\n\r\nblock",
    );
    let second = record_bytes(&[("WARC-Type", "metadata".to_string())], b"second");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&first).unwrap();
    file.write_all(&second).unwrap();
    drop(file);
    let records = all_records(&path);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].offset, 0);
    assert_eq!(records[0].block, b"first\r\n\r\nblock");
    assert_eq!(records[1].offset, first.len() as u64);
    assert_eq!(
        WarcReader::read_at(&path, first.len() as u64)
            .unwrap()
            .block,
        b"second"
    );
    // Not application/http: no HTTP payload to speak of.
    assert_eq!(records[0].http_payload(), None);
}

#[test]
fn a_cut_archive_is_reported_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.warc");
    let record = record_bytes(&[("WARC-Type", "resource".to_string())], b"0123456789");
    std::fs::write(&path, &record[..record.len() - 8]).unwrap();
    let results: Vec<_> = WarcReader::open(&path).unwrap().collect();
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err().to_string();
    assert!(
        error.contains("cut.warc @ 0") && error.contains("ends after"),
        "{error}"
    );
    assert!(matches!(
        WarcReader::read_at(&path, 3),
        Err(WarcError::Format { offset: 3, .. })
    ));
}

#[test]
fn existing_archives_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let first = WarcWriter::create(dir.path(), "same", 1 << 20, info()).unwrap();
    let second = WarcWriter::create(dir.path(), "same", 1 << 20, info()).unwrap();
    let a = first.finish().unwrap();
    let b = second.finish().unwrap();
    assert_ne!(a, b);
    // Both still start with their own warcinfo record.
    for path in a.iter().chain(&b) {
        let records = all_records(path);
        assert_eq!(records[0].header("WARC-Type"), Some("warcinfo"));
        assert_eq!(
            records[0].header("WARC-Filename"),
            path.file_name().and_then(|n| n.to_str())
        );
    }
}

#[test]
fn the_writer_can_be_shared_across_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<WarcWriter>();
}

#[test]
fn a_rendered_page_is_a_resource_record_that_refers_to_its_response() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = WarcWriter::create(dir.path(), "unit", 1 << 20, info()).unwrap();
    let response_headers = headers(&[("Content-Type", "text/html")]);
    let response = writer
        .write_exchange(&exchange(
            "https://user:secret@shell.example/#top",
            &[],
            &response_headers,
            b"<div id=root></div>",
        ))
        .unwrap();
    let dom = b"<html><body><div id=\"root\"><h1>Offer</h1></div></body></html>";
    let made_at = time::OffsetDateTime::now_utc();
    let resource = writer
        .write_resource(&super::Resource {
            target_uri: "https://user:secret@shell.example/#top",
            content_type: "text/html; charset=utf-8",
            payload: dom,
            refers_to: Some(&response.warc_record_id),
            refers_to_target_uri: Some("https://shell.example/"),
            made_at,
        })
        .unwrap();
    let shot = writer
        .write_resource(&super::Resource {
            target_uri: "urn:screenshot:https://shell.example/",
            content_type: "image/png",
            payload: b"\x89PNG\r\n\x1a\nnot really",
            refers_to: Some(&resource.warc_record_id),
            refers_to_target_uri: Some("https://shell.example/"),
            made_at,
        })
        .unwrap();
    let path = writer.finish().unwrap().remove(0);
    let record = WarcReader::read_at(&path, resource.offset).unwrap();
    assert_eq!(record.header("WARC-Type"), Some("resource"));
    // Credentials and the fragment never reach the archive.
    assert_eq!(
        record.header("WARC-Target-URI"),
        Some("https://shell.example/")
    );
    assert_eq!(
        record.header("WARC-Refers-To"),
        Some(response.warc_record_id.as_str())
    );
    assert_eq!(record.payload(), Some(&dom[..]));
    assert!(record.digest_problems().is_empty());
    let png = WarcReader::read_at(&path, shot.offset).unwrap();
    assert_eq!(
        png.header("WARC-Target-URI"),
        Some("urn:screenshot:https://shell.example/")
    );
    assert!(png.payload().is_some_and(|p| p.starts_with(b"\x89PNG")));
    assert!(png.digest_problems().is_empty());
    assert!(all_records(&path)
        .iter()
        .all(|r| r.digest_problems().is_empty()));
}
