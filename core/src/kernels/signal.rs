//! The custom operators of TensorFlow Lite Micro's signal library (`signal/` in TFLM), as the
//! audio front end of micro_speech uses them: window, FFT auto-scale, int16 real FFT, energy,
//! mel filter bank, square root, spectral subtraction (with its noise estimates as model state),
//! PCAN gain control and log. Every kernel reproduces TFLM's integer arithmetic bit for bit,
//! including its wrap-arounds and truncations (a C `int16_t` store is a wrapping `i16`), and the
//! real FFT is the fixed-point kissfft TFLM builds, with its tables computed by the compiler the
//! way kissfft computes them when TFLM prepares the operator.
//!
//! Shifts come from checked options, except FILTER_BANK_SQUARE_ROOT's, which is a tensor: there
//! the shift count is taken modulo 32, as the hardware TFLM runs on does.

use super::NoParams;
use super::slices::{enumerate, rows};

/// Parameters of [`signal_window`].
#[derive(Clone, Copy, Debug)]
pub struct SignalWindow {
    /// Right shift of each product (0..=31).
    pub shift: u32,
}

/// SignalWindow: every run of `weights.len()` inputs times the weights, shifted right and
/// saturated to int16.
pub fn signal_window(p: &SignalWindow, input: &[i16], weights: &[i16], output: &mut [i16]) {
    if weights.is_empty() {
        return;
    }
    // Indexed rather than zipped three ways: a nested zip of slice iterators checks its
    // lengths in a debug build (a panic path the firmware's dev-o1 proof finds).
    for (input, output) in rows(input, weights.len(), output, weights.len()) {
        for (k, (o, &x)) in enumerate(output.iter_mut().zip(input)) {
            let w = weights.get(k).copied().unwrap_or(0);
            let raw = (i32::from(x) * i32::from(w)) >> (p.shift & 31);
            *o = raw.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
    }
}

/// TFLM's `MostSignificantBit32` as its GCC build computes it: the bit count of `x`, and 32 for
/// zero.
fn msb32(x: u32) -> u32 {
    if x == 0 { 32 } else { 32 - x.leading_zeros() }
}

/// TFLM's `MostSignificantBit64` (GCC build): the bit count of `x`, and 64 for zero.
fn msb64(x: u64) -> u32 {
    if x == 0 { 64 } else { 64 - x.leading_zeros() }
}

/// The left shift SignalFftAutoScale applies. TFLM's running maximum keeps an `int16_t`, so
/// negating -32768 stores -32768 again: after such a sample the "maximum" is negative and the
/// next sample replaces it. That is reproduced here, as is the shift of 0 for silence (the
/// bit count of 0 is 32).
fn auto_scale_bits(input: &[i16]) -> u32 {
    let mut max: i16 = 0;
    for &x in input {
        if i32::from(x) > i32::from(max) {
            max = x;
        } else if -i32::from(x) > i32::from(max) {
            max = (-i32::from(x)) as i16;
        }
    }
    // A negative maximum reads as a large unsigned number, whose bit count is 32.
    let bits = 16 - msb32(max as i32 as u32) as i32 - 1;
    bits.max(0) as u32
}

/// SignalFftAutoScale's first output: the input shifted left as far as its largest magnitude
/// allows (wrapping to int16 as TFLM's store does).
pub fn signal_fft_auto_scale(_: &NoParams, input: &[i16], output: &mut [i16]) {
    let bits = auto_scale_bits(input);
    for (o, &x) in output.iter_mut().zip(input) {
        *o = i32::from(x).wrapping_mul(1 << bits) as i16;
    }
}

/// SignalFftAutoScale's second output: the shift it applied (one int32).
pub fn signal_fft_auto_scale_bits(_: &NoParams, input: &[i16], output: &mut [i32]) {
    if let Some(o) = output.first_mut() {
        *o = auto_scale_bits(input) as i32;
    }
}

/// Parameters of [`signal_rfft_i16`]: kissfft's fixed-point state for a real FFT of
/// `2 * twiddles.len()` points, computed by the compiler.
#[derive(Clone, Copy, Debug)]
pub struct SignalRfftI16<'a> {
    /// Input values per FFT (the rest, up to the FFT length, are zeros).
    pub input_length: usize,
    /// Output values per FFT: `2 * (twiddles.len() + 1)`, real and imaginary parts.
    pub output_length: usize,
    /// The complex FFT's twiddles, `(re, im)`, one per point of the half-length complex FFT.
    pub twiddles: &'a [[i16; 2]],
    /// The real FFT's split twiddles, `(re, im)`, half as many.
    pub super_twiddles: &'a [[i16; 2]],
    /// kissfft's stages, `(radix, points after the stage)`, each radix 2, 3, 4 or 5.
    pub stages: &'a [[usize; 2]],
    /// For each point of the complex FFT, the input pair it starts from (the mixed-radix digit
    /// reversal kissfft's recursion does).
    pub order: &'a [u16],
}

/// One int16 complex value.
#[derive(Clone, Copy, Default)]
struct Cpx {
    r: i16,
    i: i16,
}

/// kissfft's `sround(x)`: the Q15 product rounded, truncated to int16.
#[inline(always)]
fn sround(x: i32) -> i16 {
    (x.wrapping_add(1 << 14) >> 15) as i16
}

/// kissfft's `S_MUL`.
#[inline(always)]
fn smul(a: i16, b: i16) -> i16 {
    sround(i32::from(a) * i32::from(b))
}

impl Cpx {
    fn from_pair(p: [i16; 2]) -> Cpx {
        Cpx { r: p[0], i: p[1] }
    }

    /// `C_MUL`.
    fn mul(self, b: Cpx) -> Cpx {
        let (ar, ai, br, bi) = (
            i32::from(self.r),
            i32::from(self.i),
            i32::from(b.r),
            i32::from(b.i),
        );
        Cpx {
            r: sround((ar * br).wrapping_sub(ai * bi)),
            i: sround((ar * bi).wrapping_add(ai * br)),
        }
    }

    /// `C_FIXDIV(c, k)`: both parts times `32767 / k` in Q15.
    fn fixdiv(self, k: i16) -> Cpx {
        let c = 32767 / k;
        Cpx {
            r: smul(self.r, c),
            i: smul(self.i, c),
        }
    }

    fn add(self, b: Cpx) -> Cpx {
        Cpx {
            r: self.r.wrapping_add(b.r),
            i: self.i.wrapping_add(b.i),
        }
    }

    fn sub(self, b: Cpx) -> Cpx {
        Cpx {
            r: self.r.wrapping_sub(b.r),
            i: self.i.wrapping_sub(b.i),
        }
    }
}

/// Complex value `j` of an interleaved buffer (zero past its end).
#[inline(always)]
fn load(data: &[i16], j: usize) -> Cpx {
    let at = j.wrapping_mul(2);
    match data.get(at..at.wrapping_add(2)) {
        Some(&[r, i]) => Cpx { r, i },
        _ => Cpx::default(),
    }
}

#[inline(always)]
fn store(data: &mut [i16], j: usize, c: Cpx) {
    let at = j.wrapping_mul(2);
    if let Some([r, i]) = data.get_mut(at..at.wrapping_add(2)) {
        *r = c.r;
        *i = c.i;
    }
}

fn twiddle(twiddles: &[[i16; 2]], k: usize) -> Cpx {
    twiddles
        .get(k)
        .copied()
        .map_or(Cpx::default(), Cpx::from_pair)
}

/// One stage's butterflies of radix `p` over `region` (`p * m` complex values), twiddles taken
/// every `fstride`: kissfft's `kf_bfly2` .. `kf_bfly5` (forward).
fn butterfly(region: &mut [i16], tw: &[[i16; 2]], fstride: usize, m: usize, p: usize) {
    // Indices wrap rather than trap for parameters no model gives (the compiler's stages keep
    // every index inside the region); a wrapped one reads zero and writes nothing.
    let at = |k: usize, q: usize| k.wrapping_add(q.wrapping_mul(m));
    let tw_at = |k: usize, q: usize| twiddle(tw, k.wrapping_mul(q).wrapping_mul(fstride));
    match p {
        2 => {
            for k in 0..m {
                let a = load(region, k).fixdiv(2);
                let b = load(region, at(k, 1)).fixdiv(2);
                let t = b.mul(tw_at(k, 1));
                store(region, at(k, 1), a.sub(t));
                store(region, k, a.add(t));
            }
        }
        3 => {
            let epi3 = tw_at(m, 1);
            for k in 0..m {
                let f0 = load(region, k).fixdiv(3);
                let f1 = load(region, at(k, 1)).fixdiv(3);
                let f2 = load(region, at(k, 2)).fixdiv(3);
                let s1 = f1.mul(tw_at(k, 1));
                let s2 = f2.mul(tw_at(k, 2));
                let s3 = s1.add(s2);
                let s0 = s1.sub(s2);
                let mut g1 = Cpx {
                    r: f0.r.wrapping_sub(s3.r >> 1),
                    i: f0.i.wrapping_sub(s3.i >> 1),
                };
                let s0 = Cpx {
                    r: smul(s0.r, epi3.i),
                    i: smul(s0.i, epi3.i),
                };
                let g0 = f0.add(s3);
                let g2 = Cpx {
                    r: g1.r.wrapping_add(s0.i),
                    i: g1.i.wrapping_sub(s0.r),
                };
                g1.r = g1.r.wrapping_sub(s0.i);
                g1.i = g1.i.wrapping_add(s0.r);
                store(region, k, g0);
                store(region, at(k, 1), g1);
                store(region, at(k, 2), g2);
            }
        }
        4 => {
            for k in 0..m {
                let f0 = load(region, k).fixdiv(4);
                let f1 = load(region, at(k, 1)).fixdiv(4);
                let f2 = load(region, at(k, 2)).fixdiv(4);
                let f3 = load(region, at(k, 3)).fixdiv(4);
                let s0 = f1.mul(tw_at(k, 1));
                let s1 = f2.mul(tw_at(k, 2));
                let s2 = f3.mul(tw_at(k, 3));
                let s5 = f0.sub(s1);
                let g0 = f0.add(s1);
                let s3 = s0.add(s2);
                let s4 = s0.sub(s2);
                let g2 = g0.sub(s3);
                let g0 = g0.add(s3);
                let g1 = Cpx {
                    r: s5.r.wrapping_add(s4.i),
                    i: s5.i.wrapping_sub(s4.r),
                };
                let g3 = Cpx {
                    r: s5.r.wrapping_sub(s4.i),
                    i: s5.i.wrapping_add(s4.r),
                };
                store(region, k, g0);
                store(region, at(k, 1), g1);
                store(region, at(k, 2), g2);
                store(region, at(k, 3), g3);
            }
        }
        5 => {
            let ya = tw_at(m, 1);
            let yb = tw_at(m, 2);
            for u in 0..m {
                let f: [Cpx; 5] = core::array::from_fn(|q| load(region, at(u, q)).fixdiv(5));
                let s0 = f[0];
                let s1 = f[1].mul(tw_at(u, 1));
                let s2 = f[2].mul(tw_at(u, 2));
                let s3 = f[3].mul(tw_at(u, 3));
                let s4 = f[4].mul(tw_at(u, 4));
                let s7 = s1.add(s4);
                let s10 = s1.sub(s4);
                let s8 = s2.add(s3);
                let s9 = s2.sub(s3);
                let g0 = Cpx {
                    r: s0.r.wrapping_add(s7.r).wrapping_add(s8.r),
                    i: s0.i.wrapping_add(s7.i).wrapping_add(s8.i),
                };
                let s5 = Cpx {
                    r: s0
                        .r
                        .wrapping_add(smul(s7.r, ya.r))
                        .wrapping_add(smul(s8.r, yb.r)),
                    i: s0
                        .i
                        .wrapping_add(smul(s7.i, ya.r))
                        .wrapping_add(smul(s8.i, yb.r)),
                };
                let s6 = Cpx {
                    r: smul(s10.i, ya.i).wrapping_add(smul(s9.i, yb.i)),
                    i: smul(s10.r, ya.i)
                        .wrapping_neg()
                        .wrapping_sub(smul(s9.r, yb.i)),
                };
                let s11 = Cpx {
                    r: s0
                        .r
                        .wrapping_add(smul(s7.r, yb.r))
                        .wrapping_add(smul(s8.r, ya.r)),
                    i: s0
                        .i
                        .wrapping_add(smul(s7.i, yb.r))
                        .wrapping_add(smul(s8.i, ya.r)),
                };
                let s12 = Cpx {
                    r: smul(s10.i, yb.i)
                        .wrapping_neg()
                        .wrapping_add(smul(s9.i, ya.i)),
                    i: smul(s10.r, yb.i).wrapping_sub(smul(s9.r, ya.i)),
                };
                store(region, u, g0);
                store(region, at(u, 1), s5.sub(s6));
                store(region, at(u, 4), s5.add(s6));
                store(region, at(u, 2), s11.add(s12));
                store(region, at(u, 3), s11.sub(s12));
            }
        }
        // The compiler allows no other radix.
        _ => {}
    }
}

/// SignalRfft on int16: for each run of `input_length` inputs, zero-padded to the FFT length,
/// kissfft's fixed-point real FFT (scaled by 1/FFT length, as kissfft's fixed-point build
/// scales), `twiddles.len() + 1` complex outputs. `scratch` holds the half-length complex FFT:
/// `2 * twiddles.len()` values.
pub fn signal_rfft_i16(p: &SignalRfftI16, input: &[i16], output: &mut [i16], scratch: &mut [i16]) {
    let n = p.twiddles.len();
    if p.input_length == 0 || p.output_length == 0 {
        return;
    }
    for (input, output) in rows(input, p.input_length, output, p.output_length) {
        // The leaves of kissfft's recursion: input pairs in digit-reversed order.
        for (j, &from) in enumerate(p.order) {
            let from = usize::from(from);
            let c = Cpx {
                r: input.get(2 * from).copied().unwrap_or(0),
                i: input.get(2 * from + 1).copied().unwrap_or(0),
            };
            store(scratch, j, c);
        }
        // The stages, innermost first: stage `s` recombines `fstride` regions of `p * m` points.
        for s in (0..p.stages.len()).rev() {
            let Some(&[radix, m]) = p.stages.get(s) else {
                continue;
            };
            let fstride: usize = p
                .stages
                .get(..s)
                .unwrap_or_default()
                .iter()
                .fold(1usize, |f, st| f.wrapping_mul(st[0]));
            let values = radix.wrapping_mul(m).wrapping_mul(2);
            if values == 0 {
                continue;
            }
            for region in scratch.chunks_mut(values).take(fstride) {
                butterfly(region, p.twiddles, fstride, m, radix);
            }
        }
        // Split the complex FFT of the even and odd samples into the real FFT.
        let tdc = load(scratch, 0).fixdiv(2);
        store(
            output,
            0,
            Cpx {
                r: tdc.r.wrapping_add(tdc.i),
                i: 0,
            },
        );
        store(
            output,
            n,
            Cpx {
                r: tdc.r.wrapping_sub(tdc.i),
                i: 0,
            },
        );
        for k in 1..=n / 2 {
            let fpk = load(scratch, k).fixdiv(2);
            let nk = load(scratch, n.wrapping_sub(k));
            let fpnk = Cpx {
                r: nk.r,
                i: nk.i.wrapping_neg(),
            }
            .fixdiv(2);
            let f1k = fpk.add(fpnk);
            let f2k = fpk.sub(fpnk);
            let tw = f2k.mul(twiddle(p.super_twiddles, k.wrapping_sub(1)));
            let half =
                |a: i16, b: i16, sign: i32| ((i32::from(a) + sign * i32::from(b)) >> 1) as i16;
            store(
                output,
                k,
                Cpx {
                    r: half(f1k.r, tw.r, 1),
                    i: half(f1k.i, tw.i, 1),
                },
            );
            store(
                output,
                n.wrapping_sub(k),
                Cpx {
                    r: half(f1k.r, tw.r, -1),
                    i: half(tw.i, f1k.i, -1),
                },
            );
        }
    }
}

/// Parameters of [`signal_energy`].
#[derive(Clone, Copy, Debug)]
pub struct SignalEnergy {
    /// First complex bin whose energy is computed.
    pub start_index: usize,
    /// One past the last.
    pub end_index: usize,
}

/// SignalEnergy: `re^2 + im^2` of complex bins `start_index..end_index` (as uint32). TFLM leaves
/// the other outputs unwritten (whatever the arena held); they are zero here.
pub fn signal_energy(p: &SignalEnergy, input: &[i16], output: &mut [u32]) {
    for (k, o) in enumerate(output.iter_mut()) {
        *o = if (p.start_index..p.end_index).contains(&k) {
            let c = load(input, k);
            let (r, i) = (i32::from(c.r), i32::from(c.i));
            ((r * r) as u32).wrapping_add((i * i) as u32)
        } else {
            0
        };
    }
}

/// Parameters of [`signal_filter_bank`]: the model's channel tables (constant tensors).
#[derive(Clone, Copy, Debug)]
pub struct SignalFilterBank<'a> {
    /// Channels (the tables have one more: channel 0 only starts the first accumulation).
    pub num_channels: usize,
    /// Weight of each tap.
    pub weights: &'a [i16],
    /// Weight of each tap for the next channel.
    pub unweights: &'a [i16],
    /// First input bin of each channel.
    pub channel_frequency_starts: &'a [i16],
    /// First tap of each channel.
    pub channel_weight_starts: &'a [i16],
    /// Taps of each channel.
    pub channel_widths: &'a [i16],
}

/// SignalFilterBank: triangular mel channels over uint32 energies, as uint64 sums. Each tap adds
/// `weight * energy` to its channel and `unweight * energy` to the next; TFLM converts the int16
/// weight to uint64 first, so the products and sums wrap modulo 2^64. Output `c` is channel
/// `c + 1`.
pub fn signal_filter_bank(p: &SignalFilterBank, input: &[u32], output: &mut [u64]) {
    let mut weighted: u64 = 0;
    let mut unweighted: u64 = 0;
    for channel in 0..=p.num_channels {
        let table = |t: &[i16]| t.get(channel).copied().unwrap_or(0);
        let freq_start = table(p.channel_frequency_starts) as usize;
        let weight_start = table(p.channel_weight_starts) as usize;
        let width = table(p.channel_widths).max(0) as usize;
        for j in 0..width {
            let x = u64::from(input.get(freq_start.wrapping_add(j)).copied().unwrap_or(0));
            let tap = weight_start.wrapping_add(j);
            let w = p.weights.get(tap).copied().unwrap_or(0) as i64 as u64;
            let u = p.unweights.get(tap).copied().unwrap_or(0) as i64 as u64;
            weighted = weighted.wrapping_add(w.wrapping_mul(x));
            unweighted = unweighted.wrapping_add(u.wrapping_mul(x));
        }
        if let Some(o) = channel.checked_sub(1).and_then(|c| output.get_mut(c)) {
            *o = weighted;
        }
        weighted = unweighted;
        unweighted = 0;
    }
}

/// TFLM's `Sqrt32`: the integer square root of `num`, rounded to nearest, at most 0xFFFF.
fn sqrt32(mut num: u32) -> u16 {
    if num == 0 {
        return 0;
    }
    let mut res: u32 = 0;
    let max_bit = (32 - msb32(num)) | 1;
    let mut bit: u32 = 1 << (31 - max_bit);
    let mut iterations = (31 - max_bit) / 2 + 1;
    while iterations > 0 {
        iterations -= 1;
        let step = res.wrapping_add(bit);
        if num >= step {
            num -= step;
            res = (res >> 1).wrapping_add(bit);
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF {
        res = res.wrapping_add(1);
    }
    res as u16
}

/// TFLM's `Sqrt64`: the integer square root of `num`, rounded to nearest, as uint32.
fn sqrt64(mut num: u64) -> u32 {
    if num >> 32 == 0 {
        return u32::from(sqrt32(num as u32));
    }
    let mut res: u64 = 0;
    let max_bit = (64 - msb64(num)) | 1;
    let mut bit: u64 = 1 << (63 - max_bit);
    let mut iterations = (63 - max_bit) / 2 + 1;
    while iterations > 0 {
        iterations -= 1;
        let step = res.wrapping_add(bit);
        if num >= step {
            num -= step;
            res = (res >> 1).wrapping_add(bit);
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF_FFFF {
        res = res.wrapping_add(1);
    }
    res as u32
}

/// SignalFilterBankSquareRoot: the rounded square root of each channel, shifted right by the
/// FFT auto-scale's shift (one int32; its count modulo 32).
pub fn signal_filter_bank_square_root(
    _: &NoParams,
    input: &[u64],
    scale_bits: &[i32],
    output: &mut [u32],
) {
    let shift = scale_bits.first().copied().unwrap_or(0) as u32;
    for (o, &x) in output.iter_mut().zip(input) {
        *o = sqrt64(x).wrapping_shr(shift);
    }
}

/// Parameters of [`signal_spectral_subtraction`] (TFLM's `SpectralSubtractionConfig`).
#[derive(Clone, Copy, Debug)]
pub struct SignalSpectralSubtraction {
    /// Smoothing of even channels' noise estimates.
    pub smoothing: u32,
    /// `1 - smoothing`, for even channels.
    pub one_minus_smoothing: u32,
    /// Smoothing of odd channels.
    pub alternate_smoothing: u32,
    /// `1 - smoothing`, for odd channels.
    pub alternate_one_minus_smoothing: u32,
    /// Fraction of the signal always kept.
    pub min_signal_remaining: u32,
    /// Bits the signal is scaled up by before smoothing (0..=31).
    pub smoothing_bits: u32,
    /// Fraction bits of the coefficients (0..=63).
    pub spectral_subtraction_bits: u32,
    /// Whether a noise estimate above the signal is clamped to it.
    pub clamping: bool,
}

/// SignalFilterBankSpectralSubtraction: updates the noise estimate of each channel (the model's
/// state, one uint32 per channel) and writes the signal less that estimate, at least
/// `min_signal_remaining` of it.
pub fn signal_spectral_subtraction(
    p: &SignalSpectralSubtraction,
    input: &[u32],
    output: &mut [u32],
    noise_estimate: &mut [u32],
) {
    let (sb, ssb) = (p.smoothing_bits & 31, p.spectral_subtraction_bits & 63);
    for (i, (o, &x)) in enumerate(output.iter_mut().zip(input)) {
        let Some(noise) = noise_estimate.get_mut(i) else {
            return;
        };
        let (smoothing, one_minus) = if i % 2 == 0 {
            (p.smoothing, p.one_minus_smoothing)
        } else {
            (p.alternate_smoothing, p.alternate_one_minus_smoothing)
        };
        let scaled_up = x.wrapping_shl(sb);
        *noise = (u64::from(scaled_up)
            .wrapping_mul(u64::from(smoothing))
            .wrapping_add(u64::from(*noise).wrapping_mul(u64::from(one_minus)))
            >> ssb) as u32;
        let mut estimate = *noise;
        if estimate > scaled_up {
            estimate = scaled_up;
            if p.clamping {
                *noise = estimate;
            }
        }
        let floor = (u64::from(x).wrapping_mul(u64::from(p.min_signal_remaining)) >> ssb) as u32;
        let subtracted = (scaled_up - estimate) >> sb;
        *o = subtracted.max(floor);
    }
}

/// Parameters of [`signal_pcan`].
#[derive(Clone, Copy, Debug)]
pub struct SignalPcan<'a> {
    /// Right shift of `signal * gain` (0..=63).
    pub snr_shift: u32,
    /// The gain curve: three coefficients per power of two of the noise estimate (125 values:
    /// the compiler checks there are that many).
    pub gain_lut: &'a [i16],
}

/// TFLM's `WideDynamicFunction`: the PCAN gain for noise estimate `x`, interpolated in `lut`.
fn wide_dynamic(x: u32, lut: &[i16]) -> i16 {
    let at = |k: usize| i32::from(lut.get(k).copied().unwrap_or(0));
    if x <= 2 {
        return at(x as usize) as i16;
    }
    let interval = msb32(x);
    let base = (4 * interval - 6) as usize;
    let frac = (if interval < 11 {
        x << (11 - interval)
    } else {
        x >> (interval - 11)
    } & 0x3FF) as i32;
    let mut result = (at(base + 2) * frac) >> 5;
    result = result.wrapping_add((at(base + 1) as u32).wrapping_shl(5) as i32);
    result = result.wrapping_mul(frac);
    result = result.wrapping_add(1 << 14) >> 15;
    result = result.wrapping_add(at(base));
    result as i16
}

/// TFLM's `PcanShrink` (12 SNR bits, 6 output bits).
fn pcan_shrink(x: u32) -> u32 {
    if x < 2 << 12 {
        x.wrapping_mul(x) >> (2 + 2 * 12 - 6)
    } else {
        (x >> (12 - 6)) - (1 << 6)
    }
}

/// SignalPCAN: per-channel automatic gain control from the noise estimates, then compression.
pub fn signal_pcan(p: &SignalPcan, input: &[u32], noise_estimate: &[u32], output: &mut [u32]) {
    for ((o, &x), &noise) in output.iter_mut().zip(input).zip(noise_estimate) {
        // TFLM converts the int16 gain to uint32: a negative gain wraps.
        let gain = wide_dynamic(noise, p.gain_lut) as i32 as u32;
        let snr = (u64::from(x).wrapping_mul(u64::from(gain)) >> (p.snr_shift & 63)) as u32;
        *o = pcan_shrink(snr);
    }
}

/// Parameters of [`signal_filter_bank_log`].
#[derive(Clone, Copy, Debug)]
pub struct SignalFilterBankLog {
    /// Left shift of each input before the log (0..=31).
    pub input_correction_bits: u32,
    /// Scale of the natural log, in 1/65536 (TFLM's `uint32_t` arithmetic wraps).
    pub output_scale: u32,
}

/// TFLM's log2 correction per 1/128 of an octave: `round(2^16 * (log2(1 + i/128) - i/128))` for
/// `i` in 0..=128 (TFLM's table has one more entry, which it never reads).
const LOG_SEGMENTS: [u16; 129] = [
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944,
    3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714,
    4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533,
    5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568,
    5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944,
    4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848, 3759,
    3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090,
    1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142, 0,
];

/// TFLM's `Log32(x, out_scale)` for `x > 1`: `out_scale * ln(x)` in 1/65536, from a piecewise
/// linear log2.
fn log32(x: u32, out_scale: u32) -> u32 {
    let integer = msb32(x).wrapping_sub(1);
    // The fraction of log2: x's bits below its top one, as 16 bits.
    let mut frac = (i64::from(x) - (1i64 << (integer & 63))) as i32;
    if integer < 16 {
        frac = frac.wrapping_shl(16 - integer);
    } else {
        frac >>= (integer - 16) & 31;
    }
    let segment = (frac >> 9) as u32 as usize;
    let seg_at = |k: usize| i32::from(LOG_SEGMENTS.get(k).copied().unwrap_or(0));
    let (c0, c1) = (seg_at(segment), seg_at(segment.wrapping_add(1)));
    let seg_base = segment.wrapping_mul(512) as i32;
    let rel = (c1 - c0).wrapping_mul(frac.wrapping_sub(seg_base)) >> 16;
    let fraction = frac.wrapping_add(c0).wrapping_add(rel) as u32;
    let log2 = (integer << 16).wrapping_add(fraction);
    let round: u32 = 1 << 15;
    let loge = ((45426u64 * u64::from(log2) + u64::from(round)) >> 16) as u32;
    out_scale.wrapping_mul(loge).wrapping_add(round) >> 16
}

/// SignalFilterBankLog: `output_scale * ln(x << input_correction_bits)`, saturated to int16 (0
/// for inputs of 0 or 1 after the shift).
pub fn signal_filter_bank_log(p: &SignalFilterBankLog, input: &[u32], output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let scaled = x.wrapping_shl(p.input_correction_bits);
        *o = if scaled > 1 {
            log32(scaled, p.output_scale).min(i16::MAX as u32) as i16
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn log_segments_follow_their_formula() {
        for (i, &v) in LOG_SEGMENTS.iter().enumerate() {
            let x = i as f64 / 128.0;
            let want = (65536.0 * ((1.0 + x).log2() - x)).round();
            assert_eq!(f64::from(v), want, "segment {i}");
        }
    }

    #[test]
    fn square_roots_round_to_nearest() {
        for x in [0u64, 1, 2, 3, 4, 8, 9, 15, 16, 17, 1 << 31, u32::MAX as u64] {
            let want = (x as f64).sqrt().round() as u64;
            assert_eq!(u64::from(sqrt64(x)), want.min(0xFFFF), "sqrt({x})");
        }
        for x in [1u64 << 32, 1 << 40, (1 << 40) + 12345, u64::MAX >> 1] {
            let want = (x as f64).sqrt().round() as u64;
            assert!(
                (u64::from(sqrt64(x)) as i64 - want as i64).abs() <= 1,
                "sqrt({x})"
            );
        }
    }

    #[test]
    fn auto_scale_follows_tflm_quirks() {
        // Silence: no shift (the GCC build's bit count of 0 is 32).
        assert_eq!(auto_scale_bits(&[0, 0, 0]), 0);
        assert_eq!(auto_scale_bits(&[1]), 14);
        assert_eq!(auto_scale_bits(&[100, -3000]), 3);
        // -32768 negates to itself in int16: a later sample replaces it as the maximum.
        assert_eq!(auto_scale_bits(&[-32768]), 0);
        assert_eq!(auto_scale_bits(&[-32768, 5]), 12);
    }
}
