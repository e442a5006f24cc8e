//! `reweight_entity` for a run queue's entity.

use super::*;

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// `reweight_entity` (fair.c; `docs/derivations.md` §6) in the profile's generation:
    /// changes the entity's weight (a nice change passes the table weight, a group share a
    /// [`LoadWeight::new`]), keeping the sums, tree and `cfs_rq.load` consistent.
    pub fn reweight(&mut self, id: EntityId, new_load: LoadWeight, now: u64) -> Result<(), Error> {
        let i = self.slot(id)?;
        let p = self.profile();
        crate::avg::check_weight(&p, new_load.weight())?;
        let tun = self.tun;
        let is_curr = self.curr == i;
        let on_rq = self.se(i).on_rq;
        if on_rq
            && (is_curr
                || !matches!(
                    p.reweight,
                    Reweight::ScaleDeadline | Reweight::KeepVruntime | Reweight::ScaleVlag
                ))
        {
            self.update_curr_in_op(now)?;
        }
        let old_w = self.se(i).load.weight();
        let in_tree = on_rq && !is_curr;
        // v6.6.0 keeps the entity in the tree (its vruntime key does not change);
        // every later generation takes it out and puts it back.
        let move_in_tree = in_tree
            && !matches!(
                p.reweight,
                Reweight::ScaleDeadline | Reweight::KeepVruntime | Reweight::ScaleVlag
            );
        // The kernel takes the lag while the entity is still in the tree, so
        // the 7.x limit's cfs_rq_max_slice includes the entity's own slice.
        let ctx = RqCtx {
            se_protected: is_curr && protect_slice(&p, self.se(i)),
            ..self.ctx_for(i)
        };
        if move_in_tree {
            self.erase_only(i);
        }
        let mut se = *self.se(i);
        let r = reweight_entity(&mut self.avg, &ctx, &mut se, new_load, &tun);
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
            let rel = self.avg.rules();
            let mut tree = Tree {
                nodes: self.store.nodes_mut(),
                rel,
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
