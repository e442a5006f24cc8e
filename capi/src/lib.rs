//! `libeevdf.a` / `libeevdf.so`: the C ABI of the [`eevdf`](../eevdf/index.html) crate.
//!
//! Every C entry point lives in `eevdf::ffi` (the `src/ffi.rs` of the main crate);
//! this crate only re-exports them and supplies what a freestanding C program
//! (a kernel, a hypervisor) cannot: a panic handler. No entry point can panic
//! (each one checks its arguments and returns a status code), so the handler is
//! unreachable; if it were ever reached it would stop the CPU in a loop rather
//! than unwind into C.
// `cargo test --lib` asks even test = false libraries for a test harness,
// which links std; the freestanding build is everything else.
#![cfg_attr(not(test), no_std)]

#[allow(unused_imports)]
pub use eevdf_core::ffi::*;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
