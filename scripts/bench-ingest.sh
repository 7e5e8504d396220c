#!/usr/bin/env bash
# Telemetry ingest throughput and latency, printed as Markdown for BENCHMARKS.md:
#
#   1. the ceiling: the load generator (server/examples/ingest_load.rs) against a no-op sink
#      that reads each body and answers 200, at batches of 1, 100 and 5 000 points;
#   2. a release `lepton` (simulators off) taking the same load through
#      `POST /api/v1/telemetry`: parse, check, one SQLite transaction per batch;
#   3. p99 latency at half of Lepton's peak rate, at batches of 100, open loop;
#   4. the peer: PostgreSQL (Debian's server) taking the same rows by COPY into a table with
#      the same primary key, one transaction per batch, with synchronous_commit on (each
#      commit flushed to disk) and off (closer to Lepton's WAL with synchronous=NORMAL).
#
# All runs use the same number of connections (BENCH_INGEST_CONNECTIONS, 4) for
# BENCH_INGEST_SECONDS (10) each, on this machine, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-auth.sh

target_dir="${CARGO_TARGET_DIR:-target}"
site_dir="${LEPTON_SITE_DIR:-$target_dir/site}"
binary="$target_dir/release/lepton"
load="$target_dir/release/examples/ingest_load"
seconds="${BENCH_INGEST_SECONDS:-10}"
connections="${BENCH_INGEST_CONNECTIONS:-4}"
work=$(mktemp -d)
chmod 755 "$work"
pids=()
pg_dir=""
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -n $pg_dir ]] && runuser -u postgres -- pg_ctl -D "$pg_dir" -m immediate stop \
        >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

cargo build -q --release -p lepton-server --bin lepton --example ingest_load
python3 -c 'import psycopg' 2>/dev/null || pip install -q 'psycopg[binary]' >/dev/null

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
fixed() { python3 -c "import sys; print(f'{float(sys.argv[1]):,.${2}f}'.replace(',', ' '))" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }

wait_for() {
    for _ in $(seq 200); do
        curl -s -o /dev/null "$1" && return
        sleep 0.1
    done
    echo "nothing answers at $1" >&2
    exit 1
}

# 1. The generator's ceiling.
port=$(scripts/free-port.py)
"$load" sink "$port" &
pids+=($!)
wait_for "http://127.0.0.1:$port/"
declare -A sink ours pg_on pg_off
for batch in 1 100 5000; do
    sink[$batch]=$("$load" send "http://127.0.0.1:$port/api/v1/telemetry" none "$batch" \
        "$seconds" "$connections")
done

# 2. Lepton.
data_dir="$work/lepton"
mkdir -p "$data_dir"
port=$(scripts/free-port.py)
printf '%s\n' 'bench password for ingest' | "$binary" admin create-user --username bench \
    --role editor --password-stdin --data-dir "$data_dir" >/dev/null
RUST_LOG=warn "$binary" --addr "127.0.0.1:$port" --data-dir "$data_dir" \
    --site-dir "$site_dir" --simulate false >/dev/null 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/readyz"
base="http://127.0.0.1:$port"
read -r cookie csrf <<<"$(bench_sign_in "$base" bench 'bench password for ingest')"
token=$(bench_token "$base" "$cookie" "$csrf" '["read", "write"]')
for batch in 1 100 5000; do
    ours[$batch]=$("$load" send "$base/api/v1/telemetry" "$token" "$batch" "$seconds" \
        "$connections")
done

# 3. p99 at half of the peak batch rate, batches of 100.
half=$(python3 -c "import sys; print(float(sys.argv[1]) / 2)" "$(field "${ours[100]}" batches_per_s)")
paced=$("$load" send "$base/api/v1/telemetry" "$token" 100 "$seconds" "$connections" "$half")
stored=$(curl -sf -H "authorization: Bearer $token" "$base/api/v1/sites" |
    python3 -c 'import json,sys; print(sum(s["points"] for s in json.load(sys.stdin)))')

# 4. PostgreSQL COPY.
# PostgreSQL refuses to run as root: its directories belong to the postgres account.
pg_dir="$work/pg"
socket="$work/socket"
mkdir -p "$pg_dir" "$socket"
chown postgres "$pg_dir" "$socket"
runuser -u postgres -- initdb -D "$pg_dir" -A trust -U bench >/dev/null
runuser -u postgres -- pg_ctl -D "$pg_dir" -l "$socket/pg.log" \
    -o "-k $socket -c listen_addresses=''" start >/dev/null
for _ in $(seq 100); do
    [[ -S "$socket/.s.PGSQL.5432" ]] && break
    sleep 0.1
done
for batch in 1 100 5000; do
    pg_on[$batch]=$(python3 scripts/bench-ingest/pg_copy.py "$socket" "$batch" "$seconds" \
        "$connections" on)
    pg_off[$batch]=$(python3 scripts/bench-ingest/pg_copy.py "$socket" "$batch" "$seconds" \
        "$connections" off)
done
pg_version=$(runuser -u postgres -- postgres --version | awk '{ print $3 }')

echo
echo "Machine: $(nproc) cores, $(uname -sr); $connections connections, $seconds s a run;"
echo "PostgreSQL $pg_version, psycopg $(python3 -c 'import psycopg; print(psycopg.__version__)');"
echo "Lepton stored $stored points in all."
echo
echo "| batch | no-op sink points/s | Lepton points/s | Lepton p50 / p99 ms | PostgreSQL COPY points/s (sync on / off) | PG p99 ms (on / off) | Lepton / sink | Lepton / PG (on / off) |"
echo "|---|---|---|---|---|---|---|---|"
for batch in 1 100 5000; do
    s=$(field "${sink[$batch]}" points_per_s)
    o=$(field "${ours[$batch]}" points_per_s)
    on=$(field "${pg_on[$batch]}" points_per_s)
    off=$(field "${pg_off[$batch]}" points_per_s)
    printf '| %s | %s | %s | %s / %s | %s / %s | %s / %s | %s | %s / %s |\n' "$batch" \
        "$(fixed "$s" 0)" "$(fixed "$o" 0)" \
        "$(fixed "$(field "${ours[$batch]}" p50_ms)" 2)" \
        "$(fixed "$(field "${ours[$batch]}" p99_ms)" 2)" \
        "$(fixed "$on" 0)" "$(fixed "$off" 0)" \
        "$(fixed "$(field "${pg_on[$batch]}" p99_ms)" 2)" \
        "$(fixed "$(field "${pg_off[$batch]}" p99_ms)" 2)" \
        "$(ratio "$o" "$s")" "$(ratio "$o" "$on")" "$(ratio "$o" "$off")"
done
echo
printf 'Half of the peak (batches of 100, %s batches/s, open loop): %s points/s, p50 %s ms, p99 %s ms, %s failures.\n' \
    "$(fixed "$half" 1)" "$(fixed "$(field "$paced" points_per_s)" 0)" \
    "$(fixed "$(field "$paced" p50_ms)" 2)" "$(fixed "$(field "$paced" p99_ms)" 2)" \
    "$(field "$paced" failures)"
