//! The generated `set_input_f32` / `output_f32` quantize and dequantize with the tensors' own
//! parameters: hello_world (a sine approximator) gives sin(x) to its model's accuracy, and the
//! helpers agree with the quantization constants by hand.

embedml::include_model!(HelloWorld, "../models/hello_world_int8.tflite");

#[test]
fn real_values_in_and_out() {
    let mut model = Box::new(HelloWorld::new());
    for x in [0.5f32, 1.0, 2.0, 4.0, 5.5] {
        model.set_input_f32(&[x]);
        // By hand: TFLM's QUANTIZE.
        let q = ((x / HelloWorld::INPUT_SCALE).round() as i32 + HelloWorld::INPUT_ZERO_POINT)
            .clamp(-128, 127) as i8;
        assert_eq!(model.input_mut()[0], q);
        model.invoke();
        let y = model.output_f32()[0];
        let by_hand = (i32::from(model.output()[0]) - HelloWorld::OUTPUT_ZERO_POINT) as f32
            * HelloWorld::OUTPUT_SCALE;
        assert_eq!(y, by_hand);
        assert!(
            (y - x.sin()).abs() < 0.15,
            "sin({x}) = {}, model {y}",
            x.sin()
        );
    }
}

/// `invoke_profiled` calls the profiler around every operator that runs a kernel, in order,
/// and gives the same outputs as `invoke`.
#[test]
fn the_profiler_sees_every_layer() {
    struct Record(Vec<(bool, usize, &'static str)>);
    impl embedml::Profiler for Record {
        fn begin(&mut self, op: usize, name: &'static str) {
            self.0.push((true, op, name));
        }
        fn end(&mut self, op: usize, name: &'static str) {
            self.0.push((false, op, name));
        }
    }
    let mut model = Box::new(HelloWorld::new());
    model.set_input_f32(&[1.0]);
    let mut record = Record(Vec::new());
    model.invoke_profiled(&mut record);
    let profiled = *model.output();
    let layers = [
        (0, "FULLY_CONNECTED"),
        (1, "FULLY_CONNECTED"),
        (2, "FULLY_CONNECTED"),
    ];
    let want: Vec<(bool, usize, &str)> = layers
        .iter()
        .flat_map(|&(op, name)| [(true, op, name), (false, op, name)])
        .collect();
    assert_eq!(record.0, want);
    model.set_input_f32(&[1.0]);
    model.invoke();
    assert_eq!(*model.output(), profiled);
}

embedml::include_model!(MicroSpeech, "../models/micro_speech_quantized.tflite");

/// Inputs and outputs whose tensor names make identifiers get accessors by name too
/// (micro_speech's `Reshape_1` and `labels_softmax`), the same bytes as the index accessors.
#[test]
fn accessors_by_tensor_name() {
    let mut model = Box::new(MicroSpeech::new());
    model.reshape_1_mut().fill(3);
    assert!(model.input_mut().iter().all(|&v| v == 3));
    model.invoke();
    assert_eq!(model.labels_softmax(), model.output());
}
