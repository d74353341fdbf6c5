#!/usr/bin/env bash
# The project's test command (README, .ci/run): the host test suite, every Cortex-M firmware under
# QEMU (which installs the Debian packages it needs, or fails saying which are missing), and a
# short fuzz run of the model compiler (nightly + cargo-fuzz, installed if missing), and the
# published crates' rustdoc with warnings as errors (broken links, undocumented items), and a
# dry run of publishing them, whose packaged crates then pass their own tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p embedml -p embedml-macros -p embedml-compiler -p embedml-cli
# The four crates package and build as published (their dependencies on each other through a
# local registry); nothing is uploaded.
cargo publish --dry-run --workspace --allow-dirty
scripts/package-test.sh
scripts/firmware-test.sh
SECONDS_PER_TARGET="${SECONDS_PER_TARGET:-30}" fuzz/smoke.sh
