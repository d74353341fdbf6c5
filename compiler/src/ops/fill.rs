//! Operators whose output is a fixed pattern: FILL and BROADCAST_TO (one input value or row
//! repeated: the strided gather with zero strides on the repeated dimensions), ZEROS_LIKE (zeros)
//! and SHAPE (the input's dimensions, known at compile time, written as constants). FILL and
//! ZEROS_LIKE take int8, int32 and float32, BROADCAST_TO also int16; each writes raw
//! elements (a copy, or TFLM's raw 0), so quantization passes through.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Slice, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::shape::{pad4, strides};
use super::{Check, Lower, Operator};

/// The element types these operators take, and which of them each kernel family has.
fn element_type(cx: &Check, t: usize, allowed: &[ElementType]) -> Result<ElementType, Error> {
    let tensor = cx.tensor(t);
    if allowed.contains(&tensor.element_type) {
        Ok(tensor.element_type)
    } else {
        let names: Vec<&str> = allowed.iter().map(|e| e.name()).collect();
        Err(cx.tensor_error(
            tensor,
            format!(
                "has type {}; {} takes {}",
                tensor.element_type.name(),
                cx.op.name,
                names.join(", ")
            ),
        ))
    }
}

/// A checked FILL or BROADCAST_TO: `output[o] = input[sum(o[k] * strides[k])]` with zero strides
/// where the input is repeated.
#[derive(Clone, Debug, PartialEq)]
pub struct Broadcast {
    /// The element type of input and output.
    pub element_type: ElementType,
    /// The value (FILL) or tensor (BROADCAST_TO) repeated.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The output's shape padded to rank 4.
    pub output_shape: [usize; 4],
    /// Input elements per output step, per dimension (0 where the input repeats).
    pub strides: [isize; 4],
}

impl Operator for Broadcast {
    const NAMES: &'static [&'static str] = &["BROADCAST_TO", "FILL"];

    fn check(cx: &Check) -> Result<Self, Error> {
        if cx.op.name == "FILL" {
            fill(cx)
        } else {
            broadcast_to(cx)
        }
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Gather4 {
            output_shape: self.output_shape,
            start: 0,
            strides: self.strides,
        };
        let kernel = match self.element_type {
            ElementType::Int8 => &kernels::gather4_i8,
            ElementType::Int16 => &kernels::gather4_i16,
            ElementType::Int32 => &kernels::gather4_i32,
            ElementType::Float32 => &kernels::gather4_f32,
            other => {
                return Err(cx.error(format!(
                    "no kernel for {} (a bug in embedml: check accepted it)",
                    other.name()
                )));
            }
        };
        cx.call(kernel, params, &[self.input], self.output)
    }
}

/// The output, which must have rank at most 4 (the gather kernel's rank) and match `dims`, the
/// constant shape operand at input `i`.
fn shaped_output(cx: &Check, i: usize, what: &str) -> Result<usize, Error> {
    let output = cx.output()?;
    let dims = cx.indices(i, what)?;
    let shape = &cx.tensor(output).shape;
    if shape.len() > 4 {
        return Err(cx.error(format!(
            "the output has rank {}; embedml runs {} up to rank 4",
            shape.len(),
            cx.op.name
        )));
    }
    if cx.tensor(cx.input(i, what)?).shape.len() != 1
        || dims.len() != shape.len()
        || dims.iter().zip(shape).any(|(&d, &s)| d != s as i64)
    {
        return Err(cx.error(format!(
            "the {what} {dims:?} is not the output shape {shape:?} (TFLM requires them equal)"
        )));
    }
    Ok(output)
}

fn fill(cx: &Check) -> Result<Broadcast, Error> {
    const TYPES: &[ElementType] = &[ElementType::Int8, ElementType::Int32, ElementType::Float32];
    let output = shaped_output(cx, 0, "dims")?;
    let value = cx.input(1, "value")?;
    let element_type = element_type(cx, output, TYPES)?;
    if cx.tensor(value).element_type != element_type {
        return Err(cx.tensor_error(
            cx.tensor(value),
            format!(
                "the value has type {}, the output {} (TFLM requires them equal)",
                cx.tensor(value).element_type.name(),
                element_type.name()
            ),
        ));
    }
    if !cx.tensor(value).shape.is_empty() {
        return Err(cx.tensor_error(
            cx.tensor(value),
            format!(
                "the value has shape {:?}; TFLM requires a scalar",
                cx.tensor(value).shape
            ),
        ));
    }
    Ok(Broadcast {
        element_type,
        input: value,
        output,
        output_shape: pad4(&cx.tensor(output).shape, 1),
        strides: [0; 4],
    })
}

fn broadcast_to(cx: &Check) -> Result<Broadcast, Error> {
    // TFLM's BROADCAST_TO copies elements of any type; these are the types embedml has.
    const TYPES: &[ElementType] = &[
        ElementType::Int8,
        ElementType::Int16,
        ElementType::Int32,
        ElementType::Float32,
    ];
    let output = shaped_output(cx, 1, "shape")?;
    let input = cx.input(0, "input")?;
    let element_type = element_type(cx, output, TYPES)?;
    if cx.tensor(input).element_type != element_type {
        return Err(cx.error(format!(
            "{} input with {} output (TFLM requires one type)",
            cx.tensor(input).element_type.name(),
            element_type.name()
        )));
    }
    let (in_shape, out_shape) = (&cx.tensor(input).shape, &cx.tensor(output).shape);
    let extra = out_shape.len().checked_sub(in_shape.len()).ok_or_else(|| {
        cx.error(format!(
            "input shape {in_shape:?} has more dimensions than the output {out_shape:?}"
        ))
    })?;
    let in_strides = strides(in_shape);
    let mut out_strides = vec![0isize; out_shape.len()];
    for (d, (&n, &s)) in in_shape.iter().zip(&in_strides).enumerate() {
        if n == out_shape[extra + d] {
            // A size-1 dimension repeated once is the same element either way.
            out_strides[extra + d] = if n == 1 { 0 } else { s as isize };
        } else if n != 1 {
            return Err(cx.error(format!(
                "input shape {in_shape:?} does not broadcast to {out_shape:?}"
            )));
        }
    }
    Ok(Broadcast {
        element_type,
        input,
        output,
        output_shape: pad4(out_shape, 1),
        strides: pad4(&out_strides, 0),
    })
}

/// A checked ZEROS_LIKE: the output, all zeros.
#[derive(Clone, Debug, PartialEq)]
pub struct ZerosLike {
    /// The element type of input and output.
    pub element_type: ElementType,
    /// Output.
    pub output: usize,
}

impl Operator for ZerosLike {
    const NAMES: &'static [&'static str] = &["ZEROS_LIKE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        const TYPES: &[ElementType] =
            &[ElementType::Int8, ElementType::Int32, ElementType::Float32];
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let element_type = element_type(cx, input, TYPES)?;
        let (i, o) = (cx.tensor(input), cx.tensor(output));
        if o.element_type != element_type || o.shape != i.shape {
            return Err(cx.error(format!(
                "output {} {:?} is not the input's type and shape ({} {:?})",
                o.element_type.name(),
                o.shape,
                i.element_type.name(),
                i.shape
            )));
        }
        Ok(ZerosLike {
            element_type,
            output,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let kernel = match self.element_type {
            ElementType::Int8 => &kernels::zeros_i8,
            ElementType::Int32 => &kernels::zeros_i32,
            ElementType::Float32 => &kernels::zeros_f32,
            other => {
                return Err(cx.error(format!(
                    "no kernel for {} (a bug in embedml: check accepted it)",
                    other.name()
                )));
            }
        };
        cx.call(kernel, kernel::NoParams {}, &[], self.output)
    }
}

/// A checked SHAPE: the input's dimensions, written as constants.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// The input's dimensions.
    pub dims: Vec<i32>,
    /// Output.
    pub output: usize,
}

impl Operator for Shape {
    const NAMES: &'static [&'static str] = &["SHAPE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let o = cx.tensor(output);
        if o.element_type != ElementType::Int32 {
            return Err(cx.tensor_error(
                o,
                format!(
                    "has type {}; TFLM's SHAPE writes only INT32",
                    o.element_type.name()
                ),
            ));
        }
        let shape = &cx.tensor(input).shape;
        let dims: Option<Vec<i32>> = shape.iter().map(|&d| i32::try_from(d).ok()).collect();
        let dims = dims.ok_or_else(|| cx.error(format!("shape {shape:?} does not fit INT32")))?;
        if o.len() != dims.len() {
            return Err(cx.error(format!(
                "the output has {} elements for an input of rank {}",
                o.len(),
                dims.len()
            )));
        }
        Ok(Shape { dims, output })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::ConstantI32 {
            values: Slice(self.dims.clone()),
        };
        cx.call(&kernels::constant_i32, params, &[], self.output)
    }
}
