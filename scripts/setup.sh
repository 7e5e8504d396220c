#!/usr/bin/env bash
# Installs what building, running and testing Lepton needs on a fresh Debian machine.
#
# Idempotent: each step checks first and does nothing when its tool is already there, so a
# second run takes seconds. Nothing here downloads a prebuilt binary from outside the package
# registries (crates.io, npm, Debian), which is all this kind of machine can reach.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly WASM_BINDGEN_VERSION=0.2.130
readonly DEBIAN_PACKAGES=(chromium brotli)

step() { printf '==> %s\n' "$*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate exactly; `--locked` fails here because one of its
# locked dependencies is no longer in the index.
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
    step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$package")
done
if ((${#missing[@]})); then
    step "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: binaryen's wasm-opt for the build (Debian's binaryen 108 emits modules that
# fail to instantiate) and Playwright for the browser tests. `npm ci` only when the lock file
# changed since the last install.
for dir in scripts end2end; do
    if [[ ! -f $dir/node_modules/.package-lock.json \
        || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
        step "installing npm packages in $dir/"
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    fi
done
