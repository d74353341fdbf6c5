//! int32 ADD, SUB, MUL, DIV, MAXIMUM and MINIMUM, and float32 DIV: TFLM's unquantized
//! element-wise arithmetic, broadcasting like the int8 and float32 kernels.
//!
//! int32 results wrap where C++'s signed arithmetic would overflow (undefined there; what TFLM
//! compiled for Arm gives), then are clamped to the fused activation's range.

use super::elementwise::{
    ArithmeticF32, Broadcast4, MinMax, for_each_element, for_each_element_in_place,
};
use super::epilogue::clamp_f32;

/// int32 ADD, SUB, MUL or DIV: the fused activation's range, as TFLM computes it for int32.
#[derive(Clone, Copy, Debug)]
pub struct ArithmeticI32 {
    /// The fused activation's lower bound (`i32::MIN` for none).
    pub output_min: i32,
    /// The fused activation's upper bound (`i32::MAX` for none).
    pub output_max: i32,
    /// `None` when both inputs have the output's shape.
    pub broadcast: Option<Broadcast4>,
}

/// `x` clamped to `min..=max` as TFLM's `ActivationFunctionWithMinMax` does (`min(max(x, min),
/// max)`), without `Ord::clamp`'s assertion that `min <= max`.
fn clamp_i32(x: i32, min: i32, max: i32) -> i32 {
    let x = if x < min { min } else { x };
    if max < x { max } else { x }
}

/// `a / b` truncated toward zero, as the Cortex-M `SDIV` instruction computes it: a division by
/// zero gives 0 and `i32::MIN / -1` gives `i32::MIN` (both undefined in C++, where TFLM on a
/// host traps).
fn div_i32_arm(a: i32, b: i32) -> i32 {
    if b == 0 { 0 } else { a.wrapping_div(b) }
}

binary_kernel!(
    /// int32 ADD as TFLM's reference kernel: `a + b` (wrapping), clamped.
    add_i32, add_i32_in_place, ArithmeticI32, i32,
    |p, x, y| clamp_i32(x.wrapping_add(y), p.output_min, p.output_max)
);

binary_kernel!(
    /// int32 SUB as TFLM's reference kernel: `a - b` (wrapping), clamped.
    sub_i32, sub_i32_in_place, ArithmeticI32, i32,
    |p, x, y| clamp_i32(x.wrapping_sub(y), p.output_min, p.output_max)
);

binary_kernel!(
    /// int32 MUL as TFLM's reference kernel: `a * b` (wrapping), clamped.
    mul_i32, mul_i32_in_place, ArithmeticI32, i32,
    |p, x, y| clamp_i32(x.wrapping_mul(y), p.output_min, p.output_max)
);

binary_kernel!(
    /// int32 DIV as TFLM's reference kernel: `a / b` truncated toward zero, clamped; a division
    /// by zero gives 0 (see `div_i32_arm`).
    div_i32, div_i32_in_place, ArithmeticI32, i32,
    |p, x, y| clamp_i32(div_i32_arm(x, y), p.output_min, p.output_max)
);

binary_kernel!(
    /// int32 MAXIMUM as TFLM: the larger value.
    maximum_i32, maximum_i32_in_place, MinMax, i32,
    |_p, x, y| x.max(y)
);

binary_kernel!(
    /// int32 MINIMUM as TFLM: the smaller value.
    minimum_i32, minimum_i32_in_place, MinMax, i32,
    |_p, x, y| x.min(y)
);

binary_kernel!(
    /// float32 DIV as TFLM's reference kernel: `a / b` in float32 (IEEE: a division by zero
    /// gives an infinity or NaN), clamped.
    div_f32, div_f32_in_place, ArithmeticF32, f32,
    |p, x, y| clamp_f32(x / y, p.output_min, p.output_max)
);

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: ArithmeticI32 = ArithmeticI32 {
        output_min: i32::MIN,
        output_max: i32::MAX,
        broadcast: None,
    };

    #[test]
    fn int32_arithmetic_wraps_and_clamps() {
        let mut out = [0; 3];
        add_i32(&NONE, &[i32::MAX, -5, 7], &[1, 3, -7], &mut out);
        assert_eq!(out, [i32::MIN, -2, 0]);
        sub_i32(&NONE, &[i32::MIN, 5, 0], &[1, 3, -7], &mut out);
        assert_eq!(out, [i32::MAX, 2, 7]);
        mul_i32(&NONE, &[1 << 16, -3, 40], &[1 << 16, 3, 256], &mut out);
        assert_eq!(out, [0, -9, 10240]);
        let relu6 = ArithmeticI32 {
            output_min: 0,
            output_max: 6,
            broadcast: None,
        };
        mul_i32(&relu6, &[2, -3, 4], &[2, 3, 4], &mut out);
        assert_eq!(out, [4, 0, 6]);
    }

    #[test]
    fn int32_division_truncates_like_sdiv() {
        let mut out = [9; 5];
        div_i32(
            &NONE,
            &[7, -7, 7, 5, i32::MIN],
            &[2, 2, -2, 0, -1],
            &mut out,
        );
        assert_eq!(out, [3, -3, -3, 0, i32::MIN]);
        let mut data = [100, -100];
        div_i32_in_place(&NONE, &mut data, &[666, 666]);
        assert_eq!(data, [0, 0]);
    }

    #[test]
    fn broadcast_scalar_and_min_max() {
        // A [2] input against a scalar, padded to rank 4.
        let p = MinMax {
            broadcast: Some(Broadcast4 {
                output_shape: [1, 1, 1, 2],
                input1_strides: [0, 0, 0, 1],
                input2_strides: [0, 0, 0, 0],
            }),
        };
        let mut out = [0; 2];
        minimum_i32(&p, &[200, -5], &[127], &mut out);
        assert_eq!(out, [127, -5]);
        maximum_i32(&p, &[200, -500], &[-128], &mut out);
        assert_eq!(out, [200, -128]);
        let f = ArithmeticF32 {
            output_min: f32::NEG_INFINITY,
            output_max: f32::INFINITY,
            broadcast: None,
        };
        let mut out = [0.0; 3];
        div_f32(&f, &[1.0, -1.0, 3.0], &[0.0, 0.0, 2.0], &mut out);
        assert_eq!(out, [f32::INFINITY, f32::NEG_INFINITY, 1.5]);
    }
}
