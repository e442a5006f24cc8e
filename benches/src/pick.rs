//! The run queue at scale: pick (the O(log n) tree search) against a linear
//! scan of the same entities, and enqueue + dequeue, at n = 8 … 131,072.
//!
//! The queue is built to make the pick work: half of the entities ran ahead
//! of V (1–2 ms of negative lag, not eligible) with short slices, so they hold the
//! earliest deadlines; the other half are behind V with long slices. The
//! leftmost entity is then not eligible, the kernel's shortcut does not
//! apply, and the tree search descends to the first eligible deadline, while
//! a scan in deadline order must pass the ineligible half first. All
//! entities are nice 0 (equal weights), so slices order the deadlines.

use eevdf::entity::{SchedEntity, Tunables};
use eevdf::pick::{pick_eevdf_linear, Pick, PickCtx};
use eevdf::runqueue::{CfsRq, DequeueFlags, EnqueueFlags, EntityId, Node};
use eevdf::{Linux7_1, LoadWeight, Profile, Vlag};

/// The queue sizes of the scaling table.
pub const SIZES: [usize; 5] = [8, 64, 1024, 16_384, 131_072];

/// The profile of the scaling benchmarks.
pub const PROFILE: Profile = Profile::LINUX_7_1;

/// A deterministic xorshift64* generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// The node buffer of a queue of `n` entities (on the heap: 136 bytes each).
pub fn buffer(n: usize) -> Vec<Node> {
    vec![Node::EMPTY; n]
}

/// A queue of `n` entities in `buf`, all enqueued, none running; returns it
/// and the handles.
pub fn queue(
    buf: &mut [Node],
) -> (
    CfsRq<Linux7_1, eevdf::runqueue::BufferStore<'_>>,
    Vec<EntityId>,
) {
    let n = buf.len();
    let tun = Tunables::defaults(&PROFILE, 1, 1000);
    let mut rq = CfsRq::in_buffer(Linux7_1, tun, buf);
    let mut rng = Rng::new(0x5EED ^ n as u64);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        // Nice 0 throughout, so that slices order deadlines as intended.
        let mut se = SchedEntity::new(LoadWeight::NICE_0, 0);
        // Ahead of V: 1–2 ms of negative lag and a short slice; behind:
        // positive lag and a long one. The first entity (placed at V, its lag
        // ignored in an empty queue) is one of the behind ones.
        let ahead = i % 2 == 1;
        let lag = rng.range(1_000_000, 2_000_000) as i64;
        se.vlag = Vlag(if ahead { -lag } else { lag });
        let slice = if ahead {
            rng.range(100_000, 300_000)
        } else {
            rng.range(5_000_000, 10_000_000)
        };
        se.set_custom_slice(slice, tun.base_slice);
        let id = rq.add(se).expect("capacity n");
        rq.enqueue(id, 0, EnqueueFlags::RESTORE).expect("enqueue");
        ids.push(id);
    }
    (rq, ids)
}

/// The queued entities in tree (deadline) order, for the linear scan.
pub fn in_tree_order<S: eevdf::runqueue::NodeStore>(rq: &CfsRq<Linux7_1, S>) -> Vec<SchedEntity> {
    rq.tree_ids()
        .map(|id| *rq.entity(id).expect("live"))
        .collect()
}

/// The tree pick: `pick_eevdf` on the queue (what `pick_next` runs first).
#[inline(never)]
pub fn pick_tree<S: eevdf::runqueue::NodeStore>(rq: &CfsRq<Linux7_1, S>) -> Option<EntityId> {
    rq.peek()
}

/// The same rule by a linear scan of the entities in tree order.
#[inline(never)]
pub fn pick_linear<S: eevdf::runqueue::NodeStore>(
    rq: &CfsRq<Linux7_1, S>,
    entities: &[SchedEntity],
) -> Pick<usize> {
    let f = rq.tunables().features;
    pick_eevdf_linear(
        rq.avg(),
        entities,
        &PickCtx {
            curr: None,
            next: None,
            nr_queued: rq.nr_queued(),
            protect: true,
            features: f,
        },
    )
}

/// One dequeue (a migration: the entity leaves, keeping its lag and relative
/// deadline) and enqueue (placed again) of entity `id`.
#[inline(never)]
pub fn requeue<S: eevdf::runqueue::NodeStore>(rq: &mut CfsRq<Linux7_1, S>, id: EntityId) {
    rq.dequeue(id, 0, DequeueFlags::MIGRATE).expect("dequeue");
    rq.enqueue(id, 0, EnqueueFlags::RESTORE).expect("enqueue");
}

/// The position of the tree pick in tree order (how far a scan must go).
pub fn pick_position<S: eevdf::runqueue::NodeStore>(rq: &CfsRq<Linux7_1, S>) -> Option<usize> {
    let p = rq.peek()?;
    rq.tree_ids().position(|id| id == p)
}
