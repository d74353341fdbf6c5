//! The int8 multiply-accumulate primitives of the kernels, one backend per instruction set.
//!
//! The kernels state each algorithm once and leave the inner products to these functions; which
//! backend provides them is decided here and nowhere else, from the `embedml_backend` value that
//! `build.rs` sets (exactly one per target):
//!
//! | `embedml_backend` | module | targets |
//! |---|---|---|
//! | `"armv7em"` | [`armv7em`] | Cortex-M4/M7 (Armv7E-M): `SXTB16` + `SMLAD` through `asm!` |
//! | `"portable"` | [`portable`] | everything else |
//!
//! Every backend gives the same bits: the kernels accumulate in wrapping int32, which is
//! associative, so the order in which a backend adds its products does not matter. [`portable`]
//! is the reference: its tests check it against the plain scalar definition of each primitive,
//! and every other backend is tested against it (on the host through emulations of its
//! instructions; on the target by the firmware's bit-exact runs against TensorFlow Lite Micro).
//!
//! The primitives:
//! - `dot_i8(acc, xs, ws)`: `acc + Σ xs[i] * ws[i]` over the common length (FULLY_CONNECTED,
//!   CONV_2D);
//! - `dot2_i8((acc0, acc1), xs, ws0, ws1)`: two such dot products sharing the inputs, each input
//!   loaded once for both (CONV_2D, two output channels at a time);
//! - `rotate_dot_i8(acc, row, ws)`: one step of an SVDF filter's memory: the row rotated left
//!   by one value (its first, which the kernel has set to the newest, goes last), and its dot
//!   product with the time weights;
//! - `mac4_i8(acc, x, w)`: `acc[j] + x[j] * w[j]` for four adjacent channels (DEPTHWISE_CONV_2D,
//!   depth multiplier 1);
//! - `mac4_broadcast_i8(acc, [x], w)`: `acc[j] + x * w[j]` for four channels sharing one input
//!   (DEPTHWISE_CONV_2D, depth multiplier a multiple of 4);
//! - `widen4_i8(x)`, `mac2x2_i8(acc, ws, xs)`, `mac1x2_i8(acc, ws, xs)`: CONV_2D as a
//!   register-blocked matrix product over im2col columns of 16-bit inputs, two output channels
//!   by two pixels (or one channel by two) per pass;
//! - `mac4x1_i8(acc, ws, xs)`: FULLY_CONNECTED four output channels of one input row per
//!   pass, the weights of the four interleaved group by group;
//! - `fc_blocks_i8(..)`: every four-channel block of one input row with one scale for all
//!   channels, MAC loop, requantization and stores together (the blocked FULLY_CONNECTED's
//!   loop);
//! - `mac_high(addend, x, m)`: the high word of a 64-bit multiply-accumulate (requantization);
//! - `requantize2(accs, m, e, offset, min, max)`: two outputs of one channel requantized,
//!   offset and clamped (the blocked convolution's epilogue);
//! - `conv_pairs_i8(..)`: every channel pair of one pixel pair, MAC loop, requantization and
//!   stores together (the blocked convolution's inner loop);
//! - `blocked_loop_takes(weights, min, max)`: whether the two whole-loop primitives above take
//!   these weights and clamp range (checked once per call by the kernels);
//! - `widen_rows_i8(src, stride, words, rows, dst, lane)`: im2col of a window inside the
//!   image, row by row (the blocked convolution's gather).
//!
//! A new backend (Helium, RISC-V P) is a module with these functions, a line in `build.rs`
//! and a line below.

// The reference, compiled everywhere: the other backends use its scalar tail.
#[cfg_attr(not(embedml_backend = "portable"), allow(dead_code))]
pub(super) mod portable;

#[cfg(any(test, embedml_backend = "armv7em"))]
pub(super) mod armv7em;

#[cfg(embedml_backend = "armv7em")]
use armv7em as backend;
#[cfg(embedml_backend = "portable")]
use portable as backend;

pub(super) use backend::{
    blocked_loop_takes, conv_pairs_i8, dot_i8, dot2_i8, fc_blocks_i8, mac_high, mac1x2_i8,
    mac2x2_i8, mac4_broadcast_i8, mac4_i8, mac4x1_i8, requantize2, rotate_dot_i8, widen_rows_i8,
    widen4_i8,
};

// DEPTHWISE_CONV_2D 3x3, depth multiplier 1:
// - `mac4_taps9_i8(acc, taps, offset)`: `mac4_i8` over nine taps given by their input and weight
//   addresses, in one block (on Armv7E-M one `asm!` block, so that the four accumulators stay in
//   registers and each tap costs 11 instructions).
// - `requantize4_i8::<CLAMP>(acc, params, min4, max4)`: the fast requantization of four
//   channels, clamped, packed into one word of int8 outputs.
// - `mac4_broadcast_taps9_i8(acc, taps, x_offset, w_offset)`: the same for four channels sharing
//   one input (`mac4_broadcast_i8` over nine taps).
pub(super) use backend::{mac4_broadcast_taps9_i8, mac4_taps9_i8, requantize4_i8};
