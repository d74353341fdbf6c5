//! The Armv7E-M backend (Cortex-M4, Cortex-M7): the DSP extension's `SXTB16` sign-extends two
//! int8 lanes of a word into 16-bit halves, and `SMLAD` adds both halfword products to an
//! accumulator, so one word of four int8 values costs two of each (exact modulo 2^32; the Q flag
//! `SMLAD` may set is never read).
//!
//! The instructions come from [`insn`], stable `asm!`; on the host, for the tests, from
//! portable emulations with the same lane arithmetic, so that the code around them is tested
//! against [`portable`](super::portable) everywhere.

use super::portable::scalar_dot_i8;

#[cfg(not(embedml_backend = "armv7em"))]
use emulated as dsp;
#[cfg(embedml_backend = "armv7em")]
use insn as dsp;

/// Four int8 values as one little-endian word (one unaligned `LDR` on Cortex-M4).
#[inline(always)]
fn word(v: &[i8; 4]) -> u32 {
    u32::from_le_bytes(v.map(|b| b as u8))
}

/// `acc + Σ xs[i] * ws[i]` over the common length: per word, `SXTB16` of both operands (bytes
/// 0 and 2, then rotated by 8, bytes 1 and 3) and two `SMLAD`s; then the tail.
#[inline(always)]
pub fn dot_i8(acc: i32, xs: &[i8], ws: &[i8]) -> i32 {
    let len = xs.len().min(ws.len());
    let (xs, ws) = (xs.get(..len).unwrap_or(&[]), ws.get(..len).unwrap_or(&[]));
    let (xs4, xs_rest) = xs.as_chunks::<4>();
    let (ws4, ws_rest) = ws.as_chunks::<4>();
    let acc = xs4.iter().zip(ws4).fold(acc, |acc, (x, w)| {
        let (x, w) = (word(x), word(w));
        let acc = dsp::smlad(dsp::sxtb16(x), dsp::sxtb16(w), acc);
        dsp::smlad(dsp::sxtb16_ror8(x), dsp::sxtb16_ror8(w), acc)
    });
    scalar_dot_i8(acc, xs_rest, ws_rest)
}

/// `(acc.0 + xs . ws0, acc.1 + xs . ws1)` over the common length of all three: each input word
/// is loaded and sign-extended once for both rows. Eight values per step in one `asm!` loop
/// (`insn::dot2_blocks8`), then words, then the tail.
#[inline(always)]
pub fn dot2_i8(acc: (i32, i32), xs: &[i8], ws0: &[i8], ws1: &[i8]) -> (i32, i32) {
    let len = xs.len().min(ws0.len()).min(ws1.len());
    let (xs, ws0, ws1) = (
        xs.get(..len).unwrap_or(&[]),
        ws0.get(..len).unwrap_or(&[]),
        ws1.get(..len).unwrap_or(&[]),
    );
    let (xs8, xs) = xs.as_chunks::<8>();
    let (ws08, ws0) = ws0.as_chunks::<8>();
    let (ws18, ws1) = ws1.as_chunks::<8>();
    let (mut a0, mut a1) = dsp::dot2_blocks8(acc, xs8, ws08, ws18);
    let (xs4, xs_rest) = xs.as_chunks::<4>();
    let (ws04, ws0_rest) = ws0.as_chunks::<4>();
    let (ws14, ws1_rest) = ws1.as_chunks::<4>();
    for ((x, w0), w1) in xs4.iter().zip(ws04).zip(ws14) {
        let x = word(x);
        let (x_even, x_odd) = (dsp::sxtb16(x), dsp::sxtb16_ror8(x));
        let (w0, w1) = (word(w0), word(w1));
        a0 = dsp::smlad(x_even, dsp::sxtb16(w0), a0);
        a0 = dsp::smlad(x_odd, dsp::sxtb16_ror8(w0), a0);
        a1 = dsp::smlad(x_even, dsp::sxtb16(w1), a1);
        a1 = dsp::smlad(x_odd, dsp::sxtb16_ror8(w1), a1);
    }
    // The tail in one loop for both rows: two `scalar_dot_i8` loops cost 1.9% more instructions
    // on person_detect at opt-level 3.
    for ((&x, &w0), &w1) in xs_rest.iter().zip(ws0_rest).zip(ws1_rest) {
        a0 = a0.wrapping_add(i32::from(x) * i32::from(w0));
        a1 = a1.wrapping_add(i32::from(x) * i32::from(w1));
    }
    (a0, a1)
}

/// [`portable::rotate_dot_i8`](super::portable::rotate_dot_i8) for a row of whole words (other
/// rows, and weights shorter than the row, take the portable loop): each word of the rotated
/// row is one unaligned `LDR` one byte further on, stored one byte back and dotted as it
/// passes (`SXTB16`, `SMLAD`); the last is the row's last word shifted right by one byte with
/// the first value in its top byte. One pass over the row, and no copy call.
#[inline(always)]
pub fn rotate_dot_i8(acc: i32, row: &mut [i8], ws: &[i8]) -> i32 {
    let len = row.len();
    if len == 0 || !len.is_multiple_of(4) || ws.len() < len {
        return super::portable::rotate_dot_i8(acc, row, ws);
    }
    let first = row.first().map_or(0, |&v| v as u8);
    let (at, weights) = (row.as_mut_ptr(), ws.as_ptr());
    let dot_word = |acc: i32, x: u32, w: u32| {
        let acc = dsp::smlad(dsp::sxtb16(x), dsp::sxtb16(w), acc);
        dsp::smlad(dsp::sxtb16_ror8(x), dsp::sxtb16_ror8(w), acc)
    };
    let mut acc = acc;
    // Wrapping, as every index here: exact (`len >= 4`), and no overflow check in a debug build.
    let last = len.wrapping_sub(4);
    let mut k = 0;
    while k < last {
        // SAFETY: `k + 5 <= last + 4 = len`: bytes `k + 1 .. k + 5` of the row and `k .. k + 4`
        // of the row and of the weights (`ws.len() >= len`) are in bounds; alignment 1. The
        // store writes bytes the loop has read and reads no more (later loads start at
        // `k + 5`).
        unsafe {
            let x = dsp::load_word(at.wrapping_add(k.wrapping_add(1)));
            dsp::store_word(at.wrapping_add(k), x);
            let w = dsp::load_word(weights.wrapping_add(k));
            acc = dot_word(acc, x, w);
        }
        k = k.wrapping_add(4);
    }
    // SAFETY: `last + 4 = len`: bytes `last .. len` of the row and of the weights.
    unsafe {
        let x = dsp::load_word(at.wrapping_add(last)) >> 8 | u32::from(first) << 24;
        dsp::store_word(at.wrapping_add(last), x);
        let w = dsp::load_word(weights.wrapping_add(last));
        dot_word(acc, x, w)
    }
}

/// `acc[j] + x[j] * w[j]` for four adjacent channels: one word of inputs and one of weights,
/// `SXTB16` (bytes 0 and 2, then rotated, 1 and 3), and `SMLABB` / `SMLATT` for the low and high
/// halfword products.
#[inline(always)]
pub fn mac4_i8(acc: [i32; 4], x: &[i8; 4], w: &[i8; 4]) -> [i32; 4] {
    let (x, w) = (word(x), word(w));
    let (x_even, w_even) = (dsp::sxtb16(x), dsp::sxtb16(w));
    let (x_odd, w_odd) = (dsp::sxtb16_ror8(x), dsp::sxtb16_ror8(w));
    [
        dsp::smlabb(x_even, w_even, acc[0]),
        dsp::smlabb(x_odd, w_odd, acc[1]),
        dsp::smlatt(x_even, w_even, acc[2]),
        dsp::smlatt(x_odd, w_odd, acc[3]),
    ]
}

/// `acc[j] + x * w[j]` for four channels sharing the input `x`: the weights' word split by
/// `SXTB16` (bytes 0 and 2, then rotated, 1 and 3), each half multiplied by the sign-extended
/// input's low halfword with `SMLABB` / `SMLABT`.
#[inline(always)]
pub fn mac4_broadcast_i8(acc: [i32; 4], x: &[i8; 1], w: &[i8; 4]) -> [i32; 4] {
    let x = i32::from(x[0]) as u32;
    let w = word(w);
    let (w_even, w_odd) = (dsp::sxtb16(w), dsp::sxtb16_ror8(w));
    [
        dsp::smlabb(x, w_even, acc[0]),
        dsp::smlabb(x, w_odd, acc[1]),
        dsp::smlabt(x, w_even, acc[2]),
        dsp::smlabt(x, w_odd, acc[3]),
    ]
}

/// [`portable::widen4_i8`](super::portable::widen4_i8): the word's `SXTB16` (bytes 0 and 2) and
/// `SXTB16 ..., ROR #8` (bytes 1 and 3).
#[inline(always)]
pub fn widen4_i8(x: [i8; 4]) -> [i32; 2] {
    let x = word(&x);
    [dsp::sxtb16(x) as i32, dsp::sxtb16_ror8(x) as i32]
}

/// [`portable::mac2x2_i8`](super::portable::mac2x2_i8): per group, the two channels' weight
/// words split by `SXTB16` into the lane order of the inputs, and eight `SMLAD`s, in one `asm!`
/// loop ([`dsp::mac2x2_blocks`]).
#[inline(always)]
pub fn mac2x2_i8(acc: [i32; 4], ws: &[[i8; 8]], xs: &[[i32; 4]]) -> [i32; 4] {
    let groups = ws.len().min(xs.len());
    let (Some(ws), Some(xs)) = (ws.get(..groups), xs.get(..groups)) else {
        return acc;
    };
    dsp::mac2x2_blocks(acc, ws, xs)
}

/// [`portable::mac1x2_i8`](super::portable::mac1x2_i8) with `SXTB16` and `SMLAD`.
#[inline(always)]
pub fn mac1x2_i8(acc: [i32; 2], ws: &[[i8; 4]], xs: &[[i32; 4]]) -> [i32; 2] {
    ws.iter().zip(xs).fold(acc, |[a, b], (w, x)| {
        let w = word(w);
        let (even, odd) = (dsp::sxtb16(w), dsp::sxtb16_ror8(w));
        [
            dsp::smlad(x[1] as u32, odd, dsp::smlad(x[0] as u32, even, a)),
            dsp::smlad(x[3] as u32, odd, dsp::smlad(x[2] as u32, even, b)),
        ]
    })
}

/// [`portable::mac4x1_i8`](super::portable::mac4x1_i8) in one `asm!` loop
/// ([`dsp::mac4x1_blocks`]).
#[inline(always)]
pub fn mac4x1_i8(acc: [i32; 4], ws: &[[i8; 16]], xs: &[[i8; 4]]) -> [i32; 4] {
    let groups = ws.len().min(xs.len());
    let (Some(ws), Some(xs)) = (ws.get(..groups), xs.get(..groups)) else {
        return acc;
    };
    dsp::mac4x1_blocks(acc, ws, xs)
}

/// [`portable::mac_high`](super::portable::mac_high): one `SMLAL` onto the addend.
#[inline(always)]
pub fn mac_high(addend: i64, x: i32, multiplier: i32) -> i32 {
    dsp::smlal_high(addend, x, multiplier)
}

/// [`portable::requantize2`](super::portable::requantize2) in one `asm!` block
/// ([`dsp::requantize2`]).
#[inline(always)]
pub fn requantize2(
    accs: [i32; 2],
    multiplier: i32,
    exponent: u32,
    offset: i32,
    min: i32,
    max: i32,
) -> [i32; 2] {
    dsp::requantize2(accs, multiplier, exponent, offset, min, max)
}

/// Whether the whole-loop primitives ([`conv_pairs_i8`], [`fc_blocks_i8`]) take these weights
/// and this clamp range: the weights 4-byte aligned (`LDRD`; the compiler's weight statics are
/// 16-byte aligned and every block keeps that alignment) and the clamp range within int8 (so
/// that `SSAT` then the bytewise `SSUB8`/`SEL` clamp equal TFLM's clamp). The kernels check
/// this once per call.
#[inline(always)]
pub fn blocked_loop_takes(weights: &[i8], min: i32, max: i32) -> bool {
    (weights.as_ptr() as usize).is_multiple_of(4) && -128 <= min && max <= 127
}

/// [`portable::conv_pairs_i8`](super::portable::conv_pairs_i8) as one `asm!` loop over the
/// channel pairs ([`dsp::conv_pairs`]), for parameters that [`blocked_loop_takes`] (others
/// write nothing). Out of line: one copy serves every variant of the blocked convolution a
/// firmware links, for a call per pixel pair.
#[inline(never)]
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
    let pairs = (out_a.len() / 2)
        .min(records.len() / 2)
        .min(ws.len().checked_div(groups).unwrap_or(0))
        .min(out_b.as_deref().map_or(usize::MAX, |b| b.len() / 2));
    let takes = blocked_loop_takes(ws.as_flattened(), min, max);
    if pairs == 0 || groups == 0 || columns.len() < groups || !takes {
        return;
    }
    let replicate = |v: i32| u32::from_ne_bytes([v as u8; 4]);
    dsp::conv_pairs(
        ws,
        groups,
        records,
        columns,
        pairs,
        out_a,
        out_b,
        [offset as u32, replicate(min), replicate(max)],
    );
}

/// [`portable::fc_blocks_i8`](super::portable::fc_blocks_i8) as one `asm!` loop over the
/// blocks ([`dsp::fc_blocks`]), for parameters that [`blocked_loop_takes`] (others write
/// nothing).
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
    let blocks = out
        .len()
        .min(bias.len())
        .min(ws.len().checked_div(groups).unwrap_or(0));
    let takes = blocked_loop_takes(ws.as_flattened(), min, max);
    if blocks == 0 || xs.len() < groups || !takes {
        return;
    }
    let replicate = |v: i32| u32::from_ne_bytes([v as u8; 4]);
    // The nudge `2^30 + 2^(30+e)` of `ScaleDown` as its two words, from `2^(e-1)`.
    let shift = (exponent as u32).wrapping_sub(1) & 31;
    let power = 1u32 << shift;
    dsp::fc_blocks(
        ws,
        groups,
        bias,
        xs,
        blocks,
        out,
        [
            multiplier as u32,
            (1 << 30) | power << 31,
            power >> 1,
            shift,
            offset as u32,
            replicate(min),
            replicate(max),
        ],
    );
}

/// [`portable::widen_rows_i8`](super::portable::widen_rows_i8): when the slices hold every run
/// and group, one `asm!` loop ([`dsp::widen_rows`]); else the portable loop.
#[inline(always)]
pub fn widen_rows_i8(
    src: &[i8],
    stride: usize,
    words: usize,
    rows: usize,
    dst: &mut [[i32; 4]],
    lane: usize,
) {
    // The last byte read, `(rows - 1) * stride + 4 * words - 1`, and the groups written.
    let last = rows
        .checked_sub(1)
        .and_then(|r| r.checked_mul(stride))
        .and_then(|at| at.checked_add(words.checked_mul(4)?));
    let groups = rows.checked_mul(words);
    match (last, groups) {
        (Some(end), Some(groups)) if words > 0 && end <= src.len() && groups <= dst.len() => {
            dsp::widen_rows(src, stride, words, rows, dst, lane & 2);
        }
        _ => super::portable::widen_rows_i8(src, stride, words, rows, dst, lane),
    }
}

/// `SXTB16`, `SXTB16 ..., ROR #8` and the `SMLAxy` multiply-accumulates of the DSP extension,
/// through stable `asm!`, and [`dot2_blocks8`](insn::dot2_blocks8), a whole MAC loop in one
/// `asm!` block.
#[cfg(embedml_backend = "armv7em")]
mod insn {
    /// Four bytes at `p`, any alignment (`LDR` takes unaligned addresses on Cortex-M4).
    /// `read_unaligned` in an optimised build, which LLVM schedules with the loop (5 % fewer
    /// instructions on keyword_scrambled_8bit than an `asm!` load); with debug assertions an
    /// `asm!` `LDR`, since `read_unaligned`'s precondition check would be a panic path there.
    ///
    /// # Safety
    /// `p .. p + 4` must be readable.
    #[inline(always)]
    pub unsafe fn load_word(p: *const i8) -> u32 {
        #[cfg(not(debug_assertions))]
        // SAFETY: the caller's.
        return u32::from_le(unsafe { p.cast::<u32>().read_unaligned() });
        #[cfg(debug_assertions)]
        {
            let x: u32;
            // SAFETY: the caller's.
            unsafe {
                asm!("ldr {x}, [{p}]", x = out(reg) x, p = in(reg) p,
                    options(pure, readonly, nostack, preserves_flags));
            }
            x
        }
    }

    /// Stores four bytes at `p`, any alignment (`STR`); as [`load_word`], `write_unaligned`
    /// in an optimised build and `asm!` with debug assertions.
    ///
    /// # Safety
    /// `p .. p + 4` must be writable.
    #[inline(always)]
    pub unsafe fn store_word(p: *mut i8, x: u32) {
        #[cfg(not(debug_assertions))]
        // SAFETY: the caller's.
        unsafe {
            p.cast::<u32>().write_unaligned(x.to_le())
        }
        #[cfg(debug_assertions)]
        // SAFETY: the caller's.
        unsafe {
            asm!("str {x}, [{p}]", x = in(reg) x, p = in(reg) p,
                options(nostack, preserves_flags));
        }
    }

    use core::arch::asm;

    /// One group of the 2x2 block (`mac2x2_blocks`, `conv_pairs`): two weight words split by
    /// `SXTB16` into even and odd lanes, four input words, eight `SMLAD`s. The weight words
    /// come by two `LDR`s, or (`aligned`: the weights 4-byte aligned) one `LDRD`.
    macro_rules! mac2x2_group {
        () => {
            concat!(
                "ldr {w0}, [{pw}], #4\n",
                "ldr {w1}, [{pw}], #4\n",
                mac2x2_group!(products)
            )
        };
        (aligned) => {
            concat!("ldrd {w0}, {w1}, [{pw}], #8\n", mac2x2_group!(products))
        };
        (products) => {
            concat!(
                "sxtb16 {e0}, {w0}\n",
                "sxtb16 {w0}, {w0}, ror #8\n",
                "sxtb16 {e1}, {w1}\n",
                "sxtb16 {w1}, {w1}, ror #8\n",
                "ldr {x}, [{px}], #4\n",
                "smlad {a0}, {x}, {e0}, {a0}\n",
                "smlad {a1}, {x}, {e1}, {a1}\n",
                "ldr {x}, [{px}], #4\n",
                "smlad {a0}, {x}, {w0}, {a0}\n",
                "smlad {a1}, {x}, {w1}, {a1}\n",
                "ldr {x}, [{px}], #4\n",
                "smlad {a2}, {x}, {e0}, {a2}\n",
                "smlad {a3}, {x}, {e1}, {a3}\n",
                "ldr {x}, [{px}], #4\n",
                "smlad {a2}, {x}, {w0}, {a2}\n",
                "smlad {a3}, {x}, {w1}, {a3}\n",
            )
        };
    }

    /// Bytes 0 and 2 of `x`, sign-extended into the low and high halfwords.
    #[inline(always)]
    pub fn sxtb16(x: u32) -> u32 {
        let r;
        // SAFETY: a register-only instruction of the target (the DSP extension is enabled).
        unsafe {
            asm!("sxtb16 {r}, {x}", r = lateout(reg) r, x = in(reg) x,
                options(pure, nomem, nostack, preserves_flags));
        }
        r
    }

    /// Bytes 1 and 3 of `x`, sign-extended into the low and high halfwords.
    #[inline(always)]
    pub fn sxtb16_ror8(x: u32) -> u32 {
        let r;
        // SAFETY: as for `sxtb16`.
        unsafe {
            asm!("sxtb16 {r}, {x}, ror #8", r = lateout(reg) r, x = in(reg) x,
                options(pure, nomem, nostack, preserves_flags));
        }
        r
    }

    /// `acc + a.lo * b.lo + a.hi * b.hi` (signed halfwords), wrapping.
    #[inline(always)]
    pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: as for `sxtb16`; it may set the sticky Q flag, which nothing reads, so the
        // flags are not declared preserved.
        unsafe {
            asm!("smlad {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b,
                acc = in(reg) acc, options(pure, nomem, nostack));
        }
        r
    }

    /// `acc + a.lo * b.lo` (signed halfwords), wrapping.
    #[inline(always)]
    pub fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: as for `smlad`.
        unsafe {
            asm!("smlabb {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b,
                acc = in(reg) acc, options(pure, nomem, nostack));
        }
        r
    }

    /// `acc + a.lo * b.hi` (signed halfwords), wrapping.
    #[inline(always)]
    pub fn smlabt(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: as for `smlad`.
        unsafe {
            asm!("smlabt {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b,
                acc = in(reg) acc, options(pure, nomem, nostack));
        }
        r
    }

    /// `acc + a.hi * b.hi` (signed halfwords), wrapping.
    #[inline(always)]
    pub fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: as for `smlad`.
        unsafe {
            asm!("smlatt {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b,
                acc = in(reg) acc, options(pure, nomem, nostack));
        }
        r
    }

    /// `(acc.0 + xs . ws0, acc.1 + xs . ws1)` over whole blocks of eight int8 values (all
    /// three slices the same length): per word, `SXTB16` of the inputs (bytes 0 and 2, then
    /// rotated, 1 and 3) and of each weight row, two `SMLAD`s per row; one loop of
    /// post-incremented loads, two words per iteration, in one `asm!` block (register
    /// allocation of the Rust form spills at opt-level "s").
    #[inline(always)]
    pub fn dot2_blocks8(
        acc: (i32, i32),
        xs: &[[i8; 8]],
        ws0: &[[i8; 8]],
        ws1: &[[i8; 8]],
    ) -> (i32, i32) {
        let blocks = xs.len();
        if blocks == 0 || ws0.len() != blocks || ws1.len() != blocks {
            return acc;
        }
        let (mut a0, mut a1) = acc;
        // SAFETY: the loop runs `blocks` times and reads 8 bytes per iteration through each
        // pointer, which all three slices hold (`blocks * 8` bytes each, checked above; `LDR`
        // needs no alignment on Cortex-M4). It writes no memory and uses no stack; it changes
        // the flags (`SUBS`), which are not declared preserved.
        unsafe {
            asm!(
                "2:",
                "ldr {x}, [{px}], #4",
                "ldr {w0}, [{pw0}], #4",
                "ldr {w1}, [{pw1}], #4",
                "sxtb16 {t}, {x}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {u}, {w0}",
                "sxtb16 {w0}, {w0}, ror #8",
                "smlad {a0}, {t}, {u}, {a0}",
                "smlad {a0}, {x}, {w0}, {a0}",
                "sxtb16 {u}, {w1}",
                "sxtb16 {w1}, {w1}, ror #8",
                "smlad {a1}, {t}, {u}, {a1}",
                "smlad {a1}, {x}, {w1}, {a1}",
                "ldr {x}, [{px}], #4",
                "ldr {w0}, [{pw0}], #4",
                "ldr {w1}, [{pw1}], #4",
                "sxtb16 {t}, {x}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {u}, {w0}",
                "sxtb16 {w0}, {w0}, ror #8",
                "smlad {a0}, {t}, {u}, {a0}",
                "smlad {a0}, {x}, {w0}, {a0}",
                "sxtb16 {u}, {w1}",
                "sxtb16 {w1}, {w1}, ror #8",
                "smlad {a1}, {t}, {u}, {a1}",
                "smlad {a1}, {x}, {w1}, {a1}",
                "subs {n}, {n}, #1",
                "bne 2b",
                px = inout(reg) xs.as_ptr() => _,
                pw0 = inout(reg) ws0.as_ptr() => _,
                pw1 = inout(reg) ws1.as_ptr() => _,
                n = inout(reg) blocks => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                x = out(reg) _,
                w0 = out(reg) _,
                w1 = out(reg) _,
                t = out(reg) _,
                u = out(reg) _,
                options(nostack, readonly),
            );
        }
        (a0, a1)
    }

    /// `[A.0, A.1, B.0, B.1] + ...` of [`mac2x2_i8`](super::mac2x2_i8) over whole groups (both
    /// slices the same length): per group two weight words (`SXTB16` each into even and odd
    /// lanes), four input words, eight `SMLAD`s; post-incremented loads, two groups per
    /// iteration, all twelve values in registers.
    #[inline(always)]
    pub fn mac2x2_blocks(acc: [i32; 4], ws: &[[i8; 8]], xs: &[[i32; 4]]) -> [i32; 4] {
        let groups = ws.len();
        if groups == 0 || xs.len() != groups {
            return acc;
        }
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: the loop runs `groups` times and reads 8 bytes through `pw` and 16 through
        // `px` per iteration, which the slices hold (`groups` elements each, checked above;
        // `LDR` needs no alignment on Cortex-M4). It writes no memory and uses no stack; it
        // changes the flags (`SUBS`), which are not declared preserved.
        unsafe {
            asm!(
                // Two groups per iteration, `n` counting the pairs left after this one; an odd
                // count enters at the second group of the first iteration.
                "lsrs {n}, {n}, #1",
                "bcs 3f",
                "subs {n}, {n}, #1",
                "2:",
                mac2x2_group!(),
                "3:",
                mac2x2_group!(),
                "subs {n}, {n}, #1",
                "bpl 2b",
                pw = inout(reg) ws.as_ptr() => _,
                px = inout(reg) xs.as_ptr() => _,
                n = inout(reg) groups => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                w0 = out(reg) _,
                w1 = out(reg) _,
                e0 = out(reg) _,
                e1 = out(reg) _,
                x = out(reg) _,
                options(nostack, readonly),
            );
        }
        [a0, a1, a2, a3]
    }

    /// The four sums of [`mac4x1_i8`](super::mac4x1_i8) over whole groups (both slices the same
    /// length): per group the row's word split by `SXTB16` into even and odd lanes, and per
    /// channel one weight word split likewise into two `SMLAD`s; two groups per iteration, all
    /// eleven values in registers.
    #[inline(always)]
    pub fn mac4x1_blocks(acc: [i32; 4], ws: &[[i8; 16]], xs: &[[i8; 4]]) -> [i32; 4] {
        let groups = ws.len();
        if groups == 0 || xs.len() != groups {
            return acc;
        }
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: the loop runs `groups` times and reads 16 bytes through `pw` and 4 through
        // `px` per iteration, which the slices hold (`groups` elements each, checked above;
        // `LDR` needs no alignment on Cortex-M4). It writes no memory and uses no stack; it
        // changes the flags (`SUBS`), which are not declared preserved.
        unsafe {
            asm!(
                // Two groups per iteration, `n` counting the pairs left after this one; an odd
                // count enters at the second group of the first iteration.
                "lsrs {n}, {n}, #1",
                "bcs 3f",
                "subs {n}, {n}, #1",
                "2:",
                "ldr {xo}, [{px}], #4",
                "sxtb16 {xe}, {xo}",
                "sxtb16 {xo}, {xo}, ror #8",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a0}, {xe}, {t}, {a0}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a0}, {xo}, {w}, {a0}",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a1}, {xe}, {t}, {a1}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a1}, {xo}, {w}, {a1}",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a2}, {xe}, {t}, {a2}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a2}, {xo}, {w}, {a2}",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a3}, {xe}, {t}, {a3}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a3}, {xo}, {w}, {a3}",
                "3:",
                "ldr {xo}, [{px}], #4",
                "sxtb16 {xe}, {xo}",
                "sxtb16 {xo}, {xo}, ror #8",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a0}, {xe}, {t}, {a0}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a0}, {xo}, {w}, {a0}",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a1}, {xe}, {t}, {a1}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a1}, {xo}, {w}, {a1}",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a2}, {xe}, {t}, {a2}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a2}, {xo}, {w}, {a2}",
                "ldr {w}, [{pw}], #4",
                "sxtb16 {t}, {w}",
                "smlad {a3}, {xe}, {t}, {a3}",
                "sxtb16 {w}, {w}, ror #8",
                "smlad {a3}, {xo}, {w}, {a3}",
                "subs {n}, {n}, #1",
                "bpl 2b",
                pw = inout(reg) ws.as_ptr() => _,
                px = inout(reg) xs.as_ptr() => _,
                n = inout(reg) groups => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                xe = out(reg) _,
                xo = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                options(nostack, readonly),
            );
        }
        [a0, a1, a2, a3]
    }

    /// The high word of `addend + x * multiplier` (`SMLAL`), wrapping.
    #[inline(always)]
    pub fn smlal_high(addend: i64, x: i32, multiplier: i32) -> i32 {
        let (mut lo, mut hi) = (addend as u32, (addend >> 32) as i32);
        // SAFETY: a register-only instruction of the target.
        unsafe {
            asm!("smlal {lo}, {hi}, {x}, {m}", lo = inout(reg) lo, hi = inout(reg) hi,
                x = in(reg) x, m = in(reg) multiplier,
                options(pure, nomem, nostack, preserves_flags));
        }
        let _ = lo;
        hi
    }

    /// [`requantize2`](super::requantize2): per channel the nudge's two words from `2^(e-1)`
    /// (three instructions), per output the sign-chosen nudge, one `SMLAL`, the shift, the
    /// offset and the clamp (twelve).
    #[inline(always)]
    pub fn requantize2(
        accs: [i32; 2],
        multiplier: i32,
        exponent: u32,
        offset: i32,
        min: i32,
        max: i32,
    ) -> [i32; 2] {
        let [mut a, mut b] = accs;
        let shift = exponent.wrapping_sub(1) & 31;
        // SAFETY: register-only instructions of the target; they change the flags, which are
        // not declared preserved.
        unsafe {
            asm!(
                "movs {nlo}, #1",
                "lsls {nlo}, {nlo}, {sh}",
                "lsrs {nhi}, {nlo}, #1",
                "lsls {nlo}, {nlo}, #31",
                "orr {nlo}, {nlo}, #0x40000000",
                "asr {hi}, {a}, #31",
                "adds {lo}, {nlo}, {hi}, lsl #31",
                "adc {hi}, {nhi}, {hi}",
                "smlal {lo}, {hi}, {a}, {m}",
                "asr {hi}, {hi}, {sh}",
                "add {a}, {hi}, {off}",
                "cmp {a}, {min}",
                "it lt",
                "movlt {a}, {min}",
                "cmp {a}, {max}",
                "it gt",
                "movgt {a}, {max}",
                "asr {hi}, {b}, #31",
                "adds {lo}, {nlo}, {hi}, lsl #31",
                "adc {hi}, {nhi}, {hi}",
                "smlal {lo}, {hi}, {b}, {m}",
                "asr {hi}, {hi}, {sh}",
                "add {b}, {hi}, {off}",
                "cmp {b}, {min}",
                "it lt",
                "movlt {b}, {min}",
                "cmp {b}, {max}",
                "it gt",
                "movgt {b}, {max}",
                a = inout(reg) a,
                b = inout(reg) b,
                m = in(reg) multiplier,
                sh = in(reg) shift,
                off = in(reg) offset,
                min = in(reg) min,
                max = in(reg) max,
                nlo = out(reg) _,
                nhi = out(reg) _,
                lo = out(reg) _,
                hi = out(reg) _,
                options(pure, nomem, nostack),
            );
        }
        [a, b]
    }

    /// [`conv_pairs_i8`](super::conv_pairs_i8)'s loop over `pairs` channel pairs (the caller
    /// checked that every slice holds them and that the clamp range is within int8; `[offset,
    /// min4, max4]` are the output offset and the clamp bounds replicated in four bytes). Per
    /// pair: the biases, the MAC loop of [`mac2x2_blocks`] (two groups per iteration), per
    /// channel the nudge of `2^30 + 2^(30+e)` from `2^(e-1)` and for each of its two outputs
    /// the sign-chosen nudge, `SMLAL` and the shift; then the offset, `SSAT` to int8, the four
    /// bytes packed by `BFI` and clamped bytewise by `SSUB8`/`SEL` (the maximum with the lower
    /// bound, then the minimum with the upper one), one halfword store for each pixel (B's
    /// first, so that without a pixel B, whose store then goes to A's bytes, A's wins). The loop
    /// state that does not fit in registers lives in a block on this function's stack.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn conv_pairs(
        ws: &[[i8; 8]],
        groups: usize,
        records: &[[i32; 3]],
        columns: &[[i32; 4]],
        pairs: usize,
        out_a: &mut [i8],
        out_b: Option<&mut [i8]>,
        [offset, min4, max4]: [u32; 3],
    ) {
        let a_ptr = out_a.as_mut_ptr();
        let b_ptr = out_b.map_or(a_ptr, <[i8]>::as_mut_ptr);
        // 0: columns, 4: groups, 8: records, 12: out A, 16: out B, 20: pairs left, 24: offset,
        // 28: min4, 32: max4, 36: weights (saved across the epilogue).
        let mut state: [u32; 10] = [
            columns.as_ptr() as u32,
            groups as u32,
            records.as_ptr() as u32,
            a_ptr as u32,
            b_ptr as u32,
            pairs as u32,
            offset,
            min4,
            max4,
            0,
        ];
        // SAFETY: the caller checked that `pairs >= 1` channel pairs fit every slice: the loop
        // reads `8 * groups` weight bytes per pair through `pw` (`pairs * groups` of `ws`'s
        // 8-byte elements, 4-byte aligned as `LDRD` needs), `16 * groups` column bytes per pair from `columns` (its first
        // `groups` elements), 24 record bytes per pair (`2 * pairs` records, 4-byte aligned as
        // `LDRD` needs: `[i32; 3]` is), and writes 2 bytes per pair to each output (`2 * pairs`
        // bytes of `out_a` and of `out_b`, or of `out_a` twice without a pixel B); it reads and
        // writes `state`, a 4-byte aligned local; it pushes one 8-byte slot on the stack and
        // pops it. `LDR`/`STRH` need no alignment on Cortex-M4. Flags are changed (not declared
        // preserved).
        unsafe {
            asm!(
                "2:",
                "ldr {w0}, [{x}, #8]",
                "ldr {a0}, [{w0}]",
                "ldr {a1}, [{w0}, #12]",
                "mov {a2}, {a0}",
                "mov {a3}, {a1}",
                "ldr {px}, [{x}, #0]",
                "ldr {n}, [{x}, #4]",
                "str {x}, [sp, #-8]!",
                // The MAC loop: two groups per iteration, an odd count entering at the second.
                "lsrs {n}, {n}, #1",
                "bcs 4f",
                "subs {n}, {n}, #1",
                "3:",
                mac2x2_group!(aligned),
                "4:",
                mac2x2_group!(aligned),
                "subs {n}, {n}, #1",
                "bpl 3b",
                "ldr {x}, [sp], #8",
                "str {pw}, [{x}, #36]",
                "ldr {w0}, [{x}, #8]",
                "ldrd {w1}, {e0}, [{w0}, #4]",
                "sub {e0}, {e0}, #1",
                "movs {px}, #1",
                "lsls {px}, {px}, {e0}",
                "lsrs {n}, {px}, #1",
                "lsls {px}, {px}, #31",
                "orr {px}, {px}, #0x40000000",
                "asr {e1}, {a0}, #31",
                "adds {pw}, {px}, {e1}, lsl #31",
                "adc {e1}, {n}, {e1}",
                "smlal {pw}, {e1}, {a0}, {w1}",
                "asr {a0}, {e1}, {e0}",
                "asr {e1}, {a2}, #31",
                "adds {pw}, {px}, {e1}, lsl #31",
                "adc {e1}, {n}, {e1}",
                "smlal {pw}, {e1}, {a2}, {w1}",
                "asr {a2}, {e1}, {e0}",
                "ldrd {w1}, {e0}, [{w0}, #16]",
                "sub {e0}, {e0}, #1",
                "movs {px}, #1",
                "lsls {px}, {px}, {e0}",
                "lsrs {n}, {px}, #1",
                "lsls {px}, {px}, #31",
                "orr {px}, {px}, #0x40000000",
                "asr {e1}, {a1}, #31",
                "adds {pw}, {px}, {e1}, lsl #31",
                "adc {e1}, {n}, {e1}",
                "smlal {pw}, {e1}, {a1}, {w1}",
                "asr {a1}, {e1}, {e0}",
                "asr {e1}, {a3}, #31",
                "adds {pw}, {px}, {e1}, lsl #31",
                "adc {e1}, {n}, {e1}",
                "smlal {pw}, {e1}, {a3}, {w1}",
                "asr {a3}, {e1}, {e0}",
                "ldr {w1}, [{x}, #24]",
                "add {a0}, {a0}, {w1}",
                "add {a1}, {a1}, {w1}",
                "add {a2}, {a2}, {w1}",
                "add {a3}, {a3}, {w1}",
                "ssat {a0}, #8, {a0}",
                "ssat {a1}, #8, {a1}",
                "ssat {a2}, #8, {a2}",
                "ssat {a3}, #8, {a3}",
                "bfi {a0}, {a1}, #8, #8",
                "bfi {a0}, {a2}, #16, #8",
                "bfi {a0}, {a3}, #24, #8",
                "ldrd {w1}, {e0}, [{x}, #28]",
                "ssub8 {pw}, {a0}, {w1}",
                "sel {a0}, {a0}, {w1}",
                "ssub8 {pw}, {e0}, {a0}",
                "sel {a0}, {a0}, {e0}",
                "ldrd {w1}, {e0}, [{x}, #12]",
                "lsrs {e1}, {a0}, #16",
                "strh {e1}, [{e0}], #2",
                "strh {a0}, [{w1}], #2",
                "strd {w1}, {e0}, [{x}, #12]",
                "add {w0}, {w0}, #24",
                "str {w0}, [{x}, #8]",
                "ldr {pw}, [{x}, #36]",
                "ldr {n}, [{x}, #20]",
                "subs {n}, {n}, #1",
                "str {n}, [{x}, #20]",
                "bne 2b",
                x = inout(reg) state.as_mut_ptr() => _,
                pw = inout(reg) ws.as_ptr() => _,
                px = out(reg) _,
                n = out(reg) _,
                a0 = out(reg) _,
                a1 = out(reg) _,
                a2 = out(reg) _,
                a3 = out(reg) _,
                w0 = out(reg) _,
                w1 = out(reg) _,
                e0 = out(reg) _,
                e1 = out(reg) _,
            );
        }
    }

    /// One group of [`fc_blocks`]: the row's word split by `SXTB16` into even and odd lanes,
    /// the four channels' weight words by two `LDRD`s, each split likewise into two `SMLAD`s
    /// (`{x}` is the scratch register: the state pointer is on the stack during the loop).
    macro_rules! fc_group {
        () => {
            concat!(
                "ldr {xo}, [{px}], #4\n",
                "sxtb16 {xe}, {xo}\n",
                "sxtb16 {xo}, {xo}, ror #8\n",
                "ldrd {w0}, {w1}, [{pw}], #8\n",
                "sxtb16 {x}, {w0}\n",
                "smlad {a0}, {xe}, {x}, {a0}\n",
                "sxtb16 {w0}, {w0}, ror #8\n",
                "smlad {a0}, {xo}, {w0}, {a0}\n",
                "sxtb16 {x}, {w1}\n",
                "smlad {a1}, {xe}, {x}, {a1}\n",
                "sxtb16 {w1}, {w1}, ror #8\n",
                "smlad {a1}, {xo}, {w1}, {a1}\n",
                "ldrd {w0}, {w1}, [{pw}], #8\n",
                "sxtb16 {x}, {w0}\n",
                "smlad {a2}, {xe}, {x}, {a2}\n",
                "sxtb16 {w0}, {w0}, ror #8\n",
                "smlad {a2}, {xo}, {w0}, {a2}\n",
                "sxtb16 {x}, {w1}\n",
                "smlad {a3}, {xe}, {x}, {a3}\n",
                "sxtb16 {w1}, {w1}, ror #8\n",
                "smlad {a3}, {xo}, {w1}, {a3}\n",
            )
        };
    }

    /// One output of [`fc_blocks`]'s epilogue: `ScaleDown` as the sign-chosen nudge
    /// (`{w1}`, `{xe}`: its low and high words), one `SMLAL` by the multiplier `{w0}` and the
    /// shift by `{xo}`.
    macro_rules! fc_scale {
        ($a:literal) => {
            concat!(
                "asr {n}, {",
                $a,
                "}, #31\n",
                "adds {px}, {w1}, {n}, lsl #31\n",
                "adc {n}, {xe}, {n}\n",
                "smlal {px}, {n}, {",
                $a,
                "}, {w0}\n",
                "asr {",
                $a,
                "}, {n}, {xo}\n",
            )
        };
    }

    /// [`fc_blocks_i8`](super::fc_blocks_i8)'s loop over `blocks` blocks of four channels (the
    /// caller checked that every slice holds them, that `ws` is 4-byte aligned and the clamp
    /// range within int8; `params` are the multiplier, the nudge's low and high words, the
    /// shift `e - 1`, the output offset and the clamp bounds replicated in four bytes). Per
    /// block: the four biases (two `LDRD`s), the MAC loop of [`fc_group`] (two groups per
    /// iteration), per output the sign-chosen nudge, `SMLAL` and the shift, then the offset,
    /// `SSAT` to int8, the four bytes packed by `BFI`, clamped bytewise by `SSUB8`/`SEL` and
    /// stored as one word. The loop state that does not fit in registers lives in a block on
    /// this function's stack.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn fc_blocks(
        ws: &[[i8; 16]],
        groups: usize,
        bias: &[[i32; 4]],
        xs: &[[i8; 4]],
        blocks: usize,
        out: &mut [[i8; 4]],
        params: [u32; 7],
    ) {
        let [multiplier, nudge_lo, nudge_hi, shift, offset, min4, max4] = params;
        // 0: row, 4: groups, 8: biases, 12: output, 16: blocks left, 20: multiplier, 24: nudge
        // low word, 28: nudge high word, 32: shift, 36: offset, 40: min4, 44: max4, 48: weights
        // (saved across the epilogue).
        let mut state: [u32; 13] = [
            xs.as_ptr() as u32,
            groups as u32,
            bias.as_ptr() as u32,
            out.as_mut_ptr() as u32,
            blocks as u32,
            multiplier,
            nudge_lo,
            nudge_hi,
            shift,
            offset,
            min4,
            max4,
            0,
        ];
        // SAFETY: the caller checked that `blocks >= 1` blocks of `groups >= 1` groups fit
        // every slice: the loop reads `16 * groups` weight bytes per block through `pw`
        // (`blocks * groups` of `ws`'s 16-byte elements, 4-byte aligned as `LDRD` needs), `4 *
        // groups` row bytes per block from `xs` (its first `groups` elements), 16 bias bytes
        // per block (`blocks` elements of `bias`, 4-byte aligned: `[i32; 4]` is) and writes 4
        // bytes per block (`blocks` elements of `out`); it reads and writes `state`, a 4-byte
        // aligned local; it pushes one 8-byte slot on the stack and pops it. `LDR`/`STR` need
        // no alignment on Cortex-M4. Flags are changed (not declared preserved).
        unsafe {
            asm!(
                "2:",
                "ldr {n}, [{x}, #8]",
                "ldrd {a0}, {a1}, [{n}], #8",
                "ldrd {a2}, {a3}, [{n}], #8",
                "str {n}, [{x}, #8]",
                "ldrd {px}, {n}, [{x}, #0]",
                "str {x}, [sp, #-8]!",
                // The MAC loop: two groups per iteration, an odd count entering at the second.
                "lsrs {n}, {n}, #1",
                "bcs 4f",
                "subs {n}, {n}, #1",
                "3:",
                fc_group!(),
                "4:",
                fc_group!(),
                "subs {n}, {n}, #1",
                "bpl 3b",
                "ldr {x}, [sp], #8",
                "str {pw}, [{x}, #48]",
                "ldrd {w0}, {w1}, [{x}, #20]",
                "ldrd {xe}, {xo}, [{x}, #28]",
                fc_scale!("a0"),
                fc_scale!("a1"),
                fc_scale!("a2"),
                fc_scale!("a3"),
                "ldr {n}, [{x}, #36]",
                "add {a0}, {a0}, {n}",
                "add {a1}, {a1}, {n}",
                "add {a2}, {a2}, {n}",
                "add {a3}, {a3}, {n}",
                "ssat {a0}, #8, {a0}",
                "ssat {a1}, #8, {a1}",
                "ssat {a2}, #8, {a2}",
                "ssat {a3}, #8, {a3}",
                "bfi {a0}, {a1}, #8, #8",
                "bfi {a0}, {a2}, #16, #8",
                "bfi {a0}, {a3}, #24, #8",
                "ldrd {w0}, {w1}, [{x}, #40]",
                "ssub8 {n}, {a0}, {w0}",
                "sel {a0}, {a0}, {w0}",
                "ssub8 {n}, {w1}, {a0}",
                "sel {a0}, {a0}, {w1}",
                "ldr {n}, [{x}, #12]",
                "str {a0}, [{n}], #4",
                "str {n}, [{x}, #12]",
                "ldr {pw}, [{x}, #48]",
                "ldr {n}, [{x}, #16]",
                "subs {n}, {n}, #1",
                "str {n}, [{x}, #16]",
                "bne 2b",
                x = inout(reg) state.as_mut_ptr() => _,
                pw = inout(reg) ws.as_ptr() => _,
                px = out(reg) _,
                n = out(reg) _,
                a0 = out(reg) _,
                a1 = out(reg) _,
                a2 = out(reg) _,
                a3 = out(reg) _,
                xe = out(reg) _,
                xo = out(reg) _,
                w0 = out(reg) _,
                w1 = out(reg) _,
            );
        }
    }

    /// [`widen_rows_i8`](super::widen_rows_i8) for slices that hold every run and group
    /// (checked by the caller, with `rows >= 1`, `words >= 1`, `lane` 0 or 2): per word `LDR`,
    /// two `SXTB16`s and one `STRD` into the group's lanes, post-incremented by a group.
    #[inline(always)]
    pub fn widen_rows(
        src: &[i8],
        stride: usize,
        words: usize,
        rows: usize,
        dst: &mut [[i32; 4]],
        lane: usize,
    ) {
        // SAFETY: reads `4 * words` bytes at `src + r * stride` for `r < rows`, all inside
        // `src` (the caller checked `(rows - 1) * stride + 4 * words <= src.len()`), and writes
        // 8 bytes at the 16-byte groups `0..rows * words` of `dst` (checked `<= dst.len()`) at
        // offset `4 * lane` (0 or 8: `STRD` needs the word alignment `[i32; 4]` has). No stack;
        // flags changed.
        unsafe {
            asm!(
                "2:",
                "mov {s}, {src}",
                "mov {k}, {words}",
                "3:",
                "ldr {w}, [{s}], #4",
                "sxtb16 {e}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "strd {e}, {w}, [{d}], #16",
                "subs {k}, {k}, #1",
                "bne 3b",
                "add {src}, {src}, {stride}",
                "subs {rows}, {rows}, #1",
                "bne 2b",
                src = inout(reg) src.as_ptr() => _,
                stride = in(reg) stride,
                words = in(reg) words,
                rows = inout(reg) rows => _,
                d = inout(reg) dst.as_mut_ptr().cast::<i32>().add(lane) => _,
                s = out(reg) _,
                k = out(reg) _,
                w = out(reg) _,
                e = out(reg) _,
                options(nostack),
            );
        }
    }
}

/// The instructions of [`insn`] emulated with the same lane arithmetic, so that the host tests
/// run this backend's code.
#[cfg(not(embedml_backend = "armv7em"))]
mod emulated {
    pub unsafe fn load_word(p: *const i8) -> u32 {
        // SAFETY: the caller's.
        u32::from_le(unsafe { p.cast::<u32>().read_unaligned() })
    }

    pub unsafe fn store_word(p: *mut i8, x: u32) {
        // SAFETY: the caller's.
        unsafe { p.cast::<u32>().write_unaligned(x.to_le()) }
    }

    fn halves(x: u32) -> (i32, i32) {
        (
            i32::from(x as u16 as i16),
            i32::from((x >> 16) as u16 as i16),
        )
    }

    pub fn sxtb16(x: u32) -> u32 {
        u32::from(x as u8 as i8 as i16 as u16)
            | u32::from((x >> 16) as u8 as i8 as i16 as u16) << 16
    }

    pub fn sxtb16_ror8(x: u32) -> u32 {
        sxtb16(x.rotate_right(8))
    }

    pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
        let ((a0, a1), (b0, b1)) = (halves(a), halves(b));
        acc.wrapping_add(a0 * b0).wrapping_add(a1 * b1)
    }

    pub fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(halves(a).0 * halves(b).0)
    }

    pub fn smlabt(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(halves(a).0 * halves(b).1)
    }

    pub fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(halves(a).1 * halves(b).1)
    }

    /// The `asm!` loop's lane arithmetic, word by word.
    pub fn dot2_blocks8(
        acc: (i32, i32),
        xs: &[[i8; 8]],
        ws0: &[[i8; 8]],
        ws1: &[[i8; 8]],
    ) -> (i32, i32) {
        let blocks = xs.len();
        if blocks == 0 || ws0.len() != blocks || ws1.len() != blocks {
            return acc;
        }
        let word = |b: &[i8]| u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
        let (mut a0, mut a1) = acc;
        for ((x, w0), w1) in xs.iter().zip(ws0).zip(ws1) {
            for half in [0, 4] {
                let (x, w0, w1) = (word(&x[half..]), word(&w0[half..]), word(&w1[half..]));
                let (t, x) = (sxtb16(x), sxtb16_ror8(x));
                a0 = smlad(x, sxtb16_ror8(w0), smlad(t, sxtb16(w0), a0));
                a1 = smlad(x, sxtb16_ror8(w1), smlad(t, sxtb16(w1), a1));
            }
        }
        (a0, a1)
    }

    /// The `asm!` loop's lane arithmetic, group by group.
    pub fn mac2x2_blocks(acc: [i32; 4], ws: &[[i8; 8]], xs: &[[i32; 4]]) -> [i32; 4] {
        let groups = ws.len();
        if groups == 0 || xs.len() != groups {
            return acc;
        }
        let word = |b: &[i8]| u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
        ws.iter().zip(xs).fold(acc, |[a0, a1, a2, a3], (w, x)| {
            let (w0, w1) = (word(&w[..4]), word(&w[4..]));
            let (e0, o0, e1, o1) = (sxtb16(w0), sxtb16_ror8(w0), sxtb16(w1), sxtb16_ror8(w1));
            let x = x.map(|v| v as u32);
            [
                smlad(x[1], o0, smlad(x[0], e0, a0)),
                smlad(x[1], o1, smlad(x[0], e1, a1)),
                smlad(x[3], o0, smlad(x[2], e0, a2)),
                smlad(x[3], o1, smlad(x[2], e1, a3)),
            ]
        })
    }

    /// The `asm!` loop's lane arithmetic, group by group.
    pub fn mac4x1_blocks(acc: [i32; 4], ws: &[[i8; 16]], xs: &[[i8; 4]]) -> [i32; 4] {
        let groups = ws.len();
        if groups == 0 || xs.len() != groups {
            return acc;
        }
        let word = |b: &[i8]| u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
        ws.iter().zip(xs).fold(acc, |mut acc, (w, x)| {
            let x = word(x);
            let (xe, xo) = (sxtb16(x), sxtb16_ror8(x));
            for (a, w) in acc.iter_mut().zip(w.chunks_exact(4)) {
                let w = word(w);
                *a = smlad(xo, sxtb16_ror8(w), smlad(xe, sxtb16(w), *a));
            }
            acc
        })
    }

    pub fn smlal_high(addend: i64, x: i32, multiplier: i32) -> i32 {
        (addend.wrapping_add(i64::from(x) * i64::from(multiplier)) >> 32) as i32
    }

    pub fn requantize2(
        accs: [i32; 2],
        multiplier: i32,
        exponent: u32,
        offset: i32,
        min: i32,
        max: i32,
    ) -> [i32; 2] {
        let shift = exponent.wrapping_sub(1) & 31;
        let power = 1u32 << shift;
        let (nlo, nhi) = ((1u32 << 30) | power << 31, power >> 1);
        accs.map(|acc| {
            let sign = (acc >> 31) as u32;
            let (lo, carry) = nlo.overflowing_add(sign << 31);
            let hi = nhi.wrapping_add(sign).wrapping_add(u32::from(carry));
            let sum = (i64::from(hi as i32) << 32 | i64::from(lo))
                .wrapping_add(i64::from(acc) * i64::from(multiplier));
            let v = ((sum >> 32) as i32 >> shift).wrapping_add(offset);
            let v = if v < min { min } else { v };
            if v > max { max } else { v }
        })
    }

    /// The `asm!` loop: the portable composition of this backend's primitives (the lanes and
    /// the arithmetic are those of `mac2x2_blocks` and `requantize2`).
    #[allow(clippy::too_many_arguments)]
    pub fn conv_pairs(
        ws: &[[i8; 8]],
        groups: usize,
        records: &[[i32; 3]],
        columns: &[[i32; 4]],
        pairs: usize,
        out_a: &mut [i8],
        out_b: Option<&mut [i8]>,
        [offset, min4, max4]: [u32; 3],
    ) {
        let (min, max) = (i32::from(min4 as u8 as i8), i32::from(max4 as u8 as i8));
        let ws = &ws[..pairs * groups];
        let mut out_b = out_b;
        for (j, w) in ws.chunks_exact(groups).enumerate() {
            let (c0, c1) = (records[2 * j], records[2 * j + 1]);
            let acc = mac2x2_blocks([c0[0], c1[0], c0[0], c1[0]], w, &columns[..groups]);
            let [a0, b0] = requantize2(
                [acc[0], acc[2]],
                c0[1],
                c0[2] as u32,
                offset as i32,
                min,
                max,
            );
            let [a1, b1] = requantize2(
                [acc[1], acc[3]],
                c1[1],
                c1[2] as u32,
                offset as i32,
                min,
                max,
            );
            out_a[2 * j] = a0 as i8;
            out_a[2 * j + 1] = a1 as i8;
            if let Some(b) = out_b.as_deref_mut() {
                b[2 * j] = b0 as i8;
                b[2 * j + 1] = b1 as i8;
            }
        }
    }

    /// The `asm!` loop: the portable composition of this backend's primitives (the lanes and
    /// the arithmetic are those of `mac4x1_blocks` and `requantize2`), from the parameters in
    /// the form the loop takes them.
    pub fn fc_blocks(
        ws: &[[i8; 16]],
        groups: usize,
        bias: &[[i32; 4]],
        xs: &[[i8; 4]],
        blocks: usize,
        out: &mut [[i8; 4]],
        params: [u32; 7],
    ) {
        let [multiplier, nudge_lo, nudge_hi, shift, offset, min4, max4] = params;
        assert_eq!(
            (nudge_lo, nudge_hi),
            ((1u32 << 30) | (1u32 << shift) << 31, (1u32 << shift) >> 1)
        );
        let (min, max) = (i32::from(min4 as u8 as i8), i32::from(max4 as u8 as i8));
        for j in 0..blocks {
            let acc = mac4x1_blocks(bias[j], &ws[j * groups..][..groups], &xs[..groups]);
            let rq = |a| requantize2(a, multiplier as i32, shift + 1, offset as i32, min, max);
            let ([r0, r1], [r2, r3]) = (rq([acc[0], acc[1]]), rq([acc[2], acc[3]]));
            out[j] = [r0 as i8, r1 as i8, r2 as i8, r3 as i8];
        }
    }

    pub fn widen_rows(
        src: &[i8],
        stride: usize,
        words: usize,
        rows: usize,
        dst: &mut [[i32; 4]],
        lane: usize,
    ) {
        let mut at = 0;
        for r in 0..rows {
            for w in 0..words {
                let b = &src[r * stride + 4 * w..][..4];
                let x = u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
                dst[at][lane] = sxtb16(x) as i32;
                dst[at][lane + 1] = sxtb16_ror8(x) as i32;
                at += 1;
            }
        }
    }
}

// ---- DEPTHWISE_CONV_2D 3x3 (depth multiplier 1): nine taps of four channels ----

/// `acc[j] + Σ_t x_t[j] * w_t[j]` over the nine taps `[x_t, w_t]` of `taps`, each reading four
/// adjacent channels' inputs and weights at `offset` from its addresses, wrapping: per tap one
/// `LDRD` of both addresses, two `LDR`s, four `SXTB16` and `SMLABB` / `SMLATT` as in
/// [`mac4_i8`], all in one `asm!` block (the Rust form lets LLVM regroup the products by
/// accumulator and spill the sign-extended words).
///
/// # Safety
/// For every tap, `x_t + offset` and `w_t + offset` must be valid for reads of 4 bytes.
#[inline(always)]
pub unsafe fn mac4_taps9_i8(acc: [i32; 4], taps: &[[*const i8; 2]; 9], offset: usize) -> [i32; 4] {
    #[cfg(embedml_backend = "armv7em")]
    {
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: reads the 18 words of `taps` (a reference, word-aligned as `LDRD` needs) and
        // 4 bytes at each tap's two addresses plus `offset`, readable by the caller's contract
        // (`LDR` needs no alignment on Cortex-M4). Writes no memory, uses no stack; `SMLAxy` may
        // set the sticky Q flag, so the flags are not declared preserved.
        unsafe {
            core::arch::asm!(
                "ldrd {x}, {w}, [{tab}, #0]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #8]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #16]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #24]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #32]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #40]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #48]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #56]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #64]",
                "ldr {x}, [{x}, {off}]",
                "ldr {w}, [{w}, {off}]",
                "sxtb16 {t}, {x}",
                "sxtb16 {u}, {w}",
                "smlabb {a0}, {t}, {u}, {a0}",
                "smlatt {a2}, {t}, {u}, {a2}",
                "sxtb16 {x}, {x}, ror #8",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlatt {a3}, {x}, {w}, {a3}",
                tab = in(reg) taps.as_ptr(),
                off = in(reg) offset,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                x = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                u = out(reg) _,
                options(nostack, readonly),
            );
        }
        [a0, a1, a2, a3]
    }
    #[cfg(not(embedml_backend = "armv7em"))]
    {
        // The same lane arithmetic through the emulated instructions of `mac4_i8`.
        taps.iter().fold(acc, |acc, &[x, w]| {
            // SAFETY: readable for 4 bytes (the caller's contract); alignment 1.
            let (x, w) = unsafe {
                (
                    &*x.wrapping_add(offset).cast::<[i8; 4]>(),
                    &*w.wrapping_add(offset).cast::<[i8; 4]>(),
                )
            };
            mac4_i8(acc, x, w)
        })
    }
}

/// The outputs of four channels as one little-endian word of int8 values, as the portable
/// [`requantize4_i8`](super::portable::requantize4_i8): per channel `LDRD` of the multiplier
/// and rounding term, two instructions for the low word `2^30 - [acc < 0] * 2^31`, one for the
/// high word `round - [acc < 0]`, `SMLAL`, `ASR` by the shifts' word (by its low byte, then
/// `LSR` to the next channel's) and `SSAT` to int8; then
/// three `BFI`s pack the bytes, and for `CLAMP` `SSUB8` + `SEL` take the bytewise maximum with
/// `min4` and minimum with `max4`.
#[inline(always)]
pub fn requantize4_i8<const CLAMP: bool>(
    acc: [i32; 4],
    params: &[i32; 9],
    min4: u32,
    max4: u32,
) -> u32 {
    #[cfg(embedml_backend = "armv7em")]
    {
        let [mut a0, a1, a2, a3] = acc;
        // One channel: `{a}` becomes its saturated int8 output (sign-extended). `{e}`'s low
        // byte is the channel's shift (`ASR` by a register reads only that byte).
        macro_rules! channel {
            ($a:literal, $mr:literal) => {
                concat!(
                    "ldrd {m}, {r}, [{p}, #",
                    $mr,
                    "]\n",
                    "and {lo}, {",
                    $a,
                    "}, #0x80000000\n",
                    "orr {lo}, {lo}, #0x40000000\n",
                    "add {r}, {r}, {",
                    $a,
                    "}, asr #31\n",
                    "smlal {lo}, {r}, {",
                    $a,
                    "}, {m}\n",
                    "asr {",
                    $a,
                    "}, {r}, {e}\n",
                    "ssat {",
                    $a,
                    "}, #8, {",
                    $a,
                    "}\n",
                )
            };
        }
        // SAFETY: reads the 9 words of `params` (a reference, word-aligned as `LDRD` needs);
        // register-only otherwise. Writes no memory, uses no stack; `SSUB8` sets the GE flags,
        // so the flags are not declared preserved.
        unsafe {
            if CLAMP {
                core::arch::asm!(
                    "ldr {e}, [{p}, #32]",
                    channel!("a0", "0"),
                    "lsr {e}, {e}, #8",
                    channel!("a1", "8"),
                    "lsr {e}, {e}, #8",
                    channel!("a2", "16"),
                    "lsr {e}, {e}, #8",
                    channel!("a3", "24"),
                    "bfi {a0}, {a1}, #8, #8",
                    "bfi {a0}, {a2}, #16, #8",
                    "bfi {a0}, {a3}, #24, #8",
                    "ssub8 {lo}, {a0}, {min4}",
                    "sel {a0}, {a0}, {min4}",
                    "ssub8 {lo}, {max4}, {a0}",
                    "sel {a0}, {a0}, {max4}",
                    p = in(reg) params.as_ptr(),
                    a0 = inout(reg) a0,
                    a1 = inout(reg) a1 => _,
                    a2 = inout(reg) a2 => _,
                    a3 = inout(reg) a3 => _,
                    min4 = in(reg) min4,
                    max4 = in(reg) max4,
                    m = out(reg) _,
                    r = out(reg) _,
                    e = out(reg) _,
                    lo = out(reg) _,
                    options(nostack, readonly),
                );
            } else {
                let _ = (min4, max4);
                core::arch::asm!(
                    "ldr {e}, [{p}, #32]",
                    channel!("a0", "0"),
                    "lsr {e}, {e}, #8",
                    channel!("a1", "8"),
                    "lsr {e}, {e}, #8",
                    channel!("a2", "16"),
                    "lsr {e}, {e}, #8",
                    channel!("a3", "24"),
                    "bfi {a0}, {a1}, #8, #8",
                    "bfi {a0}, {a2}, #16, #8",
                    "bfi {a0}, {a3}, #24, #8",
                    p = in(reg) params.as_ptr(),
                    a0 = inout(reg) a0,
                    a1 = inout(reg) a1 => _,
                    a2 = inout(reg) a2 => _,
                    a3 = inout(reg) a3 => _,
                    m = out(reg) _,
                    r = out(reg) _,
                    e = out(reg) _,
                    lo = out(reg) _,
                    options(nostack, readonly),
                );
            }
        }
        a0 as u32
    }
    #[cfg(not(embedml_backend = "armv7em"))]
    {
        // The instructions' arithmetic, step by step.
        let ssat8 = |x: i32| x.clamp(-128, 127);
        let channel = |j: usize| {
            let (a, m, r) = (acc[j], params[2 * j], params[2 * j + 1]);
            let e = params[8] as u32 >> (8 * j);
            let lo = (a as u32 & 0x8000_0000) | 0x4000_0000;
            let hi = r.wrapping_add(a >> 31);
            let v =
                ((i64::from(hi) << 32) | i64::from(lo)).wrapping_add(i64::from(a) * i64::from(m));
            // `ASR` by a register: its bottom byte, 32 and above filling with the sign.
            ssat8(((v >> 32) as i32) >> (e as u8).min(31)) as u32
        };
        let mut word = channel(0);
        for j in 1..4 {
            // `BFI`: the low 8 bits into byte `j`.
            word = (word & !(0xff << (8 * j))) | ((channel(j) & 0xff) << (8 * j));
        }
        if CLAMP {
            // `SSUB8` + `SEL`: per byte, the first operand where `first - second >= 0`.
            let select_ge = |a: u32, b: u32, keep: u32, other: u32| {
                let mut out = 0;
                for i in 0..4 {
                    let byte = |x: u32| (x >> (8 * i)) as u8 as i8;
                    let pick = if i16::from(byte(a)) - i16::from(byte(b)) >= 0 {
                        keep
                    } else {
                        other
                    };
                    out |= pick & (0xff << (8 * i));
                }
                out
            };
            word = select_ge(word, min4, word, min4);
            word = select_ge(max4, word, word, max4);
        }
        word
    }
}

/// `acc[j] + Σ_t x_t * w_t[j]` over the nine taps of `taps` for four channels sharing one
/// input, as the portable [`mac4_broadcast_taps9_i8`](super::portable::mac4_broadcast_taps9_i8):
/// per tap one `LDRD` of both addresses, `LDRSB` of the input, `LDR` of the weights, two
/// `SXTB16` and `SMLABB` / `SMLABT` as in [`mac4_broadcast_i8`], in one `asm!` block.
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
    #[cfg(embedml_backend = "armv7em")]
    {
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: reads the 18 words of `taps` (a reference, word-aligned as `LDRD` needs), one
        // byte at each input address plus `x_offset` and 4 at each weight address plus
        // `w_offset`, readable by the caller's contract (`LDR` needs no alignment on
        // Cortex-M4). Writes no memory, uses no stack; `SMLAxy` may set the Q flag.
        unsafe {
            core::arch::asm!(
                "ldrd {x}, {w}, [{tab}, #0]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #8]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #16]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #24]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #32]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #40]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #48]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #56]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                "ldrd {x}, {w}, [{tab}, #64]",
                "ldrsb {x}, [{x}, {xoff}]",
                "ldr {w}, [{w}, {woff}]",
                "sxtb16 {t}, {w}",
                "sxtb16 {w}, {w}, ror #8",
                "smlabb {a0}, {x}, {t}, {a0}",
                "smlabt {a2}, {x}, {t}, {a2}",
                "smlabb {a1}, {x}, {w}, {a1}",
                "smlabt {a3}, {x}, {w}, {a3}",
                tab = in(reg) taps.as_ptr(),
                xoff = in(reg) x_offset,
                woff = in(reg) w_offset,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                x = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                options(nostack, readonly),
            );
        }
        [a0, a1, a2, a3]
    }
    #[cfg(not(embedml_backend = "armv7em"))]
    {
        // The same lane arithmetic through the emulated instructions of `mac4_broadcast_i8`.
        taps.iter().fold(acc, |acc, &[x, w]| {
            // SAFETY: readable (the caller's contract); alignment 1.
            let (x, w) = unsafe {
                (
                    &*x.wrapping_add(x_offset).cast::<[i8; 1]>(),
                    &*w.wrapping_add(w_offset).cast::<[i8; 4]>(),
                )
            };
            mac4_broadcast_i8(acc, x, w)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::portable;
    use super::super::portable::tests::{ACCS, Bytes};
    use super::*;
    extern crate std;

    #[test]
    fn dot_products_match_portable() {
        let mut bytes = Bytes::new(0x9e37_79b9_7f4a_7c15);
        // Lengths across whole 8-value blocks, words and tails.
        for len in 0..40 {
            for extreme in [false, true] {
                let xs = bytes.vec(len, extreme);
                let ws0 = bytes.vec(len, extreme);
                let ws1 = bytes.vec(len + 3, extreme);
                for acc in ACCS {
                    let want = portable::dot_i8(acc, &xs, &ws0);
                    assert_eq!(dot_i8(acc, &xs, &ws0), want);
                    let want2 = portable::dot2_i8((acc, acc ^ 7), &xs, &ws0, &ws1);
                    assert_eq!(dot2_i8((acc, acc ^ 7), &xs, &ws0, &ws1), want2);
                }
            }
        }
    }

    #[test]
    fn rotate_dot_matches_portable() {
        let mut bytes = Bytes::new(0x7137_4491_2365_ac1f);
        // Whole words (the word loop) and not (the portable fallback), weights longer and
        // shorter than the row.
        for len in 0..41 {
            for extreme in [false, true] {
                let row = bytes.vec(len, extreme);
                for ws_len in [len, len + 5, len.saturating_sub(1)] {
                    let ws = bytes.vec(ws_len, extreme);
                    for acc in ACCS {
                        let (mut got, mut want) = (row.clone(), row.clone());
                        let a = rotate_dot_i8(acc, &mut got, &ws);
                        let b = portable::rotate_dot_i8(acc, &mut want, &ws);
                        assert_eq!((a, &got), (b, &want), "{len} {ws_len}");
                    }
                }
            }
        }
    }

    #[test]
    fn mac4_matches_portable() {
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
            assert_eq!(mac4_i8(acc, &x, &w), portable::mac4_i8(acc, &x, &w));
            assert_eq!(
                mac4_broadcast_i8(acc, &[x[0]], &w),
                portable::mac4_broadcast_i8(acc, &[x[0]], &w)
            );
        }
    }

    #[test]
    fn blocked_conv_primitives_match_portable() {
        let mut bytes = Bytes::new(0x3c6e_f372_fe94_f82b);
        for groups in 0..12 {
            for extreme in [false, true] {
                let ws: std::vec::Vec<[i8; 8]> = (0..groups)
                    .map(|_| bytes.vec(8, extreme).try_into().unwrap())
                    .collect();
                let xs: std::vec::Vec<[i32; 4]> = (0..groups)
                    .map(|_| {
                        let a = widen4_i8(bytes.vec(4, extreme).try_into().unwrap());
                        let b = widen4_i8(bytes.vec(4, extreme).try_into().unwrap());
                        [a[0], a[1], b[0], b[1]]
                    })
                    .collect();
                let ws1: std::vec::Vec<[i8; 4]> =
                    ws.iter().map(|w| w[..4].try_into().unwrap()).collect();
                for acc in ACCS {
                    let acc4 = [acc, acc ^ 5, acc.wrapping_add(9), !acc];
                    assert_eq!(
                        mac2x2_i8(acc4, &ws, &xs),
                        portable::mac2x2_i8(acc4, &ws, &xs)
                    );
                    assert_eq!(
                        mac1x2_i8([acc, !acc], &ws1, &xs),
                        portable::mac1x2_i8([acc, !acc], &ws1, &xs)
                    );
                }
            }
        }
        for _ in 0..1000 {
            let x: [i8; 4] = bytes.vec(4, false).try_into().unwrap();
            assert_eq!(widen4_i8(x), portable::widen4_i8(x));
            let (addend, a, m) = (
                bytes.next() as i64,
                bytes.next() as i32,
                bytes.next() as i32,
            );
            assert_eq!(mac_high(addend, a, m), portable::mac_high(addend, a, m));
        }
    }

    #[test]
    fn blocked_fully_connected_primitives_match_portable() {
        let mut bytes = Bytes::new(0x1405_7b7e_f767_814f);
        for groups in 0..12 {
            for extreme in [false, true] {
                let ws: std::vec::Vec<[i8; 16]> = (0..groups)
                    .map(|_| bytes.vec(16, extreme).try_into().unwrap())
                    .collect();
                let xs: std::vec::Vec<[i8; 4]> = (0..groups)
                    .map(|_| bytes.vec(4, extreme).try_into().unwrap())
                    .collect();
                for acc in ACCS {
                    let acc4 = [acc, acc ^ 3, acc.wrapping_add(11), !acc];
                    assert_eq!(
                        mac4x1_i8(acc4, &ws, &xs),
                        portable::mac4x1_i8(acc4, &ws, &xs)
                    );
                }
            }
        }
    }

    #[test]
    fn fc_blocks_match_portable() {
        let mut bytes = Bytes::new(0x510e_527f_ade6_82d1);
        for (groups, blocks) in [(1, 1), (2, 3), (5, 2), (8, 4)] {
            let ws: std::vec::Vec<[i8; 16]> = (0..groups * blocks)
                .map(|_| bytes.vec(16, false).try_into().unwrap())
                .collect();
            let xs: std::vec::Vec<[i8; 4]> = (0..groups)
                .map(|_| bytes.vec(4, true).try_into().unwrap())
                .collect();
            let bias: std::vec::Vec<[i32; 4]> = (0..blocks)
                .map(|_| [0; 4].map(|_: i32| bytes.next() as i32 >> 12))
                .collect();
            let m = (1 << 30) | (bytes.next() as u32 >> 2) as i32;
            // The loop's path (`LDRD` of the weights) needs them 4-byte aligned.
            assert!((ws.as_ptr() as usize).is_multiple_of(4));
            for e in [1, 2, 7, 31] {
                for (offset, min, max) in [(5, -128, 127), (-3, -3, 127), (0, -128, 100)] {
                    let mut got = std::vec![[0i8; 4]; blocks];
                    let mut want = got.clone();
                    fc_blocks_i8(&ws, groups, &bias, &xs, &mut got, [m, e], offset, min, max);
                    portable::fc_blocks_i8(
                        &ws,
                        groups,
                        &bias,
                        &xs,
                        &mut want,
                        [m, e],
                        offset,
                        min,
                        max,
                    );
                    assert_eq!(got, want, "{groups} x {blocks}, e {e}");
                }
            }
        }
    }

    #[test]
    fn requantize2_matches_portable() {
        let mut bytes = Bytes::new(0x6a09_e667_f3bc_c908);
        let accs = [0, 1, -1, i32::MAX, i32::MIN, 1 << 30, -(1 << 30)];
        for round in 0..20_000 {
            let a = accs.get(round % 9).copied().unwrap_or(bytes.next() as i32);
            let b = bytes.next() as i32 >> (round % 17);
            let m = (bytes.next() as u32 >> 1) as i32;
            let e = 1 + (bytes.next() % 31) as u32;
            let off = (bytes.next() % 256) as i32 - 128;
            let (min, max) = if round % 2 == 0 {
                (-128, 127)
            } else {
                (off, 100)
            };
            assert_eq!(
                requantize2([a, b], m, e, off, min, max),
                portable::requantize2([a, b], m, e, off, min, max),
                "{a} {b} {m} {e}"
            );
        }
    }

    #[test]
    fn conv_pairs_match_portable() {
        let mut bytes = Bytes::new(0xbb67_ae85_84ca_a73b);
        for (groups, pairs, with_b) in [(1, 1, true), (2, 3, false), (5, 2, true), (8, 4, true)] {
            let ws: std::vec::Vec<[i8; 8]> = (0..groups * pairs)
                .map(|_| bytes.vec(8, false).try_into().unwrap())
                .collect();
            let columns: std::vec::Vec<[i32; 4]> = (0..groups)
                .map(|_| {
                    let a = widen4_i8(bytes.vec(4, true).try_into().unwrap());
                    let b = widen4_i8(bytes.vec(4, false).try_into().unwrap());
                    [a[0], a[1], b[0], b[1]]
                })
                .collect();
            let records: std::vec::Vec<[i32; 3]> = (0..2 * pairs)
                .map(|_| {
                    let m = (1 << 30) | (bytes.next() as u32 >> 2) as i32;
                    [bytes.next() as i32 >> 12, m, 1 + (bytes.next() % 12) as i32]
                })
                .collect();
            for (offset, min, max) in [(5, -128, 127), (-3, -3, 127), (0, -128, 100)] {
                let (mut a, mut b) = (std::vec![0i8; 2 * pairs], std::vec![0i8; 2 * pairs]);
                let (mut a2, mut b2) = (a.clone(), b.clone());
                let (bo, bo2) = if with_b {
                    (Some(&mut b[..]), Some(&mut b2[..]))
                } else {
                    (None, None)
                };
                conv_pairs_i8(
                    &ws, groups, &records, &columns, &mut a, bo, offset, min, max,
                );
                portable::conv_pairs_i8(
                    &ws, groups, &records, &columns, &mut a2, bo2, offset, min, max,
                );
                assert_eq!((a, b), (a2, b2));
            }
        }
    }

    #[test]
    fn widen_rows_match_portable() {
        let mut bytes = Bytes::new(0x3c6e_f372_a54f_f53a);
        let src = bytes.vec(200, false);
        for (stride, words, rows) in [(8, 2, 10), (40, 3, 4), (4, 1, 1), (12, 3, 5), (64, 0, 2)] {
            for lane in [0, 2] {
                let mut a = std::vec![[7i32; 4]; 40];
                let mut b = a.clone();
                widen_rows_i8(&src, stride, words, rows, &mut a, lane);
                portable::widen_rows_i8(&src, stride, words, rows, &mut b, lane);
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn sign_extension_lanes() {
        assert_eq!(dsp::sxtb16(0x80ff_7f01), 0xffff_0001);
        assert_eq!(dsp::sxtb16_ror8(0x80ff_7f01), 0xff80_007f);
    }

    #[test]
    fn mac4_taps9_matches_portable() {
        let mut bytes = Bytes::new(0x5851_f42d_4c95_7f2d);
        for round in 0..500 {
            let data = bytes.vec(9 * 2 * 8 + 8, round % 4 == 0);
            let offset = round % 5;
            let taps: [[*const i8; 2]; 9] =
                core::array::from_fn(|t| [data[16 * t..].as_ptr(), data[16 * t + 8..].as_ptr()]);
            let acc = [bytes.next() as i32, i32::MAX, i32::MIN, -7];
            // SAFETY: every address plus `offset + 4` (at most 8) is within `data`.
            let (got, want) = unsafe {
                (
                    mac4_taps9_i8(acc, &taps, offset),
                    portable::mac4_taps9_i8(acc, &taps, offset),
                )
            };
            assert_eq!(got, want);
        }
    }

    #[test]
    fn requantize4_matches_portable() {
        let mut bytes = Bytes::new(0x2127_599b_f432_5c37);
        for round in 0..20_000 {
            let r = bytes.next();
            let mut params = [0i32; 9];
            for j in 0..4 {
                let e = 2 + (bytes.next() % 22) as i32;
                let offset = bytes.next() as u8 as i8 as i32;
                params[2 * j] = match bytes.next() % 4 {
                    0 => 0,
                    1 => i32::MAX,
                    _ => (1 << 30) | (bytes.next() as i32 & 0x3fff_ffff),
                };
                params[2 * j + 1] = (2 * offset + 1) << (e - 2);
                params[8] |= (e - 1) << (8 * j);
            }
            let acc = [
                bytes.next() as i32,
                [i32::MIN, i32::MAX, 0, -1][round % 4],
                (bytes.next() as i32) >> (bytes.next() % 32),
                (bytes.next() as i32) >> 12,
            ];
            let (a, b) = (r as u8 as i8, (r >> 8) as u8 as i8);
            let (min, max) = (a.min(b) as u8 as u32, a.max(b) as u8 as u32);
            let (min4, max4) = (min * 0x0101_0101, max * 0x0101_0101);
            assert_eq!(
                requantize4_i8::<true>(acc, &params, min4, max4),
                portable::requantize4_i8::<true>(acc, &params, min4, max4)
            );
            assert_eq!(
                requantize4_i8::<false>(acc, &params, 0, 0),
                portable::requantize4_i8::<false>(acc, &params, 0, 0)
            );
        }
    }

    #[test]
    fn mac4_broadcast_taps9_matches_portable() {
        let mut bytes = Bytes::new(0x1405_7b7e_f767_814f);
        for round in 0..500 {
            let data = bytes.vec(9 * 2 * 8 + 8, round % 4 == 0);
            let (x_offset, w_offset) = (round % 7, round % 5);
            let taps: [[*const i8; 2]; 9] =
                core::array::from_fn(|t| [data[16 * t..].as_ptr(), data[16 * t + 8..].as_ptr()]);
            let acc = [bytes.next() as i32, i32::MAX, i32::MIN, -7];
            // SAFETY: every address plus its offset and length (at most 8) is within `data`.
            let (got, want) = unsafe {
                (
                    mac4_broadcast_taps9_i8(acc, &taps, x_offset, w_offset),
                    portable::mac4_broadcast_taps9_i8(acc, &taps, x_offset, w_offset),
                )
            };
            assert_eq!(got, want);
        }
    }
}
