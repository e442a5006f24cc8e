//! Consistency checks of a run queue (tests, fuzzers, debugging).

use super::*;

/// [`CfsRq::validate`]'s error when, under EXACT, S differs from the exact
/// recomputation by a multiple of 2⁶⁴ only: a summed entity's key (wsub from v0)
/// crossed ±2⁶³ while v0 moved, i.e. the queue's vruntimes and v0 spanned 2⁶³ ns
/// or more at some point — outside the run queue's domain (see [`CfsRq`]).
pub const EXACT_SUMS_LEFT_THE_DOMAIN: &str =
    "EXACT's S differs from the exact recomputation by a multiple of 2^64: keys wrapped";

/// Do the times lie within one half of the circle (span < 2⁶³), where the
/// wrapping order is a total order?
pub(super) fn keys_within_half_circle(mut keys: impl Iterator<Item = Vtime>) -> bool {
    let Some(first) = keys.next() else {
        return true;
    };
    let (mut lo, mut hi) = (0i64, 0i64);
    for k in keys {
        let o = k.wsub(first);
        lo = lo.min(o);
        hi = hi.max(o);
    }
    (hi as i128 - lo as i128) < 1i128 << 63
}

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// Checks the run queue's internal consistency; returns the first violation.
    ///
    /// * counts (`nr_queued`, delayed, live entities) and `cfs_rq.load` match the entities;
    /// * curr is live and outside the tree; every other queued entity is in the tree;
    /// * S and W equal a recomputation from the tree entities modulo 2⁶⁴, and
    ///   under EXACT exactly — [`EXACT_SUMS_LEFT_THE_DOMAIN`] when they differ
    ///   by a multiple of 2⁶⁴ because the queue left its domain (below);
    /// * the tree is a red-black tree whose declared aggregate (`min_vruntime`,
    ///   or v6.6's `min_deadline`) is exact at every node (combined right, then
    ///   left, like the callbacks) and which is in key order — both unless a wrap
    ///   was reported or its keys span 2⁶³ ns or more now: the wrapping order is
    ///   a total order only within half the circle. A tree *built* outside it
    ///   keeps its disorder after it narrows again (as the kernel's would); for a
    ///   queue with such a history use [`validate_structure`](Self::validate_structure).
    ///
    /// O(n). Meant for tests, fuzzers and debugging.
    pub fn validate(&self) -> Result<(), &'static str> {
        self.validate_inner(true)
    }

    /// The checks of [`validate`](Self::validate) that hold whatever the queue's
    /// history: counts, tree membership, red-black shape, and S and W modulo
    /// 2⁶⁴ — not key order, aggregates or EXACT's exact sums. For a queue that
    /// has left its domain at some point (its vruntimes, deadlines and v0
    /// spanned 2⁶³ ns or more), which `validate` cannot see afterwards.
    pub fn validate_structure(&self) -> Result<(), &'static str> {
        self.validate_inner(false)
    }

    fn validate_inner(&self, full: bool) -> Result<(), &'static str> {
        let nodes = self.store.nodes();
        let (mut live, mut queued, mut delayed, mut in_tree) = (0u32, 0u32, 0u32, 0u32);
        let mut load = 0u64;
        let mut s: i128 = 0;
        let mut w: i128 = 0;
        for (i, n) in nodes.iter().enumerate() {
            if !n.live {
                if n.in_tree || i as u32 == self.curr {
                    return Err("a free slot is queued or curr");
                }
                continue;
            }
            live += 1;
            if n.se.on_rq {
                queued += 1;
                load = load.wrapping_add(n.se.load.weight());
                if (i as u32 == self.curr) == n.in_tree {
                    return Err("curr in the tree, or a queued entity outside it");
                }
            } else if n.in_tree || n.se.sched_delayed {
                return Err("an entity off the run queue is in the tree or delayed");
            }
            if n.se.sched_delayed {
                delayed += 1;
            }
            if n.in_tree {
                in_tree += 1;
                let aw = crate::avg::avg_weight(&self.profile(), n.se.load.weight()) as i128;
                s += self.avg.key(n.se.vruntime) as i128 * aw;
                w += aw;
            }
        }
        if (live, queued, delayed, load)
            != (self.nr_live, self.nr_queued, self.nr_delayed, self.load)
        {
            return Err("counts or cfs_rq.load disagree with the entities");
        }
        // The sums are compared last: modulo 2^64 always, exactly under EXACT.
        let (s_rec, w_rec) = (s, w);
        // Tree shape: iterative post-order over explicit links.
        let aug = self.aug();
        // The wrapping order of the keys is transitive only while they span less
        // than 2^63 ns (≈ 292 years); a tree built while they spanned more is
        // not "in order" — in the kernel either — even after it narrows again,
        // and its min aggregates (copied across rotations as if min were
        // associative) need not equal a recomputation. A queue gets there only
        // through an overflow (reported) or absurd run times; then only the
        // shape and the sums are checked.
        let key = |n: &Node| match aug {
            Aug::MinDeadline => n.se.vruntime,
            _ => n.se.deadline,
        };
        let ordered = full
            && !self.wrapped()
            && keys_within_half_circle(nodes.iter().filter(|n| n.in_tree).map(key));
        let t = TreeRef(nodes, RbLink::UNLINKED);
        let mut count = 0u32;
        let mut prev = NIL;
        let mut i = self.root.first();
        if self.root.root != NIL && nodes[self.root.root as usize].link.parent != NIL {
            return Err("root has a parent");
        }
        if (self.root.root == NIL) != (self.root.leftmost == NIL) {
            return Err("leftmost cache inconsistent with root");
        }
        while i != NIL {
            count += 1;
            if count > in_tree {
                return Err("tree walk longer than the number of tree entities");
            }
            let n = &nodes[i as usize];
            if !n.in_tree {
                return Err("tree reaches an entity not marked in the tree");
            }
            if prev != NIL && ordered {
                let (a, b) = (&nodes[prev as usize].se, &n.se);
                let out_of_order = match aug {
                    Aug::MinDeadline => b.vruntime.before(a.vruntime),
                    _ => b.deadline.before(a.deadline),
                };
                if out_of_order {
                    return Err("tree not in key order");
                }
            }
            // Declared aggregate and red-black colouring.
            let mut m = match aug {
                Aug::MinDeadline => n.se.deadline,
                _ => n.se.vruntime,
            };
            // Right, then left: the callbacks' order, which matters when the keys
            // span more than 2^63 and the wrapping min is not associative.
            for c in [n.link.right, n.link.left] {
                if c != NIL {
                    let cn = &nodes[c as usize];
                    if cn.link.parent != i {
                        return Err("child's parent link is wrong");
                    }
                    if n.link.red && cn.link.red {
                        return Err("red node with a red child");
                    }
                    m = m.min(cn.aug_min);
                }
            }
            if ordered && m != n.aug_min {
                return Err("declared subtree aggregate is not exact");
            }
            prev = i;
            i = rbtree::next(&t, i);
        }
        if count != in_tree {
            return Err("tree walk misses tree entities");
        }
        if prev != NIL && self.root.first() == NIL {
            return Err("leftmost missing");
        }
        // Equal black height on every path: walk down to each leaf position.
        let mut height: Option<u32> = None;
        let mut i = self.root.first();
        while i != NIL {
            let n = &nodes[i as usize];
            if n.link.left == NIL || n.link.right == NIL {
                let mut b = 0;
                let mut j = i;
                while j != NIL {
                    if !nodes[j as usize].link.red {
                        b += 1;
                    }
                    j = nodes[j as usize].link.parent;
                }
                match height {
                    None => height = Some(b),
                    Some(h) if h != b => return Err("unequal black heights"),
                    _ => {}
                }
            }
            i = rbtree::next(&t, i);
        }
        if self.root.root != NIL && nodes[self.root.root as usize].link.red {
            return Err("red root");
        }
        let (s_acc, w_acc) = (self.avg.sum_w_vruntime_wide(), self.avg.sum_weight_wide());
        if s_rec as i64 != s_acc as i64 || w_rec as u64 != w_acc as u64 {
            return Err("S or W differs from a recomputation over the tree");
        }
        if full && self.profile().is_exact() && (s_rec != s_acc || w_rec as u128 != w_acc) {
            return Err(EXACT_SUMS_LEFT_THE_DOMAIN);
        }
        Ok(())
    }
}
