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
        if self.curr == NIL {
            return Ok(Resched::NONE);
        }
        let c = self.curr;
        let exec_start = self.store.nodes()[c as usize].exec_start;
        let delta = now.wrapping_sub(exec_start) as i64;
        if delta <= 0 {
            return Ok(Resched::NONE);
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
        let resched = resched.is_consumed();
        if resched {
            self.refresh_zero_vruntime()?;
        }
        self.update_min_vruntime()?;

        if p.protection == Protection::ParityMarker {
            // v6.6: only update_deadline reschedules, when the request is used up.
            if resched && self.nr_queued > 1 {
                if self.next == c {
                    self.next = NIL;
                }
                self.resched_from_update_curr();
                return Ok(Resched::REQUESTED);
            }
            return Ok(Resched::NONE);
        }
        if self.nr_queued == 1 {
            return Ok(Resched::NONE);
        }
        if resched || !protect_slice(&p, &se) {
            if self.next == c {
                self.next = NIL;
            }
            self.resched_from_update_curr();
            return Ok(Resched::REQUESTED);
        }
        Ok(Resched::NONE)
    }

    /// [`update_curr`](Self::update_curr) on the way of another operation:
    /// a reschedule it asks for is kept in [`need_resched`](Self::need_resched).
    pub(super) fn update_curr_in_op(&mut self, now: u64) -> Result<(), Error> {
        self.update_curr(now).map(|_| ())
    }

    /// `entity_tick`: [`update_curr`](Self::update_curr) at a timer tick.
    pub fn tick(&mut self, now: u64) -> Result<Resched, Error> {
        self.update_curr(now)
    }
}
