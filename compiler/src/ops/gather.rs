//! TRANSPOSE and STRIDED_SLICE: both gather `output[o] = input[start + sum(o[k] * strides[k])]`
//! over shapes padded to rank 4; every element type TFLM's kernels take (see the `copy` module).

use crate::error::Error;
use crate::kernel::{self, Element};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::shape::{axis, pad4, strides};
use super::{Check, Lower, Operator, copy};

options_table!(
    /// Options of STRIDED_SLICE.
    StridedSliceOptions = 32 {
        /// Bit i set: ignore `begin[i]` (start at the beginning).
        begin_mask: i32 = 0,
        /// Bit i set: ignore `end[i]` (go to the end).
        end_mask: i32 = 1,
        /// Bit i set: an ellipsis at position i.
        ellipsis_mask: i32 = 2,
        /// Bit i set: insert a new size-1 dimension at i.
        new_axis_mask: i32 = 3,
        /// Bit i set: drop dimension i (take one element).
        shrink_axis_mask: i32 = 4,
        /// `end` is relative to `begin`.
        offset: bool = 5,
    }
);

/// STRIDED_SLICE's masks: bit i of each speaks of dimension i.
struct Masks {
    /// Start dimension i at its beginning.
    begin: u32,
    /// Run dimension i to its end.
    end: u32,
    /// An ellipsis at i.
    ellipsis: u32,
    /// A new size-1 dimension at i.
    new_axis: u32,
    /// Dimension i is dropped (one element taken).
    shrink_axis: u32,
    /// `end` counts from `begin`.
    offset: bool,
}

/// A checked TRANSPOSE or STRIDED_SLICE.
#[derive(Clone, Debug, PartialEq)]
pub struct Gather {
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
    /// Input elements per output step, per dimension.
    pub strides: [isize; 4],
}

impl Operator for Gather {
    const NAMES: &'static [&'static str] = &["TRANSPOSE", "STRIDED_SLICE"];

    fn check(cx: &Check) -> Result<Self, Error> {
        if cx.op.name == "TRANSPOSE" {
            transpose(cx)
        } else {
            strided_slice(cx)
        }
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

fn transpose(cx: &Check) -> Result<Gather, Error> {
    let (input, output, element) = cx.data_movement_of(copy::TRANSPOSE)?;
    let shape = &cx.tensor(input).shape;
    let perm = cx.indices(1, "permutation")?;
    let perm_tensor = cx.tensor(cx.input(1, "permutation")?);
    // TFLM reads the permutation as INT32 whatever its type: an INT64 one ([0, 2, 1] reads as
    // [0, 0, 2]) can pass its checks and permute differently from what the model says.
    if perm_tensor.element_type == crate::ir::ElementType::Int64 {
        return Err(cx.tensor_error(
            perm_tensor,
            "the permutation is INT64, which TFLM reads as INT32 (and so permutes differently); \
             convert the model with an INT32 permutation",
        ));
    }
    let mut seen = vec![false; shape.len()];
    let perm: Option<Vec<usize>> = perm
        .iter()
        .map(|&p| axis(p, shape.len()).filter(|&a| !std::mem::replace(&mut seen[a], true)))
        .collect();
    let perm = perm
        .filter(|p| p.len() == shape.len())
        .ok_or_else(|| cx.error(format!("the permutation does not fit rank {}", shape.len())))?;
    let in_strides = strides(shape);
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    if out_shape != cx.tensor(output).shape {
        return Err(cx.error(format!(
            "output shape {:?} is not the permuted input shape {out_shape:?}",
            cx.tensor(output).shape
        )));
    }
    let out_strides: Vec<isize> = perm.iter().map(|&p| in_strides[p] as isize).collect();
    Ok(Gather {
        element,
        input,
        output,
        output_shape: pad4(&out_shape, 1),
        start: 0,
        strides: pad4(&out_strides, 0),
    })
}

fn strided_slice(cx: &Check) -> Result<Gather, Error> {
    let o: StridedSliceOptions = cx.required_options()?;
    let mask = |m: Option<i32>| m.unwrap_or(0) as u32;
    let slice = Masks {
        begin: mask(o.begin_mask()),
        end: mask(o.end_mask()),
        ellipsis: mask(o.ellipsis_mask()),
        new_axis: mask(o.new_axis_mask()),
        shrink_axis: mask(o.shrink_axis_mask()),
        offset: o.offset().unwrap_or(false),
    };
    let (input, output, element) = cx.data_movement_of(copy::SLICE)?;
    if slice.ellipsis != 0 || slice.new_axis != 0 {
        return Err(cx.error("ellipsis and new-axis masks are not supported"));
    }
    let shape = &cx.tensor(input).shape;
    let rank = shape.len();
    let (begin, end, stride) = (
        cx.indices(1, "begin")?,
        cx.indices(2, "end")?,
        cx.indices(3, "strides")?,
    );
    if begin.len() != rank || end.len() != rank || stride.len() != rank || stride.contains(&0) {
        return Err(cx.error(format!(
            "begin {begin:?}, end {end:?} and strides {stride:?} do not fit rank {rank}"
        )));
    }
    let in_strides = strides(shape);
    let (mut start, mut out_shape, mut out_strides, mut kept) =
        (0usize, Vec::new(), Vec::new(), Vec::new());
    for d in 0..rank {
        let dim = shape[d] as i64;
        let bit = |mask: u32| mask >> d & 1 == 1;
        // A step of the dimension's size or more takes one element, like any larger step;
        // clamping keeps the arithmetic below far from overflow.
        let s = stride[d].clamp(-dim, dim);
        let clamp = |v: i64| {
            if s > 0 {
                v.clamp(0, dim)
            } else {
                v.clamp(-1, dim - 1)
            }
        };
        let wrap = |v: i64| if v < 0 { v + dim } else { v };
        let first = if bit(slice.begin) && !bit(slice.shrink_axis) {
            if s > 0 { 0 } else { dim - 1 }
        } else {
            clamp(wrap(begin[d]))
        };
        let stop = if bit(slice.shrink_axis) {
            first + 1
        } else if bit(slice.end) {
            if s > 0 { dim } else { -1 }
        } else if slice.offset {
            clamp(first.saturating_add(end[d]))
        } else {
            clamp(wrap(end[d]))
        };
        let count = if s > 0 {
            (stop - first + s - 1) / s
        } else {
            (first - stop - s - 1) / -s
        }
        .max(0) as usize;
        if count > 0 && !(0..dim).contains(&first) {
            return Err(cx.error(format!("dimension {d} starts at {first}, outside 0..{dim}")));
        }
        start += first.max(0) as usize * in_strides[d];
        out_shape.push(count);
        out_strides.push(s as isize * in_strides[d] as isize);
        if !bit(slice.shrink_axis) {
            kept.push(count);
        }
    }
    let out = &cx.tensor(output).shape;
    if kept.iter().product::<usize>() != cx.tensor(output).len()
        || kept
            .iter()
            .filter(|&&d| d != 1)
            .ne(out.iter().filter(|&&d| d != 1))
    {
        return Err(cx.error(format!(
            "output shape {out:?} does not match the slice {kept:?}"
        )));
    }
    Ok(Gather {
        element,
        input,
        output,
        output_shape: pad4(&out_shape, 1),
        start,
        strides: pad4(&out_strides, 0),
    })
}
