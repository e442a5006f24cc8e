//! Every 64-bit operation the kernel performs on S and W is reported when it
//! overflows, even when the result fits again (modular arithmetic makes the
//! value right by luck; the kernel still wrapped on the way). These are the
//! callers of the V accumulator that form such operations besides the
//! averaging reads (those are covered in `src/avg.rs` and `tests/properties.rs`).

use eevdf::outcome::Wrapped;

use eevdf::avg::AvgVruntime;
use eevdf::entity::{place_entity, reweight_entity, PlaceFlags, RqCtx, SchedEntity, Tunables};
use eevdf::weight::{LoadWeight, NICE_0_LOAD};
use eevdf::{Profile, Vlag, Vtime};

#[test]
fn placement_reports_an_overflow_of_its_heavy_entity_v0_move() {
    // place_entity, v7.1 (556146ce5e94): an entity heavier than the queue
    // (w > load) re-centres v0 on itself, update_zero_vruntime(−lag), i.e.
    // S += W·lag. Tree entity and curr (both nice 0) at ±6·10^12 from v0: S =
    // 2^20·6·10^12 ≈ 6.29·10^18, V = v0. The placed entity (weight 2^22, vlag
    // 1.4·10^12) inflates its lag without overflowing, vlag·(L + w) ≈
    // 8.81·10^18, to lag ≈ 4.2·10^12; then S + W·lag ≈ 1.07·10^19 > 2^63.
    // The move is part of placement, so placement must say so.
    let k = 6_000_000_000_000i64;
    let curr = Some((Vtime((-k) as u64), NICE_0_LOAD));
    let ctx = RqCtx::new(curr, 2, 3_000_000);
    let tun = Tunables::defaults(&Profile::LINUX_7_1, 1, 1000);
    let place = |p: Profile| {
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        acc.add(Vtime(k as u64), NICE_0_LOAD).unwrap();
        let mut se = SchedEntity::new(LoadWeight::new(1 << 22).unwrap(), 3_000_000);
        se.vlag = Vlag(1_400_000_000_000);
        let r = place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun);
        (r, se.vruntime, acc)
    };
    let lag = (1_400_000_000_000i128 * ((1 << 21) + (1 << 22)) / (1 << 21)) as i64;
    let (r, v, acc) = place(Profile::LINUX_7_1);
    assert_eq!((r, v), (Ok(Wrapped::YES), Vtime((-lag) as u64)));
    assert!(acc.is_wrapped());
    // The kernel's S after the move, wrapped; EXACT holds the exact one.
    let s = ((k as i128) << 20) + ((lag as i128) << 20);
    assert!(s > i64::MAX as i128);
    assert_eq!(acc.sum_w_vruntime(), s as i64);
    let (r, v, acc) = place(Profile::EXACT);
    assert_eq!((r, v), (Ok(Wrapped::NO), Vtime((-lag) as u64)));
    assert_eq!(acc.sum_w_vruntime_wide(), s);
}

#[test]
fn reweight_reports_an_overflow_of_its_sum_update() {
    // reweight_entity, v6.6.0: a queued entity leaves S with its old weight
    // and comes back with the new one, S += key·w_new. At key 2^50 nice 0
    // (scaled-down 1024: 2^60) becomes nice −20 (88761): key·w ≈ 2^66.4.
    let p = Profile::LINUX_6_6;
    let tun = Tunables::defaults(&p, 1, 1000);
    let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
    let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
    se.vruntime = Vtime(1 << 50);
    se.deadline = se.vruntime + 3_000_000;
    se.on_rq = true;
    acc.add(se.vruntime, se.load.weight()).unwrap();
    assert!(!acc.is_wrapped());
    let ctx = RqCtx::new(None, 1, 3_000_000);
    let new = LoadWeight::from_nice(-20).unwrap();
    assert_eq!(
        reweight_entity(&mut acc, &ctx, &mut se, new, &tun),
        Ok(Wrapped::YES)
    );
    assert_eq!(acc.sum_w_vruntime(), (1i64 << 50).wrapping_mul(88761));
    // vruntime unchanged in 6.6; the relative deadline scaled by 1024/88761.
    assert_eq!(se.vruntime, Vtime(1 << 50));
    assert_eq!(se.deadline, Vtime((1 << 50) + 3_000_000 * 1024 / 88761));
}

#[test]
fn an_earlier_overflow_that_came_back_in_range_reaches_reweights_flag() {
    // The accumulator's indicator is sticky: a product that overflowed at an
    // enqueue (S fits again afterwards) is reported by every later V read,
    // reweight's included (v6.18 takes V through update_entity_lag).
    let p = Profile::LINUX_6_18;
    let tun = Tunables::defaults(&p, 1, 1000);
    let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
    acc.add(Vtime(1 << 62), 2).unwrap(); // 2^63: overflows
    acc.remove(Vtime(1 << 62), 2).unwrap(); // and back to S = 0
    let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
    se.vruntime = Vtime(1000);
    se.deadline = Vtime(3_001_000);
    se.on_rq = true;
    acc.add(se.vruntime, se.load.weight()).unwrap();
    assert_eq!(acc.sum_w_vruntime(), 1000 * 1024);
    let ctx = RqCtx::new(None, 1, 3_000_000);
    let new = LoadWeight::from_nice(5).unwrap();
    assert_eq!(
        reweight_entity(&mut acc, &ctx, &mut se, new, &tun),
        Ok(Wrapped::YES)
    );
}
