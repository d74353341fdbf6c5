//! Comparisons (EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL: int8, int32 and
//! float32 in, BOOL out) and the logical ops (LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT: BOOL), with
//! TFLM's broadcasting of two inputs of rank at most 4.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Broadcast4, Kernel, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant;

use super::shape::{broadcast4, pad4};
use super::{Check, Lower, Operator};

/// TFLM's headroom for the int8 inputs before they are rescaled (`kLeftShift` in
/// comparisons.cc).
const INT8_LEFT_SHIFT: i32 = 8;

/// Which comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonKind {
    /// EQUAL.
    Equal,
    /// NOT_EQUAL.
    NotEqual,
    /// GREATER.
    Greater,
    /// GREATER_EQUAL.
    GreaterEqual,
    /// LESS.
    Less,
    /// LESS_EQUAL.
    LessEqual,
}

impl ComparisonKind {
    /// The kind of each of [`Comparison::NAMES`].
    fn of(name: &str) -> Option<ComparisonKind> {
        Some(match name {
            "EQUAL" => ComparisonKind::Equal,
            "NOT_EQUAL" => ComparisonKind::NotEqual,
            "GREATER" => ComparisonKind::Greater,
            "GREATER_EQUAL" => ComparisonKind::GreaterEqual,
            "LESS" => ComparisonKind::Less,
            "LESS_EQUAL" => ComparisonKind::LessEqual,
            _ => return None,
        })
    }

    /// The kernels for int8, int32 and float32 inputs.
    fn kernels(
        self,
    ) -> (
        &'static Kernel<kernel::CompareI8>,
        &'static Kernel<kernel::Compare>,
        &'static Kernel<kernel::Compare>,
    ) {
        match self {
            ComparisonKind::Equal => (&kernels::equal_i8, &kernels::equal_i32, &kernels::equal_f32),
            ComparisonKind::NotEqual => (
                &kernels::not_equal_i8,
                &kernels::not_equal_i32,
                &kernels::not_equal_f32,
            ),
            ComparisonKind::Greater => (
                &kernels::greater_i8,
                &kernels::greater_i32,
                &kernels::greater_f32,
            ),
            ComparisonKind::GreaterEqual => (
                &kernels::greater_equal_i8,
                &kernels::greater_equal_i32,
                &kernels::greater_equal_f32,
            ),
            ComparisonKind::Less => (&kernels::less_i8, &kernels::less_i32, &kernels::less_f32),
            ComparisonKind::LessEqual => (
                &kernels::less_equal_i8,
                &kernels::less_equal_i32,
                &kernels::less_equal_f32,
            ),
        }
    }
}

/// The inputs' number type, and for int8 the rescaling TFLM's `Prepare` computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operands {
    /// int8: each input's scale as `(multiplier, shift)`.
    Int8 {
        /// The first input's.
        input1: (i32, i32),
        /// The second input's.
        input2: (i32, i32),
    },
    /// int32, compared raw.
    Int32,
    /// float32.
    Float32,
}

/// A checked comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Which comparison.
    pub kind: ComparisonKind,
    /// The inputs' type.
    pub operands: Operands,
    /// First input.
    pub input1: usize,
    /// Second input.
    pub input2: usize,
    /// Output (BOOL).
    pub output: usize,
    /// How the inputs map onto the output when their shapes differ.
    pub broadcast: Option<Broadcast4>,
}

/// Checks that two inputs broadcast to the output (rank at most 4 each): the broadcast, or
/// `None` when the inputs have the same shape.
fn broadcast(
    cx: &Check,
    input1: usize,
    input2: usize,
    output: usize,
) -> Result<Option<Broadcast4>, Error> {
    for t in [input1, input2, output] {
        cx.rank_at_most_4(t)?;
    }
    let (s1, s2, so) = (
        &cx.tensor(input1).shape,
        &cx.tensor(input2).shape,
        &cx.tensor(output).shape,
    );
    let Some(broadcast) = broadcast4(s1, s2).filter(|b| pad4(so, 1) == b.output_shape) else {
        return Err(cx.error(format!(
            "inputs {s1:?} and {s2:?} do not broadcast to the output {so:?}"
        )));
    };
    Ok((s1 != s2).then_some(broadcast))
}

/// Fails unless tensor `t` is BOOL.
fn bool_tensor(cx: &Check, t: usize, what: &str) -> Result<(), Error> {
    let tensor = cx.tensor(t);
    if tensor.element_type != ElementType::Bool {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has type {}; TFLM's kernel takes BOOL",
                tensor.element_type.name()
            ),
        ));
    }
    Ok(())
}

/// An int8 input's scale as TFLM's `QuantizeMultiplierSmallerThanOneExp` makes it, which
/// aborts unless the scale is below 1 (and the multiplier's shift not positive).
fn scale_below_one(cx: &Check, t: usize) -> Result<(i32, i32), Error> {
    let scale = cx.scale(t);
    let (multiplier, shift) = quant::quantize_multiplier(f64::from(scale));
    if !(scale > 0.0 && scale < 1.0) || shift > 0 {
        return Err(cx.tensor_error(
            cx.tensor(t),
            format!(
                "an int8 comparison needs input scales in (0, 1) (TFLM aborts otherwise); this one is {scale}"
            ),
        ));
    }
    Ok((multiplier, shift))
}

impl Operator for Comparison {
    const NAMES: &'static [&'static str] = &[
        "EQUAL",
        "NOT_EQUAL",
        "GREATER",
        "GREATER_EQUAL",
        "LESS",
        "LESS_EQUAL",
    ];

    fn check(cx: &Check) -> Result<Self, Error> {
        let kind = ComparisonKind::of(&cx.op.name).ok_or_else(|| {
            cx.error("the comparison family has no kind for it (a bug in embedml)")
        })?;
        let input1 = cx.input(0, "first input")?;
        let input2 = cx.input(1, "second input")?;
        let output = cx.output()?;
        bool_tensor(cx, output, "output")?;
        let types = [input1, input2].map(|t| cx.tensor(t).element_type);
        let operands = match types {
            [ElementType::Int8, ElementType::Int8] => {
                for t in [input1, input2] {
                    cx.per_tensor_quantized(cx.tensor(t))?;
                }
                Operands::Int8 {
                    input1: scale_below_one(cx, input1)?,
                    input2: scale_below_one(cx, input2)?,
                }
            }
            [ElementType::Int32, ElementType::Int32] => Operands::Int32,
            [ElementType::Float32, ElementType::Float32] => Operands::Float32,
            [a, b] => {
                return Err(cx.error(format!(
                    "{} and {} inputs are not supported (two INT8, INT32 or FLOAT32 inputs; BOOL, INT16 and INT64 comparisons are not implemented)",
                    a.name(),
                    b.name()
                )));
            }
        };
        Ok(Comparison {
            kind,
            operands,
            input1,
            input2,
            output,
            broadcast: broadcast(cx, input1, input2, output)?,
        })
    }

    fn access(&self) -> Access {
        // The BOOL output is narrower than an int32 or float32 input, and an int8 input is
        // not its type: no in-place form.
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let (int8, int32, float32) = self.kind.kernels();
        let reads = [self.input1, self.input2];
        let broadcast = self.broadcast.clone();
        match self.operands {
            Operands::Int8 { input1, input2 } => {
                let params = kernel::CompareI8 {
                    input1_offset: -cx.zero_point(self.input1),
                    input1_multiplier: input1.0,
                    input1_shift: input1.1,
                    input2_offset: -cx.zero_point(self.input2),
                    input2_multiplier: input2.0,
                    input2_shift: input2.1,
                    left_shift: INT8_LEFT_SHIFT,
                    broadcast,
                };
                cx.call(int8, params, &reads, self.output)
            }
            Operands::Int32 => cx.call(int32, kernel::Compare { broadcast }, &reads, self.output),
            Operands::Float32 => {
                cx.call(float32, kernel::Compare { broadcast }, &reads, self.output)
            }
        }
    }
}

/// Which logical op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalKind {
    /// LOGICAL_AND.
    And,
    /// LOGICAL_OR.
    Or,
    /// LOGICAL_NOT.
    Not,
}

/// A checked LOGICAL_AND, LOGICAL_OR or LOGICAL_NOT.
#[derive(Clone, Debug, PartialEq)]
pub struct Logical {
    /// Which op.
    pub kind: LogicalKind,
    /// The inputs (one for LOGICAL_NOT).
    pub inputs: Vec<usize>,
    /// Output.
    pub output: usize,
    /// How the two inputs map onto the output when their shapes differ.
    pub broadcast: Option<Broadcast4>,
}

impl Operator for Logical {
    const NAMES: &'static [&'static str] = &["LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let kind = match cx.op.name.as_str() {
            "LOGICAL_AND" => LogicalKind::And,
            "LOGICAL_OR" => LogicalKind::Or,
            "LOGICAL_NOT" => LogicalKind::Not,
            _ => return Err(cx.error("the logical family has no kind for it (a bug in embedml)")),
        };
        let output = cx.output()?;
        bool_tensor(cx, output, "output")?;
        if kind == LogicalKind::Not {
            let input = cx.input(0, "input")?;
            bool_tensor(cx, input, "input")?;
            if cx.tensor(input).len() != cx.tensor(output).len() {
                return Err(cx.error("the input and output have different sizes"));
            }
            return Ok(Logical {
                kind,
                inputs: vec![input],
                output,
                broadcast: None,
            });
        }
        let input1 = cx.input(0, "first input")?;
        let input2 = cx.input(1, "second input")?;
        bool_tensor(cx, input1, "first input")?;
        bool_tensor(cx, input2, "second input")?;
        Ok(Logical {
            kind,
            inputs: vec![input1, input2],
            output,
            broadcast: broadcast(cx, input1, input2, output)?,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Compare {
            broadcast: self.broadcast.clone(),
        };
        match self.kind {
            LogicalKind::And => cx.call(&kernels::logical_and, params, &self.inputs, self.output),
            LogicalKind::Or => cx.call(&kernels::logical_or, params, &self.inputs, self.output),
            LogicalKind::Not => cx.call(
                &kernels::logical_not,
                kernel::NoParams {},
                &self.inputs,
                self.output,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_kind() {
        for name in Comparison::NAMES {
            assert!(ComparisonKind::of(name).is_some(), "{name}");
        }
    }
}
