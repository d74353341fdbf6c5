//! Kernels the user supplies (`include_model!(.., custom = { .. })`): for a builtin, in place of
//! embedml's own kernel (CUMSUM), and for a custom operator with FlexBuffer options, each checked
//! against TFLM's outputs (tests/tools/make_user_kernel_models.py says how the goldens were made).

use embedml::CustomOp;

// CUMSUM is a builtin embedml runs itself: a user kernel named for it runs instead.
embedml::include_model!(
    CumsumFloat,
    "../models/user_kernels/cumsum_float.tflite",
    custom = { "CUMSUM" => crate::cumsum_f32 }
);

// Its TANH is the custom operator "UserTanh" with options {"beta": 1.0}.
embedml::include_model!(
    UserTanhFloat,
    "../models/user_kernels/user_tanh_float.tflite",
    custom = { "UserTanh" => user_tanh }
);

/// CUMSUM with TFLite's default options (not exclusive, not reversed), along the axis its
/// constant second input names, summing in order as TFLM's reference kernel does.
fn cumsum_f32(op: &CustomOp, input: &[f32], axis: &[i32], output: &mut [f32]) {
    CUMSUM_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let shape = op.inputs[0].shape;
    let axis = axis[0].rem_euclid(shape.len() as i32) as usize;
    let inner: usize = shape[axis + 1..].iter().product();
    let along = shape[axis];
    for (block_in, block_out) in input
        .chunks(along * inner)
        .zip(output.chunks_mut(along * inner))
    {
        for i in 0..inner {
            let mut sum = 0.0f32;
            for k in 0..along {
                sum += block_in[k * inner + i];
                block_out[k * inner + i] = sum;
            }
        }
    }
}

/// `tanh(beta * x)`, with `beta` read from the operator's FlexBuffer options.
fn user_tanh(op: &CustomOp, input: &[f32], output: &mut [f32]) {
    let options = flexbuffers::Reader::get_root(op.options).expect("FlexBuffer options");
    let beta = options.as_map().idx("beta").as_f64() as f32;
    for (o, &x) in output.iter_mut().zip(input) {
        *o = (beta * x).tanh();
    }
}

/// How often [`cumsum_f32`] ran.
static CUMSUM_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn a_user_kernel_overrides_a_builtin_embedml_runs() {
    embedml_tests::check_golden_in::<CumsumFloat>("golden/user_kernels", "cumsum_float");
    // The user's kernel ran, not embedml's own CUMSUM.
    assert!(CUMSUM_CALLS.load(std::sync::atomic::Ordering::Relaxed) > 0);
}

#[test]
fn a_user_kernel_runs_a_custom_operator_with_its_options() {
    embedml_tests::check_golden_in::<UserTanhFloat>("golden/user_kernels", "user_tanh_float");
}

/// What [`record`] saw: the operator's index, name, options and shapes.
type Seen = (usize, String, Vec<u8>, Vec<usize>, Vec<usize>);
static SEEN: std::sync::Mutex<Option<Seen>> = std::sync::Mutex::new(None);

/// A kernel that records the `CustomOp` it is handed, and copies its input.
fn record(op: &CustomOp, input: &[f32], output: &mut [f32]) {
    *SEEN.lock().unwrap() = Some((
        op.index,
        op.name.to_owned(),
        op.options.to_vec(),
        op.inputs[0].shape.to_vec(),
        op.output.shape.to_vec(),
    ));
    output.copy_from_slice(input);
}

#[test]
fn the_user_kernel_is_told_the_operator() {
    // A model inside a function, with a `self::` path: from the function's module.
    embedml::include_model!(
        Recorded,
        "../models/user_kernels/user_tanh_float.tflite",
        custom = { "UserTanh" => self::record }
    );
    let mut model = Recorded::default();
    embedml::Model::invoke(&mut model);
    let (index, name, options, input_shape, output_shape) = SEEN.lock().unwrap().take().unwrap();
    assert_eq!((index, name.as_str()), (1, "UserTanh"));
    let beta = flexbuffers::Reader::get_root(&options[..])
        .unwrap()
        .as_map()
        .idx("beta")
        .as_f64();
    assert_eq!(beta, 1.0);
    assert_eq!((input_shape, output_shape), (vec![1, 12], vec![1, 12]));
}
