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

/// `SXTB16`, `SXTB16 ..., ROR #8` and the `SMLAxy` multiply-accumulates of the DSP extension,
/// through stable `asm!`, and [`dot2_blocks8`](insn::dot2_blocks8), a whole MAC loop in one
/// `asm!` block.
#[cfg(embedml_backend = "armv7em")]
mod insn {
    use core::arch::asm;

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
}

/// The instructions of [`insn`] emulated with the same lane arithmetic, so that the host tests
/// run this backend's code.
#[cfg(not(embedml_backend = "armv7em"))]
mod emulated {
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
