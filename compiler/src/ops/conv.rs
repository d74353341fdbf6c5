//! CONV_2D and DEPTHWISE_CONV_2D: int8 (per-channel or per-tensor weights), int16x8 and
//! float32.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Constant, kernels};
use crate::plan::{Access, Overlap};
use crate::program::{KernelCall, Operand};
use crate::quant::{self, Activation};
use crate::tflite::options_table;

use super::lower::{ScaleRounding, WeightLayout, channel_records};
use super::{Check, Geometry, Lower, Operator, Padding, Precision, options, window};

options_table!(
    /// Options of CONV_2D.
    Conv2DOptions = 1 {
        /// 0 = SAME, 1 = VALID.
        padding: i8 = 0,
        /// Column stride.
        stride_w: i32 = 1,
        /// Row stride.
        stride_h: i32 = 2,
        /// Fused activation (`ActivationFunctionType`).
        fused_activation_function: i8 = 3,
        /// Column dilation (default 1).
        dilation_w_factor: i32 = 4,
        /// Row dilation (default 1).
        dilation_h_factor: i32 = 5,
        /// Bias and accumulator type when set (`TensorType`).
        quantized_bias_type: i8 = 6,
    }
);

options_table!(
    /// Options of DEPTHWISE_CONV_2D.
    DepthwiseConv2DOptions = 2 {
        /// 0 = SAME, 1 = VALID.
        padding: i8 = 0,
        /// Column stride.
        stride_w: i32 = 1,
        /// Row stride.
        stride_h: i32 = 2,
        /// Output channels per input channel (redundant with the shapes).
        depth_multiplier: i32 = 3,
        /// Fused activation.
        fused_activation_function: i8 = 4,
        /// Column dilation (default 1).
        dilation_w_factor: i32 = 5,
        /// Row dilation (default 1).
        dilation_h_factor: i32 = 6,
    }
);

/// What a convolution's options state.
struct Options {
    padding: Padding,
    stride: [usize; 2],
    dilation: [usize; 2],
    activation: Activation,
    /// CONV_2D's `quantized_bias_type`, if stated.
    bias_type: Option<i8>,
}

impl Options {
    fn read(
        padding: Option<i8>,
        stride: [Option<i32>; 2],
        dilation: [Option<i32>; 2],
        activation: Option<i8>,
    ) -> Result<Options, String> {
        Ok(Options {
            padding: options::padding(padding)?,
            // TFLM keeps these in 16 bits (`ConvParams`, `DepthwiseParams`).
            stride: [
                options::tflm_i16("stride_h", stride[0])?,
                options::tflm_i16("stride_w", stride[1])?,
            ],
            dilation: [
                options::tflm_i16("dilation_h_factor", dilation[0].or(Some(1)))?,
                options::tflm_i16("dilation_w_factor", dilation[1].or(Some(1)))?,
            ],
            activation: options::activation(activation)?,
            bias_type: None,
        })
    }
}

/// The tensors and geometry both convolutions check alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Convolution {
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
    /// Shapes, strides, padding.
    pub geometry: Geometry,
    /// Fused activation.
    pub activation: Activation,
    /// Images in the batch.
    pub batches: usize,
    /// int16x8 CONV_2D only: TFLM's 32-bit accumulator (an INT32 bias, or none with
    /// `quantized_bias_type` INT32) rather than its 64-bit one.
    pub int32_accumulator: bool,
}

/// A checked CONV_2D.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d(pub Convolution);

/// A checked DEPTHWISE_CONV_2D.
#[derive(Clone, Debug, PartialEq)]
pub struct DepthwiseConv2d {
    /// Tensors and geometry.
    pub conv: Convolution,
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// One input channel, run as a blocked CONV_2D (faster, with an im2col scratch buffer);
    /// not under `memory = "min"`.
    pub as_conv: bool,
}

/// Checks a convolution; `depthwise` is the depth multiplier the options state.
fn check(cx: &Check, options: Options, depthwise: Option<usize>) -> Result<Convolution, Error> {
    let input = cx.input(0, "input")?;
    let filter = cx.input(1, "filter")?;
    let output = cx.output()?;
    let precision = cx.precision_int16x8(input, output)?;
    cx.constant(filter, precision.weights_type(), "filter")?;
    let [batches, in_h, in_w, in_c] = cx.rank4(input)?;
    let [f0, f_h, f_w, f3] = cx.rank4(filter)?;
    let [out_n, out_h, out_w, out_c] = cx.rank4(output)?;
    let channel_dim = if let Some(stated) = depthwise {
        if f0 != 1 || f3 != out_c || out_c % in_c != 0 {
            return Err(cx.error(format!(
                "filter {:?} does not fit input channels {in_c} and output channels {out_c}",
                cx.tensor(filter).shape
            )));
        }
        // TFLM indexes with the stated multiplier, so it must agree with the shapes.
        if stated != out_c / in_c {
            return Err(cx.error(format!(
                "depth_multiplier {stated} does not match {in_c} input and {out_c} output channels"
            )));
        }
        3
    } else {
        if f0 != out_c || f3 != in_c {
            return Err(cx.error(format!(
                "filter {:?} does not fit input channels {in_c} and output channels {out_c} \
                 (grouped convolution is not supported)",
                cx.tensor(filter).shape
            )));
        }
        0
    };
    if precision != Precision::Float32 {
        cx.weight_quantization(filter, out_c, channel_dim)?;
    }
    let (bias, int32_accumulator) = if precision == Precision::Int16 {
        // TFLM's int16x8 CONV_2D takes INT64 and INT32 biases; its DEPTHWISE_CONV_2D reads any
        // bias as INT64.
        let allowed: &[ElementType] = if depthwise.is_some() {
            &[ElementType::Int64]
        } else {
            &[ElementType::Int64, ElementType::Int32]
        };
        let bias = cx.bias_int16x8(2, out_c, allowed)?;
        let int32 = match bias {
            Some((_, element_type)) => element_type == ElementType::Int32,
            None => options.bias_type == Some(super::int16x8::TENSOR_TYPE_INT32),
        };
        (bias.map(|(t, _)| t), int32 && depthwise.is_none())
    } else {
        (cx.bias(2, precision, out_c)?, false)
    };
    let (stride, dilation) = (options.stride, options.dilation);
    let (pad_h, expect_h) = window(options.padding, in_h, f_h, stride[0], dilation[0]);
    let (pad_w, expect_w) = window(options.padding, in_w, f_w, stride[1], dilation[1]);
    if out_n != batches || out_h != expect_h || out_w != expect_w {
        return Err(cx.error(format!(
            "output shape {:?} does not match the input {:?}, filter, strides and padding (expected [{batches}, {expect_h}, {expect_w}, {out_c}])",
            cx.tensor(output).shape,
            cx.tensor(input).shape
        )));
    }
    options::tflm_padding([pad_h, pad_w]).map_err(|e| cx.error(e))?;
    Ok(Convolution {
        precision,
        input,
        filter,
        bias,
        output,
        geometry: Geometry {
            input: [in_h, in_w, in_c],
            output: [out_h, out_w, out_c],
            filter: [f_h, f_w],
            stride,
            dilation,
            padding: [pad_h, pad_w],
        },
        activation: options.activation,
        batches,
        int32_accumulator,
    })
}

impl Convolution {
    fn geometry(&self) -> kernel::Conv2dGeometry {
        let g = &self.geometry;
        kernel::Conv2dGeometry {
            input_height: g.input[0],
            input_width: g.input[1],
            input_depth: g.input[2],
            output_height: g.output[0],
            output_width: g.output[1],
            output_depth: g.output[2],
            filter_height: g.filter[0],
            filter_width: g.filter[1],
            stride_height: g.stride[0],
            stride_width: g.stride[1],
            dilation_height: g.dilation[0],
            dilation_width: g.dilation[1],
            padding_height: g.padding[0],
            padding_width: g.padding[1],
        }
    }

    /// The folded bias of an int8 convolution whose weights of one channel lie as `layout`.
    fn folded_bias(&self, cx: &Lower, layout: WeightLayout) -> kernel::Slice<i32> {
        cx.folded_bias(
            self.input,
            self.filter,
            self.bias,
            self.geometry.output[2],
            layout,
        )
    }

    /// The rescale and int16 clamp of an int16x8 convolution.
    fn int16x8_output(&self, cx: &Lower) -> Result<(kernel::Requantize, i32, i32), Error> {
        super::int16x8::weighted_output(
            cx,
            self.input,
            self.filter,
            self.output,
            self.geometry.output[2],
            self.activation,
            ScaleRounding::Double,
            !self.int32_accumulator,
        )
    }

    fn weighted_output(&self, cx: &Lower) -> Result<super::lower::WeightedOutput, Error> {
        cx.weighted_output(
            self.input,
            self.filter,
            self.output,
            self.geometry.output[2],
            self.activation,
            ScaleRounding::Double,
        )
    }
}

impl Convolution {
    /// The values one output channel sums: `filter_height * filter_width * input_depth`.
    fn reduction(&self) -> usize {
        let [filter_height, filter_width] = self.geometry.filter;
        filter_height * filter_width * self.geometry.input[2]
    }

    /// The `conv2d_i8_blocked` call of an int8 convolution whose weights are `rows`
    /// (`[output_depth][filter_height][filter_width][input_depth]`) and folded bias `bias`, if
    /// that kernel suits it: groups padded by at most an eighth ([`Convolution::blocks_well`]),
    /// scales below 1, and an input in the arena (a constant input, which a converter folds
    /// away, has no arena span to prove apart from the scratch buffer).
    fn lower_blocked(
        &self,
        cx: &Lower,
        out: &super::lower::WeightedOutput,
        bias: &kernel::Slice<i32>,
        rows: &[i8],
    ) -> Result<Option<KernelCall>, Error> {
        let depth = self.geometry.output[2];
        let (Some(input_zero_point), Some(channels), Operand::Arena(_)) = (
            i8::try_from(cx.zero_point(self.input)).ok(),
            channel_records(&bias.0, &out.requantize, depth),
            cx.operand(self.input)?,
        ) else {
            return Ok(None);
        };
        if !self.blocks_well() {
            return Ok(None);
        }
        let params = kernel::Conv2dI8Blocked {
            geometry: self.geometry(),
            weights: kernel::Packed(blocked_weights(rows, depth, self.reduction())),
            channels: kernel::Slice(channels),
            input_zero_point,
            output_offset: out.output_offset,
            output_min: out.output_min,
            output_max: out.output_max,
        };
        cx.call_with_scratch(blocked_variant(&params), params, &[self.input], self.output)
    }

    /// The overlap the blocked kernels allow between this convolution's input and output, if
    /// int8 and suited to them: the input at least [`overlap_gap`] bytes after the output.
    fn blocked_overlap(&self) -> Option<Overlap> {
        (self.precision == Precision::Int8 && self.blocks_well()).then(|| Overlap {
            input: self.input,
            output: self.output,
            gap: overlap_gap(&self.geometry(), self.batches, 2),
            images: self.batches,
        })
    }

    /// `conv2d_i8_blocked`'s scratch bytes for this convolution if int8 and suited to it.
    fn blocked_scratch_bytes(&self) -> usize {
        match self.precision {
            // Two pixels' im2col columns of 16-bit values, whole groups of four.
            Precision::Int8 if self.blocks_well() => 4 * self.reduction().div_ceil(4) * 4,
            _ => 0,
        }
    }

    /// Whether `conv2d_i8_blocked` suits it: its weights, padded to whole groups of four, grow
    /// by at most an eighth (3x3x3 filters by 1/27; a 3x3x1 filter would by a third).
    fn blocks_well(&self) -> bool {
        let k = self.reduction();
        (k.div_ceil(4) * 4 - k) * 8 <= k
    }
}

/// How many bytes a kernel's input must start after its output for `images` images, when the
/// kernel walks the output pixels in order, `step` at a time, reading every input a step's
/// windows need before writing the step's outputs: core's `overlap_gap` (behind
/// `conv2d_i8_overlap_gap`, step 2, and `depthwise_conv2d_i8_overlap_gap`, step 1), which the
/// generated operand set evaluates to prove the plan, so a difference between the two fails the
/// model's build (the tests crate compares them). For each step, in image order, the step's end
/// in the output against the first input value a later pixel's window reads, or the next
/// image.
pub fn overlap_gap(g: &kernel::Conv2dGeometry, images: usize, step: usize) -> usize {
    let pixels = (g.output_height * g.output_width) as i128;
    let image_len = (g.input_height * g.input_width * g.input_depth) as i128;
    let out_image_len = pixels * g.output_depth as i128;
    let step = step.max(1) as i128;
    let mut gap = 0i128;
    // Affine in the image's index: the first and the last image are the extremes.
    let extremes = [0, images.saturating_sub(1)];
    for image in extremes.into_iter().take(images.min(2)) {
        let (input_at, output_at) = (image as i128 * image_len, image as i128 * out_image_len);
        let mut pixel = 0i128;
        while pixel < pixels {
            let end = (pixel + step).min(pixels);
            let written = output_at + end * g.output_depth as i128;
            let needed = if end < pixels {
                // The first input value a later pixel's window reads: the next pixel's, or the
                // first of a later row's.
                let width = g.output_width as i128;
                let start = |y: i128, x: i128| {
                    let row = (y * g.stride_height as i128 - g.padding_height as i128).max(0);
                    let col = (x * g.stride_width as i128 - g.padding_width as i128).max(0);
                    (row * g.input_width as i128 + col) * g.input_depth as i128
                };
                let first = start(end / width, end % width).min(start(end / width + 1, 0));
                input_at + first.min(image_len)
            } else {
                input_at + image_len
            };
            gap = gap.max(written - needed);
            pixel = end;
        }
    }
    usize::try_from(gap).unwrap_or(usize::MAX)
}

/// Output channels up to which `depthwise_conv2d_i8_shared` runs (core's `SHARED_DEPTH`).
const SHARED_DEPTHWISE_DEPTH: usize = 64;

/// `depthwise_conv2d_i8_overlap_gap`: pixel by pixel, no overlap above 64 channels.
fn depthwise_gap(g: &kernel::Conv2dGeometry, images: usize) -> usize {
    if g.output_depth > SHARED_DEPTHWISE_DEPTH {
        usize::MAX
    } else {
        overlap_gap(g, images, 1)
    }
}

/// The blocked convolution's entry point for these parameters: the variant that links only
/// what the layer needs (a 1x1 window, or windows the kernel stages, and the fast
/// requantization when every channel shifts right), or `conv2d_i8_blocked`, which takes any.
fn blocked_variant(
    p: &kernel::Conv2dI8Blocked,
) -> &'static kernel::Kernel<kernel::Conv2dI8Blocked> {
    /// Values per window that the kernel stages (`STAGE` in core's `kernels/conv.rs`).
    const STAGE: usize = 128;
    let g = &p.geometry;
    let rounding_shifts = p.channels.0.iter().all(|c| (1..=31).contains(&c[2]));
    if !rounding_shifts {
        &kernels::conv2d_i8_blocked
    } else if g.filter_height == 1 && g.filter_width == 1 {
        &kernels::conv2d_i8_pointwise
    } else if g.dilation_width == 1 && g.filter_height * g.filter_width * g.input_depth <= STAGE {
        &kernels::conv2d_i8_staged
    } else {
        &kernels::conv2d_i8_windowed
    }
}

/// CONV_2D's `[channels][k]` int8 weights in the order `conv2d_i8_blocked` reads them: the
/// `k` values of a channel in groups of four (the last one padded with zeros); for each pair of
/// channels, group by group, the first channel's four then the second's; an odd last channel's
/// groups after the pairs. A filter tensor shorter than `channels * k` (the op checked its
/// shape, so never) reads as zeros past its end.
fn blocked_weights(weights: &[i8], channels: usize, k: usize) -> Vec<i8> {
    let groups = k.div_ceil(4);
    let at = |c: usize, i: usize| {
        if i < k {
            weights.get(c * k + i).copied().unwrap_or(0)
        } else {
            0
        }
    };
    let mut out = Vec::with_capacity(channels * groups * 4);
    for pair in 0..channels / 2 {
        for group in 0..groups {
            for c in [2 * pair, 2 * pair + 1] {
                out.extend((0..4).map(|j| at(c, 4 * group + j)));
            }
        }
    }
    if channels % 2 == 1 {
        out.extend((0..4 * groups).map(|i| at(channels - 1, i)));
    }
    out
}

impl Operator for Conv2d {
    const NAMES: &'static [&'static str] = &["CONV_2D"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: Conv2DOptions = cx.required_options()?;
        let options = Options::read(
            o.padding(),
            [o.stride_h(), o.stride_w()],
            [o.dilation_h_factor(), o.dilation_w_factor()],
            o.fused_activation_function(),
        )
        .map_err(|e| cx.error(e))?;
        let options = Options {
            bias_type: o.quantized_bias_type(),
            ..options
        };
        check(cx, options, None).map(Conv2d)
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn overlap(&self) -> Option<Overlap> {
        self.0.blocked_overlap()
    }

    fn scratch_bytes(&self) -> usize {
        self.0.blocked_scratch_bytes()
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let conv = &self.0;
        match conv.precision {
            Precision::Int8 => {
                let per_channel = conv.reduction();
                let out = conv.weighted_output(cx)?;
                let bias = conv.folded_bias(cx, WeightLayout::Rows(per_channel));
                let rows = cx.tensor(conv.filter).i8s();
                if let Some(call) = conv.lower_blocked(cx, &out, &bias, &rows)? {
                    return Ok(Some(call));
                }
                // A filter whose groups would be padded by more than an eighth, a scale of 1 or
                // more (a left shift), or a constant input (which a converter folds away, and
                // which has no arena span to prove apart from the scratch buffer): the
                // unblocked kernel.
                let params = kernel::Conv2dI8 {
                    geometry: conv.geometry(),
                    weights: Constant::new(conv.filter),
                    // The input offset's share of a window inside the image, folded.
                    bias,
                    input_offset: -cx.zero_point(conv.input),
                    requantize: out.requantize,
                    output_offset: out.output_offset,
                    output_min: out.output_min,
                    output_max: out.output_max,
                };
                cx.call(&kernels::conv2d_i8, params, &[conv.input], conv.output)
            }
            Precision::Int16 => {
                let (requantize, output_min, output_max) = conv.int16x8_output(cx)?;
                let params = kernel::Conv2dI16 {
                    geometry: conv.geometry(),
                    weights: Constant::new(conv.filter),
                    bias: super::int16x8::bias_values(cx, conv.bias, conv.geometry.output[2]),
                    requantize,
                    output_min,
                    output_max,
                };
                let kernel = if conv.int32_accumulator {
                    &kernels::conv2d_i16_acc32
                } else {
                    &kernels::conv2d_i16
                };
                cx.call(kernel, params, &[conv.input], conv.output)
            }
            Precision::Float32 => {
                let (output_min, output_max) = quant::activation_range_f32(conv.activation);
                let params = kernel::Conv2dF32 {
                    geometry: conv.geometry(),
                    weights: Constant::new(conv.filter),
                    bias: conv.bias.map(Constant::new),
                    output_min,
                    output_max,
                };
                cx.call(&kernels::conv2d_f32, params, &[conv.input], conv.output)
            }
        }
    }
}

impl Operator for DepthwiseConv2d {
    const NAMES: &'static [&'static str] = &["DEPTHWISE_CONV_2D"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: DepthwiseConv2DOptions = cx.required_options()?;
        let options = Options::read(
            o.padding(),
            [o.stride_h(), o.stride_w()],
            [o.dilation_h_factor(), o.dilation_w_factor()],
            o.fused_activation_function(),
        )
        .map_err(|e| cx.error(e))?;
        let stated =
            options::tflm_i16("depth_multiplier", o.depth_multiplier()).map_err(|e| cx.error(e))?;
        let conv = check(cx, options, Some(stated))?;
        let depth_multiplier = conv.geometry.output[2] / conv.geometry.input[2];
        let as_conv = conv.geometry.input[2] == 1 && cx.options.memory != crate::Memory::Min;
        Ok(DepthwiseConv2d {
            conv,
            depth_multiplier,
            as_conv,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn overlap(&self) -> Option<Overlap> {
        let conv = &self.conv;
        if conv.precision != Precision::Int8 {
            return None;
        }
        let depthwise = depthwise_gap(&conv.geometry(), conv.batches);
        let rule = match conv.blocked_overlap() {
            // One input channel: the blocked convolution, or the depthwise kernel if its
            // lowering falls back to it; a gap that serves both.
            Some(blocked) if self.as_conv => Overlap {
                gap: blocked.gap.max(depthwise),
                ..blocked
            },
            _ => Overlap {
                input: conv.input,
                output: conv.output,
                gap: depthwise,
                images: conv.batches,
            },
        };
        (rule.gap != usize::MAX).then_some(rule)
    }

    fn scratch_bytes(&self) -> usize {
        if self.as_conv {
            self.conv.blocked_scratch_bytes()
        } else {
            0
        }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let conv = &self.conv;
        match conv.precision {
            Precision::Int8 => {
                let out = conv.weighted_output(cx)?;
                if self.as_conv {
                    // One input channel: each output channel filters that channel alone, a
                    // CONV_2D with the `[taps][channels]` weights transposed to
                    // `[channels][taps]` (micro_speech's first layer).
                    let bias = conv.folded_bias(cx, WeightLayout::Columns);
                    let weights = cx.tensor(conv.filter).i8s();
                    let (taps, channels) = (conv.reduction(), conv.geometry.output[2]);
                    let rows: Vec<i8> = (0..channels)
                        .flat_map(|c| (0..taps).map(move |t| (t, c)))
                        .map(|(t, c)| weights.get(t * channels + c).copied().unwrap_or(0))
                        .collect();
                    if let Some(call) = conv.lower_blocked(cx, &out, &bias, &rows)? {
                        return Ok(Some(call));
                    }
                }
                let params = kernel::DepthwiseConv2dI8 {
                    geometry: conv.geometry(),
                    depth_multiplier: self.depth_multiplier,
                    weights: Constant::new(conv.filter),
                    // `[taps][channels]`: a channel's weights are a column.
                    bias: conv.folded_bias(cx, WeightLayout::Columns),
                    input_offset: -cx.zero_point(conv.input),
                    requantize: out.requantize,
                    output_offset: out.output_offset,
                    output_min: out.output_min,
                    output_max: out.output_max,
                };
                cx.call(
                    &kernels::depthwise_conv2d_i8,
                    params,
                    &[conv.input],
                    conv.output,
                )
            }
            Precision::Int16 => {
                let (requantize, output_min, output_max) = conv.int16x8_output(cx)?;
                let params = kernel::DepthwiseConv2dI16 {
                    geometry: conv.geometry(),
                    depth_multiplier: self.depth_multiplier,
                    weights: Constant::new(conv.filter),
                    bias: super::int16x8::bias_values(cx, conv.bias, conv.geometry.output[2]),
                    requantize,
                    output_min,
                    output_max,
                };
                cx.call(
                    &kernels::depthwise_conv2d_i16,
                    params,
                    &[conv.input],
                    conv.output,
                )
            }
            Precision::Float32 => {
                let (output_min, output_max) = quant::activation_range_f32(conv.activation);
                let params = kernel::DepthwiseConv2dF32 {
                    geometry: conv.geometry(),
                    depth_multiplier: self.depth_multiplier,
                    weights: Constant::new(conv.filter),
                    bias: conv.bias.map(Constant::new),
                    output_min,
                    output_max,
                };
                cx.call(
                    &kernels::depthwise_conv2d_f32,
                    params,
                    &[conv.input],
                    conv.output,
                )
            }
        }
    }
}
