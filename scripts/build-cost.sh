#!/usr/bin/env bash
# What a model costs the build: wall time and peak memory of
#   (a) embedml_compiler::analyze alone (read, validate, plan, lower), and with emit (the work of
#       include_model! before rustc sees its tokens): compiler/examples/analyze_cost;
#   (b) a full `cargo build` of a throwaway binary crate that calls include_model! on the model
#       (its dependencies are built first, untimed, so this is the model's crate alone);
# for chains of 1k, 10k and 100k int8 RELU/LOGISTIC ops and FULLY_CONNECTED models with 16 MiB
# and 64 MiB of float32 weights (tests/tools/make_hostile_models.py --big). Prints a markdown
# table. Everything runs in the dev profile, as include_model! does in a debug build.
#
# Usage: scripts/build-cost.sh [CASE...]     (default: every case above)
# Environment: LIMIT_SECONDS (default 600) and LIMIT_MB (default 14336): a measured command
#              running longer, or whose processes together hold more memory, is killed and
#              reported as such. BUILD_COST_DIR (default target/build-cost) holds the models,
#              the throwaway crate and the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

LIMIT_SECONDS=${LIMIT_SECONDS:-600}
LIMIT_MB=${LIMIT_MB:-14336}
DIR=${BUILD_COST_DIR:-$ROOT/target/build-cost}
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(chain_1k chain_10k chain_100k fc_float32_16mib fc_float32_64mib)

note() { echo "=== $*" >&2; }
die() { echo "build-cost.sh: $*" >&2; exit 1; }

if [ ! -x /usr/bin/time ]; then
    note "installing GNU time"
    { apt-get install -y time >/dev/null 2>&1 || sudo apt-get install -y time >/dev/null 2>&1; } ||
        die "/usr/bin/time is missing and apt-get install time failed"
fi
for tool in python3 cargo setsid ps awk; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done

mkdir -p "$DIR/models" "$DIR/logs"
note "generating ${CASES[*]}"
python3 tests/tools/make_hostile_models.py --big --out "$DIR/models" "${CASES[@]}" >/dev/null

note "building compiler/examples/analyze_cost"
cargo build -q -p embedml-compiler --example analyze_cost
ANALYZE=${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/analyze_cost

# The throwaway crate: a binary that compiles the model and runs it once. Its own workspace and
# target folder; the repository's Cargo.lock pins the same dependency versions.
CRATE=$DIR/crate
mkdir -p "$CRATE/src"
cat >"$CRATE/Cargo.toml" <<EOF
[package]
name = "build-cost"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
embedml = { path = "$ROOT/core" }

[workspace]
EOF
cp "$ROOT/Cargo.lock" "$CRATE/Cargo.lock"
cat >"$CRATE/src/main.rs" <<'EOF'
embedml::include_model!(pub Model, "../model.tflite");

fn main() {
    let mut model = Box::new(Model::new());
    model.invoke();
    std::hint::black_box(&model);
}
EOF
BUILD=(env -C "$CRATE" CARGO_TARGET_DIR="$CRATE/target" cargo build -q)
note "building the throwaway crate's dependencies (hello_world_int8)"
cp "$ROOT/tests/models/hello_world_int8.tflite" "$CRATE/model.tflite"
"${BUILD[@]}"

# measure LOG COMMAND...: runs COMMAND under /usr/bin/time -v in its own process group, killing
# the group past LIMIT_SECONDS or LIMIT_MB (summed over its processes). Sets WALL, PEAK (the
# largest single process, from time -v) and VERDICT (empty when it finished by itself).
measure() {
    local log=$1
    shift
    setsid /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>&1 &
    local pid=$! start=$SECONDS status=0 rss
    VERDICT=""
    while kill -0 "$pid" 2>/dev/null; do
        rss=$(ps -eo pgid=,rss= | awk -v g="$pid" '$1 == g { s += $2 } END { print s + 0 }')
        if [ -z "$VERDICT" ] && [ "$rss" -gt $((LIMIT_MB * 1024)) ]; then
            VERDICT="killed at $((rss / 1024)) MB after $((SECONDS - start)) s"
            kill -KILL -- "-$pid" 2>/dev/null || true
        elif [ -z "$VERDICT" ] && [ $((SECONDS - start)) -gt "$LIMIT_SECONDS" ]; then
            VERDICT="killed after $LIMIT_SECONDS s ($((rss / 1024)) MB)"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        sleep 1
    done
    wait "$pid" || status=$?
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$log.time" 2>/dev/null || true)
    PEAK=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f MB", $2 / 1024 }' \
        "$log.time" 2>/dev/null || true)
    if [ -z "$VERDICT" ] && [ "$status" -ne 0 ]; then
        VERDICT="failed (exit $status, $log.out)"
    fi
}

cell() {
    if [ -n "$VERDICT" ]; then echo "$VERDICT"; else echo "$WALL, $PEAK"; fi
}

ROWS=()
for case in "${CASES[@]}"; do
    model=$DIR/models/$case.tflite
    size=$(stat -c %s "$model")
    note "$case: analyze"
    measure "$DIR/logs/$case.analyze" "$ANALYZE" --analyze "$model"
    analyze=$(cell)
    note "$case: analyze + emit"
    measure "$DIR/logs/$case.emit" "$ANALYZE" "$model"
    emit=$(cell)
    tokens=$(sed -n 's/.*(\([0-9]*\) bytes of tokens).*/\1/p' "$DIR/logs/$case.emit.out")
    note "$case: cargo build"
    cp "$model" "$CRATE/model.tflite"
    touch "$CRATE/src/main.rs"
    measure "$DIR/logs/$case.build" "${BUILD[@]}"
    build=$(cell)
    ROWS+=("| $case | $((size / 1024)) KiB | $analyze | $emit | ${tokens:-?} | $build |")
done

echo "| model | file | (a) analyze: wall, peak RSS | analyze + emit | tokens (bytes) | (b) cargo build: wall, peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
