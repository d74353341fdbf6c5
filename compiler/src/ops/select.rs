//! SELECT_V2: `condition ? x : y` element by element, with a BOOL condition and int8, int16 or
//! float32 values, the three inputs broadcasting (rank at most 4) as TFLM's `BroadcastSelect5DSlow`.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::shape::{MAX_RANK, pad4, strides};
use super::{Check, Lower, Operator, Precision};

/// A checked SELECT_V2.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectV2 {
    /// The values' number type.
    pub precision: Precision,
    /// Condition (BOOL), values where it holds, values where it does not.
    pub inputs: [usize; 3],
    /// Output.
    pub output: usize,
    /// How the inputs map onto the output when their shapes differ.
    pub broadcast: Option<kernel::Select4>,
}

/// The strides of `shape` (padded to rank 4) over the output, 0 along its dimensions of extent
/// 1.
fn broadcast_strides(shape: &[usize]) -> [usize; 4] {
    let padded = pad4(shape, 1);
    let row_major = strides(&padded);
    std::array::from_fn(|d| if padded[d] == 1 { 0 } else { row_major[d] })
}

impl Operator for SelectV2 {
    const NAMES: &'static [&'static str] = &["SELECT_V2"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let condition = cx.input(0, "condition")?;
        let x = cx.input(1, "values where true")?;
        let y = cx.input(2, "values where false")?;
        let output = cx.output()?;
        let condition_type = cx.tensor(condition).element_type;
        if condition_type != ElementType::Bool {
            return Err(cx.error(format!(
                "the condition has type {}; TFLM requires BOOL",
                condition_type.name()
            )));
        }
        let types = [x, y, output].map(|t| cx.tensor(t).element_type);
        let precision = match types {
            [ElementType::Int8, ElementType::Int8, ElementType::Int8] => Precision::Int8,
            [ElementType::Int16, ElementType::Int16, ElementType::Int16] => Precision::Int16,
            [
                ElementType::Float32,
                ElementType::Float32,
                ElementType::Float32,
            ] => Precision::Float32,
            [a, b, c] => {
                return Err(cx.error(format!(
                    "{} and {} values with {} output are not supported (INT8, INT16 or FLOAT32 throughout)",
                    a.name(),
                    b.name(),
                    c.name()
                )));
            }
        };
        // TFLM copies the values' bytes whatever their scales, and so does the kernel; the
        // converter gives x, y and the output one scale. int16: per tensor, zero point 0.
        if precision == Precision::Int16 {
            cx.copy_quantization(x, output)?;
            cx.copy_quantization(y, output)?;
        }
        let inputs = [condition, x, y];
        let shapes = inputs.map(|t| cx.tensor(t).shape.clone());
        let output_shape = &cx.tensor(output).shape;
        if shapes
            .iter()
            .chain([output_shape])
            .any(|s| s.len() > MAX_RANK)
        {
            return Err(cx.error(format!(
                "a rank above {MAX_RANK} is not supported (shapes {shapes:?}, output {output_shape:?})"
            )));
        }
        let all_one = shapes
            .iter()
            .chain([output_shape])
            .all(|s| s.iter().product::<usize>() == 1);
        let same = shapes.iter().all(|s| s == output_shape);
        let broadcast = if same || all_one {
            None
        } else {
            // TFLM's CheckBroadcastShape: the output has the largest rank, and in each
            // dimension every input is 1 or the output's extent.
            let rank = shapes.iter().map(Vec::len).max().unwrap_or(0);
            let padded_output = pad4(output_shape, 1);
            let fits = output_shape.len() == rank
                && shapes.iter().all(|s| {
                    pad4(s, 1)
                        .iter()
                        .zip(&padded_output)
                        .all(|(&d, &o)| d == 1 || d == o)
                })
                && (0..MAX_RANK).all(|d| {
                    let largest = shapes.iter().map(|s| pad4(s, 1)[d]).max().unwrap_or(1);
                    let zero = shapes.iter().any(|s| pad4(s, 1)[d] == 0);
                    padded_output[d] == if zero { 0 } else { largest }
                });
            if !fits {
                return Err(cx.error(format!(
                    "inputs {shapes:?} do not broadcast to the output {output_shape:?}"
                )));
            }
            Some(kernel::Select4 {
                output_shape: padded_output,
                condition_strides: broadcast_strides(&shapes[0]),
                x_strides: broadcast_strides(&shapes[1]),
                y_strides: broadcast_strides(&shapes[2]),
            })
        };
        Ok(SelectV2 {
            precision,
            inputs,
            output,
            broadcast,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Select {
            broadcast: self.broadcast.clone(),
        };
        let kernel = match self.precision {
            Precision::Int16 => &kernels::select_i16,
            Precision::Int8 => &kernels::select_i8,
            Precision::Float32 => &kernels::select_f32,
        };
        cx.call(kernel, params, &self.inputs, self.output)
    }
}
