//! CUMSUM: running sums along one (constant) axis, inclusive or exclusive, forwards or reversed;
//! int8 (TFLM's rescaled sums) or float32.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::accumulate::accumulate_params;
use crate::tflite::options_table;

use super::add_n::accumulate_i8;
use super::shape::axis;
use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of CUMSUM.
    CumsumOptions = 102 {
        /// Each output excludes its own element.
        exclusive: bool = 0,
        /// Sums run from the end of the axis.
        reverse: bool = 1,
    }
);

/// A checked CUMSUM.
#[derive(Clone, Debug, PartialEq)]
pub struct Cumsum {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The shape seen along the axis, and the options.
    pub shape: kernel::CumsumShape,
}

impl Operator for Cumsum {
    const NAMES: &'static [&'static str] = &["CUMSUM"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options: Option<CumsumOptions> = cx.options()?;
        let exclusive = options
            .as_ref()
            .and_then(|o| o.exclusive())
            .unwrap_or(false);
        let reverse = options.as_ref().and_then(|o| o.reverse()).unwrap_or(false);
        let input = cx.input(0, "input")?;
        let axis_tensor = cx.input(1, "axis")?;
        let output = cx.output()?;
        let precision = cx.precision(input, output)?;
        // TFLM reads the axis at run time (INT32, one value); embedml needs it constant.
        cx.constant(axis_tensor, ElementType::Int32, "axis")?;
        let raw = match cx.indices(1, "axis")?.as_slice() {
            [raw] => *raw,
            other => {
                return Err(cx.error(format!("the axis has {} values; expected 1", other.len())));
            }
        };
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if i.shape != o.shape {
            return Err(cx.error(format!(
                "input {:?} and output {:?} differ in shape",
                i.shape, o.shape
            )));
        }
        let shape = &i.shape;
        if shape.is_empty() {
            return Err(cx.error("the input is a scalar; TFLM's CUMSUM needs rank 1 or more"));
        }
        let Some(axis) = axis(raw, shape.len()) else {
            return Err(cx.error(format!(
                "axis {raw} is outside the input's rank {} (TFLM fails at run time)",
                shape.len()
            )));
        };
        if precision == Precision::Int8 {
            accumulate_params(cx.scale(input), cx.scale(output)).map_err(|e| cx.error(e))?;
        }
        Ok(Cumsum {
            precision,
            input,
            output,
            shape: kernel::CumsumShape {
                outer: shape[..axis].iter().product(),
                depth: shape[axis],
                inner: shape[axis + 1..].iter().product(),
                exclusive,
                reverse,
            },
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        match self.precision {
            Precision::Int16 => Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                let params = kernel::CumsumI8 {
                    shape: self.shape.clone(),
                    scales: accumulate_i8(cx, self.input, self.output)?,
                };
                cx.call(&kernels::cumsum_i8, params, &[self.input], self.output)
            }
            Precision::Float32 => cx.call(
                &kernels::cumsum_f32,
                self.shape.clone(),
                &[self.input],
                self.output,
            ),
        }
    }
}
