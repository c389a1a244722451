#!/usr/bin/env bash
# Runs the whole test suite, first installing what the tests need when it is
# missing: nginx (a real web server for the network tests) and Chromium (the
# HTML report is checked in a real headless browser) from the distribution's
# packages, tinyproxy and microsocks (real HTTP and SOCKS5 proxies stand in
# for the geo probe's vantage points) and openssl (a throwaway RFC 3161
# time-stamping authority), and warcio (the web-archiving field's reader,
# which checks our WARC files) from the Python packages. Extra arguments go
# to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || missing+=(tinyproxy-bin)
command -v microsocks >/dev/null 2>&1 || missing+=(microsocks)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if ((${#missing[@]})); then
    echo "installing test dependencies: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # Only the binaries are needed; the tests start their own servers on loopback ports.
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! python3 -c 'import warcio' >/dev/null 2>&1; then
    echo "installing test dependency: warcio" >&2
    python3 -m pip install --quiet --disable-pip-version-check warcio ||
        # A distribution's own Python refuses system-wide installs (PEP 668).
        python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages warcio
fi

# Tests that need these fail instead of skipping when this is set.
export MICAR_SCAN_REQUIRE_NGINX=1
export MICAR_SCAN_REQUIRE_CHROMIUM=1
export MICAR_SCAN_REQUIRE_WARCIO=1
export MICAR_SCAN_REQUIRE_TINYPROXY=1
export MICAR_SCAN_REQUIRE_MICROSOCKS=1
export MICAR_SCAN_REQUIRE_OPENSSL=1
exec cargo test "$@"
