//! Sliding windows (convolutions and pooling): TFLite's output size and padding arithmetic.

/// Implicit padding of a window op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(input / stride)`, input padded evenly (extra at the end).
    Same,
    /// No padding: only windows that fit.
    Valid,
}

/// The shape arithmetic of a window op, resolved from the tensors and options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Input rows, columns, channels.
    pub input: [usize; 3],
    /// Output rows, columns, channels.
    pub output: [usize; 3],
    /// Filter rows and columns.
    pub filter: [usize; 2],
    /// Row and column stride.
    pub stride: [usize; 2],
    /// Row and column dilation.
    pub dilation: [usize; 2],
    /// Implicit rows above and columns left of the input.
    pub padding: [usize; 2],
}

/// TFLite's output size and leading padding of a window over `size` elements.
pub fn window(
    padding: Padding,
    size: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> (usize, usize) {
    let effective = (filter - 1) * dilation + 1;
    let out = match padding {
        Padding::Same => size.div_ceil(stride),
        Padding::Valid => (size + stride).saturating_sub(effective) / stride,
    };
    let needed = ((out.max(1) - 1) * stride + effective).saturating_sub(size);
    (needed / 2, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_centres_the_window() {
        // 5 wide, 3-tap filter, stride 2: 3 outputs, one column of padding in front.
        assert_eq!(window(Padding::Same, 5, 3, 2, 1), (1, 3));
        // An even total puts the extra padding at the end.
        assert_eq!(window(Padding::Same, 4, 2, 1, 1), (0, 4));
    }

    #[test]
    fn valid_padding_keeps_only_whole_windows() {
        assert_eq!(window(Padding::Valid, 5, 3, 2, 1), (0, 2));
        assert_eq!(window(Padding::Valid, 5, 3, 1, 2), (0, 1));
        assert_eq!(window(Padding::Valid, 2, 3, 1, 1), (0, 0));
    }
}
