//! The kernel interface, declared once: every kernel of `embedml::kernels` the compiler calls,
//! with its parameter struct (field names and types), its operands and its in-place form.
//!
//! Lowering builds parameter values as the Rust structs declared here, so the compiler cannot set
//! a field that is not declared, and cannot pair a kernel with another kernel's parameters
//! ([`Kernel`] is typed by its parameter struct). [`interface_check`] renders the same
//! declarations as Rust code that names every field and every function of `embedml::kernels`
//! with its type; the `tests` crate compiles it, so renaming a kernel, a struct or a field in
//! `core` fails this repository's build and tests, never a user's crate.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// The element type of a kernel operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Element {
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `f32`.
    F32,
    /// `u8`.
    U8,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// A BOOL tensor's bytes, as `u8` (0 false, any other value true; kernels write 1).
    Bool,
}

impl Element {
    /// Bytes per element (also its alignment).
    pub fn size(self) -> usize {
        match self {
            Element::I8 | Element::U8 | Element::Bool => 1,
            Element::I16 => 2,
            Element::I32 | Element::F32 | Element::U32 => 4,
            Element::U64 => 8,
        }
    }

    /// The Rust type.
    pub fn tokens(self) -> TokenStream {
        match self {
            Element::I8 => quote!(i8),
            Element::I16 => quote!(i16),
            Element::I32 => quote!(i32),
            Element::F32 => quote!(f32),
            Element::U8 | Element::Bool => quote!(u8),
            Element::U32 => quote!(u32),
            Element::U64 => quote!(u64),
        }
    }
}

/// Statics that several parameter values share (one table for every op that needs the same one),
/// gathered while the parameters are spelled out.
#[derive(Default)]
pub struct Shared {
    /// Order of first use, name and item tokens by the value's tokens, so identical values
    /// become one static.
    items: BTreeMap<String, (usize, proc_macro2::Ident, TokenStream)>,
}

impl Shared {
    /// The name of a `static` of type `ty` with value `value`, made once per distinct value.
    pub fn get(&mut self, ty: TokenStream, value: TokenStream) -> TokenStream {
        self.get_named(
            "SHARED",
            "Shared by every operator that needs this value.",
            ty,
            value,
        )
    }

    /// [`Shared::get`] for a static named `PREFIX_n` with its own doc comment: `WEIGHTS_n` for
    /// weights re-laid out at build time, so that size tools can tell weights from other
    /// constants by name (as they can the model's own `TENSOR_n`).
    pub fn get_named(
        &mut self,
        prefix: &str,
        doc: &str,
        ty: TokenStream,
        value: TokenStream,
    ) -> TokenStream {
        let key = format!("{ty}: {value}");
        let next = self.items.len();
        let (_, name, _) = self.items.entry(key).or_insert_with(|| {
            let name = format_ident!("{}_{}", prefix, next);
            let item = quote! {
                #[doc = #doc]
                pub(super) static #name: #ty = #value;
            };
            (next, name, item)
        });
        quote!(#name)
    }

    /// The `static` items, in the order they were first asked for.
    pub fn into_items(self) -> Vec<TokenStream> {
        let mut items: Vec<(usize, proc_macro2::Ident, TokenStream)> =
            self.items.into_values().collect();
        items.sort_by_key(|(i, _, _)| *i);
        items.into_iter().map(|(_, _, item)| item).collect()
    }
}

/// A value of a parameter struct field, and its type in `embedml::kernels`.
pub trait Field {
    /// Whether the type borrows static data (so a struct holding it has a lifetime).
    const BORROWS: bool;
    /// The field's type in `embedml::kernels`, with `'static` for borrows.
    fn core_type() -> TokenStream;
    /// The value as generated code spells it, inside the model's hidden module.
    fn tokens(&self, shared: &mut Shared) -> TokenStream;
    /// Constant tensors the value refers to.
    fn constants(&self, _out: &mut Vec<usize>) {}
    /// Lookup tables the value holds (rustc's const evaluator builds them).
    fn tables<'s>(&'s self, _out: &mut Vec<&'s Table>) {}
}

macro_rules! scalar_fields {
    ($($t:ty => $literal:ident),* $(,)?) => {$(
        impl Field for $t {
            const BORROWS: bool = false;
            fn core_type() -> TokenStream {
                quote!($t)
            }
            fn tokens(&self, _: &mut Shared) -> TokenStream {
                // Unsuffixed: the field gives the type, and the expansion stays readable.
                let literal = Literal::$literal(*self);
                quote!(#literal)
            }
        }
    )*};
}

scalar_fields!(usize => usize_unsuffixed, isize => isize_unsuffixed, i8 => i8_unsuffixed, i16 => i16_unsuffixed, i32 => i32_unsuffixed, i64 => i64_unsuffixed, u16 => u16_unsuffixed, u32 => u32_unsuffixed);

impl Field for bool {
    const BORROWS: bool = false;
    fn core_type() -> TokenStream {
        quote!(bool)
    }
    fn tokens(&self, _: &mut Shared) -> TokenStream {
        quote!(#self)
    }
}

impl Field for f32 {
    const BORROWS: bool = false;
    fn core_type() -> TokenStream {
        quote!(f32)
    }
    fn tokens(&self, _: &mut Shared) -> TokenStream {
        f32_tokens(*self)
    }
}

/// An `f32` as a literal, or the named constant for infinities and NaN.
pub fn f32_tokens(value: f32) -> TokenStream {
    if value.is_finite() {
        let literal = Literal::f32_suffixed(value);
        quote!(#literal)
    } else if value.is_nan() {
        quote!(::core::f32::NAN)
    } else if value > 0.0 {
        quote!(::core::f32::INFINITY)
    } else {
        quote!(::core::f32::NEG_INFINITY)
    }
}

impl<T: Field, const N: usize> Field for [T; N] {
    const BORROWS: bool = T::BORROWS;
    fn core_type() -> TokenStream {
        let t = T::core_type();
        let n = Literal::usize_unsuffixed(N);
        quote!([#t; #n])
    }
    fn tokens(&self, shared: &mut Shared) -> TokenStream {
        let values = self.iter().map(|v| v.tokens(shared));
        quote!([#(#values),*])
    }
    fn constants(&self, out: &mut Vec<usize>) {
        self.iter().for_each(|v| v.constants(out));
    }
    fn tables<'s>(&'s self, out: &mut Vec<&'s Table>) {
        self.iter().for_each(|v| v.tables(out));
    }
}

impl<T: Field> Field for Option<T> {
    const BORROWS: bool = T::BORROWS;
    fn core_type() -> TokenStream {
        let t = T::core_type();
        quote!(::core::option::Option<#t>)
    }
    fn tokens(&self, shared: &mut Shared) -> TokenStream {
        match self {
            Some(v) => {
                let v = v.tokens(shared);
                quote!(::core::option::Option::Some(#v))
            }
            None => quote!(::core::option::Option::None),
        }
    }
    fn constants(&self, out: &mut Vec<usize>) {
        if let Some(v) = self {
            v.constants(out);
        }
    }
    fn tables<'s>(&'s self, out: &mut Vec<&'s Table>) {
        if let Some(v) = self {
            v.tables(out);
        }
    }
}

/// A `&'static [T]` computed at compile time (folded biases, multipliers, sizes).
#[derive(Clone, Debug, PartialEq)]
pub struct Slice<T>(pub Vec<T>);

impl<T: Field> Field for Slice<T> {
    const BORROWS: bool = true;
    fn core_type() -> TokenStream {
        let t = T::core_type();
        quote!(&'static [#t])
    }
    fn tokens(&self, shared: &mut Shared) -> TokenStream {
        let values = self.0.iter().map(|v| v.tokens(shared));
        quote!(&[#(#values),*])
    }
}

/// An int8 array computed at compile time from a model's constants (weights re-laid out in the
/// order a kernel reads them), as a `&'static [i8]` in flash: one byte string in a `static`
/// like a constant tensor, shared by identical arrays.
#[derive(Clone, Debug, PartialEq)]
pub struct Packed(pub Vec<i8>);

impl Field for Packed {
    const BORROWS: bool = true;
    fn core_type() -> TokenStream {
        quote!(&'static [i8])
    }
    fn tokens(&self, shared: &mut Shared) -> TokenStream {
        let bytes: Vec<u8> = self.0.iter().map(|&v| v as u8).collect();
        let len = Literal::usize_unsuffixed(bytes.len());
        let bytes = Literal::byte_string(&bytes);
        let name = shared.get_named(
            "WEIGHTS",
            "Weights of the model re-laid out in the order their kernel reads them (the same bytes).",
            quote!(::embedml::__private::Constant<#len>),
            quote!(::embedml::__private::Constant(*#bytes)),
        );
        quote!(::embedml::__private::constant::<i8, _>(&#name))
    }
}

/// A 513-entry int16 lookup table computed at compile time (TFLM's `LUTPopulate` for int16), as
/// a `&'static [i16; 513]`; identical tables are one shared `static`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lut16(pub Vec<i16>);

impl Field for Lut16 {
    const BORROWS: bool = true;
    fn core_type() -> TokenStream {
        quote!(&'static [i16; 513])
    }
    fn tokens(&self, shared: &mut Shared) -> TokenStream {
        let values = self.0.iter().map(|&v| Literal::i16_unsuffixed(v));
        let name = shared.get(quote!([i16; 513]), quote!([#(#values),*]));
        quote!(&#name)
    }
}

/// A constant tensor of the model (in flash), as a `&'static [T]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant<T> {
    /// The tensor's index.
    pub tensor: usize,
    _element: PhantomData<fn() -> T>,
}

impl<T> Constant<T> {
    /// The constant tensor `tensor`; the op checked that its element type is `T`.
    pub fn new(tensor: usize) -> Self {
        Constant {
            tensor,
            _element: PhantomData,
        }
    }
}

/// The Rust element type of a [`Constant`].
pub trait ConstantElement {
    /// As an [`Element`].
    const ELEMENT: Element;
}
impl ConstantElement for i8 {
    const ELEMENT: Element = Element::I8;
}
impl ConstantElement for i16 {
    const ELEMENT: Element = Element::I16;
}
impl ConstantElement for i32 {
    const ELEMENT: Element = Element::I32;
}
impl ConstantElement for f32 {
    const ELEMENT: Element = Element::F32;
}

impl<T: ConstantElement> Field for Constant<T> {
    const BORROWS: bool = true;
    fn core_type() -> TokenStream {
        let t = T::ELEMENT.tokens();
        quote!(&'static [#t])
    }
    fn tokens(&self, _: &mut Shared) -> TokenStream {
        constant_tokens(self.tensor, T::ELEMENT)
    }
    fn constants(&self, out: &mut Vec<usize>) {
        out.push(self.tensor);
    }
}

/// A constant tensor's data as a slice of `element`, from inside the model's hidden module.
pub fn constant_tokens(tensor: usize, element: Element) -> TokenStream {
    let name = constant_name(tensor);
    let t = element.tokens();
    quote!(::embedml::__private::constant::<#t, _>(&#name))
}

/// The name of the `static` holding constant tensor `tensor`.
pub fn constant_name(tensor: usize) -> proc_macro2::Ident {
    format_ident!("TENSOR_{}", tensor)
}

/// A 256-entry int8 lookup table that rustc's const evaluator builds with one of the table
/// functions of `embedml::kernels` (TFLM's own per-element integer algorithm); identical tables
/// are one shared `static`.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The function that builds it.
    pub function: &'static TableFunction,
    /// Its arguments, computed the way TFLM's Prepare computes them.
    pub args: Vec<i32>,
}

impl Field for Table {
    const BORROWS: bool = true;
    fn core_type() -> TokenStream {
        quote!(&'static [i8; 256])
    }
    fn tokens(&self, shared: &mut Shared) -> TokenStream {
        let function = format_ident!("{}", self.function.name);
        let args = self.args.iter().map(|&a| Literal::i32_unsuffixed(a));
        let name = shared.get(
            quote!([i8; 256]),
            quote!(::embedml::kernels::#function(#(#args),*)),
        );
        quote!(&#name)
    }
    fn tables<'s>(&'s self, out: &mut Vec<&'s Table>) {
        out.push(self);
    }
}

/// A `const fn` of `embedml::kernels` that builds a lookup table from `arity` `i32` arguments.
#[derive(Debug, PartialEq)]
pub struct TableFunction {
    /// Its name.
    pub name: &'static str,
    /// Its number of arguments.
    pub arity: usize,
}

/// A parameter struct of `embedml::kernels`.
pub trait Params: Field + std::fmt::Debug + 'static {
    /// Its name in `embedml::kernels`.
    const NAME: &'static str;
    /// A struct expression naming every field with a value of its declared type, for the
    /// interface check.
    fn exhaustive_literal() -> TokenStream;
}

/// A type-erased parameter value, as a kernel call holds it.
pub trait ParamsValue: std::fmt::Debug {
    /// The struct's type in `embedml::kernels`, with `<'static>` when it borrows.
    fn type_tokens(&self) -> TokenStream;
    /// The value.
    fn value_tokens(&self, shared: &mut Shared) -> TokenStream;
    /// Constant tensors it refers to.
    fn constants(&self) -> Vec<usize>;
    /// Lookup tables it holds.
    fn tables(&self) -> Vec<&Table>;
}

impl<P: Params> ParamsValue for P {
    fn type_tokens(&self) -> TokenStream {
        P::core_type()
    }
    fn value_tokens(&self, shared: &mut Shared) -> TokenStream {
        self.tokens(shared)
    }
    fn constants(&self) -> Vec<usize> {
        let mut out = Vec::new();
        Field::constants(self, &mut out);
        out
    }
    fn tables(&self) -> Vec<&Table> {
        let mut out = Vec::new();
        Field::tables(self, &mut out);
        out
    }
}

/// Declares parameter structs: the struct here, its [`Field`] and [`Params`] impls, and its
/// place in the interface check.
macro_rules! params {
    ($( $(#[$doc:meta])* $name:ident { $( $field:ident : $ty:ty ),* $(,)? } )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Debug, PartialEq)]
            #[allow(missing_docs)]
            pub struct $name { $( pub $field: $ty ),* }

            impl Field for $name {
                const BORROWS: bool = false $(|| <$ty as Field>::BORROWS)*;
                fn core_type() -> TokenStream {
                    if Self::BORROWS {
                        quote!(::embedml::kernels::$name<'static>)
                    } else {
                        quote!(::embedml::kernels::$name)
                    }
                }
                #[allow(unused_variables)]
                fn tokens(&self, shared: &mut Shared) -> TokenStream {
                    $( let $field = Field::tokens(&self.$field, shared); )*
                    quote!(::embedml::kernels::$name { $( $field: #$field, )* })
                }
                #[allow(unused_variables)]
                fn constants(&self, out: &mut Vec<usize>) {
                    $( Field::constants(&self.$field, out); )*
                }
                #[allow(unused_variables)]
                fn tables<'s>(&'s self, out: &mut Vec<&'s Table>) {
                    $( Field::tables(&self.$field, out); )*
                }
            }

            impl Params for $name {
                const NAME: &'static str = stringify!($name);
                fn exhaustive_literal() -> TokenStream {
                    $( let $field = <$ty as Field>::core_type(); )*
                    quote!(::embedml::kernels::$name { $( $field: any::<#$field>(), )* })
                }
            }
        )*

        /// Every declared parameter struct: its type and an exhaustive literal.
        fn declared_params() -> Vec<(TokenStream, TokenStream)> {
            vec![$( (<$name as Field>::core_type(), <$name as Params>::exhaustive_literal()) ),*]
        }
    };
}

params! {
    /// `embedml::kernels::Requantize`.
    Requantize { multipliers: Slice<i32>, shifts: Slice<i8> }
    /// `embedml::kernels::Conv2dGeometry`.
    Conv2dGeometry {
        input_height: usize, input_width: usize, input_depth: usize,
        output_height: usize, output_width: usize, output_depth: usize,
        filter_height: usize, filter_width: usize,
        stride_height: usize, stride_width: usize,
        dilation_height: usize, dilation_width: usize,
        padding_height: usize, padding_width: usize,
    }
    /// `embedml::kernels::Pool2dGeometry`.
    Pool2dGeometry {
        input_height: usize, input_width: usize, depth: usize,
        output_height: usize, output_width: usize,
        filter_height: usize, filter_width: usize,
        stride_height: usize, stride_width: usize,
        padding_height: usize, padding_width: usize,
    }
    /// `embedml::kernels::Broadcast4`.
    Broadcast4 { output_shape: [usize; 4], input1_strides: [usize; 4], input2_strides: [usize; 4] }
    /// `embedml::kernels::FullyConnectedI8`.
    FullyConnectedI8 {
        weights: Constant<i8>, bias: Slice<i32>, accum_depth: usize, output_depth: usize,
        requantize: Requantize, output_offset: i32, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::FullyConnectedI8Blocked`.
    FullyConnectedI8Blocked {
        weights: Packed, bias: Slice<i32>, scales: Slice<[i32; 2]>, accum_depth: usize,
        output_depth: usize, output_offset: i32, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::FullyConnectedF32`.
    FullyConnectedF32 {
        weights: Constant<f32>, bias: Option<Constant<f32>>, accum_depth: usize,
        output_depth: usize, output_min: f32, output_max: f32,
    }
    /// `embedml::kernels::Conv2dI8`.
    Conv2dI8 {
        geometry: Conv2dGeometry, weights: Constant<i8>, bias: Slice<i32>, input_offset: i32,
        requantize: Requantize, output_offset: i32, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::Conv2dI8Blocked`.
    Conv2dI8Blocked {
        geometry: Conv2dGeometry, weights: Packed, channels: Slice<[i32; 3]>,
        input_zero_point: i8, output_offset: i32, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::Conv2dF32`.
    Conv2dF32 {
        geometry: Conv2dGeometry, weights: Constant<f32>, bias: Option<Constant<f32>>,
        output_min: f32, output_max: f32,
    }
    /// `embedml::kernels::DepthwiseConv2dI8`.
    DepthwiseConv2dI8 {
        geometry: Conv2dGeometry, depth_multiplier: usize, weights: Constant<i8>,
        bias: Slice<i32>, input_offset: i32, requantize: Requantize, output_offset: i32,
        output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::DepthwiseConv2dF32`.
    DepthwiseConv2dF32 {
        geometry: Conv2dGeometry, depth_multiplier: usize, weights: Constant<f32>,
        bias: Option<Constant<f32>>, output_min: f32, output_max: f32,
    }
    /// `embedml::kernels::SoftmaxI8`.
    SoftmaxI8 { input_multiplier: i32, input_left_shift: i32, diff_min: i32, depth: usize }
    /// `embedml::kernels::SoftmaxF32`.
    SoftmaxF32 { beta: f32, depth: usize }
    /// `embedml::kernels::Pool2dI8`.
    Pool2dI8 { geometry: Pool2dGeometry, output_min: i32, output_max: i32 }
    /// `embedml::kernels::Pool2dF32`.
    Pool2dF32 { geometry: Pool2dGeometry, output_min: f32, output_max: f32 }
    /// `embedml::kernels::AddI8` (ADD, SUB and SQUARED_DIFFERENCE).
    AddI8 {
        input1_offset: i32, input1_multiplier: i32, input1_shift: i32,
        input2_offset: i32, input2_multiplier: i32, input2_shift: i32,
        left_shift: i32, output_multiplier: i32, output_shift: i32, output_offset: i32,
        output_min: i32, output_max: i32, broadcast: Option<Broadcast4>,
    }
    /// `embedml::kernels::MulI8`.
    MulI8 {
        input1_offset: i32, input2_offset: i32, output_multiplier: i32, output_shift: i32,
        output_offset: i32, output_min: i32, output_max: i32, broadcast: Option<Broadcast4>,
    }
    /// `embedml::kernels::ReluI16`.
    ReluI16 {
        input_zero_point: i32, multiplier: i32, shift: i32, output_zero_point: i32,
        output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::ClampI16`.
    ClampI16 { min: i16, max: i16 }
    /// `embedml::kernels::LeakyReluI16`.
    LeakyReluI16 {
        input_zero_point: i32, identity_multiplier: i32, identity_shift: i32,
        alpha_multiplier: i32, alpha_shift: i32, output_zero_point: i32,
    }
    /// `embedml::kernels::SigmoidI16` (int16 LOGISTIC and TANH).
    SigmoidI16 { multiplier: i32, shift: i32 }
    /// `embedml::kernels::SoftmaxI16`.
    SoftmaxI16 {
        input_multiplier: i32, input_shift: i32, depth: usize, exp_lut: Lut16,
        one_over_one_plus_x_lut: Lut16,
    }
    /// `embedml::kernels::ArithmeticF32`.
    ArithmeticF32 { output_min: f32, output_max: f32, broadcast: Option<Broadcast4> }
    /// `embedml::kernels::MinMax`.
    MinMax { broadcast: Option<Broadcast4> }
    /// `embedml::kernels::ArithmeticI32`.
    ArithmeticI32 { output_min: i32, output_max: i32, broadcast: Option<Broadcast4> }
    /// `embedml::kernels::SquaredDifferenceF32`.
    SquaredDifferenceF32 { broadcast: Option<Broadcast4> }
    /// `embedml::kernels::LookupI8`.
    LookupI8 { table: Table }
    /// `embedml::kernels::ClampF32`.
    ClampF32 { min: f32, max: f32 }
    /// `embedml::kernels::LeakyReluF32`.
    LeakyReluF32 { alpha: f32 }
    /// `embedml::kernels::NoParams`.
    NoParams {}
    /// `embedml::kernels::QuantizeF32`.
    QuantizeF32 { scale: f32, zero_point: i32 }
    /// `embedml::kernels::DequantizeI8`.
    DequantizeI8 { scale: f32, zero_point: i32 }
    /// `embedml::kernels::Rescale` (QUANTIZE between integer types).
    Rescale { multiplier: i32, shift: i32, input_zero_point: i32, output_zero_point: i32 }
    /// `embedml::kernels::Pad4I8`.
    Pad4I8 { input_shape: [usize; 4], output_strides: [usize; 4], start: usize, value: i8 }
    /// `embedml::kernels::Pad4F32`.
    Pad4F32 { input_shape: [usize; 4], output_strides: [usize; 4], start: usize, value: f32 }
    /// `embedml::kernels::Pad4I16`.
    Pad4I16 { input_shape: [usize; 4], output_strides: [usize; 4], start: usize, value: i16 }
    /// `embedml::kernels::Pad4I32`.
    Pad4I32 { input_shape: [usize; 4], output_strides: [usize; 4], start: usize, value: i32 }
    /// `embedml::kernels::Concatenation`.
    Concatenation { outer: usize, sizes: Slice<usize> }
    /// `embedml::kernels::Gather4` (TRANSPOSE and STRIDED_SLICE).
    Gather4 { output_shape: [usize; 4], start: usize, strides: [isize; 4] }
    /// `embedml::kernels::SvdfShape`.
    SvdfShape { batches: usize, input_size: usize, filters: usize, rank: usize, memory: usize }
    /// `embedml::kernels::SvdfI8State8`.
    SvdfI8State8 {
        shape: SvdfShape, weights_feature: Constant<i8>, weights_time: Constant<i8>,
        feature_offsets: Slice<i32>, time_offsets: Slice<i32>,
        state_zero_point: i32,
        output_zero_point: i32, feature_scale: [i32; 2], output_scale: [i32; 2],
    }
    /// `embedml::kernels::SvdfI8State16`.
    SvdfI8State16 {
        shape: SvdfShape, weights_feature: Constant<i8>, weights_time: Constant<i16>,
        feature_offsets: Slice<i32>, time_offsets: Slice<i32>,
        state_zero_point: i32,
        output_zero_point: i32, feature_scale: [i32; 2], output_scale: [i32; 2],
    }
    /// `embedml::kernels::SvdfF32`.
    SvdfF32 {
        shape: SvdfShape, weights_feature: Constant<f32>, weights_time: Constant<f32>,
        bias: Option<Constant<f32>>, output_min: f32, output_max: f32,
    }
    /// `embedml::kernels::LstmShape`.
    LstmShape {
        batches: usize, time_steps: usize, input_size: usize, units: usize, time_major: bool,
    }
    /// `embedml::kernels::LstmGateI8`: the model's weights, the zero points folded into
    /// per-unit biases at build time.
    LstmGateI8 {
        input_weights: Constant<i8>, input_bias: Slice<i32>, input_multiplier: i32,
        input_shift: i32, recurrent_weights: Constant<i8>, recurrent_bias: Slice<i32>,
        recurrent_multiplier: i32, recurrent_shift: i32,
    }
    /// `embedml::kernels::LstmI8`.
    LstmI8 {
        shape: LstmShape, input_gate: LstmGateI8, forget_gate: LstmGateI8,
        cell_gate: LstmGateI8, output_gate: LstmGateI8, forget_cell_multiplier: i32,
        forget_cell_shift: i32, input_cell_multiplier: i32, input_cell_shift: i32,
        hidden_multiplier: i32, hidden_shift: i32, hidden_zero_point: i32,
        cell_tanh_multiplier: i32, cell_tanh_shift: i32, cell_clip: Option<i16>,
    }
    /// `embedml::kernels::LstmGateF32`.
    LstmGateF32 {
        input_weights: Constant<f32>, bias: Constant<f32>, recurrent_weights: Constant<f32>,
    }
    /// `embedml::kernels::LstmF32`.
    LstmF32 {
        shape: LstmShape, input_gate: LstmGateF32, forget_gate: LstmGateF32,
        cell_gate: LstmGateF32, output_gate: LstmGateF32, cell_clip: Option<f32>,
    }
    /// `embedml::kernels::MeanF32`.
    MeanF32 { outer: usize, reduced: usize, inner: usize }
    /// `embedml::kernels::MeanI8`.
    MeanI8 {
        outer: usize, reduced: usize, inner: usize, sum_offset: i32, multiplier: i32,
        shift: i32, output_offset: i32,
    }
    /// `embedml::kernels::GatherAxis` (GATHER).
    GatherAxis { batches: usize, outer: usize, axis_size: usize, coords: usize, inner: usize }
    /// `embedml::kernels::Gather4Table` (MIRROR_PAD).
    Gather4Table { output_shape: [usize; 4], offsets: Slice<usize> }
    /// `embedml::kernels::CompareI8`.
    CompareI8 {
        input1_offset: i32, input1_multiplier: i32, input1_shift: i32,
        input2_offset: i32, input2_multiplier: i32, input2_shift: i32,
        left_shift: i32, broadcast: Option<Broadcast4>,
    }
    /// `embedml::kernels::Compare` (int32 and float32 comparisons, LOGICAL_AND, LOGICAL_OR).
    Compare { broadcast: Option<Broadcast4> }
    /// `embedml::kernels::Select4`.
    Select4 {
        output_shape: [usize; 4], condition_strides: [usize; 4], x_strides: [usize; 4],
        y_strides: [usize; 4],
    }
    /// `embedml::kernels::Select`.
    Select { broadcast: Option<Select4> }
    /// `embedml::kernels::ArgMinMax`.
    ArgMinMax { outer: usize, axis: usize, inner: usize }
    /// `embedml::kernels::ReduceShape` (REDUCE_MAX, REDUCE_MIN, float32 SUM).
    ReduceShape { outer: usize, reduced: usize, inner: usize }
    /// `embedml::kernels::ConstantI32` (SHAPE).
    ConstantI32 { values: Slice<i32> }
    /// `embedml::kernels::ResizeBilinearI8`.
    ResizeBilinearI8 {
        input_image: usize, depth: usize, row_offsets: Slice<[usize; 2]>,
        row_fractions: Slice<i32>, column_offsets: Slice<[usize; 2]>,
        column_fractions: Slice<i32>,
    }
    /// `embedml::kernels::ResizeBilinearF32`.
    ResizeBilinearF32 {
        input_image: usize, depth: usize, row_offsets: Slice<[usize; 2]>,
        row_fractions: Slice<f32>, column_offsets: Slice<[usize; 2]>,
        column_fractions: Slice<f32>,
    }
    /// `embedml::kernels::SpaceToBatch` (SPACE_TO_BATCH_ND).
    SpaceToBatch {
        batches: usize, input_height: usize, input_width: usize, depth: usize,
        output_height: usize, output_width: usize, block_height: usize, block_width: usize,
        pad_top: usize, pad_left: usize,
    }
    /// `embedml::kernels::TransposeConvI8`.
    TransposeConvI8 {
        geometry: Conv2dGeometry, weights: Constant<i8>, bias: Option<Constant<i32>>,
        input_offset: i32, requantize: Requantize, output_offset: i32, output_min: i32,
        output_max: i32,
    }
    /// `embedml::kernels::Conv2dI16`.
    Conv2dI16 {
        geometry: Conv2dGeometry, weights: Constant<i8>, bias: Slice<i64>,
        requantize: Requantize, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::DepthwiseConv2dI16`.
    DepthwiseConv2dI16 {
        geometry: Conv2dGeometry, depth_multiplier: usize, weights: Constant<i8>,
        bias: Slice<i64>, requantize: Requantize, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::FullyConnectedI16`.
    FullyConnectedI16 {
        weights: Constant<i8>, bias: Slice<i64>, accum_depth: usize, output_depth: usize,
        requantize: Requantize, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::TransposeConvI16`.
    TransposeConvI16 {
        geometry: Conv2dGeometry, weights: Constant<i8>, bias: Slice<i64>,
        requantize: Requantize, output_min: i32, output_max: i32,
    }
    /// `embedml::kernels::TransposeConvF32`.
    TransposeConvF32 {
        geometry: Conv2dGeometry, weights: Constant<f32>, bias: Option<Constant<f32>>,
        output_min: f32, output_max: f32,
    }
    /// `embedml::kernels::PreluI8`.
    PreluI8 {
        input_offset: i32, alpha_offset: i32, output_offset: i32, positive_multiplier: i32,
        positive_shift: i32, negative_multiplier: i32, negative_shift: i32,
        broadcast: Option<Broadcast4>,
    }
    /// `embedml::kernels::PreluF32`.
    PreluF32 { broadcast: Option<Broadcast4> }
    /// `embedml::kernels::LogSoftmaxI8`.
    LogSoftmaxI8 {
        input_multiplier: i32, input_left_shift: i32, reverse_scaling_divisor: i32,
        reverse_scaling_shift: i32, diff_min: i32, depth: usize,
    }
    /// `embedml::kernels::LogSoftmaxF32`.
    LogSoftmaxF32 { depth: usize }
    /// `embedml::kernels::L2NormI8`.
    L2NormI8 { input_zero_point: i32, depth: usize }
    /// `embedml::kernels::L2NormF32`.
    L2NormF32 { depth: usize }
    /// `embedml::kernels::AccumulateI8` (int8 ADD_N, and CUMSUM's rescalings).
    AccumulateI8 {
        input_offset: i32, input_multiplier: i32, input_shift: i32, output_multiplier: i32,
        output_shift: i32, output_offset: i32,
    }
    /// `embedml::kernels::CumsumShape` (float32 CUMSUM).
    CumsumShape { outer: usize, depth: usize, inner: usize, exclusive: bool, reverse: bool }
    /// `embedml::kernels::CumsumI8`.
    CumsumI8 { shape: CumsumShape, scales: AccumulateI8 }
    /// `embedml::kernels::GatherNd`.
    GatherNd { slices: usize, index_depth: usize, slice_size: usize, strides: [i32; 5] }
    /// `embedml::kernels::SignalWindow`.
    SignalWindow { shift: u32 }
    /// `embedml::kernels::SignalRfftI16`: kissfft's tables, computed at build time.
    SignalRfftI16 {
        input_length: usize, output_length: usize, twiddles: Slice<[i16; 2]>,
        super_twiddles: Slice<[i16; 2]>, stages: Slice<[usize; 2]>, order: Slice<u16>,
    }
    /// `embedml::kernels::SignalEnergy`.
    SignalEnergy { start_index: usize, end_index: usize }
    /// `embedml::kernels::SignalFilterBank`: the model's channel tables.
    SignalFilterBank {
        num_channels: usize, weights: Constant<i16>, unweights: Constant<i16>,
        channel_frequency_starts: Constant<i16>, channel_weight_starts: Constant<i16>,
        channel_widths: Constant<i16>,
    }
    /// `embedml::kernels::SignalSpectralSubtraction`.
    SignalSpectralSubtraction {
        smoothing: u32, one_minus_smoothing: u32, alternate_smoothing: u32,
        alternate_one_minus_smoothing: u32, min_signal_remaining: u32, smoothing_bits: u32,
        spectral_subtraction_bits: u32, clamping: bool,
    }
    /// `embedml::kernels::SignalPcan`.
    SignalPcan { snr_shift: u32, gain_lut: Constant<i16> }
    /// `embedml::kernels::SignalFilterBankLog`.
    SignalFilterBankLog { input_correction_bits: u32, output_scale: u32 }
    /// `embedml::kernels::BatchMatMulShape`.
    BatchMatMulShape {
        batches: [usize; 3], lhs_strides: [usize; 3], rhs_strides: [usize; 3], rows: usize,
        cols: usize, depth: usize, lhs_row_step: usize, lhs_depth_step: usize,
        rhs_depth_step: usize, rhs_col_step: usize,
    }
    /// `embedml::kernels::BatchMatMulI8`.
    BatchMatMulI8 {
        shape: BatchMatMulShape, lhs_offset: i32, rhs_offset: i32, multiplier: i32, shift: i32,
        output_offset: i32,
    }
    /// `embedml::kernels::BatchMatMulI16`.
    BatchMatMulI16 { shape: BatchMatMulShape, multiplier: i32, shift: i32 }
    /// `embedml::kernels::BatchMatMulF32`.
    BatchMatMulF32 { shape: BatchMatMulShape }
    /// `embedml::kernels::DetectionPostProcess`.
    DetectionPostProcess {
        num_boxes: usize, box_stride: usize, num_classes: usize, class_stride: usize,
        label_offset: usize, max_detections: usize, detections_per_class: usize,
        regular_nms: bool, score_threshold: f32, iou_threshold: f32, scale: [f32; 4],
    }
    /// `embedml::kernels::DetectionPostProcessOutput`.
    DetectionPostProcessOutput { start: usize }
}

/// The inputs a kernel reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// One slice argument per element type, in order.
    Each(&'static [Element]),
    /// Any number of inputs of one type, passed as one `&[&[T]]`.
    Many(Element),
}

/// What is known of a kernel without its parameter type.
#[derive(Debug)]
pub struct KernelInfo {
    /// The function in `embedml::kernels`.
    pub function: &'static str,
    /// Its parameter struct's type in `embedml::kernels`.
    pub params: fn() -> TokenStream,
    /// The form that writes its output over its first input (which must then have the output's
    /// type and length), taking `(params, output, other inputs...)`.
    pub in_place: Option<&'static str>,
    /// The inputs.
    pub reads: Reads,
    /// The output's element type.
    pub write: Element,
    /// The element type of the scratch buffer it takes after its output, if it takes one.
    pub scratch: Option<Element>,
    /// The form whose output may overlap its (one, int8) input, and its gap function: `(params,
    /// data, [input start, input length, output start, output length], scratch)`, called when
    /// the memory plan overlaps them with the input at least `gap(params, images)` values after
    /// the output (a `const fn` beside the kernel, evaluated in the generated operand set).
    pub shared: Option<SharedForm>,
    /// The element types of the state arrays it takes, last (`&mut` arrays of the model's
    /// state, outside the arena: SVDF's activation state, a resource variable).
    pub state: &'static [Element],
}

/// A kernel's shared-slice form (see [`KernelInfo::shared`]).
#[derive(Clone, Copy, Debug)]
pub struct SharedForm {
    /// The function in `embedml::kernels`.
    pub function: &'static str,
    /// The `const fn(&params, images) -> usize` in `embedml::kernels` that gives the gap.
    pub gap: &'static str,
}

/// A kernel whose parameters are `P`.
#[derive(Debug)]
pub struct Kernel<P> {
    /// What it is.
    pub info: KernelInfo,
    _params: PhantomData<fn() -> P>,
}

/// Declares the kernels: one `const` each, named like the function, typed by its parameters.
macro_rules! kernels {
    ($( $name:ident ( $params:ident ; $($reads:tt)+ ) -> $write:ident $(, in_place $in_place:ident)? $(, scratch $scratch:ident)? $(, shared $shared:ident gap $gap:ident)? $(, state ( $($state:ident),+ ))? ; )*) => {
        $(
            #[doc = concat!("`embedml::kernels::", stringify!($name), "`.")]
            #[allow(non_upper_case_globals)]
            pub const $name: Kernel<$params> = Kernel {
                info: KernelInfo {
                    function: stringify!($name),
                    params: <$params as Field>::core_type,
                    in_place: kernels!(@in_place $($in_place)?),
                    reads: kernels!(@reads $($reads)+),
                    write: Element::$write,
                    scratch: kernels!(@scratch $($scratch)?),
                    shared: kernels!(@shared $($shared $gap)?),
                    state: kernels!(@state $($($state),+)?),
                },
                _params: PhantomData,
            };
        )*

        /// Every declared kernel.
        pub const ALL: &[&KernelInfo] = &[$( &$name.info ),*];
    };
    (@shared) => { None };
    (@shared $shared:ident $gap:ident) => {
        Some(SharedForm { function: stringify!($shared), gap: stringify!($gap) })
    };
    (@state) => { &[] };
    (@state $($e:ident),+) => { &[$(Element::$e),+] };
    (@scratch) => { None };
    (@scratch $scratch:ident) => { Some(Element::$scratch) };
    (@in_place) => { None };
    (@in_place $in_place:ident) => { Some(stringify!($in_place)) };
    (@reads -) => { Reads::Each(&[]) };
    (@reads [$e:ident]) => { Reads::Many(Element::$e) };
    (@reads $($e:ident),+) => { Reads::Each(&[$(Element::$e),+]) };
}

/// Declares table functions: one `const` each, named like the function, with its arity.
macro_rules! table_functions {
    ($( $name:ident($arity:literal), )*) => {
        $(
            #[doc = concat!("`embedml::kernels::", stringify!($name), "`.")]
            pub const $name: TableFunction = TableFunction {
                name: stringify!($name),
                arity: $arity,
            };
        )*

        /// Every declared table function.
        pub const TABLES: &[&TableFunction] = &[$( &$name ),*];
    };
}

/// The kernels of `embedml::kernels`, named like the functions they declare.
#[allow(non_upper_case_globals)]
pub mod kernels {
    use super::*;

    kernels! {
        svdf_i8(SvdfI8State8; I8) -> I8, state (I8);
        svdf_i8_state_i16(SvdfI8State16; I8) -> I8, state (I16);
        svdf_f32(SvdfF32; F32) -> F32, state (F32);
        lstm_i8(LstmI8; I8) -> I8, state (I8, I16);
        lstm_f32(LstmF32; F32) -> F32, state (F32, F32);
        read_variable_i8(NoParams; -) -> I8, state (I8);
        read_variable_i16(NoParams; -) -> I16, state (I16);
        read_variable_i32(NoParams; -) -> I32, state (I32);
        read_variable_f32(NoParams; -) -> F32, state (F32);
        read_variable_u32(NoParams; -) -> U32, state (U32);
        assign_variable_i8(NoParams; -) -> I8, state (I8);
        assign_variable_i16(NoParams; -) -> I16, state (I16);
        assign_variable_i32(NoParams; -) -> I32, state (I32);
        assign_variable_f32(NoParams; -) -> F32, state (F32);
        fully_connected_i8(FullyConnectedI8; I8) -> I8;
        fully_connected_i8_blocked(FullyConnectedI8Blocked; I8) -> I8;
        fully_connected_i8_per_tensor(FullyConnectedI8Blocked; I8) -> I8;
        fully_connected_f32(FullyConnectedF32; F32) -> F32;
        conv2d_i8(Conv2dI8; I8) -> I8;
        conv2d_i8_blocked(Conv2dI8Blocked; I8) -> I8, scratch I32,
            shared conv2d_i8_blocked_shared gap conv2d_i8_overlap_gap;
        conv2d_i8_pointwise(Conv2dI8Blocked; I8) -> I8, scratch I32,
            shared conv2d_i8_pointwise_shared gap conv2d_i8_overlap_gap;
        conv2d_i8_staged(Conv2dI8Blocked; I8) -> I8, scratch I32,
            shared conv2d_i8_staged_shared gap conv2d_i8_overlap_gap;
        conv2d_i8_windowed(Conv2dI8Blocked; I8) -> I8, scratch I32,
            shared conv2d_i8_windowed_shared gap conv2d_i8_overlap_gap;
        conv2d_f32(Conv2dF32; F32) -> F32;
        depthwise_conv2d_i8(DepthwiseConv2dI8; I8) -> I8,
            shared depthwise_conv2d_i8_shared gap depthwise_conv2d_i8_overlap_gap;
        depthwise_conv2d_f32(DepthwiseConv2dF32; F32) -> F32;
        softmax_i8(SoftmaxI8; I8) -> I8;
        softmax_f32(SoftmaxF32; F32) -> F32;
        softmax_i8_i16(SoftmaxI8; I8) -> I16;
        average_pool2d_i8(Pool2dI8; I8) -> I8;
        max_pool2d_i8(Pool2dI8; I8) -> I8;
        average_pool2d_f32(Pool2dF32; F32) -> F32;
        max_pool2d_f32(Pool2dF32; F32) -> F32;
        add_i8(AddI8; I8, I8) -> I8, in_place add_i8_in_place;
        sub_i8(AddI8; I8, I8) -> I8, in_place sub_i8_in_place;
        mul_i8(MulI8; I8, I8) -> I8, in_place mul_i8_in_place;
        add_f32(ArithmeticF32; F32, F32) -> F32, in_place add_f32_in_place;
        sub_f32(ArithmeticF32; F32, F32) -> F32, in_place sub_f32_in_place;
        mul_f32(ArithmeticF32; F32, F32) -> F32, in_place mul_f32_in_place;
        maximum_i8(MinMax; I8, I8) -> I8, in_place maximum_i8_in_place;
        minimum_i8(MinMax; I8, I8) -> I8, in_place minimum_i8_in_place;
        maximum_f32(MinMax; F32, F32) -> F32, in_place maximum_f32_in_place;
        minimum_f32(MinMax; F32, F32) -> F32, in_place minimum_f32_in_place;
        add_i32(ArithmeticI32; I32, I32) -> I32, in_place add_i32_in_place;
        sub_i32(ArithmeticI32; I32, I32) -> I32, in_place sub_i32_in_place;
        mul_i32(ArithmeticI32; I32, I32) -> I32, in_place mul_i32_in_place;
        div_i32(ArithmeticI32; I32, I32) -> I32, in_place div_i32_in_place;
        maximum_i32(MinMax; I32, I32) -> I32, in_place maximum_i32_in_place;
        minimum_i32(MinMax; I32, I32) -> I32, in_place minimum_i32_in_place;
        div_f32(ArithmeticF32; F32, F32) -> F32, in_place div_f32_in_place;
        cast_i8_i8(NoParams; I8) -> I8;
        cast_i8_i16(NoParams; I8) -> I16;
        cast_i8_i32(NoParams; I8) -> I32;
        cast_i8_u32(NoParams; I8) -> U32;
        cast_i8_f32(NoParams; I8) -> F32;
        cast_i16_i8(NoParams; I16) -> I8;
        cast_i16_i16(NoParams; I16) -> I16;
        cast_i16_i32(NoParams; I16) -> I32;
        cast_i16_u32(NoParams; I16) -> U32;
        cast_i16_f32(NoParams; I16) -> F32;
        cast_i32_i8(NoParams; I32) -> I8;
        cast_i32_i16(NoParams; I32) -> I16;
        cast_i32_i32(NoParams; I32) -> I32;
        cast_i32_u32(NoParams; I32) -> U32;
        cast_i32_f32(NoParams; I32) -> F32;
        cast_u32_i8(NoParams; U32) -> I8;
        cast_u32_i16(NoParams; U32) -> I16;
        cast_u32_i32(NoParams; U32) -> I32;
        cast_u32_u32(NoParams; U32) -> U32;
        cast_u32_f32(NoParams; U32) -> F32;
        cast_f32_i8(NoParams; F32) -> I8;
        cast_f32_i16(NoParams; F32) -> I16;
        cast_f32_i32(NoParams; F32) -> I32;
        cast_f32_u32(NoParams; F32) -> U32;
        cast_f32_f32(NoParams; F32) -> F32;
        cast_bool_i8(NoParams; Bool) -> I8;
        cast_bool_i16(NoParams; Bool) -> I16;
        cast_bool_i32(NoParams; Bool) -> I32;
        cast_bool_u32(NoParams; Bool) -> U32;
        cast_bool_f32(NoParams; Bool) -> F32;
        squared_difference_i8(AddI8; I8, I8) -> I8, in_place squared_difference_i8_in_place;
        squared_difference_f32(SquaredDifferenceF32; F32, F32) -> F32,
            in_place squared_difference_f32_in_place;
        lookup_i8(LookupI8; I8) -> I8, in_place lookup_i8_in_place;
        clamp_f32(ClampF32; F32) -> F32, in_place clamp_f32_in_place;
        leaky_relu_f32(LeakyReluF32; F32) -> F32, in_place leaky_relu_f32_in_place;
        logistic_f32(NoParams; F32) -> F32, in_place logistic_f32_in_place;
        tanh_f32(NoParams; F32) -> F32, in_place tanh_f32_in_place;
        hard_swish_f32(NoParams; F32) -> F32, in_place hard_swish_f32_in_place;
        abs_f32(NoParams; F32) -> F32, in_place abs_f32_in_place;
        neg_f32(NoParams; F32) -> F32, in_place neg_f32_in_place;
        quantize_f32_i8(QuantizeF32; F32) -> I8;
        dequantize_i8_f32(DequantizeI8; I8) -> F32;
        dequantize_u8_f32(DequantizeI8; U8) -> F32;
        requantize_i8_u8(Rescale; I8) -> U8;
        requantize_u8_i8(Rescale; U8) -> I8;
        requantize_i16_i8(Rescale; I16) -> I8;
        requantize_i16_i32(Rescale; I16) -> I32;
        requantize_i16_i16(Rescale; I16) -> I16;
        requantize_i8_i16(Rescale; I8) -> I16;
        requantize_i32_i16(Rescale; I32) -> I16;
        quantize_f32_i16(QuantizeF32; F32) -> I16;
        dequantize_i16_f32(DequantizeI8; I16) -> F32;
        add_i16(AddI8; I16, I16) -> I16, in_place add_i16_in_place;
        sub_i16(AddI8; I16, I16) -> I16, in_place sub_i16_in_place;
        mul_i16(MulI8; I16, I16) -> I16, in_place mul_i16_in_place;
        squared_difference_i16(AddI8; I16, I16) -> I16, in_place squared_difference_i16_in_place;
        maximum_i16(MinMax; I16, I16) -> I16, in_place maximum_i16_in_place;
        minimum_i16(MinMax; I16, I16) -> I16, in_place minimum_i16_in_place;
        relu_i16(ReluI16; I16) -> I16, in_place relu_i16_in_place;
        abs_i16(ReluI16; I16) -> I16, in_place abs_i16_in_place;
        clamp_i16(ClampI16; I16) -> I16, in_place clamp_i16_in_place;
        leaky_relu_i16(LeakyReluI16; I16) -> I16, in_place leaky_relu_i16_in_place;
        logistic_i16(SigmoidI16; I16) -> I16, in_place logistic_i16_in_place;
        tanh_i16(SigmoidI16; I16) -> I16, in_place tanh_i16_in_place;
        softmax_i16(SoftmaxI16; I16) -> I16;
        pad4_i8(Pad4I8; I8) -> I8;
        pad4_f32(Pad4F32; F32) -> F32;
        pad4_i16(Pad4I16; I16) -> I16;
        pad4_i32(Pad4I32; I32) -> I32;
        concatenation_i8(Concatenation; [I8]) -> I8;
        concatenation_f32(Concatenation; [F32]) -> F32;
        concatenation_i16(Concatenation; [I16]) -> I16;
        concatenation_i32(Concatenation; [I32]) -> I32;
        concatenation_bool(Concatenation; [Bool]) -> Bool;
        gather4_i16(Gather4; I16) -> I16;
        gather4_bool(Gather4; Bool) -> Bool;
        gather4_i8(Gather4; I8) -> I8;
        gather4_f32(Gather4; F32) -> F32;
        mean_i8(MeanI8; I8) -> I8;
        mean_f32(MeanF32; F32) -> F32;
        gather4_i32(Gather4; I32) -> I32;
        gather_i8(GatherAxis; I8, I32) -> I8;
        gather_f32(GatherAxis; F32, I32) -> F32;
        gather4_table_i8(Gather4Table; I8) -> I8;
        gather4_table_i16(Gather4Table; I16) -> I16;
        gather4_table_f32(Gather4Table; F32) -> F32;
        exp_f32(NoParams; F32) -> F32, in_place exp_f32_in_place;
        log_f32(NoParams; F32) -> F32, in_place log_f32_in_place;
        sqrt_f32(NoParams; F32) -> F32, in_place sqrt_f32_in_place;
        rsqrt_f32(NoParams; F32) -> F32, in_place rsqrt_f32_in_place;
        square_f32(NoParams; F32) -> F32, in_place square_f32_in_place;
        floor_f32(NoParams; F32) -> F32, in_place floor_f32_in_place;
        ceil_f32(NoParams; F32) -> F32, in_place ceil_f32_in_place;
        round_f32(NoParams; F32) -> F32, in_place round_f32_in_place;
        elu_f32(NoParams; F32) -> F32, in_place elu_f32_in_place;
        equal_i8(CompareI8; I8, I8) -> Bool;
        equal_i32(Compare; I32, I32) -> Bool;
        equal_f32(Compare; F32, F32) -> Bool;
        not_equal_i8(CompareI8; I8, I8) -> Bool;
        not_equal_i32(Compare; I32, I32) -> Bool;
        not_equal_f32(Compare; F32, F32) -> Bool;
        greater_i8(CompareI8; I8, I8) -> Bool;
        greater_i32(Compare; I32, I32) -> Bool;
        greater_f32(Compare; F32, F32) -> Bool;
        greater_equal_i8(CompareI8; I8, I8) -> Bool;
        greater_equal_i32(Compare; I32, I32) -> Bool;
        greater_equal_f32(Compare; F32, F32) -> Bool;
        less_i8(CompareI8; I8, I8) -> Bool;
        less_i32(Compare; I32, I32) -> Bool;
        less_f32(Compare; F32, F32) -> Bool;
        less_equal_i8(CompareI8; I8, I8) -> Bool;
        less_equal_i32(Compare; I32, I32) -> Bool;
        less_equal_f32(Compare; F32, F32) -> Bool;
        logical_and(Compare; Bool, Bool) -> Bool;
        logical_or(Compare; Bool, Bool) -> Bool;
        logical_not(NoParams; Bool) -> Bool;
        select_i8(Select; Bool, I8, I8) -> I8;
        select_i16(Select; Bool, I16, I16) -> I16;
        select_f32(Select; Bool, F32, F32) -> F32;
        arg_max_i8(ArgMinMax; I8) -> I32;
        arg_min_i8(ArgMinMax; I8) -> I32;
        arg_max_f32(ArgMinMax; F32) -> I32;
        arg_min_f32(ArgMinMax; F32) -> I32;
        reduce_max_i8(ReduceShape; I8) -> I8;
        reduce_min_i8(ReduceShape; I8) -> I8;
        reduce_max_f32(ReduceShape; F32) -> F32;
        reduce_min_f32(ReduceShape; F32) -> F32;
        sum_f32(ReduceShape; F32) -> F32;
        zeros_i8(NoParams; -) -> I8;
        zeros_i32(NoParams; -) -> I32;
        zeros_f32(NoParams; -) -> F32;
        constant_i32(ConstantI32; -) -> I32;
        resize_bilinear_i8(ResizeBilinearI8; I8) -> I8;
        resize_bilinear_f32(ResizeBilinearF32; F32) -> F32;
        space_to_batch_i8(SpaceToBatch; I8) -> I8;
        space_to_batch_f32(SpaceToBatch; F32) -> F32;
        transpose_conv_i8(TransposeConvI8; I8) -> I8;
        transpose_conv_f32(TransposeConvF32; F32) -> F32;
        prelu_i8(PreluI8; I8, I8) -> I8, in_place prelu_i8_in_place;
        prelu_i16(PreluI8; I16, I8) -> I16, in_place prelu_i16_in_place;
        prelu_f32(PreluF32; F32, F32) -> F32, in_place prelu_f32_in_place;
        log_softmax_i8(LogSoftmaxI8; I8) -> I8;
        log_softmax_f32(LogSoftmaxF32; F32) -> F32;
        l2_normalization_i8(L2NormI8; I8) -> I8;
        l2_normalization_f32(L2NormF32; F32) -> F32;
        add_n_i8(AccumulateI8; [I8]) -> I8;
        add_n_f32(NoParams; [F32]) -> F32;
        cumsum_i8(CumsumI8; I8) -> I8;
        cumsum_f32(CumsumShape; F32) -> F32;
        gather_nd_i8(GatherNd; I8, I32) -> I8;
        gather_nd_f32(GatherNd; F32, I32) -> F32;
        conv2d_i16(Conv2dI16; I16) -> I16;
        conv2d_i16_acc32(Conv2dI16; I16) -> I16;
        depthwise_conv2d_i16(DepthwiseConv2dI16; I16) -> I16;
        fully_connected_i16(FullyConnectedI16; I16) -> I16;
        fully_connected_i16_acc32(FullyConnectedI16; I16) -> I16;
        transpose_conv_i16(TransposeConvI16; I16) -> I16;
        average_pool2d_i16(Pool2dI8; I16) -> I16;
        max_pool2d_i16(Pool2dI8; I16) -> I16;
        mean_i16(MeanI8; I16) -> I16;
        signal_window(SignalWindow; I16, I16) -> I16;
        signal_fft_auto_scale(NoParams; I16) -> I16;
        signal_fft_auto_scale_bits(NoParams; I16) -> I32;
        signal_rfft_i16(SignalRfftI16; I16) -> I16, scratch I16;
        signal_energy(SignalEnergy; I16) -> U32;
        signal_filter_bank(SignalFilterBank; U32) -> U64;
        signal_filter_bank_square_root(NoParams; U64, I32) -> U32;
        signal_spectral_subtraction(SignalSpectralSubtraction; U32) -> U32, state (U32);
        signal_pcan(SignalPcan; U32, U32) -> U32;
        signal_filter_bank_log(SignalFilterBankLog; U32) -> I16;
        batch_matmul_i8(BatchMatMulI8; I8, I8) -> I8;
        batch_matmul_i16(BatchMatMulI16; I16, I16) -> I16;
        batch_matmul_f32(BatchMatMulF32; F32, F32) -> F32;
        detection_postprocess(DetectionPostProcess; F32, F32, F32) -> F32, scratch U32;
        detection_postprocess_output(DetectionPostProcessOutput; -) -> F32, scratch U32;
    }

    table_functions! {
        requantize_table(6),
        leaky_relu_table(6),
        logistic_table(4),
        tanh_table(4),
        hard_swish_table(6),
        abs_table(4),
        rsqrt_table(4),
    }
}

/// Rust code that compiles only if `embedml::kernels` has every declared kernel, parameter
/// struct, field and table function with the declared types: a function body of `let`
/// statements, never called.
pub fn interface_check() -> TokenStream {
    let structs = declared_params().into_iter().map(|(ty, literal)| {
        quote! { let _: #ty = #literal; }
    });
    let functions = kernels::ALL.iter().map(|k| {
        let params = (k.params)();
        let write = k.write.tokens();
        let (reads, in_place_reads) = match k.reads {
            Reads::Each(elements) => {
                let all: Vec<TokenStream> = elements
                    .iter()
                    .map(|e| {
                        let e = e.tokens();
                        quote!(&[#e])
                    })
                    .collect();
                let rest = all.iter().skip(1).cloned().collect::<Vec<_>>();
                (all, rest)
            }
            Reads::Many(element) => {
                let e = element.tokens();
                (vec![quote!(&[&[#e]])], vec![])
            }
        };
        let function = format_ident!("{}", k.function);
        let scratch = k.scratch.map(|s| {
            let s = s.tokens();
            quote!(&mut [#s])
        });
        // After the output: the scratch buffer, then the state arrays.
        let trailing = scratch.iter().cloned().chain(k.state.iter().map(|s| {
            let s = s.tokens();
            quote!(&mut [#s])
        }));
        let mut check = quote! {
            let _: fn(&#params, #(#reads,)* &mut [#write], #(#trailing),*) = ::embedml::kernels::#function;
        };
        if let Some(in_place) = k.in_place {
            let in_place = format_ident!("{}", in_place);
            check.extend(quote! {
                let _: fn(&#params, &mut [#write], #(#in_place_reads),*) = ::embedml::kernels::#in_place;
            });
        }
        if let Some(shared) = k.shared {
            let (function, gap) = (format_ident!("{}", shared.function), format_ident!("{}", shared.gap));
            check.extend(quote! {
                let _: fn(&#params, &mut [#write], [usize; 4], #scratch) = ::embedml::kernels::#function;
                // A `const fn` of the parameters and the image count.
                const _: fn(&#params, usize) -> usize = {
                    const fn gap(p: &#params, images: usize) -> usize {
                        ::embedml::kernels::#gap(p, images)
                    }
                    gap
                };
            });
        }
        check
    });
    let tables = kernels::TABLES.iter().map(|t| {
        let function = format_ident!("{}", t.name);
        let args = std::iter::repeat_n(quote!(i32), t.arity);
        quote! { let _: fn(#(#args),*) -> [i8; 256] = ::embedml::kernels::#function; }
    });
    quote! {
        #[allow(unreachable_code, clippy::diverging_sub_expression)]
        fn interface_check() {
            fn any<T>() -> T {
                unreachable!()
            }
            #(#structs)*
            #(#functions)*
            #(#tables)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowing_structs_get_a_lifetime() {
        const {
            assert!(<FullyConnectedI8 as Field>::BORROWS);
            assert!(<Requantize as Field>::BORROWS);
            assert!(!<SoftmaxI8 as Field>::BORROWS);
            assert!(!<AddI8 as Field>::BORROWS);
        }
        assert_eq!(
            (kernels::fully_connected_i8.info.params)().to_string(),
            ":: embedml :: kernels :: FullyConnectedI8 < 'static >"
        );
    }

    #[test]
    fn kernel_names_are_unique() {
        let mut names: Vec<&str> = kernels::ALL.iter().map(|k| k.function).collect();
        names.extend(kernels::ALL.iter().filter_map(|k| k.in_place));
        names.extend(
            kernels::ALL
                .iter()
                .filter_map(|k| k.shared.map(|s| s.function)),
        );
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn identical_tables_are_one_static() {
        let table = Table {
            function: &kernels::logistic_table,
            args: vec![1, 2, 3, 4],
        };
        let mut shared = Shared::default();
        let a = table.tokens(&mut shared).to_string();
        let b = table.clone().tokens(&mut shared).to_string();
        let other = Table {
            function: &kernels::tanh_table,
            args: vec![1, 2, 3, 4],
        }
        .tokens(&mut shared)
        .to_string();
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(shared.into_items().len(), 2);
    }
}
