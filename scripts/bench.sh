#!/usr/bin/env bash
# Measures what BENCHMARKS.md reports, in one run, and prints it as Markdown:
#
#   1. bundle sizes (raw / gzip -9 / brotli -q 11) of the dashboard and of the Lab worker;
#   2. SSR throughput of the Overview page against the same bytes served as a static file by
#      the same server (release build), server pinned to CPU 0 and wrk to CPU 1;
#   3. sign-in latency (the argon2id cost) and the per-request cost of checking a session
#      cookie or an API token, against the same route called without credentials;
#   4. with BENCH_CLEAN_BUILD=1, clean build times in an empty target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-auth.sh

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
bench_password='bench password for wrk'
printf '%s\n' "$bench_password" | "$binary" admin create-user --username bench --role editor \
    --password-stdin --data-dir "$data_dir" >/dev/null
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

# Sign-in: one connection shows the latency of one argon2id verification plus the session
# insert; two connections show the throughput of both cores' hashing.
login_script=$(mktemp --suffix .lua)
trap 'kill $server 2>/dev/null; rm -rf "$data_dir" "$login_script" \
    "$site_dir"/{,pkg/}bench-overview.html' EXIT
cat >"$login_script" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "bench", "password": "$bench_password"}'
LUA
login() {
    taskset -c 1 wrk -t1 -c"$1" -d"${duration}s" --latency -s "$login_script" \
        "http://127.0.0.1:$port/api/v1/auth/login" \
        | awk '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
               END { printf "%s %s %s", rps, p50, p99 }'
}
read -r login1_rps login1_p50 login1_p99 <<<"$(login 1)"
read -r login2_rps login2_p50 login2_p99 <<<"$(login 2)"

echo "## Sign-in (argon2id m=19 MiB, t=2, p=1; ${duration} s per row)"
echo
echo "| connections | sign-ins/s | p50 latency | p99 latency |"
echo "|---|---|---|---|"
echo "| 1 | $login1_rps | $login1_p50 | $login1_p99 |"
echo "| 2 | $login2_rps | $login2_p50 | $login2_p99 |"
echo

# The same route (/healthz: a constant JSON answer) without credentials, with a session
# cookie and with a bearer token: the guard looks both up on every request.
read -r cookie csrf <<<"$(bench_sign_in "http://127.0.0.1:$port" bench "$bench_password")"
token=$(bench_token "http://127.0.0.1:$port" "$cookie" "$csrf" '["read"]')
load_with() {
    local header=$1 path=$2
    taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency -H "$header" \
        "http://127.0.0.1:$port$path" \
        | awk '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
               END { printf "%s %s %s", rps, p50, p99 }'
}
read -r anon_rps anon_p50 anon_p99 <<<"$(load_with 'x-bench: none' /healthz)"
read -r session_rps session_p50 session_p99 <<<"$(load_with "cookie: $cookie" /healthz)"
read -r token_rps token_p50 token_p99 <<<"$(load_with "authorization: Bearer $token" /healthz)"
read -r me_session_rps me_session_p50 me_session_p99 <<<"$(load_with "cookie: $cookie" /api/v1/me)"
read -r me_token_rps me_token_p50 me_token_p99 <<<"$(load_with "authorization: Bearer $token" \
    /api/v1/me)"
per_request() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f µs", (1 / b - 1 / a) * 1e6 }'; }

echo "## Authentication cost per request (${duration} s, $connections connections)"
echo
echo "| request | requests/s | p50 | p99 | ratio to anonymous | CPU time added |"
echo "|---|---|---|---|---|---|"
echo "| GET /healthz, no credentials | $anon_rps | $anon_p50 | $anon_p99 | 1.00 | |"
echo "| GET /healthz, session cookie | $session_rps | $session_p50 | $session_p99 |" \
    "$(ratio "$session_rps" "$anon_rps") | $(per_request "$anon_rps" "$session_rps") |"
echo "| GET /healthz, bearer token | $token_rps | $token_p50 | $token_p99 |" \
    "$(ratio "$token_rps" "$anon_rps") | $(per_request "$anon_rps" "$token_rps") |"
echo "| GET /api/v1/me, session cookie | $me_session_rps | $me_session_p50 | $me_session_p99 |" \
    "$(ratio "$me_session_rps" "$anon_rps") | |"
echo "| GET /api/v1/me, bearer token | $me_token_rps | $me_token_p50 | $me_token_p99 |" \
    "$(ratio "$me_token_rps" "$anon_rps") | |"
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
