#!/usr/bin/env bash
# Regenerates BENCHMARKS.md: for each model firmware in examples/firmware (Cortex-M4F, QEMU
# mps2-an386) the arena, stack, text/data/bss, weight and code bytes and the exact instructions
# per inference (../shared/arm/count.sh), beside TensorFlow Lite Micro's figures from
# ../shared/anchors.md (its MLPerf Tiny section for the models of tests/models/mlperf/, which get
# a table of their own), and cargo-bloat tables of the kernels.
#
# Usage: scripts/bench.sh [OUTPUT]     (default OUTPUT: BENCHMARKS.md at the repository root)
# Environment: ARM_HARNESS (default ../shared/arm: count.sh and its QEMU plugin),
#              ANCHORS (default ../shared/anchors.md), plus those of scripts/firmware-common.sh.
# Fails on a missing tool, a firmware that does not build, run or match TFLM, or counts that
# differ between two runs.
set -euo pipefail
. "$(dirname "$0")/firmware-common.sh"

OUTPUT=${1:-$ROOT/BENCHMARKS.md}
ARM_HARNESS=${ARM_HARNESS:-$ROOT/../shared/arm}
ANCHORS=${ANCHORS:-$ROOT/../shared/anchors.md}
PROFILES="release release-o3"

ensure_tools rustc cargo rust-src ld.lld qemu-system-arm arm-none-eabi-nm arm-none-eabi-objdump \
    arm-none-eabi-size timeout gcc python3
[ -x "$ARM_HARNESS/count.sh" ] || die "no $ARM_HARNESS/count.sh (the instruction counter); set ARM_HARNESS"
[ -f "$ANCHORS" ] || die "no $ANCHORS (TFLM's figures); set ANCHORS"
if ! fw_cargo bloat --version >/dev/null 2>&1; then
    note "installing cargo-bloat"
    env -u RUSTFLAGS RUSTC="$FW_RUSTC" "$FW_CARGO" install --locked cargo-bloat ||
        die "cargo install cargo-bloat failed"
    fw_cargo bloat --version >/dev/null 2>&1 || die "cargo bloat does not run after installing it"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for profile in $PROFILES; do
    for bin in empty $FW_MODELS $FW_STATEFUL; do
        note "build $bin ($profile)"
        fw_build "$profile" "$bin" || die "$bin ($profile) does not build"
        elf=$(fw_elf "$profile" "$bin")
        note "count $bin ($profile)"
        "$ARM_HARNESS/count.sh" "$elf" --runs 2 >"$WORK/count.$profile.$bin" ||
            { cat "$WORK/count.$profile.$bin" >&2; die "count.sh failed on $bin ($profile)"; }
        grep -q ": match" "$WORK/count.$profile.$bin" || die "$bin ($profile): output differs from TFLM's"
        arm-none-eabi-nm -C -S "$elf" >"$WORK/nm.$profile.$bin"
        arm-none-eabi-size -A "$elf" >"$WORK/sections.$profile.$bin"
    done
done

# Per kernel class: one bench region per class (examples/firmware/src/bin/kernel_classes.rs).
for profile in $PROFILES; do
    note "build kernel_classes ($profile)"
    fw_build "$profile" kernel_classes || die "kernel_classes ($profile) does not build"
    note "count kernel_classes ($profile)"
    "$ARM_HARNESS/count.sh" "$(fw_elf "$profile" kernel_classes)" --runs 2 \
        >"$WORK/count.$profile.kernel_classes" ||
        { cat "$WORK/count.$profile.kernel_classes" >&2; die "count.sh failed on kernel_classes ($profile)"; }
done

# Keyword spotting from raw audio: one second of the stream (50 feature frames, 50
# classifications) between the markers of micro_speech_chain.
for profile in $PROFILES; do
    note "build micro_speech_chain ($profile)"
    fw_build "$profile" micro_speech_chain || die "micro_speech_chain ($profile) does not build"
    elf=$(fw_elf "$profile" micro_speech_chain)
    note "count micro_speech_chain ($profile)"
    "$ARM_HARNESS/count.sh" "$elf" --runs 2 >"$WORK/count.$profile.micro_speech_chain" ||
        { cat "$WORK/count.$profile.micro_speech_chain" >&2; die "count.sh failed on micro_speech_chain ($profile)"; }
    grep -q ": match" "$WORK/count.$profile.micro_speech_chain" ||
        die "micro_speech_chain ($profile): differs from TFLM's chain"
    arm-none-eabi-nm -C -S "$elf" >"$WORK/nm.$profile.micro_speech_chain"
done

# cargo bloat: the shipped (release) firmware, and the `bloat` profile (release without LTO) where
# every kernel stays a function of its own. The latter with `allow-panic`, so that a panic path
# only LTO removes cannot fail it (the release build above is the proof that there is none).
for bin in $FW_MODELS; do
    for profile in release bloat; do
        note "cargo bloat $bin ($profile)"
        args=(-n 12)
        [ "$profile" = bloat ] && args=(-n 30 --features allow-panic)
        fw_cargo bloat -Z build-std=core --profile "$profile" --target "$FW_TARGET" \
            "${args[@]}" --bin "$bin" >"$WORK/bloat.$profile.$bin" 2>"$WORK/bloat.log" ||
            { cat "$WORK/bloat.log" >&2; die "cargo bloat failed on $bin"; }
    done
done

toolchain="$("$FW_RUSTC" --version), $(qemu-system-arm --version | head -n 1)"
python3 "$ROOT/scripts/bench.py" --work "$WORK" --root "$ROOT" --anchors "$ANCHORS" \
    --profiles "$PROFILES" --models "$FW_MODELS" --stateful "$FW_STATEFUL" --chain micro_speech_chain \
    --toolchain "$toolchain" >"$WORK/BENCHMARKS.md"
mv "$WORK/BENCHMARKS.md" "$OUTPUT"
note "wrote $OUTPUT"
