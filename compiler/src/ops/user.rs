//! Operators a user-supplied kernel runs: `include_model!(.., custom = { "MyOp" => path })`.
//!
//! embedml places the operator's tensors like any other kernel's and calls the user's function
//! with an `embedml::CustomOp` (the operator's tensors and options, as a `static`), one slice
//! per input and the output slice. rustc checks the function against the element types the
//! compiler derives here, so a mismatch is a compile error at the `include_model!` call, and the
//! checked arena views bound every slice as they do for embedml's own kernels.

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::Error;
use crate::ir::OpCode;
use crate::kernel::{Element, KernelInfo, ParamsValue, Reads, Shared, Table, f32_tokens};
use crate::plan::Access;
use crate::program::KernelCall;

use super::lower::element;
use super::{Check, Lower, Operator};

/// Arena inputs an operand set takes at most (the checked views exist for up to three); constant
/// inputs are not counted, since they come from flash.
const MAX_ARENA_INPUTS: usize = 3;

/// An operator run by a user-supplied kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct UserOp {
    /// The user's function, as a Rust path.
    pub function: String,
    /// The name the user gave it under (custom code or builtin name).
    pub operator: String,
    /// The inputs the kernel takes (present ones, in order).
    pub inputs: Vec<usize>,
    /// The output.
    pub output: usize,
    /// The element type of each input, then the output's.
    pub elements: Vec<Element>,
}

/// The name `custom = { .. }` matches an operator by: its custom code, or its builtin name.
pub fn operator_key(code: &OpCode) -> Option<&str> {
    match code {
        OpCode::Builtin(name) => Some(name),
        OpCode::Custom(custom) => Some(custom),
        OpCode::UnknownBuiltin(_) => None,
    }
}

impl Operator for UserOp {
    // Found by the user's `custom = { .. }` list, never by a name of its own.
    const NAMES: &'static [&'static str] = &[];

    fn check(cx: &Check) -> Result<Self, Error> {
        let key = operator_key(&cx.op.code).unwrap_or_default();
        let Some(user) = cx.options.user_kernels.iter().find(|k| k.operator == key) else {
            return Err(cx.error("no user kernel is given for this operator (a bug in embedml)"));
        };
        let output = match cx.op.outputs.as_slice() {
            [t] => *t,
            other => {
                return Err(cx.error(format!(
                    "has {} outputs; a user kernel (`custom = {{ .. }}`) runs operators with exactly one",
                    other.len()
                )));
            }
        };
        let inputs: Vec<usize> = cx.op.inputs.iter().flatten().copied().collect();
        let mut elements = Vec::new();
        for &t in inputs.iter().chain([&output]) {
            let tensor = cx.tensor(t);
            let e = element(tensor.element_type).map_err(|_| {
                cx.tensor_error(
                    tensor,
                    format!(
                        "is {}; a user kernel takes INT8, INT16, INT32, FLOAT32, UINT8 or BOOL tensors",
                        tensor.element_type.name()
                    ),
                )
            })?;
            elements.push(e);
        }
        let arena_inputs = inputs
            .iter()
            .filter(|&&t| cx.tensor(t).data.is_none())
            .count();
        if arena_inputs > MAX_ARENA_INPUTS {
            return Err(cx.error(format!(
                "has {arena_inputs} non-constant inputs; a user kernel takes at most {MAX_ARENA_INPUTS} (constant inputs are not limited)"
            )));
        }
        if cx.tensor(output).data.is_some() {
            return Err(cx.error("its output is a constant tensor; a kernel cannot write it"));
        }
        Ok(UserOp {
            function: user.function.clone(),
            operator: user.operator.clone(),
            inputs,
            output,
            elements,
        })
    }

    fn access(&self) -> Access {
        // The user's kernel is told its output overlaps no input.
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (write, reads) = self
            .elements
            .split_last()
            .ok_or_else(|| cx.error("has no output (a bug in embedml)"))?;
        // A kernel interface made for this call: the compiler's own kernels are declared once
        // in `crate::kernel`, a user's exist only in the user's crate. The few bytes leaked
        // live as long as the macro's process, which ends with the build.
        let function: &'static str = Box::leak(self.function.clone().into_boxed_str());
        let reads: &'static [Element] = Box::leak(reads.to_vec().into_boxed_slice());
        let kernel: &'static KernelInfo = Box::leak(Box::new(KernelInfo {
            function,
            params: custom_op_type,
            in_place: None,
            reads: Reads::Each(reads),
            write: *write,
            scratch: None,
            shared: None,
            state: &[],
        }));
        let tensor_info = |t: usize| {
            let tensor = cx.tensor(t);
            TensorInfoValue {
                name: tensor.name.clone(),
                element: element(tensor.element_type).unwrap_or(Element::U8),
                shape: tensor.shape.clone(),
                quantization: tensor.scale_and_zero_point(),
            }
        };
        let params = CustomOpValue {
            index: cx.op.index,
            name: self.operator.clone(),
            options: cx.op.options.custom_bytes().to_vec(),
            inputs: self.inputs.iter().map(|&t| tensor_info(t)).collect(),
            output: tensor_info(self.output),
        };
        let operands = self
            .inputs
            .iter()
            .map(|&t| cx.operand(t))
            .collect::<Result<_, _>>()?;
        let call = KernelCall {
            op_index: cx.op.index,
            kernel,
            params: Box::new(params),
            reads: operands,
            write: cx.view(self.output)?,
            in_place: false,
            scratch: None,
            overlap: None,
            state: Vec::new(),
            user_function: Some(self.function.clone()),
        };
        Ok(Some(call))
    }
}

fn custom_op_type() -> TokenStream {
    quote!(::embedml::CustomOp<'static>)
}

/// An `embedml::TensorInfo` value.
#[derive(Clone, Debug)]
struct TensorInfoValue {
    name: String,
    element: Element,
    shape: Vec<usize>,
    quantization: Option<(f32, i64)>,
}

impl TensorInfoValue {
    fn tokens(&self) -> TokenStream {
        let name = &self.name;
        let element_type = match self.element {
            Element::I8 => quote!(Int8),
            Element::I16 => quote!(Int16),
            Element::I32 => quote!(Int32),
            Element::F32 => quote!(Float32),
            Element::U32 => quote!(UInt32),
            Element::U64 => quote!(UInt64),
            // BOOL tensors are bytes, as `CustomOp` documents.
            Element::U8 | Element::Bool => quote!(UInt8),
        };
        let shape = self
            .shape
            .iter()
            .map(|&d| proc_macro2::Literal::usize_unsuffixed(d));
        let (scale, zero_point) = self.quantization.unwrap_or((0.0, 0));
        let scale = f32_tokens(scale);
        // Zero points of the types a user kernel takes fit in i32; a wider one (a hostile file)
        // saturates rather than wraps.
        let zero_point = proc_macro2::Literal::i32_unsuffixed(
            zero_point.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        );
        quote! {
            ::embedml::TensorInfo {
                name: #name,
                element_type: ::embedml::ElementType::#element_type,
                shape: &[#(#shape),*],
                scale: #scale,
                zero_point: #zero_point,
            }
        }
    }
}

/// The `embedml::CustomOp` a user kernel is called with.
#[derive(Debug)]
struct CustomOpValue {
    index: usize,
    name: String,
    options: Vec<u8>,
    inputs: Vec<TensorInfoValue>,
    output: TensorInfoValue,
}

impl ParamsValue for CustomOpValue {
    fn type_tokens(&self) -> TokenStream {
        custom_op_type()
    }

    fn value_tokens(&self, _: &mut Shared) -> TokenStream {
        let index = proc_macro2::Literal::usize_unsuffixed(self.index);
        let name = &self.name;
        let options = proc_macro2::Literal::byte_string(&self.options);
        let inputs = self.inputs.iter().map(TensorInfoValue::tokens);
        let output = self.output.tokens();
        quote! {
            ::embedml::CustomOp {
                index: #index,
                name: #name,
                options: #options,
                inputs: &[#(#inputs),*],
                output: #output,
            }
        }
    }

    fn constants(&self) -> Vec<usize> {
        Vec::new()
    }

    fn tables(&self) -> Vec<&Table> {
        Vec::new()
    }
}
