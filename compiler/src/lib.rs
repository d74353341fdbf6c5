//! The model compiler behind `embedml::include_model!`: `.tflite` bytes in, Rust tokens out.
//!
//! Plain library code, testable without a proc-macro context. The passes run in one direction:
//!
//! ```text
//! bytes --tflite::read--> Graph --ops::check--> Steps --plan--> MemoryPlan --ops::lower--> Program --verify, emit--> tokens
//! ```
//!
//! Each pass returns its value or errors that say where in the model (op index and name, tensor
//! index and name) and what is wrong. Operators live in [`ops`], one module per family; the
//! kernels they call are declared once in [`kernel`].

#![deny(missing_docs)]

pub mod emit;
pub mod error;
pub mod ir;
pub mod kernel;
pub mod ops;
pub mod plan;
pub mod program;
pub mod quant;
pub mod state;
pub mod tflite;

pub use error::{Error, Errors, Location};

use proc_macro2::TokenStream;

/// A model read, checked, planned and lowered: everything but the tokens.
pub struct Compiled<'a> {
    /// The graph.
    pub graph: ir::Graph<'a>,
    /// The state kept across invocations (variable tensors, resource variables).
    pub state: state::State,
    /// The checked operators, one per op.
    pub steps: Vec<ops::Step>,
    /// Where each tensor lives.
    pub plan: plan::MemoryPlan,
    /// The kernel calls of `invoke`.
    pub program: program::Program,
}

impl Compiled<'_> {
    /// [`program::Program::verify`] with this model's operator names.
    pub fn verify(&self, space: program::AddressSpace) -> Result<(), Error> {
        self.program
            .verify(space, |op| self.graph.ops[op].name.clone())
    }
}

/// Runs every pass up to code generation, and checks the program is sound.
pub fn analyze(bytes: &[u8]) -> Result<Compiled<'_>, Errors> {
    analyze_with(bytes, Options::default())
}

/// How a model is compiled (`include_model!`'s optional arguments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// What the compiler trades when a kernel choice costs RAM for speed.
    pub memory: Memory,
    /// Kernels the user supplies for operators embedml lacks (or runs otherwise):
    /// `include_model!(.., custom = { "MyOp" => my_crate::my_op })`.
    pub user_kernels: Vec<UserKernel>,
}

/// A user-supplied kernel: which operator it runs and the Rust function that runs it (see
/// `embedml::CustomOp` for the function's signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserKernel {
    /// The custom operator's custom code (`"MyOp"`), or a builtin operator's name (`"CUMSUM"`).
    pub operator: String,
    /// The function's path as the user wrote it (`my_crate::kernels::my_op`); the generated
    /// code calls it from inside the model's module, so it must resolve from the crate root or
    /// an extern crate.
    pub function: String,
}

/// The size/speed switch of `include_model!(.., memory = "..")`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Memory {
    /// The fastest kernels, in the smallest arena they allow (the default, `"fast"`).
    #[default]
    Fast,
    /// The smallest arena: kernels that need no scratch buffer where another one does, even
    /// if slower (`"min"`; micro_speech's one-channel depthwise layer runs as a depthwise
    /// kernel instead of a blocked convolution with an im2col buffer).
    Min,
}

/// [`analyze`] with `options`.
pub fn analyze_with(bytes: &[u8], options: Options) -> Result<Compiled<'_>, Errors> {
    let (graph, subgraphs) = tflite::read_subgraphs(bytes)?;
    let mut state = state::resolve(&graph, &subgraphs)?;
    let steps = ops::check(&graph, &state, &options)?;
    for (op, step) in steps.iter().enumerate() {
        state.add_operator(op, step.state());
    }
    let access: Vec<plan::Access> = steps.iter().map(ops::Step::access).collect();
    let scratch: Vec<usize> = steps.iter().map(ops::Step::scratch_bytes).collect();
    let mut overlaps: Vec<Option<plan::Overlap>> = steps.iter().map(ops::Step::overlap).collect();
    let mut plan = plan::plan(&graph, &access, &scratch, &overlaps);
    let mut program = ops::lower(&graph, &state, &steps, &plan)?;
    // An op whose lowering chose a kernel without a shared form (outside the blocked kernels'
    // domain: a scale of 1 or more) cannot overlap: planned again without its overlap.
    let unshared: Vec<usize> = program
        .calls
        .iter()
        .filter(|call| plan.overlap[call.op_index].is_some() && call.overlap.is_none())
        .map(|call| call.op_index)
        .collect();
    if !unshared.is_empty() {
        for at in unshared {
            overlaps[at] = None;
        }
        plan = plan::plan(&graph, &access, &scratch, &overlaps);
        program = ops::lower(&graph, &state, &steps, &plan)?;
    }
    let compiled = Compiled {
        graph,
        state,
        steps,
        plan,
        program,
    };
    compiled.verify(program::AddressSpace::HOST)?;
    Ok(compiled)
}

/// Compiles a `.tflite` file into the generated model type.
pub fn compile(bytes: &[u8], target: &emit::Target) -> Result<TokenStream, Errors> {
    compile_with(bytes, target, Options::default())
}

/// [`compile`] with `options`.
pub fn compile_with(
    bytes: &[u8],
    target: &emit::Target,
    options: Options,
) -> Result<TokenStream, Errors> {
    let compiled = analyze_with(bytes, options)?;
    Ok(emit::emit(&compiled, target)?)
}
