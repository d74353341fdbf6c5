//! GATHER (rows picked by an index tensor) and the table-driven gather of MIRROR_PAD.
//!
//! Like the other data-movement kernels these only copy elements, so int8 quantization passes
//! through unchanged. Indices that fall outside a slice are never followed: a missing source
//! row is written as zeros instead of panicking.

use super::slices::{chunks_mut, copy, span};

/// GATHER along one axis, with TFLM's `batch_dims`: the input viewed as
/// `[batches, outer, axis_size, inner]`, the indices as `[batches, coords]`, the output as
/// `[batches, outer, coords, inner]`, and
/// `output[b, o, c, :] = input[b, o, indices[b, c], :]`.
#[derive(Clone, Copy, Debug)]
pub struct GatherAxis {
    /// Product of the leading dimensions the input and indices share (`batch_dims` of them).
    pub batches: usize,
    /// Product of the input's dimensions between the batch dimensions and the axis.
    pub outer: usize,
    /// The input's size along the gathered axis: the valid indices are `0..axis_size`.
    pub axis_size: usize,
    /// Indices per batch (the product of the index tensor's non-batch dimensions).
    pub coords: usize,
    /// Product of the input's dimensions after the axis: elements per gathered row.
    pub inner: usize,
}

/// int8 GATHER (see [`GatherAxis`]).
///
/// An index outside `0..axis_size` (TFLM only asserts it in debug builds and reads out of
/// bounds otherwise) gives a row of zeros.
pub fn gather_i8(p: &GatherAxis, input: &[i8], indices: &[i32], output: &mut [i8]) {
    gather_axis(p, input, indices, output, 0);
}

/// float32 GATHER (see [`GatherAxis`] and [`gather_i8`]).
pub fn gather_f32(p: &GatherAxis, input: &[f32], indices: &[i32], output: &mut [f32]) {
    gather_axis(p, input, indices, output, 0.0);
}

fn gather_axis<T: Copy>(p: &GatherAxis, input: &[T], indices: &[i32], output: &mut [T], zero: T) {
    let mut rows = chunks_mut(output, p.inner);
    for batch in 0..p.batches {
        let batch_indices = span(indices, batch.wrapping_mul(p.coords), p.coords);
        for outer in 0..p.outer {
            // Index arithmetic wraps (see `slices::volume`); a wrapped start fails `span`.
            let block = batch.wrapping_mul(p.outer).wrapping_add(outer);
            let base = block.wrapping_mul(p.axis_size);
            for c in 0..p.coords {
                let Some(row) = rows.next() else { return };
                let source = batch_indices
                    .get(c)
                    .and_then(|&i| usize::try_from(i).ok())
                    .filter(|&i| i < p.axis_size)
                    .map(|i| span(input, base.wrapping_add(i).wrapping_mul(p.inner), p.inner))
                    .filter(|s| s.len() == row.len());
                match source {
                    Some(source) => copy(row, source),
                    None => row.fill(zero),
                }
            }
        }
    }
}

/// A separable gather over shapes padded to rank 4: output element `[o0, o1, o2, o3]`
/// (row-major over `output_shape`) is input element
/// `offsets[o0] + offsets[d0 + o1] + offsets[d0 + d1 + o2] + offsets[d0 + d1 + d2 + o3]`,
/// where `[d0, d1, d2, _] = output_shape`: one table of input offsets per dimension, laid end to
/// end. MIRROR_PAD lowers to it (each dimension's table reflects its coordinates back into the
/// input); any per-dimension index map does.
#[derive(Clone, Copy, Debug)]
pub struct Gather4Table<'a> {
    /// The output's dimensions, outermost first.
    pub output_shape: [usize; 4],
    /// The per-dimension input offsets (coordinate times input stride), `output_shape[0] +
    /// output_shape[1] + output_shape[2] + output_shape[3]` of them.
    pub offsets: &'a [usize],
}

/// int8 [`Gather4Table`]; an offset outside the input writes 0.
pub fn gather4_table_i8(p: &Gather4Table, input: &[i8], output: &mut [i8]) {
    gather4_table(p, input, output, 0);
}

/// int16 [`Gather4Table`] (RESIZE_NEAREST_NEIGHBOR); an offset outside the input writes 0.
pub fn gather4_table_i16(p: &Gather4Table, input: &[i16], output: &mut [i16]) {
    gather4_table(p, input, output, 0);
}

/// float32 [`Gather4Table`]; an offset outside the input writes 0.0.
pub fn gather4_table_f32(p: &Gather4Table, input: &[f32], output: &mut [f32]) {
    gather4_table(p, input, output, 0.0);
}

fn gather4_table<T: Copy>(p: &Gather4Table, input: &[T], output: &mut [T], zero: T) {
    let [d0, d1, d2, d3] = p.output_shape;
    let (t0, rest) = p.offsets.split_at_checked(d0).unwrap_or_default();
    let (t1, rest) = rest.split_at_checked(d1).unwrap_or_default();
    let (t2, rest) = rest.split_at_checked(d2).unwrap_or_default();
    let t3 = rest.get(..d3).unwrap_or_default();
    let mut rows = chunks_mut(output, d3);
    for &a in t0 {
        for &b in t1 {
            let ab = a.wrapping_add(b);
            for &c in t2 {
                let abc = ab.wrapping_add(c);
                let Some(row) = rows.next() else { return };
                for (o, &d) in row.iter_mut().zip(t3) {
                    *o = input.get(abc.wrapping_add(d)).copied().unwrap_or(zero);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_along_an_axis() {
        // Input [2, 3, 2] = 0..12, gather along axis 1 with indices [2, 0, 2, 7].
        let input: [i8; 12] = core::array::from_fn(|i| i as i8);
        let p = GatherAxis {
            batches: 1,
            outer: 2,
            axis_size: 3,
            coords: 4,
            inner: 2,
        };
        let mut out = [9i8; 16];
        gather_i8(&p, &input, &[2, 0, 2, 7], &mut out);
        assert_eq!(out, [4, 5, 0, 1, 4, 5, 0, 0, 10, 11, 6, 7, 10, 11, 0, 0]);
    }

    #[test]
    fn gathers_per_batch_indices() {
        // batch_dims 1: input [2, 3], indices [[1], [2]].
        let input = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0];
        let p = GatherAxis {
            batches: 2,
            outer: 1,
            axis_size: 3,
            coords: 1,
            inner: 1,
        };
        let mut out = [0.0f32; 2];
        gather_f32(&p, &input, &[1, 2], &mut out);
        assert_eq!(out, [1.0, 5.0]);
    }

    #[test]
    fn table_gather_reflects() {
        // [1, 1, 1, 3] reflected by 2 on each side: offsets [0], [0], [0], [2, 1, 0, 1, 2, 1, 0].
        let offsets = [0, 0, 0, 2, 1, 0, 1, 2, 1, 0];
        let p = Gather4Table {
            output_shape: [1, 1, 1, 7],
            offsets: &offsets,
        };
        let mut out = [0i8; 7];
        gather4_table_i8(&p, &[10, 20, 30], &mut out);
        assert_eq!(out, [30, 20, 10, 20, 30, 20, 10]);
    }

    #[test]
    fn short_tables_and_slices_do_not_panic() {
        let p = Gather4Table {
            output_shape: [2, 2, 2, 2],
            offsets: &[0, 1],
        };
        let mut out = [5f32; 16];
        gather4_table_f32(&p, &[1.0], &mut out);
        let q = GatherAxis {
            batches: usize::MAX,
            outer: usize::MAX,
            axis_size: usize::MAX,
            coords: usize::MAX,
            inner: usize::MAX,
        };
        gather_f32(&q, &[1.0], &[0], &mut out);
    }
}
