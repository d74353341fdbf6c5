//! The reductions over adjacent axes, int8 and float32: MEAN and SUM (int8 through TFLM's
//! integer `QuantizedMeanOrSum`), REDUCE_MAX and REDUCE_MIN (TFLM's `ReduceGeneric`).

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::reduce::{MeanI8Params, mean_i8_params, sum_i8_params};

use crate::tflite::options_table;

use super::shape::axis;
use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of MEAN and the other reductions.
    ReducerOptions = 27 {
        /// Keep reduced dimensions as size 1.
        keep_dims: bool = 0,
    }
);

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// MEAN.
    Mean,
    /// SUM.
    Sum,
    /// REDUCE_MAX.
    Max,
    /// REDUCE_MIN.
    Min,
}

/// A checked reduction over the middle of `[outer, reduced, inner]`. `keep_dims` (in the
/// options) only changes the output's shape, which the checks compare with the reduction.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduce {
    /// What it computes.
    pub reduction: Reduction,
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// Product of the dimensions before the reduced ones.
    pub outer: usize,
    /// Product of the reduced dimensions.
    pub reduced: usize,
    /// Product of the dimensions after them.
    pub inner: usize,
    /// int8 MEAN's and SUM's constants, computed when checked.
    pub int8: Option<MeanI8Params>,
}

impl Operator for Reduce {
    const NAMES: &'static [&'static str] = &["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let reduction = match cx.op.name.as_str() {
            "SUM" => Reduction::Sum,
            "REDUCE_MAX" => Reduction::Max,
            "REDUCE_MIN" => Reduction::Min,
            _ => Reduction::Mean,
        };
        // Read (and so verified) even though the output's shape already says what it states.
        cx.options::<ReducerOptions>()?;
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        // TFLM's MEAN and SUM take int16 (int16x8 quantization); REDUCE_MAX and REDUCE_MIN do
        // not (its `EvalMinMaxHelper` takes float32 and int8 only).
        let precision = if matches!(reduction, Reduction::Mean | Reduction::Sum) {
            cx.precision_int16x8(input, output)?
        } else {
            cx.precision(input, output)?
        };
        let shape = &cx.tensor(input).shape;
        // TFLM's `PrepareSimple`, which every reduction's Prepare calls (MEAN's too), takes
        // INT32 axes only.
        let axes_tensor = cx.input(1, "axes")?;
        cx.constant(axes_tensor, ElementType::Int32, "axes")?;
        let raw_axes = cx.indices(1, "axes")?;
        // TFLM copies every entry into its 4-entry `MeanParams::axis`: more would overflow it.
        if reduction == Reduction::Mean && raw_axes.len() > 4 {
            return Err(cx.error(format!(
                "the axes tensor has {} entries; TFLM's MEAN holds at most 4",
                raw_axes.len()
            )));
        }
        let mut axes: Vec<usize> = Vec::new();
        for raw in raw_axes {
            let a = axis(raw, shape.len())
                .ok_or_else(|| cx.error(format!("axis {raw} is outside rank {}", shape.len())))?;
            if !axes.contains(&a) {
                axes.push(a);
            }
        }
        axes.sort_unstable();
        let (Some(&first), Some(&last)) = (axes.first(), axes.last()) else {
            return Err(cx.error("no axes to reduce"));
        };
        if last - first + 1 != axes.len() {
            return Err(cx.error(format!(
                "reducing non-adjacent axes {axes:?} is not supported"
            )));
        }
        let outer: usize = shape[..first].iter().product();
        let reduced: usize = shape[first..=last].iter().product();
        let inner: usize = shape[last + 1..].iter().product();
        if cx.tensor(output).len() != outer * inner {
            return Err(cx.error(format!(
                "output shape {:?} does not fit the reduction of {shape:?} over {axes:?}",
                cx.tensor(output).shape
            )));
        }
        let quantization = (
            cx.scale(input),
            cx.zero_point(input),
            cx.scale(output),
            cx.zero_point(output),
        );
        let int8 = match (precision, reduction) {
            (Precision::Float32, _) => None,
            (Precision::Int8, Reduction::Mean | Reduction::Sum)
            | (Precision::Int16, Reduction::Mean | Reduction::Sum) => {
                let (input_scale, input_zero_point, output_scale, output_zero_point) = quantization;
                let derive = if reduction == Reduction::Sum {
                    sum_i8_params
                } else {
                    mean_i8_params
                };
                let p = derive(
                    input_scale,
                    input_zero_point,
                    output_scale,
                    output_zero_point,
                    reduced,
                );
                cx.check_shift(p.shift, "output requantization")?;
                Some(p)
            }
            (Precision::Int8, Reduction::Max | Reduction::Min) => {
                // TFLM's `EvalMinMaxHelper` compares raw values and so insists on one
                // quantization (scales compared as doubles, zero points as integers).
                let (input_scale, input_zero_point, output_scale, output_zero_point) = quantization;
                if f64::from(input_scale) != f64::from(output_scale)
                    || input_zero_point != output_zero_point
                {
                    return Err(cx.error(format!(
                        "int8 output quantization (scale {output_scale}, zero point {output_zero_point}) differs from the input's (scale {input_scale}, zero point {input_zero_point}); TFLM requires them equal: requantize after the reduction instead"
                    )));
                }
                None
            }
            (Precision::Int16, _) => {
                return Err(cx.error("only MEAN and SUM take INT16 (a bug in embedml)"));
            }
        };
        Ok(Reduce {
            reduction,
            precision,
            input,
            output,
            outer,
            reduced,
            inner,
            int8,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (outer, reduced, inner) = (self.outer, self.reduced, self.inner);
        let shape = kernel::ReduceShape {
            outer,
            reduced,
            inner,
        };
        let io = (&[self.input][..], self.output);
        match (self.reduction, self.precision) {
            (Reduction::Max, Precision::Int8) => {
                return cx.call(&kernels::reduce_max_i8, shape, io.0, io.1);
            }
            (Reduction::Min, Precision::Int8) => {
                return cx.call(&kernels::reduce_min_i8, shape, io.0, io.1);
            }
            (Reduction::Max, Precision::Float32) => {
                return cx.call(&kernels::reduce_max_f32, shape, io.0, io.1);
            }
            (Reduction::Min, Precision::Float32) => {
                return cx.call(&kernels::reduce_min_f32, shape, io.0, io.1);
            }
            (Reduction::Sum, Precision::Float32) => {
                return cx.call(&kernels::sum_f32, shape, io.0, io.1);
            }
            // int8 and int16 SUM run MEAN's kernel with their own constants.
            (Reduction::Mean, _) | (Reduction::Sum, Precision::Int8 | Precision::Int16) => {}
            (_, Precision::Int16) => {
                return Err(cx.error("only MEAN and SUM take INT16 (a bug in embedml)"));
            }
        }
        match self.int8 {
            Some(p) => {
                let params = kernel::MeanI8 {
                    outer,
                    reduced,
                    inner,
                    sum_offset: p.sum_offset,
                    multiplier: p.multiplier,
                    shift: p.shift,
                    output_offset: p.output_offset,
                };
                let kernel = if self.precision == Precision::Int16 {
                    &kernels::mean_i16
                } else {
                    &kernels::mean_i8
                };
                cx.call(kernel, params, &[self.input], self.output)
            }
            None => {
                let params = kernel::MeanF32 {
                    outer,
                    reduced,
                    inner,
                };
                cx.call(&kernels::mean_f32, params, &[self.input], self.output)
            }
        }
    }
}
