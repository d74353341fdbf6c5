//! Accessors for the part of the TFLite flatbuffer schema embedml reads.
//!
//! Written by hand from the schema's field numbers. Every table implements `Verifiable`, so
//! [`super::verify`] checks the whole file before any accessor runs; after that, reading a field
//! cannot go out of bounds. Union members are verified when they are read (see
//! [`Operator::builtin_options`]).

use flatbuffers::{
    Follow, ForwardsUOffset, InvalidFlatbuffer, VOffsetT, Vector, Verifiable, Verifier,
    VerifierOptions,
};

/// The vtable slot of field number `id`: two header entries, then one 2-byte entry per field.
pub(crate) const fn slot(id: VOffsetT) -> VOffsetT {
    4 + 2 * id
}

/// Declares a table: a `Table` newtype with one `Option`-returning accessor per field, and a
/// verifier that checks every declared field. Operator families declare their options tables
/// with it too (see [`options_table!`](crate::tflite::options_table)).
macro_rules! table {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty = $id:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        pub struct $name<'a>(::flatbuffers::Table<'a>);

        impl<'a> ::flatbuffers::Follow<'a> for $name<'a> {
            type Inner = Self;
            unsafe fn follow(buf: &'a [u8], loc: usize) -> Self {
                // SAFETY: the caller guarantees a table at `loc` (the flatbuffers contract).
                $name(unsafe { ::flatbuffers::Table::new(buf, loc) })
            }
        }

        #[allow(dead_code)]
        impl<'a> $name<'a> {
            $(
                $(#[$fmeta])*
                pub fn $field(&self) -> Option<<$ty as ::flatbuffers::Follow<'a>>::Inner> {
                    // SAFETY: the verifier checked this field as `$ty` before the table was handed out.
                    unsafe { self.0.get::<$ty>($crate::tflite::schema::slot($id), None) }
                }
            )*
        }

        impl<'a> ::flatbuffers::Verifiable for $name<'a> {
            fn run_verifier(
                v: &mut ::flatbuffers::Verifier,
                pos: usize,
            ) -> Result<(), ::flatbuffers::InvalidFlatbuffer> {
                v.visit_table(pos)?
                    $(.visit_field::<$ty>(stringify!($field), $crate::tflite::schema::slot($id), false)?)*
                    .finish();
                Ok(())
            }
        }
    };
}
pub(crate) use table;

/// A member of the `BuiltinOptions` union: an options table and its union tag.
pub trait OptionsTable<'a>: Follow<'a, Inner = Self> + Verifiable + 'a {
    /// The union tag (`BuiltinOptions` type) of this table.
    const TAG: u8;
    /// The table's name in the schema.
    const NAME: &'static str;
}

/// Declares an options table of the `BuiltinOptions` union with its tag, for the operator family
/// that reads it: `options_table!(/// doc\n Conv2DOptions = 1 { padding: i8 = 0, ... });`.
macro_rules! options_table {
    ($(#[$meta:meta])* $name:ident = $tag:literal { $($body:tt)* }) => {
        $crate::tflite::schema::table!($(#[$meta])* $name { $($body)* });
        impl<'a> $crate::tflite::schema::OptionsTable<'a> for $name<'a> {
            const TAG: u8 = $tag;
            const NAME: &'static str = stringify!($name);
        }
    };
}
pub(crate) use options_table;

type Ints<'a> = ForwardsUOffset<Vector<'a, i32>>;
type Str<'a> = ForwardsUOffset<&'a str>;
type Tables<'a, T> = ForwardsUOffset<Vector<'a, ForwardsUOffset<T>>>;

table!(
    /// The root: operator codes, subgraphs and constant buffers.
    Model {
        /// Schema version.
        version: u32 = 0,
        /// The operator kinds, indexed by `Operator::opcode_index`.
        operator_codes: Tables<'a, OperatorCode<'a>> = 1,
        /// Subgraph 0 is the model; others are called by control-flow ops.
        subgraphs: Tables<'a, SubGraph<'a>> = 2,
        /// Free text.
        description: Str<'a> = 3,
        /// Constant data, indexed by `Tensor::buffer`; entry 0 is always empty.
        buffers: Tables<'a, Buffer<'a>> = 4,
    }
);

table!(
    /// An operator kind: a builtin code or a custom code.
    OperatorCode {
        /// The builtin code when it fits in a byte (older files).
        deprecated_builtin_code: i8 = 0,
        /// The name of a custom operator.
        custom_code: Str<'a> = 1,
        /// The operator's version.
        version: i32 = 2,
        /// The builtin code (newer files).
        builtin_code: i32 = 3,
    }
);

table!(
    /// A graph: tensors, operators in execution order, inputs and outputs.
    SubGraph {
        /// All tensors.
        tensors: Tables<'a, Tensor<'a>> = 0,
        /// Indices of the input tensors.
        inputs: Ints<'a> = 1,
        /// Indices of the output tensors.
        outputs: Ints<'a> = 2,
        /// Operators in execution order.
        operators: Tables<'a, Operator<'a>> = 3,
        /// Free text.
        name: Str<'a> = 4,
    }
);

table!(
    /// A tensor: shape, element type, optional constant data and quantization.
    Tensor {
        /// Dimensions, outermost first.
        shape: Ints<'a> = 0,
        /// The element type (TFLite's `TensorType`).
        element_type: i8 = 1,
        /// Index into `Model::buffers`; 0 means no data.
        buffer: u32 = 2,
        /// The tensor's name.
        name: Str<'a> = 3,
        /// Quantization parameters.
        quantization: ForwardsUOffset<QuantizationParameters<'a>> = 4,
        /// Whether the tensor is a variable (state kept across invocations).
        is_variable: bool = 5,
        /// The shape with `-1` for dimensions unknown at conversion time.
        shape_signature: Ints<'a> = 7,
    }
);

table!(
    /// Affine quantization: `real = scale * (q - zero_point)`.
    QuantizationParameters {
        /// One scale per tensor, or per channel along `quantized_dimension`.
        scale: ForwardsUOffset<Vector<'a, f32>> = 2,
        /// Zero points, one per scale.
        zero_point: ForwardsUOffset<Vector<'a, i64>> = 3,
        /// Non-zero when custom quantization details replace the fields above.
        details_type: u8 = 4,
        /// The channel dimension of per-channel quantization.
        quantized_dimension: i32 = 6,
    }
);

table!(
    /// One operation of a subgraph.
    Operator {
        /// Index into `Model::operator_codes`.
        opcode_index: u32 = 0,
        /// Input tensor indices; -1 marks an omitted optional input.
        inputs: Ints<'a> = 1,
        /// Output tensor indices.
        outputs: Ints<'a> = 2,
        /// Which options table `builtin_options` holds (the `BuiltinOptions` union's tag).
        builtin_options_type: u8 = 3,
        /// Options of a custom operator.
        custom_options: ForwardsUOffset<Vector<'a, u8>> = 5,
        /// Intermediate tensors (used by LSTMs).
        intermediates: Ints<'a> = 8,
    }
);

table!(
    /// Constant data.
    Buffer {
        /// The bytes, little-endian elements.
        data: ForwardsUOffset<Vector<'a, u8>> = 0,
        /// Data stored after the flatbuffer (files over 2 GB); valid when greater than 1.
        offset: u64 = 1,
        /// Bytes of data stored after the flatbuffer.
        size: u64 = 2,
    }
);

impl Tensor<'_> {
    /// Whether the tensor is stored sparse (its `sparsity` field, number 6, is set).
    pub fn is_sparse(&self) -> bool {
        self.0.vtable().get(slot(6)) != 0
    }
}

/// Field number of `Operator::builtin_options` (the union's value; its tag is field 3).
const BUILTIN_OPTIONS: VOffsetT = 4;

impl<'a> Operator<'a> {
    /// The builtin options table if its union tag is `T`'s, verified as `T` first.
    ///
    /// The file-level verification skips union values (their type depends on the tag), so this
    /// verifies the one table it returns.
    pub fn builtin_options<T: OptionsTable<'a>>(&self) -> Result<Option<T>, InvalidFlatbuffer> {
        if self.builtin_options_type() != Some(T::TAG) {
            return Ok(None);
        }
        let field = self.0.vtable().get(slot(BUILTIN_OPTIONS)) as usize;
        if field == 0 {
            return Ok(None);
        }
        let pos = self.0.loc() + field;
        let options = VerifierOptions::default();
        let mut verifier = Verifier::new(&options, self.0.buf());
        <ForwardsUOffset<T>>::run_verifier(&mut verifier, pos)?;
        // SAFETY: verified as a `T` table just above.
        Ok(Some(unsafe {
            <ForwardsUOffset<T>>::follow(self.0.buf(), pos)
        }))
    }
}
