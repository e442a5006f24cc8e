//! The C entry points called from Rust: they are the Rust functions plus
//! argument checks and status mapping, nothing else. (The C side, golden
//! values and layouts from C are `examples/c/test_abi.c`, run by `tests/c.rs`.)

use eevdf::pick::PickCtx;

use super::*;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use eevdf::avg::AvgVruntime;
use eevdf::entity::SchedEntity;
use eevdf::pick::{pick_eevdf_linear, Pick};
use eevdf::vtime::{Vlag, Vtime};
use eevdf::weight::{overflowing_calc_delta_fair, LoadWeight};
use eevdf::Features;
use std::vec;
use std::vec::Vec;

const NICE0: u64 = 1 << 20;

/// An iteration count: `n` natively, about a hundredth under Miri (which
/// checks every memory access and runs ~1000x slower), so that
/// `cargo +nightly miri test --lib ffi` finishes in minutes.
const fn iters(n: u32) -> u32 {
    if cfg!(miri) {
        n / 100 + 1
    } else {
        n
    }
}

quickcheck::quickcheck! {
    fn c_calc_delta_fair_is_the_rust_function(id: u8, delta: u64, weight: u64, inv: u32) -> bool {
        let id = (id % 6) as u32; // 5 is an unknown profile
        let lw = EevdfLoadWeight { weight, inv_weight: inv };
        let mut out = 0xDEAD;
        // SAFETY: valid pointers to locals.
        let status = unsafe { eevdf_calc_delta_fair(id, delta, &lw, &mut out) };
        let Some(p) = eevdf::Profile::from_id(id) else {
            return status == EEVDF_EINVAL && out == 0xDEAD;
        };
        let Ok(rlw) = LoadWeight::with_inv_weight(weight, inv) else {
            return status == EEVDF_EINVAL && out == 0xDEAD;
        };
        match overflowing_calc_delta_fair(&p, delta, &rlw) {
            (_, true) if p.is_exact() => status == EEVDF_EOVERFLOW && out == 0xDEAD,
            (v, true) => status == EEVDF_WRAPPED && out == v,
            (v, false) => status == EEVDF_OK && out == v,
        }
    }

    fn c_calc_group_shares_is_the_rust_function(id: u8, a: u64, b: u64, c: u64, d: u64, e: u64) -> bool {
        let id = (id % 6) as u32;
        let mut out = 0xDEAD;
        // SAFETY: a valid pointer to a local.
        let status = unsafe { eevdf_calc_group_shares(id, a, b, c, d, e, &mut out) };
        let Some(p) = eevdf::Profile::from_id(id) else {
            return status == EEVDF_EINVAL && out == 0xDEAD;
        };
        match eevdf::group::overflowing_calc_group_shares(&p, a, b, c, d, e) {
            Err(err) => status == err.errno() && out == 0xDEAD,
            Ok((_, true)) if p.is_exact() => status == EEVDF_EOVERFLOW && out == 0xDEAD,
            Ok((v, true)) => status == EEVDF_WRAPPED && out == v,
            Ok((v, false)) => status == EEVDF_OK && out == v,
        }
    }

    fn accumulator_state_round_trips_through_the_c_struct(id: u8, ops: Vec<(u8, u64, u32)>) -> bool {
        let id = (id % 5) as u32;
        let p = eevdf::Profile::from_id(id).unwrap();
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime::INIT);
        for (op, v, w) in ops {
            let w = w as u64 + 1;
            let _ = match op % 3 {
                0 => acc.add(Vtime(v), w << (op % 24)),
                1 => acc.remove(Vtime(v), w),
                _ => acc.move_reference(v as i64),
            };
            let c = EevdfAvgVruntime::from_rust(id, &acc);
            if c.to_rust() != Ok(acc) || c.sum_w_vruntime != acc.sum_w_vruntime() {
                return false;
            }
        }
        true
    }

    fn c_pick_equals_the_rust_pick(id: u8, es: Vec<(u16, u16, u8)>, curr: Option<(u16, u16)>) -> bool {
        let id = (id % 5) as u32;
        let p = eevdf::Profile::from_id(id).unwrap();
        let f = Features::defaults(p.release);
        let mut tree: Vec<SchedEntity> = es
            .iter()
            .map(|&(v, d, n)| {
                let mut se = SchedEntity::from_nice((n % 40) as i32 - 20, 3_000_000).unwrap();
                se.vruntime = Vtime(v as u64);
                se.deadline = Vtime(v as u64 + d as u64);
                se.on_rq = true;
                se
            })
            .collect();
        if p.release == eevdf::Release::Linux6_6 {
            tree.sort_by_key(|e| e.vruntime.0);
        } else {
            tree.sort_by_key(|e| e.deadline.0);
        }
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        for e in &tree {
            acc.add(e.vruntime, e.load.weight()).unwrap();
        }
        let c = curr.map(|(v, d)| {
            let mut se = SchedEntity::new(LoadWeight::NICE_0, 3_000_000);
            se.vruntime = Vtime(v as u64);
            se.deadline = Vtime(v as u64 + d as u64);
            se.on_rq = true;
            se
        });
        let nr = tree.len() as u32 + c.is_some() as u32;
        let want = pick_eevdf_linear(&acc, &tree, &PickCtx { curr: c.as_ref(), next: None, nr_queued: nr, protect: true, features: f });
        let ctree: Vec<EevdfSchedEntity> = tree.iter().map(|&e| e.into()).collect();
        let cc: Option<EevdfSchedEntity> = c.map(Into::into);
        let cacc = EevdfAvgVruntime::from_rust(id, &acc);
        let mut got = EevdfPick { kind: 99, index: 99 };
        // SAFETY: valid pointers to locals; `ctree` has `len` elements.
        let status = unsafe {
            eevdf_pick_eevdf_linear(
                id,
                &cacc,
                ctree.as_ptr(),
                ctree.len(),
                cc.as_ref().map_or(core::ptr::null(), |c| c as *const _),
                core::ptr::null(),
                nr,
                true,
                f.bits(),
                &mut got,
            )
        };
        status == EEVDF_OK
            && match want {
                Pick::Nothing => got.kind == EEVDF_PICK_NOTHING,
                Pick::Curr => got.kind == EEVDF_PICK_CURR,
                Pick::Queued(i) => got.kind == EEVDF_PICK_QUEUED && got.index == i as u64,
            }
    }
}

#[test]
fn accumulator_halves_cover_the_extremes() {
    // S and W at the edges of what 128 bits hold round-trip exactly.
    for s in [i128::MIN, i128::MAX, -1, 0, 1i128 << 63, -(1i128 << 63) - 1] {
        for w in [0i128, u64::MAX as i128 + 1, i128::MAX] {
            let acc =
                AvgVruntime::from_raw_parts(Profile::LINUX_7_1, Vtime(5), s, w, true).unwrap();
            let c = EevdfAvgVruntime::from_rust(3, &acc);
            assert_eq!(c.to_rust(), Ok(acc), "S = {s}, W = {w}");
            assert_eq!(c.sum_w_vruntime, s as i64, "the low half is the kernel's S");
            assert_eq!(c.sum_weight, w as u64, "the low half is the kernel's W");
        }
    }
}

#[test]
fn c_contract_reports_a_product_that_overflows_while_the_sum_fits() {
    // Issue 11 item 5. Values from an independent big-integer model of the
    // contract functions (fidelity review of the library): a key*w product
    // overflows s64, the final S fits, so the value is right and the status
    // must still be EEVDF_WRAPPED.
    // 7.0 (and 6.6, 6.18: same scaled-down weights): 2 * key ~ 1.007e19 > 2^63.
    let v0 = 16_937_304_304_303u64;
    let vr = [5_032_858_225_289_597_480u64, 16_936_441_485_285];
    let w = [2u64, 1_099_511_627_777];
    for id in [0u32, 1, 2] {
        let (mut v, mut e) = (0u64, false);
        // SAFETY: arrays of 2 and valid out-pointers.
        unsafe {
            assert_eq!(
                eevdf_avg_vruntime(id, v0, vr.as_ptr(), w.as_ptr(), 2, &mut v),
                EEVDF_WRAPPED
            );
            assert_eq!(
                eevdf_vruntime_eligible(id, v0, vr.as_ptr(), w.as_ptr(), 2, v0, &mut e),
                EEVDF_WRAPPED
            );
        }
        assert_eq!((v, e), (16_945_815_882_681, true), "profile {id}");
    }
    // 7.1: the first product is about -2.1e19.
    let v0 = 46_755_914u64;
    let vr = [18_446_742_714_393_550_360u64, 32_491_773_814, 46_509_494];
    let w = [15_307_776u64, 447_531_246, 36_864];
    for (id, status) in [(3u32, EEVDF_WRAPPED), (4, EEVDF_OK)] {
        let (mut v, mut e) = (0u64, true);
        // SAFETY: arrays of 3 and valid out-pointers.
        unsafe {
            assert_eq!(
                eevdf_avg_vruntime(id, v0, vr.as_ptr(), w.as_ptr(), 3, &mut v),
                status
            );
            assert_eq!(
                eevdf_vruntime_eligible(id, v0, vr.as_ptr(), w.as_ptr(), 3, v0, &mut e),
                status
            );
        }
        assert_eq!((v, e), (18_446_744_060_170_243_745, false), "profile {id}");
    }
}

#[test]
fn c_accumulator_keeps_the_overflow_sticky_until_cleared() {
    // An add whose key*w overflows, then its removal: S is back at 0 (exact),
    // but both updates wrapped in the kernel, and the struct remembers it.
    let mut acc = MaybeUninit::<EevdfAvgVruntime>::uninit();
    let (mut v, mut wrapped) = (0u64, false);
    // SAFETY: `acc` is initialised by eevdf_avg_vruntime_init before use.
    unsafe {
        assert_eq!(eevdf_avg_vruntime_init(2, 0, acc.as_mut_ptr()), EEVDF_OK);
        let a = acc.as_mut_ptr();
        assert_eq!(eevdf_avg_vruntime_add(a, 1 << 62, 2), EEVDF_WRAPPED);
        assert_eq!(eevdf_avg_vruntime_add(a, 7, NICE0), EEVDF_WRAPPED);
        assert_eq!(eevdf_avg_vruntime_sub(a, 1 << 62, 2), EEVDF_WRAPPED);
        assert_eq!(((*a).sum_w_vruntime, (*a).sum_w_vruntime_hi), (7 * 1024, 0));
        assert_eq!((*a).flags, EEVDF_AVG_OVERFLOWED);
        assert_eq!(
            eevdf_avg_vruntime_read(a, core::ptr::null(), &mut v),
            EEVDF_WRAPPED
        );
        assert_eq!(v, 7);
        assert_eq!(eevdf_avg_vruntime_is_wrapped(a, &mut wrapped), EEVDF_OK);
        assert!(wrapped);
        assert_eq!(eevdf_avg_vruntime_clear_wrapped(a), EEVDF_OK);
        assert_eq!((*a).flags, 0);
        assert_eq!(
            eevdf_avg_vruntime_read(a, core::ptr::null(), &mut v),
            EEVDF_OK
        );
        // W·d overflows in a move while S − W·d fits (−2^63 exactly).
        assert_eq!(eevdf_avg_vruntime_init(3, 0, a), EEVDF_OK);
        assert_eq!(eevdf_avg_vruntime_add(a, 1, 1 << 40), EEVDF_OK);
        assert_eq!(
            eevdf_avg_vruntime_move_reference(a, (1 << 23) + 1),
            EEVDF_WRAPPED
        );
        // An unknown flag bit, or any flag under EXACT, is a bad struct.
        let mut bad = *a;
        bad.flags = 4;
        assert_eq!(
            eevdf_avg_vruntime_is_wrapped(&bad, &mut wrapped),
            EEVDF_EINVAL
        );
        assert_eq!(eevdf_avg_vruntime_init(4, 0, &mut bad), EEVDF_OK);
        bad.flags = EEVDF_AVG_OVERFLOWED;
        assert_eq!(
            eevdf_avg_vruntime_is_wrapped(&bad, &mut wrapped),
            EEVDF_EINVAL
        );
    }
}

#[test]
fn einval_wins_over_every_other_status() {
    // An EXACT weight above 2^40 alone is EOVERFLOW; with a zero weight anywhere,
    // EINVAL — whatever the order of the two in the array.
    let v = [1u64, 2];
    let mut out = 0u64;
    let mut e = false;
    let mut lag = 0i64;
    for w in [[1u64 << 41, 0], [0, 1 << 41]] {
        // SAFETY: valid pointers to locals with 2 elements.
        unsafe {
            assert_eq!(
                eevdf_avg_vruntime(4, 0, v.as_ptr(), w.as_ptr(), 2, &mut out),
                EEVDF_EINVAL
            );
            assert_eq!(
                eevdf_vruntime_eligible(4, 0, v.as_ptr(), w.as_ptr(), 2, 0, &mut e),
                EEVDF_EINVAL
            );
            assert_eq!(
                eevdf_place_lag(4, 1, w.as_ptr(), 2, NICE0, &mut lag),
                EEVDF_EINVAL
            );
        }
    }
    let big = [1u64 << 41, 1 << 41];
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            eevdf_avg_vruntime(4, 0, v.as_ptr(), big.as_ptr(), 2, &mut out),
            EEVDF_EOVERFLOW
        );
        // ... and EINVAL for a NULL out even when the weights are out of domain.
        assert_eq!(
            eevdf_avg_vruntime(4, 0, v.as_ptr(), big.as_ptr(), 2, core::ptr::null_mut()),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_place_lag(4, 1, big.as_ptr(), 2, 0, &mut lag),
            EEVDF_EINVAL
        );
    }
    // An EDOM input (6.6, scaled-down W truncated to 0 by div_s64) with an unknown
    // flag elsewhere: EINVAL. Here: the same call with a NULL out.
    let w42 = [1u64 << 42];
    // SAFETY: valid pointers to locals with 1 element.
    unsafe {
        assert_eq!(
            eevdf_avg_vruntime(0, 0, v.as_ptr(), w42.as_ptr(), 1, &mut out),
            EEVDF_EDOM
        );
        assert_eq!(
            eevdf_avg_vruntime(0, 0, v.as_ptr(), w42.as_ptr(), 1, core::ptr::null_mut()),
            EEVDF_EINVAL
        );
    }
}

#[test]
fn misaligned_arrays_and_outputs_are_refused() {
    let words = [0u64; 4];
    let bytes = words.as_ptr().cast::<u8>();
    // SAFETY: in bounds of `words`; the pointer is misaligned on purpose and the
    // function must not read through it.
    let odd = unsafe { bytes.add(1) }.cast::<u64>();
    let w = [NICE0; 2];
    let mut out = 7u64;
    // SAFETY: the only invalid pointer is misaligned, which the function checks.
    unsafe {
        assert_eq!(
            eevdf_avg_vruntime(3, 0, odd, w.as_ptr(), 2, &mut out),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_avg_vruntime(3, 0, w.as_ptr(), odd, 2, &mut out),
            EEVDF_EINVAL
        );
        let mut outs = [0u64; 2];
        let odd_out = outs.as_mut_ptr().cast::<u8>().add(3).cast::<u64>();
        assert_eq!(
            eevdf_avg_vruntime(3, 0, w.as_ptr(), w.as_ptr(), 2, odd_out),
            EEVDF_EINVAL
        );
        assert_eq!(outs, [0, 0]);
        // n above the batch limit is refused before anything is read.
        assert_eq!(
            eevdf_avg_vruntime(3, 0, w.as_ptr(), w.as_ptr(), EEVDF_MAX_BATCH + 1, &mut out),
            EEVDF_EINVAL
        );
    }
    assert_eq!(out, 7);
}

/// A 16-byte aligned byte buffer for run queues.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
struct Chunk([u8; 16]);

#[test]
fn run_queue_capacity_follows_the_buffer_layout() {
    let tun: EevdfTunables = eevdf::entity::Tunables::defaults(&Profile::LINUX_7_1, 1, 1000).into();
    for cap in [0u32, 1, 7] {
        let size = eevdf_rq_size(cap);
        assert_eq!(
            size,
            EEVDF_RQ_HEADER_SIZE + cap as usize * EEVDF_RQ_NODE_SIZE
        );
        let mut buf = vec![Chunk([0xA5; 16]); size / 16 + 2];
        let base = buf.as_mut_ptr().cast::<core::ffi::c_void>();
        let mut rq: *mut EevdfRq = core::ptr::null_mut();
        let mut st = core::mem::MaybeUninit::<EevdfRqState>::uninit();
        // SAFETY: `buf` has more than `size` bytes and outlives the run queue.
        unsafe {
            // Exactly eevdf_rq_size(cap) bytes hold `cap` entities ...
            assert_eq!(eevdf_rq_init(base, size, 3, &tun, &mut rq), EEVDF_OK);
            assert_eq!(rq.cast::<core::ffi::c_void>(), base);
            assert_eq!(eevdf_rq_state(rq, st.as_mut_ptr()), EEVDF_OK);
            assert_eq!(st.assume_init().capacity, cap);
            // ... one byte less holds one fewer.
            if cap > 0 {
                assert_eq!(eevdf_rq_init(base, size - 1, 3, &tun, &mut rq), EEVDF_OK);
                assert_eq!(eevdf_rq_state(rq, st.as_mut_ptr()), EEVDF_OK);
                assert_eq!(st.assume_init().capacity, cap - 1);
            }
            // Misaligned (by 8) or too short: refused.
            let off8 = base.cast::<u8>().add(8).cast::<core::ffi::c_void>();
            assert_eq!(eevdf_rq_init(off8, size, 3, &tun, &mut rq), EEVDF_EINVAL);
            assert_eq!(
                eevdf_rq_init(base, EEVDF_RQ_HEADER_SIZE - 1, 3, &tun, &mut rq),
                EEVDF_EINVAL
            );
        }
    }
    assert_eq!(eevdf_rq_size(u32::MAX), 0);
}

#[test]
fn run_queue_reports_a_wrap_until_it_is_cleared() {
    // 7.1's calc_delta_fair wraps once delta * 2^20 >= 2^64 (delta >= 2^44 ns)
    // for a weight other than NICE_0_LOAD (db4551e2ba34).
    let p = Profile::LINUX_7_1;
    let tun: EevdfTunables = eevdf::entity::Tunables::defaults(&p, 1, 1000).into();
    let mut buf = vec![Chunk([0; 16]); eevdf_rq_size(2) / 16 + 1];
    let mut rq: *mut EevdfRq = core::ptr::null_mut();
    let se: EevdfSchedEntity = SchedEntity::from_nice(5, 700_000).unwrap().into();
    let (mut id, mut curr, mut resched) = (0u64, 0u64, false);
    let mut st = core::mem::MaybeUninit::<EevdfRqState>::uninit();
    // SAFETY: `buf` is large enough and outlives the run queue; locals are valid.
    unsafe {
        let base = buf.as_mut_ptr().cast();
        assert_eq!(
            eevdf_rq_init(base, eevdf_rq_size(2), 3, &tun, &mut rq),
            EEVDF_OK
        );
        assert_eq!(eevdf_rq_add(rq, &se, &mut id), EEVDF_OK);
        assert_eq!(eevdf_rq_enqueue(rq, id, 0, EEVDF_ENQUEUE_WAKEUP), EEVDF_OK);
        assert_eq!(eevdf_rq_pick_next(rq, 0, &mut curr), EEVDF_OK);
        assert_eq!(curr, id);
        assert_eq!(eevdf_rq_tick(rq, 1 << 45, &mut resched), EEVDF_WRAPPED);
        // Sticky until cleared, then quiet again.
        assert_eq!(
            eevdf_rq_tick(rq, (1 << 45) + 1_000_000, &mut resched),
            EEVDF_WRAPPED
        );
        assert_eq!(eevdf_rq_clear_wrapped(rq), EEVDF_OK);
        assert_eq!(eevdf_rq_state(rq, st.as_mut_ptr()), EEVDF_OK);
        assert_eq!(st.assume_init().wrapped, 0);
        assert_eq!(
            eevdf_rq_tick(rq, (1 << 45) + 2_000_000, &mut resched),
            EEVDF_OK
        );
        // Handles: a made-up one is ENOENT, a garbage run queue pointer EINVAL.
        assert_eq!(eevdf_rq_enqueue(rq, id ^ (1 << 32), 0, 0), EEVDF_ENOENT);
        let mut junk = [Chunk([0x5A; 16]); 40];
        let junk_rq = junk.as_mut_ptr().cast::<EevdfRq>();
        assert_eq!(eevdf_rq_tick(junk_rq, 0, &mut resched), EEVDF_EINVAL);
    }
}

#[test]
fn validate_messages_are_truncated_and_terminated() {
    let mut buf = [0x7Fu8; 8];
    // SAFETY: `buf` has 8 writable bytes; lengths passed never exceed that.
    unsafe {
        runqueue::copy_message("counts disagree", buf.as_mut_ptr().cast(), 8);
        assert_eq!(&buf, b"counts \0");
        runqueue::copy_message("ok", buf.as_mut_ptr().cast(), 8);
        assert_eq!(&buf[..3], b"ok\0");
        buf = [0x7F; 8];
        runqueue::copy_message("x", buf.as_mut_ptr().cast(), 0);
        runqueue::copy_message("x", core::ptr::null_mut(), 8);
        assert_eq!(buf, [0x7F; 8]);
    }
}

#[test]
fn feature_words_are_bounded_like_the_kernels() {
    let mut f = Features::defaults(eevdf::Release::Linux7_1).bits();
    let mut long = [b'A'; 65];
    long[64] = 0;
    let mut ok63 = [b' '; 64];
    ok63[..9].copy_from_slice(b"PLACE_LAG");
    ok63[63] = 0;
    // SAFETY: NUL-terminated local strings.
    unsafe {
        assert_eq!(
            eevdf_sched_feat_write(&mut f, c"NO_PLACE_LAG".as_ptr()),
            EEVDF_OK
        );
        assert_eq!(f & EEVDF_FEATURE_PLACE_LAG, 0);
        // 63 bytes (the name and trailing blanks) are read; 64 are refused.
        assert_eq!(
            eevdf_sched_feat_write(&mut f, ok63.as_ptr().cast()),
            EEVDF_OK
        );
        assert_ne!(f & EEVDF_FEATURE_PLACE_LAG, 0);
        assert_eq!(
            eevdf_sched_feat_write(&mut f, long.as_ptr().cast()),
            EEVDF_EINVAL
        );
    }
}

#[test]
fn entity_round_trip_and_flag_bytes() {
    let mut se = SchedEntity::from_nice(-3, 2_100_000).unwrap();
    se.vruntime = Vtime(u64::MAX - 5);
    se.deadline = Vtime(17);
    se.vlag = Vlag(i64::MIN);
    se.vprot = Vtime(9);
    se.custom_slice = true;
    se.sched_delayed = true;
    se.on_rq = true;
    let c: EevdfSchedEntity = se.into();
    assert_eq!(c.to_rust(), Ok(se));
    for bad in [2u8, 255] {
        let mut b = c;
        b.rel_deadline = bad;
        assert_eq!(b.to_rust(), Err(eevdf::Error::InvalidArgument));
    }
    let mut z = c;
    z.load.weight = 0;
    assert_eq!(z.to_rust(), Err(eevdf::Error::ZeroWeight));
}

/// splitmix64 with a bias towards the values where arithmetic breaks.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn any(&mut self) -> u64 {
        const EDGES: [u64; 14] = [
            0,
            1,
            2,
            1023,
            1 << 20,
            (1 << 40) + 1,
            1 << 42,
            1 << 44,
            u32::MAX as u64,
            i64::MAX as u64,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
            0xFFFF_FFFF_FFF0_0000,
        ];
        match self.next() % 4 {
            0 => EDGES[(self.next() % EDGES.len() as u64) as usize],
            1 => self.next() % 4096,
            2 => EDGES[(self.next() % EDGES.len() as u64) as usize].wrapping_add(self.next() % 3),
            _ => self.next(),
        }
    }
    fn small(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn entity(&mut self) -> EevdfSchedEntity {
        EevdfSchedEntity {
            load: EevdfLoadWeight {
                weight: self.any(),
                inv_weight: self.any() as u32,
            },
            vruntime: self.any(),
            deadline: self.any(),
            vlag: self.any() as i64,
            vprot: self.any(),
            slice: self.any(),
            custom_slice: (self.small(5) / 2) as u8,
            rel_deadline: (self.small(5) / 2) as u8,
            sched_delayed: (self.small(5) / 2) as u8,
            on_rq: (self.small(5) / 2) as u8,
        }
    }
}

#[test]
fn entry_points_do_not_panic_on_arbitrary_values() {
    // Debug builds check integer overflow: any unchecked operation reachable
    // from C panics here. Every status is acceptable; a panic is not.
    let mut g = Gen(0x5EED);
    for _ in 0..iters(20_000) {
        let id = g.small(6) as u32;
        let mut acc = EevdfAvgVruntime {
            profile: if g.small(8) == 0 {
                g.small(7) as u32
            } else {
                id
            },
            flags: [0, 0, 1, 2, 3, 4][g.small(6) as usize],
            zero_vruntime: g.any(),
            sum_w_vruntime: g.any() as i64,
            sum_w_vruntime_hi: [0, -1, g.any() as i64][g.small(3) as usize],
            sum_weight: g.any(),
            sum_weight_hi: [0, -1, g.any() as i64][g.small(3) as usize],
        };
        let ctx = EevdfRqCtx {
            curr: EevdfCurr {
                vruntime: g.any(),
                weight: g.any(),
            },
            max_slice: g.any(),
            nr_queued: g.any() as u32,
            has_curr: (g.small(5) / 2) as u8,
        };
        let features =
            (Features::all().bits() & g.next()) | ((g.small(16) == 0) as u64 * (1 << 60));
        let tun = EevdfTunables {
            base_slice: g.any(),
            tick_nsec: g.any(),
            features,
        };
        let mut se = g.entity();
        let lw = EevdfLoadWeight {
            weight: g.any(),
            inv_weight: g.any() as u32,
        };
        let curr = EevdfCurr {
            vruntime: g.any(),
            weight: g.any(),
        };
        let arr: [u64; 4] = [g.any(), g.any(), g.any(), g.any()];
        let warr: [u64; 4] = [g.any(), g.any(), g.any(), g.any()];
        let n = g.small(5) as usize;
        let tree = [g.entity(), g.entity(), g.entity()];
        let (mut o64, mut oi64, mut ob) = (0u64, 0i64, false);
        let mut pick = EevdfPick { kind: 0, index: 0 };
        let b = g.small(2) == 1;
        // SAFETY: every pointer is valid for its type and length.
        unsafe {
            eevdf_calc_delta_fair(id, g.any(), &lw, &mut o64);
            eevdf_calc_delta(id, g.any(), g.any(), &lw, &mut o64);
            eevdf_calc_group_shares(id, g.any(), g.any(), g.any(), g.any(), g.any(), &mut o64);
            eevdf_pelt_decay_load(g.any(), g.any());
            eevdf_pelt_accumulate_segments(g.any(), g.any() as u32, g.any() as u32);
            eevdf_cpu_shares_write(g.any());
            eevdf_cpu_weight_write(g.any(), &mut o64);
            eevdf_cpu_weight_read(id, g.any(), &mut o64);
            eevdf_cpu_weight_nice_write(g.any() as i32, &mut o64);
            eevdf_avg_vruntime(id, g.any(), arr.as_ptr(), warr.as_ptr(), n, &mut o64);
            eevdf_vruntime_eligible(
                id,
                g.any(),
                arr.as_ptr(),
                warr.as_ptr(),
                n,
                g.any(),
                &mut ob,
            );
            eevdf_entity_lag(
                id,
                g.any(),
                g.any(),
                &lw,
                g.any(),
                g.any(),
                g.any(),
                &mut oi64,
            );
            eevdf_place_lag(id, g.any() as i64, warr.as_ptr(), n, g.any(), &mut oi64);
            eevdf_avg_vruntime_add(&mut acc, g.any(), g.any());
            eevdf_avg_vruntime_sub(&mut acc, g.any(), g.any());
            eevdf_avg_vruntime_read(
                &mut acc,
                if b { &curr } else { core::ptr::null() },
                &mut o64,
            );
            eevdf_avg_vruntime_eligible(&acc, g.any(), &curr, &mut ob);
            eevdf_avg_vruntime_move_reference(&mut acc, g.any() as i64);
            eevdf_update_min_vruntime(&mut acc, &arr[0], &arr[1], &mut o64);
            eevdf_update_deadline(id, &mut se, g.any(), &mut ob);
            eevdf_update_entity_lag(id, &mut acc, &ctx, b, &mut se, &tun, &mut ob);
            eevdf_place_entity(id, &mut acc, &ctx, b, &mut se, g.small(4) as u32, &tun);
            eevdf_reweight_entity(id, &mut acc, &ctx, b, &mut se, &lw, g.small(2) == 1, &tun);
            eevdf_yield_entity(id, &mut se, g.any());
            eevdf_set_protect_slice(id, &mut se, g.any(), features);
            eevdf_update_protect_slice(id, &mut se, g.any());
            eevdf_protect_slice(id, &se, &mut ob);
            eevdf_cancel_protect_slice(id, &mut se);
            let next = g.small(4) as usize;
            eevdf_pick_eevdf_linear(
                id,
                &acc,
                tree.as_ptr(),
                g.small(4) as usize,
                if b { &tree[0] } else { core::ptr::null() },
                if g.small(2) == 1 {
                    &next
                } else {
                    core::ptr::null()
                },
                g.any() as u32,
                b,
                features,
                &mut pick,
            );
        }
    }
}

/// Drives a small C run queue with `steps` random calls under profile `id`.
/// `tame`: realistic values (table weights, slices up to 4 ms, a clock that
/// only moves forward by up to 3 ms), after which the run queue must stay
/// consistent; otherwise any value at all: no panic, and no inconsistency
/// but the tree's order and aggregates (wrapping comparisons across more than
/// 2^63 are not transitive, in the kernel too); after an operation fails on the arithmetic
/// (EDOM, EOVERFLOW) the run queue refuses everything with EUCLEAN.
/// Returns the statuses of the enqueue/dequeue/tick/pick calls.
fn drive_c_run_queue(
    id: u32,
    seed: u64,
    steps: usize,
    tame: bool,
) -> std::collections::BTreeMap<i32, u32> {
    let mut g = Gen(seed);
    let p = Profile::from_id(id).unwrap();
    let tun: EevdfTunables = eevdf::entity::Tunables::defaults(&p, 1, 1000).into();
    let mut buf = vec![Chunk([0; 16]); eevdf_rq_size(6) / 16 + 1];
    let mut rq: *mut EevdfRq = core::ptr::null_mut();
    let mut ids: Vec<u64> = Vec::new();
    let mut now = 0u64;
    let mut msg = [0u8; 96];
    let mut stats = std::collections::BTreeMap::new();
    let mut broken = false;
    let wild = |g: &mut Gen| !tame && g.small(4) == 0;
    // SAFETY: `buf` outlives the run queue; every pointer is valid.
    unsafe {
        assert_eq!(
            eevdf_rq_init(buf.as_mut_ptr().cast(), eevdf_rq_size(6), id, &tun, &mut rq),
            0
        );
        for step in 0..steps {
            now = match g.small(400) {
                0 if !tame => g.any(),
                1 if !tame => now.wrapping_sub(g.small(1_000_000)),
                _ => now.wrapping_add(g.small(3_000_000)),
            };
            let h = match g.small(16) {
                0 => g.any(),
                _ if ids.is_empty() => g.any(),
                _ => ids[g.small(ids.len() as u64) as usize],
            };
            let (mut b, mut o) = (false, 0u64);
            let mut count = |status: i32| {
                // After an arithmetic failure the run queue refuses every call.
                assert!(
                    !broken || status == EEVDF_EUCLEAN || status == EEVDF_EINVAL,
                    "{}: seed {seed} step {step}: a broken run queue returned {status}",
                    p.name()
                );
                broken |= status == EEVDF_EDOM || status == EEVDF_EOVERFLOW;
                *stats.entry(status).or_insert(0u32) += 1
            };
            match g.small(14) {
                0 | 1 => {
                    let mut se = if wild(&mut g) {
                        g.entity()
                    } else {
                        SchedEntity::from_nice(g.small(40) as i32 - 20, 700_000)
                            .unwrap()
                            .into()
                    };
                    if g.small(4) != 0 {
                        se.on_rq = 0;
                        se.sched_delayed = 0;
                    }
                    if eevdf_rq_add(rq, &se, &mut o) == EEVDF_OK {
                        ids.push(o);
                    }
                }
                2 => {
                    if eevdf_rq_remove(rq, h, core::ptr::null_mut()) == EEVDF_OK {
                        ids.retain(|&x| x != h);
                    }
                }
                3 | 4 => count(eevdf_rq_enqueue(rq, h, now, g.small(5) as u32)),
                5 => count(eevdf_rq_dequeue(rq, h, now, g.small(9) as u32, &mut b)),
                6 | 7 => count(eevdf_rq_tick(rq, now, &mut b)),
                8 => count(eevdf_rq_pick_next(rq, now, &mut o)),
                9 => count(eevdf_rq_wakeup_preempt(
                    rq,
                    h,
                    now,
                    g.small(9) as u32,
                    &mut b,
                )),
                10 => match g.small(3) {
                    0 => count(eevdf_rq_yield(rq, now, &mut b)),
                    1 => count(eevdf_rq_wake_up_new(rq, h, now, &mut b)),
                    _ => {
                        let set = eevdf_rq_resched_curr(rq);
                        let read = eevdf_rq_need_resched(rq, &mut b);
                        assert_eq!(set, read, "both refuse a broken queue, or neither");
                        assert!(read != EEVDF_OK || b, "resched_curr sets the flag");
                        count(read);
                    }
                },
                11 => {
                    let weight = if wild(&mut g) {
                        g.any()
                    } else {
                        (g.small(90_000) + 2) << 10
                    };
                    let lw = EevdfLoadWeight {
                        weight,
                        inv_weight: 0,
                    };
                    count(eevdf_rq_reweight(rq, h, &lw, now));
                }
                12 => {
                    let slice = if wild(&mut g) {
                        g.any()
                    } else {
                        g.small(4_000_000)
                    };
                    eevdf_rq_set_slice(rq, h, slice);
                    eevdf_rq_set_next_buddy(rq, h);
                }
                _ => {
                    eevdf_rq_clear_wrapped(rq);
                    count(eevdf_rq_put_prev(rq, now));
                    let t = EevdfTunables {
                        base_slice: if wild(&mut g) {
                            g.any()
                        } else {
                            g.small(4_000_000)
                        },
                        tick_nsec: g.small(10_000_000),
                        features: Features::all().bits() & g.next(),
                    };
                    eevdf_rq_set_tunables(rq, &t);
                }
            }
            let v = eevdf_rq_validate(rq, msg.as_mut_ptr().cast(), msg.len());
            let what = core::ffi::CStr::from_bytes_until_nul(&msg)
                .unwrap()
                .to_str()
                .unwrap();
            // Wild values may unorder the tree and make its aggregates differ
            // from a recomputation (the wrapping comparisons and minimum are
            // neither transitive nor associative across 2^63), as in the
            // kernel; nothing else breaks, and a run queue broken by an
            // arithmetic failure says so.
            let wrap_artefact = what == "tree not in key order"
                || what == "declared subtree aggregate is not exact";
            assert!(
                v == EEVDF_OK || (broken && v == EEVDF_EUCLEAN) || (!tame && wrap_artefact),
                "{}: seed {seed} step {step}: {what}",
                p.name()
            );
        }
    }
    stats
}

#[test]
fn run_queue_stays_consistent_under_random_realistic_calls() {
    for id in 0..5u32 {
        for seed in 0..iters(20) {
            let stats = drive_c_run_queue(id, seed.into(), iters(3_000) as usize, true);
            // The calls exercise the run queue, not only its argument checks.
            let done: u32 = [EEVDF_OK, EEVDF_WRAPPED]
                .iter()
                .filter_map(|s| stats.get(s))
                .sum();
            assert!(
                done > iters(3_000) / 6,
                "profile {id} seed {seed}: only {done} calls did something: {stats:?}"
            );
        }
    }
}

#[test]
fn run_queue_never_panics_nor_corrupts_on_arbitrary_calls() {
    for id in 0..5u32 {
        for seed in 0..iters(40) {
            drive_c_run_queue(
                id,
                0xC0FFEE + u64::from(seed) * 7919,
                iters(4_000) as usize,
                false,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// PELT state, group load, wake-affine, sync (the load side of the C ABI).
// ---------------------------------------------------------------------------

fn nice0() -> EevdfLoadWeight {
    LoadWeight::from_nice(0).unwrap().into()
}

#[test]
fn c_pelt_follows_the_spec_worked_sequence() {
    // ___update_load_avg(), every release: always running at nice 0, updated every 1 ms.
    let mut sa = EevdfSchedAvg {
        load_avg: 7,
        ..EevdfSchedAvg::default()
    };
    // SAFETY: valid pointers to locals throughout.
    unsafe {
        assert_eq!(eevdf_sched_avg_init(&mut sa), EEVDF_OK);
        assert_eq!(sa, EevdfSchedAvg::default());
        let w = nice0();
        let mut decayed = true;
        let want = [
            (1u64, 976u64, 976u32, (0u64, 0u64, 0u64)),
            (2, 1930, 929, (41, 41, 41)),
            (8, 7215, 644, (155, 156, 156)),
            (32, 22851, 530, (495, 495, 495)),
            (100, 41128, 376, (894, 894, 894)),
            (400, 47182, 481, (1023, 1024, 1024)),
        ];
        let mut k = 0;
        for ms in 1..=400u64 {
            let st =
                eevdf_update_load_avg_se(ms * 1_000_000, &mut sa, &w, true, 1, true, &mut decayed);
            assert_eq!(st, EEVDF_OK);
            if let Some(&(m, ls, pc, avgs)) = want.get(k) {
                if m == ms {
                    assert_eq!((sa.load_sum, sa.period_contrib), (ls, pc), "at {ms} ms");
                    assert_eq!(
                        (sa.load_avg, sa.runnable_avg, sa.util_avg),
                        avgs,
                        "at {ms} ms"
                    );
                    k += 1;
                }
            }
        }
        assert_eq!(k, want.len());
        // Then it sleeps: 832/833/833 at +10 ms, 129/129/129 at +100 ms.
        for ms in 401..=500u64 {
            let st = eevdf_update_load_avg_blocked_se(ms * 1_000_000, &mut sa, &w, &mut decayed);
            assert_eq!(st, EEVDF_OK);
            if ms == 410 {
                assert_eq!((sa.load_avg, sa.runnable_avg, sa.util_avg), (832, 833, 833));
            }
        }
        assert_eq!((sa.load_avg, sa.runnable_avg, sa.util_avg), (129, 129, 129));
        let mut d = 0;
        assert_eq!(eevdf_pelt_divider(&sa, &mut d), EEVDF_OK);
        assert_eq!(d, 46_718 + u64::from(sa.period_contrib));
    }
}

#[test]
fn c_pelt_moves_match_known_bugs_section_5() {
    // SAFETY: valid pointers to locals throughout.
    unsafe {
        // Test idea 1: detach never leaves (avg 1, sum 0).
        let mut cfs = EevdfSchedAvg {
            util_avg: 301,
            util_sum: 301 * 46_718,
            ..EevdfSchedAvg::default()
        };
        let se = EevdfSchedAvg {
            util_avg: 300,
            util_sum: 14_100_000,
            ..EevdfSchedAvg::default()
        };
        let mut prop = 0;
        let st = eevdf_detach_entity_load_avg(
            EEVDF_PROFILE_LINUX_6_6,
            &mut cfs,
            &se,
            &nice0(),
            &mut prop,
        );
        assert_eq!(st, EEVDF_OK);
        assert_eq!((cfs.util_avg, cfs.util_sum), (1, 46_718));
        // Test idea 2: the fold is weighted.
        let se = EevdfSchedAvg {
            load_sum: 46_718,
            load_avg: 1024,
            ..EevdfSchedAvg::default()
        };
        let mut cfs = EevdfSchedAvg::default();
        let st = eevdf_enqueue_load_avg(EEVDF_PROFILE_LINUX_7_1, &mut cfs, &se, &nice0());
        assert_eq!(st, EEVDF_OK);
        assert_eq!(cfs.load_sum, 47_839_232);
        let st = eevdf_dequeue_load_avg(EEVDF_PROFILE_LINUX_7_1, &mut cfs, &se, &nice0());
        assert_eq!(st, EEVDF_OK);
        assert_eq!((cfs.load_avg, cfs.load_sum), (0, 0));
        // Reweight: load_sum 46718 at weight 512 gives 512.
        let mut sa = EevdfSchedAvg {
            load_sum: 46_718,
            load_avg: 1024,
            ..EevdfSchedAvg::default()
        };
        let w = EevdfLoadWeight {
            weight: 512 << 10,
            inv_weight: 0,
        };
        assert_eq!(eevdf_reweight_load_avg(&mut sa, &w), EEVDF_OK);
        assert_eq!(sa.load_avg, 512);
    }
}

#[test]
fn c_pelt_entry_points_are_the_rust_functions() {
    use eevdf::pelt::{self, RemovedLoad, SchedAvg};
    let cfs0 = SchedAvg {
        last_update_time: 5_000_000,
        load_sum: 3_000_000,
        runnable_sum: 30_000_000,
        util_sum: 20_000_000,
        period_contrib: 300,
        load_avg: 700,
        runnable_avg: 600,
        util_avg: 400,
        ..SchedAvg::ZERO
    };
    let se0 = SchedAvg {
        load_avg: 300,
        util_avg: 200,
        runnable_avg: 250,
        load_sum: 9000,
        util_sum: 9_000_000,
        runnable_sum: 11_000_000,
        ..SchedAvg::ZERO
    };
    let lw = LoadWeight::from_nice(3).unwrap();
    for id in 0..5u32 {
        let rel = eevdf::Profile::from_id(id).unwrap().release;
        // SAFETY: valid pointers to locals throughout.
        unsafe {
            let (mut c, mut s, mut prop) = (EevdfSchedAvg::from(cfs0), EevdfSchedAvg::from(se0), 0);
            assert_eq!(
                eevdf_attach_entity_load_avg(id, &mut c, &mut s, &lw.into(), &mut prop),
                EEVDF_OK
            );
            let (mut rc, mut rs) = (cfs0, se0);
            let v = pelt::attach_entity_load_avg(rel, &mut rc, &mut rs, &lw);
            assert_eq!((SchedAvg::from(c), SchedAvg::from(s), prop), (rc, rs, v));

            let mut c = EevdfSchedAvg::from(cfs0);
            let r = RemovedLoad {
                load_avg: 100,
                util_avg: 50,
                runnable_avg: 60,
            };
            assert_eq!(
                eevdf_remove_load_avg(id, &mut c, &r.into(), &mut prop),
                EEVDF_OK
            );
            let mut rc = cfs0;
            let v = pelt::remove_load_avg(rel, &mut rc, &r);
            assert_eq!((SchedAvg::from(c), prop), (rc, v));

            let mut c = EevdfSchedAvg::from(cfs0);
            let mut dec = false;
            assert_eq!(
                eevdf_update_load_avg_cfs_rq(9_000_000, &mut c, 3 << 20, 2, true, &mut dec),
                EEVDF_OK
            );
            let mut rc = cfs0;
            let d = pelt::update_load_avg_cfs_rq(9_000_000, &mut rc, 3 << 20, 2, true);
            assert_eq!((SchedAvg::from(c), dec), (rc, d));

            // util_est: 6.18 and later, 400 towards 200 is 350 | flag.
            let mut ue = EevdfUtilEst {
                enqueued: 0,
                ewma: 400,
            };
            let mut changed = false;
            let all = eevdf::Features::all().bits();
            assert_eq!(
                eevdf_util_est_update(id, all, &mut ue, 200, 200, 1024, &mut changed),
                EEVDF_OK
            );
            assert!(changed);
            let mut want = eevdf::pelt::UtilEst {
                enqueued: 0,
                ewma: 400,
            };
            pelt::util_est::update(rel, eevdf::Features::all(), &mut want, 200, 200, 1024);
            assert_eq!(eevdf::pelt::UtilEst::from(ue), want);
            if id != 0 {
                assert_eq!(ue.ewma, 350 | EEVDF_UTIL_AVG_UNCHANGED);
            }
            let mut est = 0;
            assert_eq!(eevdf_task_util_est(id, &ue, &mut est), EEVDF_OK);
            assert_eq!(est, want.task_util_est(rel));
        }
    }
}

#[test]
fn c_pelt_refuses_null_weight_zero_and_bad_profiles() {
    use core::ptr::{null, null_mut};
    let mut sa = EevdfSchedAvg::default();
    let se = EevdfSchedAvg::default();
    let w = nice0();
    let w0 = EevdfLoadWeight {
        weight: 0,
        inv_weight: 0,
    };
    let mut b = false;
    let mut p = 0i64;
    let r = EevdfRemovedLoad::default();
    let mut ue = EevdfUtilEst::default();
    let mut u = 0u64;
    // SAFETY: valid or NULL pointers.
    unsafe {
        assert_eq!(eevdf_sched_avg_init(null_mut()), EEVDF_EINVAL);
        assert_eq!(eevdf_pelt_divider(null(), &mut u), EEVDF_EINVAL);
        assert_eq!(eevdf_pelt_divider(&sa, null_mut()), EEVDF_EINVAL);
        assert_eq!(
            eevdf_update_load_avg_se(1, null_mut(), &w, true, 1, true, &mut b),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_load_avg_se(1, &mut sa, null(), true, 1, true, &mut b),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_load_avg_se(1, &mut sa, &w0, true, 1, true, &mut b),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_load_avg_se(1, &mut sa, &w, true, 1, true, null_mut()),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_load_avg_blocked_se(1, &mut sa, &w0, &mut b),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_load_avg_cfs_rq(1, &mut sa, 1, 1, true, null_mut()),
            EEVDF_EINVAL
        );
        assert_eq!(eevdf_enqueue_load_avg(5, &mut sa, &se, &w), EEVDF_EINVAL);
        assert_eq!(eevdf_dequeue_load_avg(0, &mut sa, null(), &w), EEVDF_EINVAL);
        assert_eq!(
            eevdf_attach_entity_load_avg(0, &mut sa, null_mut(), &w, &mut p),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_detach_entity_load_avg(0, &mut sa, &se, &w, null_mut()),
            EEVDF_EINVAL
        );
        assert_eq!(eevdf_remove_load_avg(9, &mut sa, &r, &mut p), EEVDF_EINVAL);
        assert_eq!(eevdf_reweight_load_avg(&mut sa, &w0), EEVDF_EINVAL);
        assert_eq!(
            eevdf_util_est_update(0, 1 << 63, &mut ue, 1, 1, 1, &mut b),
            EEVDF_EINVAL
        );
        assert_eq!(eevdf_task_util_est(7, &ue, null_mut()), EEVDF_EINVAL);
        let bytes = [0u64; 10];
        let mis = bytes
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(4)
            .cast::<EevdfSchedAvg>();
        assert_eq!(eevdf_pelt_divider(mis, &mut u), EEVDF_EINVAL);
    }
    assert_eq!((sa, p, b, u), (EevdfSchedAvg::default(), 0, false, 0));
}

#[test]
fn c_group_load_avg_follows_the_rule() {
    use core::ptr::{null, null_mut};
    use eevdf::group::{update_tg_load_avg, TgLoadAvgInput};
    let i = EevdfTgLoadAvgInput {
        now: 5_000_000,
        load_avg: 1040,
        tg_load_avg_contrib: 1024,
        last_update_tg_load_avg: 3_000_000,
        is_root: 0,
        cpu_active: 1,
    };
    let mut out = EevdfTgLoadAvgUpdate::default();
    let mut published = true;
    // SAFETY: valid or NULL pointers to locals.
    unsafe {
        assert_eq!(
            eevdf_update_tg_load_avg(EEVDF_PROFILE_LINUX_7_1, &i, &mut out, &mut published),
            EEVDF_OK
        );
        assert!(!published);
        assert_eq!(
            (
                out.delta,
                out.tg_load_avg_contrib,
                out.last_update_tg_load_avg
            ),
            (0, 1024, 3_000_000)
        );
        let j = EevdfTgLoadAvgInput {
            load_avg: 1041,
            ..i
        };
        assert_eq!(
            eevdf_update_tg_load_avg(EEVDF_PROFILE_LINUX_7_1, &j, &mut out, &mut published),
            EEVDF_OK
        );
        assert!(published);
        assert_eq!(
            (
                out.delta,
                out.tg_load_avg_contrib,
                out.last_update_tg_load_avg
            ),
            (17, 1041, 5_000_000)
        );
        // Every profile, flag combination and a few values: the Rust rule.
        for id in 0..5 {
            let rel = eevdf::Profile::from_id(id).unwrap().release;
            for (root, active, now) in [
                (0u8, 0u8, 0u64),
                (0, 1, 500_000),
                (1, 1, 9_000_000),
                (0, 1, 9_000_000),
            ] {
                let k = EevdfTgLoadAvgInput {
                    is_root: root,
                    cpu_active: active,
                    now,
                    ..j
                };
                assert_eq!(
                    eevdf_update_tg_load_avg(id, &k, &mut out, &mut published),
                    EEVDF_OK
                );
                let r: TgLoadAvgInput = k.to_rust().unwrap();
                assert_eq!(published, update_tg_load_avg(rel, &r).is_some());
                if let Some(u) = update_tg_load_avg(rel, &r) {
                    assert_eq!(out, u.into());
                    assert_ne!(out.delta, 0);
                } else {
                    assert_eq!(out.delta, 0);
                }
            }
        }
        let bad = EevdfTgLoadAvgInput { cpu_active: 2, ..i };
        out = EevdfTgLoadAvgUpdate::default();
        assert_eq!(
            eevdf_update_tg_load_avg(0, &bad, &mut out, &mut published),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_tg_load_avg(5, &i, &mut out, &mut published),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_tg_load_avg(0, null(), &mut out, &mut published),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_tg_load_avg(0, &i, null_mut(), &mut published),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_update_tg_load_avg(0, &i, &mut out, null_mut()),
            EEVDF_EINVAL
        );
        assert_eq!(out, EevdfTgLoadAvgUpdate::default());
        assert_eq!(eevdf_clear_tg_load_avg(1041, 7, &mut out), EEVDF_OK);
        assert_eq!(
            (
                out.delta,
                out.tg_load_avg_contrib,
                out.last_update_tg_load_avg
            ),
            (-1041, 0, 7)
        );
        assert_eq!(eevdf_clear_tg_load_avg(1041, 7, null_mut()), EEVDF_EINVAL);
    }
}

#[test]
fn c_group_shares_golden_values() {
    let mut out = 0;
    // SAFETY: valid or NULL pointers to locals.
    unsafe {
        // calc_group_shares(), v6.6.0 … v7.1.5 (docs/derivations.md §10): CPU0 699,050 and CPU1 524,288.
        let st = eevdf_calc_group_shares_with(
            1,
            EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG,
            NICE0,
            2048,
            1024,
            2 * NICE0,
            1024,
            &mut out,
        );
        assert_eq!((st, out), (EEVDF_OK, 699_050));
        let st = eevdf_calc_group_shares_with(
            1,
            EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG,
            NICE0,
            2048,
            1024,
            NICE0,
            1024,
            &mut out,
        );
        assert_eq!((st, out), (EEVDF_OK, 524_288));
        let st = eevdf_calc_group_shares_with(
            3,
            EEVDF_SHARES_LOAD_LOAD_AVG,
            NICE0,
            1280,
            256,
            2 * NICE0,
            256,
            &mut out,
        );
        assert_eq!((st, out), (EEVDF_OK, 209_715));
        // Michael Wang's case: load.weight 1000 scales down to 2, not 0.
        for id in 0..5 {
            let st = eevdf_calc_group_shares_with(id, 0, 2048, 0, 0, 1000, 0, &mut out);
            assert_eq!((st, out), (EEVDF_OK, 2048));
            let st = eevdf_calc_group_shares_with(id, 0, 1 << 30, 1 << 20, 0, 1000, 0, &mut out);
            assert_eq!(st, EEVDF_OK);
            assert_eq!(out, (1u64 << 30) * 2 / ((1 << 20) + 2)); // load 2, not 0
        }
        // Wraps: a tg_shares of 2^63 leaves the kernel's long.
        let st = eevdf_calc_group_shares_with(1, 0, 1 << 63, 1, 0, NICE0, 1, &mut out);
        assert_eq!(st, EEVDF_WRAPPED);
        out = 0xDEAD;
        assert_eq!(
            eevdf_calc_group_shares_with(1, 2, NICE0, 1, 0, NICE0, 1, &mut out),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_calc_group_shares_with(9, 0, NICE0, 1, 0, NICE0, 1, &mut out),
            EEVDF_EINVAL
        );
        assert_eq!(out, 0xDEAD);
        assert_eq!(
            eevdf_calc_group_shares_with(0, 0, NICE0, 1, 0, NICE0, 1, core::ptr::null_mut()),
            EEVDF_EINVAL
        );
    }
    assert_eq!(
        [
            eevdf_set_shares_clamp(0),
            eevdf_set_shares_clamp(u64::MAX),
            eevdf_set_shares_clamp(NICE0)
        ],
        [2048, 268_435_456, NICE0]
    );
}

fn cpu(load_avg: u64) -> EevdfCpuState {
    EevdfCpuState {
        load_avg,
        capacity: 1024,
        nr_running: 1,
        h_nr_queued: 1,
        h_nr_runnable: 1,
        ..EevdfCpuState::default()
    }
}

#[test]
fn c_wake_affine_golden_values_and_statuses() {
    use core::ptr::{null, null_mut};
    let wa = EEVDF_FEATURE_WA_IDLE | EEVDF_FEATURE_WA_WEIGHT | EEVDF_FEATURE_WA_BIAS;
    let mut i = EevdfWakeAffineInput {
        this_cpu: cpu(1024),
        prev_cpu: cpu(2048),
        task_h_load: 512,
        current_h_load: 0,
        imbalance_pct: EEVDF_SD_IMBALANCE_PCT_LLC,
        share_llc: 1,
        sync: 0,
    };
    let mut t = 99u32;
    // SAFETY: valid or NULL pointers to locals.
    unsafe {
        // (1024 + 512)·100·1024 < (2048 − 512)·108·1024: pull to the waker.
        for id in 0..5 {
            assert_eq!(eevdf_wake_affine_weight(id, wa, &i, &mut t), EEVDF_OK);
            assert_eq!(t, EEVDF_WAKE_TARGET_THIS);
            assert_eq!(eevdf_wake_affine(id, wa, &i, &mut t), EEVDF_OK);
            assert_eq!(t, EEVDF_WAKE_TARGET_THIS);
        }
        // Reversed loads: no pull, wake_affine keeps prev.
        i.this_cpu.load_avg = 2048;
        i.prev_cpu.load_avg = 1024;
        assert_eq!(eevdf_wake_affine_weight(3, wa, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_NONE);
        assert_eq!(eevdf_wake_affine(3, wa, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_PREV);
        // wake_affine_idle: idle waker CPU sharing the LLC, busy prev → THIS.
        i.this_cpu = EevdfCpuState {
            idle_task_running: 1,
            nr_running: 0,
            ..cpu(0)
        };
        assert_eq!(eevdf_wake_affine_idle(0, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_THIS);
        // ... unless prev is idle too → PREV; a preempted vCPU is not idle.
        i.prev_cpu = i.this_cpu;
        assert_eq!(eevdf_wake_affine_idle(0, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_PREV);
        i.prev_cpu.vcpu_preempted = 1;
        assert_eq!(eevdf_wake_affine_idle(0, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_THIS);
        let mut b = false;
        assert_eq!(eevdf_available_idle_cpu(&i.prev_cpu, &mut b), EEVDF_OK);
        assert!(!b);
        assert_eq!(eevdf_idle_rq(&i.prev_cpu, &mut b), EEVDF_OK);
        assert!(b);
        assert_eq!(eevdf_choose_idle_cpu(&i.prev_cpu, false, &mut b), EEVDF_OK);
        assert!(!b);
        // Sync: 6.6 counts a delayed task as running, 6.18 does not.
        i.this_cpu = EevdfCpuState {
            nr_running: 2,
            h_nr_queued: 2,
            h_nr_runnable: 1,
            ..cpu(5000)
        };
        i.prev_cpu = cpu(5000);
        i.sync = 1;
        assert_eq!(eevdf_wake_affine_idle(0, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_NONE);
        assert_eq!(eevdf_wake_affine_idle(1, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_THIS);
        // A wrap of the s64 loads: WRAPPED under Linux, exact and OK under EXACT.
        i = EevdfWakeAffineInput {
            this_cpu: cpu(1 << 62),
            prev_cpu: cpu(0),
            task_h_load: 1 << 62,
            ..i
        };
        i.sync = 0;
        assert_eq!(eevdf_wake_affine_weight(3, wa, &i, &mut t), EEVDF_WRAPPED);
        assert_eq!(eevdf_wake_affine_weight(4, wa, &i, &mut t), EEVDF_OK);
        assert_eq!(t, EEVDF_WAKE_TARGET_NONE);
        // Bad arguments: exact EINVAL, nothing written.
        t = 99;
        let bad = EevdfWakeAffineInput { share_llc: 2, ..i };
        assert_eq!(eevdf_wake_affine_weight(0, wa, &bad, &mut t), EEVDF_EINVAL);
        assert_eq!(eevdf_wake_affine(0, 1 << 63, &i, &mut t), EEVDF_EINVAL);
        assert_eq!(eevdf_wake_affine(5, wa, &i, &mut t), EEVDF_EINVAL);
        assert_eq!(eevdf_wake_affine_idle(0, null(), &mut t), EEVDF_EINVAL);
        assert_eq!(eevdf_wake_affine_idle(0, &i, null_mut()), EEVDF_EINVAL);
        assert_eq!(t, 99);
        let badcpu = EevdfCpuState {
            ttwu_pending: 7,
            ..cpu(0)
        };
        assert_eq!(eevdf_available_idle_cpu(&badcpu, &mut b), EEVDF_EINVAL);
        assert_eq!(eevdf_idle_rq(null(), &mut b), EEVDF_EINVAL);
    }
}

#[test]
fn c_wake_entry_points_are_the_rust_functions() {
    use eevdf::wake;
    let inputs = [
        (0u64, 0u64, 0u64, 0u64, 117u32, 0u8, 0u8),
        (1024, 2048, 512, 300, 117, 1, 1),
        (u64::MAX, 3, 7, 1 << 40, 90, 0, 1),
        (1 << 62, 1 << 63, 1 << 62, 5, 110, 1, 0),
    ];
    for (tl, pl, th, ch, pct, llc, sync) in inputs {
        let i = EevdfWakeAffineInput {
            this_cpu: cpu(tl),
            prev_cpu: cpu(pl),
            task_h_load: th,
            current_h_load: ch,
            imbalance_pct: pct,
            share_llc: llc,
            sync,
        };
        let r = i.to_rust().unwrap();
        for id in 0..5 {
            let p = eevdf::Profile::from_id(id).unwrap();
            for f in [0, EEVDF_FEATURE_WA_BIAS, eevdf::Features::all().bits()] {
                let rf = eevdf::Features::from_bits(f).unwrap();
                let mut t = 99;
                // SAFETY: valid pointers to locals.
                let st = unsafe { eevdf_wake_affine(id, f, &i, &mut t) };
                let (want, wrapped) = wake::overflowing_wake_affine(&p, rf, &r);
                assert_eq!(
                    (st, t),
                    (if wrapped { EEVDF_WRAPPED } else { EEVDF_OK }, want as u32)
                );
                // SAFETY: valid pointers to locals.
                let st = unsafe { eevdf_wake_affine_weight(id, f, &i, &mut t) };
                let (want, wrapped) = wake::overflowing_wake_affine_weight(&p, rf, &r);
                assert_eq!(
                    (st, t),
                    (if wrapped { EEVDF_WRAPPED } else { EEVDF_OK }, want as u32)
                );
            }
        }
    }
}

#[test]
fn c_wake_wide_h_load_and_record_wakee() {
    let mut b = false;
    let mut v = 0u64;
    // SAFETY: valid or NULL pointers to locals.
    unsafe {
        assert_eq!(eevdf_wake_wide(0, 64, 8, 8, &mut b), EEVDF_OK);
        assert!(b);
        assert_eq!(eevdf_wake_wide(0, 63, 8, 8, &mut b), EEVDF_OK);
        assert!(!b);
        // 2^26 · 64 wraps to 0: "wide" only by the wrap.
        assert_eq!(
            eevdf_wake_wide(1, 1 << 26, 1 << 26, 64, &mut b),
            EEVDF_WRAPPED
        );
        assert!(b);
        b = false;
        assert_eq!(
            eevdf_wake_wide(4, 1 << 26, 1 << 26, 64, &mut b),
            EEVDF_EOVERFLOW
        );
        assert!(!b);
        assert_eq!(eevdf_wake_wide(5, 1, 1, 1, &mut b), EEVDF_EINVAL);
        assert_eq!(
            eevdf_wake_wide(0, 1, 1, 1, core::ptr::null_mut()),
            EEVDF_EINVAL
        );

        assert_eq!(eevdf_task_h_load(3, 1024, 512, 2048, &mut v), EEVDF_OK);
        assert_eq!(v, 255);
        assert_eq!(eevdf_h_load_step(3, 1024, 512, 2048, &mut v), EEVDF_OK);
        assert_eq!(v, 255);
        v = 7;
        assert_eq!(eevdf_task_h_load(3, 1, 1, u64::MAX, &mut v), EEVDF_EDOM);
        assert_eq!(
            eevdf_task_h_load(3, u64::MAX, u64::MAX, 0, &mut v),
            EEVDF_WRAPPED
        );
        assert_eq!(v, 1);
        v = 7;
        assert_eq!(
            eevdf_task_h_load(4, u64::MAX, u64::MAX, 0, &mut v),
            EEVDF_EOVERFLOW
        );
        assert_eq!(eevdf_task_h_load(4, 1, 1, u64::MAX, &mut v), EEVDF_OK);
        assert_eq!(v, 0);
        assert_eq!(eevdf_task_h_load(9, 1, 1, 1, &mut v), EEVDF_EINVAL);
        assert_eq!(
            eevdf_h_load_step(0, 1, 1, 1, core::ptr::null_mut()),
            EEVDF_EINVAL
        );

        let mut w = EevdfWakeeFlips::default();
        for wakee in [7, 8, 8] {
            assert_eq!(eevdf_record_wakee(&mut w, wakee, 0, 1000), EEVDF_OK);
        }
        assert_eq!(w.wakee_flips, 2);
        assert_eq!(eevdf_record_wakee(&mut w, 8, 1001, 1000), EEVDF_OK);
        assert_eq!(
            (w.wakee_flips, w.wakee_flip_decay_ts, w.last_wakee),
            (1, 1001, 8)
        );
        assert_eq!(
            eevdf_record_wakee(core::ptr::null_mut(), 8, 1001, 1000),
            EEVDF_EINVAL
        );
    }
}

#[test]
fn c_group_load_sums_the_contributions_of_threads() {
    use std::sync::Arc;
    struct G(EevdfGroupLoad);
    let g = Arc::new(G(EevdfGroupLoad {
        opaque: UnsafeCell::new(MaybeUninit::new([0xFF; 2])),
    }));
    // SAFETY: a valid pointer; no other thread yet.
    assert_eq!(
        unsafe { eevdf_group_load_init(core::ptr::addr_of!(g.0).cast_mut(), false) },
        EEVDF_OK
    );
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let g = Arc::clone(&g);
            std::thread::spawn(move || {
                let mut c = EevdfGroupLoadContrib::default();
                let mut sum = 0i64;
                for k in 0..u64::from(iters(1000)) {
                    let mut d = 0;
                    // SAFETY: valid pointers; `g` initialised, shared by design.
                    let st = unsafe {
                        eevdf_group_load_contrib_update(
                            0,
                            &mut c,
                            &g.0,
                            true,
                            k,
                            100 * t + k * (t + 1),
                            &mut d,
                        )
                    };
                    assert_eq!(st, EEVDF_OK);
                    sum += d;
                }
                assert_eq!(sum, c.tg_load_avg_contrib as i64);
                c.tg_load_avg_contrib
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let (mut v, mut root) = (0i64, true);
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(eevdf_group_load_read(&g.0, &mut v, &mut root), EEVDF_OK);
        assert_eq!((v as u64, root), (total, false));
        assert_eq!(eevdf_group_load_add(&g.0, -5), EEVDF_OK);
        assert_eq!(
            eevdf_group_load_read(&g.0, &mut v, core::ptr::null_mut()),
            EEVDF_OK
        );
        assert_eq!(v as u64, total - 5);
        // Clearing one contributor takes its share out.
        let mut c = EevdfGroupLoadContrib {
            tg_load_avg_contrib: 10,
            last_update_tg_load_avg: 3,
        };
        let mut d = 0;
        assert_eq!(
            eevdf_group_load_contrib_clear(&mut c, &g.0, &mut d),
            EEVDF_OK
        );
        assert_eq!(
            (d, c.tg_load_avg_contrib, c.last_update_tg_load_avg),
            (-10, 0, 3)
        );
        assert_eq!(eevdf_group_load_contrib_init(&mut c), EEVDF_OK);
        assert_eq!(c, EevdfGroupLoadContrib::default());
        // The root group never receives contributions.
        let mut r = EevdfGroupLoad {
            opaque: UnsafeCell::new(MaybeUninit::new([0; 2])),
        };
        assert_eq!(eevdf_group_load_init(&mut r, true), EEVDF_OK);
        assert_eq!(
            eevdf_group_load_contrib_update(3, &mut c, &r, true, 1 << 40, 5000, &mut d),
            EEVDF_OK
        );
        assert_eq!(d, 0);
        assert_eq!(eevdf_group_load_read(&r, &mut v, &mut root), EEVDF_OK);
        assert_eq!((v, root), (0, true));
        // Bad arguments.
        use core::ptr::{null, null_mut};
        assert_eq!(eevdf_group_load_init(null_mut(), false), EEVDF_EINVAL);
        assert_eq!(eevdf_group_load_add(null(), 1), EEVDF_EINVAL);
        assert_eq!(
            eevdf_group_load_read(&r, null_mut(), null_mut()),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_group_load_contrib_update(5, &mut c, &r, true, 0, 1, &mut d),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_group_load_contrib_update(0, &mut c, null(), true, 0, 1, &mut d),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_group_load_contrib_clear(null_mut(), &r, &mut d),
            EEVDF_EINVAL
        );
        let bytes = [0u64; 4];
        let mis = bytes
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(4)
            .cast::<EevdfGroupLoad>();
        assert_eq!(eevdf_group_load_add(mis, 1), EEVDF_EINVAL);
    }
}

#[test]
fn c_rq_snapshot_is_never_torn() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    struct S(EevdfRqSnapshot);
    let mut raw = EevdfRqSnapshot {
        opaque: UnsafeCell::new(MaybeUninit::new([7; 5])),
    };
    // SAFETY: a valid pointer to a local.
    assert_eq!(unsafe { eevdf_rq_snapshot_init(&mut raw) }, EEVDF_OK);
    let mut out = EevdfRqSummary {
        v: 1,
        ..EevdfRqSummary::default()
    };
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { eevdf_rq_snapshot_try_read(&raw, 0, &mut out) },
        EEVDF_OK
    );
    assert_eq!(out, EevdfRqSummary::default());
    let s = Arc::new(S(raw));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (s, stop) = (Arc::clone(&s), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut seen = 0u32;
            loop {
                // Read once more after the writer stopped: then it must succeed.
                let last = stop.load(Ordering::Relaxed);
                let mut o = EevdfRqSummary::default();
                // SAFETY: valid pointers; the snapshot is initialised.
                match unsafe { eevdf_rq_snapshot_try_read(&s.0, 3, &mut o) } {
                    EEVDF_OK => {
                        assert_eq!(
                            (o.w, o.load_avg, u64::from(o.nr_running)),
                            (2 * o.v, 3 * o.v, o.v % 1000)
                        );
                        seen += 1;
                    }
                    st => assert!(st == EEVDF_EBUSY && !last),
                }
                if last {
                    break seen;
                }
            }
        })
    };
    for v in 1..u64::from(iters(20_000)) {
        let sum = EevdfRqSummary {
            v,
            w: 2 * v,
            load_avg: 3 * v,
            nr_running: (v % 1000) as u32,
        };
        // SAFETY: valid pointers; the snapshot is initialised.
        assert_eq!(unsafe { eevdf_rq_snapshot_write(&s.0, &sum) }, EEVDF_OK);
    }
    stop.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    // SAFETY: NULL and valid pointers.
    unsafe {
        assert_eq!(
            eevdf_rq_snapshot_write(&s.0, core::ptr::null()),
            EEVDF_EINVAL
        );
        assert_eq!(
            eevdf_rq_snapshot_try_read(core::ptr::null(), 0, &mut out),
            EEVDF_EINVAL
        );
        assert_eq!(eevdf_rq_snapshot_init(core::ptr::null_mut()), EEVDF_EINVAL);
    }
}

#[test]
fn load_side_entry_points_do_not_panic_on_arbitrary_values() {
    // As entry_points_do_not_panic_on_arbitrary_values, for the PELT, group and
    // wake functions: debug overflow checks turn any unchecked operation into a
    // panic here.
    let mut g = Gen(0x10AD);
    let mut ok = 0u32;
    let sa = |g: &mut Gen| EevdfSchedAvg {
        last_update_time: g.any(),
        load_sum: g.any(),
        runnable_sum: g.any(),
        util_sum: g.any() as u32,
        period_contrib: g.any() as u32,
        load_avg: g.any(),
        runnable_avg: g.any(),
        util_avg: g.any(),
        util_est: EevdfUtilEst {
            enqueued: g.any() as u32,
            ewma: g.any() as u32,
        },
    };
    let cpu_of = |g: &mut Gen| EevdfCpuState {
        load_avg: g.any(),
        capacity: g.any(),
        nr_running: g.any() as u32,
        h_nr_queued: g.any() as u32,
        h_nr_runnable: g.any() as u32,
        idle_task_running: g.small(3) as u8 / 2,
        ttwu_pending: g.small(3) as u8 / 2,
        vcpu_preempted: g.small(3) as u8 / 2,
        sched_idle_only: g.small(3) as u8 / 2,
    };
    for _ in 0..iters(20_000) {
        let id = g.small(6) as u32;
        let w = EevdfLoadWeight {
            weight: g.any(),
            inv_weight: g.any() as u32,
        };
        let (mut a, mut b) = (sa(&mut g), sa(&mut g));
        let (mut flag, mut prop, mut u) = (false, 0i64, 0u64);
        let (now, x, y, z) = (g.any(), g.any(), g.any(), g.any());
        let f = if g.small(4) == 0 {
            g.any()
        } else {
            eevdf::Features::all().bits()
        };
        // SAFETY: valid pointers to locals throughout.
        unsafe {
            let _ = eevdf_update_load_avg_se(now, &mut a, &w, x & 1 == 1, y, z & 1 == 1, &mut flag);
            let _ = eevdf_update_load_avg_blocked_se(now, &mut b, &w, &mut flag);
            let _ = eevdf_update_load_avg_cfs_rq(now, &mut a, x, y as u32, true, &mut flag);
            let _ = eevdf_enqueue_load_avg(id, &mut a, &b, &w);
            let _ = eevdf_dequeue_load_avg(id, &mut a, &b, &w);
            let _ = eevdf_attach_entity_load_avg(id, &mut a, &mut b, &w, &mut prop);
            let _ = eevdf_detach_entity_load_avg(id, &mut a, &b, &w, &mut prop);
            let r = EevdfRemovedLoad {
                load_avg: x,
                util_avg: y,
                runnable_avg: z,
            };
            let _ = eevdf_remove_load_avg(id, &mut a, &r, &mut prop);
            let _ = eevdf_reweight_load_avg(&mut b, &w);
            let _ = eevdf_pelt_divider(&a, &mut u);
            let mut ue = a.util_est;
            let _ = eevdf_util_est_update(id, f, &mut ue, x, y, z, &mut flag);
            let _ = eevdf_task_util_est(id, &ue, &mut 0);
            let tg = EevdfTgLoadAvgInput {
                now,
                load_avg: x,
                tg_load_avg_contrib: y,
                last_update_tg_load_avg: z,
                is_root: g.small(3) as u8 / 2,
                cpu_active: g.small(3) as u8,
            };
            let _ =
                eevdf_update_tg_load_avg(id, &tg, &mut EevdfTgLoadAvgUpdate::default(), &mut flag);
            let _ = eevdf_clear_tg_load_avg(x, y, &mut EevdfTgLoadAvgUpdate::default());
            let _ =
                eevdf_calc_group_shares_with(id, g.small(3) as u32, x, y, z, now, g.any(), &mut u);
            let wa = EevdfWakeAffineInput {
                this_cpu: cpu_of(&mut g),
                prev_cpu: cpu_of(&mut g),
                task_h_load: x,
                current_h_load: y,
                imbalance_pct: g.any() as u32,
                share_llc: g.small(3) as u8 / 2,
                sync: g.small(3) as u8 / 2,
            };
            let mut t = 0u32;
            ok += u32::from(eevdf_wake_affine(id, f, &wa, &mut t) >= 0);
            ok +=
                u32::from(eevdf_update_load_avg_se(now, &mut a, &w, true, y, true, &mut flag) == 0);
            let _ = eevdf_wake_affine_weight(id, f, &wa, &mut t);
            let _ = eevdf_wake_affine_idle(id, &wa, &mut t);
            let _ = eevdf_wake_wide(id, x as u32, y as u32, z as u32, &mut flag);
            let _ = eevdf_task_h_load(id, x, y, z, &mut u);
            let _ = eevdf_h_load_step(id, x, y, z, &mut u);
            let _ = eevdf_choose_idle_cpu(&wa.this_cpu, flag, &mut flag);
            let mut fl = EevdfWakeeFlips {
                wakee_flip_decay_ts: x,
                last_wakee: y,
                wakee_flips: z as u32,
            };
            let _ = eevdf_record_wakee(&mut fl, now, g.any(), g.any());
        }
    }
    // Most calls get past the argument checks and compute.
    assert!(ok > iters(20_000), "only {ok} calls computed");
}
