//! What every operator family lowers the same way: operand placement, quantization parameters
//! of outputs, and the constants that weighted ops (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D)
//! fold at compile time.

use crate::error::Error;
use crate::ir::{ElementType, Graph, Op, Tensor};
use crate::kernel::{self, Element, Kernel, Params, Slice};
use crate::plan::{MemoryPlan, Storage};
use crate::program::{KernelCall, Operand, View};
use crate::quant::{self, Activation};

/// One operator being lowered, with the helpers families share.
pub struct Lower<'g, 'a> {
    /// The graph.
    pub graph: &'g Graph<'a>,
    /// The model's state.
    pub state: &'g crate::state::State,
    /// Where each tensor lives.
    pub plan: &'g MemoryPlan,
    /// The operator.
    pub op: &'g Op<'a>,
}

/// The kernel element type of a tensor type; the families check types before lowering, so
/// another type here is named as an error rather than guessed.
pub fn element(element_type: ElementType) -> Result<Element, String> {
    match element_type {
        ElementType::Int8 => Ok(Element::I8),
        ElementType::Int16 => Ok(Element::I16),
        ElementType::Int32 => Ok(Element::I32),
        ElementType::Float32 => Ok(Element::F32),
        ElementType::UInt8 => Ok(Element::U8),
        ElementType::UInt32 => Ok(Element::U32),
        ElementType::UInt64 => Ok(Element::U64),
        ElementType::Bool => Ok(Element::Bool),
        other => Err(format!("no kernel takes {} tensors", other.name())),
    }
}

/// Where tensor `t` lives in the arena, for a model input or output.
pub(super) fn arena_view(graph: &Graph, plan: &MemoryPlan, t: usize) -> Result<View, Error> {
    let tensor = &graph.tensors[t];
    let fail = |message: String| Error::tensor(t, &tensor.name, message);
    match plan.storage[t] {
        Storage::Arena(offset) => Ok(View {
            offset,
            len: tensor.len(),
            element: element(tensor.element_type).map_err(fail)?,
        }),
        other => Err(fail(format!(
            "is stored as {other:?}, not in the arena (a bug in embedml)"
        ))),
    }
}

/// Where one output channel's weights lie in a weight tensor.
#[derive(Clone, Copy)]
pub enum WeightLayout {
    /// A row of this many weights per channel (`[channels][...]`).
    Rows(usize),
    /// A column: every `channels`-th weight (`[taps][channels]`).
    Columns,
}

/// How TFLM combines the input and weight scales of an int8 weighted op.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ScaleRounding {
    /// `input_scale * weight_scale` rounded to float first (per-tensor FULLY_CONNECTED).
    FloatProduct,
    /// Multiplied in double (convolutions, and every per-channel scale).
    Double,
}

/// The output side of an int8 weighted op: requantization, zero point and clamp range.
pub struct WeightedOutput {
    /// Accumulator to output scale, per channel or one for all.
    pub requantize: kernel::Requantize,
    /// The output's zero point.
    pub output_offset: i32,
    /// Smallest output value.
    pub output_min: i32,
    /// Largest output value.
    pub output_max: i32,
}

impl<'g, 'a> Lower<'g, 'a> {
    /// An error at this operator.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::op(self.op.index, &self.op.name, message)
    }

    /// Tensor `t`.
    pub fn tensor(&self, t: usize) -> &'g Tensor<'a> {
        &self.graph.tensors[t]
    }

    fn element(&self, t: usize) -> Result<Element, Error> {
        element(self.tensor(t).element_type).map_err(|e| self.error(e))
    }

    /// Where activation `t` lives in the arena.
    pub fn view(&self, t: usize) -> Result<View, Error> {
        match self.plan.storage[t] {
            Storage::Arena(offset) => Ok(View {
                offset,
                len: self.tensor(t).len(),
                element: self.element(t)?,
            }),
            other => Err(self.error(format!(
                "tensor #{t} is stored as {other:?}, not in the arena (a bug in embedml)"
            ))),
        }
    }

    /// A kernel input: in the arena, or the constant whose bytes it is (itself or a view's
    /// source).
    pub fn operand(&self, t: usize) -> Result<Operand, Error> {
        match self.plan.storage[t] {
            Storage::Constant(source) => Ok(Operand::Constant {
                tensor: source,
                element: self.element(source)?,
            }),
            _ => Ok(Operand::Arena(self.view(t)?)),
        }
    }

    /// The state slot tensor `t` (a variable tensor or a variable handle) refers to.
    pub fn state_slot(&self, t: usize) -> Result<usize, Error> {
        self.state
            .slot(t)
            .ok_or_else(|| self.error(format!("tensor #{t} has no state slot (a bug in embedml)")))
    }

    /// [`Lower::call`] of a kernel that also takes state slots, checked against the element
    /// types the kernel declares.
    pub fn call_with_state<P: Params>(
        &self,
        kernel: &'static Kernel<P>,
        params: P,
        reads: &[usize],
        write: usize,
        slots: &[usize],
    ) -> Result<Option<KernelCall>, Error> {
        let elements: Vec<Element> = slots
            .iter()
            .map(|&s| element(self.state.slots[s].element).map_err(|e| self.error(e)))
            .collect::<Result<_, _>>()?;
        if elements != kernel.info.state {
            return Err(self.error(format!(
                "`{}` takes state {:?}, not {elements:?} (a bug in embedml)",
                kernel.info.function, kernel.info.state
            )));
        }
        let mut call = self.call(kernel, params, reads, write)?;
        if let Some(call) = &mut call {
            call.state = slots.to_vec();
        }
        Ok(call)
    }

    /// The call of `kernel` reading tensors `reads` and writing tensor `write`.
    pub fn call<P: Params>(
        &self,
        kernel: &'static Kernel<P>,
        params: P,
        reads: &[usize],
        write: usize,
    ) -> Result<Option<KernelCall>, Error> {
        let reads = reads
            .iter()
            .map(|&t| self.operand(t))
            .collect::<Result<_, _>>()?;
        let mut call = KernelCall::new(self.op.index, kernel, params, reads, self.view(write)?);
        // The plan overlapped the output with the input: the shared form, if it has one (if
        // not, `analyze` plans again without this overlap).
        let overlap = self.plan.overlap.get(self.op.index).copied().flatten();
        call.overlap = overlap.filter(|_| kernel.info.shared.is_some());
        Ok(Some(call))
    }

    /// The call of the separable table gather (`embedml::kernels::Gather4Table`) writing
    /// `output` from `input`: the lowering of every operator that is a per-dimension index map
    /// (MIRROR_PAD, BATCH_TO_SPACE_ND, RESIZE_NEAREST_NEIGHBOR), each computing its own
    /// `offsets` at build time. The kernel copies raw values, so it serves every precision.
    pub fn gather_table(
        &self,
        precision: super::Precision,
        output_shape: [usize; 4],
        offsets: &[usize],
        input: usize,
        output: usize,
    ) -> Result<Option<KernelCall>, Error> {
        let kernel = match precision {
            super::Precision::Int8 => &kernel::kernels::gather4_table_i8,
            super::Precision::Int16 => &kernel::kernels::gather4_table_i16,
            super::Precision::Float32 => &kernel::kernels::gather4_table_f32,
        };
        let params = kernel::Gather4Table {
            output_shape,
            offsets: Slice(offsets.to_vec()),
        };
        self.call(kernel, params, &[input], output)
    }

    /// [`Lower::call`] for a kernel that takes a scratch buffer of `S`: the one the planner placed
    /// for this operator ([`Operator::scratch_bytes`](super::Operator::scratch_bytes)), as
    /// whole elements.
    pub fn call_with_scratch<P: Params>(
        &self,
        kernel: &'static Kernel<P>,
        params: P,
        reads: &[usize],
        write: usize,
    ) -> Result<Option<KernelCall>, Error> {
        let Some(element) = kernel.info.scratch else {
            return Err(self.error(format!(
                "`{}` takes no scratch buffer (a bug in embedml)",
                kernel.info.function
            )));
        };
        let Some(Some((offset, bytes))) = self.plan.scratch.get(self.op.index).copied() else {
            return Err(self.error(format!(
                "`{}` needs a scratch buffer the plan does not have (a bug in embedml)",
                kernel.info.function
            )));
        };
        let mut call = self.call(kernel, params, reads, write)?;
        if let Some(call) = call.as_mut() {
            call.scratch = Some(View {
                offset,
                len: bytes / element.size(),
                element,
            });
        }
        Ok(call)
    }

    /// The per-tensor scale of tensor `t` ([`Tensor::scale`]).
    pub fn scale(&self, t: usize) -> f32 {
        self.tensor(t).scale()
    }

    /// The zero point of tensor `t` ([`Tensor::zero_point`]).
    pub fn zero_point(&self, t: usize) -> i32 {
        self.tensor(t).zero_point()
    }

    /// Fails unless a rescale's left shift is at most 31 (a real multiplier below 2^32): TFLM's
    /// `x * (1 << shift)` is undefined beyond.
    pub fn check_shift(&self, shift: i32, what: &str) -> Result<(), Error> {
        super::check::shift_fits(shift, what).map_err(|e| self.error(e))
    }

    /// The clamp range of a fused activation in an int8 output's units.
    pub fn int8_range(&self, output: usize, activation: Activation) -> (i32, i32) {
        quant::activation_range_i8(activation, self.scale(output), self.zero_point(output))
    }

    /// `bias + input_offset * sum(channel's weights)`: the input offset's share of every
    /// accumulator is a constant of the model.
    pub fn folded_bias(
        &self,
        input: usize,
        weights: usize,
        bias: Option<usize>,
        channels: usize,
        layout: WeightLayout,
    ) -> Slice<i32> {
        let input_offset = -self.zero_point(input);
        let weights = self.tensor(weights).i8s();
        let bias = bias.map(|b| self.tensor(b).i32s());
        let sum =
            |w: &mut dyn Iterator<Item = &i8>| w.fold(0i32, |s, &w| s.wrapping_add(i32::from(w)));
        Slice(
            (0..channels)
                .map(|c| {
                    let sum = match layout {
                        WeightLayout::Rows(per_channel) => {
                            sum(&mut weights.iter().skip(c * per_channel).take(per_channel))
                        }
                        WeightLayout::Columns => {
                            sum(&mut weights.iter().skip(c).step_by(channels.max(1)))
                        }
                    };
                    let b = bias.as_ref().and_then(|b| b.get(c).copied()).unwrap_or(0);
                    b.wrapping_add(input_offset.wrapping_mul(sum))
                })
                .collect(),
        )
    }

    /// Requantization, zero point and clamp range of an int8 output: one multiplier and shift
    /// per output channel, or a single one (which the kernels apply to every channel) when the
    /// weights have one scale.
    pub fn weighted_output(
        &self,
        input: usize,
        weights: usize,
        output: usize,
        channels: usize,
        activation: Activation,
        rounding: ScaleRounding,
    ) -> Result<WeightedOutput, Error> {
        let (input_scale, output_scale) = (self.scale(input), self.scale(output));
        let weight_scales = self
            .tensor(weights)
            .quantization
            .as_ref()
            .map_or(&[][..], |q| &q.scales[..]);
        let reals: Vec<f64> = match weight_scales {
            [scale] if rounding == ScaleRounding::FloatProduct => {
                vec![quant::effective_scale_per_tensor(
                    input_scale,
                    *scale,
                    output_scale,
                )]
            }
            [scale] => vec![quant::effective_scale_per_channel(
                input_scale,
                *scale,
                output_scale,
            )],
            scales => (0..channels)
                .map(|c| {
                    quant::effective_scale_per_channel(
                        input_scale,
                        scales.get(c).copied().unwrap_or(1.0),
                        output_scale,
                    )
                })
                .collect(),
        };
        let mut multipliers = Vec::with_capacity(reals.len());
        let mut shifts = Vec::with_capacity(reals.len());
        for real in reals {
            let (multiplier, shift) = quant::quantize_multiplier(real);
            self.check_shift(shift, "output requantization")?;
            multipliers.push(multiplier);
            shifts.push(shift_i8(shift));
        }
        let (output_min, output_max) = self.int8_range(output, activation);
        Ok(WeightedOutput {
            requantize: kernel::Requantize {
                multipliers: Slice(multipliers),
                shifts: Slice(shifts),
            },
            output_offset: self.zero_point(output),
            output_min,
            output_max,
        })
    }
}

/// The blocked kernels' per-channel records `[folded bias, multiplier, exponent]`, a
/// per-tensor scale repeated for every channel; `None` unless every channel's scale is below 1
/// (a shift of 0 or less: a right shift by `exponent = -shift`), the only scales it takes.
pub fn channel_records(
    bias: &[i32],
    requantize: &kernel::Requantize,
    channels: usize,
) -> Option<Vec<[i32; 3]>> {
    let (multipliers, shifts) = (&requantize.multipliers.0, &requantize.shifts.0);
    let pick = |len: usize, c: usize| if len == 1 { 0 } else { c };
    (0..channels)
        .map(|c| {
            let multiplier = *multipliers.get(pick(multipliers.len(), c))?;
            let shift = i32::from(*shifts.get(pick(shifts.len(), c))?);
            let exponent = -shift;
            ((0..=31).contains(&exponent) && multiplier >= 0)
                .then(|| Some([*bias.get(c)?, multiplier, exponent]))
                .flatten()
        })
        .collect()
}

/// A requantization shift as the kernels store it. Shifts from `quantize_multiplier` are at least
/// -31 and [`Lower::check_shift`] keeps them at most 31, so they fit an `i8`.
fn shift_i8(shift: i32) -> i8 {
    i8::try_from(shift.clamp(i32::from(i8::MIN), i32::from(i8::MAX))).unwrap_or(i8::MAX)
}
