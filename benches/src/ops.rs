//! The Rust side of every benchmarked operation: a loop over the NIN inputs
//! calling the library (the same loop, barriers and sink as the C baseline's
//! in `c/loops.c`), and the table of operations with their C counterparts.
//!
//! Loops are `#[no_mangle]` and `#[inline(never)]` so that callgrind can
//! count each one by name (`make bench-instructions`). Profiles are constants,
//! as in a kernel built for one release; the accumulator carries its profile
//! at run time, as the library stores it.
//!
//! A `_noflag` loop calls the same library function and drops its wrap flag:
//! once the function is inlined the compiler deletes the flag's computation,
//! which is how "the same operation without the wrap detection" is measured
//! without a second copy of any formula.

use eevdf::entity::{overflowing_update_entity_lag, place_entity, reweight_entity, PlaceFlags};
use eevdf::group::overflowing_calc_group_shares;
use eevdf::pelt::{decay_load, update_load_avg_se, SchedAvg};
use eevdf::wake::overflowing_wake_affine_weight;
use eevdf::weight::overflowing_calc_delta_fair;
use eevdf::{Features, Profile};

use crate::c::{self, CLoop};
use crate::prep::{prep, EntState};

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
    ($name:ident, $pi:expr, $start:expr, $op:ident) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let pr = prep();
            let mut sink = 0;
            for _ in 0..reps {
                let mut acc = $start(pr, $pi);
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

fn empty_acc(_: &crate::prep::Prepared, pi: usize) -> eevdf::avg::AvgVruntime {
    eevdf::avg::AvgVruntime::with_zero_vruntime(crate::prep::PROFILES[pi], eevdf::Vtime(c::V0_INIT))
}

fn full_acc(pr: &crate::prep::Prepared, pi: usize) -> eevdf::avg::AvgVruntime {
    pr.full[pi]
}

sums!(rs_add_6_6, 0, empty_acc, add);
sums!(rs_add_7_1, 1, empty_acc, add);
sums!(rs_add_exact, 2, empty_acc, add);
sums!(rs_remove_6_6, 0, full_acc, remove);
sums!(rs_remove_7_1, 1, full_acc, remove);
sums!(rs_remove_exact, 2, full_acc, remove);

macro_rules! avg {
    ($name:ident, $noflag:ident, $pi:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let states = &prep().rq[$pi];
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
            let states = &prep().rq[$pi];
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

avg!(rs_avg_6_6, rs_avg_6_6_noflag, 0);
avg!(rs_avg_7_1, rs_avg_7_1_noflag, 1);
avg!(rs_avg_exact, rs_avg_exact_noflag, 2);

macro_rules! elig {
    ($name:ident, $noflag:ident, $pi:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let states = &prep().rq[$pi];
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
            let states = &prep().rq[$pi];
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

elig!(rs_elig_6_6, rs_elig_6_6_noflag, 0);
elig!(rs_elig_7_1, rs_elig_7_1_noflag, 1);
elig!(rs_elig_exact, rs_elig_exact_noflag, 2);

/// One entity operation per input on a copy of the prepared state: `$body`
/// sees `p` (the profile), `tun`, `a` (the sums), `se` and `st`, and returns
/// `(u64 folded result, wrapped)`.
macro_rules! entity {
    ($name:ident, $noflag:ident, $pi:expr, $states:ident,
     |$p:ident, $tun:ident, $a:ident, $se:ident, $st:ident| $body:expr) => {
        #[no_mangle]
        #[inline(never)]
        pub fn $name(reps: usize) -> u64 {
            let pr = prep();
            let ($p, $tun) = (&crate::prep::PROFILES[$pi], &pr.tun[$pi]);
            let _ = $p; // entity operations take the release from the sums
            let mut sink = 0;
            for _ in 0..reps {
                for $st in &pr.$states[$pi] {
                    let $st: &EntState = $st;
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
            let pr = prep();
            let ($p, $tun) = (&crate::prep::PROFILES[$pi], &pr.tun[$pi]);
            let _ = $p; // entity operations take the release from the sums
            let mut sink = 0;
            for _ in 0..reps {
                for $st in &pr.$states[$pi] {
                    let $st: &EntState = $st;
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
    ($name:ident, $noflag:ident, $pi:expr) => {
        entity!($name, $noflag, $pi, in_sums, |p, tun, a, se, st| {
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

lag!(rs_lag_6_6, rs_lag_6_6_noflag, 0);
lag!(rs_lag_7_1, rs_lag_7_1_noflag, 1);
lag!(rs_lag_exact, rs_lag_exact_noflag, 2);

macro_rules! place {
    ($name:ident, $noflag:ident, $pi:expr) => {
        entity!($name, $noflag, $pi, out_sums, |p, tun, a, se, st| {
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

place!(rs_place_6_6, rs_place_6_6_noflag, 0);
place!(rs_place_7_1, rs_place_7_1_noflag, 1);
place!(rs_place_exact, rs_place_exact_noflag, 2);

macro_rules! reweight {
    ($name:ident, $noflag:ident, $pi:expr) => {
        entity!($name, $noflag, $pi, in_sums, |p, tun, a, se, st| {
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

reweight!(rs_reweight_6_6, rs_reweight_6_6_noflag, 0);
reweight!(rs_reweight_7_1, rs_reweight_7_1_noflag, 1);
reweight!(rs_reweight_exact, rs_reweight_exact_noflag, 2);

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
