//! ARG_MAX and ARG_MIN: the index of the largest (smallest) value along one axis, int8 or
//! float32 in, int32 out, as TFLM's `ArgMinMax` (the first such index).

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::shape::axis;
use super::{Check, Lower, Operator, Precision};

/// A checked ARG_MAX or ARG_MIN.
#[derive(Clone, Debug, PartialEq)]
pub struct ArgMinMax {
    /// ARG_MAX (else ARG_MIN).
    pub max: bool,
    /// The input's number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output (INT32).
    pub output: usize,
    /// The input seen as `[outer, axis, inner]`.
    pub params: kernel::ArgMinMax,
}

impl Operator for ArgMinMax {
    const NAMES: &'static [&'static str] = &["ARG_MAX", "ARG_MIN"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let axis_tensor = cx.input(1, "axis")?;
        let output = cx.output()?;
        let precision = match cx.tensor(input).element_type {
            ElementType::Int8 => Precision::Int8,
            ElementType::Float32 => Precision::Float32,
            other => {
                return Err(cx.error(format!(
                    "{} input is not supported (TFLM takes INT8 or FLOAT32)",
                    other.name()
                )));
            }
        };
        let output_type = cx.tensor(output).element_type;
        if output_type != ElementType::Int32 {
            return Err(cx.error(format!(
                "{} output is not supported (TFLM writes INT32 only: convert with output_type=tf.int32)",
                output_type.name()
            )));
        }
        // TFLM reads the axis at run time, as INT32 only; embedml needs it constant.
        cx.constant(axis_tensor, ElementType::Int32, "axis")?;
        let raw = match cx.indices(1, "axis")?.as_slice() {
            [raw] => *raw,
            other => {
                return Err(cx.error(format!("the axis has {} values; expected 1", other.len())));
            }
        };
        let shape = &cx.tensor(input).shape;
        let Some(axis) = axis(raw, shape.len()) else {
            return Err(cx.error(format!(
                "axis {raw} is outside the input's rank {}",
                shape.len()
            )));
        };
        let (outer, inner) = (
            shape[..axis].iter().product::<usize>(),
            shape[axis + 1..].iter().product::<usize>(),
        );
        let expected: Vec<usize> = shape[..axis]
            .iter()
            .chain(&shape[axis + 1..])
            .copied()
            .collect();
        if cx.tensor(output).shape != expected {
            return Err(cx.error(format!(
                "the output's shape {:?} is not the input's {shape:?} without axis {axis}",
                cx.tensor(output).shape
            )));
        }
        Ok(ArgMinMax {
            max: cx.op.name == "ARG_MAX",
            precision,
            input,
            output,
            params: kernel::ArgMinMax {
                outer,
                axis: shape[axis],
                inner,
            },
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let kernel = match (self.max, self.precision) {
            (_, Precision::Int16) => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            (true, Precision::Int8) => &kernels::arg_max_i8,
            (false, Precision::Int8) => &kernels::arg_min_i8,
            (true, Precision::Float32) => &kernels::arg_max_f32,
            (false, Precision::Float32) => &kernels::arg_min_f32,
        };
        cx.call(kernel, self.params.clone(), &[self.input], self.output)
    }
}
