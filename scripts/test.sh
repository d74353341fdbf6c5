#!/usr/bin/env bash
# The project's test command (README, .ci/run): the host test suite, every Cortex-M firmware under
# QEMU (which installs the Debian packages it needs, or fails saying which are missing), and a
# short fuzz run of the model compiler (nightly + cargo-fuzz, installed if missing), and the
# published crates' rustdoc with warnings as errors (broken links, undocumented items), and a
# dry run of publishing them, whose packaged crates then pass their own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each part says when it starts and the run says what each took, so that a slow CI run shows where.
timings=()
part_name=""
part_started=$SECONDS
end_part() {
    if [ -n "$part_name" ]; then
        timings+=("$(printf '%5ds  %s' $((SECONDS - part_started)) "$part_name")")
    fi
    part_name=""
}
part() {
    end_part
    part_name=$1
    part_started=$SECONDS
    echo "==> test.sh: $part_name"
}
trap 'end_part; echo "test.sh timings:"; printf "  %s\n" "${timings[@]}"' EXIT
part "cargo test --workspace"
cargo test --workspace
part "the example and the README's first model"
# The README's first command: the example must hear what TFLM's own test hears in its recordings
# (yes, no, silence, silence) and, in the stream of them, the commands "yes" then "no".
example=$(cargo run -q -p micro-speech)
heard=$(echo "$example" | awk '/^(yes|no|silence|noise) /{printf "%s ", $6} /heard/{printf "%s ", $4}')
if [ "$heard" != 'yes no silence silence "yes" "no" ' ]; then
    echo "cargo run -p micro-speech: expected yes no silence silence, then \"yes\" \"no\"; got:" >&2
    echo "$example" >&2
    exit 1
fi
echo "cargo run -p micro-speech: $heard"
# The README's "Your first model, on the host" crate, written out as a reader would (outside the
# workspace) and run: it must print what the README says.
fresh=$(mktemp -d)
want=$(python3 scripts/readme_firmware.py --host "$fresh")
got=$(cd "$fresh" && CARGO_TARGET_DIR="$PWD/target" cargo run -q 2>&1) || { echo "$got" >&2; exit 1; }
rm -rf "$fresh"
if [ -z "$want" ] || [ "$got" != "$want" ]; then
    echo "README first model (host): expected \"$want\", got \"$got\"" >&2
    exit 1
fi
echo "README first model (fresh crate, host): $got"
part "rustdoc, publish dry run, packaged crates' tests"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p embedml -p embedml-macros -p embedml-compiler -p embedml-cli
# The four crates package and build as published (their dependencies on each other through a
# local registry); nothing is uploaded.
# Cargo extracts the packages of that local registry under CARGO_HOME, named by the registry's
# path, and reuses an extraction of the same name and version without checking it: the sources
# a dry run of an earlier commit left there would stand in for this commit's. So they go first.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
for crate in embedml embedml-macros embedml-compiler embedml-cli; do
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate-$version"
done
cargo publish --dry-run --workspace --allow-dirty
scripts/package-test.sh
part "firmware under QEMU"
scripts/firmware-test.sh
part "fuzz smoke run"
SECONDS_PER_TARGET="${SECONDS_PER_TARGET:-30}" fuzz/smoke.sh
