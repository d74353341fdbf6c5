//! No model: calls every public kernel of `embedml::kernels` (int8 and float32, the `_in_place`
//! forms and the const table builders too) with parameters and slices the optimiser cannot see
//! through (`black_box`). With the harness's panic handler this links only if no kernel can panic
//! for any parameters and slice lengths, which is stronger than the per-model firmware (where
//! constants are known). `scripts/firmware-test.sh` links it with and without LTO, and with the
//! dev profile's overflow checks and debug assertions (profile `dev-o1`).

#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml::kernels::*;

const GEOMETRY: Conv2dGeometry = Conv2dGeometry {
    input_height: 2,
    input_width: 2,
    input_depth: 1,
    output_height: 2,
    output_width: 2,
    output_depth: 1,
    filter_height: 1,
    filter_width: 1,
    stride_height: 1,
    stride_width: 1,
    dilation_height: 1,
    dilation_width: 1,
    padding_height: 0,
    padding_width: 0,
};

const REQUANTIZE: Requantize = Requantize {
    multipliers: &[1 << 30],
    shifts: &[1],
};

const POOL_GEOMETRY: Pool2dGeometry = Pool2dGeometry {
    input_height: 2,
    input_width: 2,
    depth: 1,
    output_height: 1,
    output_width: 1,
    filter_height: 2,
    filter_width: 2,
    stride_height: 2,
    stride_width: 2,
    padding_height: 0,
    padding_width: 0,
};

/// Parameters the optimiser cannot see: `black_box` of a reference to them.
fn opaque<T>(value: &T) -> &T {
    black_box(value)
}

const BROADCAST: Option<Broadcast4> = Some(Broadcast4 {
    output_shape: [1, 1, 2, 2],
    input1_strides: [4, 4, 2, 1],
    input2_strides: [0, 0, 0, 1],
});

/// A unary kernel's copying and in-place forms on opaque slices.
macro_rules! unary {
    ($kernel:ident, $in_place:ident, $params:expr, $input:expr, $output:expr) => {{
        let params = $params;
        $kernel(opaque(&params), black_box($input), black_box(&mut *$output));
        $in_place(opaque(&params), black_box(&mut *$output));
    }};
}

/// A binary kernel's copying and in-place forms on opaque slices.
macro_rules! binary {
    ($kernel:ident, $in_place:ident, $params:expr, $input:expr, $output:expr) => {{
        let params = $params;
        $kernel(
            opaque(&params),
            black_box($input),
            black_box($input),
            black_box(&mut *$output),
        );
        $in_place(opaque(&params), black_box(&mut *$output), black_box($input));
    }};
}

#[entry]
fn main() -> ! {
    let mut i8s = [0i8; 8];
    let mut f32s = [0f32; 8];
    let (i8_in, i8_out) = i8s.split_at_mut(4);
    let (f32_in, f32_out) = f32s.split_at_mut(4);
    let i8_in: &[i8] = i8_in;
    let f32_in: &[f32] = f32_in;
    let mut scratch = [0i32; 8];

    fully_connected_i8(
        black_box(&FullyConnectedI8 {
            weights: &[1],
            bias: &[0],
            accum_depth: 1,
            output_depth: 1,
            requantize: REQUANTIZE,
            output_offset: 0,
            output_min: -128,
            output_max: 127,
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    fully_connected_f32(
        black_box(&FullyConnectedF32 {
            weights: &[1.0],
            bias: Some(&[0.0]),
            accum_depth: 1,
            output_depth: 1,
            output_min: f32::MIN,
            output_max: f32::MAX,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    conv2d_i8(
        black_box(&Conv2dI8 {
            geometry: GEOMETRY,
            weights: &[1],
            bias: &[0],
            input_offset: 0,
            requantize: REQUANTIZE,
            output_offset: 0,
            output_min: -128,
            output_max: 127,
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    let blocked_conv = Conv2dI8Blocked {
        geometry: GEOMETRY,
        weights: &[1, 0, 0, 0],
        channels: &[[0, 1 << 30, 1]],
        input_zero_point: 0,
        output_offset: 0,
        output_min: -128,
        output_max: 127,
    };
    // Each variant called directly (an array loop would leave the debug build's iterator
    // checks behind, which are the harness's, not the kernels').
    type Conv = fn(&Conv2dI8Blocked, &[i8], &mut [i8], &mut [i32]);
    let mut conv = |kernel: Conv| {
        kernel(
            black_box(&blocked_conv),
            black_box(i8_in),
            black_box(&mut *i8_out),
            black_box(&mut scratch[..]),
        )
    };
    conv(black_box(conv2d_i8_blocked));
    conv(black_box(conv2d_i8_pointwise));
    conv(black_box(conv2d_i8_staged));
    conv(black_box(conv2d_i8_windowed));
    // The shared-slice forms (an output that may overlap its input), on the output buffer.
    type Shared = fn(&Conv2dI8Blocked, &mut [i8], [usize; 4], &mut [i32]);
    let mut shared = |kernel: Shared| {
        kernel(
            black_box(&blocked_conv),
            black_box(&mut *i8_out),
            black_box([0, 1, 0, 1]),
            black_box(&mut scratch[..]),
        )
    };
    shared(black_box(conv2d_i8_blocked_shared));
    shared(black_box(conv2d_i8_pointwise_shared));
    shared(black_box(conv2d_i8_staged_shared));
    shared(black_box(conv2d_i8_windowed_shared));
    let blocked_fc = FullyConnectedI8Blocked {
        weights: &[1, 0, 0, 0],
        bias: &[0],
        scales: &[[1 << 30, 1]],
        accum_depth: 4,
        output_depth: 1,
        output_offset: 0,
        output_min: -128,
        output_max: 127,
    };
    type Fc = fn(&FullyConnectedI8Blocked, &[i8], &mut [i8]);
    let mut fc = |kernel: Fc| {
        kernel(
            black_box(&blocked_fc),
            black_box(i8_in),
            black_box(&mut *i8_out),
        )
    };
    fc(black_box(fully_connected_i8_blocked));
    fc(black_box(fully_connected_i8_per_tensor));
    conv2d_f32(
        black_box(&Conv2dF32 {
            geometry: GEOMETRY,
            weights: &[1.0],
            bias: None,
            output_min: f32::MIN,
            output_max: f32::MAX,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    let depthwise = DepthwiseConv2dI8 {
        geometry: GEOMETRY,
        depth_multiplier: 1,
        weights: &[1],
        bias: &[0],
        input_offset: 0,
        requantize: REQUANTIZE,
        output_offset: 0,
        output_min: -128,
        output_max: 127,
    };
    depthwise_conv2d_i8(
        black_box(&depthwise),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    depthwise_conv2d_i8_shared(
        black_box(&depthwise),
        black_box(&mut *i8_out),
        black_box([0, 1, 0, 1]),
    );
    depthwise_conv2d_f32(
        black_box(&DepthwiseConv2dF32 {
            geometry: GEOMETRY,
            depth_multiplier: 1,
            weights: &[1.0],
            bias: Some(&[0.0]),
            output_min: f32::MIN,
            output_max: f32::MAX,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    softmax_i8(
        black_box(&SoftmaxI8 {
            input_multiplier: 1 << 30,
            input_left_shift: 26,
            diff_min: -31,
            depth: 4,
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    softmax_f32(
        black_box(&SoftmaxF32 {
            beta: 1.0,
            depth: 4,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    pooling(i8_in, i8_out, f32_in, f32_out);
    elementwise(i8_in, i8_out, f32_in, f32_out);
    activations(i8_in, i8_out, f32_in, f32_out);
    data_movement(i8_in, i8_out, f32_in, f32_out);
    indexed_data_movement(i8_in, i8_out, f32_in, f32_out);
    unary_math(i8_in, i8_out, f32_in, f32_out);
    stateful(i8_in, i8_out, f32_in, f32_out);
    comparisons(i8_in, f32_in);
    reductions(i8_in, i8_out, f32_in, f32_out);
    resizing(i8_in, i8_out, f32_in, f32_out);
    int32_and_casts(f32_in, f32_out);
    typed_data_movement();
    signal();
    more_ops(i8_in, i8_out, f32_in, f32_out);
    int16_elementwise(i8_in);
    int16x8();
    batch_matmul();
    detection();
    black_box((&i8s, &f32s));
    embedml_firmware::Line::new()
        .str("kernels: linked without a panic path")
        .print();
    embedml_firmware::exit_code(0)
}

/// AVERAGE_POOL_2D and MAX_POOL_2D.
#[inline(never)]
fn pooling(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let i8_params = Pool2dI8 {
        geometry: POOL_GEOMETRY,
        output_min: -128,
        output_max: 127,
    };
    let f32_params = Pool2dF32 {
        geometry: POOL_GEOMETRY,
        output_min: f32::MIN,
        output_max: f32::MAX,
    };
    average_pool2d_i8(
        opaque(&i8_params),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    max_pool2d_i8(
        opaque(&i8_params),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    average_pool2d_f32(
        opaque(&f32_params),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    max_pool2d_f32(
        opaque(&f32_params),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
}

/// ADD, SUB, MUL, MAXIMUM and MINIMUM, copying and in place.
#[inline(never)]
fn elementwise(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let add = AddI8 {
        input1_offset: 1,
        input1_multiplier: 1 << 30,
        input1_shift: -1,
        input2_offset: 1,
        input2_multiplier: 1 << 30,
        input2_shift: -1,
        left_shift: 20,
        output_multiplier: 1 << 30,
        output_shift: -19,
        output_offset: 0,
        output_min: -128,
        output_max: 127,
        broadcast: BROADCAST,
    };
    let mul = MulI8 {
        input1_offset: 1,
        input2_offset: 1,
        output_multiplier: 1 << 30,
        output_shift: 0,
        output_offset: 0,
        output_min: -128,
        output_max: 127,
        broadcast: BROADCAST,
    };
    let arithmetic = ArithmeticF32 {
        output_min: f32::MIN,
        output_max: f32::MAX,
        broadcast: BROADCAST,
    };
    let min_max = MinMax {
        broadcast: BROADCAST,
    };
    binary!(add_i8, add_i8_in_place, add, i8_in, i8_out);
    binary!(sub_i8, sub_i8_in_place, add, i8_in, i8_out);
    binary!(mul_i8, mul_i8_in_place, mul, i8_in, i8_out);
    binary!(add_f32, add_f32_in_place, arithmetic, f32_in, f32_out);
    binary!(sub_f32, sub_f32_in_place, arithmetic, f32_in, f32_out);
    binary!(mul_f32, mul_f32_in_place, arithmetic, f32_in, f32_out);
    binary!(maximum_i8, maximum_i8_in_place, min_max, i8_in, i8_out);
    binary!(minimum_i8, minimum_i8_in_place, min_max, i8_in, i8_out);
    binary!(maximum_f32, maximum_f32_in_place, min_max, f32_in, f32_out);
    binary!(minimum_f32, minimum_f32_in_place, min_max, f32_in, f32_out);
    binary!(
        squared_difference_i8,
        squared_difference_i8_in_place,
        add,
        i8_in,
        i8_out
    );
    binary!(
        squared_difference_f32,
        squared_difference_f32_in_place,
        SquaredDifferenceF32 {
            broadcast: BROADCAST
        },
        f32_in,
        f32_out
    );
}

/// The lookup kernel and the tables it runs (built here at run time from opaque arguments), the
/// float activations, QUANTIZE and DEQUANTIZE.
#[inline(never)]
fn activations(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let a = |x: i32| black_box(x);
    let tables = [
        requantize_table(a(0), a(1 << 30), a(1), a(0), a(-128), a(127)),
        leaky_relu_table(a(0), a(1 << 30), a(1), a(1 << 30), a(-3), a(0)),
        logistic_table(a(0), a(100), a(1 << 30), a(3)),
        tanh_table(a(0), a(100), a(1 << 30), a(3)),
        hard_swish_table(a(0), a(0), a(1 << 14), a(-1), a(1 << 14), a(-1)),
        abs_table(a(0), a(1 << 30), a(1), a(0)),
    ];
    for table in &tables {
        unary!(
            lookup_i8,
            lookup_i8_in_place,
            LookupI8 { table },
            i8_in,
            i8_out
        );
    }
    unary!(
        clamp_f32,
        clamp_f32_in_place,
        ClampF32 { min: 0.0, max: 6.0 },
        f32_in,
        f32_out
    );
    unary!(
        leaky_relu_f32,
        leaky_relu_f32_in_place,
        LeakyReluF32 { alpha: 0.5 },
        f32_in,
        f32_out
    );
    unary!(
        logistic_f32,
        logistic_f32_in_place,
        NoParams,
        f32_in,
        f32_out
    );
    unary!(tanh_f32, tanh_f32_in_place, NoParams, f32_in, f32_out);
    unary!(
        hard_swish_f32,
        hard_swish_f32_in_place,
        NoParams,
        f32_in,
        f32_out
    );
    unary!(abs_f32, abs_f32_in_place, NoParams, f32_in, f32_out);
    unary!(neg_f32, neg_f32_in_place, NoParams, f32_in, f32_out);
    quantize_f32_i8(
        opaque(&QuantizeF32 {
            scale: 0.5,
            zero_point: 1,
        }),
        black_box(f32_in),
        black_box(&mut *i8_out),
    );
    dequantize_i8_f32(
        opaque(&DequantizeI8 {
            scale: 0.5,
            zero_point: 1,
        }),
        black_box(i8_in),
        black_box(&mut *f32_out),
    );
    conversions(i8_in, i8_out, f32_in, f32_out);
}

/// The kernels between the boundary types (uint8, int16, int32) and int8 or float32.
fn conversions(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let mut u8s = [0u8; 4];
    let mut i16s = [0i16; 4];
    let mut i32s = [0i32; 4];
    let rescale = Rescale {
        multiplier: 1 << 30,
        shift: 1,
        input_zero_point: -128,
        output_zero_point: 0,
    };
    let quantize = QuantizeF32 {
        scale: 0.5,
        zero_point: 1,
    };
    let dequantize = DequantizeI8 {
        scale: 0.5,
        zero_point: 1,
    };
    requantize_i8_u8(opaque(&rescale), black_box(i8_in), black_box(&mut u8s[..]));
    requantize_u8_i8(
        opaque(&rescale),
        black_box(&u8s[..]),
        black_box(&mut *i8_out),
    );
    requantize_i16_i8(
        opaque(&rescale),
        black_box(&i16s[..]),
        black_box(&mut *i8_out),
    );
    requantize_i16_i32(
        opaque(&rescale),
        black_box(&i16s[..]),
        black_box(&mut i32s[..]),
    );
    dequantize_u8_f32(
        opaque(&dequantize),
        black_box(&u8s[..]),
        black_box(&mut *f32_out),
    );
    dequantize_i16_f32(
        opaque(&dequantize),
        black_box(&i16s[..]),
        black_box(&mut *f32_out),
    );
    dequantize_i32_f32(
        opaque(&dequantize),
        black_box(&i32s[..]),
        black_box(&mut *f32_out),
    );
    quantize_f32_u8(
        opaque(&quantize),
        black_box(f32_in),
        black_box(&mut u8s[..]),
    );
    quantize_f32_i16(
        opaque(&quantize),
        black_box(f32_in),
        black_box(&mut i16s[..]),
    );
    softmax_i8_i16(
        black_box(&SoftmaxI8 {
            input_multiplier: 1 << 30,
            input_left_shift: 26,
            diff_min: -31,
            depth: 4,
        }),
        black_box(i8_in),
        black_box(&mut i16s[..]),
    );
    black_box((&u8s, &i16s, &i32s));
}

/// The kernels that keep state: SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, READ/ASSIGN_VARIABLE, with
/// parameters, slices and state the optimiser cannot see (a ring position outside the memory
/// too).
#[inline(never)]
fn stateful(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let shape = SvdfShape {
        batches: 1,
        input_size: 2,
        filters: 2,
        rank: 1,
        memory: 2,
    };
    let mut state8 = [0i8; 4];
    let mut state16 = [0i16; 4];
    let mut statef = [0f32; 4];
    svdf_i8(
        opaque(&SvdfI8 {
            shape,
            weights_feature: &[1, 2, 3, 4],
            weights_time: &[1i8, 2, 3, 4],
            feature_offsets: &[0, 0],
            time_offsets: &[0, 0],
            state_zero_point: -3,
            output_zero_point: 1,
            feature_scale: [1 << 30, -2],
            output_scale: [1 << 30, 3],
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
        black_box(&mut state8[..]),
    );
    svdf_i8_state_i16(
        opaque(&SvdfI8 {
            shape,
            weights_feature: &[1, 2, 3, 4],
            weights_time: &[1i16, 2, 3, 4],
            feature_offsets: &[0, 0],
            time_offsets: &[0, 0],
            state_zero_point: 0,
            output_zero_point: 1,
            feature_scale: [1 << 30, 0],
            output_scale: [1 << 30, -1],
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
        black_box(&mut state16[..]),
    );
    svdf_f32(
        opaque(&SvdfF32 {
            shape,
            weights_feature: &[1.0; 4],
            weights_time: &[0.5; 4],
            bias: None,
            output_min: -1.0,
            output_max: 1.0,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
        black_box(&mut statef[..]),
    );
    let lstm_shape = LstmShape {
        batches: 1,
        time_steps: 2,
        input_size: 2,
        units: 2,
        time_major: false,
    };
    let gate = LstmGateI8 {
        input_weights: &[1, 2, 3, 4],
        input_bias: &[1, 2],
        input_multiplier: 1 << 30,
        input_shift: -3,
        recurrent_weights: &[1, 2, 3, 4],
        recurrent_bias: &[0, 0],
        recurrent_multiplier: 1 << 30,
        recurrent_shift: 2,
    };
    let mut out_state = [0i8; 2];
    let mut cell = [0i16; 2];
    lstm_i8(
        opaque(&LstmI8 {
            shape: lstm_shape,
            input_gate: gate,
            forget_gate: gate,
            cell_gate: gate,
            output_gate: gate,
            forget_cell_multiplier: 1 << 30,
            forget_cell_shift: -14,
            input_cell_multiplier: 1 << 30,
            input_cell_shift: -3,
            hidden_multiplier: 1 << 30,
            hidden_shift: -20,
            hidden_zero_point: 3,
            cell_tanh_multiplier: 3,
            cell_tanh_shift: 1,
            cell_clip: Some(100),
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
        black_box(&mut out_state[..]),
        black_box(&mut cell[..]),
    );
    let gate_f = LstmGateF32 {
        input_weights: &[0.5; 4],
        bias: &[0.1; 2],
        recurrent_weights: &[0.25; 4],
    };
    let mut out_state_f = [0f32; 2];
    let mut cell_f = [0f32; 2];
    lstm_f32(
        opaque(&LstmF32 {
            shape: lstm_shape,
            input_gate: gate_f,
            forget_gate: gate_f,
            cell_gate: gate_f,
            output_gate: gate_f,
            cell_clip: None,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
        black_box(&mut out_state_f[..]),
        black_box(&mut cell_f[..]),
    );
    let mut variable = [0i8; 4];
    let mut value = [1i8; 4];
    assign_variable_i8(
        opaque(&NoParams),
        black_box(&mut value[..]),
        black_box(&mut variable[..]),
    );
    read_variable_i8(
        opaque(&NoParams),
        black_box(&mut *i8_out),
        black_box(&mut variable[..]),
    );
    let mut variable16 = [0i16; 2];
    read_variable_i16(
        opaque(&NoParams),
        black_box(&mut [0i16; 2][..]),
        black_box(&mut variable16[..]),
    );
    assign_variable_i16(
        opaque(&NoParams),
        black_box(&mut [1i16; 2][..]),
        black_box(&mut variable16[..]),
    );
    let mut variable32 = [0i32; 2];
    read_variable_i32(
        opaque(&NoParams),
        black_box(&mut [0i32; 2][..]),
        black_box(&mut variable32[..]),
    );
    assign_variable_i32(
        opaque(&NoParams),
        black_box(&mut [1i32; 2][..]),
        black_box(&mut variable32[..]),
    );
    let mut variablef = [0f32; 2];
    read_variable_f32(
        opaque(&NoParams),
        black_box(&mut *f32_out),
        black_box(&mut variablef[..]),
    );
    assign_variable_f32(
        opaque(&NoParams),
        black_box(&mut [1.0f32; 2][..]),
        black_box(&mut variablef[..]),
    );
    black_box((
        &state8,
        &state16,
        &statef,
        &out_state,
        &cell,
        &out_state_f,
        &cell_f,
        &variable,
        &variable16,
        &variable32,
        &variablef,
    ));
}

/// TRANSPOSE / STRIDED_SLICE (gather), PAD, CONCATENATION and MEAN.
#[inline(never)]
fn data_movement(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let gather = Gather4 {
        output_shape: [1, 1, 2, 2],
        start: 0,
        strides: [4, 4, 1, 2],
    };
    gather4_i8(opaque(&gather), black_box(i8_in), black_box(&mut *i8_out));
    gather4_f32(opaque(&gather), black_box(f32_in), black_box(&mut *f32_out));
    pad4_i8(
        opaque(&Pad4I8 {
            input_shape: [1, 1, 1, 2],
            output_strides: [4, 4, 2, 1],
            start: 1,
            value: -128,
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    pad4_f32(
        opaque(&Pad4F32 {
            input_shape: [1, 1, 1, 2],
            output_strides: [4, 4, 2, 1],
            start: 1,
            value: 0.0,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    let concatenation = Concatenation {
        outer: 1,
        sizes: &[2, 2],
    };
    let (i8_a, i8_b) = i8_in.split_at(i8_in.len() / 2);
    let (f32_a, f32_b) = f32_in.split_at(f32_in.len() / 2);
    concatenation_i8(
        opaque(&concatenation),
        black_box(&[i8_a, i8_b]),
        black_box(&mut *i8_out),
    );
    concatenation_f32(
        opaque(&concatenation),
        black_box(&[f32_a, f32_b]),
        black_box(&mut *f32_out),
    );
    mean_i8(
        opaque(&MeanI8 {
            outer: 1,
            reduced: 4,
            inner: 1,
            sum_offset: 0,
            multiplier: 1 << 30,
            shift: -1,
            output_offset: 0,
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    mean_f32(
        opaque(&MeanF32 {
            outer: 1,
            reduced: 4,
            inner: 1,
        }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
}

/// SLICE of int32 (gather), GATHER and MIRROR_PAD (table gather).
#[inline(never)]
fn indexed_data_movement(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let gather = Gather4 {
        output_shape: [1, 1, 2, 2],
        start: 0,
        strides: [4, 4, 1, 2],
    };
    let mut i32_out = [0i32; 4];
    gather4_i32(
        opaque(&gather),
        black_box(&[1, 2, 3, 4]),
        black_box(&mut i32_out[..]),
    );
    let axis = GatherAxis {
        batches: 1,
        outer: 1,
        axis_size: 4,
        coords: 2,
        inner: 1,
    };
    let indices = [3i32, 1];
    gather_i8(
        opaque(&axis),
        black_box(i8_in),
        black_box(&indices[..]),
        black_box(&mut *i8_out),
    );
    gather_f32(
        opaque(&axis),
        black_box(f32_in),
        black_box(&indices[..]),
        black_box(&mut *f32_out),
    );
    let table = Gather4Table {
        output_shape: [1, 1, 1, 4],
        offsets: &[0, 0, 0, 1, 0, 1, 2],
    };
    gather4_table_i8(opaque(&table), black_box(i8_in), black_box(&mut *i8_out));
    gather4_table_f32(opaque(&table), black_box(f32_in), black_box(&mut *f32_out));
    let mut i16s = [0i16; 8];
    let (i16_in, i16_out) = i16s.split_at_mut(4);
    gather4_table_i16(opaque(&table), black_box(&*i16_in), black_box(&mut *i16_out));
    black_box(&i32_out);
}

/// EXP, LOG, SQRT, RSQRT, SQUARE, FLOOR, CEIL, ROUND, ELU (float32) and the int8 RSQRT table.
#[inline(never)]
fn unary_math(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let a = |x: i32| black_box(x);
    let table = rsqrt_table(a(-128), a(1 << 30), a(8), a(-128));
    unary!(
        lookup_i8,
        lookup_i8_in_place,
        LookupI8 { table: &table },
        i8_in,
        i8_out
    );
    unary!(exp_f32, exp_f32_in_place, NoParams, f32_in, f32_out);
    unary!(log_f32, log_f32_in_place, NoParams, f32_in, f32_out);
    unary!(sqrt_f32, sqrt_f32_in_place, NoParams, f32_in, f32_out);
    unary!(rsqrt_f32, rsqrt_f32_in_place, NoParams, f32_in, f32_out);
    unary!(square_f32, square_f32_in_place, NoParams, f32_in, f32_out);
    unary!(floor_f32, floor_f32_in_place, NoParams, f32_in, f32_out);
    unary!(ceil_f32, ceil_f32_in_place, NoParams, f32_in, f32_out);
    unary!(round_f32, round_f32_in_place, NoParams, f32_in, f32_out);
    unary!(elu_f32, elu_f32_in_place, NoParams, f32_in, f32_out);
}

/// Comparisons, logical ops, SELECT_V2, ARG_MAX and ARG_MIN (BOOL tensors as bytes).
#[inline(never)]
fn comparisons(i8_in: &[i8], f32_in: &[f32]) {
    let mut bools = [0u8; 8];
    let (bool_in, bool_out) = bools.split_at_mut(4);
    let bool_in: &[u8] = bool_in;
    let mut i8_out = [0i8; 4];
    let mut f32_out = [0f32; 4];
    let mut i32s = [0i32; 8];
    let (i32_in, i32_out) = i32s.split_at_mut(4);
    let i32_in: &[i32] = i32_in;
    let compare_i8 = CompareI8 {
        input1_offset: 1,
        input1_multiplier: 1 << 30,
        input1_shift: -1,
        input2_offset: -1,
        input2_multiplier: 1 << 30,
        input2_shift: 0,
        left_shift: 8,
        broadcast: BROADCAST,
    };
    let compare = Compare {
        broadcast: BROADCAST,
    };
    macro_rules! comparison {
        ($($i8:ident, $i32:ident, $f32:ident;)*) => {$(
            $i8(opaque(&compare_i8), black_box(i8_in), black_box(i8_in), black_box(&mut *bool_out));
            $i32(opaque(&compare), black_box(i32_in), black_box(i32_in), black_box(&mut *bool_out));
            $f32(opaque(&compare), black_box(f32_in), black_box(f32_in), black_box(&mut *bool_out));
        )*};
    }
    comparison!(
        equal_i8, equal_i32, equal_f32;
        not_equal_i8, not_equal_i32, not_equal_f32;
        greater_i8, greater_i32, greater_f32;
        greater_equal_i8, greater_equal_i32, greater_equal_f32;
        less_i8, less_i32, less_f32;
        less_equal_i8, less_equal_i32, less_equal_f32;
    );
    logical_and(
        opaque(&compare),
        black_box(bool_in),
        black_box(bool_in),
        black_box(&mut *bool_out),
    );
    logical_or(
        opaque(&compare),
        black_box(bool_in),
        black_box(bool_in),
        black_box(&mut *bool_out),
    );
    logical_not(
        opaque(&NoParams),
        black_box(bool_in),
        black_box(&mut *bool_out),
    );
    let select = Select {
        broadcast: Some(Select4 {
            output_shape: [1, 1, 2, 2],
            condition_strides: [0, 0, 1, 0],
            x_strides: [4, 4, 2, 1],
            y_strides: [0, 0, 0, 1],
        }),
    };
    select_i8(
        opaque(&select),
        black_box(bool_in),
        black_box(i8_in),
        black_box(i8_in),
        black_box(&mut i8_out),
    );
    let mut i16s = [0i16; 8];
    let (i16_in, i16_out) = i16s.split_at_mut(4);
    let i16_in: &[i16] = i16_in;
    select_i16(
        opaque(&select),
        black_box(bool_in),
        black_box(i16_in),
        black_box(i16_in),
        black_box(&mut *i16_out),
    );
    select_f32(
        opaque(&select),
        black_box(bool_in),
        black_box(f32_in),
        black_box(f32_in),
        black_box(&mut f32_out),
    );
    let arg = ArgMinMax {
        outer: 1,
        axis: 2,
        inner: 2,
    };
    arg_max_i8(opaque(&arg), black_box(i8_in), black_box(&mut *i32_out));
    arg_min_i8(opaque(&arg), black_box(i8_in), black_box(&mut *i32_out));
    arg_max_f32(opaque(&arg), black_box(f32_in), black_box(&mut *i32_out));
    arg_min_f32(opaque(&arg), black_box(f32_in), black_box(&mut *i32_out));
    zeros_i8(opaque(&NoParams), black_box(&mut i8_out));
    zeros_i32(opaque(&NoParams), black_box(&mut *i32_out));
    zeros_f32(opaque(&NoParams), black_box(&mut f32_out));
    let dims = ConstantI32 { values: &[1, 2, 3] };
    constant_i32(opaque(&dims), black_box(&mut *i32_out));
    black_box((&bools, &i8_out, &f32_out, &i32s));
}

/// REDUCE_MAX, REDUCE_MIN and float32 SUM (int8 SUM is `mean_i8`).
#[inline(never)]
fn reductions(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let shape = ReduceShape {
        outer: 1,
        reduced: 2,
        inner: 2,
    };
    reduce_max_i8(opaque(&shape), black_box(i8_in), black_box(&mut *i8_out));
    reduce_min_i8(opaque(&shape), black_box(i8_in), black_box(&mut *i8_out));
    reduce_max_f32(opaque(&shape), black_box(f32_in), black_box(&mut *f32_out));
    reduce_min_f32(opaque(&shape), black_box(f32_in), black_box(&mut *f32_out));
    sum_f32(opaque(&shape), black_box(f32_in), black_box(&mut *f32_out));
}

/// RESIZE_BILINEAR, SPACE_TO_BATCH_ND and TRANSPOSE_CONV.
#[inline(never)]
fn resizing(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let bilinear = ResizeBilinearI8 {
        input_image: 4,
        depth: 1,
        row_offsets: &[[0, 2], [0, 2]],
        row_fractions: &[0, 512],
        column_offsets: &[[0, 1], [0, 1]],
        column_fractions: &[-256, 768],
    };
    resize_bilinear_i8(opaque(&bilinear), black_box(i8_in), black_box(&mut *i8_out));
    let bilinear = ResizeBilinearF32 {
        input_image: 4,
        depth: 1,
        row_offsets: &[[0, 2], [0, 2]],
        row_fractions: &[0.0, 0.5],
        column_offsets: &[[0, 1], [0, 1]],
        column_fractions: &[-0.25, 0.75],
    };
    resize_bilinear_f32(
        opaque(&bilinear),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    let space_to_batch = SpaceToBatch {
        batches: 1,
        input_height: 2,
        input_width: 2,
        depth: 1,
        output_height: 1,
        output_width: 1,
        block_height: 2,
        block_width: 2,
        pad_top: 0,
        pad_left: 0,
    };
    space_to_batch_i8(
        opaque(&space_to_batch),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    space_to_batch_f32(
        opaque(&space_to_batch),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    let transpose = TransposeConvI8 {
        geometry: GEOMETRY,
        weights: &[1],
        bias: Some(&[0]),
        input_offset: 0,
        requantize: REQUANTIZE,
        output_offset: 0,
        output_min: -128,
        output_max: 127,
    };
    transpose_conv_i8(
        opaque(&transpose),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    let transpose = TransposeConvF32 {
        geometry: GEOMETRY,
        weights: &[1.0],
        bias: None,
        output_min: f32::MIN,
        output_max: f32::MAX,
    };
    transpose_conv_f32(
        opaque(&transpose),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
}

/// int32 ADD, SUB, MUL, DIV, MAXIMUM and MINIMUM, float32 DIV, and every CAST.
#[inline(never)]
fn int32_and_casts(f32_in: &[f32], f32_out: &mut [f32]) {
    let mut i32s = [1i32; 4];
    let (i32_in, i32_out) = i32s.split_at_mut(2);
    let i32_in: &[i32] = i32_in;
    let arithmetic = ArithmeticI32 {
        output_min: i32::MIN,
        output_max: i32::MAX,
        broadcast: BROADCAST,
    };
    binary!(add_i32, add_i32_in_place, arithmetic, i32_in, i32_out);
    binary!(sub_i32, sub_i32_in_place, arithmetic, i32_in, i32_out);
    binary!(mul_i32, mul_i32_in_place, arithmetic, i32_in, i32_out);
    binary!(div_i32, div_i32_in_place, arithmetic, i32_in, i32_out);
    let min_max = MinMax {
        broadcast: BROADCAST,
    };
    binary!(maximum_i32, maximum_i32_in_place, min_max, i32_in, i32_out);
    binary!(minimum_i32, minimum_i32_in_place, min_max, i32_in, i32_out);
    let arithmetic = ArithmeticF32 {
        output_min: f32::MIN,
        output_max: f32::MAX,
        broadcast: BROADCAST,
    };
    binary!(div_f32, div_f32_in_place, arithmetic, f32_in, f32_out);
    let mut i8s = [1i8; 4];
    let mut i16s = [1i16; 4];
    let mut i32s = [1i32; 4];
    let mut u32s = [1u32; 4];
    let mut f32s = [1f32; 4];
    let bools = [1u8; 4];
    // Inputs are copies, so that a cast within one type can write the array it reads from.
    let (i8c, i16c, i32c, u32c, f32c) = (i8s, i16s, i32s, u32s, f32s);
    cast_i8_i8(
        opaque(&NoParams),
        black_box(&i8c[..2]),
        black_box(&mut i8s[2..]),
    );
    cast_i8_i16(
        opaque(&NoParams),
        black_box(&i8c[..2]),
        black_box(&mut i16s[2..]),
    );
    cast_i8_i32(
        opaque(&NoParams),
        black_box(&i8c[..2]),
        black_box(&mut i32s[2..]),
    );
    cast_i8_u32(
        opaque(&NoParams),
        black_box(&i8c[..2]),
        black_box(&mut u32s[2..]),
    );
    cast_i8_f32(
        opaque(&NoParams),
        black_box(&i8c[..2]),
        black_box(&mut f32s[2..]),
    );
    cast_i16_i8(
        opaque(&NoParams),
        black_box(&i16c[..2]),
        black_box(&mut i8s[2..]),
    );
    cast_i16_i16(
        opaque(&NoParams),
        black_box(&i16c[..2]),
        black_box(&mut i16s[2..]),
    );
    cast_i16_i32(
        opaque(&NoParams),
        black_box(&i16c[..2]),
        black_box(&mut i32s[2..]),
    );
    cast_i16_u32(
        opaque(&NoParams),
        black_box(&i16c[..2]),
        black_box(&mut u32s[2..]),
    );
    cast_i16_f32(
        opaque(&NoParams),
        black_box(&i16c[..2]),
        black_box(&mut f32s[2..]),
    );
    cast_i32_i8(
        opaque(&NoParams),
        black_box(&i32c[..2]),
        black_box(&mut i8s[2..]),
    );
    cast_i32_i16(
        opaque(&NoParams),
        black_box(&i32c[..2]),
        black_box(&mut i16s[2..]),
    );
    cast_i32_i32(
        opaque(&NoParams),
        black_box(&i32c[..2]),
        black_box(&mut i32s[2..]),
    );
    cast_i32_u32(
        opaque(&NoParams),
        black_box(&i32c[..2]),
        black_box(&mut u32s[2..]),
    );
    cast_i32_f32(
        opaque(&NoParams),
        black_box(&i32c[..2]),
        black_box(&mut f32s[2..]),
    );
    cast_u32_i8(
        opaque(&NoParams),
        black_box(&u32c[..2]),
        black_box(&mut i8s[2..]),
    );
    cast_u32_i16(
        opaque(&NoParams),
        black_box(&u32c[..2]),
        black_box(&mut i16s[2..]),
    );
    cast_u32_i32(
        opaque(&NoParams),
        black_box(&u32c[..2]),
        black_box(&mut i32s[2..]),
    );
    cast_u32_u32(
        opaque(&NoParams),
        black_box(&u32c[..2]),
        black_box(&mut u32s[2..]),
    );
    cast_u32_f32(
        opaque(&NoParams),
        black_box(&u32c[..2]),
        black_box(&mut f32s[2..]),
    );
    cast_f32_i8(
        opaque(&NoParams),
        black_box(&f32c[..2]),
        black_box(&mut i8s[2..]),
    );
    cast_f32_i16(
        opaque(&NoParams),
        black_box(&f32c[..2]),
        black_box(&mut i16s[2..]),
    );
    cast_f32_i32(
        opaque(&NoParams),
        black_box(&f32c[..2]),
        black_box(&mut i32s[2..]),
    );
    cast_f32_u32(
        opaque(&NoParams),
        black_box(&f32c[..2]),
        black_box(&mut u32s[2..]),
    );
    cast_f32_f32(
        opaque(&NoParams),
        black_box(&f32c[..2]),
        black_box(&mut f32s[2..]),
    );
    cast_bool_i8(
        opaque(&NoParams),
        black_box(&bools[..2]),
        black_box(&mut i8s[2..]),
    );
    cast_bool_i16(
        opaque(&NoParams),
        black_box(&bools[..2]),
        black_box(&mut i16s[2..]),
    );
    cast_bool_i32(
        opaque(&NoParams),
        black_box(&bools[..2]),
        black_box(&mut i32s[2..]),
    );
    cast_bool_u32(
        opaque(&NoParams),
        black_box(&bools[..2]),
        black_box(&mut u32s[2..]),
    );
    cast_bool_f32(
        opaque(&NoParams),
        black_box(&bools[..2]),
        black_box(&mut f32s[2..]),
    );
    black_box((&i8s, &i16s, &i32s, &u32s, &f32s));
}

/// The int16, int32 and BOOL forms of the strided copy, PAD and CONCATENATION.
#[inline(never)]
fn typed_data_movement() {
    let gather = Gather4 {
        output_shape: [1, 1, 2, 2],
        start: 0,
        strides: [4, 4, 1, 2],
    };
    let (mut i16_out, mut i32_out, mut bool_out) = ([0i16; 4], [0i32; 4], [0u8; 4]);
    gather4_i16(
        opaque(&gather),
        black_box(&[1, 2, 3, 4]),
        black_box(&mut i16_out[..]),
    );
    gather4_bool(
        opaque(&gather),
        black_box(&[1, 0, 1, 0]),
        black_box(&mut bool_out[..]),
    );
    let pad16 = Pad4I16 {
        input_shape: [1, 1, 1, 2],
        output_strides: [4, 4, 2, 1],
        start: 1,
        value: 0,
    };
    pad4_i16(
        opaque(&pad16),
        black_box(&[1, 2]),
        black_box(&mut i16_out[..]),
    );
    let pad32 = Pad4I32 {
        input_shape: [1, 1, 1, 2],
        output_strides: [4, 4, 2, 1],
        start: 1,
        value: 0,
    };
    pad4_i32(
        opaque(&pad32),
        black_box(&[1, 2]),
        black_box(&mut i32_out[..]),
    );
    let concatenation = Concatenation {
        outer: 1,
        sizes: &[2, 2],
    };
    let (i16_a, i16_b): (&[i16], &[i16]) = (&[1, 2], &[3, 4]);
    let (i32_a, i32_b): (&[i32], &[i32]) = (&[1, 2], &[3, 4]);
    let (bool_a, bool_b): (&[u8], &[u8]) = (&[1, 0], &[0, 1]);
    concatenation_i16(
        opaque(&concatenation),
        black_box(&[i16_a, i16_b]),
        black_box(&mut i16_out[..]),
    );
    concatenation_i32(
        opaque(&concatenation),
        black_box(&[i32_a, i32_b]),
        black_box(&mut i32_out[..]),
    );
    concatenation_bool(
        opaque(&concatenation),
        black_box(&[bool_a, bool_b]),
        black_box(&mut bool_out[..]),
    );
    black_box((&i16_out, &i32_out, &bool_out));
}

/// TFLM's signal library: window, FFT auto-scale, RFFT, energy, filter bank, square root,
/// spectral subtraction (and the copy of its state), PCAN and log.
#[inline(never)]
fn signal() {
    let mut i16s = [0i16; 16];
    let (i16_in, i16_out) = i16s.split_at_mut(8);
    let i16_in: &[i16] = i16_in;
    let mut u32s = [0u32; 8];
    let (u32_in, u32_out) = u32s.split_at_mut(4);
    let u32_in: &[u32] = u32_in;
    let mut u64s = [0u64; 4];
    let mut i32s = [0i32; 2];
    let mut scratch = [0i16; 8];
    let mut noise = [0u32; 4];
    let table = [1i16; 8];
    signal_window(
        opaque(&SignalWindow { shift: 12 }),
        black_box(i16_in),
        black_box(&table[..]),
        black_box(&mut *i16_out),
    );
    signal_fft_auto_scale(
        opaque(&NoParams),
        black_box(i16_in),
        black_box(&mut *i16_out),
    );
    signal_fft_auto_scale_bits(
        opaque(&NoParams),
        black_box(i16_in),
        black_box(&mut i32s[..]),
    );
    let rfft = SignalRfftI16 {
        input_length: 6,
        output_length: 10,
        twiddles: &[[32767, 0], [0, -32767], [-32767, 0], [0, 32767]],
        super_twiddles: &[[-23170, -23170], [-32767, 0]],
        stages: &[[4, 1]],
        order: &[0, 1, 2, 3],
    };
    signal_rfft_i16(
        opaque(&rfft),
        black_box(i16_in),
        black_box(&mut *i16_out),
        black_box(&mut scratch[..]),
    );
    signal_energy(
        opaque(&SignalEnergy {
            start_index: 1,
            end_index: 3,
        }),
        black_box(i16_in),
        black_box(&mut *u32_out),
    );
    let bank = SignalFilterBank {
        num_channels: 2,
        weights: &table,
        unweights: &table,
        channel_frequency_starts: &[0, 1, 2],
        channel_weight_starts: &[0, 1, 2],
        channel_widths: &[1, 1, 1],
    };
    signal_filter_bank(opaque(&bank), black_box(u32_in), black_box(&mut u64s[..]));
    signal_filter_bank_square_root(
        opaque(&NoParams),
        black_box(&u64s[..]),
        black_box(&i32s[..]),
        black_box(&mut *u32_out),
    );
    let subtraction = SignalSpectralSubtraction {
        smoothing: 409,
        one_minus_smoothing: 15975,
        alternate_smoothing: 983,
        alternate_one_minus_smoothing: 15401,
        min_signal_remaining: 819,
        smoothing_bits: 10,
        spectral_subtraction_bits: 14,
        clamping: false,
    };
    signal_spectral_subtraction(
        opaque(&subtraction),
        black_box(u32_in),
        black_box(&mut *u32_out),
        black_box(&mut noise[..]),
    );
    read_variable_u32(
        opaque(&NoParams),
        black_box(&mut *u32_out),
        black_box(&mut noise[..]),
    );
    assign_variable_u32(
        opaque(&NoParams),
        black_box(&mut *u32_out),
        black_box(&mut noise[..]),
    );
    signal_pcan(
        opaque(&SignalPcan {
            snr_shift: 6,
            gain_lut: &table,
        }),
        black_box(u32_in),
        black_box(&noise[..]),
        black_box(&mut *u32_out),
    );
    signal_filter_bank_log(
        opaque(&SignalFilterBankLog {
            input_correction_bits: 3,
            output_scale: 64,
        }),
        black_box(u32_in),
        black_box(&mut *i16_out),
    );
    black_box((&i16s, &u32s, &u64s, &i32s, &scratch, &noise));
}

/// PRELU, LOG_SOFTMAX, L2_NORMALIZATION, ADD_N, CUMSUM and GATHER_ND.
#[inline(never)]
fn more_ops(i8_in: &[i8], i8_out: &mut [i8], f32_in: &[f32], f32_out: &mut [f32]) {
    let prelu = PreluI8 {
        input_offset: 1,
        alpha_offset: -2,
        output_offset: 3,
        positive_multiplier: 1 << 30,
        positive_shift: 1,
        negative_multiplier: 1 << 30,
        negative_shift: -3,
        broadcast: BROADCAST,
    };
    binary!(prelu_i8, prelu_i8_in_place, prelu, i8_in, i8_out);
    let mut i16s = [0i16; 8];
    let (i16_in, i16_out) = i16s.split_at_mut(4);
    prelu_i16(
        opaque(&prelu),
        black_box(&*i16_in),
        black_box(i8_in),
        black_box(&mut *i16_out),
    );
    prelu_i16_in_place(opaque(&prelu), black_box(&mut *i16_out), black_box(i8_in));
    let prelu = PreluF32 {
        broadcast: BROADCAST,
    };
    binary!(prelu_f32, prelu_f32_in_place, prelu, f32_in, f32_out);
    let log_softmax = LogSoftmaxI8 {
        input_multiplier: 1 << 30,
        input_left_shift: 26,
        reverse_scaling_divisor: 1 << 30,
        reverse_scaling_shift: -26,
        diff_min: -31,
        depth: 2,
    };
    log_softmax_i8(opaque(&log_softmax), black_box(i8_in), black_box(&mut *i8_out));
    log_softmax_f32(
        opaque(&LogSoftmaxF32 { depth: 2 }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    l2_normalization_i8(
        opaque(&L2NormI8 {
            input_zero_point: 1,
            depth: 2,
        }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    l2_normalization_f32(
        opaque(&L2NormF32 { depth: 2 }),
        black_box(f32_in),
        black_box(&mut *f32_out),
    );
    let scales = AccumulateI8 {
        input_offset: 1,
        input_multiplier: 1 << 30,
        input_shift: 0,
        output_multiplier: 1 << 30,
        output_shift: -18,
        output_offset: 2,
    };
    add_n_i8(
        opaque(&scales),
        black_box(&[i8_in, i8_in, i8_in]),
        black_box(&mut *i8_out),
    );
    add_n_f32(
        opaque(&NoParams),
        black_box(&[f32_in, f32_in]),
        black_box(&mut *f32_out),
    );
    let shape = CumsumShape {
        outer: 1,
        depth: 2,
        inner: 2,
        exclusive: true,
        reverse: true,
    };
    cumsum_i8(
        opaque(&CumsumI8 { shape, scales }),
        black_box(i8_in),
        black_box(&mut *i8_out),
    );
    cumsum_f32(opaque(&shape), black_box(f32_in), black_box(&mut *f32_out));
    let gather = GatherNd {
        slices: 2,
        index_depth: 2,
        slice_size: 1,
        strides: [2, 1, 0, 0, 0],
    };
    let indices = [1i32, 0, 0, 1];
    gather_nd_i8(
        opaque(&gather),
        black_box(i8_in),
        black_box(&indices[..]),
        black_box(&mut *i8_out),
    );
    gather_nd_f32(
        opaque(&gather),
        black_box(f32_in),
        black_box(&indices[..]),
        black_box(&mut *f32_out),
    );
}

/// The int16 (16x8) element-wise kernels, activations, SOFTMAX and requantizations.
#[inline(never)]
fn int16_elementwise(i8_in: &[i8]) {
    let mut i16s = [0i16; 8];
    let (i16_in, i16_out) = i16s.split_at_mut(4);
    let i16_in: &[i16] = i16_in;
    let add = AddI8 {
        input1_offset: 0,
        input1_multiplier: 1 << 30,
        input1_shift: -1,
        input2_offset: 0,
        input2_multiplier: 1 << 30,
        input2_shift: -1,
        left_shift: 15,
        output_multiplier: 1 << 30,
        output_shift: -14,
        output_offset: 0,
        output_min: -32768,
        output_max: 32767,
        broadcast: BROADCAST,
    };
    let mul = MulI8 {
        input1_offset: 0,
        input2_offset: 0,
        output_multiplier: 1 << 30,
        output_shift: -15,
        output_offset: 0,
        output_min: -32768,
        output_max: 32767,
        broadcast: BROADCAST,
    };
    binary!(add_i16, add_i16_in_place, add, i16_in, i16_out);
    binary!(sub_i16, sub_i16_in_place, add, i16_in, i16_out);
    binary!(mul_i16, mul_i16_in_place, mul, i16_in, i16_out);
    binary!(
        squared_difference_i16,
        squared_difference_i16_in_place,
        add,
        i16_in,
        i16_out
    );
    let min_max = MinMax {
        broadcast: BROADCAST,
    };
    binary!(maximum_i16, maximum_i16_in_place, min_max, i16_in, i16_out);
    binary!(minimum_i16, minimum_i16_in_place, min_max, i16_in, i16_out);
    let relu = ReluI16 {
        input_zero_point: 0,
        multiplier: 1 << 30,
        shift: 1,
        output_zero_point: 0,
        output_min: 0,
        output_max: 32767,
    };
    unary!(relu_i16, relu_i16_in_place, relu, i16_in, i16_out);
    unary!(abs_i16, abs_i16_in_place, relu, i16_in, i16_out);
    let clamp = ClampI16 { min: 0, max: 6000 };
    unary!(clamp_i16, clamp_i16_in_place, clamp, i16_in, i16_out);
    let leaky = LeakyReluI16 {
        input_zero_point: 0,
        identity_multiplier: 1 << 30,
        identity_shift: 1,
        alpha_multiplier: -(1 << 30),
        alpha_shift: -2,
        output_zero_point: 0,
    };
    unary!(leaky_relu_i16, leaky_relu_i16_in_place, leaky, i16_in, i16_out);
    let sigmoid = SigmoidI16 {
        multiplier: 24576,
        shift: 12,
    };
    unary!(logistic_i16, logistic_i16_in_place, sigmoid, i16_in, i16_out);
    unary!(tanh_i16, tanh_i16_in_place, sigmoid, i16_in, i16_out);
    let lut = [0i16; 513];
    softmax_i16(
        opaque(&SoftmaxI16 {
            input_multiplier: 1 << 30,
            input_shift: 2,
            depth: 2,
            exp_lut: &lut,
            one_over_one_plus_x_lut: &lut,
        }),
        black_box(i16_in),
        black_box(&mut *i16_out),
    );
    let rescale = Rescale {
        multiplier: 1 << 30,
        shift: 1,
        input_zero_point: 0,
        output_zero_point: 0,
    };
    requantize_i16_i16(opaque(&rescale), black_box(i16_in), black_box(&mut *i16_out));
    requantize_i8_i16(opaque(&rescale), black_box(i8_in), black_box(&mut *i16_out));
    let i32s = [0i32; 4];
    requantize_i32_i16(opaque(&rescale), black_box(&i32s[..]), black_box(&mut *i16_out));
    black_box(&i16s);
}

/// The int16x8 kernels (int16 activations, int8 weights): the weighted ops with both
/// accumulators, the pools and MEAN.
#[inline(never)]
fn int16x8() {
    let mut i16s = [0i16; 8];
    let (i16_in, i16_out) = i16s.split_at_mut(4);
    let i16_in: &[i16] = i16_in;
    let conv = Conv2dI16 {
        geometry: GEOMETRY,
        weights: &[1],
        bias: &[0],
        requantize: REQUANTIZE,
        output_min: -32768,
        output_max: 32767,
    };
    conv2d_i16(opaque(&conv), black_box(i16_in), black_box(&mut *i16_out));
    conv2d_i16_acc32(opaque(&conv), black_box(i16_in), black_box(&mut *i16_out));
    depthwise_conv2d_i16(
        opaque(&DepthwiseConv2dI16 {
            geometry: GEOMETRY,
            depth_multiplier: 1,
            weights: &[1],
            bias: &[0],
            requantize: REQUANTIZE,
            output_min: -32768,
            output_max: 32767,
        }),
        black_box(i16_in),
        black_box(&mut *i16_out),
    );
    let fc = FullyConnectedI16 {
        weights: &[1],
        bias: &[0],
        accum_depth: 1,
        output_depth: 1,
        requantize: REQUANTIZE,
        output_min: -32768,
        output_max: 32767,
    };
    fully_connected_i16(opaque(&fc), black_box(i16_in), black_box(&mut *i16_out));
    fully_connected_i16_acc32(opaque(&fc), black_box(i16_in), black_box(&mut *i16_out));
    transpose_conv_i16(
        opaque(&TransposeConvI16 {
            geometry: GEOMETRY,
            weights: &[1],
            bias: &[0],
            requantize: REQUANTIZE,
            output_min: -32768,
            output_max: 32767,
        }),
        black_box(i16_in),
        black_box(&mut *i16_out),
    );
    let pool = Pool2dI8 {
        geometry: POOL_GEOMETRY,
        output_min: -32768,
        output_max: 32767,
    };
    average_pool2d_i16(opaque(&pool), black_box(i16_in), black_box(&mut *i16_out));
    max_pool2d_i16(opaque(&pool), black_box(i16_in), black_box(&mut *i16_out));
    mean_i16(
        opaque(&MeanI8 {
            outer: 1,
            reduced: 4,
            inner: 1,
            sum_offset: 0,
            multiplier: 1 << 30,
            shift: -1,
            output_offset: 0,
        }),
        black_box(i16_in),
        black_box(&mut *i16_out),
    );
    black_box(&i16s);
}

/// BATCH_MATMUL, int8 and float32, with opaque shapes and steps.
#[inline(never)]
fn batch_matmul() {
    let mut i8s = [1i8; 8];
    let (i8_in, i8_out) = i8s.split_at_mut(4);
    let mut f32s = [1.0f32; 8];
    let (f32_in, f32_out) = f32s.split_at_mut(4);
    let shape = BatchMatMulShape {
        batches: [1, 1, 2],
        lhs_strides: [0, 0, 2],
        rhs_strides: [0, 0, 0],
        rows: 1,
        cols: 1,
        depth: 2,
        lhs_row_step: 2,
        lhs_depth_step: 1,
        rhs_depth_step: 1,
        rhs_col_step: 2,
    };
    batch_matmul_i8(
        opaque(&BatchMatMulI8 {
            shape,
            lhs_offset: 1,
            rhs_offset: -1,
            multiplier: 1 << 30,
            shift: -1,
            output_offset: 0,
        }),
        black_box(&*i8_in),
        black_box(&*i8_in),
        black_box(&mut *i8_out),
    );
    let mut i16s = [1i16; 8];
    let (i16_in, i16_out) = i16s.split_at_mut(4);
    batch_matmul_i16(
        opaque(&BatchMatMulI16 {
            shape,
            multiplier: 1 << 30,
            shift: 40,
        }),
        black_box(&*i16_in),
        black_box(&*i16_in),
        black_box(&mut *i16_out),
    );
    black_box(&i16s);
    batch_matmul_f32(
        opaque(&BatchMatMulF32 { shape }),
        black_box(&*f32_in),
        black_box(&*f32_in),
        black_box(&mut *f32_out),
    );
    black_box((&i8s, &f32s));
}

/// TFLite_Detection_PostProcess, both suppressions, and its output copies, with opaque
/// parameters and a scratch buffer of opaque length.
#[inline(never)]
fn detection() {
    let inputs = [0.5f32; 12];
    let mut outputs = [0f32; 8];
    let mut scratch = [0u32; 64];
    for regular_nms in 0..2 {
        let regular_nms = regular_nms == 1;
        let params = DetectionPostProcess {
            num_boxes: 2,
            box_stride: 4,
            num_classes: 1,
            class_stride: 2,
            label_offset: 1,
            max_detections: 2,
            detections_per_class: 2,
            regular_nms,
            score_threshold: 0.1,
            iou_threshold: 0.5,
            scale: [10.0, 10.0, 5.0, 5.0],
        };
        detection_postprocess(
            opaque(&params),
            black_box(&inputs[..]),
            black_box(&inputs[..]),
            black_box(&inputs[..]),
            black_box(&mut outputs[..]),
            black_box(&mut scratch[..]),
        );
    }
    detection_postprocess_output(
        opaque(&DetectionPostProcessOutput { start: 1 }),
        black_box(&mut outputs[..]),
        black_box(&mut scratch[..]),
    );
    black_box((&outputs, &scratch));
}
