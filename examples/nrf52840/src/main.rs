//! embedml on a real board: an nRF52840 DK (Cortex-M4F) with embassy. Once a second it reads the
//! chip's temperature sensor, maps the reading onto `x` in [0, 2π), runs TFLM's hello_world model
//! (a sine approximator) compiled by `include_model!`, and logs `x`, the model's `sin(x)` and the
//! cycles each layer took (`embedml::Profiler` on the DWT cycle counter) with defmt.
//!
//! Flash and watch the log with probe-rs: `cargo run --release` (see `.cargo/config.toml`).
//! CI builds it (`scripts/firmware-test.sh`); it runs on the board, not under QEMU.

#![no_std]
#![no_main]

use core::cell::RefCell;
use cortex_m::peripheral::DWT;
use defmt_rtt as _;
use embassy_executor::Spawner;
use embassy_nrf::{bind_interrupts, temp};
use embassy_time::Timer;
use panic_probe as _;

embedml::include_model!(HelloWorld, "../../../tests/models/hello_world_int8.tflite");

bind_interrupts!(struct Irqs {
    TEMP => temp::InterruptHandler;
});

/// The model in a static (its weights are in flash, its arena in RAM), never on the stack.
static MODEL: cortex_m::interrupt::Mutex<RefCell<HelloWorld>> =
    cortex_m::interrupt::Mutex::new(RefCell::new(HelloWorld::new()));

/// Cycles per layer, from the DWT cycle counter.
struct Cycles {
    started: u32,
    per_layer: [u32; 3],
}

impl embedml::Profiler for Cycles {
    fn begin(&mut self, _op: usize, _name: &'static str) {
        self.started = DWT::cycle_count();
    }
    fn end(&mut self, op: usize, _name: &'static str) {
        if let Some(c) = self.per_layer.get_mut(op) {
            *c = DWT::cycle_count().wrapping_sub(self.started);
        }
    }
}

#[embassy_executor::main]
async fn main(_spawner: Spawner) {
    let p = embassy_nrf::init(Default::default());
    let mut core = cortex_m::Peripherals::take().expect("taken once, here");
    core.DCB.enable_trace();
    core.DWT.enable_cycle_counter();
    let mut sensor = temp::Temp::new(p.TEMP, Irqs);
    defmt::info!("hello_world: arena {} B, input {}", HelloWorld::ARENA_BYTES, <HelloWorld as embedml::Model>::INPUTS[0]);
    loop {
        let celsius: f32 = sensor.read().await.to_num();
        // Any reading maps onto one period of the sine (`rem_euclid` is std-only for floats).
        let period = 6.283_185_f32;
        let turns = celsius * 0.5 / period;
        let x = (turns - (turns as i32) as f32 - if turns < 0.0 { -1.0 } else { 0.0 }) * period;
        let mut cycles = Cycles { started: 0, per_layer: [0; 3] };
        let y = cortex_m::interrupt::free(|cs| {
            let mut model = MODEL.borrow(cs).borrow_mut();
            model.set_input_f32(&[x]);
            model.invoke_profiled(&mut cycles);
            model.output_f32()[0]
        });
        defmt::info!("{} °C -> x = {}: model sin(x) = {} (cycles per layer {})", celsius, x, y, cycles.per_layer);
        Timer::after_secs(1).await;
    }
}
