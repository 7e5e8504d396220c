#!/usr/bin/env bash
# The Lab benchmark, in BENCHMARKS.md's format: samples/s of the default model (64-64-1, Adam
# 0.001, batch 32, 10 epochs, 2 000 two-moons points with 20 % held out) trained
#
#   1. in the tab by the Lab on burn's CPU backend in wasm (the release server's /lab page),
#   2. by TensorFlow.js with its wasm and its cpu backends on the same rows, in the same
#      headless Chromium (scripts/bench-lab/run.mjs),
#   3. natively by the same burn code (ml/examples/lab_throughput.rs),
#
# all in one run. BENCH_LAB_REPEAT sets how many runs each browser row takes (median, default
# 5). The release server and the site must be built (`make bench` does both).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
site_dir="${LEPTON_SITE_DIR:-$target_dir/site}"
binary="$target_dir/release/lepton"
repeat="${BENCH_LAB_REPEAT:-5}"
dir=scripts/bench-lab
work=$(mktemp -d)
server=""
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

if [[ ! -f $dir/node_modules/.package-lock.json \
    || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    printf '==> installing npm packages in %s/\n' "$dir" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
fi

cargo build -q --release -p lepton-ml --example lab_throughput
native=$("$target_dir/release/examples/lab_throughput" --write-data "$work/moons.json")

port=$(scripts/free-port.py)
RUST_LOG=warn "$binary" --addr "127.0.0.1:$port" --data-dir "$work/data" \
    --site-dir "$site_dir" >/dev/null 2>&1 &
server=$!
for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done
if ! curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then
    echo "the server did not start" >&2
    exit 1
fi

lab_url="http://127.0.0.1:$port/lab?samples=2000&backend=cpu"
node "$dir/run.mjs" --data "$work/moons.json" --lab-url "$lab_url" --repeat "$repeat" \
    --epochs 10 --markdown > "$work/browser.txt"

echo "## Lab training in the tab"
echo
# run.mjs prints its JSON summary first, then the table and the versions.
sed -n '/^Chromium /,$p' "$work/browser.txt"
python3 - "$native" "$work/browser.txt" <<'PY'
import json, re, sys
native = json.loads(sys.argv[1])
text = open(sys.argv[2]).read()
lab = re.search(r"\| Lepton Lab[^|]*\| ([\d ,.]+) \|", text)
rate = native["samples_per_second"]
print()
print(f"| same burn code, native (release build) | {rate:,.0f} samples/s "
      f"| validation accuracy {native['validation_accuracy']:.3f} |")
if lab:
    tab = float(lab.group(1).replace(",", "").replace(" ", ""))
    print(f"| ratio native / tab | {rate / tab:.2f} | |")
PY
