//! Checks of the pooling, element-wise, quantization and data-movement ops.

use super::{
    BinaryKind, Broadcast, Checker, Geometry, PoolKind, Precision, Step, UnaryKind, op_tensor,
    window,
};
use crate::error::Error;
use crate::ir::{ElementType, Pool2d, StridedSlice};
use crate::quant::Activation;

/// The largest rank the data-movement kernels index (shapes are padded to it with leading 1s).
const MAX_RANK: usize = 4;

/// Row-major strides of a shape.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// `values` padded at the front with `fill` to rank 4.
fn pad4<T: Copy>(values: &[T], fill: T) -> [T; 4] {
    let mut out = [fill; 4];
    let skip = MAX_RANK - values.len().min(MAX_RANK);
    out[skip..].copy_from_slice(&values[values.len().saturating_sub(MAX_RANK)..]);
    out
}

/// Normalizes a possibly negative axis of a rank-`rank` tensor.
fn axis(raw: i64, rank: usize) -> Option<usize> {
    let rank = i64::try_from(rank).ok()?;
    let axis = if raw < 0 { raw + rank } else { raw };
    usize::try_from(axis).ok().filter(|&a| (a as i64) < rank)
}

/// "scale S and zero point Z", or "no quantization".
fn describe_quantization(tensor: &crate::ir::Tensor) -> String {
    match tensor.scale_and_zero_point() {
        Some((scale, zero_point)) => format!("scale {scale} and zero point {zero_point}"),
        None => "no quantization".to_owned(),
    }
}

/// NumPy-style broadcasting of two shapes of rank at most 4, or `None` if they do not broadcast.
pub fn broadcast4(shape1: &[usize], shape2: &[usize]) -> Option<Broadcast> {
    if shape1.len() > MAX_RANK || shape2.len() > MAX_RANK {
        return None;
    }
    let (a, b) = (pad4(shape1, 1), pad4(shape2, 1));
    let (sa, sb) = (strides(&a), strides(&b));
    let mut broadcast = Broadcast {
        output_shape: [1; 4],
        input1_strides: [0; 4],
        input2_strides: [0; 4],
    };
    for d in 0..MAX_RANK {
        if a[d] != b[d] && a[d] != 1 && b[d] != 1 {
            return None;
        }
        broadcast.output_shape[d] = a[d].max(b[d]);
        broadcast.input1_strides[d] = if a[d] == 1 { 0 } else { sa[d] };
        broadcast.input2_strides[d] = if b[d] == 1 { 0 } else { sb[d] };
    }
    Some(broadcast)
}

impl Checker<'_, '_> {
    /// The input and output of a data-movement op must have the same quantization, since the
    /// kernel copies bytes.
    fn same_quantization(&self, input: usize, output: usize) -> Result<(), Error> {
        let (i, o) = (self.tensor(input), self.tensor(output));
        if i.element_type == ElementType::Int8
            && i.scale_and_zero_point() != o.scale_and_zero_point()
        {
            return Err(op_tensor(
                self.op,
                o,
                format!(
                    "the output's {} differ from the input's {}; embedml needs them equal here",
                    describe_quantization(o),
                    describe_quantization(i)
                ),
            ));
        }
        Ok(())
    }

    fn rank_at_most_4(&self, t: usize) -> Result<(), Error> {
        let tensor = self.tensor(t);
        if tensor.shape.len() > MAX_RANK {
            return Err(op_tensor(
                self.op,
                tensor,
                format!("has rank {}; at most 4 is supported", tensor.shape.len()),
            ));
        }
        Ok(())
    }

    /// A constant index vector (int32 or int64) at input `i`.
    fn indices(&self, i: usize, what: &str) -> Result<Vec<i64>, Error> {
        let t = self.input(i, what)?;
        self.tensor(t).indices().ok_or_else(|| {
            op_tensor(
                self.op,
                self.tensor(t),
                format!("the {what} must be a constant INT32 or INT64 tensor"),
            )
        })
    }

    pub(super) fn pool(&self, kind: PoolKind, pool: Pool2d) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.same_quantization(input, output)?;
        let (i, o) = (&self.tensor(input).shape, &self.tensor(output).shape);
        let ([n, h, w, c], [on, oh, ow, oc]) = (self.rank4(input)?, self.rank4(output)?);
        let (pad_h, expect_h) = window(pool.padding, h, pool.filter[0], pool.stride[0], 1);
        let (pad_w, expect_w) = window(pool.padding, w, pool.filter[1], pool.stride[1], 1);
        if (on, oh, ow, oc) != (n, expect_h, expect_w, c) {
            return Err(self.error(format!(
                "output shape {o:?} does not match input {i:?}, window and strides (expected [{n}, {expect_h}, {expect_w}, {c}])"
            )));
        }
        self.tflm_padding([pad_h, pad_w])?;
        let geometry = Geometry {
            input: [h, w, c],
            output: [oh, ow, oc],
            filter: pool.filter,
            stride: pool.stride,
            dilation: [1, 1],
            padding: [pad_h, pad_w],
        };
        Ok(Step::Pool {
            kind,
            precision,
            input,
            output,
            geometry,
            activation: pool.activation,
        })
    }

    pub(super) fn binary(&self, kind: BinaryKind, activation: Activation) -> Result<Step, Error> {
        let input1 = self.input(0, "first input")?;
        let input2 = self.input(1, "second input")?;
        let output = self.output()?;
        let types = [input1, input2, output].map(|t| self.tensor(t).element_type);
        let precision = match types {
            [ElementType::Int8, ElementType::Int8, ElementType::Int8] => Precision::Int8,
            [
                ElementType::Float32,
                ElementType::Float32,
                ElementType::Float32,
            ] => Precision::Float32,
            [a, b, c] => {
                return Err(self.error(format!(
                    "{} and {} inputs with {} output are not supported (INT8 or FLOAT32 throughout)",
                    a.name(),
                    b.name(),
                    c.name()
                )));
            }
        };
        if self.tensor(input1).data.is_some() && self.tensor(input2).data.is_some() {
            return Err(self.error("both inputs are constant; nothing to compute at run time"));
        }
        for t in [input1, input2, output] {
            self.rank_at_most_4(t)?;
            if precision == Precision::Int8 {
                self.per_tensor_quantized(self.tensor(t))?;
            }
        }
        if precision == Precision::Int8 && matches!(kind, BinaryKind::Add | BinaryKind::Sub) {
            let scale = |t: usize| {
                self.tensor(t)
                    .scale_and_zero_point()
                    .map_or(1.0, |(s, _)| s)
            };
            let p =
                crate::quant::elementwise::add_params(scale(input1), scale(input2), scale(output));
            // TFLM requires every rescale to shrink (non-positive shifts); it refuses the rest.
            if p.input1_shift > 0 || p.input2_shift > 0 || p.output_shift > 0 {
                return Err(self.error("the output scale is too small for the input scales (TFLM refuses this ADD/SUB too)"));
            }
        }
        if precision == Precision::Int8 && matches!(kind, BinaryKind::Maximum | BinaryKind::Minimum)
        {
            self.same_quantization(input1, output)?;
            self.same_quantization(input2, output)?;
        }
        let (s1, s2, so) = (
            &self.tensor(input1).shape,
            &self.tensor(input2).shape,
            &self.tensor(output).shape,
        );
        let broadcast = broadcast4(s1, s2).filter(|b| pad4(so, 1) == b.output_shape);
        let Some(broadcast) = broadcast else {
            return Err(self.error(format!(
                "inputs {s1:?} and {s2:?} do not broadcast to the output {so:?}"
            )));
        };
        let broadcast = (s1 != s2).then_some(broadcast);
        Ok(Step::Binary {
            kind,
            precision,
            input1,
            input2,
            output,
            activation,
            broadcast,
        })
    }

    pub(super) fn unary(&self, kind: UnaryKind) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        if self.tensor(input).len() != self.tensor(output).len() {
            return Err(self.error("input and output differ in size"));
        }
        if precision == Precision::Int8 {
            self.int8_activation_output(kind, input, output)?;
        }
        Ok(Step::Unary {
            kind,
            precision,
            input,
            output,
        })
    }

    /// TFLM fixes the output quantization of some int8 activations, and refuses some scales.
    fn int8_activation_output(
        &self,
        kind: UnaryKind,
        input: usize,
        output: usize,
    ) -> Result<(), Error> {
        let o = self.tensor(output);
        let quantization = o.scale_and_zero_point();
        let scale = |t: usize| self.tensor(t).scale_and_zero_point().unwrap_or((1.0, 0));
        let fixed = match kind {
            UnaryKind::Logistic => Some((1.0 / 256.0, -128, "1/256")),
            UnaryKind::Tanh => Some((1.0 / 128.0, 0, "1/128")),
            _ => None,
        };
        if let Some((_, zero_point, text)) = fixed.filter(|&(s, z, _)| quantization != Some((s, z)))
        {
            return Err(op_tensor(
                self.op,
                o,
                format!(
                    "an INT8 output must have scale {text} and zero point {zero_point} (TFLM fixes them; this has {})",
                    describe_quantization(o)
                ),
            ));
        }
        if matches!(kind, UnaryKind::Logistic | UnaryKind::Tanh) && scale(input).0 < 2f32.powi(-28)
        {
            return Err(op_tensor(
                self.op,
                self.tensor(input),
                "the input scale is too small for TFLM's fixed-point activation",
            ));
        }
        if kind == UnaryKind::HardSwish {
            let (si, zi) = scale(input);
            let (so, zo) = scale(output);
            let args =
                crate::quant::activation::hard_swish_table_args(si, zi as i32, so, zo as i32);
            // TFLM refuses a hard swish whose output rescale would grow (a positive exponent).
            if args[5] > 0 {
                return Err(self.error("the output scale is too small for the input scale (TFLM refuses this HARD_SWISH too)"));
            }
        }
        Ok(())
    }

    pub(super) fn quantize(&self) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let (i, o) = (self.tensor(input), self.tensor(output));
        if i.len() != o.len() || i.data.is_some() {
            return Err(self.error("input and output must be activations of the same size"));
        }
        self.per_tensor_quantized(o)?;
        match (i.element_type, o.element_type) {
            (ElementType::Float32, ElementType::Int8) => Ok(Step::Quantize { input, output }),
            (ElementType::Int8, ElementType::Int8) => {
                self.per_tensor_quantized(i)?;
                Ok(Step::Requantize { input, output })
            }
            (a, b) => Err(self.error(format!(
                "{} to {} is not supported (FLOAT32 or INT8 to INT8)",
                a.name(),
                b.name()
            ))),
        }
    }

    pub(super) fn dequantize(&self) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let (i, o) = (self.tensor(input), self.tensor(output));
        if i.len() != o.len() || i.data.is_some() {
            return Err(self.error("input and output must be activations of the same size"));
        }
        if (i.element_type, o.element_type) != (ElementType::Int8, ElementType::Float32) {
            return Err(self.error(format!(
                "{} to {} is not supported (INT8 to FLOAT32)",
                i.element_type.name(),
                o.element_type.name()
            )));
        }
        self.per_tensor_quantized(i)?;
        Ok(Step::Dequantize { input, output })
    }

    pub(super) fn pad(&self) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.same_quantization(input, output)?;
        self.rank_at_most_4(input)?;
        let shape = &self.tensor(input).shape;
        let paddings = self.indices(1, "paddings")?;
        if paddings.len() != 2 * shape.len()
            || paddings.iter().any(|&p| !(0..=1 << 24).contains(&p))
        {
            return Err(self.error(format!(
                "paddings {paddings:?} do not fit input shape {shape:?}"
            )));
        }
        let before: Vec<usize> = paddings.iter().step_by(2).map(|&p| p as usize).collect();
        let out: Vec<usize> = shape
            .iter()
            .zip(paddings.chunks_exact(2))
            .map(|(&d, p)| d + p[0] as usize + p[1] as usize)
            .collect();
        if out != self.tensor(output).shape {
            return Err(self.error(format!(
                "output shape {:?} is not the padded input shape {out:?}",
                self.tensor(output).shape
            )));
        }
        Ok(Step::Pad {
            precision,
            input,
            output,
            input_shape: pad4(shape, 1),
            output_shape: pad4(&out, 1),
            before: pad4(&before, 0),
        })
    }

    pub(super) fn concatenation(
        &self,
        raw_axis: i32,
        activation: Activation,
    ) -> Result<Step, Error> {
        let output = self.output()?;
        if activation != Activation::None {
            return Err(self.error("a fused activation on CONCATENATION is not supported"));
        }
        let inputs: Vec<usize> = self.op.inputs.iter().flatten().copied().collect();
        if inputs.is_empty() || inputs.len() != self.op.inputs.len() {
            return Err(self.error("every input must be present"));
        }
        let out = self.tensor(output);
        let precision = match out.element_type {
            ElementType::Int8 => Precision::Int8,
            ElementType::Float32 => Precision::Float32,
            other => {
                return Err(self.error(format!(
                    "{} tensors are not supported (INT8 or FLOAT32)",
                    other.name()
                )));
            }
        };
        let rank = out.shape.len();
        let axis = axis(i64::from(raw_axis), rank)
            .ok_or_else(|| self.error(format!("axis {raw_axis} is outside rank {rank}")))?;
        let mut axis_total = 0;
        for &t in &inputs {
            let tensor = self.tensor(t);
            let fits = tensor.element_type == out.element_type
                && tensor.shape.len() == rank
                && tensor
                    .shape
                    .iter()
                    .zip(&out.shape)
                    .enumerate()
                    .all(|(d, (a, b))| d == axis || a == b);
            if !fits {
                return Err(op_tensor(
                    self.op,
                    tensor,
                    format!(
                        "shape {:?} does not fit output {:?} along axis {axis}",
                        tensor.shape, out.shape
                    ),
                ));
            }
            if precision == Precision::Int8 {
                self.per_tensor_quantized(tensor)?;
                self.same_quantization(t, output)?;
            }
            axis_total += tensor.shape[axis];
        }
        if axis_total != out.shape[axis] {
            return Err(self.error(format!(
                "inputs add up to {axis_total} along axis {axis}, the output has {}",
                out.shape[axis]
            )));
        }
        let outer = out.shape[..axis].iter().product();
        let sizes = inputs
            .iter()
            .map(|&t| self.tensor(t).shape[axis..].iter().product())
            .collect();
        Ok(Step::Concatenation {
            precision,
            inputs,
            output,
            outer,
            sizes,
        })
    }

    pub(super) fn mean(&self) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        let shape = &self.tensor(input).shape;
        let mut axes: Vec<usize> = Vec::new();
        for raw in self.indices(1, "axes")? {
            let a = axis(raw, shape.len())
                .ok_or_else(|| self.error(format!("axis {raw} is outside rank {}", shape.len())))?;
            if !axes.contains(&a) {
                axes.push(a);
            }
        }
        axes.sort_unstable();
        let (Some(&first), Some(&last)) = (axes.first(), axes.last()) else {
            return Err(self.error("no axes to reduce"));
        };
        if last - first + 1 != axes.len() {
            return Err(self.error(format!(
                "reducing non-adjacent axes {axes:?} is not supported"
            )));
        }
        let outer: usize = shape[..first].iter().product();
        let reduced: usize = shape[first..=last].iter().product();
        let inner: usize = shape[last + 1..].iter().product();
        if self.tensor(output).len() != outer * inner {
            return Err(self.error(format!(
                "output shape {:?} does not fit the reduction of {shape:?} over {axes:?}",
                self.tensor(output).shape
            )));
        }
        Ok(Step::Mean {
            precision,
            input,
            output,
            outer,
            reduced,
            inner,
        })
    }

    pub(super) fn transpose(&self) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.same_quantization(input, output)?;
        self.rank_at_most_4(input)?;
        let shape = &self.tensor(input).shape;
        let perm = self.indices(1, "permutation")?;
        let mut seen = vec![false; shape.len()];
        let perm: Option<Vec<usize>> = perm
            .iter()
            .map(|&p| axis(p, shape.len()).filter(|&a| !std::mem::replace(&mut seen[a], true)))
            .collect();
        let perm = perm.filter(|p| p.len() == shape.len()).ok_or_else(|| {
            self.error(format!("the permutation does not fit rank {}", shape.len()))
        })?;
        let in_strides = strides(shape);
        let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        if out_shape != self.tensor(output).shape {
            return Err(self.error(format!(
                "output shape {:?} is not the permuted input shape {out_shape:?}",
                self.tensor(output).shape
            )));
        }
        let out_strides: Vec<isize> = perm.iter().map(|&p| in_strides[p] as isize).collect();
        Ok(Step::Gather {
            precision,
            input,
            output,
            output_shape: pad4(&out_shape, 1),
            start: 0,
            strides: pad4(&out_strides, 0),
        })
    }

    pub(super) fn strided_slice(&self, slice: StridedSlice) -> Result<Step, Error> {
        let input = self.input(0, "input")?;
        let output = self.output()?;
        let precision = self.precision(input, output)?;
        self.same_quantization(input, output)?;
        self.rank_at_most_4(input)?;
        if slice.ellipsis_mask != 0 || slice.new_axis_mask != 0 {
            return Err(self.error("ellipsis and new-axis masks are not supported"));
        }
        let shape = &self.tensor(input).shape;
        let rank = shape.len();
        let (begin, end, stride) = (
            self.indices(1, "begin")?,
            self.indices(2, "end")?,
            self.indices(3, "strides")?,
        );
        if begin.len() != rank || end.len() != rank || stride.len() != rank || stride.contains(&0) {
            return Err(self.error(format!(
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
            let first = if bit(slice.begin_mask) && !bit(slice.shrink_axis_mask) {
                if s > 0 { 0 } else { dim - 1 }
            } else {
                clamp(wrap(begin[d]))
            };
            let stop = if bit(slice.shrink_axis_mask) {
                first + 1
            } else if bit(slice.end_mask) {
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
                return Err(
                    self.error(format!("dimension {d} starts at {first}, outside 0..{dim}"))
                );
            }
            start += first.max(0) as usize * in_strides[d];
            out_shape.push(count);
            out_strides.push(s as isize * in_strides[d] as isize);
            if !bit(slice.shrink_axis_mask) {
                kept.push(count);
            }
        }
        let out = &self.tensor(output).shape;
        if kept.iter().product::<usize>() != self.tensor(output).len()
            || kept
                .iter()
                .filter(|&&d| d != 1)
                .ne(out.iter().filter(|&&d| d != 1))
        {
            return Err(self.error(format!(
                "output shape {out:?} does not match the slice {kept:?}"
            )));
        }
        Ok(Step::Gather {
            precision,
            input,
            output,
            output_shape: pad4(&out_shape, 1),
            start,
            strides: pad4(&out_strides, 0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(strides(&[]), Vec::<usize>::new());
    }

    #[test]
    fn shapes_pad_to_rank_4_at_the_front() {
        assert_eq!(pad4(&[3, 4], 1), [1, 1, 3, 4]);
        assert_eq!(pad4(&[1, 2, 3, 4], 0), [1, 2, 3, 4]);
    }

    #[test]
    fn shapes_broadcast_like_numpy() {
        let b = broadcast4(&[1, 4, 4, 8], &[8]).unwrap();
        assert_eq!(b.output_shape, [1, 4, 4, 8]);
        assert_eq!(b.input1_strides, [0, 32, 8, 1]);
        assert_eq!(b.input2_strides, [0, 0, 0, 1]);
        let b = broadcast4(&[1, 4, 1, 1], &[1, 1, 3, 2]).unwrap();
        assert_eq!(b.output_shape, [1, 4, 3, 2]);
        assert_eq!(
            (b.input1_strides, b.input2_strides),
            ([0, 1, 0, 0], [0, 0, 2, 1])
        );
        assert!(broadcast4(&[2, 3], &[3, 3]).is_none());
        assert!(broadcast4(&[1, 1, 1, 1, 2], &[2]).is_none());
    }

    #[test]
    fn axes_wrap_from_the_end() {
        assert_eq!(axis(-1, 4), Some(3));
        assert_eq!(axis(4, 4), None);
        assert_eq!(axis(-5, 4), None);
    }
}
