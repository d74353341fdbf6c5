//! REDUCE_MAX, REDUCE_MIN and float32 SUM over the middle axis of an input viewed as
//! `[outer, reduced, inner]`, as TFLite Micro's `ReduceGeneric` computes them. (int8 SUM is
//! [`mean_i8`](super::mean_i8) with constants that leave out MEAN's division.)

use super::slices::{chunks, rows};

/// The shape of a reduction over the middle axis of `[outer, reduced, inner]`. Reductions over
/// several adjacent axes flatten into one; the output holds `outer * inner` elements.
#[derive(Clone, Copy, Debug)]
pub struct ReduceShape {
    /// Product of the dimensions before the reduced ones.
    pub outer: usize,
    /// Product of the reduced dimensions.
    pub reduced: usize,
    /// Product of the dimensions after the reduced ones.
    pub inner: usize,
}

/// Folds every output's reduced elements, in increasing index order, into `init` with
/// `combine(current, element)`, the order TFLite Micro's `ReduceGeneric` visits them in. An
/// empty reduction (`reduced == 0`) leaves `init` in every output, as TFLite Micro does.
#[inline(always)]
fn reduce<T: Copy>(
    p: &ReduceShape,
    input: &[T],
    output: &mut [T],
    init: T,
    combine: impl Fn(T, T) -> T,
) {
    output
        .iter_mut()
        .take(p.outer.saturating_mul(p.inner))
        .for_each(|o| *o = init);
    if p.reduced == 0 || p.inner == 0 {
        return;
    }
    let block = p.reduced.saturating_mul(p.inner);
    for (block, out) in rows(input, block, output, p.inner).take(p.outer) {
        // Row by row: each output still combines its elements in increasing index order.
        for row in chunks(block, p.inner) {
            for (o, &x) in out.iter_mut().zip(row) {
                *o = combine(*o, x);
            }
        }
    }
}

/// int8 REDUCE_MAX. TFLite Micro requires the input and output quantization to be equal, so
/// the raw values compare directly. An empty reduction writes -128.
pub fn reduce_max_i8(p: &ReduceShape, input: &[i8], output: &mut [i8]) {
    reduce(p, input, output, i8::MIN, |current, x| current.max(x));
}

/// int8 REDUCE_MIN (see [`reduce_max_i8`]). An empty reduction writes 127.
pub fn reduce_min_i8(p: &ReduceShape, input: &[i8], output: &mut [i8]) {
    reduce(p, input, output, i8::MAX, |current, x| current.min(x));
}

/// float32 REDUCE_MAX, bit-exact with TFLite Micro: starts from the lowest finite float
/// (`f32::MIN`, so an all `-inf` reduction gives `f32::MIN`, as does an empty one) and takes an
/// element only when it is greater than the current value (a NaN element is skipped).
pub fn reduce_max_f32(p: &ReduceShape, input: &[f32], output: &mut [f32]) {
    reduce(p, input, output, f32::MIN, |current, x| {
        if x > current { x } else { current }
    });
}

/// float32 REDUCE_MIN, bit-exact with TFLite Micro: starts from `f32::MAX` and takes an element
/// only when it is less than the current value (see [`reduce_max_f32`]).
pub fn reduce_min_f32(p: &ReduceShape, input: &[f32], output: &mut [f32]) {
    reduce(p, input, output, f32::MAX, |current, x| {
        if x < current { x } else { current }
    });
}

/// float32 SUM, bit-exact with TFLite Micro: each output sums from `0.0` in increasing index
/// order. An empty reduction writes `0.0`.
pub fn sum_f32(p: &ReduceShape, input: &[f32], output: &mut [f32]) {
    reduce(p, input, output, 0.0, |current, x| x + current);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: ReduceShape = ReduceShape {
        outer: 2,
        reduced: 3,
        inner: 2,
    };

    #[test]
    fn int8_max_and_min_over_the_middle_axis() {
        let input = [1i8, -5, 7, 0, -3, 9, 4, 4, -128, 127, 2, -2];
        let mut out = [0i8; 4];
        reduce_max_i8(&SHAPE, &input, &mut out);
        assert_eq!(out, [7, 9, 4, 127]);
        reduce_min_i8(&SHAPE, &input, &mut out);
        assert_eq!(out, [-3, -5, -128, -2]);
    }

    #[test]
    fn float_max_min_and_sum() {
        let input = [
            1.0f32, -5.0, 7.5, 0.0, -3.0, 9.0, 4.0, 4.0, -1.0, 2.0, 2.0, -2.0,
        ];
        let mut out = [0f32; 4];
        reduce_max_f32(&SHAPE, &input, &mut out);
        assert_eq!(out, [7.5, 9.0, 4.0, 4.0]);
        reduce_min_f32(&SHAPE, &input, &mut out);
        assert_eq!(out, [-3.0, -5.0, -1.0, -2.0]);
        sum_f32(&SHAPE, &input, &mut out);
        assert_eq!(out, [5.5, 4.0, 5.0, 4.0]);
    }

    #[test]
    fn float_max_starts_from_the_lowest_finite_value_and_skips_nan() {
        let shape = ReduceShape {
            outer: 1,
            reduced: 2,
            inner: 1,
        };
        let mut out = [0f32; 1];
        reduce_max_f32(&shape, &[f32::NEG_INFINITY, f32::NEG_INFINITY], &mut out);
        assert_eq!(out, [f32::MIN]);
        reduce_max_f32(&shape, &[f32::NAN, 1.0], &mut out);
        assert_eq!(out, [1.0]);
    }

    #[test]
    fn empty_reductions_write_the_initial_value() {
        let shape = ReduceShape {
            outer: 1,
            reduced: 0,
            inner: 2,
        };
        let mut out = [5i8; 2];
        reduce_max_i8(&shape, &[], &mut out);
        assert_eq!(out, [-128, -128]);
        let mut out = [5f32; 2];
        sum_f32(&shape, &[], &mut out);
        assert_eq!(out, [0.0, 0.0]);
    }
}
