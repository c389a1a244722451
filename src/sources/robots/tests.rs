use super::*;

const USER_AGENT: &str = crate::config::DEFAULT_USER_AGENT;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/robots/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn check(robots: &Robots, path: &str) -> RobotsDecision {
    let url = Url::parse("https://exchange.example/")
        .unwrap()
        .join(path)
        .unwrap();
    robots.check(&url)
}

fn disallowed(rule: &str) -> RobotsDecision {
    RobotsDecision::Disallowed {
        rule: rule.to_string(),
    }
}

#[test]
fn product_token_is_the_leading_name() {
    assert_eq!(
        product_token("micar-scan/0.1 (+https://example.test/)"),
        "micar-scan"
    );
    assert_eq!(product_token(USER_AGENT), "micar-scan");
    assert_eq!(product_token("  Some_Bot"), "Some_Bot");
    assert_eq!(product_token("Mozilla/5.0 (compatible)"), "Mozilla");
    assert_eq!(product_token("/1.0"), "");
}

#[test]
fn disallow_names_the_rule() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("exchange.txt"));
    assert_eq!(
        check(&robots, "/private/keys.html"),
        disallowed("Disallow: /private/")
    );
    assert_eq!(
        check(&robots, "/account/settings"),
        disallowed("Disallow: /account")
    );
    assert_eq!(check(&robots, "/privatebeta"), RobotsDecision::Allowed);
    assert_eq!(check(&robots, "/"), RobotsDecision::Allowed);
}

#[test]
fn longer_allow_overrides_shorter_disallow() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("exchange.txt"));
    assert_eq!(
        check(&robots, "/account/signup?step=1"),
        RobotsDecision::Allowed
    );
    assert_eq!(
        check(&robots, "/account/signout"),
        disallowed("Disallow: /account")
    );
    // Equal length: the Allow wins (RFC 9309 §2.2.2).
    assert_eq!(check(&robots, "/promo/summer"), RobotsDecision::Allowed);
    assert_eq!(
        check(&robots, "/promotions"),
        disallowed("Disallow: /promo")
    );
}

#[test]
fn wildcards_and_end_anchor() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("exchange.txt"));
    assert_eq!(
        check(&robots, "/docs/terms.pdf"),
        disallowed("Disallow: /*.pdf$")
    );
    assert_eq!(
        check(&robots, "/docs/terms.pdf?v=2"),
        RobotsDecision::Allowed
    );
    assert_eq!(check(&robots, "/docs/terms.pdfx"), RobotsDecision::Allowed);
    assert_eq!(
        check(&robots, "/search?lang=de&q=btc"),
        disallowed("Disallow: /search?*q=")
    );
    assert_eq!(check(&robots, "/search?lang=de"), RobotsDecision::Allowed);
    assert_eq!(
        check(&robots, "/tmp-2025/x/cache/1"),
        disallowed("Disallow: /tmp*/cache")
    );
    // The fragment is not part of what rules see.
    assert_eq!(
        check(&robots, "/docs/terms.pdf#page=2"),
        disallowed("Disallow: /*.pdf$")
    );
}

#[test]
fn crawl_delay_and_sitemaps() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("exchange.txt"));
    assert_eq!(robots.crawl_delay(), Some(Duration::from_millis(2500)));
    assert_eq!(
        robots.sitemaps(),
        [
            "https://exchange.example/sitemap.xml",
            "https://exchange.example/sitemap-help.xml.gz"
        ]
    );
}

#[test]
fn a_group_for_our_token_replaces_the_star_group() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("own-group.txt"));
    assert_eq!(check(&robots, "/en/"), RobotsDecision::Allowed);
    assert_eq!(
        check(&robots, "/de/intern/team"),
        disallowed("Disallow: /de/intern/")
    );
    assert_eq!(
        check(&robots, "/de/intern/oeffentlich/x"),
        RobotsDecision::Allowed
    );
    // Both groups naming us are merged.
    assert_eq!(
        check(&robots, "/fr/prive/a"),
        disallowed("Disallow: /fr/prive")
    );
    assert_eq!(robots.crawl_delay(), Some(Duration::from_millis(500)));

    let other = Robots::from_response("otherbot/2.0", 200, &fixture("own-group.txt"));
    assert_eq!(check(&other, "/en/"), disallowed("Disallow: /"));
    assert_eq!(other.crawl_delay(), None);
}

#[test]
fn other_crawlers_groups_do_not_apply_to_us() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("empty-disallow.txt"));
    assert_eq!(check(&robots, "/anything"), RobotsDecision::Allowed);
    let preview =
        Robots::from_response("micar-scan-preview/1", 200, &fixture("empty-disallow.txt"));
    assert_eq!(check(&preview, "/anything"), disallowed("Disallow: /"));
}

#[test]
fn tolerant_syntax_is_read_like_the_parser_reads_it() {
    let robots = Robots::from_response(USER_AGENT, 200, &fixture("tolerant.txt"));
    assert_eq!(
        check(&robots, "/typo-key/a"),
        disallowed("Disallow: /typo-key")
    );
    assert_eq!(check(&robots, "/typo-key/open"), RobotsDecision::Allowed);
    assert_eq!(
        check(&robots, "/no-colon"),
        disallowed("Disallow: /no-colon")
    );
    assert_eq!(
        check(&robots, "/caf\u{e9}/menu"),
        disallowed("Disallow: /caf\u{e9}")
    );
    assert_eq!(
        robots.crawl_delay(),
        None,
        "an unreadable Crawl-delay is ignored"
    );
    assert_eq!(robots.sitemaps(), ["https://exchange.example/a.xml"]);
}

#[test]
fn status_codes_follow_rfc_9309() {
    let body = b"User-agent: *\nDisallow: /\n";
    assert_eq!(
        check(&Robots::from_response(USER_AGENT, 404, body), "/x"),
        RobotsDecision::Allowed
    );
    assert_eq!(
        check(&Robots::from_response(USER_AGENT, 403, body), "/x"),
        RobotsDecision::Allowed
    );
    assert_eq!(
        check(&Robots::from_response(USER_AGENT, 200, body), "/x"),
        disallowed("Disallow: /")
    );
    assert_eq!(
        check(&Robots::from_response(USER_AGENT, 503, b""), "/x"),
        disallowed("robots.txt unavailable (5xx): HTTP 503, disallow all")
    );
    assert_eq!(
        check(&Robots::from_response(USER_AGENT, 429, b""), "/x"),
        disallowed("robots.txt unavailable (rate-limited): HTTP 429, disallow all")
    );
    assert_eq!(
        check(&Robots::unreachable(), "/x"),
        disallowed("robots.txt unavailable (network error): disallow all")
    );
    assert_eq!(check(&Robots::allow_all(), "/x"), RobotsDecision::Allowed);
    assert_eq!(
        check(&Robots::from_response(USER_AGENT, 200, b""), "/x"),
        RobotsDecision::Allowed
    );
}

#[test]
fn only_the_first_500_kib_are_read() {
    let mut body = b"User-agent: *\nDisallow: /early\n".to_vec();
    while body.len() < MAX_ROBOTS_BYTES - 10 {
        body.extend_from_slice(b"# padding padding padding padding padding padding\n");
    }
    // This line straddles the limit: a cut mid-line would leave `Disallow: /`.
    body.extend_from_slice(b"Disallow: /straddling-the-limit\n");
    body.extend_from_slice(b"Disallow: /late\n");
    assert!(body.len() > MAX_ROBOTS_BYTES);
    let robots = Robots::from_response(USER_AGENT, 200, &body);
    assert_eq!(check(&robots, "/early"), disallowed("Disallow: /early"));
    assert_eq!(check(&robots, "/late"), RobotsDecision::Allowed);
    assert_eq!(check(&robots, "/other"), RobotsDecision::Allowed);
}

#[test]
fn pattern_matcher_basics() {
    let cases: &[(&str, &str, bool)] = &[
        ("/", "/", true),
        ("/", "/abc", true),
        ("/abc", "/", false),
        ("/*/*/tree/master", "/g/r/tree/master", true),
        ("/*/*/tree/master$", "/g/r/tree/master", true),
        ("/*/*/tree/master$", "/g/r/tree/master/x", false),
        ("/*.php$", "/a.php", true),
        ("/*.php$", "/a.php5", false),
        ("/a$b", "/a", false),
        ("/a$*", "/a", true),
        ("*", "/anything", true),
        ("", "/anything", true),
        ("/fish*.php", "/fish/salmon.php", true),
        ("/fish*.php", "/Fish.PHP", false),
    ];
    for (pattern, path, expected) in cases {
        assert_eq!(
            pattern_matches(pattern.as_bytes(), path.as_bytes()),
            *expected,
            "{pattern} on {path}"
        );
    }
}

/// The crate decides; our reading only names the line. Both must agree on
/// every fixture, for every URL, or a report would name the wrong rule.
#[test]
fn naming_agrees_with_the_crate_on_fixtures() {
    let paths = [
        "/",
        "/private/",
        "/private",
        "/privatebeta",
        "/account",
        "/account/signup",
        "/account/signupx",
        "/docs/a.pdf",
        "/docs/a.pdf?x",
        "/search?q=1",
        "/search?lang=de&q=1",
        "/tmp/cache",
        "/tmpx/y/cache",
        "/promo",
        "/promo/",
        "/promotion",
        "/en/",
        "/de/intern/",
        "/de/intern/oeffentlich",
        "/fr/prive",
        "/typo-key",
        "/typo-key/open",
        "/typo-key/open/",
        "/no-colon",
        "/caf%C3%A9",
        "/anything",
    ];
    let agents = [USER_AGENT, "otherbot/1", "somebot", "micar-scan-preview/1"];
    for name in [
        "exchange.txt",
        "own-group.txt",
        "tolerant.txt",
        "empty-disallow.txt",
    ] {
        let body = fixture(name);
        for agent in agents {
            assert_agreement(agent, &body, &paths, name);
        }
    }
}

/// The same agreement on many generated files, with the pattern syntax's
/// corners (`*`, `$` anywhere, empty values, non-ASCII, equal lengths).
#[test]
fn naming_agrees_with_the_crate_on_generated_files() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let pattern_chars = ["/", "a", "b", "*", "$", "?", "=", ".", "\u{e9}", "%"];
    let path_chars = ["/", "a", "b", "?", "=", ".", "$", "%C3%A9", "%"];
    for round in 0..300 {
        let mut body = String::from("User-agent: *\n");
        if round % 3 == 0 {
            body = format!("User-agent: micar-scan\nAllow: /a\n\n{body}");
        }
        for _ in 0..next(6) + 1 {
            let mut pattern = String::from(if next(4) == 0 { "" } else { "/" });
            for _ in 0..next(6) {
                pattern.push_str(pattern_chars[next(pattern_chars.len())]);
            }
            let key = if next(2) == 0 { "Allow" } else { "Disallow" };
            body.push_str(&format!("{key}: {pattern}\n"));
        }
        let mut paths = Vec::new();
        for _ in 0..20 {
            let mut path = String::from("/");
            for _ in 0..next(8) {
                path.push_str(path_chars[next(path_chars.len())]);
            }
            paths.push(path);
        }
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        assert_agreement(USER_AGENT, body.as_bytes(), &paths, &body);
    }
}

fn assert_agreement(agent: &str, body: &[u8], paths: &[&str], context: &str) {
    let ours = Robots::from_response(agent, 200, body);
    let token = product_token(agent);
    let crate_robot = Robot::new(&token, body).unwrap();
    for path in paths {
        let crate_says = crate_robot.allowed(path);
        let we_say = ours.deciding_rule(path).is_none_or(|line| line.allow);
        assert_eq!(crate_says, we_say, "{agent} on {path} in:\n{context}");
        let decision = ours.check(&Url::parse(&format!("https://exchange.example{path}")).unwrap());
        if let RobotsDecision::Disallowed { rule } = decision {
            assert!(
                !rule.contains("not identified"),
                "{agent} on {path}: {rule}\n{context}"
            );
        }
    }
}

#[test]
fn a_file_the_parser_rejects_disallows_everything() {
    // texting_robots bounds the regex it compiles per rule; one absurd rule
    // makes it refuse the file, and an unreadable file grants nothing.
    let body = format!("User-agent: *\nDisallow: /{}$\n", "a*b".repeat(20_000));
    let robots = Robots::from_response(USER_AGENT, 200, body.as_bytes());
    match check(&robots, "/anything") {
        RobotsDecision::Disallowed { rule } => {
            assert!(rule.starts_with("robots.txt could not be parsed"), "{rule}");
            assert!(rule.ends_with("disallow all"), "{rule}");
            assert!(rule.len() < 200, "the rule named in a report stays short");
        }
        RobotsDecision::Allowed => panic!("an unparsable robots.txt must not allow"),
    }
}

#[test]
fn only_an_unreadable_file_is_unavailable_and_may_be_rechecked() {
    let refuse_everything = b"User-agent: *\nDisallow: /\n";
    for status in [500, 502, 503, 504, 429] {
        assert!(
            Robots::from_response(USER_AGENT, status, b"").is_unavailable(),
            "HTTP {status}"
        );
    }
    assert!(Robots::unreachable().is_unavailable());
    // A file that was read says what it says: no re-check will change it.
    assert!(!Robots::from_response(USER_AGENT, 200, refuse_everything).is_unavailable());
    assert!(!Robots::from_response(USER_AGENT, 404, b"").is_unavailable());
    assert!(!Robots::allow_all().is_unavailable());
}
