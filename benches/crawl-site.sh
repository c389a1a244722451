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
# Counted line by line: a 100,000-page report is gigabytes of JSON, more
# than is worth loading whole to count it. The report is pretty-printed, so
# each page has one "truncated" line and each finding one "rule_id" line.
import re, sys
start, end, rss_kb = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4].split()[-1])
pages = findings = size = failed = 0
rendering = {}
number = re.compile(r'^\s*"(bytes|pages_failed|browser_launches|pages_rendered)": (\d+),?$')
mode = re.compile(r'^\s*"mode": "(\w+)",?$')
with open(sys.argv[1], encoding="utf-8") as report:
    for line in report:
        if line.lstrip().startswith('"truncated":'):
            pages += 1
        elif line.lstrip().startswith('"rule_id":'):
            findings += 1
        elif (m := number.match(line)):
            key, value = m.group(1), int(m.group(2))
            if key == "bytes":
                size += value
            elif key == "pages_failed":
                failed += value
            else:
                rendering.setdefault(key, value)
        elif (m := mode.match(line)):
            rendering.setdefault("mode", m.group(1))
secs = end - start
# pages_failed is counted twice per firm: in the total and per source kind.
print(f"pages fetched: {pages}  findings: {findings}  failed requests: {failed // 2}")
print(f"wall time: {secs:.1f} s  pages/s: {pages/secs:.0f}  MB/s: {size/secs/1e6:.1f}  peak RSS: {rss_kb/1024:.0f} MiB")
print(f"rendering: {rendering.get('mode', 'off')}, browser launches: {rendering.get('browser_launches', 0)}, pages rendered: {rendering.get('pages_rendered', 0)}")
PY
