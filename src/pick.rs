//! The EEVDF pick rule and slice protection (`pick_eevdf()` / `__pick_eevdf()`,
//! v6.6–v7.1, and `set_protect_slice()` / `protect_slice()`, v6.18–v7.1, in
//! `kernel/sched/fair.c`).
//!
//! EEVDF runs the *eligible* entity (lag ≥ 0, i.e. v ≤ V) with the *earliest
//! virtual deadline*. The kernel finds it in O(log n) in a red-black tree:
//!
//! * ≥ v6.8: the tree is ordered by deadline (equal deadlines in insertion
//!   order) and each node carries the minimum vruntime of its subtree. Since
//!   eligibility is monotone in vruntime, "some entity of this subtree is
//!   eligible" is `eligible(subtree_min)`, and the in-order-first eligible node
//!   is found by descending left whenever the left subtree has an eligible entity.
//! * v6.6: the tree is ordered by vruntime and each node carries the minimum
//!   deadline of its subtree; the walk is different and so is its tie-breaking.
//!
//! Around that search the releases differ in the single-entity shortcut, the
//! next-buddy test and slice protection ([`pick_eevdf`]).
//!
//! [`pick_eevdf`] runs on any tree that implements [`SearchTree`] (the crate's
//! [`RunQueue`](crate::runqueue::RunQueue) does); [`pick_eevdf_linear`] is the
//! same rule over a plain slice, by a linear scan.

use core::cell::Cell;

use crate::avg::{AvgVruntime, Curr};
use crate::entity::SchedEntity;
use crate::features::Features;
#[cfg(test)]
use crate::profile::Release;
use crate::profile::{PickRule, Profile, Protection, Rules, Timeline};
use crate::vtime::{Vlag, Vtime};
use crate::weight::overflowing_calc_delta_fair;

/// What the pick rule chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pick<Id> {
    /// Keep running `cfs_rq.curr`.
    Curr,
    /// Run this queued entity.
    Queued(Id),
    /// Nothing is eligible (≥ v6.8 returns NULL, which the kernel dereferences;
    /// it happens only when the arithmetic has overflowed) or the queue is empty.
    Nothing,
}

/// A binary search tree of queued entities as the pick rule walks it.
pub trait SearchTree {
    /// A handle naming one node.
    type Id: Copy + Eq;
    /// The root, if any.
    fn root(&self) -> Option<Self::Id>;
    /// The left child.
    fn left(&self, id: Self::Id) -> Option<Self::Id>;
    /// The right child.
    fn right(&self, id: Self::Id) -> Option<Self::Id>;
    /// The first node in tree order (the cached leftmost).
    fn leftmost(&self) -> Option<Self::Id>;
    /// The entity at a node (a copy: trees may store entities in another
    /// representation, such as a C array).
    fn entity(&self, id: Self::Id) -> SchedEntity;
    /// The node's subtree aggregate: the minimum vruntime (deadline-ordered
    /// trees, ≥ v6.8) or the minimum deadline (vruntime-ordered v6.6 trees).
    fn subtree_min(&self, id: Self::Id) -> Vtime;

    /// v6.6.0's search (`pick_eevdf()` over the `min_deadline` tree): `Some(Some(id))` for a
    /// node, `Some(None)` for curr, `None` when nothing was found. `curr_best` is curr's
    /// deadline when curr is on the run queue and eligible. The default walks the tree with
    /// its min-deadline aggregates as the kernel does; a tree shape for which an
    /// equivalent search is cheaper may override it.
    fn search_6_6(
        &self,
        eligible: &dyn Fn(Vtime) -> bool,
        curr_best: Option<Vtime>,
    ) -> Option<Option<Self::Id>>
    where
        Self: Sized,
    {
        walk_6_6(self, &eligible, curr_best)
    }
}

/// `protect_slice(se)`: is the running entity still protected? ≥ v6.18
/// ([`Protection::SharedVprot`], [`Protection::Vprot`]): `vruntime < vprot`;
/// v6.6 ([`Protection::ParityMarker`]): the RUN_TO_PARITY marker
/// `vlag == deadline` is intact.
#[inline]
pub fn protect_slice(profile: &Profile, se: &SchedEntity) -> bool {
    match profile.protection {
        Protection::ParityMarker => se.vlag.0 as u64 == se.deadline.0,
        Protection::SharedVprot | Protection::Vprot => se.vruntime.before(se.vprot),
        Protection::None => false,
    }
}

/// `set_protect_slice(cfs_rq, se)` (fair.c, v6.18–v7.1; the min-slice limit
/// since 052c3d87c82e), run when `se` is picked; in
/// v6.6 ([`Protection::ParityMarker`]) `set_next_entity` writes the marker
/// `vlag = deadline` instead.
///
/// slice = min(cfs_rq_min_slice if RUN_TO_PARITY else the normalized base
/// slice, se.slice); vprot = deadline, or min(deadline, vruntime +
/// calc_delta_fair(slice)) when slice ≠ se.slice. `min_slice` is the run
/// queue's minimum slice with `se` already out of the tree (`u64::MAX` when
/// empty). Returns wrapped.
///
/// Under [`Profile::EXACT`] a `calc_delta_fair(slice)` beyond `u64` (a huge
/// slice on a light entity, e.g. bbce3de72be5's `U64_MAX`) puts
/// `vruntime + delta` past every representable virtual time, so the exact
/// minimum is the other operand: vprot stays the deadline, and nothing wraps.
pub fn overflowing_set_protect_slice(
    profile: &Profile,
    se: &mut SchedEntity,
    min_slice: u64,
    features: Features,
) -> bool {
    match profile.protection {
        Protection::ParityMarker => {
            se.vlag = Vlag(se.deadline.0 as i64);
            return false;
        }
        Protection::None => return false,
        Protection::SharedVprot | Protection::Vprot => {}
    }
    let base = if features.contains(Features::RUN_TO_PARITY) {
        min_slice
    } else {
        profile.normalized_base_slice()
    };
    let slice = base.min(se.slice);
    se.set_vprot(profile, se.deadline);
    if slice != se.slice {
        let (d, wrapped) = overflowing_calc_delta_fair(profile, slice, &se.load);
        if wrapped && profile.is_exact() {
            return false;
        }
        se.set_vprot(profile, se.deadline.min(se.vruntime + d));
        return wrapped;
    }
    false
}

/// `update_protect_slice(cfs_rq, se)`: vprot = min(vprot, vruntime +
/// calc_delta_fair(min_slice)), after a wakeup that did not preempt. Returns
/// wrapped. Under [`Profile::EXACT`] a delta beyond `u64` leaves vprot as it is
/// (the exact minimum), as in [`overflowing_set_protect_slice`].
pub fn overflowing_update_protect_slice(
    profile: &Profile,
    se: &mut SchedEntity,
    min_slice: u64,
) -> bool {
    let (d, wrapped) = overflowing_calc_delta_fair(profile, min_slice, &se.load);
    if wrapped && profile.is_exact() {
        return false;
    }
    se.set_vprot(profile, se.vprot.min(se.vruntime + d));
    wrapped
}

/// `cancel_protect_slice(se)`: end protection now (vprot = vruntime) if it is
/// active; in v6.6 break the marker instead.
pub fn cancel_protect_slice(profile: &Profile, se: &mut SchedEntity) {
    if protect_slice(profile, se) {
        match profile.protection {
            Protection::ParityMarker => se.vlag = Vlag(se.deadline.0.wrapping_sub(1) as i64),
            Protection::SharedVprot | Protection::Vprot => se.set_vprot(profile, se.vruntime),
            Protection::None => {}
        }
    }
}

/// The running entity's term for the averages, if it is on the run queue.
#[inline]
pub fn curr_term(curr: Option<&SchedEntity>) -> Curr {
    match curr {
        Some(c) if c.on_rq => Some(c.as_curr()),
        _ => None,
    }
}

/// ≥ v6.8 heap search: the in-order-first node whose vruntime is eligible.
fn first_eligible<T: SearchTree>(tree: &T, eligible: &impl Fn(Vtime) -> bool) -> Option<T::Id> {
    let mut node = tree.root();
    while let Some(n) = node {
        if let Some(l) = tree.left(n) {
            if eligible(tree.subtree_min(l)) {
                node = Some(l);
                continue;
            }
        }
        if eligible(tree.entity(n).vruntime) {
            return Some(n);
        }
        node = tree.right(n);
    }
    None
}

/// v6.6's walk over a vruntime-ordered tree with min-deadline aggregates
/// (`pick_eevdf()`, v6.6.0; the deadline-ordered tree replaced it in v6.8,
/// 2227a957e1d5). `curr_best` is curr's deadline when curr is on the run queue
/// and eligible. Returns `Some(Some(id))` for a node, `Some(None)` for curr,
/// `None` when nothing was found.
fn walk_6_6<T: SearchTree>(
    tree: &T,
    eligible: &impl Fn(Vtime) -> bool,
    curr_best: Option<Vtime>,
) -> Option<Option<T::Id>> {
    // best: None = curr (if curr_best), Some(id) = node.
    let mut best: Option<(Option<T::Id>, Vtime)> = curr_best.map(|d| (None, d));
    let mut best_left: Option<T::Id> = None;
    let mut node = tree.root();
    while let Some(n) = node {
        let se = tree.entity(n);
        if !eligible(se.vruntime) {
            node = tree.left(n);
            continue;
        }
        if best.map_or(true, |(_, d)| se.deadline.before(d)) {
            best = Some((Some(n), se.deadline));
        }
        let left = tree.left(n);
        if let Some(l) = left {
            if best_left.map_or(true, |bl| tree.subtree_min(l).before(tree.subtree_min(bl))) {
                best_left = Some(l);
            }
            if tree.subtree_min(l) == tree.subtree_min(n) {
                break;
            }
        }
        if se.deadline == tree.subtree_min(n) {
            break;
        }
        node = tree.right(n);
    }
    let (best_id, best_deadline) = best?;
    match best_left {
        Some(bl) if !best_deadline.before(tree.subtree_min(bl)) => {
            // An equal or earlier deadline sits in best_left's subtree: find it.
            let target = tree.subtree_min(bl);
            let mut node = Some(bl);
            while let Some(n) = node {
                if tree.entity(n).deadline == target {
                    return Some(Some(n));
                }
                node = match tree.left(n) {
                    Some(l) if tree.subtree_min(l) == target => Some(l),
                    _ => tree.right(n),
                };
            }
            Some(best_id)
        }
        _ => Some(best_id),
    }
}

/// What the pick rule reads of the run queue besides its tree and sums.
#[derive(Clone, Copy, Debug)]
pub struct PickCtx<'a, Id> {
    /// `cfs_rq.curr` (it is outside the tree; ignored unless on_rq and eligible).
    pub curr: Option<&'a SchedEntity>,
    /// The next buddy, if set.
    pub next: Option<Id>,
    /// `cfs_rq.nr_queued` (curr counted when on_rq).
    pub nr_queued: u32,
    /// Honour slice protection and (7.1) the buddy: `pick_next_entity`
    /// passes true, a wakeup preemption with a shorter slice false.
    pub protect: bool,
    /// The scheduler features in force.
    pub features: Features,
}

/// `pick_eevdf(cfs_rq, protect)` with the release's next-buddy handling, over
/// any [`SearchTree`].
///
/// In v6.6 and v6.18 the buddy test lives in `pick_next_entity`, not in the
/// search itself, so their wakeup-preemption check (which calls the search
/// directly) must pass `next = None`; from v6.19 on it is part of the search.
///
/// `ctx` carries curr, the buddy, `nr_queued`, `protect` and the features
/// ([`PickCtx`]).
///
/// v7.1 order: single-entity shortcut; buddy (PICK_BUDDY, protect, eligible);
/// drop curr unless on_rq and eligible; protected curr; leftmost if eligible,
/// else the heap search; curr wins only with a strictly earlier deadline.
/// The profile's [`PickRule`] places the buddy and the shortcut (v6.19/7.0:
/// buddy ungated by protect; v6.18: buddy before the shortcut; v6.6: no
/// shortcut, buddy only under NEXT_BUDDY, protection whatever `protect`), and
/// its [`Timeline`] the search (v6.6: the min-deadline walk, and the leftmost
/// as a fallback when nothing is eligible).
pub fn pick_eevdf<R: Rules, T: SearchTree>(
    avg: &AvgVruntime<R>,
    tree: &T,
    ctx: &PickCtx<'_, T::Id>,
) -> Pick<T::Id> {
    overflowing_pick_eevdf(avg, tree, ctx).0
}

/// [`pick_eevdf`] with a flag: true when one of the eligibility tests the pick
/// made overflowed the profile's arithmetic
/// ([`AvgVruntime::overflowing_vruntime_eligible`]), so that the choice may not
/// be the exact rule's — under ≤ v7.0's s64 product a far-away entity can be
/// judged ineligible and another picked, or nothing (the NULL `pick_eevdf()`
/// crashes fixed by bbce3de72be5 and 79f3f9bedd14; `docs/derivations.md` §8). Only the
/// tests the walk actually makes are counted. Always false under EXACT.
pub fn overflowing_pick_eevdf<R: Rules, T: SearchTree>(
    avg: &AvgVruntime<R>,
    tree: &T,
    ctx: &PickCtx<'_, T::Id>,
) -> (Pick<T::Id>, bool) {
    let term = curr_term(ctx.curr);
    let wrapped = Cell::new(false);
    let eligible = |v: Vtime| {
        let (e, w) = avg.overflowing_vruntime_eligible(v, term);
        if w {
            wrapped.set(true);
        }
        e
    };
    let pick = pick_with(&avg.profile(), tree, ctx, &eligible);
    (pick, wrapped.get())
}

/// The pick rule over any eligibility test.
fn pick_with<T: SearchTree>(
    profile: &Profile,
    tree: &T,
    ctx: &PickCtx<'_, T::Id>,
    eligible: &impl Fn(Vtime) -> bool,
) -> Pick<T::Id> {
    let PickCtx {
        curr,
        next,
        nr_queued,
        protect,
        features,
    } = *ctx;
    let term = curr_term(curr);
    let curr_on_rq = term.is_some();
    let buddy = |gated: bool| -> Option<T::Id> {
        let n = next?;
        if gated && eligible(tree.entity(n).vruntime) {
            Some(n)
        } else {
            None
        }
    };

    // The buddy before anything else (pick_next_entity's test).
    let pick_buddy = features.contains(Features::PICK_BUDDY);
    let first = match profile.pick {
        PickRule::NextBuddy => features.contains(Features::NEXT_BUDDY),
        PickRule::BuddyBeforeShortcut => pick_buddy,
        PickRule::BuddyAfterShortcut | PickRule::BuddyWhenProtected | PickRule::Cfs => false,
    };
    if let Some(n) = buddy(first) {
        return Pick::Queued(n);
    }
    // The single-entity shortcut, then the buddy inside __pick_eevdf.
    if profile.pick != PickRule::NextBuddy && nr_queued == 1 {
        return if curr_on_rq {
            Pick::Curr
        } else {
            tree.leftmost().map_or(Pick::Nothing, Pick::Queued)
        };
    }
    let inside = match profile.pick {
        PickRule::BuddyWhenProtected => pick_buddy && protect,
        PickRule::BuddyAfterShortcut => pick_buddy,
        PickRule::NextBuddy | PickRule::BuddyBeforeShortcut | PickRule::Cfs => false,
    };
    if let Some(n) = buddy(inside) {
        return Pick::Queued(n);
    }
    // A protected curr: v6.6's pick_eevdf has no `protect` parameter.
    let c = curr.filter(|c| curr_on_rq && eligible(c.vruntime));
    if let Some(c) = c {
        let honoured = protect || profile.pick == PickRule::NextBuddy;
        if honoured && features.contains(Features::RUN_TO_PARITY) && protect_slice(profile, c) {
            return Pick::Curr;
        }
    }
    if profile.timeline == Timeline::VruntimeMinDeadline {
        return match tree.search_6_6(&eligible, c.map(|c| c.deadline)) {
            Some(Some(n)) => Pick::Queued(n),
            Some(None) => Pick::Curr,
            None => match tree.leftmost() {
                Some(l) => Pick::Queued(l),
                None => Pick::Nothing,
            },
        };
    }
    let best = match tree.leftmost() {
        Some(l) if eligible(tree.entity(l).vruntime) => Some(l),
        _ => first_eligible(tree, &eligible),
    };
    match (best, c) {
        (None, Some(_)) => Pick::Curr,
        (None, None) => Pick::Nothing,
        (Some(b), Some(c)) if c.deadline.before(tree.entity(b).deadline) => Pick::Curr,
        (Some(b), _) => Pick::Queued(b),
    }
}

/// The pick rule over a plain slice of the tree's entities *in tree order*
/// (by deadline, equal deadlines in insertion order; v6.6: by vruntime), by a
/// linear scan: the reference [`pick_eevdf`] is checked against.
///
/// For ≥ v6.8 it equals [`pick_eevdf`] exactly. For v6.6 it picks the eligible
/// entity with the earliest deadline, curr keeping ties and otherwise the
/// first in slice order; the kernel's v6.6 walk can break ties differently.
/// O(n) for every release.
pub fn pick_eevdf_linear<R: Rules>(
    avg: &AvgVruntime<R>,
    tree: &[SchedEntity],
    ctx: &PickCtx<'_, usize>,
) -> Pick<usize> {
    pick_eevdf_linear_by(avg, tree.len(), |i| tree[i], ctx)
}

/// [`pick_eevdf_linear`] over `len` entities in tree order that `entity(i)`
/// produces for `i` in `0..len` (entities kept in another representation, such
/// as the C ABI's arrays). `entity` is called only with `i < len`.
pub fn pick_eevdf_linear_by<R: Rules, F: Fn(usize) -> SchedEntity>(
    avg: &AvgVruntime<R>,
    len: usize,
    entity: F,
    ctx: &PickCtx<'_, usize>,
) -> Pick<usize> {
    let linear = Linear { len, entity };
    // A degenerate "tree" whose root is the first entity and whose nodes have
    // only right children walks exactly like a linear scan for the ≥ v6.8 rule.
    pick_eevdf(avg, &linear, ctx)
}

/// Entities `0..len` seen as a right-leaning chain (for [`pick_eevdf_linear_by`]).
struct Linear<F> {
    len: usize,
    entity: F,
}

impl<F: Fn(usize) -> SchedEntity> SearchTree for Linear<F> {
    type Id = usize;
    fn root(&self) -> Option<usize> {
        if self.len == 0 {
            None
        } else {
            Some(0)
        }
    }
    fn left(&self, _: usize) -> Option<usize> {
        None
    }
    fn right(&self, id: usize) -> Option<usize> {
        if id + 1 < self.len {
            Some(id + 1)
        } else {
            None
        }
    }
    fn leftmost(&self) -> Option<usize> {
        self.root()
    }
    fn entity(&self, id: usize) -> SchedEntity {
        (self.entity)(id)
    }
    fn subtree_min(&self, id: usize) -> Vtime {
        // The minimum deadline of the suffix starting at `id` (O(n); the
        // linear v6.6 search below does not need it).
        let mut m = (self.entity)(id).deadline;
        for j in id + 1..self.len {
            m = m.min((self.entity)(j).deadline);
        }
        m
    }
    /// One pass instead of the walk, whose aggregates would cost O(n) each on
    /// a chain: the eligible entity with the strictly earliest deadline, curr
    /// (`curr_best`) keeping ties, the first in slice order otherwise.
    fn search_6_6(
        &self,
        eligible: &dyn Fn(Vtime) -> bool,
        curr_best: Option<Vtime>,
    ) -> Option<Option<usize>> {
        let mut best: Option<(Option<usize>, Vtime)> = curr_best.map(|d| (None, d));
        for i in 0..self.len {
            let se = (self.entity)(i);
            if eligible(se.vruntime) && best.map_or(true, |(_, d)| se.deadline.before(d)) {
                best = Some((Some(i), se.deadline));
            }
        }
        best.map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LoadWeight;

    fn se(v: u64, d: u64) -> SchedEntity {
        let mut s = SchedEntity::new(LoadWeight::NICE_0, 3_000_000);
        s.vruntime = Vtime(v);
        s.deadline = Vtime(d);
        s.on_rq = true;
        s
    }

    fn acc_of(p: Profile, es: &[SchedEntity]) -> AvgVruntime {
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        for e in es {
            acc.add(e.vruntime, e.load.weight()).unwrap();
        }
        acc
    }

    #[test]
    fn earliest_eligible_deadline_wins() {
        // V = 200 (entities at 100, 200, 300). 300 is not eligible even with the
        // earliest deadline; 100 and 200 are; 200 has the earlier deadline.
        for p in Profile::PRESETS {
            let mut tree = [se(300, 350), se(200, 400), se(100, 500)];
            if p.release == Release::Linux6_6 {
                tree.sort_by_key(|e| e.vruntime.0);
            }
            let acc = acc_of(p, &tree);
            let f = Features::defaults(p.release);
            let got = pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: None,
                    next: None,
                    nr_queued: 3,
                    protect: true,
                    features: f,
                },
            );
            let want = tree.iter().position(|e| e.vruntime == Vtime(200)).unwrap();
            assert_eq!(got, Pick::Queued(want), "{p:?}");
        }
    }

    #[test]
    fn fifo_on_ties_and_curr_loses_ties() {
        let p = Profile::LINUX_7_1;
        let f = Features::defaults(p.release);
        let tree = [se(100, 400), se(110, 400)];
        let mut c = se(105, 400);
        c.vprot = c.vruntime; // not protected
        let mut all = tree.to_vec();
        all.push(c);
        let acc = acc_of(p, &tree);
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: Some(&c),
                    next: None,
                    nr_queued: 3,
                    protect: true,
                    features: f
                }
            ),
            Pick::Queued(0)
        );
        // A strictly earlier deadline keeps curr.
        c.deadline = Vtime(399);
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: Some(&c),
                    next: None,
                    nr_queued: 3,
                    protect: true,
                    features: f
                }
            ),
            Pick::Curr
        );
        // Protected curr keeps the CPU even with a later deadline.
        c.deadline = Vtime(900);
        c.vprot = Vtime(200);
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: Some(&c),
                    next: None,
                    nr_queued: 3,
                    protect: true,
                    features: f
                }
            ),
            Pick::Curr
        );
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: Some(&c),
                    next: None,
                    nr_queued: 3,
                    protect: false,
                    features: f
                }
            ),
            Pick::Queued(0)
        );
    }

    #[test]
    fn single_entity_shortcut_skips_eligibility() {
        // One queued entity far right of a stale v0: picked without a test (≥ 6.18).
        let p = Profile::LINUX_6_18;
        let tree = [se(1 << 40, (1 << 40) + 10)];
        // Sums that put V near 0 (as after an overflow): the entity is not eligible.
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        acc.add(Vtime(0), 1 << 30).unwrap();
        let f = Features::defaults(p.release);
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: None,
                    next: None,
                    nr_queued: 1,
                    protect: true,
                    features: f
                }
            ),
            Pick::Queued(0)
        );
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: None,
                    next: None,
                    nr_queued: 2,
                    protect: true,
                    features: f
                }
            ),
            Pick::Nothing
        );
        // v6.6 has no shortcut but falls back to the leftmost.
        let p = Profile::LINUX_6_6;
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        acc.add(Vtime(0), 1 << 30).unwrap();
        let f = Features::defaults(p.release);
        assert_eq!(
            pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: None,
                    next: None,
                    nr_queued: 2,
                    protect: true,
                    features: f
                }
            ),
            Pick::Queued(0)
        );
    }

    #[test]
    fn buddy_gating_per_release() {
        // Buddy at index 1 (eligible, later deadline than index 0).
        let tree = [se(100, 300), se(150, 400), se(400, 500)];
        for (p, protect, want_buddy) in [
            (Profile::LINUX_7_1, true, true),
            (Profile::LINUX_7_1, false, false),
            (Profile::LINUX_7_0, false, true),
            (Profile::LINUX_6_18, false, true), // pick_next_entity's test: PICK_BUDDY only
            (Profile::LINUX_6_6, true, false),  // NEXT_BUDDY is off by default
        ] {
            let acc = acc_of(p, &tree);
            let f = Features::defaults(p.release);
            let got = pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: None,
                    next: Some(1),
                    nr_queued: 3,
                    protect,
                    features: f,
                },
            );
            let want = if want_buddy {
                Pick::Queued(1)
            } else {
                Pick::Queued(0)
            };
            assert_eq!(got, want, "{p:?} protect={protect}");
        }
    }

    #[test]
    fn linear_by_equals_linear_every_profile() {
        // The same entities through a slice and through an accessor: same pick.
        let tree = [se(100, 300), se(150, 250), se(400, 200), se(90, 260)];
        for p in Profile::PRESETS {
            let acc = acc_of(p, &tree);
            let f = Features::defaults(p.release);
            let c = se(120, 255);
            for (curr, next) in [(None, None), (Some(&c), None), (Some(&c), Some(2))] {
                let want = pick_eevdf_linear(
                    &acc,
                    &tree,
                    &PickCtx {
                        curr,
                        next,
                        nr_queued: 4,
                        protect: true,
                        features: f,
                    },
                );
                let got = pick_eevdf_linear_by(
                    &acc,
                    tree.len(),
                    |i| tree[i],
                    &PickCtx {
                        curr,
                        next,
                        nr_queued: 4,
                        protect: true,
                        features: f,
                    },
                );
                assert_eq!(got, want, "{p:?}");
            }
        }
    }

    #[test]
    fn linear_pick_reads_each_entity_a_bounded_number_of_times() {
        // All eligible in vruntime order with strictly decreasing deadlines: the
        // v6.6 walk over a chain would evaluate an O(n) aggregate at every node.
        let n = 2_000usize;
        let make = |i: usize| se(i as u64, 10_000_000 - i as u64);
        for p in Profile::PRESETS {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
            // One heavy entity far right makes every listed entity eligible.
            acc.add(Vtime(1 << 30), 1 << 30).unwrap();
            let reads = core::cell::Cell::new(0usize);
            let f = Features::defaults(p.release);
            let got = pick_eevdf_linear_by(
                &acc,
                n,
                |i| {
                    reads.set(reads.get() + 1);
                    make(i)
                },
                &PickCtx {
                    curr: None,
                    next: None,
                    nr_queued: n as u32,
                    protect: true,
                    features: f,
                },
            );
            // v6.6 (vruntime order): the last entity has the earliest deadline.
            // ≥ v6.8 reads the slice as deadline order: the first eligible wins.
            let want = if p.release == Release::Linux6_6 {
                n - 1
            } else {
                0
            };
            assert_eq!(got, Pick::Queued(want), "{p:?}");
            assert!(reads.get() <= 4 * n, "{p:?}: {} reads", reads.get());
        }
    }

    #[test]
    fn set_protect_slice_takes_the_earlier_end() {
        let p = Profile::LINUX_7_1;
        let mut s = se(1_000, 3_001_000);
        // min slice 1 ms < own 3 ms: protection ends 1 ms of virtual time after now.
        assert!(!overflowing_set_protect_slice(
            &p,
            &mut s,
            1_000_000,
            Features::defaults(p.release)
        ));
        assert_eq!(s.vprot, Vtime(1_001_000));
        assert!(protect_slice(&p, &s));
        // Empty tree (min slice ~0): vprot = deadline.
        overflowing_set_protect_slice(&p, &mut s, u64::MAX, Features::defaults(p.release));
        assert_eq!(s.vprot, Vtime(3_001_000));
        // Without RUN_TO_PARITY: the normalized 0.7 ms.
        overflowing_set_protect_slice(&p, &mut s, u64::MAX, Features::empty());
        assert_eq!(s.vprot, Vtime(701_000));
        cancel_protect_slice(&p, &mut s);
        assert!(!protect_slice(&p, &s));
        // v6.6 marker.
        let p = Profile::LINUX_6_6;
        overflowing_set_protect_slice(&p, &mut s, 0, Features::defaults(p.release));
        assert!(protect_slice(&p, &s));
        cancel_protect_slice(&p, &mut s);
        assert!(!protect_slice(&p, &s));
    }

    /// A slice of 2^63 ns on a nice-19 entity (bbce3de72be5's territory):
    /// calc_delta_fair leaves 64 bits. 7.1 reports the wrap and stores the
    /// kernel's value; EXACT knows vruntime + delta lies past every
    /// representable time, so the min keeps the other operand, unflagged.
    #[test]
    fn exact_protection_with_a_delta_beyond_64_bits_keeps_the_other_end() {
        let nice19 = LoadWeight::from_nice(19).unwrap();
        let f = Features::defaults(Release::Linux7_1);
        let huge = 1u64 << 63;
        for p in [Profile::LINUX_7_1, Profile::EXACT] {
            let mut s = se(1_000, 3_001_000);
            s.load = nice19;
            s.slice = u64::MAX;
            let (d, wrapped) = overflowing_calc_delta_fair(&p, huge, &nice19);
            assert!(wrapped, "{p:?}: the conversion leaves 64 bits");
            let w = overflowing_set_protect_slice(&p, &mut s, huge, f);
            if p.is_exact() {
                assert!(!w);
                assert_eq!(s.vprot, Vtime(3_001_000), "vprot = deadline");
            } else {
                assert!(w);
                assert_eq!(s.vprot, Vtime(3_001_000).min(Vtime(1_000) + d));
            }
            s.vprot = Vtime(2_000_000);
            let w = overflowing_update_protect_slice(&p, &mut s, huge);
            if p.is_exact() {
                assert!(!w);
                assert_eq!(s.vprot, Vtime(2_000_000), "vprot unchanged");
            } else {
                assert!(w);
                assert_eq!(s.vprot, Vtime(2_000_000).min(Vtime(1_000) + d));
            }
        }
    }
}
