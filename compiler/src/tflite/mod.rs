//! The `.tflite` reader: verifies the flatbuffer, then builds the [`Graph`] IR from it.
//!
//! It knows the file format and nothing about kernels. Every index, size and count read from the
//! file is checked here, so later passes work on a graph that is well formed.

mod custom_options;
mod names;
pub(crate) mod schema;

use crate::error::{Collector, Error, Errors};
use crate::ir::{ElementType, Graph, Op, OpCode, Quantization, Tensor};
use flatbuffers::{Vector, VerifierOptions};

pub use custom_options::{CustomOptions, Value as CustomValue};
pub use names::builtin_operator;
pub(crate) use schema::{OptionsTable, options_table};

/// An operator's options table, read by the operator family that knows its type.
#[derive(Clone, Copy)]
pub struct Options<'a>(Option<schema::Operator<'a>>);

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = self.0.and_then(|op| op.builtin_options_type());
        write!(f, "Options(tag {tag:?})")
    }
}

impl<'a> Options<'a> {
    /// No options (for graphs built by hand).
    pub fn none() -> Self {
        Options(None)
    }

    /// The options table `T`, if the operator has one of that type; an error message if the
    /// table is corrupt.
    ///
    /// Options of another union type are an error, not absent options: such a model is
    /// malformed, and reading it as having none (TFLM's parser leaves the parameters zero) would
    /// quietly drop, say, a fused activation.
    pub(crate) fn get<T: OptionsTable<'a>>(&self) -> Result<Option<T>, String> {
        let Some(op) = self.0 else {
            return Ok(None);
        };
        match op.builtin_options_type() {
            Some(found) if found != 0 && found != T::TAG => {
                let found_name =
                    names::builtin_options(found).map_or(String::new(), |n| format!(" ({n})"));
                Err(format!(
                    "its builtin options are union type {found}{found_name}; it takes {} ({})",
                    T::NAME,
                    T::TAG
                ))
            }
            _ => op
                .builtin_options::<T>()
                .map_err(|e| format!("its options are corrupt: {e}")),
        }
    }

    /// A custom operator's options as the file holds them (`custom_options`, usually a
    /// FlexBuffer map), empty if it has none. The file-level verification checked the vector.
    pub fn custom_bytes(&self) -> &'a [u8] {
        self.0
            .and_then(|op| op.custom_options())
            .map_or(&[][..], |bytes| bytes.bytes())
    }

    /// The options table `T`, which the operator must have.
    pub(crate) fn required<T: OptionsTable<'a>>(&self) -> Result<T, String> {
        self.get()?
            .ok_or_else(|| "its builtin options are missing".to_owned())
    }
}

/// The largest tensor, in bytes, a model may declare: far above any microcontroller's memory,
/// and low enough that sizes computed from it cannot overflow.
const MAX_TENSOR_BYTES: usize = 1 << 31;

// What a model may ask of the build. `include_model!` runs inside rustc on the build machine,
// and every pass costs at least linear time and memory in these counts; the generated code has
// one kernel call per operator and one `static` per constant tensor, so rustc's cost grows with
// them too (scripts/build-cost.sh measures it). The limits sit well above what builds at all, so
// a model that could build is accepted, while a hostile file (a few MB can list one table a
// million times) cannot make the build run out of memory before an error says why.

/// Operators in the subgraph: far beyond real models (thousands). A 100k-operator chain takes a
/// dev build about 8 minutes and 12 GB of rustc memory (scripts/build-cost.sh), so much more
/// would exhaust a build machine before an error could say why.
const MAX_OPERATORS: usize = 100_000;
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

/// Subgraphs a model may have: real models have one, or two with a CALL_ONCE init subgraph.
const MAX_SUBGRAPHS: usize = 64;

/// Reads a `.tflite` file with one subgraph.
pub fn read(bytes: &[u8]) -> Result<Graph<'_>, Errors> {
    let (main, others) = read_subgraphs(bytes)?;
    if !others.is_empty() {
        return Err(Error::model(format!(
            "the model has {} subgraphs; `tflite::read` reads models with one (`read_subgraphs` reads them all)",
            others.len() + 1
        ))
        .into());
    }
    Ok(main)
}

/// Reads every subgraph of a `.tflite` file: subgraph 0 (what `invoke` runs), then the others
/// in order (subgraph `i` at index `i - 1`), which control-flow operators call.
pub fn read_subgraphs(bytes: &[u8]) -> Result<(Graph<'_>, Vec<Graph<'_>>), Errors> {
    let model = verify(bytes)?;
    let subgraphs = model
        .subgraphs()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::model("the model has no subgraph"))?;
    if subgraphs.len() > MAX_SUBGRAPHS {
        return Err(build_limit(
            format!("the model has {} subgraphs", subgraphs.len()),
            MAX_SUBGRAPHS,
        )
        .into());
    }
    let importer = || Importer {
        model,
        errors: Collector::default(),
    };
    let main = importer().graph(subgraphs.get(0))?;
    let mut others = Vec::new();
    for i in 1..subgraphs.len() {
        let graph = importer().graph(subgraphs.get(i)).map_err(|errors| {
            // Locations name tensors and operators by index, so say which subgraph.
            Errors::from(Error::model(format!(
                "in subgraph {i}: {}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )))
        })?;
        others.push(graph);
    }
    Ok((main, others))
}

/// What a file that is not a TFLite flatbuffer looks like, and what to do, for the formats a
/// user is likely to point `include_model!` at by mistake.
fn other_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"version https://git-lfs.github.com/spec/") {
        return Some(
            "the file is a Git LFS pointer, not the model: run `git lfs pull` (or `git lfs install` then `git lfs pull`) to fetch it",
        );
    }
    if bytes.starts_with(b"\x89HDF\r\n\x1a\n") {
        return Some(
            "the file is HDF5 (a Keras .h5 model): convert it with `tf.lite.TFLiteConverter.from_keras_model`, int8 full-integer quantized, and include the .tflite",
        );
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(
            "the file is a zip archive (a Keras .keras model?): convert it with `tf.lite.TFLiteConverter.from_keras_model` and include the .tflite",
        );
    }
    if bytes.starts_with(b"\x08") && bytes.windows(7).any(|w| w == b"onnx.ai" || w == b"pytorch") {
        return Some(
            "the file looks like an ONNX model: convert it to TensorFlow Lite (for example onnx2tf or ai-edge-torch) and include the .tflite",
        );
    }
    if bytes.starts_with(b"\x08") && bytes.windows(11).any(|w| w == b"saved_model") {
        return Some(
            "the file looks like a TensorFlow SavedModel's saved_model.pb: convert the SavedModel directory with `tf.lite.TFLiteConverter.from_saved_model` and include the .tflite",
        );
    }
    None
}

/// Checks the file is a TFLite flatbuffer whose every table and vector lies inside it.
fn verify(bytes: &[u8]) -> Result<schema::Model<'_>, Error> {
    const IDENTIFIER: &[u8] = b"TFL3";
    if bytes.get(4..8) != Some(IDENTIFIER)
        && let Some(hint) = other_format(bytes)
    {
        return Err(Error::model(format!("not a TFLite model: {hint}")));
    }
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
        let element_type = match names::tensor_type(code) {
            Some("FLOAT32") => ElementType::Float32,
            Some("INT32") => ElementType::Int32,
            Some("UINT8") => ElementType::UInt8,
            Some("UINT32") => ElementType::UInt32,
            Some("UINT64") => ElementType::UInt64,
            Some("INT64") => ElementType::Int64,
            Some("BOOL") => ElementType::Bool,
            Some("INT16") => ElementType::Int16,
            Some("INT8") => ElementType::Int8,
            Some("RESOURCE") => ElementType::Resource,
            Some(name) => ElementType::Other(name),
            None => {
                self.errors
                    .push(fail(format!("unknown tensor type code {code}")));
                return None;
            }
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
            .filter(|&b| b <= MAX_TENSOR_BYTES)
            // TFLM counts elements in an `int`.
            .filter(|_| {
                shape
                    .iter()
                    .try_fold(1usize, |n, &d| n.checked_mul(d))
                    .is_some_and(|n| n <= i32::MAX as usize)
            });
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

    fn op(
        &mut self,
        index: usize,
        op: schema::Operator<'a>,
        tensors: &[Tensor<'a>],
    ) -> Option<Op<'a>> {
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
        let code = match (names::builtin_operator(builtin), code.custom_code()) {
            (Some("CUSTOM"), Some(custom)) => OpCode::Custom(custom.to_owned()),
            (Some(name), _) => OpCode::Builtin(name),
            (None, _) => OpCode::UnknownBuiltin(builtin),
        };
        let name = match &code {
            OpCode::Builtin(name) => (*name).to_owned(),
            OpCode::Custom(custom) => format!("custom {custom}"),
            OpCode::UnknownBuiltin(builtin) => format!("builtin code {builtin}"),
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
        Some(Op {
            index,
            name,
            code,
            options: Options(Some(op)),
            custom_options: op.custom_options().map(|v| v.bytes()),
            inputs,
            outputs,
        })
    }
}

/// The name of TFLite tensor type `code` (a `TensorType` value, as custom options store one).
pub fn tensor_type_name(code: i32) -> Option<&'static str> {
    names::tensor_type(i8::try_from(code).ok()?)
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
