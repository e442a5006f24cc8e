//! `enqueue_entity`, `dequeue_entity` and the delayed-dequeue paths.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    // ----- enqueue / dequeue -----------------------------------------------

    /// `enqueue_entity` (fair.c, v6.6–v7.1: curr placed before `update_curr`, any
    /// other entity after it), or `requeue_delayed_entity` for a delayed
    /// entity being woken. The entity must not be queued (or must be delayed).
    pub fn enqueue(&mut self, id: EntityId, now: u64, flags: EnqueueFlags) -> Result<(), Error> {
        let i = self.slot(id)?;
        let se = self.se(i);
        if se.sched_delayed {
            return self.requeue_delayed(i);
        }
        if se.on_rq {
            return Err(Error::InvalidState);
        }
        let tun = self.tun;
        let is_curr = self.curr == i;
        let p = self.profile();
        // CFS: a vruntime made relative by a non-sleep dequeue (or a fork)
        // becomes absolute again, curr's before update_curr.
        let renorm = p.vruntime_norm == VruntimeNorm::MinVruntimeRelative && !flags.wakeup;
        let saved = *self.se(i);
        if renorm && is_curr {
            let min = self.avg.zero_vruntime();
            let se = self.se_mut(i);
            se.vruntime = crate::cfs::absolute_vruntime(se.vruntime, min);
        }
        if p.placement.is_cfs() {
            if let Err(e) = self.update_curr_in_op(now) {
                *self.se_mut(i) = saved;
                return Err(e);
            }
            if renorm && !is_curr {
                let min = self.avg.zero_vruntime();
                let se = self.se_mut(i);
                se.vruntime = crate::cfs::absolute_vruntime(se.vruntime, min);
            }
            // account_entity_enqueue comes before place_entity.
            let weight = self.se(i).load.weight();
            self.load = self.load.wrapping_add(weight);
            self.nr_queued += 1;
            let placed = if flags.wakeup {
                self.place_cfs(i, now, false)
            } else {
                Ok(())
            };
            let inserted = placed.and_then(|()| {
                if is_curr {
                    Ok(())
                } else {
                    self.enqueue_tree(i)
                }
            });
            if let Err(e) = inserted {
                // Only a queued entity's insert can fail here (EXACT sums): nothing
                // counted, the entity as it came; update_curr charged curr, not it.
                self.load = self.load.wrapping_sub(weight);
                self.nr_queued -= 1;
                *self.se_mut(i) = saved;
                return Err(e);
            }
            self.se_mut(i).on_rq = true;
            return Ok(());
        }
        let place = PlaceFlags {
            initial: flags.initial,
        };
        if is_curr {
            let ctx = self.ctx_for(i);
            let mut se = *self.se(i);
            let w = place_entity(&mut self.avg, &ctx, &mut se, place, &tun)?;
            self.note(w);
            *self.se_mut(i) = se;
        }
        self.update_curr_in_op(now)?;
        if !is_curr {
            let ctx = self.ctx_for(i);
            let mut se = *self.se(i);
            let w = place_entity(&mut self.avg, &ctx, &mut se, place, &tun)?;
            self.note(w);
            *self.se_mut(i) = se;
        }
        // The tree (and sums) first: if the sums refuse, nothing is counted.
        if !is_curr {
            self.enqueue_tree(i)?;
        }
        let weight = self.se(i).load.weight();
        self.load = self.load.wrapping_add(weight);
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
    ///     assert!(rq.wake_up_new(child, 0).unwrap().is_requested()); // an idle CPU runs it
    ///     let se = rq.entity(child).unwrap();
    ///     let first = se.deadline.wsub(se.vruntime) as u64;
    ///     assert_eq!(first, if half { slice / 2 } else { slice });
    /// }
    /// ```
    pub fn wake_up_new(&mut self, id: EntityId, now: u64) -> Result<Resched, Error> {
        let i = self.slot(id)?;
        if self.profile().fork_enqueue == ForkEnqueue::StartDebit {
            let se = self.se(i);
            if se.on_rq || se.sched_delayed {
                return Err(Error::InvalidState);
            }
            let saved = *se;
            if let Err(e) = self.task_fork_cfs(i, now) {
                *self.se_mut(i) = saved;
                return Err(e);
            }
        }
        self.enqueue(id, now, EnqueueFlags::new_task(self.profile()))?;
        self.wakeup_preempt(
            id,
            now,
            WakeFlags {
                fork: true,
                ..WakeFlags::default()
            },
        )
    }

    /// `requeue_delayed_entity`: wake a delayed entity in place (fair.c,
    /// v6.12–v7.1).
    pub(super) fn requeue_delayed(&mut self, i: u32) -> Result<(), Error> {
        let p = self.profile();
        let tun = self.tun;
        let is_curr = self.curr == i;
        let mut se = *self.se(i);
        let replace = if p.delay_dequeue == DelayDequeue::LagAtDelay {
            let ctx = self.ctx_for(i);
            let (changed, w) = overflowing_update_entity_lag(&mut self.avg, &ctx, &mut se, &tun)?;
            self.note(w);
            changed.must_replace()
        } else if tun.features.contains(Features::DELAY_ZERO) {
            let ctx = self.ctx_for(i);
            let (_, w) = overflowing_update_entity_lag(&mut self.avg, &ctx, &mut se, &tun)?;
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
            let w = place_entity(&mut avg, &ctx, &mut placed, PlaceFlags::default(), &tun)?;
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

    /// `dequeue_entity` (fair.c, v6.6–v7.1). A sleep of an ineligible entity under
    /// DELAY_DEQUEUE (≥ v6.12) is delayed: it stays queued until picked.
    pub fn dequeue(
        &mut self,
        id: EntityId,
        now: u64,
        flags: DequeueFlags,
    ) -> Result<Dequeued, Error> {
        let i = self.slot(id)?;
        let se = self.se(i);
        if !se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        self.dequeue_inner(i, now, flags, false)
    }

    pub(super) fn dequeue_inner(
        &mut self,
        i: u32,
        now: u64,
        flags: DequeueFlags,
        completing: bool,
    ) -> Result<Dequeued, Error> {
        let p = self.profile();
        let tun = self.tun;
        self.update_curr_in_op(now)?;
        self.clear_buddies(i);
        let is_curr = self.curr == i;
        if p.placement.is_cfs() {
            // v6.5 dequeue_entity: no lag; relative vruntime unless a sleep.
            // 86bfbb7ce4f6 saves the lag at a sleep, before the entity leaves
            // the sums (update_entity_lag).
            let vlag = if p.placement == PlaceRule::CfsLag && flags.sleep {
                Some(self.sleep_vlag_cfs(i)?)
            } else {
                None
            };
            if !is_curr {
                self.dequeue_tree(i)?;
            }
            let min = self.avg.zero_vruntime();
            let relative = p.vruntime_norm == VruntimeNorm::MinVruntimeRelative && !flags.sleep;
            let se = self.se_mut(i);
            if let Some(vlag) = vlag {
                se.set_vlag(&p, vlag);
            }
            se.on_rq = false;
            if relative {
                se.vruntime = crate::cfs::relative_vruntime(se.vruntime, min);
            }
            let weight = se.load.weight();
            self.load = self.load.wrapping_sub(weight);
            self.nr_queued -= 1;
            if !flags.save_only {
                self.update_min_vruntime()?;
            }
            return Ok(Dequeued::Removed);
        }
        if !completing
            && p.delay_dequeue != DelayDequeue::Absent
            && flags.sleep
            && !flags.special
            && tun.features.contains(Features::DELAY_DEQUEUE)
            && !self.eligible_noted(self.se(i).vruntime)
        {
            if p.delay_dequeue == DelayDequeue::LagAtDelay {
                let ctx = self.ctx_for(i);
                let mut se = *self.se(i);
                let (_, w) = overflowing_update_entity_lag(&mut self.avg, &ctx, &mut se, &tun)?;
                self.note(w);
                *self.se_mut(i) = se;
            }
            self.se_mut(i).sched_delayed = true;
            self.nr_delayed += 1;
            return Ok(Dequeued::Delayed);
        }
        let ctx = self.ctx_for(i);
        let mut se = *self.se(i);
        let (_, w) = overflowing_update_entity_lag(&mut self.avg, &ctx, &mut se, &tun)?;
        self.note(w);
        if matches!(
            p.placement,
            PlaceRule::RelDeadline | PlaceRule::RelDeadlineGated
        ) && tun.features.contains(Features::PLACE_REL_DEADLINE)
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
            if p.delay_dequeue == DelayDequeue::ZeroAtDequeue
                && tun.features.contains(Features::DELAY_ZERO)
                && s.vlag.0 > 0
            {
                s.set_vlag(&p, Vlag(0));
            }
            self.nr_delayed -= 1;
        }
        // Under Reference::MinVruntime only (≤ v6.18); a no-op otherwise.
        if !flags.save_only {
            self.update_min_vruntime()?;
        }
        Ok(Dequeued::Removed)
    }
}
