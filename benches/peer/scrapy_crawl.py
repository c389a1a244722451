#!/usr/bin/env python3
"""Crawls one site with Scrapy and prints how many pages it fetched: the
Scrapy column of benches/peer-crawl.sh. Runs inside the virtualenv the
bench script installs Scrapy into.
    python scrapy_crawl.py START_URL [MAX_PAGES]"""
import sys
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess


class SiteSpider(scrapy.Spider):
    """Follows every link on the start host; the dupe filter keeps each URL
    to one request, as in the other two crawlers."""

    name = "peer-bench"
    pages = 0

    def __init__(self, start, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start]
        # The offsite middleware drops links to any other host.
        self.allowed_domains = [urlsplit(start).hostname]

    def parse(self, response):
        self.pages += 1
        # Only HTML has links to follow (robots.txt is fetched by the
        # middleware, not here).
        if isinstance(response, scrapy.http.TextResponse):
            yield from response.follow_all(css="a::attr(href)")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: scrapy_crawl.py START_URL [MAX_PAGES]")
    settings = {
        # The settings micar-scan's bench config uses: robots.txt obeyed,
        # no politeness delay, 64 requests in flight. Scrapy caps requests
        # per host at 8 by default, which would bind first on a one-host
        # crawl, so that cap is raised too.
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        # No listener of its own: the crawler only talks to the site.
        "TELNETCONSOLE_ENABLED": False,
        "CLOSESPIDER_PAGECOUNT": int(sys.argv[2]) if len(sys.argv) == 3 else 0,
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, start=sys.argv[1])
    process.start()
    print(crawler.spider.pages)


if __name__ == "__main__":
    main()
