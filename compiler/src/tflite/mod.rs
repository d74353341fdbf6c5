//! The `.tflite` reader: verifies the flatbuffer, then builds the [`Graph`] IR from it.
//!
//! It knows the file format and nothing about kernels. Every index, size and count read from the
//! file is checked here, so later passes work on a graph that is well formed.

mod names;
mod schema;

use crate::error::{Collector, Error, Errors};
use crate::ir::{
    Conv2d, DepthwiseConv2d, ElementType, FullyConnected, Graph, Op, OpKind, Padding, Pool2d,
    Quantization, StridedSlice, Tensor,
};
use crate::quant::Activation;
use flatbuffers::{Follow, Vector, Verifiable, VerifierOptions};
use schema::options_tag;

pub use names::builtin_operator;

/// The largest tensor, in bytes, a model may declare: far above any microcontroller's memory,
/// and low enough that sizes computed from it cannot overflow.
const MAX_TENSOR_BYTES: usize = 1 << 31;

// What a model may ask of the build. `include_model!` runs inside rustc on the build machine,
// and every pass costs at least linear time and memory in these counts; the generated code has
// one kernel call per operator and one `static` per constant tensor, so rustc's cost grows with
// them too (scripts/build-cost.sh measures it: tens of MiB of float32 weights and 100k operators
// already take minutes and GBs). The limits sit well above that, so a model that could build at
// all is accepted, while a hostile file (a few MB can list one table a million times) cannot make
// the build run out of memory before an error says why.

/// Operators in the subgraph: 10x a 100k-op model; far beyond real models (thousands).
const MAX_OPERATORS: usize = 1_000_000;
/// Tensors in the subgraph, for the same reason.
const MAX_TENSORS: usize = 1_000_000;
/// Bytes of constant data, summed over the tensors (a buffer shared by several tensors counts
/// once per tensor, as the generated code holds it once per tensor): 4x a 64 MiB model, and more
/// flash than any microcontroller has.
const MAX_CONSTANT_BYTES: usize = 256 << 20;
/// A tensor's rank: TFLM's shapes hold at most 6 dimensions; the limit keeps a shape vector
/// shared by many tensors from costing GBs.
const MAX_RANK: usize = 16;
/// Flatbuffer tables the verifier visits (a shared table counts each time): enough for
/// MAX_OPERATORS operators with their options and MAX_TENSORS tensors with their quantization
/// and buffers.
const MAX_TABLES: usize = 8_000_000;
/// Bytes the verifier visits (a shared table or vector counts each time): twice the constant
/// data allowed. It bounds what the reader copies out of the file (shapes, scales, zero points)
/// when one vector is listed many times.
const MAX_APPARENT_BYTES: usize = 2 * MAX_CONSTANT_BYTES;

/// Reads subgraph 0 of a `.tflite` file.
pub fn read(bytes: &[u8]) -> Result<Graph<'_>, Errors> {
    let model = verify(bytes)?;
    let subgraphs = model
        .subgraphs()
        .ok_or_else(|| Error::model("the model has no subgraph"))?;
    if subgraphs.len() != 1 {
        return Err(Error::model(format!(
            "the model has {} subgraphs; embedml compiles models with exactly one \
             (control flow such as IF, WHILE or CALL_ONCE is not supported)",
            subgraphs.len()
        ))
        .into());
    }
    Importer {
        model,
        errors: Collector::default(),
    }
    .graph(subgraphs.get(0))
}

/// Checks the file is a TFLite flatbuffer whose every table and vector lies inside it.
fn verify(bytes: &[u8]) -> Result<schema::Model<'_>, Error> {
    const IDENTIFIER: &[u8] = b"TFL3";
    match bytes.get(4..8) {
        None => {
            return Err(Error::model(format!(
                "not a TFLite model: the file has {} bytes, too few for a flatbuffer",
                bytes.len()
            )));
        }
        Some(id) if id != IDENTIFIER => {
            return Err(Error::model(format!(
                "not a TFLite model: the file identifier is {:?}, expected \"TFL3\"",
                String::from_utf8_lossy(id)
            )));
        }
        Some(_) => {}
    }
    let options = VerifierOptions {
        max_depth: 32,
        max_tables: MAX_TABLES,
        max_apparent_size: MAX_APPARENT_BYTES,
        ..VerifierOptions::default()
    };
    flatbuffers::root_with_opts::<schema::Model>(&options, bytes).map_err(|e| {
        match e {
            flatbuffers::InvalidFlatbuffer::TooManyTables => {
                return Error::model(format!(
                    "the model has more than {MAX_TABLES} flatbuffer tables (tensors, operators, \
                     buffers, options; a table listed twice counts twice); embedml reads at most \
                     that many, a limit on the build's time and memory"
                ));
            }
            flatbuffers::InvalidFlatbuffer::ApparentSizeTooLarge => {
                return Error::model(format!(
                    "the model's flatbuffer is over {MAX_APPARENT_BYTES} bytes, counting a part \
                     listed twice twice; embedml reads at most that many, a limit on the build's \
                     time and memory"
                ));
            }
            _ => {}
        }
        let detail = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Error::model(format!(
            "the TFLite flatbuffer is corrupt or truncated: {detail}"
        ))
    })
}

struct Importer<'a> {
    model: schema::Model<'a>,
    errors: Collector,
}

impl<'a> Importer<'a> {
    fn graph(mut self, subgraph: schema::SubGraph<'a>) -> Result<Graph<'a>, Errors> {
        let operators = subgraph.operators().map_or(0, |o| o.len());
        let count = subgraph.tensors().map_or(0, |t| t.len());
        let mut over = false;
        for (what, n, max) in [
            ("operators", operators, MAX_OPERATORS),
            ("tensors", count, MAX_TENSORS),
        ] {
            if n > max {
                self.errors
                    .push(build_limit(format!("the model has {n} {what}"), max));
                over = true;
            }
        }
        if over {
            return Err(self.errors.into_errors());
        }
        let tensors: Vec<Tensor<'a>> = match subgraph.tensors() {
            Some(list) => list
                .iter()
                .enumerate()
                .filter_map(|(i, t)| self.tensor(i, t))
                .collect(),
            None => Vec::new(),
        };
        if tensors.len() != count {
            // A tensor had an error; op and graph indices would no longer line up.
            return Err(self.errors.into_errors());
        }
        let constant_bytes: usize = tensors.iter().filter_map(|t| t.data).map(<[u8]>::len).sum();
        if constant_bytes > MAX_CONSTANT_BYTES {
            return Err(build_limit(
                format!("the model's constant tensors hold {constant_bytes} bytes"),
                MAX_CONSTANT_BYTES,
            )
            .into());
        }
        let inputs = self.indices("model input", subgraph.inputs(), count);
        let outputs = self.indices("model output", subgraph.outputs(), count);
        let ops = match subgraph.operators() {
            Some(list) => list
                .iter()
                .enumerate()
                .filter_map(|(i, op)| self.op(i, op, &tensors))
                .collect(),
            None => Vec::new(),
        };
        self.errors.finish(Graph {
            tensors,
            ops,
            inputs,
            outputs,
        })
    }

    fn indices(&mut self, what: &str, list: Option<Vector<'a, i32>>, count: usize) -> Vec<usize> {
        let mut indices = Vec::new();
        for raw in list.iter().flatten() {
            match usize::try_from(raw).ok().filter(|&i| i < count) {
                Some(i) => indices.push(i),
                None => self.errors.push(Error::model(format!(
                    "{what} refers to tensor {raw}, but the subgraph has {count} tensors"
                ))),
            }
        }
        indices
    }

    fn tensor(&mut self, index: usize, t: schema::Tensor<'a>) -> Option<Tensor<'a>> {
        let name = t.name().unwrap_or("").to_owned();
        let fail = |message: String| Error::tensor(index, &name, message);
        let code = t.element_type().unwrap_or(0);
        let element_type = match code {
            0 => ElementType::Float32,
            2 => ElementType::Int32,
            3 => ElementType::UInt8,
            4 => ElementType::Int64,
            6 => ElementType::Bool,
            7 => ElementType::Int16,
            9 => ElementType::Int8,
            _ => match names::tensor_type(code) {
                Some(name) => ElementType::Other(name),
                None => {
                    self.errors
                        .push(fail(format!("unknown tensor type code {code}")));
                    return None;
                }
            },
        };
        let rank = t.shape().map_or(0, |s| s.len());
        if rank > MAX_RANK {
            self.errors.push(fail(format!(
                "has rank {rank}; embedml reads tensors of rank at most {MAX_RANK}"
            )));
            return None;
        }
        let mut shape = Vec::new();
        for dim in t.shape().iter().flatten() {
            // Zero is a valid (empty) dimension; validation rejects empty tensors that ops use.
            match usize::try_from(dim) {
                Ok(d) => shape.push(d),
                Err(_) => {
                    self.errors.push(fail(format!(
                        "has a dynamic shape (dimension {dim}); embedml needs static shapes"
                    )));
                    return None;
                }
            }
        }
        if shape.is_empty() && t.shape_signature().is_some_and(|s| !s.is_empty()) {
            self.errors.push(fail(
                "has an unknown shape; embedml needs static shapes".into(),
            ));
            return None;
        }
        let element_bytes = names::tensor_type_size(code);
        let bytes = shape
            .iter()
            .try_fold(element_bytes.unwrap_or(1), |acc, &d| acc.checked_mul(d))
            .filter(|&b| b <= MAX_TENSOR_BYTES);
        let Some(bytes) = bytes else {
            self.errors
                .push(fail(format!("shape {shape:?} is too large")));
            return None;
        };
        if t.is_sparse() {
            self.errors.push(fail(
                "is sparse; embedml supports dense tensors only".into(),
            ));
            return None;
        }
        // Packed and variable-size types have no fixed length to check.
        let data = self.buffer(t.buffer().unwrap_or(0), element_bytes.map(|_| bytes), &fail)?;
        let quantization = self.quantization(t, &shape, &fail)?;
        Some(Tensor {
            index,
            name,
            element_type,
            shape,
            data,
            quantization,
            is_variable: t.is_variable().unwrap_or(false),
        })
    }

    /// The constant data of a tensor, which must be empty or exactly the tensor's size.
    fn buffer(
        &mut self,
        index: u32,
        bytes: Option<usize>,
        fail: &dyn Fn(String) -> Error,
    ) -> Option<Option<&'a [u8]>> {
        let buffers = self.model.buffers();
        let count = buffers.map_or(0, |b| b.len());
        let Some(buffer) = buffers
            .filter(|_| (index as usize) < count)
            .map(|b| b.get(index as usize))
        else {
            if index == 0 {
                return Some(None);
            }
            self.errors.push(fail(format!(
                "refers to buffer {index}, but the model has {count}"
            )));
            return None;
        };
        if buffer.offset().unwrap_or(0) > 1 {
            self.errors.push(fail(
                "keeps its data outside the flatbuffer (a model over 2 GB); not supported".into(),
            ));
            return None;
        }
        match buffer.data().map(|d| d.bytes()).filter(|d| !d.is_empty()) {
            None => Some(None),
            Some(data) => match bytes {
                Some(bytes) if data.len() != bytes => {
                    self.errors.push(fail(format!(
                        "has {} bytes of data, but its shape and type need {bytes}",
                        data.len()
                    )));
                    None
                }
                _ => Some(Some(data)),
            },
        }
    }

    fn quantization(
        &mut self,
        t: schema::Tensor<'a>,
        shape: &[usize],
        fail: &dyn Fn(String) -> Error,
    ) -> Option<Option<Quantization>> {
        let Some(q) = t.quantization() else {
            return Some(None);
        };
        if q.details_type().unwrap_or(0) != 0 {
            self.errors.push(fail(
                "uses custom quantization details; not supported".into(),
            ));
            return None;
        }
        let scales: Vec<f32> = q.scale().iter().flatten().collect();
        if scales.is_empty() {
            return Some(None);
        }
        let zero_points: Vec<i64> = q.zero_point().iter().flatten().collect();
        // TFLite refuses scales without zero points; TFLM silently treats the tensor as not
        // quantized. Neither reading is safe to guess.
        if zero_points.len() != scales.len() {
            self.errors.push(fail(format!(
                "has {} quantization scale{} but {} zero point{}",
                scales.len(),
                plural(scales.len()),
                zero_points.len(),
                plural(zero_points.len())
            )));
            return None;
        }
        if let Some(bad) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            self.errors.push(fail(format!(
                "has quantization scale {bad}; scales must be finite and positive"
            )));
            return None;
        }
        let raw_dimension = q.quantized_dimension().unwrap_or(0);
        let dimension = usize::try_from(raw_dimension).unwrap_or(usize::MAX);
        // Like TFLM, accept rank-1 tensors (biases) whose `quantized_dimension` is stale: real
        // converters write the filter's dimension there.
        let dimension = if shape.len() == 1 && shape[0] == scales.len() {
            0
        } else {
            dimension
        };
        if scales.len() > 1 && shape.get(dimension) != Some(&scales.len()) {
            self.errors.push(fail(format!(
                "has {} per-channel scales along dimension {raw_dimension}, but its shape is {shape:?}",
                scales.len()
            )));
            return None;
        }
        Some(Some(Quantization {
            scales,
            zero_points,
            dimension,
        }))
    }

    fn op(&mut self, index: usize, op: schema::Operator<'a>, tensors: &[Tensor<'a>]) -> Option<Op> {
        let codes = self.model.operator_codes();
        let code_count = codes.map_or(0, |c| c.len());
        let code_index = op.opcode_index().unwrap_or(0) as usize;
        let Some(code) = codes
            .filter(|_| code_index < code_count)
            .map(|c| c.get(code_index))
        else {
            self.errors.push(Error::model(format!(
                "operator #{index}: its opcode_index {code_index} is out of range (the model has {code_count} operator code{})",
                plural(code_count)
            )));
            return None;
        };
        // Older files keep the code in the byte field only; newer ones in both.
        let builtin = code
            .builtin_code()
            .unwrap_or(0)
            .max(i32::from(code.deprecated_builtin_code().unwrap_or(0)));
        // A custom op's code is free text, so it is marked as custom even when it reads like a
        // builtin's name.
        let name = match (builtin, code.custom_code()) {
            (32, Some(custom)) => format!("custom {custom}"),
            _ => match names::builtin_operator(builtin) {
                Some(name) => name.to_owned(),
                None => format!("builtin code {builtin}"),
            },
        };
        let mut ok = true;
        let mut tensor_list = |what: &str, list: Option<Vector<'a, i32>>, optional: bool| {
            let mut out = Vec::new();
            for raw in list.iter().flatten() {
                match usize::try_from(raw).ok().filter(|&i| i < tensors.len()) {
                    Some(i) => out.push(Some(i)),
                    None if raw == -1 && optional => out.push(None),
                    None => {
                        ok = false;
                        self.errors.push(Error::op(
                            index,
                            &name,
                            format!(
                                "{what} refers to tensor {raw}, but the subgraph has {} tensors",
                                tensors.len()
                            ),
                        ));
                    }
                }
            }
            out
        };
        let inputs = tensor_list("an input", op.inputs(), true);
        let outputs: Vec<usize> = tensor_list("an output", op.outputs(), false)
            .into_iter()
            .flatten()
            .collect();
        if !ok {
            return None;
        }
        let kind = match self.kind(builtin, op) {
            Ok(kind) => kind,
            Err(message) => {
                self.errors.push(Error::op(index, &name, message));
                return None;
            }
        };
        Some(Op {
            index,
            name,
            kind,
            inputs,
            outputs,
        })
    }

    /// The typed parameters of the builtin operators embedml runs.
    fn kind(&self, builtin: i32, op: schema::Operator<'a>) -> Result<OpKind, String> {
        let name = names::builtin_operator(builtin).unwrap_or("");
        Ok(match name {
            "CONV_2D" => {
                let o: schema::Conv2DOptions = options(op, options_tag::CONV_2D)?;
                OpKind::Conv2d(Conv2d {
                    padding: padding(o.padding())?,
                    stride: [
                        tflm_i16("stride_h", o.stride_h())?,
                        tflm_i16("stride_w", o.stride_w())?,
                    ],
                    dilation: [
                        tflm_i16("dilation_h_factor", o.dilation_h_factor().or(Some(1)))?,
                        tflm_i16("dilation_w_factor", o.dilation_w_factor().or(Some(1)))?,
                    ],
                    activation: activation(o.fused_activation_function())?,
                })
            }
            "DEPTHWISE_CONV_2D" => {
                let o: schema::DepthwiseConv2DOptions =
                    options(op, options_tag::DEPTHWISE_CONV_2D)?;
                OpKind::DepthwiseConv2d(DepthwiseConv2d {
                    conv: Conv2d {
                        padding: padding(o.padding())?,
                        stride: [
                            tflm_i16("stride_h", o.stride_h())?,
                            tflm_i16("stride_w", o.stride_w())?,
                        ],
                        dilation: [
                            tflm_i16("dilation_h_factor", o.dilation_h_factor().or(Some(1)))?,
                            tflm_i16("dilation_w_factor", o.dilation_w_factor().or(Some(1)))?,
                        ],
                        activation: activation(o.fused_activation_function())?,
                    },
                    depth_multiplier: tflm_i16("depth_multiplier", o.depth_multiplier())?,
                })
            }
            "FULLY_CONNECTED" => {
                let o: Option<schema::FullyConnectedOptions> =
                    options_if(op, options_tag::FULLY_CONNECTED)?;
                match o {
                    Some(o) if o.weights_format().unwrap_or(0) != 0 => {
                        return Err(
                            "shuffled weights (weights_format SHUFFLED4x16INT8) are not supported"
                                .into(),
                        );
                    }
                    Some(o) => OpKind::FullyConnected(FullyConnected {
                        activation: activation(o.fused_activation_function())?,
                        keep_num_dims: o.keep_num_dims().unwrap_or(false),
                    }),
                    None => OpKind::FullyConnected(FullyConnected {
                        activation: Activation::None,
                        keep_num_dims: false,
                    }),
                }
            }
            "ADD" => OpKind::Add(fused::<schema::ArithmeticOptions>(
                op,
                options_tag::ADD,
                |o| o.fused_activation_function(),
            )?),
            "AVERAGE_POOL_2D" | "MAX_POOL_2D" => {
                let o: schema::Pool2DOptions = options(op, options_tag::POOL_2D)?;
                let pool = Pool2d {
                    padding: padding(o.padding())?,
                    stride: [
                        positive("stride_h", o.stride_h())?,
                        positive("stride_w", o.stride_w())?,
                    ],
                    filter: [
                        positive("filter_height", o.filter_height())?,
                        positive("filter_width", o.filter_width())?,
                    ],
                    activation: activation(o.fused_activation_function())?,
                };
                if name == "AVERAGE_POOL_2D" {
                    OpKind::AveragePool2d(pool)
                } else {
                    OpKind::MaxPool2d(pool)
                }
            }
            "CONCATENATION" => {
                let o: schema::ConcatenationOptions = options(op, options_tag::CONCATENATION)?;
                OpKind::Concatenation {
                    axis: o.axis().unwrap_or(0),
                    activation: activation(o.fused_activation_function())?,
                }
            }
            "DEQUANTIZE" => OpKind::Dequantize,
            "LOGISTIC" => OpKind::Logistic,
            "MUL" => OpKind::Mul(fused::<schema::ArithmeticOptions>(
                op,
                options_tag::MUL,
                |o| o.fused_activation_function(),
            )?),
            "RELU" => OpKind::Relu,
            "RELU_N1_TO_1" => OpKind::ReluN1To1,
            "RELU6" => OpKind::Relu6,
            "RESHAPE" | "SQUEEZE" | "EXPAND_DIMS" => OpKind::Reshape,
            "TANH" => OpKind::Tanh,
            "PAD" => OpKind::Pad,
            "TRANSPOSE" => OpKind::Transpose,
            "MEAN" => OpKind::Mean {
                keep_dims: options_if::<schema::ReducerOptions>(op, options_tag::REDUCER)?
                    .and_then(|o| o.keep_dims())
                    .unwrap_or(false),
            },
            "SUB" => OpKind::Sub(fused::<schema::ArithmeticOptions>(
                op,
                options_tag::SUB,
                |o| o.fused_activation_function(),
            )?),
            "STRIDED_SLICE" => {
                let o: schema::StridedSliceOptions = options(op, options_tag::STRIDED_SLICE)?;
                let mask = |m: Option<i32>| m.unwrap_or(0) as u32;
                OpKind::StridedSlice(StridedSlice {
                    begin_mask: mask(o.begin_mask()),
                    end_mask: mask(o.end_mask()),
                    ellipsis_mask: mask(o.ellipsis_mask()),
                    new_axis_mask: mask(o.new_axis_mask()),
                    shrink_axis_mask: mask(o.shrink_axis_mask()),
                    offset: o.offset().unwrap_or(false),
                })
            }
            "MAXIMUM" => OpKind::Maximum,
            "MINIMUM" => OpKind::Minimum,
            "LEAKY_RELU" => {
                let o: schema::LeakyReluOptions = options(op, options_tag::LEAKY_RELU)?;
                let alpha = o.alpha().unwrap_or(0.0);
                if !alpha.is_finite() {
                    return Err(format!("alpha {alpha} must be finite"));
                }
                OpKind::LeakyRelu { alpha }
            }
            "QUANTIZE" => OpKind::Quantize,
            "HARD_SWISH" => OpKind::HardSwish,
            "SOFTMAX" => {
                let o: schema::SoftmaxOptions = options(op, options_tag::SOFTMAX)?;
                let beta = o.beta().unwrap_or(0.0);
                if !(beta.is_finite() && beta > 0.0) {
                    return Err(format!("beta {beta} must be finite and positive"));
                }
                OpKind::Softmax { beta }
            }
            _ => OpKind::Unsupported,
        })
    }
}

/// A model past one of the reader's limits on what a build may cost.
fn build_limit(what: String, max: usize) -> Error {
    Error::model(format!(
        "{what}; embedml accepts at most {max}, a limit on the build's time and memory"
    ))
}

/// "s" unless `n` is 1.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn corrupt(e: flatbuffers::InvalidFlatbuffer) -> String {
    format!("its options are corrupt: {e}")
}

/// The fused activation of an op whose options may be absent (absent means none).
fn fused<'a, T>(
    op: schema::Operator<'a>,
    tag: u8,
    field: impl Fn(&T) -> Option<i8>,
) -> Result<Activation, String>
where
    T: Follow<'a, Inner = T> + Verifiable + 'a,
{
    let options: Option<T> = options_if(op, tag)?;
    activation(options.as_ref().and_then(field))
}

/// An options table the operator must have.
fn options<'a, T>(op: schema::Operator<'a>, tag: u8) -> Result<T, String>
where
    T: Follow<'a, Inner = T> + Verifiable + 'a,
{
    options_if(op, tag)?.ok_or_else(|| "its builtin options are missing".to_owned())
}

/// The options table of an operator whose options may be absent: `None` if they are, an error
/// if the union holds another type than `tag`: such a model is malformed, and reading it as
/// absent options (TFLM's parser leaves the parameters zero) would quietly drop, say, a fused
/// activation.
fn options_if<'a, T>(op: schema::Operator<'a>, tag: u8) -> Result<Option<T>, String>
where
    T: Follow<'a, Inner = T> + Verifiable + 'a,
{
    match op.builtin_options_type() {
        Some(found) if found != 0 && found != tag => {
            let found_name = options_name(found).map_or(String::new(), |n| format!(" ({n})"));
            Err(format!(
                "its builtin options are union type {found}{found_name}; it takes {} ({tag})",
                options_name(tag).unwrap_or("another table")
            ))
        }
        _ => op.builtin_options(tag).map_err(corrupt),
    }
}

/// The schema's name of a `BuiltinOptions` union member embedml reads.
fn options_name(tag: u8) -> Option<&'static str> {
    use options_tag::*;
    Some(match tag {
        CONV_2D => "Conv2DOptions",
        DEPTHWISE_CONV_2D => "DepthwiseConv2DOptions",
        POOL_2D => "Pool2DOptions",
        FULLY_CONNECTED => "FullyConnectedOptions",
        SOFTMAX => "SoftmaxOptions",
        CONCATENATION => "ConcatenationOptions",
        ADD => "AddOptions",
        MUL => "MulOptions",
        REDUCER => "ReducerOptions",
        SUB => "SubOptions",
        STRIDED_SLICE => "StridedSliceOptions",
        LEAKY_RELU => "LeakyReluOptions",
        _ => return None,
    })
}

fn padding(code: Option<i8>) -> Result<Padding, String> {
    match code.unwrap_or(0) {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        other => Err(format!("unknown padding code {other}")),
    }
}

fn activation(code: Option<i8>) -> Result<Activation, String> {
    match code.unwrap_or(0) {
        0 => Ok(Activation::None),
        1 => Ok(Activation::Relu),
        2 => Ok(Activation::ReluN1To1),
        3 => Ok(Activation::Relu6),
        4 => Err("fused activation TANH is not supported".into()),
        5 => Err("fused activation SIGN_BIT is not supported".into()),
        other => Err(format!("unknown fused activation code {other}")),
    }
}

fn positive(what: &str, value: Option<i32>) -> Result<usize, String> {
    let value = value.unwrap_or(0);
    match usize::try_from(value) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!("{what} is {value}; it must be positive")),
    }
}

/// The largest value of the `int16_t` fields TFLM keeps op parameters in.
const TFLM_I16_MAX: usize = i16::MAX as usize;

/// A positive option that TFLM narrows to `int16_t` in its op data, so that from 2^15 on TFLM
/// computes with another value than the model states: `ConvParams` and `DepthwiseParams` keep
/// strides, dilations and the depth multiplier in 16 bits (`kernels/internal/types.h`; the pooling
/// ops keep their strides and window as `int`).
pub(crate) fn tflm_i16(what: &str, value: Option<i32>) -> Result<usize, String> {
    let value = positive(what, value)?;
    if value > TFLM_I16_MAX {
        return Err(format!(
            "{what} is {value}; TFLM stores it in 16 bits, so embedml accepts 1 to {TFLM_I16_MAX}"
        ));
    }
    Ok(value)
}

/// A value embedml derives from a model (the implicit padding of a window) that TFLM narrows to
/// `int16_t` (`PaddingValues`, for convolutions and pooling alike): 0 to 32767.
pub(crate) fn tflm_i16_derived(what: &str, value: usize) -> Result<usize, String> {
    if value > TFLM_I16_MAX {
        return Err(format!(
            "{what} is {value}; TFLM stores it in 16 bits, so embedml accepts 0 to {TFLM_I16_MAX}"
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tflm_i16_fields_take_1_to_32767() {
        assert_eq!(tflm_i16("stride_h", Some(1)), Ok(1));
        assert_eq!(tflm_i16("stride_h", Some(32767)), Ok(32767));
        assert_eq!(
            tflm_i16("stride_h", Some(32768)),
            Err(
                "stride_h is 32768; TFLM stores it in 16 bits, so embedml accepts 1 to 32767"
                    .into()
            )
        );
        assert_eq!(
            tflm_i16("depth_multiplier", Some(i32::MAX)).unwrap_err(),
            "depth_multiplier is 2147483647; TFLM stores it in 16 bits, so embedml accepts 1 to 32767"
        );
        for bad in [None, Some(0), Some(-1), Some(i32::MIN)] {
            assert!(
                tflm_i16("stride_w", bad)
                    .unwrap_err()
                    .ends_with("it must be positive")
            );
        }
    }

    #[test]
    fn tflm_i16_derived_values_take_0_to_32767() {
        assert_eq!(tflm_i16_derived("padding_h", 0), Ok(0));
        assert_eq!(tflm_i16_derived("padding_h", 32767), Ok(32767));
        assert_eq!(
            tflm_i16_derived("padding_h", 32768).unwrap_err(),
            "padding_h is 32768; TFLM stores it in 16 bits, so embedml accepts 0 to 32767"
        );
    }
}
