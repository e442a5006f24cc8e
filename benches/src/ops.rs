//! The Rust side of every benchmarked operation: a loop over the NIN inputs
//! calling the library (the same loop, barriers and sink as the C baseline's
//! in `c/loops.c`), and the table of operations with their C counterparts.
//!
//! Loops are `#[no_mangle]` and `#[inline(never)]` so that callgrind can
//! count each one by name (`make bench-instructions`). The release is fixed
//! at compile time, as in a kernel built for one release: the pure functions
//! take a constant profile, and the accumulator and entity loops run on state
//! typed by a zero-sized release (`AvgVruntime<Linux7_1>`), so every knob is
//! a constant. The `_rt_7_1` loops run the same 7.1 operations on state over
//! a run-time [`Profile`] (`AvgVruntime<Profile>`): the cost
//! of choosing the release at run time.
//!
//! A `_noflag` loop calls the same library function and drops its wrap flag:
//! once the function is inlined the compiler deletes the flag's computation,
//! which is how "the same operation without the wrap detection" is measured
//! without a second copy of any formula.

use eevdf::avg::AvgVruntime;
use eevdf::entity::{overflowing_update_entity_lag, place_entity, reweight_entity, PlaceFlags};
use eevdf::group::overflowing_calc_group_shares;
use eevdf::pelt::{decay_load, update_load_avg_se, SchedAvg};
use eevdf::wake::overflowing_wake_affine_weight;
use eevdf::weight::overflowing_calc_delta_fair;
use eevdf::{Features, Profile, Rules};

use crate::c::{self, CLoop};
use crate::prep::{prep, Release};

/// Keeps `x` in a register and opaque to the optimiser: the `+r` barrier of
/// the C loops.
#[inline(always)]
pub fn barrier(x: &mut u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: an empty asm statement that only claims to read and write `x`.
    unsafe {
        core::arch::asm!(
            "/* {0} */",
            inout(reg) * x,
            options(nomem, nostack, preserves_flags)
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        *x = core::hint::black_box(*x);
    }
}

/// Forces `*p` to memory, as if read and written by unknown code (the C
/// loops' `CLOBBER`): state that the kernel keeps in memory stays there.
#[inline(always)]
pub fn clobber<T>(p: &mut T) {
    core::hint::black_box(p);
}

/// The harness alone: loop control, one input load and the sink.
#[no_mangle]
#[inline(never)]
pub fn rs_empty(reps: usize) -> u64 {
    let inp = &prep().delta_task;
    let mut sink = 0;
    for _ in 0..reps {
        for x in inp {
            sink ^= x.0;
            barrier(&mut sink);
        }
    }
    sink
}

macro_rules! cdf {
    ($name:ident, $noflag:ident, $inputs:ident, $p:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let inp = &prep().$inputs;
            let mut sink = 0;
            for _ in 0..reps {
                for (d, lw) in inp {
                    let (v, w) = overflowing_calc_delta_fair(&$p, *d, lw);
                    sink ^= v ^ w as u64;
                    barrier(&mut sink);
                }
            }
            sink
        }
        #[no_mangle]
        #[inline(never)]
        pub fn $noflag(reps: usize) -> u64 {
            let inp = &prep().$inputs;
            let mut sink = 0;
            for _ in 0..reps {
                for (d, lw) in inp {
                    sink ^= overflowing_calc_delta_fair(&$p, *d, lw).0;
                    barrier(&mut sink);
                }
            }
            sink
        }
    };
}

cdf!(
    rs_cdf_task_6_6,
    rs_cdf_task_6_6_noflag,
    delta_task,
    Profile::LINUX_6_6
);
cdf!(
    rs_cdf_task_6_18,
    rs_cdf_task_6_18_noflag,
    delta_task,
    Profile::LINUX_6_18
);
cdf!(
    rs_cdf_task_7_0,
    rs_cdf_task_7_0_noflag,
    delta_task,
    Profile::LINUX_7_0
);
cdf!(
    rs_cdf_task_7_1,
    rs_cdf_task_7_1_noflag,
    delta_task,
    Profile::LINUX_7_1
);
cdf!(
    rs_cdf_task_exact,
    rs_cdf_task_exact_noflag,
    delta_task,
    Profile::EXACT
);
cdf!(
    rs_cdf_group_6_6,
    rs_cdf_group_6_6_noflag,
    delta_group,
    Profile::LINUX_6_6
);
cdf!(
    rs_cdf_group_6_18,
    rs_cdf_group_6_18_noflag,
    delta_group,
    Profile::LINUX_6_18
);
cdf!(
    rs_cdf_group_7_0,
    rs_cdf_group_7_0_noflag,
    delta_group,
    Profile::LINUX_7_0
);
cdf!(
    rs_cdf_group_7_1,
    rs_cdf_group_7_1_noflag,
    delta_group,
    Profile::LINUX_7_1
);
cdf!(
    rs_cdf_group_exact,
    rs_cdf_group_exact_noflag,
    delta_group,
    Profile::EXACT
);

macro_rules! sums {
    ($name:ident, $rel:ident, $start:expr, $op:ident) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let pr = prep();
            let mut sink = 0;
            for _ in 0..reps {
                let mut acc = $start(&pr.$rel);
                for &(v, w) in &pr.kw {
                    sink ^= acc.$op(v, w).is_err() as u64;
                    clobber(&mut acc);
                }
                sink ^= acc.sum_w_vruntime() as u64 ^ acc.sum_weight();
                barrier(&mut sink);
            }
            sink
        }
    };
}

#[inline(always)]
fn empty_acc<R: Rules>(r: &Release<R>) -> AvgVruntime<R> {
    AvgVruntime::with_zero_vruntime(r.rel, eevdf::Vtime(c::V0_INIT))
}

#[inline(always)]
fn full_acc<R: Rules>(r: &Release<R>) -> AvgVruntime<R> {
    r.full
}

sums!(rs_add_6_6, l66, empty_acc, add);
sums!(rs_add_7_1, l71, empty_acc, add);
sums!(rs_add_exact, exact, empty_acc, add);
sums!(rs_add_rt_7_1, rt71, empty_acc, add);
sums!(rs_remove_6_6, l66, full_acc, remove);
sums!(rs_remove_7_1, l71, full_acc, remove);
sums!(rs_remove_exact, exact, full_acc, remove);
sums!(rs_remove_rt_7_1, rt71, full_acc, remove);

macro_rules! avg {
    ($name:ident, $noflag:ident, $rel:ident) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let states = &prep().$rel.rq;
            let mut sink = 0;
            for _ in 0..reps {
                for st in states {
                    let mut a = st.acc;
                    match a.overflowing_avg_vruntime(st.curr) {
                        Ok((v, w)) => sink ^= v.0 ^ a.sum_w_vruntime() as u64 ^ w as u64,
                        Err(_) => sink ^= 1,
                    }
                    barrier(&mut sink);
                }
            }
            sink
        }
        #[no_mangle]
        #[inline(never)]
        pub fn $noflag(reps: usize) -> u64 {
            let states = &prep().$rel.rq;
            let mut sink = 0;
            for _ in 0..reps {
                for st in states {
                    let mut a = st.acc;
                    match a.overflowing_avg_vruntime(st.curr) {
                        Ok((v, _)) => sink ^= v.0 ^ a.sum_w_vruntime() as u64,
                        Err(_) => sink ^= 1,
                    }
                    barrier(&mut sink);
                }
            }
            sink
        }
    };
}

avg!(rs_avg_6_6, rs_avg_6_6_noflag, l66);
avg!(rs_avg_7_1, rs_avg_7_1_noflag, l71);
avg!(rs_avg_exact, rs_avg_exact_noflag, exact);
avg!(rs_avg_rt_7_1, rs_avg_rt_7_1_noflag, rt71);

macro_rules! elig {
    ($name:ident, $noflag:ident, $rel:ident) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let states = &prep().$rel.rq;
            let mut sink = 0;
            for _ in 0..reps {
                for st in states {
                    let (e, w) = st.acc.overflowing_vruntime_eligible(st.probe, st.curr);
                    sink ^= e as u64 ^ (w as u64) << 1;
                    barrier(&mut sink);
                }
            }
            sink
        }
        #[no_mangle]
        #[inline(never)]
        pub fn $noflag(reps: usize) -> u64 {
            let states = &prep().$rel.rq;
            let mut sink = 0;
            for _ in 0..reps {
                for st in states {
                    sink ^= st.acc.overflowing_vruntime_eligible(st.probe, st.curr).0 as u64;
                    barrier(&mut sink);
                }
            }
            sink
        }
    };
}

elig!(rs_elig_6_6, rs_elig_6_6_noflag, l66);
elig!(rs_elig_7_1, rs_elig_7_1_noflag, l71);
elig!(rs_elig_exact, rs_elig_exact_noflag, exact);
elig!(rs_elig_rt_7_1, rs_elig_rt_7_1_noflag, rt71);

/// One entity operation per input on a copy of the prepared state: `$body`
/// sees `tun`, `a` (the sums, which carry the release), `se` and `st`, and
/// returns `(u64 folded result, wrapped)`.
macro_rules! entity {
    ($name:ident, $noflag:ident, $rel:ident, $states:ident,
     |$tun:ident, $a:ident, $se:ident, $st:ident| $body:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let r = &prep().$rel;
            let $tun = &r.tun;
            let mut sink = 0;
            for _ in 0..reps {
                for $st in &r.$states {
                    let (mut $a, mut $se) = ($st.acc, $st.se);
                    let (r, w): (u64, bool) = $body;
                    sink ^= r ^ w as u64;
                    barrier(&mut sink);
                }
            }
            sink
        }
        #[no_mangle]
        #[inline(never)]
        pub fn $noflag(reps: usize) -> u64 {
            let r = &prep().$rel;
            let $tun = &r.tun;
            let mut sink = 0;
            for _ in 0..reps {
                for $st in &r.$states {
                    let (mut $a, mut $se) = ($st.acc, $st.se);
                    let (r, _): (u64, bool) = $body;
                    sink ^= r;
                    barrier(&mut sink);
                }
            }
            sink
        }
    };
}

macro_rules! lag {
    ($name:ident, $noflag:ident, $rel:ident) => {
        entity!($name, $noflag, $rel, in_sums, |tun, a, se, st| {
            match overflowing_update_entity_lag(&mut a, &st.ctx, &mut se, tun) {
                Ok((r, w)) => (
                    se.vlag.0 as u64 ^ r.must_replace() as u64 ^ a.zero_vruntime().0,
                    w,
                ),
                Err(_) => (1, false),
            }
        });
    };
}

lag!(rs_lag_6_6, rs_lag_6_6_noflag, l66);
lag!(rs_lag_7_1, rs_lag_7_1_noflag, l71);
lag!(rs_lag_exact, rs_lag_exact_noflag, exact);
lag!(rs_lag_rt_7_1, rs_lag_rt_7_1_noflag, rt71);

macro_rules! place {
    ($name:ident, $noflag:ident, $rel:ident) => {
        entity!($name, $noflag, $rel, out_sums, |tun, a, se, st| {
            let flags = PlaceFlags {
                initial: st.initial,
            };
            match place_entity(&mut a, &st.ctx, &mut se, flags, tun) {
                Ok(w) => (
                    se.vruntime.0 ^ se.deadline.0 ^ a.zero_vruntime().0,
                    w.is_wrapped(),
                ),
                Err(_) => (1, false),
            }
        });
    };
}

place!(rs_place_6_6, rs_place_6_6_noflag, l66);
place!(rs_place_7_1, rs_place_7_1_noflag, l71);
place!(rs_place_exact, rs_place_exact_noflag, exact);
place!(rs_place_rt_7_1, rs_place_rt_7_1_noflag, rt71);

macro_rules! reweight {
    ($name:ident, $noflag:ident, $rel:ident) => {
        entity!($name, $noflag, $rel, in_sums, |tun, a, se, st| {
            match reweight_entity(&mut a, &st.ctx, &mut se, st.new_load, tun) {
                Ok(w) => (
                    se.vruntime.0 ^ se.deadline.0 ^ a.sum_w_vruntime() as u64,
                    w.is_wrapped(),
                ),
                Err(_) => (1, false),
            }
        });
    };
}

reweight!(rs_reweight_6_6, rs_reweight_6_6_noflag, l66);
reweight!(rs_reweight_7_1, rs_reweight_7_1_noflag, l71);
reweight!(rs_reweight_exact, rs_reweight_exact_noflag, exact);
reweight!(rs_reweight_rt_7_1, rs_reweight_rt_7_1_noflag, rt71);

#[no_mangle]
#[inline(never)]
pub fn rs_decay(reps: usize) -> u64 {
    let inp = &prep().decay;
    let mut sink = 0;
    for _ in 0..reps {
        for &(val, n) in inp {
            sink ^= decay_load(val, n);
            barrier(&mut sink);
        }
    }
    sink
}

#[no_mangle]
#[inline(never)]
pub fn rs_pelt(reps: usize) -> u64 {
    let inp = &prep().pelt;
    let mut sink = 0;
    for _ in 0..reps {
        let mut sa = SchedAvg::ZERO;
        let mut now = 0u64;
        for s in inp {
            now = now.wrapping_add(s.step);
            update_load_avg_se(now, &mut sa, &s.weight, s.on_rq, s.on_rq as u64, s.running);
            clobber(&mut sa);
        }
        sink ^= sa.load_avg ^ sa.util_avg;
        barrier(&mut sink);
    }
    sink
}

macro_rules! shares {
    ($name:ident, $noflag:ident, $p:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let inp = &prep().shares;
            let mut sink = 0;
            for _ in 0..reps {
                for s in inp {
                    let r = overflowing_calc_group_shares(
                        &$p,
                        s.tg_shares,
                        s.tg_load_avg,
                        s.tg_load_avg_contrib,
                        s.grq_load_weight,
                        s.grq_load_avg,
                    );
                    sink ^= match r {
                        Ok((v, w)) => v ^ w as u64,
                        Err(_) => 1,
                    };
                    barrier(&mut sink);
                }
            }
            sink
        }
        #[no_mangle]
        #[inline(never)]
        pub fn $noflag(reps: usize) -> u64 {
            let inp = &prep().shares;
            let mut sink = 0;
            for _ in 0..reps {
                for s in inp {
                    let r = overflowing_calc_group_shares(
                        &$p,
                        s.tg_shares,
                        s.tg_load_avg,
                        s.tg_load_avg_contrib,
                        s.grq_load_weight,
                        s.grq_load_avg,
                    );
                    sink ^= match r {
                        Ok((v, _)) => v,
                        Err(_) => 1,
                    };
                    barrier(&mut sink);
                }
            }
            sink
        }
    };
}

shares!(rs_shares_linux, rs_shares_linux_noflag, Profile::LINUX_7_1);
shares!(rs_shares_exact, rs_shares_exact_noflag, Profile::EXACT);

macro_rules! wake {
    ($name:ident, $noflag:ident, $p:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let inp = &prep().wake;
            let f = Features::defaults($p.release);
            let mut sink = 0;
            for _ in 0..reps {
                for w in inp {
                    let (t, wr) = overflowing_wake_affine_weight(&$p, f, w);
                    sink ^= t as u64 ^ (wr as u64) << 2;
                    barrier(&mut sink);
                }
            }
            sink
        }
        #[no_mangle]
        #[inline(never)]
        pub fn $noflag(reps: usize) -> u64 {
            let inp = &prep().wake;
            let f = Features::defaults($p.release);
            let mut sink = 0;
            for _ in 0..reps {
                for w in inp {
                    sink ^= overflowing_wake_affine_weight(&$p, f, w).0 as u64;
                    barrier(&mut sink);
                }
            }
            sink
        }
    };
}

wake!(rs_wake_linux, rs_wake_linux_noflag, Profile::LINUX_7_1);
wake!(rs_wake_exact, rs_wake_exact_noflag, Profile::EXACT);

/// A benchmarked operation: its Rust loop, the same loop without the wrap
/// flag (when the operation returns one), and the C baseline's loop.
pub struct Op {
    /// `operation/profile`, e.g. `calc_delta_fair task/7.1`.
    pub name: &'static str,
    /// The loop's symbol (for callgrind).
    pub rust_sym: &'static str,
    pub rust: fn(usize) -> u64,
    pub noflag: Option<fn(usize) -> u64>,
    /// The C baseline's loop and symbol; `exact_vs_71` marks an EXACT
    /// operation compared with the 7.1 kernel formula (EXACT has no kernel
    /// counterpart).
    pub c_sym: &'static str,
    pub c: CLoop,
    pub exact_vs_71: bool,
}

macro_rules! op {
    ($name:expr, $rs:ident, $nf:expr, $c:ident) => {
        op!($name, $rs, $nf, $c, false)
    };
    ($name:expr, $rs:ident, $nf:expr, $c:ident, $ex:expr) => {
        Op {
            name: $name,
            rust_sym: stringify!($rs),
            rust: $rs,
            noflag: $nf,
            c_sym: stringify!($c),
            c: c::$c,
            exact_vs_71: $ex,
        }
    };
}

/// Every operation, in table order.
pub fn all() -> Vec<Op> {
    vec![
        op!(
            "calc_delta_fair task/6.6",
            rs_cdf_task_6_6,
            Some(rs_cdf_task_6_6_noflag),
            bench_c_cdf_task_66
        ),
        op!(
            "calc_delta_fair task/6.18",
            rs_cdf_task_6_18,
            Some(rs_cdf_task_6_18_noflag),
            bench_c_cdf_task_66
        ),
        op!(
            "calc_delta_fair task/7.0",
            rs_cdf_task_7_0,
            Some(rs_cdf_task_7_0_noflag),
            bench_c_cdf_task_66
        ),
        op!(
            "calc_delta_fair task/7.1",
            rs_cdf_task_7_1,
            Some(rs_cdf_task_7_1_noflag),
            bench_c_cdf_task_71
        ),
        op!(
            "calc_delta_fair task/exact",
            rs_cdf_task_exact,
            Some(rs_cdf_task_exact_noflag),
            bench_c_cdf_task_exact
        ),
        op!(
            "calc_delta_fair group/6.6",
            rs_cdf_group_6_6,
            Some(rs_cdf_group_6_6_noflag),
            bench_c_cdf_group_66
        ),
        op!(
            "calc_delta_fair group/6.18",
            rs_cdf_group_6_18,
            Some(rs_cdf_group_6_18_noflag),
            bench_c_cdf_group_66
        ),
        op!(
            "calc_delta_fair group/7.0",
            rs_cdf_group_7_0,
            Some(rs_cdf_group_7_0_noflag),
            bench_c_cdf_group_66
        ),
        op!(
            "calc_delta_fair group/7.1",
            rs_cdf_group_7_1,
            Some(rs_cdf_group_7_1_noflag),
            bench_c_cdf_group_71
        ),
        op!(
            "calc_delta_fair group/exact",
            rs_cdf_group_exact,
            Some(rs_cdf_group_exact_noflag),
            bench_c_cdf_group_exact
        ),
        op!("avg add/6.6", rs_add_6_6, None, bench_c_add_66),
        op!("avg add/7.1", rs_add_7_1, None, bench_c_add_71),
        op!("avg add/exact", rs_add_exact, None, bench_c_add_71, true),
        op!("avg add/7.1 run-time", rs_add_rt_7_1, None, bench_c_add_71),
        op!("avg remove/6.6", rs_remove_6_6, None, bench_c_remove_66),
        op!("avg remove/7.1", rs_remove_7_1, None, bench_c_remove_71),
        op!(
            "avg remove/exact",
            rs_remove_exact,
            None,
            bench_c_remove_71,
            true
        ),
        op!(
            "avg remove/7.1 run-time",
            rs_remove_rt_7_1,
            None,
            bench_c_remove_71
        ),
        op!(
            "avg_vruntime/6.6",
            rs_avg_6_6,
            Some(rs_avg_6_6_noflag),
            bench_c_avg_66
        ),
        op!(
            "avg_vruntime/7.1",
            rs_avg_7_1,
            Some(rs_avg_7_1_noflag),
            bench_c_avg_71
        ),
        op!(
            "avg_vruntime/exact",
            rs_avg_exact,
            Some(rs_avg_exact_noflag),
            bench_c_avg_71,
            true
        ),
        op!(
            "avg_vruntime/7.1 run-time",
            rs_avg_rt_7_1,
            Some(rs_avg_rt_7_1_noflag),
            bench_c_avg_71
        ),
        op!(
            "eligible/6.6",
            rs_elig_6_6,
            Some(rs_elig_6_6_noflag),
            bench_c_elig_66
        ),
        op!(
            "eligible/7.1",
            rs_elig_7_1,
            Some(rs_elig_7_1_noflag),
            bench_c_elig_71
        ),
        op!(
            "eligible/exact",
            rs_elig_exact,
            Some(rs_elig_exact_noflag),
            bench_c_elig_71,
            true
        ),
        op!(
            "eligible/7.1 run-time",
            rs_elig_rt_7_1,
            Some(rs_elig_rt_7_1_noflag),
            bench_c_elig_71
        ),
        op!(
            "update_entity_lag/6.6",
            rs_lag_6_6,
            Some(rs_lag_6_6_noflag),
            bench_c_lag_66
        ),
        op!(
            "update_entity_lag/7.1",
            rs_lag_7_1,
            Some(rs_lag_7_1_noflag),
            bench_c_lag_71
        ),
        op!(
            "update_entity_lag/exact",
            rs_lag_exact,
            Some(rs_lag_exact_noflag),
            bench_c_lag_71,
            true
        ),
        op!(
            "update_entity_lag/7.1 run-time",
            rs_lag_rt_7_1,
            Some(rs_lag_rt_7_1_noflag),
            bench_c_lag_71
        ),
        op!(
            "place_entity/6.6",
            rs_place_6_6,
            Some(rs_place_6_6_noflag),
            bench_c_place_66
        ),
        op!(
            "place_entity/7.1",
            rs_place_7_1,
            Some(rs_place_7_1_noflag),
            bench_c_place_71
        ),
        op!(
            "place_entity/exact",
            rs_place_exact,
            Some(rs_place_exact_noflag),
            bench_c_place_71,
            true
        ),
        op!(
            "place_entity/7.1 run-time",
            rs_place_rt_7_1,
            Some(rs_place_rt_7_1_noflag),
            bench_c_place_71
        ),
        op!(
            "reweight_entity/6.6",
            rs_reweight_6_6,
            Some(rs_reweight_6_6_noflag),
            bench_c_reweight_66
        ),
        op!(
            "reweight_entity/7.1",
            rs_reweight_7_1,
            Some(rs_reweight_7_1_noflag),
            bench_c_reweight_71
        ),
        op!(
            "reweight_entity/exact",
            rs_reweight_exact,
            Some(rs_reweight_exact_noflag),
            bench_c_reweight_71,
            true
        ),
        op!(
            "reweight_entity/7.1 run-time",
            rs_reweight_rt_7_1,
            Some(rs_reweight_rt_7_1_noflag),
            bench_c_reweight_71
        ),
        op!("decay_load", rs_decay, None, bench_c_decay),
        op!("update_load_avg_se (PELT)", rs_pelt, None, bench_c_pelt),
        op!(
            "calc_group_shares/linux",
            rs_shares_linux,
            Some(rs_shares_linux_noflag),
            bench_c_shares
        ),
        op!(
            "calc_group_shares/exact",
            rs_shares_exact,
            Some(rs_shares_exact_noflag),
            bench_c_shares,
            true
        ),
        op!(
            "wake_affine_weight/linux",
            rs_wake_linux,
            Some(rs_wake_linux_noflag),
            bench_c_wake
        ),
        op!(
            "wake_affine_weight/exact",
            rs_wake_exact,
            Some(rs_wake_exact_noflag),
            bench_c_wake,
            true
        ),
    ]
}
