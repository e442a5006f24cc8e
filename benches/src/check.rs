//! The library computes what the C baseline computes, on every benchmark
//! input: a benchmark that compares wrong answers is worthless. Run by
//! `eevdf-bench check` (and before every timing and count).

use eevdf::avg::AvgVruntime;
use eevdf::entity::{overflowing_update_entity_lag, place_entity, reweight_entity, PlaceFlags};
use eevdf::group::overflowing_calc_group_shares;
use eevdf::pelt::{decay_load, update_load_avg_se, SchedAvg};
use eevdf::wake::{overflowing_wake_affine_weight, WakeTarget};
use eevdf::weight::overflowing_calc_delta_fair;
use eevdf::{Features, Profile, Rules, Vtime};

use crate::c::{self, reference, NIN, V0_INIT};
use crate::prep::{prep, Release};

/// The C form of each profile (0 multiply-shift/≤ 7.0, 1 7.1, 2 exact) and
/// whether its run-queue formulas are the 7.1 ones.
fn forms(p: &Profile) -> (usize, bool) {
    if p.is_exact() {
        (2, true)
    } else if *p == Profile::LINUX_7_1 {
        (1, true)
    } else {
        (0, false)
    }
}

/// Counts the comparisons and reports the first mismatch.
struct Eq(usize);

impl Eq {
    fn eq(&mut self, what: &str, i: usize, got: &[u64], want: &[u64]) -> Result<(), String> {
        self.0 += 1;
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "{what}, input {i}: library {got:?}, C baseline {want:?}"
            ))
        }
    }
}

/// The accumulator, V, eligibility and the entity operations of one
/// release's states against the C baseline.
fn release<R: Rules>(r: &Release<R>, kw: &[(Vtime, u64)], n: &mut Eq) -> Result<(), String> {
    let p = r.rel.profile();
    let (_, gen71) = forms(&p);
    let g = gen71 as i32;
    // Accumulator add / remove, checked on prefixes of the sequence.
    for k in [1, NIN / 2, NIN] {
        let mut acc = AvgVruntime::with_zero_vruntime(r.rel, Vtime(V0_INIT));
        let mut rem = r.full;
        for &(v, w) in &kw[..k] {
            acc.add(v, w).map_err(|e| format!("add: {e:?}"))?;
            rem.remove(v, w).map_err(|e| format!("remove: {e:?}"))?;
        }
        // SAFETY: valid out arrays.
        let ra = reference(|o| unsafe { c::bench_c_ref_sums(g, 0, k, o) });
        let rr = reference(|o| unsafe { c::bench_c_ref_sums(g, 1, k, o) });
        let what = format!("add/{}", p.name());
        n.eq(
            &what,
            k,
            &[acc.sum_w_vruntime() as u64, acc.sum_weight()],
            &ra[..2],
        )?;
        let what = format!("remove/{}", p.name());
        n.eq(
            &what,
            k,
            &[rem.sum_w_vruntime() as u64, rem.sum_weight()],
            &rr[..2],
        )?;
    }
    // avg_vruntime and eligibility.
    for (i, st) in r.rq.iter().enumerate() {
        let mut a = st.acc;
        let (v, _) = a
            .overflowing_avg_vruntime(st.curr)
            .map_err(|e| format!("avg_vruntime {i}: {e:?}"))?;
        let e = st.acc.overflowing_vruntime_eligible(st.probe, st.curr).0;
        let got = [
            v.0,
            a.zero_vruntime().0,
            a.sum_w_vruntime() as u64,
            e as u64,
        ];
        // SAFETY: i < NIN, valid out array.
        let rf = reference(|o| unsafe { c::bench_c_ref_avg(g, i, o) });
        n.eq(
            &format!("avg_vruntime+eligible/{}", p.name()),
            i,
            &got,
            &rf[..4],
        )?;
    }
    // Entity operations.
    let tun = &r.tun;
    for op in 0..3 {
        let states = if op == 1 { &r.out_sums } else { &r.in_sums };
        for (i, st) in states.iter().enumerate() {
            let (mut a, mut se) = (st.acc, st.se);
            let mut replace = false;
            let res = match op {
                0 => overflowing_update_entity_lag(&mut a, &st.ctx, &mut se, tun)
                    .map(|(r, _)| replace = r.must_replace() && gen71),
                1 => place_entity(
                    &mut a,
                    &st.ctx,
                    &mut se,
                    PlaceFlags {
                        initial: st.initial,
                    },
                    tun,
                )
                .map(drop),
                _ => reweight_entity(&mut a, &st.ctx, &mut se, st.new_load, tun).map(drop),
            };
            res.map_err(|e| format!("entity op {op} {i}: {e:?}"))?;
            let got = [
                se.vruntime.0,
                se.deadline.0,
                se.vlag.0 as u64,
                a.zero_vruntime().0,
                a.sum_w_vruntime() as u64,
                a.sum_weight() ^ (replace as u64) << 63,
            ];
            // SAFETY: i < NIN, valid out array.
            let rf = reference(|o| unsafe { c::bench_c_ref_entity(g, op, i, o) });
            let name = ["update_entity_lag", "place_entity", "reweight_entity"][op as usize];
            n.eq(&format!("{name}/{}", p.name()), i, &got, &rf)?;
        }
    }
    Ok(())
}

/// Compares every operation on every input; returns the number of
/// comparisons, or the first mismatch.
pub fn run() -> Result<usize, String> {
    let pr = prep();
    let mut n = Eq(0);

    // calc_delta_fair, every profile, task and group weights.
    for p in Profile::PRESETS {
        let (form, _) = forms(&p);
        for (group, inputs) in [(0, &pr.delta_task), (1, &pr.delta_group)] {
            for (i, (d, lw)) in inputs.iter().enumerate() {
                let (v, w) = overflowing_calc_delta_fair(&p, *d, lw);
                // SAFETY: i < NIN, out is a valid array.
                let r = reference(|o| unsafe { c::bench_c_ref_cdf(form * 2 + group, i, o) });
                n.eq(
                    &format!("calc_delta_fair {}", p.name()),
                    i,
                    &[v, w as u64],
                    &r[..2],
                )?;
            }
        }
    }

    // The run-queue states of every release, fixed and chosen at run time.
    release(&pr.l66, &pr.kw, &mut n)?;
    release(&pr.l71, &pr.kw, &mut n)?;
    release(&pr.exact, &pr.kw, &mut n)?;
    release(&pr.rt71, &pr.kw, &mut n)?;

    // Load side: decay_load, calc_group_shares, wake_affine_weight.
    let f = Features::defaults(Profile::LINUX_7_1.release);
    for i in 0..NIN {
        let (val, k) = pr.decay[i];
        let s = &pr.shares[i];
        let mut got = [decay_load(val, k), 0, 0];
        for p in [Profile::LINUX_6_6, Profile::LINUX_7_1, Profile::EXACT] {
            let (sh, _) = overflowing_calc_group_shares(
                &p,
                s.tg_shares,
                s.tg_load_avg,
                s.tg_load_avg_contrib,
                s.grq_load_weight,
                s.grq_load_avg,
            )
            .map_err(|e| format!("shares {i}: {e:?}"))?;
            let (t, _) = overflowing_wake_affine_weight(&p, f, &pr.wake[i]);
            got[1] = sh;
            got[2] = (t == WakeTarget::This) as u64;
            // SAFETY: i < NIN, valid out array.
            let r = reference(|o| unsafe { c::bench_c_ref_load(i, o) });
            n.eq(&format!("decay/shares/wake {}", p.name()), i, &got, &r[..3])?;
        }
    }

    // A PELT sequence, checked on prefixes.
    for k in [1, 2, 17, NIN / 2, NIN] {
        let mut sa = SchedAvg::ZERO;
        let mut now = 0u64;
        for s in &pr.pelt[..k] {
            now = now.wrapping_add(s.step);
            update_load_avg_se(now, &mut sa, &s.weight, s.on_rq, s.on_rq as u64, s.running);
        }
        let got = [
            sa.load_sum,
            sa.runnable_sum,
            sa.util_sum as u64 | (sa.period_contrib as u64) << 32,
            sa.load_avg,
            sa.runnable_avg,
            sa.util_avg ^ (sa.util_est.ewma as u64) << 32,
        ];
        // SAFETY: valid out array.
        let r = reference(|o| unsafe { c::bench_c_ref_pelt(k, o) });
        n.eq("update_load_avg_se", k, &got, &r)?;
    }
    Ok(n.0)
}
