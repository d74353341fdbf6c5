//! `kws_ds_cnn` (MLPerf Tiny, keyword spotting, DS-CNN; `tests/models/mlperf/`) compiled by
//! `embedml::include_model!`, run on TFLM's golden case 0: exits 0 if the output is bit-exact
//! with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

use cortex_m_rt::entry;

embedml::include_model!(Model, "../../../../tests/models/mlperf/kws_ds_cnn.tflite");
embedml_firmware::golden!("kws_ds_cnn");

#[entry]
fn main() -> ! {
    // The model (weights in flash, arena in .bss) as a `&'static mut`, courtesy of `entry`.
    static mut MODEL: Model = Model::new();
    embedml_firmware::run(
        "kws_ds_cnn",
        Model::ARENA_BYTES,
        MODEL,
        Model::input_mut,
        Model::invoke,
        Model::output,
        &GOLDEN_INPUT,
        &GOLDEN_OUTPUT,
    )
}
