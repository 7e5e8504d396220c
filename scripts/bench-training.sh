#!/usr/bin/env bash
# The server training benchmark, in BENCHMARKS.md's format, all in one run:
#
#   1. milliseconds per Adam step and samples/s on burn's CPU backend (the `Trainer` server
#      jobs use, ml/examples/train_steps.rs) against PyTorch on the CPU with the same rows,
#      layers, batch and thread count (scripts/bench-training/torch_steps.py), for the 64-64-1
#      on 30 features at batch 32 and 64, and a 784-128-10 at batch 64; both processes pinned
#      to the same cores; plus the time to the first step;
#   2. test accuracy of the default model on the Wisconsin breast cancer data (scikit-learn's
#      copy) with the same split and hyper-parameters, mean over BENCH_TRAINING_SEEDS seeds.
#
# PyTorch and scikit-learn come from PyPI (`pip install torch scikit-learn`, about 80 s the
# first time). BENCH_TRAINING_CORES picks the cores (default 0,1: the whole machine here).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
cores="${BENCH_TRAINING_CORES:-0,1}"
threads=$(($(tr -cd ',' <<<"$cores" | wc -c) + 1))
seeds="${BENCH_TRAINING_SEEDS:-10}"
dir=scripts/bench-training
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -c 'import torch, sklearn' 2>/dev/null || pip install -q torch scikit-learn >/dev/null

cargo build -q --release -p lepton-ml --example train_steps --example tabular_accuracy
examples="$target_dir/release/examples"

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
fixed() { python3 -c "import sys; print(f'{float(sys.argv[1]):.${2}f}')" "$1"; }

printf 'Machine: %s, %s cores (pinned to %s), %s\n' \
    "$(lscpu | sed -n 's/^Model name: *//p')" "$(nproc)" "$cores" "$(uname -sr)"
printf 'PyTorch %s, scikit-learn %s, burn 0.22.1 (flex CPU backend), rustc %s\n\n' \
    "$(python3 -c 'import torch; print(torch.__version__)')" \
    "$(python3 -c 'import sklearn; print(sklearn.__version__)')" \
    "$(rustc --version | cut -d' ' -f2)"

printf '| model | batch | Lepton ms/step | PyTorch ms/step | Lepton / PyTorch | Lepton samples/s | PyTorch samples/s | first step, Lepton (ms, process / model) | first step, PyTorch (ms, process / model) |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
run_case() {
    local label=$1 features=$2 hidden=$3 classes=$4 batch=$5
    local data="$work/rows-$features-$batch.json"
    local ours theirs
    ours=$(taskset -c "$cores" "$examples/train_steps" --features "$features" \
        --hidden "$hidden" --classes "$classes" --batch "$batch" --write-data "$data")
    theirs=$(taskset -c "$cores" python3 "$dir/torch_steps.py" "$data" "$hidden" "$batch" 6 \
        "$threads")
    local ours_ms theirs_ms
    ours_ms=$(field "$ours" step_ms)
    theirs_ms=$(field "$theirs" step_ms)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |\n' "$label" "$batch" \
        "$(fixed "$ours_ms" 3)" "$(fixed "$theirs_ms" 3)" \
        "$(python3 -c "print(f'{$ours_ms / $theirs_ms:.2f}')")" \
        "$(fixed "$(field "$ours" samples_per_second)" 0)" \
        "$(fixed "$(field "$theirs" samples_per_second)" 0)" \
        "$(fixed "$(field "$ours" first_step_process_ms)" 0)" \
        "$(fixed "$(field "$ours" first_step_ms)" 1)" \
        "$(fixed "$(field "$theirs" first_step_process_ms)" 0)" \
        "$(fixed "$(field "$theirs" first_step_ms)" 1)"
}
run_case "30-64-64-1" 30 64,64 2 32
run_case "30-64-64-1" 30 64,64 2 64
run_case "784-128-10" 784 128 10 64

torch_accuracy=$(taskset -c "$cores" python3 "$dir/torch_accuracy.py" "$work/cancer.json" \
    "$seeds" 10 "$threads")
our_accuracy=$(taskset -c "$cores" "$examples/tabular_accuracy" "$work/cancer.json" "$seeds")
ours=$(field "$our_accuracy" mean)
theirs=$(field "$torch_accuracy" mean)
printf '\nBreast cancer (569 rows, 30 features, 80/20 stratified split, standardised), 64-64-1, '
printf 'Adam 0.001, batch 32, 10 epochs, %s seeds:\n\n' "$seeds"
printf '| implementation | mean test accuracy |\n|---|---|\n'
printf '| Lepton | %s |\n| PyTorch | %s |\n' "$(fixed "$ours" 4)" "$(fixed "$theirs" 4)"
printf '| difference (points) | %s |\n' \
    "$(python3 -c "print(f'{($ours - $theirs) * 100:+.2f}')")"
