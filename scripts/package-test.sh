#!/usr/bin/env bash
# Runs each published crate's own tests as packaged: from the `.crate` contents that
# `cargo publish --dry-run --workspace` left in target/package (so a test that reads a file
# outside its package fails here), with the other embedml crates taken from their packaged
# copies too. Optimised, with the test profile's overflow checks and debug assertions kept.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
packages="$PWD/target/package"
patches=()
for crate in embedml embedml-macros embedml-compiler embedml-cli; do
    dir="$packages/$crate-$version"
    [ -d "$dir" ] || { echo "package-test: $dir is missing: run cargo publish --dry-run --workspace first" >&2; exit 1; }
    patches+=(--config "patch.crates-io.$crate.path=\"$dir\"")
done
log="$packages/package-test.log"
for crate in embedml embedml-macros embedml-compiler embedml-cli; do
    echo "package-test: $crate $version"
    if ! (cd "$packages/$crate-$version" &&
        CARGO_TARGET_DIR="$packages/target" cargo test --config 'profile.test.opt-level=3' "${patches[@]}") >"$log" 2>&1; then
        cat "$log" >&2
        echo "package-test: the packaged $crate fails its tests" >&2
        exit 1
    fi
    grep -E '^test result' "$log"
done
