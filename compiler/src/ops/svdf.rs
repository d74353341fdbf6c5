//! SVDF: int8 (with int8 or int16 time weights and activation state) and float32. The
//! activation state (input 4) is a variable tensor: it lives in the model's state, outside the
//! arena, and the kernel updates it in place each step.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Constant, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::{self, Activation};
use crate::tflite::options_table;

use super::{Check, Lower, Operator, Precision, options};

options_table!(
    /// Options of SVDF.
    SvdfOptions = 6 {
        /// Filters summed per output unit.
        rank: i32 = 0,
        /// Fused activation (applied by the float kernel only, as in TFLM).
        fused_activation_function: i8 = 1,
        /// Hybrid quantization of inputs at run time (float models with int8 weights).
        asymmetric_quantize_inputs: bool = 2,
    }
);

/// A checked SVDF.
#[derive(Clone, Debug, PartialEq)]
pub struct Svdf {
    /// Number type of the input and output.
    pub precision: Precision,
    /// Input `[batches, input_size]`.
    pub input: usize,
    /// Feature weights `[filters, input_size]`.
    pub weights_feature: usize,
    /// Time weights `[filters, memory]`.
    pub weights_time: usize,
    /// Bias `[units]`, if any.
    pub bias: Option<usize>,
    /// The activation state (a variable tensor) `[batches, filters * memory]`.
    pub state: usize,
    /// Output `[batches, units]`.
    pub output: usize,
    /// The sizes.
    pub shape: kernel::SvdfShape,
    /// The fused activation.
    pub activation: Activation,
}

fn shape2(cx: &Check, t: usize, what: &str) -> Result<[usize; 2], Error> {
    let tensor = cx.tensor(t);
    <[usize; 2]>::try_from(tensor.shape.as_slice()).map_err(|_| {
        cx.tensor_error(
            tensor,
            format!("the {what} has shape {:?}; expected rank 2", tensor.shape),
        )
    })
}

impl Operator for Svdf {
    const NAMES: &'static [&'static str] = &["SVDF"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: SvdfOptions = cx.required_options()?;
        let activation =
            options::activation(o.fused_activation_function()).map_err(|e| cx.error(e))?;
        let rank = options::positive("rank", o.rank()).map_err(|e| cx.error(e))?;
        let input = cx.input(0, "input")?;
        let weights_feature = cx.input(1, "feature weights")?;
        let weights_time = cx.input(2, "time weights")?;
        let state = cx.input(4, "activation state")?;
        let output = cx.output()?;
        if cx.op.inputs.len() != 5 {
            return Err(cx.error(format!("has {} inputs; SVDF has 5", cx.op.inputs.len())));
        }
        let precision = cx.precision(input, output)?;
        let [batches, input_size] = shape2(cx, input, "input")?;
        let [filters, feature_inputs] = shape2(cx, weights_feature, "feature weights")?;
        let [time_filters, memory] = shape2(cx, weights_time, "time weights")?;
        let [state_batches, state_len] = shape2(cx, state, "activation state")?;
        let [output_batches, units] = shape2(cx, output, "output")?;
        if !filters.is_multiple_of(rank) {
            return Err(cx.error(format!(
                "{filters} filters are not a multiple of rank {rank}"
            )));
        }
        let fits = feature_inputs == input_size
            && time_filters == filters
            && output_batches == batches
            && units == filters / rank
            && state_batches == batches
            && Some(state_len) == filters.checked_mul(memory);
        if !fits {
            return Err(cx.error(format!(
                "the shapes do not fit: input {:?}, feature weights {:?}, time weights {:?}, state {:?}, output {:?}",
                cx.tensor(input).shape,
                cx.tensor(weights_feature).shape,
                cx.tensor(weights_time).shape,
                cx.tensor(state).shape,
                cx.tensor(output).shape
            )));
        }
        let state_tensor = cx.tensor(state);
        if !state_tensor.is_variable || cx.state.slot(state).is_none() {
            return Err(cx.tensor_error(
                state_tensor,
                "the activation state must be a variable tensor (TFLM requires one)",
            ));
        }
        let bias = cx.op.input(3);
        match precision {
            Precision::Int16 => {
                return Err(cx.error(super::check::NO_INT16X8_KERNEL));
            }
            Precision::Int8 => {
                cx.constant(weights_feature, ElementType::Int8, "feature weights")?;
                let time_type = cx.tensor(weights_time).element_type;
                if !matches!(time_type, ElementType::Int8 | ElementType::Int16) {
                    return Err(cx.tensor_error(
                        cx.tensor(weights_time),
                        format!(
                            "the time weights have type {}; expected INT8 or INT16",
                            time_type.name()
                        ),
                    ));
                }
                cx.constant(weights_time, time_type, "time weights")?;
                if state_tensor.element_type != time_type {
                    return Err(cx.tensor_error(
                        state_tensor,
                        format!(
                            "the activation state has type {} and the time weights {}: TFLM reads both as one type",
                            state_tensor.element_type.name(),
                            time_type.name()
                        ),
                    ));
                }
                let Some(bias) = bias else {
                    return Err(
                        cx.error("an int8 SVDF needs a bias (TFLM's Prepare reads its scale)")
                    );
                };
                cx.constant(bias, ElementType::Int32, "bias")?;
                if cx.tensor(bias).len() != units {
                    return Err(cx.tensor_error(
                        cx.tensor(bias),
                        format!(
                            "the bias has {} elements; expected {units}",
                            cx.tensor(bias).len()
                        ),
                    ));
                }
                for t in [weights_feature, weights_time, state, bias] {
                    let tensor = cx.tensor(t);
                    if tensor.scale_and_zero_point().is_none() {
                        return Err(cx.tensor_error(tensor, "must be quantized"));
                    }
                }
                // TFLM's check that the bias is in the scale of the time products.
                let expected = f64::from(cx.scale(state) * cx.scale(weights_time));
                if (f64::from(cx.scale(bias)) - expected).abs() >= 1e-5 {
                    return Err(cx.tensor_error(
                        cx.tensor(bias),
                        format!(
                            "the bias scale {} is not the state scale times the time weights' scale ({expected}), as TFLM requires",
                            cx.scale(bias)
                        ),
                    ));
                }
            }
            Precision::Float32 => {
                if o.asymmetric_quantize_inputs().unwrap_or(false)
                    || cx.tensor(weights_feature).element_type != ElementType::Float32
                {
                    return Err(cx.error(
                        "hybrid SVDF (float activations with int8 weights) is not supported",
                    ));
                }
                cx.constant(weights_feature, ElementType::Float32, "feature weights")?;
                cx.constant(weights_time, ElementType::Float32, "time weights")?;
                if state_tensor.element_type != ElementType::Float32 {
                    return Err(
                        cx.tensor_error(state_tensor, "the activation state must be FLOAT32")
                    );
                }
                if let Some(bias) = bias {
                    cx.constant(bias, ElementType::Float32, "bias")?;
                    if cx.tensor(bias).len() != units {
                        return Err(cx.tensor_error(
                            cx.tensor(bias),
                            format!(
                                "the bias has {} elements; expected {units}",
                                cx.tensor(bias).len()
                            ),
                        ));
                    }
                }
            }
        }
        Ok(Svdf {
            precision,
            input,
            weights_feature,
            weights_time,
            bias,
            state,
            output,
            shape: kernel::SvdfShape {
                batches,
                input_size,
                filters,
                rank,
                memory,
            },
            activation,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let slot = cx.state_slot(self.state)?;
        match self.precision {
            Precision::Int16 => Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => {
                // TFLM multiplies the float scales in float, then quantizes in double.
                let scale = |t: usize| cx.tensor(t).scale();
                let feature =
                    f64::from(scale(self.input) * scale(self.weights_feature) / scale(self.state));
                let out =
                    f64::from(scale(self.state) * scale(self.weights_time) / scale(self.output));
                let (m1, s1) = quant::quantize_multiplier(feature);
                let (m2, s2) = quant::quantize_multiplier(out);
                let zero = |t: usize| cx.tensor(t).zero_point();
                let (input_zero_point, state_zero_point, output_zero_point) =
                    (zero(self.input), zero(self.state), zero(self.output));
                // The zero points folded into per-filter offsets (wrapping, as the kernel's
                // sums are: the same value modulo 2^32 as TFLM's per-product subtraction).
                let offsets = |values: Vec<i32>, width: usize, zero_point: i32| {
                    kernel::Slice(
                        values
                            .chunks_exact(width.max(1))
                            .map(|row| {
                                let sum = row.iter().fold(0i32, |a, &w| a.wrapping_add(w));
                                sum.wrapping_mul(zero_point.wrapping_neg())
                            })
                            .collect(),
                    )
                };
                let wide = |t: usize| -> Vec<i32> {
                    match cx.tensor(t).element_type {
                        ElementType::Int16 => {
                            cx.tensor(t).i16s().into_iter().map(i32::from).collect()
                        }
                        _ => cx.tensor(t).i8s().into_iter().map(i32::from).collect(),
                    }
                };
                let feature_offsets = offsets(
                    wide(self.weights_feature),
                    self.shape.input_size,
                    input_zero_point,
                );
                let mut time_offsets =
                    offsets(wide(self.weights_time), self.shape.memory, state_zero_point);
                // The bias folded into each unit's first filter (the kernel has no bias of its
                // own; wrapping, as its sums are).
                if let Some(bias) = self.bias {
                    let rank = self.shape.rank.max(1);
                    for (u, b) in cx.tensor(bias).i32s().into_iter().enumerate() {
                        if let Some(offset) = time_offsets.0.get_mut(u * rank) {
                            *offset = offset.wrapping_add(b);
                        }
                    }
                }
                let shape = self.shape.clone();
                if cx.tensor(self.weights_time).element_type == ElementType::Int16 {
                    let params = kernel::SvdfI8State16 {
                        shape,
                        weights_feature: Constant::new(self.weights_feature),
                        weights_time: Constant::new(self.weights_time),
                        feature_offsets: feature_offsets.clone(),
                        time_offsets: time_offsets.clone(),
                        state_zero_point,
                        output_zero_point,
                        feature_scale: [m1, s1],
                        output_scale: [m2, s2],
                    };
                    cx.call_with_state(
                        &kernels::svdf_i8_state_i16,
                        params,
                        &[self.input],
                        self.output,
                        &[slot],
                    )
                } else {
                    let params = kernel::SvdfI8State8 {
                        shape,
                        weights_feature: Constant::new(self.weights_feature),
                        weights_time: Constant::new(self.weights_time),
                        feature_offsets: feature_offsets.clone(),
                        time_offsets: time_offsets.clone(),
                        state_zero_point,
                        output_zero_point,
                        feature_scale: [m1, s1],
                        output_scale: [m2, s2],
                    };
                    cx.call_with_state(
                        &kernels::svdf_i8,
                        params,
                        &[self.input],
                        self.output,
                        &[slot],
                    )
                }
            }
            Precision::Float32 => {
                let (output_min, output_max) = quant::activation_range_f32(self.activation);
                let params = kernel::SvdfF32 {
                    shape: self.shape.clone(),
                    weights_feature: Constant::new(self.weights_feature),
                    weights_time: Constant::new(self.weights_time),
                    bias: self.bias.map(Constant::new),
                    output_min,
                    output_max,
                };
                cx.call_with_state(
                    &kernels::svdf_f32,
                    params,
                    &[self.input],
                    self.output,
                    &[slot],
                )
            }
        }
    }
}
