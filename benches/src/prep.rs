//! The inputs of `c/inputs.c` converted once into the library's types, and
//! the run-queue states built from them with the library's own functions
//! (outside every timed loop).

use std::sync::OnceLock;

use eevdf::avg::{AvgVruntime, Curr};
use eevdf::entity::{RqCtx, SchedEntity, Tunables};
use eevdf::wake::{CpuState, WakeAffineInput};
use eevdf::{LoadWeight, Profile, Vlag, Vtime};

use crate::c::{InEntity, InRq, InShares, Inputs, NIN, V0_INIT};

/// The profiles of the run-queue and entity benchmarks, by index.
pub const PROFILES: [Profile; 3] = [Profile::LINUX_6_6, Profile::LINUX_7_1, Profile::EXACT];

/// A run queue for V and eligibility: its sums, curr, and a probe vruntime.
#[derive(Clone, Copy)]
pub struct RqState {
    pub acc: AvgVruntime,
    pub curr: Curr,
    pub probe: Vtime,
}

/// An entity operation's state: the queue's sums and context, the entity,
/// its new weight (reweight) and ENQUEUE_INITIAL (place).
#[derive(Clone, Copy)]
pub struct EntState {
    pub acc: AvgVruntime,
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

pub struct Prepared {
    pub delta_task: Vec<(u64, LoadWeight)>,
    pub delta_group: Vec<(u64, LoadWeight)>,
    pub kw: Vec<(Vtime, u64)>,
    /// By profile index ([`PROFILES`]).
    pub rq: [Vec<RqState>; 3],
    /// The entity is in the sums (update_entity_lag, reweight_entity).
    pub in_sums: [Vec<EntState>; 3],
    /// The entity is out of the sums (place_entity).
    pub out_sums: [Vec<EntState>; 3],
    /// All NIN entities of `kw` added (the start of the remove loop).
    pub full: [AvgVruntime; 3],
    pub tun: [Tunables; 3],
    pub decay: Vec<(u64, u64)>,
    pub pelt: Vec<PeltStep>,
    pub shares: Vec<InShares>,
    pub wake: Vec<WakeAffineInput>,
}

fn lw(weight: u64, inv: u32) -> LoadWeight {
    LoadWeight::with_inv_weight(weight, inv).expect("generated weights are not 0")
}

fn rq_state(p: &Profile, r: &InRq) -> RqState {
    let mut acc = AvgVruntime::with_zero_vruntime(*p, Vtime(r.v0));
    for e in &r.tree[..r.nr as usize] {
        acc.add(Vtime(e.vruntime), e.weight).expect("in the domain");
    }
    RqState {
        acc,
        curr: (r.has_curr != 0).then_some((Vtime(r.curr.vruntime), r.curr.weight)),
        probe: Vtime(r.probe),
    }
}

fn ent_state(p: &Profile, e: &InEntity, se_in_sums: bool) -> EntState {
    let rq = rq_state(p, &e.rq);
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

fn prepare() -> Prepared {
    let i = Inputs::get();
    let rq = PROFILES.map(|p| i.rq.iter().map(|r| rq_state(&p, r)).collect());
    let in_sums = PROFILES.map(|p| i.entity.iter().map(|e| ent_state(&p, e, true)).collect());
    let out_sums = PROFILES.map(|p| i.entity.iter().map(|e| ent_state(&p, e, false)).collect());
    let full = PROFILES.map(|p| {
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(V0_INIT));
        for e in i.kw {
            acc.add(Vtime(e.vruntime), e.weight).expect("in the domain");
        }
        acc
    });
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
        rq,
        in_sums,
        out_sums,
        full,
        tun: PROFILES.map(|p| Tunables::defaults(&p, 1, 1000)),
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
