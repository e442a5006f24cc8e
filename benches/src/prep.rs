//! The inputs of `c/inputs.c` converted once into the library's types, and
//! the run-queue states built from them with the library's own functions
//! (outside every timed loop).
//!
//! The run-queue states are typed by their release ([`Rules`]): the 6.6, 7.1
//! and EXACT states are built over the zero-sized releases, as a kernel built
//! for one release holds them, and one more 7.1 set over a run-time
//! [`Profile`] shows what choosing the release at run time costs.

use std::sync::OnceLock;

use eevdf::avg::{AvgVruntime, Curr};
use eevdf::entity::{RqCtx, SchedEntity, Tunables};
use eevdf::wake::{CpuState, WakeAffineInput};
use eevdf::{Exact, Linux6_6, Linux7_1, LoadWeight, Profile, Rules, Vlag, Vtime};

use crate::c::{InEntity, InRq, InShares, Inputs, NIN, V0_INIT};

/// A run queue for V and eligibility: its sums, curr, and a probe vruntime.
#[derive(Clone, Copy)]
pub struct RqState<R: Rules> {
    pub acc: AvgVruntime<R>,
    pub curr: Curr,
    pub probe: Vtime,
}

/// An entity operation's state: the queue's sums and context, the entity,
/// its new weight (reweight) and ENQUEUE_INITIAL (place).
#[derive(Clone, Copy)]
pub struct EntState<R: Rules> {
    pub acc: AvgVruntime<R>,
    pub ctx: RqCtx,
    pub se: SchedEntity,
    pub new_load: LoadWeight,
    pub initial: bool,
}

/// One PELT step: clock advance, weight, on_rq, running.
#[derive(Clone, Copy)]
pub struct PeltStep {
    pub step: u64,
    pub weight: LoadWeight,
    pub on_rq: bool,
    pub running: bool,
}

/// The run-queue and entity states of one release.
pub struct Release<R: Rules> {
    pub rel: R,
    pub rq: Vec<RqState<R>>,
    /// The entity is in the sums (update_entity_lag, reweight_entity).
    pub in_sums: Vec<EntState<R>>,
    /// The entity is out of the sums (place_entity).
    pub out_sums: Vec<EntState<R>>,
    /// All NIN entities of `kw` added (the start of the remove loop).
    pub full: AvgVruntime<R>,
    pub tun: Tunables,
}

pub struct Prepared {
    pub delta_task: Vec<(u64, LoadWeight)>,
    pub delta_group: Vec<(u64, LoadWeight)>,
    pub kw: Vec<(Vtime, u64)>,
    /// The states of each release: fixed at compile time, and 7.1 chosen
    /// at run time.
    pub l66: Release<Linux6_6>,
    pub l71: Release<Linux7_1>,
    pub exact: Release<Exact>,
    pub rt71: Release<Profile>,
    pub decay: Vec<(u64, u64)>,
    pub pelt: Vec<PeltStep>,
    pub shares: Vec<InShares>,
    pub wake: Vec<WakeAffineInput>,
}

fn lw(weight: u64, inv: u32) -> LoadWeight {
    LoadWeight::with_inv_weight(weight, inv).expect("generated weights are not 0")
}

fn rq_state<R: Rules>(rel: R, r: &InRq) -> RqState<R> {
    let mut acc = AvgVruntime::with_zero_vruntime(rel, Vtime(r.v0));
    for e in &r.tree[..r.nr as usize] {
        acc.add(Vtime(e.vruntime), e.weight).expect("in the domain");
    }
    RqState {
        acc,
        curr: (r.has_curr != 0).then_some((Vtime(r.curr.vruntime), r.curr.weight)),
        probe: Vtime(r.probe),
    }
}

fn ent_state<R: Rules>(rel: R, e: &InEntity, se_in_sums: bool) -> EntState<R> {
    let rq = rq_state(rel, &e.rq);
    let mut se = SchedEntity::new(lw(e.weight, e.inv_weight), e.slice);
    se.vruntime = Vtime(e.vruntime);
    se.deadline = Vtime(e.deadline);
    se.vlag = Vlag(e.vlag);
    se.on_rq = se_in_sums;
    let mut acc = rq.acc;
    let mut nr_queued = e.rq.nr + e.rq.has_curr;
    if se_in_sums {
        acc.add(se.vruntime, e.weight).expect("in the domain");
        nr_queued += 1;
    }
    EntState {
        acc,
        ctx: RqCtx::new(rq.curr, nr_queued, e.max_slice),
        se,
        new_load: lw(e.new_weight, e.new_inv_weight),
        initial: e.initial != 0,
    }
}

fn cpu(load_avg: u64, capacity: u64) -> CpuState {
    CpuState {
        load_avg,
        capacity,
        ..CpuState::default()
    }
}

fn release<R: Rules>(rel: R) -> Release<R> {
    let i = Inputs::get();
    let mut full = AvgVruntime::with_zero_vruntime(rel, Vtime(V0_INIT));
    for e in i.kw {
        full.add(Vtime(e.vruntime), e.weight)
            .expect("in the domain");
    }
    Release {
        rel,
        rq: i.rq.iter().map(|r| rq_state(rel, r)).collect(),
        in_sums: i.entity.iter().map(|e| ent_state(rel, e, true)).collect(),
        out_sums: i.entity.iter().map(|e| ent_state(rel, e, false)).collect(),
        full,
        tun: Tunables::defaults(&rel.profile(), 1, 1000),
    }
}

fn prepare() -> Prepared {
    let i = Inputs::get();
    let prep = Prepared {
        delta_task: i
            .delta_task
            .iter()
            .map(|d| (d.delta, lw(d.weight, d.inv_weight)))
            .collect(),
        delta_group: i
            .delta_group
            .iter()
            .map(|d| (d.delta, lw(d.weight, d.inv_weight)))
            .collect(),
        kw: i.kw.iter().map(|e| (Vtime(e.vruntime), e.weight)).collect(),
        l66: release(Linux6_6),
        l71: release(Linux7_1),
        exact: release(Exact),
        rt71: release(Profile::LINUX_7_1),
        decay: i.decay.iter().map(|d| (d.val, d.n)).collect(),
        pelt: i
            .pelt
            .iter()
            .map(|s| PeltStep {
                step: s.step,
                weight: lw(s.weight, 0),
                on_rq: s.on_rq != 0,
                running: s.running != 0,
            })
            .collect(),
        shares: i.shares.to_vec(),
        wake: i
            .wake
            .iter()
            .map(|w| WakeAffineInput {
                this: cpu(w.this_load, w.this_capacity),
                prev: cpu(w.prev_load, w.prev_capacity),
                task_h_load: w.task_h_load,
                current_h_load: w.current_h_load,
                imbalance_pct: w.imbalance_pct,
                share_llc: true,
                sync: w.sync != 0,
            })
            .collect(),
    };
    assert!(prep.delta_task.len() == NIN && prep.pelt.len() == NIN);
    prep
}

/// The prepared inputs (built on first use).
pub fn prep() -> &'static Prepared {
    static PREP: OnceLock<Prepared> = OnceLock::new();
    PREP.get_or_init(prepare)
}
