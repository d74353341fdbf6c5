//! Total slice walking for the kernels: rows and chunks of a slice, and sub-slices, that never
//! panic whatever the lengths (an out-of-bounds request gives fewer chunks or an empty slice), so
//! that a kernel given parameters that do not fit its slices has no panic path.

/// `slice.chunks_exact(len)`, but total: no chunks (rather than a panic) for a zero `len`.
///
/// The kernels use this and [`chunks_mut`] / [`rows`] instead of `chunks_exact` so that no panic
/// path is left for the optimiser to prove dead: `chunks_exact` asserts a non-zero length, and
/// `zip`ping two `ChunksExact` computes both lengths by dividing by the chunk length, in a
/// function LLVM does not always inline, where it cannot see the kernel's own zero check.
pub(super) fn chunks<T>(mut slice: &[T], len: usize) -> impl Iterator<Item = &[T]> {
    core::iter::from_fn(move || {
        if len == 0 {
            return None;
        }
        let (chunk, rest) = slice.split_at_checked(len)?;
        slice = rest;
        Some(chunk)
    })
}

/// `slice.chunks_exact_mut(len)`, but total: no chunks for a zero `len` (see [`chunks`]).
pub(super) fn chunks_mut<T>(mut slice: &mut [T], len: usize) -> impl Iterator<Item = &mut [T]> {
    core::iter::from_fn(move || {
        if len == 0 {
            return None;
        }
        let (chunk, rest) = core::mem::take(&mut slice).split_at_mut_checked(len)?;
        slice = rest;
        Some(chunk)
    })
}

/// Pairs of whole rows: `input` in rows of `input_len` with `output` in rows of `output_len`,
/// as many as both hold (none if either length is zero). See [`chunks`].
pub(super) fn rows<'a, T, U>(
    input: &'a [T],
    input_len: usize,
    output: &'a mut [U],
    output_len: usize,
) -> impl Iterator<Item = (&'a [T], &'a mut [U])> {
    chunks(input, input_len).zip(chunks_mut(output, output_len))
}

/// `iter.enumerate()` without a counter that can overflow. `Enumerate` increments its counter
/// with the caller's overflow checks, a panic path in a debug build that the optimiser cannot
/// remove where it cannot bound the iterator's length; a range's own counter stops at its end.
pub(super) fn enumerate<I: IntoIterator>(iter: I) -> impl Iterator<Item = (usize, I::Item)> {
    (0..usize::MAX).zip(iter)
}

/// The number of elements of a tensor of shape `[a, b, c]`, multiplied with wrapping: exact for
/// every tensor that fits in memory (a model's are at most 2^31 bytes), and no overflow trap in a
/// debug build for parameters whose product overflows. For those the kernels compute wrong
/// lengths, but every access they make stays bounds-checked, so nothing is read or written out of
/// bounds.
///
/// Not `checked_mul` with an early return, which would be cleaner: in the kernels' set-up that
/// changed how LLVM allocates registers and inlines in the loops after it, for up to 24% more
/// stack (248 bytes instead of 200) and 5% more instructions on micro_speech, 1% on person_detect
/// (Cortex-M4, `scripts/bench.sh`).
#[inline(always)]
pub(super) fn size([a, b, c]: [usize; 3]) -> usize {
    a.wrapping_mul(b).wrapping_mul(c)
}

/// `dst.copy_from_slice(src)` over the common length, without a panic path in a debug build:
/// there libcore's `copy_nonoverlapping` checks at run time that the two slices do not overlap
/// (which two slice arguments never do, but the optimiser cannot tell). Optimised builds turn the
/// loop back into a `memcpy`.
pub(super) fn copy<T: Copy>(dst: &mut [T], src: &[T]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s;
    }
}

/// `slice[start..start + len]`, or an empty slice where that is out of bounds: the kernels'
/// indices are in bounds whenever the geometry fits the slices, and the fallback keeps a
/// mismatched geometry from being a panic path.
pub(super) fn span<T>(slice: &[T], start: usize, len: usize) -> &[T] {
    slice
        .get(start..)
        .and_then(|rest| rest.get(..len))
        .unwrap_or(&[])
}

/// `row.rotate_left(1)` without its panic path (an assertion the optimiser keeps in a debug
/// build): the first value goes last, the others one place forward.
pub(crate) fn rotate_left_one<T: Copy>(row: &mut [T]) {
    let Some(&first) = row.first() else {
        return;
    };
    let mut carry = first;
    for value in row.iter_mut().rev() {
        carry = core::mem::replace(value, carry);
    }
}

/// [`chunks`] for a hot loop whose caller has already returned on a zero `len`: in an optimised
/// build `chunks_exact`, whose non-zero assertion the optimiser removes after that check (the
/// `kernels` firmware links only if it does) and whose loop it compiles tighter (6 % of
/// keyword_scrambled_8bit's instructions); with debug assertions the total [`chunks`], since the
/// standard library's debug checks would leave a panic path there.
#[cfg(not(debug_assertions))]
pub(super) fn chunks_nonzero<T>(slice: &[T], len: usize) -> impl Iterator<Item = &[T]> {
    slice.chunks_exact(len)
}

/// See the optimised build's `chunks_nonzero`.
#[cfg(debug_assertions)]
pub(super) fn chunks_nonzero<T>(slice: &[T], len: usize) -> impl Iterator<Item = &[T]> {
    chunks(slice, len)
}

/// [`chunks_nonzero`] of a mutable slice.
#[cfg(not(debug_assertions))]
pub(super) fn chunks_mut_nonzero<T>(slice: &mut [T], len: usize) -> impl Iterator<Item = &mut [T]> {
    slice.chunks_exact_mut(len)
}

/// [`chunks_nonzero`] of a mutable slice.
#[cfg(debug_assertions)]
pub(super) fn chunks_mut_nonzero<T>(slice: &mut [T], len: usize) -> impl Iterator<Item = &mut [T]> {
    chunks_mut(slice, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_helpers_match_chunks_exact_and_accept_zero() {
        let data = [1, 2, 3, 4, 5, 6, 7];
        assert!(chunks(&data, 3).eq(data.chunks_exact(3)));
        assert_eq!(chunks(&data, 0).count(), 0);
        assert_eq!(chunks(&data, 8).count(), 0);
        let mut out = [0u8; 5];
        assert_eq!(chunks_mut(&mut out, 0).count(), 0);
        for (i, chunk) in chunks_mut(&mut out, 2).enumerate() {
            chunk.fill(i as u8 + 1);
        }
        assert_eq!(out, [1, 1, 2, 2, 0]);
        let mut out = [0u8; 6];
        // Three input rows of 2, but only two output rows of 3: two pairs.
        for (row, out_row) in rows(&data, 2, &mut out, 3) {
            out_row.fill(row[0]);
        }
        assert_eq!(out, [1, 1, 1, 3, 3, 3]);
        assert_eq!(rows(&data, 2, &mut out, 0).count(), 0);
        assert_eq!(rows(&data, 0, &mut out, 1).count(), 0);
    }

    #[test]
    fn copy_stops_at_the_shorter_slice() {
        let mut dst = [0; 3];
        copy(&mut dst, &[1, 2]);
        assert_eq!(dst, [1, 2, 0]);
        copy(&mut dst, &[4, 5, 6, 7]);
        assert_eq!(dst, [4, 5, 6]);
    }

    #[test]
    fn enumerate_and_size() {
        assert!(enumerate([5, 6, 7]).eq([(0, 5), (1, 6), (2, 7)]));
        assert_eq!(size([2, 3, 4]), 24);
        assert_eq!(size([usize::MAX, 0, 5]), 0);
        assert_eq!(size([usize::MAX, 3, 1]), usize::MAX - 2);
    }

    #[test]
    fn span_is_empty_out_of_bounds() {
        let data = [1, 2, 3, 4];
        assert_eq!(span(&data, 1, 2), &[2, 3]);
        assert_eq!(span(&data, 3, 2), &[] as &[i32]);
        assert_eq!(span(&data, usize::MAX, 2), &[] as &[i32]);
    }
}
