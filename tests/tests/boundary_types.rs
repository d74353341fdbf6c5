//! uint8, int16 and int32 at a model's boundary: the generated typed accessors
//! (`&mut [u8; N]`, `&[i32; M]`), `set_input_f32` / `output_f32` for them, the `TensorInfo`
//! element types; and an operator with several outputs (SPLIT) seen once by the profiler. The
//! values themselves are checked against TFLM by the fixtures of `op_fixtures.rs`.

use embedml::{ElementType, Model};

embedml::include_model!(MaxPoolUint8, "../fixtures/maxpool_uint8.tflite");
embedml::include_model!(KwsTail, "../fixtures/kws_tail_cut.tflite");
embedml::include_model!(
    KwsQuantizeInt16,
    "../fixtures/kws_quantize_int16_cut.tflite"
);
embedml::include_model!(SplitChannels, "../fixtures/split_channels_int8.tflite");

#[test]
fn uint8_inputs_and_outputs_are_u8_arrays() {
    assert_eq!(MaxPoolUint8::INPUTS[0].element_type, ElementType::UInt8);
    assert_eq!(MaxPoolUint8::OUTPUTS[0].element_type, ElementType::UInt8);
    let mut model = Box::new(MaxPoolUint8::new());
    let input: &mut [u8; 256] = model.input_mut();
    input.fill(200);
    model.invoke();
    let output: &[u8; 64] = model.output();
    // A max pool of a constant image is that constant (the boundary's scales are one).
    assert!(output.iter().all(|&v| v == 200), "{output:?}");
    let real = 1.5f32;
    model.set_input_f32(&[real; 256]);
    let q = ((real / MaxPoolUint8::INPUT_SCALE).round() as i32 + MaxPoolUint8::INPUT_ZERO_POINT)
        .clamp(0, 255) as u8;
    assert!(model.input_mut().iter().all(|&v| v == q));
    model.invoke();
    let by_hand = (i32::from(model.output()[0]) - MaxPoolUint8::OUTPUT_ZERO_POINT) as f32
        * MaxPoolUint8::OUTPUT_SCALE;
    assert_eq!(model.output_f32()[0], by_hand);
    assert!((by_hand - real).abs() <= MaxPoolUint8::OUTPUT_SCALE * 2.0);
}

#[test]
fn int16_inputs_and_int32_outputs() {
    assert_eq!(KwsQuantizeInt16::INPUTS[0].element_type, ElementType::Int16);
    assert_eq!(KwsTail::OUTPUTS[0].element_type, ElementType::Int32);
    let mut quantize = Box::new(KwsQuantizeInt16::new());
    let input: &mut [i16; 96] = quantize.input_mut();
    input.fill(0);
    quantize.set_input_f32(&[1.0; 96]);
    let q =
        (1.0 / KwsQuantizeInt16::INPUT_SCALE).round() as i32 + KwsQuantizeInt16::INPUT_ZERO_POINT;
    assert!(quantize.input_mut().iter().all(|&v| i32::from(v) == q));

    let mut tail = Box::new(KwsTail::new());
    tail.input_mut().fill(0);
    tail.invoke();
    let output: &[i32; 2] = tail.output();
    // Softmax probabilities, in units of the output scale: they add up to about one.
    let probabilities = tail.output_f32();
    let by_hand = (output[0] - KwsTail::OUTPUT_ZERO_POINT) as f32 * KwsTail::OUTPUT_SCALE;
    assert_eq!(probabilities[0], by_hand);
    assert!(
        (probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-3,
        "{probabilities:?}"
    );
}

/// SPLIT runs one kernel call per output; the profiler sees the operator once.
#[test]
fn a_split_is_one_operator_to_the_profiler() {
    struct Record(Vec<(bool, usize, &'static str)>);
    impl embedml::Profiler for Record {
        fn begin(&mut self, op: usize, name: &'static str) {
            self.0.push((true, op, name));
        }
        fn end(&mut self, op: usize, name: &'static str) {
            self.0.push((false, op, name));
        }
    }
    let mut model = Box::new(SplitChannels::new());
    for (i, v) in model.input_mut().iter_mut().enumerate() {
        *v = i as i8;
    }
    let mut record = Record(Vec::new());
    model.invoke_profiled(&mut record);
    assert_eq!(record.0, [(true, 0, "SPLIT"), (false, 0, "SPLIT")]);
    // Input [1, 3, 4, 6] split in two along the channels: output 0 has channels 0..3 of each
    // pixel, output 1 channels 3..6 (in the model's output order).
    let (a, b) = (*model.output_0(), *model.output_1());
    let (first, second) = if a[0] == 0 { (a, b) } else { (b, a) };
    for pixel in 0..12 {
        for c in 0..3 {
            assert_eq!(first[pixel * 3 + c], (pixel * 6 + c) as i8);
            assert_eq!(second[pixel * 3 + c], (pixel * 6 + 3 + c) as i8);
        }
    }
}
