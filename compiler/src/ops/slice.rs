//! SLICE: a box of the input (`begin` and `size` per dimension, constant), every element type
//! TFLM's kernel takes (see the `copy` module), lowered to the strided copy `Gather4` with unit
//! steps.

use crate::error::Error;
use crate::kernel::{self, Element};
use crate::plan::Access;
use crate::program::KernelCall;

use super::shape::{pad4, strides};
use super::{Check, Lower, Operator, copy};

/// A checked SLICE.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// Element type.
    pub element: Element,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The output's shape padded to rank 4.
    pub output_shape: [usize; 4],
    /// The input element of output element 0.
    pub start: usize,
    /// The input's row-major strides, padded to rank 4.
    pub strides: [isize; 4],
}

impl Operator for Slice {
    const NAMES: &'static [&'static str] = &["SLICE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let element = cx.copied_element(input, output, copy::SLICE)?;
        cx.rank_at_most_4(input)?;
        let shape = &cx.tensor(input).shape;
        let (begin, size) = (cx.indices(1, "begin")?, cx.indices(2, "size")?);
        // TFLM reads begin and size with one type (the begin tensor's).
        let (begin_type, size_type) = (
            cx.tensor(cx.input(1, "begin")?).element_type,
            cx.tensor(cx.input(2, "size")?).element_type,
        );
        if begin_type != size_type {
            return Err(cx.error(format!(
                "begin is {} and size {}; TFLM reads both as the begin's type, so they must match",
                begin_type.name(),
                size_type.name()
            )));
        }
        if begin.len() != shape.len() || size.len() != shape.len() {
            return Err(cx.error(format!(
                "begin {begin:?} and size {size:?} do not fit input shape {shape:?}"
            )));
        }
        // TFLM does not clamp: a box outside the input reads out of bounds there.
        let mut out_shape = Vec::with_capacity(shape.len());
        for (d, (&b, &s)) in begin.iter().zip(&size).enumerate() {
            let dim = shape[d] as i64;
            let stop = if s == -1 { dim } else { b.saturating_add(s) };
            if !(0..=dim).contains(&b) || s < -1 || !(b..=dim).contains(&stop) {
                return Err(cx.error(format!(
                    "dimension {d}: begin {b} and size {s} do not lie inside 0..{dim}"
                )));
            }
            out_shape.push((stop - b) as usize);
        }
        if out_shape != cx.tensor(output).shape {
            return Err(cx.error(format!(
                "output shape {:?} is not the slice's shape {out_shape:?}",
                cx.tensor(output).shape
            )));
        }
        let in_strides = strides(shape);
        let start = begin
            .iter()
            .zip(&in_strides)
            .map(|(&b, &s)| b as usize * s)
            .sum();
        let steps: Vec<isize> = in_strides.iter().map(|&s| s as isize).collect();
        Ok(Slice {
            element,
            input,
            output,
            output_shape: pad4(&out_shape, 1),
            start,
            strides: pad4(&steps, 0),
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Gather4 {
            output_shape: self.output_shape,
            start: self.start,
            strides: self.strides,
        };
        let kernel = copy::gather4(self.element).map_err(|e| cx.error(e))?;
        cx.call(kernel, params, &[self.input], self.output)
    }
}
