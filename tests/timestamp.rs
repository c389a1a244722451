//! RFC 3161 time-stamps of the manifest against a local TSA: a loopback
//! HTTP server that answers `application/timestamp-query` with
//! `openssl ts -reply`, signing with a throwaway CA made for the test.
//! The stored token must verify with `micar-scan verify` and with
//! `openssl ts -verify`, and a manifest changed afterwards must not.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use common::{arg, micar_scan, TestServer};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn openssl(dir: &Path, args: &[&str]) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A CA and a TSA certificate it signed, with the `openssl ts` configuration.
fn make_tsa(dir: &Path) -> bool {
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    std::fs::write(
        dir.join("tsa.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ts.cnf"),
        "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = ./serial\ncrypto_device = builtin\nsigner_cert = ./tsa.crt\ncerts = ./ca.crt\nsigner_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=Test Timestamp CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=Test TSA",
    ]);
    openssl(dir, &ca)
        && openssl(dir, &csr)
        && openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "tsa.ext",
                "-out",
                "tsa.crt",
            ],
        )
}

struct Tsa {
    dir: PathBuf,
    queries: AtomicUsize,
}

/// Answers a time-stamp query the way a TSA does, through `openssl ts -reply`.
async fn stamp(State(tsa): State<Arc<Tsa>>, query: Bytes) -> Response {
    let n = tsa.queries.fetch_add(1, Ordering::SeqCst);
    let dir = tsa.dir.clone();
    let reply = tokio::task::spawn_blocking(move || {
        let query_file = format!("q{n}.tsq");
        let reply_file = format!("r{n}.tsr");
        std::fs::write(dir.join(&query_file), &query).ok()?;
        openssl(
            &dir,
            &[
                "ts",
                "-reply",
                "-config",
                "ts.cnf",
                "-queryfile",
                &query_file,
                "-out",
                &reply_file,
            ],
        )
        .then(|| std::fs::read(dir.join(&reply_file)).ok())
        .flatten()
    })
    .await
    .unwrap();
    match reply {
        Some(der) => ([(header::CONTENT_TYPE, "application/timestamp-reply")], der).into_response(),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// A TSA that refuses: `TimeStampResp { status { rejection(2) } }`.
async fn refuse() -> Response {
    (
        [(header::CONTENT_TYPE, "application/timestamp-reply")],
        vec![0x30u8, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02],
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_manifest_is_time_stamped_and_a_later_change_is_caught() {
    let ca = tempfile::tempdir().unwrap();
    if !make_tsa(ca.path()) {
        if std::env::var_os("MICAR_SCAN_REQUIRE_OPENSSL").is_some() {
            panic!("openssl is required for the time-stamp tests");
        }
        eprintln!("skipping: openssl cannot make a test TSA here");
        return;
    }
    let tsa = Arc::new(Tsa {
        dir: ca.path().to_path_buf(),
        queries: AtomicUsize::new(0),
    });
    let router = Router::new()
        .route("/tsa", post(stamp))
        .route("/refuse", post(refuse))
        .route(
            "/",
            get(|| async {
                axum::response::Html(
                    "<html lang=\"de\"><body><p>Bitcoin mit Euro per SEPA kaufen.</p></body></html>",
                )
            }),
        )
        .with_state(Arc::clone(&tsa));
    let server = TestServer::start(router).await;
    let dir = tempfile::tempdir().unwrap();
    let config_text = |tsa_path: &str| {
        format!(
            "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nsitemaps = false\nmax_retries = 0\n[scan.resolve]\n\"boerse.example\" = \"{addr}\"\n\n[evidence]\ntsa = \"http://{addr}{tsa_path}\"\n\n[[firm]]\nname = \"Boerse\"\nwebsites = [\"http://boerse.example/\"]\n",
            addr = server.addr()
        )
    };
    let config = dir.path().join("stamped.toml");
    std::fs::write(&config, config_text("/tsa")).unwrap();
    let report = dir.path().join("report.json");
    let out = micar_scan(vec![
        "scan".into(),
        arg(&config),
        "--output".into(),
        arg(&report),
        "--warc".into(),
        arg(&dir.path().join("warc")),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("manifest time-stamped at"), "{stderr}");
    assert_eq!(tsa.queries.load(Ordering::SeqCst), 1);
    let manifest = dir.path().join("report.manifest.json");
    let tsr = dir.path().join("report.manifest.tsr");
    assert!(tsr.is_file());

    let out = micar_scan(vec!["verify".into(), arg(&report)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("manifest time-stamped at 20"), "{stdout}");

    // Standard tools agree: the token is the TSA's signature over this manifest.
    let ca_file = ca.path().join("ca.crt");
    let openssl_verify = |data: &Path| {
        openssl(
            dir.path(),
            &[
                "ts",
                "-verify",
                "-in",
                &arg(&tsr),
                "-data",
                &arg(data),
                "-CAfile",
                &arg(&ca_file),
            ],
        )
    };
    assert!(openssl_verify(&manifest));
    let token =
        micar_scan::evidence::timestamp::parse_response(&std::fs::read(&tsr).unwrap(), "tsr")
            .unwrap();
    assert_eq!(token.policy, "1.2.3.4.1");
    assert_eq!(token.signed_digest_matches, Some(true));
    assert!(token.nonce.is_some());
    use sha2::Digest;
    assert!(token.stamps_sha256(&sha2::Sha256::digest(std::fs::read(&manifest).unwrap())));

    // A manifest rewritten after the stamp (say, to list a forged archive) is caught.
    let original = std::fs::read_to_string(&manifest).unwrap();
    let rewritten = original.replacen("\"created_at\": \"20", "\"created_at\": \"19", 1);
    assert_ne!(rewritten, original);
    std::fs::write(&manifest, rewritten).unwrap();
    let out = micar_scan(vec!["verify".into(), arg(&report)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("report.manifest.tsr") && stdout.contains("changed after it was stamped"),
        "{stdout}"
    );
    assert!(!openssl_verify(&manifest));

    // A token whose stamped time was edited no longer matches what the TSA signed.
    std::fs::write(&manifest, &original).unwrap();
    let mut der = std::fs::read(&tsr).unwrap();
    let at = der
        .windows(3)
        .position(|w| w[0] == 0x18 && w[2] == b'2')
        .expect("genTime in the token");
    der[at + 5] = if der[at + 5] == b'1' { b'2' } else { b'1' };
    std::fs::write(&tsr, der).unwrap();
    let out = micar_scan(vec!["verify".into(), arg(&report)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("signed messageDigest"), "{stdout}");

    // A TSA that refuses fails the scan (exit 3) after the report is written.
    std::fs::write(&config, config_text("/refuse")).unwrap();
    let refused = dir.path().join("refused.json");
    let out = micar_scan(vec![
        "scan".into(),
        arg(&config),
        "--output".into(),
        arg(&refused),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("did not grant"), "{stderr}");
    assert!(refused.is_file());
    assert!(!dir.path().join("refused.manifest.tsr").exists());
}
