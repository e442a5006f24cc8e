//! `update_curr` and the tick: charging the running entity, new deadlines,
//! and moving the reference point.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// `update_min_vruntime` (≤ v6.18 only).
    pub(super) fn update_min_vruntime(&mut self) -> Result<(), Error> {
        if self.profile().reference == Reference::MinVruntime {
            let curr = self.curr_on_rq().map(|c| c.vruntime);
            let m = self.tree_min_vruntime();
            self.avg.update_min_vruntime(curr, m)?;
        }
        Ok(())
    }

    /// v7.x: `avg_vruntime()` for its side effect of moving v0.
    pub(super) fn refresh_zero_vruntime(&mut self) -> Result<(), Error> {
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
    pub fn update_curr(&mut self, now: u64) -> Result<Resched, Error> {
        let c = self.curr;
        let p = self.profile();
        let base = self.tun.base_slice;
        // The running entity's slot, looked up once (curr is always live).
        let Some(n) = self.store.nodes_mut().get_mut(c as usize) else {
            return Ok(Resched::NONE);
        };
        let delta = now.wrapping_sub(n.exec_start) as i64;
        if delta <= 0 {
            return Ok(Resched::NONE);
        }
        // In place; under EXACT an overflow leaves the entity as it was.
        let (vruntime, deadline, slice) = (n.se.vruntime, n.se.deadline, n.se.slice);
        let (dv, w1) = overflowing_calc_delta_fair(&p, delta as u64, &n.se.load);
        n.se.vruntime += dv;
        // CFS issues no requests: only the tick's check_preempt_tick ends a turn.
        let (resched, w2) = match p.tick_preempt {
            TickPreempt::UpdateCurr => overflowing_update_deadline(&p, &mut n.se, base),
            TickPreempt::CheckPreemptTick => (crate::outcome::Consumed::RUNNING, false),
        };
        if let Err(e) = p.settle(((), w1 | w2)) {
            (n.se.vruntime, n.se.deadline, n.se.slice) = (vruntime, deadline, slice);
            return Err(e);
        }
        n.exec_start = now;
        n.sum_exec_runtime = n.sum_exec_runtime.wrapping_add(delta as u64);
        let protected = protect_slice(&p, &n.se);
        self.note(w1 | w2);
        let resched = resched.is_consumed();
        if resched {
            self.refresh_zero_vruntime()?;
        }
        self.update_min_vruntime()?;

        let asks = if p.tick_preempt == TickPreempt::CheckPreemptTick {
            false
        } else if p.protection == Protection::ParityMarker {
            // v6.6: only update_deadline reschedules, when the request is used
            // up, with more than one queued.
            resched && self.nr_queued > 1
        } else {
            self.nr_queued != 1 && (resched || !protected)
        };
        if !asks {
            return Ok(Resched::NONE);
        }
        if self.next == c {
            self.next = NIL;
        }
        self.resched_from_update_curr();
        Ok(Resched::REQUESTED)
    }

    /// [`update_curr`](Self::update_curr) on the way of another operation:
    /// a reschedule it asks for is kept in [`need_resched`](Self::need_resched).
    pub(super) fn update_curr_in_op(&mut self, now: u64) -> Result<(), Error> {
        self.update_curr(now).map(|_| ())
    }

    /// `entity_tick`: [`update_curr`](Self::update_curr) at a timer tick;
    /// under CFS ([`TickPreempt::CheckPreemptTick`], v6.5) then
    /// `check_preempt_tick` when more than one entity is queued.
    pub fn tick(&mut self, now: u64) -> Result<Resched, Error> {
        let r = self.update_curr(now)?;
        if self.profile().tick_preempt == TickPreempt::CheckPreemptTick {
            return Ok(Resched::from(self.check_preempt_tick_cfs(now)?));
        }
        Ok(r)
    }
}
