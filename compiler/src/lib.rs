//! The model compiler behind `embedml::include_model!`: `.tflite` bytes in, Rust tokens out.
//!
//! Plain library code, testable without a proc-macro context. The passes run in one direction:
//!
//! ```text
//! bytes --tflite::read--> Graph --validate--> Steps --plan--> MemoryPlan --lower--> Calls --emit--> tokens
//! ```
//!
//! Each pass returns its value or errors that say where in the model (op index and name, tensor
//! index and name) and what is wrong.

#![deny(missing_docs)]

pub mod emit;
pub mod error;
pub mod ir;
pub mod lower;
pub mod plan;
pub mod quant;
pub mod tflite;
pub mod validate;

pub use error::{Error, Errors, Location};

use proc_macro2::TokenStream;

/// A model read, checked, planned and lowered: everything but the tokens.
pub struct Compiled<'a> {
    /// The graph.
    pub graph: ir::Graph<'a>,
    /// The checked operators, one per op.
    pub steps: Vec<validate::Step>,
    /// Where each tensor lives.
    pub plan: plan::MemoryPlan,
    /// The kernel calls of `invoke`.
    pub calls: Vec<lower::Call>,
}

/// Runs every pass up to code generation.
pub fn analyze(bytes: &[u8]) -> Result<Compiled<'_>, Errors> {
    let graph = tflite::read(bytes)?;
    let steps = validate::validate(&graph)?;
    let access: Vec<plan::Access> = steps.iter().map(|s| validate::access(s, &graph)).collect();
    let plan = plan::plan(&graph, &access);
    let calls = lower::lower(&graph, &steps, &plan)?;
    Ok(Compiled {
        graph,
        steps,
        plan,
        calls,
    })
}

/// Compiles a `.tflite` file into the generated model type.
pub fn compile(bytes: &[u8], target: &emit::Target) -> Result<TokenStream, Errors> {
    let compiled = analyze(bytes)?;
    let program = emit::Program {
        graph: &compiled.graph,
        plan: &compiled.plan,
        calls: &compiled.calls,
    };
    Ok(emit::emit(&program, target))
}
