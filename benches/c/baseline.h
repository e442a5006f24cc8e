/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The C baseline of the benchmarks: the Linux fair-class formulas in plain C,
 * kernel style, written from the formulas documented in this repository's
 * src/ and docs/derivations.md (our own code, not the kernel's). This is what a kernel or
 * hypervisor would otherwise copy, so it is what the library has to match in speed.
 *
 * Two generations are written out, one function each:
 *
 *   _66  Linux 6.6 (and, where the arithmetic is the same, 6.18 and 7.0):
 *        scale_load_down weights in the sums, the multiply-shift __calc_delta,
 *        div_s64 (s32 divisor), s64 wrapping eligibility, a pure avg_vruntime;
 *   _71  Linux 7.1 on 64-bit: full weights, (delta * w mod 2^64) / lw,
 *        div64_long, 128-bit eligibility, avg_vruntime moving zero_vruntime.
 *
 * plus calc_delta_fair_exact (the 128-bit quotient, for Profile::EXACT).
 *
 * Nothing here detects a wrap: it is the kernel's arithmetic and nothing
 * else. Compile with -fwrapv, as the kernel is built with
 * -fno-strict-overflow (signed overflow wraps).
 *
 * Every function is static inline, as in the kernel: the benchmark loops in
 * the same translation unit get them inlined.
 */
#ifndef EEVDF_BENCH_BASELINE_H
#define EEVDF_BENCH_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef int32_t s32;

#define SCHED_FIXEDPOINT_SHIFT 10
#define NICE_0_LOAD_SHIFT 20
#define NICE_0_LOAD (1UL << NICE_0_LOAD_SHIFT)
#define WMULT_CONST (~0U)
#define WMULT_SHIFT 32

/* sched_feat bits used below (the same values as EEVDF_FEATURE_*). */
#define FEAT_PLACE_LAG (1UL << 0)
#define FEAT_PLACE_DEADLINE_INITIAL (1UL << 1)
#define FEAT_PLACE_REL_DEADLINE (1UL << 2)
#define FEAT_DELAY_ZERO (1UL << 9)
#define FEAT_WA_BIAS (1UL << 21)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline int fls32(u32 x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

/* The kernel's clamp(): hi if x >= hi, else lo if x <= lo, else x. */
static inline s64 kclamp(s64 x, s64 lo, s64 hi)
{
	return x >= hi ? hi : (x <= lo ? lo : x);
}

/* div_s64(): the divisor is an s32. */
static inline s64 div_s64(s64 dividend, s32 divisor)
{
	return dividend / divisor;
}

static inline s64 div64_long(s64 dividend, long divisor)
{
	return dividend / divisor;
}

static inline u64 mul_u64_u32_shr(u64 a, u32 mul, unsigned int shift)
{
	return (u64)(((unsigned __int128)a * mul) >> shift);
}

/* ---- load weights and calc_delta_fair (kernel/sched/fair.c) ------------ */

struct load_weight {
	unsigned long weight;
	u32 inv_weight;
};

static inline unsigned long scale_load_down(unsigned long w)
{
	if (w) {
		w >>= SCHED_FIXEDPOINT_SHIFT;
		if (w < 2)
			w = 2;
	}
	return w;
}

/*
 * __update_inv_weight() without the write-back: the kernel caches the
 * inverse in lw; the benchmark feeds the same inputs again and again, so
 * both sides compute a stale inverse every time (task weights are cached).
 */
static inline u32 inv_weight_of(const struct load_weight *lw)
{
	unsigned long w;

	if (likely(lw->inv_weight))
		return lw->inv_weight;
	w = scale_load_down(lw->weight);
	if (w >= WMULT_CONST)
		return 1;
	return WMULT_CONST / w;
}

/* __calc_delta, the multiply-shift form (<= 7.0; 7.1 on 32-bit). */
static inline u64 __calc_delta_66(u64 delta_exec, unsigned long weight,
				  const struct load_weight *lw)
{
	u64 fact = scale_load_down(weight);
	u32 fact_hi = (u32)(fact >> 32);
	int shift = WMULT_SHIFT;
	int fs;

	if (unlikely(fact_hi)) {
		fs = fls32(fact_hi);
		shift -= fs;
		fact >>= fs;
	}
	fact = (u64)(u32)fact * inv_weight_of(lw);
	fact_hi = (u32)(fact >> 32);
	if (fact_hi) {
		fs = fls32(fact_hi);
		shift -= fs;
		fact >>= fs;
	}
	return mul_u64_u32_shr(delta_exec, (u32)fact, shift);
}

/* __calc_delta, 7.1 on 64-bit (db4551e2ba34). */
static inline u64 __calc_delta_71(u64 delta_exec, unsigned long weight,
				  const struct load_weight *lw)
{
	return (delta_exec * weight) / lw->weight;
}

/* calc_delta_fair (v6.6 ... v7.1) */
static inline u64 calc_delta_fair_66(u64 delta, const struct load_weight *lw)
{
	if (unlikely(lw->weight != NICE_0_LOAD))
		delta = __calc_delta_66(delta, NICE_0_LOAD, lw);
	return delta;
}

static inline u64 calc_delta_fair_71(u64 delta, const struct load_weight *lw)
{
	if (unlikely(lw->weight != NICE_0_LOAD))
		delta = __calc_delta_71(delta, NICE_0_LOAD, lw);
	return delta;
}

/* EXACT: floor(delta * 2^20 / w) in 128 bits; *ovf when it exceeds 64 bits. */
static inline u64 calc_delta_fair_exact(u64 delta, const struct load_weight *lw,
					bool *ovf)
{
	unsigned __int128 q;

	if (lw->weight == NICE_0_LOAD) {
		*ovf = false;
		return delta;
	}
	q = ((unsigned __int128)delta << NICE_0_LOAD_SHIFT) / lw->weight;
	*ovf = (q >> 64) != 0;
	return (u64)q;
}

/* ---- the V accumulator (avg_vruntime / sum_w_vruntime sums) ---------- */

/* The part of struct cfs_rq the averages use. */
struct cfs_rq_avg {
	u64 zero_vruntime; /* min_vruntime in 6.6 */
	s64 sum_w_vruntime;
	u64 sum_weight;
};

/* cfs_rq->curr when it is on the run queue; NULL otherwise. */
struct curr_se {
	u64 vruntime;
	unsigned long weight;
};

static inline s64 entity_key(const struct cfs_rq_avg *cfs_rq, u64 vruntime)
{
	return (s64)(vruntime - cfs_rq->zero_vruntime);
}

/* The averaging weight: scale_load_down(w) <= 7.0, full weight in 7.1. */
static inline unsigned long avg_weight_66(unsigned long weight)
{
	return scale_load_down(weight);
}

static inline unsigned long avg_weight_71(unsigned long weight)
{
	return weight;
}

/* avg_vruntime_add / sum_w_vruntime_add */
static inline void avg_vruntime_add_66(struct cfs_rq_avg *cfs_rq, u64 vruntime,
				       unsigned long weight)
{
	unsigned long w = avg_weight_66(weight);

	cfs_rq->sum_w_vruntime += entity_key(cfs_rq, vruntime) * (s64)w;
	cfs_rq->sum_weight += w;
}

static inline void avg_vruntime_sub_66(struct cfs_rq_avg *cfs_rq, u64 vruntime,
				       unsigned long weight)
{
	unsigned long w = avg_weight_66(weight);

	cfs_rq->sum_w_vruntime -= entity_key(cfs_rq, vruntime) * (s64)w;
	cfs_rq->sum_weight -= w;
}

static inline void sum_w_vruntime_add_71(struct cfs_rq_avg *cfs_rq, u64 vruntime,
					 unsigned long weight)
{
	unsigned long w = avg_weight_71(weight);

	cfs_rq->sum_w_vruntime += entity_key(cfs_rq, vruntime) * (s64)w;
	cfs_rq->sum_weight += w;
}

static inline void sum_w_vruntime_sub_71(struct cfs_rq_avg *cfs_rq, u64 vruntime,
					 unsigned long weight)
{
	unsigned long w = avg_weight_71(weight);

	cfs_rq->sum_w_vruntime -= entity_key(cfs_rq, vruntime) * (s64)w;
	cfs_rq->sum_weight -= w;
}

/* update_zero_vruntime, 7.x */
static inline void update_zero_vruntime(struct cfs_rq_avg *cfs_rq, s64 delta)
{
	cfs_rq->sum_w_vruntime -= (s64)cfs_rq->sum_weight * delta;
	cfs_rq->zero_vruntime += delta;
}

/* avg_vruntime, 6.6 ... 6.19: a pure function, floor division with div_s64. */
static inline u64 avg_vruntime_66(const struct cfs_rq_avg *cfs_rq,
				  const struct curr_se *curr)
{
	s64 avg = cfs_rq->sum_w_vruntime;
	long load = (long)cfs_rq->sum_weight;

	if (curr) {
		unsigned long w = avg_weight_66(curr->weight);

		avg += entity_key(cfs_rq, curr->vruntime) * (s64)w;
		load += w;
	}
	if (load) {
		/* sign flips effective floor / ceiling */
		if (avg < 0)
			avg -= (load - 1);
		avg = div_s64(avg, (s32)load);
	}
	return cfs_rq->zero_vruntime + avg;
}

/* avg_vruntime, 7.1: div64_long, and zero_vruntime moves to the result. */
static inline u64 avg_vruntime_71(struct cfs_rq_avg *cfs_rq,
				  const struct curr_se *curr)
{
	long weight = (long)cfs_rq->sum_weight;
	s64 delta = 0;

	if (weight) {
		s64 runtime = cfs_rq->sum_w_vruntime;

		if (curr) {
			unsigned long w = avg_weight_71(curr->weight);

			runtime += entity_key(cfs_rq, curr->vruntime) * (s64)w;
			weight += w;
		}
		if (runtime < 0)
			runtime -= (weight - 1);
		delta = div64_long(runtime, weight);
	} else if (curr) {
		/* When there is but one element, it is the average. */
		delta = entity_key(cfs_rq, curr->vruntime);
	}
	update_zero_vruntime(cfs_rq, delta);
	return cfs_rq->zero_vruntime;
}

/* vruntime_eligible, <= 7.0: the product is a wrapping s64. */
static inline bool vruntime_eligible_66(const struct cfs_rq_avg *cfs_rq,
					u64 vruntime, const struct curr_se *curr)
{
	s64 avg = cfs_rq->sum_w_vruntime;
	long load = (long)cfs_rq->sum_weight;

	if (curr) {
		unsigned long w = avg_weight_66(curr->weight);

		avg += entity_key(cfs_rq, curr->vruntime) * (s64)w;
		load += w;
	}
	return avg >= entity_key(cfs_rq, vruntime) * load;
}

/* vruntime_eligible, 7.1 with int128 (b6eee96843e8): the product is compared exactly. */
static inline bool vruntime_eligible_71(const struct cfs_rq_avg *cfs_rq,
					u64 vruntime, const struct curr_se *curr)
{
	s64 avg = cfs_rq->sum_w_vruntime;
	long load = (long)cfs_rq->sum_weight;

	if (curr) {
		unsigned long w = avg_weight_71(curr->weight);

		avg += entity_key(cfs_rq, curr->vruntime) * (s64)w;
		load += w;
	}
	return (__int128)avg >= (__int128)entity_key(cfs_rq, vruntime) * load;
}

/* ---- entities (lag, placement, reweight) ------------------------------ */

struct sched_entity {
	struct load_weight load;
	u64 vruntime;
	u64 deadline;
	s64 vlag;
	u64 slice;
	bool custom_slice;
	bool rel_deadline;
	bool sched_delayed;
};

struct tunables {
	u64 base_slice;
	u64 tick_nsec;
	unsigned long features;
};

/* update_entity_lag: the lag clamp, max(2 * slice, TICK_NSEC) (<= 6.19). */
static inline s64 entity_lag_66(u64 avruntime, const struct sched_entity *se,
				u64 tick_nsec)
{
	s64 vlag = (s64)(avruntime - se->vruntime);
	s64 limit = (s64)calc_delta_fair_66(max_u64(2 * se->slice, tick_nsec), &se->load);

	return kclamp(vlag, -limit, limit);
}

/* entity_lag: the lag clamp, cfs_rq_max_slice + TICK_NSEC (7.x, 6e3c0a4e1ad1). */
static inline s64 entity_lag_71(u64 avruntime, const struct sched_entity *se,
				u64 max_slice, u64 tick_nsec)
{
	s64 vlag = (s64)(avruntime - se->vruntime);
	s64 limit = (s64)calc_delta_fair_71(max_slice + tick_nsec, &se->load);

	return kclamp(vlag, -limit, limit);
}

static inline void update_entity_lag_66(const struct cfs_rq_avg *cfs_rq,
					const struct curr_se *curr,
					struct sched_entity *se, u64 tick_nsec)
{
	se->vlag = entity_lag_66(avg_vruntime_66(cfs_rq, curr), se, tick_nsec);
}

static inline bool update_entity_lag_71(struct cfs_rq_avg *cfs_rq,
					const struct curr_se *curr,
					struct sched_entity *se, u64 max_slice,
					const struct tunables *t)
{
	u64 avruntime = avg_vruntime_71(cfs_rq, curr);
	s64 vlag = entity_lag_71(avruntime, se, max_slice, t->tick_nsec);

	if (se->sched_delayed) {
		/* previous vlag < 0 otherwise se would not be delayed */
		if (se->vlag > vlag)
			vlag = se->vlag;
		if ((t->features & FEAT_DELAY_ZERO) && vlag > 0)
			vlag = 0;
	}
	se->vlag = vlag;
	return avruntime - (u64)vlag != se->vruntime;
}

/* place_entity, 6.6 */
static inline void place_entity_66(struct cfs_rq_avg *cfs_rq,
				   const struct curr_se *curr,
				   unsigned int nr_running, struct sched_entity *se,
				   bool initial, const struct tunables *t)
{
	u64 vslice, vruntime = avg_vruntime_66(cfs_rq, curr);
	s64 lag = 0;

	se->slice = t->base_slice;
	vslice = calc_delta_fair_66(se->slice, &se->load);

	if ((t->features & FEAT_PLACE_LAG) && nr_running) {
		unsigned long load;

		lag = se->vlag;
		load = cfs_rq->sum_weight;
		if (curr)
			load += avg_weight_66(curr->weight);
		lag *= (s64)(load + avg_weight_66(se->load.weight));
		if (unlikely(!load))
			load = 1;
		lag = div_s64(lag, (s32)load);
	}
	se->vruntime = vruntime - lag;

	if ((t->features & FEAT_PLACE_DEADLINE_INITIAL) && initial)
		vslice /= 2;
	se->deadline = se->vruntime + vslice;
}

/* place_entity, 7.1 */
static inline void place_entity_71(struct cfs_rq_avg *cfs_rq,
				   const struct curr_se *curr,
				   unsigned int nr_queued, struct sched_entity *se,
				   bool initial, const struct tunables *t)
{
	u64 vslice, vruntime = avg_vruntime_71(cfs_rq, curr);
	bool update_zero = false;
	s64 lag = 0;

	if (!se->custom_slice)
		se->slice = t->base_slice;
	vslice = calc_delta_fair_71(se->slice, &se->load);

	if ((t->features & FEAT_PLACE_LAG) && nr_queued && se->vlag) {
		unsigned long w = avg_weight_71(se->load.weight);
		long load = (long)cfs_rq->sum_weight;

		lag = se->vlag;
		if (curr)
			load += avg_weight_71(curr->weight);
		lag *= (s64)(load + w);
		if (unlikely(!load))
			load = 1;
		lag = div64_long(lag, load);
		update_zero = w > (unsigned long)load;
	}
	se->vruntime = vruntime - lag;
	if (update_zero)
		update_zero_vruntime(cfs_rq, -lag);

	if ((t->features & FEAT_PLACE_REL_DEADLINE) && se->rel_deadline) {
		se->deadline += se->vruntime;
		se->rel_deadline = false;
		return;
	}
	if ((t->features & FEAT_PLACE_DEADLINE_INITIAL) && initial)
		vslice /= 2;
	se->deadline = se->vruntime + vslice;
}

/*
 * reweight_entity, 6.6.0: an on_rq entity that is not curr: out of the sums, the
 * relative deadline scaled by old/new, back in; vruntime unchanged.
 */
static inline void reweight_entity_66(struct cfs_rq_avg *cfs_rq,
				      struct sched_entity *se,
				      const struct load_weight *new_load)
{
	unsigned long old_weight = se->load.weight;
	s64 deadline;

	avg_vruntime_sub_66(cfs_rq, se->vruntime, old_weight);
	deadline = (s64)(se->deadline - se->vruntime);
	deadline = div_s64(deadline * (s64)old_weight, (s32)new_load->weight);
	se->deadline = se->vruntime + deadline;
	se->load = *new_load;
	avg_vruntime_add_66(cfs_rq, se->vruntime, se->load.weight);
}

/* reweight_entity + rescale_entity, 7.1: an on_rq entity that is not curr, rescaled around V. */
static inline void reweight_entity_71(struct cfs_rq_avg *cfs_rq,
				      const struct curr_se *curr,
				      struct sched_entity *se,
				      const struct load_weight *new_load,
				      u64 max_slice, u64 tick_nsec)
{
	unsigned long old_weight = se->load.weight;
	u64 avruntime = avg_vruntime_71(cfs_rq, curr);
	s64 vlag = entity_lag_71(avruntime, se, max_slice, tick_nsec);
	s64 rel_deadline = (s64)(se->deadline - avruntime);

	sum_w_vruntime_sub_71(cfs_rq, se->vruntime, old_weight);
	/* rescale_entity() */
	vlag = div64_long(vlag * (s64)old_weight, (long)new_load->weight);
	rel_deadline = div64_long(rel_deadline * (s64)old_weight, (long)new_load->weight);
	se->vlag = vlag;
	se->deadline = avruntime + rel_deadline;
	se->rel_deadline = false;
	se->vruntime = avruntime - vlag;
	se->load = *new_load;
	sum_w_vruntime_add_71(cfs_rq, se->vruntime, se->load.weight);
}

/* ---- PELT (kernel/sched/pelt.c) --------------------------------------- */

#define LOAD_AVG_PERIOD 32
#define LOAD_AVG_MAX 47742
#define PELT_MIN_DIVIDER (LOAD_AVG_MAX - 1024)
#define SCHED_CAPACITY_SHIFT 10
#define UTIL_AVG_UNCHANGED 0x80000000U

static const u32 runnable_avg_yN_inv[] = {
	0xffffffff, 0xfa83b2da, 0xf5257d14, 0xefe4b99a, 0xeac0c6e6, 0xe5b906e6,
	0xe0ccdeeb, 0xdbfbb796, 0xd744fcc9, 0xd2a81d91, 0xce248c14, 0xc9b9bd85,
	0xc5672a10, 0xc12c4cc9, 0xbd08a39e, 0xb8fbaf46, 0xb504f333, 0xb123f581,
	0xad583ee9, 0xa9a15ab4, 0xa5fed6a9, 0xa2704302, 0x9ef5325f, 0x9b8d39b9,
	0x9837f050, 0x94f4efa8, 0x91c3d373, 0x8ea4398a, 0x8b95c1e3, 0x88980e80,
	0x85aac367, 0x82cd8698,
};

struct util_est {
	unsigned int enqueued;
	unsigned int ewma;
};

/* The same layout as the library's SchedAvg. */
struct sched_avg {
	u64 last_update_time;
	u64 load_sum;
	u64 runnable_sum;
	u32 util_sum;
	u32 period_contrib;
	unsigned long load_avg;
	unsigned long runnable_avg;
	unsigned long util_avg;
	struct util_est util_est;
};

/* decay_load */
static inline u64 decay_load(u64 val, u64 n)
{
	unsigned int local_n;

	if (unlikely(n > LOAD_AVG_PERIOD * 63))
		return 0;
	local_n = (unsigned int)n;
	if (unlikely(local_n >= LOAD_AVG_PERIOD)) {
		val >>= local_n / LOAD_AVG_PERIOD;
		local_n %= LOAD_AVG_PERIOD;
	}
	return mul_u64_u32_shr(val, runnable_avg_yN_inv[local_n], 32);
}

/* __accumulate_pelt_segments */
static inline u32 __accumulate_pelt_segments(u64 periods, u32 d1, u32 d3)
{
	u32 c1, c2, c3 = d3;

	c1 = (u32)decay_load((u64)d1, periods);
	c2 = LOAD_AVG_MAX - (u32)decay_load(LOAD_AVG_MAX, periods) - 1024;
	return c1 + c2 + c3;
}

/* accumulate_sum */
static inline u32 accumulate_sum(u64 delta, struct sched_avg *sa,
				 unsigned long load, unsigned long runnable,
				 int running)
{
	u32 contrib = (u32)delta;
	u64 periods;

	delta += sa->period_contrib;
	periods = delta / 1024;
	if (periods) {
		sa->load_sum = decay_load(sa->load_sum, periods);
		sa->runnable_sum = decay_load(sa->runnable_sum, periods);
		sa->util_sum = (u32)decay_load((u64)sa->util_sum, periods);
		delta %= 1024;
		if (load)
			contrib = __accumulate_pelt_segments(periods,
					1024 - sa->period_contrib, (u32)delta);
	}
	sa->period_contrib = (u32)delta;
	if (load)
		sa->load_sum += load * contrib;
	if (runnable)
		sa->runnable_sum += (runnable * contrib) << SCHED_CAPACITY_SHIFT;
	if (running)
		sa->util_sum += contrib << SCHED_CAPACITY_SHIFT;
	return (u32)periods;
}

/* ___update_load_sum, ___update_load_avg */
static inline int ___update_load_sum(u64 now, struct sched_avg *sa,
				     unsigned long load, unsigned long runnable,
				     int running)
{
	u64 delta = now - sa->last_update_time;

	if ((s64)delta < 0) {
		sa->last_update_time = now;
		return 0;
	}
	delta >>= 10;
	if (!delta)
		return 0;
	sa->last_update_time += delta << 10;
	if (!load)
		runnable = running = 0;
	if (!accumulate_sum(delta, sa, load, runnable, running))
		return 0;
	return 1;
}

static inline u32 get_pelt_divider(const struct sched_avg *avg)
{
	return PELT_MIN_DIVIDER + avg->period_contrib;
}

static inline void ___update_load_avg(struct sched_avg *sa, unsigned long load)
{
	u32 divider = get_pelt_divider(sa);

	sa->load_avg = (load * sa->load_sum) / divider;
	sa->runnable_avg = sa->runnable_sum / divider;
	sa->util_avg = sa->util_sum / divider;
}

/* __update_load_avg_se() for an entity of weight `weight` (64-bit units). */
static inline int update_load_avg_se(u64 now, struct sched_avg *sa,
				     unsigned long weight, int on_rq,
				     unsigned long runnable, int running)
{
	if (___update_load_sum(now, sa, !!on_rq, runnable, running)) {
		___update_load_avg(sa, scale_load_down(weight));
		/* cfs_se_util_change() */
		sa->util_est.enqueued &= ~UTIL_AVG_UNCHANGED;
		sa->util_est.ewma &= ~UTIL_AVG_UNCHANGED;
		return 1;
	}
	return 0;
}

/* ---- calc_group_shares ------------------------------------------------ */

#define MIN_SHARES 2L

static inline long calc_group_shares(long tg_shares, long tg_load_avg,
				     long tg_load_avg_contrib,
				     unsigned long grq_load_weight,
				     unsigned long grq_load_avg)
{
	long tg_weight, load, shares;

	load = (long)max_u64(scale_load_down(grq_load_weight), grq_load_avg);
	tg_weight = tg_load_avg - tg_load_avg_contrib + load;
	shares = tg_shares * load;
	if (tg_weight)
		shares /= tg_weight;
	return kclamp(shares, MIN_SHARES, tg_shares);
}

/* ---- wake_affine_weight ----------------------------------------------- */

struct wake_in {
	u64 this_load, prev_load;
	u64 this_capacity, prev_capacity;
	u64 task_h_load, current_h_load;
	u32 imbalance_pct;
	u32 sync;
};

/* Returns true for this_cpu, false for "no decision". WA_BIAS per features. */
static inline bool wake_affine_weight(const struct wake_in *in,
				      unsigned long features)
{
	s64 this_eff_load, prev_eff_load;
	unsigned long task_load;

	this_eff_load = (s64)in->this_load;
	if (in->sync) {
		unsigned long current_load = in->current_h_load;

		if (current_load > (unsigned long)this_eff_load)
			return true;
		this_eff_load -= (s64)current_load;
	}
	task_load = in->task_h_load;
	this_eff_load += (s64)task_load;
	if (features & FEAT_WA_BIAS)
		this_eff_load *= 100;
	this_eff_load *= (s64)in->prev_capacity;

	prev_eff_load = (s64)in->prev_load;
	prev_eff_load -= (s64)task_load;
	if (features & FEAT_WA_BIAS)
		prev_eff_load *= 100 + (in->imbalance_pct - 100) / 2;
	prev_eff_load *= (s64)in->this_capacity;

	if (in->sync)
		prev_eff_load += 1;
	return this_eff_load < prev_eff_load;
}

#endif /* EEVDF_BENCH_BASELINE_H */
