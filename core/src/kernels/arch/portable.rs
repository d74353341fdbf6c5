//! The portable backend, in plain Rust: the reference the other backends are tested against.

use super::super::requantize::ScaleDown;

/// `acc + Σ xs[i] * ws[i]` over the common length, one product at a time, wrapping: the plain
/// definition, and the tail loop of every backend's dot products.
#[inline(always)]
pub fn scalar_dot_i8(acc: i32, xs: &[i8], ws: &[i8]) -> i32 {
    xs.iter().zip(ws).fold(acc, |acc, (&x, &w)| {
        acc.wrapping_add(i32::from(x) * i32::from(w))
    })
}

/// `acc + Σ xs[i] * ws[i]` over the common length, in wrapping int32: four products per step,
/// then the tail.
#[inline(always)]
pub fn dot_i8(acc: i32, xs: &[i8], ws: &[i8]) -> i32 {
    let len = xs.len().min(ws.len());
    let (xs, ws) = (xs.get(..len).unwrap_or(&[]), ws.get(..len).unwrap_or(&[]));
    let (xs4, xs_rest) = xs.as_chunks::<4>();
    let (ws4, ws_rest) = ws.as_chunks::<4>();
    let acc = xs4.iter().zip(ws4).fold(acc, |acc, (x, w)| {
        let p = i32::from(x[0]) * i32::from(w[0])
            + i32::from(x[1]) * i32::from(w[1])
            + i32::from(x[2]) * i32::from(w[2])
            + i32::from(x[3]) * i32::from(w[3]);
        acc.wrapping_add(p)
    });
    scalar_dot_i8(acc, xs_rest, ws_rest)
}

/// `(acc.0 + xs . ws0, acc.1 + xs . ws1)`, each over the common length of `xs` and its row.
#[inline(always)]
pub fn dot2_i8(acc: (i32, i32), xs: &[i8], ws0: &[i8], ws1: &[i8]) -> (i32, i32) {
    (dot_i8(acc.0, xs, ws0), dot_i8(acc.1, xs, ws1))
}

/// Rotates `row` left by one value (its first value goes last) and returns `acc + Σ row[i] *
/// ws[i]` over the rotated row (over the common length, wrapping): one step of an SVDF filter's
/// memory, whose oldest value the caller has replaced by the newest, and its time dot product.
#[inline(always)]
pub fn rotate_dot_i8(acc: i32, row: &mut [i8], ws: &[i8]) -> i32 {
    if !row.is_empty() {
        crate::kernels::slices::rotate_left_one(row);
    }
    dot_i8(acc, row, ws)
}

/// `acc[j] + x[j] * w[j]` for four adjacent channels, wrapping.
#[inline(always)]
pub fn mac4_i8(acc: [i32; 4], x: &[i8; 4], w: &[i8; 4]) -> [i32; 4] {
    let mac = |j: usize| acc[j].wrapping_add(i32::from(x[j]) * i32::from(w[j]));
    [mac(0), mac(1), mac(2), mac(3)]
}

/// `acc[j] + x * w[j]` for four channels sharing the input `x`, wrapping.
#[inline(always)]
pub fn mac4_broadcast_i8(acc: [i32; 4], x: &[i8; 1], w: &[i8; 4]) -> [i32; 4] {
    let x = i32::from(x[0]);
    [
        acc[0].wrapping_add(x * i32::from(w[0])),
        acc[1].wrapping_add(x * i32::from(w[1])),
        acc[2].wrapping_add(x * i32::from(w[2])),
        acc[3].wrapping_add(x * i32::from(w[3])),
    ]
}

/// The two words in which the blocked CONV_2D kernel keeps one group of four int8 inputs of
/// one pixel: `[x0 | x2 << 16, x1 | x3 << 16]`, each value sign-extended to a 16-bit half. It is
/// the lane order `SXTB16` and `SXTB16 ..., ROR #8` give a word of weights, so one `SMLAD` of
/// matching words multiplies two input-weight pairs.
#[inline(always)]
pub fn widen4_i8(x: [i8; 4]) -> [i32; 2] {
    let half = |v: i8| u32::from(v as i16 as u16);
    [
        (half(x[0]) | half(x[2]) << 16) as i32,
        (half(x[1]) | half(x[3]) << 16) as i32,
    ]
}

/// The four inputs of one group of one pixel back from [`widen4_i8`]'s words.
#[inline(always)]
fn narrow4(even: i32, odd: i32) -> [i32; 4] {
    let (lo, hi) = (|w: i32| i32::from(w as i16), |w: i32| w >> 16);
    [lo(even), lo(odd), hi(even), hi(odd)]
}

/// `Σ x[j] * w[j]` over one group of four, wrapping.
#[inline(always)]
fn group_dot(x: [i32; 4], w: &[i8]) -> i32 {
    x.iter()
        .zip(w)
        .fold(0i32, |s, (&x, &w)| s.wrapping_add(x * i32::from(w)))
}

/// Two output channels by two pixels of the blocked CONV_2D kernel, wrapping: `ws[g]` holds
/// group `g` (four weights) of channel 0, then of channel 1; `xs[g]` the [`widen4_i8`] words of
/// group `g` of pixel A, then of pixel B. Returns `[A.0, A.1, B.0, B.1]` added to `acc`, over
/// the groups both hold.
#[inline(always)]
pub fn mac2x2_i8(acc: [i32; 4], ws: &[[i8; 8]], xs: &[[i32; 4]]) -> [i32; 4] {
    ws.iter().zip(xs).fold(acc, |acc, (w, x)| {
        let (a, b) = (narrow4(x[0], x[1]), narrow4(x[2], x[3]));
        let (w0, w1) = (&w[..4], &w[4..]);
        [
            acc[0].wrapping_add(group_dot(a, w0)),
            acc[1].wrapping_add(group_dot(a, w1)),
            acc[2].wrapping_add(group_dot(b, w0)),
            acc[3].wrapping_add(group_dot(b, w1)),
        ]
    })
}

/// One output channel by two pixels, as [`mac2x2_i8`] with `ws[g]` the channel's group `g`:
/// `[A, B]` added to `acc`.
#[inline(always)]
pub fn mac1x2_i8(acc: [i32; 2], ws: &[[i8; 4]], xs: &[[i32; 4]]) -> [i32; 2] {
    ws.iter().zip(xs).fold(acc, |acc, (w, x)| {
        [
            acc[0].wrapping_add(group_dot(narrow4(x[0], x[1]), w)),
            acc[1].wrapping_add(group_dot(narrow4(x[2], x[3]), w)),
        ]
    })
}

/// Four output channels of one input row of the blocked FULLY_CONNECTED kernel, wrapping:
/// `ws[g]` holds group `g` (four weights) of channels 0, 1, 2, 3 in turn; `xs[g]` the row's
/// group `g`. Returns the four sums added to `acc`.
#[inline(always)]
pub fn mac4x1_i8(acc: [i32; 4], ws: &[[i8; 16]], xs: &[[i8; 4]]) -> [i32; 4] {
    ws.iter().zip(xs).fold(acc, |acc, (w, x)| {
        let mut acc = acc;
        for (a, w) in acc.iter_mut().zip(w.chunks_exact(4)) {
            *a = scalar_dot_i8(*a, x, w);
        }
        acc
    })
}

/// The high word of `addend + x * multiplier` in 64 bits, wrapping (`SMLAL`'s result): the
/// requantization's multiply, nudge and first shift in one.
#[inline(always)]
pub fn mac_high(addend: i64, x: i32, multiplier: i32) -> i32 {
    (addend.wrapping_add(i64::from(x).wrapping_mul(i64::from(multiplier))) >> 32) as i32
}

/// Two accumulators of one output channel requantized as TFLM does for a multiplier in
/// `[0, 2^31)` and a right shift by `exponent` in `1..=31`, offset and clamped to `[min, max]`
/// (`max` then `min` applied in that order, like `std::min(std::max(..))`): [`ScaleDown`]'s
/// composed rounding, the reference for other backends.
#[inline(always)]
pub fn requantize2(
    accs: [i32; 2],
    multiplier: i32,
    exponent: u32,
    offset: i32,
    min: i32,
    max: i32,
) -> [i32; 2] {
    let scale = ScaleDown::new(multiplier, exponent as i32);
    accs.map(|acc| scale.apply(acc).wrapping_add(offset).max(min).min(max))
}

/// Whether [`conv_pairs_i8`] and [`fc_blocks_i8`] take these parameters: always (other backends'
/// whole-loop primitives may need aligned weights or an int8 clamp range).
#[inline(always)]
pub fn blocked_loop_takes(_weights: &[i8], _min: i32, _max: i32) -> bool {
    true
}

/// The whole four-channel blocks of one input row of the blocked FULLY_CONNECTED kernel with
/// one scale for every channel: for block `j`, [`mac4x1_i8`] of `ws[j * groups..][..groups]`
/// over `xs[..groups]` from the biases `bias[j]`, each channel requantized by [`requantize2`]'s
/// arithmetic (`multiplier`, `exponent` in `1..=31`), offset and clamped, stored as `out[j]`. As
/// many blocks as all the slices hold.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn fc_blocks_i8(
    ws: &[[i8; 16]],
    groups: usize,
    bias: &[[i32; 4]],
    xs: &[[i8; 4]],
    out: &mut [[i8; 4]],
    [multiplier, exponent]: [i32; 2],
    offset: i32,
    min: i32,
    max: i32,
) {
    let Some(xs) = xs.get(..groups) else {
        return;
    };
    let e = exponent as u32;
    let blocks = super::super::slices::chunks(ws, groups);
    for ((o, w), &b) in out.iter_mut().zip(blocks).zip(bias) {
        let [a0, a1, a2, a3] = mac4x1_i8(b, w, xs);
        let [r0, r1] = requantize2([a0, a1], multiplier, e, offset, min, max);
        let [r2, r3] = requantize2([a2, a3], multiplier, e, offset, min, max);
        *o = [r0 as i8, r1 as i8, r2 as i8, r3 as i8];
    }
}

/// The channel pairs of one pixel pair of the blocked CONV_2D kernel, whole: for pair `j`, the
/// 2x2 block [`mac2x2_i8`] of weights `ws[j * groups..][..groups]` over `columns` from the
/// biases of `records[2j]` and `records[2j + 1]` (`[bias, multiplier, exponent]`, exponents
/// 1 to 31), [`requantize2`] of each channel's two outputs, stored as bytes `2j` and `2j + 1`
/// of `out_a` and, if there is a pixel B, of `out_b`. As many pairs as all the slices hold.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn conv_pairs_i8(
    ws: &[[i8; 8]],
    groups: usize,
    records: &[[i32; 3]],
    columns: &[[i32; 4]],
    out_a: &mut [i8],
    out_b: Option<&mut [i8]>,
    offset: i32,
    min: i32,
    max: i32,
) {
    let Some(columns) = columns.get(..groups) else {
        return;
    };
    let mut b_pairs = match out_b {
        Some(b) => b.as_chunks_mut::<2>().0.iter_mut(),
        None => [].iter_mut(),
    };
    let weight_pairs = super::super::slices::chunks(ws, groups);
    for ((a, w), [c0, c1]) in out_a
        .as_chunks_mut::<2>()
        .0
        .iter_mut()
        .zip(weight_pairs)
        .zip(records.as_chunks::<2>().0)
    {
        let acc = mac2x2_i8([c0[0], c1[0], c0[0], c1[0]], w, columns);
        let [a0, b0] = requantize2([acc[0], acc[2]], c0[1], c0[2] as u32, offset, min, max);
        let [a1, b1] = requantize2([acc[1], acc[3]], c1[1], c1[2] as u32, offset, min, max);
        *a = [a0 as i8, a1 as i8];
        if let Some(b) = b_pairs.next() {
            *b = [b0 as i8, b1 as i8];
        }
    }
}

/// im2col rows for the blocked CONV_2D kernel: `rows` runs of `4 * words` int8 values, run `r`
/// starting at `src[r * stride..]`, widened ([`widen4_i8`]) into lanes `lane` and `lane + 1`
/// of consecutive groups of `dst`, run after run. Runs or groups the slices do not hold are not
/// written (the caller checks that they do).
#[inline(always)]
pub fn widen_rows_i8(
    src: &[i8],
    stride: usize,
    words: usize,
    rows: usize,
    dst: &mut [[i32; 4]],
    lane: usize,
) {
    let lane = lane & 2;
    let mut groups = dst.iter_mut();
    for r in 0..rows {
        let start = r.wrapping_mul(stride);
        let run = src.get(start..).unwrap_or(&[]);
        for x in run.as_chunks::<4>().0.iter().take(words) {
            let Some(d) = groups.next() else {
                return;
            };
            let [even, odd] = widen4_i8(*x);
            d[lane] = even;
            d[lane + 1] = odd;
        }
    }
}

// ---- DEPTHWISE_CONV_2D 3x3 (depth multiplier 1): nine taps of four channels ----

/// `acc[j] + Σ_t x_t[j] * w_t[j]` over the nine taps `[x_t, w_t]` of `taps`, each reading four
/// adjacent channels' inputs and weights at `offset` from its addresses, wrapping.
///
/// # Safety
/// For every tap, `x_t + offset` and `w_t + offset` must be valid for reads of 4 bytes.
#[inline(always)]
pub unsafe fn mac4_taps9_i8(acc: [i32; 4], taps: &[[*const i8; 2]; 9], offset: usize) -> [i32; 4] {
    taps.iter().fold(acc, |acc, &[x, w]| {
        // SAFETY: readable for 4 bytes (the caller's contract); `[i8; 4]` has alignment 1.
        let (x, w) = unsafe {
            (
                &*x.wrapping_add(offset).cast::<[i8; 4]>(),
                &*w.wrapping_add(offset).cast::<[i8; 4]>(),
            )
        };
        mac4_i8(acc, x, w)
    })
}

/// The outputs of four channels as one little-endian word of int8 values: channel `j`'s is
/// `requantize_fast(acc[j], m_j, e1_j, round_j)` (see `kernels::depthwise`) clamped to the int8
/// range and, if `CLAMP`, to `[min, max]` (bytes of `min4` and `max4`, all four alike, with
/// `min <= max`). `params` holds `[m_j, round_j]` for `j = 0..4` (the layout the Armv7E-M
/// backend loads with `LDRD`), then the `e1_j` as the bytes of one word.
#[inline(always)]
pub fn requantize4_i8<const CLAMP: bool>(
    acc: [i32; 4],
    params: &[i32; 9],
    min4: u32,
    max4: u32,
) -> u32 {
    let (min, max) = (i32::from(min4 as u8 as i8), i32::from(max4 as u8 as i8));
    let out = |j: usize| {
        let z = crate::kernels::depthwise::requantize_fast(
            acc[j],
            params[2 * j],
            (params[8] as u32 >> (8 * j)) & 0xff,
            params[2 * j + 1],
        );
        let z = z.clamp(-128, 127);
        (if CLAMP { z.max(min).min(max) } else { z }) as u8
    };
    u32::from_le_bytes([out(0), out(1), out(2), out(3)])
}

/// `acc[j] + Σ_t x_t * w_t[j]` over the nine taps `[x_t, w_t]` of `taps`, for four channels
/// sharing one input: each tap reads one input at `x_offset` and four adjacent channels' weights
/// at `w_offset` from its addresses, wrapping (depth multipliers that are multiples of 4).
///
/// # Safety
/// For every tap, `x_t + x_offset` must be valid for reads of 1 byte and `w_t + w_offset` of 4.
#[inline(always)]
pub unsafe fn mac4_broadcast_taps9_i8(
    acc: [i32; 4],
    taps: &[[*const i8; 2]; 9],
    x_offset: usize,
    w_offset: usize,
) -> [i32; 4] {
    taps.iter().fold(acc, |acc, &[x, w]| {
        // SAFETY: readable (the caller's contract); `i8` and `[i8; 4]` have alignment 1.
        let (x, w) = unsafe {
            (
                &*x.wrapping_add(x_offset).cast::<[i8; 1]>(),
                &*w.wrapping_add(w_offset).cast::<[i8; 4]>(),
            )
        };
        mac4_broadcast_i8(acc, x, w)
    })
}

#[cfg(test)]
pub(super) mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// The definition of a dot product, in exact (64-bit) arithmetic, reduced modulo 2^32.
    pub fn definition(acc: i32, xs: &[i8], ws: &[i8]) -> i32 {
        let exact = xs.iter().zip(ws).fold(i64::from(acc), |s, (&x, &w)| {
            s + i64::from(x) * i64::from(w)
        });
        exact as i32
    }

    /// xorshift64: inputs for the tests, random or all at the int8 extremes.
    pub struct Bytes(u64);

    impl Bytes {
        pub fn new(seed: u64) -> Self {
            Bytes(seed)
        }

        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub fn vec(&mut self, len: usize, extreme: bool) -> Vec<i8> {
            (0..len)
                .map(|_| {
                    let r = self.next();
                    if extreme {
                        [-128i8, 127][r as usize % 2]
                    } else {
                        r as i8
                    }
                })
                .collect()
        }
    }

    /// Accumulators that make the int32 sum wrap.
    pub const ACCS: [i32; 4] = [0, -5, i32::MAX - 100, i32::MIN + 3];

    #[test]
    fn dot_products_match_the_definition() {
        let mut bytes = Bytes::new(0x9e37_79b9_7f4a_7c15);
        for len in 0..40 {
            for extreme in [false, true] {
                let xs = bytes.vec(len, extreme);
                let ws0 = bytes.vec(len, extreme);
                // Longer than `xs`: only the common length counts.
                let ws1 = bytes.vec(len + 3, extreme);
                for acc in ACCS {
                    let want = definition(acc, &xs, &ws0);
                    assert_eq!(scalar_dot_i8(acc, &xs, &ws0), want);
                    assert_eq!(dot_i8(acc, &xs, &ws0), want);
                    assert_eq!(dot_i8(acc, &xs, &ws1), definition(acc, &xs, &ws1));
                    assert_eq!(
                        dot2_i8((acc, acc ^ 7), &xs, &ws0, &ws1),
                        (want, definition(acc ^ 7, &xs, &ws1))
                    );
                }
            }
        }
    }

    #[test]
    fn rotate_dot_matches_the_definition() {
        let mut bytes = Bytes::new(0x428a_2f98_d728_ae22);
        for len in 0..20 {
            let row = bytes.vec(len, false);
            let ws = bytes.vec(len + 2, len % 3 == 0);
            for acc in ACCS {
                let mut got = row.clone();
                let dot = rotate_dot_i8(acc, &mut got, &ws);
                let want: Vec<i8> = row.iter().skip(1).chain(row.first()).copied().collect();
                assert_eq!((dot, &got), (definition(acc, &want, &ws), &want));
            }
        }
    }

    #[test]
    fn mac4_matches_the_definition() {
        let mut bytes = Bytes::new(0x2545_f491_4f6c_dd1d);
        for round in 0..2000 {
            let extreme = round % 4 == 0;
            let x: [i8; 4] = bytes.vec(4, extreme).try_into().unwrap();
            let w: [i8; 4] = bytes.vec(4, extreme).try_into().unwrap();
            let acc = [
                bytes.next() as i32,
                i32::MAX,
                i32::MIN,
                bytes.next() as i32 >> 20,
            ];
            let want: [i32; 4] = core::array::from_fn(|j| definition(acc[j], &x[j..=j], &w[j..=j]));
            assert_eq!(mac4_i8(acc, &x, &w), want);
            let want: [i32; 4] = core::array::from_fn(|j| definition(acc[j], &x[..1], &w[j..=j]));
            assert_eq!(mac4_broadcast_i8(acc, &[x[0]], &w), want);
        }
    }

    #[test]
    fn mac4_taps9_matches_the_definition() {
        let mut bytes = Bytes::new(0x5851_f42d_4c95_7f2d);
        for round in 0..500 {
            let data = bytes.vec(9 * 2 * 8 + 8, round % 4 == 0);
            let offset = round % 5;
            let taps: [[*const i8; 2]; 9] =
                core::array::from_fn(|t| [data[16 * t..].as_ptr(), data[16 * t + 8..].as_ptr()]);
            let acc = [bytes.next() as i32, i32::MAX, i32::MIN, -7];
            let want: [i32; 4] = core::array::from_fn(|j| {
                let xs: Vec<i8> = (0..9).map(|t| data[16 * t + offset + j]).collect();
                let ws: Vec<i8> = (0..9).map(|t| data[16 * t + 8 + offset + j]).collect();
                definition(acc[j], &xs, &ws)
            });
            // SAFETY: every address plus `offset + 4` (at most 8) is within `data`.
            assert_eq!(unsafe { mac4_taps9_i8(acc, &taps, offset) }, want);
        }
    }

    #[test]
    fn mac4_broadcast_taps9_matches_the_definition() {
        let mut bytes = Bytes::new(0x1405_7b7e_f767_814f);
        for round in 0..500 {
            let data = bytes.vec(9 * 2 * 8 + 8, round % 4 == 0);
            let (x_offset, w_offset) = (round % 7, round % 5);
            let taps: [[*const i8; 2]; 9] =
                core::array::from_fn(|t| [data[16 * t..].as_ptr(), data[16 * t + 8..].as_ptr()]);
            let acc = [bytes.next() as i32, i32::MAX, i32::MIN, -7];
            let want: [i32; 4] = core::array::from_fn(|j| {
                let xs: Vec<i8> = (0..9).map(|t| data[16 * t + x_offset]).collect();
                let ws: Vec<i8> = (0..9).map(|t| data[16 * t + 8 + w_offset + j]).collect();
                definition(acc[j], &xs, &ws)
            });
            // SAFETY: every address plus its offset and length (at most 8) is within `data`.
            let got = unsafe { mac4_broadcast_taps9_i8(acc, &taps, x_offset, w_offset) };
            assert_eq!(got, want);
        }
    }
}
