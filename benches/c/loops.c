/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The C baseline's benchmark loops and reference results.
 *
 * bench_c_<op>(reps) runs the baseline formula of baseline.h over the NIN
 * inputs of inputs.c, reps times, and returns a sink of the results. Every
 * iteration ends in a compiler barrier on the sink (BARRIER), so that no
 * iteration is folded into another or vectorised, and state that the kernel
 * keeps in memory (a cfs_rq's sums, a sched_avg) is clobbered in memory
 * (CLOBBER). The Rust harness (benches/src/ops.rs) has the same loops with
 * the same barriers around the library's functions.
 *
 * bench_c_ref_<op>(i, out) computes the results for input i (or for the
 * first i steps of a sequence), for the checks that the library computes the
 * same numbers.
 */
#include "baseline.h"
#include "inputs.h"
#include "loops.h"

#define BARRIER(x) __asm__ volatile("" : "+r"(x))
#define CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

/* ---- prepared run-queue states ----------------------------------------- */

struct rq_state {
	struct cfs_rq_avg avg;
	struct curr_se curr;
	int has_curr;
	u64 probe;
};

struct ent_state {
	struct rq_state rq;
	struct sched_entity se;
	unsigned int nr_queued;
	u64 max_slice;
	struct load_weight new_load;
	bool initial;
};

static struct rq_state rq66[NIN], rq71[NIN];
static struct ent_state in_sums66[NIN], in_sums71[NIN], out66[NIN], out71[NIN];
static struct cfs_rq_avg full66, full71;
static struct tunables tun66, tun71;
static int prepared;

static void rq_state_of(struct rq_state *st, const struct in_rq *r, int gen71)
{
	st->avg.zero_vruntime = r->v0;
	st->avg.sum_w_vruntime = 0;
	st->avg.sum_weight = 0;
	for (u32 j = 0; j < r->nr; j++) {
		if (gen71)
			sum_w_vruntime_add_71(&st->avg, r->tree[j].vruntime, r->tree[j].weight);
		else
			avg_vruntime_add_66(&st->avg, r->tree[j].vruntime, r->tree[j].weight);
	}
	st->has_curr = (int)r->has_curr;
	st->curr.vruntime = r->curr.vruntime;
	st->curr.weight = r->curr.weight;
	st->probe = r->probe;
}

static void ent_state_of(struct ent_state *st, const struct in_entity *e, int gen71,
			 int se_in_sums)
{
	rq_state_of(&st->rq, &e->rq, gen71);
	st->se.load.weight = e->weight;
	st->se.load.inv_weight = e->inv_weight;
	st->se.vruntime = e->vruntime;
	st->se.deadline = e->deadline;
	st->se.vlag = e->vlag;
	st->se.slice = e->slice;
	st->se.custom_slice = false;
	st->se.rel_deadline = false;
	st->se.sched_delayed = false;
	st->nr_queued = e->rq.nr + e->rq.has_curr;
	st->max_slice = e->max_slice;
	st->new_load.weight = e->new_weight;
	st->new_load.inv_weight = e->new_inv_weight;
	st->initial = e->initial != 0;
	if (se_in_sums) {
		if (gen71)
			sum_w_vruntime_add_71(&st->rq.avg, e->vruntime, e->weight);
		else
			avg_vruntime_add_66(&st->rq.avg, e->vruntime, e->weight);
		st->nr_queued += 1;
	}
}

static void prepare(void)
{
	const struct in_rq *r = bench_in_rq();
	const struct in_entity *e = bench_in_entity();
	const struct in_kw *kw = bench_in_kw();

	if (prepared)
		return;
	for (int i = 0; i < NIN; i++) {
		rq_state_of(&rq66[i], &r[i], 0);
		rq_state_of(&rq71[i], &r[i], 1);
		ent_state_of(&in_sums66[i], &e[i], 0, 1);
		ent_state_of(&in_sums71[i], &e[i], 1, 1);
		ent_state_of(&out66[i], &e[i], 0, 0);
		ent_state_of(&out71[i], &e[i], 1, 0);
	}
	full66 = (struct cfs_rq_avg){ BENCH_V0_INIT, 0, 0 };
	full71 = full66;
	for (int i = 0; i < NIN; i++) {
		avg_vruntime_add_66(&full66, kw[i].vruntime, kw[i].weight);
		sum_w_vruntime_add_71(&full71, kw[i].vruntime, kw[i].weight);
	}
	tun66 = (struct tunables){ BENCH_BASE_SLICE_66, BENCH_TICK_NSEC, BENCH_FEATURES_66 };
	tun71 = (struct tunables){ BENCH_BASE_SLICE_71, BENCH_TICK_NSEC, BENCH_FEATURES_71 };
	prepared = 1;
}

void bench_c_init(void)
{
	bench_inputs_init();
	prepare();
}

static inline const struct curr_se *curr_of(const struct rq_state *st)
{
	return st->has_curr ? &st->curr : NULL;
}

/* ---- loops ------------------------------------------------------------- */

/* The harness alone: loop control, one input load and the sink. */
u64 bench_c_empty(size_t reps)
{
	const struct in_delta *in = bench_in_delta_task();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			sink ^= in[i].delta;
			BARRIER(sink);
		}
	return sink;
}

#define CDF_LOOP(name, inputs, fn)                                                \
	u64 name(size_t reps)                                                     \
	{                                                                         \
		const struct in_delta *in = inputs();                             \
		u64 sink = 0;                                                     \
		for (size_t r = 0; r < reps; r++)                                 \
			for (int i = 0; i < NIN; i++) {                           \
				struct load_weight lw = { in[i].weight, in[i].inv_weight }; \
				sink ^= fn(in[i].delta, &lw);                     \
				BARRIER(sink);                                    \
			}                                                         \
		return sink;                                                      \
	}

static inline u64 cdf_exact(u64 delta, const struct load_weight *lw)
{
	bool ovf;
	u64 v = calc_delta_fair_exact(delta, lw, &ovf);

	return v ^ ovf;
}

CDF_LOOP(bench_c_cdf_task_66, bench_in_delta_task, calc_delta_fair_66)
CDF_LOOP(bench_c_cdf_task_71, bench_in_delta_task, calc_delta_fair_71)
CDF_LOOP(bench_c_cdf_task_exact, bench_in_delta_task, cdf_exact)
CDF_LOOP(bench_c_cdf_group_66, bench_in_delta_group, calc_delta_fair_66)
CDF_LOOP(bench_c_cdf_group_71, bench_in_delta_group, calc_delta_fair_71)
CDF_LOOP(bench_c_cdf_group_exact, bench_in_delta_group, cdf_exact)

#define SUMS_LOOP(name, start, fn)                                                \
	u64 name(size_t reps)                                                     \
	{                                                                         \
		const struct in_kw *kw = bench_in_kw();                           \
		u64 sink = 0;                                                     \
		prepare();                                                        \
		for (size_t r = 0; r < reps; r++) {                               \
			struct cfs_rq_avg acc = start;                            \
			for (int i = 0; i < NIN; i++) {                           \
				fn(&acc, kw[i].vruntime, kw[i].weight);           \
				CLOBBER(&acc);                                    \
			}                                                         \
			sink ^= (u64)acc.sum_w_vruntime ^ acc.sum_weight;         \
			BARRIER(sink);                                            \
		}                                                                 \
		return sink;                                                      \
	}

#define EMPTY_SUMS ((struct cfs_rq_avg){ BENCH_V0_INIT, 0, 0 })
SUMS_LOOP(bench_c_add_66, EMPTY_SUMS, avg_vruntime_add_66)
SUMS_LOOP(bench_c_add_71, EMPTY_SUMS, sum_w_vruntime_add_71)
SUMS_LOOP(bench_c_remove_66, full66, avg_vruntime_sub_66)
SUMS_LOOP(bench_c_remove_71, full71, sum_w_vruntime_sub_71)

u64 bench_c_avg_66(size_t reps)
{
	u64 sink = 0;

	prepare();
	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			const struct rq_state *st = &rq66[i];

			sink ^= avg_vruntime_66(&st->avg, curr_of(st));
			BARRIER(sink);
		}
	return sink;
}

u64 bench_c_avg_71(size_t reps)
{
	u64 sink = 0;

	prepare();
	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			const struct rq_state *st = &rq71[i];
			struct cfs_rq_avg a = st->avg;

			sink ^= avg_vruntime_71(&a, curr_of(st)) ^ (u64)a.sum_w_vruntime;
			BARRIER(sink);
		}
	return sink;
}

#define ELIG_LOOP(name, states, fn)                                               \
	u64 name(size_t reps)                                                     \
	{                                                                         \
		u64 sink = 0;                                                     \
		prepare();                                                        \
		for (size_t r = 0; r < reps; r++)                                 \
			for (int i = 0; i < NIN; i++) {                           \
				const struct rq_state *st = &states[i];           \
				sink ^= fn(&st->avg, st->probe, curr_of(st));     \
				BARRIER(sink);                                    \
			}                                                         \
		return sink;                                                      \
	}

ELIG_LOOP(bench_c_elig_66, rq66, vruntime_eligible_66)
ELIG_LOOP(bench_c_elig_71, rq71, vruntime_eligible_71)

/* One entity operation on a copy of the prepared state; `body` uses a, se, st. */
#define ENTITY_LOOP(name, states, body)                                           \
	u64 name(size_t reps)                                                     \
	{                                                                         \
		u64 sink = 0;                                                     \
		prepare();                                                        \
		for (size_t r = 0; r < reps; r++)                                 \
			for (int i = 0; i < NIN; i++) {                           \
				const struct ent_state *st = &states[i];          \
				struct cfs_rq_avg a = st->rq.avg;                 \
				struct sched_entity se = st->se;                  \
				body;                                             \
				BARRIER(sink);                                    \
			}                                                         \
		return sink;                                                      \
	}

ENTITY_LOOP(bench_c_lag_66, in_sums66, {
	update_entity_lag_66(&a, curr_of(&st->rq), &se, BENCH_TICK_NSEC);
	sink ^= (u64)se.vlag;
})
ENTITY_LOOP(bench_c_lag_71, in_sums71, {
	bool rp = update_entity_lag_71(&a, curr_of(&st->rq), &se, st->max_slice, &tun71);
	sink ^= (u64)se.vlag ^ rp ^ a.zero_vruntime;
})
ENTITY_LOOP(bench_c_place_66, out66, {
	place_entity_66(&a, curr_of(&st->rq), st->nr_queued, &se, st->initial, &tun66);
	sink ^= se.vruntime ^ se.deadline ^ a.zero_vruntime;
})
ENTITY_LOOP(bench_c_place_71, out71, {
	place_entity_71(&a, curr_of(&st->rq), st->nr_queued, &se, st->initial, &tun71);
	sink ^= se.vruntime ^ se.deadline ^ a.zero_vruntime;
})
ENTITY_LOOP(bench_c_reweight_66, in_sums66, {
	reweight_entity_66(&a, &se, &st->new_load);
	sink ^= se.vruntime ^ se.deadline ^ (u64)a.sum_w_vruntime;
})
ENTITY_LOOP(bench_c_reweight_71, in_sums71, {
	reweight_entity_71(&a, curr_of(&st->rq), &se, &st->new_load, st->max_slice,
			   BENCH_TICK_NSEC);
	sink ^= se.vruntime ^ se.deadline ^ (u64)a.sum_w_vruntime;
})

u64 bench_c_decay(size_t reps)
{
	const struct in_decay *in = bench_in_decay();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			sink ^= decay_load(in[i].val, in[i].n);
			BARRIER(sink);
		}
	return sink;
}

u64 bench_c_pelt(size_t reps)
{
	const struct in_pelt *in = bench_in_pelt();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++) {
		struct sched_avg sa = { 0 };
		u64 now = 0;

		for (int i = 0; i < NIN; i++) {
			now += in[i].step;
			update_load_avg_se(now, &sa, in[i].weight, (int)in[i].on_rq,
					   in[i].on_rq, (int)in[i].running);
			CLOBBER(&sa);
		}
		sink ^= sa.load_avg ^ sa.util_avg;
		BARRIER(sink);
	}
	return sink;
}

u64 bench_c_shares(size_t reps)
{
	const struct in_shares *in = bench_in_shares();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			sink ^= (u64)calc_group_shares((long)in[i].tg_shares,
						       (long)in[i].tg_load_avg,
						       (long)in[i].tg_load_avg_contrib,
						       in[i].grq_load_weight,
						       in[i].grq_load_avg);
			BARRIER(sink);
		}
	return sink;
}

u64 bench_c_wake(size_t reps)
{
	const struct in_wake *in = bench_in_wake();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			sink ^= wake_affine_weight((const struct wake_in *)&in[i],
						   BENCH_FEATURES_66 | FEAT_WA_BIAS);
			BARRIER(sink);
		}
	return sink;
}

/* ---- reference results ------------------------------------------------- */

void bench_c_ref_cdf(size_t which, size_t i, uint64_t out[6])
{
	const struct in_delta *in = (which & 1) ? bench_in_delta_group() : bench_in_delta_task();
	struct load_weight lw = { in[i].weight, in[i].inv_weight };
	bool ovf = false;

	switch (which >> 1) {
	case 0:
		out[0] = calc_delta_fair_66(in[i].delta, &lw);
		break;
	case 1:
		out[0] = calc_delta_fair_71(in[i].delta, &lw);
		break;
	default:
		out[0] = calc_delta_fair_exact(in[i].delta, &lw, &ovf);
		break;
	}
	out[1] = ovf;
}

void bench_c_ref_sums(int gen71, int remove, size_t n, uint64_t out[6])
{
	const struct in_kw *kw = bench_in_kw();
	struct cfs_rq_avg acc;

	prepare();
	acc = remove ? (gen71 ? full71 : full66) : EMPTY_SUMS;
	for (size_t i = 0; i < n; i++) {
		if (remove && gen71)
			sum_w_vruntime_sub_71(&acc, kw[i].vruntime, kw[i].weight);
		else if (remove)
			avg_vruntime_sub_66(&acc, kw[i].vruntime, kw[i].weight);
		else if (gen71)
			sum_w_vruntime_add_71(&acc, kw[i].vruntime, kw[i].weight);
		else
			avg_vruntime_add_66(&acc, kw[i].vruntime, kw[i].weight);
	}
	out[0] = (u64)acc.sum_w_vruntime;
	out[1] = acc.sum_weight;
}

void bench_c_ref_avg(int gen71, size_t i, uint64_t out[6])
{
	const struct rq_state *st;
	struct cfs_rq_avg a;

	prepare();
	st = gen71 ? &rq71[i] : &rq66[i];
	a = st->avg;
	out[0] = gen71 ? avg_vruntime_71(&a, curr_of(st)) : avg_vruntime_66(&a, curr_of(st));
	out[1] = a.zero_vruntime;
	out[2] = (u64)a.sum_w_vruntime;
	out[3] = gen71 ? vruntime_eligible_71(&st->avg, st->probe, curr_of(st))
		       : vruntime_eligible_66(&st->avg, st->probe, curr_of(st));
}

/* op: 0 update_entity_lag, 1 place_entity, 2 reweight_entity. */
void bench_c_ref_entity(int gen71, int op, size_t i, uint64_t out[6])
{
	const struct ent_state *st;
	struct cfs_rq_avg a;
	struct sched_entity se;
	bool rp = false;

	prepare();
	if (op == 1)
		st = gen71 ? &out71[i] : &out66[i];
	else
		st = gen71 ? &in_sums71[i] : &in_sums66[i];
	a = st->rq.avg;
	se = st->se;
	switch (op * 2 + gen71) {
	case 0:
		update_entity_lag_66(&a, curr_of(&st->rq), &se, BENCH_TICK_NSEC);
		break;
	case 1:
		rp = update_entity_lag_71(&a, curr_of(&st->rq), &se, st->max_slice, &tun71);
		break;
	case 2:
		place_entity_66(&a, curr_of(&st->rq), st->nr_queued, &se, st->initial, &tun66);
		break;
	case 3:
		place_entity_71(&a, curr_of(&st->rq), st->nr_queued, &se, st->initial, &tun71);
		break;
	case 4:
		reweight_entity_66(&a, &se, &st->new_load);
		break;
	default:
		reweight_entity_71(&a, curr_of(&st->rq), &se, &st->new_load, st->max_slice,
				   BENCH_TICK_NSEC);
		break;
	}
	out[0] = se.vruntime;
	out[1] = se.deadline;
	out[2] = (u64)se.vlag;
	out[3] = a.zero_vruntime;
	out[4] = (u64)a.sum_w_vruntime;
	out[5] = a.sum_weight ^ ((u64)rp << 63);
}

void bench_c_ref_load(size_t i, uint64_t out[6])
{
	const struct in_decay *d = bench_in_decay();
	const struct in_shares *s = bench_in_shares();
	const struct in_wake *w = bench_in_wake();

	out[0] = decay_load(d[i].val, d[i].n);
	out[1] = (u64)calc_group_shares((long)s[i].tg_shares, (long)s[i].tg_load_avg,
					(long)s[i].tg_load_avg_contrib, s[i].grq_load_weight,
					s[i].grq_load_avg);
	out[2] = wake_affine_weight((const struct wake_in *)&w[i],
				    BENCH_FEATURES_66 | FEAT_WA_BIAS);
}

void bench_c_ref_pelt(size_t n, uint64_t out[6])
{
	const struct in_pelt *in = bench_in_pelt();
	struct sched_avg sa = { 0 };
	u64 now = 0;

	for (size_t i = 0; i < n; i++) {
		now += in[i].step;
		update_load_avg_se(now, &sa, in[i].weight, (int)in[i].on_rq, in[i].on_rq,
				   (int)in[i].running);
	}
	out[0] = sa.load_sum;
	out[1] = sa.runnable_sum;
	out[2] = sa.util_sum | (u64)sa.period_contrib << 32;
	out[3] = sa.load_avg;
	out[4] = sa.runnable_avg;
	out[5] = sa.util_avg ^ (u64)sa.util_est.ewma << 32;
}
