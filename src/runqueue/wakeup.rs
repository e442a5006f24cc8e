//! Wakeup preemption (`wakeup_preempt_fair`) and its buddies.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    // ----- wakeup preemption, yield, reweight --------------------------------

    /// `wakeup_preempt_fair` for a just-enqueued wakee at this level (v7.0/v7.1;
    /// `check_preempt_wakeup_fair` in v6.18/v6.19),
    /// behind core's `wakeup_preempt`: should the wakee preempt curr? Covers
    /// WAKEUP_PREEMPTION, PREEMPT_SHORT, the WF_FORK/delayed exclusions,
    /// NEXT_BUDDY (with 7.x's `preempt_sync`), the release's pick and
    /// slice-protection updates. SCHED_IDLE policies and the cgroup hierarchy
    /// walk are the caller's.
    ///
    /// Returns whether this call asked for a reschedule (`resched_curr`),
    /// which sets [`need_resched`](Self::need_resched). With a reschedule
    /// already pending it returns [`Resched::NONE`] early, as the kernel
    /// does: in 6.6 and 6.18 after NEXT_BUDDY has marked the wakee, in 7.x
    /// before anything. With no fair entity running (an idle CPU, or curr
    /// already dequeued) the wakee preempts, unless a reschedule was already
    /// pending (a second wakeup on an idle CPU asks for nothing new).
    pub fn wakeup_preempt(
        &mut self,
        wakee: EntityId,
        now: u64,
        flags: WakeFlags,
    ) -> Result<Resched, Error> {
        let pi = self.slot(wakee)?;
        let c = self.curr;
        if c == NIL || !self.se(c).on_rq {
            // core's wakeup_preempt: the fair wakee outranks the idle task;
            // resched_curr does nothing when the flag is already set.
            let fresh = !self.need_resched;
            self.need_resched = true;
            return Ok(Resched::from(fresh));
        }
        if c == pi {
            return Ok(Resched::NONE);
        }
        let preempt = self.wakeup_preempt_fair(c, pi, now, flags)?;
        self.need_resched |= preempt;
        Ok(Resched::from(preempt))
    }

    /// The class part of [`wakeup_preempt`](Self::wakeup_preempt), with curr
    /// `c` running and queued and `pi` not curr; true = `resched_curr`.
    pub(super) fn wakeup_preempt_fair(
        &mut self,
        c: u32,
        pi: u32,
        now: u64,
        flags: WakeFlags,
    ) -> Result<bool, Error> {
        let p = self.profile();
        if p.wakeup_preempt == WakeupPreempt::Granularity {
            return self.check_preempt_wakeup_cfs(c, pi, now, flags);
        }
        let f = self.tun.features;
        let pse_delayed = self.se(pi).sched_delayed;
        let up_front = matches!(
            p.wakeup_preempt,
            WakeupPreempt::PickEevdf | WakeupPreempt::PreemptShort
        );
        if up_front && f.contains(Features::NEXT_BUDDY) && !flags.fork && !pse_delayed {
            self.next = pi;
        }
        if self.need_resched || !f.contains(Features::WAKEUP_PREEMPTION) {
            return Ok(false);
        }
        self.update_curr_in_op(now)?;
        let short = p.wakeup_preempt != WakeupPreempt::PickEevdf
            && f.contains(Features::PREEMPT_SHORT)
            && self.se(pi).slice < self.se(c).slice;

        let preempt = match p.wakeup_preempt {
            // Handled above (check_preempt_wakeup_cfs).
            WakeupPreempt::Granularity => false,
            WakeupPreempt::PickEevdf => self.pick(true) == Pick::Queued(pi),
            WakeupPreempt::PreemptShort => {
                let got = self.pick_search_only(!short) == Pick::Queued(pi);
                if !got && short && f.contains(Features::RUN_TO_PARITY) {
                    self.update_protect(c);
                }
                if got && short {
                    cancel_protect_slice(&p, self.se_mut(c));
                }
                got
            }
            WakeupPreempt::PreemptBuddy | WakeupPreempt::PreemptBuddyRetry => {
                let retry = p.wakeup_preempt == WakeupPreempt::PreemptBuddyRetry;
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
                let got = if retry {
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
                        if retry && self.next == c {
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
    pub(super) fn pick_search_only(&mut self, protect: bool) -> Pick<u32> {
        let curr = if self.curr == NIL {
            None
        } else {
            Some(self.se(self.curr))
        };
        let (pick, wrapped) = overflowing_pick_eevdf(
            &self.avg,
            &TreeRefAug(self.store.nodes(), self.root),
            &PickCtx {
                curr,
                next: None,
                nr_queued: self.nr_queued,
                protect,
                features: self.tun.features,
            },
        );
        self.note(wrapped);
        pick
    }

    pub(super) fn update_protect(&mut self, c: u32) {
        let p = self.profile();
        let m = self.min_slice();
        let w = overflowing_update_protect_slice(&p, self.se_mut(c), m);
        self.note(w);
    }

    /// `set_preempt_buddy` (≥ v6.19): make `pi` the next buddy unless the current
    /// buddy has an earlier deadline. Returns whether it was set.
    pub(super) fn set_preempt_buddy(&mut self, pi: u32) -> bool {
        if self.next != NIL && self.se(self.next).deadline.before(self.se(pi).deadline) {
            return false;
        }
        self.next = pi;
        true
    }
}
