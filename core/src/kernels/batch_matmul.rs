//! BATCH_MATMUL: a matrix product per batch, the batch dimensions broadcast.
//!
//! The kernels read both operands in place, with steps that the compiler derives from
//! `adj_x` and `adj_y`, so neither operand is transposed into a copy (TFLM transposes into
//! buffers of its own first; the products are the same, summed in the same order).

/// The shapes and steps of a BATCH_MATMUL: output `[batches[0]][batches[1]][batches[2]][rows]
/// [cols]`, element `(i, j)` of a batch the sum over `k` of `lhs(i, k) * rhs(k, j)`.
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulShape {
    /// The three (broadcast) batch dimensions of the output, 1 where absent.
    pub batches: [usize; 3],
    /// Elements of the LHS between successive values of each batch index (0 where the LHS
    /// broadcasts along it).
    pub lhs_strides: [usize; 3],
    /// The same for the RHS.
    pub rhs_strides: [usize; 3],
    /// Output rows.
    pub rows: usize,
    /// Output columns.
    pub cols: usize,
    /// Products summed per output.
    pub depth: usize,
    /// LHS elements between rows `i` and `i + 1`.
    pub lhs_row_step: usize,
    /// LHS elements between `k` and `k + 1`.
    pub lhs_depth_step: usize,
    /// RHS elements between `k` and `k + 1`.
    pub rhs_depth_step: usize,
    /// RHS elements between columns `j` and `j + 1`.
    pub rhs_col_step: usize,
}

/// BATCH_MATMUL with int8 operands and output.
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulI8 {
    /// Shapes and steps.
    pub shape: BatchMatMulShape,
    /// Minus the LHS zero point.
    pub lhs_offset: i32,
    /// Minus the RHS zero point.
    pub rhs_offset: i32,
    /// Accumulator to output scale (Q0.31).
    pub multiplier: i32,
    /// Its power-of-two exponent.
    pub shift: i32,
    /// The output's zero point.
    pub output_offset: i32,
}

/// BATCH_MATMUL with int16 operands and output (zero points 0, as TFLM requires).
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulI16 {
    /// Shapes and steps.
    pub shape: BatchMatMulShape,
    /// Accumulator to output scale (Q0.31).
    pub multiplier: i32,
    /// Its power-of-two exponent (-31 to 7).
    pub shift: i32,
}

/// BATCH_MATMUL with float32 operands and output.
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMulF32 {
    /// Shapes and steps.
    pub shape: BatchMatMulShape,
}

/// Calls `dot(lhs start, rhs start)` for every output, in output order, and stores its value.
/// Offsets are computed with wrapping arithmetic: exact for shapes that fit their slices, and
/// any other offset fails the dot product's bounds checks instead of trapping.
#[inline(always)]
fn each_output<O>(s: &BatchMatMulShape, output: &mut [O], mut dot: impl FnMut(usize, usize) -> O) {
    let mut out = output.iter_mut();
    for b0 in 0..s.batches[0] {
        let (l0, r0) = (
            b0.wrapping_mul(s.lhs_strides[0]),
            b0.wrapping_mul(s.rhs_strides[0]),
        );
        for b1 in 0..s.batches[1] {
            let (l1, r1) = (
                l0.wrapping_add(b1.wrapping_mul(s.lhs_strides[1])),
                r0.wrapping_add(b1.wrapping_mul(s.rhs_strides[1])),
            );
            for b2 in 0..s.batches[2] {
                let (l2, r2) = (
                    l1.wrapping_add(b2.wrapping_mul(s.lhs_strides[2])),
                    r1.wrapping_add(b2.wrapping_mul(s.rhs_strides[2])),
                );
                for i in 0..s.rows {
                    let li = l2.wrapping_add(i.wrapping_mul(s.lhs_row_step));
                    for j in 0..s.cols {
                        let rj = r2.wrapping_add(j.wrapping_mul(s.rhs_col_step));
                        let Some(o) = out.next() else {
                            return;
                        };
                        *o = dot(li, rj);
                    }
                }
            }
        }
    }
}

/// BATCH_MATMUL, int8: each sum of `(lhs + lhs_offset) * (rhs + rhs_offset)` in int32 (TFLM's
/// reference `BatchMatMul` with its FULLY_CONNECTED parameters), requantized, offset and
/// clamped to int8.
pub fn batch_matmul_i8(p: &BatchMatMulI8, lhs: &[i8], rhs: &[i8], output: &mut [i8]) {
    let s = &p.shape;
    each_output(s, output, |mut l, mut r| {
        let mut total = 0i32;
        for _ in 0..s.depth {
            let (Some(&a), Some(&b)) = (lhs.get(l), rhs.get(r)) else {
                break;
            };
            let product = (i32::from(a).wrapping_add(p.lhs_offset))
                .wrapping_mul(i32::from(b).wrapping_add(p.rhs_offset));
            total = total.wrapping_add(product);
            l = l.wrapping_add(s.lhs_depth_step);
            r = r.wrapping_add(s.rhs_depth_step);
        }
        let scaled = crate::quant::multiply_by_quantized_multiplier(total, p.multiplier, p.shift)
            .wrapping_add(p.output_offset);
        scaled.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
    });
}

/// TFLite's `MultiplyByQuantizedMultiplier` for an int64 accumulator: the multiplier rounded
/// to 16 bits, one rounding shift by `15 - shift` (meant for shifts from -31 to 7; others give
/// wrong values, never a panic).
fn multiply_by_quantized_multiplier_i64(x: i64, multiplier: i32, shift: i32) -> i32 {
    let reduced = if multiplier < 0x7FFF_0000 {
        (multiplier.wrapping_add(1 << 15)) >> 16
    } else {
        0x7FFF
    };
    let total_shift = 15i32.wrapping_sub(shift).clamp(1, 63) as u32;
    let round = 1i64 << (total_shift - 1);
    (x.wrapping_mul(i64::from(reduced)).wrapping_add(round) >> total_shift) as i32
}

/// BATCH_MATMUL, int16: each sum of products in int64 (TFLM's reference `BatchMatMul<int16_t,
/// int64_t>`), requantized with the int64 `MultiplyByQuantizedMultiplier`, clamped to int16.
pub fn batch_matmul_i16(p: &BatchMatMulI16, lhs: &[i16], rhs: &[i16], output: &mut [i16]) {
    let s = &p.shape;
    each_output(s, output, |mut l, mut r| {
        let mut total = 0i64;
        for _ in 0..s.depth {
            let (Some(&a), Some(&b)) = (lhs.get(l), rhs.get(r)) else {
                break;
            };
            total = total.wrapping_add(i64::from(a) * i64::from(b));
            l = l.wrapping_add(s.lhs_depth_step);
            r = r.wrapping_add(s.rhs_depth_step);
        }
        let scaled = multiply_by_quantized_multiplier_i64(total, p.multiplier, p.shift);
        scaled.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    });
}

/// BATCH_MATMUL, float32: each sum from 0 in order of `k`, as TFLM's reference kernel adds.
pub fn batch_matmul_f32(p: &BatchMatMulF32, lhs: &[f32], rhs: &[f32], output: &mut [f32]) {
    let s = &p.shape;
    each_output(s, output, |mut l, mut r| {
        let mut total = 0.0f32;
        for _ in 0..s.depth {
            let (Some(&a), Some(&b)) = (lhs.get(l), rhs.get(r)) else {
                break;
            };
            total += b * a;
            l = l.wrapping_add(s.lhs_depth_step);
            r = r.wrapping_add(s.rhs_depth_step);
        }
        total
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(rows: usize, cols: usize, depth: usize) -> BatchMatMulShape {
        BatchMatMulShape {
            batches: [1, 1, 2],
            lhs_strides: [0, 0, rows * depth],
            rhs_strides: [0, 0, 0],
            rows,
            cols,
            depth,
            lhs_row_step: depth,
            lhs_depth_step: 1,
            rhs_depth_step: cols,
            rhs_col_step: 1,
        }
    }

    #[test]
    fn broadcast_product() {
        // Two 2x3 LHS batches times one 3x2 RHS.
        let lhs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -1.0, 0.0, 1.0, 2.0, 0.5, 0.0];
        let rhs = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut out = [0.0f32; 8];
        batch_matmul_f32(
            &BatchMatMulF32 {
                shape: shape(2, 2, 3),
            },
            &lhs,
            &rhs,
            &mut out,
        );
        assert_eq!(out, [4.0, 5.0, 10.0, 11.0, 0.0, 1.0, 2.0, 0.5]);
        // The RHS transposed in memory (adj_y): the same product.
        let rhs_t = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let mut s = shape(2, 2, 3);
        (s.rhs_depth_step, s.rhs_col_step) = (1, 3);
        let mut out_t = [0.0f32; 8];
        batch_matmul_f32(&BatchMatMulF32 { shape: s }, &lhs, &rhs_t, &mut out_t);
        assert_eq!(out, out_t);
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        let mut s = shape(2, 3, 4);
        (s.rows, s.depth, s.lhs_row_step) = (usize::MAX, usize::MAX, usize::MAX);
        s.lhs_strides = [usize::MAX; 3];
        let p = BatchMatMulI8 {
            shape: s,
            lhs_offset: i32::MAX,
            rhs_offset: i32::MIN,
            multiplier: i32::MAX,
            shift: 40,
            output_offset: i32::MAX,
        };
        let mut out = [0i8; 5];
        batch_matmul_i8(&p, &[1; 4], &[1; 4], &mut out);
    }
}
