# Shared by scripts/firmware-test.sh and scripts/bench.sh (sourced, not run): the tools the
# Cortex-M firmware in examples/firmware needs, and how to build and run it.
#
# Toolchain: `-Zbuild-std=core` builds `core` for thumbv7em-none-eabihf from the standard
# library's source, so no target needs downloading. The compiler must be at least the
# workspace's rust-version (the proc macro, i.e. the model compiler, is built by it too). Used,
# in order: FIRMWARE_RUSTC/FIRMWARE_CARGO if set; Debian's rustc/cargo (rustc-web, cargo-web,
# with rust-web-src) if new enough; else rustup's default toolchain, whose rust-src component is
# added if missing. ld.lld links, QEMU's mps2-an386 board (Cortex-M4F) runs it,
# binutils-arm-none-eabi inspects it. Missing tools are installed (apt-get, rustup component)
# when running as root or with CI=true; otherwise the script stops with the command to run. It
# never skips silently.
#
# Environment: FIRMWARE_RUSTC, FIRMWARE_CARGO.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FW_DIR=$ROOT/examples/firmware
FW_TARGET=thumbv7em-none-eabihf
# The workspace's rust-version (Cargo.toml), which the firmware's compiler must meet.
FW_RUST_VERSION=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)

# Whether rustc at $1 is at least $FW_RUST_VERSION.
rustc_new_enough() {
    local version
    version=$("$1" --version 2>/dev/null | awk '{print $2}') || return 1
    [ -n "$version" ] || return 1
    [ "$(printf '%s\n%s\n' "$FW_RUST_VERSION" "${version%%-*}" | sort -V | head -1)" = "$FW_RUST_VERSION" ]
}

if [ -n "${FIRMWARE_RUSTC:-}" ]; then
    FW_RUSTC=$FIRMWARE_RUSTC
    FW_CARGO=${FIRMWARE_CARGO:-cargo}
elif rustc_new_enough /usr/bin/rustc || ! command -v rustup >/dev/null 2>&1; then
    FW_RUSTC=/usr/bin/rustc
    FW_CARGO=${FIRMWARE_CARGO:-/usr/bin/cargo}
else
    FW_RUSTC=$(rustup which rustc)
    FW_CARGO=${FIRMWARE_CARGO:-$(rustup which cargo)}
fi
APT_PACKAGES="rustc-web cargo-web rust-web-src lld qemu-system-arm binutils-arm-none-eabi gcc"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}

die() {
    echo "$(basename "$0"): error: $*" >&2
    exit 1
}

note() {
    echo "==> $*" >&2
}

# The standard library source build-std needs, for the compiler in $FW_RUSTC.
rust_src_present() {
    local sysroot
    sysroot=$("$FW_RUSTC" --print sysroot 2>/dev/null) || return 1
    [ -f "$sysroot/lib/rustlib/src/rust/library/core/Cargo.toml" ]
}

# Prints the missing ones among the tools named as arguments (rustc, cargo, rust-src, or a
# command on PATH).
missing_tools() {
    local tool
    for tool in "$@"; do
        case $tool in
            rustc) [ -x "$FW_RUSTC" ] || echo "$FW_RUSTC" ;;
            cargo) [ -x "$FW_CARGO" ] || echo "$FW_CARGO" ;;
            rust-src) [ -x "$FW_RUSTC" ] && rust_src_present || echo "rust-src (for $FW_RUSTC)" ;;
            *) command -v "$tool" >/dev/null 2>&1 || echo "$tool" ;;
        esac
    done
}

# ensure_tools TOOL...: installs the Debian packages if any tool is missing and this may install
# (root, or CI=true with sudo), else fails with instructions.
ensure_tools() {
    local missing sudo=""
    if [ -x "$FW_RUSTC" ] && ! rustc_new_enough "$FW_RUSTC"; then
        die "$FW_RUSTC is $("$FW_RUSTC" --version); the workspace needs rustc $FW_RUST_VERSION or newer (set FIRMWARE_RUSTC and FIRMWARE_CARGO, or install rustup)"
    fi
    # rustup's toolchain: its standard library source is a component.
    if [ -x "$FW_RUSTC" ] && ! rust_src_present && [ "$FW_RUSTC" != /usr/bin/rustc ] &&
        command -v rustup >/dev/null 2>&1; then
        note "adding rustup's rust-src component (for build-std)"
        rustup component add rust-src || die "rustup component add rust-src failed"
    fi
    missing=$(missing_tools "$@")
    [ -z "$missing" ] && return 0
    note "missing: $(echo $missing)"
    if [ "$(id -u)" != 0 ]; then
        if [ "${CI:-}" = true ] && command -v sudo >/dev/null 2>&1; then
            sudo=sudo
        else
            die "missing $(echo $missing); install them with:
    sudo apt-get update && sudo apt-get install -y $APT_PACKAGES
(or run as root, or with CI=true, and this script installs them)"
        fi
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "missing $(echo $missing), and there is no apt-get to install $APT_PACKAGES"
    note "installing $APT_PACKAGES"
    $sudo apt-get update -q || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $APT_PACKAGES ||
        die "apt-get install $APT_PACKAGES failed"
    missing=$(missing_tools "$@")
    [ -z "$missing" ] || die "still missing after installing $APT_PACKAGES: $(echo $missing)"
}

# fw_cargo ARGS...: cargo in the firmware crate, with the Debian toolchain and a clean
# environment (RUSTFLAGS would replace the crate's -Tlink.x; wrappers and target-dir overrides
# from the caller do not apply to this separate workspace).
fw_cargo() {
    (
        cd "$FW_DIR" &&
            env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
                -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER -u CARGO_BUILD_RUSTC_WRAPPER \
                -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET_DIR -u CARGO_BUILD_TARGET \
                RUSTC="$FW_RUSTC" RUSTC_BOOTSTRAP=1 "$FW_CARGO" "$@"
    )
}

# fw_elf PROFILE BIN: the path of a built firmware.
fw_elf() {
    local dir=$1
    [ "$dir" = dev ] && dir=debug
    echo "$FW_DIR/target/$FW_TARGET/$dir/$2"
}

# fw_build PROFILE BIN [CARGO ARGS...]: builds one firmware binary; on failure prints the log and
# a diagnosis, and returns 1.
fw_build() {
    local profile=$1 bin=$2 log status=0
    shift 2
    log=$(mktemp)
    fw_cargo build --profile "$profile" --bin "$bin" "$@" >"$log" 2>&1 || status=$?
    if [ "$status" = 0 ]; then
        rm -f "$log"
        return 0
    fi
    cat "$log" >&2
    if grep -q "__embedml_panic_path_linked" "$log"; then
        echo "$bin: A PANIC PATH SURVIVED: the firmware's panic handler references the undefined" \
            "symbol __embedml_panic_path_linked, so it links only if nothing can panic. Find it" \
            "with: (cd examples/firmware && cargo build --profile $profile --bin $bin --features allow-panic)" \
            "then arm-none-eabi-objdump -d -C on the ELF: look for calls to core::panicking::*." >&2
    elif grep -q "embedml has no kernel for this operator" "$log"; then
        echo "$bin: the model uses an operator embedml does not support (see the errors above)." >&2
    fi
    rm -f "$log"
    return 1
}

# fw_run ELF: runs a firmware under QEMU (mps2-an386); prints its output; returns its exit status.
fw_run() {
    timeout "$QEMU_TIMEOUT" qemu-system-arm -M mps2-an386 -nographic \
        -semihosting-config enable=on,target=native -kernel "$1" </dev/null
}

# Firmware binaries with a model, and the model each runs.
FW_MODELS="hello_world_int8 micro_speech_quantized person_detect kws_ds_cnn vww_mobilenet_v1 ic_resnet8 ad_fc_autoencoder"
# Firmware binaries of stateful models: each runs its TFLM sequence golden (state carried, then
# reset()), the last warm-up step between the bench markers.
FW_STATEFUL="keyword_scrambled_8bit trained_lstm_int8 streaming_conv streaming_mixconv svdf_int8 lstm_int8"
