#!/usr/bin/env bash
# Times `micar-scan ledger` on a generated ledger: REQUESTS client requests
# (default 100,000) and OFFERS offers (default 1,000,000), and prints wall
# time, offers per second and peak RSS.
#
#   bash benches/ledger.sh [OFFERS] [REQUESTS]
set -euo pipefail
offers="${1:-1000000}"
requests="${2:-100000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$offers" "$requests" <<'PY'
import random, sys
work, offers, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(61)
countries = ["DE", "FR", "IT", "ES", "NL", "PL", "AT", "BE", "SE", "US", "GB", "CH"]
services = ["exchange_fiat", "custody", "exchange_crypto", "buy", "swap", "advice"]
assets = ["BTC", "ETH", "SOL", "USDT", "USDC", "EURC", "PAXG", "LINK", "ADA", "XRP"]
clients = max(1, requests // 2)
with open(f"{work}/requests.csv", "w") as f:
    f.write("client_id,requested_at,country,service,asset,initiated_by\n")
    for i in range(requests):
        c = rng.randrange(clients)
        day = rng.randrange(1, 28)
        month = rng.randrange(1, 12)
        who = "firm" if rng.random() < 0.05 else "client"
        f.write(f"C{c},2026-{month:02d}-{day:02d},{countries[c % len(countries)]},"
                f"{rng.choice(services)},{rng.choice(assets)},{who}\n")
with open(f"{work}/offers.csv", "w") as f:
    f.write("offer_id,client_id,sent_at,channel,service,asset\n")
    for i in range(offers):
        c = rng.randrange(int(clients * 1.1))
        day = rng.randrange(1, 28)
        month = rng.randrange(1, 13)
        f.write(f"O{i},C{c},2026-{month:02d}-{day:02d}T{rng.randrange(24):02d}:00:00Z,"
                f"push,{rng.choice(services)},{rng.choice(assets)}\n")
PY

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
binary="$root/target/release/micar-scan"
size="$(du -h "$work/offers.csv" | cut -f1)"
/usr/bin/time -f '%e %M' -o "$work/time" \
    "$binary" ledger --requests "$work/requests.csv" --offers "$work/offers.csv" \
    --output "$work/ledger.json" 2>"$work/stderr"
read -r wall rss_kb <"$work/time"
echo "ledger: $offers offers ($size), $requests requests"
tail -1 "$work/stderr"
awk -v w="$wall" -v o="$offers" -v r="$rss_kb" \
    'BEGIN { printf "wall %.2f s, %.0f offers/s, peak RSS %.1f MiB\n", w, o / w, r / 1024 }'
