//! A fixed-capacity run queue that owns its entities and sequences the entity
//! operations as the kernel's `cfs_rq` does (`enqueue_entity()`, `dequeue_entity()`,
//! `pick_eevdf()`, `update_curr()`, `wakeup_preempt_fair()` and `yield_task_fair()`
//! in `kernel/sched/fair.c`, v6.6–v7.1).
//!
//! [`RunQueue<Profile, N>`] (or [`CfsRq`] over a caller's buffer) holds up to N entities,
//! queued or not, in a red-black tree built exactly like the kernel's: ordered
//! by deadline (≥ v6.8; by vruntime in v6.6), equal keys to the right, with the
//! same rebalancing and the same subtree aggregates — including the staleness of
//! `min_slice`/`max_slice` that the kernel's augmentation callbacks cause
//! (v6.12–v7.1, `docs/derivations.md` §12; [`SliceAggregates::Exact`] switches it off). Picking is
//! O(log n).
//!
//! Operations take the current clock (`rq_clock_task`, ns) where the kernel
//! would read it:
//!
//! | method | kernel |
//! |---|---|
//! | [`enqueue`](CfsRq::enqueue) | `enqueue_entity` / `requeue_delayed_entity` |
//! | [`wake_up_new`](CfsRq::wake_up_new) | `task_fork_fair` + `wake_up_new_task` |
//! | [`dequeue`](CfsRq::dequeue) | `dequeue_entity` (with the delayed-dequeue path) |
//! | [`update_curr`](CfsRq::update_curr), [`tick`](CfsRq::tick) | `update_curr`, `entity_tick` |
//! | [`pick_next`](CfsRq::pick_next) | `pick_next_entity` + `put_prev_entity` + `set_next_entity` |
//! | [`wakeup_preempt`](CfsRq::wakeup_preempt) | `wakeup_preempt_fair` (one level) |
//! | [`yield_curr`](CfsRq::yield_curr) | `yield_task_fair` |
//! | [`reweight`](CfsRq::reweight) | `reweight_entity` |
//! | [`need_resched`](CfsRq::need_resched) | TIF_NEED_RESCHED: set by `resched_curr`, cleared by the switch |
//!
//! Nothing here panics: a full queue, a stale handle or an operation that does
//! not apply to the entity's state is an [`Error`].
//!
//! ## CFS (v6.5)
//!
//! Under [`Linux6_5`](crate::Linux6_5) (or any profile with its knobs) the same
//! methods run 6.5's fair class, with the formulas of [`crate::cfs`] and the
//! latency tunables of [`cfs_tunables`](CfsRq::cfs_tunables) (derived from
//! [`Tunables::base_slice`], which is 6.5's minimum granularity):
//!
//! | method | v6.5 |
//! |---|---|
//! | [`enqueue`](CfsRq::enqueue) | `enqueue_entity`: + `min_vruntime` unless a wakeup, `place_entity(…, 0)` for a wakeup |
//! | [`wake_up_new`](CfsRq::wake_up_new) | `task_fork_fair` (parent's vruntime, START_DEBIT) + `wake_up_new_task` |
//! | [`dequeue`](CfsRq::dequeue) | `dequeue_entity`: buddies cleared, − `min_vruntime` unless a sleep |
//! | [`update_curr`](CfsRq::update_curr) | `update_curr`: vruntime and `min_vruntime` only; never reschedules |
//! | [`tick`](CfsRq::tick) | `entity_tick`: `check_preempt_tick` when more than one is queued |
//! | [`pick_next`](CfsRq::pick_next) | `pick_next_entity` (leftmost, skip/next/last buddies) + `set_next_entity` |
//! | [`wakeup_preempt`](CfsRq::wakeup_preempt) | `check_preempt_wakeup` (next and last buddies) |
//! | [`yield_curr`](CfsRq::yield_curr) | `yield_task_fair`: curr becomes the skip buddy |
//! | [`reweight`](CfsRq::reweight) | `reweight_entity`: the weight alone |
//!
//! The tree is keyed by vruntime and the reference point v0 of
//! [`avg`](CfsRq::avg) is `cfs_rq.min_vruntime`. The EEVDF-only fields keep
//! whatever they held and no CFS rule reads them: `deadline`, `vlag`, `vprot`,
//! `slice`, and the sums S and W (kept up to date, so [`avg_vruntime`](CfsRq::avg_vruntime)
//! is still the weighted average, and their wrap flag still counts in
//! [`wrapped`](CfsRq::wrapped)). Entities are SCHED_NORMAL tasks of the root
//! group; a wakeup that migrates (ENQUEUE_MIGRATED) is the caller's
//! [`cfs::relative_vruntime`](crate::cfs::relative_vruntime) followed by a
//! [`EnqueueFlags::RESTORE`] enqueue and no wakeup placement.
//!
//! ```
//! use eevdf::runqueue::{DequeueFlags, EnqueueFlags, RunQueue};
//! use eevdf::entity::{SchedEntity, Tunables};
//! use eevdf::Profile;
//!
//! let p = Profile::LINUX_7_1;
//! let mut rq = RunQueue::<_, 8>::new(p, Tunables::defaults(&p, 1, 1000));
//! let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
//! let b = rq.add(SchedEntity::from_nice(5, 0).unwrap()).unwrap();
//! rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
//! rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
//! let first = rq.pick_next(0).unwrap().unwrap();
//! assert!(first == a || first == b);
//! assert_eq!(rq.nr_queued(), 2);
//! rq.dequeue(first, 1_000_000, DequeueFlags::SLEEP).unwrap();
//! ```

mod cfs;
#[cfg(test)]
mod cfs_tests;
mod enqueue;
mod flags;
mod pick;
mod resched;
mod reweight;
mod store;
#[cfg(test)]
mod tests;
mod tree;
mod update_curr;
mod validate;
mod wakeup;
mod yield_task;

pub use flags::{DequeueFlags, Dequeued, EnqueueFlags, WakeFlags};
pub use store::{BufferStore, EntityId, Node, NodeStore};
pub use validate::EXACT_SUMS_LEFT_THE_DOMAIN;

pub use crate::outcome::{Resched, Yielded};

use tree::{Aug, Tree, TreeRef, TreeRefAug};

use arrayvec::ArrayVec;

use crate::avg::{AvgVruntime, Curr};
use crate::cfs::CfsTunables;
use crate::entity::{
    overflowing_update_deadline, overflowing_update_entity_lag, overflowing_yield_entity,
    place_entity, reweight_entity, PlaceFlags, RqCtx, SchedEntity, Tunables,
};
use crate::features::Features;
use crate::pick::{
    cancel_protect_slice, overflowing_pick_eevdf, overflowing_set_protect_slice,
    overflowing_update_protect_slice, protect_slice, Pick, PickCtx, SearchTree,
};
#[cfg(test)]
use crate::profile::Release;
use crate::profile::{
    DelayDequeue, ForkEnqueue, PickRule, PlaceRule, Profile, Protection, Reference, Reweight,
    Rules, SliceAggregates, TickPreempt, Timeline, VruntimeNorm, WakeupPreempt, YieldRule,
};
use crate::rbtree::{self, RbLink, RbNodes, RbRoot, NIL};
use crate::vtime::{Vlag, Vtime};
use crate::weight::{overflowing_calc_delta_fair, LoadWeight};
use crate::Error;

/// A run queue with room for `N` entities, stored inline.
pub type RunQueue<R, const N: usize> = CfsRq<R, ArrayVec<Node, N>>;

/// A run queue (`struct cfs_rq`) over node storage `S`; see the module docs.
///
/// Domain: the queued entities' vruntimes and the reference point v0 stay
/// within half the circle of u64 time (a span below 2⁶³ ns, ≈ 292 years of
/// virtual time). Keys are wrapping differences from v0; a queue that gets
/// wider — only through an overflow, which a `LINUX_*` profile reports in
/// [`wrapped`](Self::wrapped), or through absurd run times or lags — orders its
/// tree and sums modulo 2⁶⁴ as the kernel would, in every profile, EXACT
/// included ([`validate`](Self::validate) then says so).
#[derive(Debug)]
pub struct CfsRq<R: Rules, S: NodeStore> {
    tun: Tunables,
    avg: AvgVruntime<R>,
    root: RbRoot,
    store: S,
    free: u32,
    curr: u32,
    next: u32,
    nr_queued: u32,
    nr_delayed: u32,
    nr_live: u32,
    load: u64,
    wrapped: bool,
    /// `update_curr` asked for a reschedule since the last [`CfsRq::take_resched`].
    resched: bool,
    /// TIF_NEED_RESCHED of the task running on this CPU: set by every
    /// `resched_curr`, cleared by the switch ([`CfsRq::need_resched`]).
    need_resched: bool,
    /// Delayed dequeues completed so far (by a pick or a wakeup-preemption pick).
    delayed_completions: u64,
    /// CFS: the latency tunables.
    cfs: CfsTunables,
    /// CFS: `cfs_rq.last` (LAST_BUDDY).
    last: u32,
    /// CFS: `cfs_rq.skip` (yield).
    skip: u32,
    /// CFS: curr's `prev_sum_exec_runtime`, its run time when it was picked.
    prev_sum_exec_runtime: u64,
}

impl<R: Rules, const N: usize> CfsRq<R, ArrayVec<Node, N>> {
    /// An empty run queue with inline storage for `N` entities.
    pub fn new(rel: R, tunables: Tunables) -> Self {
        CfsRq::with_store(rel, tunables, ArrayVec::new())
    }
}

impl<'a, R: Rules> CfsRq<R, BufferStore<'a>> {
    /// An empty run queue whose entities live in `buf` (capacity `buf.len()`).
    pub fn in_buffer(rel: R, tunables: Tunables, buf: &'a mut [Node]) -> Self {
        CfsRq::with_store(rel, tunables, BufferStore::new(buf))
    }
}

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// An empty run queue over `store` (which should be empty), computing
    /// with the release `rel`: a zero-sized release type ([`Linux7_1`](crate::Linux7_1), …)
    /// fixes it at compile time, a [`Profile`] chooses it at run time.
    pub fn with_store(rel: R, tunables: Tunables, store: S) -> Self {
        CfsRq {
            tun: tunables,
            avg: AvgVruntime::new(rel),
            root: RbRoot::new(),
            store,
            free: NIL,
            curr: NIL,
            next: NIL,
            nr_queued: 0,
            nr_delayed: 0,
            nr_live: 0,
            load: 0,
            wrapped: false,
            resched: false,
            need_resched: false,
            delayed_completions: 0,
            cfs: CfsTunables::from_min_granularity(tunables.base_slice),
            last: NIL,
            skip: NIL,
            prev_sum_exec_runtime: 0,
        }
    }

    // ----- accessors -------------------------------------------------------

    /// The profile.
    #[inline(always)]
    pub fn profile(&self) -> Profile {
        self.avg.profile()
    }

    /// The tunables in force.
    pub fn tunables(&self) -> &Tunables {
        &self.tun
    }

    /// Changes the tunables (a sysctl or debugfs feature write). The CFS
    /// latency tunables follow the base slice
    /// ([`CfsTunables::from_min_granularity`]) when it changes.
    pub fn set_tunables(&mut self, tunables: Tunables) {
        if tunables.base_slice != self.tun.base_slice {
            self.cfs = CfsTunables::from_min_granularity(tunables.base_slice);
        }
        self.tun = tunables;
    }

    /// The CFS latency tunables (v6.5's `sysctl_sched_latency`, …) that the
    /// CFS rules read; by default those of the CPU count whose minimum
    /// granularity is [`Tunables::base_slice`].
    pub fn cfs_tunables(&self) -> &CfsTunables {
        &self.cfs
    }

    /// Sets the CFS latency tunables (a sysctl write, or another CPU-count
    /// scaling); [`Tunables::base_slice`] becomes their minimum granularity.
    pub fn set_cfs_tunables(&mut self, cfs: CfsTunables) {
        self.cfs = cfs;
        self.tun.base_slice = cfs.min_granularity as u64;
    }

    /// The V accumulator (S, W, v0).
    pub fn avg(&self) -> &AvgVruntime<R> {
        &self.avg
    }

    /// `cfs_rq.nr_queued`: queued entities, curr and delayed ones included.
    pub fn nr_queued(&self) -> u32 {
        self.nr_queued
    }

    /// Queued entities that are not delayed (`h_nr_runnable` at this level).
    pub fn nr_runnable(&self) -> u32 {
        self.nr_queued - self.nr_delayed
    }

    /// Entities held (queued or not).
    pub fn len(&self) -> u32 {
        self.nr_live
    }

    /// True when the run queue holds no entity at all.
    pub fn is_empty(&self) -> bool {
        self.nr_live == 0
    }

    /// `cfs_rq.load.weight`: the sum of the queued entities' `load.weight`.
    pub fn load_weight(&self) -> u64 {
        self.load
    }

    /// `cfs_rq.curr`: the running entity, if any (it may have left the run
    /// queue: dequeued but not yet switched away from).
    pub fn curr(&self) -> Option<EntityId> {
        self.id_of(self.curr)
    }

    /// `cfs_rq.next`: the next buddy, if set.
    pub fn next_buddy(&self) -> Option<EntityId> {
        self.id_of(self.next)
    }

    /// `cfs_rq.last` (CFS, LAST_BUDDY): the curr a wakee preempted, if set.
    pub fn last_buddy(&self) -> Option<EntityId> {
        self.id_of(self.last)
    }

    /// `cfs_rq.skip` (CFS): the entity that yielded, if set.
    pub fn skip_buddy(&self) -> Option<EntityId> {
        self.id_of(self.skip)
    }

    /// `cfs_rq.min_vruntime` (≤ v6.18): the reference point v0.
    pub fn min_vruntime(&self) -> Vtime {
        self.avg.zero_vruntime()
    }

    /// True once any operation under a kernel profile overflowed its C type —
    /// a formula of an entity operation, or an update of the sums S and W,
    /// even if they are back in range since ([`AvgVruntime::is_wrapped`]) —
    /// until [`clear_wrapped`](Self::clear_wrapped); or the sums are out of
    /// range now.
    pub fn wrapped(&self) -> bool {
        self.wrapped || self.avg.is_wrapped()
    }

    /// Forgets past wraps (the run queue's and its accumulator's sticky flags).
    pub fn clear_wrapped(&mut self) {
        self.wrapped = false;
        self.avg.clear_wrapped();
    }

    /// The entity behind a handle.
    pub fn entity(&self, id: EntityId) -> Result<&SchedEntity, Error> {
        Ok(&self.store.nodes()[self.slot(id)? as usize].se)
    }

    /// Total run time of an entity (ns of wall time while it was curr).
    pub fn sum_exec_runtime(&self, id: EntityId) -> Result<u64, Error> {
        Ok(self.store.nodes()[self.slot(id)? as usize].sum_exec_runtime)
    }

    /// The entities held, queued or not.
    pub fn ids(&self) -> impl Iterator<Item = EntityId> + '_ {
        self.store
            .nodes()
            .iter()
            .enumerate()
            .filter(|(_, n)| n.live)
            .map(|(i, n)| EntityId {
                index: i as u32,
                generation: n.generation,
            })
    }

    /// The queued entities other than curr, in tree order.
    pub fn tree_ids(&self) -> impl Iterator<Item = EntityId> + '_ {
        let mut i = self.root.first();
        core::iter::from_fn(move || {
            if i == NIL {
                return None;
            }
            let id = self.id_of(i);
            i = rbtree::next(&TreeRef(self.store.nodes(), RbLink::UNLINKED), i);
            id
        })
    }

    /// `avg_vruntime(cfs_rq)` without moving v0: V as the profile computes it.
    pub fn avg_vruntime(&self) -> Result<Vtime, Error> {
        let mut acc = self.avg;
        acc.avg_vruntime(self.curr_term())
    }

    /// [`avg_vruntime`](Self::avg_vruntime) with the wrap flag of
    /// [`AvgVruntime::overflowing_avg_vruntime`] (curr included if on the run
    /// queue; v0 does not move).
    pub fn overflowing_avg_vruntime(&self) -> Result<(Vtime, bool), Error> {
        let mut acc = self.avg;
        acc.overflowing_avg_vruntime(self.curr_term())
    }

    /// `entity_eligible(cfs_rq, se)` for a queued entity.
    pub fn is_eligible(&self, id: EntityId) -> Result<bool, Error> {
        let se = self.entity(id)?;
        Ok(self.avg.vruntime_eligible(se.vruntime, self.curr_term()))
    }

    /// `cfs_rq_min_slice`: the smallest slice of curr (if on_rq) and the tree, as
    /// the tree reports it; `u64::MAX` when empty.
    pub fn min_slice(&self) -> u64 {
        let mut s = u64::MAX;
        if let Some(c) = self.curr_on_rq() {
            s = c.slice;
        }
        if self.root.root != NIL {
            s = s.min(self.store.nodes()[self.root.root as usize].min_slice);
        }
        s
    }

    /// `cfs_rq_max_slice` (≥ v7.0): the largest slice of curr (if on_rq) and the
    /// tree, as the tree reports it; 0 when empty.
    pub fn max_slice(&self) -> u64 {
        let mut s = 0;
        if let Some(c) = self.curr_on_rq() {
            s = c.slice;
        }
        if self.root.root != NIL {
            s = s.max(self.store.nodes()[self.root.root as usize].max_slice);
        }
        s
    }

    /// The true minimum and maximum slice of the queued entities (for comparison
    /// with [`min_slice`](Self::min_slice)/[`max_slice`](Self::max_slice)).
    pub fn exact_slice_bounds(&self) -> Option<(u64, u64)> {
        let mut out: Option<(u64, u64)> = None;
        for n in self.store.nodes().iter().filter(|n| n.live && n.se.on_rq) {
            let s = n.se.slice;
            out = Some(out.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))));
        }
        out
    }

    // ----- entity lifetime -------------------------------------------------

    /// Takes in an entity (not queued); returns its handle. [`Error::Full`] when
    /// no slot is free; [`Error::InvalidState`] if it claims to be on a run
    /// queue; under EXACT, [`Error::Overflow`] for a weight above 2⁴⁰.
    pub fn add(&mut self, se: SchedEntity) -> Result<EntityId, Error> {
        if se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        crate::avg::check_weight(&self.profile(), se.load.weight())?;
        let mut node = Node::EMPTY;
        node.se = se;
        node.live = true;
        let index = if self.free != NIL {
            let i = self.free;
            let slot = &mut self.store.nodes_mut()[i as usize];
            self.free = slot.next_free;
            node.generation = slot.generation.wrapping_add(1);
            *slot = node;
            i
        } else {
            let i = self.store.nodes().len() as u32;
            if i == NIL {
                return Err(Error::Full);
            }
            if !self.store.try_push(node) {
                return Err(Error::Full);
            }
            i
        };
        self.nr_live += 1;
        Ok(EntityId {
            index,
            generation: node.generation,
        })
    }

    /// Gives an entity back (it must not be queued nor curr).
    pub fn remove(&mut self, id: EntityId) -> Result<SchedEntity, Error> {
        let i = self.slot(id)?;
        if self.store.nodes()[i as usize].se.on_rq || self.curr == i {
            return Err(Error::InvalidState);
        }
        let free = self.free;
        let slot = &mut self.store.nodes_mut()[i as usize];
        let se = slot.se;
        slot.live = false;
        slot.next_free = free;
        self.free = i;
        self.nr_live -= 1;
        self.clear_buddies(i);
        Ok(se)
    }

    /// Sets an entity's custom slice (`sched_setattr` runtime; 0 resets). Takes
    /// effect at its next placement or deadline; not allowed while queued.
    pub fn set_slice(&mut self, id: EntityId, slice: u64) -> Result<(), Error> {
        let i = self.slot(id)?;
        let base = self.tun.base_slice;
        let n = &mut self.store.nodes_mut()[i as usize];
        if n.se.on_rq {
            return Err(Error::InvalidState);
        }
        n.se.set_custom_slice(slice, base);
        Ok(())
    }

    /// Sets the next buddy (`set_next_buddy`, e.g. for `yield_to`); the entity
    /// must be queued and not delayed.
    pub fn set_next_buddy(&mut self, id: EntityId) -> Result<(), Error> {
        let i = self.slot(id)?;
        let se = &self.store.nodes()[i as usize].se;
        if !se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        self.next = i;
        Ok(())
    }

    /// Clears the next buddy (`cfs_rq.next = NULL`), as the kernel's
    /// `__clear_buddies_next` does at each level of a hierarchy whose
    /// next-buddy chain passes through this queue.
    pub fn clear_next_buddy(&mut self) {
        self.next = NIL;
    }

    // ----- internals -------------------------------------------------------

    fn slot(&self, id: EntityId) -> Result<u32, Error> {
        match self.store.nodes().get(id.index as usize) {
            Some(n) if n.live && n.generation == id.generation => Ok(id.index),
            _ => Err(Error::NoSuchEntity),
        }
    }

    fn id_of(&self, i: u32) -> Option<EntityId> {
        if i == NIL {
            return None;
        }
        let n = &self.store.nodes()[i as usize];
        Some(EntityId {
            index: i,
            generation: n.generation,
        })
    }

    fn se(&self, i: u32) -> &SchedEntity {
        &self.store.nodes()[i as usize].se
    }

    fn se_mut(&mut self, i: u32) -> &mut SchedEntity {
        &mut self.store.nodes_mut()[i as usize].se
    }

    fn curr_on_rq(&self) -> Option<&SchedEntity> {
        if self.curr == NIL {
            return None;
        }
        let c = self.se(self.curr);
        if c.on_rq {
            Some(c)
        } else {
            None
        }
    }

    fn curr_term(&self) -> Curr {
        self.curr_on_rq().map(|c| c.as_curr())
    }
}

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    fn note(&mut self, wrapped: impl Into<bool>) {
        self.wrapped |= wrapped.into();
    }

    /// The context an entity operation on `i` sees: curr (if it is not `i`),
    /// nr_queued as the kernel has it at that moment, and max_slice.
    fn ctx_for(&self, i: u32) -> RqCtx {
        RqCtx {
            curr: if self.curr == i {
                None
            } else {
                self.curr_term()
            },
            nr_queued: self.nr_queued,
            max_slice: self.max_slice(),
            // The running entity counts as curr in V only while on the queue.
            se_is_curr: self.curr == i && self.se(i).on_rq,
            se_protected: false,
        }
    }
}
