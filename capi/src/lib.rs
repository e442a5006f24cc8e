//! `libeevdf.a` / `libeevdf.so`: the C ABI of the [`eevdf`](../eevdf/index.html) crate.
//!
//! Every C entry point lives in `eevdf::ffi` (the `src/ffi.rs` of the main crate);
//! this crate only re-exports them and supplies what a freestanding C program
//! (a kernel, a hypervisor) cannot: a panic handler. No entry point can panic
//! (each one checks its arguments and returns a status code), so the handler is
//! unreachable; if it were ever reached it would stop the CPU in a loop rather
//! than unwind into C.
//!
//! The workspace builds with `panic = "abort"` (see the root `Cargo.toml`), and
//! then this crate is `#![no_std]` and owns the panic handler: `libeevdf.a`
//! links into a program without libc or an unwinder. A build with unwinding
//! panics (a test harness, or `cargo package`'s verification build, which does
//! not see the workspace profiles) cannot be `no_std`, so it links `std` and
//! uses std's handler instead.
#![cfg_attr(panic = "abort", no_std)]

#[allow(unused_imports)]
pub use eevdf_core::ffi::*;

#[cfg(all(panic = "abort", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
