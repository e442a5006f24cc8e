//! # eevdf
//!
//! The Linux fair-class scheduling arithmetic — EEVDF and the CFS load-weight
//! machinery, PELT, cgroup shares and wake-affine decisions — as pure `no_std`
//! functions over small fixed-point types, bit-exact with named Linux releases
//! and exact (overflow-free) on request.
//!
//! # Modules
//!
//! | module | kernel concept |
//! |---|---|
//! | [`profile`] | which release's arithmetic (or EXACT) |
//! | [`weight`] | load weights, nice tables, `calc_delta_fair` |
//! | [`vtime`] | wrapping virtual time and lag |
//! | [`features`] | `sched_features` with per-release defaults |
//! | [`pelt`] | PELT: `decay_load`, `struct sched_avg` updates, entity/queue moves, util_est |
//! | [`group`] | `calc_group_shares`, cgroup `cpu.shares`/`cpu.weight`, `update_tg_load_avg` |
//! | [`wake`] | `wake_wide`, `wake_affine_idle`/`_weight`, `task_h_load`, idle-CPU predicates |
//! | [`sync`] | the concurrent `tg.load_avg` aggregate and a seqlock run-queue snapshot |
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
pub use pelt::SchedAvg;
pub use profile::{Profile, Release};
#[cfg(any(loom, target_has_atomic = "64"))]
pub use sync::{GroupLoad, GroupLoadContrib, RqSnapshot};
pub use vtime::{Vlag, Vtime};
pub use wake::{CpuState, WakeTarget};
pub use weight::LoadWeight;
