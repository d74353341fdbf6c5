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
