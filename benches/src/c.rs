//! The C side: the inputs of `c/inputs.c` and the baseline loops and
//! reference results of `c/loops.c` (linked by `build.rs`).

/// Inputs per operation (`NIN` in `c/inputs.h`).
pub const NIN: usize = 512;
/// Entities in a generated run queue at most (`RQ_MAX`).
pub const RQ_MAX: usize = 8;
/// The kernel's initial v0.
pub const V0_INIT: u64 = 0u64.wrapping_sub(1 << 20);
/// `cfs_rq_max_slice`-independent tunables of the benchmark's queues.
pub const TICK_NSEC: u64 = 1_000_000;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InDelta {
    pub delta: u64,
    pub weight: u64,
    pub inv_weight: u32,
    pub pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InKw {
    pub vruntime: u64,
    pub weight: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InRq {
    pub v0: u64,
    pub tree: [InKw; RQ_MAX],
    pub nr: u32,
    pub has_curr: u32,
    pub curr: InKw,
    pub probe: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InEntity {
    pub rq: InRq,
    pub weight: u64,
    pub inv_weight: u32,
    pub initial: u32,
    pub vruntime: u64,
    pub deadline: u64,
    pub slice: u64,
    pub vlag: i64,
    pub new_weight: u64,
    pub new_inv_weight: u32,
    pub pad: u32,
    pub max_slice: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InDecay {
    pub val: u64,
    pub n: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InPelt {
    pub step: u64,
    pub weight: u64,
    pub on_rq: u32,
    pub running: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InShares {
    pub tg_shares: u64,
    pub tg_load_avg: u64,
    pub tg_load_avg_contrib: u64,
    pub grq_load_weight: u64,
    pub grq_load_avg: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct InWake {
    pub this_load: u64,
    pub prev_load: u64,
    pub this_capacity: u64,
    pub prev_capacity: u64,
    pub task_h_load: u64,
    pub current_h_load: u64,
    pub imbalance_pct: u32,
    pub sync: u32,
}

/// A benchmark loop: runs its operation over the NIN inputs `reps` times.
pub type CLoop = unsafe extern "C" fn(usize) -> u64;

extern "C" {
    fn bench_in_delta_task() -> *const InDelta;
    fn bench_in_delta_group() -> *const InDelta;
    fn bench_in_kw() -> *const InKw;
    fn bench_in_rq() -> *const InRq;
    fn bench_in_entity() -> *const InEntity;
    fn bench_in_decay() -> *const InDecay;
    fn bench_in_pelt() -> *const InPelt;
    fn bench_in_shares() -> *const InShares;
    fn bench_in_wake() -> *const InWake;

    pub fn bench_c_init();
    pub fn bench_c_empty(reps: usize) -> u64;
    pub fn bench_c_cdf_task_66(reps: usize) -> u64;
    pub fn bench_c_cdf_task_71(reps: usize) -> u64;
    pub fn bench_c_cdf_task_exact(reps: usize) -> u64;
    pub fn bench_c_cdf_group_66(reps: usize) -> u64;
    pub fn bench_c_cdf_group_71(reps: usize) -> u64;
    pub fn bench_c_cdf_group_exact(reps: usize) -> u64;
    pub fn bench_c_add_66(reps: usize) -> u64;
    pub fn bench_c_add_71(reps: usize) -> u64;
    pub fn bench_c_remove_66(reps: usize) -> u64;
    pub fn bench_c_remove_71(reps: usize) -> u64;
    pub fn bench_c_avg_66(reps: usize) -> u64;
    pub fn bench_c_avg_71(reps: usize) -> u64;
    pub fn bench_c_elig_66(reps: usize) -> u64;
    pub fn bench_c_elig_71(reps: usize) -> u64;
    pub fn bench_c_lag_66(reps: usize) -> u64;
    pub fn bench_c_lag_71(reps: usize) -> u64;
    pub fn bench_c_place_66(reps: usize) -> u64;
    pub fn bench_c_place_71(reps: usize) -> u64;
    pub fn bench_c_reweight_66(reps: usize) -> u64;
    pub fn bench_c_reweight_71(reps: usize) -> u64;
    pub fn bench_c_decay(reps: usize) -> u64;
    pub fn bench_c_pelt(reps: usize) -> u64;
    pub fn bench_c_shares(reps: usize) -> u64;
    pub fn bench_c_wake(reps: usize) -> u64;

    pub fn bench_c_ref_cdf(which: usize, i: usize, out: *mut [u64; 6]);
    pub fn bench_c_ref_sums(gen71: i32, remove: i32, n: usize, out: *mut [u64; 6]);
    pub fn bench_c_ref_avg(gen71: i32, i: usize, out: *mut [u64; 6]);
    pub fn bench_c_ref_entity(gen71: i32, op: i32, i: usize, out: *mut [u64; 6]);
    pub fn bench_c_ref_load(i: usize, out: *mut [u64; 6]);
    pub fn bench_c_ref_pelt(n: usize, out: *mut [u64; 6]);
}

fn slice<T>(p: *const T) -> &'static [T] {
    // SAFETY: every accessor returns a static array of NIN elements, generated
    // before it returns and never written again.
    unsafe { core::slice::from_raw_parts(p, NIN) }
}

/// The generated inputs (the C arrays, read-only).
pub struct Inputs {
    pub delta_task: &'static [InDelta],
    pub delta_group: &'static [InDelta],
    pub kw: &'static [InKw],
    pub rq: &'static [InRq],
    pub entity: &'static [InEntity],
    pub decay: &'static [InDecay],
    pub pelt: &'static [InPelt],
    pub shares: &'static [InShares],
    pub wake: &'static [InWake],
}

impl Inputs {
    pub fn get() -> Inputs {
        // SAFETY: plain C functions without preconditions.
        unsafe {
            bench_c_init();
            Inputs {
                delta_task: slice(bench_in_delta_task()),
                delta_group: slice(bench_in_delta_group()),
                kw: slice(bench_in_kw()),
                rq: slice(bench_in_rq()),
                entity: slice(bench_in_entity()),
                decay: slice(bench_in_decay()),
                pelt: slice(bench_in_pelt()),
                shares: slice(bench_in_shares()),
                wake: slice(bench_in_wake()),
            }
        }
    }
}

/// Calls a reference-result function with a fresh output array.
pub fn reference(f: impl FnOnce(*mut [u64; 6])) -> [u64; 6] {
    let mut out = [0u64; 6];
    f(&mut out);
    out
}
