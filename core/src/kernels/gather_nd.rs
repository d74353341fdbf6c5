//! GATHER_ND: slices of the input picked by index tuples (TFLM's `GatherNd`).

use super::slices::{chunks_mut, copy, span};

/// GATHER_ND's shapes: `slices` slices of `slice_size` elements each, the slice `i` starting at
/// `sum(indices[i * index_depth + j] * strides[j])` in the input.
#[derive(Clone, Copy, Debug)]
pub struct GatherNd {
    /// Number of slices gathered (the product of the indices' dimensions but the last).
    pub slices: usize,
    /// Index values per slice (the indices' last dimension), at most 5.
    pub index_depth: usize,
    /// Elements per slice (the product of the input's dimensions after the indexed ones).
    pub slice_size: usize,
    /// The input's stride of each indexed dimension (`index_depth` of them used).
    pub strides: [i32; 5],
}

/// [`gather_nd_i8`] for any element type.
fn gather_nd<T: Copy>(p: &GatherNd, input: &[T], indices: &[i32], output: &mut [T], zero: T) {
    let strides = p.strides.get(..p.index_depth).unwrap_or(&p.strides);
    let mut rows = chunks_mut(output, p.slice_size);
    for slice in 0..p.slices {
        let Some(row) = rows.next() else { return };
        let index = span(indices, slice.wrapping_mul(p.index_depth), p.index_depth);
        let start = index
            .iter()
            .zip(strides)
            .fold(0i32, |pos, (&i, &s)| pos.wrapping_add(i.wrapping_mul(s)));
        let source = usize::try_from(start)
            .ok()
            .filter(|&s| {
                s.checked_add(p.slice_size)
                    .is_some_and(|end| end <= input.len())
            })
            .map(|s| span(input, s, p.slice_size))
            .filter(|s| s.len() == row.len() && index.len() == strides.len());
        match source {
            Some(source) => copy(row, source),
            None => row.fill(zero),
        }
    }
}

/// int8 GATHER_ND as TFLM's kernel: each slice's start is summed in `i32`
/// (wrapping) from its index values and the strides, and the slice copied if it lies inside the
/// input. TFLM checks only that (not each index against its dimension), and fails the invocation
/// for a slice outside the input; here that slice is written as zeros and the rest go on (a
/// kernel cannot fail). Nothing is read out of bounds.
pub fn gather_nd_i8(p: &GatherNd, input: &[i8], indices: &[i32], output: &mut [i8]) {
    gather_nd(p, input, indices, output, 0);
}

/// float32 GATHER_ND (see [`gather_nd_i8`]).
pub fn gather_nd_f32(p: &GatherNd, input: &[f32], indices: &[i32], output: &mut [f32]) {
    gather_nd(p, input, indices, output, 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_nd_copies_slices_and_zeroes_outside() {
        // Input [3, 2]; indices [[2], [0], [3]]: rows 2, 0, then one outside.
        let p = GatherNd {
            slices: 3,
            index_depth: 1,
            slice_size: 2,
            strides: [2, 0, 0, 0, 0],
        };
        let mut out = [9i8; 6];
        gather_nd_i8(&p, &[0, 1, 2, 3, 4, 5], &[2, 0, 3], &mut out);
        assert_eq!(out, [4, 5, 0, 1, 0, 0]);
        // Single elements of [2, 2]; [0, 3] is in bounds as a flat position (TFLM's check).
        let q = GatherNd {
            slices: 2,
            index_depth: 2,
            slice_size: 1,
            strides: [2, 1, 0, 0, 0],
        };
        let mut out = [0.0f32; 2];
        gather_nd_f32(&q, &[0.0, 1.0, 2.0, 3.0], &[1, 1, 0, 3], &mut out);
        assert_eq!(out, [3.0, 3.0]);
    }
}
