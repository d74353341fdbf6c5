//! Operators: one module per family. Each family owns everything about its operators: reading
//! their options, checking their tensors (with the reason for anything embedml does not run),
//! how they use memory (a view, or a kernel that may write in place), and lowering to a typed
//! kernel call with every constant computed at compile time.
//!
//! A family implements [`Operator`]; the one list in `operators!` below makes the [`Step`] enum
//! and its dispatch. Adding an operator is one file here, one kernel in `core`, its declaration
//! in [`crate::kernel`], and fixtures.

use crate::error::{Collector, Error, Errors};
use crate::ir::{Graph, OpCode};
use crate::plan::{Access, MemoryPlan, Overlap};
use crate::program::{KernelCall, Program};

mod check;
mod copy;
mod int16x8;
mod lower;
mod options;
mod shape;
mod window;

pub mod activation;
pub mod add_n;
pub mod arg_min_max;
pub mod arith32;
pub mod batch_matmul;
pub mod batch_space;
pub mod cast;
pub mod compare;
pub mod concatenation;
pub mod conv;
pub mod cumsum;
pub mod detection;
pub mod elementwise;
pub mod fill;
pub mod fully_connected;
pub mod gather;
pub mod gather_axis;
pub mod gather_nd;
pub mod l2norm;
pub mod log_softmax;
pub mod lstm;
pub mod mirror_pad;
pub mod pad;
pub mod pool;
pub mod prelu;
pub mod quantize;
pub mod reduce;
pub mod reshape;
pub mod resize;
pub mod select;
pub mod signal;
pub mod slice;
pub mod softmax;
pub mod space_depth;
pub mod split;
pub mod svdf;
pub mod transpose_conv;
pub mod unary_math;
pub mod user;
pub mod variable;

pub use check::{Check, Precision};
pub use lower::Lower;
pub use window::{Geometry, Padding, window};

/// One operator family: how its operators are checked, use memory, and lower to kernel calls.
pub trait Operator: Sized {
    /// The builtin operators (TFLite names) it handles.
    const NAMES: &'static [&'static str];

    /// The custom operators (custom codes, as `OperatorCode.custom_code` spells them) it
    /// handles: TFLM's own custom kernels, such as its signal library's (`SignalWindow`).
    const CUSTOM_CODES: &'static [&'static str] = &[];

    /// Reads the operator's options and checks its tensors: the checked operator, or why
    /// embedml cannot run it.
    fn check(cx: &Check) -> Result<Self, Error>;

    /// How it uses memory, for the planner.
    fn access(&self) -> Access;

    /// Bytes of working memory its kernel needs while it runs (an im2col buffer, a line
    /// buffer), planned in the arena and handed to the kernel as its last argument.
    fn scratch_bytes(&self) -> usize {
        0
    }

    /// How far its output may overlap its input, if its kernel has a shared form: the input's
    /// bytes may begin `gap` bytes after the output's (the kernel reads that far ahead of its
    /// writes). The planner uses it when the input dies at this operator.
    fn overlap(&self) -> Option<Overlap> {
        None
    }

    /// The state its kernel keeps for itself across invocations, outside any tensor (TFLM's
    /// persistent buffers that `Reset` clears): added to the model's state as slots
    /// ([`crate::state::SlotOwner::Operator`]) that its lowering finds with
    /// [`crate::state::State::operator_slots`].
    fn state(&self) -> Vec<crate::state::OperatorState> {
        Vec::new()
    }

    /// The kernel call that runs it (`None` for a view, which runs no code).
    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error>;

    /// The kernel calls that run it, in order: [`Operator::lower`]'s one call, or none. An
    /// operator with several outputs (SPLIT, UNPACK) overrides it to write each output with a
    /// call of its own, each a kernel with one output that `Program::verify` checks alone.
    fn lower_calls(&self, cx: &Lower) -> Result<Vec<KernelCall>, Error> {
        Ok(self.lower(cx)?.into_iter().collect())
    }
}

/// The registry: every operator family, once. Makes [`Step`] and its dispatch.
macro_rules! operators {
    ($( $variant:ident($ty:ty), )*) => {
        /// A checked operator, one per op of the graph.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Step {
            $(
                #[doc = concat!("An operator of [`", stringify!($ty), "`]'s `NAMES`.")]
                $variant($ty),
            )*
        }

        impl Step {
            /// Checks an operator with the family that handles its builtin name or its custom
            /// code; `None` if none does.
            fn check(cx: &Check) -> Option<Result<Step, Error>> {
                let claims = |names: &[&str], codes: &[&str]| match &cx.op.code {
                    OpCode::Builtin(name) => names.contains(name),
                    OpCode::Custom(code) => codes.contains(&code.as_str()),
                    OpCode::UnknownBuiltin(_) => false,
                };
                $(
                    if claims(<$ty as Operator>::NAMES, <$ty as Operator>::CUSTOM_CODES) {
                        // Every family may rely on tensors whose bytes are known.
                        let step = cx.tensors_fit().and_then(|()| <$ty as Operator>::check(cx));
                        return Some(step.map(Step::$variant));
                    }
                )*
                None
            }

            /// How the operator uses memory.
            pub fn access(&self) -> Access {
                match self {
                    $( Step::$variant(op) => op.access(), )*
                }
            }

            /// Bytes of scratch memory its kernel needs.
            pub fn scratch_bytes(&self) -> usize {
                match self {
                    $( Step::$variant(op) => op.scratch_bytes(), )*
                }
            }

            /// The state its kernel keeps for itself.
            pub fn state(&self) -> Vec<crate::state::OperatorState> {
                match self {
                    $( Step::$variant(op) => op.state(), )*
                }
            }

            /// How far its output may overlap its input.
            pub fn overlap(&self) -> Option<Overlap> {
                match self {
                    $( Step::$variant(op) => op.overlap(), )*
                }
            }

            fn lower_calls(&self, cx: &Lower) -> Result<Vec<KernelCall>, Error> {
                match self {
                    $( Step::$variant(op) => op.lower_calls(cx), )*
                }
            }
        }

        /// Every builtin operator embedml runs, by TFLite name, sorted.
        pub fn supported() -> Vec<&'static str> {
            let mut names: Vec<&'static str> = Vec::new();
            $( names.extend(<$ty as Operator>::NAMES); )*
            names.sort_unstable();
            names
        }

        /// Every custom operator embedml runs, by custom code, sorted.
        pub fn supported_custom() -> Vec<&'static str> {
            let mut codes: Vec<&'static str> = Vec::new();
            $( codes.extend(<$ty as Operator>::CUSTOM_CODES); )*
            codes.sort_unstable();
            codes
        }
    };
}

operators! {
    FullyConnected(fully_connected::FullyConnected),
    Conv2d(conv::Conv2d),
    DepthwiseConv2d(conv::DepthwiseConv2d),
    Pool(pool::Pool),
    Softmax(softmax::Softmax),
    Binary(arith32::Elementwise),
    Unary(activation::Unary),
    Quantize(quantize::Quantize),
    Dequantize(quantize::Dequantize),
    Pad(pad::Pad),
    Concatenation(concatenation::Concatenation),
    Reduce(reduce::Reduce),
    Gather(gather::Gather),
    Split(split::Split),
    Pack(split::Pack),
    View(reshape::View),
    Svdf(svdf::Svdf),
    Lstm(lstm::Lstm),
    Resolved(variable::Resolved),
    VariableCopy(variable::Copy),
    Slice(slice::Slice),
    GatherAxis(gather_axis::GatherAxis),
    SpaceDepth(space_depth::SpaceDepth),
    MirrorPad(mirror_pad::MirrorPad),
    Math(unary_math::Math),
    Comparison(compare::Comparison),
    Logical(compare::Logical),
    SelectV2(select::SelectV2),
    ArgMinMax(arg_min_max::ArgMinMax),
    Broadcast(fill::Broadcast),
    ZerosLike(fill::ZerosLike),
    Shape(fill::Shape),
    User(user::UserOp),
    ResizeNearestNeighbor(resize::ResizeNearestNeighbor),
    ResizeBilinear(resize::ResizeBilinear),
    SpaceToBatchNd(batch_space::SpaceToBatchNd),
    BatchToSpaceNd(batch_space::BatchToSpaceNd),
    TransposeConv(transpose_conv::TransposeConv),
    Cast(cast::Cast),
    Signal(signal::Signal),
    Prelu(prelu::Prelu),
    LogSoftmax(log_softmax::LogSoftmax),
    L2Norm(l2norm::L2Norm),
    AddN(add_n::AddN),
    Cumsum(cumsum::Cumsum),
    GatherNd(gather_nd::GatherNd),
    BatchMatMul(batch_matmul::BatchMatMul),
    DetectionPostProcess(detection::DetectionPostProcess),
}

/// Checks every operator (and the model's inputs and outputs), reporting every problem found.
pub fn check(
    graph: &Graph,
    state: &crate::state::State,
    options: &crate::Options,
) -> Result<Vec<Step>, Errors> {
    let mut errors = Collector::default();
    check::check_boundary(graph, &mut errors);
    check::check_order(graph, &mut errors);
    let steps: Vec<Step> = graph
        .ops
        .iter()
        .filter_map(|op| {
            let cx = Check {
                graph,
                state,
                op,
                options,
            };
            // A user-supplied kernel runs the operator it names, builtin or custom, in place of
            // embedml's own.
            let by_user = user::operator_key(&op.code)
                .is_some_and(|key| options.user_kernels.iter().any(|k| k.operator == key));
            let user_step = || {
                cx.tensors_fit()
                    .and_then(|()| <user::UserOp as Operator>::check(&cx))
                    .map(Step::User)
            };
            let step = if by_user { Some(user_step()) } else { Step::check(&cx) };
            let step = step.unwrap_or_else(|| {
                Err(cx.error(match &op.code {
                    OpCode::Custom(code) => format!(
                        "embedml has no kernel for this custom operator; supply your own with `include_model!(.., custom = {{ {code:?} => path::to::kernel }})` (see embedml::CustomOp)"
                    ),
                    OpCode::UnknownBuiltin(_) => {
                        "embedml has no kernel for this operator (its code is newer than the schema embedml knows)".to_owned()
                    }
                    OpCode::Builtin("IF" | "WHILE") => {
                        "control flow is not supported: embedml compiles straight-line models (CALL_ONCE init subgraphs are the one kind of subgraph call it runs)".to_owned()
                    }
                    OpCode::Builtin(name) => format!(
                        "embedml has no kernel for this operator; supply your own with `include_model!(.., custom = {{ {name:?} => path::to::kernel }})` (see embedml::CustomOp)"
                    ),
                }))
            });
            errors.ok(step)
        })
        .collect();
    check::check_outputs_computed(graph, &steps, &mut errors);
    // A kernel for an operator the model lacks is a typo or a model other than the one meant.
    for kernel in &options.user_kernels {
        let used = graph
            .ops
            .iter()
            .any(|op| user::operator_key(&op.code) == Some(kernel.operator.as_str()));
        if !used {
            let mut names: Vec<&str> = graph
                .ops
                .iter()
                .filter_map(|op| user::operator_key(&op.code))
                .collect();
            names.sort_unstable();
            names.dedup();
            errors.push(Error::model(format!(
                "`custom = {{ {:?} => .. }}` names no operator of this model (its operators: {})",
                kernel.operator,
                names.join(", ")
            )));
        }
    }
    errors.finish(steps)
}

/// Lowers checked steps (one per op, in op order) to the program: the kernel calls of each op that
/// is not a view (one per output for an op with several), with the planner's in-place decisions.
pub fn lower(
    graph: &Graph,
    state: &crate::state::State,
    steps: &[Step],
    plan: &MemoryPlan,
) -> Result<Program, Errors> {
    let mut errors = Collector::default();
    let mut calls = Vec::new();
    for (at, (step, op)) in steps.iter().zip(&graph.ops).enumerate() {
        let cx = Lower {
            graph,
            state,
            plan,
            op,
        };
        for mut call in errors.ok(step.lower_calls(&cx)).unwrap_or_default() {
            call.in_place = plan.in_place[at];
            calls.push(call);
        }
    }
    let io = graph
        .inputs
        .iter()
        .chain(&graph.outputs)
        .filter_map(|&t| errors.ok(lower::arena_view(graph, plan, t)))
        .collect();
    errors.finish(Program {
        calls,
        arena_bytes: plan.arena_bytes,
        io,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_has_one_family_and_a_builtin_name() {
        let names = supported();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique, "an operator is in two families");
        for name in names {
            assert!(
                (0..256).any(|code| crate::tflite::builtin_operator(code) == Some(name)),
                "{name} is not a TFLite builtin"
            );
        }
        let codes = supported_custom();
        let mut unique = codes.clone();
        unique.dedup();
        assert_eq!(codes, unique, "a custom operator is in two families");
    }
}
