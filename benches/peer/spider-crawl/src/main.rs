//! Crawls one site with the `spider` crate and prints how many pages it
//! fetched: the spider column of `benches/peer-crawl.sh`.
//!   spider-crawl START_URL [MAX_PAGES]

use spider::tokio;
use spider::website::Website;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(start) = args.next() else {
        eprintln!("usage: spider-crawl START_URL [MAX_PAGES]");
        std::process::exit(2);
    };
    let limit = match args.next().map(|n| n.parse::<u32>()) {
        None => None,
        Some(Ok(limit)) => Some(limit),
        Some(Err(e)) => {
            eprintln!("spider-crawl: MAX_PAGES: {e}");
            std::process::exit(2);
        }
    };

    let mut website = Website::new(&start);
    website
        // The settings micar-scan's bench config uses: robots.txt obeyed,
        // no politeness delay, 64 requests in flight, start host only.
        .with_respect_robots_txt(true)
        .with_delay(0)
        .with_concurrency_limit(Some(64))
        .with_subdomains(false)
        .with_tld(false);
    if let Some(limit) = limit {
        website.with_limit(limit);
    }
    website.crawl().await;

    // Every link spider visited; on the generated site each one is a page
    // that answers 200.
    println!("{}", website.get_links().len());
}
