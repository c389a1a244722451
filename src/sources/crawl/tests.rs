use super::*;
use std::sync::atomic::Ordering;

#[test]
fn busiest_hosts_come_first() {
    let counters = CrawlCounters::default();
    for url in [
        "https://a.example/1",
        "https://b.example/1",
        "https://b.example/2",
        "https://c.example/1",
        "https://b.example/3",
        "https://c.example/2",
    ] {
        counters.count_page(url);
    }
    assert_eq!(counters.fetched.load(Ordering::Relaxed), 6);
    assert_eq!(
        counters.busiest_hosts(2),
        vec![("b.example".to_string(), 3), ("c.example".to_string(), 2)]
    );
}
