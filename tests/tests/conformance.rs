//! Every model compiled by `include_model!` gives TFLM's outputs on the committed golden cases:
//! int8 bit for bit, float32 within the harness's stated tolerance.

use embedml_tests::check_against_tflm;

embedml::include_model!(HelloWorldInt8, "../models/hello_world_int8.tflite");
embedml::include_model!(HelloWorldFloat, "../models/hello_world_float.tflite");
embedml::include_model!(MicroSpeech, "../models/micro_speech_quantized.tflite");
embedml::include_model!(PersonDetect, "../models/person_detect.tflite");
embedml::include_model!(SimpleAdd, "../models/simple_add_model.tflite");

#[test]
fn hello_world_int8_is_bit_exact() {
    check_against_tflm::<HelloWorldInt8>("hello_world_int8");
}

#[test]
fn hello_world_float_is_within_tolerance() {
    check_against_tflm::<HelloWorldFloat>("hello_world_float");
}

#[test]
fn micro_speech_is_bit_exact() {
    check_against_tflm::<MicroSpeech>("micro_speech_quantized");
}

#[test]
fn person_detect_is_bit_exact() {
    check_against_tflm::<PersonDetect>("person_detect");
}

#[test]
fn simple_add_is_bit_exact() {
    check_against_tflm::<SimpleAdd>("simple_add_model");
}

// The MLPerf Tiny v1.x benchmark models (tests/models/mlperf/, random weights).
embedml::include_model!(KwsDsCnn, "../models/mlperf/kws_ds_cnn.tflite");
embedml::include_model!(VwwMobileNetV1, "../models/mlperf/vww_mobilenet_v1.tflite");
embedml::include_model!(IcResNet8, "../models/mlperf/ic_resnet8.tflite");
embedml::include_model!(AdFcAutoencoder, "../models/mlperf/ad_fc_autoencoder.tflite");

#[test]
fn mlperf_kws_ds_cnn_is_bit_exact() {
    check_against_tflm::<KwsDsCnn>("kws_ds_cnn");
}

#[test]
fn mlperf_vww_mobilenet_v1_is_bit_exact() {
    check_against_tflm::<VwwMobileNetV1>("vww_mobilenet_v1");
}

#[test]
fn mlperf_ic_resnet8_is_bit_exact() {
    check_against_tflm::<IcResNet8>("ic_resnet8");
}

#[test]
fn mlperf_ad_fc_autoencoder_is_bit_exact() {
    check_against_tflm::<AdFcAutoencoder>("ad_fc_autoencoder");
}
