//! BATCH_MATMUL: int8, int16 (zero points 0) and float32, `adj_x` and `adj_y`, batch dimensions broadcast, either
//! operand constant or computed.
//!
//! TFLM transposes an operand into a buffer of its own (the RHS unless `adj_y`, the LHS if
//! `adj_x`) and multiplies row by row; the kernel here reads both operands where they are, with
//! the steps computed below, and sums the same products in the same order, so nothing needs a
//! scratch buffer. int8 and int16 follow TFLM's `Prepare`: one multiplier from
//! `lhs_scale * rhs_scale` (rounded to float) over the output scale, no fused activation (the
//! type's range); int16 accumulates in int64 and requantizes with TFLite's int64
//! `MultiplyByQuantizedMultiplier`.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant;
use crate::tflite::options_table;

use super::{Check, Lower, Operator};

/// The number type of a BATCH_MATMUL (one throughout, as TFLM requires).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// int8, int32 accumulators.
    Int8,
    /// int16 with zero points 0, int64 accumulators.
    Int16,
    /// float32.
    Float32,
}

options_table!(
    /// Options of BATCH_MATMUL.
    BatchMatMulOptions = 101 {
        /// The LHS is stored transposed (`[.., depth, rows]`).
        adj_x: bool = 0,
        /// The RHS is stored transposed (`[.., cols, depth]`).
        adj_y: bool = 1,
        /// Hybrid (float LHS, int8 RHS) only; TFLM has no hybrid BATCH_MATMUL.
        asymmetric_quantize_inputs: bool = 2,
    }
);

/// A checked BATCH_MATMUL.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchMatMul {
    /// Number type.
    pub precision: Precision,
    /// Left operand.
    pub lhs: usize,
    /// Right operand.
    pub rhs: usize,
    /// Output.
    pub output: usize,
    /// Shapes and steps.
    pub shape: kernel::BatchMatMulShape,
}

/// Elements between successive indices of each of the three batch dimensions of a shape
/// extended to rank 5, 0 where the dimension is 1 (TFLM's `extent`).
fn batch_strides(dims: &[usize; 5]) -> [usize; 3] {
    let mut strides = [0; 3];
    for (t, stride) in strides.iter_mut().enumerate() {
        if dims[t] != 1 {
            *stride = dims[t + 1..].iter().product();
        }
    }
    strides
}

/// The shape extended to rank 5 with leading 1s (TFLM's `RuntimeShape::ExtendedShape`).
fn extended(shape: &[usize]) -> [usize; 5] {
    let mut dims = [1; 5];
    dims[5 - shape.len()..].copy_from_slice(shape);
    dims
}

impl Operator for BatchMatMul {
    const NAMES: &'static [&'static str] = &["BATCH_MATMUL"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options = cx.options::<BatchMatMulOptions>()?;
        let adj_x = options.and_then(|o| o.adj_x()).unwrap_or(false);
        let adj_y = options.and_then(|o| o.adj_y()).unwrap_or(false);
        if cx.op.inputs.len() != 2 {
            return Err(cx.error(format!(
                "has {} inputs; TFLM takes 2 (LHS, RHS)",
                cx.op.inputs.len()
            )));
        }
        let lhs = cx.input(0, "LHS")?;
        let rhs = cx.input(1, "RHS")?;
        let output = cx.output()?;
        let (l, r, o) = (cx.tensor(lhs), cx.tensor(rhs), cx.tensor(output));
        let precision = match (l.element_type, r.element_type, o.element_type) {
            (ElementType::Int8, ElementType::Int8, ElementType::Int8) => Precision::Int8,
            (ElementType::Float32, ElementType::Float32, ElementType::Float32) => {
                Precision::Float32
            }
            (ElementType::Int16, ElementType::Int16, ElementType::Int16) => Precision::Int16,
            (a, b, c) => {
                return Err(cx.error(format!(
                    "{} x {} -> {} is not supported: TFLM takes one type throughout (INT8, INT16 or FLOAT32; no hybrid, no INT32 output)",
                    a.name(),
                    b.name(),
                    c.name()
                )));
            }
        };
        if precision == Precision::Int8 {
            for t in [l, r, o] {
                cx.per_tensor_quantized(t)?;
            }
        }
        if precision == Precision::Int16 {
            for t in [l, r, o] {
                match &t.quantization {
                    Some(q) if q.scales.len() == 1 && q.zero_points.first() == Some(&0) => {}
                    _ => {
                        return Err(cx.tensor_error(
                            t,
                            format!(
                                "an INT16 BATCH_MATMUL operand must have one scale and zero point 0, as TFLM requires (it has {})",
                                super::check::describe_quantization(t)
                            ),
                        ));
                    }
                }
            }
        }
        for t in [l, r] {
            if !(2..=5).contains(&t.shape.len()) {
                return Err(cx.tensor_error(
                    t,
                    format!(
                        "has shape {:?}; TFLM takes operands of rank 2 to 5",
                        t.shape
                    ),
                ));
            }
        }
        let rank = l.shape.len().max(r.shape.len());
        let (ld, rd) = (extended(&l.shape), extended(&r.shape));
        let mut batches = [1; 3];
        for t in 0..3 {
            batches[t] = match (ld[t], rd[t]) {
                (a, b) if a == b => a,
                (1, b) => b,
                (a, 1) => a,
                _ => {
                    return Err(cx.error(format!(
                        "the batch dimensions of {:?} and {:?} do not broadcast",
                        l.shape, r.shape
                    )));
                }
            };
        }
        // The matrix of each batch: the LHS `[rows, depth]` or, with adj_x, `[depth, rows]`;
        // the RHS `[depth, cols]` or, with adj_y, `[cols, depth]`.
        let (rows, depth, lhs_row_step, lhs_depth_step) = if adj_x {
            (ld[4], ld[3], 1, ld[4])
        } else {
            (ld[3], ld[4], ld[4], 1)
        };
        let (rhs_depth, cols, rhs_depth_step, rhs_col_step) = if adj_y {
            (rd[4], rd[3], 1, rd[4])
        } else {
            (rd[3], rd[4], rd[4], 1)
        };
        if depth != rhs_depth {
            return Err(cx.error(format!(
                "the LHS {:?} (adj_x {adj_x}) has {depth} columns to sum and the RHS {:?} (adj_y {adj_y}) {rhs_depth} rows: they must be equal",
                l.shape, r.shape
            )));
        }
        let len = batches.iter().product::<usize>() * rows * cols;
        if o.shape.len() < rank || o.len() != len {
            return Err(cx.tensor_error(
                o,
                format!(
                    "has shape {:?}; the product of {:?} and {:?} has {len} elements in rank {rank}",
                    o.shape, l.shape, r.shape
                ),
            ));
        }
        Ok(BatchMatMul {
            precision,
            lhs,
            rhs,
            output,
            shape: kernel::BatchMatMulShape {
                batches,
                lhs_strides: batch_strides(&ld),
                rhs_strides: batch_strides(&rd),
                rows,
                cols,
                depth,
                lhs_row_step,
                lhs_depth_step,
                rhs_depth_step,
                rhs_col_step,
            },
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let shape = self.shape.clone();
        match self.precision {
            Precision::Int8 => {
                let real = quant::effective_scale_per_tensor(
                    cx.scale(self.lhs),
                    cx.scale(self.rhs),
                    cx.scale(self.output),
                );
                let (multiplier, shift) = quant::quantize_multiplier(real);
                cx.check_shift(shift, "output requantization")?;
                let params = kernel::BatchMatMulI8 {
                    shape,
                    lhs_offset: -cx.zero_point(self.lhs),
                    rhs_offset: -cx.zero_point(self.rhs),
                    multiplier,
                    shift,
                    output_offset: cx.zero_point(self.output),
                };
                cx.call(
                    &kernels::batch_matmul_i8,
                    params,
                    &[self.lhs, self.rhs],
                    self.output,
                )
            }
            Precision::Int16 => {
                let real = quant::effective_scale_per_tensor(
                    cx.scale(self.lhs),
                    cx.scale(self.rhs),
                    cx.scale(self.output),
                );
                let (multiplier, shift) = quant::quantize_multiplier(real);
                // TFLite's int64 `MultiplyByQuantizedMultiplier` takes shifts from -31 to 7.
                if shift > 7 {
                    return Err(cx.error(format!(
                        "its output rescale (lhs scale x rhs scale / output scale = {real}) needs a left shift of {shift}; TFLM's int16 requantization takes at most 7"
                    )));
                }
                let params = kernel::BatchMatMulI16 {
                    shape,
                    multiplier,
                    shift,
                };
                cx.call(
                    &kernels::batch_matmul_i16,
                    params,
                    &[self.lhs, self.rhs],
                    self.output,
                )
            }
            Precision::Float32 => cx.call(
                &kernels::batch_matmul_f32,
                kernel::BatchMatMulF32 { shape },
                &[self.lhs, self.rhs],
                self.output,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_broadcast_ones() {
        assert_eq!(batch_strides(&extended(&[2, 1, 3, 4])), [0, 12, 0]);
        assert_eq!(batch_strides(&extended(&[3, 4])), [0, 0, 0]);
        assert_eq!(batch_strides(&[2, 3, 5, 4, 6]), [360, 120, 24]);
    }
}
