//! ADD_N (the element-wise sum of several tensors) and CUMSUM (running sums along one axis).
//!
//! TFLM's int8 forms rescale each input as its int8 ADD does (a left shift of 20, then half the
//! input scale), sum in `i32`, and rescale the sum to the output. Both start the sum from the
//! rescaled input offset rather than from zero (TFLM's `accumulator = input1_offset`), which this
//! follows; sums wrap where C++'s would overflow.

use super::slices::enumerate;
use crate::quant::multiply_by_quantized_multiplier;

/// The int8 rescalings of ADD_N and CUMSUM.
#[derive(Clone, Copy, Debug)]
pub struct AccumulateI8 {
    /// Minus the inputs' zero point.
    pub input_offset: i32,
    /// Q0.31 multiplier of the inputs' rescaling (after the left shift of 20).
    pub input_multiplier: i32,
    /// Its exponent (zero or negative).
    pub input_shift: i32,
    /// Q0.31 multiplier of the sum's rescaling to the output.
    pub output_multiplier: i32,
    /// Its exponent (zero or negative).
    pub output_shift: i32,
    /// The output's zero point.
    pub output_offset: i32,
}

/// CUMSUM's shape and options: the tensor seen as `[outer, depth, inner]`, summed along `depth`.
#[derive(Clone, Copy, Debug)]
pub struct CumsumShape {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// The axis' size.
    pub depth: usize,
    /// Product of the dimensions after the axis.
    pub inner: usize,
    /// Each output sums the elements before it, not including its own.
    pub exclusive: bool,
    /// Sums run from the end of the axis.
    pub reverse: bool,
}

/// int8 CUMSUM.
#[derive(Clone, Copy, Debug)]
pub struct CumsumI8 {
    /// Shape and options.
    pub shape: CumsumShape,
    /// Rescalings.
    pub scales: AccumulateI8,
}

/// Headroom bits of an input before its rescaling (TFLM's `kAddNIntegerShift`,
/// `kCumSumIntegerShift`).
const LEFT_SHIFT: u32 = 20;

impl AccumulateI8 {
    /// An input value (or the offset alone) on the common scale.
    #[inline(always)]
    fn scaled(&self, offset_value: i32) -> i32 {
        multiply_by_quantized_multiplier(
            offset_value.wrapping_shl(LEFT_SHIFT),
            self.input_multiplier,
            self.input_shift,
        )
    }

    /// The sum's initial value: the rescaled offset, as TFLM.
    #[inline(always)]
    fn start(&self) -> i32 {
        self.scaled(self.input_offset)
    }

    #[inline(always)]
    fn add(&self, sum: i32, x: i8) -> i32 {
        sum.wrapping_add(self.scaled(self.input_offset.wrapping_add(i32::from(x))))
    }

    #[inline(always)]
    fn output(&self, sum: i32) -> i8 {
        multiply_by_quantized_multiplier(sum, self.output_multiplier, self.output_shift)
            .wrapping_add(self.output_offset)
            .clamp(-128, 127) as i8
    }
}

/// int8 ADD_N, bit-exact with TFLM's reference kernel: per element, the rescaled offset plus
/// each input's rescaled value, rescaled to the output and clamped. Elements past the end of an
/// input are left unchanged.
pub fn add_n_i8(p: &AccumulateI8, inputs: &[&[i8]], output: &mut [i8]) {
    for (i, o) in enumerate(output.iter_mut()) {
        let mut sum = p.start();
        for input in inputs {
            let Some(&x) = input.get(i) else { return };
            sum = p.add(sum, x);
        }
        *o = p.output(sum);
    }
}

/// float32 ADD_N as TFLM's reference kernel: per element, `0.0` plus each input in order.
pub fn add_n_f32(_p: &super::NoParams, inputs: &[&[f32]], output: &mut [f32]) {
    for (i, o) in enumerate(output.iter_mut()) {
        let mut sum = 0.0f32;
        for input in inputs {
            let Some(&x) = input.get(i) else { return };
            sum += x;
        }
        *o = sum;
    }
}

/// Walks each line of a CUMSUM (fixed outer and inner index, along the axis, backwards when
/// reversed), calling `f(index)` with each element's flat index in order. Index arithmetic
/// wraps (exact for shapes that fit the slices, whose accesses the caller checks).
#[inline(always)]
fn for_each_line(s: &CumsumShape, mut line: impl FnMut(&mut dyn FnMut() -> Option<usize>)) {
    let stride = s.inner;
    for outer in 0..s.outer {
        let base = outer.wrapping_mul(s.depth).wrapping_mul(stride);
        for inner in 0..s.inner {
            let start = base.wrapping_add(inner);
            let mut step = 0usize;
            let mut next = || {
                if step >= s.depth {
                    return None;
                }
                let d = if s.reverse {
                    s.depth.wrapping_sub(1).wrapping_sub(step)
                } else {
                    step
                };
                step = step.wrapping_add(1);
                Some(start.wrapping_add(d.wrapping_mul(stride)))
            };
            line(&mut next);
        }
    }
}

/// int8 CUMSUM, bit-exact with TFLM's reference kernel: along each line the rescaled offset plus
/// the rescaled values so far (before the element's own when exclusive), rescaled to the output
/// and clamped. Indices outside the slices are skipped.
pub fn cumsum_i8(p: &CumsumI8, input: &[i8], output: &mut [i8]) {
    let scales = &p.scales;
    for_each_line(&p.shape, |next| {
        let mut sum = scales.start();
        while let Some(index) = next() {
            let Some(&x) = input.get(index) else { return };
            let before = sum;
            sum = scales.add(sum, x);
            if let Some(o) = output.get_mut(index) {
                *o = scales.output(if p.shape.exclusive { before } else { sum });
            }
        }
    });
}

/// float32 CUMSUM as TFLM's reference kernel: along each line, `0.0` plus the values so far in
/// order (before the element's own when exclusive). Indices outside the slices are skipped.
pub fn cumsum_f32(p: &CumsumShape, input: &[f32], output: &mut [f32]) {
    for_each_line(p, |next| {
        let mut sum = 0.0f32;
        while let Some(index) = next() {
            let Some(&x) = input.get(index) else { return };
            let before = sum;
            sum += x;
            if let Some(o) = output.get_mut(index) {
                *o = if p.exclusive { before } else { sum };
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALF: AccumulateI8 = AccumulateI8 {
        input_offset: 0,
        input_multiplier: 1 << 30,
        input_shift: 0,
        // 2 / 2^20 = 2^-19: 2^30 with exponent -18.
        output_multiplier: 1 << 30,
        output_shift: -18,
        output_offset: 0,
    };

    #[test]
    fn int8_add_n_sums_like_add() {
        let mut out = [0i8; 3];
        add_n_i8(&HALF, &[&[1, 2, 100], &[3, -4, 100], &[5, 6, -7]], &mut out);
        assert_eq!(out, [9, 4, 127]);
    }

    #[test]
    fn cumsum_runs_exclusive_and_reversed() {
        // [2, 3] along axis 1.
        let shape = CumsumShape {
            outer: 2,
            depth: 3,
            inner: 1,
            exclusive: false,
            reverse: false,
        };
        let input = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [0.0f32; 6];
        cumsum_f32(&shape, &input, &mut out);
        assert_eq!(out, [1.0, 3.0, 6.0, 4.0, 9.0, 15.0]);
        let reversed = CumsumShape {
            exclusive: true,
            reverse: true,
            ..shape
        };
        cumsum_f32(&reversed, &input, &mut out);
        assert_eq!(out, [5.0, 3.0, 0.0, 11.0, 6.0, 0.0]);
        // Along axis 0 of [2, 3].
        let columns = CumsumShape {
            outer: 1,
            depth: 2,
            inner: 3,
            ..shape
        };
        let mut out = [0i8; 6];
        cumsum_i8(
            &CumsumI8 {
                shape: columns,
                scales: HALF,
            },
            &[1, 2, 3, 4, 5, 6],
            &mut out,
        );
        assert_eq!(out, [1, 2, 3, 5, 7, 9]);
    }
}
