#!/usr/bin/env bash
# Politeness benchmark: HOSTS firms (default 200), each a site of PAGES pages
# (default 50) on its own host name, all resolved onto one nginx on loopback,
# scanned at RATE requests per second per host (default 2). Prints the wall
# time against the politeness floor (the busiest host's requests spaced one
# period apart) and the smallest gap between two requests to one host as the
# server logged them. A measurement, not a test.
#   bash benches/polite-hosts.sh [HOSTS] [PAGES] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-200}
pages=${2:-50}
rate=${3:-2}
# shellcheck source=benches/nginx-bench.sh
. benches/nginx-bench.sh
python3 benches/gen_site.py "$work/site" "$pages" >/dev/null
# Every host serves the same pages; links are relative, so each crawl stays
# on its own host. No sitemap: it names the single-site benchmark's host.
printf 'User-agent: *\nAllow: /\n' > "$work/site/robots.txt"
rm -f "$work/site/sitemap.xml"
chmod -R a+rX "$work"
# nginx logs each request's host and time: the gaps per host are read from it.
start_nginx "    log_format gaps '\$host \$msec';
    access_log $work/logs/access.log gaps;"
{
    cat <<CONF
[scan]
max_pages_per_site = $pages
max_depth = 100
concurrency = 64
per_host_rate = $rate
timeout = "30s"
allow_networks = ["127.0.0.1/32"]
[scan.resolve]
CONF
    for i in $(seq 1 "$hosts"); do echo "\"h$i.polite-bench.example\" = \"127.0.0.1:$port\""; done
    for i in $(seq 1 "$hosts"); do
        printf '\n[[firm]]\nname = "Firm %d"\nwebsites = ["http://h%d.polite-bench.example/"]\n' "$i" "$i"
    done
} > "$work/bench.toml"

cargo build --release --quiet
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/rss" target/release/micar-scan scan "$work/bench.toml" --output "$work/report.json" 2>"$work/stderr" || {
    status=$?
    # 1: a verdict reached --fail-on (not used here); anything else failed.
    [ "$status" -eq 1 ] || { cat "$work/stderr" >&2; exit 3; }
}
end=$(date +%s.%N)
python3 - "$work/logs/access.log" "$start" "$end" "$(cat "$work/rss")" "$rate" <<'PY'
import sys
from collections import defaultdict
log, start, end, rss, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
times = defaultdict(list)
for line in open(log):
    host, at = line.split()
    times[host].append(float(at))
period = 1.0 / rate
busiest = max(len(t) for t in times.values())
floor = (busiest - 1) * period
gaps = [b - a for t in times.values() for a, b in zip(sorted(t), sorted(t)[1:])]
wall = end - start
print(f"hosts: {len(times)}  requests: {sum(len(t) for t in times.values())}  busiest host: {busiest} requests")
print(f"wall time: {wall:.1f} s  floor: {floor:.1f} s  ratio: {wall / floor:.2f}  peak RSS: {int(rss.split()[-1]) / 1024:.0f} MiB")
print(f"smallest gap at the server: {min(gaps):.3f} s for a period of {period:.3f} s  (server clock in ms)")
PY
