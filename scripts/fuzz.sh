#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that reads untrusted bytes.
#
#   scripts/fuzz.sh SECONDS [TARGET...]
#
# Runs each target (all of fuzz/fuzz_targets/ by default) for SECONDS with
# libFuzzer through cargo-fuzz. It starts from the kept inputs
# (fuzz/kept/TARGET, in the repository) and grows a working corpus
# (fuzz/corpus/TARGET, not in the repository). A crash, a panic,
# an input over the memory cap (FUZZ_RSS_MB, default 512) or one slower than
# the per-input cap (FUZZ_TIMEOUT, default 10 s) leaves its input in
# fuzz/artifacts/TARGET and makes the script exit 1 after every target ran.
# FUZZ_PARALLEL runs that many targets at once (default 1). A table of
# executions, corpus size and crashes per target ends the run.
#
# Needs a nightly toolchain and cargo-fuzz; both are installed when missing.
# With `FUZZ_KEEP=1`, a clean run then rewrites fuzz/kept/TARGET as the
# smallest set of inputs (kept and found) that covers what they all cover,
# which is what the repository keeps and `cargo test` replays.
set -euo pipefail

seconds="${1:-}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
    exit 2
fi
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for file in fuzz_targets/*.rs; do
        targets+=("$(basename "$file" .rs)")
    done
fi
for target in "${targets[@]}"; do
    if [ ! -f "fuzz_targets/$target.rs" ]; then
        echo "no such fuzz target: $target" >&2
        exit 2
    fi
done

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "installing a nightly toolchain (cargo-fuzz needs -Z flags)" >&2
    rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

rss_mb="${FUZZ_RSS_MB:-512}"
timeout_s="${FUZZ_TIMEOUT:-10}"
parallel="${FUZZ_PARALLEL:-1}"
logs="$root/target/fuzz-logs"
mkdir -p "$logs"

# One build for every target, optimised with debug assertions on (overflow
# checks) and no sanitizer: the code is safe Rust, and AddressSanitizer's
# quarantine alone would exceed the memory cap while the rule set compiles. The runs
# below call the binaries directly, so editing the sources meanwhile does not
# rebuild (or break) a run in progress.
if [ "$#" -gt 0 ]; then
    for target in "${targets[@]}"; do
        cargo +nightly fuzz build --release --debug-assertions --sanitizer none "$target" >&2
    done
else
    cargo +nightly fuzz build --release --debug-assertions --sanitizer none >&2
fi
triple="$(rustc +nightly -vV | sed -n 's/^host: //p')"
bin_dir="$root/fuzz/target/$triple/release"

run_target() {
    local target="$1"
    mkdir -p "corpus/$target" "kept/$target" "artifacts/$target"
    local before
    before="$(find "artifacts/$target" -type f | wc -l)"
    local status=0
    "$bin_dir/$target" "corpus/$target" "kept/$target" \
        -max_total_time="$seconds" -rss_limit_mb="$rss_mb" \
        -timeout="$timeout_s" -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
        >"$logs/$target.log" 2>&1 || status=$?
    local after
    after="$(find "artifacts/$target" -type f | wc -l)"
    local execs
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' | tail -1 || true)"
    local corpus
    corpus="$(find "corpus/$target" -type f | wc -l)"
    if [ "${FUZZ_KEEP:-0}" = 1 ] && [ "$status" -eq 0 ] && [ "$after" -eq "$before" ]; then
        local fresh="$root/target/fuzz-kept-$target"
        rm -rf "$fresh" && mkdir -p "$fresh"
        # Edges, not hit-count buckets: a few hundred inputs per target cover
        # every edge the thousands of the working corpus reach.
        # A merge step that stalls (a loaded machine) retries by itself; any
        # input it gives up on lands with the run's other artifacts.
        if "$bin_dir/$target" -merge=1 -set_cover_merge=1 -use_counters=0 -rss_limit_mb="$rss_mb" \
            -timeout="$timeout_s" -artifact_prefix="artifacts/$target/" \
            "$fresh" "kept/$target" "corpus/$target" \
            >>"$logs/$target.log" 2>&1; then
            rm -rf "kept/$target" && mv "$fresh" "kept/$target"
        else
            status=$?
            rm -rf "$fresh"
        fi
    fi
    corpus="$corpus (kept $(find "kept/$target" -type f | wc -l))"
    local crashes=$((after - before))
    printf '%-10s %12s %20s %8s %6s\n' "$target" "${execs:-?}" "$corpus" "$crashes" "$status" \
        >"$logs/$target.row"
}

pids=()
for target in "${targets[@]}"; do
    run_target "$target" &
    pids+=("$!")
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
        wait -n || true
    done
done
wait

printf '%-10s %12s %20s %8s %6s\n' target executions corpus crashes exit
failed=0
for target in "${targets[@]}"; do
    row="$(cat "$logs/$target.row")"
    echo "$row"
    status="${row##* }"
    crashes="$(awk '{print $(NF-1)}' <<<"$row")"
    if [ "$crashes" != 0 ] || [ "$status" != 0 ]; then
        failed=1
        echo "  $target: see $logs/$target.log and fuzz/artifacts/$target/" >&2
    fi
done
exit "$failed"
