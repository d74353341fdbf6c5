//! Two models that run in turn in one arena (`embedml::Arena`, sized by `arena_bytes_for`),
//! interleaved case by case, each giving TFLM's outputs bit for bit: nothing one leaves in the
//! arena changes the other's results.

use embedml::{Arena, ElementType, Model, arena_bytes_for};
use embedml_tests::{SplitMix64, load_golden};

embedml::include_model!(Kws, "../models/mlperf/kws_ds_cnn.tflite");
embedml::include_model!(ResNet, "../models/mlperf/ic_resnet8.tflite");

const SHARED: usize = arena_bytes_for(&[Kws::ARENA_BYTES, ResNet::ARENA_BYTES]);

#[test]
fn two_models_share_one_arena_and_stay_exact() {
    assert_eq!(SHARED, Kws::ARENA_BYTES.max(ResNet::ARENA_BYTES));
    let mut arena: Box<Arena<SHARED>> = Box::new(Arena::new());
    let (kws, resnet) = (
        load_golden("golden", "kws_ds_cnn"),
        load_golden("golden", "ic_resnet8"),
    );
    let (mut kws_rng, mut resnet_rng) = (SplitMix64::new(kws.seed), SplitMix64::new(resnet.seed));
    let cases = kws.cases.min(resnet.cases);
    assert!(cases >= 2, "too few golden cases to interleave");
    for case in 0..cases {
        // KWS, then ResNet-8 over its leftovers, in the same bytes.
        kws_rng.fill(
            ElementType::Int8,
            bytes_mut(Kws::input_mut_in(&mut arena)),
            0.0,
            0.0,
        );
        Kws::invoke_in(&mut arena);
        let got = bytes(Kws::output_in(&arena));
        let want = &kws.outputs[case * got.len()..(case + 1) * got.len()];
        assert_eq!(got, want, "KWS case {case}");
        resnet_rng.fill(
            ElementType::Int8,
            bytes_mut(ResNet::input_mut_in(&mut arena)),
            0.0,
            0.0,
        );
        ResNet::invoke_in(&mut arena);
        let got = bytes(ResNet::output_in(&arena));
        let want = &resnet.outputs[case * got.len()..(case + 1) * got.len()];
        assert_eq!(got, want, "ResNet-8 case {case}");
    }
    // The owning form is the same code: one model alone gives the same first case.
    let mut own = Box::new(Kws::new());
    let mut rng = SplitMix64::new(kws.seed);
    rng.fill(ElementType::Int8, own.input_bytes_mut(0), 0.0, 0.0);
    own.invoke();
    assert_eq!(
        own.output_bytes(0),
        &kws.outputs[..own.output_bytes(0).len()]
    );
}

fn bytes_mut(values: &mut [i8]) -> &mut [u8] {
    // SAFETY: i8 and u8 have the same size, alignment and valid bit patterns.
    unsafe { &mut *(values as *mut [i8] as *mut [u8]) }
}

fn bytes(values: &[i8]) -> &[u8] {
    // SAFETY: as for `bytes_mut`.
    unsafe { &*(values as *const [i8] as *const [u8]) }
}
