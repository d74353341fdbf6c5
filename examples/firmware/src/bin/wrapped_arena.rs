//! A model whose memory plan needs 2^32 + 32 bytes (`tests/models/hostile/arena_4gib_plus_32`):
//! it compiles on a 64-bit host, where that arena fits the address space, and must be a compile
//! error for this 32-bit target, never an arena wrapped to 32 bytes. `scripts/firmware-test.sh`
//! builds it (feature `wrapped-arena`) and expects the error.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml_firmware as _;

embedml::include_model!(
    Model,
    "../../../../tests/models/hostile/arena_4gib_plus_32.tflite"
);

#[entry]
fn main() -> ! {
    static mut MODEL: Model = Model::new();
    MODEL.invoke();
    loop {}
}
