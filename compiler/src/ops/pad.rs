//! PAD: zeros around the input (the zero point for int8), shapes up to rank 4.

use crate::error::Error;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::shape::{pad4, strides};
use super::{Check, Lower, Operator, Precision};

/// A checked PAD, shapes padded to rank 4.
#[derive(Clone, Debug, PartialEq)]
pub struct Pad {
    /// Number type.
    pub precision: Precision,
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
}

impl Operator for Pad {
    const NAMES: &'static [&'static str] = &["PAD"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let (input, output, precision) = cx.data_movement()?;
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
        Ok(Pad {
            precision,
            input,
            output,
            input_shape: pad4(shape, 1),
            output_shape: pad4(&out, 1),
            before: pad4(&before, 0),
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
        match self.precision {
            Precision::Int8 => {
                let params = kernel::Pad4I8 {
                    input_shape,
                    output_strides,
                    start,
                    // TFLM pads int8 with the output's zero point: a real zero.
                    value: cx.zero_point(output) as i8,
                };
                cx.call(&kernels::pad4_i8, params, &[input], output)
            }
            Precision::Float32 => {
                let params = kernel::Pad4F32 {
                    input_shape,
                    output_strides,
                    start,
                    value: 0.0,
                };
                cx.call(&kernels::pad4_f32, params, &[input], output)
            }
        }
    }
}
