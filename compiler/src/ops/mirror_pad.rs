//! MIRROR_PAD (REFLECT and SYMMETRIC; int8 and float32, rank at most 4): each output coordinate
//! maps, dimension by dimension, to an input coordinate, so the op lowers to the table-driven
//! gather `Gather4Table` with the maps computed at build time the way TFLM's kernel computes
//! them per element.

use crate::error::Error;
use crate::plan::Access;
use crate::program::KernelCall;
use crate::tflite::options_table;

use super::shape::{MAX_RANK, strides};
use super::{Check, Lower, Operator, Precision};

options_table!(
    /// Options of MIRROR_PAD.
    MirrorPadOptions = 77 {
        /// `MirrorPadMode`: 0 REFLECT (the edge is not repeated), 1 SYMMETRIC (it is).
        mode: i8 = 0,
    }
);

/// A checked MIRROR_PAD.
#[derive(Clone, Debug, PartialEq)]
pub struct MirrorPad {
    /// Number type.
    pub precision: Precision,
    /// Input.
    pub input: usize,
    /// Output.
    pub output: usize,
    /// The output's shape padded to rank 4.
    pub output_shape: [usize; 4],
    /// Per output dimension, the input offset of each coordinate, laid end to end.
    pub offsets: Vec<usize>,
}

impl Operator for MirrorPad {
    const NAMES: &'static [&'static str] = &["MIRROR_PAD"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let options: MirrorPadOptions = cx.required_options()?;
        // TFLM's offset: 1 for REFLECT (skip the edge), 0 for SYMMETRIC.
        let offset: i64 = match options.mode().unwrap_or(0) {
            0 => 1,
            1 => 0,
            other => return Err(cx.error(format!("unknown mirror pad mode {other}"))),
        };
        let (input, output, precision) = cx.data_movement()?;
        let shape = &cx.tensor(input).shape;
        let paddings = cx.indices(1, "paddings")?;
        let paddings_tensor = cx.tensor(cx.input(1, "paddings")?);
        if paddings_tensor.shape != [shape.len(), 2]
            || paddings.iter().any(|&p| !(0..=1 << 24).contains(&p))
        {
            return Err(cx.error(format!(
                "paddings {paddings:?} of shape {:?} do not fit input shape {shape:?}",
                paddings_tensor.shape
            )));
        }
        let out = &cx.tensor(output).shape;
        let expected: Vec<usize> = shape
            .iter()
            .zip(paddings.chunks_exact(2))
            .map(|(&d, p)| d + p[0] as usize + p[1] as usize)
            .collect();
        if *out != expected {
            return Err(cx.error(format!(
                "output shape {out:?} is not the padded input shape {expected:?}"
            )));
        }
        let in_strides = strides(shape);
        // Leading dimensions of size 1 pad the rank to 4: one coordinate, offset 0.
        let mut offsets = vec![0; MAX_RANK - shape.len()];
        for (d, (&dim, pads)) in shape.iter().zip(paddings.chunks_exact(2)).enumerate() {
            for o in 0..expected[d] as i64 {
                let i = source_coordinate(o, pads[0], dim as i64, offset);
                if !(0..dim as i64).contains(&i) {
                    return Err(cx.error(format!(
                        "padding {pads:?} of dimension {d} (size {dim}) reaches past the input \
                         in {} mode (at most {} on each side)",
                        if offset == 1 { "REFLECT" } else { "SYMMETRIC" },
                        dim as i64 - offset
                    )));
                }
                offsets.push(i as usize * in_strides[d]);
            }
        }
        let mut output_shape = [1; 4];
        output_shape[MAX_RANK - out.len()..].copy_from_slice(out);
        Ok(MirrorPad {
            precision,
            input,
            output,
            output_shape,
            offsets,
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn lower(&self, cx: &Lower) -> Result<Option<KernelCall>, Error> {
        cx.gather_table(
            self.precision,
            self.output_shape,
            &self.offsets,
            self.input,
            self.output,
        )
    }
}

/// The input coordinate of output coordinate `o` along a dimension of size `dim` padded by
/// `left` before it: TFLM's `GetInputDimension`, whose `offset` is 1 for REFLECT and 0 for
/// SYMMETRIC. Outside the input only when a padding exceeds what the mode allows.
fn source_coordinate(o: i64, left: i64, dim: i64, offset: i64) -> i64 {
    if o < left {
        let edge = left + offset - 1;
        return edge - o.min(edge - offset);
    }
    let o = o - left;
    if o >= dim {
        let edge = dim - (1 + offset);
        return edge - (o - dim).min(edge);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::source_coordinate;

    #[test]
    fn coordinates_reflect_like_numpy() {
        // [a b c] padded by 2 each side: REFLECT c b | a b c | b a; SYMMETRIC b a | a b c | c b.
        let reflect: Vec<i64> = (0..7).map(|o| source_coordinate(o, 2, 3, 1)).collect();
        assert_eq!(reflect, [2, 1, 0, 1, 2, 1, 0]);
        let symmetric: Vec<i64> = (0..7).map(|o| source_coordinate(o, 2, 3, 0)).collect();
        assert_eq!(symmetric, [1, 0, 0, 1, 2, 2, 1]);
    }
}
