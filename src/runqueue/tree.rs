//! The run queue's red-black tree: the release's ordering and subtree
//! aggregates (with the kernel's staleness), insert and erase with the sums.

use super::*;

/// Which subtree aggregates the tree keeps and how its callbacks copy them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Aug {
    /// v6.6: vruntime order, `min_deadline` only.
    MinDeadline,
    /// v6.8 … v6.19: `min_vruntime` (declared) and `min_slice`.
    MinSlice,
    /// v7.x: plus `max_slice`, not initialised on insert.
    MaxSlice,
    /// Exact aggregates: every callback copies everything and leaves are initialised.
    Exact,
}

/// The tree callbacks over a node slice.
pub(super) struct Tree<'a> {
    pub(super) nodes: &'a mut [Node],
    pub(super) aug: Aug,
}

impl Tree<'_> {
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }
}

impl RbNodes for Tree<'_> {
    fn link(&self, i: u32) -> &RbLink {
        &self.nodes[i as usize].link
    }
    fn link_mut(&mut self, i: u32) -> &mut RbLink {
        &mut self.nodes[i as usize].link
    }
    fn less(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.node(a).se, &self.node(b).se);
        match self.aug {
            Aug::MinDeadline => a.vruntime.before(b.vruntime),
            _ => a.deadline.before(b.deadline),
        }
    }
    fn compute(&mut self, i: u32) -> bool {
        let n = *self.node(i);
        let (mut m, mut lo, mut hi) = match self.aug {
            Aug::MinDeadline => (n.se.deadline, 0, 0),
            _ => (n.se.vruntime, n.se.slice, n.se.slice),
        };
        for c in [n.link.right, n.link.left] {
            if c != NIL {
                let c = self.node(c);
                m = m.min(c.aug_min);
                lo = lo.min(c.min_slice);
                hi = hi.max(c.max_slice);
            }
        }
        let node = &mut self.nodes[i as usize];
        let unchanged = match self.aug {
            Aug::MinDeadline => node.aug_min == m,
            Aug::MinSlice => node.aug_min == m && node.min_slice == lo,
            Aug::MaxSlice | Aug::Exact => {
                node.aug_min == m && node.min_slice == lo && node.max_slice == hi
            }
        };
        node.aug_min = m;
        if self.aug != Aug::MinDeadline {
            node.min_slice = lo;
            if self.aug != Aug::MinSlice {
                node.max_slice = hi;
            }
        }
        unchanged
    }
    fn copy(&mut self, old: u32, new: u32) {
        let o = *self.node(old);
        let n = &mut self.nodes[new as usize];
        n.aug_min = o.aug_min;
        if self.aug == Aug::Exact {
            n.min_slice = o.min_slice;
            n.max_slice = o.max_slice;
        }
    }
    fn rotate(&mut self, old: u32, new: u32) {
        self.copy(old, new);
        self.compute(old);
    }
}

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// The tree's augmentation ([`Timeline`]). v6.6's tree keeps no slice
    /// aggregates (only `min_deadline`), so [`SliceAggregates`] changes
    /// nothing there.
    pub(super) fn aug(&self) -> Aug {
        let p = self.profile();
        match p.timeline {
            Timeline::VruntimeMinDeadline => Aug::MinDeadline,
            _ if p.slice_aggregates == SliceAggregates::Exact => Aug::Exact,
            Timeline::DeadlineMinSlice => Aug::MinSlice,
            Timeline::DeadlineMaxSlice => Aug::MaxSlice,
        }
    }

    /// `__enqueue_entity`: sums + tree insert (with the release's leaf init).
    pub(super) fn enqueue_tree(&mut self, i: u32) -> Result<(), Error> {
        let se = *self.se(i);
        self.avg.add(se.vruntime, se.load.weight())?;
        let aug = self.aug();
        let n = &mut self.store.nodes_mut()[i as usize];
        n.link = RbLink::UNLINKED;
        match aug {
            Aug::MinDeadline => n.aug_min = se.deadline,
            Aug::MinSlice | Aug::MaxSlice => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
                // v7.x leaves max_slice as it was when the node last left the tree.
            }
            Aug::Exact => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
                n.max_slice = se.slice;
            }
        }
        n.in_tree = true;
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            aug,
        };
        self.root.insert(&mut tree, i);
        Ok(())
    }

    /// `__dequeue_entity`: tree erase + sums.
    pub(super) fn dequeue_tree(&mut self, i: u32) -> Result<(), Error> {
        // The sums first: if they refuse (EXACT out of its domain), nothing changed.
        let se = *self.se(i);
        self.avg.remove(se.vruntime, se.load.weight())?;
        self.erase_only(i);
        Ok(())
    }

    /// Tree erase without touching the sums.
    pub(super) fn erase_only(&mut self, i: u32) {
        let aug = self.aug();
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            aug,
        };
        self.root.erase(&mut tree, i);
        self.store.nodes_mut()[i as usize].in_tree = false;
    }

    /// Tree insert without touching the sums (after a reweight repositions `i`).
    pub(super) fn insert_only(&mut self, i: u32) {
        let aug = self.aug();
        let se = *self.se(i);
        let n = &mut self.store.nodes_mut()[i as usize];
        n.link = RbLink::UNLINKED;
        match aug {
            Aug::MinDeadline => n.aug_min = se.deadline,
            Aug::MinSlice | Aug::MaxSlice => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
            }
            Aug::Exact => {
                n.aug_min = se.vruntime;
                n.min_slice = se.slice;
                n.max_slice = se.slice;
            }
        }
        n.in_tree = true;
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            aug,
        };
        self.root.insert(&mut tree, i);
    }

    /// The smallest vruntime in the tree (v6.6: the leftmost; ≥ v6.8: the root's aggregate).
    pub(super) fn tree_min_vruntime(&self) -> Option<Vtime> {
        if self.root.root == NIL {
            return None;
        }
        Some(match self.aug() {
            Aug::MinDeadline => self.se(self.root.first()).vruntime,
            _ => self.store.nodes()[self.root.root as usize].aug_min,
        })
    }
}

/// Read-only tree view for in-order walks (`next` only reads links; the
/// scratch link makes `link_mut` total without touching the nodes).
pub(super) struct TreeRef<'a>(pub(super) &'a [Node], pub(super) RbLink);

impl RbNodes for TreeRef<'_> {
    fn link(&self, i: u32) -> &RbLink {
        &self.0[i as usize].link
    }
    fn link_mut(&mut self, _: u32) -> &mut RbLink {
        &mut self.1
    }
    fn less(&self, _: u32, _: u32) -> bool {
        false
    }
    fn compute(&mut self, _: u32) -> bool {
        true
    }
    fn copy(&mut self, _: u32, _: u32) {}
    fn rotate(&mut self, _: u32, _: u32) {}
}

/// The tree as the pick rule walks it.
pub(super) struct TreeRefAug<'a>(pub(super) &'a [Node], pub(super) RbRoot);

impl SearchTree for TreeRefAug<'_> {
    type Id = u32;
    fn root(&self) -> Option<u32> {
        (self.1.root != NIL).then_some(self.1.root)
    }
    fn left(&self, id: u32) -> Option<u32> {
        let l = self.0[id as usize].link.left;
        (l != NIL).then_some(l)
    }
    fn right(&self, id: u32) -> Option<u32> {
        let r = self.0[id as usize].link.right;
        (r != NIL).then_some(r)
    }
    fn leftmost(&self) -> Option<u32> {
        let l = self.1.first();
        (l != NIL).then_some(l)
    }
    fn entity(&self, id: u32) -> SchedEntity {
        self.0[id as usize].se
    }
    fn subtree_min(&self, id: u32) -> Vtime {
        self.0[id as usize].aug_min
    }
}
