#!/usr/bin/env bash
# Fuzz smoke test for CI: runs each fuzz target for a short while from the seed corpora and fails
# if any target finds a crash, a timeout or an out-of-memory input.
#
#   fuzz/smoke.sh                 # 60 s per target
#   SECONDS_PER_TARGET=300 fuzz/smoke.sh
#   FUZZ_SANITIZER=address fuzz/smoke.sh   # slower (about 5x), also catches memory errors in
#                                          # unsafe code (the flatbuffer accessors)
#   EMBEDML_FUZZ_SKIP=lower_bound fuzz/smoke.sh   # skip named checks (src/lib.rs)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Crashing inputs are left
# in fuzz/artifacts/<target>/; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# and, for `mutate` inputs, see the model it builds with
#   cargo run --release --manifest-path fuzz/Cargo.toml --example show -- --mutate <file> out.tflite

set -euo pipefail

cd "$(dirname "$0")"

# The tools: a nightly toolchain (cargo-fuzz needs it) and cargo-fuzz itself.
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz/smoke.sh: no nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "=== installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

SECONDS_PER_TARGET="${SECONDS_PER_TARGET:-60}"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}"
TARGETS=(compile mutate)

# Seed corpora: the real models and the synthetic single-operator models (`compile`), one input
# per base model (`mutate`). Existing corpus entries are kept.
cargo +nightly run --quiet --release --example seeds -- corpus

status=0
for target in "${TARGETS[@]}"; do
    echo "=== fuzz target '$target': ${SECONDS_PER_TARGET}s (sanitizer: $FUZZ_SANITIZER)"
    log="$(mktemp)"
    if cargo +nightly fuzz run -s "$FUZZ_SANITIZER" "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$log" || true
        echo "=== '$target': no crash"
        rm -f "$log"
    else
        status=1
        # The panic message, libFuzzer's verdict and the artifact it wrote.
        grep -E "panicked at|^thread '|ERROR: libFuzzer|SUMMARY|Test unit written|artifact" "$log" | head -20 || true
        tail -n 40 "$log"
        echo "=== '$target': FAILED (log: $log)"
    fi
done
exit "$status"
