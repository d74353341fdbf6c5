//! PAD and PADV2: a constant around the input, shapes up to rank 4, int8, int16, int32 and
//! float32 (TFLM's types). PAD's is zero (the zero point for int8); PADV2's is its third input,
//! which embedml needs constant.

use crate::error::Error;
use crate::kernel::{self, Element, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::shape::{pad4, strides};
use super::{Check, Lower, Operator, copy};

/// A checked PAD, shapes padded to rank 4.
#[derive(Clone, Debug, PartialEq)]
pub struct Pad {
    /// Element type.
    pub element: Element,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The input's shape.
    pub input_shape: [usize; 4],
    /// The output's shape.
    pub output_shape: [usize; 4],
    /// Elements added before the input in each dimension.
    pub before: [usize; 4],
    /// The padding value's constant tensor (PADV2's third input), if there is one.
    pub constant: Option<usize>,
}

impl Operator for Pad {
    const NAMES: &'static [&'static str] = &["PAD", "PADV2"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let (input, output, element) = cx.data_movement_of(copy::PAD)?;
        let shape = &cx.tensor(input).shape;
        let paddings = cx.indices(1, "paddings")?;
        if paddings.len() != 2 * shape.len()
            || paddings.iter().any(|&p| !(0..=1 << 24).contains(&p))
        {
            return Err(cx.error(format!(
                "paddings {paddings:?} do not fit input shape {shape:?}"
            )));
        }
        let before: Vec<usize> = paddings.iter().step_by(2).map(|&p| p as usize).collect();
        let out: Vec<usize> = shape
            .iter()
            .zip(paddings.chunks_exact(2))
            .map(|(&d, p)| d + p[0] as usize + p[1] as usize)
            .collect();
        if out != cx.tensor(output).shape {
            return Err(cx.error(format!(
                "output shape {:?} is not the padded input shape {out:?}",
                cx.tensor(output).shape
            )));
        }
        let constant = match cx.op.input(2) {
            Some(t) => Some(padding_value(cx, t, input, output, element)?),
            None => None,
        };
        Ok(Pad {
            element,
            input,
            output,
            input_shape: pad4(shape, 1),
            output_shape: pad4(&out, 1),
            before: pad4(&before, 0),
            constant,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let output_strides = pad4(&strides(&self.output_shape), 1);
        let start = self
            .before
            .iter()
            .zip(output_strides)
            .map(|(b, s)| b * s)
            .sum();
        let (input_shape, input, output) = (self.input_shape, self.input, self.output);
        match self.element {
            Element::I8 => {
                let params = kernel::Pad4I8 {
                    input_shape,
                    output_strides,
                    start,
                    // TFLM pads int8 with the constant's raw value (same quantization as the
                    // output), or without one the output's zero point: a real zero.
                    value: match self.constant {
                        Some(t) => cx.tensor(t).i8s().first().copied().unwrap_or(0),
                        None => cx.zero_point(output) as i8,
                    },
                };
                cx.call(&kernels::pad4_i8, params, &[input], output)
            }
            Element::I16 => {
                // TFLM pads int16 with the constant's raw value or 0 (int16 zero points are 0).
                let params = kernel::Pad4I16 {
                    input_shape,
                    output_strides,
                    start,
                    value: match self.constant {
                        Some(t) => cx.tensor(t).i16s().first().copied().unwrap_or(0),
                        None => 0,
                    },
                };
                cx.call(&kernels::pad4_i16, params, &[input], output)
            }
            Element::I32 => {
                let params = kernel::Pad4I32 {
                    input_shape,
                    output_strides,
                    start,
                    value: match self.constant {
                        Some(t) => cx.tensor(t).i32s().first().copied().unwrap_or(0),
                        None => 0,
                    },
                };
                cx.call(&kernels::pad4_i32, params, &[input], output)
            }
            Element::F32 => {
                let params = kernel::Pad4F32 {
                    input_shape,
                    output_strides,
                    start,
                    value: match self.constant {
                        Some(t) => cx.tensor(t).f32s().first().copied().unwrap_or(0.0),
                        None => 0.0,
                    },
                };
                cx.call(&kernels::pad4_f32, params, &[input], output)
            }
            other => Err(cx.error(format!(
                "no PAD kernel for {} (a bug in embedml)",
                copy::type_name(other)
            ))),
        }
    }
}

/// PADV2's padding value: a constant scalar of the input's type, for int8 quantized like the
/// output (TFLM checks both zero point and scale) so that its raw value is copied. TFLM also
/// reads a computed one at run time; embedml needs it at build time.
fn padding_value(
    cx: &Check,
    t: usize,
    input: usize,
    output: usize,
    element: Element,
) -> Result<usize, Error> {
    cx.constant(t, cx.tensor(input).element_type, "padding value")?;
    let value = cx.tensor(t);
    if value.len() != 1 {
        return Err(cx.tensor_error(
            value,
            format!(
                "the padding value has shape {:?}; TFLM needs one element",
                value.shape
            ),
        ));
    }
    if element == Element::I8 {
        let (v, o) = (
            value.scale_and_zero_point(),
            cx.tensor(output).scale_and_zero_point(),
        );
        if v != o {
            return Err(cx.tensor_error(
                value,
                format!(
                    "the padding value's {} differ from the output's {}; TFLM needs them equal",
                    super::check::describe_quantization(value),
                    super::check::describe_quantization(cx.tensor(output))
                ),
            ));
        }
    }
    Ok(t)
}
