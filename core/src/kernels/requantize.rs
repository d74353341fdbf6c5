//! The requantization parameters of the int8 kernels with a weight scale (FULLY_CONNECTED,
//! CONV_2D, DEPTHWISE_CONV_2D). A file of its own so that a firmware's line tables name only the
//! kernel files it uses (`scripts/firmware-test.sh`).

use super::arch::mac_high;
#[cfg(doc)]
use crate::quant::multiply_by_quantized_multiplier;

/// Fixed-point requantization of int32 accumulators: one multiplier and shift per output channel,
/// or a single one for every channel (per-tensor quantization).
///
/// Output channel `c` maps an accumulator `acc` to
/// [`multiply_by_quantized_multiplier`](crate::quant::multiply_by_quantized_multiplier)`(acc, multipliers[c], shifts[c])`,
/// where a slice of length 1 stands for that value repeated for every channel.
#[derive(Clone, Copy, Debug)]
pub struct Requantize<'a> {
    /// Q0.31 multipliers in `[2^30, 2^31)` (or 0): one per output channel, or one for all.
    pub multipliers: &'a [i32],
    /// Power-of-two exponents (positive shifts left, negative shifts right): one per output
    /// channel, or one for all.
    pub shifts: &'a [i8],
}

impl Requantize<'_> {
    /// The multiplier and shift of output channel `c`, or `None` if the slices have neither one
    /// entry nor an entry for `c` (only if the parameters do not fit the kernel's shapes).
    #[inline(always)]
    pub fn channel(&self, c: usize) -> Option<(i32, i32)> {
        // A select, not a branch: the same code serves per-tensor and per-channel scales.
        let index = |len: usize| if len == 1 { 0 } else { c };
        let multiplier = *self.multipliers.get(index(self.multipliers.len()))?;
        let shift = *self.shifts.get(index(self.shifts.len()))?;
        Some((multiplier, i32::from(shift)))
    }

    /// How far the index into `multipliers` and into `shifts` moves from one output channel to
    /// the next: 0 for a slice of length 1 (one entry for every channel), else 1. For kernels that
    /// visit the channels in order, cheaper per channel than [`Requantize::channel`].
    #[inline(always)]
    pub fn steps(&self) -> (usize, usize) {
        (
            usize::from(self.multipliers.len() != 1),
            usize::from(self.shifts.len() != 1),
        )
    }
}

/// [`multiply_by_quantized_multiplier`]`(_, multiplier, -exponent)` for a multiplier in
/// `[0, 2^31)` and an exponent in `0..=31` (every scale below 1 that `QuantizeMultiplier`
/// produces), prepared once per scale so that each value costs a multiply-accumulate and a
/// shift: the doubling high multiply cannot saturate (only `i32::MIN * i32::MIN` does) and the
/// rounding right shift needs no range checks. The kernels' hot loops use it where the compiler
/// or a per-call test has established the domain ([`scales_down`]); outside it the result is
/// some value (an exponent counts modulo 32), never a panic.
#[derive(Clone, Copy)]
pub(super) struct ScaleDown {
    multiplier: i32,
    /// `2^30 + 2^(30 + exponent)` (see [`ScaleDown::apply`]).
    nudge: i64,
    /// `exponent - 1`, or -1 for an exponent of 0.
    shift: i32,
}

impl ScaleDown {
    /// The scale `multiplier * 2^-exponent / 2^31`.
    #[inline(always)]
    pub(super) fn new(multiplier: i32, exponent: i32) -> ScaleDown {
        let shift = (exponent as u32 & 31).wrapping_sub(1);
        // `2^(e-1)` (for `e >= 1`) gives both words of `2^30 + 2^(30+e)` in three instructions:
        // the high word `2^(e-2)` (0 for `e = 1`), the low word `2^30`, plus `2^31` for `e = 1`.
        let power = 1u32.wrapping_shl(shift);
        let (hi, lo) = (power >> 1, (1u32 << 30) | power << 31);
        ScaleDown {
            multiplier,
            nudge: i64::from(hi) << 32 | i64::from(lo),
            shift: shift as i32,
        }
    }

    /// `x` scaled, as TFLM rounds it. Wrapping operations only: none overflows, and a debug
    /// build keeps no overflow check.
    #[inline(always)]
    pub(super) fn apply(&self, x: i32) -> i32 {
        if self.shift < 0 {
            // `round(x * multiplier / 2^31)`, ties up: gemmlowp's nudge, as one shift.
            let product = i64::from(x).wrapping_mul(i64::from(self.multiplier));
            return (product.wrapping_add(1 << 30) >> 31) as i32;
        }
        // Both roundings in one: with `h = floor((product + 2^30) / 2^31)` (the doubling high
        // multiply), the rounding shift by `e` is `floor((h + 2^(e-1) - [h < 0]) / 2^e)` (ties
        // away from zero), and floors of floors compose, so it is `floor((product + 2^30 +
        // 2^(30+e) - [h < 0] * 2^31) / 2^(31+e))`. `h < 0` may be read as `x < 0`: they
        // differ only where `h` is 0, whose result is 0 either way. Every term is below 2^62
        // in magnitude, and `2^(31+e) >= 2^32`: the quotient is the high word shifted by
        // `e - 1`, and the sum one multiply-accumulate onto a nudge chosen by `x`'s sign.
        let nudge = self.nudge.wrapping_add(i64::from(x >> 31) << 31);
        // `& 31` spelled out: `wrapping_shr`'s own masking leaves a debug-build check behind.
        mac_high(nudge, x, self.multiplier) >> (self.shift as u32 & 31)
    }
}

/// [`ScaleDown`] of one value.
#[inline(always)]
pub(super) fn scale_down(x: i32, multiplier: i32, exponent: i32) -> i32 {
    ScaleDown::new(multiplier, exponent).apply(x)
}

/// Whether [`scale_down`] computes [`multiply_by_quantized_multiplier`]`(_, multiplier, shift)`.
#[inline(always)]
pub(super) const fn scales_down(multiplier: i32, shift: i32) -> bool {
    multiplier >= 0 && shift <= 0 && shift >= -31
}
