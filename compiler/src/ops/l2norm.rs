//! L2_NORMALIZATION over the innermost dimension: int8 (TFLM's fixed-point algorithm; output
//! scale 1/128, zero point 0) and float32.

use crate::error::Error;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::{Check, Lower, Operator, Precision, options};

options_table!(
    /// Options of L2_NORMALIZATION.
    L2NormOptions = 12 {
        /// Fused activation (TFLM supports none).
        fused_activation_function: i8 = 0,
    }
);

/// A checked L2_NORMALIZATION.
#[derive(Clone, Debug, PartialEq)]
pub struct L2Norm {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// Elements per row.
    pub depth: usize,
}

impl Operator for L2Norm {
    const NAMES: &'static [&'static str] = &["L2_NORMALIZATION"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let code = cx
            .options::<L2NormOptions>()?
            .and_then(|o| o.fused_activation_function());
        let activation = options::activation(code).map_err(|e| cx.error(e))?;
        if activation != crate::quant::Activation::None {
            return Err(cx.error(format!(
                "fused activation {activation:?} is not supported (TFLM's L2_NORMALIZATION takes none)"
            )));
        }
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let precision = cx.precision(input, output)?;
        cx.rank_at_most_4(input)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if i.shape != o.shape {
            return Err(cx.error(format!(
                "input {:?} and output {:?} differ in shape",
                i.shape, o.shape
            )));
        }
        // TFLM's kernel writes units of 1/128 around 0 whatever the output says (its Prepare
        // does not check); another output quantization would be misread, so refuse it.
        if precision == Precision::Int8 && o.scale_and_zero_point() != Some((1.0 / 128.0, 0)) {
            return Err(cx.tensor_error(
                o,
                "an INT8 L2_NORMALIZATION output must have scale 1/128 and zero point 0 \
                 (TFLM's kernel writes that format whatever the output's quantization)",
            ));
        }
        Ok(L2Norm {
            precision,
            input,
            output,
            depth: i.shape.last().copied().unwrap_or(1),
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (input, output, depth) = (self.input, self.output, self.depth);
        match self.precision {
            Precision::Int16 => Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                let params = kernel::L2NormI8 {
                    input_zero_point: cx.zero_point(input),
                    depth,
                };
                cx.call(&kernels::l2_normalization_i8, params, &[input], output)
            }
            Precision::Float32 => cx.call(
                &kernels::l2_normalization_f32,
                kernel::L2NormF32 { depth },
                &[input],
                output,
            ),
        }
    }
}
