//! RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (NHWC, int8 and float32, and int16 for the nearest
//! neighbour; a constant size).
//!
//! Where each output row and column samples the input depends only on the shapes and the
//! options, so it is computed here, once per row and column, with TFLM's own arithmetic (float32
//! for the nearest neighbour and for float32 bilinear, TFLM's 10-bit fixed point for int8
//! bilinear). RESIZE_NEAREST_NEIGHBOR then copies pixels: the table-driven gather
//! `Gather4Table`. RESIZE_BILINEAR blends the four pixels around each sample point.
//!
//! Like TFLM, both copy or blend the stored values: an int8 output is expected to have the
//! input's quantization (the converter gives it that), and is not requantized.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, Slice, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of RESIZE_BILINEAR.
    ResizeBilinearOptions = 15 {
        /// Corner pixels of input and output aligned (scale `(in - 1) / (out - 1)`).
        align_corners: bool = 2,
        /// Pixels sampled at their centres.
        half_pixel_centers: bool = 3,
    }
);

options_table!(
    /// Options of RESIZE_NEAREST_NEIGHBOR.
    ResizeNearestNeighborOptions = 74 {
        /// Corner pixels of input and output aligned.
        align_corners: bool = 0,
        /// Pixels sampled at their centres.
        half_pixel_centers: bool = 1,
    }
);

/// How output coordinates map to input coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mode {
    align_corners: bool,
    half_pixel_centers: bool,
}

/// What both resizes check: the input, output and size, and the options.
#[derive(Clone, Debug, PartialEq)]
struct Resize {
    precision: Precision,
    input: usize,
    output: usize,
    /// `[batches, height, width, depth]` of the input.
    input_shape: [usize; 4],
    /// Output rows and columns.
    size: [usize; 2],
}

fn check_resize(cx: &Check, int16: bool) -> Result<Resize, Error> {
    let input = cx.input(0, "input")?;
    let size_tensor = cx.input(1, "size")?;
    let output = cx.output()?;
    let both_int16 = [input, output].map(|t| cx.tensor(t).element_type)
        == [ElementType::Int16, ElementType::Int16];
    let precision = if int16 && both_int16 {
        // RESIZE_NEAREST_NEIGHBOR copies raw int16 values, as TFLM's kernel does.
        if cx.tensor(input).data.is_some() {
            return Err(cx.tensor_error(
                cx.tensor(input),
                "a constant activation input is not supported",
            ));
        }
        cx.copy_quantization(input, output)?;
        Precision::Int16
    } else {
        cx.precision(input, output)?
    };
    let input_shape = cx.rank4(input)?;
    cx.constant(size_tensor, ElementType::Int32, "size")?;
    let size = cx.tensor(size_tensor).i32s();
    let [height, width] = match (cx.tensor(size_tensor).shape.as_slice(), size.as_slice()) {
        ([2], &[h, w]) if h > 0 && w > 0 => [h as usize, w as usize],
        _ => {
            return Err(cx.tensor_error(
                cx.tensor(size_tensor),
                format!(
                    "the size must be two positive values (rows, columns); it is {size:?} of shape {:?}",
                    cx.tensor(size_tensor).shape
                ),
            ));
        }
    };
    let [n, _, _, c] = input_shape;
    if cx.tensor(output).shape != [n, height, width, c] {
        return Err(cx.error(format!(
            "output shape {:?} is not [{n}, {height}, {width}, {c}] (the input's batches and channels at the size)",
            cx.tensor(output).shape
        )));
    }
    Ok(Resize {
        precision,
        input,
        output,
        input_shape,
        size: [height, width],
    })
}

/// A checked RESIZE_NEAREST_NEIGHBOR, as the gather that does it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResizeNearestNeighbor {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The output's shape.
    pub output_shape: [usize; 4],
    /// Per output dimension, the input offset of each coordinate, laid end to end.
    pub offsets: Vec<usize>,
}

/// TFLM's `GetNearestNeighbor`: the input coordinate output coordinate `out` copies, in
/// float32 as TFLM computes it.
fn nearest(out: usize, input_size: usize, output_size: usize, mode: Mode) -> usize {
    let scale = if mode.align_corners && output_size > 1 {
        (input_size - 1) as f32 / (output_size - 1) as f32
    } else {
        input_size as f32 / output_size as f32
    };
    let offset = if mode.half_pixel_centers { 0.5f32 } else { 0.0 };
    let point = (out as f32 + offset) * scale;
    // Float to int as C++'s cast: toward zero (the values are small and not negative).
    let value = if mode.align_corners {
        point.round()
    } else {
        point.floor()
    } as i64;
    // The upper clamp first, then (with half-pixel centres) the lower one, as TFLM.
    value.min(input_size as i64 - 1).max(0) as usize
}

impl Operator for ResizeNearestNeighbor {
    const NAMES: &'static [&'static str] = &["RESIZE_NEAREST_NEIGHBOR"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options = cx.options::<ResizeNearestNeighborOptions>()?;
        // TFLM takes every combination, including both options set.
        let mode = Mode {
            align_corners: options.and_then(|o| o.align_corners()).unwrap_or(false),
            half_pixel_centers: options
                .and_then(|o| o.half_pixel_centers())
                .unwrap_or(false),
        };
        let r = check_resize(cx, true)?;
        let [n, h, w, c] = r.input_shape;
        let [out_h, out_w] = r.size;
        let mut offsets: Vec<usize> = (0..n).map(|b| b * h * w * c).collect();
        offsets.extend((0..out_h).map(|y| nearest(y, h, out_h, mode) * w * c));
        offsets.extend((0..out_w).map(|x| nearest(x, w, out_w, mode) * c));
        offsets.extend(0..c);
        Ok(ResizeNearestNeighbor {
            precision: r.precision,
            input: r.input,
            output: r.output,
            output_shape: [n, out_h, out_w, c],
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

/// The two input coordinates one output coordinate blends, as offsets, and the second one's
/// weight.
#[derive(Clone, Debug, PartialEq)]
struct Taps<W> {
    offsets: Vec<[usize; 2]>,
    fractions: Vec<W>,
}

/// TFLM's `ComputeInterpolationValuesInteger` for every output coordinate along an axis:
/// the sample point in 1/1024 of an input pixel, its two input coordinates and the second one's
/// weight. `Err` where TFLM's int32 arithmetic would overflow or read outside the input.
fn integer_taps(
    input_size: usize,
    output_size: usize,
    stride: usize,
    mode: Mode,
) -> Result<Taps<i32>, String> {
    // TFLM computes in int32; i128 here, checked to fit, is exact for any shape.
    let (input, output) = (input_size as i128, output_size as i128);
    let fits = |v: i128| i32::try_from(v).is_ok();
    let overflow = || {
        format!(
            "resizing {input_size} to {output_size} overflows TFLM's 32-bit fixed-point arithmetic"
        )
    };
    let (numerator, denominator) = if mode.align_corners && output > 1 {
        (1024 * (input - 1) + (output - 1) / 2, output - 1)
    } else {
        (1024 * input + output / 2, output)
    };
    if !fits(numerator) {
        return Err(overflow());
    }
    let scale = numerator / denominator;
    let mut taps = Taps {
        offsets: Vec::with_capacity(output_size),
        fractions: Vec::with_capacity(output_size),
    };
    for out in 0..output {
        let point = if mode.half_pixel_centers {
            out * scale + scale / 2 - 512
        } else {
            out * scale
        };
        if !fits(out * scale) || !fits(point) || !fits(point + 1023) {
            return Err(overflow());
        }
        // Division truncates toward zero, as C++'s.
        let lower = (point / 1024).max(0);
        let upper = ((point + 1023) / 1024).min(input - 1);
        let fraction = point - 1024 * lower;
        if !(0..input).contains(&lower)
            || !(0..input).contains(&upper)
            || !(-1024..=1024).contains(&fraction)
        {
            return Err(format!(
                "resizing {input_size} to {output_size}: output {out} samples input {lower}..{upper}, outside the input (TFLM would read out of bounds)"
            ));
        }
        taps.offsets
            .push([lower as usize * stride, upper as usize * stride]);
        taps.fractions.push(fraction as i32);
    }
    Ok(taps)
}

/// TFLM's float `ComputeInterpolationValues` for every output coordinate along an axis.
fn float_taps(
    input_size: usize,
    output_size: usize,
    stride: usize,
    mode: Mode,
) -> Result<Taps<f32>, String> {
    let scale = if mode.align_corners && output_size > 1 {
        (input_size - 1) as f32 / (output_size - 1) as f32
    } else {
        input_size as f32 / output_size as f32
    };
    let mut taps = Taps {
        offsets: Vec::with_capacity(output_size),
        fractions: Vec::with_capacity(output_size),
    };
    for out in 0..output_size {
        let point = if mode.half_pixel_centers {
            (out as f32 + 0.5) * scale - 0.5
        } else {
            out as f32 * scale
        };
        let lower = (point.floor() as i64).max(0);
        let upper = (point.ceil() as i64).min(input_size as i64 - 1);
        if !(0..input_size as i64).contains(&lower) || !(0..input_size as i64).contains(&upper) {
            return Err(format!(
                "resizing {input_size} to {output_size}: output {out} samples input {lower}..{upper}, outside the input"
            ));
        }
        taps.offsets
            .push([lower as usize * stride, upper as usize * stride]);
        taps.fractions.push(point - lower as f32);
    }
    Ok(taps)
}

/// A checked RESIZE_BILINEAR.
#[derive(Clone, Debug, PartialEq)]
pub struct ResizeBilinear {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// Values per input image.
    pub input_image: usize,
    /// Channels.
    pub depth: usize,
    /// Input rows per output row: offsets (fractions for int8 in 1/1024).
    rows: BilinearTaps,
    /// Input columns per output column.
    columns: BilinearTaps,
}

/// The taps of one axis in the kernel's number type.
#[derive(Clone, Debug, PartialEq)]
enum BilinearTaps {
    Int8(Taps<i32>),
    Float32(Taps<f32>),
}

impl Operator for ResizeBilinear {
    const NAMES: &'static [&'static str] = &["RESIZE_BILINEAR"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options = cx.options::<ResizeBilinearOptions>()?;
        let mode = Mode {
            align_corners: options.and_then(|o| o.align_corners()).unwrap_or(false),
            half_pixel_centers: options
                .and_then(|o| o.half_pixel_centers())
                .unwrap_or(false),
        };
        if mode.align_corners && mode.half_pixel_centers {
            return Err(cx.error(
                "align_corners and half_pixel_centers are both set; TFLM takes at most one of them",
            ));
        }
        let r = check_resize(cx, false)?;
        let [_, h, w, c] = r.input_shape;
        let [out_h, out_w] = r.size;
        let (rows, columns) = match r.precision {
            Precision::Int16 => {
                return Err(cx.error(super::check::NO_INT16X8_KERNEL));
            }
            Precision::Int8 => (
                BilinearTaps::Int8(integer_taps(h, out_h, w * c, mode).map_err(|e| cx.error(e))?),
                BilinearTaps::Int8(integer_taps(w, out_w, c, mode).map_err(|e| cx.error(e))?),
            ),
            Precision::Float32 => (
                BilinearTaps::Float32(float_taps(h, out_h, w * c, mode).map_err(|e| cx.error(e))?),
                BilinearTaps::Float32(float_taps(w, out_w, c, mode).map_err(|e| cx.error(e))?),
            ),
        };
        Ok(ResizeBilinear {
            precision: r.precision,
            input: r.input,
            output: r.output,
            input_image: h * w * c,
            depth: c,
            rows,
            columns,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        match (&self.rows, &self.columns) {
            (BilinearTaps::Int8(rows), BilinearTaps::Int8(columns)) => {
                let params = kernel::ResizeBilinearI8 {
                    input_image: self.input_image,
                    depth: self.depth,
                    row_offsets: Slice(rows.offsets.clone()),
                    row_fractions: Slice(rows.fractions.clone()),
                    column_offsets: Slice(columns.offsets.clone()),
                    column_fractions: Slice(columns.fractions.clone()),
                };
                cx.call(
                    &kernels::resize_bilinear_i8,
                    params,
                    &[self.input],
                    self.output,
                )
            }
            (BilinearTaps::Float32(rows), BilinearTaps::Float32(columns)) => {
                let params = kernel::ResizeBilinearF32 {
                    input_image: self.input_image,
                    depth: self.depth,
                    row_offsets: Slice(rows.offsets.clone()),
                    row_fractions: Slice(rows.fractions.clone()),
                    column_offsets: Slice(columns.offsets.clone()),
                    column_fractions: Slice(columns.fractions.clone()),
                };
                cx.call(
                    &kernels::resize_bilinear_f32,
                    params,
                    &[self.input],
                    self.output,
                )
            }
            _ => Err(cx.error("rows and columns in different number types (a bug in embedml)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Mode = Mode {
        align_corners: false,
        half_pixel_centers: false,
    };
    const ALIGN: Mode = Mode {
        align_corners: true,
        half_pixel_centers: false,
    };
    const HALF: Mode = Mode {
        align_corners: false,
        half_pixel_centers: true,
    };

    #[test]
    fn nearest_follows_tensorflow() {
        let map = |i, o, mode| (0..o).map(|x| nearest(x, i, o, mode)).collect::<Vec<_>>();
        assert_eq!(map(3, 6, PLAIN), [0, 0, 1, 1, 2, 2]);
        assert_eq!(map(3, 5, ALIGN), [0, 1, 1, 2, 2]);
        assert_eq!(map(3, 5, HALF), [0, 0, 1, 2, 2]);
        assert_eq!(map(4, 2, HALF), [1, 3]);
    }

    #[test]
    fn integer_taps_in_tenths_of_a_pixel() {
        // 2x upsampling with half-pixel centres: samples at -0.25, 0.25, 0.75, ...
        let taps = integer_taps(2, 4, 1, HALF).unwrap();
        assert_eq!(taps.offsets, [[0, 0], [0, 1], [0, 1], [1, 1]]);
        assert_eq!(taps.fractions, [-256, 256, 768, 256]);
        let taps = integer_taps(3, 5, 10, ALIGN).unwrap();
        assert_eq!(taps.offsets[1], [0, 10]);
        assert_eq!(taps.fractions[1], 512);
    }

    #[test]
    fn float_taps_as_tflm() {
        let taps = float_taps(2, 4, 1, HALF).unwrap();
        assert_eq!(taps.offsets, [[0, 0], [0, 1], [0, 1], [1, 1]]);
        assert_eq!(taps.fractions, [-0.25, 0.25, 0.75, 0.25]);
    }
}
