#!/usr/bin/env bash
# Builds the browser half of the site into $LEPTON_SITE_DIR (default $CARGO_TARGET_DIR/site):
#
#   pkg/lepton.<hash>.js / .wasm     the dashboard bundle (app crate, `hydrate` feature)
#   pkg/lepton_worker.<hash>.*       the Lab's trainer (worker crate, burn inside)
#   pkg/lab-worker.<hash>.js         the Web Worker script that loads the trainer
#   pkg/lepton.<hash>.css            style/*.css in name order
#   pkg/manifest.json                the hashed names, read by the server at start
#   *.br, *.gz                       precompressed copies the server sends when asked
#   public/*                         copied to the site root
#
# The new site is assembled beside the old one and swapped in at the end, so a failed build
# never leaves a half-written site behind.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
site_dir="${LEPTON_SITE_DIR:-$target_dir/site}"
profile="${WASM_PROFILE:-wasm-release}"
wasm_opt="${WASM_OPT:-scripts/node_modules/.bin/wasm-opt}"
wasm_dir="$target_dir/wasm32-unknown-unknown/$profile"

step() { printf '==> %s\n' "$*"; }
hash_of() { sha256sum "$1" | cut -c1-16; }

# Gives a file its content hash: name.ext -> name.<hash>.ext; prints the new file name.
fingerprint() {
    local file=$1 dir base stem extension hashed
    dir=$(dirname "$file")
    base=$(basename "$file")
    stem=${base%.*}
    extension=${base##*.}
    hashed="$stem.$(hash_of "$file").$extension"
    mv "$file" "$dir/$hashed"
    printf '%s' "$hashed"
}

step "compiling the dashboard and the worker for wasm32 ($profile)"
cargo build --target wasm32-unknown-unknown --profile "$profile" \
    -p lepton-app -p lepton-worker --lib --features lepton-app/hydrate

staging="$site_dir.new"
rm -rf "$staging"
mkdir -p "$staging/pkg"
work=$(mktemp -d)
trap 'rm -rf "$work" "$staging"' EXIT

step "generating JavaScript bindings"
wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name lepton \
    "$wasm_dir/lepton_app.wasm"
wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name lepton_worker \
    "$wasm_dir/lepton_worker.wasm"

for module in lepton lepton_worker; do
    if [[ $profile != dev ]]; then
        step "optimising $module with wasm-opt -Oz"
        "$wasm_opt" -Oz --strip-debug --strip-producers \
            --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
            --enable-mutable-globals --enable-reference-types --enable-multivalue \
            -o "$work/$module.wasm" "$work/${module}_bg.wasm"
    else
        mv "$work/${module}_bg.wasm" "$work/$module.wasm"
    fi
    cp "$work/$module.js" "$work/$module.wasm" "$staging/pkg/"
done

step "fingerprinting and compressing"
app_js=$(fingerprint "$staging/pkg/lepton.js")
app_wasm=$(fingerprint "$staging/pkg/lepton.wasm")
worker_js=$(fingerprint "$staging/pkg/lepton_worker.js")
worker_wasm=$(fingerprint "$staging/pkg/lepton_worker.wasm")

sed -e "s/__TRAINER_JS__/$worker_js/" -e "s/__TRAINER_WASM__/$worker_wasm/" \
    worker/entry.js > "$staging/pkg/lab-worker.js"
worker_entry=$(fingerprint "$staging/pkg/lab-worker.js")

cat style/*.css > "$staging/pkg/lepton.css"
css=$(fingerprint "$staging/pkg/lepton.css")

for file in "$staging"/pkg/*.{js,wasm,css}; do
    gzip -9 -n -k -f "$file"
    brotli -q 11 -k -f "$file"
done

printf '{"app_js":"%s","app_wasm":"%s","css":"%s","worker":"%s"}\n' \
    "$app_js" "$app_wasm" "$css" "$worker_entry" > "$staging/pkg/manifest.json"
cp -R public/. "$staging/"

rm -rf "$site_dir.old"
if [[ -d $site_dir ]]; then mv "$site_dir" "$site_dir.old"; fi
mv "$staging" "$site_dir"
rm -rf "$site_dir.old"
step "site ready in $site_dir"
