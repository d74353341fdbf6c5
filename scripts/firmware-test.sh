#!/usr/bin/env bash
# Builds every firmware in examples/firmware for Cortex-M4F (thumbv7em-none-eabihf) and runs it
# under QEMU (mps2-an386). Fails (non-zero exit) on any of:
#   - a model's output differs from TensorFlow Lite Micro's golden case 0 (firmware exit 1);
#   - a panic path in invoke or the harness: every firmware links against a panic handler that
#     references an undefined symbol, so any panic path left after optimisation is a link error;
#     `kernels` calls every public kernel (conv, depthwise, fully_connected, softmax, pooling,
#     element-wise, activations, data movement; int8 and float32, `_in_place` forms included)
#     with parameters the optimiser cannot see, proving them panic-free for any input (with and
#     without LTO, and in a debug build: see below);
#   - two models run in turn in one shared arena (`shared_arena`) not both bit-exact;
#   - the keyword-spotting chain from raw PCM (`micro_speech_chain`: audio_preprocessor_int8,
#     micro_speech_quantized, embedml::recognize) not giving TFLM's features, scores and labels,
#     or not hearing "yes" then "no";
#   - the README's "Your first firmware" crate, written out as a reader would, not printing in
#     QEMU what the README says;
#   - examples/nrf52840 (a real board: embassy, a sensor, defmt) not building;
#   - examples/targets (two models and the README's example) not building for thumbv7em,
#     thumbv6m-none-eabi (RP2040) or riscv32imc (ESP32-C3);
#   - selective linking: hello_world_int8 (FULLY_CONNECTED only) must contain the
#     fully_connected kernel and no conv/depthwise/pool/softmax code (symbols, and line tables
#     so that inlined code counts too);
#   - a missing tool that cannot be installed (see scripts/firmware-common.sh).
# Usage: scripts/firmware-test.sh    (from anywhere; about 2 minutes from a clean build)
set -euo pipefail
. "$(dirname "$0")/firmware-common.sh"

ensure_tools rustc cargo rust-src ld.lld qemu-system-arm arm-none-eabi-nm arm-none-eabi-objdump \
    arm-none-eabi-size timeout

failures=()
results=()

check_firmware() {
    local bin=$1 expect=$2 status=0 out elf
    note "build $bin"
    fw_build release "$bin" || status=$?
    if [ "$status" != 0 ]; then
        failures+=("$bin: build failed")
        results+=("FAIL     $bin (build)")
        return
    fi
    elf=$(fw_elf release "$bin")
    note "run $bin in QEMU"
    status=0
    out=$(fw_run "$elf") || status=$?
    echo "$out"
    if [ "$status" != 0 ]; then
        case $status in
            1) why="output differs from TFLM's" ;;
            101) why="panicked" ;;
            124) why="timed out after ${QEMU_TIMEOUT}s" ;;
            131) why="HardFault" ;;
            132) why="unexpected interrupt" ;;
            *) why="exit status $status" ;;
        esac
        failures+=("$bin: $why")
        results+=("FAIL     $bin ($why)")
    elif ! grep -q "$expect" <<<"$out"; then
        failures+=("$bin: exit 0 but no '$expect' line")
        results+=("FAIL     $bin (no '$expect')")
    else
        results+=("ok       $bin")
    fi
}

check_firmware empty ": match"
check_firmware kernels "linked without a panic path"
# The bench's kernel classes, and on the target a blocked kernel path no model takes.
check_firmware kernel_classes "matches the general kernel"
# The same proof without cross-crate LTO (profile `bloat`): the kernels are panic-free by
# construction, not only after whole-program optimisation.
note "build kernels without LTO (profile bloat)"
if fw_build bloat kernels; then
    results+=("ok       kernels, no LTO (link only)")
else
    failures+=("kernels: panic path without LTO (profile bloat)")
    results+=("FAIL     kernels, no LTO (link only)")
fi
# The same proof in a debug build: profile dev-o1 (examples/firmware/.cargo/config.toml) is the
# dev profile, with its debug assertions (and so libcore's precondition checks of unsafe code)
# and overflow checks, at opt-level 1, with `core` built as rustup ships it. A dev build at
# opt-level 0 cannot be proven this way: nothing removes a check there, not even one its own guard
# makes dead, and libcore's inline functions (`Range::next`, `split_at_checked`, slice `zip`...)
# bring such checks into every crate built with debug assertions. The config file says why each
# setting is what it is.
note "build kernels with the dev profile's checks (profile dev-o1)"
status=0
if fw_build dev-o1 kernels; then
    out=$(fw_run "$(fw_elf dev-o1 kernels)") || status=$?
    echo "$out"
    if [ "$status" = 0 ] && grep -q "linked without a panic path" <<<"$out"; then
        results+=("ok       kernels, debug build (dev-o1)")
    else
        failures+=("kernels (dev-o1): exit status $status")
        results+=("FAIL     kernels, debug build (dev-o1)")
    fi
else
    failures+=("kernels: panic path in a debug build (profile dev-o1)")
    results+=("FAIL     kernels, debug build (dev-o1)")
fi
for model in $FW_MODELS $FW_STATEFUL; do
    check_firmware "$model" ": match"
done
# The size/speed switch: micro_speech in its smallest arena (memory = "min"), still bit-exact.
check_firmware micro_speech_quantized_min ": match"
# Two models run in turn in one shared arena (embedml::Arena), both bit-exact.
check_firmware shared_arena ": both match"
# Keyword spotting from raw PCM: TFLM's audio front end and micro_speech in one shared arena,
# every feature and score TFLM's, "yes" and "no" heard in the stream.
check_firmware micro_speech_chain ": match"
# The README's "Your first firmware" crate, written out as a reader would (outside the
# workspace), built and run under QEMU: it must print what the README says.
note "README: your first firmware, in QEMU"
fresh=$(mktemp -d)
want=$(python3 "$ROOT/scripts/readme_firmware.py" "$fresh")
got=$(cd "$fresh" && RUSTC=$FW_RUSTC RUSTC_BOOTSTRAP=1 timeout 600 "$FW_CARGO" run --release -q \
    -Z build-std=core --config 'target.thumbv7em-none-eabihf.linker="ld.lld"' 2>&1) || true
echo "$got" | tail -3
if [ -n "$want" ] && grep -qF "$want" <<<"$got"; then
    results+=("ok       README first firmware (fresh crate, QEMU): $want")
else
    failures+=("README first firmware: expected \"$want\"")
    results+=("FAIL     README first firmware (fresh crate, QEMU)")
fi
rm -rf "$fresh"
# A real board: the nRF52840 DK example (embassy, the temperature sensor, defmt, the profiler)
# builds and links for its target. Flashing it (probe-rs) needs the board. ld.lld: the Debian
# toolchain has no rust-lld (a rustup toolchain uses its own).
note "build check: examples/nrf52840 (nRF52840 DK, embassy)"
if (cd "$ROOT/examples/nrf52840" && RUSTC=$FW_RUSTC RUSTC_BOOTSTRAP=1 "$FW_CARGO" build --release \
    -Z build-std=core --config 'target.thumbv7em-none-eabihf.linker="ld.lld"'); then
    results+=("ok       examples/nrf52840 builds (nRF52840 DK, embassy + defmt)")
else
    failures+=("examples/nrf52840: build failed")
    results+=("FAIL     examples/nrf52840 (build)")
fi
# Other bare-metal targets build: Cortex-M0+ (RP2040; the portable kernels) and RISC-V
# (ESP32-C3), with the README's front-page example as written (also for Cortex-M4). Built, not
# run: QEMU here runs the Cortex-M4 board only.
for target in thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imc-unknown-none-elf; do
    note "build check: examples/targets for $target"
    if (cd "$ROOT/examples/targets" && RUSTC=$FW_RUSTC RUSTC_BOOTSTRAP=1 "$FW_CARGO" build --release \
        --target "$target" -Z build-std=core); then
        results+=("ok       examples/targets builds for $target")
    else
        failures+=("examples/targets: build failed for $target")
        results+=("FAIL     examples/targets for $target (build)")
    fi
done

# A plan of 2^32 + 32 bytes fits a 64-bit host but not this 32-bit target: it must be a compile
# error naming the problem (the generated code narrows every plan value in const evaluation),
# never an arena wrapped to 32 bytes that invoke() writes past.
note "wrapped arena: a 4 GiB plan must not compile for $FW_TARGET"
wrapped_log=$(mktemp)
if fw_cargo build --release --bin wrapped_arena --features wrapped-arena >"$wrapped_log" 2>&1; then
    failures+=("wrapped_arena: a 4 GiB arena compiled for $FW_TARGET")
    results+=("FAIL     wrapped_arena (compiled)")
elif grep -q "the arena: the memory plan does not fit this target's address space" "$wrapped_log"; then
    results+=("ok       wrapped_arena (compile error: the plan does not fit the address space)")
else
    cat "$wrapped_log" >&2
    failures+=("wrapped_arena: failed to build, but not with the address-space error")
    results+=("FAIL     wrapped_arena (other error)")
fi
rm -f "$wrapped_log"

# Selective linking: hello_world_int8 uses only FULLY_CONNECTED.
hello=$(fw_elf release hello_world_int8)
if [ -f "$hello" ]; then
    note "selective linking: hello_world_int8 has fully_connected and no other kernel"
    symbols=$(arm-none-eabi-nm -C "$hello")
    # Source files of every instruction, inlined ones included (line tables).
    sources=$(arm-none-eabi-objdump -d -l --inlines "$hello" | grep -oE 'core/src/kernels/[a-z0-9_/]+\.rs' | sort -u)
    echo "kernel symbols:"
    grep -E 'embedml::kernels::' <<<"$symbols" || true
    echo "kernel source files in the line tables:"
    echo "$sources"
    ok=1
    if ! grep -qE 'embedml::kernels::fully_connected::fully_connected_i8(_blocked|_per_tensor)?$' <<<"$symbols"; then
        echo "hello_world_int8: no fully_connected_i8 symbol" >&2
        ok=0
    fi
    if grep -E 'conv|depthwise|pool|softmax' <<<"$symbols" | grep -E 'embedml|kernels' >&2; then
        echo "hello_world_int8: the symbols above are kernels it does not use" >&2
        ok=0
    fi
    # What FULLY_CONNECTED shares with other kernels: the requantization parameters
    # (requantize.rs), the slice walking (slices.rs) and the MAC primitives (arch/).
    if grep -vE '/kernels/(fully_connected|requantize|slices|arch/[a-z0-9_]+)\.rs$' <<<"$sources" >&2; then
        echo "hello_world_int8: code from the kernel files above, which it does not use" >&2
        ok=0
    fi
    if [ "$ok" = 1 ]; then
        results+=("ok       selective linking (hello_world_int8)")
    else
        failures+=("selective linking: hello_world_int8 contains kernels it does not use")
        results+=("FAIL     selective linking (hello_world_int8)")
    fi
fi

echo
echo "firmware-test summary (QEMU mps2-an386, Cortex-M4F):"
printf '  %s\n' "${results[@]}"
if [ "${#failures[@]}" -gt 0 ]; then
    echo "FAILED:" >&2
    printf '  %s\n' "${failures[@]}" >&2
    exit 1
fi
echo "all firmware passed"
