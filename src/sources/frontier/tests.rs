use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn settings() -> FrontierSettings {
    FrontierSettings {
        max_pages_per_site: 100,
        max_depth: 5,
        max_url_length: 2048,
        max_repeated_segments: 3,
        max_query_variants: 10,
    }
}

fn frontier_for(seeds: &[&str], settings: FrontierSettings) -> Frontier {
    let mut scope = ScopeRules::new();
    for seed in seeds {
        scope.add_owned(&url(seed));
    }
    let strip: Vec<String> = crate::config::DEFAULT_STRIP_QUERY_PARAMS
        .iter()
        .map(|s| s.to_string())
        .collect();
    Frontier::new(settings, UrlNormalizer::new(&strip), scope)
}

#[test]
fn settings_come_from_scan_settings() {
    let scan = crate::config::ScanSettings {
        max_pages_per_site: 7,
        max_depth: 2,
        max_url_length: 300,
        max_repeated_segments: 4,
        max_query_variants: 9,
        ..Default::default()
    };
    assert_eq!(
        FrontierSettings::from_settings(&scan),
        FrontierSettings {
            max_pages_per_site: 7,
            max_depth: 2,
            max_url_length: 300,
            max_repeated_segments: 4,
            max_query_variants: 9,
        }
    );
}

#[test]
fn spellings_of_one_page_are_admitted_once() {
    let mut frontier = frontier_for(&["https://exchange.example/"], settings());
    let seed = url("https://exchange.example/");
    assert_eq!(frontier.offer(&seed, 0, None), Admission::Queued);
    for spelling in [
        "HTTPS://EXCHANGE.example:443/",
        "https://exchange.example/#top",
        "https://exchange.example/?utm_source=news",
        "https://exchange.example/./",
    ] {
        assert_eq!(
            frontier.offer(&url(spelling), 1, Some(&seed)),
            Admission::Duplicate,
            "{spelling}"
        );
    }
    assert_eq!(frontier.pending(), 1);
    // Still a duplicate after it was popped: "at most once, ever".
    let popped = frontier.pop().unwrap();
    assert_eq!(popped.url.as_str(), "https://exchange.example/");
    assert_eq!(popped.site, "exchange.example");
    assert_eq!(popped.referrer, None);
    assert_eq!(frontier.offer(&seed, 0, None), Admission::Duplicate);
    assert!(frontier.is_empty());
}

#[test]
fn scope_and_unsupported_links_are_refused() {
    let mut frontier = frontier_for(&["https://exchange.co.uk/"], settings());
    assert_eq!(
        frontier.offer(&url("https://de.exchange.co.uk/a"), 1, None),
        Admission::Queued
    );
    assert_eq!(
        frontier.offer(&url("https://other.co.uk/a"), 1, None),
        Admission::OutOfScope
    );
    assert_eq!(
        frontier.offer(&url("https://exchange.co.uk.evil.example/"), 1, None),
        Admission::OutOfScope
    );
    assert_eq!(
        frontier.offer(&url("mailto:help@exchange.co.uk"), 1, None),
        Admission::Unsupported
    );
}

#[test]
fn depth_beyond_the_limit_is_refused_but_not_remembered() {
    let mut frontier = frontier_for(&["https://exchange.example/"], settings());
    let deep = url("https://exchange.example/deep");
    assert_eq!(frontier.offer(&deep, 6, None), Admission::TooDeep);
    // Found again nearer a seed, it is admitted.
    assert_eq!(frontier.offer(&deep, 5, None), Admission::Queued);
    assert_eq!(frontier.pop().unwrap().depth, 5);
}

#[test]
fn per_site_budget_counts_admitted_urls_per_registrable_domain() {
    let mut frontier = frontier_for(
        &["https://exchange.example/", "https://other-brand.example/"],
        FrontierSettings {
            max_pages_per_site: 3,
            ..settings()
        },
    );
    assert_eq!(
        frontier.offer(&url("https://exchange.example/1"), 1, None),
        Admission::Queued
    );
    assert_eq!(
        frontier.offer(&url("https://www.exchange.example/2"), 1, None),
        Admission::Queued
    );
    assert!(!frontier.budget_exhausted());
    assert_eq!(
        frontier.offer(&url("https://help.exchange.example/3"), 1, None),
        Admission::Queued
    );
    assert!(
        !frontier.budget_exhausted(),
        "reaching the budget is not exceeding it"
    );
    assert_eq!(
        frontier.offer(&url("https://exchange.example/4"), 1, None),
        Admission::OverBudget
    );
    assert!(frontier.budget_exhausted());
    assert_eq!(frontier.admitted("exchange.example"), 3);
    // Another site has its own budget.
    assert_eq!(
        frontier.offer(&url("https://other-brand.example/1"), 1, None),
        Admission::Queued
    );
    assert_eq!(frontier.admitted("other-brand.example"), 1);
    // Popping does not give budget back.
    while frontier.pop().is_some() {}
    assert_eq!(
        frontier.offer(&url("https://exchange.example/5"), 1, None),
        Admission::OverBudget
    );
}

#[test]
fn mark_seen_prevents_queueing_without_spending_budget() {
    let mut frontier = frontier_for(&["https://exchange.example/"], settings());
    assert!(frontier.mark_seen(&url("https://exchange.example/robots.txt")));
    assert!(!frontier.mark_seen(&url("https://EXCHANGE.example/robots.txt#x")));
    assert!(frontier.is_seen(&url("https://exchange.example/robots.txt")));
    assert_eq!(
        frontier.offer(&url("https://exchange.example/robots.txt"), 1, None),
        Admission::Duplicate
    );
    assert_eq!(frontier.admitted("exchange.example"), 0);
    assert!(!frontier.mark_seen(&url("javascript:void(0)")));
}

#[test]
fn over_long_urls_are_traps() {
    let mut frontier = frontier_for(
        &["https://exchange.example/"],
        FrontierSettings {
            max_url_length: 60,
            ..settings()
        },
    );
    let long = url(&format!("https://exchange.example/{}", "x".repeat(60)));
    match frontier.offer(&long, 1, None) {
        Admission::Trap(reason @ TrapReason::UrlTooLong { length: 85 }) => {
            assert!(reason.describe().contains("85"), "{}", reason.describe());
        }
        other => panic!("expected UrlTooLong, got {other:?}"),
    }
}

/// Follows every link a simulated site emits until the frontier runs dry,
/// returning the URLs fetched. Panics if it does not end, which is the bug
/// the trap guards exist to prevent.
fn crawl_simulated(
    frontier: &mut Frontier,
    seed: &str,
    links_of: impl Fn(&Url) -> Vec<String>,
) -> Vec<Url> {
    let seed = url(seed);
    assert_eq!(frontier.offer(&seed, 0, None), Admission::Queued);
    let mut fetched = Vec::new();
    while let Some(next) = frontier.pop() {
        assert!(fetched.len() < 10_000, "the crawl did not stop");
        for href in links_of(&next.url) {
            if let Ok(link) = next.url.join(&href) {
                frontier.offer(&link, next.depth + 1, Some(&next.url));
            }
        }
        fetched.push(next.url);
    }
    fetched
}

fn next_month_link(page: &Url) -> Vec<String> {
    let month = page
        .query_pairs()
        .find(|(name, _)| name == "month")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| "2025-01".to_string());
    let (year, month) = month.split_once('-').unwrap();
    let (mut year, mut month): (u32, u32) = (year.parse().unwrap(), month.parse().unwrap());
    month += 1;
    if month > 12 {
        month = 1;
        year += 1;
    }
    vec![format!("/calendar?month={year:04}-{month:02}")]
}

#[test]
fn infinite_calendar_is_cut_by_query_variants() {
    let mut frontier = frontier_for(
        &["https://exchange.example/"],
        FrontierSettings {
            max_depth: 1_000,
            max_query_variants: 12,
            ..settings()
        },
    );
    let fetched = crawl_simulated(
        &mut frontier,
        "https://exchange.example/calendar?month=2025-01",
        next_month_link,
    );
    assert_eq!(fetched.len(), 12);
    assert_eq!(
        frontier.offer(
            &url("https://exchange.example/calendar?month=2031-01"),
            1,
            None
        ),
        Admission::Trap(TrapReason::TooManyQueryVariants {
            path: "https://exchange.example:443/calendar".to_string()
        })
    );
    // Other paths keep their own allowance.
    assert_eq!(
        frontier.offer(&url("https://exchange.example/news?page=2"), 1, None),
        Admission::Queued
    );
}

#[test]
fn infinite_calendar_is_cut_by_depth_with_default_settings() {
    let mut frontier = frontier_for(&["https://exchange.example/"], FrontierSettings::default());
    let fetched = crawl_simulated(
        &mut frontier,
        "https://exchange.example/calendar?month=2025-01",
        next_month_link,
    );
    let default_depth = crate::config::DEFAULT_MAX_DEPTH as usize;
    assert_eq!(fetched.len(), default_depth + 1);
}

#[test]
fn repeating_relative_paths_are_cut_by_the_segment_guard() {
    let mut frontier = frontier_for(
        &["https://exchange.example/"],
        FrontierSettings {
            max_depth: 1_000,
            ..settings()
        },
    );
    // A broken relative link: every page `/a/b/` links to `a/b/` below itself.
    let fetched = crawl_simulated(&mut frontier, "https://exchange.example/a/b/", |_| {
        vec!["a/b/".to_string()]
    });
    let longest = fetched.iter().map(|u| u.path().len()).max().unwrap();
    assert_eq!(fetched.len(), 3, "{fetched:?}");
    assert_eq!(longest, "/a/b/a/b/a/b/".len());
    let reason = frontier.offer(&url("https://exchange.example/a/b/a/b/a/b/a/b/"), 1, None);
    assert_eq!(
        reason,
        Admission::Trap(TrapReason::RepeatedSegment {
            segment: "a".to_string(),
            count: 4
        })
    );
    if let Admission::Trap(reason) = reason {
        assert!(reason.describe().contains("`a` repeats 4 times"));
    }
}

#[test]
fn hosts_are_served_round_robin() {
    let mut frontier = frontier_for(
        &["https://exchange.example/", "https://brand.example/"],
        settings(),
    );
    for path in ["1", "2", "3"] {
        frontier.offer(&url(&format!("https://exchange.example/{path}")), 1, None);
    }
    frontier.offer(&url("https://brand.example/1"), 1, None);
    frontier.offer(&url("https://help.exchange.example/1"), 1, None);
    frontier.offer(&url("https://brand.example/2"), 1, None);
    let order: Vec<String> = std::iter::from_fn(|| frontier.pop())
        .map(|q| q.url.to_string())
        .collect();
    assert_eq!(
        order,
        [
            "https://exchange.example/1",
            "https://brand.example/1",
            "https://help.exchange.example/1",
            "https://exchange.example/2",
            "https://brand.example/2",
            "https://exchange.example/3",
        ]
    );
}

#[test]
fn ports_are_separate_hosts_in_the_rotation() {
    let mut frontier = frontier_for(&["http://127.0.0.1/"], settings());
    frontier.offer(&url("http://127.0.0.1:8001/a"), 0, None);
    frontier.offer(&url("http://127.0.0.1:8001/b"), 0, None);
    frontier.offer(&url("http://127.0.0.1:8002/a"), 0, None);
    let mut hosts = Vec::new();
    let next = frontier.pop_ready(|host| {
        hosts.push(host.to_string());
        false
    });
    assert_eq!(next, None);
    assert_eq!(hosts, ["127.0.0.1:8001", "127.0.0.1:8002"]);
    assert_eq!(frontier.pending(), 3);
}

#[test]
fn pop_ready_skips_busy_hosts_and_keeps_their_turn() {
    let mut frontier = frontier_for(
        &["https://exchange.example/", "https://brand.example/"],
        settings(),
    );
    frontier.offer(&url("https://exchange.example/1"), 1, None);
    frontier.offer(&url("https://exchange.example/2"), 1, None);
    frontier.offer(&url("https://brand.example/1"), 1, None);
    frontier.offer(&url("https://brand.example/2"), 1, None);

    let busy = "exchange.example:443";
    let next = frontier.pop_ready(|host| host != busy).unwrap();
    assert_eq!(next.url.as_str(), "https://brand.example/1");
    // The busy host kept its place at the front of the rotation.
    assert_eq!(
        frontier.pop().unwrap().url.as_str(),
        "https://exchange.example/1"
    );
    assert_eq!(frontier.pop_ready(|_| false), None);
    assert_eq!(frontier.pending(), 2);
    let rest: Vec<String> = std::iter::from_fn(|| frontier.pop())
        .map(|q| q.url.to_string())
        .collect();
    assert_eq!(
        rest,
        ["https://brand.example/2", "https://exchange.example/2"]
    );
    assert!(frontier.is_empty());
    assert_eq!(frontier.pop(), None);
}

#[test]
fn add_seed_owns_and_queues_at_depth_zero() {
    let mut frontier = frontier_for(&[], settings());
    assert_eq!(
        frontier.add_seed(&url("https://www.exchange.example/")),
        Admission::Queued
    );
    assert_eq!(
        frontier.offer(&url("https://help.exchange.example/"), 1, None),
        Admission::Queued
    );
    assert_eq!(
        frontier.add_seed(&url("https://www.exchange.example/")),
        Admission::Duplicate
    );
    let seed = frontier.pop().unwrap();
    assert_eq!((seed.depth, seed.site.as_str()), (0, "exchange.example"));
}

#[test]
fn prospect_settles_only_what_an_offer_would_refuse_silently() {
    let mut frontier = frontier_for(&["https://exchange.example/"], settings());
    let seen = url("https://exchange.example/seen");
    assert_eq!(frontier.offer(&seen, 1, None), Admission::Queued);
    assert_eq!(frontier.prospect(&seen, 2), Prospect::Settled);
    // Another spelling of the same page is settled too.
    assert_eq!(
        frontier.prospect(&url("https://EXCHANGE.example/seen#top"), 2),
        Prospect::Settled
    );
    assert_eq!(
        frontier.prospect(&url("https://exchange.example/deep"), 6),
        Prospect::Settled
    );
    assert_eq!(
        frontier.prospect(&url("mailto:desk@exchange.example"), 1),
        Prospect::Settled
    );
    let open = url("https://exchange.example/new");
    let Prospect::Open(fingerprint) = frontier.prospect(&open, 5) else {
        panic!("an unseen owned page within the depth limit is open");
    };
    assert_eq!(
        frontier.prospect(&url("https://exchange.example/new#part"), 5),
        Prospect::Open(fingerprint),
        "spellings of one page are held under one fingerprint"
    );
    // Out of scope stays worth offering at any depth: the crawler lists it.
    assert!(matches!(
        frontier.prospect(&url("https://elsewhere.example/"), 99),
        Prospect::OutOfScope(_)
    ));
}

#[test]
fn admission_order_counts_queued_urls_only() {
    let mut frontier = frontier_for(&["https://exchange.example/"], settings());
    frontier.offer(&url("https://exchange.example/a"), 1, None);
    frontier.offer(&url("https://exchange.example/a"), 1, None);
    frontier.offer(&url("https://elsewhere.example/"), 1, None);
    frontier.offer(&url("https://exchange.example/b"), 1, None);
    let orders: Vec<(String, u64)> = std::iter::from_fn(|| frontier.pop())
        .map(|queued| (queued.url.path().to_string(), queued.order))
        .collect();
    assert_eq!(orders, [("/a".to_string(), 0), ("/b".to_string(), 1)]);
}
