#!/usr/bin/env bash
# Crawl benchmark: generates a site of N pages (default 10,000), serves it
# with nginx on a loopback port, crawls it with politeness off and prints
# pages/s, MB/s and peak RSS. A measurement, not a test.
#   bash benches/crawl-site.sh [PAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
# shellcheck source=benches/nginx-bench.sh
. benches/nginx-bench.sh

echo "generating $pages pages…" >&2
python3 benches/gen_site.py "$work/site" "$pages"
# nginx workers run as an unprivileged user: let them read the site.
chmod -R a+rX "$work"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    types { text/html html; application/xml xml; text/plain txt; }
    default_type application/octet-stream;
    gzip on; gzip_types application/xml text/plain;
    keepalive_requests 100000;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    server { listen 127.0.0.1:$port; root $work/site; }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf"

cat > "$work/bench.toml" <<CONF
[scan]
max_pages_per_site = $((pages + 10))
max_depth = 100
concurrency = 64
per_host_rate = 100000.0
timeout = "30s"
max_sitemap_urls = $((pages + 10))
allow_networks = ["127.0.0.1/32"]
[scan.resolve]
"bench-site.example" = "127.0.0.1:$port"

[[firm]]
name = "Bench Exchange"
websites = ["http://bench-site.example/"]
CONF

cargo build --release --quiet
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/rss" target/release/micar-scan scan "$work/bench.toml" --output "$work/report.json" 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    exit 3
}
end=$(date +%s.%N)
python3 - "$work/report.json" "$start" "$end" "$(cat "$work/rss")" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
start, end, rss_kb = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4].split()[-1])
pages = [p for f in report["firms"] for p in f["pages"]]
findings = sum(len(f["findings"]) for f in report["firms"])
size = sum(p["bytes"] for p in pages)
secs = end - start
print(f"pages fetched: {len(pages)}  findings: {findings}  errors: {sum(len(f['errors']) for f in report['firms'])}")
print(f"wall time: {secs:.1f} s  pages/s: {len(pages)/secs:.0f}  MB/s: {size/secs/1e6:.1f}  peak RSS: {rss_kb/1024:.0f} MiB")
PY
