//! Shape arithmetic shared by the data-movement and element-wise families: row-major strides,
//! shapes padded to rank 4, axes, broadcasting.

use crate::kernel::Broadcast4;

/// The largest rank the data-movement kernels index (shapes are padded to it with leading 1s).
pub const MAX_RANK: usize = 4;

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// `values` padded at the front with `fill` to rank 4.
pub fn pad4<T: Copy>(values: &[T], fill: T) -> [T; 4] {
    let mut out = [fill; 4];
    let skip = MAX_RANK - values.len().min(MAX_RANK);
    out[skip..].copy_from_slice(&values[values.len().saturating_sub(MAX_RANK)..]);
    out
}

/// Normalizes a possibly negative axis of a rank-`rank` tensor.
pub fn axis(raw: i64, rank: usize) -> Option<usize> {
    let rank = i64::try_from(rank).ok()?;
    let axis = if raw < 0 { raw + rank } else { raw };
    usize::try_from(axis).ok().filter(|&a| (a as i64) < rank)
}

/// NumPy-style broadcasting of two shapes of rank at most 4, or `None` if they do not broadcast.
pub fn broadcast4(shape1: &[usize], shape2: &[usize]) -> Option<Broadcast4> {
    if shape1.len() > MAX_RANK || shape2.len() > MAX_RANK {
        return None;
    }
    let (a, b) = (pad4(shape1, 1), pad4(shape2, 1));
    let (sa, sb) = (strides(&a), strides(&b));
    let mut broadcast = Broadcast4 {
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
