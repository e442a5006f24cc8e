//! `yield_task_fair`.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// `yield_task_fair` for curr (fair.c, v6.6–v7.1): with more than one runnable entity,
    /// clear the buddy, update curr and, if it is eligible, give up the rest of
    /// its request. Returns whether curr yielded.
    ///
    /// Under CFS ([`YieldRule::SkipBuddy`], v6.5) curr becomes the skip buddy
    /// instead, whatever its position, and its vruntime stays.
    pub fn yield_curr(&mut self, now: u64) -> Result<Yielded, Error> {
        if self.profile().yield_rule == YieldRule::SkipBuddy {
            return self.yield_cfs(now);
        }
        let c = self.curr;
        if c == NIL || self.nr_runnable() <= 1 {
            return Ok(Yielded::KEPT);
        }
        self.next = NIL;
        self.update_curr_in_op(now)?;
        if !self.se(c).on_rq || !self.eligible_noted(self.se(c).vruntime) {
            return Ok(Yielded::KEPT);
        }
        let p = self.profile();
        let base = self.tun.base_slice;
        let w = overflowing_yield_entity(&p, self.se_mut(c), base);
        p.settle(((), w))?;
        self.note(w);
        if p.yield_rule != YieldRule::ExtendDeadline {
            // Whichever the Reference rule uses: update_min_vruntime (≤ v6.18)
            // or avg_vruntime (v7.x); the other is a no-op.
            self.update_min_vruntime()?;
            self.refresh_zero_vruntime()?;
        }
        Ok(Yielded::YIELDED)
    }
}
