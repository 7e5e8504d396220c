#!/usr/bin/env bash
# Upload + profile throughput of datasets, printed as Markdown for BENCHMARKS.md:
#
#   1. generates a numeric and a mixed CSV of BENCH_DATASET_BYTES (default 1 GB) each;
#   2. the floor: the csv crate's ByteRecord loop over each file, doing nothing else;
#   3. lepton-data's ingest (parse, validate, profile) in-process on the same file;
#   4. the same file uploaded over HTTP to a release `lepton` server (hash, store, profile),
#      with the server's peak resident memory (VmHWM) after each upload;
#   5. polars `read_csv` + `describe` (PyPI) on the same file, with its peak RSS;
#   6. a tenth-size file uploaded the same way, to show that the server's memory stays flat.
#
# Every program reads the same files in the same run; the page cache is warm for all of
# them (each file is read once before the first timing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-auth.sh

target_dir="${CARGO_TARGET_DIR:-target}"
site_dir="${LEPTON_SITE_DIR:-$target_dir/site}"
binary="$target_dir/release/lepton"
bytes="${BENCH_DATASET_BYTES:-1000000000}"
work=$(mktemp -d)
server=""
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

cargo build -q --release -p lepton-data --example generate_csv --example profile_file
examples="$target_dir/release/examples"
python3 -c 'import polars' 2>/dev/null || pip install -q polars >/dev/null

mb() { awk -v bytes="$1" 'BEGIN { printf "%.0f", bytes / 1e6 }'; }
rate() { awk -v bytes="$1" -v seconds="$2" 'BEGIN { printf "%.1f", bytes / 1e6 / seconds }'; }
now() { date +%s.%N; }
elapsed() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.3f", end - start }'; }

# Peak RSS in MB of a finished command, from GNU time's %M (KiB).
peak_of() { awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$1"; }

start_server() {
    local data_dir=$1 port=$2
    printf '%s\n' 'bench password for uploads' | "$binary" admin create-user --username bench \
        --role editor --password-stdin --data-dir "$data_dir" >/dev/null
    RUST_LOG=warn "$binary" --addr "127.0.0.1:$port" --data-dir "$data_dir" \
        --site-dir "$site_dir" >/dev/null 2>&1 &
    server=$!
    for _ in $(seq 200); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return
        sleep 0.1
    done
    echo "the server did not start" >&2
    exit 1
}

token_for() {
    local base="http://127.0.0.1:$1" cookie csrf
    read -r cookie csrf <<<"$(bench_sign_in "$base" bench 'bench password for uploads')"
    bench_token "$base" "$cookie" "$csrf" '["read", "write"]'
}

# Uploads a file to a fresh server; prints "seconds peak_rss_mb".
upload() {
    local file=$1 name=$2 data_dir port token start seconds peak
    data_dir=$(mktemp -d -p "$work")
    port=$(scripts/free-port.py)
    start_server "$data_dir" "$port"
    token=$(token_for "$port")
    start=$(now)
    curl -sf -o /dev/null -H "authorization: Bearer $token" -H 'content-type: text/csv' \
        -T "$file" -X POST "http://127.0.0.1:$port/api/v1/datasets?name=$name"
    seconds=$(elapsed "$start")
    peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status")
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    rm -rf "$data_dir"
    echo "$seconds $peak"
}

polars_run() {
    /usr/bin/time -v python3 - "$1" 2>"$work/time.txt" <<'PY'
import sys, time
import polars as pl
start = time.perf_counter()
frame = pl.read_csv(sys.argv[1])
frame.describe()
print(f"{time.perf_counter() - start:.3f}")
PY
}

echo "## Dataset upload and profiling ($(mb "$bytes") MB files)"
echo
echo "| file | reader | time | MB/s | ratio to floor | peak RSS |"
echo "|---|---|---|---|---|---|"
for kind in numeric mixed; do
    file="$work/$kind.csv"
    "$examples/generate_csv" "$kind" "$bytes" "$file" >/dev/null
    size=$(stat -c %s "$file")
    cat "$file" >/dev/null

    /usr/bin/time -v "$examples/profile_file" --floor "$file" >"$work/floor.txt" 2>"$work/time.txt"
    floor_s=$(awk '/^seconds:/ { print $2 }' "$work/floor.txt")
    floor_peak=$(peak_of "$work/time.txt")
    floor_rate=$(rate "$size" "$floor_s")

    /usr/bin/time -v "$examples/profile_file" "$file" >"$work/engine.txt" 2>"$work/time.txt"
    engine_s=$(awk '/^seconds:/ { print $2 }' "$work/engine.txt")
    engine_peak=$(peak_of "$work/time.txt")

    read -r upload_s upload_peak <<<"$(upload "$file" "bench-$kind")"
    polars_s=$(polars_run "$file")
    polars_peak=$(peak_of "$work/time.txt")

    ratio() { awk -v floor="$floor_rate" -v bytes="$size" -v s="$1" \
        'BEGIN { printf "%.2f", bytes / 1e6 / s / floor }'; }
    echo "| $kind | csv crate ByteRecord loop (floor) | ${floor_s} s | $floor_rate | 1.00 | $floor_peak MB |"
    echo "| $kind | lepton-data ingest, in process | ${engine_s} s | $(rate "$size" "$engine_s") | $(ratio "$engine_s") | $engine_peak MB |"
    echo "| $kind | upload to lepton over HTTP (hash + store + profile) | ${upload_s} s | $(rate "$size" "$upload_s") | $(ratio "$upload_s") | $upload_peak MB (server) |"
    echo "| $kind | polars read_csv + describe | ${polars_s} s | $(rate "$size" "$polars_s") | $(ratio "$polars_s") | $polars_peak MB |"

    small="$work/$kind-small.csv"
    head -c $((bytes / 10)) "$file" | sed '$d' >"$small"
    read -r small_s small_peak <<<"$(upload "$small" "bench-$kind-small")"
    echo "| $kind, $(mb "$(stat -c %s "$small")") MB | upload to lepton over HTTP | ${small_s} s | $(rate "$(stat -c %s "$small")" "$small_s") | | $small_peak MB (server) |"
    rm -f "$file" "$small"
done
echo
