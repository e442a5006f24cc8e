//! The CFS (v6.5) steps of the run queue: buddies, placement, the tick's and
//! the wakeup's preemption tests and the pick, over [`crate::cfs`].

use super::*;
use crate::cfs::{self as rules, CfsRqCtx, PickCandidates, TickPreemption, WakeupPreempt as Wpe};

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// `clear_buddies(cfs_rq, se)`: forget `i` as the next, last and skip
    /// buddy (each only if it is `i`). The EEVDF releases keep no last or
    /// skip buddy, so there it clears the next buddy alone.
    pub(super) fn clear_buddies(&mut self, i: u32) {
        if self.next == i {
            self.next = NIL;
        }
        if self.last == i {
            self.last = NIL;
        }
        if self.skip == i {
            self.skip = NIL;
        }
    }

    /// The queue as `sched_slice` and `place_entity` read it at `now`
    /// (flat: `h_nr_running` is `nr_running`; every entity SCHED_NORMAL).
    /// `avg_vruntime` is left at v0: [`place_cfs`](Self::place_cfs) computes V
    /// when the placement reads it.
    pub(super) fn cfs_ctx(&self, now: u64) -> CfsRqCtx {
        CfsRqCtx {
            min_vruntime: self.avg.zero_vruntime(),
            nr_running: self.nr_queued,
            h_nr_running: self.nr_queued,
            idle_nr_running: 0,
            load: self.load,
            clock_task: now,
            avg_vruntime: self.avg.zero_vruntime(),
            avg_load: self.avg.sum_weight(),
            curr_load: self.curr_term().map_or(0, |(_, w)| w),
        }
    }

    /// `place_entity(cfs_rq, se, initial)` (v6.5, or 86bfbb7ce4f6's under
    /// [`PlaceRule::CfsLag`], which reads V) for entity `i`, with the queue
    /// as it is now.
    pub(super) fn place_cfs(&mut self, i: u32, now: u64, initial: bool) -> Result<(), Error> {
        let p = self.profile();
        let mut ctx = self.cfs_ctx(now);
        if p.placement == PlaceRule::CfsLag {
            let (v, w) = self.avg.overflowing_avg_vruntime(self.curr_term())?;
            self.note(w);
            ctx.avg_vruntime = v;
        }
        let exec_start = self.store.nodes()[i as usize].exec_start;
        let mut se = *self.se(i);
        let w = rules::place_entity(
            &p,
            &self.cfs,
            self.tun.features,
            &ctx,
            &mut se,
            exec_start,
            false,
            initial,
        )?;
        self.note(w);
        *self.se_mut(i) = se;
        Ok(())
    }

    /// `task_fork_fair` (v6.5): the child starts at curr's vruntime (if the
    /// queue has a curr), is placed with START_DEBIT, and is left relative to
    /// `min_vruntime` for the enqueue that follows.
    pub(super) fn task_fork_cfs(&mut self, i: u32, now: u64) -> Result<(), Error> {
        if self.curr != NIL {
            self.update_curr_in_op(now)?;
            let v = self.se(self.curr).vruntime;
            self.se_mut(i).vruntime = v;
        }
        self.place_cfs(i, now, true)?;
        let min = self.avg.zero_vruntime();
        let se = self.se_mut(i);
        se.vruntime = rules::relative_vruntime(se.vruntime, min);
        Ok(())
    }

    /// `update_entity_lag(cfs_rq, se)` of 86bfbb7ce4f6 for `i`, still queued
    /// (in the sums, or curr): the vlag it would save, `V − vruntime` by the
    /// [`LagLimit`](crate::profile::LagLimit) rule. Computed, not stored, so
    /// that the caller commits it only once the dequeue cannot fail.
    pub(super) fn sleep_vlag_cfs(&mut self, i: u32) -> Result<Vlag, Error> {
        let ctx = self.ctx_for(i);
        let tun = self.tun;
        let mut se = *self.se(i);
        let (_, w) = overflowing_update_entity_lag(&mut self.avg, &ctx, &mut se, &tun)?;
        self.note(w);
        Ok(se.vlag)
    }

    /// `check_preempt_tick(cfs_rq, curr)` (v6.5) after `update_curr`, when
    /// more than one entity is queued: reschedule (clearing curr's buddies
    /// when its slice is used up). Returns whether it asked.
    pub(super) fn check_preempt_tick_cfs(&mut self, now: u64) -> Result<bool, Error> {
        let c = self.curr;
        if c == NIL || self.nr_queued <= 1 || !self.se(c).on_rq {
            return Ok(false);
        }
        let p = self.profile();
        let ctx = self.cfs_ctx(now);
        let ran = self.store.nodes()[c as usize]
            .sum_exec_runtime
            .wrapping_sub(self.prev_sum_exec_runtime);
        let leftmost = self.tree_min_vruntime();
        let (decision, w) = rules::check_preempt_tick(
            &p,
            &self.cfs,
            self.tun.features,
            &ctx,
            self.se(c),
            ran,
            leftmost,
        )?;
        self.note(w);
        if decision == TickPreemption::SliceUsed {
            self.clear_buddies(c);
        }
        if decision.is_resched() {
            self.need_resched = true;
        }
        Ok(decision.is_resched())
    }

    /// `wakeup_preempt_entity(a, b)` of two slots, its wrap noted.
    fn wakeup_preempt_entity(&mut self, a: u32, b: u32) -> Wpe {
        let p = self.profile();
        let (r, w) = rules::wakeup_preempt_entity(&p, &self.cfs, self.se(a), self.se(b));
        self.note(w);
        r
    }

    /// `check_preempt_wakeup(rq, p, wake_flags)` (v6.5) with curr `c`
    /// running and queued and the wakee `pi` not curr; true = `resched_curr`.
    ///
    /// With `nr_running ≥ sched_nr_latency` (`scale`), NEXT_BUDDY marks a
    /// non-fork wakee up front and LAST_BUDDY marks the preempted curr. A
    /// pending reschedule returns early; otherwise, under WAKEUP_PREEMPTION,
    /// `update_curr` and preempt iff `wakeup_preempt_entity(curr, wakee) = 1`,
    /// the wakee then becoming the next buddy if it is not already marked.
    pub(super) fn check_preempt_wakeup_cfs(
        &mut self,
        c: u32,
        pi: u32,
        now: u64,
        flags: WakeFlags,
    ) -> Result<bool, Error> {
        let f = self.tun.features;
        let scale = self.nr_queued >= self.cfs.nr_latency;
        let mut next_marked = false;
        if f.contains(Features::NEXT_BUDDY) && scale && !flags.fork {
            self.set_buddy_next(pi);
            next_marked = true;
        }
        if self.need_resched || !f.contains(Features::WAKEUP_PREEMPTION) {
            return Ok(false);
        }
        self.update_curr_in_op(now)?;
        if self.wakeup_preempt_entity(c, pi) != Wpe::Preempt {
            return Ok(false);
        }
        if !next_marked {
            self.set_buddy_next(pi);
        }
        if self.se(c).on_rq && f.contains(Features::LAST_BUDDY) && scale {
            self.last = c;
        }
        Ok(true)
    }

    /// `set_next_buddy(se)`: only a queued entity becomes a buddy.
    fn set_buddy_next(&mut self, i: u32) {
        if self.se(i).on_rq {
            self.next = i;
        }
    }

    /// `pick_next_entity(cfs_rq, curr)` (v6.5), curr considered only while
    /// queued. Returns the pick and whether a granularity wrapped.
    pub(super) fn pick_cfs(&self) -> (Pick<u32>, bool) {
        let nodes = self.store.nodes();
        let entry = |i: u32| (i != NIL).then(|| (i, &nodes[i as usize].se));
        let curr = entry(self.curr).filter(|(_, se)| se.on_rq);
        let first = self.root.first();
        let second = if first == NIL {
            NIL
        } else {
            rbtree::next(&TreeRef(nodes, RbLink::UNLINKED), first)
        };
        let on_rq = |i: u32| entry(i).filter(|(_, se)| se.on_rq);
        let c = PickCandidates {
            curr,
            first: entry(first),
            second: entry(second),
            skip: (self.skip != NIL).then_some(self.skip),
            next: on_rq(self.next),
            last: on_rq(self.last),
        };
        let p = self.profile();
        let (pick, wrapped) = rules::pick_next_entity(&p, &self.cfs, &c);
        let pick = match pick {
            None => Pick::Nothing,
            Some(i) if i == self.curr => Pick::Curr,
            Some(i) => Pick::Queued(i),
        };
        (pick, wrapped)
    }

    /// `yield_task_fair` (v6.5): with more than one runnable entity, curr's
    /// buddy marks are cleared, it is charged (`update_curr`) and becomes the
    /// skip buddy. Its vruntime does not change.
    pub(super) fn yield_cfs(&mut self, now: u64) -> Result<Yielded, Error> {
        let c = self.curr;
        if c == NIL || self.nr_runnable() <= 1 {
            return Ok(Yielded::KEPT);
        }
        self.clear_buddies(c);
        self.update_curr_in_op(now)?;
        if self.se(c).on_rq {
            self.skip = c;
        }
        Ok(Yielded::YIELDED)
    }
}
