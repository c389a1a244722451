#!/usr/bin/env bash
# Peer benchmark: crawls one generated site of N pages (default 5,000),
# served by nginx on a loopback port, with micar-scan, the `spider` Rust
# crate and Scrapy, one after the other, with the same settings (robots.txt
# obeyed, no politeness delay, 64 requests in flight, start host only).
# Prints pages, wall time, pages/s and peak RSS per crawler and how
# micar-scan's pages/s compare. A measurement, not a test: micar-scan also
# extracts and classifies every page, the peers only parse out the links.
#   bash benches/peer-crawl.sh [PAGES]
# MICAR_SCAN_BIN=path/to/micar-scan uses that binary instead of building
# micar-scan. Scrapy is installed into a virtualenv under
# ${XDG_CACHE_HOME:-~/.cache}/micar-scan-bench/venv on first use; without
# it the Scrapy row is left out with a notice.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-5000}
# shellcheck source=benches/nginx-bench.sh
. benches/nginx-bench.sh

serve_generated_site "$pages"

if [ -n "${MICAR_SCAN_BIN:-}" ]; then
    micar_scan=$MICAR_SCAN_BIN
else
    cargo build --release --quiet
    micar_scan=target/release/micar-scan
fi
# The spider crate is a crate of its own with its own lock file; its
# target directory is named so the binary is found even when the caller
# has CARGO_TARGET_DIR set for other builds.
spider_dir=benches/peer/spider-crawl
echo "building the spider crawler…" >&2
CARGO_TARGET_DIR="$spider_dir/target" cargo build --release --quiet --locked --manifest-path "$spider_dir/Cargo.toml"
spider_bin=$spider_dir/target/release/spider-crawl
spider_version=$(awk '/^name = "spider"$/ { getline; gsub(/[^0-9.]/, ""); print }' "$spider_dir/Cargo.lock")

# Scrapy lives in a virtualenv outside the repository, kept between runs so
# only the first run pays for the install. Returns non-zero when it cannot
# be installed; the caller reports that rather than failing the benchmark.
venv=${XDG_CACHE_HOME:-$HOME/.cache}/micar-scan-bench/venv
setup_scrapy() {
    "$venv/bin/python" -c 'import scrapy' 2>/dev/null && return 0
    # Debian splits venv and ensurepip out of python3.
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; } || return 1
    fi
    echo "installing Scrapy into $venv…" >&2
    rm -rf "$venv"
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check scrapy >&2 || return 1
}

# measure NAME COMMAND…: runs COMMAND with its output in $work/NAME.out and
# its errors in $work/NAME.err, and leaves "wall-seconds peak-RSS-KB" in
# $work/NAME.time (the last line: time prefixes a note on failure).
measure() {
    local name=$1
    shift
    echo "crawling with $name…" >&2
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"
}

# record NAME LABEL PAGES: adds the table row of the crawl `measure NAME` timed.
record() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(tail -n1 "$work/$1.time")" >> "$work/results"
}

url="http://127.0.0.1:$port/"
: > "$work/results"
# Any non-zero status is a failure: 1 (a verdict reaching --fail-on) cannot
# happen without --fail-on.
measure micar-scan "$micar_scan" scan "$work/bench.toml" --output "$work/report.json" || {
    cat "$work/micar-scan.err" >&2
    exit 3
}
micar_pages=$(python3 -c 'import json, sys; print(sum(len(f["pages"]) for f in json.load(open(sys.argv[1]))["firms"]))' "$work/report.json")
record micar-scan "micar-scan $("$micar_scan" --version | awk '{ print $2 }')" "$micar_pages"

measure spider "$spider_bin" "$url" || {
    cat "$work/spider.err" >&2
    exit 3
}
record spider "spider $spider_version" "$(tail -n1 "$work/spider.out")"

if setup_scrapy; then
    scrapy_version=$("$venv/bin/python" -c 'import scrapy; print(scrapy.__version__)')
    if measure scrapy "$venv/bin/python" benches/peer/scrapy_crawl.py "$url"; then
        record scrapy "Scrapy $scrapy_version" "$(tail -n1 "$work/scrapy.out")"
    else
        tail -n 20 "$work/scrapy.err" >&2
        echo "notice: the Scrapy crawl failed (errors above); its row is left out" >&2
    fi
else
    echo "notice: Scrapy could not be installed into $venv; its row is left out" >&2
fi

python3 - "$work/results" "$pages" <<'PY'
import sys
rate = {}
print(f"site: {sys.argv[2]} pages plus the index and sign-up pages\n")
print("| crawler | pages | wall s | pages/s | peak RSS MB |")
print("|---|---:|---:|---:|---:|")
for line in open(sys.argv[1]):
    name, label, pages, timed = line.rstrip("\n").split("\t")
    secs, rss_kb = timed.split()
    rate[name] = int(pages) / float(secs)
    print(f"| {label} | {pages} | {float(secs):.2f} | {rate[name]:.0f} | {int(rss_kb) / 1024:.0f} |")
print()
for name, label in (("spider", "spider"), ("scrapy", "Scrapy")):
    if name in rate:
        print(f"micar-scan pages/s ÷ {label} pages/s: {rate['micar-scan'] / rate[name]:.2f}")
PY
