//! The compiler plans overlapping buffers with its own copy of each kernel's gap function, and the
//! generated code proves the plan with the kernel's: they must agree, or a model's build fails.
//! Compared here on random geometries (and exhaustively on small ones).

use embedml::kernels::{
    Conv2dGeometry, Conv2dI8Blocked, DepthwiseConv2dI8, Requantize, conv2d_i8_overlap_gap,
    depthwise_conv2d_i8_overlap_gap,
};
use embedml_compiler::kernel;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn conv_and_depthwise_gaps_agree() {
    let mut rng = Rng(0x243F_6A88_85A3_08D3);
    for case in 0..20_000 {
        let mut side = |max: usize| 1 + rng.below(max);
        let [ih, iw, id, oh, ow, od, fh, fw, sh, sw, ph, pw] = [
            side(40),
            side(40),
            side(16),
            side(40),
            side(40),
            side(64),
            side(5),
            side(5),
            side(3),
            side(3),
            side(4) - 1,
            side(4) - 1,
        ];
        let images = 1 + rng.below(3);
        let core = Conv2dGeometry {
            input_height: ih,
            input_width: iw,
            input_depth: id,
            output_height: oh,
            output_width: ow,
            output_depth: od,
            filter_height: fh,
            filter_width: fw,
            stride_height: sh,
            stride_width: sw,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: ph,
            padding_width: pw,
        };
        let compiler = kernel::Conv2dGeometry {
            input_height: ih,
            input_width: iw,
            input_depth: id,
            output_height: oh,
            output_width: ow,
            output_depth: od,
            filter_height: fh,
            filter_width: fw,
            stride_height: sh,
            stride_width: sw,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: ph,
            padding_width: pw,
        };
        let p = Conv2dI8Blocked {
            geometry: core,
            weights: &[],
            channels: &[],
            input_zero_point: 0,
            output_offset: 0,
            output_min: -128,
            output_max: 127,
        };
        assert_eq!(
            embedml_compiler::ops::conv::overlap_gap(&compiler, images, 2),
            conv2d_i8_overlap_gap(&p, images),
            "case {case}: {core:?}, {images} images"
        );
        let depthwise = DepthwiseConv2dI8 {
            geometry: core,
            depth_multiplier: 1,
            weights: &[],
            bias: &[],
            input_offset: 0,
            requantize: Requantize {
                multipliers: &[],
                shifts: &[],
            },
            output_offset: 0,
            output_min: -128,
            output_max: 127,
        };
        let want = if od > 64 {
            usize::MAX
        } else {
            embedml_compiler::ops::conv::overlap_gap(&compiler, images, 1)
        };
        assert_eq!(
            want,
            depthwise_conv2d_i8_overlap_gap(&depthwise, images),
            "case {case} (depthwise): {core:?}, {images} images"
        );
    }
}
