//! GATHER: rows of the input (int8 or float32, constant or computed) picked along one axis by
//! an INT32 index tensor (constant or computed), with TFLM's `batch_dims`.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::shape::axis;
use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of GATHER.
    GatherOptions = 23 {
        /// The gathered axis of the input (negative: from the end).
        axis: i32 = 0,
        /// Leading dimensions the input and indices share (negative: from the indices' end).
        batch_dims: i32 = 1,
    }
);

/// A checked GATHER.
#[derive(Clone, Debug, PartialEq)]
pub struct GatherAxis {
    /// Number type.
    pub precision: Precision,
    /// Input (the gathered tensor).
    pub input: usize,
    /// The INT32 indices.
    pub indices: usize,
    /// Output.
    pub output: usize,
    /// The kernel's view of the shapes.
    pub params: kernel::GatherAxis,
}

impl Operator for GatherAxis {
    const NAMES: &'static [&'static str] = &["GATHER"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options: Option<GatherOptions> = cx.options()?;
        let raw_axis = options.as_ref().and_then(|o| o.axis()).unwrap_or(0);
        let raw_batch_dims = options.as_ref().and_then(|o| o.batch_dims()).unwrap_or(0);
        let input = cx.input(0, "input")?;
        let indices = cx.input(1, "indices")?;
        let output = cx.output()?;
        let (i, o, k) = (cx.tensor(input), cx.tensor(output), cx.tensor(indices));
        let precision = match (i.element_type, o.element_type) {
            (ElementType::Int8, ElementType::Int8) => Precision::Int8,
            (ElementType::Float32, ElementType::Float32) => Precision::Float32,
            (a, b) => {
                return Err(cx.error(format!(
                    "{} input with {} output is not supported (TFLM gathers INT8 or FLOAT32, \
                     output of the input's type)",
                    a.name(),
                    b.name()
                )));
            }
        };
        // The gathered tensor may be a constant (an embedding table): the kernel reads it from
        // flash like weights.
        if precision == Precision::Int8 {
            cx.per_tensor_quantized(i)?;
            cx.per_tensor_quantized(o)?;
            // The output may be quantized otherwise: TFLM copies raw values.
        }
        if k.element_type != ElementType::Int32 {
            return Err(cx.tensor_error(
                k,
                format!(
                    "the indices are {}; TFLM gathers with INT32 indices only",
                    k.element_type.name()
                ),
            ));
        }
        let (shape, index_shape) = (&i.shape, &k.shape);
        let gathered = axis(raw_axis.into(), shape.len())
            .ok_or_else(|| cx.error(format!("axis {raw_axis} is outside rank {}", shape.len())))?;
        let batch_dims = if raw_batch_dims < 0 {
            i64::from(raw_batch_dims) + index_shape.len() as i64
        } else {
            raw_batch_dims.into()
        };
        let batch_dims = usize::try_from(batch_dims)
            .ok()
            .filter(|&b| b <= gathered && b < shape.len() && b <= index_shape.len())
            .ok_or_else(|| {
                cx.error(format!(
                    "batch_dims {raw_batch_dims} does not fit axis {gathered}, input rank {} \
                     and indices rank {}",
                    shape.len(),
                    index_shape.len()
                ))
            })?;
        if shape[..batch_dims] != index_shape[..batch_dims] {
            return Err(cx.error(format!(
                "the first {batch_dims} dimensions of input {shape:?} and indices \
                 {index_shape:?} differ"
            )));
        }
        let expected: Vec<usize> = shape[..gathered]
            .iter()
            .chain(&index_shape[batch_dims..])
            .chain(&shape[gathered + 1..])
            .copied()
            .collect();
        if o.shape != expected {
            return Err(cx.error(format!(
                "output shape {:?} is not the gathered shape {expected:?}",
                o.shape
            )));
        }
        let axis_size = shape[gathered];
        // TFLM only asserts the indices in debug builds; a constant one out of range would read
        // outside the input there, so embedml refuses it. Indices computed at run time are
        // checked by the kernel (a row of zeros for one out of range).
        if k.data.is_some()
            && let Some(bad) = k
                .i32s()
                .into_iter()
                .find(|&x| !(0..axis_size as i64).contains(&x.into()))
        {
            return Err(cx.tensor_error(
                k,
                format!("index {bad} is outside 0..{axis_size} along axis {gathered}"),
            ));
        }
        let params = kernel::GatherAxis {
            batches: shape[..batch_dims].iter().product(),
            outer: shape[batch_dims..gathered].iter().product(),
            axis_size,
            coords: index_shape[batch_dims..].iter().product(),
            inner: shape[gathered + 1..].iter().product(),
        };
        Ok(GatherAxis {
            precision,
            input,
            indices,
            output,
            params,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        let kernel = match self.precision {
            Precision::Int16 => return Err(cx.error(super::check::NO_INT16X8_KERNEL)),
            Precision::Int8 => &kernels::gather_i8,
            Precision::Float32 => &kernels::gather_f32,
        };
        cx.call(
            kernel,
            self.params.clone(),
            &[self.input, self.indices],
            self.output,
        )
    }
}
