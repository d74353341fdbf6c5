//! Two models in one arena: `kws_ds_cnn` and `ic_resnet8` (MLPerf Tiny; `tests/models/mlperf/`)
//! run in turn in one `embedml::Arena` sized by `embedml::arena_bytes_for`, each on TFLM's golden
//! case 0, twice, interleaved: exits 0 if every output is bit-exact with TensorFlow Lite Micro's.

#![no_std]
#![no_main]

use embedml::{arena_bytes_for, Arena};
use embedml_firmware::{exit_code, Line};

embedml::include_model!(Kws, "../../../../tests/models/mlperf/kws_ds_cnn.tflite");
embedml::include_model!(ResNet, "../../../../tests/models/mlperf/ic_resnet8.tflite");

/// The one arena's size: the larger model's.
const SHARED: usize = arena_bytes_for(&[Kws::ARENA_BYTES, ResNet::ARENA_BYTES]);

static KWS_INPUT: [u8; include_bytes!(concat!(env!("OUT_DIR"), "/kws_ds_cnn.input.bin")).len()] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/kws_ds_cnn.input.bin"));
static KWS_OUTPUT: [u8; include_bytes!(concat!(env!("OUT_DIR"), "/kws_ds_cnn.output.bin")).len()] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/kws_ds_cnn.output.bin"));
static RESNET_INPUT: [u8; include_bytes!(concat!(env!("OUT_DIR"), "/ic_resnet8.input.bin")).len()] =
    *include_bytes!(concat!(env!("OUT_DIR"), "/ic_resnet8.input.bin"));
static RESNET_OUTPUT: [u8; include_bytes!(concat!(env!("OUT_DIR"), "/ic_resnet8.output.bin"))
    .len()] = *include_bytes!(concat!(env!("OUT_DIR"), "/ic_resnet8.output.bin"));

/// Whether `got` is `want` (TFLM's int8 output as bytes).
fn same(got: &[i8], want: &[u8]) -> bool {
    got.len() == want.len() && got.iter().zip(want).all(|(&g, &w)| g == w as i8)
}

#[embedml_firmware::__entry]
fn main() -> ! {
    // The arena in .bss as a `&'static mut`, courtesy of `entry`: never a stack temporary.
    static mut ARENA: Arena<SHARED> = Arena::new();
    let arena: &mut Arena<SHARED> = ARENA;
    let mut equal = true;
    for _ in 0..2 {
        for (x, &g) in Kws::input_mut_in(arena).iter_mut().zip(&KWS_INPUT) {
            *x = g as i8;
        }
        Kws::invoke_in(arena);
        equal &= same(Kws::output_in(arena), &KWS_OUTPUT);
        for (x, &g) in ResNet::input_mut_in(arena).iter_mut().zip(&RESNET_INPUT) {
            *x = g as i8;
        }
        ResNet::invoke_in(arena);
        equal &= same(ResNet::output_in(arena), &RESNET_OUTPUT);
    }
    Line::new()
        .str("shared_arena: one arena of ")
        .int(SHARED as i32)
        .str(" B for kws_ds_cnn (")
        .int(Kws::ARENA_BYTES as i32)
        .str(" B) and ic_resnet8 (")
        .int(ResNet::ARENA_BYTES as i32)
        .str(" B), run in turn twice")
        .str(if equal { ": both match" } else { ": MISMATCH" })
        .print();
    exit_code(u32::from(!equal))
}
