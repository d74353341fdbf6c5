#![no_std]
#![deny(missing_docs)]
#![doc = include_str!("../README.md")]

// Constant tensors are the `.tflite` file's little-endian bytes, used in place.
#[cfg(target_endian = "big")]
compile_error!(
    "embedml supports little-endian targets only (constant tensors are stored as the .tflite file's little-endian bytes)"
);

pub mod kernels;
mod model;
mod profiler;
pub mod quant;
pub mod recognize;

pub use __private::{Arena, arena_bytes_for};
pub use embedml_macros::include_model;
pub use kernels::CustomOp;
pub use model::{ElementType, Model, TensorInfo};
pub use profiler::Profiler;

#[doc(hidden)]
pub mod __private;
