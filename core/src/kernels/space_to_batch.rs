//! SPACE_TO_BATCH_ND (NHWC, int8 and float32): the padded image cut into `block_height x
//! block_width` phases, each phase a batch of its own. (BATCH_TO_SPACE_ND, which crops instead
//! of padding, is a separable gather: it lowers to [`Gather4Table`](super::Gather4Table).)

use super::slices::{chunks_mut, copy, span};

/// SPACE_TO_BATCH_ND: output batch `(sh * block_width + sw) * batches + b`, pixel `(oy, ox)`, is
/// input batch `b`, pixel `(oy * block_height + sh - pad_top, ox * block_width + sw -
/// pad_left)`, or padding where that is outside the input.
///
/// Padding is written as zero bits (0 for int8, 0.0 for float32), whatever the quantization:
/// TFLM's kernel fills it with a pad value it never sets (`SpaceToBatchParams::output_offset`,
/// zero in a fresh arena), not with the output's zero point.
#[derive(Clone, Copy, Debug)]
pub struct SpaceToBatch {
    /// Input batches.
    pub batches: usize,
    /// Input rows.
    pub input_height: usize,
    /// Input columns.
    pub input_width: usize,
    /// Channels.
    pub depth: usize,
    /// Output rows.
    pub output_height: usize,
    /// Output columns.
    pub output_width: usize,
    /// Rows per block.
    pub block_height: usize,
    /// Columns per block.
    pub block_width: usize,
    /// Padding rows above the input.
    pub pad_top: usize,
    /// Padding columns left of the input.
    pub pad_left: usize,
}

/// int8 SPACE_TO_BATCH_ND (see [`SpaceToBatch`]).
pub fn space_to_batch_i8(p: &SpaceToBatch, input: &[i8], output: &mut [i8]) {
    space_to_batch(p, input, output, 0);
}

/// float32 SPACE_TO_BATCH_ND (see [`SpaceToBatch`]).
pub fn space_to_batch_f32(p: &SpaceToBatch, input: &[f32], output: &mut [f32]) {
    space_to_batch(p, input, output, 0.0);
}

/// The input coordinate of padded coordinate `padded` along a dimension of `len` after `pad`
/// padding, if inside the input.
#[inline(always)]
fn unpadded(padded: usize, pad: usize, len: usize) -> Option<usize> {
    padded.checked_sub(pad).filter(|&i| i < len)
}

fn space_to_batch<T: Copy>(p: &SpaceToBatch, input: &[T], output: &mut [T], pad: T) {
    let depth = p.depth;
    let row_len = p.input_width.wrapping_mul(depth);
    let image_len = p.input_height.wrapping_mul(row_len);
    let mut pixels = chunks_mut(output, depth);
    // Index arithmetic wraps (see `slices::size`): exact for a model's shapes, and a wrapped
    // index fails `span`, which then writes padding.
    for sh in 0..p.block_height {
        for sw in 0..p.block_width {
            for b in 0..p.batches {
                let image = b.wrapping_mul(image_len);
                for oy in 0..p.output_height {
                    let y = unpadded(
                        oy.wrapping_mul(p.block_height).wrapping_add(sh),
                        p.pad_top,
                        p.input_height,
                    );
                    for ox in 0..p.output_width {
                        let Some(pixel) = pixels.next() else { return };
                        let x = unpadded(
                            ox.wrapping_mul(p.block_width).wrapping_add(sw),
                            p.pad_left,
                            p.input_width,
                        );
                        let source = match (y, x) {
                            (Some(y), Some(x)) => {
                                let at = image
                                    .wrapping_add(y.wrapping_mul(row_len))
                                    .wrapping_add(x.wrapping_mul(depth));
                                span(input, at, depth)
                            }
                            _ => &[],
                        };
                        if source.len() == pixel.len() {
                            copy(pixel, source);
                        } else {
                            pixel.fill(pad);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_become_batches_with_padding() {
        // A 1x3 image of one channel, [1, 2, 3], padded by one row above and one column left
        // to 2x4, in blocks of 2x2: four 1x2 batches.
        let p = SpaceToBatch {
            batches: 1,
            input_height: 1,
            input_width: 3,
            depth: 1,
            output_height: 1,
            output_width: 2,
            block_height: 2,
            block_width: 2,
            pad_top: 1,
            pad_left: 1,
        };
        let mut out = [9i8; 8];
        space_to_batch_i8(&p, &[1, 2, 3], &mut out);
        // Phase (0, 0) and (0, 1) are the padding row; (1, 0) reads columns -1 and 1; (1, 1)
        // reads columns 0 and 2.
        assert_eq!(out, [0, 0, 0, 0, 0, 2, 1, 3]);
    }
}
