//! SPLIT, SPLIT_V and UNPACK (one input, several outputs) and PACK (several inputs, one output),
//! every element type TFLM's kernels take (see the `copy` module; one quantization throughout), along
//! any axis of any rank.
//!
//! An input of shape `[..., dim, ...]` is viewed as `[outer, dim, inner]` around the axis. Each
//! output of SPLIT, SPLIT_V and UNPACK is a block of `size` along it: a strided copy
//! (`gather4_*`) of shape `[outer, size, inner]` starting `offset * inner` elements in. An
//! operator with several outputs is lowered to one such call per output (see
//! [`Operator::lower_calls`]), so every call is an ordinary one-input, one-output kernel call
//! that the operand sets and `Program::verify` check as any other; the planner already keeps every
//! output of an op apart from its inputs and from each other. PACK is CONCATENATION of its inputs,
//! each seen with a dimension of 1 inserted at the axis.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Element, Slice};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::shape::axis;
use super::{Check, Lower, Operator, copy};

options_table!(
    /// Options of SPLIT.
    SplitOptions = 35 {
        /// Number of equal parts.
        num_splits: i32 = 0,
    }
);

options_table!(
    /// Options of SPLIT_V.
    SplitVOptions = 79 {
        /// Number of parts.
        num_splits: i32 = 0,
    }
);

options_table!(
    /// Options of UNPACK.
    UnpackOptions = 64 {
        /// Number of outputs (the axis' size).
        num: i32 = 0,
        /// The axis taken apart; negative counts from the end.
        axis: i32 = 1,
    }
);

options_table!(
    /// Options of PACK.
    PackOptions = 59 {
        /// Number of inputs.
        values_count: i32 = 0,
        /// The new axis in the output; negative counts from the end.
        axis: i32 = 1,
    }
);

/// One output of a [`Split`]: a block of `size` along the axis, starting at `offset`.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The output tensor.
    pub output: usize,
    /// Where along the axis it starts.
    pub offset: usize,
    /// Its extent along the axis.
    pub size: usize,
}

/// A checked SPLIT, SPLIT_V or UNPACK.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// Element type.
    pub element: Element,
    /// The input.
    pub input: usize,
    /// The product of the input's dimensions before the axis.
    pub outer: usize,
    /// The input's extent along the axis.
    pub dim: usize,
    /// The product of the input's dimensions after the axis.
    pub inner: usize,
    /// The outputs, in order.
    pub parts: Vec<Part>,
}

/// A checked PACK, as a CONCATENATION: `outer` blocks of `size` elements of each input.
#[derive(Clone, Debug, PartialEq)]
pub struct Pack {
    /// Element type.
    pub element: Element,
    /// Inputs, in order.
    pub inputs: Vec<usize>,
    /// Output.
    pub output: usize,
    /// The product of the input dimensions before the axis.
    pub outer: usize,
    /// The product of the input dimensions from the axis on.
    pub size: usize,
}

/// A constant axis (INT32, as TFLM reads it) at input `i`, normalized for rank `rank`.
fn axis_input(cx: &Check, i: usize, rank: usize) -> Result<usize, Error> {
    let t = cx.input(i, "axis")?;
    let tensor = cx.tensor(t);
    if tensor.element_type != ElementType::Int32 || tensor.data.is_none() || tensor.len() != 1 {
        return Err(cx.tensor_error(
            tensor,
            "the axis must be one constant INT32 value (TFLM reads it as INT32 and needs it constant)",
        ));
    }
    let raw = cx.indices(i, "axis")?;
    let raw = raw.first().copied().unwrap_or(0);
    axis(raw, rank).ok_or_else(|| cx.error(format!("axis {raw} is outside rank {rank}")))
}

/// A count from the options, which must equal `actual` (the operator's outputs or inputs).
fn count_matches(cx: &Check, what: &str, option: Option<i32>, actual: usize) -> Result<(), Error> {
    let option = option.unwrap_or(0);
    if usize::try_from(option).ok() != Some(actual) {
        return Err(cx.error(format!(
            "its options give {option} {what}, but it has {actual}"
        )));
    }
    Ok(())
}

impl Operator for Split {
    const NAMES: &'static [&'static str] = &["SPLIT", "SPLIT_V", "UNPACK"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let outputs = &cx.op.outputs;
        if outputs.is_empty() {
            return Err(cx.error("has no outputs"));
        }
        let (input, axis, unpack) = match cx.op.name.as_str() {
            "SPLIT" => {
                let o: SplitOptions = cx.required_options()?;
                count_matches(cx, "splits", o.num_splits(), outputs.len())?;
                let input = cx.input(1, "input")?;
                let rank = cx.tensor(input).shape.len();
                (input, axis_input(cx, 0, rank)?, false)
            }
            "SPLIT_V" => {
                let o: SplitVOptions = cx.required_options()?;
                count_matches(cx, "splits", o.num_splits(), outputs.len())?;
                let input = cx.input(0, "input")?;
                let rank = cx.tensor(input).shape.len();
                (input, axis_input(cx, 2, rank)?, false)
            }
            _ => {
                let o: UnpackOptions = cx.required_options()?;
                count_matches(cx, "outputs", o.num(), outputs.len())?;
                let input = cx.input(0, "input")?;
                let rank = cx.tensor(input).shape.len();
                let raw = o.axis().unwrap_or(0);
                let axis = super::shape::axis(i64::from(raw), rank)
                    .ok_or_else(|| cx.error(format!("axis {raw} is outside rank {rank}")))?;
                (input, axis, true)
            }
        };
        let shape = &cx.tensor(input).shape;
        let mut element_all = None;
        let mut parts = Vec::with_capacity(outputs.len());
        let mut offset = 0usize;
        for &output in outputs {
            let element = cx.copied_element(input, output, copy::SPLIT)?;
            if element_all.is_some_and(|e| e != element) {
                return Err(cx.error("its outputs differ in type"));
            }
            element_all = Some(element);
            let out = cx.tensor(output);
            // TFLM copies each output's own extent along the axis (SPLIT_V's sizes are only
            // checked against it here): every other dimension is the input's.
            let (size, fits) = if unpack {
                let mut expected = shape.clone();
                expected.remove(axis);
                (1, out.shape == expected)
            } else {
                let size = out.shape.get(axis).copied().unwrap_or(0);
                let mut expected = shape.clone();
                expected[axis] = size;
                (size, out.shape == expected)
            };
            if !fits {
                return Err(cx.tensor_error(
                    out,
                    format!(
                        "has shape {:?}, which is not a part of input {shape:?} along axis {axis}",
                        out.shape
                    ),
                ));
            }
            parts.push(Part {
                output,
                offset,
                size,
            });
            offset += size;
        }
        if offset != shape[axis] {
            return Err(cx.error(format!(
                "its outputs add up to {offset} along axis {axis}, the input has {}",
                shape[axis]
            )));
        }
        if cx.op.name == "SPLIT_V" {
            split_sizes(cx, &parts, shape[axis])?;
        }
        Ok(Split {
            element: element_all.unwrap_or(Element::F32),
            input,
            outer: shape[..axis].iter().product(),
            dim: shape[axis],
            inner: shape[axis + 1..].iter().product(),
            parts,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        Err(cx.error("an operator with several outputs is lowered call by call (a bug in embedml)"))
    }

    fn lower_calls(&self, cx: &Lower) -> Result<Vec<KernelCall>, Error> {
        let kernel = copy::gather4(self.element).map_err(|e| cx.error(e))?;
        let (outer, dim, inner) = (self.outer, self.dim, self.inner);
        let mut calls = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let params = kernel::Gather4 {
                output_shape: [1, outer, part.size, inner],
                start: part.offset * inner,
                strides: [0, (dim * inner) as isize, inner as isize, 1],
            };
            calls.extend(cx.call(kernel, params, &[self.input], part.output)?);
        }
        Ok(calls)
    }
}

/// SPLIT_V's `size_splits` (a constant; at most one -1, for what the others leave) must give the
/// outputs' extents, which TFLM copies.
fn split_sizes(cx: &Check, parts: &[Part], dim: usize) -> Result<(), Error> {
    let sizes = cx.indices(1, "size_splits")?;
    let known: i64 = sizes.iter().filter(|&&s| s != -1).sum();
    let unknown = sizes.iter().filter(|&&s| s == -1).count();
    let resolved: Vec<i64> = sizes
        .iter()
        .map(|&s| if s == -1 { dim as i64 - known } else { s })
        .collect();
    let matches = unknown <= 1
        && resolved.len() == parts.len()
        && resolved
            .iter()
            .zip(parts)
            .all(|(&s, part)| usize::try_from(s).ok() == Some(part.size));
    if !matches {
        let outputs: Vec<usize> = parts.iter().map(|p| p.size).collect();
        return Err(cx.error(format!(
            "size_splits {sizes:?} does not give the outputs' sizes {outputs:?} along the axis"
        )));
    }
    Ok(())
}

impl Operator for Pack {
    const NAMES: &'static [&'static str] = &["PACK"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o: PackOptions = cx.required_options()?;
        let output = cx.output()?;
        let inputs: Vec<usize> = cx.op.inputs.iter().flatten().copied().collect();
        if inputs.is_empty() || inputs.len() != cx.op.inputs.len() {
            return Err(cx.error("every input must be present"));
        }
        count_matches(cx, "inputs", o.values_count(), inputs.len())?;
        let out_shape = &cx.tensor(output).shape;
        let raw = o.axis().unwrap_or(0);
        let axis = axis(i64::from(raw), out_shape.len())
            .ok_or_else(|| cx.error(format!("axis {raw} is outside rank {}", out_shape.len())))?;
        let shape = &cx.tensor(inputs[0]).shape;
        let mut expected = shape.clone();
        if axis <= expected.len() {
            expected.insert(axis, inputs.len());
        }
        if *out_shape != expected {
            return Err(cx.error(format!(
                "output shape {out_shape:?} is not {} inputs of shape {shape:?} stacked along axis {axis}",
                inputs.len()
            )));
        }
        let mut element_all = None;
        for &t in &inputs {
            let tensor = cx.tensor(t);
            if tensor.shape != *shape {
                return Err(cx.tensor_error(
                    tensor,
                    format!(
                        "has shape {:?}; every input must have {shape:?}",
                        tensor.shape
                    ),
                ));
            }
            let e = cx.copied_element(t, output, copy::PACK)?;
            if element_all.is_some_and(|f| f != e) {
                return Err(cx.error("its inputs differ in type"));
            }
            element_all = Some(e);
        }
        Ok(Pack {
            element: element_all.unwrap_or(Element::F32),
            output,
            outer: shape[..axis].iter().product(),
            size: shape[axis..].iter().product(),
            inputs,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Concatenation {
            outer: self.outer,
            sizes: Slice(vec![self.size; self.inputs.len()]),
        };
        let kernel = copy::concatenation(self.element).map_err(|e| cx.error(e))?;
        cx.call(kernel, params, &self.inputs, self.output)
    }
}
