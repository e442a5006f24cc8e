//! `libeevdf.a` / `libeevdf.so`: the C ABI of the `eevdf` crate.
//!
//! Every C entry point lives here (`src/ffi/`), as a thin `extern "C"`
//! wrapper that checks and converts its arguments and calls the `eevdf` crate;
//! `include/eevdf.h` is generated from these sources by cbindgen. The Rust
//! crate itself exports no C symbol: only a build of this crate does, so a Rust
//! program (or a Rust `cdylib`) that uses `eevdf` carries none of them, and two
//! versions of `eevdf` link into one program.
//!
//! This crate also supplies what a freestanding C program (a kernel, a
//! hypervisor) cannot: a panic handler. No entry point can panic (each one
//! checks its arguments and returns a status code), so the handler is
//! unreachable; if it were ever reached it would stop the CPU in a loop rather
//! than unwind into C.
//!
//! The workspace builds with `panic = "abort"` (see the root `Cargo.toml`),
//! and so does cargo-c (`[package.metadata.capi.library]` below sets
//! `-C panic=abort`); then this crate is `#![no_std]` and owns the panic
//! handler: `libeevdf.a` links into a program without libc or an unwinder. A
//! build with unwinding panics (a test harness, `cargo package`'s verification
//! build, or a plain `cargo build` of the published crate outside the
//! workspace) cannot be `no_std`, so it links `std` and uses std's handler.
#![cfg_attr(panic = "abort", no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(test)]
extern crate std;

mod ffi;

pub use ffi::*;

#[cfg(all(panic = "abort", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

// The unwinding personality routine the precompiled `core` refers to.
//
// The standard library's `core` is built with `panic = unwind`, so its unwind
// tables name `rust_eh_personality`; `std` defines it, a `no_std` library must.
// Nothing here ever unwinds (every crate is built with `panic = "abort"` and
// the panic handler above loops), so it is never called: an empty label is
// enough. Without it, linking `libeevdf.a` with a C linker fails with an
// undefined reference. A build with unwinding panics links `std`, which has it.
//
// On ELF targets it is a hidden label in assembly rather than a `#[no_mangle]`
// function, so that rustc does not count it among the library's exports:
// `libeevdf.so` exports the `eevdf_*` functions and nothing else, and a program
// that links `libeevdf.a` into a shared object of its own does not export it
// either.
#[cfg(all(
    panic = "abort",
    not(test),
    not(any(target_vendor = "apple", target_os = "windows"))
))]
core::arch::global_asm!(
    ".pushsection .text",
    ".globl rust_eh_personality",
    ".hidden rust_eh_personality",
    "rust_eh_personality:",
    ".popsection",
);

/// As above, for object formats other than ELF.
#[cfg(all(
    panic = "abort",
    not(test),
    any(target_vendor = "apple", target_os = "windows")
))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
