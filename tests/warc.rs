//! The evidence chain end to end, on real files: archives written by
//! `WarcWriter`, read back by our reader and by warcio (the web-archiving
//! field's reference reader, through `scripts/warc_check.py`), pinned by a
//! manifest, and verified offline — and every kind of tampering caught.

use flate2::write::GzEncoder;
use flate2::Compression;
use micar_scan::evidence::warc::{
    Exchange, RecordRef, WarcInfo, WarcReader, WarcRecord, WarcWriter,
};
use micar_scan::evidence::{manifest_path, verify, write_manifest, Manifest};
use micar_scan::model::sha256_hex;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

const PAGE_DE: &str = "<!doctype html><html lang=\"de\"><head><title>Aurora Krypto</title></head>\
<body><h1>Bitcoin kaufen in Deutschland</h1>\
<p>Jetzt <b>Konto</b> er&ouml;ffnen und 50&nbsp;&euro; Bonus sichern.</p>\
<p>Einzahlung per SEPA-&Uuml;berweisung.</p></body></html>";

const PAGE_FR: &str = "<html lang=\"fr\"><body><p>Ouvrez un compte en quelques minutes \
et profitez de frais réduits pendant 30 jours.</p></body></html>";

/// Bytes that look like record syntax and gzip magic, to be kept verbatim.
fn binary_payload() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    bytes.extend_from_slice(b"\r\n\r\nWARC/1.1\r\n\x1f\x8b\x08\x00");
    bytes.extend((0..=255u8).cycle().take(3000));
    bytes
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn info() -> WarcInfo {
    WarcInfo {
        software: "micar-scan/0.0.0-test".into(),
        config_sha256: "ab".repeat(32),
        patterns_sha256: "cd".repeat(32),
        user_agent: "micar-scan-test/1".into(),
        vantage: "DE, loopback test".into(),
        scan_id: "scan-warc-test".into(),
    }
}

/// What was archived for one exchange, to compare the archive against.
struct Written {
    url: String,
    payload: Vec<u8>,
    truncated: bool,
    at: RecordRef,
}

struct Bundle {
    dir: tempfile::TempDir,
    files: Vec<PathBuf>,
    written: Vec<Written>,
}

impl Bundle {
    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join("warc").join(file)
    }
}

/// URL, response headers, payload, content decoded, truncated.
type Case = (String, Vec<(String, String)>, Vec<u8>, bool, bool);

/// Four exchanges (plain HTML, decoded gzip, truncated, binary) with a size
/// limit small enough to rotate.
fn write_archive() -> Bundle {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = WarcWriter::create(&dir.path().join("warc"), "aurora", 2500, info()).unwrap();
    let request = headers(&[
        ("User-Agent", "micar-scan-test/1"),
        ("Accept", "text/html"),
        ("Cookie", "session=never-archive-me"),
    ]);
    let fetched_at = time::macros::datetime!(2026-11-28 16:05:09.250 UTC);
    let binary = binary_payload();
    let long_page = format!("<p>{}</p>", "Staking mit bis zu 7 % APY. ".repeat(40));
    let cut_at = 300;
    let cases: Vec<Case> = vec![
        (
            "http://127.0.0.1:8080/de/".into(),
            headers(&[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Language", "de-DE"),
                ("X-Slogan", "Börse für alle – ab 1 €"),
            ]),
            PAGE_DE.as_bytes().to_vec(),
            false,
            false,
        ),
        (
            "http://127.0.0.1:8080/fr/offre?ref=partner#top".into(),
            headers(&[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", "128"),
                ("Vary", "Accept-Encoding"),
            ]),
            PAGE_FR.as_bytes().to_vec(),
            true,
            false,
        ),
        (
            "http://127.0.0.1:8080/staking".into(),
            headers(&[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", &long_page.len().to_string()),
            ]),
            long_page.as_bytes()[..cut_at].to_vec(),
            false,
            true,
        ),
        (
            "http://127.0.0.1:8080/logo.png".into(),
            headers(&[("Content-Type", "image/png")]),
            binary,
            false,
            false,
        ),
    ];
    let mut written = Vec::new();
    for (url, response, payload, content_decoded, truncated) in &cases {
        let at = writer
            .write_exchange(&Exchange {
                url,
                method: "GET",
                request_headers: &request,
                http_version: "HTTP/1.1",
                status: 200,
                reason: "OK",
                response_headers: response,
                payload,
                content_decoded: *content_decoded,
                truncated: *truncated,
                ip: Some("127.0.0.1".parse().unwrap()),
                fetched_at,
            })
            .unwrap();
        written.push(Written {
            url: url.split('#').next().unwrap().to_string(),
            payload: payload.clone(),
            truncated: *truncated,
            at,
        });
    }
    let files = writer.finish().unwrap();
    Bundle {
        dir,
        files,
        written,
    }
}

fn read_all(path: &Path) -> Vec<WarcRecord> {
    WarcReader::open(path)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn archive_rotates_and_every_file_opens_with_its_warcinfo() {
    let bundle = write_archive();
    assert!(bundle.files.len() >= 2, "no rotation: {:?}", bundle.files);
    let mut responses = 0;
    for path in &bundle.files {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("aurora-") && name.ends_with(".warc.gz"),
            "{name}"
        );
        let records = read_all(path);
        let warcinfo = &records[0];
        assert_eq!(warcinfo.header("WARC-Type"), Some("warcinfo"));
        assert_eq!(warcinfo.header("WARC-Filename"), Some(name));
        let body = String::from_utf8(warcinfo.block.clone()).unwrap();
        for field in [
            "software: micar-scan/0.0.0-test\r\n",
            "http-header-user-agent: micar-scan-test/1\r\n",
            "vantage: DE, loopback test\r\n",
            "scan-id: scan-warc-test\r\n",
            &format!("config-sha256: {}\r\n", "ab".repeat(32)),
            &format!("patterns-sha256: {}\r\n", "cd".repeat(32)),
        ] {
            assert!(body.contains(field), "{field:?} missing from {body:?}");
        }
        let warcinfo_id = warcinfo.header("WARC-Record-ID").unwrap();
        for record in &records[1..] {
            assert_eq!(record.header("WARC-Warcinfo-ID"), Some(warcinfo_id));
            responses += usize::from(record.header("WARC-Type") == Some("response"));
        }
    }
    assert_eq!(responses, bundle.written.len());
}

#[test]
fn our_reader_gets_back_every_exchange_with_matching_digests() {
    let bundle = write_archive();
    for written in &bundle.written {
        let response =
            WarcReader::read_at(&bundle.path(&written.at.warc_file), written.at.offset).unwrap();
        assert_eq!(response.header("WARC-Type"), Some("response"));
        assert_eq!(
            response.header("WARC-Record-ID"),
            Some(written.at.warc_record_id.as_str())
        );
        assert_eq!(
            response.header("WARC-Target-URI"),
            Some(written.url.as_str())
        );
        assert_eq!(response.header("WARC-IP-Address"), Some("127.0.0.1"));
        assert_eq!(response.header("WARC-Date"), Some("2026-11-28T16:05:09Z"));
        assert_eq!(
            response.header("Content-Type"),
            Some("application/http; msgtype=response")
        );
        assert_eq!(response.http_payload(), Some(written.payload.as_slice()));
        assert_eq!(
            response.header("WARC-Truncated"),
            written.truncated.then_some("length")
        );
        assert!(
            response.digest_problems().is_empty(),
            "{:?}",
            response.digest_problems()
        );
    }
    // Requests and responses point at each other, and nothing is wrong anywhere.
    let records: Vec<WarcRecord> = bundle.files.iter().flat_map(|p| read_all(p)).collect();
    assert_eq!(records.len(), bundle.files.len() + 2 * bundle.written.len());
    for record in &records {
        assert!(record.digest_problems().is_empty(), "{:?}", record.headers);
        assert!(record
            .header("WARC-Record-ID")
            .is_some_and(|id| id.starts_with("<urn:uuid:") && id.ends_with('>')));
        if let Some(other) = record.header("WARC-Concurrent-To") {
            let partner = records
                .iter()
                .find(|r| r.header("WARC-Record-ID") == Some(other))
                .expect("concurrent record exists");
            assert_eq!(
                partner.header("WARC-Concurrent-To"),
                record.header("WARC-Record-ID")
            );
        }
    }
    let request = records
        .iter()
        .find(|r| r.header("WARC-Type") == Some("request"))
        .unwrap();
    let request_text = String::from_utf8(request.block.clone()).unwrap();
    assert!(request_text.starts_with("GET /de/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
    assert!(!request_text.contains("never-archive-me"));
    // The decoded exchange says so, and its Content-Length fits what is kept.
    let decoded = WarcReader::read_at(
        &bundle.path(&bundle.written[1].at.warc_file),
        bundle.written[1].at.offset,
    )
    .unwrap();
    let http = decoded.http_headers();
    assert!(http.contains(&("X-Original-Content-Encoding".into(), "gzip".into())));
    assert!(http.contains(&("Content-Length".into(), PAGE_FR.len().to_string())));
    assert!(!http.iter().any(|(name, _)| name == "Content-Encoding"));
    // Non-ASCII header values survive as UTF-8.
    let first = WarcReader::read_at(
        &bundle.path(&bundle.written[0].at.warc_file),
        bundle.written[0].at.offset,
    )
    .unwrap();
    assert!(first
        .http_headers()
        .contains(&("X-Slogan".into(), "Börse für alle – ab 1 €".into())));
}

/// Runs `scripts/warc_check.py` on the files, or returns `None` (after saying
/// why) when warcio is not installed and not required.
fn warcio_check(files: &[PathBuf]) -> Option<(bool, Value)> {
    let available = Command::new("python3")
        .args(["-c", "import warcio"])
        .status()
        .is_ok_and(|status| status.success());
    if !available {
        if std::env::var_os("MICAR_SCAN_REQUIRE_WARCIO").is_some() {
            panic!("MICAR_SCAN_REQUIRE_WARCIO is set but python3 cannot import warcio");
        }
        eprintln!("skipping: python3 cannot import warcio (pip install warcio)");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/warc_check.py");
    let output = Command::new("python3")
        .arg(script)
        .args(files)
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "warc_check printed no JSON ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Some((output.status.success(), summary))
}

#[test]
fn warcio_reads_the_archive_and_accepts_every_digest() {
    let bundle = write_archive();
    let Some((success, summary)) = warcio_check(&bundle.files) else {
        return;
    };
    assert!(success, "{summary:#}");
    assert_eq!(summary["digest_ok"], json!(true));
    assert_eq!(summary["errors"], json!([]));
    assert_eq!(
        summary["by_type"],
        json!({"warcinfo": bundle.files.len(), "request": 4, "response": 4})
    );
    let expected_uris: Vec<&str> = bundle.written.iter().map(|w| w.url.as_str()).collect();
    for uri in &expected_uris {
        let count = summary["target_uris"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u.as_str() == Some(uri))
            .count();
        assert_eq!(count, 2, "request and response for {uri}");
    }
    for record in summary["records"].as_array().unwrap() {
        // warcio checked a digest on every record, not merely found none to check.
        assert_eq!(record["digest"], json!("ok"), "{record:#}");
    }
    // warcio finds each response where our RecordRef says it is.
    for written in &bundle.written {
        let seen = summary["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_str() == Some(written.at.warc_record_id.as_str()))
            .unwrap();
        assert_eq!(seen["offset"], json!(written.at.offset));
        assert!(seen["file"]
            .as_str()
            .unwrap()
            .ends_with(&written.at.warc_file));
        assert_eq!(seen["http_status"], json!("200"));
        assert_eq!(
            seen["truncated"],
            if written.truncated {
                json!("length")
            } else {
                Value::Null
            }
        );
    }
}

/// Replaces one byte inside the payload of the gzip member at `offset` and
/// recompresses it, as a forger with the right tools would.
fn tamper_payload(path: &Path, offset: u64, needle: &[u8], replacement: u8) {
    let bytes = std::fs::read(path).unwrap();
    let start = offset as usize;
    let mut decoder = flate2::bufread::GzDecoder::new(&bytes[start..]);
    let mut record = Vec::new();
    decoder.read_to_end(&mut record).unwrap();
    let end = bytes.len() - decoder.into_inner().len();
    let at = record
        .windows(needle.len())
        .rposition(|w| w == needle)
        .expect("needle in record");
    record[at] = replacement;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(&record).unwrap();
    let member = encoder.finish().unwrap();
    let mut out = bytes[..start].to_vec();
    out.extend_from_slice(&member);
    out.extend_from_slice(&bytes[end..]);
    std::fs::write(path, out).unwrap();
}

#[test]
fn warcio_catches_a_changed_payload() {
    let bundle = write_archive();
    let target = &bundle.written[0].at;
    tamper_payload(
        &bundle.path(&target.warc_file),
        target.offset,
        b"Bonus",
        b'M',
    );
    let Some((success, summary)) = warcio_check(&bundle.files) else {
        return;
    };
    assert!(!success, "{summary:#}");
    assert_eq!(summary["digest_ok"], json!(false));
    let failed: Vec<&Value> = summary["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["digest"] == json!("failed"))
        .collect();
    assert_eq!(failed.len(), 1, "{summary:#}");
    assert_eq!(failed[0]["id"], json!(target.warc_record_id));
}

/// A report citing the archived responses, as the crawler will write it.
fn write_report(bundle: &Bundle) -> (PathBuf, Value) {
    let cite = |written: &Written| {
        json!({
            "warc_file": written.at.warc_file,
            "warc_record_id": written.at.warc_record_id,
            "warc_offset": written.at.offset,
            "content_sha256": sha256_hex(&written.payload),
        })
    };
    let mut pages = Vec::new();
    for written in &bundle.written {
        let mut page = json!({
            "url": written.url,
            "final_url": written.url,
            "status": 200,
            "fetched_at": "2026-11-28T16:05:09Z",
        });
        merge(&mut page, cite(written));
        pages.push(page);
    }
    let mut finding_de = json!({
        "id": "f-de-cta",
        "rule_id": "cta.de.open_account",
        "url": bundle.written[0].url,
        "matched": "Konto eröffnen",
        "snippet": "…Jetzt Konto eröffnen und 50 € Bonus sichern.",
    });
    merge(&mut finding_de, cite(&bundle.written[0]));
    let mut finding_fr = json!({
        "id": "f-fr-promo",
        "rule_id": "promo.fr.fee_holiday",
        "url": bundle.written[1].url,
        "matched": "frais réduits",
        "snippet": "…profitez de frais réduits pendant 30 jours.",
    });
    merge(&mut finding_fr, cite(&bundle.written[1]));
    let uncited = json!({"id": "f-no-warc", "matched": "anything", "content_sha256": "00"});
    let report = json!({
        "schema_version": "1.0.0",
        "tool": {"name": "micar-scan", "version": "0.0.0-test"},
        "firms": [{
            "name": "Aurora",
            "pages": pages,
            "findings": [finding_de, finding_fr, uncited],
        }],
        "errors": [],
    });
    let path = bundle.dir.path().join("aurora-20261128T160509Z.json");
    save(&path, &report);
    write_manifest(&path, &bundle.files).unwrap();
    (path, report)
}

fn merge(target: &mut Value, extra: Value) {
    for (key, value) in extra.as_object().unwrap() {
        target[key] = value.clone();
    }
}

fn save(path: &Path, report: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(report).unwrap()).unwrap();
}

fn problem_text(verification: &micar_scan::evidence::Verification) -> String {
    verification
        .problems
        .iter()
        .map(|p| format!("{p}\n"))
        .collect()
}

#[test]
fn an_untouched_bundle_verifies() {
    let bundle = write_archive();
    let (report_path, _) = write_report(&bundle);
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(manifest_path(&report_path)).unwrap()).unwrap();
    assert_eq!(manifest.report.name, "aurora-20261128T160509Z.json");
    assert_eq!(manifest.warc_files.len(), bundle.files.len());
    assert!(manifest.warc_files[0].name.starts_with("warc/aurora-"));
    let verification = verify(&report_path).unwrap();
    assert!(verification.is_ok(), "{}", problem_text(&verification));
    assert_eq!(
        verification.records_checked,
        bundle.files.len() + 2 * bundle.written.len()
    );
    assert_eq!(verification.pages_checked, bundle.written.len());
    assert_eq!(verification.findings_checked, 2);
}

#[test]
fn a_bundle_moved_as_a_folder_still_verifies() {
    let bundle = write_archive();
    let (report_path, _) = write_report(&bundle);
    let moved = tempfile::tempdir().unwrap();
    let target = moved.path().join("bundle");
    std::fs::rename(bundle.dir.path(), &target).unwrap();
    let verification = verify(&target.join(report_path.file_name().unwrap())).unwrap();
    assert!(verification.is_ok(), "{}", problem_text(&verification));
}

#[test]
fn a_recompressed_forgery_is_named_by_file_record_and_finding() {
    let bundle = write_archive();
    let (report_path, _) = write_report(&bundle);
    let target = &bundle.written[0].at;
    tamper_payload(
        &bundle.path(&target.warc_file),
        target.offset,
        b"Bonus",
        b'M',
    );
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    let record_location = format!(
        "{} @ {} {}",
        target.warc_file, target.offset, target.warc_record_id
    );
    assert!(
        text.contains(&format!("warc/{}: SHA-256 is", target.warc_file)),
        "{text}"
    );
    assert!(
        text.contains(&format!("{record_location}: block digest does not match")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{record_location}: payload digest does not match")),
        "{text}"
    );
    assert!(
        text.contains("report finding f-de-cta: content_sha256 is"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "report page {}: content_sha256",
            bundle.written[0].url
        )),
        "{text}"
    );
    // The snippet quoted "Bonus", which the forged page no longer says.
    assert!(
        text.contains("report finding f-de-cta: snippet text"),
        "{text}"
    );
    // Records in the other archives are untouched and raise nothing.
    for written in &bundle.written {
        if written.at.warc_file != target.warc_file {
            assert!(!text.contains(&written.url), "{text}");
        }
    }
}

#[test]
fn a_flipped_compressed_byte_is_named_by_file_and_offset() {
    let bundle = write_archive();
    let (report_path, _) = write_report(&bundle);
    let target = &bundle.written[0].at;
    let path = bundle.path(&target.warc_file);
    let mut bytes = std::fs::read(&path).unwrap();
    // Inside the deflate data of the response member, past its 10-byte gzip header.
    bytes[target.offset as usize + 40] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    assert!(
        text.contains(&format!("{}: unreadable", target.warc_file)),
        "{text}"
    );
    assert!(text.contains(&format!("@ {}", target.offset)), "{text}");
    assert!(text.contains("report finding f-de-cta"), "{text}");
}

#[test]
fn an_altered_finding_is_named_even_with_a_fresh_manifest() {
    let bundle = write_archive();
    let (report_path, mut report) = write_report(&bundle);
    report["firms"][0]["findings"][1]["matched"] = json!("frais offerts");
    save(&report_path, &report);
    // Whoever altered the report could also make a new manifest; the archive still disagrees.
    write_manifest(&report_path, &bundle.files).unwrap();
    let verification = verify(&report_path).unwrap();
    assert_eq!(
        verification.problems.len(),
        1,
        "{}",
        problem_text(&verification)
    );
    let problem = &verification.problems[0];
    assert_eq!(problem.location, "report finding f-fr-promo");
    assert!(problem.message.contains("\"frais offerts\" does not occur"));
}

#[test]
fn an_altered_snippet_is_named() {
    let bundle = write_archive();
    let (report_path, mut report) = write_report(&bundle);
    report["firms"][0]["findings"][0]["snippet"] =
        json!("…Jetzt Konto eröffnen und 500 € Bonus sichern.");
    save(&report_path, &report);
    write_manifest(&report_path, &bundle.files).unwrap();
    let verification = verify(&report_path).unwrap();
    assert_eq!(
        verification.problems.len(),
        1,
        "{}",
        problem_text(&verification)
    );
    assert_eq!(verification.problems[0].location, "report finding f-de-cta");
}

#[test]
fn a_changed_report_fails_its_manifest_digest() {
    let bundle = write_archive();
    let (report_path, mut report) = write_report(&bundle);
    report["firms"][0]["name"] = json!("Someone Else");
    save(&report_path, &report);
    let verification = verify(&report_path).unwrap();
    assert_eq!(
        verification.problems.len(),
        2,
        "{}",
        problem_text(&verification)
    );
    assert!(verification
        .problems
        .iter()
        .all(|p| p.location == "aurora-20261128T160509Z.json"));
    assert!(problem_text(&verification).contains("SHA-256 is"));
}

#[test]
fn a_citation_to_the_wrong_record_or_offset_is_named() {
    let bundle = write_archive();
    let (report_path, mut report) = write_report(&bundle);
    let other = &bundle.written[1].at;
    report["firms"][0]["pages"][0]["warc_record_id"] = json!(other.warc_record_id);
    report["firms"][0]["findings"][1]["warc_offset"] = json!(other.offset + 1);
    report["firms"][0]["pages"][2]["warc_file"] = json!("elsewhere.warc.gz");
    report["firms"][0]["pages"][3]
        .as_object_mut()
        .unwrap()
        .remove("warc_offset");
    save(&report_path, &report);
    write_manifest(&report_path, &bundle.files).unwrap();
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    assert_eq!(verification.problems.len(), 4, "{text}");
    assert!(text.contains(&format!(
        "report page {}: cites {}",
        bundle.written[0].url, other.warc_record_id
    )));
    assert!(text.contains("report finding f-fr-promo: cited record cannot be read"));
    assert!(text.contains("which the manifest does not list"));
    assert!(text.contains("only in part"));
}

#[test]
fn a_missing_archive_is_a_problem_and_a_missing_manifest_an_error() {
    let bundle = write_archive();
    let (report_path, _) = write_report(&bundle);
    std::fs::remove_file(&bundle.files[0]).unwrap();
    let verification = verify(&report_path).unwrap();
    assert!(problem_text(&verification).contains("cannot be read"));
    std::fs::remove_file(manifest_path(&report_path)).unwrap();
    assert!(verify(&report_path).is_err());
}

/// A page whose findings quote derived text: flattened JSON-LD, the page URL,
/// and link targets resolved from relative hrefs.
const PAGE_DERIVED: &str = r#"<!doctype html><html lang="de"><head>
<script type="application/ld+json">{"@type":"Organization","name":"Aurora Krypto",
"address":{"@type":"PostalAddress","streetAddress":"Hafenstra\u00dfe 7","addressLocality":"Hamburg","addressCountry":"DE"}}</script>
</head><body>
<p>Nach der ersten Einzahlung ab 100&nbsp;&euro; erh&auml;ltst du deinen <a href="/de/bonus/">Willkommensbonus</a>.</p>
<a class="btn" href="registrieren/?promo=EUWELCOME50">Jetzt registrieren</a>
</body></html>"#;

#[test]
fn derived_quotes_verify_against_the_archive_and_a_forged_link_target_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer =
        WarcWriter::create(&dir.path().join("warc"), "aurora", 1 << 20, info()).unwrap();
    let url = "http://127.0.0.1:8080/de/aktion/";
    let response = headers(&[("Content-Type", "text/html; charset=utf-8")]);
    let at = writer
        .write_exchange(&Exchange {
            url,
            method: "GET",
            request_headers: &headers(&[("User-Agent", "micar-scan-test/1")]),
            http_version: "HTTP/1.1",
            status: 200,
            reason: "OK",
            response_headers: &response,
            payload: PAGE_DERIVED.as_bytes(),
            content_decoded: false,
            truncated: false,
            ip: Some("127.0.0.1".parse().unwrap()),
            fetched_at: time::macros::datetime!(2026-11-28 16:05:09.250 UTC),
        })
        .unwrap();
    let files = writer.finish().unwrap();
    let finding = |id: &str, kind: &str, path: &str, matched: &str, snippet: &str| {
        json!({
            "id": id,
            "url": url,
            "matched": matched,
            "snippet": snippet,
            "location": {"block_kind": kind, "block_index": 0, "path": path, "char_offset": 0},
            "warc_file": at.warc_file,
            "warc_record_id": at.warc_record_id,
            "warc_offset": at.offset,
            "content_sha256": sha256_hex(PAGE_DERIVED.as_bytes()),
        })
    };
    let findings = vec![
        finding(
            "f-json-ld",
            "json_ld",
            "head>script",
            "Hamburg",
            "name: Aurora Krypto; address: Hafenstraße 7, Hamburg, DE",
        ),
        finding("f-url", "url", "url", "/de/", url),
        finding(
            "f-sentence",
            "paragraph",
            "body>p",
            "100 €",
            "Nach der ersten Einzahlung ab 100 € erhältst du deinen Willkommensbonus.",
        ),
        finding(
            "f-inline-link",
            "paragraph",
            "body>p[href]",
            "/bonus/",
            "http://127.0.0.1:8080/de/bonus/",
        ),
        finding(
            "f-button-link",
            "button",
            "body>a[href]",
            "promo=EUWELCOME50",
            "http://127.0.0.1:8080/de/aktion/registrieren/?promo=EUWELCOME50",
        ),
    ];
    let mut report = json!({
        "schema_version": "1.0.0",
        "tool": {"name": "micar-scan", "version": "0.0.0-test"},
        "firms": [{"name": "Aurora", "pages": [], "findings": findings}],
        "errors": [],
    });
    let report_path = dir.path().join("aurora-derived.json");
    save(&report_path, &report);
    write_manifest(&report_path, &files).unwrap();
    let verification = verify(&report_path).unwrap();
    assert!(verification.is_ok(), "{}", problem_text(&verification));
    assert_eq!(verification.findings_checked, 5);

    // A forged referral code in a link target, under a fresh manifest.
    report["firms"][0]["findings"][4]["snippet"] =
        json!("http://127.0.0.1:8080/de/aktion/registrieren/?promo=EUWELCOME500");
    report["firms"][0]["findings"][4]["matched"] = json!("promo=EUWELCOME500");
    save(&report_path, &report);
    write_manifest(&report_path, &files).unwrap();
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    assert_eq!(verification.problems.len(), 1, "{text}");
    assert_eq!(
        verification.problems[0].location,
        "report finding f-button-link"
    );
    assert!(text.contains("link target"), "{text}");
}

#[test]
fn a_report_cut_short_is_named_once_and_nothing_it_cites_is_counted() {
    let bundle = write_archive();
    let (report_path, _) = write_report(&bundle);
    let text = std::fs::read(&report_path).unwrap();
    // Cut after the pages, inside the findings: what was read before the
    // cut must not be counted as verified.
    let cut = text.len() * 3 / 4;
    std::fs::write(&report_path, &text[..cut]).unwrap();
    write_manifest_even_if_unreadable(&report_path, &bundle.files);
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    assert_eq!(verification.problems.len(), 1, "{text}");
    assert!(text.contains("not JSON"), "{text}");
    assert_eq!(
        (verification.pages_checked, verification.findings_checked),
        (0, 0)
    );

    // Valid JSON that is not a report is named as such.
    std::fs::write(&report_path, br#"{"firms": [{"pages": "none"}]}"#).unwrap();
    assert!(write_manifest(&report_path, &bundle.files).is_err());
    write_manifest_even_if_unreadable(&report_path, &bundle.files);
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    assert_eq!(verification.problems.len(), 1, "{text}");
    assert!(text.contains("not a micar-scan report"), "{text}");
}

/// The manifest of a report that is not valid JSON: digests only (the
/// captures the report cites cannot be read from it), written by hand.
fn write_manifest_even_if_unreadable(report_path: &Path, files: &[PathBuf]) {
    let bytes = std::fs::read(report_path).unwrap();
    let dir = report_path.parent().unwrap();
    let digest = |path: &Path| {
        let data = std::fs::read(path).unwrap();
        json!({
            "name": path.strip_prefix(dir).unwrap().to_string_lossy(),
            "sha256": sha256_hex(&data),
            "bytes": data.len(),
        })
    };
    let manifest = json!({
        "manifest_version": "1.1.0",
        "created_at": "2026-11-28T16:05:09Z",
        "tool": {"name": "micar-scan", "version": "0.0.0-test"},
        "report": {
            "name": report_path.file_name().unwrap().to_string_lossy(),
            "sha256": sha256_hex(&bytes),
            "bytes": bytes.len(),
        },
        "warc_files": files.iter().map(|f| digest(f)).collect::<Vec<_>>(),
        "captures": [],
    });
    save(&manifest_path(report_path), &manifest);
}

/// Many more records than verify keeps read at once: a finding that cites a
/// record read long before is checked against it all the same, and a
/// forged one is still named.
#[test]
fn citations_of_records_read_long_before_are_checked_all_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = WarcWriter::create(&dir.path().join("warc"), "many", 1 << 20, info()).unwrap();
    let request = headers(&[("User-Agent", "micar-scan-test/1")]);
    let response = headers(&[("Content-Type", "text/html; charset=utf-8")]);
    let fetched_at = time::macros::datetime!(2026-11-28 16:05:09.250 UTC);
    let mut pages = Vec::new();
    let mut cites = Vec::new();
    for n in 0..150 {
        let url = format!("http://127.0.0.1:8080/p/{n}");
        let payload =
            format!("<html><body><p>Seite {n}: Konto eröffnen ab {n} €.</p></body></html>");
        let at = writer
            .write_exchange(&Exchange {
                url: &url,
                method: "GET",
                request_headers: &request,
                http_version: "HTTP/1.1",
                status: 200,
                reason: "OK",
                response_headers: &response,
                payload: payload.as_bytes(),
                content_decoded: false,
                truncated: false,
                ip: None,
                fetched_at,
            })
            .unwrap();
        let cite = json!({
            "warc_file": at.warc_file,
            "warc_record_id": at.warc_record_id,
            "warc_offset": at.offset,
            "content_sha256": sha256_hex(payload.as_bytes()),
        });
        let mut page = json!({"url": url, "status": 200});
        merge(&mut page, cite.clone());
        pages.push(page);
        cites.push((url, n, cite));
    }
    let files = writer.finish().unwrap();
    // Findings in the reverse order of their pages: each cites a record
    // that has long left the records kept read.
    let mut findings = Vec::new();
    for (url, n, cite) in cites.iter().rev() {
        let mut finding = json!({
            "id": format!("f{n}"),
            "url": url,
            "matched": format!("ab {n} €"),
            "snippet": format!("Konto eröffnen ab {n} €."),
        });
        merge(&mut finding, cite.clone());
        findings.push(finding);
    }
    findings[100]["matched"] = json!("ab 1000 €");
    let forged = findings[100]["id"].as_str().unwrap().to_string();
    let report = json!({"firms": [{"name": "Many", "pages": pages, "findings": findings}]});
    let report_path = dir.path().join("many.json");
    save(&report_path, &report);
    write_manifest(&report_path, &files).unwrap();
    let verification = verify(&report_path).unwrap();
    let text = problem_text(&verification);
    assert_eq!(
        (verification.pages_checked, verification.findings_checked),
        (150, 150),
        "{text}"
    );
    assert_eq!(verification.problems.len(), 1, "{text}");
    assert_eq!(
        verification.problems[0].location,
        format!("report finding {forged}")
    );
}
