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

serve_generated_site "$pages"

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
rendering = report["scan"].get("rendering") or {}
print(f"rendering: {rendering.get('mode', 'off')}, browser launches: {rendering.get('browser_launches', 0)}, pages rendered: {rendering.get('pages_rendered', 0)}")
PY
