#!/usr/bin/env bash
# Measures what BENCHMARKS.md reports, in one run, and prints it as Markdown:
#
#   1. bundle sizes (raw / gzip -9 / brotli -q 11) of the dashboard and of the Lab worker;
#   2. SSR throughput of the Overview page against the same bytes served as a static file by
#      the same server (release build), server pinned to CPU 0 and wrk to CPU 1;
#   3. with BENCH_CLEAN_BUILD=1, clean build times in an empty target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
site_dir="${LEPTON_SITE_DIR:-$target_dir/site}"
binary="$target_dir/release/lepton"
duration="${BENCH_SECONDS:-10}"
connections="${BENCH_CONNECTIONS:-16}"

if ! command -v wrk >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get install -y -qq wrk >/dev/null
fi

size() { stat -c %s "$1"; }
kib() { awk -v bytes="$1" 'BEGIN { printf "%.1f KiB", bytes / 1024 }'; }

# Sums raw, gzip and brotli sizes of the named pkg files.
sizes_row() {
    local label=$1 raw=0 gz=0 br=0 file
    shift
    for file in "$@"; do
        raw=$((raw + $(size "$site_dir/pkg/$file")))
        gz=$((gz + $(size "$site_dir/pkg/$file.gz")))
        br=$((br + $(size "$site_dir/pkg/$file.br")))
    done
    printf '| %s | %s | %s | %s |\n' "$label" "$(kib $raw)" "$(kib $gz)" "$(kib $br)"
}

manifest="$site_dir/pkg/manifest.json"
field() {
    python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" \
        "$manifest" "$1"
}
app_js=$(field app_js)
app_wasm=$(field app_wasm)
css=$(field css)
worker=$(field worker)
trainer_js=$(grep -o "lepton_worker\.[0-9a-f]*\.js" "$site_dir/pkg/$worker" | head -1)
trainer_wasm=$(grep -o "lepton_worker\.[0-9a-f]*\.wasm" "$site_dir/pkg/$worker" | head -1)

echo "## Bundle sizes"
echo
echo "| bundle | raw | gzip -9 | brotli -q 11 |"
echo "|---|---|---|---|"
sizes_row "dashboard (JS + wasm)" "$app_js" "$app_wasm"
sizes_row "stylesheet" "$css"
sizes_row "Lab worker (script + JS + wasm)" "$worker" "$trainer_js" "$trainer_wasm"
echo

data_dir=$(mktemp -d)
port=$(scripts/free-port.py)
RUST_LOG=warn taskset -c 0 "$binary" --addr "127.0.0.1:$port" --data-dir "$data_dir" \
    --site-dir "$site_dir" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data_dir" "$site_dir"/{,pkg/}bench-overview.html' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done

curl -sf "http://127.0.0.1:$port/" -o "$site_dir/bench-overview.html"
page_bytes=$(size "$site_dir/bench-overview.html")
cp "$site_dir/bench-overview.html" "$site_dir/pkg/bench-overview.html"

# Prints requests/s and p99 latency of one wrk run against a path.
load() {
    taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port$1" \
        | awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { printf "%s %s", rps, p99 }'
}

taskset -c 1 wrk -t1 -c4 -d2s "http://127.0.0.1:$port/" >/dev/null  # warm-up
read -r ssr_rps ssr_p99 <<<"$(load /)"
read -r static_rps static_p99 <<<"$(load /bench-overview.html)"
read -r pkg_rps pkg_p99 <<<"$(load /pkg/bench-overview.html)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "## SSR against a static file ($page_bytes bytes, ${duration} s, $connections connections)"
echo
echo "| what | requests/s | p99 latency |"
echo "|---|---|---|"
echo "| Overview page, server-rendered | $ssr_rps | $ssr_p99 |"
echo "| same bytes as a public file (leptos_axum's file handler) | $static_rps | $static_p99 |"
echo "| same bytes under /pkg (tower-http ServeDir, precompressed lookups) | $pkg_rps | $pkg_p99 |"
echo "| ratio SSR / site-root file | $(ratio "$ssr_rps" "$static_rps") | |"
echo "| ratio SSR / /pkg file | $(ratio "$ssr_rps" "$pkg_rps") | |"
echo

if [[ ${BENCH_CLEAN_BUILD:-0} == 1 ]]; then
    clean=$(mktemp -d)
    echo "## Clean builds (empty target directory)"
    echo
    echo "| build | wall time |"
    echo "|---|---|"
    start=$SECONDS
    CARGO_TARGET_DIR=$clean cargo build -q -p lepton-server
    echo "| server, debug | $((SECONDS - start)) s |"
    start=$SECONDS
    CARGO_TARGET_DIR=$clean LEPTON_SITE_DIR=$clean/site scripts/build-site.sh >/dev/null
    echo "| site (both wasm crates, wasm-release, wasm-opt, compression) | $((SECONDS - start)) s |"
    start=$SECONDS
    CARGO_TARGET_DIR=$clean cargo build -q --release -p lepton-server
    echo "| server, release | $((SECONDS - start)) s |"
    rm -rf "$clean"
fi
