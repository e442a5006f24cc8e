//! Golden values from the trace in Tobias Huschle's report "EEVDF/vhost regression
//! (bisected to 86bfbb7ce4f6 sched/fair: Add lag based placement)" (LKML,
//! 2023-11-16; its TRACE EXCERPT section): a 6.6-rc7 kernel with a 3 ms base slice
//! (s390, 12 dedicated IFLs with SMT-2: 24 CPUs, factor 4 × 0.75 ms).
//!
//! Every `sched_place` trace line prints the placed entity's vruntime (sev),
//! deadline (sed), vlag (sel) and the queue's avg_vruntime (avg).

use eevdf::avg::AvgVruntime;
use eevdf::entity::{place_entity, PlaceFlags, RqCtx, SchedEntity, Tunables};
use eevdf::weight::{overflowing_calc_delta_fair, LoadWeight};
use eevdf::{Features, Profile, Release, Vlag, Vtime};

const P: Profile = Profile::LINUX_6_6;
const SLICE: u64 = 3_000_000;

/// (sev, sed) of every group-entity `sched_place` line (`comm= pid=0`), and the
/// unique `scale_load_down` weight whose inverse gives that deadline gap.
const GROUP_LINES: [(u64, u64, u64); 8] = [
    (16_329_848_593, 16_334_604_010, 646),
    (42_560_661_157, 42_627_443_765, 46),
    (53_846_627_372, 54_125_900_099, 11),
    (86_640_641_980, 87_255_041_979, 5),
    (12_775_683_594, 12_779_398_224, 827),
    (33_655_559_178, 33_661_025_369, 562),
    (42_240_572_785, 42_244_083_642, 875),
    (70_190_876_523, 70_194_789_898, 785),
];

/// (sev, sed) of the task lines (vhost and kworker, nice 0).
const TASK_LINES: [(u64, u64); 4] = [
    (4_242_563_284, 4_245_563_284),
    (86_642_125_805, 86_645_125_805),
    (86_642_191_859, 86_645_191_859),
    (3_198_666_923, 3_201_666_923),
];

#[test]
fn every_place_line_deadline_gap_is_calc_delta_fair_of_the_slice() {
    for (sev, sed, sld) in GROUP_LINES {
        // A group entity's weight comes from update_load_set: stale inverse,
        // computed as (2^32 − 1) / scale_load_down(w) when needed.
        let lw = LoadWeight::new(sld << 10).unwrap();
        assert_eq!(
            overflowing_calc_delta_fair(&P, SLICE, &lw),
            (sed - sev, false),
            "sld {sld}"
        );
    }
    for (sev, sed) in TASK_LINES {
        assert_eq!(
            overflowing_calc_delta_fair(&P, SLICE, &LoadWeight::NICE_0),
            (sed - sev, false)
        );
    }
}

#[test]
fn the_group_weights_are_unique() {
    // No other scaled-down weight in [2, 2^18] gives the same gap.
    for (sev, sed, sld) in GROUP_LINES {
        let matches: Vec<u64> = (2..=262_144u64)
            .filter(|&w| {
                overflowing_calc_delta_fair(&P, SLICE, &LoadWeight::new(w << 10).unwrap()).0
                    == sed - sev
            })
            .collect();
        assert_eq!(matches, vec![sld]);
    }
}

fn tunables() -> Tunables {
    Tunables {
        base_slice: SLICE,
        tick_nsec: 10_000_000, // HZ = 100 on that s390 host
        features: Features::defaults(Release::Linux6_6),
    }
}

#[test]
fn kworker_placement_with_sel_minus_1150_is_reproduced() {
    // "sched_place: comm=kworker/14:0 pid=6525 sev=86642191859 sed=86645191859
    //  sel=-1150 avg=86642188144 min=86642188144 cpu=14 nr=1"
    //
    // One entity is queued (nr=1): the running vhost group entity, alone, so
    // V = its vruntime = avg = min. Inflation: sev = avg − trunc(−1150·(L+1024)/L),
    // and 86642191859 − 86642188144 = 3715 pins the queue load to L = 459
    // (scaled down): 1150·1024/459 = 2565.5…, 1150·1024/458 = 2571.2…, /460 = 2560.
    let avg = Vtime(86_642_188_144);
    let mut acc = AvgVruntime::with_zero_vruntime(P, avg);
    let ctx = RqCtx::new(Some((avg, 459 << 10)), 1, SLICE);
    let mut kworker = SchedEntity::from_nice(0, SLICE).unwrap();
    kworker.vlag = Vlag(-1150);
    let wrapped = place_entity(
        &mut acc,
        &ctx,
        &mut kworker,
        PlaceFlags::default(),
        &tunables(),
    )
    .unwrap();
    assert!(!wrapped.is_wrapped());
    assert_eq!(kworker.vruntime, Vtime(86_642_191_859));
    assert_eq!(kworker.deadline, Vtime(86_645_191_859));
    assert_eq!(
        acc.zero_vruntime(),
        avg,
        "6.6 placement does not move min_vruntime"
    );

    // The neighbouring loads do not reproduce the line.
    for l in [458u64, 460] {
        let mut acc = AvgVruntime::with_zero_vruntime(P, avg);
        let ctx = RqCtx {
            curr: Some((avg, l << 10)),
            ..ctx
        };
        let mut k = SchedEntity::from_nice(0, SLICE).unwrap();
        k.vlag = Vlag(-1150);
        let _ = place_entity(&mut acc, &ctx, &mut k, PlaceFlags::default(), &tunables()).unwrap();
        assert_ne!(k.vruntime, Vtime(86_642_191_859), "L = {l}");
    }
}

#[test]
fn lag_is_ignored_when_the_queue_is_empty() {
    // "sched_place: comm= pid=0 sev=70190876523 sed=70194789898 sel=-13068763
    //  avg=70190876523 ... nr=0": a non-zero vlag, but nothing queued, so v = V.
    let avg = Vtime(70_190_876_523);
    let mut acc = AvgVruntime::with_zero_vruntime(P, avg);
    let ctx = RqCtx::new(None, 0, SLICE);
    let mut ge = SchedEntity::new(LoadWeight::new(785 << 10).unwrap(), SLICE);
    ge.vlag = Vlag(-13_068_763);
    let _ = place_entity(&mut acc, &ctx, &mut ge, PlaceFlags::default(), &tunables()).unwrap();
    assert_eq!(
        (ge.vruntime, ge.deadline),
        (Vtime(70_190_876_523), Vtime(70_194_789_898))
    );
}
