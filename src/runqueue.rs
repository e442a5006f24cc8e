//! A fixed-capacity run queue that owns its entities and sequences the entity
//! operations as the kernel's `cfs_rq` does (spec §3.5, §4).
//!
//! [`RunQueue<Profile, N>`] (or [`CfsRq`] over a caller's buffer) holds up to N entities,
//! queued or not, in a red-black tree built exactly like the kernel's: ordered
//! by deadline (≥ v6.8; by vruntime in v6.6), equal keys to the right, with the
//! same rebalancing and the same subtree aggregates — including the staleness of
//! `min_slice`/`max_slice` that the kernel's augmentation callbacks cause
//! (known-bugs §8; [`SliceAggregates::Exact`] switches it off). Picking is
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

use arrayvec::ArrayVec;

use crate::avg::{AvgVruntime, Curr};
use crate::entity::{
    overflowing_update_deadline, overflowing_update_entity_lag, overflowing_yield_entity,
    place_entity, reweight_entity, PlaceFlags, RqCtx, SchedEntity, Tunables,
};
use crate::features::Features;
use crate::pick::{
    cancel_protect_slice, overflowing_pick_eevdf, overflowing_set_protect_slice,
    overflowing_update_protect_slice, protect_slice, Pick, SearchTree,
};
use crate::profile::{Profile, Reference, Release, Reweight, Rules, SliceAggregates};
use crate::rbtree::{self, RbLink, RbNodes, RbRoot, NIL};
use crate::vtime::{Vlag, Vtime};
use crate::weight::{overflowing_calc_delta_fair, LoadWeight};
use crate::Error;

/// A handle naming one entity of a run queue. Handles of removed entities are
/// detected (a generation counter), never confused with a new entity.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId {
    index: u32,
    generation: u32,
}

impl EntityId {
    /// The slot index (stable while the entity lives).
    pub const fn index(&self) -> u32 {
        self.index
    }

    /// The handle as one u64 (generation in the high half), for C.
    pub const fn to_bits(self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }

    /// The inverse of [`to_bits`](Self::to_bits).
    pub const fn from_bits(bits: u64) -> EntityId {
        EntityId {
            index: bits as u32,
            generation: (bits >> 32) as u32,
        }
    }
}

/// One slot of a run queue's storage: an entity, its tree links and subtree
/// aggregates. Opaque; [`Node::EMPTY`] initialises a buffer for [`BufferStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    se: SchedEntity,
    link: RbLink,
    /// The declared aggregate: `min_vruntime` (≥ v6.8) or `min_deadline` (v6.6).
    aug_min: Vtime,
    min_slice: u64,
    max_slice: u64,
    exec_start: u64,
    sum_exec_runtime: u64,
    generation: u32,
    /// Next free slot while free.
    next_free: u32,
    live: bool,
    in_tree: bool,
}

impl Node {
    /// An unused slot.
    pub const EMPTY: Node = Node {
        se: SchedEntity::new(LoadWeight::NICE_0, 0),
        link: RbLink::UNLINKED,
        aug_min: Vtime(0),
        min_slice: 0,
        max_slice: 0,
        exec_start: 0,
        sum_exec_runtime: 0,
        generation: 0,
        next_free: NIL,
        live: false,
        in_tree: false,
    };
}

/// Storage for the nodes of a [`CfsRq`]: a growable prefix of live-or-freed
/// slots with a fixed capacity.
pub trait NodeStore {
    /// The slots in use so far.
    fn nodes(&self) -> &[Node];
    /// The slots in use so far, mutably.
    fn nodes_mut(&mut self) -> &mut [Node];
    /// Appends a slot; false (and nothing changes) when full.
    fn try_push(&mut self, node: Node) -> bool;
}

impl<const N: usize> NodeStore for ArrayVec<Node, N> {
    fn nodes(&self) -> &[Node] {
        self.as_slice()
    }
    fn nodes_mut(&mut self) -> &mut [Node] {
        self.as_mut_slice()
    }
    fn try_push(&mut self, node: Node) -> bool {
        ArrayVec::try_push(self, node).is_ok()
    }
}

/// Node storage in a caller's buffer (for very large queues, or C).
#[derive(Debug)]
pub struct BufferStore<'a> {
    buf: &'a mut [Node],
    len: usize,
}

impl<'a> BufferStore<'a> {
    /// Uses `buf` (whatever it holds) as empty storage of `buf.len()` slots.
    pub fn new(buf: &'a mut [Node]) -> BufferStore<'a> {
        let cap = buf.len().min(u32::MAX as usize - 1);
        BufferStore {
            buf: &mut buf[..cap],
            len: 0,
        }
    }
}

impl NodeStore for BufferStore<'_> {
    fn nodes(&self) -> &[Node] {
        &self.buf[..self.len]
    }
    fn nodes_mut(&mut self) -> &mut [Node] {
        &mut self.buf[..self.len]
    }
    fn try_push(&mut self, node: Node) -> bool {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = node;
                self.len += 1;
                true
            }
            None => false,
        }
    }
}

/// A run queue with room for `N` entities, stored inline.
pub type RunQueue<R, const N: usize> = CfsRq<R, ArrayVec<Node, N>>;

/// Flags of [`CfsRq::enqueue`] (the kernel's `ENQUEUE_*` that change the arithmetic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnqueueFlags {
    /// ENQUEUE_WAKEUP: a wakeup (as opposed to a restore or migration).
    pub wakeup: bool,
    /// ENQUEUE_INITIAL: `place_entity` gives the first deadline half a slice
    /// (PLACE_DEADLINE_INITIAL), in every release. Which releases pass it for
    /// a fork: [`EnqueueFlags::new_task`], or use [`CfsRq::wake_up_new`].
    pub initial: bool,
}

impl EnqueueFlags {
    /// A wakeup.
    pub const WAKEUP: EnqueueFlags = EnqueueFlags {
        wakeup: true,
        initial: false,
    };
    /// The first enqueue of a new task.
    pub const INITIAL: EnqueueFlags = EnqueueFlags {
        wakeup: false,
        initial: true,
    };
    /// A restore or migration (no flags).
    pub const RESTORE: EnqueueFlags = EnqueueFlags {
        wakeup: false,
        initial: false,
    };

    /// The flags `wake_up_new_task` enqueues a forked task with in `release`.
    ///
    /// * v6.6: none. `task_fork_fair` placed the child with ENQUEUE_INITIAL
    ///   on the parent's queue, but the enqueue places it again without the
    ///   flag, so the child's first deadline is a full slice away.
    /// * v6.12 and later (6.18, 7.x): ENQUEUE_INITIAL. The fork-time placement
    ///   was dropped and the flag moved to `wake_up_new_task`, so the first
    ///   deadline is half a slice away (PLACE_DEADLINE_INITIAL).
    pub const fn new_task(release: Release) -> EnqueueFlags {
        match release {
            Release::Linux6_6 => EnqueueFlags::RESTORE,
            _ => EnqueueFlags::INITIAL,
        }
    }
}

/// Flags of [`CfsRq::dequeue`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DequeueFlags {
    /// DEQUEUE_SLEEP: the entity goes to sleep (may be delayed; lag taken, deadline
    /// kept absolute). Without it the dequeue is a migration or save/restore and
    /// PLACE_REL_DEADLINE keeps the deadline relative.
    pub sleep: bool,
    /// DEQUEUE_SPECIAL: never delay.
    pub special: bool,
    /// DEQUEUE_SAVE without DEQUEUE_MOVE: ≤ v6.18 skips `update_min_vruntime`.
    pub save_only: bool,
}

impl DequeueFlags {
    /// A sleep.
    pub const SLEEP: DequeueFlags = DequeueFlags {
        sleep: true,
        special: false,
        save_only: false,
    };
    /// A migration (no flags).
    pub const MIGRATE: DequeueFlags = DequeueFlags {
        sleep: false,
        special: false,
        save_only: false,
    };
}

/// What a dequeue did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dequeued {
    /// The entity left the run queue.
    Removed,
    /// DELAY_DEQUEUE: the sleeper was not eligible and stays queued, delayed.
    Delayed,
}

/// Flags of a wakeup preemption check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WakeFlags {
    /// WF_FORK: the wakee was just forked.
    pub fork: bool,
    /// WF_SYNC: the waker is about to sleep.
    pub sync: bool,
    /// WF_RQ_SELECTED: the run queue was chosen by select_task_rq.
    pub rq_selected: bool,
}

/// Which subtree aggregates the tree keeps and how its callbacks copy them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aug {
    /// v6.6: vruntime order, `min_deadline` only.
    MinDeadline,
    /// v6.8 … v6.19: `min_vruntime` (declared) and `min_slice`.
    MinSlice,
    /// v7.x: plus `max_slice`, not initialised on insert.
    MaxSlice,
    /// Exact aggregates: every callback copies everything and leaves are initialised.
    Exact,
}

/// The tree callbacks over a node slice.
struct Tree<'a> {
    nodes: &'a mut [Node],
    aug: Aug,
}

impl Tree<'_> {
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }
}

impl RbNodes for Tree<'_> {
    fn link(&self, i: u32) -> &RbLink {
        &self.nodes[i as usize].link
    }
    fn link_mut(&mut self, i: u32) -> &mut RbLink {
        &mut self.nodes[i as usize].link
    }
    fn less(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.node(a).se, &self.node(b).se);
        match self.aug {
            Aug::MinDeadline => a.vruntime.before(b.vruntime),
            _ => a.deadline.before(b.deadline),
        }
    }
    fn compute(&mut self, i: u32) -> bool {
        let n = *self.node(i);
        let (mut m, mut lo, mut hi) = match self.aug {
            Aug::MinDeadline => (n.se.deadline, 0, 0),
            _ => (n.se.vruntime, n.se.slice, n.se.slice),
        };
        for c in [n.link.right, n.link.left] {
            if c != NIL {
                let c = self.node(c);
                m = m.min(c.aug_min);
                lo = lo.min(c.min_slice);
                hi = hi.max(c.max_slice);
            }
        }
        let node = &mut self.nodes[i as usize];
        let unchanged = match self.aug {
            Aug::MinDeadline => node.aug_min == m,
            Aug::MinSlice => node.aug_min == m && node.min_slice == lo,
            Aug::MaxSlice | Aug::Exact => {
                node.aug_min == m && node.min_slice == lo && node.max_slice == hi
            }
        };
        node.aug_min = m;
        if self.aug != Aug::MinDeadline {
            node.min_slice = lo;
            if self.aug != Aug::MinSlice {
                node.max_slice = hi;
            }
        }
        unchanged
    }
    fn copy(&mut self, old: u32, new: u32) {
        let o = *self.node(old);
        let n = &mut self.nodes[new as usize];
        n.aug_min = o.aug_min;
        if self.aug == Aug::Exact {
            n.min_slice = o.min_slice;
            n.max_slice = o.max_slice;
        }
    }
    fn rotate(&mut self, old: u32, new: u32) {
        self.copy(old, new);
        self.compute(old);
    }
}

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

    /// Changes the tunables (a sysctl or debugfs feature write).
    pub fn set_tunables(&mut self, tunables: Tunables) {
        self.tun = tunables;
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
        if self.next == i {
            self.next = NIL;
        }
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

    /// The tree's augmentation. v6.6 keeps no slice aggregates (only
    /// `min_deadline`), so [`SliceAggregates`] changes nothing there.
    fn aug(&self) -> Aug {
        match self.profile().release {
            Release::Linux6_6 => Aug::MinDeadline,
            _ if self.profile().slice_aggregates == SliceAggregates::Exact => Aug::Exact,
            Release::Linux6_18 => Aug::MinSlice,
            Release::Linux7_0 | Release::Linux7_1 => Aug::MaxSlice,
        }
    }

    fn note(&mut self, wrapped: bool) {
        self.wrapped |= wrapped;
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
        }
    }

    /// `__enqueue_entity`: sums + tree insert (with the release's leaf init).
    fn enqueue_tree(&mut self, i: u32) -> Result<(), Error> {
        let se = *self.se(i);
        self.avg.add(se.vruntime, se.load.weight())?;
        let aug = self.aug();
        let n = &mut self.store.nodes_mut()[i as usize];
        n.link = RbLink::UNLINKED;
        match aug {
            Aug::MinDeadline => n.aug_min = se.deadline,
            Aug::MinSlice | Aug::MaxSlice => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
                // v7.x leaves max_slice as it was when the node last left the tree.
            }
            Aug::Exact => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
                n.max_slice = se.slice;
            }
        }
        n.in_tree = true;
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            aug,
        };
        self.root.insert(&mut tree, i);
        Ok(())
    }

    /// `__dequeue_entity`: tree erase + sums.
    fn dequeue_tree(&mut self, i: u32) -> Result<(), Error> {
        // The sums first: if they refuse (EXACT out of its domain), nothing changed.
        let se = *self.se(i);
        self.avg.remove(se.vruntime, se.load.weight())?;
        self.erase_only(i);
        Ok(())
    }

    /// Tree erase without touching the sums.
    fn erase_only(&mut self, i: u32) {
        let aug = self.aug();
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            aug,
        };
        self.root.erase(&mut tree, i);
        self.store.nodes_mut()[i as usize].in_tree = false;
    }

    /// Tree insert without touching the sums (after a reweight repositions `i`).
    fn insert_only(&mut self, i: u32) {
        let aug = self.aug();
        let se = *self.se(i);
        let n = &mut self.store.nodes_mut()[i as usize];
        n.link = RbLink::UNLINKED;
        match aug {
            Aug::MinDeadline => n.aug_min = se.deadline,
            Aug::MinSlice | Aug::MaxSlice => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
            }
            Aug::Exact => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
                n.max_slice = se.slice;
            }
        }
        n.in_tree = true;
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            aug,
        };
        self.root.insert(&mut tree, i);
    }

    /// The smallest vruntime in the tree (v6.6: the leftmost; ≥ v6.8: the root's aggregate).
    fn tree_min_vruntime(&self) -> Option<Vtime> {
        if self.root.root == NIL {
            return None;
        }
        Some(match self.aug() {
            Aug::MinDeadline => self.se(self.root.first()).vruntime,
            _ => self.store.nodes()[self.root.root as usize].aug_min,
        })
    }

    /// `update_min_vruntime` (≤ v6.18 only).
    fn update_min_vruntime(&mut self) -> Result<(), Error> {
        if self.profile().reference == Reference::MinVruntime {
            let curr = self.curr_on_rq().map(|c| c.vruntime);
            let m = self.tree_min_vruntime();
            self.avg.update_min_vruntime(curr, m)?;
        }
        Ok(())
    }

    /// v7.x: `avg_vruntime()` for its side effect of moving v0.
    fn refresh_zero_vruntime(&mut self) -> Result<(), Error> {
        if self.profile().reference != Reference::MinVruntime {
            let t = self.curr_term();
            let (_, w) = self.avg.overflowing_avg_vruntime(t)?;
            self.note(w);
        }
        Ok(())
    }

    // ----- update_curr and tick -------------------------------------------

    /// `update_curr(cfs_rq)`: charge the running entity for `now − exec_start`
    /// of wall time (ignored if not positive), advance its vruntime by
    /// `calc_delta_fair`, issue a new deadline when the request is used up, and
    /// move the reference point. Returns whether curr should be rescheduled (its
    /// request is used up or, ≥ v6.18, its slice protection has ended) — never
    /// with a single queued entity.
    pub fn update_curr(&mut self, now: u64) -> Result<bool, Error> {
        if self.curr == NIL {
            return Ok(false);
        }
        let c = self.curr;
        let exec_start = self.store.nodes()[c as usize].exec_start;
        let delta = now.wrapping_sub(exec_start) as i64;
        if delta <= 0 {
            return Ok(false);
        }
        let p = self.profile();
        let mut se = *self.se(c);
        let (dv, w1) = overflowing_calc_delta_fair(&p, delta as u64, &se.load);
        se.vruntime += dv;
        let (resched, w2) = overflowing_update_deadline(&p, &mut se, self.tun.base_slice);
        p.settle(((), w1 | w2))?;
        self.note(w1 | w2);
        let n = &mut self.store.nodes_mut()[c as usize];
        n.exec_start = now;
        n.sum_exec_runtime = n.sum_exec_runtime.wrapping_add(delta as u64);
        n.se = se;
        if resched {
            self.refresh_zero_vruntime()?;
        }
        self.update_min_vruntime()?;

        if p.release == Release::Linux6_6 {
            if resched && self.nr_queued > 1 {
                if self.next == c {
                    self.next = NIL;
                }
                self.resched_from_update_curr();
                return Ok(true);
            }
            return Ok(false);
        }
        if self.nr_queued == 1 {
            return Ok(false);
        }
        if resched || !protect_slice(&p, &se) {
            if self.next == c {
                self.next = NIL;
            }
            self.resched_from_update_curr();
            return Ok(true);
        }
        Ok(false)
    }

    /// `entity_tick`: [`update_curr`](Self::update_curr) at a timer tick.
    pub fn tick(&mut self, now: u64) -> Result<bool, Error> {
        self.update_curr(now)
    }

    // ----- enqueue / dequeue -----------------------------------------------

    /// `enqueue_entity` (spec §3.5), or `requeue_delayed_entity` for a delayed
    /// entity being woken. The entity must not be queued (or must be delayed).
    pub fn enqueue(&mut self, id: EntityId, now: u64, flags: EnqueueFlags) -> Result<(), Error> {
        let i = self.slot(id)?;
        let se = *self.se(i);
        if se.sched_delayed {
            return self.requeue_delayed(i);
        }
        if se.on_rq {
            return Err(Error::InvalidState);
        }
        let tun = self.tun;
        let is_curr = self.curr == i;
        let place = PlaceFlags {
            initial: flags.initial,
        };
        if is_curr {
            let ctx = self.ctx_for(i);
            let mut se = se;
            let w = place_entity(&mut self.avg, &ctx, false, &mut se, place, &tun)?;
            self.note(w);
            *self.se_mut(i) = se;
        }
        self.update_curr(now)?;
        if !is_curr {
            let ctx = self.ctx_for(i);
            let mut se = *self.se(i);
            let w = place_entity(&mut self.avg, &ctx, false, &mut se, place, &tun)?;
            self.note(w);
            *self.se_mut(i) = se;
        }
        // The tree (and sums) first: if the sums refuse, nothing is counted.
        if !is_curr {
            self.enqueue_tree(i)?;
        }
        self.load = self.load.wrapping_add(se.load.weight());
        self.nr_queued += 1;
        self.se_mut(i).on_rq = true;
        Ok(())
    }

    /// A forked entity's first enqueue, as the release runs it: the fair part
    /// of `task_fork_fair` and `wake_up_new_task` — enqueue with
    /// [`EnqueueFlags::new_task`] (v6.6 no flag, later ENQUEUE_INITIAL), then
    /// the wakeup preemption check with WF_FORK
    /// ([`wakeup_preempt`](Self::wakeup_preempt)). Fork and wakeup are taken
    /// to happen at the same `now` (6.6's fork-time `update_curr` then adds
    /// nothing). Returns whether the new entity preempts curr, which sets
    /// [`need_resched`](Self::need_resched).
    ///
    /// ```
    /// use eevdf::runqueue::RunQueue;
    /// use eevdf::entity::{SchedEntity, Tunables};
    /// use eevdf::Profile;
    ///
    /// for (p, half) in [(Profile::LINUX_6_6, false), (Profile::LINUX_7_1, true)] {
    ///     let mut rq = RunQueue::<_, 2>::new(p, Tunables::defaults(&p, 1, 1000));
    ///     let slice = rq.tunables().base_slice;
    ///     let child = rq.add(SchedEntity::from_nice(0, slice).unwrap()).unwrap();
    ///     assert!(rq.wake_up_new(child, 0).unwrap()); // an idle CPU runs it
    ///     let se = rq.entity(child).unwrap();
    ///     let first = se.deadline.wsub(se.vruntime) as u64;
    ///     assert_eq!(first, if half { slice / 2 } else { slice });
    /// }
    /// ```
    pub fn wake_up_new(&mut self, id: EntityId, now: u64) -> Result<bool, Error> {
        self.enqueue(id, now, EnqueueFlags::new_task(self.profile().release))?;
        self.wakeup_preempt(
            id,
            now,
            WakeFlags {
                fork: true,
                ..WakeFlags::default()
            },
        )
    }

    /// `requeue_delayed_entity`: wake a delayed entity in place (spec §4.7).
    fn requeue_delayed(&mut self, i: u32) -> Result<(), Error> {
        let p = self.profile();
        let tun = self.tun;
        let is_curr = self.curr == i;
        let mut se = *self.se(i);
        let replace = if p.release >= Release::Linux7_1 {
            let ctx = self.ctx_for(i);
            let (changed, w) =
                overflowing_update_entity_lag(&mut self.avg, &ctx, is_curr, &mut se, &tun)?;
            self.note(w);
            changed
        } else if tun.features.contains(Features::DELAY_ZERO) {
            let ctx = self.ctx_for(i);
            let (_, w) =
                overflowing_update_entity_lag(&mut self.avg, &ctx, is_curr, &mut se, &tun)?;
            self.note(w);
            if se.vlag.0 > 0 {
                se.set_vlag(&p, Vlag(0));
                true
            } else {
                false
            }
        } else {
            false
        };
        *self.se_mut(i) = se;
        if replace {
            // Out of the sums, re-placed, back in: computed on copies and
            // committed only when every step succeeded, so that an error leaves
            // the queue as it was (valid), not with the entity half removed.
            let mut avg = self.avg;
            let weight = se.load.weight();
            if !is_curr {
                avg.remove(se.vruntime, weight)?;
            }
            let ctx = RqCtx {
                nr_queued: self.nr_queued - 1,
                ..self.ctx_for(i)
            };
            let mut placed = se;
            let w = place_entity(
                &mut avg,
                &ctx,
                is_curr,
                &mut placed,
                PlaceFlags::default(),
                &tun,
            )?;
            if !is_curr {
                avg.add(placed.vruntime, weight)?;
                self.erase_only(i);
            }
            self.avg = avg;
            *self.se_mut(i) = placed;
            if !is_curr {
                self.insert_only(i);
            }
            self.note(w);
        }
        self.se_mut(i).sched_delayed = false;
        self.nr_delayed -= 1;
        Ok(())
    }

    /// `dequeue_entity` (spec §3.5, §4.7). A sleep of an ineligible entity under
    /// DELAY_DEQUEUE (≥ v6.12) is delayed: it stays queued until picked.
    pub fn dequeue(
        &mut self,
        id: EntityId,
        now: u64,
        flags: DequeueFlags,
    ) -> Result<Dequeued, Error> {
        let i = self.slot(id)?;
        let se = *self.se(i);
        if !se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        self.dequeue_inner(i, now, flags, false)
    }

    fn dequeue_inner(
        &mut self,
        i: u32,
        now: u64,
        flags: DequeueFlags,
        completing: bool,
    ) -> Result<Dequeued, Error> {
        let p = self.profile();
        let tun = self.tun;
        self.update_curr(now)?;
        if self.next == i {
            self.next = NIL;
        }
        let is_curr = self.curr == i;
        if !completing
            && p.release >= Release::Linux6_18
            && flags.sleep
            && !flags.special
            && tun.features.contains(Features::DELAY_DEQUEUE)
            && !self.eligible_noted(self.se(i).vruntime)
        {
            if p.release >= Release::Linux7_1 {
                let ctx = self.ctx_for(i);
                let mut se = *self.se(i);
                let (_, w) =
                    overflowing_update_entity_lag(&mut self.avg, &ctx, is_curr, &mut se, &tun)?;
                self.note(w);
                *self.se_mut(i) = se;
            }
            self.se_mut(i).sched_delayed = true;
            self.nr_delayed += 1;
            return Ok(Dequeued::Delayed);
        }
        let ctx = self.ctx_for(i);
        let mut se = *self.se(i);
        let (_, w) = overflowing_update_entity_lag(&mut self.avg, &ctx, is_curr, &mut se, &tun)?;
        self.note(w);
        if p.release >= Release::Linux6_18
            && tun.features.contains(Features::PLACE_REL_DEADLINE)
            && !flags.sleep
        {
            se.deadline = Vtime(se.deadline.wsub(se.vruntime) as u64);
            se.rel_deadline = true;
        }
        *self.se_mut(i) = se;
        if !is_curr {
            self.dequeue_tree(i)?;
        }
        self.se_mut(i).on_rq = false;
        self.load = self.load.wrapping_sub(se.load.weight());
        self.nr_queued -= 1;
        if se.sched_delayed {
            self.delayed_completions = self.delayed_completions.wrapping_add(1);
            let s = self.se_mut(i);
            s.sched_delayed = false;
            if p.release < Release::Linux7_1
                && tun.features.contains(Features::DELAY_ZERO)
                && s.vlag.0 > 0
            {
                s.set_vlag(&p, Vlag(0));
            }
            self.nr_delayed -= 1;
        }
        if p.release <= Release::Linux6_18 && !flags.save_only {
            self.update_min_vruntime()?;
        }
        Ok(Dequeued::Removed)
    }

    // ----- pick --------------------------------------------------------------

    /// `pick_eevdf` on the current state without switching (protect = true):
    /// what `pick_next` would choose first (it may still complete a delayed
    /// dequeue and pick again).
    pub fn peek(&self) -> Option<EntityId> {
        self.overflowing_peek().0
    }

    /// [`peek`](Self::peek) with a flag: true when an eligibility test of the
    /// pick overflowed the profile's arithmetic (see
    /// [`overflowing_pick_eevdf`]), so the choice — or `None` in a non-empty
    /// queue — may not be the exact rule's. `pick_next` records that flag in
    /// [`wrapped`](Self::wrapped).
    pub fn overflowing_peek(&self) -> (Option<EntityId>, bool) {
        let (pick, wrapped) = self.pick_flagged(true);
        let id = match pick {
            Pick::Curr => self.id_of(self.curr),
            Pick::Queued(i) => self.id_of(i),
            Pick::Nothing => None,
        };
        (id, wrapped)
    }

    /// The pick, with its eligibility tests' wraps recorded.
    fn pick(&mut self, protect: bool) -> Pick<u32> {
        let (pick, wrapped) = self.pick_flagged(protect);
        self.note(wrapped);
        pick
    }

    /// `vruntime_eligible` against the queue, its wrap recorded.
    fn eligible_noted(&mut self, v: Vtime) -> bool {
        let (e, wrapped) = self.avg.overflowing_vruntime_eligible(v, self.curr_term());
        self.note(wrapped);
        e
    }

    fn pick_flagged(&self, protect: bool) -> (Pick<u32>, bool) {
        let curr = if self.curr == NIL {
            None
        } else {
            Some(self.se(self.curr))
        };
        let next = if self.next == NIL {
            None
        } else {
            Some(self.next)
        };
        overflowing_pick_eevdf(
            &self.avg,
            &TreeRefAug(self.store.nodes(), self.root),
            curr,
            next,
            self.nr_queued,
            protect,
            self.tun.features,
        )
    }

    /// `pick_next_entity` + the switch (`put_prev_entity`, `set_next_entity`):
    /// update curr, pick (completing the dequeue of a delayed pick and picking
    /// again), put the previous curr back into the tree if it is still queued,
    /// and make the pick the new curr (slice protection set, buddy cleared).
    /// Returns the new curr, or `None` when nothing is queued (idle).
    ///
    /// [`Error::InvalidState`] if nothing is eligible in a non-empty queue (the
    /// kernel would dereference NULL: only after an overflow).
    pub fn pick_next(&mut self, now: u64) -> Result<Option<EntityId>, Error> {
        if self.curr_on_rq().is_some() {
            self.update_curr(now)?;
        }

        let chosen = loop {
            if self.nr_queued == 0 {
                break NIL;
            }
            let i = match self.pick(true) {
                Pick::Curr => self.curr,
                Pick::Queued(i) => i,
                Pick::Nothing => return Err(Error::InvalidState),
            };
            if self.se(i).sched_delayed {
                self.dequeue_inner(i, now, DequeueFlags::SLEEP, true)?;
                continue;
            }
            break i;
        };
        if chosen != self.curr {
            self.put_prev()?;
            if chosen != NIL {
                self.set_next(chosen, now)?;
            }
        }
        // __schedule clears the flag once it has picked: a request made by the
        // pick's own update_curr is consumed by this switch.
        self.need_resched = false;
        Ok(self.id_of(chosen))
    }

    /// `put_prev_entity`: the running entity stops running; if still queued it
    /// goes back into the tree and sums.
    fn put_prev(&mut self) -> Result<(), Error> {
        let c = self.curr;
        if c == NIL {
            return Ok(());
        }
        if self.se(c).on_rq {
            self.enqueue_tree(c)?;
        }
        self.curr = NIL;
        Ok(())
    }

    /// `set_next_entity`: `i` becomes curr.
    fn set_next(&mut self, i: u32, now: u64) -> Result<(), Error> {
        let p = self.profile();
        if self.se(i).on_rq {
            self.dequeue_tree(i)?;
            let min_slice = self.min_slice();
            let features = self.tun.features;
            let se = self.se_mut(i);
            let w = overflowing_set_protect_slice(&p, se, min_slice, features);
            self.note(w);
        }
        if self.next == i {
            self.next = NIL;
        }
        self.curr = i;
        self.store.nodes_mut()[i as usize].exec_start = now;
        Ok(())
    }

    /// Stop running curr without picking (the CPU goes to another class or
    /// idle): `put_prev_entity` after an `update_curr`.
    pub fn put_prev_curr(&mut self, now: u64) -> Result<(), Error> {
        self.update_curr(now)?;
        self.need_resched = false;
        self.put_prev()
    }

    /// Whether `update_curr` asked for a reschedule (`resched_curr_lazy`) since
    /// the last call, and forget it. Every operation that runs `update_curr`
    /// (enqueue, dequeue, tick, wakeup preemption, pick) can ask: the request is
    /// consumed, or its protection has ended, while another entity is queued.
    /// A caller that schedules several levels (a cgroup hierarchy) collects it
    /// here instead of from each return value.
    pub fn take_resched(&mut self) -> bool {
        core::mem::take(&mut self.resched)
    }

    fn resched_from_update_curr(&mut self) {
        self.resched = true;
        self.need_resched = true;
    }

    /// TIF_NEED_RESCHED: a reschedule of the running task is pending.
    ///
    /// Set by every `resched_curr` the run queue models: an
    /// [`update_curr`](Self::update_curr) that asks for one (tick, enqueue,
    /// dequeue, reweight, …), a wakeup that preempts
    /// ([`wakeup_preempt`](Self::wakeup_preempt)), a wakeup on an idle CPU, or
    /// the caller ([`resched_curr`](Self::resched_curr)). Cleared by the switch
    /// that `schedule()` makes: [`pick_next`](Self::pick_next),
    /// [`put_prev_curr`](Self::put_prev_curr) or
    /// [`clear_need_resched`](Self::clear_need_resched). While it is set,
    /// [`wakeup_preempt`](Self::wakeup_preempt) returns early as the kernel's
    /// does (6.6 and 6.18 after setting the NEXT_BUDDY buddy, 7.x before
    /// anything), so its side effects (`update_curr`, buddies, protection
    /// updates) are skipped. The kernel's `resched_curr_lazy` is modelled as
    /// setting the same flag, as it does without PREEMPT_LAZY.
    pub fn need_resched(&self) -> bool {
        self.need_resched
    }

    /// `resched_curr`: asks for a reschedule from outside the fair class (a
    /// higher class's task woke, a policy change, a renice of curr to a lower
    /// priority in `prio_changed_fair`). Sets [`need_resched`](Self::need_resched).
    pub fn resched_curr(&mut self) {
        self.need_resched = true;
    }

    /// Clears [`need_resched`](Self::need_resched), as `schedule()` does before
    /// it picks. [`pick_next`](Self::pick_next) and
    /// [`put_prev_curr`](Self::put_prev_curr) do it themselves; a caller that
    /// switches with [`pick_entity`](Self::pick_entity) and
    /// [`set_next_entity`](Self::set_next_entity) (a hierarchy) calls it.
    pub fn clear_need_resched(&mut self) {
        self.need_resched = false;
    }

    /// How many delayed dequeues this run queue has completed so far (wrapping):
    /// by [`pick_next`](Self::pick_next), [`dequeue_delayed`](Self::dequeue_delayed)
    /// or the v7.1 pick inside [`wakeup_preempt`](Self::wakeup_preempt). A change
    /// tells a hierarchy that an entity left the queue on its own.
    pub fn delayed_completions(&self) -> u64 {
        self.delayed_completions
    }

    /// `pick_next_entity` without the switch, for a caller that walks a
    /// hierarchy (`pick_task_fair`): `update_curr` if curr is queued, then the
    /// pick rule with protection. The result may be a delayed entity; the
    /// kernel then completes its dequeue ([`dequeue_delayed`](Self::dequeue_delayed))
    /// and restarts the walk from the root. `None` when nothing is queued.
    ///
    /// [`Error::InvalidState`] if nothing is eligible in a non-empty queue.
    pub fn pick_entity(&mut self, now: u64) -> Result<Option<EntityId>, Error> {
        if self.curr_on_rq().is_some() {
            self.update_curr(now)?;
        }
        if self.nr_queued == 0 {
            return Ok(None);
        }
        match self.pick(true) {
            Pick::Curr => Ok(self.id_of(self.curr)),
            Pick::Queued(i) => Ok(self.id_of(i)),
            Pick::Nothing => Err(Error::InvalidState),
        }
    }

    /// Completes the dequeue of a delayed entity (`dequeue_entity` with
    /// DEQUEUE_SLEEP | DEQUEUE_DELAYED, spec §4.7): its lag is taken (v7.1:
    /// `max(old, new)`, ≤ 0 under DELAY_ZERO) and it leaves the queue.
    /// [`Error::InvalidState`] unless the entity is delayed.
    pub fn dequeue_delayed(&mut self, id: EntityId, now: u64) -> Result<(), Error> {
        let i = self.slot(id)?;
        if !self.se(i).sched_delayed {
            return Err(Error::InvalidState);
        }
        self.dequeue_inner(i, now, DequeueFlags::SLEEP, true)?;
        Ok(())
    }

    /// Makes a queued, not delayed entity the running one: `put_prev_entity` for
    /// the old curr (back into the tree if still queued) and `set_next_entity`
    /// (out of the tree, slice protection set, buddy cleared, `exec_start = now`).
    /// Nothing happens if it already is curr. Pair with
    /// [`pick_entity`](Self::pick_entity).
    pub fn set_next_entity(&mut self, id: EntityId, now: u64) -> Result<(), Error> {
        let i = self.slot(id)?;
        let se = self.se(i);
        if !se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        if i != self.curr {
            if self.curr_on_rq().is_some() {
                self.update_curr(now)?;
            }
            self.put_prev()?;
            self.set_next(i, now)?;
        }
        Ok(())
    }

    // ----- wakeup preemption, yield, reweight --------------------------------

    /// `wakeup_preempt_fair` for a just-enqueued wakee at this level (spec §4.5),
    /// behind core's `wakeup_preempt`: should the wakee preempt curr? Covers
    /// WAKEUP_PREEMPTION, PREEMPT_SHORT, the WF_FORK/delayed exclusions,
    /// NEXT_BUDDY (with 7.x's `preempt_sync`), the release's pick and
    /// slice-protection updates. SCHED_IDLE policies and the cgroup hierarchy
    /// walk are the caller's.
    ///
    /// Returns whether this call asked for a reschedule (`resched_curr`),
    /// which sets [`need_resched`](Self::need_resched). With a reschedule
    /// already pending it returns `false` early, as the kernel does: in 6.6
    /// and 6.18 after NEXT_BUDDY has marked the wakee, in 7.x before anything.
    /// With no fair entity running (an idle CPU, or curr already dequeued)
    /// the wakee preempts: `true`, unless a reschedule was already pending (a
    /// second wakeup on an idle CPU asks for nothing new).
    pub fn wakeup_preempt(
        &mut self,
        wakee: EntityId,
        now: u64,
        flags: WakeFlags,
    ) -> Result<bool, Error> {
        let pi = self.slot(wakee)?;
        let c = self.curr;
        if c == NIL || !self.se(c).on_rq {
            // core's wakeup_preempt: the fair wakee outranks the idle task;
            // resched_curr does nothing when the flag is already set.
            let fresh = !self.need_resched;
            self.need_resched = true;
            return Ok(fresh);
        }
        if c == pi {
            return Ok(false);
        }
        let preempt = self.wakeup_preempt_fair(c, pi, now, flags)?;
        self.need_resched |= preempt;
        Ok(preempt)
    }

    /// The class part of [`wakeup_preempt`](Self::wakeup_preempt), with curr
    /// `c` running and queued and `pi` not curr; true = `resched_curr`.
    fn wakeup_preempt_fair(
        &mut self,
        c: u32,
        pi: u32,
        now: u64,
        flags: WakeFlags,
    ) -> Result<bool, Error> {
        let p = self.profile();
        let f = self.tun.features;
        let pse_delayed = self.se(pi).sched_delayed;
        if p.release <= Release::Linux6_18
            && f.contains(Features::NEXT_BUDDY)
            && !flags.fork
            && !pse_delayed
        {
            self.next = pi;
        }
        if self.need_resched || !f.contains(Features::WAKEUP_PREEMPTION) {
            return Ok(false);
        }
        self.update_curr(now)?;
        let short = p.release >= Release::Linux6_18
            && f.contains(Features::PREEMPT_SHORT)
            && self.se(pi).slice < self.se(c).slice;

        let preempt = match p.release {
            Release::Linux6_6 => self.pick(true) == Pick::Queued(pi),
            Release::Linux6_18 => {
                let got = self.pick_search_only(!short) == Pick::Queued(pi);
                if !got && short && f.contains(Features::RUN_TO_PARITY) {
                    self.update_protect(c);
                }
                if got && short {
                    cancel_protect_slice(&p, self.se_mut(c));
                }
                got
            }
            Release::Linux7_0 | Release::Linux7_1 => {
                if !short {
                    if flags.fork || pse_delayed {
                        return Ok(false);
                    }
                    if f.contains(Features::NEXT_BUDDY) && self.set_preempt_buddy(pi) && flags.sync
                    {
                        // preempt_sync: update_curr just ran, so the waker's delta is 0;
                        // only a zero threshold forces a reschedule.
                        let threshold: u64 = if flags.rq_selected {
                            500_000 >> 2
                        } else {
                            500_000
                        };
                        let earlier = self.se(pi).deadline.before(self.se(c).deadline);
                        return Ok(earlier && threshold == 0);
                    }
                }
                let got = if p.release == Release::Linux7_1 {
                    loop {
                        match self.pick(!short) {
                            Pick::Queued(i) if self.se(i).sched_delayed => {
                                self.dequeue_inner(i, now, DequeueFlags::SLEEP, true)?;
                                if self.nr_queued == 0 {
                                    break false;
                                }
                            }
                            Pick::Queued(i) => break i == pi,
                            _ => break false,
                        }
                    }
                } else {
                    self.pick(!short) == Pick::Queued(pi)
                };
                if got {
                    if short {
                        cancel_protect_slice(&p, self.se_mut(c));
                        if p.release == Release::Linux7_1 && self.next == c {
                            self.next = NIL;
                        }
                    }
                } else if f.contains(Features::RUN_TO_PARITY) {
                    self.update_protect(c);
                }
                got
            }
        };
        Ok(preempt)
    }

    /// `__pick_eevdf` without the v6.18 `pick_next_entity` buddy test.
    fn pick_search_only(&mut self, protect: bool) -> Pick<u32> {
        let curr = if self.curr == NIL {
            None
        } else {
            Some(self.se(self.curr))
        };
        let (pick, wrapped) = overflowing_pick_eevdf(
            &self.avg,
            &TreeRefAug(self.store.nodes(), self.root),
            curr,
            None,
            self.nr_queued,
            protect,
            self.tun.features,
        );
        self.note(wrapped);
        pick
    }

    fn update_protect(&mut self, c: u32) {
        let p = self.profile();
        let m = self.min_slice();
        let w = overflowing_update_protect_slice(&p, self.se_mut(c), m);
        self.note(w);
    }

    /// `set_preempt_buddy` (≥ v6.19): make `pi` the next buddy unless the current
    /// buddy has an earlier deadline. Returns whether it was set.
    fn set_preempt_buddy(&mut self, pi: u32) -> bool {
        if self.next != NIL && self.se(self.next).deadline.before(self.se(pi).deadline) {
            return false;
        }
        self.next = pi;
        true
    }

    /// `yield_task_fair` for curr (spec §4.6): with more than one runnable entity,
    /// clear the buddy, update curr and, if it is eligible, give up the rest of
    /// its request. Returns whether curr yielded.
    pub fn yield_curr(&mut self, now: u64) -> Result<bool, Error> {
        let c = self.curr;
        if c == NIL || self.nr_runnable() <= 1 {
            return Ok(false);
        }
        self.next = NIL;
        self.update_curr(now)?;
        if !self.se(c).on_rq || !self.eligible_noted(self.se(c).vruntime) {
            return Ok(false);
        }
        let p = self.profile();
        let base = self.tun.base_slice;
        let w = overflowing_yield_entity(&p, self.se_mut(c), base);
        p.settle(((), w))?;
        self.note(w);
        if p.release >= Release::Linux7_0 {
            self.refresh_zero_vruntime()?;
        }
        if p.release == Release::Linux6_18 {
            self.update_min_vruntime()?;
        }
        Ok(true)
    }

    /// `reweight_entity` (spec §3.6) in the profile's generation: changes the
    /// entity's weight (a nice change passes the table weight, a group share a
    /// [`LoadWeight::new`]), keeping the sums, tree and `cfs_rq.load` consistent.
    pub fn reweight(&mut self, id: EntityId, new_load: LoadWeight, now: u64) -> Result<(), Error> {
        let i = self.slot(id)?;
        let p = self.profile();
        crate::avg::check_weight(&p, new_load.weight())?;
        let tun = self.tun;
        let is_curr = self.curr == i;
        let on_rq = self.se(i).on_rq;
        if on_rq && (is_curr || p.reweight != Reweight::ScaleDeadline) {
            self.update_curr(now)?;
        }
        let old_w = self.se(i).load.weight();
        let in_tree = on_rq && !is_curr;
        // v6.6.0 keeps the entity in the tree (its vruntime key does not change);
        // every later generation takes it out and puts it back.
        let move_in_tree = in_tree && p.reweight != Reweight::ScaleDeadline;
        // The kernel takes the lag while the entity is still in the tree, so
        // the 7.x limit's cfs_rq_max_slice includes the entity's own slice.
        let ctx = self.ctx_for(i);
        if move_in_tree {
            self.erase_only(i);
        }
        let protected = is_curr && protect_slice(&p, self.se(i));
        let mut se = *self.se(i);
        let r = reweight_entity(
            &mut self.avg,
            &ctx,
            is_curr,
            &mut se,
            new_load,
            protected,
            &tun,
        );
        let w = match r {
            Ok(w) => w,
            Err(e) => {
                if move_in_tree {
                    self.insert_only(i);
                }
                return Err(e);
            }
        };
        self.note(w);
        *self.se_mut(i) = se;
        if on_rq {
            self.load = self
                .load
                .wrapping_sub(old_w)
                .wrapping_add(new_load.weight());
        }
        if move_in_tree {
            self.insert_only(i);
        } else if in_tree {
            // v6.6.0: the deadline changed in place; refresh min_deadline upward.
            let aug = self.aug();
            let mut tree = Tree {
                nodes: self.store.nodes_mut(),
                aug,
            };
            rbtree::propagate(&mut tree, i, NIL);
        }
        if on_rq
            && matches!(p.reweight, Reweight::Eevdf | Reweight::LagPlace)
            && p.reference == Reference::MinVruntime
        {
            self.update_min_vruntime()?;
        }
        Ok(())
    }
}

/// [`CfsRq::validate`]'s error when, under EXACT, S differs from the exact
/// recomputation by a multiple of 2⁶⁴ only: a summed entity's key (wsub from v0)
/// crossed ±2⁶³ while v0 moved, i.e. the queue's vruntimes and v0 spanned 2⁶³ ns
/// or more at some point — outside the run queue's domain (see [`CfsRq`]).
pub const EXACT_SUMS_LEFT_THE_DOMAIN: &str =
    "EXACT's S differs from the exact recomputation by a multiple of 2^64: keys wrapped";

/// Do the times lie within one half of the circle (span < 2⁶³), where the
/// wrapping order is a total order?
fn keys_within_half_circle(mut keys: impl Iterator<Item = Vtime>) -> bool {
    let Some(first) = keys.next() else {
        return true;
    };
    let (mut lo, mut hi) = (0i64, 0i64);
    for k in keys {
        let o = k.wsub(first);
        lo = lo.min(o);
        hi = hi.max(o);
    }
    (hi as i128 - lo as i128) < 1i128 << 63
}

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// Checks the run queue's internal consistency; returns the first violation.
    ///
    /// * counts (`nr_queued`, delayed, live entities) and `cfs_rq.load` match the entities;
    /// * curr is live and outside the tree; every other queued entity is in the tree;
    /// * S and W equal a recomputation from the tree entities modulo 2⁶⁴, and
    ///   under EXACT exactly — [`EXACT_SUMS_LEFT_THE_DOMAIN`] when they differ
    ///   by a multiple of 2⁶⁴ because the queue left its domain (below);
    /// * the tree is a red-black tree whose declared aggregate (`min_vruntime`,
    ///   or v6.6's `min_deadline`) is exact at every node (combined right, then
    ///   left, like the callbacks) and which is in key order — both unless a wrap
    ///   was reported or its keys span 2⁶³ ns or more now: the wrapping order is
    ///   a total order only within half the circle. A tree *built* outside it
    ///   keeps its disorder after it narrows again (as the kernel's would); for a
    ///   queue with such a history use [`validate_structure`](Self::validate_structure).
    ///
    /// O(n). Meant for tests, fuzzers and debugging.
    pub fn validate(&self) -> Result<(), &'static str> {
        self.validate_inner(true)
    }

    /// The checks of [`validate`](Self::validate) that hold whatever the queue's
    /// history: counts, tree membership, red-black shape, and S and W modulo
    /// 2⁶⁴ — not key order, aggregates or EXACT's exact sums. For a queue that
    /// has left its domain at some point (its vruntimes, deadlines and v0
    /// spanned 2⁶³ ns or more), which `validate` cannot see afterwards.
    pub fn validate_structure(&self) -> Result<(), &'static str> {
        self.validate_inner(false)
    }

    fn validate_inner(&self, full: bool) -> Result<(), &'static str> {
        let nodes = self.store.nodes();
        let (mut live, mut queued, mut delayed, mut in_tree) = (0u32, 0u32, 0u32, 0u32);
        let mut load = 0u64;
        let mut s: i128 = 0;
        let mut w: i128 = 0;
        for (i, n) in nodes.iter().enumerate() {
            if !n.live {
                if n.in_tree || i as u32 == self.curr {
                    return Err("a free slot is queued or curr");
                }
                continue;
            }
            live += 1;
            if n.se.on_rq {
                queued += 1;
                load = load.wrapping_add(n.se.load.weight());
                if (i as u32 == self.curr) == n.in_tree {
                    return Err("curr in the tree, or a queued entity outside it");
                }
            } else if n.in_tree || n.se.sched_delayed {
                return Err("an entity off the run queue is in the tree or delayed");
            }
            if n.se.sched_delayed {
                delayed += 1;
            }
            if n.in_tree {
                in_tree += 1;
                let aw = crate::avg::avg_weight(&self.profile(), n.se.load.weight()) as i128;
                s += self.avg.key(n.se.vruntime) as i128 * aw;
                w += aw;
            }
        }
        if (live, queued, delayed, load)
            != (self.nr_live, self.nr_queued, self.nr_delayed, self.load)
        {
            return Err("counts or cfs_rq.load disagree with the entities");
        }
        // The sums are compared last: modulo 2^64 always, exactly under EXACT.
        let (s_rec, w_rec) = (s, w);
        // Tree shape: iterative post-order over explicit links.
        let aug = self.aug();
        // The wrapping order of the keys is transitive only while they span less
        // than 2^63 ns (≈ 292 years); a tree built while they spanned more is
        // not "in order" — in the kernel either — even after it narrows again,
        // and its min aggregates (copied across rotations as if min were
        // associative) need not equal a recomputation. A queue gets there only
        // through an overflow (reported) or absurd run times; then only the
        // shape and the sums are checked.
        let key = |n: &Node| match aug {
            Aug::MinDeadline => n.se.vruntime,
            _ => n.se.deadline,
        };
        let ordered = full
            && !self.wrapped()
            && keys_within_half_circle(nodes.iter().filter(|n| n.in_tree).map(key));
        let t = TreeRef(nodes, RbLink::UNLINKED);
        let mut count = 0u32;
        let mut prev = NIL;
        let mut i = self.root.first();
        if self.root.root != NIL && nodes[self.root.root as usize].link.parent != NIL {
            return Err("root has a parent");
        }
        if (self.root.root == NIL) != (self.root.leftmost == NIL) {
            return Err("leftmost cache inconsistent with root");
        }
        while i != NIL {
            count += 1;
            if count > in_tree {
                return Err("tree walk longer than the number of tree entities");
            }
            let n = &nodes[i as usize];
            if !n.in_tree {
                return Err("tree reaches an entity not marked in the tree");
            }
            if prev != NIL && ordered {
                let (a, b) = (&nodes[prev as usize].se, &n.se);
                let out_of_order = match aug {
                    Aug::MinDeadline => b.vruntime.before(a.vruntime),
                    _ => b.deadline.before(a.deadline),
                };
                if out_of_order {
                    return Err("tree not in key order");
                }
            }
            // Declared aggregate and red-black colouring.
            let mut m = match aug {
                Aug::MinDeadline => n.se.deadline,
                _ => n.se.vruntime,
            };
            // Right, then left: the callbacks' order, which matters when the keys
            // span more than 2^63 and the wrapping min is not associative.
            for c in [n.link.right, n.link.left] {
                if c != NIL {
                    let cn = &nodes[c as usize];
                    if cn.link.parent != i {
                        return Err("child's parent link is wrong");
                    }
                    if n.link.red && cn.link.red {
                        return Err("red node with a red child");
                    }
                    m = m.min(cn.aug_min);
                }
            }
            if ordered && m != n.aug_min {
                return Err("declared subtree aggregate is not exact");
            }
            prev = i;
            i = rbtree::next(&t, i);
        }
        if count != in_tree {
            return Err("tree walk misses tree entities");
        }
        if prev != NIL && self.root.first() == NIL {
            return Err("leftmost missing");
        }
        // Equal black height on every path: walk down to each leaf position.
        let mut height: Option<u32> = None;
        let mut i = self.root.first();
        while i != NIL {
            let n = &nodes[i as usize];
            if n.link.left == NIL || n.link.right == NIL {
                let mut b = 0;
                let mut j = i;
                while j != NIL {
                    if !nodes[j as usize].link.red {
                        b += 1;
                    }
                    j = nodes[j as usize].link.parent;
                }
                match height {
                    None => height = Some(b),
                    Some(h) if h != b => return Err("unequal black heights"),
                    _ => {}
                }
            }
            i = rbtree::next(&t, i);
        }
        if self.root.root != NIL && nodes[self.root.root as usize].link.red {
            return Err("red root");
        }
        let (s_acc, w_acc) = (self.avg.sum_w_vruntime_wide(), self.avg.sum_weight_wide());
        if s_rec as i64 != s_acc as i64 || w_rec as u64 != w_acc as u64 {
            return Err("S or W differs from a recomputation over the tree");
        }
        if full && self.profile().is_exact() && (s_rec != s_acc || w_rec as u128 != w_acc) {
            return Err(EXACT_SUMS_LEFT_THE_DOMAIN);
        }
        Ok(())
    }
}

/// Read-only tree view for in-order walks (`next` only reads links; the
/// scratch link makes `link_mut` total without touching the nodes).
struct TreeRef<'a>(&'a [Node], RbLink);

impl RbNodes for TreeRef<'_> {
    fn link(&self, i: u32) -> &RbLink {
        &self.0[i as usize].link
    }
    fn link_mut(&mut self, _: u32) -> &mut RbLink {
        &mut self.1
    }
    fn less(&self, _: u32, _: u32) -> bool {
        false
    }
    fn compute(&mut self, _: u32) -> bool {
        true
    }
    fn copy(&mut self, _: u32, _: u32) {}
    fn rotate(&mut self, _: u32, _: u32) {}
}

/// The tree as the pick rule walks it.
struct TreeRefAug<'a>(&'a [Node], RbRoot);

impl SearchTree for TreeRefAug<'_> {
    type Id = u32;
    fn root(&self) -> Option<u32> {
        (self.1.root != NIL).then_some(self.1.root)
    }
    fn left(&self, id: u32) -> Option<u32> {
        let l = self.0[id as usize].link.left;
        (l != NIL).then_some(l)
    }
    fn right(&self, id: u32) -> Option<u32> {
        let r = self.0[id as usize].link.right;
        (r != NIL).then_some(r)
    }
    fn leftmost(&self) -> Option<u32> {
        let l = self.1.first();
        (l != NIL).then_some(l)
    }
    fn entity(&self, id: u32) -> SchedEntity {
        self.0[id as usize].se
    }
    fn subtree_min(&self, id: u32) -> Vtime {
        self.0[id as usize].aug_min
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avg::avg_weight;
    use std::vec::Vec;

    /// splitmix64: a deterministic generator for operation sequences.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    type Rq = RunQueue<Profile, 32>;

    fn tun(p: &Profile) -> Tunables {
        Tunables::defaults(p, 4, 250)
    }

    /// Exact eligibility over the tree plus an on_rq curr, written independently
    /// of `AvgVruntime`: Σ (v_i − v)·w_i ≥ 0.
    fn exact_eligible(rq: &Rq, v: Vtime) -> bool {
        let p = rq.profile();
        let mut sum: i128 = 0;
        let mut add = |se: &SchedEntity| {
            sum += se.vruntime.wsub(v) as i128 * avg_weight(&p, se.load.weight()) as i128;
        };
        for id in rq.tree_ids() {
            add(rq.entity(id).unwrap());
        }
        if let Some(c) = rq.curr() {
            let c = rq.entity(c).unwrap();
            if c.on_rq {
                add(c);
            }
        }
        sum >= 0
    }

    /// The ≥ v6.18 pick by a linear scan in tree order with exact eligibility;
    /// `None` when v6.6 has a deadline tie among eligible entities (its walk
    /// breaks those by tree shape).
    fn brute_pick(rq: &Rq) -> Option<Option<EntityId>> {
        let p = rq.profile();
        let f = rq.tunables().features;
        let curr = rq.curr().filter(|&c| rq.entity(c).unwrap().on_rq);
        let tree: Vec<EntityId> = rq.tree_ids().collect();
        let elig = |id: EntityId| exact_eligible(rq, rq.entity(id).unwrap().vruntime);
        let next = rq.next_buddy();
        let buddy_ok = |on: bool| next.filter(|&n| on && elig(n));
        if p.release == Release::Linux6_18 {
            if let Some(n) = buddy_ok(f.contains(Features::PICK_BUDDY)) {
                return Some(Some(n));
            }
        }
        if p.release == Release::Linux6_6 {
            if let Some(n) = buddy_ok(f.contains(Features::NEXT_BUDDY)) {
                return Some(Some(n));
            }
        } else if rq.nr_queued() == 1 {
            return Some(curr.or(tree.first().copied()));
        }
        if p.release >= Release::Linux7_0 {
            if let Some(n) = buddy_ok(f.contains(Features::PICK_BUDDY)) {
                return Some(Some(n));
            }
        }
        let c = curr.filter(|&c| elig(c));
        if let Some(c) = c {
            if f.contains(Features::RUN_TO_PARITY) && protect_slice(&p, rq.entity(c).unwrap()) {
                return Some(Some(c));
            }
        }
        let mut best: Option<EntityId> = None;
        let mut tie = false;
        for &id in &tree {
            if !elig(id) {
                continue;
            }
            let d = rq.entity(id).unwrap().deadline;
            match best {
                None => best = Some(id),
                Some(b) => {
                    let bd = rq.entity(b).unwrap().deadline;
                    if d.before(bd) {
                        best = Some(id);
                        tie = false;
                    } else if d == bd {
                        tie = true;
                    }
                }
            }
        }
        if let (Some(c), Some(b)) = (c, best) {
            let (cd, bd) = (
                rq.entity(c).unwrap().deadline,
                rq.entity(b).unwrap().deadline,
            );
            if cd == bd {
                tie = true;
            }
        }
        if p.release == Release::Linux6_6 && tie {
            return None;
        }
        Some(match (best, c) {
            (None, c) => c.or(if p.release == Release::Linux6_6 {
                tree.first().copied()
            } else {
                None
            }),
            (Some(b), Some(c))
                if rq
                    .entity(c)
                    .unwrap()
                    .deadline
                    .before(rq.entity(b).unwrap().deadline) =>
            {
                Some(c)
            }
            (Some(b), _) => Some(b),
        })
    }

    #[derive(Clone, Copy, Debug)]
    enum Op {
        Add,
        Enqueue,
        Dequeue,
        Tick,
        Pick,
        Wake,
        Reweight,
        Yield,
        Remove,
        Slice,
    }

    /// Drives a run queue with a seeded random operation sequence, checking
    /// invariants after every step; returns the number of picks compared.
    fn drive(p: Profile, seed: u64, steps: usize) -> usize {
        drive_observed(p, seed, steps, &mut |_| {})
    }

    /// [`drive`], calling `observe` with the queue after every step.
    fn drive_observed(p: Profile, seed: u64, steps: usize, observe: &mut dyn FnMut(&Rq)) -> usize {
        let mut rng = Rng(seed);
        let t = tun(&p);
        let mut rq = Rq::new(p, t);
        let mut now: u64 = 1_000_000;
        let mut compared = 0;
        let nices = [-20, -5, 0, 0, 0, 3, 10, 19];
        for step in 0..steps {
            let op = match rng.below(20) {
                0..=1 => Op::Add,
                2..=5 => Op::Enqueue,
                6..=8 => Op::Dequeue,
                9..=12 => Op::Tick,
                13..=14 => Op::Pick,
                15 => Op::Wake,
                16 => Op::Reweight,
                17 => Op::Yield,
                18 => Op::Remove,
                _ => Op::Slice,
            };
            let ids: Vec<EntityId> = rq.ids().collect();
            let pick_id = |rng: &mut Rng| -> Option<EntityId> {
                if ids.is_empty() {
                    None
                } else {
                    Some(ids[rng.below(ids.len() as u64) as usize])
                }
            };
            match op {
                Op::Add => {
                    let nice = nices[rng.below(nices.len() as u64) as usize];
                    let se = SchedEntity::from_nice(nice, t.base_slice).unwrap();
                    let _ = rq.add(se);
                }
                Op::Enqueue | Op::Wake => {
                    if let Some(id) = pick_id(&mut rng) {
                        let fresh = rq.sum_exec_runtime(id).unwrap() == 0 && rng.below(2) == 0;
                        let flags = if fresh {
                            EnqueueFlags::INITIAL
                        } else {
                            EnqueueFlags::WAKEUP
                        };
                        if rq.enqueue(id, now, flags).is_ok() && matches!(op, Op::Wake) {
                            let sync = rng.below(2) == 0;
                            if rq
                                .wakeup_preempt(
                                    id,
                                    now,
                                    WakeFlags {
                                        sync,
                                        ..Default::default()
                                    },
                                )
                                .unwrap()
                            {
                                rq.pick_next(now).unwrap();
                            }
                        }
                    }
                }
                Op::Dequeue => {
                    if let Some(id) = pick_id(&mut rng) {
                        let before = rq.max_slice();
                        let flags = if rng.below(4) == 0 {
                            DequeueFlags::MIGRATE
                        } else {
                            DequeueFlags::SLEEP
                        };
                        if let Ok(Dequeued::Removed) = rq.dequeue(id, now, flags) {
                            // Stored lag never exceeds the profile's limit.
                            let se = rq.entity(id).unwrap();
                            let lim = if p.is_exact() {
                                crate::entity::exact_lag_limit(&p, se, before, t.tick_nsec)
                            } else {
                                crate::entity::overflowing_lag_limit(&p, se, before, t.tick_nsec).0
                                    as u128
                            };
                            assert!(
                                (se.vlag.0.unsigned_abs() as u128) <= lim,
                                "{p:?} step {step}: |vlag| {} > {lim}",
                                se.vlag.0
                            );
                        }
                    }
                }
                Op::Tick => {
                    now += 1 + rng.below(4_000_000);
                    if rq.tick(now).unwrap() {
                        rq.pick_next(now).unwrap();
                    }
                }
                Op::Pick => {
                    now += rng.below(100_000);
                    rq.pick_next(now).unwrap();
                }
                Op::Reweight => {
                    if let Some(id) = pick_id(&mut rng) {
                        let lw = if rng.below(2) == 0 {
                            LoadWeight::from_nice(nices[rng.below(nices.len() as u64) as usize])
                                .unwrap()
                        } else {
                            LoadWeight::new(2 + rng.below(3 << 20)).unwrap()
                        };
                        rq.reweight(id, lw, now).unwrap();
                    }
                }
                Op::Yield => {
                    now += rng.below(100_000);
                    if rq.yield_curr(now).unwrap() {
                        rq.pick_next(now).unwrap();
                    }
                }
                Op::Remove => {
                    if let Some(id) = pick_id(&mut rng) {
                        let _ = rq.remove(id);
                    }
                }
                Op::Slice => {
                    if let Some(id) = pick_id(&mut rng) {
                        let s = [0, 100_000, 3_000_000, 20_000_000][rng.below(4) as usize];
                        let _ = rq.set_slice(id, s);
                    }
                }
            }
            if let Err(e) = rq.validate() {
                panic!("{p:?} seed {seed} step {step} after {op:?}: {e}");
            }
            if let Some(want) = brute_pick(&rq) {
                assert_eq!(
                    rq.peek(),
                    want,
                    "{p:?} seed {seed} step {step} after {op:?}"
                );
                compared += 1;
            }
            if p.is_exact() && rq.nr_queued() > 0 {
                assert!(rq.peek().is_some(), "EXACT found nothing eligible");
            }
            observe(&rq);
        }
        compared
    }

    #[test]
    fn runqueue_picks_the_same_entity_as_a_brute_force_scan() {
        for p in Profile::PRESETS
            .iter()
            .chain([Profile::LINUX_6_6_57].iter())
        {
            let mut compared = 0;
            for seed in 0..40 {
                compared += drive(*p, seed, 600);
            }
            assert!(compared > 10_000, "{p:?}: only {compared} picks compared");
        }
    }

    #[test]
    fn overflowing_avg_vruntime_includes_curr_and_keeps_v0() {
        // Two nice-0 entities and a nice-5 one; after a pick one of them is curr
        // (outside the sums) and V must still be the floor of the weighted mean.
        for p in Profile::PRESETS {
            let mut rq = Rq::new(p, Tunables::defaults(&p, 1, 1000));
            let ids = [0, 0, 5].map(|n| rq.add(SchedEntity::from_nice(n, 0).unwrap()).unwrap());
            for (k, id) in ids.iter().enumerate() {
                rq.enqueue(*id, k as u64 * 1_000_000, EnqueueFlags::WAKEUP)
                    .unwrap();
            }
            rq.pick_next(3_000_000).unwrap().unwrap();
            rq.tick(4_300_000).unwrap();
            let v0 = rq.avg().zero_vruntime();
            let (v, wrapped) = rq.overflowing_avg_vruntime().unwrap();
            assert!(!wrapped);
            assert_eq!(Ok(v), rq.avg_vruntime());
            assert_eq!(rq.avg().zero_vruntime(), v0, "{p:?}: v0 moved");
            let (mut num, mut den) = (0i128, 0i128);
            for id in ids {
                let se = rq.entity(id).unwrap();
                let w = avg_weight(&p, se.load.weight()) as i128;
                num += se.vruntime.wsub(v0) as i128 * w;
                den += w;
            }
            assert_eq!(v.wsub(v0) as i128, num.div_euclid(den), "{p:?}");
        }
    }

    #[test]
    fn validate_folds_children_in_the_callbacks_order() {
        // Three deadlines in a wrapping cycle (a < b < c < a, each step 3·2^61):
        // the subtree minimum depends on the order the children are folded in.
        // The tree's callbacks fold the right child, then the left, as the
        // kernel's; validate must recompute the same way.
        let p = Profile::LINUX_6_6;
        let mut rq = Rq::new(p, Tunables::defaults(&p, 1, 1000));
        let step = 3u64 << 61;
        let (a, b, c) = (0u64, step, step.wrapping_mul(2));
        // v6.6 orders by vruntime: B (the root), then A left of it, C right.
        let mut ids = [0u32; 3];
        for (k, (v, d)) in [(100u64, b), (50, a), (150, c)].into_iter().enumerate() {
            let mut se = SchedEntity::from_nice(0, 700_000).unwrap();
            se.vruntime = Vtime(v);
            se.deadline = Vtime(d);
            let id = rq.add(se).unwrap();
            let i = id.index();
            rq.se_mut(i).on_rq = true;
            rq.nr_queued += 1;
            rq.load += se.load.weight();
            rq.enqueue_tree(i).unwrap();
            ids[k] = i;
        }
        assert_eq!(rq.root.root, ids[0]);
        assert_eq!(rq.store.nodes()[ids[0] as usize].aug_min, Vtime(a));
        assert_eq!(rq.validate(), Ok(()));
    }

    #[test]
    fn exact_slice_aggregates_never_go_stale() {
        let p = Profile {
            slice_aggregates: SliceAggregates::Exact,
            ..Profile::LINUX_7_1
        };
        for seed in 0..20 {
            drive(p, seed, 400);
        }
    }

    #[test]
    fn exact_slice_aggregates_change_nothing_in_6_6() {
        // v6.6's tree has only min_deadline; SliceAggregates::Exact used to
        // switch it to the newer augmentation, which 6.6's pick then misread
        // (fidelity review: 272 of 320 replayed 6.6.0 sequences diverged).
        let exact = Profile {
            slice_aggregates: SliceAggregates::Exact,
            ..Profile::LINUX_6_6
        };
        let snapshot = |rq: &Rq| {
            let ents: Vec<(EntityId, SchedEntity)> =
                rq.ids().map(|id| (id, *rq.entity(id).unwrap())).collect();
            (
                rq.peek(),
                rq.curr(),
                rq.avg_vruntime(),
                rq.min_slice(),
                ents,
            )
        };
        for seed in 0..20 {
            let mut kernel = Vec::new();
            drive_observed(Profile::LINUX_6_6, seed, 300, &mut |rq| {
                kernel.push(snapshot(rq))
            });
            let mut with_exact = Vec::new();
            drive_observed(exact, seed, 300, &mut |rq| with_exact.push(snapshot(rq)));
            assert_eq!(kernel, with_exact, "seed {seed}");
        }
    }

    #[test]
    fn reweight_takes_the_lag_limit_with_the_entity_still_in_the_tree() {
        // 7.0/7.1 reweight_entity runs update_entity_lag before the entity
        // leaves the tree, so its own custom slice (the largest) bounds its
        // lag: limit = calc_delta_fair(max_slice + tick) = 15,367,173 + 1 ms
        // for a nice-0 entity (fidelity review, 7.1.5 replay: the library
        // clamped with the running task's 3 ms instead).
        //
        // A (nice 0, 3 ms slice) runs; B (nice 0, custom slice 15,367,173 ns)
        // wakes with a stored lag of −10 ms: with A curr, PLACE_LAG inflates
        // it by (W + w)/W = 2, so B lands 20 ms right of A, V is midway and
        // B's lag is exactly −10 ms. C (nice 0, 3 ms, lag 0) is placed at V
        // and inserted below B, which refreshes B's max_slice aggregate.
        // Reniced to 7 (weight 215) at once, B's lag −10 ms is within the
        // limit and is rescaled by 1024/215, truncated toward zero.
        for p in [Profile::LINUX_7_0, Profile::LINUX_7_1] {
            let t = Tunables {
                base_slice: 3_000_000,
                tick_nsec: 1_000_000,
                features: Features::defaults(p.release),
            };
            let mut rq = RunQueue::<_, 4>::new(p, t);
            let a = rq
                .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
                .unwrap();
            let mut b = SchedEntity::from_nice(0, 3_000_000).unwrap();
            b.set_custom_slice(15_367_173, 3_000_000);
            b.vlag = Vlag(-10_000_000);
            let b = rq.add(b).unwrap();
            let c = rq
                .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
                .unwrap();
            rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
            rq.pick_next(0).unwrap();
            rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
            rq.enqueue(c, 0, EnqueueFlags::WAKEUP).unwrap();
            let v = rq.avg_vruntime().unwrap();
            assert_eq!(rq.entity(b).unwrap().vruntime.wsub(v), 10_000_000);
            assert_eq!(rq.max_slice(), 15_367_173);
            rq.reweight(b, LoadWeight::from_nice(7).unwrap(), 0)
                .unwrap();
            let se = rq.entity(b).unwrap();
            // (Clamped at ±4 ms, as before the fix, it would be −19,051,162.)
            assert_eq!(se.vlag.0, -10_000_000i64 * 1024 / 215, "{p:?}");
            assert_eq!(se.vlag.0, -47_627_906);
            if p.release == Release::Linux7_1 {
                // 7.1: vruntime = V − vlag; V is unchanged up to its floor.
                assert_eq!(se.vruntime.wsub(v), 47_627_906);
                assert!(rq.avg_vruntime().unwrap().wsub(v).abs() <= 1);
            }
            rq.validate().unwrap();
        }
    }

    #[test]
    fn enqueue_initial_halves_the_first_slice_in_every_release() {
        // place_entity honours ENQUEUE_INITIAL (PLACE_DEADLINE_INITIAL: vslice/2)
        // in 6.6.0 too; only 6.6's wake_up_new_task does not pass it (fidelity
        // review: every 6.6.0 replay with an ENQUEUE_INITIAL enqueue diverged).
        for p in Profile::PRESETS {
            let t = Tunables::defaults(&p, 1, 1000);
            let vslice = t.base_slice; // nice 0: calc_delta_fair is the identity
            let mut rq = RunQueue::<_, 4>::new(p, t);
            let a = rq.add(SchedEntity::from_nice(0, vslice).unwrap()).unwrap();
            let b = rq.add(SchedEntity::from_nice(0, vslice).unwrap()).unwrap();
            rq.enqueue(a, 0, EnqueueFlags::INITIAL).unwrap();
            let se = rq.entity(a).unwrap();
            assert_eq!(se.deadline.wsub(se.vruntime), (vslice / 2) as i64, "{p:?}");
            // A fork: full slice in 6.6, half from 6.12 on.
            rq.pick_next(0).unwrap();
            rq.wake_up_new(b, 0).unwrap();
            let se = rq.entity(b).unwrap();
            let want = if p.release == Release::Linux6_6 {
                vslice
            } else {
                vslice / 2
            };
            assert_eq!(se.deadline.wsub(se.vruntime), want as i64, "{p:?}");
        }
    }

    #[test]
    fn renicing_the_running_task_ends_its_protection_in_6_18_only() {
        // 6.18 keeps vlag and vprot in one field: reweighting curr takes its
        // lag (update_entity_lag) and rescales it, overwriting the protection
        // end, so the next tick asks for a reschedule. 7.x keeps vprot apart
        // and rescales it (fidelity review: 140/320 6.18.2 replays diverged).
        for p in [Profile::LINUX_6_18, Profile::LINUX_7_0, Profile::LINUX_7_1] {
            let t = Tunables {
                base_slice: 3_000_000,
                tick_nsec: 1_000_000,
                features: Features::defaults(p.release),
            };
            let mut rq = RunQueue::<_, 4>::new(p, t);
            let ids = [0, 0, 0].map(|n| {
                rq.add(SchedEntity::from_nice(n, 3_000_000).unwrap())
                    .unwrap()
            });
            for id in ids {
                rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
            }
            rq.pick_next(0).unwrap();
            // Run until a fresh pick after 40 ms (vruntimes well past 0).
            let mut now = 0;
            loop {
                now += 1_000_000;
                if rq.tick(now).unwrap() {
                    rq.pick_next(now).unwrap();
                    if now >= 40_000_000 {
                        break;
                    }
                }
            }
            let c = rq.curr().unwrap();
            assert!(
                protect_slice(&p, rq.entity(c).unwrap()),
                "{p:?}: fresh pick protected"
            );
            rq.reweight(c, LoadWeight::from_nice(5).unwrap(), now + 100_000)
                .unwrap();
            let se = rq.entity(c).unwrap();
            let shared = p.release == Release::Linux6_18;
            assert_eq!(se.vprot.0 == se.vlag.0 as u64, shared, "{p:?}");
            assert_eq!(!protect_slice(&p, se), shared, "{p:?}");
            // The next tick: 6.18 reschedules, 7.x keeps curr protected.
            assert_eq!(rq.tick(now + 200_000).unwrap(), shared, "{p:?}");
        }
    }

    #[test]
    fn a_pending_reschedule_makes_wakeup_preemption_return_early() {
        // TIF_NEED_RESCHED (fidelity review: without it 81/320 6.6.0 and
        // 156/295 7.1.5 replays diverged). Once the tick has asked for a
        // reschedule, a wakeup before the switch returns at once: no
        // update_curr (curr's vruntime does not move), no new request.
        for p in Profile::PRESETS {
            let t = Tunables {
                base_slice: 3_000_000,
                tick_nsec: 1_000_000,
                features: Features::defaults(p.release),
            };
            let mut rq = RunQueue::<_, 4>::new(p, t);
            let ids = [0, 0, -5].map(|n| {
                rq.add(SchedEntity::from_nice(n, 3_000_000).unwrap())
                    .unwrap()
            });
            rq.enqueue(ids[0], 0, EnqueueFlags::WAKEUP).unwrap();
            rq.enqueue(ids[1], 0, EnqueueFlags::WAKEUP).unwrap();
            rq.pick_next(0).unwrap();
            assert!(!rq.need_resched());
            let mut now = 0;
            while !rq.tick(now).unwrap() {
                now += 1_000_000;
            }
            assert!(rq.need_resched(), "{p:?}: the tick's request is pending");
            let c = rq.curr().unwrap();
            rq.enqueue(ids[2], now + 100_000, EnqueueFlags::WAKEUP)
                .unwrap();
            let before = *rq.entity(c).unwrap();
            let preempt = rq
                .wakeup_preempt(ids[2], now + 600_000, WakeFlags::default())
                .unwrap();
            assert!(!preempt, "{p:?}");
            assert_eq!(*rq.entity(c).unwrap(), before, "{p:?}: update_curr ran");
            assert!(rq.need_resched());
            // The switch consumes it; the next wakeup is judged again.
            rq.pick_next(now + 700_000).unwrap();
            assert!(!rq.need_resched(), "{p:?}");
        }
    }

    #[test]
    fn a_second_wakeup_on_an_idle_cpu_asks_for_nothing_new() {
        for p in Profile::PRESETS {
            let mut rq = RunQueue::<_, 4>::new(p, Tunables::defaults(&p, 1, 1000));
            let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
            let b = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
            rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
            assert_eq!(rq.wakeup_preempt(a, 0, WakeFlags::default()), Ok(true));
            rq.enqueue(b, 10, EnqueueFlags::WAKEUP).unwrap();
            assert_eq!(rq.wakeup_preempt(b, 10, WakeFlags::default()), Ok(false));
            assert!(rq.need_resched());
            rq.pick_next(20).unwrap();
            assert!(!rq.need_resched());
            // put_prev_curr (the CPU leaves the fair class) also clears it.
            rq.resched_curr();
            rq.put_prev_curr(30).unwrap();
            assert!(!rq.need_resched());
        }
    }

    #[test]
    fn next_buddy_is_marked_before_the_pending_reschedule_test_before_7_0() {
        // 6.6 and 6.18 set the NEXT_BUDDY buddy before testing need_resched;
        // 7.x tests need_resched first (set_preempt_buddy comes later).
        for p in Profile::PRESETS {
            let mut t = Tunables::defaults(&p, 1, 1000);
            t.features |= Features::NEXT_BUDDY;
            let mut rq = RunQueue::<_, 4>::new(p, t);
            let ids = [0, 0, 0].map(|n| rq.add(SchedEntity::from_nice(n, 0).unwrap()).unwrap());
            rq.enqueue(ids[0], 0, EnqueueFlags::WAKEUP).unwrap();
            rq.enqueue(ids[1], 0, EnqueueFlags::WAKEUP).unwrap();
            rq.pick_next(0).unwrap();
            rq.resched_curr();
            rq.enqueue(ids[2], 10, EnqueueFlags::WAKEUP).unwrap();
            assert_eq!(
                rq.wakeup_preempt(ids[2], 10, WakeFlags::default()),
                Ok(false)
            );
            let marked = rq.next_buddy() == Some(ids[2]);
            assert_eq!(marked, p.release <= Release::Linux6_18, "{p:?}");
        }
    }

    #[test]
    fn clear_wrapped_also_forgets_an_overflow_of_the_sums() {
        // A nice-0 entity woken with lag −2^52 lands 2^53 ns right of v0
        // (6.18: inflated ×2 with curr queued, exactly −2^63/1024 without a
        // wrap) and puts key·w = 2^53·1024 = 2^63 into S, which wraps; once it has left again the sums are back in range, the
        // accumulator's sticky bit still says "wrapped", and clear_wrapped
        // must forget it with the run queue's own flag.
        let p = Profile::LINUX_6_18;
        let mut rq = RunQueue::<_, 4>::new(p, Tunables::defaults(&p, 1, 1000));
        let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
        let mut far = SchedEntity::from_nice(0, 0).unwrap();
        far.vlag = Vlag(-(1 << 52));
        let b = rq.add(far).unwrap();
        rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
        rq.pick_next(0).unwrap();
        rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
        assert!(rq.avg().overflowed());
        rq.dequeue(b, 0, DequeueFlags::MIGRATE).unwrap();
        assert!(rq.avg().headroom_bits() >= 0, "the sums are back in range");
        assert!(rq.wrapped(), "a past overflow stays reported");
        rq.clear_wrapped();
        assert!(!rq.wrapped());
    }

    quickcheck::quickcheck! {
        fn incremental_accumulator_equals_batch_recomputation(seed: u64) -> bool {
            // validate() recomputes S and W from the tree after every operation.
            for p in Profile::PRESETS {
                drive(p, seed, 150);
            }
            true
        }
    }

    #[test]
    fn stale_slice_aggregates_known_bugs_8() {
        // known-bugs §8: nice-0 tasks with custom slices 20 ms, 0.1 ms and 3 ms enqueued
        // in that order at V. Their deadlines V+20 ms, V+0.1 ms, V+3 ms make the third
        // an inner grandchild: a left rotation then a right rotation lift it to the
        // root. Rotations copy only min_vruntime and the new root is never recomputed,
        // so it keeps the leaf values set at insert: min_slice = its own 3 ms and, in
        // 7.x (which does not initialise a leaf's max_slice), max_slice = 0 for a new
        // task. The true bounds are 0.1 ms and 20 ms.
        let run = |p: Profile| {
            let t = Tunables {
                base_slice: 3_000_000,
                tick_nsec: 1_000_000,
                features: Features::defaults(p.release),
            };
            let mut rq = RunQueue::<_, 8>::new(p, t);
            let mut ids = Vec::new();
            for s in [20_000_000u64, 100_000, 3_000_000] {
                let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
                se.set_custom_slice(s, 3_000_000);
                ids.push(rq.add(se).unwrap());
            }
            for &id in &ids {
                rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
            }
            rq.validate().unwrap();
            assert_eq!(rq.exact_slice_bounds(), Some((100_000, 20_000_000)));
            (rq.min_slice(), rq.max_slice())
        };
        assert_eq!(run(Profile::LINUX_7_1), (3_000_000, 0));
        assert_eq!(run(Profile::LINUX_7_0), (3_000_000, 0));
        // 6.18 has no max_slice aggregate (its max_slice() reads the stale 0 too, unused).
        assert_eq!(run(Profile::LINUX_6_18).0, 3_000_000);
        let exact = Profile {
            slice_aggregates: SliceAggregates::Exact,
            ..Profile::LINUX_7_1
        };
        assert_eq!(run(exact), (100_000, 20_000_000));
    }

    /// Runs always-runnable entities for `secs` of simulated time with a tick of
    /// `tick` ns, rescheduling when asked; returns each entity's run time.
    fn run_busy(p: Profile, nices: &[i32], secs: u64, tick: u64) -> Vec<u64> {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: tick,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 16>::new(p, t);
        let ids: Vec<_> = nices
            .iter()
            .map(|&n| {
                rq.add(SchedEntity::from_nice(n, 3_000_000).unwrap())
                    .unwrap()
            })
            .collect();
        for &id in &ids {
            rq.enqueue(id, 0, EnqueueFlags::INITIAL).unwrap();
        }
        rq.pick_next(0).unwrap();
        let mut now = 0;
        while now < secs * 1_000_000_000 {
            now += tick;
            if rq.tick(now).unwrap() {
                rq.pick_next(now).unwrap();
            }
            rq.validate().unwrap();
        }
        rq.update_curr(now).unwrap();
        ids.iter()
            .map(|&id| rq.sum_exec_runtime(id).unwrap())
            .collect()
    }

    #[test]
    fn cpu_shares_follow_weights() {
        // nice 0, 0, 5, -5: weights 1024, 1024, 335, 3121.
        for p in Profile::PRESETS {
            let run = run_busy(p, &[0, 0, 5, -5], 20, 1_000_000);
            let total: u64 = run.iter().sum();
            let w = [1024.0, 1024.0, 335.0, 3121.0];
            let wsum: f64 = w.iter().sum();
            for (r, w) in run.iter().zip(w) {
                let share = *r as f64 / total as f64;
                let want = w / wsum;
                assert!(
                    (share - want).abs() / want < 0.01,
                    "{p:?}: share {share:.4} vs {want:.4}"
                );
            }
        }
    }

    #[test]
    fn steady_state_lag_stays_within_slice_plus_tick_known_bugs_7() {
        // known-bugs §7 test idea 2: three nice-0 entities, slice 3 ms, tick 1 ms,
        // 10^5 ticks: every V − v stays within ±(slice + tick) = ±4 ms.
        for p in [
            Profile::LINUX_6_18,
            Profile::LINUX_7_0,
            Profile::LINUX_7_1,
            Profile::EXACT,
        ] {
            let t = Tunables {
                base_slice: 3_000_000,
                tick_nsec: 1_000_000,
                features: Features::defaults(p.release),
            };
            let mut rq = RunQueue::<_, 4>::new(p, t);
            let ids: Vec<_> = (0..3)
                .map(|_| {
                    rq.add(SchedEntity::from_nice(0, 3_000_000).unwrap())
                        .unwrap()
                })
                .collect();
            for &id in &ids {
                rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
            }
            rq.pick_next(0).unwrap();
            let mut worst = 0i64;
            for k in 1..=100_000u64 {
                let now = k * 1_000_000;
                if rq.tick(now).unwrap() {
                    rq.pick_next(now).unwrap();
                }
                let v = rq.avg_vruntime().unwrap();
                for &id in &ids {
                    worst = worst.max(v.wsub(rq.entity(id).unwrap().vruntime).abs());
                }
            }
            assert!(worst <= 4_000_000, "{p:?}: |lag| reached {worst}");
            assert!(worst >= 1_000_000, "{p:?}: suspiciously small lag {worst}");
        }
    }

    #[test]
    fn delayed_dequeue_keeps_an_ineligible_sleeper_until_picked() {
        let p = Profile::LINUX_7_1;
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let a = rq
            .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
            .unwrap();
        let b = rq
            .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
            .unwrap();
        rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
        rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
        let first = rq.pick_next(0).unwrap().unwrap();
        let other = if first == a { b } else { a };
        // first runs 2 ms: it is now right of V (negative lag), so its sleep is delayed.
        assert_eq!(
            rq.dequeue(first, 2_000_000, DequeueFlags::SLEEP),
            Ok(Dequeued::Delayed)
        );
        assert_eq!((rq.nr_queued(), rq.nr_runnable()), (2, 1));
        assert!(
            rq.entity(first).unwrap().vlag.0 < 0,
            "7.1 records the lag at delay time"
        );
        // A second dequeue of a delayed entity is refused.
        assert_eq!(
            rq.dequeue(first, 2_000_000, DequeueFlags::SLEEP),
            Err(Error::InvalidState)
        );
        assert_eq!(rq.pick_next(2_000_000).unwrap(), Some(other));
        // other runs until first becomes eligible and is picked: the pick completes
        // first's dequeue instead of running it.
        let mut now = 2_000_000;
        while rq.nr_queued() == 2 {
            now += 1_000_000;
            if rq.tick(now).unwrap() {
                rq.pick_next(now).unwrap();
            }
        }
        assert!(!rq.entity(first).unwrap().on_rq);
        assert!(rq.entity(first).unwrap().vlag.0 <= 0, "DELAY_ZERO");
        assert_eq!(rq.curr(), Some(other));
        rq.validate().unwrap();
    }

    #[test]
    fn a_pick_whose_eligibility_test_wraps_reports_it() {
        // 7.1 before b6eee96843e8 (full weights, s64 key·load): a puny entity P
        // 8·10^10 ns left of V, with the earliest deadline, next to two entities
        // of 100·NICE_0_LOAD. P's key·load (−1.68·10^19) wraps positive, so P is
        // judged ineligible and the pick runs a heavy entity instead. The
        // placements themselves do not wrap; the pick must say that it did.
        let p = Profile {
            eligibility: crate::profile::Eligibility::Wrapping,
            ..Profile::LINUX_7_1
        };
        let run = |p: Profile| {
            let mut rq = RunQueue::<_, 4>::new(p, tun(&p));
            let heavy = || SchedEntity::new(LoadWeight::new(100 << 20).unwrap(), 3_000_000);
            let mut puny = SchedEntity::new(LoadWeight::new(2).unwrap(), 3_000_000);
            puny.set_custom_slice(100_000, 3_000_000);
            puny.vlag = Vlag(80_000_000_000);
            let h = rq.add(heavy()).unwrap();
            let pid = rq.add(puny).unwrap();
            let h2 = rq.add(heavy()).unwrap();
            for id in [h, pid, h2] {
                rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
            }
            assert!(!rq.wrapped(), "nothing has wrapped yet");
            let v = rq.entity(pid).unwrap().vruntime;
            let elig = rq.avg().overflowing_vruntime_eligible(v, None);
            let got = rq.pick_next(0).unwrap();
            (rq.wrapped(), elig, got == Some(pid))
        };
        assert_eq!(run(Profile::EXACT), (false, (true, false), true));
        assert_eq!(run(p), (true, (false, true), false));
    }

    #[test]
    fn half_circle_span_decides_whether_key_order_is_defined() {
        let v = |x: u64| Vtime(x);
        assert!(keys_within_half_circle([].into_iter()));
        assert!(keys_within_half_circle([v(5)].into_iter()));
        // Across the wrap point but within 2^63: ordered.
        assert!(keys_within_half_circle(
            [v(u64::MAX - 10), v(10)].into_iter()
        ));
        assert!(keys_within_half_circle(
            [v(0), v((1 << 63) - 1)].into_iter()
        ));
        // 0, 2^62 and 2^63 + 2^61: pairwise comparable, not transitively ordered.
        assert!(!keys_within_half_circle(
            [v(0), v(1 << 62), v((1 << 63) + (1 << 61))].into_iter()
        ));
        assert!(!keys_within_half_circle([v(0), v(1 << 63)].into_iter()));
    }

    #[test]
    fn bad_handles_and_states_are_errors() {
        let p = Profile::LINUX_7_1;
        let mut rq = RunQueue::<_, 2>::new(p, tun(&p));
        let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
        let b = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
        assert_eq!(
            rq.add(SchedEntity::from_nice(0, 0).unwrap()),
            Err(Error::Full)
        );
        assert_eq!(
            rq.dequeue(a, 0, DequeueFlags::SLEEP),
            Err(Error::InvalidState)
        );
        rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
        assert_eq!(
            rq.enqueue(a, 0, EnqueueFlags::WAKEUP),
            Err(Error::InvalidState)
        );
        assert_eq!(rq.remove(a), Err(Error::InvalidState));
        let removed = rq.remove(b).unwrap();
        assert!(!removed.on_rq);
        assert_eq!(rq.entity(b), Err(Error::NoSuchEntity));
        let c = rq.add(SchedEntity::from_nice(3, 0).unwrap()).unwrap();
        assert_eq!(c.index(), b.index(), "slot reused");
        assert_ne!(c, b, "but the old handle stays dead");
        assert_eq!(rq.entity(b), Err(Error::NoSuchEntity));
        assert_eq!(
            rq.entity(EntityId::from_bits(u64::MAX)),
            Err(Error::NoSuchEntity)
        );
        let mut on = SchedEntity::from_nice(0, 0).unwrap();
        on.on_rq = true;
        assert_eq!(rq.add(on), Err(Error::InvalidState));
        let mut x = RunQueue::<_, 2>::new(Profile::EXACT, tun(&Profile::EXACT));
        let heavy = SchedEntity::new(LoadWeight::new((1 << 40) + 1).unwrap(), 0);
        assert_eq!(x.add(heavy), Err(Error::Overflow));
        // An empty queue picks nothing.
        let mut e = RunQueue::<_, 1>::new(p, tun(&p));
        assert_eq!(e.pick_next(0), Ok(None));
    }

    #[test]
    fn buffer_store_behaves_like_inline_storage() {
        let p = Profile::LINUX_7_1;
        let mut buf = std::vec![Node::EMPTY; 3];
        let mut rq = CfsRq::in_buffer(p, tun(&p), &mut buf);
        let ids: Vec<_> = (0..3)
            .map(|n| rq.add(SchedEntity::from_nice(n, 0).unwrap()).unwrap())
            .collect();
        assert_eq!(
            rq.add(SchedEntity::from_nice(0, 0).unwrap()),
            Err(Error::Full)
        );
        for &id in &ids {
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        assert!(rq.pick_next(0).unwrap().is_some());
        rq.validate().unwrap();
    }
}
