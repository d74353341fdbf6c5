//! Code generation: the verified program as Rust tokens.
//!
//! The output reads like code written by hand: a hidden module with one `static` per constant
//! tensor (one byte string each) and per kernel's parameters (flash), one `const` operand set per
//! call (proven sound by const evaluation in the user's crate), a struct holding the arena
//! (RAM), and an `invoke` that is a list of kernel calls, one per layer, each with a line saying
//! which layer it is. Runtime items are named by absolute path (`::embedml::...`), so the
//! expansion does not depend on the user's imports, and it contains no `unsafe`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::Compiled;
use crate::error::Error;
use crate::ir::{Graph, Tensor};
use crate::kernel::{Element, Reads, Shared, constant_name, f32_tokens};
use crate::program::{KernelCall, Operand, View};

/// What the generated item is called and how it is seen.
pub struct Target<'t> {
    /// The visibility of the generated type, as tokens (`pub`, `pub(crate)`, or empty).
    pub visibility: TokenStream,
    /// The generated type's name.
    pub name: Ident,
    /// An absolute path to the model file, included so cargo rebuilds when it changes.
    pub model_path: Option<&'t str>,
    /// Tells this invocation's items from another's: the generated type lives in a module of
    /// its own named with it, re-exported, so that two models given the same name are one
    /// "defined multiple times" error, not one per generated item.
    pub instance: u64,
}

/// A plan value (offset or byte count) as generated code spells it: a `u64` literal that
/// `embedml::__private::plan_bytes` narrows to the target's `usize` in const evaluation, so a
/// value that does not fit a 32-bit target is a compile error there rather than truncated.
fn plan_value(what: &str, value: usize) -> TokenStream {
    let literal = Literal::u64_unsuffixed(value as u64);
    quote!(::embedml::__private::plan_bytes(#what, #literal))
}

/// `#[doc]` attributes, one per line, each with the leading space a `///` comment has.
fn doc_attrs(text: &str) -> TokenStream {
    text.lines()
        .map(|line| {
            let line = format!(" {}", line.trim_start());
            let line = line.trim_end();
            quote!(#[doc = #line])
        })
        .collect()
}

fn number(value: usize) -> Literal {
    Literal::usize_unsuffixed(value)
}

/// Generates the model type, its inherent API and its `embedml::Model` implementation.
///
/// Fails only on a program whose calls have operands no operand set takes (which
/// [`crate::program::Program::verify`] rules out).
pub fn emit(compiled: &Compiled, target: &Target) -> Result<TokenStream, Error> {
    let Target {
        visibility,
        name,
        model_path,
        instance,
    } = target;
    let wrapper = format_ident!("__embedml_model_{}_{:016x}", name, instance);
    let graph = &compiled.graph;
    let program = &compiled.program;
    let module = format_ident!("__embedml_{}", name);
    let arena_value = plan_value("the arena", program.arena_bytes);
    let arena = quote!(#module::ARENA_BYTES);
    let mut shared = Shared::default();
    let constants = constants(graph, &program.calls);
    let mut layers = Vec::new();
    let mut calls = Vec::new();
    // Layers with identical parameters (a chain of same-quantization activations) share the
    // first one's `static`: one item for rustc to check instead of thousands.
    let mut params_by_value: std::collections::HashMap<String, Ident> = Default::default();
    for (at, call) in program.calls.iter().enumerate() {
        let op = &graph.ops[call.op_index];
        // An operator with several outputs runs one call per output, in a row: each has its
        // own items, and the profiler sees the operator once, around all of them.
        let same_op =
            |other: Option<&KernelCall>| other.is_some_and(|c| c.op_index == call.op_index);
        let part = program.calls[..at]
            .iter()
            .rev()
            .take_while(|c| c.op_index == call.op_index)
            .count();
        let (first_part, last_part) = (part == 0, !same_op(program.calls.get(at + 1)));
        let label = format!("operator #{} ({})", op.index, op.name);
        let doc = doc_attrs(&layer_doc(graph, call.op_index));
        let own_params = params_name(call, part);
        let operands = format_ident!("{}_OPERANDS", own_params);
        let params_type = call.params.type_tokens();
        let params_value = call.params.value_tokens(&mut shared);
        let key = format!("{params_type}={params_value}");
        let params = params_by_value
            .entry(key)
            .or_insert_with(|| own_params.clone())
            .clone();
        let params_item = (params == own_params).then(|| {
            quote! { pub(super) static #params: #params_type = #params_value; }
        });
        let OperandSet {
            ty,
            value,
            method,
            bind,
            args,
        } = operand_set(call, &label, &module, &params)?;
        // The state slots the kernel keeps, after every other argument.
        let mut args = args;
        args.extend(call.state.iter().map(|&slot| {
            let field = slot_field(slot);
            quote!(&mut state.#field)
        }));
        layers.push(quote! {
            #doc
            #params_item
            pub(super) const #operands: #ty = #value;
        });
        let function = match &call.user_function {
            // The user's path as they wrote it in `custom = { .. }`: rustc type-checks the call.
            Some(path) => user_function(path).map_err(|e| {
                Error::op(
                    call.op_index,
                    &label,
                    format!("the user kernel `{path}` is not a Rust path: {e}"),
                )
            })?,
            None => {
                let function = format_ident!(
                    "{}",
                    match (call.in_place, call.overlap, call.kernel.shared) {
                        (true, _, _) => call.kernel.in_place.unwrap_or(call.kernel.function),
                        (false, Some(_), Some(shared)) => shared.function,
                        _ => call.kernel.function,
                    }
                );
                quote!(::embedml::kernels::#function)
            }
        };
        // A block per layer: sibling scopes, not one nested `let` scope per layer (10k nested
        // scopes overflow LLVM's stack when it writes debug info).
        let (index, op_name) = (
            number(call.op_index),
            graph.ops[call.op_index].name.as_str(),
        );
        let begin = first_part.then(|| quote!(profiler.begin(#index, #op_name);));
        let end = last_part.then(|| quote!(profiler.end(#index, #op_name);));
        calls.push(quote! {
            {
                #doc
                let #bind = arena.#method(&#module::#operands);
                #begin
                #function(&#module::#params, #(#args),*);
                #end
            }
        });
    }
    let shared = shared.into_items();
    let io = io_api(compiled, &module);
    let (input_views, output_views) = program
        .io
        .split_at(graph.inputs.len().min(program.io.len()));
    let inputs = tensor_infos(graph, &graph.inputs, input_views);
    let outputs = tensor_infos(graph, &graph.outputs, output_views);
    let input_arms = byte_arms(compiled, &module, 0, &graph.inputs, true);
    let output_arms = byte_arms(compiled, &module, graph.inputs.len(), &graph.outputs, false);
    let doc = doc_attrs(&type_doc(compiled));
    let stateful = !compiled.state.slots.is_empty();
    let state_name = format_ident!("{}State", name);
    let state_bytes = number(compiled.state.bytes());
    let state_items = stateful.then(|| state_type(compiled, &state_name, name));
    let state_field = stateful.then(|| quote!(state: #state_name,));
    let state_new = stateful.then(|| quote!(state: #state_name::new(),));
    let (state_param, state_arg) = if stateful {
        (quote!(state: &mut #state_name,), quote!(&mut self.state,))
    } else {
        (quote!(), quote!())
    };
    let state_call = if stateful { quote!(state,) } else { quote!() };
    let state_used = if stateful { quote!(&state) } else { quote!(()) };
    let reset = if stateful {
        quote! {
            /// Restores the state TFLM's `Reset()` gives: every variable tensor at its zero point
            /// (int8) or 0, every resource variable at its zero-point fill. TFLM does not run
            /// the init subgraph again, so neither does this.
            pub fn reset(&mut self) {
                self.state.reset();
            }
        }
    } else {
        quote!()
    };
    let model_reset = stateful.then(|| {
        quote! {
            fn reset(&mut self) {
                #name::reset(self)
            }
        }
    });
    let reexport = if stateful {
        quote! {
            #visibility use #wrapper::#name;
            // Named by the model's users only when they keep state apart from the model.
            #[allow(unused_imports)]
            #visibility use #wrapper::#state_name;
        }
    } else {
        quote!(#visibility use #wrapper::#name;)
    };
    let invoke_in_doc = if stateful {
        quote! {
            /// [`Self::invoke`] with the model's state and a borrowed arena of at least
            /// [`Self::ARENA_BYTES`] bytes (a smaller one does not compile), which models that
            /// run in turn can share (see [`embedml::Arena`](::embedml::Arena)): reads the
            /// inputs from it, writes the outputs to it, and updates `state`.
        }
    } else {
        quote! {
            /// [`Self::invoke`] in a borrowed arena of at least [`Self::ARENA_BYTES`] bytes (a
            /// smaller one does not compile), which models that run in turn can share (see
            /// [`embedml::Arena`](::embedml::Arena)): reads the inputs from it, writes the
            /// outputs to it.
        }
    };
    let rebuild = model_path.map(|path| quote! { const _: &[u8] = include_bytes!(#path); });
    let generated = doc_attrs(&format!(
        "@generated by `embedml::include_model!`{}: constants, kernel parameters and operand sets of `{name}`. Do not edit.",
        model_path
            .map(|p| format!(" from `{p}`"))
            .unwrap_or_default()
    ));
    let arena_doc = doc_attrs(&format!(
        "Bytes of the activation arena: the memory plan's high-water mark (the planner's lower bound is {}).",
        compiled.plan.lower_bound
    ));
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        mod #wrapper {
        #doc
        pub struct #name {
            arena: ::embedml::Arena<{ #arena }>,
            #state_field
        }

        #state_items

        #generated
        #[doc(hidden)]
        #[allow(non_snake_case)]
        mod #module {
            #rebuild
            pub(super) const ARENA_BYTES: usize = #arena_value;
            #(#constants)*
            #(#shared)*
            #(#layers)*
        }

        impl #name {
            #arena_doc
            pub const ARENA_BYTES: usize = #arena;

            /// Bytes of state kept across invocations, outside the arena (variable tensors and
            /// resource variables; 0 for a model without state).
            pub const STATE_BYTES: usize = #state_bytes;

            /// A model with a zeroed arena and its initial state; `const`, so it can live in a
            /// `static`.
            pub const fn new() -> Self {
                #name { arena: ::embedml::Arena::new(), #state_new }
            }

            #reset

            #io

            /// Runs one inference: reads the inputs, writes the outputs.
            ///
            /// The arena is reused as the model runs, so the inputs do not keep their values:
            /// write them again before the next call.
            pub fn invoke(&mut self) {
                Self::invoke_in_profiled(#state_arg &mut self.arena, &mut ())
            }

            /// [`Self::invoke`], calling `profiler` before and after each operator (see
            /// [`embedml::Profiler`](::embedml::Profiler)).
            pub fn invoke_profiled(&mut self, profiler: &mut impl ::embedml::Profiler) {
                Self::invoke_in_profiled(#state_arg &mut self.arena, profiler)
            }

            #invoke_in_doc
            pub fn invoke_in<const ARENA: usize>(#state_param arena: &mut ::embedml::Arena<ARENA>) {
                Self::invoke_in_profiled(#state_call arena, &mut ())
            }

            /// [`Self::invoke_in`], calling `profiler` before and after each operator.
            #[allow(unused_doc_comments)]
            pub fn invoke_in_profiled<const ARENA: usize>(
                #state_param
                arena: &mut ::embedml::Arena<ARENA>,
                profiler: &mut impl ::embedml::Profiler,
            ) {
                let arena = arena.prefix_mut::<{ #arena }>();
                // Unused by a model whose operators are all views.
                let _ = (&arena, &profiler, #state_used);
                #(#calls)*
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }

        #[automatically_derived]
        impl ::embedml::Model for #name {
            const ARENA_BYTES: usize = #arena;
            const STATE_BYTES: usize = #state_bytes;
            const INPUTS: &'static [::embedml::TensorInfo] = &[#(#inputs),*];
            const OUTPUTS: &'static [::embedml::TensorInfo] = &[#(#outputs),*];

            fn input_bytes_mut(&mut self, i: usize) -> &mut [u8] {
                match i {
                    #(#input_arms)*
                    _ => &mut [],
                }
            }

            fn output_bytes(&self, i: usize) -> &[u8] {
                match i {
                    #(#output_arms)*
                    _ => &[],
                }
            }

            fn invoke(&mut self) {
                #name::invoke(self)
            }

            #model_reset
        }
        }
        #reexport
    })
}

/// The field of state slot `slot` in the generated state type.
fn slot_field(slot: usize) -> Ident {
    format_ident!("slot_{}", slot)
}

/// The values of a state slot's bytes, as literals of its element type.
fn slot_values(slot: &crate::state::Slot, bytes: &[u8]) -> Result<Vec<TokenStream>, String> {
    use crate::ir::ElementType as E;
    let values = match slot.element {
        E::Int8 => bytes
            .iter()
            .map(|&b| {
                let l = Literal::i8_unsuffixed(b as i8);
                quote!(#l)
            })
            .collect(),
        E::Int16 => bytes
            .chunks_exact(2)
            .map(|c| {
                let l = Literal::i16_unsuffixed(i16::from_le_bytes([c[0], c[1]]));
                quote!(#l)
            })
            .collect(),
        E::Int32 => bytes
            .chunks_exact(4)
            .map(|c| {
                let l = Literal::i32_unsuffixed(i32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                quote!(#l)
            })
            .collect(),
        E::UInt32 => bytes
            .chunks_exact(4)
            .map(|c| {
                let l = Literal::u32_unsuffixed(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                quote!(#l)
            })
            .collect(),
        E::Float32 => bytes
            .chunks_exact(4)
            .map(|c| f32_tokens(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        other => return Err(format!("state of type {} is not supported", other.name())),
    };
    Ok(values)
}

/// An array expression of `values`: `[v; N]` when they are all one value.
fn array_tokens(values: &[TokenStream]) -> TokenStream {
    let first = values.first().map(ToString::to_string);
    if values.len() > 1 && values.iter().all(|v| Some(v.to_string()) == first) {
        let (v, n) = (&values[0], number(values.len()));
        quote!([#v; #n])
    } else {
        quote!([#(#values),*])
    }
}

/// The model's state type: one array per slot, its initial value and its reset value.
fn state_type(compiled: &Compiled, state_name: &Ident, name: &Ident) -> TokenStream {
    let mut fields = Vec::new();
    let mut initial = Vec::new();
    let mut reset = Vec::new();
    let mut docs = Vec::new();
    for (i, slot) in compiled.state.slots.iter().enumerate() {
        let field = slot_field(i);
        let element = match slot.element {
            crate::ir::ElementType::Int16 => quote!(i16),
            crate::ir::ElementType::Int32 => quote!(i32),
            crate::ir::ElementType::UInt32 => quote!(u32),
            crate::ir::ElementType::Float32 => quote!(f32),
            _ => quote!(i8),
        };
        let len = number(slot.len);
        let doc = format!(
            "{}: {} {} ({} bytes).",
            slot.describe(),
            slot.len,
            slot.element.name(),
            slot.bytes()
        );
        docs.push(format!("- `{field}`: {doc}"));
        fields.push(quote! { #[doc = #doc] #field: [#element; #len], });
        // The compiler produced these bytes for this slot's type, so they convert.
        let a = array_tokens(&slot_values(slot, &slot.initial).unwrap_or_default());
        let r = array_tokens(&slot_values(slot, &slot.reset).unwrap_or_default());
        initial.push(quote!(#field: #a,));
        reset.push(quote!(#field: #r,));
    }
    let doc = doc_attrs(&format!(
        "The state of [`{name}`] kept across invocations, outside the arena ({} bytes):\n\n{}",
        compiled.state.bytes(),
        docs.join("\n")
    ));
    quote! {
        #doc
        pub struct #state_name {
            #(#fields)*
        }

        impl #state_name {
            /// The state a new model starts with: TFLM's state when its first `Invoke()` has
            /// run the init subgraph (CALL_ONCE), evaluated at build time.
            pub const fn new() -> Self {
                #state_name { #(#initial)* }
            }

            /// What TFLM's `Reset()` restores.
            pub const RESET: Self = #state_name { #(#reset)* };

            /// Restores [`Self::RESET`].
            pub fn reset(&mut self) {
                *self = Self::RESET;
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #state_name {
            fn default() -> Self {
                Self::new()
            }
        }
    }
}

/// A user kernel's path, written for the invocation site, as the generated code (one module
/// further in) must spell it: `crate::` and `::` paths as they are, `self::` and `super::` one
/// level up, and other relative paths (an extern crate, or an item of the invoking module)
/// resolved with the invoking module's names glob-imported into the call's block.
fn user_function(path: &str) -> Result<TokenStream, proc_macro2::LexError> {
    let tokens: TokenStream = path.parse()?;
    let text = tokens.to_string();
    let rest = |prefix: &str| text.strip_prefix(prefix).map(str::to_owned);
    Ok(if text.starts_with("crate ::") || text.starts_with("::") {
        tokens
    } else if let Some(rest) = rest("self ::") {
        format!("super ::{rest}").parse()?
    } else if text.starts_with("super ::") {
        format!("super :: {text}").parse()?
    } else {
        quote!(({
            #[allow(unused_imports)]
            use super::*;
            #tokens
        }))
    })
}

/// The name of a call's parameter `static`: `OP_<index>`, and `OP_<index>_<part>` for the
/// further calls of an operator that runs several.
fn params_name(call: &KernelCall, part: usize) -> Ident {
    if part == 0 {
        format_ident!("OP_{}", call.op_index)
    } else {
        format_ident!("OP_{}_{}", call.op_index, part)
    }
}

/// `Span::new(offset, len)` of an arena view.
fn span(view: View) -> TokenStream {
    let offset = Literal::u64_unsuffixed(view.offset as u64);
    let len = Literal::u64_unsuffixed(view.len as u64);
    let element = view.element.tokens();
    quote!(::embedml::__private::Span::<#element>::new(#offset, #len))
}

/// How one call gets its operands: the operand set's type and `const` value, the `Arena`
/// method that turns it into slices, the pattern binding them, and the kernel's arguments after
/// its parameters.
struct OperandSet {
    ty: TokenStream,
    value: TokenStream,
    method: Ident,
    bind: TokenStream,
    args: Vec<TokenStream>,
}

fn operand_set(
    call: &KernelCall,
    label: &str,
    module: &Ident,
    params: &Ident,
) -> Result<OperandSet, Error> {
    // Operand sets are items of the hidden module, beside its `ARENA_BYTES`.
    let arena = quote!(ARENA_BYTES);
    let write = span(call.write);
    let write_type = call.write.element.tokens();
    let local = |i: usize| format_ident!("__input{}", i);
    // Every input as the kernel takes it: a local bound from the arena, or constant data.
    let arg = |i: usize, read: &Operand| match *read {
        Operand::Arena(_) => {
            let l = local(i);
            quote!(#l)
        }
        Operand::Constant { tensor, element } => {
            let name = constant_name(tensor);
            let t = element.tokens();
            quote!(const { ::embedml::__private::constant::<#t, _>(&#module::#name) })
        }
    };
    let skip = usize::from(call.in_place);
    let arena_reads: Vec<(Ident, View)> = call
        .reads
        .iter()
        .enumerate()
        .skip(skip)
        .filter_map(|(i, r)| match r {
            Operand::Arena(view) => Some((local(i), *view)),
            Operand::Constant { .. } => None,
        })
        .collect();
    let private = quote!(::embedml::__private);
    let set = |ty: TokenStream, value: TokenStream, method: &str, bind: TokenStream| {
        (ty, value, format_ident!("{}", method), bind)
    };
    if let Some(scratch) = call.scratch {
        // A kernel with scratch memory: no arena input (a further call of an operator with
        // several outputs, reading what its first call left there) or two, the output, the
        // scratch (last).
        let scratch_span = span(scratch);
        let t = scratch.element.tokens();
        let mut args: Vec<TokenStream> = call
            .reads
            .iter()
            .enumerate()
            .map(|(i, r)| arg(i, r))
            .collect();
        args.extend([quote!(__output), quote!(__scratch)]);
        match (call.kernel.reads, call.in_place, &arena_reads[..]) {
            (Reads::Each(_), false, []) => {
                return Ok(OperandSet {
                    ty: quote!(#private::Op0Scratch<{ #arena }, #write_type, #t>),
                    value: quote!(#private::Op0Scratch::new(#label, #write, #scratch_span)),
                    method: format_ident!("op0_scratch"),
                    bind: quote!((__output, __scratch)),
                    args,
                });
            }
            (Reads::Each(_), false, [(l, v), (m, w)]) => {
                let (a, b) = (v.element.tokens(), w.element.tokens());
                let (s1, s2) = (span(*v), span(*w));
                return Ok(OperandSet {
                    ty: quote!(#private::Op2Scratch<{ #arena }, #a, #b, #write_type, #t>),
                    value: quote!(#private::Op2Scratch::new(
                        #label,
                        #s1,
                        #s2,
                        #write,
                        #scratch_span
                    )),
                    method: format_ident!("op2_scratch"),
                    bind: quote!((#l, #m, __output, __scratch)),
                    args,
                });
            }
            _ => {}
        }
        // One arena input, the output, the scratch (last).
        let (Reads::Each(_), false, [(l, v)]) =
            (call.kernel.reads, call.in_place, &arena_reads[..])
        else {
            return Err(Error::op(
                call.op_index,
                label,
                format!(
                    "`{}` takes scratch memory with operands no operand set takes (a bug in embedml)",
                    call.kernel.function
                ),
            ));
        };
        let (a, s, t) = (v.element.tokens(), span(*v), scratch.element.tokens());
        let scratch_span = span(scratch);
        if let (Some(overlap), Some(shared)) = (call.overlap, call.kernel.shared) {
            // The output overlaps the input: one region for both, the plan proven against the
            // kernel's own gap function for these parameters and this many images.
            let gap = format_ident!("{}", shared.gap);
            let images = number(overlap.images);
            let mut args: Vec<TokenStream> = vec![quote!(__region), quote!(__places)];
            args.push(quote!(__scratch));
            return Ok(OperandSet {
                ty: quote!(#private::Overlap1Scratch<{ #arena }, #a, #t>),
                value: quote!(#private::Overlap1Scratch::new(
                    #label,
                    #s,
                    #write,
                    #scratch_span,
                    ::embedml::kernels::#gap(&#params, #images),
                )),
                method: format_ident!("overlap1_scratch"),
                bind: quote!((__region, __places, __scratch)),
                args,
            });
        }
        let mut args: Vec<TokenStream> = call
            .reads
            .iter()
            .enumerate()
            .map(|(i, r)| arg(i, r))
            .collect();
        args.extend([quote!(__output), quote!(__scratch)]);
        return Ok(OperandSet {
            ty: quote!(#private::Op1Scratch<{ #arena }, #a, #write_type, #t>),
            value: quote!(#private::Op1Scratch::new(#label, #s, #write, #scratch_span)),
            method: format_ident!("op1_scratch"),
            bind: quote!((#l, __output, __scratch)),
            args,
        });
    }
    if let (Some(overlap), Some(shared), [(_, v)]) =
        (call.overlap, call.kernel.shared, &arena_reads[..])
    {
        // The output overlaps the input: one region for both, the plan proven against the
        // kernel's own gap function for these parameters and this many images.
        let (a, s) = (v.element.tokens(), span(*v));
        let gap = format_ident!("{}", shared.gap);
        let images = number(overlap.images);
        return Ok(OperandSet {
            ty: quote!(#private::Overlap1<{ #arena }, #a>),
            value: quote!(#private::Overlap1::new(
                #label,
                #s,
                #write,
                ::embedml::kernels::#gap(&#params, #images),
            )),
            method: format_ident!("overlap1"),
            bind: quote!((__region, __places)),
            args: vec![quote!(__region), quote!(__places)],
        });
    }
    let (ty, value, method, bind) = match (call.kernel.reads, call.in_place, &arena_reads[..]) {
        (Reads::Many(element), false, reads) => {
            let element = element.tokens();
            let k = number(reads.len());
            let spans = reads.iter().map(|(_, v)| span(*v));
            let locals = reads.iter().map(|(l, _)| l);
            let inputs = call.reads.iter().enumerate().map(|(i, r)| arg(i, r));
            let (ty, value, method, bind) = set(
                quote!(#private::OpMany<{ #arena }, #element, #write_type, #k>),
                quote!(#private::OpMany::new(#label, [#(#spans),*], #write)),
                "op_many",
                quote!(([#(#locals),*], __output)),
            );
            return Ok(OperandSet {
                ty,
                value,
                method,
                bind,
                args: vec![quote!(&[#(#inputs),*]), quote!(__output)],
            });
        }
        (Reads::Each(_), true, []) => set(
            quote!(#private::InPlace0<{ #arena }, #write_type>),
            quote!(#private::InPlace0::new(#label, #write)),
            "in_place0",
            quote!(__output),
        ),
        (Reads::Each(_), true, [(l, v)]) => {
            let (b, s) = (v.element.tokens(), span(*v));
            set(
                quote!(#private::InPlace1<{ #arena }, #write_type, #b>),
                quote!(#private::InPlace1::new(#label, #write, #s)),
                "in_place1",
                quote!((__output, #l)),
            )
        }
        (Reads::Each(_), false, []) => set(
            quote!(#private::Op0<{ #arena }, #write_type>),
            quote!(#private::Op0::new(#label, #write)),
            "op0",
            quote!(__output),
        ),
        (Reads::Each(_), false, [(l, v)]) => {
            let (a, s) = (v.element.tokens(), span(*v));
            set(
                quote!(#private::Op1<{ #arena }, #a, #write_type>),
                quote!(#private::Op1::new(#label, #s, #write)),
                "op1",
                quote!((#l, __output)),
            )
        }
        (Reads::Each(_), false, [(l, v), (m, w)]) => {
            let (a, b) = (v.element.tokens(), w.element.tokens());
            let (s, t) = (span(*v), span(*w));
            set(
                quote!(#private::Op2<{ #arena }, #a, #b, #write_type>),
                quote!(#private::Op2::new(#label, #s, #t, #write)),
                "op2",
                quote!((#l, #m, __output)),
            )
        }
        (Reads::Each(_), false, [(l, v), (m, w), (n, x)]) => {
            let (a, b, c) = (v.element.tokens(), w.element.tokens(), x.element.tokens());
            let (s, t, u) = (span(*v), span(*w), span(*x));
            set(
                quote!(#private::Op3<{ #arena }, #a, #b, #c, #write_type>),
                quote!(#private::Op3::new(#label, #s, #t, #u, #write)),
                "op3",
                quote!((#l, #m, #n, __output)),
            )
        }
        _ => {
            return Err(Error::op(
                call.op_index,
                label,
                format!(
                    "`{}` has {} arena inputs{}, which no operand set takes (a bug in embedml)",
                    call.kernel.function,
                    arena_reads.len(),
                    if call.in_place {
                        " besides the overwritten one"
                    } else {
                        ""
                    }
                ),
            ));
        }
    };
    let mut args = Vec::new();
    if call.in_place {
        args.push(quote!(__output));
    }
    args.extend(
        call.reads
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, r)| arg(i, r)),
    );
    if !call.in_place {
        args.push(quote!(__output));
    }
    Ok(OperandSet {
        ty,
        value,
        method,
        bind,
        args,
    })
}

/// Typed accessors and shape/quantization constants for the model's inputs and outputs.
fn io_api(compiled: &Compiled, module: &Ident) -> TokenStream {
    let graph = &compiled.graph;
    let mut items = TokenStream::new();
    // A name accessor only where the name is one input's or output's alone.
    let names: Vec<Option<String>> = graph
        .inputs
        .iter()
        .chain(&graph.outputs)
        .map(|&t| tensor_ident(&graph.tensors[t].name))
        .collect();
    let unique = |t: usize| {
        let name = tensor_ident(&graph.tensors[t].name)?;
        (names
            .iter()
            .filter(|n| n.as_deref() == Some(name.as_str()))
            .count()
            == 1)
            .then_some(name)
    };
    let mut views = compiled.program.io.iter();
    for (kind, list) in [("input", &graph.inputs), ("output", &graph.outputs)] {
        let several = list.len() > 1;
        for (i, &t) in list.iter().enumerate() {
            let Some(view) = views.next() else { break };
            let tensor = &graph.tensors[t];
            let (upper, lower) = if several {
                (
                    format!("{}_{i}", kind.to_uppercase()),
                    format!("{kind}_{i}"),
                )
            } else {
                (kind.to_uppercase(), kind.to_owned())
            };
            let shape_name = format_ident!("{}_SHAPE", upper);
            let scale_name = format_ident!("{}_SCALE", upper);
            let zero_name = format_ident!("{}_ZERO_POINT", upper);
            let offset_name = format_ident!("{}_OFFSET", upper);
            let len_name = format_ident!("{}_LEN", upper);
            let rank = number(tensor.shape.len());
            let shape = tensor.shape.iter().map(|&d| number(d));
            let (scale, zero_point) = quantization(tensor);
            let ty = view.element.tokens();
            let what = format!(
                "{kind} `{}` ({} {:?})",
                tensor.name,
                tensor.element_type.name(),
                tensor.shape
            );
            let offset = plan_value(&format!("the {kind} `{}`", tensor.name), view.offset);
            let len = plan_value(&format!("the {kind} `{}`", tensor.name), view.len);
            let shape_doc = doc_attrs(&format!("Shape of the {what}."));
            let scale_doc = doc_attrs(&format!(
                "Quantization scale of the {what}: `real = scale * (q - zero_point)`; 0 if not quantized."
            ));
            let zero_doc = doc_attrs(&format!("Quantization zero point of the {what}."));
            let offset_doc = doc_attrs(&format!("Byte offset of the {what} in the arena."));
            let len_doc = doc_attrs(&format!("Elements of the {what}."));
            items.extend(quote! {
                #shape_doc
                pub const #shape_name: [usize; #rank] = [#(#shape),*];
                #scale_doc
                pub const #scale_name: f32 = #scale;
                #zero_doc
                pub const #zero_name: i32 = #zero_point;
                #offset_doc
                const #offset_name: usize = #offset;
                #len_doc
                const #len_name: usize = #len;
            });
            if kind == "input" {
                let method = format_ident!("{}_mut", lower);
                let method_in = format_ident!("{}_mut_in", lower);
                let doc = doc_attrs(&format!("The {what}, to fill before [`Self::invoke`]."));
                let doc_in = doc_attrs(&format!(
                    "The {what} in a borrowed arena, to fill before [`Self::invoke_in`]."
                ));
                if let Some((kernel, range)) = real_conversion(view.element, tensor, true) {
                    let setter = format_ident!("set_{}_f32", lower);
                    let kernel = format_ident!("{}", kernel);
                    let doc = doc_attrs(&format!(
                        "Quantizes real values into the {what}, as TFLM's QUANTIZE does: `clamp(round(x / scale) + zero_point, {range})` with [`Self::{scale_name}`] and [`Self::{zero_name}`]."
                    ));
                    items.extend(quote! {
                        #doc
                        pub fn #setter(&mut self, values: &[f32; Self::#len_name]) {
                            let params = ::embedml::kernels::QuantizeF32 {
                                scale: Self::#scale_name,
                                zero_point: Self::#zero_name,
                            };
                            ::embedml::kernels::#kernel(&params, values, self.#method());
                        }
                    });
                }
                items.extend(quote! {
                    #doc
                    pub fn #method(&mut self) -> &mut [#ty; Self::#len_name] {
                        Self::#method_in(&mut self.arena)
                    }
                    #doc_in
                    pub fn #method_in<const ARENA: usize>(
                        arena: &mut ::embedml::Arena<ARENA>,
                    ) -> &mut [#ty; Self::#len_name] {
                        arena
                            .prefix_mut::<{ Self::ARENA_BYTES }>()
                            .array_mut::<#ty, { Self::#offset_name }, { Self::#len_name }>()
                    }
                });
                if let Some(alias) = unique(t) {
                    let alias = format_ident!("{}_mut", alias);
                    let doc = doc_attrs(&format!("The {what} by its name: [`Self::{method}`]."));
                    items.extend(quote! {
                        #doc
                        pub fn #alias(&mut self) -> &mut [#ty; Self::#len_name] {
                            self.#method()
                        }
                    });
                }
            } else {
                let method = format_ident!("{}", lower);
                let method_in = format_ident!("{}_in", lower);
                let doc = doc_attrs(&format!("The {what}, valid after [`Self::invoke`]."));
                let doc_in = doc_attrs(&format!(
                    "The {what} in a borrowed arena, valid after [`Self::invoke_in`] (until another model runs in it)."
                ));
                if let Some((kernel, _)) = real_conversion(view.element, tensor, false) {
                    let getter = format_ident!("{}_f32", lower);
                    let kernel = format_ident!("{}", kernel);
                    let doc = doc_attrs(&format!(
                        "The {what} as real values, valid after [`Self::invoke`]: `scale * (q - zero_point)` with [`Self::{scale_name}`] and [`Self::{zero_name}`], as TFLM's DEQUANTIZE."
                    ));
                    items.extend(quote! {
                        #doc
                        pub fn #getter(&self) -> [f32; Self::#len_name] {
                            let params = ::embedml::kernels::DequantizeI8 {
                                scale: Self::#scale_name,
                                zero_point: Self::#zero_name,
                            };
                            let mut values = [0.0; Self::#len_name];
                            ::embedml::kernels::#kernel(&params, self.#method(), &mut values);
                            values
                        }
                    });
                }
                items.extend(quote! {
                    #doc
                    pub fn #method(&self) -> &[#ty; Self::#len_name] {
                        Self::#method_in(&self.arena)
                    }
                    #doc_in
                    pub fn #method_in<const ARENA: usize>(
                        arena: &::embedml::Arena<ARENA>,
                    ) -> &[#ty; Self::#len_name] {
                        arena
                            .prefix::<{ Self::ARENA_BYTES }>()
                            .array::<#ty, { Self::#offset_name }, { Self::#len_name }>()
                    }
                });
                if let Some(alias) = unique(t) {
                    let alias = format_ident!("{}", alias);
                    let doc = doc_attrs(&format!("The {what} by its name: [`Self::{method}`]."));
                    items.extend(quote! {
                        #doc
                        pub fn #alias(&self) -> &[#ty; Self::#len_name] {
                            self.#method()
                        }
                    });
                }
            }
        }
    }
    let _ = module;
    items
}

/// The kernel of `embedml::kernels` that converts real values into a quantized model input
/// (`input`) or a quantized model output into real values, and the input's clamp range, for the
/// `set_*_f32` and `*_f32` accessors; `None` for float32 and for a tensor with no quantization.
fn real_conversion(
    element: Element,
    tensor: &Tensor,
    input: bool,
) -> Option<(&'static str, &'static str)> {
    tensor.scale_and_zero_point()?;
    match (element, input) {
        (Element::I8, true) => Some(("quantize_f32_i8", "-128, 127")),
        (Element::U8, true) => Some(("quantize_f32_u8", "0, 255")),
        (Element::I16, true) => Some(("quantize_f32_i16", "-32768, 32767")),
        (Element::I8, false) => Some(("dequantize_i8_f32", "")),
        (Element::U8, false) => Some(("dequantize_u8_f32", "")),
        (Element::I16, false) => Some(("dequantize_i16_f32", "")),
        (Element::I32, false) => Some(("dequantize_i32_f32", "")),
        _ => None,
    }
}

/// The method name an input or output gets from its tensor's name, if that name makes one: the
/// converter's `serving_default_` prefix and `:0` suffix dropped, lower case, a Rust identifier
/// that is no keyword and cannot collide with the generated items (`input*`, `output*`,
/// `invoke*`, `new`, `set_*`).
fn tensor_ident(name: &str) -> Option<String> {
    let name = name.strip_prefix("serving_default_").unwrap_or(name);
    let name = match name.rsplit_once(':') {
        Some((stem, index)) if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) => {
            stem
        }
        _ => name,
    };
    let ident = name.to_ascii_lowercase();
    let mut chars = ident.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let valid = starts_well && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    // Also the converter's graph-internal names, which say nothing.
    let reserved = [
        "input",
        "output",
        "invoke",
        "set_",
        "new",
        "default",
        "statefulpartitionedcall",
        "partitionedcall",
    ]
    .iter()
    .any(|r| ident.starts_with(r));
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
        "union", "raw",
    ];
    let keyword = KEYWORDS.contains(&ident.as_str());
    (valid && !reserved && !keyword && ident.len() <= 48 && ident != "_").then_some(ident)
}

fn quantization(tensor: &Tensor) -> (TokenStream, Literal) {
    match tensor.scale_and_zero_point() {
        Some((scale, zero_point)) => (f32_tokens(scale), Literal::i64_unsuffixed(zero_point)),
        None => (f32_tokens(0.0), Literal::i64_unsuffixed(0)),
    }
}

fn tensor_infos(graph: &Graph, list: &[usize], views: &[View]) -> Vec<TokenStream> {
    list.iter()
        .zip(views)
        .map(|(&t, view)| {
            let tensor = &graph.tensors[t];
            let name = &tensor.name;
            let element_type = match view.element {
                Element::I8 => quote!(Int8),
                Element::I16 => quote!(Int16),
                Element::I32 => quote!(Int32),
                Element::F32 => quote!(Float32),
                Element::U8 => quote!(UInt8),
                Element::U32 => quote!(UInt32),
                Element::U64 => quote!(UInt64),
                // Never a model input or output: `check_boundary` refuses BOOL ones.
                Element::Bool => quote!(UInt8),
            };
            let shape = tensor.shape.iter().map(|&d| number(d));
            let (scale, zero_point) = quantization(tensor);
            quote! {
                ::embedml::TensorInfo {
                    name: #name,
                    element_type: ::embedml::ElementType::#element_type,
                    shape: &[#(#shape),*],
                    scale: #scale,
                    zero_point: #zero_point,
                }
            }
        })
        .collect()
}

/// The `match` arms of `input_bytes_mut` / `output_bytes`; `first` is the list's place in
/// [`crate::program::Program::io`].
fn byte_arms(
    compiled: &Compiled,
    module: &Ident,
    first: usize,
    list: &[usize],
    input: bool,
) -> Vec<TokenStream> {
    let _ = module;
    list.iter()
        .enumerate()
        .filter_map(|(i, _)| {
            let view = compiled.program.io.get(first + i)?;
            let arm = number(i);
            let what = if input { "an input" } else { "an output" };
            let offset = plan_value(what, view.offset);
            let bytes = plan_value(what, view.len * view.element.size());
            Some(if input {
                quote! { #arm => self.arena.bytes_mut::<{ #offset }, { #bytes }>(), }
            } else {
                quote! { #arm => self.arena.bytes::<{ #offset }, { #bytes }>(), }
            })
        })
        .collect()
}

/// The constant tensors the kernels read, one `static` byte string each.
fn constants(graph: &Graph, calls: &[KernelCall]) -> Vec<TokenStream> {
    let mut used = BTreeSet::new();
    for call in calls {
        for operand in &call.reads {
            if let Operand::Constant { tensor, .. } = operand {
                used.insert(*tensor);
            }
        }
        used.extend(call.params.constants());
    }
    used.into_iter()
        .map(|t| {
            let tensor = &graph.tensors[t];
            let name = constant_name(t);
            let doc = doc_attrs(&format!(
                "Tensor #{t} `{}`: {}.",
                tensor.name,
                describe(tensor)
            ));
            let data = tensor.data.unwrap_or_default();
            let len = number(data.len());
            // One token however large: little-endian elements, as in the file.
            let bytes = Literal::byte_string(data);
            quote! {
                #doc
                pub(super) static #name: ::embedml::__private::Constant<#len> =
                    ::embedml::__private::Constant(*#bytes);
            }
        })
        .collect()
}

fn describe(tensor: &Tensor) -> String {
    let mut s = format!("{} {:?}", tensor.element_type.name(), tensor.shape);
    if let Some(q) = &tensor.quantization {
        if q.scales.len() == 1 {
            let _ = write!(
                s,
                " (scale {}, zero point {})",
                q.scales[0], q.zero_points[0]
            );
        } else {
            let _ = write!(s, " ({} per-channel scales)", q.scales.len());
        }
    }
    s
}

/// `"#3 CONV_2D: INT8 1x48x48x8 -> INT8 1x48x48x16"`.
fn layer_doc(graph: &Graph, op: usize) -> String {
    let op = &graph.ops[op];
    let tensor = |t: Option<usize>| {
        t.map(|t| {
            let tensor = &graph.tensors[t];
            let dims: Vec<String> = tensor.shape.iter().map(usize::to_string).collect();
            format!("{} {}", tensor.element_type.name(), dims.join("x"))
        })
        .unwrap_or_default()
    };
    format!(
        "#{} {}: {} -> {}",
        op.index,
        op.name,
        tensor(op.input(0)),
        tensor(op.outputs.first().copied())
    )
}

/// The generated type's rustdoc: the op table, the inputs and outputs, the arena.
fn type_doc(compiled: &Compiled) -> String {
    let graph = &compiled.graph;
    let mut doc = String::from(
        "A TensorFlow Lite model compiled by `embedml::include_model!`.\n\n\
         | # | operator | input | output |\n|---|---|---|---|\n",
    );
    for op in &graph.ops {
        let tensor = |i: Option<usize>| i.map(|t| describe(&graph.tensors[t])).unwrap_or_default();
        let _ = writeln!(
            doc,
            "| {} | {} | {} | {} |",
            op.index,
            op.name,
            tensor(op.input(0)),
            tensor(op.outputs.first().copied())
        );
    }
    for (kind, list) in [("Input", &graph.inputs), ("Output", &graph.outputs)] {
        for &t in list.iter() {
            let tensor = &graph.tensors[t];
            let _ = write!(doc, "\n{kind} `{}`: {}.\n", tensor.name, describe(tensor));
        }
    }
    let _ = write!(
        doc,
        "\nArena: {} bytes (the largest total of tensors alive at one time is {} bytes; an \
         operator whose output overlaps its dying input, as its kernel allows, can go below it).\n",
        compiled.plan.arena_bytes, compiled.plan.lower_bound
    );
    if !compiled.state.slots.is_empty() {
        let _ = write!(
            doc,
            "\nState: {} bytes kept across invocations, outside the arena (`STATE_BYTES`; `reset()` restores TFLM's `Reset()`):\n",
            compiled.state.bytes()
        );
        for slot in &compiled.state.slots {
            let _ = writeln!(
                doc,
                "- {}: {} {} ({} bytes)",
                slot.describe(),
                slot.len,
                slot.element.name(),
                slot.bytes()
            );
        }
    }
    memory_table(compiled, &mut doc);
    doc
}

/// The memory plan per operator, for the rustdoc: the arena bytes each one's tensors and scratch
/// take, and where (offset..end of each, `#tensor`), with overlaps marked.
fn memory_table(compiled: &Compiled, doc: &mut String) {
    let graph = &compiled.graph;
    let _ = write!(
        doc,
        "\n| # | operator | arena in use | tensors alive (bytes offset..end) |\n|---|---|---:|---|\n"
    );
    for (at, op) in graph.ops.iter().enumerate() {
        let memory = compiled.plan.at(graph, at);
        let end = memory
            .tensors
            .iter()
            .map(|&(_, offset, bytes)| offset + bytes)
            .chain(memory.scratch.map(|(offset, bytes)| offset + bytes))
            .max()
            .unwrap_or(0);
        let mut alive: Vec<String> = memory
            .tensors
            .iter()
            .map(|&(t, offset, bytes)| {
                let role = if op.outputs.contains(&t) {
                    " (out)"
                } else if op.inputs.iter().flatten().any(|&i| i == t) {
                    " (in)"
                } else {
                    ""
                };
                format!("#{t}{role} {offset}..{}", offset + bytes)
            })
            .collect();
        if let Some((offset, bytes)) = memory.scratch {
            alive.push(format!("scratch {offset}..{}", offset + bytes));
        }
        let overlap = memory
            .overlap
            .map(|o| format!("; output overlaps input ({} bytes apart at least)", o.gap))
            .unwrap_or_default();
        let _ = writeln!(
            doc,
            "| {} | {} | {end} | {}{overlap} |",
            op.index,
            op.name,
            alive.join(", ")
        );
    }
}

#[cfg(test)]
mod name_tests {
    use super::tensor_ident;

    #[test]
    fn tensor_names_that_make_accessors() {
        assert_eq!(tensor_ident("Reshape_1").as_deref(), Some("reshape_1"));
        assert_eq!(
            tensor_ident("serving_default_audio:0").as_deref(),
            Some("audio")
        );
        assert_eq!(
            tensor_ident("labels_softmax").as_deref(),
            Some("labels_softmax")
        );
        // Not identifiers, keywords, or names the generated items use.
        for name in [
            "a/b",
            "1x",
            "fn",
            "serving_default_input_1:0",
            "output",
            "StatefulPartitionedCall:0",
            "new",
            "x:y",
        ] {
            assert_eq!(tensor_ident(name), None, "{name}");
        }
    }
}

#[cfg(test)]
mod user_function_tests {
    use super::user_function;

    fn spelled(path: &str) -> String {
        user_function(path).unwrap().to_string()
    }

    #[test]
    fn user_kernel_paths_are_spelled_from_inside_the_model_module() {
        assert_eq!(spelled("crate :: k :: f"), "crate :: k :: f");
        assert_eq!(spelled(":: other :: f"), ":: other :: f");
        assert_eq!(spelled("self :: f"), "super :: f");
        assert_eq!(spelled("super :: f"), "super :: super :: f");
        // An extern crate or an item of the invoking module: the invoking module's names.
        let relative = spelled("my_crate :: f");
        assert!(relative.contains("use super :: * ;"), "{relative}");
        assert!(relative.ends_with("my_crate :: f })"), "{relative}");
    }
}
