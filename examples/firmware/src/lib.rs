//! The harness every firmware binary shares: bench markers, semihosting output and exit codes,
//! fault handlers, and a panic handler that makes any panic path a link error.
//!
//! Nothing here may panic either, so output is formatted by hand (no `core::fmt`, whose
//! machinery has panic paths) and written with semihosting's `SYS_WRITE` (see [`Line::print`]).

#![no_std]

use core::hint::black_box;
use core::sync::atomic::{compiler_fence, Ordering};
use cortex_m_rt::{exception, ExceptionFrame};

#[doc(hidden)]
pub use cortex_m_rt::entry as __entry;
use cortex_m_semihosting::{debug, nr};

/// Bench phase marker, written by the marker functions. The distinct stores keep LLVM's
/// MergeFunctions and the linker's ICF from folding `bench_start` and `bench_end` together.
#[no_mangle]
pub static mut BENCH_PHASE: u32 = 0;

/// Marker: `count.sh` starts counting at the first instruction of this function.
#[inline(never)]
#[no_mangle]
pub extern "C" fn bench_start() {
    // SAFETY: a plain store to a static; the firmware is single-threaded.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(BENCH_PHASE), 1) };
}

/// Marker: `count.sh` stops counting at the first instruction of this function.
#[inline(never)]
#[no_mangle]
pub extern "C" fn bench_end() {
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(BENCH_PHASE), 2) };
}

/// Ends QEMU with exit status `code` (semihosting SYS_EXIT_EXTENDED, ADP_Stopped_ApplicationExit).
pub fn exit_code(code: u32) -> ! {
    let block: [usize; 2] = [0x20026, code as usize];
    // SAFETY: SYS_EXIT_EXTENDED reads the two-word block and does not return.
    unsafe { cortex_m_semihosting::syscall(0x20, &block) };
    // Fallback for hosts without SYS_EXIT_EXTENDED.
    debug::exit(if code == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::bkpt();
    }
}

/// Bytes of a [`Line`]: room for `run`'s report with two lists of `LIST_MAX` values and its
/// verdict, which `scripts/firmware-test.sh` and `scripts/bench.sh` look for at the end.
const LINE_BYTES: usize = 256;
/// Values a [`Line::list`] shows.
const LIST_MAX: usize = 12;

/// One line of output, built without `core::fmt`; text past `LINE_BYTES` bytes is dropped.
pub struct Line {
    buf: [u8; LINE_BYTES],
    len: usize,
}

impl Line {
    /// An empty line.
    pub const fn new() -> Self {
        Line {
            buf: [0; LINE_BYTES],
            len: 0,
        }
    }

    /// Appends one byte.
    pub fn byte(&mut self, b: u8) -> &mut Self {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            // Below the buffer's length (`get_mut` found a slot), but not visibly so at every
            // opt-level: wrapping keeps the debug-build proof free of an overflow check.
            self.len = self.len.wrapping_add(1);
        }
        self
    }

    /// Appends a string.
    pub fn str(&mut self, s: &str) -> &mut Self {
        for &b in s.as_bytes() {
            self.byte(b);
        }
        self
    }

    /// Appends a decimal integer.
    pub fn int(&mut self, value: i32) -> &mut Self {
        let mut digits = [0u8; 10];
        let mut n = value.unsigned_abs();
        let mut count = 0;
        for d in digits.iter_mut() {
            *d = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if value < 0 {
            self.byte(b'-');
        }
        for &d in digits.iter().take(count).rev() {
            self.byte(d);
        }
        self
    }

    /// Appends `[a, b, c]`; after `LIST_MAX` values, `...` stands for the rest.
    pub fn list(&mut self, values: impl IntoIterator<Item = i32>) -> &mut Self {
        self.byte(b'[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.str(", ");
            }
            if i == LIST_MAX {
                self.str("...");
                break;
            }
            self.int(v);
        }
        self.byte(b']')
    }

    /// Writes the line and a newline to the host's stdout (semihosting).
    pub fn print(&mut self) {
        self.byte(b'\n');
        write_stdout(self.buf.get(..self.len).unwrap_or(&[]));
        self.len = 0;
    }
}

/// Writes `bytes` to the host's stdout with semihosting's `SYS_OPEN` and `SYS_WRITE`.
///
/// Not `cortex_m_semihosting::hio::HostStream::write_all`: it re-slices what is left with
/// `slice::from_raw_parts` and `pointer::offset`, whose precondition checks are a panic path in
/// a debug build (the dev-profile proof in `scripts/firmware-test.sh` builds this harness too).
fn write_stdout(mut bytes: &[u8]) {
    const TT: &[u8] = b":tt\0";
    // SAFETY: SYS_OPEN reads the NUL-terminated name (its length without the NUL) and writes
    // no memory.
    let fd = unsafe {
        cortex_m_semihosting::syscall(
            nr::OPEN,
            &[
                TT.as_ptr() as usize,
                nr::open::W_TRUNC,
                TT.len().wrapping_sub(1),
            ],
        )
    };
    if fd as isize == -1 {
        return;
    }
    while !bytes.is_empty() {
        // SAFETY: SYS_WRITE reads `bytes.len()` bytes from `bytes` and writes no memory; it
        // returns how many it did not write.
        let left = unsafe {
            cortex_m_semihosting::syscall(nr::WRITE, &[fd, bytes.as_ptr() as usize, bytes.len()])
        };
        // Stop on an error (more left than given) or no progress.
        match bytes.len().checked_sub(left) {
            Some(written) if written > 0 => bytes = bytes.get(written..).unwrap_or(&[]),
            _ => return,
        }
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// Bytes below the stack pointer painted before `invoke` to measure its stack use.
const STACK_PAINT_BYTES: usize = 16 * 1024;
/// Bytes just below the stack pointer left alone: the painting function's own frame.
const STACK_PAINT_MARGIN: usize = 32;
const STACK_PAINT: u32 = 0x5AFE_C0DE;

/// Fills `STACK_PAINT_BYTES` of free stack below the current stack pointer with a pattern;
/// returns the stack pointer. Nothing else runs meanwhile (no interrupts are enabled).
#[inline(never)]
pub fn paint_stack() -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = sp.wrapping_sub(STACK_PAINT_BYTES);
    while at < sp.wrapping_sub(STACK_PAINT_MARGIN) {
        // SAFETY: free stack below the stack pointer, word aligned (the stack pointer is 8-byte
        // aligned); RAM is 4 MiB, far more than the arena and this window.
        unsafe { core::ptr::write_volatile(at as *mut u32, STACK_PAINT) };
        at += 4;
    }
    sp
}

/// Bytes of stack used below `sp` since [`paint_stack`] returned it: the distance to the
/// lowest word that lost the pattern (`STACK_PAINT_BYTES` if all did, `STACK_PAINT_MARGIN` if
/// none did).
#[inline(never)]
pub fn stack_used(sp: usize) -> usize {
    let mut at = sp.wrapping_sub(STACK_PAINT_BYTES);
    // SAFETY: the words `paint_stack` painted.
    while at < sp.wrapping_sub(STACK_PAINT_MARGIN)
        && unsafe { core::ptr::read_volatile(at as *const u32) } == STACK_PAINT
    {
        at += 4;
    }
    sp - at
}

/// `invoke(model)` between the bench markers, in a frame of its own (not inlined into `main`,
/// whose frame is allocated before the stack is painted) so that its stack use is measured.
#[inline(never)]
fn measure<M>(invoke: fn(&mut M), model: &mut M) {
    bench_start();
    compiler_fence(Ordering::SeqCst);
    invoke(model);
    compiler_fence(Ordering::SeqCst);
    bench_end();
}

/// Runs one inference of `model` on TFLM's golden case 0 and exits: status 0 if the output equals
/// TFLM's, 1 if not.
///
/// Writes `golden_input` into the input, then calls `invoke` between [`bench_start`] and
/// [`bench_end`] (the region `count.sh` measures), then compares the output with
/// `golden_output`. The array lengths tie the golden files to the model's shapes at compile time.
/// Also prints the stack `invoke` used (measured by painting, to within a few words).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn run<M, const I: usize, const O: usize>(
    name: &str,
    arena_bytes: usize,
    model: &mut M,
    input: fn(&mut M) -> &mut [i8; I],
    invoke: fn(&mut M),
    output: fn(&M) -> &[i8; O],
    golden_input: &[u8; I],
    golden_output: &[u8; O],
) -> ! {
    for (x, &g) in input(model).iter_mut().zip(golden_input) {
        *x = g as i8;
    }
    let sp = paint_stack();
    measure(invoke, black_box(&mut *model));
    let stack = stack_used(sp);
    let got = output(black_box(&*model));
    let equal = got.iter().zip(golden_output).all(|(&g, &w)| g == w as i8);
    Line::new()
        .str(name)
        .str(": arena ")
        .int(arena_bytes as i32)
        .str(" B, stack ")
        .int(stack as i32)
        .str(" B, output ")
        .list(got.iter().map(|&v| i32::from(v)))
        .str(", TFLM ")
        .list(golden_output.iter().map(|&v| i32::from(v as i8)))
        .str(if equal { ": match" } else { ": MISMATCH" })
        .print();
    exit_code(if equal { 0 } else { 1 })
}

/// Defines `GOLDEN_INPUT` and `GOLDEN_OUTPUT`, TFLM's golden case 0 of `$model` (written by the
/// build script), as `#[no_mangle]` statics so that size tools can tell them from code.
#[macro_export]
macro_rules! golden {
    ($model:literal) => {
        #[no_mangle]
        static GOLDEN_INPUT: [u8; include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            $model,
            ".input.bin"
        ))
        .len()] = *include_bytes!(concat!(env!("OUT_DIR"), "/", $model, ".input.bin"));
        #[no_mangle]
        static GOLDEN_OUTPUT: [u8; include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            $model,
            ".output.bin"
        ))
        .len()] = *include_bytes!(concat!(env!("OUT_DIR"), "/", $model, ".output.bin"));
    };
}

/// The firmware of one model: its golden case 0 (see [`golden!`]) and a `main` that runs the
/// `Model` type in scope on it with [`run`], exiting 0 if the output is bit-exact with TFLM's.
#[macro_export]
macro_rules! golden_firmware {
    ($model:literal) => {
        $crate::golden!($model);

        #[$crate::__entry]
        fn main() -> ! {
            // The model (weights in flash, arena in .bss) as a `&'static mut`, courtesy of
            // `entry`.
            static mut MODEL: Model = Model::new();
            $crate::run(
                $model,
                Model::ARENA_BYTES,
                MODEL,
                Model::input_mut,
                Model::invoke,
                Model::output,
                &GOLDEN_INPUT,
                &GOLDEN_OUTPUT,
            )
        }
    };
}

/// Faults exit QEMU with status 131 instead of spinning forever.
#[exception]
unsafe fn HardFault(_ef: &ExceptionFrame) -> ! {
    exit_code(131)
}

#[exception]
unsafe fn DefaultHandler(_irqn: i16) {
    exit_code(132)
}

/// With the default features, the panic handler calls a function that exists nowhere: the
/// firmware links only if no panic path survives optimisation, which proves `invoke` (and this
/// harness) cannot panic. A link error naming `__embedml_panic_path_linked` means one does; build
/// with `--features allow-panic` to link anyway (panics then exit with status 101) and find it
/// with `cargo bloat` or `arm-none-eabi-nm -C` (look for `panic_bounds_check`,
/// `slice_index_fail`, `panic_fmt`...).
#[cfg(not(feature = "allow-panic"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "C" {
        fn __embedml_panic_path_linked() -> !;
    }
    // SAFETY: never called in a firmware that links.
    unsafe { __embedml_panic_path_linked() }
}

/// Panics exit QEMU with status 101.
#[cfg(feature = "allow-panic")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit_code(101)
}

/// Runs a stateful model on its TFLM sequence golden (`tests/golden/sequences/<model>`) and
/// exits: status 0 if every output equals TFLM's, 1 if not.
///
/// One model value runs the stream's first `warm` steps, carrying its state, and the last of them
/// runs between the bench markers (a steady-state invoke, as TFLM's figures are). Then `reset()`,
/// and the golden's steps from `after_reset` (steps TFLM ran after its own `Reset()`), to check
/// that `reset()` gives TFLM's state. Inputs and outputs go through the `Model` trait's bytes, so
/// any element type works.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn run_sequence<M: embedml::Model>(
    name: &str,
    model: &mut M,
    inputs: &[u8],
    outputs: &[u8],
    warm: usize,
    after_reset: usize,
    repeat: usize,
) -> ! {
    let in_bytes: usize = M::INPUTS.iter().map(|t| t.byte_len()).sum();
    let out_bytes: usize = M::OUTPUTS.iter().map(|t| t.byte_len()).sum();
    let mut equal = true;
    let mut stack = 0;
    let mut step = |model: &mut M, at: usize, measured: bool| {
        let mut offset = at * in_bytes;
        for i in 0..M::INPUTS.len() {
            let bytes = model.input_bytes_mut(i);
            let Some(src) = inputs.get(offset..offset + bytes.len()) else {
                return false;
            };
            bytes.copy_from_slice(src);
            offset += bytes.len();
        }
        if measured {
            let sp = paint_stack();
            measure(M::invoke, black_box(&mut *model));
            stack = stack_used(sp);
        } else {
            model.invoke();
        }
        let mut offset = at * out_bytes;
        for o in 0..M::OUTPUTS.len() {
            let got = model.output_bytes(o);
            let Some(want) = outputs.get(offset..offset + got.len()) else {
                return false;
            };
            if got != want {
                return false;
            }
            offset += got.len();
        }
        true
    };
    for at in 0..warm {
        equal &= step(model, at, at + 1 == warm);
    }
    model.reset();
    for at in after_reset..after_reset + repeat {
        equal &= step(model, at, false);
    }
    Line::new()
        .str(name)
        .str(": arena ")
        .int(M::ARENA_BYTES as i32)
        .str(" B, stack ")
        .int(stack as i32)
        .str(" B, state ")
        .int(M::STATE_BYTES as i32)
        .str(" B, steps ")
        .int((warm + repeat) as i32)
        .str(if equal { ": match" } else { ": MISMATCH" })
        .print();
    exit_code(if equal { 0 } else { 1 })
}

/// The firmware of one stateful model: `Model` in scope run by [`run_sequence`] on its sequence
/// golden, `$warm` steps (the last measured), then `reset()` and the `$repeat` steps TFLM ran
/// after its reset at step `$after_reset`.
#[macro_export]
macro_rules! sequence_firmware {
    ($model:literal, $warm:literal, $after_reset:literal, $repeat:literal) => {
        #[no_mangle]
        static GOLDEN_INPUTS: &[u8] = include_bytes!(concat!(
            "../../../../tests/golden/sequences/",
            $model,
            ".inputs.bin"
        ));
        #[no_mangle]
        static GOLDEN_OUTPUTS: &[u8] = include_bytes!(concat!(
            "../../../../tests/golden/sequences/",
            $model,
            ".outputs.bin"
        ));

        #[$crate::__entry]
        fn main() -> ! {
            static mut MODEL: Model = Model::new();
            $crate::run_sequence(
                $model,
                MODEL,
                GOLDEN_INPUTS,
                GOLDEN_OUTPUTS,
                $warm,
                $after_reset,
                $repeat,
            )
        }
    };
}
