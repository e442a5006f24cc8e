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
pub(super) struct Tree<'a, R: Rules> {
    pub(super) nodes: &'a mut [Node],
    /// The release: for a zero-sized one the augmentation below is a
    /// constant inside the tree's insert and erase.
    pub(super) rel: R,
}

/// The augmentation a profile's tree keeps ([`Timeline`]). v6.6's tree keeps
/// no slice aggregates (only `min_deadline`), so [`SliceAggregates`] changes
/// nothing there.
#[inline(always)]
pub(super) fn aug_of(p: &Profile) -> Aug {
    match p.timeline {
        Timeline::VruntimeMinDeadline | Timeline::Vruntime => Aug::MinDeadline,
        _ if p.slice_aggregates == SliceAggregates::Exact => Aug::Exact,
        Timeline::DeadlineMinSlice => Aug::MinSlice,
        Timeline::DeadlineMaxSlice => Aug::MaxSlice,
    }
}

impl<R: Rules> Tree<'_, R> {
    #[inline(always)]
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    #[inline(always)]
    fn aug(&self) -> Aug {
        aug_of(&self.rel.profile())
    }
}

impl<R: Rules> RbNodes for Tree<'_, R> {
    fn link(&self, i: u32) -> &RbLink {
        &self.nodes[i as usize].link
    }
    fn link_mut(&mut self, i: u32) -> &mut RbLink {
        &mut self.nodes[i as usize].link
    }
    fn less(&self, a: u32, b: u32) -> bool {
        let (a, b) = (&self.node(a).se, &self.node(b).se);
        match self.aug() {
            Aug::MinDeadline => a.vruntime.before(b.vruntime),
            _ => a.deadline.before(b.deadline),
        }
    }
    fn compute(&mut self, i: u32) -> bool {
        let aug = self.aug();
        let n = self.node(i);
        let (mut m, mut lo, mut hi) = match aug {
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
        let unchanged = match aug {
            Aug::MinDeadline => node.aug_min == m,
            Aug::MinSlice => node.aug_min == m && node.min_slice == lo,
            Aug::MaxSlice | Aug::Exact => {
                node.aug_min == m && node.min_slice == lo && node.max_slice == hi
            }
        };
        node.aug_min = m;
        if aug != Aug::MinDeadline {
            node.min_slice = lo;
            if aug != Aug::MinSlice {
                node.max_slice = hi;
            }
        }
        unchanged
    }
    fn copy(&mut self, old: u32, new: u32) {
        let exact = self.aug() == Aug::Exact;
        let o = self.node(old);
        let (m, lo, hi) = (o.aug_min, o.min_slice, o.max_slice);
        let n = &mut self.nodes[new as usize];
        n.aug_min = m;
        if exact {
            n.min_slice = lo;
            n.max_slice = hi;
        }
    }
    fn rotate(&mut self, old: u32, new: u32) {
        self.copy(old, new);
        self.compute(old);
    }
}

impl<R: Rules, S: NodeStore> CfsRq<R, S> {
    /// The tree's augmentation (see [`aug_of`]).
    #[inline(always)]
    pub(super) fn aug(&self) -> Aug {
        aug_of(&self.profile())
    }

    /// `__enqueue_entity`: sums + tree insert (with the release's leaf init).
    pub(super) fn enqueue_tree(&mut self, i: u32) -> Result<(), Error> {
        let se = self.se(i);
        let (v, w) = (se.vruntime, se.load.weight());
        self.avg.add(v, w)?;
        self.insert_only(i);
        Ok(())
    }

    /// `__dequeue_entity`: tree erase + sums.
    pub(super) fn dequeue_tree(&mut self, i: u32) -> Result<(), Error> {
        // The sums first: if they refuse (EXACT out of its domain), nothing changed.
        let se = self.se(i);
        let (v, w) = (se.vruntime, se.load.weight());
        self.avg.remove(v, w)?;
        self.erase_only(i);
        Ok(())
    }

    /// Tree erase without touching the sums.
    pub(super) fn erase_only(&mut self, i: u32) {
        let rel = self.avg.rules();
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            rel,
        };
        self.root.erase(&mut tree, i);
        self.store.nodes_mut()[i as usize].in_tree = false;
    }

    /// Tree insert without touching the sums (after a reweight repositions `i`).
    pub(super) fn insert_only(&mut self, i: u32) {
        let aug = self.aug();
        let n = &mut self.store.nodes_mut()[i as usize];
        n.link = RbLink::UNLINKED;
        let (v, d, slice) = (n.se.vruntime, n.se.deadline, n.se.slice);
        match aug {
            Aug::MinDeadline => n.aug_min = d,
            Aug::MinSlice | Aug::MaxSlice => {
                n.aug_min = v;
                n.min_slice = slice;
                // v7.x leaves max_slice as it was when the node last left the tree.
            }
            Aug::Exact => {
                n.aug_min = v;
                n.min_slice = slice;
                n.max_slice = slice;
            }
        }
        n.in_tree = true;
        let rel = self.avg.rules();
        let mut tree = Tree {
            nodes: self.store.nodes_mut(),
            rel,
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
