//! DEPTH_TO_SPACE and SPACE_TO_DEPTH (NHWC, int8 and float32): blocks of `block_size` x
//! `block_size` pixels moved to and from channels. Both are a fixed permutation of the
//! elements, so both lower to the strided copy `Gather4` (batch and rows merge into one
//! dimension, and the copied run of channels into another).

use crate::error::Error;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of DEPTH_TO_SPACE.
    DepthToSpaceOptions = 94 {
        /// The block's side.
        block_size: i32 = 0,
    }
);

options_table!(
    /// Options of SPACE_TO_DEPTH.
    SpaceToDepthOptions = 19 {
        /// The block's side.
        block_size: i32 = 0,
    }
);

/// A checked DEPTH_TO_SPACE or SPACE_TO_DEPTH, as the gather that does it.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceDepth {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The gather's output shape (the output's elements in row-major order).
    pub gather_shape: [usize; 4],
    /// The input's steps per gather dimension.
    pub strides: [isize; 4],
}

impl Operator for SpaceDepth {
    const NAMES: &'static [&'static str] = &["DEPTH_TO_SPACE", "SPACE_TO_DEPTH"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let to_space = cx.op.name == "DEPTH_TO_SPACE";
        let block = if to_space {
            cx.required_options::<DepthToSpaceOptions>()?.block_size()
        } else {
            cx.required_options::<SpaceToDepthOptions>()?.block_size()
        };
        // TFLM copies raw values: the output's quantization may differ from the input's.
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let precision = cx.precision(input, output)?;
        cx.copy_quantization(input, output)?;
        cx.rank_at_most_4(input)?;
        let [n, h, w, c] = cx.rank4(input)?;
        let b = match usize::try_from(block.unwrap_or(0)) {
            Ok(b) if b > 0 => b,
            _ => {
                return Err(cx.error(format!(
                    "block_size is {}; it must be positive",
                    block.unwrap_or(0)
                )));
            }
        };
        let (expected, gather_shape, strides) = if to_space {
            // Output [n, h*b, w*b, c/(b*b)]: output (n*h + y, dy, x, dx*c' + k) reads input
            // channel (dy*b + dx)*c' + k of pixel (y, x).
            if c % (b * b) != 0 {
                return Err(cx.error(format!(
                    "{c} input channels are not a multiple of block_size^2 = {}",
                    b * b
                )));
            }
            let depth = c / (b * b);
            (
                [n, h * b, w * b, depth],
                [n * h, b, w, b * depth],
                [w * c, b * depth, c, 1],
            )
        } else {
            // Output [n, h/b, w/b, c*b*b]: output (n*h' + y, x, dy, dx*c + k) reads input
            // pixel (y*b + dy, x*b + dx), channel k.
            if h % b != 0 || w % b != 0 {
                return Err(cx.error(format!(
                    "input height {h} and width {w} are not multiples of block_size {b}"
                )));
            }
            let (rows, columns) = (h / b, w / b);
            (
                [n, rows, columns, c * b * b],
                [n * rows, columns, b, b * c],
                [b * w * c, b * c, w * c, 1],
            )
        };
        if cx.tensor(output).shape != expected {
            return Err(cx.error(format!(
                "output shape {:?} is not {expected:?}",
                cx.tensor(output).shape
            )));
        }
        Ok(SpaceDepth {
            precision,
            input,
            output,
            gather_shape,
            strides: strides.map(|s| s as isize),
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let params = kernel::Gather4 {
            output_shape: self.gather_shape,
            start: 0,
            strides: self.strides,
        };
        let kernel = match self.precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => &kernels::gather4_i8,
            Precision::Float32 => &kernels::gather4_f32,
        };
        cx.call(kernel, params, &[self.input], self.output)
    }
}
