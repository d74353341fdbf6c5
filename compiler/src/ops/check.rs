//! What every operator family checks the same way: the model's boundary and op order, and the
//! helpers a family's `check` uses on its tensors (types, quantization, constants, shapes).

use crate::error::{Collector, Error, Location};
use crate::ir::{ElementType, Graph, Op, Tensor};
use crate::kernel::Element;
use crate::tflite::OptionsTable;

use super::Step;

/// The error of an operator family without int16x8 kernels that is asked for one: its check
/// lets no INT16 through, so this is a bug in embedml, reported instead of a panic.
pub const NO_INT16X8_KERNEL: &str =
    "has no int16x8 kernel in embedml (a bug in embedml: its check accepted int16)";

/// The number type a kernel computes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// int8 activations and weights, int32 biases and accumulators.
    Int8,
    /// float32 throughout.
    Float32,
    /// int16 activations (zero point 0), int8 weights, int64 (or int32) biases: TFLite's 16x8
    /// quantization. Only the operators that take it check for it
    /// ([`Check::precision_int16x8`]).
    Int16,
}

impl Precision {
    /// The element type of weights (and of activations) in this precision.
    pub fn weights_type(self) -> ElementType {
        match self {
            Precision::Int8 | Precision::Int16 => ElementType::Int8,
            Precision::Float32 => ElementType::Float32,
        }
    }
}

/// A model output must live in the arena: a view of a constant (RESHAPE of weights) would be
/// flash, which the output accessors cannot hand out.
pub(super) fn check_outputs_computed(graph: &Graph, steps: &[Step], errors: &mut Collector) {
    let mut constant: Vec<bool> = graph.tensors.iter().map(|t| t.data.is_some()).collect();
    for step in steps {
        if let crate::plan::Access::View { input, output } = step.access() {
            constant[output] = constant[input];
        }
    }
    for &t in &graph.outputs {
        let tensor = &graph.tensors[t];
        if constant[t] && tensor.data.is_none() {
            errors.push(Error::tensor(
                t,
                &tensor.name,
                "is a model output that is only a view of a constant; embedml needs outputs an operator computes",
            ));
        }
    }
}

/// The model's inputs and outputs must be activations embedml can hand to the user.
pub(super) fn check_boundary(graph: &Graph, errors: &mut Collector) {
    for (what, list) in [("input", &graph.inputs), ("output", &graph.outputs)] {
        for &t in list.iter() {
            let tensor = &graph.tensors[t];
            if !matches!(
                tensor.element_type,
                ElementType::Int8
                    | ElementType::UInt8
                    | ElementType::Int16
                    | ElementType::Int32
                    | ElementType::UInt32
                    | ElementType::UInt64
                    | ElementType::Float32
            ) {
                errors.push(Error::tensor(
                    t,
                    &tensor.name,
                    format!(
                        "is a model {what} of type {}; embedml supports INT8, UINT8, INT16, INT32, UINT32, UINT64 and FLOAT32",
                        tensor.element_type.name()
                    ),
                ));
            }
            if tensor.data.is_some() {
                errors.push(Error::tensor(
                    t,
                    &tensor.name,
                    format!("is a model {what} but constant"),
                ));
            }
        }
    }
    if graph.outputs.is_empty() {
        errors.push(Error::model("the model has no outputs"));
    }
}

/// Every activation an op reads must be written earlier (or be a model input), and written once.
pub(super) fn check_order(graph: &Graph, errors: &mut Collector) {
    // Variables hold state from the previous invocation, so they count as written; the ops that
    // use them are the ones reported.
    let mut written: Vec<bool> = graph.tensors.iter().map(|t| t.is_variable).collect();
    for &t in &graph.inputs {
        written[t] = true;
    }
    for op in &graph.ops {
        for &t in op.inputs.iter().flatten() {
            let tensor = &graph.tensors[t];
            if tensor.data.is_none() && !written[t] {
                errors.push(op_tensor(
                    op,
                    tensor,
                    "is read before any operator writes it (the graph is cyclic or out of order)",
                ));
            }
        }
        for &t in &op.outputs {
            let tensor = &graph.tensors[t];
            let problem = if tensor.data.is_some() {
                Some("is written, but it is a constant")
            } else if graph.inputs.contains(&t) {
                Some("is written, but it is a model input")
            } else if written[t] && !tensor.is_variable {
                Some("is written by two operators")
            } else {
                None
            };
            if let Some(problem) = problem {
                errors.push(op_tensor(op, tensor, problem));
            }
            written[t] = true;
        }
    }
    for &t in &graph.outputs {
        // A constant output is reported by `check_boundary`.
        if !written[t] && graph.tensors[t].data.is_none() {
            let tensor = &graph.tensors[t];
            errors.push(Error::tensor(
                t,
                &tensor.name,
                "is a model output that no operator writes",
            ));
        }
    }
}

/// An error about a tensor as an operator sees it.
pub(super) fn op_tensor(op: &Op, tensor: &Tensor, message: impl Into<String>) -> Error {
    Error {
        location: Location::OpTensor {
            op: op.index,
            op_name: op.name.clone(),
            tensor: tensor.index,
            tensor_name: tensor.name.clone(),
        },
        message: message.into(),
    }
}

/// The operators whose kernels keep a variable tensor as state across invocations.
const STATEFUL: &[&str] = &["SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"];

/// One operator being checked, with the helpers families share.
pub struct Check<'g, 'a> {
    /// The graph.
    pub graph: &'g Graph<'a>,
    /// The model's state (variable tensors and resource variables).
    pub state: &'g crate::state::State,
    /// The operator.
    pub op: &'g Op<'a>,
    /// How the model is compiled.
    pub options: &'g crate::Options,
}

impl<'g, 'a> Check<'g, 'a> {
    /// Every tensor a supported op touches has elements, a type embedml can store, and no state.
    pub(super) fn tensors_fit(&self) -> Result<(), Error> {
        for &t in self.op.inputs.iter().flatten().chain(&self.op.outputs) {
            let tensor = self.tensor(t);
            // Only the families that keep state take variable tensors (and check where).
            if tensor.is_variable && !STATEFUL.contains(&self.op.name.as_str()) {
                return Err(self.tensor_error(
                    tensor,
                    "is a variable (state kept across invocations); not supported",
                ));
            }
            if tensor.is_empty() {
                return Err(self.tensor_error(
                    tensor,
                    format!("has shape {:?}, which has no elements", tensor.shape),
                ));
            }
            if tensor.element_type.size().is_none() {
                return Err(self.tensor_error(
                    tensor,
                    format!(
                        "has type {}, which embedml does not support",
                        tensor.element_type.name()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An error at this operator.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::op(self.op.index, &self.op.name, message)
    }

    /// An error about one of this operator's tensors.
    pub fn tensor_error(&self, tensor: &Tensor, message: impl Into<String>) -> Error {
        op_tensor(self.op, tensor, message)
    }

    /// Tensor `t`.
    pub fn tensor(&self, t: usize) -> &'g Tensor<'a> {
        &self.graph.tensors[t]
    }

    /// The options table `T`, if the operator has one.
    pub fn options<T: OptionsTable<'a>>(&self) -> Result<Option<T>, Error> {
        self.op.options.get::<T>().map_err(|e| self.error(e))
    }

    /// The options table `T`, which the operator must have.
    pub fn required_options<T: OptionsTable<'a>>(&self) -> Result<T, Error> {
        self.op.options.required::<T>().map_err(|e| self.error(e))
    }

    /// A custom operator's options (a flexbuffer map), read and checked; empty if it has none.
    pub fn custom_options(&self) -> Result<crate::tflite::CustomOptions, Error> {
        match self.op.custom_options {
            None | Some([]) => Ok(crate::tflite::CustomOptions::empty()),
            Some(bytes) => crate::tflite::CustomOptions::parse(bytes).map_err(|e| self.error(e)),
        }
    }

    /// Input `i`, which the operator must have.
    pub fn input(&self, i: usize, what: &str) -> Result<usize, Error> {
        self.op
            .input(i)
            .ok_or_else(|| self.error(format!("input {i} ({what}) is missing")))
    }

    /// The single output.
    pub fn output(&self) -> Result<usize, Error> {
        match self.op.outputs.as_slice() {
            [t] => Ok(*t),
            other => Err(self.error(format!("has {} outputs; expected 1", other.len()))),
        }
    }

    /// The number type of an op whose activation input and output have the same type.
    pub fn precision(&self, input: usize, output: usize) -> Result<Precision, Error> {
        let (i, o) = (self.tensor(input), self.tensor(output));
        let precision = match (i.element_type, o.element_type) {
            (ElementType::Int8, ElementType::Int8) => Precision::Int8,
            (ElementType::Float32, ElementType::Float32) => Precision::Float32,
            (a, b) => {
                return Err(self.error(format!(
                    "{} input with {} output is not supported (INT8 or FLOAT32 throughout)",
                    a.name(),
                    b.name()
                )));
            }
        };
        if i.data.is_some() {
            return Err(self.tensor_error(i, "a constant activation input is not supported"));
        }
        if precision == Precision::Int8 {
            for t in [i, o] {
                self.per_tensor_quantized(t)?;
            }
        }
        Ok(precision)
    }

    /// [`Check::precision`], or [`Precision::Int16`] for int16 input and output: each quantized
    /// per tensor with zero point 0 (TFLite's 16x8 quantization is symmetric, and TFLM's int16
    /// kernels leave the zero points out of their arithmetic).
    pub fn precision_int16x8(&self, input: usize, output: usize) -> Result<Precision, Error> {
        let (i, o) = (self.tensor(input), self.tensor(output));
        if (i.element_type, o.element_type) != (ElementType::Int16, ElementType::Int16) {
            return self.precision(input, output).map_err(|e| Error {
                message: e
                    .message
                    .replace("(INT8 or FLOAT32", "(INT8, INT16 or FLOAT32"),
                ..e
            });
        }
        if i.data.is_some() {
            return Err(self.tensor_error(i, "a constant activation input is not supported"));
        }
        for t in [i, o] {
            self.int16_quantized(t)?;
        }
        Ok(Precision::Int16)
    }

    /// An int16 activation of int16x8 quantization: one scale, zero point 0.
    pub fn int16_quantized(&self, t: &Tensor) -> Result<(), Error> {
        match &t.quantization {
            Some(q) if q.scales.len() == 1 => match q.zero_points.first() {
                Some(0) | None => Ok(()),
                Some(&z) => Err(self.tensor_error(
                    t,
                    format!(
                        "an INT16 activation has zero point {z}; int16x8 quantization needs 0 \
                         (TFLM's int16 kernels ignore it), requantize the model symmetrically"
                    ),
                )),
            },
            Some(_) => Err(self.tensor_error(
                t,
                "per-channel quantization of an activation is not supported",
            )),
            None => Err(self.tensor_error(t, "an INT16 activation must be quantized")),
        }
    }

    /// The optional bias of an int16x8 weighted op at input `index`, one per output channel, of
    /// one of the types `allowed` (TFLM's, which differ per operator); with its type.
    pub fn bias_int16x8(
        &self,
        index: usize,
        channels: usize,
        allowed: &[ElementType],
    ) -> Result<Option<(usize, ElementType)>, Error> {
        let Some(t) = self.op.input(index) else {
            return Ok(None);
        };
        let tensor = self.tensor(t);
        if !allowed.contains(&tensor.element_type) {
            let names: Vec<&str> = allowed.iter().map(|e| e.name()).collect();
            return Err(self.tensor_error(
                tensor,
                format!(
                    "an int16x8 {} bias has type {}; TFLM takes {}",
                    self.op.name,
                    tensor.element_type.name(),
                    names.join(" or ")
                ),
            ));
        }
        self.constant(t, tensor.element_type, "bias")?;
        let len = tensor.len();
        if len != channels {
            return Err(self.tensor_error(
                tensor,
                format!(
                    "the bias has {len} element{}; expected {channels}",
                    crate::tflite::plural(len)
                ),
            ));
        }
        Ok(Some((t, tensor.element_type)))
    }

    /// An int8 activation: one scale, a zero point inside int8.
    pub fn per_tensor_quantized(&self, t: &Tensor) -> Result<(), Error> {
        match &t.quantization {
            Some(q) if q.scales.len() == 1 => {
                if !(-128..=127).contains(&q.zero_points[0]) {
                    return Err(self.tensor_error(
                        t,
                        format!("zero point {} is outside INT8", q.zero_points[0]),
                    ));
                }
                Ok(())
            }
            Some(_) => Err(self.tensor_error(
                t,
                "per-channel quantization of an activation is not supported",
            )),
            None => Err(self.tensor_error(t, "an INT8 activation must be quantized")),
        }
    }

    /// A constant of the given type.
    pub fn constant(&self, t: usize, element_type: ElementType, what: &str) -> Result<(), Error> {
        let tensor = self.tensor(t);
        if tensor.data.is_none() {
            return Err(self.tensor_error(tensor, format!("the {what} must be constant")));
        }
        if tensor.element_type != element_type {
            return Err(self.tensor_error(
                tensor,
                format!(
                    "the {what} {} type {}; expected {}",
                    if what.ends_with('s') { "have" } else { "has" },
                    tensor.element_type.name(),
                    element_type.name()
                ),
            ));
        }
        Ok(())
    }

    /// Int8 weights: symmetric, per tensor or one scale per output channel along `channel_dim`.
    pub fn weight_quantization(
        &self,
        t: usize,
        channels: usize,
        channel_dim: usize,
    ) -> Result<(), Error> {
        let tensor = self.tensor(t);
        let Some(q) = &tensor.quantization else {
            return Err(self.tensor_error(tensor, "INT8 weights must be quantized"));
        };
        if q.zero_points.iter().any(|&z| z != 0) {
            return Err(self.tensor_error(tensor, "INT8 weights must be symmetric (zero point 0)"));
        }
        if q.scales.len() != 1 && (q.scales.len() != channels || q.dimension != channel_dim) {
            return Err(self.tensor_error(
                tensor,
                format!(
                    "has {} scales along dimension {}; expected 1, or {channels} along dimension {channel_dim}",
                    q.scales.len(),
                    q.dimension
                ),
            ));
        }
        Ok(())
    }

    /// The optional bias at input `index`: int32 for int8 ops, float32 for float ones, one per
    /// output channel.
    pub fn bias(
        &self,
        index: usize,
        precision: Precision,
        channels: usize,
    ) -> Result<Option<usize>, Error> {
        let Some(t) = self.op.input(index) else {
            return Ok(None);
        };
        let element_type = match precision {
            Precision::Int8 => ElementType::Int32,
            Precision::Float32 => ElementType::Float32,
            // int16x8 ops check their biases with `bias_int16x8`.
            Precision::Int16 => ElementType::Int64,
        };
        self.constant(t, element_type, "bias")?;
        let len = self.tensor(t).len();
        if len != channels {
            return Err(self.tensor_error(
                self.tensor(t),
                format!(
                    "the bias has {len} element{}; expected {channels}",
                    crate::tflite::plural(len)
                ),
            ));
        }
        Ok(Some(t))
    }

    /// The shape of a rank-4 tensor.
    pub fn rank4(&self, t: usize) -> Result<[usize; 4], Error> {
        let tensor = self.tensor(t);
        <[usize; 4]>::try_from(tensor.shape.as_slice()).map_err(|_| {
            self.tensor_error(
                tensor,
                format!("has shape {:?}; expected rank 4", tensor.shape),
            )
        })
    }

    /// A tensor of rank at most 4 (the data-movement kernels pad shapes to 4).
    pub fn rank_at_most_4(&self, t: usize) -> Result<(), Error> {
        let tensor = self.tensor(t);
        if tensor.shape.len() > super::shape::MAX_RANK {
            return Err(self.tensor_error(
                tensor,
                format!("has rank {}; at most 4 is supported", tensor.shape.len()),
            ));
        }
        Ok(())
    }

    /// The input and output of a data-movement op must have the same quantization, since the
    /// kernel copies bytes.
    pub fn same_quantization(&self, input: usize, output: usize) -> Result<(), Error> {
        let (i, o) = (self.tensor(input), self.tensor(output));
        if matches!(i.element_type, ElementType::Int8 | ElementType::Int16)
            && i.scale_and_zero_point() != o.scale_and_zero_point()
        {
            return Err(self.tensor_error(
                o,
                format!(
                    "the output's {} differ from the input's {}; embedml needs them equal here",
                    describe_quantization(o),
                    describe_quantization(i)
                ),
            ));
        }
        Ok(())
    }

    /// The input and output of a data-movement op (PAD, TRANSPOSE, STRIDED_SLICE): one
    /// precision, one quantization (the kernel copies elements), input rank at most 4.
    pub fn data_movement(&self) -> Result<(usize, usize, Precision), Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.same_quantization(input, output)?;
        self.rank_at_most_4(input)?;
        Ok((input, output, precision))
    }

    /// The element type of an op that copies elements from `input` (computed at run time) to
    /// `output`: one type on both sides, one of `allowed` (the types TFLM's kernel takes), and
    /// for a quantized type per-tensor quantization (see [`Check::copy_quantization`]).
    pub fn copied_element(
        &self,
        input: usize,
        output: usize,
        allowed: &[Element],
    ) -> Result<Element, Error> {
        let (i, o) = (self.tensor(input), self.tensor(output));
        let element = super::lower::element(i.element_type).ok();
        let Some(element) =
            element.filter(|e| i.element_type == o.element_type && allowed.contains(e))
        else {
            let names: Vec<&str> = allowed.iter().map(|&e| super::copy::type_name(e)).collect();
            return Err(self.error(format!(
                "{} input with {} output is not supported (TFLM's kernel takes {} throughout)",
                i.element_type.name(),
                o.element_type.name(),
                names.join(", ")
            )));
        };
        if i.data.is_some() {
            return Err(self.tensor_error(i, "a constant activation input is not supported"));
        }
        self.copy_quantization(input, output)?;
        Ok(element)
    }

    /// For a raw copy between int8 or int16 tensors: per-tensor quantization on both sides,
    /// int16 with zero point 0 (TFLM's int16 is symmetric); nothing for other types. The two
    /// sides may differ: TFLM's copying kernels (PACK, SPLIT, SLICE, TRANSPOSE, PAD and the
    /// rest) copy raw values whatever the quantizations say, and so does embedml.
    pub fn copy_quantization(&self, input: usize, output: usize) -> Result<(), Error> {
        let (i, o) = (self.tensor(input), self.tensor(output));
        match i.element_type {
            ElementType::Int8 => {
                self.per_tensor_quantized(i)?;
                self.per_tensor_quantized(o)?;
            }
            ElementType::Int16 => {
                for t in [i, o] {
                    if let Some(q) = &t.quantization {
                        if q.scales.len() != 1 {
                            return Err(self.tensor_error(
                                t,
                                "per-channel quantization of an activation is not supported",
                            ));
                        }
                        if q.zero_points.first().is_some_and(|&z| z != 0) {
                            return Err(self.tensor_error(
                                t,
                                format!(
                                    "an INT16 activation has zero point {}; TFLM needs 0",
                                    q.zero_points[0]
                                ),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// [`Check::data_movement`] for any element type of `allowed`.
    pub fn data_movement_of(&self, allowed: &[Element]) -> Result<(usize, usize, Element), Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let element = self.copied_element(input, output, allowed)?;
        self.rank_at_most_4(input)?;
        Ok((input, output, element))
    }

    /// A constant index vector (int32 or int64) at input `i`.
    pub fn indices(&self, i: usize, what: &str) -> Result<Vec<i64>, Error> {
        let t = self.input(i, what)?;
        self.tensor(t).indices().ok_or_else(|| {
            self.tensor_error(
                self.tensor(t),
                format!("the {what} must be a constant INT32 or INT64 tensor"),
            )
        })
    }

    /// Fails unless a rescale's left shift is at most 31 (see `shift_fits`).
    pub fn check_shift(&self, shift: i32, what: &str) -> Result<(), Error> {
        shift_fits(shift, what).map_err(|e| self.error(e))
    }

    /// The per-tensor scale of tensor `t` ([`Tensor::scale`]).
    pub fn scale(&self, t: usize) -> f32 {
        self.tensor(t).scale()
    }

    /// The zero point of tensor `t` ([`Tensor::zero_point`]).
    pub fn zero_point(&self, t: usize) -> i32 {
        self.tensor(t).zero_point()
    }
}

/// "scale S and zero point Z", or "no quantization".
pub(super) fn describe_quantization(tensor: &Tensor) -> String {
    match tensor.scale_and_zero_point() {
        Some((scale, zero_point)) => format!("scale {scale} and zero point {zero_point}"),
        None => "no quantization".to_owned(),
    }
}

/// A rescale TFLM's fixed-point arithmetic can do: a left shift of at most 31 (a real multiplier
/// below 2^32); TFLM's `x * (1 << shift)` is undefined beyond.
pub(super) fn shift_fits(shift: i32, what: &str) -> Result<(), String> {
    if shift > 31 {
        return Err(format!(
            "the {what} needs a rescale by 2^{shift}, beyond TFLM's fixed-point range (the scales are implausible)"
        ));
    }
    Ok(())
}
