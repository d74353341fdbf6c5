//! TRANSPOSE_CONV: int8 (per-channel or per-tensor weights, int32 bias) and float32, with or
//! without a bias, SAME or VALID, any strides.
//!
//! Its operands are TFLite's: the output shape (which TFLM ignores, taking the output tensor's),
//! the filter `[output_depth][filter_height][filter_width][input_depth]`, the input, and an
//! optional bias. TFLM computes the padding from the output's size as for a convolution from
//! the output back to the input.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Constant, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::{self, Activation};
use crate::tflite::options_table;

use super::lower::ScaleRounding;
use super::{Check, Lower, Operator, Padding, Precision, options};

options_table!(
    /// Options of TRANSPOSE_CONV.
    TransposeConvOptions = 49 {
        /// 0 = SAME, 1 = VALID.
        padding: i8 = 0,
        /// Column stride.
        stride_w: i32 = 1,
        /// Row stride.
        stride_h: i32 = 2,
        /// Fused activation (version 4 on; absent means none).
        fused_activation_function: i8 = 3,
    }
);

/// A checked TRANSPOSE_CONV.
#[derive(Clone, Debug, PartialEq)]
pub struct TransposeConv {
    /// Number type.
    pub precision: Precision,
    /// Activation input.
    pub input: usize,
    /// Constant filter.
    pub filter: usize,
    /// Constant bias, if any.
    pub bias: Option<usize>,
    /// Output.
    pub output: usize,
    /// Shapes, strides and padding (dilations 1).
    pub geometry: kernel::Conv2dGeometry,
    /// Fused activation.
    pub activation: Activation,
}

/// TFLM's `ComputePaddingHeightWidth` for one axis of a transpose convolution: the padding of a
/// convolution with this filter and stride from `size` (the transpose convolution's output)
/// back, in TFLM's integer arithmetic.
fn padding(padding: Padding, size: usize, filter: usize, stride: usize) -> usize {
    let (size, filter, stride) = (size as i64, filter as i64, stride as i64);
    // Division truncates toward zero, as C++'s.
    let out = match padding {
        Padding::Same => (size + stride - 1) / stride,
        Padding::Valid => (size + stride - filter) / stride,
    };
    let total = ((out - 1) * stride + filter - size).max(0);
    (total / 2) as usize
}

impl Operator for TransposeConv {
    const NAMES: &'static [&'static str] = &["TRANSPOSE_CONV"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: TransposeConvOptions = cx.required_options()?;
        let pad_mode = options::padding(o.padding()).map_err(|e| cx.error(e))?;
        // TFLM keeps strides in 16 bits (`ConvParams`).
        let stride = [
            options::tflm_i16("stride_h", o.stride_h()).map_err(|e| cx.error(e))?,
            options::tflm_i16("stride_w", o.stride_w()).map_err(|e| cx.error(e))?,
        ];
        let activation =
            options::activation(o.fused_activation_function()).map_err(|e| cx.error(e))?;
        if !matches!(cx.op.inputs.len(), 3 | 4) {
            return Err(cx.error(format!(
                "has {} inputs; TFLM takes 3 (output shape, filter, input) or 4 (and a bias)",
                cx.op.inputs.len()
            )));
        }
        cx.input(0, "output shape")?;
        let filter = cx.input(1, "filter")?;
        let input = cx.input(2, "input")?;
        let output = cx.output()?;
        let precision = cx.precision_int16x8(input, output)?;
        cx.constant(filter, precision.weights_type(), "filter")?;
        let [batches, in_h, in_w, in_c] = cx.rank4(input)?;
        let [f_out, f_h, f_w, f_in] = cx.rank4(filter)?;
        let [out_n, out_h, out_w, out_c] = cx.rank4(output)?;
        if f_out != out_c || f_in != in_c || out_n != batches {
            return Err(cx.error(format!(
                "filter {:?} does not fit input {:?} and output {:?} (filter [output channels, height, width, input channels], batches equal)",
                cx.tensor(filter).shape,
                cx.tensor(input).shape,
                cx.tensor(output).shape
            )));
        }
        if precision != Precision::Float32 {
            cx.weight_quantization(filter, out_c, 0)?;
        }
        let bias = if precision == Precision::Int16 {
            // TFLM widens an INT16 bias and reads any other as INT64.
            cx.bias_int16x8(3, out_c, &[ElementType::Int64, ElementType::Int16])?
                .map(|(t, _)| t)
        } else {
            cx.bias(3, precision, out_c)?
        };
        let pads = [
            padding(pad_mode, out_h, f_h, stride[0]),
            padding(pad_mode, out_w, f_w, stride[1]),
        ];
        options::tflm_padding(pads).map_err(|e| cx.error(e))?;
        Ok(TransposeConv {
            precision,
            input,
            filter,
            bias,
            output,
            geometry: kernel::Conv2dGeometry {
                input_height: in_h,
                input_width: in_w,
                input_depth: in_c,
                output_height: out_h,
                output_width: out_w,
                output_depth: out_c,
                filter_height: f_h,
                filter_width: f_w,
                stride_height: stride[0],
                stride_width: stride[1],
                dilation_height: 1,
                dilation_width: 1,
                padding_height: pads[0],
                padding_width: pads[1],
            },
            activation,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        match self.precision {
            Precision::Int8 => {
                let out = cx.weighted_output(
                    self.input,
                    self.filter,
                    self.output,
                    self.geometry.output_depth,
                    self.activation,
                    ScaleRounding::Double,
                )?;
                let params = kernel::TransposeConvI8 {
                    geometry: self.geometry.clone(),
                    weights: Constant::new(self.filter),
                    bias: self.bias.map(Constant::new),
                    input_offset: -cx.zero_point(self.input),
                    requantize: out.requantize,
                    output_offset: out.output_offset,
                    output_min: out.output_min,
                    output_max: out.output_max,
                };
                cx.call(
                    &kernels::transpose_conv_i8,
                    params,
                    &[self.input],
                    self.output,
                )
            }
            Precision::Int16 => {
                let (requantize, output_min, output_max) = super::int16x8::weighted_output(
                    cx,
                    self.input,
                    self.filter,
                    self.output,
                    self.geometry.output_depth,
                    self.activation,
                    ScaleRounding::Double,
                    true,
                )?;
                let params = kernel::TransposeConvI16 {
                    geometry: self.geometry.clone(),
                    weights: Constant::new(self.filter),
                    bias: super::int16x8::bias_values(cx, self.bias, self.geometry.output_depth),
                    requantize,
                    output_min,
                    output_max,
                };
                cx.call(
                    &kernels::transpose_conv_i16,
                    params,
                    &[self.input],
                    self.output,
                )
            }
            Precision::Float32 => {
                let (output_min, output_max) = quant::activation_range_f32(self.activation);
                let params = kernel::TransposeConvF32 {
                    geometry: self.geometry.clone(),
                    weights: Constant::new(self.filter),
                    bias: self.bias.map(Constant::new),
                    output_min,
                    output_max,
                };
                cx.call(
                    &kernels::transpose_conv_f32,
                    params,
                    &[self.input],
                    self.output,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_as_tflm() {
        // Stride 2, 3x3 filter, SAME from 6: a convolution to 3 outputs pads 1 in all, after
        // the image, none in front.
        assert_eq!(padding(Padding::Same, 6, 3, 2), 0);
        assert_eq!(padding(Padding::Same, 8, 3, 2), 0);
        assert_eq!(padding(Padding::Same, 5, 3, 1), 1);
        assert_eq!(padding(Padding::Same, 6, 4, 2), 1);
        assert_eq!(padding(Padding::Valid, 7, 3, 2), 0);
    }
}
