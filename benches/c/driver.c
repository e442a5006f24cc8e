/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The C driver: the C baseline (loops.c over baseline.h) against the library
 * called through its C ABI (eevdf.h, statically linked libeevdf.a), in one
 * process, on the same inputs (inputs.c).
 *
 *   driver            check, then time: ns/op of both, median of the runs
 *                     (min-max), and the ratio C ABI / C baseline
 *   driver --check    only check that both compute the same results
 *   driver --instr    run every loop once (for callgrind: make bench-instructions)
 *   driver --runs N   runs per loop (default 15)
 *
 * The ABI loops have the shape of the baseline's: one call per input, the
 * result folded into a sink behind a compiler barrier, state copied from a
 * prepared array where the operation changes it. The call is included: that
 * is what a C caller pays.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eevdf.h"
#include "inputs.h"
#include "loops.h"

#define BARRIER(x) __asm__ volatile("" : "+r"(x))
#define CLOBBER(p) __asm__ volatile("" : : "r"(p) : "memory")

typedef uint64_t u64;

/* ---- prepared C ABI states --------------------------------------------- */

struct abi_rq {
	EevdfAvgVruntime acc;
	EevdfCurr curr;
	int has_curr;
	u64 probe;
};

struct abi_ent {
	EevdfAvgVruntime acc;
	EevdfRqCtx ctx;
	EevdfSchedEntity se;
	EevdfLoadWeight new_load;
	uint32_t flags;
};

/* By generation: 0 = Linux 6.6, 1 = Linux 7.1. */
static const uint32_t prof[2] = { EEVDF_PROFILE_LINUX_6_6, EEVDF_PROFILE_LINUX_7_1 };
static struct abi_rq rq_st[2][NIN];
static struct abi_ent in_sums[2][NIN], out_sums[2][NIN];
static EevdfAvgVruntime empty_acc[2], full_acc[2];
static EevdfTunables tun[2];
static EevdfWakeAffineInput wake_st[NIN];
static uint64_t wake_features;

static void must(int32_t s, const char *what)
{
	if (s != EEVDF_OK) {
		fprintf(stderr, "%s: %s\n", what, eevdf_status_name(s));
		exit(1);
	}
}

static void abi_rq_of(struct abi_rq *st, uint32_t p, const struct in_rq *r)
{
	must(eevdf_avg_vruntime_init(p, r->v0, &st->acc), "init");
	for (uint32_t j = 0; j < r->nr; j++)
		must(eevdf_avg_vruntime_add(&st->acc, r->tree[j].vruntime, r->tree[j].weight), "add");
	st->has_curr = (int)r->has_curr;
	st->curr.vruntime = r->curr.vruntime;
	st->curr.weight = r->curr.weight;
	st->probe = r->probe;
}

static void abi_ent_of(struct abi_ent *st, uint32_t p, const struct in_entity *e, int se_in_sums)
{
	struct abi_rq rq;

	abi_rq_of(&rq, p, &e->rq);
	st->acc = rq.acc;
	memset(&st->ctx, 0, sizeof(st->ctx));
	st->ctx.curr = rq.curr;
	st->ctx.has_curr = (uint8_t)rq.has_curr;
	st->ctx.max_slice = e->max_slice;
	st->ctx.nr_queued = e->rq.nr + e->rq.has_curr;
	memset(&st->se, 0, sizeof(st->se));
	st->se.load.weight = e->weight;
	st->se.load.inv_weight = e->inv_weight;
	st->se.vruntime = e->vruntime;
	st->se.deadline = e->deadline;
	st->se.vlag = e->vlag;
	st->se.slice = e->slice;
	st->se.on_rq = (uint8_t)se_in_sums;
	st->new_load.weight = e->new_weight;
	st->new_load.inv_weight = e->new_inv_weight;
	st->flags = e->initial ? EEVDF_ENQUEUE_INITIAL : 0;
	if (se_in_sums) {
		must(eevdf_avg_vruntime_add(&st->acc, e->vruntime, e->weight), "add");
		st->ctx.nr_queued += 1;
	}
}

static void prepare(void)
{
	const struct in_rq *r = bench_in_rq();
	const struct in_entity *e = bench_in_entity();
	const struct in_kw *kw = bench_in_kw();

	bench_c_init();
	for (int g = 0; g < 2; g++) {
		must(eevdf_tunables_default(prof[g], 1, 1000, &tun[g]), "tunables");
		must(eevdf_avg_vruntime_init(prof[g], BENCH_V0_INIT, &empty_acc[g]), "init");
		full_acc[g] = empty_acc[g];
		for (int i = 0; i < NIN; i++) {
			must(eevdf_avg_vruntime_add(&full_acc[g], kw[i].vruntime, kw[i].weight), "add");
			abi_rq_of(&rq_st[g][i], prof[g], &r[i]);
			abi_ent_of(&in_sums[g][i], prof[g], &e[i], 1);
			abi_ent_of(&out_sums[g][i], prof[g], &e[i], 0);
		}
	}
	/* The Rust loop's features: 7.1's defaults (WA_BIAS among them). */
	must(eevdf_features_default(EEVDF_PROFILE_LINUX_7_1, &wake_features), "features");
	for (int i = 0; i < NIN; i++) {
		const struct in_wake *w = &bench_in_wake()[i];
		EevdfWakeAffineInput *x = &wake_st[i];

		memset(x, 0, sizeof(*x));
		x->this_cpu.load_avg = w->this_load;
		x->this_cpu.capacity = w->this_capacity;
		x->prev_cpu.load_avg = w->prev_load;
		x->prev_cpu.capacity = w->prev_capacity;
		x->task_h_load = w->task_h_load;
		x->current_h_load = w->current_h_load;
		x->imbalance_pct = w->imbalance_pct;
		x->sync = (uint8_t)(w->sync != 0);
	}
}

static inline const EevdfCurr *curr_of(const struct abi_rq *st)
{
	return st->has_curr ? &st->curr : NULL;
}

/* ---- the C ABI loops ---------------------------------------------------- */

u64 abi_empty(size_t reps)
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

#define ABI_CDF(name, inputs, profile)                                             \
	u64 name(size_t reps)                                                      \
	{                                                                          \
		const struct in_delta *in = inputs();                              \
		u64 sink = 0;                                                      \
		for (size_t r = 0; r < reps; r++)                                  \
			for (int i = 0; i < NIN; i++) {                            \
				EevdfLoadWeight lw = { in[i].weight, in[i].inv_weight }; \
				u64 v;                                             \
				int32_t s = eevdf_calc_delta_fair(profile, in[i].delta, &lw, &v); \
				sink ^= v ^ (u64)s;                                \
				BARRIER(sink);                                     \
			}                                                          \
		return sink;                                                       \
	}

ABI_CDF(abi_cdf_task_66, bench_in_delta_task, EEVDF_PROFILE_LINUX_6_6)
ABI_CDF(abi_cdf_task_71, bench_in_delta_task, EEVDF_PROFILE_LINUX_7_1)
ABI_CDF(abi_cdf_task_exact, bench_in_delta_task, EEVDF_PROFILE_EXACT)
ABI_CDF(abi_cdf_group_66, bench_in_delta_group, EEVDF_PROFILE_LINUX_6_6)
ABI_CDF(abi_cdf_group_71, bench_in_delta_group, EEVDF_PROFILE_LINUX_7_1)
ABI_CDF(abi_cdf_group_exact, bench_in_delta_group, EEVDF_PROFILE_EXACT)

#define ABI_SUMS(name, g, start, fn)                                               \
	u64 name(size_t reps)                                                      \
	{                                                                          \
		const struct in_kw *kw = bench_in_kw();                            \
		u64 sink = 0;                                                      \
		for (size_t r = 0; r < reps; r++) {                                \
			EevdfAvgVruntime acc = start[g];                           \
			for (int i = 0; i < NIN; i++) {                            \
				sink ^= (u64)fn(&acc, kw[i].vruntime, kw[i].weight); \
				CLOBBER(&acc);                                     \
			}                                                          \
			sink ^= (u64)acc.sum_w_vruntime ^ acc.sum_weight;          \
			BARRIER(sink);                                             \
		}                                                                  \
		return sink;                                                       \
	}

ABI_SUMS(abi_add_66, 0, empty_acc, eevdf_avg_vruntime_add)
ABI_SUMS(abi_add_71, 1, empty_acc, eevdf_avg_vruntime_add)
ABI_SUMS(abi_remove_66, 0, full_acc, eevdf_avg_vruntime_sub)
ABI_SUMS(abi_remove_71, 1, full_acc, eevdf_avg_vruntime_sub)

#define ABI_AVG(name, g)                                                           \
	u64 name(size_t reps)                                                      \
	{                                                                          \
		u64 sink = 0;                                                      \
		for (size_t r = 0; r < reps; r++)                                  \
			for (int i = 0; i < NIN; i++) {                            \
				const struct abi_rq *st = &rq_st[g][i];            \
				EevdfAvgVruntime a = st->acc;                      \
				u64 v;                                             \
				int32_t s = eevdf_avg_vruntime_read(&a, curr_of(st), &v); \
				sink ^= v ^ (u64)a.sum_w_vruntime ^ (u64)s;        \
				BARRIER(sink);                                     \
			}                                                          \
		return sink;                                                       \
	}

ABI_AVG(abi_avg_66, 0)
ABI_AVG(abi_avg_71, 1)

#define ABI_ELIG(name, g)                                                          \
	u64 name(size_t reps)                                                      \
	{                                                                          \
		u64 sink = 0;                                                      \
		for (size_t r = 0; r < reps; r++)                                  \
			for (int i = 0; i < NIN; i++) {                            \
				const struct abi_rq *st = &rq_st[g][i];            \
				bool e;                                            \
				int32_t s = eevdf_avg_vruntime_eligible(&st->acc, st->probe, curr_of(st), &e); \
				sink ^= (u64)e ^ (u64)s;                           \
				BARRIER(sink);                                     \
			}                                                          \
		return sink;                                                       \
	}

ABI_ELIG(abi_elig_66, 0)
ABI_ELIG(abi_elig_71, 1)

#define ABI_ENTITY(name, g, states, call)                                          \
	u64 name(size_t reps)                                                      \
	{                                                                          \
		u64 sink = 0;                                                      \
		for (size_t r = 0; r < reps; r++)                                  \
			for (int i = 0; i < NIN; i++) {                            \
				const struct abi_ent *st = &states[g][i];          \
				EevdfAvgVruntime a = st->acc;                      \
				EevdfSchedEntity se = st->se;                      \
				bool rp = false;                                   \
				int32_t s = call;                                  \
				sink ^= se.vruntime ^ se.deadline ^ (u64)se.vlag ^ \
					a.zero_vruntime ^ (u64)s ^ rp;             \
				BARRIER(sink);                                     \
			}                                                          \
		return sink;                                                       \
	}

ABI_ENTITY(abi_lag_66, 0, in_sums,
	   eevdf_update_entity_lag(prof[0], &a, &st->ctx, false, &se, &tun[0], &rp))
ABI_ENTITY(abi_lag_71, 1, in_sums,
	   eevdf_update_entity_lag(prof[1], &a, &st->ctx, false, &se, &tun[1], &rp))
ABI_ENTITY(abi_place_66, 0, out_sums,
	   eevdf_place_entity(prof[0], &a, &st->ctx, false, &se, st->flags, &tun[0]))
ABI_ENTITY(abi_place_71, 1, out_sums,
	   eevdf_place_entity(prof[1], &a, &st->ctx, false, &se, st->flags, &tun[1]))
ABI_ENTITY(abi_reweight_66, 0, in_sums,
	   eevdf_reweight_entity(prof[0], &a, &st->ctx, false, &se, &st->new_load, false, &tun[0]))
ABI_ENTITY(abi_reweight_71, 1, in_sums,
	   eevdf_reweight_entity(prof[1], &a, &st->ctx, false, &se, &st->new_load, false, &tun[1]))

u64 abi_decay(size_t reps)
{
	const struct in_decay *in = bench_in_decay();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			sink ^= eevdf_pelt_decay_load(in[i].val, in[i].n);
			BARRIER(sink);
		}
	return sink;
}

u64 abi_shares(size_t reps)
{
	const struct in_shares *in = bench_in_shares();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			u64 v;
			int32_t s = eevdf_calc_group_shares(EEVDF_PROFILE_LINUX_7_1, in[i].tg_shares,
							    in[i].tg_load_avg,
							    in[i].tg_load_avg_contrib,
							    in[i].grq_load_weight, in[i].grq_load_avg, &v);
			sink ^= v ^ (u64)s;
			BARRIER(sink);
		}
	return sink;
}

u64 abi_pelt(size_t reps)
{
	const struct in_pelt *in = bench_in_pelt();
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++) {
		EevdfSchedAvg sa;
		u64 now = 0;

		eevdf_sched_avg_init(&sa);
		for (int i = 0; i < NIN; i++) {
			EevdfLoadWeight lw = { in[i].weight, 0 };
			bool decayed;

			now += in[i].step;
			sink ^= (u64)eevdf_update_load_avg_se(now, &sa, &lw, in[i].on_rq != 0,
							      in[i].on_rq, in[i].running != 0,
							      &decayed);
			CLOBBER(&sa);
		}
		sink ^= sa.load_avg ^ sa.util_avg;
		BARRIER(sink);
	}
	return sink;
}

u64 abi_wake(size_t reps)
{
	u64 sink = 0;

	for (size_t r = 0; r < reps; r++)
		for (int i = 0; i < NIN; i++) {
			uint32_t t;
			int32_t s = eevdf_wake_affine_weight(EEVDF_PROFILE_LINUX_7_1, wake_features,
							     &wake_st[i], &t);
			sink ^= (u64)t ^ (u64)s << 2;
			BARRIER(sink);
		}
	return sink;
}

/* ---- the table ---------------------------------------------------------- */

typedef u64 (*loop_fn)(size_t);

struct op {
	const char *name;
	loop_fn c, abi;
};

static const struct op ops[] = {
	{ "calc_delta_fair task/6.6", bench_c_cdf_task_66, abi_cdf_task_66 },
	{ "calc_delta_fair task/7.1", bench_c_cdf_task_71, abi_cdf_task_71 },
	{ "calc_delta_fair task/exact", bench_c_cdf_task_exact, abi_cdf_task_exact },
	{ "calc_delta_fair group/6.6", bench_c_cdf_group_66, abi_cdf_group_66 },
	{ "calc_delta_fair group/7.1", bench_c_cdf_group_71, abi_cdf_group_71 },
	{ "calc_delta_fair group/exact", bench_c_cdf_group_exact, abi_cdf_group_exact },
	{ "avg add/6.6", bench_c_add_66, abi_add_66 },
	{ "avg add/7.1", bench_c_add_71, abi_add_71 },
	{ "avg remove/6.6", bench_c_remove_66, abi_remove_66 },
	{ "avg remove/7.1", bench_c_remove_71, abi_remove_71 },
	{ "avg_vruntime/6.6", bench_c_avg_66, abi_avg_66 },
	{ "avg_vruntime/7.1", bench_c_avg_71, abi_avg_71 },
	{ "eligible/6.6", bench_c_elig_66, abi_elig_66 },
	{ "eligible/7.1", bench_c_elig_71, abi_elig_71 },
	{ "update_entity_lag/6.6", bench_c_lag_66, abi_lag_66 },
	{ "update_entity_lag/7.1", bench_c_lag_71, abi_lag_71 },
	{ "place_entity/6.6", bench_c_place_66, abi_place_66 },
	{ "place_entity/7.1", bench_c_place_71, abi_place_71 },
	{ "reweight_entity/6.6", bench_c_reweight_66, abi_reweight_66 },
	{ "reweight_entity/7.1", bench_c_reweight_71, abi_reweight_71 },
	{ "decay_load", bench_c_decay, abi_decay },
	{ "update_load_avg_se (PELT)", bench_c_pelt, abi_pelt },
	{ "calc_group_shares/linux", bench_c_shares, abi_shares },
	{ "wake_affine_weight/linux", bench_c_wake, abi_wake },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* ---- the check ---------------------------------------------------------- */

static int failures, comparisons;

static void eq(const char *what, size_t i, const u64 *got, const u64 *want, int n)
{
	comparisons++;
	if (memcmp(got, want, (size_t)n * sizeof(u64)) == 0)
		return;
	if (failures++ < 10) {
		fprintf(stderr, "MISMATCH %s, input %zu:", what, i);
		for (int k = 0; k < n; k++)
			fprintf(stderr, " %llu/%llu", (unsigned long long)got[k],
				(unsigned long long)want[k]);
		fprintf(stderr, "\n");
	}
}

static int check(void)
{
	static const uint32_t cdf_prof[3] = { EEVDF_PROFILE_LINUX_6_6, EEVDF_PROFILE_LINUX_7_1,
					      EEVDF_PROFILE_EXACT };
	const struct in_kw *kw = bench_in_kw();

	for (int form = 0; form < 3; form++)
		for (int group = 0; group < 2; group++) {
			const struct in_delta *in = group ? bench_in_delta_group() : bench_in_delta_task();

			for (size_t i = 0; i < NIN; i++) {
				EevdfLoadWeight lw = { in[i].weight, in[i].inv_weight };
				u64 got[2], want[6];
				int32_t s = eevdf_calc_delta_fair(cdf_prof[form], in[i].delta, &lw, &got[0]);

				got[1] = s == EEVDF_WRAPPED;
				bench_c_ref_cdf((size_t)(form * 2 + group), i, want);
				eq("calc_delta_fair", i, got, want, 2);
			}
		}
	for (int g = 0; g < 2; g++) {
		for (size_t k = 1; k <= NIN; k *= 2) {
			EevdfAvgVruntime a = empty_acc[g], b = full_acc[g];
			u64 got[2], want[6];

			for (size_t i = 0; i < k; i++) {
				eevdf_avg_vruntime_add(&a, kw[i].vruntime, kw[i].weight);
				eevdf_avg_vruntime_sub(&b, kw[i].vruntime, kw[i].weight);
			}
			got[0] = (u64)a.sum_w_vruntime;
			got[1] = a.sum_weight;
			bench_c_ref_sums(g, 0, k, want);
			eq("add", k, got, want, 2);
			got[0] = (u64)b.sum_w_vruntime;
			got[1] = b.sum_weight;
			bench_c_ref_sums(g, 1, k, want);
			eq("remove", k, got, want, 2);
		}
		for (size_t i = 0; i < NIN; i++) {
			const struct abi_rq *st = &rq_st[g][i];
			EevdfAvgVruntime a = st->acc;
			u64 got[4], want[6];
			bool e;

			must(eevdf_avg_vruntime_read(&a, curr_of(st), &got[0]), "read");
			got[1] = a.zero_vruntime;
			got[2] = (u64)a.sum_w_vruntime;
			must(eevdf_avg_vruntime_eligible(&st->acc, st->probe, curr_of(st), &e), "eligible");
			got[3] = e;
			bench_c_ref_avg(g, i, want);
			eq("avg_vruntime+eligible", i, got, want, 4);
		}
		for (int op = 0; op < 3; op++)
			for (size_t i = 0; i < NIN; i++) {
				const struct abi_ent *st = op == 1 ? &out_sums[g][i] : &in_sums[g][i];
				EevdfAvgVruntime a = st->acc;
				EevdfSchedEntity se = st->se;
				bool rp = false;
				u64 got[6], want[6];

				if (op == 0)
					must(eevdf_update_entity_lag(prof[g], &a, &st->ctx, false, &se,
								     &tun[g], &rp), "lag");
				else if (op == 1)
					must(eevdf_place_entity(prof[g], &a, &st->ctx, false, &se,
								st->flags, &tun[g]), "place");
				else
					must(eevdf_reweight_entity(prof[g], &a, &st->ctx, false, &se,
								   &st->new_load, false, &tun[g]),
					     "reweight");
				got[0] = se.vruntime;
				got[1] = se.deadline;
				got[2] = (u64)se.vlag;
				got[3] = a.zero_vruntime;
				got[4] = (u64)a.sum_w_vruntime;
				got[5] = a.sum_weight ^ ((u64)(rp && g == 1) << 63);
				bench_c_ref_entity(g, op, i, want);
				eq(op == 0 ? "update_entity_lag" : op == 1 ? "place_entity" : "reweight_entity",
				   i, got, want, 6);
			}
	}
	for (size_t i = 0; i < NIN; i++) {
		const struct in_decay *d = bench_in_decay();
		const struct in_shares *s = bench_in_shares();
		u64 got[2], want[6];

		got[0] = eevdf_pelt_decay_load(d[i].val, d[i].n);
		must(eevdf_calc_group_shares(EEVDF_PROFILE_LINUX_7_1, s[i].tg_shares, s[i].tg_load_avg,
					     s[i].tg_load_avg_contrib, s[i].grq_load_weight,
					     s[i].grq_load_avg, &got[1]),
		     "shares");
		bench_c_ref_load(i, want);
		eq("decay_load/calc_group_shares", i, got, want, 2);

		uint32_t t;
		must(eevdf_wake_affine_weight(EEVDF_PROFILE_LINUX_7_1, wake_features, &wake_st[i], &t),
		     "wake_affine_weight");
		got[0] = t == EEVDF_WAKE_TARGET_THIS;
		eq("wake_affine_weight", i, got, &want[2], 1);
	}
	{
		const struct in_pelt *in = bench_in_pelt();
		EevdfSchedAvg sa;
		u64 now = 0, got[6], want[6];

		eevdf_sched_avg_init(&sa);
		for (size_t i = 0; i < NIN; i++) {
			EevdfLoadWeight lw = { in[i].weight, 0 };
			bool decayed;

			now += in[i].step;
			must(eevdf_update_load_avg_se(now, &sa, &lw, in[i].on_rq != 0, in[i].on_rq,
						      in[i].running != 0, &decayed),
			     "update_load_avg_se");
			got[0] = sa.load_sum;
			got[1] = sa.runnable_sum;
			got[2] = sa.util_sum | (u64)sa.period_contrib << 32;
			got[3] = sa.load_avg;
			got[4] = sa.runnable_avg;
			got[5] = sa.util_avg ^ (u64)sa.util_est.ewma << 32;
			bench_c_ref_pelt(i + 1, want);
			eq("update_load_avg_se", i, got, want, 6);
		}
	}
	if (failures) {
		fprintf(stderr, "check FAILED: %d of %d comparisons differ\n", failures, comparisons);
		return 1;
	}
	printf("check: C ABI == C baseline on %d comparisons\n", comparisons);
	return 0;
}

/* ---- timing ------------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double ns_per_op(loop_fn f, size_t reps)
{
	double t = now_ns();
	volatile u64 sink = f(reps);

	(void)sink;
	return (now_ns() - t) / (double)(reps * NIN);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct stats {
	double median, min, max;
};

static struct stats stats_of(double *xs, int n)
{
	struct stats s;

	qsort(xs, (size_t)n, sizeof(double), cmp_double);
	s.median = n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
	s.min = xs[0];
	s.max = xs[n - 1];
	return s;
}

#define MAX_RUNS 101

/* The two loops interleaved run by run, after one warm-up round. */
static void compare(loop_fn a, loop_fn b, int runs, double ms, struct stats *sa, struct stats *sb)
{
	double xa[MAX_RUNS], xb[MAX_RUNS];
	double slow = ns_per_op(a, 4);
	double tb = ns_per_op(b, 4);
	size_t reps;

	if (tb > slow)
		slow = tb;
	if (slow < 0.05)
		slow = 0.05;
	reps = (size_t)(ms * 1e6 / (slow * NIN));
	if (reps < 1)
		reps = 1;
	for (int r = 0; r <= runs; r++) {
		double x = ns_per_op(a, reps), y = ns_per_op(b, reps);

		if (r > 0) {
			xa[r - 1] = x;
			xb[r - 1] = y;
		}
	}
	*sa = stats_of(xa, runs);
	*sb = stats_of(xb, runs);
}

int main(int argc, char **argv)
{
	int runs = 15, instr = 0, only_check = 0;
	double ms = 4;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--instr"))
			instr = 1;
		else if (!strcmp(argv[i], "--check"))
			only_check = 1;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ms") && i + 1 < argc)
			ms = atof(argv[++i]);
	}
	if (runs < 1 || runs > MAX_RUNS)
		runs = 15;
	prepare();
	if (check())
		return 1;
	if (only_check)
		return 0;
	if (instr) {
		/* As the Rust harness's `instr`: 64 reps of NIN iterations each. */
		volatile u64 sink = abi_empty(64) ^ bench_c_empty(64);

		for (size_t k = 0; k < NOPS; k++)
			sink ^= ops[k].c(64) ^ ops[k].abi(64);
		(void)sink;
		return 0;
	}
	{
		struct stats e1, e2;

		compare(bench_c_empty, abi_empty, runs, ms, &e1, &e2);
		printf("harness alone, ns/op: %.2f (%.2f-%.2f)\n", e1.median, e1.min, e1.max);
	}
	printf("%-30s %22s %22s %8s\n", "operation", "C baseline ns/op", "C ABI ns/op", "ABI/C");
	for (size_t k = 0; k < NOPS; k++) {
		struct stats sc, sa;
		char bc[64], ba[64];

		compare(ops[k].c, ops[k].abi, runs, ms, &sc, &sa);
		snprintf(bc, sizeof(bc), "%.2f (%.2f-%.2f)", sc.median, sc.min, sc.max);
		snprintf(ba, sizeof(ba), "%.2f (%.2f-%.2f)", sa.median, sa.min, sa.max);
		printf("%-30s %22s %22s %8.2f\n", ops[k].name, bc, ba, sa.median / sc.median);
	}
	return 0;
}
