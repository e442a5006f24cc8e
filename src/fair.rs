//! One CPU's fair class with task groups: the root `cfs_rq` (`rq.cfs`) and, for
//! every task group, the group's `cfs_rq` on this CPU together with the group
//! entity that stands for it in the parent group's `cfs_rq` (`enqueue_task_fair()`,
//! `dequeue_entities()`, `pick_task_fair()`, `update_cfs_group()` and the PELT
//! updates of `kernel/sched/fair.c`, v6.6–v7.1).
//!
//! [`FairRq<Profile, G, N>`](FairRq) holds up to `G` levels (task groups; group 0 is the
//! root) of at most `N` entities each, and walks the hierarchy the way the
//! kernel's task-level functions do. Each level is a
//! [`RunQueue`], so every per-level step is that
//! module's arithmetic; this module only sequences the levels, the PELT
//! signals and the group weights:
//!
//! | method | kernel |
//! |---|---|
//! | [`enqueue_task`](FairRq::enqueue_task) | `enqueue_task_fair`: `enqueue_entity` up to the first queued ancestor (a delayed one is requeued), then `update_load_avg` + `update_cfs_group` for the rest |
//! | [`dequeue_task`](FairRq::dequeue_task) | `dequeue_task_fair` / `dequeue_entities`: `dequeue_entity` up while a level empties; a sleeping task's parent becomes the next buddy; a delayed task or group stops the walk |
//! | [`pick_next_task`](FairRq::pick_next_task) | `pick_task_fair` (a delayed pick completes its dequeue and the walk restarts at the root) + `put_prev_entity`/`set_next_entity` at every level whose entity changes |
//! | [`task_tick`](FairRq::task_tick) | `task_tick_fair`: `entity_tick` (update_curr, PELT, `update_cfs_group`) at every level of curr |
//! | [`wakeup_preempt`](FairRq::wakeup_preempt) | `wakeup_preempt_fair`: `find_matching_se`, then the one-level rule of [`CfsRq::wakeup_preempt`](crate::runqueue::CfsRq::wakeup_preempt) |
//! | [`detach_task`](FairRq::detach_task), [`attach_task`](FairRq::attach_task) | `migrate_task_rq_fair` (removed load, or a detach for a queued task) and the attach at the next enqueue |
//! | [`update_blocked_averages`](FairRq::update_blocked_averages) | `__update_blocked_fair`: decay every level and republish `tg.load_avg` |
//! | [`task_h_load`](FairRq::task_h_load) | `update_cfs_rq_h_load` + `task_h_load` (once per jiffy per level) |
//!
//! Group weights come from [`calc_group_shares_with`] (the local-load rule is
//! a [`SharesLoad`], today's by default) and reach the parent level through
//! [`CfsRq::reweight`](crate::runqueue::CfsRq::reweight), at the kernel's call
//! sites of `update_cfs_group`: `enqueue_entity`, `dequeue_entity`,
//! `entity_tick` and the upward loops of enqueue and dequeue. In ≥ v6.18 a
//! group whose run queue is empty keeps its weight, and an unchanged weight is
//! not reapplied; v6.6 reweights every time. `tg.load_avg` is kept in the
//! caller's [`TaskGroup`] slice (indexed like the levels) through
//! [`update_tg_load_avg`], including its ≥ v6.18 rate limit.
//!
//! A `resched_curr` request from any `update_curr` of any level (the request
//! is used up, or protection ended) is collected and returned by
//! [`take_resched`](FairRq::take_resched).
//!
//! ## Load propagation
//!
//! As in the kernel (the same in v6.6 … v7.1): an attach, a detach
//! (`detach_task` of a queued task: DO_DETACH inside its dequeue) and removed
//! load mark their level with `add_tg_cfs_propagate`; every
//! `update_load_avg` of a group entity then runs `propagate_entity_load_avg`
//! (`update_tg_cfs_util`, `update_tg_cfs_runnable`, `update_tg_cfs_load` from
//! [`crate::pelt`]) before the DO_ATTACH / DO_DETACH / UPDATE_TG step, so a
//! change climbs one level per ancestor update, within the same enqueue,
//! dequeue or tick. The release changes only the floor applied to the parent
//! (v6.x 32-bit `max_t`, v7.x `__update_sa`). Group entities are attached to
//! their parent when the hierarchy is built (`online_fair_sched_group`, at
//! PELT time 0), with weight `NICE_0_LOAD`.
//!
//! Weights change at run time as the kernel walks them:
//! [`set_user_nice`](FairRq::set_user_nice) / [`set_task_weight`](FairRq::set_task_weight)
//! (`set_user_nice`: DEQUEUE_SAVE, `reweight_task_fair` off the queue,
//! ENQUEUE_RESTORE, `prio_changed_fair`; v6.6 … v7.1) and
//! [`set_shares`](FairRq::set_shares) (`__sched_group_set_shares`: per level
//! `update_load_avg(UPDATE_TG)` + `update_cfs_group`). A tick with nothing
//! running changes nothing: blocked load decays only through
//! [`update_blocked_averages`](FairRq::update_blocked_averages), the load
//! balancer's call in the kernel.
//!
//! ## What is not modelled
//!
//! These are not reproduced bit for bit, and this module does not pretend
//! to:
//!
//! * a group entity's slice follows the base slice: the ≥ v6.12 propagation of
//!   `cfs_rq_min_slice` to group entities only differs when tasks set custom
//!   slices;
//! * the renice of a delayed task (≥ v6.12): [`Error::InvalidState`], nothing
//!   changed. The kernel's `set_user_nice` dequeues it with DEQUEUE_SAVE,
//!   which `dequeue_entity` completes as a real dequeue (lag taken, relative
//!   deadline kept, off the tree and the load) while `sched_delayed` stays
//!   set (only a DEQUEUE_DELAYED completion clears it; `dequeue_entities`
//!   counts it in no `h_nr_runnable`); `reweight_entity` then scales the lag
//!   off the queue, and ENQUEUE_RESTORE puts it back through `enqueue_entity`
//!   (placement with that lag) still delayed, so the next pick completes its
//!   dequeue. Modelling it needs two run-queue operations the flat run queue
//!   does not offer (a save-dequeue of a delayed entity that keeps the mark,
//!   and an enqueue that places an entity as delayed), and the delayed group
//!   entities above it follow the same rule level by level;
//! * the leaf list of `__update_blocked_fair`: every level is visited, also
//!   one whose sums have decayed to 0 (no value differs);
//! * bandwidth control (throttling), SCHED_IDLE groups, util_est, the PELT clock
//!   scaling (`clock_pelt` is the task clock: capacity 1024, no frequency
//!   scaling, no lost idle time).
//!
//! Nothing here panics. An [`Error`] from a per-level operation (only possible
//! under [`Profile::EXACT`](crate::Profile::EXACT) overflow, or on misuse) can
//! leave a multi-level operation half done: the structure stays memory-safe
//! and [`validate`](FairRq::validate) reports what is inconsistent.
//!
//! ```
//! use eevdf::entity::{SchedEntity, Tunables};
//! use eevdf::fair::FairRq;
//! use eevdf::group::{SharesLoad, TaskGroup, DEFAULT_SHARES};
//! use eevdf::runqueue::{DequeueFlags, EnqueueFlags};
//! use eevdf::Profile;
//!
//! let p = Profile::LINUX_7_1;
//! let tun = Tunables::defaults(&p, 1, 1000);
//! // root, and one group "g" under it
//! let mut tgs = [TaskGroup::ROOT, TaskGroup::new(0, DEFAULT_SHARES)];
//! let mut rq = FairRq::<_, 2, 8>::new(p, tun, SharesLoad::default(), &tgs)?;
//! let a = rq.add_task(0, SchedEntity::from_nice(0, tun.base_slice)?)?; // in the root
//! let b = rq.add_task(1, SchedEntity::from_nice(0, tun.base_slice)?)?; // in g
//! let now = 1_000_000;
//! // Two forks: the flags wake_up_new_task passes under this profile.
//! let fork = EnqueueFlags::new_task(p);
//! rq.enqueue_task(a, now, fork, &mut tgs)?;
//! rq.enqueue_task(b, now, fork, &mut tgs)?;
//! assert_eq!(rq.nr_running(), 2);
//! assert_eq!(rq.cfs_rq(0)?.nr_queued(), 2); // a and g's group entity
//! let first = rq.pick_next_task(now, &mut tgs)?.unwrap();
//! assert!(first == a || first == b);
//! rq.dequeue_task(first, now + 500_000, DequeueFlags::SLEEP, &mut tgs)?;
//! rq.validate().unwrap();
//! # Ok::<(), eevdf::Error>(())
//! ```

use arrayvec::ArrayVec;

use crate::entity::{SchedEntity, Tunables};
use crate::features::Features;
use crate::group::{
    calc_group_shares_with, set_shares_clamp, update_tg_load_avg, SharesLoad, TaskGroup,
    TgLoadAvgInput,
};
use crate::outcome::Resched;
use crate::pelt::{
    attach_entity_load_avg, dequeue_load_avg, detach_entity_load_avg, enqueue_load_avg,
    remove_load_avg, reweight_load_avg, update_load_avg_blocked_se, update_load_avg_cfs_rq,
    update_load_avg_se, update_tg_cfs_load, update_tg_cfs_runnable, update_tg_cfs_util,
    RemovedLoad, SchedAvg,
};
use crate::profile::{CfsGroupUpdate, DelayDequeue, Profile, Rules};
use crate::runqueue::{DequeueFlags, Dequeued, EnqueueFlags, EntityId, RunQueue, WakeFlags};
use crate::wake::{overflowing_h_load_step, overflowing_task_h_load};
use crate::weight::{LoadWeight, NICE_0_LOAD};
use crate::Error;

/// "No group": the child of a task's slot, the parent of the root.
const NONE: u32 = u32::MAX;

/// A task on one CPU's fair class: its task group (level) and its entity in
/// that group's run queue. Valid until the task is detached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskRef {
    /// The task group, i.e. the level whose run queue holds the task.
    pub group: u32,
    /// The task's entity in that run queue.
    pub entity: EntityId,
}

/// A task between CPUs: its entity (with the lag and, for a queued task, the
/// relative deadline saved at the dequeue) and its PELT state, whose
/// `last_update_time` is 0 so that the next enqueue attaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrant {
    /// The entity, off any run queue.
    pub se: SchedEntity,
    /// Its PELT signal.
    pub avg: SchedAvg,
}

/// `update_load_avg` flags.
#[derive(Clone, Copy, Default)]
struct Upd {
    /// UPDATE_TG: publish `tg.load_avg` when the queue's signal decayed.
    tg: bool,
    /// DO_ATTACH: attach an entity whose `last_update_time` is 0.
    attach: bool,
    /// DO_DETACH: detach the entity (a queued task migrating away).
    detach: bool,
    /// `se_update_runnable`: refresh a group entity's runnable weight after.
    runnable: bool,
}

/// What [`FairRq::dequeue_entities`] starts from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Completion {
    /// A task going to sleep or migrating.
    Dequeue,
    /// A delayed entity whose dequeue completes now.
    Delayed,
    /// A delayed entity whose own level already completed its dequeue.
    DelayedDone,
}

/// One task group's run queue on this CPU, and the PELT state around it.
#[derive(Debug)]
struct Level<R: Rules, const N: usize> {
    rq: RunQueue<R, N>,
    /// `cfs_rq.avg`.
    avg: SchedAvg,
    /// `cfs_rq.removed` (the averages).
    removed: RemovedLoad,
    /// `cfs_rq.removed.nr`: entities removed since the last update (their
    /// averages may have decayed to 0; the update still counts as a decay).
    removed_nr: u32,
    /// The PELT signal of each entity, by slot.
    se_avg: [SchedAvg; N],
    /// The group an entity stands for, by slot (`NONE` for a task).
    child: [u32; N],
    /// `se.runnable_weight` of a group entity, by slot.
    runnable_weight: [u32; N],
    /// Whether this module last saw the entity queued, by slot.
    queued: [bool; N],
    /// The parent group (`NONE` for the root).
    parent: u32,
    /// This group's entity in the parent's run queue.
    ge: Option<EntityId>,
    /// `cfs_rq.propagate`: a change below waits to reach the group entity.
    propagate: bool,
    /// `cfs_rq.prop_runnable_sum`: the runnable sum gained (> 0) or lost (< 0)
    /// below since the group entity last followed.
    prop_runnable_sum: i64,
    tg_load_avg_contrib: u64,
    last_update_tg_load_avg: u64,
    /// Tasks queued below (delayed ones included).
    h_nr_queued: u32,
    /// Tasks queued below and not delayed.
    h_nr_runnable: u32,
    h_load: u64,
    /// Jiffy of the last `h_load` update (`u64::MAX`: never).
    last_h_load_update: u64,
}

/// One CPU's fair class over a task-group hierarchy; see the module docs.
#[derive(Debug)]
pub struct FairRq<R: Rules, const G: usize, const N: usize> {
    /// The release (every level's run queue is built with it).
    rel: R,
    shares: SharesLoad,
    levels: ArrayVec<Level<R, N>, G>,
    curr: Option<TaskRef>,
    /// The queued task [`detach_task`](FairRq::detach_task) is moving away
    /// (`task_on_rq_migrating`): its dequeue detaches its load (DO_DETACH).
    migrating: Option<TaskRef>,
    resched: bool,
    /// A wakeup on the idle CPU asked for a reschedule (the levels keep theirs).
    need_resched: bool,
}

type Chain<const G: usize> = ArrayVec<(u32, EntityId), G>;

impl<R: Rules, const G: usize, const N: usize> FairRq<R, G, N> {
    /// An empty fair class for the task groups `groups` (`groups[0]` is the root,
    /// with [`TaskGroup::NO_PARENT`]; every other group's parent has a smaller
    /// index). Each non-root group gets its group entity in its parent's run
    /// queue (weight `NICE_0_LOAD` until its first `update_cfs_group`, slice the
    /// base slice). [`Error::InvalidArgument`] for a malformed list,
    /// [`Error::Full`] if it needs more than `G` levels or a level more than `N`
    /// entities.
    pub fn new(
        rel: R,
        tunables: Tunables,
        shares: SharesLoad,
        groups: &[TaskGroup],
    ) -> Result<Self, Error> {
        let mut levels: ArrayVec<Level<R, N>, G> = ArrayVec::new();
        for (g, tg) in groups.iter().enumerate() {
            let parent = tg.parent;
            if (g == 0) != (parent == TaskGroup::NO_PARENT) || (g != 0 && parent as usize >= g) {
                return Err(Error::InvalidArgument);
            }
            let level = Level {
                rq: RunQueue::new(rel, tunables),
                avg: SchedAvg::ZERO,
                removed: RemovedLoad::default(),
                removed_nr: 0,
                se_avg: [SchedAvg::ZERO; N],
                child: [NONE; N],
                runnable_weight: [0; N],
                queued: [false; N],
                parent: if g == 0 { NONE } else { parent },
                ge: None,
                propagate: false,
                prop_runnable_sum: 0,
                tg_load_avg_contrib: 0,
                last_update_tg_load_avg: 0,
                h_nr_queued: 0,
                h_nr_runnable: 0,
                h_load: 0,
                last_h_load_update: u64::MAX,
            };
            if levels.try_push(level).is_err() {
                return Err(Error::Full);
            }
            if g != 0 {
                let se = SchedEntity::new(LoadWeight::new(NICE_0_LOAD)?, tunables.base_slice);
                let p = &mut levels[parent as usize];
                let id = p.rq.add(se)?;
                p.child[id.index() as usize] = g as u32;
                levels[g].ge = Some(id);
            }
        }
        if levels.is_empty() {
            return Err(Error::InvalidArgument);
        }
        let mut rq = FairRq {
            rel,
            shares,
            levels,
            curr: None,
            migrating: None,
            resched: false,
            need_resched: false,
        };
        // Groups come online at PELT time 0 (online_fair_sched_group ->
        // attach_entity_cfs_rq): each group entity is attached to its parent
        // with its weight and the change walks up (propagate_entity_cfs_rq).
        // Nothing is published into tg.load_avg at time 0, so a scratch copy
        // of the groups is enough.
        let mut scratch: ArrayVec<TaskGroup, G> = groups.iter().copied().collect();
        for g in 1..rq.levels.len() as u32 {
            let Some((p, ge)) = rq.ge_of(g) else {
                return Err(Error::InvalidState);
            };
            rq.update_load_avg(p, ge, 0, Upd::default(), &mut scratch)?;
            rq.attach_entity_load_avg(p, ge)?;
            rq.update_tg_load_avg(p, 0, &mut scratch);
            rq.propagate_entity_cfs_rq(p, 0, &mut scratch)?;
        }
        Ok(rq)
    }

    // ----- accessors -------------------------------------------------------

    /// The profile.
    #[inline(always)]
    pub fn profile(&self) -> Profile {
        self.rel.profile()
    }

    /// The local-load rule of `calc_group_shares`.
    pub fn shares_load(&self) -> SharesLoad {
        self.shares
    }

    /// Changes the tunables of every level (a sysctl or debugfs feature write).
    pub fn set_tunables(&mut self, tunables: Tunables) {
        for l in &mut self.levels {
            l.rq.set_tunables(tunables);
        }
    }

    /// The number of levels (task groups).
    pub fn nr_groups(&self) -> u32 {
        self.levels.len() as u32
    }

    fn level(&self, group: u32) -> Result<&Level<R, N>, Error> {
        self.levels
            .get(group as usize)
            .ok_or(Error::InvalidArgument)
    }

    /// The run queue of `group` on this CPU (group 0: `rq.cfs`).
    pub fn cfs_rq(&self, group: u32) -> Result<&RunQueue<R, N>, Error> {
        Ok(&self.level(group)?.rq)
    }

    /// The PELT signal of `group`'s run queue (`cfs_rq.avg`).
    pub fn cfs_rq_avg(&self, group: u32) -> Result<&SchedAvg, Error> {
        Ok(&self.level(group)?.avg)
    }

    /// `group`'s entity in its parent's run queue (`None` for the root).
    pub fn group_entity(&self, group: u32) -> Result<Option<&SchedEntity>, Error> {
        let l = self.level(group)?;
        match l.ge {
            None => Ok(None),
            Some(id) => Ok(Some(self.level(l.parent)?.rq.entity(id)?)),
        }
    }

    /// The PELT signal of `group`'s entity in its parent's run queue (`None`
    /// for the root).
    pub fn group_entity_avg(&self, group: u32) -> Result<Option<&SchedAvg>, Error> {
        let l = self.level(group)?;
        match l.ge {
            None => Ok(None),
            Some(id) => Ok(Some(&self.level(l.parent)?.se_avg[id.index() as usize])),
        }
    }

    /// `grq.tg_load_avg_contrib` of `group` on this CPU: the load it last
    /// published into `tg.load_avg` (0 for the root, which never publishes).
    pub fn tg_load_avg_contrib(&self, group: u32) -> Result<u64, Error> {
        Ok(self.level(group)?.tg_load_avg_contrib)
    }

    /// `cfs_rq.h_nr_queued` of `group`: tasks queued below it, delayed included.
    pub fn h_nr_queued(&self, group: u32) -> Result<u32, Error> {
        Ok(self.level(group)?.h_nr_queued)
    }

    /// `cfs_rq.h_nr_runnable` of `group`: tasks queued below it, not delayed.
    pub fn h_nr_runnable(&self, group: u32) -> Result<u32, Error> {
        Ok(self.level(group)?.h_nr_runnable)
    }

    /// The fair tasks on this CPU's run queue (`rq.cfs.h_nr_queued`, delayed
    /// ones included: they are still on the run queue).
    pub fn nr_running(&self) -> u32 {
        self.levels[0].h_nr_queued
    }

    /// `cpu_load(rq)`: the root run queue's `avg.load_avg`.
    pub fn cpu_load(&self) -> u64 {
        self.levels[0].avg.load_avg
    }

    /// The task chosen by the last [`pick_next_task`](Self::pick_next_task), if
    /// the CPU runs one (it may have been dequeued since: it runs until the
    /// next pick).
    pub fn curr(&self) -> Option<TaskRef> {
        self.curr
    }

    /// A task's entity.
    pub fn entity(&self, t: TaskRef) -> Result<&SchedEntity, Error> {
        self.level(t.group)?.rq.entity(t.entity)
    }

    /// A task's (or group entity's) PELT signal.
    pub fn entity_avg(&self, t: TaskRef) -> Result<&SchedAvg, Error> {
        let l = self.level(t.group)?;
        l.rq.entity(t.entity)?;
        Ok(&l.se_avg[t.entity.index() as usize])
    }

    /// A task's run time on this CPU (wall ns while it was curr at its level).
    pub fn sum_exec_runtime(&self, t: TaskRef) -> Result<u64, Error> {
        self.level(t.group)?.rq.sum_exec_runtime(t.entity)
    }

    /// Every task held (queued or not), level by level.
    pub fn tasks(&self) -> impl Iterator<Item = TaskRef> + '_ {
        self.levels.iter().enumerate().flat_map(|(g, l)| {
            l.rq.ids()
                .filter(move |id| l.child[id.index() as usize] == NONE)
                .map(move |id| TaskRef {
                    group: g as u32,
                    entity: id,
                })
        })
    }

    /// True once any level's arithmetic wrapped (see
    /// [`CfsRq::wrapped`](crate::runqueue::CfsRq::wrapped)).
    pub fn wrapped(&self) -> bool {
        self.levels.iter().any(|l| l.rq.wrapped())
    }

    /// Whether any `update_curr` since the last call asked for a reschedule
    /// (`resched_curr_lazy`), and forget it.
    pub fn take_resched(&mut self) -> Resched {
        let mut r = Resched::from(core::mem::take(&mut self.resched));
        for l in &mut self.levels {
            r |= l.rq.take_resched();
        }
        r
    }

    /// TIF_NEED_RESCHED of this CPU: a reschedule is pending, asked for by
    /// any level ([`CfsRq::need_resched`](crate::runqueue::CfsRq::need_resched))
    /// or by a wakeup on the idle CPU. [`pick_next_task`](Self::pick_next_task)
    /// clears it; while it is set [`wakeup_preempt`](Self::wakeup_preempt)
    /// returns early as the kernel's does.
    pub fn need_resched(&self) -> bool {
        self.need_resched || self.levels.iter().any(|l| l.rq.need_resched())
    }

    /// `resched_curr` from outside the fair class (see
    /// [`CfsRq::resched_curr`](crate::runqueue::CfsRq::resched_curr)).
    pub fn resched_curr(&mut self) {
        self.need_resched = true;
    }

    fn clear_need_resched(&mut self) {
        self.need_resched = false;
        for l in &mut self.levels {
            l.rq.clear_need_resched();
        }
    }

    // ----- internals -------------------------------------------------------

    fn check_tgs(&self, tgs: &[TaskGroup]) -> Result<(), Error> {
        if tgs.len() < self.levels.len() {
            Err(Error::InvalidArgument)
        } else {
            Ok(())
        }
    }

    fn child_of(&self, g: u32, id: EntityId) -> u32 {
        self.levels[g as usize].child[id.index() as usize]
    }

    fn ge_of(&self, g: u32) -> Option<(u32, EntityId)> {
        let l = &self.levels[g as usize];
        l.ge.map(|id| (l.parent, id))
    }

    /// The levels from `t`'s up to the root, with the entity at each.
    fn chain_up(&self, t: TaskRef) -> Chain<G> {
        let mut c = Chain::new();
        let mut cur = Some((t.group, t.entity));
        while let Some((g, id)) = cur {
            if c.try_push((g, id)).is_err() {
                break;
            }
            cur = self.ge_of(g);
        }
        c
    }

    fn valid_task(&self, t: TaskRef) -> Result<(), Error> {
        self.level(t.group)?.rq.entity(t.entity)?;
        if self.child_of(t.group, t.entity) != NONE {
            return Err(Error::InvalidArgument);
        }
        Ok(())
    }

    /// Runs a per-level operation; if it cleared the level's next buddy, the
    /// clearing continues up the hierarchy as the kernel's `clear_buddies`
    /// (`__clear_buddies_next`) does: each ancestor level whose next buddy is
    /// the group entity on the way up loses it, up to the first that does not.
    fn at_level<T>(
        &mut self,
        g: u32,
        op: impl FnOnce(&mut RunQueue<R, N>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let before = self.levels[g as usize].rq.next_buddy();
        let r = op(&mut self.levels[g as usize].rq);
        if before.is_some() && self.levels[g as usize].rq.next_buddy().is_none() {
            let mut cur = self.ge_of(g);
            while let Some((p, ge)) = cur {
                let rq = &mut self.levels[p as usize].rq;
                if rq.next_buddy() != Some(ge) {
                    break;
                }
                rq.clear_next_buddy();
                cur = self.ge_of(p);
            }
        }
        r
    }

    /// `update_tg_load_avg(grq)` with this CPU active.
    fn update_tg_load_avg(&mut self, g: u32, now: u64, tgs: &mut [TaskGroup]) {
        if g == 0 {
            return;
        }
        let profile = self.profile();
        let l = &mut self.levels[g as usize];
        let input = TgLoadAvgInput {
            now,
            load_avg: l.avg.load_avg,
            tg_load_avg_contrib: l.tg_load_avg_contrib,
            last_update_tg_load_avg: l.last_update_tg_load_avg,
            is_root: false,
            cpu_active: true,
        };
        if let Some(u) = update_tg_load_avg(profile, &input) {
            tgs[g as usize].apply(&u);
            l.tg_load_avg_contrib = u.tg_load_avg_contrib;
            l.last_update_tg_load_avg = u.last_update_tg_load_avg;
        }
    }

    /// `update_cfs_rq_load_avg(now, cfs_rq)`: removed load, then the queue's
    /// own signal. Returns whether it decayed.
    fn update_cfs_rq_load_avg(&mut self, g: u32, now: u64) -> bool {
        let profile = self.profile();
        let l = &mut self.levels[g as usize];
        let mut decayed = false;
        if l.removed_nr != 0 {
            let prop = remove_load_avg(profile, &mut l.avg, &l.removed);
            l.removed = RemovedLoad::default();
            l.removed_nr = 0;
            l.propagate = true;
            l.prop_runnable_sum = l.prop_runnable_sum.wrapping_add(prop);
            decayed = true;
        }
        decayed |= update_load_avg_cfs_rq(
            now,
            &mut l.avg,
            l.rq.load_weight(),
            l.h_nr_runnable,
            l.rq.curr().is_some(),
        );
        decayed
    }

    /// `add_tg_cfs_propagate(cfs_rq, runnable_sum)`: level `g` has a change
    /// for its group entity to follow.
    fn add_tg_cfs_propagate(&mut self, g: u32, runnable_sum: i64) {
        let l = &mut self.levels[g as usize];
        l.propagate = true;
        l.prop_runnable_sum = l.prop_runnable_sum.wrapping_add(runnable_sum);
    }

    /// `propagate_entity_load_avg(se)` for entity `id` of level `g`: if it is a
    /// group entity whose queue has a pending change, the entity follows its
    /// queue's util, runnable and load, the parent level by the differences,
    /// and the pending runnable sum moves up to the parent. Returns whether it
    /// propagated.
    fn propagate_entity_load_avg(&mut self, g: u32, id: EntityId) -> Result<bool, Error> {
        let child = self.child_of(g, id);
        if child == NONE || !self.levels[child as usize].propagate {
            return Ok(false);
        }
        let profile = self.profile();
        let slot = id.index() as usize;
        let (gavg, gweight, mut prop) = {
            let c = &mut self.levels[child as usize];
            c.propagate = false;
            (c.avg, c.rq.load_weight(), c.prop_runnable_sum)
        };
        self.add_tg_cfs_propagate(g, prop);
        let l = &mut self.levels[g as usize];
        let weight = l.rq.entity(id)?.load;
        let mut sa = l.se_avg[slot];
        update_tg_cfs_util(profile, &mut l.avg, &mut sa, &gavg);
        update_tg_cfs_runnable(profile, &mut l.avg, &mut sa, &gavg);
        update_tg_cfs_load(
            profile, &mut l.avg, &mut sa, &weight, &gavg, gweight, &mut prop,
        );
        l.se_avg[slot] = sa;
        self.levels[child as usize].prop_runnable_sum = prop;
        Ok(true)
    }

    /// `attach_entity_load_avg(cfs_rq, se)` with its `add_tg_cfs_propagate`.
    fn attach_entity_load_avg(&mut self, g: u32, id: EntityId) -> Result<(), Error> {
        let profile = self.profile();
        let slot = id.index() as usize;
        let l = &mut self.levels[g as usize];
        let load = l.rq.entity(id)?.load;
        let mut sa = l.se_avg[slot];
        let prop = attach_entity_load_avg(profile, &mut l.avg, &mut sa, &load);
        l.se_avg[slot] = sa;
        self.add_tg_cfs_propagate(g, prop);
        Ok(())
    }

    /// `detach_entity_load_avg(cfs_rq, se)` with its `add_tg_cfs_propagate`.
    fn detach_entity_load_avg(&mut self, g: u32, id: EntityId) -> Result<(), Error> {
        let profile = self.profile();
        let slot = id.index() as usize;
        let l = &mut self.levels[g as usize];
        let load = l.rq.entity(id)?.load;
        let sa = l.se_avg[slot];
        let prop = detach_entity_load_avg(profile, &mut l.avg, &sa, &load);
        self.add_tg_cfs_propagate(g, prop);
        Ok(())
    }

    /// `propagate_entity_cfs_rq(se)` for the entity of a group whose level `g`
    /// just changed outside an enqueue or dequeue (a group attached, a shares
    /// write): `update_load_avg(UPDATE_TG)` of every ancestor group entity.
    fn propagate_entity_cfs_rq(
        &mut self,
        g: u32,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        let f = Upd {
            tg: true,
            ..Upd::default()
        };
        let mut cur = self.ge_of(g);
        while let Some((p, ge)) = cur {
            self.update_load_avg(p, ge, now, f, tgs)?;
            cur = self.ge_of(p);
        }
        Ok(())
    }

    /// `update_load_avg(cfs_rq, se, flags)` for entity `id` of level `g`: the
    /// entity's own signal (if attached), the queue's (removed load first),
    /// group propagation, then DO_ATTACH / DO_DETACH or, when something decayed
    /// and UPDATE_TG is set, `update_tg_load_avg`. A group entity is attached
    /// from its group's creation, so only a task can be unattached (its
    /// `last_update_time` is 0).
    fn update_load_avg(
        &mut self,
        g: u32,
        id: EntityId,
        now: u64,
        f: Upd,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        let slot = id.index() as usize;
        let child = self.child_of(g, id);
        let child_runnable = if child == NONE {
            0
        } else {
            self.levels[child as usize].h_nr_runnable
        };
        let l = &mut self.levels[g as usize];
        let e = l.rq.entity(id)?;
        let (load, on_rq, delayed) = (e.load, e.on_rq, e.sched_delayed);
        let attached = child != NONE || l.se_avg[slot].last_update_time != 0;
        if attached {
            let running = l.rq.curr() == Some(id);
            let runnable = if delayed {
                0
            } else if child == NONE {
                on_rq as u64
            } else {
                l.runnable_weight[slot] as u64
            };
            update_load_avg_se(now, &mut l.se_avg[slot], &load, on_rq, runnable, running);
        }
        let mut decayed = self.update_cfs_rq_load_avg(g, now);
        decayed |= self.propagate_entity_load_avg(g, id)?;
        if f.runnable && child != NONE {
            self.levels[g as usize].runnable_weight[slot] = child_runnable;
        }
        if !attached && f.attach {
            self.attach_entity_load_avg(g, id)?;
            self.update_tg_load_avg(g, now, tgs);
        } else if f.detach {
            self.detach_entity_load_avg(g, id)?;
            self.update_tg_load_avg(g, now, tgs);
        } else if decayed && f.tg {
            self.update_tg_load_avg(g, now, tgs);
        }
        Ok(())
    }

    /// `update_cfs_group(ge)` for group `g`'s entity: recompute its weight from
    /// g's run queue and reweight it in the parent.
    fn update_cfs_group(&mut self, g: u32, now: u64, tgs: &mut [TaskGroup]) -> Result<(), Error> {
        let Some((p, ge)) = self.ge_of(g) else {
            return Ok(());
        };
        let skip = self.profile().cfs_group_update == CfsGroupUpdate::SkipIdleOrUnchanged;
        let l = &self.levels[g as usize];
        if skip && l.rq.load_weight() == 0 {
            return Ok(());
        }
        let tg = &tgs[g as usize];
        let shares = calc_group_shares_with(
            &self.profile(),
            self.shares,
            tg.shares,
            tg.load_avg,
            l.tg_load_avg_contrib,
            l.rq.load_weight(),
            l.avg.load_avg,
        )?;
        let old = self.levels[p as usize].rq.entity(ge)?.load;
        if skip && old.weight() == shares {
            return Ok(());
        }
        self.reweight_entity(p, ge, LoadWeight::new(shares)?, now)
    }

    /// `reweight_entity` with its PELT part: the entity's load leaves the queue
    /// at the old weight and comes back at the new one.
    fn reweight_entity(
        &mut self,
        g: u32,
        id: EntityId,
        new: LoadWeight,
        now: u64,
    ) -> Result<(), Error> {
        let profile = self.profile();
        let slot = id.index() as usize;
        let old = self.levels[g as usize].rq.entity(id)?.load;
        self.at_level(g, |rq| rq.reweight(id, new, now))?;
        let l = &mut self.levels[g as usize];
        let mut sa = l.se_avg[slot];
        dequeue_load_avg(profile, &mut l.avg, &sa, &old);
        reweight_load_avg(&mut sa, &new);
        enqueue_load_avg(profile, &mut l.avg, &sa, &new);
        l.se_avg[slot] = sa;
        Ok(())
    }

    /// `enqueue_entity` at one level, with its PELT and group-weight steps.
    fn enqueue_entity(
        &mut self,
        g: u32,
        id: EntityId,
        now: u64,
        flags: EnqueueFlags,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        if self.levels[g as usize].rq.curr() != Some(id) {
            let _ = self.at_level(g, |rq| rq.update_curr(now))?; // kept in need_resched
        }
        let f = Upd {
            tg: true,
            attach: true,
            detach: false,
            runnable: true,
        };
        self.update_load_avg(g, id, now, f, tgs)?;
        let child = self.child_of(g, id);
        if child != NONE {
            self.update_cfs_group(child, now, tgs)?;
        }
        let l = &mut self.levels[g as usize];
        l.rq.enqueue(id, now, flags)?;
        l.queued[id.index() as usize] = true;
        Ok(())
    }

    /// `dequeue_entity` at one level (may be delayed), with PELT and the group
    /// weight of a group entity that left.
    fn dequeue_entity(
        &mut self,
        g: u32,
        id: EntityId,
        now: u64,
        flags: DequeueFlags,
        tgs: &mut [TaskGroup],
    ) -> Result<Dequeued, Error> {
        let _ = self.at_level(g, |rq| rq.update_curr(now))?; // kept in need_resched
                                                             // ≥ v6.12: a sleeper that is not eligible is delayed, and that path
                                                             // updates its PELT with no flags (no UPDATE_TG, no runnable refresh).
        let f = if self.will_delay(g, id, flags)? {
            Upd::default()
        } else {
            Upd {
                tg: true,
                attach: false,
                detach: self.migrating
                    == Some(TaskRef {
                        group: g,
                        entity: id,
                    }),
                runnable: true,
            }
        };
        self.update_load_avg(g, id, now, f, tgs)?;
        let r = self.at_level(g, |rq| rq.dequeue(id, now, flags))?;
        if r == Dequeued::Removed {
            self.levels[g as usize].queued[id.index() as usize] = false;
            let child = self.child_of(g, id);
            if child != NONE {
                self.update_cfs_group(child, now, tgs)?;
            }
        }
        Ok(r)
    }

    /// Whether `dequeue_entity(flags)` of `id` at level `g` takes the
    /// DELAY_DEQUEUE path (≥ v6.12): a sleep, not special, with the feature
    /// on, of an entity that is not eligible (after `update_curr`).
    fn will_delay(&self, g: u32, id: EntityId, flags: DequeueFlags) -> Result<bool, Error> {
        let rq = &self.levels[g as usize].rq;
        Ok(self.profile().delay_dequeue != DelayDequeue::Absent
            && flags.sleep
            && !flags.special
            && rq.tunables().features.contains(Features::DELAY_DEQUEUE)
            && !rq.is_eligible(id)?)
    }

    /// `set_next_buddy(se)`: `se` becomes the next buddy at its level and its
    /// ancestors at theirs.
    fn set_next_buddy(&mut self, g: u32, id: EntityId) {
        let mut cur = Some((g, id));
        while let Some((l, e)) = cur {
            // A delayed or dequeued ancestor cannot be a buddy; the kernel would
            // warn. Skip it.
            let _ = self.levels[l as usize].rq.set_next_buddy(e);
            cur = self.ge_of(l);
        }
    }

    /// `dequeue_entities(se, flags)` from `(g0, id0)` upwards; `how` says
    /// whether `(g0, id0)` is a delayed entity whose dequeue completes (a task
    /// in it counts as queued, no longer runnable), and whether its own level
    /// already removed it.
    fn dequeue_entities(
        &mut self,
        g0: u32,
        id0: EntityId,
        now: u64,
        flags: DequeueFlags,
        how: Completion,
        tgs: &mut [TaskGroup],
    ) -> Result<Dequeued, Error> {
        let delayed = how != Completion::Dequeue;
        let done = how == Completion::DelayedDone;
        let is_task = self.child_of(g0, id0) == NONE;
        let (dq, dr) = match (delayed, is_task) {
            (false, _) => (1, 1),
            (true, true) => (1, 0),
            (true, false) => (0, 0),
        };
        let task_sleep = flags.sleep;
        let (mut g, mut id, mut flags) = (g0, id0, flags);
        let mut first = true;
        let resume;
        loop {
            let r = if first && done {
                Dequeued::Removed
            } else if first && delayed {
                let f = Upd {
                    tg: true,
                    attach: false,
                    detach: false,
                    runnable: true,
                };
                self.update_load_avg(g, id, now, f, tgs)?;
                self.at_level(g, |rq| rq.dequeue_delayed(id, now))?;
                self.levels[g as usize].queued[id.index() as usize] = false;
                let child = self.child_of(g, id);
                if child != NONE {
                    self.update_cfs_group(child, now, tgs)?;
                }
                Dequeued::Removed
            } else {
                self.dequeue_entity(g, id, now, flags, tgs)?
            };
            if r == Dequeued::Delayed {
                if first && is_task {
                    for (l, _) in self.chain_up(TaskRef {
                        group: g,
                        entity: id,
                    }) {
                        let l = &mut self.levels[l as usize];
                        l.h_nr_runnable = l.h_nr_runnable.saturating_sub(1);
                    }
                    return Ok(Dequeued::Delayed);
                }
                resume = Some((g, id));
                break;
            }
            let l = &mut self.levels[g as usize];
            l.h_nr_queued = l.h_nr_queued.saturating_sub(dq);
            l.h_nr_runnable = l.h_nr_runnable.saturating_sub(dr);
            first = false;
            let parent = self.ge_of(g);
            if self.levels[g as usize].rq.load_weight() != 0 {
                if let Some((p, ge)) = parent {
                    if task_sleep {
                        self.set_next_buddy(p, ge);
                    }
                }
                resume = parent;
                break;
            }
            match parent {
                Some((p, ge)) => {
                    g = p;
                    id = ge;
                    flags.sleep = true;
                    flags.special = false;
                }
                None => {
                    resume = None;
                    break;
                }
            }
        }
        let mut cur = resume;
        let f = Upd {
            tg: true,
            attach: false,
            detach: false,
            runnable: true,
        };
        while let Some((l, e)) = cur {
            self.update_load_avg(l, e, now, f, tgs)?;
            let child = self.child_of(l, e);
            if child != NONE {
                self.update_cfs_group(child, now, tgs)?;
            }
            let lv = &mut self.levels[l as usize];
            lv.h_nr_queued = lv.h_nr_queued.saturating_sub(dq);
            lv.h_nr_runnable = lv.h_nr_runnable.saturating_sub(dr);
            cur = self.ge_of(l);
        }
        Ok(Dequeued::Removed)
    }

    /// Finishes, up the hierarchy, every delayed dequeue that level `g`
    /// completed on its own (inside a wakeup-preemption pick).
    fn reconcile_delayed(&mut self, g: u32, now: u64, tgs: &mut [TaskGroup]) -> Result<(), Error> {
        loop {
            let l = &self.levels[g as usize];
            let gone = l.rq.ids().find(|id| {
                l.queued[id.index() as usize] && !l.rq.entity(*id).is_ok_and(|e| e.on_rq)
            });
            let Some(id) = gone else {
                return Ok(());
            };
            self.levels[g as usize].queued[id.index() as usize] = false;
            let child = self.child_of(g, id);
            if child != NONE {
                self.update_cfs_group(child, now, tgs)?;
            }
            self.dequeue_entities(
                g,
                id,
                now,
                DequeueFlags::SLEEP,
                Completion::DelayedDone,
                tgs,
            )?;
        }
    }

    // ----- tasks -------------------------------------------------------------

    /// Takes in a new task (not queued) in `group`; its PELT signal starts at
    /// zero and is attached at its first enqueue.
    pub fn add_task(&mut self, group: u32, se: SchedEntity) -> Result<TaskRef, Error> {
        self.attach_task(
            group,
            Migrant {
                se,
                avg: SchedAvg::ZERO,
            },
        )
    }

    /// Takes in a task just forked into `group` (not queued), with the
    /// kernel's fork-time load: `init_entity_runnable_average` (load_avg =
    /// `scale_load_down(weight)`, everything else 0) and
    /// `post_init_entity_util_avg` (v6.6 … v7.1) against the group's run
    /// queue on this CPU as it stands (not brought up to date first):
    ///
    /// ```text
    /// cap = (1024 − grq.util_avg) / 2          (signed; capacity 1024)
    /// cap > 0, grq.util_avg ≠ 0 → util_avg = min(⌊grq.util_avg · se_weight / (grq.load_avg + 1)⌋, cap)
    /// cap > 0, grq.util_avg = 0 → util_avg = cap
    /// cap ≤ 0                   → util_avg = 0
    /// runnable_avg = util_avg
    /// ```
    ///
    /// Its signal is attached at its first enqueue (DO_ATTACH), which
    /// propagates it up the hierarchy.
    pub fn fork_task(&mut self, group: u32, se: SchedEntity) -> Result<TaskRef, Error> {
        let grq = *self.cfs_rq_avg(group)?;
        let w = se.load.scaled_down();
        let cap = (1024i64).wrapping_sub(grq.util_avg as i64) / 2;
        let util = if cap <= 0 {
            0
        } else if grq.util_avg != 0 {
            let u = grq.util_avg.wrapping_mul(w) / grq.load_avg.wrapping_add(1).max(1);
            u.min(cap as u64)
        } else {
            cap as u64
        };
        let avg = SchedAvg {
            load_avg: w,
            util_avg: util,
            runnable_avg: util,
            ..SchedAvg::ZERO
        };
        self.attach_task(group, Migrant { se, avg })
    }

    /// Takes in a task coming from another CPU (see
    /// [`detach_task`](Self::detach_task)), not queued. Its PELT signal is
    /// attached to the group's run queue at its next enqueue (the kernel's
    /// `ENQUEUE_MIGRATED` path, `last_update_time = 0`).
    pub fn attach_task(&mut self, group: u32, m: Migrant) -> Result<TaskRef, Error> {
        if group as usize >= self.levels.len() {
            return Err(Error::InvalidArgument);
        }
        let l = &mut self.levels[group as usize];
        let id = l.rq.add(m.se)?;
        let slot = id.index() as usize;
        let mut avg = m.avg;
        avg.last_update_time = 0;
        l.se_avg[slot] = avg;
        l.child[slot] = NONE;
        l.queued[slot] = false;
        l.runnable_weight[slot] = 0;
        Ok(TaskRef { group, entity: id })
    }

    /// Takes a task out of this CPU (`migrate_task_rq_fair`). A sleeping task's
    /// load average stays behind as removed load, subtracted at the queue's
    /// next update; a queued task (which must be neither running nor delayed)
    /// is dequeued as a migration (lag saved, deadline kept relative under
    /// PLACE_REL_DEADLINE) and its signal detached at once.
    pub fn detach_task(
        &mut self,
        t: TaskRef,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<Migrant, Error> {
        self.check_tgs(tgs)?;
        self.valid_task(t)?;
        let se = *self.entity(t)?;
        let g = t.group;
        let slot = t.entity.index() as usize;
        if self.curr == Some(t) || self.levels[g as usize].rq.curr() == Some(t.entity) {
            return Err(Error::InvalidState);
        }
        if se.on_rq {
            if se.sched_delayed {
                return Err(Error::InvalidState);
            }
            // The dequeue detaches the task's load (DO_DETACH) before the walk
            // up, so the groups above follow at once.
            self.migrating = Some(t);
            let r = self.dequeue_task(t, now, DequeueFlags::MIGRATE, tgs);
            self.migrating = None;
            r?;
        } else {
            let l = &mut self.levels[g as usize];
            let mut sa = l.se_avg[slot];
            if sa.last_update_time != 0 {
                update_load_avg_blocked_se(l.avg.last_update_time, &mut sa, &se.load);
                l.removed.load_avg = l.removed.load_avg.wrapping_add(sa.load_avg);
                l.removed.util_avg = l.removed.util_avg.wrapping_add(sa.util_avg);
                l.removed.runnable_avg = l.removed.runnable_avg.wrapping_add(sa.runnable_avg);
                l.removed_nr = l.removed_nr.wrapping_add(1);
            }
            l.se_avg[slot] = sa;
        }
        let l = &mut self.levels[g as usize];
        let mut avg = l.se_avg[slot];
        avg.last_update_time = 0;
        let se = l.rq.remove(t.entity)?;
        l.se_avg[slot] = SchedAvg::ZERO;
        Ok(Migrant { se, avg })
    }

    /// `enqueue_task_fair` (see the module docs). A delayed task is requeued in
    /// place (`ENQUEUE_DELAYED`) and becomes runnable again up the hierarchy.
    pub fn enqueue_task(
        &mut self,
        t: TaskRef,
        now: u64,
        flags: EnqueueFlags,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        self.check_tgs(tgs)?;
        self.valid_task(t)?;
        let se = *self.entity(t)?;
        if se.sched_delayed {
            self.update_load_avg(t.group, t.entity, now, Upd::default(), tgs)?;
            self.levels[t.group as usize]
                .rq
                .enqueue(t.entity, now, flags)?;
            for (l, _) in self.chain_up(t) {
                self.levels[l as usize].h_nr_runnable += 1;
            }
            return Ok(());
        }
        if se.on_rq {
            return Err(Error::InvalidState);
        }
        let (mut g, mut id, mut flags) = (t.group, t.entity, flags);
        let resume;
        loop {
            let e = *self.levels[g as usize].rq.entity(id)?;
            if e.on_rq {
                if e.sched_delayed {
                    self.update_load_avg(g, id, now, Upd::default(), tgs)?;
                    self.levels[g as usize]
                        .rq
                        .enqueue(id, now, EnqueueFlags::WAKEUP)?;
                }
                resume = Some((g, id));
                break;
            }
            self.enqueue_entity(g, id, now, flags, tgs)?;
            let l = &mut self.levels[g as usize];
            l.h_nr_queued += 1;
            l.h_nr_runnable += 1;
            flags = EnqueueFlags::WAKEUP;
            match self.ge_of(g) {
                Some((p, ge)) => {
                    g = p;
                    id = ge;
                }
                None => {
                    resume = None;
                    break;
                }
            }
        }
        let mut cur = resume;
        let f = Upd {
            tg: true,
            attach: false,
            detach: false,
            runnable: true,
        };
        while let Some((l, e)) = cur {
            self.update_load_avg(l, e, now, f, tgs)?;
            let child = self.child_of(l, e);
            if child != NONE {
                self.update_cfs_group(child, now, tgs)?;
            }
            let lv = &mut self.levels[l as usize];
            lv.h_nr_queued += 1;
            lv.h_nr_runnable += 1;
            cur = self.ge_of(l);
        }
        Ok(())
    }

    /// `dequeue_task_fair` (see the module docs): [`Dequeued::Delayed`] when
    /// the task itself stays queued as a delayed sleeper (it is then no longer
    /// runnable, and a wakeup requeues it in place).
    pub fn dequeue_task(
        &mut self,
        t: TaskRef,
        now: u64,
        flags: DequeueFlags,
        tgs: &mut [TaskGroup],
    ) -> Result<Dequeued, Error> {
        self.check_tgs(tgs)?;
        self.valid_task(t)?;
        let se = self.entity(t)?;
        if !se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        self.dequeue_entities(t.group, t.entity, now, flags, Completion::Dequeue, tgs)
    }

    /// `set_user_nice(p, nice)` for a task of this CPU (v6.6 … v7.1): the
    /// task's weight becomes the table weight of `nice` (with the table's
    /// `inv_weight`). See [`set_task_weight`](Self::set_task_weight).
    /// [`Error::NiceOutOfRange`] for a nice outside −20 … 19.
    pub fn set_user_nice(
        &mut self,
        t: TaskRef,
        nice: i32,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<Resched, Error> {
        let load = LoadWeight::from_nice(nice)?;
        self.set_task_weight(t, load, now, tgs)
    }

    /// A task's weight changes (`set_user_nice`, or a policy change through
    /// `__sched_setscheduler`) as the kernel does it in every release: the
    /// task is taken off the queue around the change and put back
    /// (`DEQUEUE_SAVE` … `ENQUEUE_RESTORE`), so the weight changes while the
    /// task is off its run queue (`reweight_task_fair` → `reweight_entity`
    /// with `on_rq = 0`):
    ///
    /// 1. queued: [`dequeue_task`](Self::dequeue_task) with DEQUEUE_SAVE — the
    ///    walk up, PELT at every level, lag saved, the deadline kept relative
    ///    under PLACE_REL_DEADLINE; running: `put_prev_task` at every level;
    /// 2. `reweight_entity`: the task's `load_avg` leaves its queue at the old
    ///    weight (`dequeue_load_avg`), `vlag` (and a relative deadline) scale by
    ///    `old/new`, `load_avg = ⌊sld(new) · load_sum / d⌋`, and the load comes
    ///    back (`enqueue_load_avg`);
    /// 3. queued: [`enqueue_task`](Self::enqueue_task) with ENQUEUE_RESTORE
    ///    (placement with the scaled lag; the groups above follow); running:
    ///    `set_next_task` at every level (v7.0 and later do not renew slice
    ///    protection there: it is not a pick);
    /// 4. `prio_changed_fair`: nothing unless the task is queued and the root
    ///    holds more than one entity; then a running task that got lighter
    ///    asks for a reschedule, and a queued one is checked as a wakeup
    ///    ([`wakeup_preempt`](Self::wakeup_preempt) without flags).
    ///
    /// The same weight does nothing (`set_user_nice` returns early for an
    /// unchanged nice). A task that was never attached (forked or migrated
    /// here, not yet enqueued) only takes the new weight: its load has not
    /// joined the queue yet (≥ v6.10 skips the load update of a new task).
    /// A delayed task (≥ v6.12) is refused with [`Error::InvalidState`] and
    /// nothing changes: the kernel save-dequeues it for real while it keeps
    /// its delayed mark and restores it as a delayed entity placed with the
    /// scaled lag, which the per-level run queue cannot express (see the
    /// module docs, "What is not modelled").
    pub fn set_task_weight(
        &mut self,
        t: TaskRef,
        load: LoadWeight,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<Resched, Error> {
        self.check_tgs(tgs)?;
        self.valid_task(t)?;
        let se = *self.entity(t)?;
        if se.sched_delayed {
            return Err(Error::InvalidState);
        }
        let old = se.load;
        if old.weight() == load.weight() && old.inv_weight() == load.inv_weight() {
            return Ok(Resched::NONE);
        }
        let queued = se.on_rq;
        let running = queued && self.curr == Some(t);
        let pending = self.need_resched();
        if queued {
            let save = DequeueFlags {
                save_only: true,
                ..DequeueFlags::MIGRATE
            };
            self.dequeue_entities(t.group, t.entity, now, save, Completion::Dequeue, tgs)?;
        }
        if running {
            // put_prev_task: every level of the task stops running.
            self.curr = None;
            for (g, e) in self.chain_up(t) {
                if self.levels[g as usize].rq.curr() == Some(e) {
                    self.put_prev_entity(g, e, now, tgs)?;
                }
            }
        }
        // reweight_entity's PELT steps run whether or not the task was ever
        // attached: a task reniced between fork and its first wakeup has its
        // fork-time load_avg taken out of its cfs_rq (sub_positive) and
        // recomputed from its load_sum, 0, so it arrives with no load.
        self.reweight_entity(t.group, t.entity, load, now)?;
        if queued {
            self.enqueue_task(t, now, EnqueueFlags::RESTORE, tgs)?;
        }
        if running {
            // set_next_task: set_next_entity at every level, bottom up.
            let f = Upd {
                tg: true,
                ..Upd::default()
            };
            for (g, e) in self.chain_up(t) {
                if self.levels[g as usize].rq.entity(e)?.on_rq {
                    self.update_load_avg(g, e, now, f, tgs)?;
                }
                self.at_level(g, |rq| rq.set_next_entity_again(e, now))?;
            }
            self.curr = Some(t);
        }
        // put_prev_task does not clear TIF_NEED_RESCHED.
        self.need_resched |= pending;
        if !queued || self.levels[0].rq.nr_queued() == 1 {
            return Ok(Resched::NONE);
        }
        if running {
            if load.weight() < old.weight() {
                let fresh = !self.need_resched();
                self.need_resched = true;
                return Ok(Resched::from(fresh));
            }
            return Ok(Resched::NONE);
        }
        self.wakeup_preempt(t, now, WakeFlags::default(), tgs)
    }

    /// A group's shares change at run time (`sched_group_set_shares` →
    /// `__sched_group_set_shares`, v6.6 … v7.1): `shares` (scaled, as
    /// `tg.shares`) is clamped to 2048 … 268,435,456, the scaled `MIN_SHARES`
    /// and `MAX_SHARES` ([`set_shares_clamp`]); an unchanged value does nothing; otherwise
    /// `tgs[group].shares` takes it and this CPU walks up from the group's
    /// entity: at every level `update_load_avg(UPDATE_TG)` of the entity and
    /// `update_cfs_group` of it, so each ancestor's weight follows at once.
    /// [`Error::InvalidArgument`] for the root group (its shares are fixed)
    /// or an unknown group.
    pub fn set_shares(
        &mut self,
        group: u32,
        shares: u64,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        self.check_tgs(tgs)?;
        self.level(group)?;
        if group == 0 {
            return Err(Error::InvalidArgument);
        }
        let shares = set_shares_clamp(shares);
        if tgs[group as usize].shares == shares {
            return Ok(());
        }
        tgs[group as usize].shares = shares;
        let f = Upd {
            tg: true,
            ..Upd::default()
        };
        let mut g = group;
        while let Some((p, ge)) = self.ge_of(g) {
            self.update_load_avg(p, ge, now, f, tgs)?;
            self.update_cfs_group(g, now, tgs)?;
            g = p;
        }
        Ok(())
    }

    /// `put_prev_entity`: the level's curr stops running; its signal is brought
    /// up to date first if it is still queued.
    fn put_prev_entity(
        &mut self,
        g: u32,
        e: EntityId,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        if self.levels[g as usize].rq.entity(e)?.on_rq {
            self.update_load_avg(g, e, now, Upd::default(), tgs)?;
        }
        self.levels[g as usize].rq.put_prev_curr(now)
    }

    /// `put_prev_task_fair`: the running task stops running because a higher
    /// class takes the CPU — the stopper that runs `active_load_balance_cpu_stop`
    /// (active balance) — and stays queued (`put_prev_entity` at every level
    /// of its chain). Afterwards [`curr`](Self::curr) is `None`, so the task
    /// can be [detached](Self::detach_task); the next
    /// [`pick_next_task`](Self::pick_next_task) chooses afresh. Nothing
    /// happens when no task runs. A reschedule request is kept.
    pub fn put_prev_task(&mut self, now: u64, tgs: &mut [TaskGroup]) -> Result<(), Error> {
        self.check_tgs(tgs)?;
        self.put_prev_all(now, tgs)
    }

    /// Stops running the current task at every level (`put_prev_entity` up
    /// its chain), e.g. when the CPU goes idle.
    fn put_prev_all(&mut self, now: u64, tgs: &mut [TaskGroup]) -> Result<(), Error> {
        if let Some(c) = self.curr.take() {
            for (g, e) in self.chain_up(c) {
                if self.levels[g as usize].rq.curr() == Some(e) {
                    self.put_prev_entity(g, e, now, tgs)?;
                }
            }
        }
        Ok(())
    }

    /// `pick_next_task_fair`: `pick_task_fair` from the root down to a task
    /// (completing the dequeue of any delayed entity the pick meets, then
    /// restarting at the root), then the switch: levels of the previous task
    /// that the new one does not use stop running, and every level of the new
    /// task's chain runs its entity (`set_next_entity`, which sets slice
    /// protection). `None` when nothing is queued: the CPU goes idle.
    pub fn pick_next_task(
        &mut self,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<Option<TaskRef>, Error> {
        self.check_tgs(tgs)?;
        let chain = 'again: loop {
            if self.levels[0].rq.nr_queued() == 0 {
                self.put_prev_all(now, tgs)?;
                self.clear_need_resched();
                return Ok(None);
            }
            let mut chain: Chain<G> = Chain::new();
            let mut g = 0u32;
            loop {
                let Some(id) = self.levels[g as usize].rq.pick_entity(now)? else {
                    return Err(Error::InvalidState);
                };
                if self.levels[g as usize].rq.entity(id)?.sched_delayed {
                    self.dequeue_entities(
                        g,
                        id,
                        now,
                        DequeueFlags::SLEEP,
                        Completion::Delayed,
                        tgs,
                    )?;
                    continue 'again;
                }
                if chain.try_push((g, id)).is_err() {
                    return Err(Error::InvalidState);
                }
                let child = self.child_of(g, id);
                if child == NONE {
                    break 'again chain;
                }
                g = child;
            }
        };
        // Levels of the previous task that the new chain does not pass through.
        if let Some(c) = self.curr {
            for (g, e) in self.chain_up(c) {
                let kept = chain.iter().any(|&(l, _)| l == g);
                if !kept && self.levels[g as usize].rq.curr() == Some(e) {
                    self.put_prev_entity(g, e, now, tgs)?;
                }
            }
        }
        let f = Upd {
            tg: true,
            ..Upd::default()
        };
        for &(g, e) in chain.iter().rev() {
            let old = self.levels[g as usize].rq.curr();
            if old != Some(e) {
                // put_prev_entity updates the signal of a still-queued curr.
                if let Some(o) = old {
                    if self.levels[g as usize].rq.entity(o)?.on_rq {
                        self.update_load_avg(g, o, now, Upd::default(), tgs)?;
                    }
                }
                self.update_load_avg(g, e, now, f, tgs)?;
                self.at_level(g, |rq| rq.set_next_entity(e, now))?;
            }
        }
        let &(g, e) = chain.last().ok_or(Error::InvalidState)?;
        let t = TaskRef {
            group: g,
            entity: e,
        };
        self.curr = Some(t);
        self.clear_need_resched();
        Ok(Some(t))
    }

    /// `task_tick_fair`: `entity_tick` at every level of the running task,
    /// bottom up — `update_curr`, the PELT update (publishing `tg.load_avg`)
    /// and `update_cfs_group` of a group entity. Returns whether a reschedule
    /// was asked for (by this or any earlier `update_curr`; it also clears
    /// [`take_resched`](Self::take_resched)). With nothing running the tick
    /// belongs to the idle class and changes nothing here: blocked load decays
    /// only through [`update_blocked_averages`](Self::update_blocked_averages),
    /// which the kernel runs from the load balancer (`run_rebalance_domains`
    /// when a balance is due, the newidle and nohz idle balances), never from
    /// the tick itself.
    pub fn task_tick(&mut self, now: u64, tgs: &mut [TaskGroup]) -> Result<Resched, Error> {
        self.check_tgs(tgs)?;
        let Some(c) = self.curr else {
            return Ok(self.take_resched());
        };
        let f = Upd {
            tg: true,
            ..Upd::default()
        };
        let mut asked = Resched::NONE;
        for (g, e) in self.chain_up(c) {
            // An update_curr request is also collected by take_resched below;
            // CFS's check_preempt_tick (v6.5) only answers here.
            asked |= self.at_level(g, |rq| rq.tick(now))?;
            self.update_load_avg(g, e, now, f, tgs)?;
            let child = self.child_of(g, e);
            if child != NONE {
                self.update_cfs_group(child, now, tgs)?;
            }
        }
        Ok(asked | self.take_resched())
    }

    /// `wakeup_preempt_fair` for a task just enqueued on this CPU: with no task
    /// running, true (the idle CPU picks it) unless a reschedule is already
    /// pending; otherwise find the level where the running task's and the
    /// wakee's ancestors are siblings (`find_matching_se`) and apply that
    /// level's rule ([`CfsRq::wakeup_preempt`](crate::runqueue::CfsRq::wakeup_preempt),
    /// which returns early while [`need_resched`](Self::need_resched)). In v7.1
    /// that pick may complete delayed dequeues, which are finished up the
    /// hierarchy here.
    pub fn wakeup_preempt(
        &mut self,
        t: TaskRef,
        now: u64,
        flags: WakeFlags,
        tgs: &mut [TaskGroup],
    ) -> Result<Resched, Error> {
        self.check_tgs(tgs)?;
        self.valid_task(t)?;
        let Some(c) = self.curr else {
            let fresh = !self.need_resched();
            self.need_resched = true;
            return Ok(Resched::from(fresh));
        };
        if c == t {
            return Ok(Resched::NONE);
        }
        let mut cc = self.chain_up(c);
        let mut tc = self.chain_up(t);
        cc.reverse();
        tc.reverse();
        let mut at = None;
        for (a, b) in cc.iter().zip(tc.iter()) {
            if a.0 != b.0 {
                break;
            }
            if a.1 != b.1 {
                at = Some((a.0, b.1));
                break;
            }
        }
        let Some((g, pse)) = at else {
            return Ok(Resched::NONE);
        };
        // Bring delayed entities' signals up to date before a pick may drop them.
        {
            let l = &self.levels[g as usize];
            if l.rq.nr_queued() != l.rq.nr_runnable() {
                let delayed: ArrayVec<EntityId, N> =
                    l.rq.ids()
                        .filter(|id| l.rq.entity(*id).is_ok_and(|e| e.sched_delayed))
                        .collect();
                for id in delayed {
                    self.update_load_avg(g, id, now, Upd::default(), tgs)?;
                }
            }
        }
        // The flag is the CPU's: the matched level sees a pending reschedule
        // asked for at any level.
        if self.need_resched() {
            self.levels[g as usize].rq.resched_curr();
        }
        let before = self.levels[g as usize].rq.delayed_completions();
        let preempt = self.at_level(g, |rq| rq.wakeup_preempt(pse, now, flags))?;
        if self.levels[g as usize].rq.delayed_completions() != before {
            self.reconcile_delayed(g, now, tgs)?;
        }
        Ok(preempt)
    }

    /// `__update_blocked_fair`: bring every level's signal (and each group
    /// entity's, unless `skip_blocked_update` finds it at zero load and util
    /// with nothing to propagate) up to `now`, children before parents,
    /// republishing `tg.load_avg` where it decayed. The kernel runs this from the load
    /// balancer; call it for an idle CPU so that its blocked load decays.
    pub fn update_blocked_averages(
        &mut self,
        now: u64,
        tgs: &mut [TaskGroup],
    ) -> Result<(), Error> {
        self.check_tgs(tgs)?;
        let f = Upd {
            tg: true,
            ..Upd::default()
        };
        for g in (0..self.levels.len() as u32).rev() {
            if self.update_cfs_rq_load_avg(g, now) {
                self.update_tg_load_avg(g, now, tgs);
            }
            if let Some((p, ge)) = self.ge_of(g) {
                // skip_blocked_update: a group entity with no load, no util
                // and nothing pending below is not brought up to date.
                let sa = &self.levels[p as usize].se_avg[ge.index() as usize];
                let skip =
                    sa.load_avg == 0 && sa.util_avg == 0 && !self.levels[g as usize].propagate;
                if !skip {
                    self.update_load_avg(p, ge, now, f, tgs)?;
                }
            }
        }
        Ok(())
    }

    /// `task_h_load(p)`: the task's load as seen from the root,
    /// `⌊load_avg · h_load(grq) / (grq.load_avg + 1)⌋`, where each level's
    /// `h_load` is refreshed top-down at most once per `jiffies` value
    /// (`update_cfs_rq_h_load`; the root's is its `load_avg`).
    pub fn task_h_load(&mut self, t: TaskRef, jiffies: u64) -> Result<u64, Error> {
        self.valid_task(t)?;
        let p = self.profile();
        // Walk up to the first level already refreshed in this jiffy.
        let mut path: ArrayVec<u32, G> = ArrayVec::new();
        let mut g = t.group;
        loop {
            if self.levels[g as usize].last_h_load_update == jiffies {
                break;
            }
            if path.try_push(g).is_err() {
                return Err(Error::InvalidState);
            }
            match self.ge_of(g) {
                Some((pg, _)) => g = pg,
                None => break,
            }
        }
        for &g in path.iter().rev() {
            let h = match self.ge_of(g) {
                None => self.levels[0].avg.load_avg,
                Some((pg, ge)) => {
                    let parent = &self.levels[pg as usize];
                    let ge_load = parent.se_avg[ge.index() as usize].load_avg;
                    p.settle(overflowing_h_load_step(
                        &p,
                        parent.h_load,
                        ge_load,
                        parent.avg.load_avg,
                    )?)?
                }
            };
            let l = &mut self.levels[g as usize];
            l.h_load = h;
            l.last_h_load_update = jiffies;
        }
        let l = &self.levels[t.group as usize];
        let load = l.se_avg[t.entity.index() as usize].load_avg;
        p.settle(overflowing_task_h_load(&p, load, l.h_load, l.avg.load_avg)?)
    }

    /// Checks every level ([`CfsRq::validate`](crate::runqueue::CfsRq::validate))
    /// and the hierarchy: the hierarchical counts equal a recount, a group
    /// entity is queued exactly when its run queue holds something (or it is
    /// delayed with an empty one), and the running chain is consistent.
    pub fn validate(&self) -> Result<(), &'static str> {
        let n = self.levels.len();
        for l in &self.levels {
            l.rq.validate()?;
        }
        for g in (0..n).rev() {
            let l = &self.levels[g];
            let (mut q, mut r) = (0u32, 0u32);
            for id in l.rq.ids() {
                let e = l.rq.entity(id).map_err(|_| "bad id")?;
                let slot = id.index() as usize;
                if l.queued[slot] != e.on_rq {
                    return Err("queued mark differs from on_rq");
                }
                let child = l.child[slot];
                if child == NONE {
                    if e.on_rq {
                        q += 1;
                        if !e.sched_delayed {
                            r += 1;
                        }
                    }
                } else {
                    let c = &self.levels[child as usize];
                    q += c.h_nr_queued;
                    r += c.h_nr_runnable;
                    let has = c.rq.nr_queued() > 0;
                    if has && !e.on_rq {
                        return Err("group has queued entities but its entity is not queued");
                    }
                    if !has && e.on_rq && !e.sched_delayed {
                        return Err("empty group's entity is queued and not delayed");
                    }
                }
            }
            if (q, r) != (l.h_nr_queued, l.h_nr_runnable) {
                return Err("h_nr_queued/h_nr_runnable differ from a recount");
            }
        }
        if let Some(c) = self.curr {
            for (g, e) in self.chain_up(c) {
                if self.levels[g as usize].rq.curr() != Some(e) {
                    return Err("a level of the running task runs another entity");
                }
            }
        } else if self.levels.iter().any(|l| l.rq.curr().is_some()) {
            return Err("a level runs an entity while the CPU runs no task");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::DEFAULT_SHARES;
    use std::vec::Vec;

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

    const PROFILES: [Profile; 6] = [
        Profile::LINUX_6_5,
        Profile::LINUX_6_6,
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        Profile::LINUX_7_1,
        Profile::EXACT,
    ];

    /// root ← a ← b, root ← c: tasks in every group.
    fn groups() -> [TaskGroup; 4] {
        [
            TaskGroup::ROOT,
            TaskGroup::new(0, DEFAULT_SHARES),
            TaskGroup::new(1, DEFAULT_SHARES / 2),
            TaskGroup::new(0, 3 * DEFAULT_SHARES),
        ]
    }

    /// Random task-level operations; the hierarchy validates after every one.
    fn drive(p: Profile, rule: SharesLoad, seed: u64, steps: usize) -> (u64, u32) {
        let tun = Tunables::defaults(&p, 2, 250);
        let mut tgs = groups();
        let mut rq = FairRq::<_, 4, 16>::new(p, tun, rule, &tgs).unwrap();
        let mut rng = Rng(seed);
        let mut tasks = Vec::new();
        for i in 0..10u32 {
            let nice = (rng.below(11) as i32) - 5;
            let t = rq
                .add_task(i % 4, SchedEntity::from_nice(nice, tun.base_slice).unwrap())
                .unwrap();
            tasks.push(t);
        }
        let mut now = 1_000_000u64;
        let mut delayed_seen = 0;
        for step in 0..steps {
            now += rng.below(3_000_000);
            let t = tasks[rng.below(tasks.len() as u64) as usize];
            let se = *rq.entity(t).unwrap();
            match rng.below(6) {
                0 | 1 => {
                    if !se.on_rq || se.sched_delayed {
                        rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs)
                            .unwrap();
                        rq.wakeup_preempt(t, now, WakeFlags::default(), &mut tgs)
                            .unwrap();
                    }
                }
                2 => {
                    if se.on_rq && !se.sched_delayed {
                        let r = rq
                            .dequeue_task(t, now, DequeueFlags::SLEEP, &mut tgs)
                            .unwrap();
                        delayed_seen += (r == Dequeued::Delayed) as u32;
                    }
                }
                3 => {
                    rq.task_tick(now, &mut tgs).unwrap();
                }
                _ => {
                    rq.pick_next_task(now, &mut tgs).unwrap();
                }
            }
            if let Err(e) = rq.validate() {
                panic!("{} seed {seed} step {step}: {e}", p.name());
            }
        }
        let total: u64 = tasks.iter().map(|&t| rq.sum_exec_runtime(t).unwrap()).sum();
        (total, delayed_seen)
    }

    #[test]
    fn random_task_operations_keep_the_hierarchy_consistent() {
        for p in PROFILES {
            for seed in 0..6 {
                for rule in [
                    SharesLoad::MaxWeightLoadAvg,
                    SharesLoad::LoadAvg,
                    SharesLoad::Weight,
                ] {
                    let (ran, _) = drive(p, rule, seed, 1500);
                    assert!(ran > 0, "{}", p.name());
                }
            }
        }
        // Delayed dequeue happens (≥ v6.18) and is handled.
        let (_, delayed) = drive(Profile::LINUX_7_1, SharesLoad::default(), 3, 3000);
        assert!(delayed > 0);
    }

    #[test]
    fn cfs_tick_preemption_reaches_the_caller_at_every_level() {
        // v6.5: entity_tick runs check_preempt_tick at every level with more
        // than one entity; its request must come back from task_tick. Two
        // groups with one busy task each share one CPU in turns.
        let p = Profile::LINUX_6_5;
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut tgs = [
            TaskGroup::ROOT,
            TaskGroup::new(0, DEFAULT_SHARES),
            TaskGroup::new(0, DEFAULT_SHARES),
        ];
        let mut rq = FairRq::<_, 3, 4>::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
        let a = rq.add_task(1, se).unwrap();
        let b = rq.add_task(2, se).unwrap();
        let mut now = 1_000_000;
        for t in [a, b] {
            rq.enqueue_task(t, now, EnqueueFlags::new_task(p), &mut tgs)
                .unwrap();
        }
        let mut cur = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
        let (mut ran_b, mut switches) = (0, 0);
        for _ in 0..1000 {
            now += 1_000_000;
            ran_b += u32::from(cur == b);
            if rq.task_tick(now, &mut tgs).unwrap().is_requested() {
                let next = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
                switches += u32::from(next != cur);
                cur = next;
            }
        }
        assert!((490..=510).contains(&ran_b), "{ran_b}");
        assert!(switches > 100, "{switches}");
        rq.validate().unwrap();
    }

    #[test]
    fn put_prev_task_lets_the_running_task_be_detached_and_stay_counted() {
        // Active balance: the stopper takes the CPU, the running task (in a
        // group) stays queued, is no longer curr, and can then be detached.
        for p in PROFILES {
            let tun = Tunables::defaults(&p, 2, 1000);
            let mut tgs = groups();
            let mut rq = FairRq::<_, 4, 16>::new(p, tun, SharesLoad::default(), &tgs).unwrap();
            let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
            let a = rq.add_task(2, se).unwrap();
            let b = rq.add_task(0, se).unwrap();
            let now = 1_000_000;
            for t in [a, b] {
                rq.enqueue_task(t, now, EnqueueFlags::new_task(p), &mut tgs)
                    .unwrap();
            }
            let run = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
            assert_eq!(
                rq.detach_task(run, now + 10, &mut tgs),
                Err(Error::InvalidState)
            );
            rq.put_prev_task(now + 10, &mut tgs).unwrap();
            assert_eq!(rq.curr(), None);
            assert_eq!(rq.nr_running(), 2, "{}", p.name());
            rq.validate().unwrap();
            let m = rq.detach_task(run, now + 10, &mut tgs).unwrap();
            assert!(!m.se.on_rq);
            assert_eq!(rq.nr_running(), 1);
            rq.validate().unwrap();
            // Nothing running: a no-op.
            rq.put_prev_task(now + 20, &mut tgs).unwrap();
            let other = rq.pick_next_task(now + 20, &mut tgs).unwrap().unwrap();
            assert_ne!(other, run);
            rq.validate().unwrap();
        }
    }

    #[test]
    fn malformed_groups_and_handles_are_errors() {
        let p = Profile::LINUX_7_1;
        let tun = Tunables::defaults(&p, 1, 1000);
        let r = SharesLoad::default();
        assert_eq!(
            FairRq::<_, 4, 4>::new(p, tun, r, &[]).err(),
            Some(Error::InvalidArgument)
        );
        assert_eq!(
            FairRq::<_, 4, 4>::new(p, tun, r, &[TaskGroup::new(0, DEFAULT_SHARES)]).err(),
            Some(Error::InvalidArgument)
        );
        assert_eq!(
            FairRq::<_, 4, 4>::new(p, tun, r, &[TaskGroup::ROOT, TaskGroup::new(1, 1 << 20)]).err(),
            Some(Error::InvalidArgument)
        );
        assert_eq!(
            FairRq::<_, 1, 4>::new(p, tun, r, &groups()).err(),
            Some(Error::Full)
        );
        let mut tgs = groups();
        let mut rq = FairRq::<_, 4, 4>::new(p, tun, r, &tgs).unwrap();
        let t = rq
            .add_task(2, SchedEntity::from_nice(0, 0).unwrap())
            .unwrap();
        // The group entity of group 1 lives in the root: not a task.
        let ge = TaskRef {
            group: 0,
            entity: rq.levels[1].ge.unwrap(),
        };
        assert_eq!(
            rq.enqueue_task(ge, 1, EnqueueFlags::WAKEUP, &mut tgs),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            rq.enqueue_task(t, 1, EnqueueFlags::WAKEUP, &mut tgs[..2]),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            rq.dequeue_task(t, 1, DequeueFlags::SLEEP, &mut tgs),
            Err(Error::InvalidState)
        );
        rq.enqueue_task(t, 1_000_000, EnqueueFlags::WAKEUP, &mut tgs)
            .unwrap();
        assert_eq!(
            rq.enqueue_task(t, 1_000_000, EnqueueFlags::WAKEUP, &mut tgs),
            Err(Error::InvalidState)
        );
        assert_eq!(rq.nr_running(), 1);
        assert_eq!(rq.h_nr_queued(1), Ok(1));
        assert_eq!(rq.h_nr_queued(9), Err(Error::InvalidArgument));
        rq.validate().unwrap();
    }
}
