#!/usr/bin/env bash
# Runs the whole test suite, first installing what the tests need when it is
# missing: nginx (a real web server for the network tests) from the
# distribution's packages. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    missing+=(nginx-light)
fi
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing test dependencies: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # Only the binary is needed; the tests start their own nginx on a loopback port.
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Tests that need nginx fail instead of skipping when this is set.
export MICAR_SCAN_REQUIRE_NGINX=1
exec cargo test "$@"
