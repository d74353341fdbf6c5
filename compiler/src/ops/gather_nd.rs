//! GATHER_ND: slices of the input (int8 or float32, constant or computed) picked by INT32 index
//! tuples (constant or computed), as TFLM's `GatherNd`.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::{Check, Lower, Operator, Precision};

/// TFLM's `MAX_INDICES_ND`: the longest index tuple.
const MAX_INDEX_DEPTH: usize = 5;

/// A checked GATHER_ND.
#[derive(Clone, Debug, PartialEq)]
pub struct GatherNd {
    /// Number type.
    pub precision: Precision,
    /// Input (the gathered tensor, TFLM's `params`).
    pub input: usize,
    /// The INT32 indices.
    pub indices: usize,
    /// Output.
    pub output: usize,
    /// The kernel's view of the shapes.
    pub params: kernel::GatherNd,
}

impl Operator for GatherNd {
    const NAMES: &'static [&'static str] = &["GATHER_ND"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let input = cx.input(0, "params")?;
        let indices = cx.input(1, "indices")?;
        let output = cx.output()?;
        let (i, k, o) = (cx.tensor(input), cx.tensor(indices), cx.tensor(output));
        let precision = match (i.element_type, o.element_type) {
            (ElementType::Int8, ElementType::Int8) => Precision::Int8,
            (ElementType::Float32, ElementType::Float32) => Precision::Float32,
            (a, b) => {
                return Err(cx.error(format!(
                    "{} params with {} output are not supported (TFLM's GATHER_ND takes INT8 \
                     or FLOAT32 params, output of their type)",
                    a.name(),
                    b.name()
                )));
            }
        };
        if precision == Precision::Int8 {
            cx.per_tensor_quantized(i)?;
            cx.per_tensor_quantized(o)?;
            cx.same_quantization(input, output)?;
        }
        if k.element_type != ElementType::Int32 {
            return Err(cx.tensor_error(
                k,
                format!(
                    "the indices are {}; TFLM's GATHER_ND takes INT32 indices only",
                    k.element_type.name()
                ),
            ));
        }
        let (shape, index_shape) = (&i.shape, &k.shape);
        if shape.is_empty() || index_shape.is_empty() {
            return Err(
                cx.error("params and indices must each be at least a vector (TFLM's GATHER_ND)")
            );
        }
        let depth = index_shape[index_shape.len() - 1];
        if depth > shape.len() || depth > MAX_INDEX_DEPTH {
            return Err(cx.error(format!(
                "index tuples of {depth} values do not fit params of rank {} (TFLM takes at \
                 most the params' rank, and at most {MAX_INDEX_DEPTH})",
                shape.len()
            )));
        }
        let expected: Vec<usize> = index_shape[..index_shape.len() - 1]
            .iter()
            .chain(&shape[depth..])
            .copied()
            .collect();
        if o.shape != expected {
            return Err(cx.error(format!(
                "output shape {:?} is not the gathered shape {expected:?}",
                o.shape
            )));
        }
        let slice_size: usize = shape[depth..].iter().product();
        // TFLM's `dims_to_count`: the element stride of each indexed dimension (the tensors fit
        // in 2^31 bytes, so they fit an i32).
        let mut strides = [0i32; MAX_INDEX_DEPTH];
        for (d, stride) in strides.iter_mut().enumerate().take(depth) {
            *stride = shape[d + 1..].iter().product::<usize>() as i32;
        }
        let params = kernel::GatherNd {
            slices: index_shape[..index_shape.len() - 1].iter().product(),
            index_depth: depth,
            slice_size,
            strides,
        };
        // TFLM fails the invocation for a slice outside the params (it checks the slice's flat
        // position, not each index against its dimension): with constant indices it always
        // would, so refuse the model. Indices computed at run time are checked by the kernel.
        if k.data.is_some() {
            let len = i.len() as i64;
            for (n, tuple) in k.i32s().chunks(depth.max(1)).enumerate() {
                let start: i64 = tuple
                    .iter()
                    .zip(&strides)
                    .map(|(&x, &s)| i64::from(x) * i64::from(s))
                    .sum();
                // TFLM sums in `int`: a position past it is undefined there.
                if i32::try_from(start).is_err() {
                    return Err(cx.tensor_error(
                        k,
                        format!(
                            "index tuple {n} {tuple:?} overflows TFLM's int32 position in \
                             params {shape:?}"
                        ),
                    ));
                }
                if start < 0 || start + slice_size as i64 > len {
                    return Err(cx.tensor_error(
                        k,
                        format!(
                            "index tuple {n} {tuple:?} selects a slice outside params \
                             {shape:?} (TFLM fails at run time)"
                        ),
                    ));
                }
            }
        }
        Ok(GatherNd {
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
            Precision::Int8 => &kernels::gather_nd_i8,
            Precision::Float32 => &kernels::gather_nd_f32,
        };
        cx.call(
            kernel,
            self.params.clone(),
            &[self.input, self.indices],
            self.output,
        )
    }
}
