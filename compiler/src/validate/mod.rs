//! What embedml can run: checks a graph op by op and turns it into a typed program whose shapes,
//! types and constants are known to fit the kernels. Anything else is an error that says why.

use crate::error::{Collector, Error, Errors, Location};
use crate::ir::{Conv2d, ElementType, Graph, Op, OpKind, Padding, Tensor};
use crate::quant::Activation;

mod layers;

/// The number type a kernel computes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// int8 activations and weights, int32 biases and accumulators.
    Int8,
    /// float32 throughout.
    Float32,
}

/// The shape arithmetic of a convolution, resolved from the tensors and options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Input rows, columns, channels.
    pub input: [usize; 3],
    /// Output rows, columns, channels.
    pub output: [usize; 3],
    /// Filter rows and columns.
    pub filter: [usize; 2],
    /// Row and column stride.
    pub stride: [usize; 2],
    /// Row and column dilation.
    pub dilation: [usize; 2],
    /// Implicit rows above and columns left of the input.
    pub padding: [usize; 2],
}

/// How two inputs of a binary op map onto its output, shapes padded to rank 4: output element
/// `[i0, i1, i2, i3]` reads `input1[sum(ik * input1_strides[k])]` and likewise input 2; a
/// broadcast dimension has stride 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// The output's shape.
    pub output_shape: [usize; 4],
    /// Input 1's element strides.
    pub input1_strides: [usize; 4],
    /// Input 2's element strides.
    pub input2_strides: [usize; 4],
}

/// A pooling window's reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// AVERAGE_POOL_2D.
    Average,
    /// MAX_POOL_2D.
    Max,
}

/// A broadcasting binary element-wise op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    /// ADD.
    Add,
    /// SUB.
    Sub,
    /// MUL.
    Mul,
    /// MAXIMUM.
    Maximum,
    /// MINIMUM.
    Minimum,
}

/// A unary element-wise activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryKind {
    /// RELU.
    Relu,
    /// RELU6.
    Relu6,
    /// RELU_N1_TO_1.
    ReluN1To1,
    /// LEAKY_RELU with its slope.
    LeakyRelu(f32),
    /// LOGISTIC.
    Logistic,
    /// TANH.
    Tanh,
    /// HARD_SWISH.
    HardSwish,
}

/// A checked operator: the tensors it reads and writes, by index, and its resolved parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// FULLY_CONNECTED.
    FullyConnected {
        /// Number type.
        precision: Precision,
        /// Activation input.
        input: usize,
        /// Constant weights `[output_depth, accum_depth]`.
        weights: usize,
        /// Constant bias `[output_depth]`, if any.
        bias: Option<usize>,
        /// Output.
        output: usize,
        /// Inputs per output.
        accum_depth: usize,
        /// Outputs per batch.
        output_depth: usize,
        /// Fused activation.
        activation: Activation,
    },
    /// CONV_2D or DEPTHWISE_CONV_2D.
    Conv2d {
        /// Number type.
        precision: Precision,
        /// Depthwise: output channels per input channel; `None` for a plain convolution.
        depth_multiplier: Option<usize>,
        /// Activation input.
        input: usize,
        /// Constant filter.
        filter: usize,
        /// Constant bias, if any.
        bias: Option<usize>,
        /// Output.
        output: usize,
        /// Shapes, strides, padding.
        geometry: Geometry,
        /// Fused activation.
        activation: Activation,
    },
    /// SOFTMAX over the innermost dimension.
    Softmax {
        /// Number type.
        precision: Precision,
        /// Input.
        input: usize,
        /// Output.
        output: usize,
        /// Elements per row.
        depth: usize,
        /// Inverse temperature.
        beta: f32,
    },
    /// AVERAGE_POOL_2D or MAX_POOL_2D.
    Pool {
        /// Average or max.
        kind: PoolKind,
        /// Number type.
        precision: Precision,
        /// Input.
        input: usize,
        /// Output.
        output: usize,
        /// Shapes, window, strides, padding (dilation 1).
        geometry: Geometry,
        /// Fused activation.
        activation: Activation,
    },
    /// A broadcasting binary element-wise op.
    Binary {
        /// Which op.
        kind: BinaryKind,
        /// Number type.
        precision: Precision,
        /// First input.
        input1: usize,
        /// Second input.
        input2: usize,
        /// Output.
        output: usize,
        /// Fused activation (none for MAXIMUM and MINIMUM).
        activation: Activation,
        /// How the inputs map onto the output when their shapes differ.
        broadcast: Option<Broadcast>,
    },
    /// A unary element-wise activation.
    Unary {
        /// Which op.
        kind: UnaryKind,
        /// Number type.
        precision: Precision,
        /// Input.
        input: usize,
        /// Output.
        output: usize,
    },
    /// QUANTIZE from float32 to int8.
    Quantize {
        /// Input.
        input: usize,
        /// Output.
        output: usize,
    },
    /// QUANTIZE from int8 to int8 with another scale or zero point.
    Requantize {
        /// Input.
        input: usize,
        /// Output.
        output: usize,
    },
    /// DEQUANTIZE from int8 to float32.
    Dequantize {
        /// Input.
        input: usize,
        /// Output.
        output: usize,
    },
    /// PAD with zero (the zero point for int8), shapes padded to rank 4.
    Pad {
        /// Number type.
        precision: Precision,
        /// Input.
        input: usize,
        /// Output.
        output: usize,
        /// The input's shape.
        input_shape: [usize; 4],
        /// The output's shape.
        output_shape: [usize; 4],
        /// Elements added before the input in each dimension.
        before: [usize; 4],
    },
    /// CONCATENATION, as `outer` blocks made of `sizes[k]` elements of each input k.
    Concatenation {
        /// Number type.
        precision: Precision,
        /// Inputs, in order.
        inputs: Vec<usize>,
        /// Output.
        output: usize,
        /// Blocks before the axis.
        outer: usize,
        /// Elements of each input per block.
        sizes: Vec<usize>,
    },
    /// MEAN over the middle of `[outer, reduced, inner]`.
    Mean {
        /// Number type.
        precision: Precision,
        /// Input.
        input: usize,
        /// Output.
        output: usize,
        /// Product of the dimensions before the reduced ones.
        outer: usize,
        /// Product of the reduced dimensions.
        reduced: usize,
        /// Product of the dimensions after them.
        inner: usize,
    },
    /// TRANSPOSE or STRIDED_SLICE: `output[o] = input[start + sum(o[k] * strides[k])]`.
    Gather {
        /// Number type.
        precision: Precision,
        /// Input.
        input: usize,
        /// Output.
        output: usize,
        /// The output's shape padded to rank 4.
        output_shape: [usize; 4],
        /// The input element of output element 0.
        start: usize,
        /// Input elements per output step, per dimension.
        strides: [isize; 4],
    },
    /// RESHAPE, SQUEEZE, EXPAND_DIMS: the output is a view of the input (no code runs).
    View {
        /// Input.
        input: usize,
        /// Output.
        output: usize,
    },
}

/// How a step uses memory, for the planner: views share their input's bytes; element-wise steps
/// may overwrite their (first) input when it has the output's type and size. (A stopgap until
/// each operator family declares its own `plan::Access`.)
pub fn access(step: &Step, graph: &Graph) -> crate::plan::Access {
    use crate::plan::{Access, InPlace};
    let (input, output) = match *step {
        Step::View { input, output } => return Access::View { input, output },
        Step::Unary { input, output, .. }
        | Step::Requantize { input, output }
        | Step::Binary {
            input1: input,
            output,
            ..
        } => (input, output),
        _ => return Access::Kernel { in_place: None },
    };
    let (i, o) = (&graph.tensors[input], &graph.tensors[output]);
    let fits = i.element_type == o.element_type && i.len() == o.len();
    Access::Kernel {
        in_place: fits.then_some(InPlace { input, output }),
    }
}

/// Checks every operator and the model's inputs and outputs, reporting every problem found.
pub fn validate(graph: &Graph) -> Result<Vec<Step>, Errors> {
    let mut errors = Collector::default();
    check_boundary(graph, &mut errors);
    check_order(graph, &mut errors);
    let steps: Vec<Step> = graph
        .ops
        .iter()
        .filter_map(|op| errors.ok(Checker { graph, op }.step()))
        .collect();
    check_outputs_computed(graph, &steps, &mut errors);
    errors.finish(steps)
}

/// A model output must live in the arena: a view of a constant (RESHAPE of weights) would be
/// flash, which the output accessors cannot hand out.
fn check_outputs_computed(graph: &Graph, steps: &[Step], errors: &mut Collector) {
    let mut constant: Vec<bool> = graph.tensors.iter().map(|t| t.data.is_some()).collect();
    for step in steps {
        if let Step::View { input, output } = *step {
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
fn check_boundary(graph: &Graph, errors: &mut Collector) {
    for (what, list) in [("input", &graph.inputs), ("output", &graph.outputs)] {
        for &t in list.iter() {
            let tensor = &graph.tensors[t];
            if !matches!(
                tensor.element_type,
                ElementType::Int8 | ElementType::Float32
            ) {
                errors.push(Error::tensor(
                    t,
                    &tensor.name,
                    format!(
                        "is a model {what} of type {}; embedml supports INT8 and FLOAT32",
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
fn check_order(graph: &Graph, errors: &mut Collector) {
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

fn op_tensor(op: &Op, tensor: &Tensor, message: impl Into<String>) -> Error {
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

struct Checker<'g, 'a> {
    graph: &'g Graph<'a>,
    op: &'g Op,
}

impl<'g, 'a> Checker<'g, 'a> {
    fn step(&self) -> Result<Step, Error> {
        if self.op.kind != OpKind::Unsupported {
            self.tensors_fit()?;
        }
        match self.op.kind {
            OpKind::FullyConnected(fc) => self.fully_connected(fc.activation),
            OpKind::Conv2d(conv) => self.conv(conv, None),
            OpKind::DepthwiseConv2d(dw) => self.conv(dw.conv, Some(dw.depth_multiplier)),
            OpKind::Softmax { beta } => self.softmax(beta),
            OpKind::Reshape => self.reshape(),
            OpKind::AveragePool2d(pool) => self.pool(PoolKind::Average, pool),
            OpKind::MaxPool2d(pool) => self.pool(PoolKind::Max, pool),
            OpKind::Add(activation) => self.binary(BinaryKind::Add, activation),
            OpKind::Sub(activation) => self.binary(BinaryKind::Sub, activation),
            OpKind::Mul(activation) => self.binary(BinaryKind::Mul, activation),
            OpKind::Maximum => self.binary(BinaryKind::Maximum, Activation::None),
            OpKind::Minimum => self.binary(BinaryKind::Minimum, Activation::None),
            OpKind::Relu => self.unary(UnaryKind::Relu),
            OpKind::Relu6 => self.unary(UnaryKind::Relu6),
            OpKind::ReluN1To1 => self.unary(UnaryKind::ReluN1To1),
            OpKind::LeakyRelu { alpha } => self.unary(UnaryKind::LeakyRelu(alpha)),
            OpKind::Logistic => self.unary(UnaryKind::Logistic),
            OpKind::Tanh => self.unary(UnaryKind::Tanh),
            OpKind::HardSwish => self.unary(UnaryKind::HardSwish),
            OpKind::Quantize => self.quantize(),
            OpKind::Dequantize => self.dequantize(),
            OpKind::Pad => self.pad(),
            OpKind::Concatenation { axis, activation } => self.concatenation(axis, activation),
            OpKind::Mean { .. } => self.mean(),
            OpKind::Transpose => self.transpose(),
            OpKind::StridedSlice(slice) => self.strided_slice(slice),
            OpKind::Unsupported if self.op.name.starts_with("custom ") => {
                Err(self.error("embedml has no kernel for this custom operator"))
            }
            OpKind::Unsupported if self.op.name.starts_with("builtin code ") => Err(self.error(
                "embedml has no kernel for this operator (its code is newer than the schema embedml knows)",
            )),
            OpKind::Unsupported => Err(self.error("embedml has no kernel for this operator")),
        }
    }

    /// Every tensor a supported op touches has elements, a type embedml can store, and no state.
    fn tensors_fit(&self) -> Result<(), Error> {
        for &t in self.op.inputs.iter().flatten().chain(&self.op.outputs) {
            let tensor = self.tensor(t);
            if tensor.is_variable {
                return Err(op_tensor(
                    self.op,
                    tensor,
                    "is a variable (state kept across invocations); not supported",
                ));
            }
            if tensor.is_empty() {
                return Err(op_tensor(
                    self.op,
                    tensor,
                    format!("has shape {:?}, which has no elements", tensor.shape),
                ));
            }
            if tensor.element_type.size().is_none() {
                return Err(op_tensor(
                    self.op,
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

    fn error(&self, message: impl Into<String>) -> Error {
        Error::op(self.op.index, &self.op.name, message)
    }

    /// The implicit padding of a window, which TFLM keeps in 16 bits (`PaddingValues`).
    fn tflm_padding(&self, [h, w]: [usize; 2]) -> Result<(), Error> {
        use crate::tflite::tflm_i16_derived;
        tflm_i16_derived("the padding above the input (padding_h)", h)
            .and_then(|_| tflm_i16_derived("the padding left of the input (padding_w)", w))
            .map(|_| ())
            .map_err(|message| self.error(message))
    }

    fn tensor(&self, t: usize) -> &'g Tensor<'a> {
        &self.graph.tensors[t]
    }

    /// Input `i`, which the operator must have.
    fn input(&self, i: usize, what: &str) -> Result<usize, Error> {
        self.op
            .input(i)
            .ok_or_else(|| self.error(format!("input {i} ({what}) is missing")))
    }

    fn output(&self) -> Result<usize, Error> {
        match self.op.outputs.as_slice() {
            [t] => Ok(*t),
            other => Err(self.error(format!("has {} outputs; expected 1", other.len()))),
        }
    }

    /// The number type of an op whose activation input and output have the same type.
    fn precision(&self, input: usize, output: usize) -> Result<Precision, Error> {
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
            return Err(op_tensor(
                self.op,
                i,
                "a constant activation input is not supported",
            ));
        }
        if precision == Precision::Int8 {
            for t in [i, o] {
                self.per_tensor_quantized(t)?;
            }
        }
        Ok(precision)
    }

    fn per_tensor_quantized(&self, t: &Tensor) -> Result<(), Error> {
        match &t.quantization {
            Some(q) if q.scales.len() == 1 => {
                if !(-128..=127).contains(&q.zero_points[0]) {
                    return Err(op_tensor(
                        self.op,
                        t,
                        format!("zero point {} is outside INT8", q.zero_points[0]),
                    ));
                }
                Ok(())
            }
            Some(_) => Err(op_tensor(
                self.op,
                t,
                "per-channel quantization of an activation is not supported",
            )),
            None => Err(op_tensor(
                self.op,
                t,
                "an INT8 activation must be quantized",
            )),
        }
    }

    /// A constant of the given type and shape.
    fn constant(&self, t: usize, element_type: ElementType, what: &str) -> Result<(), Error> {
        let tensor = self.tensor(t);
        if tensor.data.is_none() {
            return Err(op_tensor(
                self.op,
                tensor,
                format!("the {what} must be constant"),
            ));
        }
        if tensor.element_type != element_type {
            return Err(op_tensor(
                self.op,
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
    fn weight_quantization(
        &self,
        t: usize,
        channels: usize,
        channel_dim: usize,
    ) -> Result<(), Error> {
        let tensor = self.tensor(t);
        let Some(q) = &tensor.quantization else {
            return Err(op_tensor(self.op, tensor, "INT8 weights must be quantized"));
        };
        if q.zero_points.iter().any(|&z| z != 0) {
            return Err(op_tensor(
                self.op,
                tensor,
                "INT8 weights must be symmetric (zero point 0)",
            ));
        }
        if q.scales.len() != 1 && (q.scales.len() != channels || q.dimension != channel_dim) {
            return Err(op_tensor(
                self.op,
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

    fn bias(
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
        };
        self.constant(t, element_type, "bias")?;
        if self.tensor(t).len() != channels {
            return Err(op_tensor(
                self.op,
                self.tensor(t),
                format!(
                    "the bias has {} element{}; expected {channels}",
                    self.tensor(t).len(),
                    crate::tflite::plural(self.tensor(t).len())
                ),
            ));
        }
        Ok(Some(t))
    }

    fn weights_type(precision: Precision) -> ElementType {
        match precision {
            Precision::Int8 => ElementType::Int8,
            Precision::Float32 => ElementType::Float32,
        }
    }

    fn fully_connected(&self, activation: Activation) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let weights = self.input(1, "weights")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.constant(weights, Self::weights_type(precision), "weights")?;
        let [output_depth, accum_depth] = self.tensor(weights).shape[..] else {
            let weights = self.tensor(weights);
            return Err(op_tensor(
                self.op,
                weights,
                format!(
                    "the weights have shape {:?}; expected rank 2",
                    weights.shape
                ),
            ));
        };
        if precision == Precision::Int8 {
            self.weight_quantization(weights, output_depth, 0)?;
        }
        let bias = self.bias(2, precision, output_depth)?;
        // TFLM takes the output depth from the output's last dimension.
        if self.tensor(output).shape.last() != Some(&output_depth) {
            return Err(op_tensor(
                self.op,
                self.tensor(output),
                format!(
                    "the output's last dimension must be the weights' output depth {output_depth}"
                ),
            ));
        }
        let in_len = self.tensor(input).len();
        let batches = in_len / accum_depth;
        if !in_len.is_multiple_of(accum_depth)
            || self.tensor(output).len() != batches * output_depth
        {
            return Err(self.error(format!(
                "input {:?} and output {:?} do not fit weights {:?}",
                self.tensor(input).shape,
                self.tensor(output).shape,
                self.tensor(weights).shape
            )));
        }
        Ok(Step::FullyConnected {
            precision,
            input,
            weights,
            bias,
            output,
            accum_depth,
            output_depth,
            activation,
        })
    }

    /// The shape of a rank-4 tensor.
    fn rank4(&self, t: usize) -> Result<[usize; 4], Error> {
        let tensor = self.tensor(t);
        <[usize; 4]>::try_from(tensor.shape.as_slice()).map_err(|_| {
            op_tensor(
                self.op,
                tensor,
                format!("has shape {:?}; expected rank 4", tensor.shape),
            )
        })
    }

    /// CONV_2D, or DEPTHWISE_CONV_2D with the depth multiplier its options state.
    fn conv(&self, conv: Conv2d, depthwise: Option<usize>) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let filter = self.input(1, "filter")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.constant(filter, Self::weights_type(precision), "filter")?;
        let rank4 = |t: usize| -> Result<[usize; 4], Error> {
            <[usize; 4]>::try_from(self.tensor(t).shape.as_slice()).map_err(|_| {
                op_tensor(
                    self.op,
                    self.tensor(t),
                    format!("has shape {:?}; expected rank 4", self.tensor(t).shape),
                )
            })
        };
        let [batches, in_h, in_w, in_c] = rank4(input)?;
        let [f0, f_h, f_w, f3] = rank4(filter)?;
        let [out_n, out_h, out_w, out_c] = rank4(output)?;
        let (depth_multiplier, channel_dim) = if let Some(stated) = depthwise {
            if f0 != 1 || f3 != out_c || out_c % in_c != 0 {
                return Err(self.error(format!(
                    "filter {:?} does not fit input channels {in_c} and output channels {out_c}",
                    self.tensor(filter).shape
                )));
            }
            // TFLM indexes with the stated multiplier, so it must agree with the shapes.
            if stated != out_c / in_c {
                return Err(self.error(format!(
                    "depth_multiplier {stated} does not match {in_c} input and {out_c} output channels"
                )));
            }
            (Some(out_c / in_c), 3)
        } else {
            if f0 != out_c || f3 != in_c {
                return Err(self.error(format!(
                    "filter {:?} does not fit input channels {in_c} and output channels {out_c} \
                     (grouped convolution is not supported)",
                    self.tensor(filter).shape
                )));
            }
            (None, 0)
        };
        if precision == Precision::Int8 {
            self.weight_quantization(filter, out_c, channel_dim)?;
        }
        let bias = self.bias(2, precision, out_c)?;
        let (pad_h, expect_h) = window(conv.padding, in_h, f_h, conv.stride[0], conv.dilation[0]);
        let (pad_w, expect_w) = window(conv.padding, in_w, f_w, conv.stride[1], conv.dilation[1]);
        if out_n != batches || out_h != expect_h || out_w != expect_w {
            return Err(self.error(format!(
                "output shape {:?} does not match the input {:?}, filter, strides and padding (expected [{batches}, {expect_h}, {expect_w}, {out_c}])",
                self.tensor(output).shape,
                self.tensor(input).shape
            )));
        }
        self.tflm_padding([pad_h, pad_w])?;
        Ok(Step::Conv2d {
            precision,
            depth_multiplier,
            input,
            filter,
            bias,
            output,
            geometry: Geometry {
                input: [in_h, in_w, in_c],
                output: [out_h, out_w, out_c],
                filter: [f_h, f_w],
                stride: conv.stride,
                dilation: conv.dilation,
                padding: [pad_h, pad_w],
            },
            activation: conv.activation,
        })
    }

    fn softmax(&self, beta: f32) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        let (i, o) = (self.tensor(input), self.tensor(output));
        if i.shape != o.shape {
            return Err(self.error(format!(
                "input {:?} and output {:?} differ in shape",
                i.shape, o.shape
            )));
        }
        if precision == Precision::Int8 && o.scale_and_zero_point() != Some((1.0 / 256.0, -128)) {
            return Err(op_tensor(
                self.op,
                o,
                "an INT8 softmax output must have scale 1/256 and zero point -128",
            ));
        }
        if precision == Precision::Int8 {
            let input_scale = i.scale_and_zero_point().map_or(0.0, |(s, _)| s);
            // TFLM needs beta * scale, scaled to the Q5.26 difference, above one.
            if f64::from(beta) * f64::from(input_scale) * f64::from(1u32 << 26) <= 1.0 {
                return Err(self.error(format!(
                    "beta {beta} times the input scale {input_scale} is too small for TFLM's fixed-point softmax"
                )));
            }
        }
        let depth = i.shape.last().copied().unwrap_or(1);
        Ok(Step::Softmax {
            precision,
            input,
            output,
            depth,
            beta,
        })
    }

    fn reshape(&self) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let (i, o) = (self.tensor(input), self.tensor(output));
        if i.element_type != o.element_type || i.len() != o.len() {
            return Err(self.error(format!(
                "input {} {:?} and output {} {:?} differ in type or size",
                i.element_type.name(),
                i.shape,
                o.element_type.name(),
                o.shape
            )));
        }
        if i.element_type.size().is_none() {
            return Err(self.error(format!(
                "tensors of type {} are not supported",
                i.element_type.name()
            )));
        }
        Ok(Step::View { input, output })
    }
}

/// TFLite's output size and leading padding of a window over `size` elements.
pub fn window(
    padding: Padding,
    size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> (usize, usize) {
    let effective = (filter - 1) * dilation + 1;
    let out = match padding {
        Padding::Same => size.div_ceil(stride),
        Padding::Valid => (size + stride).saturating_sub(effective) / stride,
    };
    let needed = ((out.max(1) - 1) * stride + effective).saturating_sub(size);
    (needed / 2, out)
}
