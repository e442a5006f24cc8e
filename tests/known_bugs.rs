//! The regression corpus: the public history of arithmetic bugs in the fair
//! class (upstream commits, LKML reports and crash dumps; the list of sources is
//! in `docs/derivations.md` §1), one test each, named after the commit that fixed
//! (or introduced) the behaviour, or after the topic when there is none. Each test asserts the
//! bug's own numbers: the profile of the affected release reproduces the wrapped or wrong
//! value (or, when the fix predates every preset, the test computes the affected
//! arithmetic from the C semantics and shows the presets do not have it), and
//! EXACT and the fixed release do not.
//!
//! Profiles that stand for a release between the presets are built from a
//! preset with one knob changed, and named for the commit they lack.

mod common;
use common::{c, Rng};
use eevdf::outcome::Wrapped;
use eevdf::pick::PickCtx;

use eevdf::avg::{
    avg_weight, overflowing_avg_vruntime_batch, overflowing_vruntime_eligible_batch, AvgVruntime,
};
use eevdf::bounds::{self, Domain};
use eevdf::entity::{
    overflowing_entity_lag, overflowing_lag_limit, overflowing_place_lag,
    overflowing_place_lag_batch, overflowing_update_entity_lag, place_entity, reweight_entity,
    PlaceFlags, RqCtx, SchedEntity, Tunables,
};
use eevdf::group::overflowing_calc_group_shares;
use eevdf::pelt::{
    decay_load, detach_entity_load_avg, enqueue_load_avg, update_load_avg_se, SchedAvg,
    LOAD_AVG_MAX, PELT_MIN_DIVIDER,
};
use eevdf::pick::{pick_eevdf_linear, Pick};
use eevdf::profile::{Arithmetic, Eligibility, Reference};
use eevdf::runqueue::{DequeueFlags, Dequeued, EnqueueFlags, RunQueue};
use eevdf::weight::{
    overflowing_calc_delta, overflowing_calc_delta_fair, scale_load_down, NICE_0_LOAD,
};
use eevdf::{Error, Features, LoadWeight, Profile, Release, Vlag, Vtime};

const NICE0: u64 = NICE_0_LOAD;
const NICE_M20: u64 = 88_761 << 10; // 90,891,264
const ALL: [Profile; 5] = Profile::PRESETS;

fn tun(p: &Profile) -> Tunables {
    Tunables {
        base_slice: 3_000_000,
        tick_nsec: 1_000_000,
        features: Features::defaults(p.release),
    }
}

/// A queued entity at `v` with deadline `d` and no slice protection.
fn queued(weight: u64, v: Vtime, d: Vtime) -> SchedEntity {
    let mut se = SchedEntity::new(LoadWeight::new(weight).unwrap(), 3_000_000);
    se.vruntime = v;
    se.deadline = d;
    se.vprot = v; // not protected (≥ 6.18)
    se.vlag = Vlag(d.0.wrapping_add(1) as i64); // not the 6.6 marker
    se.on_rq = true;
    se
}

// ---------------------------------------------------------------------------
// Overflow in avg_vruntime / entity_key / vruntime_eligible
// ---------------------------------------------------------------------------

/// 650cad561cce "sched/eevdf: Fix avg_vruntime()" (fixed before v6.6.0, so no preset is
/// affected): keys −3 and 0 at equal weight floor to V = v0 − 2; the truncating
/// division it replaced gives v0 − 1, where the entity is *not* eligible.
#[test]
fn bug_650cad561cce_floor_division() {
    let v0 = Vtime(1 << 40);
    let es = [(v0.wrapping_add_signed(-3), NICE0), (v0, NICE0)];
    for p in ALL {
        let (v, wrapped) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
        assert_eq!((v.wsub(v0), wrapped), (-2, false), "{p:?}");
        // The pre-fix C: S / W truncated toward zero.
        let w = avg_weight(&p, NICE0) as i64;
        assert_eq!((-3 * w) / (2 * w), -1);
        // Σ = −3·w against key·2w: key −1 is not eligible, key −2 (= V) is.
        let e = |k: i64| {
            overflowing_vruntime_eligible_batch(&p, v0, es, v0.wrapping_add_signed(k)).unwrap()
        };
        assert_eq!(
            e(-1),
            (false, false),
            "{p:?}: truncated V would not be eligible"
        );
        assert_eq!(e(-2), (true, false), "{p:?}");
    }
    // In 10-bit units (v6.6.0 vruntime_eligible()): S = −3·1024 = −3072, W = 2048;
    // key −1: −3072 ≥ −1·2048 is false, key −2: −3072 ≥ −2·2048 true.
    let p = Profile::LINUX_6_6;
    let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
    for (v, w) in es {
        acc.add(v, w).unwrap();
    }
    assert_eq!((acc.sum_w_vruntime(), acc.sum_weight()), (-3072, 2048));
}

/// 7.1 before b6eee96843e8: full weights (4823725d9d1d) with the s64 product.
const LINUX_7_1_BEFORE_B6EEE96843E8: Profile = Profile {
    eligibility: Eligibility::Wrapping,
    ..Profile::LINUX_7_1
};

/// b6eee96843e8 "sched/fair: Fix overflow in vruntime_eligible()" (v7.1.5;
/// `docs/derivations.md` §8.2): H (100·NICE_0_LOAD) at key 0 and a
/// puny P (weight 2) at key 90e9. Exactly, P is not eligible; the s64 product
/// wraps to −9,009,559,893,709,551,616 and says it is.
#[test]
fn bug_b6eee96843e8_eligibility_product() {
    let v0 = Vtime(1 << 40);
    let h = (v0, 100 * NICE0);
    let pk = (v0.wrapping_add(90_000_000_000), 2);
    let es = [h, pk];
    let acc = |p: Profile| {
        let mut a = AvgVruntime::with_zero_vruntime(p, v0);
        a.add(h.0, h.1).unwrap();
        a.add(pk.0, pk.1).unwrap();
        a
    };
    let a = acc(Profile::LINUX_7_1);
    assert_eq!(
        (a.sum_w_vruntime(), a.sum_weight()),
        (180_000_000_000, 104_857_602)
    );
    // The affected arithmetic: P eligible, and the wrap is reported.
    let product = 90_000_000_000i64.wrapping_mul(104_857_602);
    assert_eq!(product, -9_009_559_893_709_551_616);
    assert!(180_000_000_000 >= product);
    let pre = LINUX_7_1_BEFORE_B6EEE96843E8;
    assert_eq!(
        acc(pre).overflowing_vruntime_eligible(pk.0, None),
        (true, true)
    );
    assert_eq!(
        bounds::eligibility_domain(&pre, 104_857_602),
        Domain::UpTo(87_960_928_544)
    );
    // The fix (128-bit compare) and EXACT: P not eligible, H eligible, no wrap.
    for p in [Profile::LINUX_7_1, Profile::EXACT] {
        assert_eq!(
            acc(p).overflowing_vruntime_eligible(pk.0, None),
            (false, false)
        );
        assert_eq!(
            acc(p).overflowing_vruntime_eligible(h.0, None),
            (true, false)
        );
    }
    // ≤ 7.0 averages 10-bit weights: 90e9·102,402 ≈ 2^53 fits; never affected.
    for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
        assert_eq!(
            overflowing_vruntime_eligible_batch(&p, v0, es, pk.0),
            Ok((false, false))
        );
    }
    // The pick: with P's deadline first, the pre-fix rule runs P; the fix runs H.
    let tree = [
        queued(2, pk.0, pk.0.wrapping_add(100)),
        queued(100 * NICE0, h.0, h.0.wrapping_add(200)),
    ];
    for (p, want) in [
        (pre, Pick::Queued(0)),
        (Profile::LINUX_7_1, Pick::Queued(1)),
        (Profile::EXACT, Pick::Queued(1)),
    ] {
        let f = Features::defaults(p.release);
        assert_eq!(
            pick_eevdf_linear(
                &acc(p),
                &tree,
                &PickCtx {
                    curr: None,
                    next: None,
                    nr_queued: 2,
                    protect: true,
                    features: f
                }
            ),
            want,
            "{p:?}"
        );
    }
}

/// 7.1 before 556146ce5e94: the `zero_vruntime` rule of 7.0 (no re-centring on
/// a heavy placed entity), with 7.1's full weights.
const LINUX_7_1_BEFORE_556146CE5E94: Profile = Profile {
    reference: Reference::ZeroVruntime,
    ..Profile::LINUX_7_1
};

/// 556146ce5e94 "sched/fair: Avoid overflow in enqueue_entity()" (v7.1.5;
/// `docs/derivations.md` §8.1): a nice −20 entity (90,891,264)
/// with vlag 57,498 joins a queue holding only curr (weight 37) at key 0. Its
/// lag inflates by (37 + w)/37 to 141,245,081,754; without re-centring its key
/// times its weight wraps S to the captured 5,608,800,059,305,154,560.
#[test]
fn bug_556146ce5e94_heavy_entity_placement() {
    let exact_before = Profile {
        arithmetic: Arithmetic::Exact,
        ..LINUX_7_1_BEFORE_556146CE5E94
    };
    for p in [
        Profile::LINUX_7_1,
        Profile::EXACT,
        LINUX_7_1_BEFORE_556146CE5E94,
        exact_before,
    ] {
        let v0 = Vtime(1 << 50);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        let curr = Some((v0, 37));
        let ctx = RqCtx::new(curr, 1, 3_000_000);
        let mut se = SchedEntity::from_nice(-20, 3_000_000).unwrap();
        se.vlag = Vlag(57_498);
        let wrapped =
            place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun(&p)).unwrap();
        assert!(
            !wrapped.is_wrapped(),
            "{p:?}: the placement itself does not wrap"
        );
        // 57,498 · (37 + 90,891,264) / 37, truncated.
        assert_eq!(57_498i128 * (37 + NICE_M20 as i128) / 37, 141_245_081_754);
        assert_eq!(v0.wsub(se.vruntime), 141_245_081_754, "{p:?}");
        acc.add(se.vruntime, NICE_M20).unwrap();
        let recentred = p.reference == Reference::ZeroVruntimeHeavy;
        if recentred {
            // The fix: v0 moved to the heavy entity, whose key is 0.
            assert_eq!(acc.zero_vruntime(), se.vruntime);
            assert_eq!(acc.sum_w_vruntime_wide(), 0);
        } else {
            assert_eq!(acc.zero_vruntime(), v0);
            let key = -141_245_081_754i64;
            if p.is_exact() {
                assert_eq!(acc.sum_w_vruntime_wide(), key as i128 * NICE_M20 as i128);
            }
            assert_eq!(key.wrapping_mul(NICE_M20 as i64), 5_608_800_059_305_154_560);
            assert_eq!(acc.is_wrapped(), !p.is_exact(), "{p:?}");
            if !p.is_exact() {
                assert_eq!(acc.sum_w_vruntime(), 5_608_800_059_305_154_560);
            }
        }
        let (v, w) = acc.overflowing_avg_vruntime(curr).unwrap();
        if recentred || p.is_exact() {
            // V' = v0 − 141,245,024,256 (floored), and the entity's lag is back.
            assert_eq!((v.wsub(v0), w), (-141_245_024_256, false), "{p:?}");
            assert_eq!(v.wsub(se.vruntime), 57_498);
        } else {
            // The kernel's V from the wrapped S: v0 + ⌊S / (w + 37)⌋ (S > 0).
            let q = 5_608_800_059_305_154_560i64 / (NICE_M20 as i64 + 37);
            assert_eq!((v, w), (v0.wrapping_add_signed(q), true));
            assert_eq!(q, 61_708_876_400); // V lands 61.7 s right of curr, not 141 s left
        }
    }
}

/// bbce3de72be5 "sched/eevdf: Fix se->slice being set to U64_MAX and resulting
/// crash" (`docs/derivations.md` §8.3), the arithmetic chain behind the Meta crashes,
/// under the 6.18 lag rule: an empty cfs_rq's `cfs_rq_min_slice` (U64_MAX)
/// becomes a group entity's slice; 2·slice wraps, the lag limit exceeds
/// `i64::MAX`, the clamp returns a huge negative vlag, and placing the entity
/// multiplies it again, so its vruntime jumps by ≈ 10.5 days of virtual time.
#[test]
fn bug_bbce3de72be5_u64max_slice() {
    let p = Profile::LINUX_6_18;
    let t = tun(&p);
    // 1–2: the value that was copied into the parent's slice.
    let empty = RunQueue::<_, 2>::new(p, t);
    assert_eq!(empty.min_slice(), u64::MAX);
    // A group entity (weight 1500·1024) that left with V − v = 500 ns from a
    // queue of two nice-0 tasks at keys 0 and 1 ms (V = 500,000).
    let g = LoadWeight::new(1500 << 10).unwrap();
    let v0 = Vtime(1 << 40);
    let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
    acc.add(v0, NICE0).unwrap();
    acc.add(v0 + 1_000_000, NICE0).unwrap();
    let v = acc.avg_vruntime(None).unwrap();
    assert_eq!(v.wsub(v0), 500_000);
    let mut se = SchedEntity::new(g, u64::MAX);
    se.custom_slice = true;
    se.vruntime = v.wrapping_add_signed(-500);
    // 3: limit = calc_delta_fair(max(2·U64_MAX, tick)) — wrapped span, limit > i64::MAX.
    let (limit, wrapped) = overflowing_lag_limit(&p, &se, 0, t.tick_nsec);
    let c_limit = c::calc_delta_fair(&p, u64::MAX.wrapping_mul(2), &g);
    assert_eq!((limit, wrapped), (c_limit, true));
    assert_eq!(limit, 12_592_974_953_755_705_342);
    assert_eq!(limit as i64, -5_853_769_119_953_846_274);
    // 4: clamp(500, −limit, limit) with a negative limit returns that limit.
    let (vlag, wrapped) = overflowing_entity_lag(&p, v, &se, 0, t.tick_nsec);
    assert_eq!((vlag.0, wrapped), (-5_853_769_119_953_846_274, true));
    // 5: placement inflates it: vlag·(2048 + 1500) wraps, then ÷ 2048.
    se.vlag = vlag;
    let ctx = RqCtx::new(None, 2, 0);
    let mut placed = se;
    let wrapped = place_entity(&mut acc, &ctx, &mut placed, PlaceFlags::default(), &t).unwrap();
    let c_lag = vlag.0.wrapping_mul(2048 + 1500) / 2048;
    assert_eq!(c_lag, 908_686_230_814_716);
    assert!(wrapped.is_wrapped());
    // 6: vruntime = V − lag: ≈ 9.1·10^14 ns (10.5 days) behind V.
    assert_eq!(v.wsub(placed.vruntime), c_lag);
    // EXACT, and the fixed kernel (slice from the first non-empty queue, 3 ms):
    // vlag = 500, inflated to ⌊500·3548/2048⌋ = 866.
    let mut fixed = SchedEntity::new(g, 3_000_000);
    fixed.vruntime = se.vruntime;
    for (q, s) in [(Profile::EXACT, u64::MAX), (p, 3_000_000)] {
        fixed.slice = s;
        let (vl, w) = overflowing_entity_lag(&q, v, &fixed, 0, t.tick_nsec);
        assert_eq!((vl.0, w), (500, false), "{q:?}");
        let w_avg = avg_weight(&q, g.weight());
        let load = 2 * avg_weight(&q, NICE0);
        let lag = overflowing_place_lag(&q, 500, load, w_avg).unwrap();
        assert_eq!(lag, (500 * (load + w_avg) as i64 / load as i64, false));
        assert_eq!(lag.0, 866);
    }
    // 7.x clamps with max_slice + tick: U64_MAX + tick wraps to tick − 1, a small
    // limit (reported) rather than a negative one.
    let p7 = Profile::LINUX_7_1;
    let (limit, wrapped) = overflowing_lag_limit(&p7, &se, u64::MAX, t.tick_nsec);
    assert_eq!(
        (limit, wrapped),
        (c::calc_delta_fair(&p7, 999_999, &g), true)
    );
    // No Linux profile's lag-limit domain contains U64_MAX (2·slice wraps: reject it).
    for q in [
        Profile::LINUX_6_6,
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        p7,
    ] {
        assert!(!bounds::lag_limit_domain(&q, &g, t.tick_nsec).contains(u64::MAX));
    }
}

/// Omar Sandoval's core dump (Meta, 2025-04-21, in the LKML thread on Pat Cody's
/// RFC "sched/fair: Add null pointer check to pick_next_entity()") —
/// three entities, scaled-down weights 2, 2, 4886, spread 4,605,926,626,239,570.
/// v0 is not in the dump; this test takes the lowest vruntime (curr's). Kernels
/// averaging 10-bit weights see S wrap and judge all three ineligible (6.18 and
/// 7.0 then pick NULL; 6.6 falls back to the leftmost); exactly, curr is the only
/// eligible entity.
#[test]
fn bug_bbce3de72be5_meta_dump_all_ineligible() {
    let curr_v = Vtime(39_052_385_155_836_636);
    let a_v = Vtime(43_658_311_782_076_206);
    let b_v = Vtime(42_824_722_322_062_111);
    let (wc, wa, wb) = (2u64 << 10, 2u64 << 10, 4886u64 << 10);
    let v0 = curr_v;
    assert_eq!(a_v.wsub(curr_v), 4_605_926_626_239_570);
    // Tree order: by vruntime (6.6) or deadline (≥ 6.18); equal slices keep both.
    let tree = [
        queued(wb, b_v, b_v + 1_000_000),
        queued(wa, a_v, a_v + 1_000_000),
    ];
    let mut curr = queued(wc, curr_v, curr_v + 1_000_000);
    curr.vprot = curr_v;
    let ct = Some(curr.as_curr());
    for p in ALL {
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        for se in &tree {
            acc.add(se.vruntime, se.load.weight()).unwrap();
        }
        let f = Features::defaults(p.release);
        let pick = pick_eevdf_linear(
            &acc,
            &tree,
            &PickCtx {
                curr: Some(&curr),
                next: None,
                nr_queued: 3,
                protect: true,
                features: f,
            },
        );
        if p.is_exact() {
            assert!(!acc.is_wrapped());
            assert_eq!(acc.overflowing_vruntime_eligible(curr_v, ct), (true, false));
            assert_eq!(acc.overflowing_vruntime_eligible(a_v, ct), (false, false));
            assert_eq!(acc.overflowing_vruntime_eligible(b_v, ct), (false, false));
            assert_eq!(pick, Pick::Curr);
            continue;
        }
        // Every Linux profile overflows S and says so.
        assert!(acc.is_wrapped(), "{p:?}");
        if p.release == Release::Linux7_1 {
            continue; // full weights: a different (also wrapped) state
        }
        // 10-bit weights: S = 2·k_a + 4886·k_b = 18,440,851,247,430,149,990 → s64.
        let (ka, kb) = (a_v.wsub(v0), b_v.wsub(v0));
        let s_exact = 2 * ka as i128 + 4886 * kb as i128;
        assert_eq!(s_exact, 18_440_851_247_430_149_990);
        assert_eq!(acc.sum_w_vruntime(), s_exact as i64);
        assert_eq!(acc.sum_w_vruntime(), -5_892_826_279_401_626);
        for v in [curr_v, a_v, b_v] {
            // C: avg = S + 0·2 ≥ key ⊗ 4890.
            let c_e = acc.sum_w_vruntime() >= v.wsub(v0).wrapping_mul(4890);
            assert!(!c_e);
            assert_eq!(
                acc.overflowing_vruntime_eligible(v, ct),
                (false, true),
                "{p:?}"
            );
        }
        let want = if p.release == Release::Linux6_6 {
            Pick::Queued(0) // "EEVDF scheduling fail, picking leftmost"
        } else {
            Pick::Nothing // pick_eevdf() returns NULL
        };
        assert_eq!(pick, want, "{p:?}");
    }
}

/// Zicheng Qu's dump (Huawei, LKML 2025-11-03, "[PATCH] sched/eevdf: Fix NULL
/// deref when avg_vruntime nears overflow", a 6.6-based kernel;
/// fixed by 79f3f9bedd14, `zero_vruntime`). The dump gives v0 (min_vruntime), S,
/// W and curr; the tree is reconstructed as the two entities that reproduce S and
/// W exactly (q = ⌊S/W⌋ = −102,743,879,643,384: 76,444 at key q, 12,489 at q + 1).
/// S itself has not wrapped (it is 8.6·10^16 above S64_MIN, 0 bits of
/// headroom), but every tree entity's key·load does: −9.24·10^18 wraps to
/// +9,204,829,355,907,517,432 — the dump's "every key·load ≈ +9.20·10^18" — so
/// nothing is eligible. Exactly, the tree entities are eligible; and once v0
/// follows V (the fix), the keys are small again.
#[test]
fn bug_79f3f9bedd14_huawei_dump() {
    let v0 = Vtime(4_596_406_356_396_515);
    let s: i64 = -9_137_321_448_325_056_783;
    let w: u64 = 88_933;
    let curr_v = Vtime(4_698_735_667_604_793);
    let curr_w = 1_042_467; // load.weight; 1018 scaled down
    let ct = Some((curr_v, curr_w));
    // The reconstruction.
    let q = s.div_euclid(w as i64);
    let r = s - q * w as i64;
    assert_eq!((q, r), (-102_743_879_643_384, 12_489));
    let a = (v0.wrapping_add_signed(q), (w - r as u64) << 10);
    let b = (v0.wrapping_add_signed(q + 1), (r as u64) << 10);
    let tree = [
        queued(a.1, a.0, a.0 + 1_000_000),
        queued(b.1, b.0, b.0 + 1_000_000),
    ];
    let mut curr = queued(curr_w, curr_v, curr_v + 1_000_000);
    curr.vprot = curr_v;
    for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
        let acc = AvgVruntime::from_raw_parts(p, v0, s as i128, w as i128, false).unwrap();
        let mut rebuilt = AvgVruntime::with_zero_vruntime(p, v0);
        rebuilt.add(a.0, a.1).unwrap();
        rebuilt.add(b.0, b.1).unwrap();
        assert_eq!(rebuilt.into_raw_parts(), acc.into_raw_parts());
        // Near, not past, the edge.
        assert!(!acc.is_wrapped());
        assert_eq!(s as i128 - i64::MIN as i128, 86_050_588_529_719_025);
        assert_eq!(acc.headroom_bits(), 0);
        // curr: key·load = 102,329,311,208,278 · 89,951 fits (0 bits to spare).
        let kc = curr_v.wsub(v0);
        assert_eq!(kc as i128 * 89_951, 9_204_623_872_495_814_378);
        assert_eq!(bounds::eligibility_headroom_bits(&acc, curr_v, ct), Ok(0));
        assert_eq!(
            acc.overflowing_vruntime_eligible(curr_v, ct),
            (false, false)
        );
        // Tree entities: the product wraps to ≈ +9.20·10^18 and the test fails.
        let avg = s.wrapping_add(kc.wrapping_mul(1018));
        for (k, v) in [(q, a.0), (q + 1, b.0)] {
            let wrapped_product = k.wrapping_mul(89_951);
            assert!(wrapped_product > 9_204_000_000_000_000_000);
            assert!(avg < wrapped_product);
            assert_eq!(
                acc.overflowing_vruntime_eligible(v, ct),
                (false, true),
                "{p:?}"
            );
        }
        assert_eq!(wrapping_eq_9_20(q), 9_204_829_355_907_517_432);
        let f = Features::defaults(p.release);
        let pick = pick_eevdf_linear(
            &acc,
            &tree,
            &PickCtx {
                curr: Some(&curr),
                next: None,
                nr_queued: 3,
                protect: true,
                features: f,
            },
        );
        let want = if p.release == Release::Linux6_6 {
            Pick::Queued(0)
        } else {
            Pick::Nothing
        };
        assert_eq!(pick, want, "{p:?}");
        // The fix: 7.x's avg_vruntime() moves v0 to V, and the keys shrink to
        // ≈ −2.3·10^12: the tree is eligible, nothing wraps.
        if p.reference != Reference::MinVruntime {
            let mut acc = acc;
            let v = acc.avg_vruntime(ct).unwrap();
            assert_eq!(v.wsub(v0), -100_423_010_411_391);
            assert_eq!(acc.sum_w_vruntime(), -206_401_863_408_820_980);
            assert_eq!(acc.headroom_bits(), 5);
            assert_eq!(acc.overflowing_vruntime_eligible(a.0, ct), (true, false));
            assert_eq!(acc.overflowing_vruntime_eligible(b.0, ct), (true, false));
            // curr, 2.03·10^14 ns right of the new v0, still overflows 7.0's s64
            // product (1.82·10^19) and is judged eligible; only 7.1's 128-bit
            // compare gets it right. Reported.
            let kc2 = curr_v.wsub(acc.zero_vruntime());
            assert_eq!(kc2, 202_752_321_619_669);
            let avg2 = acc.sum_w_vruntime() + kc2 * 1018;
            assert_eq!(avg2, 2_062);
            assert!(avg2 >= kc2.wrapping_mul(89_951));
            assert_eq!(acc.overflowing_vruntime_eligible(curr_v, ct), (true, true));
        }
    }
    // EXACT and 7.1 on the same state in full units (the weights are multiples of 1024).
    for p in [Profile::LINUX_7_1, Profile::EXACT] {
        let acc =
            AvgVruntime::from_raw_parts(p, v0, s as i128 * 1024, w as i128 * 1024, false).unwrap();
        let mut rebuilt = AvgVruntime::with_zero_vruntime(p, v0);
        rebuilt.add(a.0, a.1).unwrap();
        rebuilt.add(b.0, b.1).unwrap();
        assert_eq!(rebuilt.into_raw_parts(), acc.into_raw_parts());
        if p.is_exact() {
            assert_eq!(acc.overflowing_vruntime_eligible(a.0, ct), (true, false));
            assert_eq!(acc.overflowing_vruntime_eligible(b.0, ct), (true, false));
            assert_eq!(
                acc.overflowing_vruntime_eligible(curr_v, ct),
                (false, false)
            );
            let f = Features::defaults(p.release);
            let pick = pick_eevdf_linear(
                &acc,
                &tree,
                &PickCtx {
                    curr: Some(&curr),
                    next: None,
                    nr_queued: 3,
                    protect: true,
                    features: f,
                },
            );
            assert_eq!(pick, Pick::Queued(0));
        } else {
            assert!(
                acc.is_wrapped(),
                "20-bit weights: S·1024 is far outside an s64"
            );
        }
    }
}

fn wrapping_eq_9_20(k: i64) -> i64 {
    k.wrapping_mul(89_951)
}

/// b3d99f43c72b "sched/fair: Fix zero_vruntime tracking" (`docs/derivations.md`
/// §8.4), a stale v0 with one running task: if v0 stays put while one task
/// runs, curr's key·w grows as t·2²⁰ (7.1) or t·2¹⁰ (≤ 7.0) and overflows after 2⁴³ ns ≈ 2.44 h
/// or 2⁵³ ns ≈ 104 days. The commit's own trace (zero_vruntime 31,316.4 ms vs vruntime 50,787.3
/// ms) was still 8 bits away. With the fix, v0 follows the lone task.
#[test]
fn bug_b3d99f43c72b_stale_zero_vruntime() {
    let n0 = LoadWeight::NICE_0;
    let v0 = Vtime(0);
    for (p, edge) in [
        (Profile::LINUX_7_1, 1u64 << 43),
        (Profile::LINUX_7_0, 1 << 53),
        (Profile::LINUX_6_18, 1 << 53),
        (Profile::LINUX_6_6, 1 << 53),
    ] {
        assert_eq!(bounds::stale_v0_domain(&p, &n0), Domain::UpTo(edge - 1));
        let acc = AvgVruntime::with_zero_vruntime(p, v0);
        let w = avg_weight(&p, NICE0) as i64;
        // nice 0: calc_delta_fair(t) = t, so the key is the run time itself.
        let at = |t: u64| acc.overflowing_vruntime_eligible(Vtime(t), Some((Vtime(t), NICE0)));
        assert_eq!(at(edge - 1), (true, false), "{p:?}");
        let (e, wrapped) = at(edge);
        assert!(wrapped, "{p:?}");
        let t = (edge as i64).wrapping_mul(w);
        let c_e = match p.eligibility {
            Eligibility::Wrapping => t >= (edge as i64).wrapping_mul(w),
            Eligibility::Wide => t as i128 >= edge as i128 * w as i128,
            other => panic!("no reference for {other:?}"),
        };
        assert_eq!(e, c_e);
    }
    // The commit's trace: key 19,470.9 ms; key·2^20 ≈ 2^54.2: 8 bits of headroom.
    let key: i64 = 50_787_300_000 - 31_316_400_000;
    let trace = AvgVruntime::with_zero_vruntime(Profile::LINUX_7_1, v0);
    let kv = Vtime(key as u64);
    assert_eq!(
        bounds::eligibility_headroom_bits(&trace, kv, Some((kv, NICE0))),
        Ok(8)
    );
    // EXACT never wraps here.
    let x = AvgVruntime::with_zero_vruntime(Profile::EXACT, v0);
    let t = Vtime(1 << 50);
    assert_eq!(
        x.overflowing_vruntime_eligible(t, Some((t, NICE0))),
        (true, false)
    );
    // The fixed run queues: one nice-0 task runs a single 3-hour tick; v0
    // follows it (7.x at slice expiry, ≤ 6.18 through min_vruntime).
    for p in ALL {
        let mut rq = RunQueue::<_, 2>::new(p, tun(&p));
        let id = rq
            .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
            .unwrap();
        rq.enqueue(id, 0, EnqueueFlags::INITIAL).unwrap();
        rq.pick_next(0).unwrap();
        let three_hours = 3 * 3600 * 1_000_000_000u64;
        assert!(three_hours > 1 << 43);
        rq.tick(three_hours).unwrap();
        let se = *rq.entity(id).unwrap();
        assert_eq!(rq.avg().zero_vruntime(), se.vruntime, "{p:?}");
        assert!(!rq.wrapped(), "{p:?}");
        assert!(rq.is_eligible(id).unwrap());
        rq.validate().unwrap();
    }
}

/// The March 2026 v2 thread on zero_vruntime tracking (after b3d99f43c72b): sum_w_vruntime =
/// 194,325,882, sum_weight = 5,120 (five nice-0 tasks in 7.0's 10-bit units), zero_vruntime =
/// 105,210,161,141,318 give avg = 105,210,161,179,272.
#[test]
fn zero_vruntime_v2_thread_trace_known_bugs_1() {
    let v0 = Vtime(105_210_161_141_318);
    let mut acc =
        AvgVruntime::from_raw_parts(Profile::LINUX_7_0, v0, 194_325_882, 5_120, false).unwrap();
    assert_eq!(
        acc.overflowing_avg_vruntime(None),
        Ok((Vtime(105_210_161_179_272), false))
    );
    assert_eq!(
        194_325_882u64 / 5_120,
        105_210_161_179_272u64 - 105_210_161_141_318
    );
}

// ---------------------------------------------------------------------------
// Lag placement
// ---------------------------------------------------------------------------

/// 86bfbb7ce4f6 "sched/fair: Add lag based placement" (`place_entity()`, v6.6.0 …
/// v7.1.5; `docs/derivations.md` §5.1): W = 2048 (two
/// nice-0 entities, 10-bit units), w = 1024, vlag = 300 inflates to 450; V moves
/// by −150 and the entity's lag comes back as exactly 300. W = 0 or vlag = 0 apply
/// no lag and divide by nothing.
#[test]
fn bug_86bfbb7ce4f6_placement_round_trip() {
    for p in ALL {
        let v0 = Vtime(1 << 30);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        acc.add(v0 + 1_000, NICE0).unwrap();
        acc.add(v0 + 3_000, NICE0).unwrap();
        let v = acc.avg_vruntime(None).unwrap();
        let ctx = RqCtx::new(None, 2, 3_000_000);
        let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
        se.vlag = Vlag(300);
        let wrapped =
            place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun(&p)).unwrap();
        assert!(!wrapped.is_wrapped());
        assert_eq!(v.wsub(se.vruntime), 450, "{p:?}");
        acc.add(se.vruntime, NICE0).unwrap();
        let v2 = acc.avg_vruntime(None).unwrap();
        assert_eq!(v2.wsub(v), -150);
        assert_eq!(v2.wsub(se.vruntime), 300);
        // The same in 10-bit units (v6.6.0 … v7.0.0): 300·(2048 + 1024)/2048.
        assert_eq!(300 * (2048 + 1024) / 2048, 450);
        // Corner cases: no queue, or no lag.
        assert_eq!(
            overflowing_place_lag_batch(&p, 300, [], NICE0),
            Ok((0, false))
        );
        assert_eq!(
            overflowing_place_lag_batch(&p, 0, [NICE0, NICE0], NICE0),
            Ok((0, false))
        );
    }
}

/// 6e3c0a4e1ad1 "sched/fair: Fix lag clamp" (old rule v6.6.0 … v6.18.2, new rule
/// v7.0.0, v7.1.5; `docs/derivations.md` §5.2): a nice-0 entity
/// with V − v = 2.5 ms, its own slice 0.1 ms, the queue's max slice 3 ms, tick
/// 1 ms. The old rule max(2·slice, tick) clamps to 1 ms; the new max_slice + tick
/// keeps 2.5 ms (limit 4 ms). Weight 2: 891,289,600,000 in 7.1, 870,399,999 in
/// 7.0 (whose legacy __calc_delta sees weight 2 as 2048).
#[test]
fn bug_6e3c0a4e1ad1_lag_clamp() {
    let mut se = SchedEntity::from_nice(0, 100_000).unwrap();
    se.vruntime = Vtime(10_000_000);
    let v = Vtime(12_500_000);
    for p in ALL {
        let (vlag, w) = overflowing_entity_lag(&p, v, &se, 3_000_000, 1_000_000);
        let want = if p.release < Release::Linux7_0 {
            1_000_000
        } else {
            2_500_000
        };
        assert_eq!((vlag.0, w), (want, false), "{p:?}");
        let (limit, _) = overflowing_lag_limit(&p, &se, 3_000_000, 1_000_000);
        let want_limit = if p.release < Release::Linux7_0 {
            1_000_000
        } else {
            4_000_000
        };
        assert_eq!(limit, want_limit);
    }
    let mut g = SchedEntity::new(LoadWeight::new(2).unwrap(), 700_000);
    g.vruntime = Vtime(0);
    let l71 = overflowing_lag_limit(&Profile::LINUX_7_1, &g, 700_000, 1_000_000);
    assert_eq!(l71, (891_289_600_000, false));
    assert_eq!(1_700_000u64 * (1 << 20) / 2, 891_289_600_000);
    let l70 = overflowing_lag_limit(&Profile::LINUX_7_0, &g, 700_000, 1_000_000);
    assert_eq!(l70, (870_399_999, false));
    assert_eq!(
        c::calc_delta_fair(&Profile::LINUX_7_0, 1_700_000, &g.load),
        870_399_999
    );
    // "Never feed the clamp a wrapped limit": U64_MAX is reported by every Linux
    // profile (their wrapped limit is what the kernel clamps with); EXACT's
    // limit, ≈ 2^83, merely exceeds a u64, and its clamp keeps the true lag.
    g.slice = u64::MAX;
    for p in ALL {
        let got = overflowing_lag_limit(&p, &g, u64::MAX, 1_000_000);
        if p.is_exact() {
            let exact = (u64::MAX as u128 + 1_000_000) << 19;
            assert_eq!(got, (exact as u64, true));
        } else {
            let span = match p.lag_limit {
                eevdf::profile::LagLimit::TwiceSlice => u64::MAX.wrapping_mul(2),
                eevdf::profile::LagLimit::MaxSlicePlusTick => u64::MAX.wrapping_add(1_000_000),
                other => panic!("no reference for {other:?}"),
            };
            assert_eq!(got, (c::calc_delta_fair(&p, span, &g.load), true), "{p:?}");
        }
    }
    let (vlag, w) = overflowing_entity_lag(&Profile::EXACT, Vtime(1234), &g, u64::MAX, 1_000_000);
    assert_eq!((vlag.0, w), (1234, false));
}

/// 059258b0d424 ("sched/fair: Prevent negative lag increase
/// during delayed dequeue", v7.1): while delayed, vlag = max(new, old) and with
/// DELAY_ZERO min(vlag, 0). v7.0 stores the new value.
#[test]
fn bug_059258b0d424_delay_zero() {
    let run = |p: Profile, prev: i64, off: i64| {
        let v0 = Vtime(1 << 40);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        acc.add(v0, NICE0).unwrap(); // V = v0
        let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
        se.vruntime = v0.wrapping_add_signed(off);
        se.sched_delayed = true;
        se.vlag = Vlag(prev);
        let ctx = RqCtx::new(None, 1, 3_000_000);
        let _ = overflowing_update_entity_lag(&mut acc, &ctx, &mut se, &tun(&p)).unwrap();
        se.vlag.0
    };
    // old −500,000, new −800,000: the fix keeps −500,000; v7.0 stores −800,000.
    assert_eq!(run(Profile::LINUX_7_1, -500_000, 800_000), -500_000);
    assert_eq!(run(Profile::EXACT, -500_000, 800_000), -500_000);
    assert_eq!(run(Profile::LINUX_7_0, -500_000, 800_000), -800_000);
    // new +200,000 with DELAY_ZERO: 0.
    assert_eq!(run(Profile::LINUX_7_1, -500_000, -200_000), 0);
}

// ---------------------------------------------------------------------------
// Reweight
// ---------------------------------------------------------------------------

/// eab03c23c2a1 "sched/eevdf: Fix vruntime adjustment on reweight" and successors
/// (`docs/derivations.md` §6): two weight-1024
/// entities at 700,000 and 1,300,000 (V = 1,000,000); the first, with deadline
/// 1,300,000, is reweighted to 2048. V must stay put: v' = 850,000,
/// d' = 1,150,000. Per generation: 6.6.57 (reweight_eevdf) and 7.1 hold it
/// whether or not the entity is curr; 6.18/7.0 only when it is not (as curr,
/// place_entity's V still counts it: 650,000 / 950,000 / V 866,666); 6.6.0 leaves
/// v' = 700,000 and d' = 1,000,000.
#[test]
fn bug_eab03c23c2a1_reweight_keeps_v() {
    let case = |p: Profile, is_curr: bool| {
        let v0 = Vtime(0);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        let mut a = SchedEntity::from_nice(0, 3_000_000).unwrap();
        a.vruntime = Vtime(700_000);
        a.deadline = Vtime(1_300_000);
        a.on_rq = true;
        acc.add(Vtime(1_300_000), NICE0).unwrap();
        if !is_curr {
            acc.add(a.vruntime, NICE0).unwrap();
        }
        let ctx = RqCtx {
            se_is_curr: is_curr,
            ..RqCtx::new(None, 2, 3_000_000)
        };
        let new = LoadWeight::new(2048 << 10).unwrap();
        let w = reweight_entity(&mut acc, &ctx, &mut a, new, &tun(&p)).unwrap();
        assert!(!w.is_wrapped());
        let curr = is_curr.then(|| a.as_curr());
        let v = acc.avg_vruntime(curr).unwrap();
        (a.vruntime.0, a.deadline.0, v.0)
    };
    // Real lag preserved: 1024·300,000 = 2048·150,000.
    assert_eq!(1024 * 300_000, 2048 * 150_000);
    for is_curr in [false, true] {
        for p in [Profile::LINUX_6_6_57, Profile::LINUX_7_1, Profile::EXACT] {
            assert_eq!(
                case(p, is_curr),
                (850_000, 1_150_000, 1_000_000),
                "{p:?} {is_curr}"
            );
        }
        let (v, d, _) = case(Profile::LINUX_6_6, is_curr);
        assert_eq!((v, d), (700_000, 1_000_000));
    }
    for p in [Profile::LINUX_6_18, Profile::LINUX_7_0] {
        assert_eq!(case(p, false), (850_000, 1_150_000, 1_000_000), "{p:?}");
        assert_eq!(case(p, true), (650_000, 950_000, 866_666), "{p:?} curr");
    }
}

/// 1560d1f6eb6b ("sched/eevdf: Prevent vlag from going out of
/// bounds in reweight_eevdf()"): raw V − v = 2^44 with old weight nice −20. The
/// unclamped product 2^44·90,891,264 ≈ 1.6·10^21 wraps; every generation that
/// takes the lag on reweight clamps first — to 46,146 (max_slice + tick, 7.x) or
/// 69,219 (2·slice, 6.6.57/6.18) — and then matches the i128-exact rescale. No
/// preset carries the unfixed reweight_eevdf; the same unclamped multiply still
/// exists on the off-runqueue path of every release (which relies on the clamp
/// at dequeue), and there the Linux profiles report the wrap.
#[test]
fn bug_1560d1f6eb6b_reweight_unclamped_lag() {
    let raw = 1i64 << 44;
    assert_eq!(
        raw as i128 * NICE_M20 as i128,
        1_598_976_026_100_130_381_824
    );
    assert!(!bounds::rescale_domain(&Profile::LINUX_7_1, NICE_M20, NICE0).contains(1 << 44));
    // On the run queue: X (nice −20) at V − 2^44 and Y (nice −20) at V + 2^44.
    let v = Vtime(1 << 50);
    for (p, limit) in [
        (Profile::LINUX_6_6_57, 69_219i64),
        (Profile::LINUX_6_18, 69_219),
        (Profile::LINUX_7_0, 46_146),
        (Profile::LINUX_7_1, 46_146),
        (Profile::EXACT, 46_146),
    ] {
        let mut acc = AvgVruntime::with_zero_vruntime(p, v);
        let mut x = SchedEntity::from_nice(-20, 3_000_000).unwrap();
        x.vruntime = v.wrapping_add_signed(-raw);
        x.deadline = x.vruntime + 46_146;
        x.on_rq = true;
        let y = v.wrapping_add_signed(raw);
        acc.add(x.vruntime, NICE_M20).unwrap();
        acc.add(y, NICE_M20).unwrap();
        assert_eq!(acc.avg_vruntime(None).unwrap(), v);
        let ctx = RqCtx::new(None, 2, 3_000_000);
        let (vlag, _) = overflowing_entity_lag(&p, v, &x, 3_000_000, 1_000_000);
        assert_eq!(vlag.0, limit, "{p:?}");
        let new = LoadWeight::NICE_0;
        let d_rel = x.deadline.wsub(v); // −2^44 + 46,146
        let wrapped = reweight_entity(&mut acc, &ctx, &mut x, new, &tun(&p));
        // The clamped lag rescaled exactly: ⌊limit·90,891,264 / 2^20⌋.
        let rescaled = (limit as i128 * NICE_M20 as i128 / NICE0 as i128) as i64;
        let v_after = acc.avg_vruntime(None).unwrap();
        match p.reweight {
            eevdf::profile::Reweight::LagPlace => {
                // 6.18/7.0: the deadline is kept relative to v (small), then
                // place_entity inflates by (W + w)/W: the lag after re-insertion
                // is the rescaled one, ±1. Nothing wraps.
                assert_eq!(wrapped, Ok(Wrapped::NO), "{p:?}");
                assert!((v_after.wsub(x.vruntime) - rescaled).abs() <= 1, "{p:?}");
            }
            _ => {
                assert_eq!(v.wsub(x.vruntime), rescaled, "{p:?}");
                // 6.6.57 and 7.1 rescale the deadline relative to V, unclamped:
                // (−2^44 + 46,146)·90,891,264 still wraps there (1560d1f6eb6b
                // clamps only the lag). EXACT keeps it exact.
                let exact_d = d_rel as i128 * NICE_M20 as i128 / NICE0 as i128;
                if p.is_exact() {
                    assert_eq!(wrapped, Ok(Wrapped::NO));
                    assert_eq!(x.deadline.wsub(v) as i128, exact_d);
                } else {
                    assert_eq!(wrapped, Ok(Wrapped::YES), "{p:?}");
                    let c_d = c::div(&p, d_rel.wrapping_mul(NICE_M20 as i64), NICE0 as i64);
                    assert_eq!(x.deadline.wsub(v), c_d, "{p:?}");
                    assert_ne!(c_d as i128, exact_d);
                }
            }
        }
        // Someone is eligible afterwards — except where S itself no longer fits:
        // with full weights, Y's key 2^44 times 90,891,264 is ≈ 2^70, outside
        // avg_sum_domain; 7.1 reports that wrap (the state is post-overflow by
        // construction: that is how V − v reached 2^44).
        if acc.is_wrapped() {
            assert_eq!(p, Profile::LINUX_7_1);
            let total = avg_weight(&p, NICE_M20) + avg_weight(&p, NICE0);
            assert!(!bounds::avg_sum_domain(&p, total).contains(1 << 44));
        } else {
            assert!(
                acc.vruntime_eligible(x.vruntime, None) || acc.vruntime_eligible(y, None),
                "{p:?}"
            );
        }
    }
    // Off the run queue nothing clamps: vlag 2^44 times the old weight wraps.
    let ctx = RqCtx::new(None, 0, 3_000_000);
    for p in ALL {
        let mut acc = AvgVruntime::new(p);
        let mut x = SchedEntity::from_nice(-20, 3_000_000).unwrap();
        x.vlag = Vlag(raw);
        let r = reweight_entity(&mut acc, &ctx, &mut x, LoadWeight::NICE_0, &tun(&p));
        if p.is_exact() {
            assert_eq!(r, Ok(Wrapped::NO));
            assert_eq!(
                x.vlag.0 as i128,
                raw as i128 * NICE_M20 as i128 / NICE0 as i128
            );
            assert_eq!(x.vlag.0, 1_524_902_368_641_024); // 2^24·90,891,264
        } else {
            assert_eq!(r, Ok(Wrapped::YES), "{p:?}");
            assert_eq!(
                x.vlag.0,
                c::div(&p, raw.wrapping_mul(NICE_M20 as i64), NICE0 as i64)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// calc_group_shares
// ---------------------------------------------------------------------------

/// calc_group_shares() (v6.6.0 … v7.1.5; `docs/derivations.md` §10): tg.shares =
/// 1,048,576 on two CPUs, tg.load_avg =
/// 2048, each CPU's last contribution 1024. CPU0 (two freshly woken nice-0 tasks)
/// gets ⌊1,048,576·2048/3072⌋ = 699,050, CPU1 524,288: together 1,223,338 >
/// tg.shares, the documented overestimate, reproduced rather than corrected.
#[test]
fn shares_overestimate_worked_example_known_bugs_4() {
    for p in ALL {
        let cpu0 = overflowing_calc_group_shares(&p, 1 << 20, 2048, 1024, 2 << 20, 1024);
        let cpu1 = overflowing_calc_group_shares(&p, 1 << 20, 2048, 1024, 1 << 20, 1024);
        assert_eq!(cpu0, Ok((699_050, false)), "{p:?}");
        assert_eq!(cpu1, Ok((524_288, false)), "{p:?}");
        assert_eq!(1_048_576u64 * 2048 / 3072, 699_050);
        let (a, b) = (cpu0.unwrap().0, cpu1.unwrap().0);
        assert_eq!(a + b, 1_223_338);
        assert!(a + b > 1 << 20);
    }
}

/// 26cf52229efc ("sched: Avoid scale real weight down to zero"; Michael Wang's
/// RFC of 2020-03-03): scale_load_down floors non-zero weights
/// at 2, so a group queue of load.weight 1000 and load_avg 0 contributes load 2,
/// not 0. Before the fix (load 0) the shares came out as MIN_SHARES = 2.
#[test]
fn bug_26cf52229efc_scale_load_down_floor() {
    let got: Vec<u64> = [0, 1, 1000, 2047, 1_048_576]
        .into_iter()
        .map(scale_load_down)
        .collect();
    assert_eq!(got, [0, 2, 2, 2, 1024]);
    let tg_shares = 102_400 << 10;
    for p in ALL {
        // load = max(sld(1000), 0) = 2; tg_weight = 2 − 2 + 2 = 2: full shares.
        let fixed = overflowing_calc_group_shares(&p, tg_shares, 2, 2, 1000, 0);
        assert_eq!(fixed, Ok((tg_shares, false)), "{p:?}");
        // tg_weight = 0 must not divide: contrib = load_avg + 2.
        let zero = overflowing_calc_group_shares(&p, tg_shares, 0, 2, 1000, 0);
        assert_eq!(zero, Ok((tg_shares, false)), "{p:?}");
    }
    // The pre-fix arithmetic (sld(1000) = 0): load 0, tg_weight 0, no division,
    // shares 0 clamped up to MIN_SHARES = 2.
    let (tg_load_avg, contrib) = (2i64, 2i64);
    let load = 1000u64 >> 10;
    let tg_weight = tg_load_avg - contrib + load as i64;
    assert_eq!((load, tg_weight), (0, 0));
    assert_eq!(
        c::clamp(tg_shares as i64 * load as i64, 2, tg_shares as i64),
        2
    );
}

// ---------------------------------------------------------------------------
// PELT
// ---------------------------------------------------------------------------

/// 98b0d890220d ("Relax the sync of util_sum with util_avg") and the other 2022 "relax the sync"
/// fixes, in every preset): a cfs_rq with util_avg 301, util_sum 301·46,718 loses
/// an entity with util_avg 300, util_sum 14,100,000. The sum is floored at
/// avg·PELT_MIN_DIVIDER: (1, 46,718), never (1, 0) as plain sub_positive gave.
#[test]
fn bug_98b0d890220d_sum_floor_after_detach() {
    assert_eq!(301 * PELT_MIN_DIVIDER, 14_062_118);
    for r in [
        Release::Linux6_6,
        Release::Linux6_18,
        Release::Linux7_0,
        Release::Linux7_1,
    ] {
        let mut cfs = SchedAvg {
            util_avg: 301,
            util_sum: 14_062_118,
            ..SchedAvg::default()
        };
        let se = SchedAvg {
            util_avg: 300,
            util_sum: 14_100_000,
            ..SchedAvg::default()
        };
        detach_entity_load_avg(r, &mut cfs, &se, &LoadWeight::NICE_0);
        assert_eq!((cfs.util_avg, cfs.util_sum), (1, 46_718), "{r:?}");
    }
    // The unfloored arithmetic: 14,062,118 − 14,100,000 clamps to 0 with avg 1.
    assert_eq!(14_062_118u32.checked_sub(14_100_000), None);
}

/// 6ab7973f2540 ("sched/fair: Fix sched_avg fold", after
/// 089d84203ad4 dropped se_weight in the 6.19 merge): a nice-0 entity with
/// load_sum 46,718 enqueued into an empty cfs_rq adds 1024·46,718 = 47,839,232
/// (the queue's sum is weighted); the regression added 46,718.
#[test]
fn bug_6ab7973f2540_weighted_fold() {
    for r in [
        Release::Linux6_6,
        Release::Linux6_18,
        Release::Linux7_0,
        Release::Linux7_1,
    ] {
        let se = SchedAvg {
            load_sum: 46_718,
            load_avg: 1024,
            ..SchedAvg::default()
        };
        let mut cfs = SchedAvg::default();
        enqueue_load_avg(r, &mut cfs, &se, &LoadWeight::NICE_0);
        assert_eq!(cfs.load_sum, 1024 * 46_718, "{r:?}");
        assert_eq!(cfs.load_sum, 47_839_232);
        assert_ne!(cfs.load_sum, 46_718);
    }
}

/// 625ed2bf049d's position-dependent divider (`docs/derivations.md` §9): decay
/// halves 1024 in 32 periods to 511 (table truncation), gives 0 beyond 2016
/// periods, and an always-running entity updated on period boundaries settles at
/// load_sum 46,715 (never LOAD_AVG_MAX 47,742) after 346 periods, with load_avg
/// 1023 and util_avg 1024.
#[test]
fn bug_625ed2bf049d_pelt_decay_and_saturation() {
    assert_eq!(decay_load(1024, 32), 511);
    assert_eq!(decay_load(u64::MAX, 2017), 0);
    let mut sa = SchedAvg::default();
    let period = 1024 * 1024u64;
    let mut first_settled = None;
    for n in 1..=400u64 {
        update_load_avg_se(n * period, &mut sa, &LoadWeight::NICE_0, true, 1, true);
        assert!(sa.load_sum < LOAD_AVG_MAX as u64);
        if sa.load_sum == 46_715 && first_settled.is_none() {
            first_settled = Some(n);
        }
    }
    assert_eq!(first_settled, Some(346));
    assert_eq!(
        (sa.load_sum, sa.load_avg, sa.util_avg),
        (46_715, 1023, 1024)
    );
}

// ---------------------------------------------------------------------------
// __calc_delta
// ---------------------------------------------------------------------------

/// The reciprocal path of `__calc_delta()` that db4551e2ba34 replaced on 64-bit
/// (v6.6.0, v7.0.0; `docs/derivations.md` §7): δ = 10^9 ns at weight 1024 against lazily
/// inverted group weights. The multiply-shift result is low by up to a few hundred ns per
/// second (never high); v7.1 and EXACT give the exact quotient.
#[test]
fn bug_db4551e2ba34_reciprocal_vs_exact() {
    let rows = [
        (2u64, 511_999_999_761u64, 512_000_000_000u64),
        (3, 341_333_333_253, 341_333_333_333),
        (15, 68_266_666_650, 68_266_666_666),
        (335, 3_056_716_203, 3_056_716_417),
        (88_761, 11_536_598, 11_536_598),
    ];
    for (w, legacy, exact) in rows {
        let lw = LoadWeight::new(w << 10).unwrap();
        for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
            assert_eq!(
                overflowing_calc_delta_fair(&p, 1_000_000_000, &lw),
                (legacy, false)
            );
        }
        assert_eq!(
            c::calc_delta_fair(&Profile::LINUX_6_6, 1_000_000_000, &lw),
            legacy
        );
        for p in [Profile::LINUX_7_1, Profile::EXACT] {
            assert_eq!(
                overflowing_calc_delta_fair(&p, 1_000_000_000, &lw),
                (exact, false)
            );
        }
        assert!(legacy <= exact && exact - legacy < 300);
    }
    // With the table inverse 4,194,304, nice 0 is exact; the computed
    // 4,194,303 would give 999,999,761.
    let lazy = LoadWeight::new(NICE0).unwrap();
    assert_eq!(
        overflowing_calc_delta(&Profile::LINUX_6_6, 1_000_000_000, NICE0, &lazy),
        Ok((999_999_761, false))
    );
    assert_eq!(
        overflowing_calc_delta(
            &Profile::LINUX_6_6,
            1_000_000_000,
            NICE0,
            &LoadWeight::NICE_0
        ),
        Ok((1_000_000_000, false))
    );
}

/// db4551e2ba34 ("sched/fair: Use full weight to __calc_delta()", v7.1.5): w = 2^19 and δ =
/// 2^44: the u64 product δ·2^20 wraps to 0 and v7.1 returns 0; exactly it is 2^45. δ = 2^44 − 1
/// is exact: 2^45 − 2.
#[test]
fn bug_db4551e2ba34_delta_2_44_boundary() {
    let lw = LoadWeight::new(1 << 19).unwrap();
    let p = Profile::LINUX_7_1;
    assert_eq!(
        overflowing_calc_delta_fair(&p, (1 << 44) - 1, &lw),
        ((1 << 45) - 2, false)
    );
    assert_eq!((1u64 << 44).wrapping_mul(1 << 20), 0);
    assert_eq!(overflowing_calc_delta_fair(&p, 1 << 44, &lw), (0, true));
    assert_eq!(eevdf::weight::calc_delta_fair(&p, 1 << 44, &lw), Ok(0));
    assert_eq!(
        overflowing_calc_delta_fair(&Profile::EXACT, 1 << 44, &lw),
        (1 << 45, false)
    );
    assert_eq!(
        bounds::calc_delta_fair_domain(&p, &lw),
        Domain::UpTo((1 << 44) - 1)
    );
    // The legacy reciprocal has no such limit for this weight.
    assert!(!overflowing_calc_delta_fair(&Profile::LINUX_7_0, 1 << 44, &lw).1);
}

// ---------------------------------------------------------------------------
// Harnesses and lag bounds
// ---------------------------------------------------------------------------

/// In the style of Hui Su's 2026 method (UBSAN plus an `__int128` oracle over
/// random inputs, in his place_entity() overflow patch): seeded random
/// sequences of enqueue(w, vlag), dequeue, run(Δ ≤ 10 ms) and reweight(w') with
/// weights {2, 15·1024, 2^20, 88761·1024, 100·2^20}, run by LINUX_7_1 and EXACT
/// side by side and checked against an i128 recomputation after every step:
/// V is the floored average (W·V − Σ w·key ∈ (−W, 0]); someone is eligible;
/// |vlag| ≤ limit at every dequeue; a reweight moves V only by rounding
/// (−1 … ⌊(W + w' − 2)/W'⌋, when the clamp does not fire); a placement brings
/// the saved lag back within ±1; and nothing wraps (7.1 equals EXACT).
#[test]
fn harness_hui_su_random_sequences_known_bugs_7() {
    const W: [u64; 5] = [2, 15 << 10, 1 << 20, 88_761 << 10, 100 << 20];
    type Rq = RunQueue<Profile, 12>;
    #[derive(Clone, Copy, Debug)]
    enum Op {
        Enqueue(u64, i64),
        Dequeue(usize),
        Run(u64),
        Reweight(usize, u64),
    }
    for seed in 0..6u64 {
        let mut rng = Rng(seed);
        let mut rqs = [Profile::LINUX_7_1, Profile::EXACT].map(|p| Rq::new(p, tun(&p)));
        let mut now = 0u64;
        for step in 0..700 {
            let op = match rng.below(10) {
                0..=2 => Op::Enqueue(
                    W[rng.below(5) as usize],
                    rng.below(2_000_001) as i64 - 1_000_000,
                ),
                3..=4 => Op::Dequeue(rng.below(12) as usize),
                5..=7 => Op::Run(1 + rng.below(10_000_000)),
                _ => Op::Reweight(rng.below(12) as usize, W[rng.below(5) as usize]),
            };
            if let Op::Run(d) = op {
                now += d;
            }
            let mut placed = None;
            let mut reweighted = None;
            for rq in rqs.iter_mut() {
                let ids: Vec<_> = rq.ids().collect();
                match op {
                    Op::Enqueue(w, lag) => {
                        let mut se = SchedEntity::new(LoadWeight::new(w).unwrap(), 3_000_000);
                        se.vlag = Vlag(lag);
                        if let Ok(id) = rq.add(se) {
                            let v_before = rq.avg_vruntime().unwrap();
                            let queued = queue_avg_load(rq) > 0;
                            rq.enqueue(id, now, EnqueueFlags::WAKEUP).unwrap();
                            if queued {
                                placed = Some((id, lag, v_before));
                            }
                        }
                    }
                    Op::Dequeue(i) => {
                        if let Some(&id) = ids.get(i % ids.len().max(1)) {
                            let before = rq.max_slice();
                            if let Ok(Dequeued::Removed) = rq.dequeue(id, now, DequeueFlags::SLEEP)
                            {
                                let se = rq.entity(id).unwrap();
                                let lim = eevdf::entity::exact_lag_limit(
                                    &rq.profile(),
                                    se,
                                    before,
                                    1_000_000,
                                );
                                assert!(
                                    (se.vlag.0.unsigned_abs() as u128) <= lim,
                                    "seed {seed} step {step}"
                                );
                                let _ = rq.remove(id); // not while it is still curr
                            }
                        }
                    }
                    Op::Run(_) => {
                        if rq.tick(now).unwrap().is_requested() {
                            rq.pick_next(now).unwrap();
                        }
                    }
                    Op::Reweight(i, w_new) => {
                        if let Some(&id) = ids.get(i % ids.len().max(1)) {
                            let se = *rq.entity(id).unwrap();
                            if se.on_rq && rq.curr() != Some(id) {
                                let v_before = rq.avg_vruntime().unwrap();
                                let w_tot = queue_avg_load(rq);
                                let vl = v_before.wsub(se.vruntime);
                                let lim = eevdf::entity::exact_lag_limit(
                                    &rq.profile(),
                                    &se,
                                    rq.max_slice(),
                                    1_000_000,
                                );
                                rq.reweight(id, LoadWeight::new(w_new).unwrap(), now)
                                    .unwrap();
                                if (vl.unsigned_abs() as u128) < lim {
                                    reweighted = Some((v_before, w_tot, w_new, se.load.weight()));
                                }
                            }
                        }
                    }
                }
            }
            // 7.1 never wrapped and equals EXACT, entity for entity.
            assert!(!rqs[0].wrapped(), "seed {seed} step {step}");
            let a: Vec<_> = rqs[0].ids().map(|id| *rqs[0].entity(id).unwrap()).collect();
            let b: Vec<_> = rqs[1].ids().map(|id| *rqs[1].entity(id).unwrap()).collect();
            assert_eq!(a, b, "seed {seed} step {step} {op:?}");
            let rq = &rqs[1];
            rq.validate().unwrap();
            if rq.nr_queued() > 0 {
                // V is the floored exact average: W·V − Σ w·v ∈ (−W, 0].
                let v = rq.avg_vruntime().unwrap();
                let (s, w) = exact_sums_about(rq, v);
                assert!(
                    s <= 0 && s > -w,
                    "seed {seed} step {step}: W·V − Σ = {s}, W = {w}"
                );
                assert!(
                    rq.peek().is_some(),
                    "seed {seed} step {step}: nothing eligible"
                );
            }
            if let Some((id, lag, _)) = placed {
                // The lag after insertion is the lag saved, ±1.
                let v_after = rq.avg_vruntime().unwrap();
                let back = v_after.wsub(rq.entity(id).unwrap().vruntime);
                assert!(
                    (back - lag).abs() <= 1,
                    "seed {seed} step {step}: {lag} came back as {back}"
                );
            }
            if let Some((v_before, w_tot, w_new, w_old)) = reweighted {
                let v_after = rq.avg_vruntime().unwrap();
                let drift = v_after.wsub(v_before) as i128;
                let w_after = w_tot as i128 - w_old as i128 + w_new as i128;
                let hi = (w_tot as i128 + w_new as i128 - 2).div_euclid(w_after);
                assert!(
                    (-1..=hi).contains(&drift),
                    "seed {seed} step {step}: drift {drift} ∉ [−1, {hi}]"
                );
            }
        }
    }
}

/// Σ averaging weights of the queued entities (curr included if on_rq).
fn queue_avg_load(rq: &RunQueue<Profile, 12>) -> u64 {
    rq.ids()
        .map(|id| *rq.entity(id).unwrap())
        .filter(|se| se.on_rq)
        .map(|se| avg_weight(&rq.profile(), se.load.weight()))
        .sum()
}

/// (W·V − Σ w_i·v_i, W) over the queued entities, in i128, v_i relative to V.
fn exact_sums_about(rq: &RunQueue<Profile, 12>, v: Vtime) -> (i128, i128) {
    let (mut s, mut w) = (0i128, 0i128);
    for id in rq.ids() {
        let se = rq.entity(id).unwrap();
        if se.on_rq {
            let aw = avg_weight(&rq.profile(), se.load.weight()) as i128;
            s -= se.vruntime.wsub(v) as i128 * aw;
            w += aw;
        }
    }
    (s, w)
}

/// The reweight rounding bound's worst case (v6.6.57, v7.1.5; `docs/derivations.md`
/// §6): one nice −20 and
/// one nice 19 entity; reweighting the nice −20 one to nice 19 moves V by
/// ⌊(W + w' − 2)/W'⌋ = 2,959 ns (v7.1). Positions found by search: nice −20 at
/// v0 + 1, nice 19 at v0 + 11,837 (V = v0 + 2, vlag 1, rescaled to 5,917).
#[test]
fn reweight_v_drift_reaches_2959_known_bugs_7() {
    let (w_big, w_small) = (NICE_M20, 15u64 << 10);
    let bound = (w_big + w_small + w_small - 2) / (2 * w_small);
    assert_eq!(bound, 2_959);
    for p in [Profile::LINUX_7_1, Profile::EXACT] {
        let v0 = Vtime(0);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        let mut x = SchedEntity::from_nice(-20, 3_000_000).unwrap();
        x.vruntime = Vtime(1);
        x.deadline = Vtime(1_000_000);
        x.on_rq = true;
        acc.add(x.vruntime, w_big).unwrap();
        acc.add(Vtime(11_837), w_small).unwrap();
        let v = acc.avg_vruntime(None).unwrap();
        assert_eq!(v, Vtime(2));
        let ctx = RqCtx::new(None, 2, 3_000_000);
        let nice19 = LoadWeight::from_nice(19).unwrap();
        let _ = reweight_entity(&mut acc, &ctx, &mut x, nice19, &tun(&p)).unwrap();
        // vlag 1 → ⌊1·90,891,264/15,360⌋ = 5,917; v' = 2 − 5,917.
        assert_eq!(x.vruntime.wsub(v0), 2 - 5_917);
        let v2 = acc.avg_vruntime(None).unwrap();
        assert_eq!(v2.wsub(v), 2_959, "{p:?}");
    }
}

/// The steady-state EEVDF lag bound (`docs/derivations.md` §11): three nice-0
/// entities, slice 3 ms, tick 1 ms, 10^5
/// ticks of EEVDF picks: every vlag stays within ±(slice + tick) = ±4,000,000 ns,
/// the 7.x lag-clamp limit calc_delta_fair(max_slice + TICK) for nice 0.
#[test]
fn steady_state_lag_bound_known_bugs_7() {
    for p in [Profile::LINUX_6_6, Profile::LINUX_7_1, Profile::EXACT] {
        let mut rq = RunQueue::<_, 4>::new(p, tun(&p));
        let ids: Vec<_> = (0..3)
            .map(|_| {
                rq.add(SchedEntity::from_nice(0, 3_000_000).unwrap())
                    .unwrap()
            })
            .collect();
        for &id in &ids {
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        rq.pick_next(0).unwrap();
        let mut worst = 0i64;
        for k in 1..=100_000u64 {
            let now = k * 1_000_000;
            if rq.tick(now).unwrap().is_requested() {
                rq.pick_next(now).unwrap();
            }
            let v = rq.avg_vruntime().unwrap();
            for &id in &ids {
                worst = worst.max(v.wsub(rq.entity(id).unwrap().vruntime).abs());
            }
        }
        assert!(worst <= 4_000_000, "{p:?}: |lag| reached {worst}");
        assert!(!rq.wrapped());
    }
    let se = SchedEntity::from_nice(0, 3_000_000).unwrap();
    assert_eq!(
        overflowing_lag_limit(&Profile::LINUX_7_1, &se, 3_000_000, 1_000_000),
        (4_000_000, false)
    );
}

/// The three-task example of LWN's EEVDF coverage (v7.1.5 `entity_lag()`): three
/// equal tasks, A runs 30 ms, V advances 10 ms: lags
/// −20 ms, +10 ms, +10 ms, summing to 0.
#[test]
fn lwn_example_three_equal_tasks_known_bugs_7() {
    for p in ALL {
        let v0 = Vtime(0);
        let es = [(Vtime(30_000_000), NICE0), (v0, NICE0), (v0, NICE0)];
        let (v, w) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
        assert!(!w);
        let lags: Vec<i64> = es.iter().map(|e| v.wsub(e.0)).collect();
        assert_eq!(lags, [-20_000_000, 10_000_000, 10_000_000], "{p:?}");
    }
}

// ---------------------------------------------------------------------------
// Stale slice aggregates
// ---------------------------------------------------------------------------

/// The v6.12–v7.1 augmented-tree callbacks (`docs/derivations.md` §12): custom
/// slices 20 ms, 0.1 ms and 3 ms enqueued at V make the
/// third an inner grandchild, which two rotations lift to the root. Rotations copy
/// only min_vruntime, and 7.x does not initialise a new leaf's max_slice, so the
/// root reports min_slice 3 ms and max_slice 0 while the queue holds 0.1 ms and
/// 20 ms. The 7.x lag clamp then uses 0 + tick = 1 ms instead of 21 ms.
#[test]
fn tree_stale_slice_aggregates_known_bugs_8() {
    let run = |p: Profile| {
        let mut rq = RunQueue::<_, 8>::new(p, tun(&p));
        for s in [20_000_000u64, 100_000, 3_000_000] {
            let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
            se.set_custom_slice(s, 3_000_000);
            let id = rq.add(se).unwrap();
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        rq.validate().unwrap();
        assert_eq!(rq.exact_slice_bounds(), Some((100_000, 20_000_000)));
        (rq.min_slice(), rq.max_slice())
    };
    for p in [Profile::LINUX_7_0, Profile::LINUX_7_1, Profile::EXACT] {
        assert_eq!(run(p), (3_000_000, 0), "{p:?}");
    }
    assert_eq!(run(Profile::LINUX_6_18).0, 3_000_000);
    let exact_aggregates = Profile {
        slice_aggregates: eevdf::profile::SliceAggregates::Exact,
        ..Profile::LINUX_7_1
    };
    assert_eq!(run(exact_aggregates), (100_000, 20_000_000));
    // What the clamp makes of it for a nice-0 entity: 1 ms instead of 21 ms.
    let se = SchedEntity::from_nice(0, 3_000_000).unwrap();
    let p = Profile::LINUX_7_1;
    assert_eq!(overflowing_lag_limit(&p, &se, 0, 1_000_000).0, 1_000_000);
    assert_eq!(
        overflowing_lag_limit(&p, &se, 20_000_000, 1_000_000).0,
        21_000_000
    );
}

#[test]
fn exact_rejects_what_it_cannot_represent() {
    // The corpus relies on EXACT answering or refusing, never wrapping.
    assert_eq!(
        eevdf::weight::calc_delta_fair(&Profile::EXACT, u64::MAX, &LoadWeight::new(2).unwrap()),
        Err(Error::Overflow)
    );
}
