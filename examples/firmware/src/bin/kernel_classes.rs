//! No model: the kernels `include_model!` chooses for each class of layer, each called once on a
//! representative layer shape between its own pair of bench markers, so that
//! `scripts/bench.sh` can report instructions per multiply-accumulate (and per output) by kernel
//! class. The weights and inputs are pseudo-random; the kernels' instruction counts do not depend
//! on them (requantization exponents are kept at 1 or more, the form every real layer takes).
//!
//! The regions, in order (`count.sh` numbers them from 1):
//! 1. 1x1 CONV_2D, 24x24x32 -> 24x24x32 (MobileNet pointwise);
//! 2. 3x3 CONV_2D, 16x16x16 -> 16x16x16, SAME (ResNet-8 block);
//! 3. DEPTHWISE_CONV_2D 3x3, 24x24x64, SAME, depth multiplier 1 (MobileNet depthwise);
//! 4. FULLY_CONNECTED 640 -> 128 (MLPerf AD autoencoder);
//! 5. and 6. 1x1 CONV_2D 24x24x4 -> 24x24x32 and 24x24x8 -> 24x24x32: the difference is the
//!    cost of 4 more taps per output, the rest the per-output cost (requantize, clamp, store,
//!    and the per-pixel and per-channel-pair work around the MAC loop);
//! 7. ADD, 16x16x32 elements, different input scales (ResNet-8 residual).
//!
//! Each region calls the entry point the compiler picks for that layer (`conv2d_i8_pointwise`,
//! `conv2d_i8_windowed`, `fully_connected_i8_per_tensor`, ...).
//!
//! Then, unmeasured, the blocked FULLY_CONNECTED with an odd number of groups (which no
//! benchmark model has) against the general kernel: the firmware exits 1 if they differ.

#![no_std]
#![no_main]

use core::hint::black_box;
use core::sync::atomic::{compiler_fence, Ordering};
use embedml::kernels::*;
use embedml_firmware::{bench_end, bench_start, exit_code, Line};

/// xorshift32 bytes, computed at compile time.
const fn bytes<const N: usize>(seed: u32) -> [i8; N] {
    let mut out = [0i8; N];
    let mut state = seed;
    let mut i = 0;
    while i < N {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out[i] = state as i8;
        i += 1;
    }
    out
}

/// Per-channel records `[bias, multiplier, exponent]` with exponents 1 to 8.
const fn records<const N: usize>(seed: u32) -> [[i32; 3]; N] {
    let mut out = [[0i32; 3]; N];
    let mut state = seed;
    let mut i = 0;
    while i < N {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out[i] = [
            (state as i32) >> 16,
            (1 << 30) | (state >> 2) as i32,
            1 + (state % 8) as i32,
        ];
        i += 1;
    }
    out
}

const fn geometry(input: [usize; 3], output: [usize; 3], filter: usize) -> Conv2dGeometry {
    Conv2dGeometry {
        input_height: input[0],
        input_width: input[1],
        input_depth: input[2],
        output_height: output[0],
        output_width: output[1],
        output_depth: output[2],
        filter_height: filter,
        filter_width: filter,
        stride_height: 1,
        stride_width: 1,
        dilation_height: 1,
        dilation_width: 1,
        padding_height: filter / 2,
        padding_width: filter / 2,
    }
}

/// 4-byte aligned, like the compiler's weight statics (the Cortex-M4 loops load their weights
/// with `LDRD`, and write nothing for unaligned ones).
#[repr(C, align(4))]
struct Aligned<T>(T);

static POINTWISE_WEIGHTS: Aligned<[i8; 32 * 32]> = Aligned(bytes(1));
static CONV3_WEIGHTS: Aligned<[i8; 16 * 144]> = Aligned(bytes(2));
static DEPTHWISE_WEIGHTS: [i8; 9 * 64] = bytes(3);
static DEPTHWISE_BIAS: [i32; 64] = [100; 64];
static DEPTHWISE_MULTIPLIERS: [i32; 64] = [1_500_000_000; 64];
static DEPTHWISE_SHIFTS: [i8; 64] = [-7; 64];
static FC_WEIGHTS: Aligned<[i8; 640 * 128]> = Aligned(bytes(4));
static RECORDS_32: [[i32; 3]; 32] = records(5);
static RECORDS_16: [[i32; 3]; 16] = records(6);
static FC_BIAS: [i32; 128] = [-300; 128];
static INPUT: [i8; 24 * 24 * 64] = bytes(8);

/// Working memory: the largest output and scratch buffer of any region.
static mut OUTPUT: [i8; 24 * 24 * 64] = [0; 24 * 24 * 64];
static mut SCRATCH: [i32; 4 * 36] = [0; 4 * 36];

/// `f()` between its own pair of markers.
#[inline(never)]
fn region(f: impl FnOnce()) {
    bench_start();
    compiler_fence(Ordering::SeqCst);
    f();
    compiler_fence(Ordering::SeqCst);
    bench_end();
}

/// A 1x1 convolution over 24x24 pixels, `depth` input channels to 32.
fn pointwise(depth: usize, output: &mut [i8], scratch: &mut [i32]) {
    let p = Conv2dI8Blocked {
        geometry: geometry([24, 24, depth], [24, 24, 32], 1),
        weights: POINTWISE_WEIGHTS.0.get(..32 * depth).unwrap_or(&[]),
        channels: &RECORDS_32,
        input_zero_point: -3,
        output_offset: 5,
        output_min: -128,
        output_max: 127,
    };
    let input = INPUT.get(..24 * 24 * depth).unwrap_or(&[]);
    region(|| conv2d_i8_pointwise(black_box(&p), black_box(input), output, scratch));
}

#[cortex_m_rt::entry]
fn main() -> ! {
    // SAFETY: `main` runs once and is the only user of these statics.
    let (output, scratch) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(OUTPUT),
            &mut *core::ptr::addr_of_mut!(SCRATCH),
        )
    };
    let (output, scratch) = (&mut output[..], &mut scratch[..]);

    pointwise(32, output, scratch);

    let conv3 = Conv2dI8Blocked {
        geometry: geometry([16, 16, 16], [16, 16, 16], 3),
        weights: &CONV3_WEIGHTS.0,
        channels: &RECORDS_16,
        input_zero_point: -3,
        output_offset: 5,
        output_min: -128,
        output_max: 127,
    };
    region(|| {
        conv2d_i8_windowed(
            black_box(&conv3),
            black_box(&INPUT[..16 * 16 * 16]),
            &mut *output,
            &mut *scratch,
        )
    });

    let depthwise = DepthwiseConv2dI8 {
        geometry: geometry([24, 24, 64], [24, 24, 64], 3),
        depth_multiplier: 1,
        weights: &DEPTHWISE_WEIGHTS,
        bias: &DEPTHWISE_BIAS,
        input_offset: 3,
        requantize: Requantize {
            multipliers: &DEPTHWISE_MULTIPLIERS,
            shifts: &DEPTHWISE_SHIFTS,
        },
        output_offset: 5,
        output_min: -128,
        output_max: 127,
    };
    region(|| depthwise_conv2d_i8(black_box(&depthwise), black_box(&INPUT[..]), &mut *output));

    let fc = FullyConnectedI8Blocked {
        weights: &FC_WEIGHTS.0,
        bias: &FC_BIAS,
        scales: &[[1_500_000_000, 9]],
        accum_depth: 640,
        output_depth: 128,
        output_offset: 5,
        output_min: -128,
        output_max: 127,
    };
    region(|| {
        fully_connected_i8_per_tensor(
            black_box(&fc),
            black_box(&INPUT[..640]),
            output.get_mut(..128).unwrap_or(&mut []),
        )
    });

    pointwise(4, output, scratch);
    pointwise(8, output, scratch);

    let add = AddI8 {
        input1_offset: 3,
        input1_multiplier: 1_073_741_824,
        input1_shift: 0,
        input2_offset: -7,
        input2_multiplier: 1_561_796_740,
        input2_shift: -1,
        left_shift: 20,
        output_multiplier: 1_992_294_400,
        output_shift: -19,
        output_offset: 2,
        output_min: -128,
        output_max: 127,
        broadcast: None,
    };
    // Input 1 (overwritten) in the first 8 KiB of the working memory, input 2 after it: both
    // copies of the pseudo-random input (the panic-free way: no slicing that can fail).
    let (sum, other) = output
        .split_at_mut_checked(16 * 16 * 32)
        .unwrap_or((&mut [], &mut []));
    for (s, (o, &x)) in sum.iter_mut().zip(other.iter_mut().zip(INPUT.iter())) {
        *s = x;
        *o = x.wrapping_mul(3);
    }
    let other = other.get(..16 * 16 * 32).unwrap_or(&[]);
    region(|| add_i8_in_place(black_box(&add), sum, black_box(other)));

    // On the target, the blocked FULLY_CONNECTED (its asm loop with an odd group count, which no
    // benchmark model has) against the general kernel.
    static SMALL_FC_WEIGHTS: [i8; 12 * 8] = bytes(9);
    static SMALL_FC_BIAS: [i32; 8] = [-70, 5, 300, -1, 0, 7, 77, -1000];
    let general = FullyConnectedI8 {
        weights: &SMALL_FC_WEIGHTS,
        bias: &SMALL_FC_BIAS,
        accum_depth: 12,
        output_depth: 8,
        requantize: Requantize {
            multipliers: &[1_300_000_000],
            shifts: &[-6],
        },
        output_offset: -4,
        output_min: -128,
        output_max: 127,
    };
    // The same weights in the blocked order: per block of four channels, group by group.
    let mut blocked_weights = Aligned([0i8; 12 * 8]);
    let mut at = 0;
    for block in 0..2 {
        for group in 0..3 {
            for c in 4 * block..4 * block + 4 {
                for j in 0..4 {
                    if let (Some(d), Some(&w)) = (
                        blocked_weights.0.get_mut(at),
                        SMALL_FC_WEIGHTS.get(c * 12 + 4 * group + j),
                    ) {
                        *d = w;
                    }
                    at += 1;
                }
            }
        }
    }
    let blocked = FullyConnectedI8Blocked {
        weights: &blocked_weights.0,
        bias: &SMALL_FC_BIAS,
        scales: &[[1_300_000_000, 6]],
        accum_depth: 12,
        output_depth: 8,
        output_offset: -4,
        output_min: -128,
        output_max: 127,
    };
    let (mut want, mut got, mut got_per_tensor) = ([0i8; 8], [0i8; 8], [0i8; 8]);
    let x = INPUT.get(..12).unwrap_or(&[]);
    fully_connected_i8(black_box(&general), black_box(x), &mut want);
    fully_connected_i8_blocked(black_box(&blocked), black_box(x), &mut got);
    fully_connected_i8_per_tensor(black_box(&blocked), black_box(x), &mut got_per_tensor);
    let same = want == got && want == got_per_tensor;
    Line::new()
        .str(if same {
            "kernel_classes: blocked FULLY_CONNECTED (both entries) matches the general kernel"
        } else {
            "kernel_classes: blocked FULLY_CONNECTED DIFFERS from the general kernel"
        })
        .print();
    exit_code(u32::from(!same))
}
