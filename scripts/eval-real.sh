#!/usr/bin/env bash
# Scores the scanner on real public pages: serves each labelled page of
# eval/real-pages.toml from DIR on loopback under its real host and path,
# scans each as a one-page firm with the release binary, and prints the
# confusion matrix, exact rate, per-class table and every miss with its
# reasons. See scripts/eval_real.py for the page formats DIR may hold and
# eval/README.md for how the pages were chosen and labelled.
#
# Usage: scripts/eval-real.sh [DIR] [extra options for eval_real.py]
#   DIR defaults to eval/pages (git-ignored: real text never enters the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-eval/pages}"
shift || true
cargo build --release --quiet
exec python3 scripts/eval_real.py --binary target/release/micar-scan "$@" "$dir"
