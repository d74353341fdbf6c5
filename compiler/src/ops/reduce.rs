//! MEAN over adjacent axes: int8 (TFLM's integer algorithm) and float32.

use crate::error::Error;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::reduce::{MeanI8Params, mean_i8_params};

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

/// A checked MEAN over the middle of `[outer, reduced, inner]`. `keep_dims` (in the options)
/// only changes the output's shape, which the checks compare with the reduction.
#[derive(Clone, Debug, PartialEq)]
pub struct Mean {
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
    /// int8's constants, computed when checked.
    pub int8: Option<MeanI8Params>,
}

impl Operator for Mean {
    const NAMES: &'static [&'static str] = &["MEAN"];

    fn check(cx: &Check) -> Result<Self, Error> {
        // Read (and so verified) even though the output's shape already says what it states.
        cx.options::<ReducerOptions>()?;
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let precision = cx.precision(input, output)?;
        let shape = &cx.tensor(input).shape;
        let raw_axes = cx.indices(1, "axes")?;
        // TFLM copies every entry into its 4-entry `MeanParams::axis`: more would overflow it.
        if raw_axes.len() > 4 {
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
        let int8 = match precision {
            Precision::Int8 => {
                let p = mean_i8_params(
                    cx.scale(input),
                    cx.zero_point(input),
                    cx.scale(output),
                    cx.zero_point(output),
                    reduced,
                );
                cx.check_shift(p.shift, "output requantization")?;
                Some(p)
            }
            Precision::Float32 => None,
        };
        Ok(Mean {
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
                cx.call(&kernels::mean_i8, params, &[self.input], self.output)
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
