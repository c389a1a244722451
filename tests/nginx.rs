//! The crawler against a real web server (nginx from the distribution,
//! started by the test on a loopback port): gzip on the wire, robots.txt,
//! sitemaps, and a realistic mix of statuses.

use micar_scan::analyze::rules::RuleSet;
use micar_scan::config::Config;
use micar_scan::scan::{self, ScanOptions};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// An nginx serving `root` on 127.0.0.1; stopped when dropped.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(binary: &Path, root: &Path) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let prefix = dir.path();
        std::fs::create_dir_all(prefix.join("logs")).unwrap();
        std::fs::create_dir_all(prefix.join("tmp")).unwrap();
        let conf = format!(
            r#"worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/logs/access.log;
    types {{ text/html html; application/xml xml; text/plain txt; }}
    default_type application/octet-stream;
    gzip on; gzip_min_length 100; gzip_types application/xml text/plain;
    client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /old {{ return 301 /index.html; }}
        location = /gone {{ return 410; }}
    }}
}}
"#,
            prefix = prefix.display(),
            root = root.display()
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(prefix)
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx starts");
        // Wait until it accepts connections.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            port,
            _dir: dir,
        }
    }

    fn access_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("logs/access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGKILL would stop the master alone and leave its worker serving
        // without it after the test; SIGTERM makes the master stop its
        // workers first. SIGKILL only if that does not end it.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..250 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn make_world_readable(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| if path.is_dir() { 0o755 } else { 0o644 };
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode(&path))).unwrap();
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
}

fn write_site(root: &Path) {
    let page = |title: &str, links: &str| {
        format!(
            "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><p>{}</p>{links}</body></html>",
            "Jetzt Konto eröffnen und Bitcoin mit Euro kaufen. ".repeat(40)
        )
    };
    std::fs::create_dir_all(root.join("de")).unwrap();
    std::fs::create_dir_all(root.join("intern")).unwrap();
    std::fs::write(
        root.join("index.html"),
        page("Start", r#"<a href="/de/a.html">a</a> <a href="/old">old</a> <a href="/gone">gone</a> <a href="/intern/x.html">intern</a> <a href="/missing.html">missing</a>"#),
    )
    .unwrap();
    std::fs::write(
        root.join("de/a.html"),
        page("A", r#"<a href="/de/b.html">b</a>"#),
    )
    .unwrap();
    std::fs::write(root.join("de/b.html"), page("B", "")).unwrap();
    std::fs::write(root.join("de/only-in-sitemap.html"), page("S", "")).unwrap();
    std::fs::write(root.join("intern/x.html"), page("X", "")).unwrap();
    std::fs::write(
        root.join("robots.txt"),
        "User-agent: *\nDisallow: /intern/\nSitemap: http://nginx-site.example/sitemap.xml\n",
    )
    .unwrap();
    std::fs::write(
        root.join("sitemap.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://nginx-site.example/</loc></url>
<url><loc>http://nginx-site.example/de/only-in-sitemap.html</loc></url>
</urlset>
"#,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn crawls_a_site_served_by_nginx() {
    let Some(binary) = nginx_binary() else {
        if std::env::var_os("MICAR_SCAN_REQUIRE_NGINX").is_some() {
            panic!("nginx is required (scripts/test.sh installs it) but was not found");
        }
        eprintln!("skipping: nginx not installed (run ./scripts/test.sh)");
        return;
    };
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    // nginx workers drop to an unprivileged user; a private temporary directory
    // would answer 403 to everything.
    make_world_readable(site.path());
    let nginx = Nginx::start(&binary, site.path());

    let text = format!(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 100.0\nmax_retries = 0\n[scan.resolve]\n\"nginx-site.example\" = \"127.0.0.1:{}\"\n\n[[firm]]\nname = \"Nginx Exchange\"\nwebsites = [\"http://nginx-site.example/\"]\n",
        nginx.port
    );
    let config = Config::parse(&text, Path::new("nginx.toml")).unwrap();
    let rules = Arc::new(RuleSet::bundled().unwrap());
    let report = scan::run(&config, rules, ScanOptions::default())
        .await
        .unwrap()
        .report;
    let firm = &report.firms[0];

    let mut fetched: Vec<String> = firm
        .pages
        .iter()
        .filter(|p| p.status == 200)
        .map(|p| url::Url::parse(&p.final_url).unwrap().path().to_string())
        .collect();
    fetched.sort();
    fetched.dedup();
    assert!(
        fetched.contains(&"/de/only-in-sitemap.html".to_string()),
        "{fetched:?}"
    );
    assert!(fetched.contains(&"/de/b.html".to_string()));
    let redirected = firm
        .pages
        .iter()
        .find(|p| p.url.ends_with("/old"))
        .expect("/old fetched");
    assert_eq!(redirected.redirects.len(), 1);
    let kinds: Vec<(&str, &str)> = firm
        .errors
        .iter()
        .map(|e| (e.kind.as_str(), e.url.as_str()))
        .collect();
    assert!(
        kinds
            .iter()
            .any(|(k, u)| *k == "robots_disallowed" && u.ends_with("/intern/x.html")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, u)| *k == "http_status" && u.ends_with("/gone")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, u)| *k == "http_status" && u.ends_with("/missing.html")),
        "{kinds:?}"
    );
    assert!(
        !nginx.access_log().contains("/intern/x.html"),
        "nginx saw a disallowed request"
    );
    // German sign-up text with euro is found on the pages nginx served gzip-compressed.
    assert!(!firm.findings.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rescan_with_a_baseline_gets_304s_from_nginx_for_unchanged_files() {
    let Some(binary) = nginx_binary() else {
        if std::env::var_os("MICAR_SCAN_REQUIRE_NGINX").is_some() {
            panic!("nginx is required (scripts/test.sh installs it) but was not found");
        }
        eprintln!("skipping: nginx not installed (run ./scripts/test.sh)");
        return;
    };
    let site = tempfile::tempdir().unwrap();
    write_site(site.path());
    make_world_readable(site.path());
    let nginx = Nginx::start(&binary, site.path());
    let text = format!(
        "[scan]\nallow_networks = [\"127.0.0.1/32\"]\nper_host_rate = 100.0\nmax_retries = 0\n[scan.resolve]\n\"nginx-site.example\" = \"127.0.0.1:{}\"\n\n[[firm]]\nname = \"Nginx Exchange\"\nwebsites = [\"http://nginx-site.example/\"]\n",
        nginx.port
    );
    let config = Config::parse(&text, Path::new("nginx.toml")).unwrap();
    let rules = Arc::new(RuleSet::bundled().unwrap());
    let first = scan::run(&config, Arc::clone(&rules), ScanOptions::default())
        .await
        .unwrap()
        .report;
    let fetched_first: Vec<&micar_scan::model::Page> = first.firms[0]
        .pages
        .iter()
        .filter(|p| p.status == 200)
        .collect();
    assert!(fetched_first.len() >= 4);
    // nginx serves static files with both validators.
    assert!(fetched_first
        .iter()
        .all(|p| p.etag.is_some() && p.last_modified.is_some()));

    // One file changes (a different size, so nginx's ETag changes even within the second).
    std::fs::write(
        site.path().join("de/b.html"),
        "<!doctype html><html lang=\"de\"><head><title>B</title></head><body><p>Neu: Bitcoin per iDEAL kaufen.</p></body></html>",
    )
    .unwrap();
    make_world_readable(site.path());
    let log_before = nginx.access_log().lines().count();

    let options = ScanOptions {
        baseline: Some(Arc::new(first.clone())),
        ..ScanOptions::default()
    };
    let second = scan::run(&config, rules, options).await.unwrap().report;
    let firm = &second.firms[0];
    let log = nginx.access_log();
    let second_log: Vec<&str> = log.lines().skip(log_before).collect();
    let answered = |path: &str, status: &str| {
        second_log.iter().any(|line| {
            line.contains(&format!("GET {path} ")) && line.contains(&format!("\" {status} "))
        })
    };
    for path in ["/", "/de/a.html", "/de/only-in-sitemap.html"] {
        assert!(answered(path, "304"), "{path}: {second_log:#?}");
        let page = firm
            .pages
            .iter()
            .find(|p| url::Url::parse(&p.url).unwrap().path() == path)
            .unwrap();
        assert!(page.revalidated.is_some(), "{path}");
    }
    assert!(answered("/de/b.html", "200"), "{second_log:#?}");
    // The redirect is followed again and its target revalidated.
    assert!(answered("/old", "301"), "{second_log:#?}");
    assert!(answered("/index.html", "304"), "{second_log:#?}");
    let changed = firm
        .pages
        .iter()
        .find(|p| p.url.ends_with("/de/b.html"))
        .unwrap();
    assert!(changed.revalidated.is_none());
    assert!(firm.findings.iter().any(|f| f.matched.contains("iDEAL")));
    let pages = |report: &micar_scan::model::report::Report| -> Vec<String> {
        let mut urls: Vec<String> = report.firms[0]
            .pages
            .iter()
            .map(|p| p.url.clone())
            .collect();
        urls.sort();
        urls
    };
    assert_eq!(pages(&first), pages(&second));
    let revalidated: u64 = firm.sources.iter().map(|s| s.pages_revalidated).sum();
    assert_eq!(
        revalidated as usize,
        firm.pages
            .iter()
            .filter(|p| p.revalidated.is_some())
            .count()
    );
    assert!(revalidated >= 4, "{revalidated}");
}
