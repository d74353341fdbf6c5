//! CONCATENATION along one axis, any number of inputs (constant or computed); every element type
//! TFLM's kernel takes (see the `copy` module), int8 and int16 with one quantization throughout.

use crate::error::Error;
use crate::kernel::{self, Element, Slice};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::Activation;
use crate::tflite::options_table;

use super::shape::axis;
use super::{Check, Lower, Operator, copy, options};

options_table!(
    /// Options of CONCATENATION.
    ConcatenationOptions = 10 {
        /// The axis to join along; negative counts from the end.
        axis: i32 = 0,
        /// Fused activation.
        fused_activation_function: i8 = 1,
    }
);

/// A checked CONCATENATION, as `outer` blocks made of `sizes[k]` elements of each input k.
#[derive(Clone, Debug, PartialEq)]
pub struct Concatenation {
    /// Element type.
    pub element: Element,
    /// Inputs, in order.
    pub inputs: Vec<usize>,
    /// Output.
    pub output: usize,
    /// Blocks before the axis.
    pub outer: usize,
    /// Elements of each input per block.
    pub sizes: Vec<usize>,
}

/// The most inputs TFLM's CONCATENATION takes.
const MAX_INPUTS: usize = 10;

impl Operator for Concatenation {
    const NAMES: &'static [&'static str] = &["CONCATENATION"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: ConcatenationOptions = cx.required_options()?;
        let raw_axis = o.axis().unwrap_or(0);
        let activation =
            options::activation(o.fused_activation_function()).map_err(|e| cx.error(e))?;
        let output = cx.output()?;
        if activation != Activation::None {
            return Err(cx.error("a fused activation on CONCATENATION is not supported"));
        }
        let inputs: Vec<usize> = cx.op.inputs.iter().flatten().copied().collect();
        if inputs.is_empty() || inputs.len() != cx.op.inputs.len() {
            return Err(cx.error("every input must be present"));
        }
        // TFLM's kernel holds at most 10 inputs (`kMaxInputNum`); its Prepare refuses more.
        if inputs.len() > MAX_INPUTS {
            return Err(cx.error(format!(
                "has {} inputs; TFLM concatenates at most {MAX_INPUTS} (split it into several CONCATENATIONs)",
                inputs.len()
            )));
        }
        let out = cx.tensor(output);
        let element = super::lower::element(out.element_type)
            .ok()
            .filter(|e| copy::CONCATENATION.contains(e))
            .ok_or_else(|| {
                let names: Vec<&str> = copy::CONCATENATION
                    .iter()
                    .map(|&e| copy::type_name(e))
                    .collect();
                cx.error(format!(
                    "{} tensors are not supported (TFLM's kernel takes {})",
                    out.element_type.name(),
                    names.join(", ")
                ))
            })?;
        let rank = out.shape.len();
        let axis = axis(i64::from(raw_axis), rank)
            .ok_or_else(|| cx.error(format!("axis {raw_axis} is outside rank {rank}")))?;
        let mut axis_total = 0;
        for &t in &inputs {
            let tensor = cx.tensor(t);
            let fits = tensor.element_type == out.element_type
                && tensor.shape.len() == rank
                && tensor
                    .shape
                    .iter()
                    .zip(&out.shape)
                    .enumerate()
                    .all(|(d, (a, b))| d == axis || a == b);
            if !fits {
                return Err(cx.tensor_error(
                    tensor,
                    format!(
                        "shape {:?} does not fit output {:?} along axis {axis}",
                        tensor.shape, out.shape
                    ),
                ));
            }
            cx.copy_quantization(t, output)?;
            // TFLM's Prepare requires one quantization for int8 only (int16 needs zero point 0).
            if tensor.element_type == crate::ir::ElementType::Int8 {
                cx.same_quantization(t, output)?;
            }
            axis_total += tensor.shape[axis];
        }
        if axis_total != out.shape[axis] {
            return Err(cx.error(format!(
                "inputs add up to {axis_total} along axis {axis}, the output has {}",
                out.shape[axis]
            )));
        }
        Ok(Concatenation {
            element,
            outer: out.shape[..axis].iter().product(),
            sizes: inputs
                .iter()
                .map(|&t| cx.tensor(t).shape[axis..].iter().product())
                .collect(),
            inputs,
            output,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Concatenation {
            outer: self.outer,
            sizes: Slice(self.sizes.clone()),
        };
        let kernel = copy::concatenation(self.element).map_err(|e| cx.error(e))?;
        cx.call(kernel, params, &self.inputs, self.output)
    }
}
