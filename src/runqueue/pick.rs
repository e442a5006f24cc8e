//! Picking the next entity and switching to it.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
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
    pub(super) fn pick(&mut self, protect: bool) -> Pick<u32> {
        let (pick, wrapped) = self.pick_flagged(protect);
        self.note(wrapped);
        pick
    }

    /// `vruntime_eligible` against the queue, its wrap recorded.
    pub(super) fn eligible_noted(&mut self, v: Vtime) -> bool {
        let (e, wrapped) = self.avg.overflowing_vruntime_eligible(v, self.curr_term());
        self.note(wrapped);
        e
    }

    pub(super) fn pick_flagged(&self, protect: bool) -> (Pick<u32>, bool) {
        if self.profile().pick == PickRule::Cfs {
            return self.pick_cfs();
        }
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
            &PickCtx {
                curr,
                next,
                nr_queued: self.nr_queued,
                protect,
                features: self.tun.features,
            },
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
            self.update_curr_in_op(now)?;
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
                self.set_next(chosen, now, true)?;
            }
        }
        // __schedule clears the flag once it has picked: a request made by the
        // pick's own update_curr is consumed by this switch.
        self.need_resched = false;
        Ok(self.id_of(chosen))
    }

    /// `put_prev_entity`: the running entity stops running; if still queued it
    /// goes back into the tree and sums.
    pub(super) fn put_prev(&mut self) -> Result<(), Error> {
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
    /// `first`: a real pick (always, but for [`set_next_entity_again`](Self::set_next_entity_again)).
    pub(super) fn set_next(&mut self, i: u32, now: u64, first: bool) -> Result<(), Error> {
        let p = self.profile();
        if self.se(i).on_rq {
            self.dequeue_tree(i)?;
        }
        if self.se(i).on_rq && first {
            let min_slice = self.min_slice();
            let features = self.tun.features;
            let se = self.se_mut(i);
            let w = overflowing_set_protect_slice(&p, se, min_slice, features);
            self.note(w);
        }
        self.clear_buddies(i);
        self.curr = i;
        let n = &mut self.store.nodes_mut()[i as usize];
        n.exec_start = now;
        self.prev_sum_exec_runtime = n.sum_exec_runtime;
        Ok(())
    }

    /// Stop running curr without picking (the CPU goes to another class or
    /// idle): `put_prev_entity`, whose `update_curr` runs only if curr is
    /// still queued (fair.c, every release): a curr already dequeued was
    /// charged at its dequeue and is not charged again.
    pub fn put_prev_curr(&mut self, now: u64) -> Result<(), Error> {
        if self.curr_on_rq().is_some() {
            self.update_curr_in_op(now)?;
        }
        self.need_resched = false;
        self.put_prev()
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
            self.update_curr_in_op(now)?;
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
    /// DEQUEUE_SLEEP | DEQUEUE_DELAYED, v6.12–v7.1): its lag is taken (v7.1,
    /// 059258b0d424: `max(old, new)`, ≤ 0 under DELAY_ZERO) and it leaves the queue.
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
                self.update_curr_in_op(now)?;
            }
            self.put_prev()?;
            self.set_next(i, now, true)?;
        }
        Ok(())
    }

    /// `set_next_entity` from `set_next_task` rather than a pick (the running
    /// task is put back and set again around a renice, `set_user_nice`): as
    /// [`set_next_entity`](Self::set_next_entity), except that v7.0 and later
    /// ([`Protection::Vprot`], whose `set_next_entity` takes `first`) set slice
    /// protection on real picks only, so the entity keeps the protection it had.
    pub(crate) fn set_next_entity_again(&mut self, id: EntityId, now: u64) -> Result<(), Error> {
        let i = self.slot(id)?;
        let se = self.se(i);
        if !se.on_rq || se.sched_delayed {
            return Err(Error::InvalidState);
        }
        if i != self.curr {
            if self.curr_on_rq().is_some() {
                self.update_curr_in_op(now)?;
            }
            self.put_prev()?;
            let first = self.profile().protection != Protection::Vprot;
            self.set_next(i, now, first)?;
        }
        Ok(())
    }
}
