//! # eevdf
//!
//! The Linux fair-class scheduling arithmetic — EEVDF and the CFS load-weight
//! machinery, PELT, cgroup shares and wake-affine decisions — as pure `no_std`
//! functions over small fixed-point types, bit-exact with named Linux releases
//! and exact (overflow-free) on request.
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(test)]
extern crate std;

pub mod error;
pub mod features;
pub mod ffi;
pub mod group;
pub mod pelt;
pub mod profile;
#[cfg(any(loom, target_has_atomic = "64"))]
pub mod sync;
pub mod vtime;
pub mod wake;
pub mod weight;

pub use error::Error;
pub use features::Features;
pub use profile::{Profile, Release};
pub use vtime::{Vlag, Vtime};
pub use weight::LoadWeight;
