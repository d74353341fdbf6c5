//! The graph IR: what a model computes, independent of the file format and of kernels.

pub use crate::tflite::Options;

/// A tensor's element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementType {
    /// 32-bit float.
    Float32,
    /// Signed 8-bit integer.
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 8-bit integer.
    UInt8,
    /// Unsigned 32-bit integer (the TFLM signal library's energies and filter-bank channels).
    UInt32,
    /// Unsigned 64-bit integer (the TFLM signal library's filter-bank accumulators).
    UInt64,
    /// Boolean (one byte).
    Bool,
    /// A handle to a resource variable (the output of VAR_HANDLE): no bytes at run time, since
    /// the compiler resolves every handle to its variable.
    Resource,
    /// Any other TFLite tensor type, by its name.
    Other(&'static str),
}

impl ElementType {
    /// Bytes per element, for the types embedml can store.
    pub fn size(self) -> Option<usize> {
        match self {
            ElementType::Int8 | ElementType::UInt8 | ElementType::Bool => Some(1),
            ElementType::Int16 => Some(2),
            ElementType::Float32 | ElementType::Int32 | ElementType::UInt32 => Some(4),
            ElementType::Int64 | ElementType::UInt64 => Some(8),
            ElementType::Resource => Some(0),
            ElementType::Other(_) => None,
        }
    }

    /// TFLite's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            ElementType::Float32 => "FLOAT32",
            ElementType::Int8 => "INT8",
            ElementType::Int16 => "INT16",
            ElementType::Int32 => "INT32",
            ElementType::Int64 => "INT64",
            ElementType::UInt8 => "UINT8",
            ElementType::UInt32 => "UINT32",
            ElementType::UInt64 => "UINT64",
            ElementType::Bool => "BOOL",
            ElementType::Resource => "RESOURCE",
            ElementType::Other(name) => name,
        }
    }
}

/// Affine quantization: `real = scale * (q - zero_point)`, per tensor or per channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantization {
    /// One scale, or one per channel along `dimension`.
    pub scales: Vec<f32>,
    /// One zero point per scale.
    pub zero_points: Vec<i64>,
    /// The channel dimension of per-channel quantization.
    pub dimension: usize,
}

/// A tensor of the graph.
#[derive(Clone, Debug)]
pub struct Tensor<'a> {
    /// Index in the subgraph's tensor list.
    pub index: usize,
    /// The name in the file.
    pub name: String,
    /// The element type.
    pub element_type: ElementType,
    /// Dimensions, outermost first; all positive.
    pub shape: Vec<usize>,
    /// Constant data (little-endian elements), for weights and biases.
    pub data: Option<&'a [u8]>,
    /// Quantization, when the tensor is quantized.
    pub quantization: Option<Quantization>,
    /// Whether the tensor is state kept across invocations.
    pub is_variable: bool,
}

impl Tensor<'_> {
    /// The number of elements (the shape's product; checked when the graph was read).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of bytes, for types embedml can store.
    pub fn byte_len(&self) -> Option<usize> {
        self.element_type.size().map(|size| size * self.len())
    }

    /// The elements of constant int8 data.
    pub fn i8s(&self) -> Vec<i8> {
        self.data
            .unwrap_or_default()
            .iter()
            .map(|&b| b as i8)
            .collect()
    }

    /// The elements of constant int16 data (little-endian in the file).
    pub fn i16s(&self) -> Vec<i16> {
        let data = self.data.unwrap_or_default();
        data.chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect()
    }

    /// The elements of constant int32 data (little-endian in the file).
    pub fn i32s(&self) -> Vec<i32> {
        let data = self.data.unwrap_or_default();
        data.chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The elements of constant int32 or int64 data, as `i64` (index tensors come in both).
    pub fn indices(&self) -> Option<Vec<i64>> {
        let data = self.data?;
        match self.element_type {
            ElementType::Int32 => Some(self.i32s().into_iter().map(i64::from).collect()),
            ElementType::Int64 => Some(
                data.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The elements of constant float32 data (little-endian in the file).
    pub fn f32s(&self) -> Vec<f32> {
        let data = self.data.unwrap_or_default();
        data.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The per-tensor scale (1 if the tensor has none: only use it where a check made sure it
    /// has one).
    pub fn scale(&self) -> f32 {
        self.scale_and_zero_point().map_or(1.0, |(s, _)| s)
    }

    /// The zero point (0 if none; the checks keep activation zero points inside int8).
    pub fn zero_point(&self) -> i32 {
        self.scale_and_zero_point().map_or(0, |(_, z)| z as i32)
    }

    /// The per-tensor scale and zero point, if quantized.
    pub fn scale_and_zero_point(&self) -> Option<(f32, i64)> {
        let q = self.quantization.as_ref()?;
        Some((*q.scales.first()?, *q.zero_points.first().unwrap_or(&0)))
    }
}

/// Which operator an op is, as the file names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpCode {
    /// A builtin operator embedml knows by name (`"CONV_2D"`).
    Builtin(&'static str),
    /// A builtin operator code newer than the schema embedml knows.
    UnknownBuiltin(i32),
    /// A custom operator, by its custom code.
    Custom(String),
}

/// One operator, in execution order.
#[derive(Clone, Debug)]
pub struct Op<'a> {
    /// Index in the subgraph's operator list.
    pub index: usize,
    /// The builtin name, or `custom <code>` for a custom operator (for messages).
    pub name: String,
    /// Which operator it is.
    pub code: OpCode,
    /// Its options table, which the operator family that knows its type reads.
    pub options: Options<'a>,
    /// A custom operator's options bytes as the file stores them (a flexbuffer map for TFLM's
    /// own custom operators), read by the family that claims its custom code; `None` if absent.
    pub custom_options: Option<&'a [u8]>,
    /// Input tensor indices; `None` for an omitted optional input.
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
}

impl Op<'_> {
    /// Input `i`, if present.
    pub fn input(&self, i: usize) -> Option<usize> {
        self.inputs.get(i).copied().flatten()
    }
}

/// One subgraph of a model: subgraph 0 is what `invoke` runs; others are called by control-flow
/// operators (CALL_ONCE's init subgraph).
#[derive(Clone, Debug)]
pub struct Graph<'a> {
    /// Every tensor, by index.
    pub tensors: Vec<Tensor<'a>>,
    /// Operators in execution order.
    pub ops: Vec<Op<'a>>,
    /// The model's inputs (tensor indices), in order.
    pub inputs: Vec<usize>,
    /// The model's outputs (tensor indices), in order.
    pub outputs: Vec<usize>,
}
