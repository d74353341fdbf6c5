//! The float32 kernels' epilogue: a channel's bias added to its sum, the result clamped to the
//! fused activation's range, as TFLite's reference kernels do it.

/// The bias of output channel `c`, or `0.0` without a bias.
pub(super) fn bias_f32(bias: Option<&[f32]>, c: usize) -> f32 {
    bias.and_then(|b| b.get(c)).copied().unwrap_or(0.0)
}

/// `std::min(std::max(x, min), max)`: unlike `f32::clamp` it never panics, and a NaN `x` passes
/// through as in the C++.
pub(super) fn clamp_f32(x: f32, min: f32, max: f32) -> f32 {
    let x = if x < min { min } else { x };
    if max < x { max } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_matches_std_min_max() {
        assert_eq!(clamp_f32(-3.0, 0.0, 6.0), 0.0);
        assert_eq!(clamp_f32(7.0, 0.0, 6.0), 6.0);
        assert_eq!(clamp_f32(2.0, 0.0, 6.0), 2.0);
        assert!(clamp_f32(f32::NAN, 0.0, 6.0).is_nan());
        // Reversed bounds: the upper one wins, no panic.
        assert_eq!(clamp_f32(0.0, 1.0, -1.0), -1.0);
    }
}
