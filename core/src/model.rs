//! The interface every generated model implements.

/// The element type of a model's input or output tensor.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ElementType {
    /// 32-bit IEEE float.
    Float32,
    /// Signed 8-bit integer (TFLite's int8 quantization).
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Unsigned 8-bit integer (the uint8 quantization some models keep at their boundary).
    UInt8,
    /// Unsigned 32-bit integer (the TFLM signal library's energies and filter-bank channels).
    UInt32,
    /// Unsigned 64-bit integer (the TFLM signal library's filter-bank accumulators).
    UInt64,
}

impl ElementType {
    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            ElementType::Int8 | ElementType::UInt8 => 1,
            ElementType::Int16 => 2,
            ElementType::Float32 | ElementType::Int32 | ElementType::UInt32 => 4,
            ElementType::UInt64 => 8,
        }
    }
}

/// What a model tells about one of its input or output tensors.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TensorInfo {
    /// The tensor's name in the `.tflite` file.
    pub name: &'static str,
    /// The element type.
    pub element_type: ElementType,
    /// The shape, outermost dimension first.
    pub shape: &'static [usize],
    /// Quantization scale: `real = scale * (q - zero_point)`; `0.0` for unquantized tensors.
    pub scale: f32,
    /// Quantization zero point; `0` for unquantized tensors.
    pub zero_point: i32,
}

impl TensorInfo {
    /// The number of elements.
    pub const fn len(&self) -> usize {
        let mut n = 1;
        let mut i = 0;
        while i < self.shape.len() {
            n *= self.shape[i];
            i += 1;
        }
        n
    }

    /// Whether the tensor has no elements.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of bytes.
    pub const fn byte_len(&self) -> usize {
        self.len() * self.element_type.size()
    }
}

/// A model compiled by [`include_model!`](crate::include_model).
///
/// Every generated model type implements it, so tools and tests can drive any model the same way.
/// The generated type also has typed accessors (`input_mut`, `output`) that are easier to use when
/// the model is known.
pub trait Model {
    /// Bytes of the activation arena inside the model value: exactly the memory plan's high-water
    /// mark.
    const ARENA_BYTES: usize;

    /// Bytes of state kept across invocations, outside the arena: the variable tensors (SVDF,
    /// LSTM) and resource variables of a streaming model; 0 for a model without state.
    const STATE_BYTES: usize = 0;
    /// The model's inputs, in the order of the `.tflite` file.
    const INPUTS: &'static [TensorInfo];
    /// The model's outputs, in the order of the `.tflite` file.
    const OUTPUTS: &'static [TensorInfo];

    /// The bytes of input `i` (native-endian elements), to be written before [`Model::invoke`];
    /// empty if the model has no input `i` (so firmware using the trait keeps no panic path).
    fn input_bytes_mut(&mut self, i: usize) -> &mut [u8];

    /// The bytes of output `i` (native-endian elements), valid after [`Model::invoke`]; empty if
    /// the model has no output `i`.
    fn output_bytes(&self, i: usize) -> &[u8];

    /// Runs one inference: reads the inputs, writes the outputs.
    ///
    /// The arena is reused as the model runs, so the inputs' contents are not kept: write them
    /// again before the next call.
    fn invoke(&mut self);

    /// Restores the state TFLM's `Reset()` gives (variable tensors at their zero point or 0,
    /// resource variables at their zero-point fill); nothing for a model without state. The
    /// next invocation then starts a new stream.
    fn reset(&mut self) {}
}
