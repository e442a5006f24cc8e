//! # eevdf
//!
//! The Linux fair-class scheduling arithmetic — EEVDF on top of the CFS
//! load-weight machinery, PELT, cgroup shares and wake-affine decisions — as
//! pure `no_std` functions over small fixed-point types: load weights and
//! `calc_delta_fair`, the weighted average vruntime V, eligibility, virtual
//! deadlines, lag and lag-preserving placement, reweighting, the pick rule, a
//! fixed-capacity run queue, PELT load averages, group shares and the
//! wake-affine decisions. Every function is
//! **bit-exact** with a named Linux release ([`Profile`]), can be evaluated
//! **exactly** instead ([`Profile::EXACT`]), and is **safe on any input**: no
//! panic, an [`Error`] that says what was wrong.
//!
//! No allocator, no `std`; a C ABI (`include/eevdf.h`, `libeevdf.a`) wraps the
//! same functions in a crate of its own, `eevdf-capi`: this one exports no C
//! symbol, so two versions of it link into one program.
//!
//! ## The math in one page
//!
//! Weights (64-bit units, nice 0 = [`weight::NICE_0_LOAD`] = 2²⁰) come from the
//! nice tables; virtual time runs at wall time × NICE_0_LOAD / w:
//!
//! ```text
//! Δv = calc_delta_fair(Δt, w) ≈ Δt · 2²⁰ / w
//! ```
//!
//! EEVDF keeps, per run queue, the weighted average virtual time relative to a
//! reference point v0 (keys k_i = v_i − v0, wrapping):
//!
//! ```text
//! V = v0 + ⌊ Σ k_i·w_i / Σ w_i ⌋            (floored: V is always eligible)
//! eligible(i) ⟺ Σ k_j·w_j ≥ k_i · Σ w_j      (lag_i = w_i·(V − v_i) ≥ 0)
//! d_i = v_i + slice_i · 2²⁰ / w_i           (virtual deadline)
//! pick = the eligible entity with the earliest d_i
//! ```
//!
//! Leaving, an entity saves vlag = clamp(V − v, ±limit); joining a queue of
//! weight W it is placed at v = V − vlag·(W + w)/W so that its lag survives
//! the move of V its own weight causes. A weight change w → w' rescales the
//! lag by w/w' so that V stays put. The releases differ in the units of w in
//! the sums, the `__calc_delta` form, the division, the eligibility product,
//! the lag limit, the reference point rule, the reweight algorithm and the pick
//! details: each is a knob of [`Profile`].
//!
//! A release is also a type ([`Rules`]): [`Linux6_6`], [`Linux6_18`],
//! [`Linux7_0`], [`Linux7_1`], [`Exact`], [`Linux6_6_57`], the CFS
//! release [`Linux6_5`] ([`cfs`]) and its "what if" with 86bfbb7ce4f6's lag
//! placement [`Linux6_5PlaceLag`] are zero-sized,
//! and the stateful types carry one (`AvgVruntime<R>`, `RunQueue<R, N>`,
//! `FairRq<R, G, N>`): their knobs are then compile-time constants, and two
//! releases cannot be mixed. A [`Profile`] value in the same place chooses at
//! run time (the C ABI's contract functions, the lab, "what if" mixes).
//!
//! ## Modules
//!
//! | module | kernel concept |
//! |---|---|
//! | [`profile`] | which release's arithmetic and policy (or exact): the knobs, and the release types |
//! | [`outcome`] | what an operation reports besides its value: `Wrapped`, `Resched`, … |
//! | [`weight`] | `load_weight`, nice tables, `scale_load(_down)`, `calc_delta(_fair)` |
//! | [`div`] | `div64_u64` by an invariant divisor (a weight) without a `div`: exact reciprocals |
//! | [`vtime`] | wrapping virtual time and signed lag |
//! | [`avg`] | S, W, v0: `avg_vruntime`, `vruntime_eligible` |
//! | [`sums`] | how S and W are held: the kernel's widths, or 128 bits |
//! | [`entity`] | `update_deadline`, `entity_lag`, `place_entity`, `reweight_entity` |
//! | [`pick`] | `pick_eevdf`, slice protection |
//! | [`cfs`] | CFS as v6.5 runs it: `sched_slice`, `update_min_vruntime`, `place_entity` with sleeper credit and START_DEBIT, `wakeup_preempt_entity`, `check_preempt_tick`, `pick_next_entity` with buddies |
//! | [`runqueue`] | a fixed-capacity `cfs_rq` over a kernel-shaped red-black tree |
//! | [`features`] | `sched_feat` flags with per-release defaults |
//! | [`pelt`] | PELT: `decay_load`, `struct sched_avg` updates, entity/queue moves, util_est |
//! | [`group`] | `calc_group_shares` (today's and the pre-4.15 local load), cgroup `cpu.shares`/`cpu.weight`, `update_tg_load_avg`, `struct task_group` |
//! | [`fair`] | one CPU's fair class over a task-group hierarchy: `enqueue_task_fair`, `dequeue_task_fair`, `pick_task_fair`, `task_tick_fair`, `wakeup_preempt_fair`, `update_cfs_group`, migration |
//! | [`wake`] | `wake_wide`, `wake_affine_idle`/`_weight`, `task_h_load`, idle-CPU predicates, `select_idle_sibling` and `select_task_rq_fair` per release (one LLC, optional SMT) |
//! | [`sync`] | the concurrent `tg.load_avg` aggregate and a seqlock run-queue snapshot (loom-checked) |
//! | [`bounds`] | stated input domains, wrap boundaries and headroom (`docs/overflow.md`) |
//! | `eevdf-capi` (a crate of its own) | the C ABI: `include/eevdf.h`, `libeevdf.a`, `libeevdf.so` |
//!
//! ## Example
//!
//! ```
//! use eevdf::avg::AvgVruntime;
//! use eevdf::entity::{place_entity, PlaceFlags, RqCtx, SchedEntity, Tunables};
//! use eevdf::{Profile, Vlag, Vtime};
//!
//! // v7.1.5 avg_vruntime() and place_entity(), worked in docs/derivations.md §4:
//! // two nice-0 entities queued, a nice-5 one running.
//! let p = Profile::LINUX_7_1;
//! let v0 = Vtime::INIT;
//! let mut acc = AvgVruntime::new(p);
//! acc.add(v0 + 1_000_000, 1024 << 10)?;
//! acc.add(v0 + 1_300_000, 1024 << 10)?;
//! let curr = Some((v0 + 1_100_000, 335 << 10));
//! assert_eq!(acc.avg_vruntime(curr)?.wsub(v0), 1_142_971);
//!
//! // Place a nice-0 entity that left with lag −200,000 ns: its lag is inflated
//! // by (W + w)/W and truncated.
//! let ctx = RqCtx::new(curr, 3, 3_000_000);
//! let mut d = SchedEntity::from_nice(0, 3_000_000)?;
//! d.vlag = Vlag(-200_000);
//! place_entity(&mut acc, &ctx, &mut d, PlaceFlags::default(), &Tunables::defaults(&p, 1, 1000))?;
//! assert_eq!(d.vruntime.wsub(v0), 1_428_913);
//! # Ok::<(), eevdf::Error>(())
//! ```
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(test)]
extern crate std;

pub mod avg;
pub mod bounds;
pub mod cfs;
pub mod div;
pub mod entity;
pub mod error;
pub mod fair;
pub mod features;
pub mod group;
pub mod outcome;
pub mod pelt;
pub mod pick;
pub mod profile;
pub(crate) mod rbtree;
pub mod runqueue;
pub mod sums;
#[cfg(any(loom, target_has_atomic = "64"))]
pub mod sync;
pub mod vtime;
pub mod wake;
pub mod weight;

pub use error::Error;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The overflow section's examples (`docs/overflow.md`), compiled and run.
#[cfg(doctest)]
#[doc = include_str!("../docs/overflow.md")]
pub struct OverflowDocDoctests;

pub use features::Features;
pub use pelt::SchedAvg;
pub use profile::{
    Exact, Linux6_18, Linux6_5, Linux6_5PlaceLag, Linux6_6, Linux6_6_57, Linux7_0, Linux7_1,
    Profile, Release, Rules,
};
#[cfg(any(loom, target_has_atomic = "64"))]
pub use sync::{GroupLoad, GroupLoadContrib, RqSnapshot};
pub use vtime::{Vlag, Vtime};
pub use wake::{CpuState, WakeTarget};
pub use weight::LoadWeight;
