//! TIF_NEED_RESCHED and the reschedule requests of `update_curr`.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// Whether `update_curr` asked for a reschedule (`resched_curr_lazy`) since
    /// the last call, and forget it. Every operation that runs `update_curr`
    /// (enqueue, dequeue, tick, wakeup preemption, pick) can ask: the request is
    /// consumed, or its protection has ended, while another entity is queued.
    /// A caller that schedules several levels (a cgroup hierarchy) collects it
    /// here instead of from each return value.
    pub fn take_resched(&mut self) -> Resched {
        Resched::from(core::mem::take(&mut self.resched))
    }

    pub(super) fn resched_from_update_curr(&mut self) {
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
}
