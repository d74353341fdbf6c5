//! ADD_N: the element-wise sum of two or more tensors of one shape, int8 (inputs sharing one
//! quantization, TFLM's rescaled sum) or float32.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::accumulate::accumulate_params;

use super::{Check, Lower, Operator, Precision};

/// A checked ADD_N.
#[derive(Clone, Debug, PartialEq)]
pub struct AddN {
    /// Number type.
    pub precision: Precision,
    /// The inputs, in order.
    pub inputs: Vec<usize>,
    /// Output.
    pub output: usize,
}

impl Operator for AddN {
    const NAMES: &'static [&'static str] = &["ADD_N"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let inputs: Vec<usize> = (0..cx.op.inputs.len())
            .map(|i| cx.input(i, "summand"))
            .collect::<Result<_, _>>()?;
        if inputs.len() < 2 {
            return Err(cx.error(format!(
                "has {} inputs; TFLM's ADD_N takes at least 2",
                inputs.len()
            )));
        }
        let output = cx.output()?;
        let first = inputs[0];
        let precision = match cx.tensor(first).element_type {
            ElementType::Int8 => Precision::Int8,
            ElementType::Float32 => Precision::Float32,
            other => {
                return Err(cx.error(format!(
                    "{} inputs are not supported (TFLM's ADD_N takes FLOAT32 or INT8)",
                    other.name()
                )));
            }
        };
        let shape = &cx.tensor(first).shape;
        for &t in &inputs {
            let tensor = cx.tensor(t);
            if tensor.element_type != cx.tensor(first).element_type || &tensor.shape != shape {
                return Err(cx.tensor_error(
                    tensor,
                    format!(
                        "is {} {:?}; every ADD_N input must have the first's type and shape \
                         ({} {shape:?})",
                        tensor.element_type.name(),
                        tensor.shape,
                        cx.tensor(first).element_type.name()
                    ),
                ));
            }
        }
        if inputs.iter().all(|&t| cx.tensor(t).data.is_some()) {
            return Err(cx.error("every input is constant; nothing to compute at run time"));
        }
        let o = cx.tensor(output);
        if o.element_type != cx.tensor(first).element_type || &o.shape != shape {
            return Err(cx.tensor_error(
                o,
                format!(
                    "the output is {} {:?}; it must have the inputs' type and shape",
                    o.element_type.name(),
                    o.shape
                ),
            ));
        }
        if precision == Precision::Int8 {
            cx.per_tensor_quantized(o)?;
            for &t in &inputs {
                cx.per_tensor_quantized(cx.tensor(t))?;
                // TFLM's Prepare: one zero point and scale for every input.
                if cx.tensor(t).scale_and_zero_point() != cx.tensor(first).scale_and_zero_point() {
                    return Err(cx.tensor_error(
                        cx.tensor(t),
                        "every INT8 ADD_N input must have the first's scale and zero point",
                    ));
                }
            }
            accumulate_params(cx.scale(first), cx.scale(output)).map_err(|e| cx.error(e))?;
        }
        Ok(AddN {
            precision,
            inputs,
            output,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        match self.precision {
            Precision::Int16 => Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                let first = self.inputs[0];
                let params = accumulate_i8(cx, first, self.output)?;
                cx.call(&kernels::add_n_i8, params, &self.inputs, self.output)
            }
            Precision::Float32 => cx.call(
                &kernels::add_n_f32,
                kernel::NoParams {},
                &self.inputs,
                self.output,
            ),
        }
    }
}

/// The int8 rescalings of an ADD_N or CUMSUM from `input`'s quantization to `output`'s.
pub(super) fn accumulate_i8(
    cx: &Lower,
    input: usize,
    output: usize,
) -> Result<kernel::AccumulateI8, Error> {
    let [
        input_multiplier,
        input_shift,
        output_multiplier,
        output_shift,
    ] = accumulate_params(cx.scale(input), cx.scale(output)).map_err(|e| cx.error(e))?;
    Ok(kernel::AccumulateI8 {
        input_offset: -cx.zero_point(input),
        input_multiplier,
        input_shift,
        output_multiplier,
        output_shift,
        output_offset: cx.zero_point(output),
    })
}
