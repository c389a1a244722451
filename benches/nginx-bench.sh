# Shared set-up of the benchmarks that serve a generated site with nginx on
# loopback; sourced by crawl-site.sh, peer-crawl.sh and polite-hosts.sh, not run
# alone.
# Sets `work` (a scratch directory removed on exit unless KEEP_WORK is set,
# with the nginx it started stopped), `nginx_bin` and `port` (a free
# loopback port), installing nginx and GNU time when missing, and offers
# start_nginx and serve_generated_site.

work=$(mktemp -d)
trap 'kill "$(cat "$work/nginx.pid" 2>/dev/null)" 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/time ] || missing+=(time)
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/logs" "$work/tmp"

# start_nginx HTTP_LINES: serves $work/site on 127.0.0.1:$port, every host
# name alike, with the settings the benchmarks share and HTTP_LINES added
# inside the http block (logging, compression).
start_nginx() {
    cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
$1
    types { text/html html; application/xml xml; text/plain txt; }
    default_type application/octet-stream;
    keepalive_requests 100000;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    server { listen 127.0.0.1:$port; server_name _; root $work/site; }
}
CONF
    "$nginx_bin" -p "$work" -c "$work/nginx.conf"
}

# serve_generated_site PAGES: generates a site of PAGES pages in $work/site,
# serves it with nginx on $port and writes $work/bench.toml, a micar-scan
# configuration that crawls it with politeness off. Shared by the benchmarks
# that crawl one site, so their figures can be compared.
serve_generated_site() {
    local pages=$1
    echo "generating $pages pages…" >&2
    python3 benches/gen_site.py "$work/site" "$pages"
    # nginx workers run as an unprivileged user: let them read the site.
    chmod -R a+rX "$work"
    start_nginx "    access_log off;
    gzip on; gzip_types application/xml text/plain;"

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
}
