//! The nightly loop through the real binary: two scans of a site where one
//! page changed, `diff` and `--baseline` naming exactly what changed, and
//! sharded runs merged back into one.

mod common;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::{arg, micar_scan, scan_ok, TestServer};
use micar_scan::model::report::Report;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn page(body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"de\"><head><title>Krypto</title></head><body>{body}</body></html>"
    ))
}

fn write_config(dir: &Path, server: &TestServer, firms: &[&str]) -> PathBuf {
    let mut text = String::from(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 1000.0\nsitemaps = false\n[scan.resolve]\n",
    );
    for firm in firms {
        text.push_str(&format!("\"{firm}.example\" = \"{}\"\n", server.addr()));
    }
    for firm in firms {
        text.push_str(&format!(
            "\n[[firm]]\nname = \"{firm}\"\nwebsites = [\"http://{firm}.example/\"]\n"
        ));
    }
    let path = dir.join("nightly.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_page_shows_up_as_new_and_resolved_findings_only() {
    let offer = Arc::new(Mutex::new(
        "<h1>Bitcoin kaufen</h1><p>Jetzt registrieren und mit SEPA in Euro einzahlen: 50 € Bonus.</p>".to_string(),
    ));
    let served = Arc::clone(&offer);
    let router = Router::new()
        .route(
            "/",
            get(|| async {
                page("<p>Kryptowährungen sicher handeln.</p><a href=\"/angebot\">Angebot</a> <a href=\"/hilfe\">Hilfe</a>")
            }),
        )
        .route(
            "/angebot",
            get(move || {
                let body = served.lock().unwrap().clone();
                async move { page(&body) }
            }),
        )
        .route(
            "/hilfe",
            get(|| async { page("<p>Einzahlungen per SEPA-Überweisung in Euro sind kostenlos.</p>") }),
        );
    let server = TestServer::start(router).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server, &["krypto-handel"]);
    let first = dir.path().join("first.json");
    let second = dir.path().join("second.json");

    scan_ok(&config, &first, &[]).await;

    *offer.lock().unwrap() =
        "<h1>Bitcoin kaufen</h1><p>Konto eröffnen und per iDEAL einzahlen: 50 € Bonus.</p>"
            .to_string();
    scan_ok(&config, &second, &["--baseline", &arg(&first)]).await;

    let out = micar_scan(vec![
        "diff".into(),
        arg(&first),
        arg(&second),
        "--format".into(),
        "json".into(),
    ])
    .await;
    assert!(out.status.success());
    let changes: micar_scan::model::diff::ReportDiff = serde_json::from_slice(&out.stdout).unwrap();
    let firm = &changes.firms[0];
    assert!(
        !firm.new.is_empty() && !firm.resolved.is_empty(),
        "{firm:#?}"
    );
    // Only the changed page contributes, and with its new or old text.
    assert!(
        firm.new.iter().all(|f| f.url.ends_with("/angebot")),
        "{:#?}",
        firm.new
    );
    assert!(
        firm.resolved.iter().all(|f| f.url.ends_with("/angebot")),
        "{:#?}",
        firm.resolved
    );
    assert!(firm.new.iter().any(|f| f.matched.contains("iDEAL")));
    assert!(firm
        .resolved
        .iter()
        .any(|f| f.matched.to_lowercase().contains("registrieren")));
    // Findings on unchanged pages are unchanged, not new and resolved.
    let before = Report::read(&first).unwrap();
    let unchanged_pages = before.firms[0]
        .findings
        .iter()
        .filter(|f| !f.url.ends_with("/angebot"))
        .count();
    assert!(unchanged_pages > 0);
    assert!(firm.unchanged >= unchanged_pages);

    // The second report carries the same diff in `changes`.
    let after = Report::read(&second).unwrap();
    let embedded = after.changes.expect("--baseline embeds the changes");
    assert_eq!(embedded.firms[0].new.len(), firm.new.len());
    assert_eq!(embedded.firms[0].resolved.len(), firm.resolved.len());

    // Text output names the change for a person.
    let out = micar_scan(vec!["diff".into(), arg(&first), arg(&second)]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("iDEAL"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_cover_every_firm_once_and_merge_into_the_full_scan() {
    let router = Router::new().route(
        "/",
        get(|| async { page("<p>Bitcoin mit Euro kaufen.</p>") }),
    );
    let server = TestServer::start(router).await;
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
    ];
    let config = write_config(dir.path(), &server, &names);

    let mut shard_reports = Vec::new();
    for shard in ["1/2", "2/2"] {
        let path = dir.path().join(format!("shard-{}.json", &shard[..1]));
        let out = micar_scan(vec![
            "scan".into(),
            arg(&config),
            "--shard".into(),
            shard.into(),
            "--output".into(),
            arg(&path),
        ])
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        shard_reports.push(path);
    }
    let shard_firms: Vec<Vec<String>> = shard_reports
        .iter()
        .map(|p| {
            Report::read(p)
                .unwrap()
                .firms
                .into_iter()
                .map(|f| f.name)
                .collect()
        })
        .collect();
    let total: usize = shard_firms.iter().map(Vec::len).sum();
    assert_eq!(
        total,
        names.len(),
        "every firm in exactly one shard: {shard_firms:?}"
    );

    let merged = dir.path().join("merged.json");
    let mut args = vec!["merge".to_string()];
    args.extend(shard_reports.iter().map(|p| arg(p)));
    args.extend(["--output".into(), arg(&merged)]);
    let out = micar_scan(args).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let full = dir.path().join("full.json");
    scan_ok(&config, &full, &[]).await;
    let firm_set = |path: &Path| -> BTreeSet<(String, String)> {
        Report::read(path)
            .unwrap()
            .firms
            .into_iter()
            .map(|f| (f.name, f.verdict.level.to_string()))
            .collect()
    };
    assert_eq!(firm_set(&merged), firm_set(&full));

    // Merging a report twice is refused: a firm may only appear once.
    let out = micar_scan(vec![
        "merge".into(),
        arg(&shard_reports[0]),
        arg(&shard_reports[0]),
        "--output".into(),
        arg(&dir.path().join("bad.json")),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
}
