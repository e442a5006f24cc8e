//! An index-based, augmented red-black tree that changes shape exactly the way
//! the Linux kernel's generic rb-tree does.
//!
//! The fair class keeps its runnable entities in such a tree, ordered by virtual
//! deadline. Keys that compare equal are placed to the *right* of the ones
//! already present, so an in-order walk visits equals first-in, first-out; among
//! eligible entities with equal deadlines the pick therefore depends on the
//! tree's exact shape.
//!
//! Every node also carries subtree aggregates (for the run queue: the minimum
//! vruntime, the minimum slice and the maximum slice below it). The kernel keeps
//! them with one set of augmentation callbacks whose *declared* field is the
//! minimum vruntime alone: when a rotation or an erase moves a node into another
//! node's place, only the declared field is carried over, and the other
//! aggregates keep whatever they held for the node's former, smaller subtree
//! until some later recomputation happens to reach them. Those stale values are
//! observable (known-bugs §8 of the project spec), so this tree reproduces them
//! on purpose: it performs the same insertion walk, the same rebalancing and
//! erase cases, and calls the callbacks of [`RbNodes`] at the same moments with
//! the same arguments. The tree itself never touches a payload; the callbacks
//! are the only way aggregates change.
//!
//! Nodes live in storage owned by the caller and are named by `u32` indices;
//! [`NIL`] means "no node". Everything is iterative, allocation-free and
//! O(log n) per operation.
//!
//! Caller's obligation: every index handed to the tree (and every index found in
//! the links) must be valid for the storage, a node must not be inserted twice
//! without being erased in between, and only nodes that are in the tree may be
//! erased. Under that contract the tree never asks for the links of [`NIL`].

// The run queue is the user of this module; until it lands nothing calls it.
#![allow(dead_code)]

/// The "no node" index.
pub(crate) const NIL: u32 = u32::MAX;

/// Links and colour of one node, stored by the user of the tree next to its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RbLink {
    /// The parent node, or [`NIL`] for the root.
    pub(crate) parent: u32,
    /// The left child (smaller keys), or [`NIL`].
    pub(crate) left: u32,
    /// The right child (greater or equal keys), or [`NIL`].
    pub(crate) right: u32,
    /// True for a red node, false for a black one.
    pub(crate) red: bool,
}

impl RbLink {
    /// Links of a node that is in no tree: everything [`NIL`], black.
    pub(crate) const UNLINKED: RbLink = RbLink {
        parent: NIL,
        left: NIL,
        right: NIL,
        red: false,
    };
}

impl Default for RbLink {
    fn default() -> Self {
        Self::UNLINKED
    }
}

/// What the tree needs from the node storage: links, the order, and the
/// augmentation callbacks (the kernel's `RB_DECLARE_CALLBACKS` set).
pub(crate) trait RbNodes {
    /// The links of node `i`.
    fn link(&self, i: u32) -> &RbLink;
    /// The links of node `i`, for writing.
    fn link_mut(&mut self, i: u32) -> &mut RbLink;
    /// Strictly "a sorts before b". Equal keys return false, so a new node goes right of its equals.
    fn less(&self, a: u32, b: u32) -> bool;
    /// Recompute node i's aggregates from its own value and its children's aggregates;
    /// return true when NONE of them changed (this is what stops propagation).
    fn compute(&mut self, i: u32) -> bool;
    /// Erase's "copy" callback: `new` replaces `old` in the tree; copy only the declared aggregate(s) old -> new.
    fn copy(&mut self, old: u32, new: u32);
    /// Rotation callback: `new` has just become the root of the subtree `old` used to root.
    /// Copy only the declared aggregate(s) old -> new, then recompute old (kernel: new.aug = old.aug; compute(old)).
    fn rotate(&mut self, old: u32, new: u32);
}

/// One of a node's two child slots.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The smaller-key child.
    Left,
    /// The greater-or-equal-key child.
    Right,
}

impl Side {
    /// The opposite slot.
    fn flip(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// Parent of `i` (`i` must not be [`NIL`]).
fn parent_of<N: RbNodes>(t: &N, i: u32) -> u32 {
    t.link(i).parent
}

/// Left child of `i` (`i` must not be [`NIL`]).
fn left_of<N: RbNodes>(t: &N, i: u32) -> u32 {
    t.link(i).left
}

/// Right child of `i` (`i` must not be [`NIL`]).
fn right_of<N: RbNodes>(t: &N, i: u32) -> u32 {
    t.link(i).right
}

/// The child of `i` on `side` (`i` must not be [`NIL`]).
fn child_of<N: RbNodes>(t: &N, i: u32, side: Side) -> u32 {
    match side {
        Side::Left => left_of(t, i),
        Side::Right => right_of(t, i),
    }
}

/// Whether `i` is a red node; [`NIL`] counts as black.
fn is_red<N: RbNodes>(t: &N, i: u32) -> bool {
    i != NIL && t.link(i).red
}

/// Point `i`'s `side` slot at `c` (only `i`'s link changes).
fn set_child<N: RbNodes>(t: &mut N, i: u32, side: Side, c: u32) {
    let l = t.link_mut(i);
    match side {
        Side::Left => l.left = c,
        Side::Right => l.right = c,
    }
}

/// Set `i`'s parent link, if `i` is a node.
fn set_parent<N: RbNodes>(t: &mut N, i: u32, p: u32) {
    if i != NIL {
        t.link_mut(i).parent = p;
    }
}

/// Set `i`'s parent link and colour, if `i` is a node.
fn set_parent_red<N: RbNodes>(t: &mut N, i: u32, p: u32, red: bool) {
    if i != NIL {
        let l = t.link_mut(i);
        l.parent = p;
        l.red = red;
    }
}

/// Set `i`'s colour, if `i` is a node.
fn set_red<N: RbNodes>(t: &mut N, i: u32, red: bool) {
    if i != NIL {
        t.link_mut(i).red = red;
    }
}

/// Leftmost node of the subtree rooted at `i` (`i` must not be [`NIL`]).
fn subtree_first<N: RbNodes>(t: &N, mut i: u32) -> u32 {
    loop {
        let l = left_of(t, i);
        if l == NIL {
            return i;
        }
        i = l;
    }
}

/// Rightmost node of the subtree rooted at `i` (`i` must not be [`NIL`]).
fn subtree_last<N: RbNodes>(t: &N, mut i: u32) -> u32 {
    loop {
        let r = right_of(t, i);
        if r == NIL {
            return i;
        }
        i = r;
    }
}

/// Re-derive aggregates upward: starting at `start`, call `compute` on each node
/// and move to its parent, until the node reports "unchanged", the walk reaches
/// `stop`, or it leaves the root (`stop` may be [`NIL`] for "up to the root").
pub(crate) fn propagate<N: RbNodes>(t: &mut N, start: u32, stop: u32) {
    let mut cur = start;
    while cur != stop && cur != NIL {
        if t.compute(cur) {
            return;
        }
        cur = parent_of(t, cur);
    }
}

/// The in-order successor of `node`, or [`NIL`] after the last node.
pub(crate) fn next<N: RbNodes>(t: &N, node: u32) -> u32 {
    if node == NIL {
        return NIL;
    }
    let r = right_of(t, node);
    if r != NIL {
        return subtree_first(t, r);
    }
    // Climb while we come up from a right child; the first ancestor reached
    // from its left side is the successor.
    let mut below = node;
    let mut up = parent_of(t, below);
    while up != NIL && right_of(t, up) == below {
        below = up;
        up = parent_of(t, up);
    }
    up
}

/// The in-order predecessor of `node`, or [`NIL`] before the first node.
pub(crate) fn prev<N: RbNodes>(t: &N, node: u32) -> u32 {
    if node == NIL {
        return NIL;
    }
    let l = left_of(t, node);
    if l != NIL {
        return subtree_last(t, l);
    }
    let mut below = node;
    let mut up = parent_of(t, below);
    while up != NIL && left_of(t, up) == below {
        below = up;
        up = parent_of(t, up);
    }
    up
}

/// The root plus the cached leftmost node (kernel: `rb_root_cached`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RbRoot {
    /// The root node, or [`NIL`] when the tree is empty.
    pub(crate) root: u32,
    /// The first node in order, or [`NIL`] when the tree is empty.
    pub(crate) leftmost: u32,
}

impl Default for RbRoot {
    fn default() -> Self {
        Self::new()
    }
}

impl RbRoot {
    /// An empty tree.
    pub(crate) const fn new() -> Self {
        RbRoot {
            root: NIL,
            leftmost: NIL,
        }
    }

    /// The first node in order (cached), or [`NIL`] when empty.
    pub(crate) fn first(&self) -> u32 {
        self.leftmost
    }

    /// The last node in order, or [`NIL`] when empty (walks down the right spine).
    pub(crate) fn last<N: RbNodes>(&self, t: &N) -> u32 {
        if self.root == NIL {
            NIL
        } else {
            subtree_last(t, self.root)
        }
    }

    /// Whether the tree holds no node.
    pub(crate) fn is_empty(&self) -> bool {
        self.root == NIL
    }

    /// Make whatever pointed at `old` from above (its parent's slot, or the
    /// root) point at `new` instead. `up` is `old`'s parent as it was.
    fn swap_in<N: RbNodes>(&mut self, t: &mut N, up: u32, old: u32, new: u32) {
        if up == NIL {
            self.root = new;
        } else if left_of(t, up) == old {
            t.link_mut(up).left = new;
        } else {
            t.link_mut(up).right = new;
        }
    }

    /// Finish a rotation: `new` moves into `old`'s position (its parent and
    /// colour), `old` hangs below `new` with colour `old_red`, and the slot above
    /// is redirected. The children slots must already be rewired by the caller.
    fn hoist<N: RbNodes>(&mut self, t: &mut N, old: u32, new: u32, old_red: bool) {
        let up = *t.link(old);
        set_parent_red(t, new, up.parent, up.red);
        set_parent_red(t, old, new, old_red);
        self.swap_in(t, up.parent, old, new);
    }

    /// Add `node` (kernel: `rb_add_augmented_cached`). The caller has already
    /// set `node`'s own aggregates; its links are overwritten here.
    pub(crate) fn insert<N: RbNodes>(&mut self, t: &mut N, node: u32) {
        // Descend to the empty slot. Only a walk that never turns right ends at
        // the new first node; ties turn right, which keeps equals FIFO.
        let mut above = NIL;
        let mut side = Side::Left;
        let mut at = self.root;
        let mut becomes_first = true;
        while at != NIL {
            above = at;
            if t.less(node, at) {
                side = Side::Left;
            } else {
                side = Side::Right;
                becomes_first = false;
            }
            at = child_of(t, at, side);
        }

        *t.link_mut(node) = RbLink {
            parent: above,
            left: NIL,
            right: NIL,
            red: true,
        };
        if above == NIL {
            self.root = node;
        } else {
            set_child(t, above, side, node);
        }

        // The new leaf changes its ancestors' aggregates; settle them before any
        // rotation (with NIL here this does nothing).
        propagate(t, above, NIL);

        if becomes_first {
            self.leftmost = node;
        }
        self.repair_after_insert(t, node);
    }

    /// Restore the colour rules after linking the red leaf `node`.
    fn repair_after_insert<N: RbNodes>(&mut self, t: &mut N, mut node: u32) {
        loop {
            let mut parent = parent_of(t, node);
            if parent == NIL {
                // `node` is the root (new, or pushed up by a recolouring).
                set_red(t, node, false);
                return;
            }
            if !t.link(parent).red {
                return;
            }
            // A red parent is never the root, so the grandparent exists.
            let grand = parent_of(t, parent);
            // `near` is the side of the grandparent the parent hangs on.
            let near = if left_of(t, grand) == parent {
                Side::Left
            } else {
                Side::Right
            };
            let far = near.flip();

            let uncle = child_of(t, grand, far);
            if is_red(t, uncle) {
                // Red uncle: push the red up two levels and retry from there.
                set_red(t, uncle, false);
                set_red(t, parent, false);
                set_red(t, grand, true);
                node = grand;
                continue;
            }

            if child_of(t, parent, far) == node {
                // `node` is an inner grandchild: turn it into an outer one by
                // rotating it above `parent` (toward `near`).
                let inner = child_of(t, node, near);
                set_child(t, parent, far, inner);
                set_parent_red(t, inner, parent, false);
                set_child(t, node, near, parent);
                set_parent(t, parent, node);
                // Keep links consistent while the callback runs; the next step
                // rewrites both of these anyway.
                set_parent(t, node, grand);
                set_child(t, grand, near, node);
                t.rotate(parent, node);
                parent = node;
            }

            // Outer grandchild: rotate `parent` above the grandparent (toward
            // `far`); the grandparent turns red, `parent` takes its black.
            let moved = child_of(t, parent, far);
            set_child(t, grand, near, moved);
            set_parent_red(t, moved, grand, false);
            set_child(t, parent, far, grand);
            self.hoist(t, grand, parent, true);
            t.rotate(grand, parent);
            return;
        }
    }

    /// Remove `node` (kernel: `rb_erase_augmented_cached`). Afterwards `node`'s
    /// links are reset to [`RbLink::UNLINKED`].
    pub(crate) fn erase<N: RbNodes>(&mut self, t: &mut N, node: u32) {
        if self.leftmost == node {
            self.leftmost = next(t, node);
        }
        let fix_from = self.detach(t, node);
        if fix_from != NIL {
            self.repair_after_erase(t, fix_from);
        }
        *t.link_mut(node) = RbLink::UNLINKED;
    }

    /// Take `node` out of the tree structurally and refresh the aggregates on
    /// the affected path. Returns the parent below which one black is missing
    /// (where the colour repair must start), or [`NIL`] when none is.
    fn detach<N: RbNodes>(&mut self, t: &mut N, node: u32) -> u32 {
        let gone = *t.link(node);
        let deficit_at;
        let refresh_from;

        if gone.left == NIL {
            // At most a right child: it moves up into `node`'s slot.
            let heir = gone.right;
            self.swap_in(t, gone.parent, node, heir);
            if heir != NIL {
                // A lone child under a node is red; painting it with the
                // removed node's colour keeps the black count.
                set_parent_red(t, heir, gone.parent, gone.red);
                deficit_at = NIL;
            } else {
                deficit_at = if gone.red { NIL } else { gone.parent };
            }
            refresh_from = gone.parent;
        } else if gone.right == NIL {
            // Only a left child: same as above, mirrored.
            set_parent_red(t, gone.left, gone.parent, gone.red);
            self.swap_in(t, gone.parent, node, gone.left);
            deficit_at = NIL;
            refresh_from = gone.parent;
        } else {
            // Two children: the in-order successor takes `node`'s place.
            let mut heir = gone.right;
            let heir_parent;
            let heir_right;
            let mut down = left_of(t, heir);
            if down == NIL {
                // The right child itself is the successor; it keeps its right
                // subtree where it is.
                heir_parent = heir;
                heir_right = right_of(t, heir);
                t.copy(node, heir);
            } else {
                // The successor is deeper: unhook it from its parent (its right
                // subtree moves up one slot) and give it `node`'s right subtree.
                let mut p = heir;
                while down != NIL {
                    p = heir;
                    heir = down;
                    down = left_of(t, heir);
                }
                heir_parent = p;
                heir_right = right_of(t, heir);
                t.link_mut(heir_parent).left = heir_right;
                t.link_mut(heir).right = gone.right;
                set_parent(t, gone.right, heir);
                t.copy(node, heir);
                // The path from the successor's old parent up to (not
                // including) the successor lost a node.
                propagate(t, heir_parent, heir);
            }

            t.link_mut(heir).left = gone.left;
            set_parent(t, gone.left, heir);
            self.swap_in(t, gone.parent, node, heir);

            if heir_right != NIL {
                // The successor's lone right child is red; blackening it makes
                // up for the black the successor takes away from that path.
                set_parent_red(t, heir_right, heir_parent, false);
                deficit_at = NIL;
            } else {
                // Decided by the successor's colour before it inherits `node`'s.
                deficit_at = if t.link(heir).red { NIL } else { heir_parent };
            }
            set_parent_red(t, heir, gone.parent, gone.red);
            refresh_from = heir;
        }

        propagate(t, refresh_from, NIL);
        deficit_at
    }

    /// Restore the black-height rule: the subtree hanging on one side of
    /// `parent` (initially an empty slot) has one black node too few.
    fn repair_after_erase<N: RbNodes>(&mut self, t: &mut N, mut parent: u32) {
        // `short` is the root of the deficient subtree; NIL on the first round.
        let mut short = NIL;
        loop {
            // The deficient side: if `short` is not the right child it is the
            // left one (an empty left slot included).
            let near = if right_of(t, parent) != short {
                Side::Left
            } else {
                Side::Right
            };
            let far = near.flip();
            let mut sibling = child_of(t, parent, far);

            if is_red(t, sibling) {
                // Red sibling: rotate it above `parent` so that the deficient
                // side gets a black sibling (the red one's near child).
                let inner = child_of(t, sibling, near);
                set_child(t, parent, far, inner);
                set_parent_red(t, inner, parent, false);
                set_child(t, sibling, near, parent);
                self.hoist(t, parent, sibling, true);
                t.rotate(parent, sibling);
                sibling = inner;
            }

            let mut outer = child_of(t, sibling, far);
            if !is_red(t, outer) {
                let inner = child_of(t, sibling, near);
                if !is_red(t, inner) {
                    // Black sibling with black children: paint it red, which
                    // moves the deficit up to `parent`.
                    set_red(t, sibling, true);
                    if t.link(parent).red {
                        set_red(t, parent, false);
                        return;
                    }
                    short = parent;
                    parent = parent_of(t, short);
                    if parent == NIL {
                        return;
                    }
                    continue;
                }
                // Only the inner nephew is red: rotate it above the sibling
                // (toward `far`) so that the red ends up on the outside.
                let crossing = child_of(t, inner, far);
                set_child(t, sibling, near, crossing);
                set_parent_red(t, crossing, sibling, false);
                set_child(t, inner, far, sibling);
                set_child(t, parent, far, inner);
                // The final step fixes colours; the links are right already.
                set_parent(t, inner, parent);
                set_parent(t, sibling, inner);
                t.rotate(sibling, inner);
                outer = sibling;
                sibling = inner;
            }

            // Red outer nephew: rotate the sibling above `parent`; the sibling
            // takes `parent`'s colour, `parent` and the outer nephew turn black.
            let inner = child_of(t, sibling, near);
            set_child(t, parent, far, inner);
            set_child(t, sibling, near, parent);
            set_parent_red(t, outer, sibling, false);
            set_parent(t, inner, parent);
            self.hoist(t, parent, sibling, false);
            t.rotate(parent, sibling);
            return;
        }
    }
}
