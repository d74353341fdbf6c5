//! AVERAGE_POOL_2D and MAX_POOL_2D: int8 and float32.

use crate::error::Error;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::quant::{self, Activation};
use crate::tflite::options_table;

use super::{Check, Geometry, Lower, Operator, Precision, options, window};

options_table!(
    /// Options of AVERAGE_POOL_2D and MAX_POOL_2D.
    Pool2DOptions = 5 {
        /// 0 = SAME, 1 = VALID.
        padding: i8 = 0,
        /// Column stride.
        stride_w: i32 = 1,
        /// Row stride.
        stride_h: i32 = 2,
        /// Window columns.
        filter_width: i32 = 3,
        /// Window rows.
        filter_height: i32 = 4,
        /// Fused activation.
        fused_activation_function: i8 = 5,
    }
);

/// A pooling window's reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// AVERAGE_POOL_2D.
    Average,
    /// MAX_POOL_2D.
    Max,
}

/// A checked AVERAGE_POOL_2D or MAX_POOL_2D.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    /// Average or max.
    pub kind: PoolKind,
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// Shapes, window, strides, padding (dilation 1).
    pub geometry: Geometry,
    /// Fused activation.
    pub activation: Activation,
}

impl Operator for Pool {
    const NAMES: &'static [&'static str] = &["AVERAGE_POOL_2D", "MAX_POOL_2D"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let kind = if cx.op.name == "AVERAGE_POOL_2D" {
            PoolKind::Average
        } else {
            PoolKind::Max
        };
        let o: Pool2DOptions = cx.required_options()?;
        let read = || -> Result<_, String> {
            Ok((
                options::padding(o.padding())?,
                [
                    options::positive("stride_h", o.stride_h())?,
                    options::positive("stride_w", o.stride_w())?,
                ],
                [
                    options::positive("filter_height", o.filter_height())?,
                    options::positive("filter_width", o.filter_width())?,
                ],
                options::activation(o.fused_activation_function())?,
            ))
        };
        let (padding, stride, filter, activation) = read().map_err(|e| cx.error(e))?;
        let input = cx.input(0, "input")?;
        let output = cx.output()?;
        let precision = cx.precision_int16x8(input, output)?;
        if precision != Precision::Float32 {
            // TFLM's Prepare: equal zero points, scales within 1e-6 (their float difference); the
            // kernel copies or averages raw values and clamps to the output's activation range.
            let scale_diff = f64::from((cx.scale(input) - cx.scale(output)).abs());
            if scale_diff > 1e-6 || cx.zero_point(input) != cx.zero_point(output) {
                return Err(cx.tensor_error(
                    cx.tensor(output),
                    format!(
                        "the output's {} differ from the input's {}; TFLM needs equal zero \
                         points and scales within 1e-6",
                        super::check::describe_quantization(cx.tensor(output)),
                        super::check::describe_quantization(cx.tensor(input))
                    ),
                ));
            }
        }
        let (i, o) = (&cx.tensor(input).shape, &cx.tensor(output).shape);
        let ([n, h, w, c], [on, oh, ow, oc]) = (cx.rank4(input)?, cx.rank4(output)?);
        let (pad_h, expect_h) = window(padding, h, filter[0], stride[0], 1);
        let (pad_w, expect_w) = window(padding, w, filter[1], stride[1], 1);
        if (on, oh, ow, oc) != (n, expect_h, expect_w, c) {
            return Err(cx.error(format!(
                "output shape {o:?} does not match input {i:?}, window and strides (expected [{n}, {expect_h}, {expect_w}, {c}])"
            )));
        }
        options::tflm_padding([pad_h, pad_w]).map_err(|e| cx.error(e))?;
        Ok(Pool {
            kind,
            precision,
            input,
            output,
            geometry: Geometry {
                input: [h, w, c],
                output: [oh, ow, oc],
                filter,
                stride,
                dilation: [1, 1],
                padding: [pad_h, pad_w],
            },
            activation,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let g = &self.geometry;
        let geometry = kernel::Pool2dGeometry {
            input_height: g.input[0],
            input_width: g.input[1],
            depth: g.input[2],
            output_height: g.output[0],
            output_width: g.output[1],
            filter_height: g.filter[0],
            filter_width: g.filter[1],
            stride_height: g.stride[0],
            stride_width: g.stride[1],
            padding_height: g.padding[0],
            padding_width: g.padding[1],
        };
        let (input, output) = (self.input, self.output);
        match self.precision {
            Precision::Int8 => {
                let (output_min, output_max) = cx.int8_range(output, self.activation);
                let params = kernel::Pool2dI8 {
                    geometry,
                    output_min,
                    output_max,
                };
                let kernel = match self.kind {
                    PoolKind::Average => &kernels::average_pool2d_i8,
                    PoolKind::Max => &kernels::max_pool2d_i8,
                };
                cx.call(kernel, params, &[input], output)
            }
            Precision::Int16 => {
                let (output_min, output_max) = crate::quant::int16::activation_range_i16(
                    self.activation,
                    cx.scale(output),
                    cx.zero_point(output),
                );
                let params = kernel::Pool2dI8 {
                    geometry,
                    output_min,
                    output_max,
                };
                let kernel = match self.kind {
                    PoolKind::Average => &kernels::average_pool2d_i16,
                    PoolKind::Max => &kernels::max_pool2d_i16,
                };
                cx.call(kernel, params, &[input], output)
            }
            Precision::Float32 => {
                let (output_min, output_max) = quant::activation_range_f32(self.activation);
                let params = kernel::Pool2dF32 {
                    geometry,
                    output_min,
                    output_max,
                };
                let kernel = match self.kind {
                    PoolKind::Average => &kernels::average_pool2d_f32,
                    PoolKind::Max => &kernels::max_pool2d_f32,
                };
                cx.call(kernel, params, &[input], output)
            }
        }
    }
}
