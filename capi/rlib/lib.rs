//! The C entry points of `eevdf-capi` as a Rust library (see `Cargo.toml`):
//! the same source files, so the fuzz targets, the benches and the tests call
//! exactly the functions that `libeevdf.a` holds.
#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]

#[path = "../src/ffi/mod.rs"]
mod ffi;

pub use ffi::*;
