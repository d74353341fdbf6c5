//! SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (int8 and float32; NHWC, or NHC with one spatial
//! dimension, as TFLM supports them), with constant block shapes and paddings or crops.
//!
//! SPACE_TO_BATCH_ND pads the image and deals its pixels out to `block_height * block_width`
//! batches, one per phase of the block: the kernel `space_to_batch`. BATCH_TO_SPACE_ND
//! interleaves the batches back and crops: every output row and column comes from one input
//! row (column) of one phase, so it is the separable gather `Gather4Table`. Both copy values:
//! like TFLM, they do not requantize.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::{Check, Lower, Operator, Precision};

/// The operands both ops share, read as TFLM reads them: the shapes extended to NHWC, the
/// block and the leading and trailing paddings (crops) per spatial dimension.
struct Operands {
    precision: Precision,
    input: usize,
    output: usize,
    /// `[batches, height, width, depth]`; width 1 for NHC.
    input_shape: [usize; 4],
    output_shape: [usize; 4],
    block: [usize; 2],
    /// `[[top, bottom], [left, right]]`.
    pads: [[usize; 2]; 2],
}

/// A rank-3 (NHC) or rank-4 (NHWC) shape as NHWC.
fn nhwc(shape: &[usize]) -> Option<[usize; 4]> {
    match *shape {
        [n, h, c] => Some([n, h, 1, c]),
        [n, h, w, c] => Some([n, h, w, c]),
        _ => None,
    }
}

fn operands(cx: &Check, pads_name: &str) -> Result<Operands, Error> {
    let input = cx.input(0, "input")?;
    let block_tensor = cx.input(1, "block shape")?;
    let pads_tensor = cx.input(2, pads_name)?;
    let output = cx.output()?;
    let precision = cx.precision(input, output)?;
    let in_shape = &cx.tensor(input).shape;
    let out_shape = &cx.tensor(output).shape;
    let (Some(input_shape), Some(output_shape)) = (nhwc(in_shape), nhwc(out_shape)) else {
        return Err(cx.error(format!(
            "input shape {in_shape:?} and output shape {out_shape:?}: TFLM takes rank 3 (NHC) or 4 (NHWC)"
        )));
    };
    if in_shape.len() != out_shape.len() {
        return Err(cx.error(format!(
            "input shape {in_shape:?} and output shape {out_shape:?} differ in rank"
        )));
    }
    let spatial = in_shape.len() - 2;
    cx.constant(block_tensor, ElementType::Int32, "block shape")?;
    cx.constant(pads_tensor, ElementType::Int32, pads_name)?;
    let block = cx.tensor(block_tensor).i32s();
    let pads = cx.tensor(pads_tensor).i32s();
    if cx.tensor(block_tensor).shape != [spatial]
        || cx.tensor(pads_tensor).shape != [spatial, 2]
        || block.iter().any(|&b| b < 1)
        || pads.iter().any(|&p| p < 0)
    {
        return Err(cx.error(format!(
            "block shape {block:?} (shape {:?}) and {pads_name} {pads:?} (shape {:?}) must be \
             {spatial} positive block sizes and {spatial} pairs of sizes of at least 0 for \
             input shape {in_shape:?}",
            cx.tensor(block_tensor).shape,
            cx.tensor(pads_tensor).shape
        )));
    }
    let at = |v: &[i32], i: usize, default: usize| v.get(i).map_or(default, |&x| x as usize);
    Ok(Operands {
        precision,
        input,
        output,
        input_shape,
        output_shape,
        // NHC has one spatial dimension: the width's block is 1 and it has no padding.
        block: [at(&block, 0, 1), at(&block, 1, 1)],
        pads: [
            [at(&pads, 0, 0), at(&pads, 1, 0)],
            [at(&pads, 2, 0), at(&pads, 3, 0)],
        ],
    })
}

/// A checked SPACE_TO_BATCH_ND.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceToBatchNd {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The kernel's shapes.
    pub params: kernel::SpaceToBatch,
}

impl Operator for SpaceToBatchNd {
    const NAMES: &'static [&'static str] = &["SPACE_TO_BATCH_ND"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o = operands(cx, "paddings")?;
        let [n, h, w, c] = o.input_shape;
        let [bh, bw] = o.block;
        let padded = [
            h + o.pads[0][0] + o.pads[0][1],
            w + o.pads[1][0] + o.pads[1][1],
        ];
        if padded[0] % bh != 0 || padded[1] % bw != 0 {
            return Err(cx.error(format!(
                "the padded image ({} x {}) is not a whole number of {bh} x {bw} blocks",
                padded[0], padded[1]
            )));
        }
        let expected = [n * bh * bw, padded[0] / bh, padded[1] / bw, c];
        if o.output_shape != expected {
            return Err(cx.error(format!(
                "output shape {:?} does not match the input, block shape and paddings (expected {expected:?} as NHWC)",
                cx.tensor(o.output).shape
            )));
        }
        Ok(SpaceToBatchNd {
            precision: o.precision,
            input: o.input,
            output: o.output,
            params: kernel::SpaceToBatch {
                batches: n,
                input_height: h,
                input_width: w,
                depth: c,
                output_height: expected[1],
                output_width: expected[2],
                block_height: bh,
                block_width: bw,
                pad_top: o.pads[0][0],
                pad_left: o.pads[1][0],
            },
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let kernel = match self.precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => &kernels::space_to_batch_i8,
            Precision::Float32 => &kernels::space_to_batch_f32,
        };
        cx.call(kernel, self.params.clone(), &[self.input], self.output)
    }
}

/// A checked BATCH_TO_SPACE_ND, as the gather that does it.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchToSpaceNd {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The output's shape as NHWC.
    pub output_shape: [usize; 4],
    /// Per output dimension, the input offset of each coordinate, laid end to end.
    pub offsets: Vec<usize>,
}

impl Operator for BatchToSpaceNd {
    const NAMES: &'static [&'static str] = &["BATCH_TO_SPACE_ND"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o = operands(cx, "crops")?;
        let [in_n, h, w, c] = o.input_shape;
        let [bh, bw] = o.block;
        let [[top, bottom], [left, right]] = o.pads;
        let blocks = bh * bw;
        let (full_h, full_w) = (h * bh, w * bw);
        if in_n % blocks != 0 || top + bottom >= full_h || left + right >= full_w {
            return Err(cx.error(format!(
                "input shape {:?} does not fit block shape [{bh}, {bw}] and crops {:?} \
                 (batches a multiple of {blocks}, crops smaller than the image)",
                cx.tensor(o.input).shape,
                o.pads
            )));
        }
        let n = in_n / blocks;
        let expected = [n, full_h - top - bottom, full_w - left - right, c];
        if o.output_shape != expected {
            return Err(cx.error(format!(
                "output shape {:?} does not match the input, block shape and crops (expected {expected:?} as NHWC)",
                cx.tensor(o.output).shape
            )));
        }
        // Output (b, y, x) is input batch (sh * bw + sw) * n + b, pixel (iy, ix), where
        // y + top = iy * bh + sh and x + left = ix * bw + sw: a sum of one term per output
        // coordinate.
        let image = h * w * c;
        let mut offsets: Vec<usize> = (0..n).map(|b| b * image).collect();
        offsets.extend((0..expected[1]).map(|y| {
            let (iy, sh) = ((y + top) / bh, (y + top) % bh);
            iy * w * c + sh * bw * n * image
        }));
        offsets.extend((0..expected[2]).map(|x| {
            let (ix, sw) = ((x + left) / bw, (x + left) % bw);
            ix * c + sw * n * image
        }));
        offsets.extend(0..c);
        Ok(BatchToSpaceNd {
            precision: o.precision,
            input: o.input,
            output: o.output,
            output_shape: expected,
            offsets,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        cx.gather_table(
            self.precision,
            self.output_shape,
            &self.offsets,
            self.input,
            self.output,
        )
    }
}
